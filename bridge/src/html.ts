/** Telegram's HTML mode understands exactly these entities; everything else must be escaped. */
const ENTITIES: ReadonlyMap<string, string> = new Map([
  ["&", "&amp;"],
  ["<", "&lt;"],
  [">", "&gt;"],
  ['"', "&quot;"],
]);

/** One character as Telegram's HTML mode must receive it (a lookup: values are escaped a character at a time). */
export function escapeChar(ch: string): string {
  return ENTITIES.get(ch) ?? ch;
}

export function escapeHtml(value: string): string {
  return value.replace(/[&<>"]/g, escapeChar);
}

/** Only absolute http(s) URLs become links; anything else (javascript:, relative paths) is dropped. */
export function safeUrl(value: string | undefined): string | undefined {
  if (!value) return undefined;
  try {
    const u = new URL(value);
    return u.protocol === "http:" || u.protocol === "https:" ? u.toString() : undefined;
  } catch {
    return undefined;
  }
}

export function link(label: string, url: string | undefined): string | undefined {
  const safe = safeUrl(url);
  return safe ? `<a href="${escapeHtml(safe)}">${escapeHtml(label)}</a>` : undefined;
}

/** Plain-text rendering of our own HTML, for the fallback when Telegram refuses the entities. */
export function htmlToText(html: string): string {
  return html
    .replace(/<a href="([^"]*)">([^<]*)<\/a>/g, "$2 ($1)")
    .replace(/<[^>]+>/g, "")
    .replace(/&quot;/g, '"')
    .replace(/&lt;/g, "<")
    .replace(/&gt;/g, ">")
    .replace(/&amp;/g, "&");
}

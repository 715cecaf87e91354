import { htmlToText } from "./html";
import { sourceBytes, TELEGRAM_LIMITS, TextLimits } from "./telegramLimits";

/**
 * What Telegram counts against its 4096 limit: the text left after HTML entity parsing (tags
 * removed, the four named entities and numeric ones decoded), measured in UTF-16 code units, the
 * unit of the Bot API's lengths and offsets. Link targets are attributes and cost nothing there
 * (they count in the source bytes, telegramLimits.ts).
 */
export const TELEGRAM_TEXT_LIMIT = TELEGRAM_LIMITS.visibleLength;

const NAMED: Record<string, string> = { lt: "<", gt: ">", amp: "&", quot: '"' };

export function visibleText(html: string): string {
  return html.replace(/<[^>]*>/g, "").replace(/&(#x[0-9a-f]+|#\d+|[a-z]+);/gi, (whole, name: string) => {
    if (name.startsWith("#")) {
      const code = name[1] === "x" || name[1] === "X" ? parseInt(name.slice(2), 16) : parseInt(name.slice(1), 10);
      return code > 0 && code <= 0x10ffff ? String.fromCodePoint(code) : whole;
    }
    return NAMED[name] ?? whole;
  });
}

/** Length as Telegram measures it (String.length is UTF-16 code units; 🔥 counts 2). */
export function visibleLength(html: string): number {
  return visibleText(html).length;
}

/** Whether Telegram takes this HTML as it is: visible length and source bytes within its limits. */
export function textFits(html: string, limits: TextLimits = TELEGRAM_LIMITS): boolean {
  return visibleLength(html) <= limits.visibleLength && sourceBytes(html) <= limits.sourceBytes;
}

/**
 * Our HTML as plain text (no parse mode) that Telegram takes: links written out as "label (url)"
 * when that fits, else their labels only, cut to the visible limit. The last resort before an
 * alert would be lost; plain text of 4096 UTF-16 units is at most 12,288 bytes, far below the
 * source limit.
 */
export function plainText(html: string, limits: TextLimits = TELEGRAM_LIMITS): string {
  const withLinks = htmlToText(html);
  if (withLinks.length <= limits.visibleLength && sourceBytes(withLinks) <= limits.sourceBytes) return withLinks;
  const labels = visibleText(html);
  if (labels.length <= limits.visibleLength && sourceBytes(labels) <= limits.sourceBytes) return labels;
  // Cut by code points, so no emoji is split, with room for the "…" (1 unit, 3 bytes).
  let out = "";
  let bytes = 0;
  for (const ch of labels) {
    const b = sourceBytes(ch);
    if (out.length + ch.length + 1 > limits.visibleLength || bytes + b + 3 > limits.sourceBytes) break;
    out += ch;
    bytes += b;
  }
  return `${out}…`;
}

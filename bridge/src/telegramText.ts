import { TELEGRAM_LIMITS } from "./telegramLimits";

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

/**
 * The rules the stack schema (config/schema.ts) and the Telegram bridge (bridge/src/config.ts)
 * both apply, each written once, so a value `obs check` accepts is one the bridge accepts at
 * start: the bot token, chat ids, forum topics, user ids, the message prefix, and service URLs,
 * and the defaults both fall back to. Each side words its own messages; the rule itself lives here.
 *
 * The bridge is bundled with esbuild from bridge/src into a stock Node image: this module must
 * stay free of imports, or the bundle would pull in whatever they reach.
 */

/**
 * A Telegram chat: a numeric id (negative for groups and channels, -100… for supergroups; Bot API
 * ids fit in 52 bits) or a public @username (letters, digits and underscores, starting with a
 * letter, 4 to 32 characters: the shortest are auctioned 4-letter names, 5 is the usual minimum).
 */
export const CHAT_ID = /^(?:-?[1-9]\d{0,15}|@[A-Za-z][A-Za-z0-9_]{3,31})$/;
export function isChatId(text: string): boolean {
  return CHAT_ID.test(text);
}

/**
 * A bot token as @BotFather issues it: the bot's numeric id, a colon and a secret of letters,
 * digits, `_` and `-` (35 characters today; 20 at least, so a truncated paste is caught).
 */
export const BOT_TOKEN = /^\d+:[A-Za-z0-9_-]{20,}$/;
export function isBotToken(text: string): boolean {
  return BOT_TOKEN.test(text);
}

/** A chat id as `pulumi config set --path` stores a number: kept when it is an exact integer. */
export function chatIdFromNumber(n: number): string | undefined {
  return Number.isSafeInteger(n) && isChatId(String(n)) ? String(n) : undefined;
}

/** A forum topic: a message id of the chat, a positive 32-bit integer. */
export const MAX_THREAD_ID = 2 ** 31 - 1;
export function isThreadId(n: number): boolean {
  return Number.isInteger(n) && n >= 1 && n <= MAX_THREAD_ID;
}

/** A Telegram user: a positive integer of up to 52 bits. */
export function isTelegramUserId(n: number): boolean {
  return Number.isSafeInteger(n) && n >= 1;
}

/**
 * The prefix of every message: short enough to leave the text its room, and without control
 * characters (a newline or an escape would break the message's first line and the log line).
 */
export const MAX_PREFIX_LENGTH = 64;
export const DEFAULT_PREFIX = "[TutorDex]";

/** The Bot API server when the stack names none. */
export const TELEGRAM_API_BASE = "https://api.telegram.org";
export function prefixProblem(prefix: string): string | undefined {
  if (/[\u0000-\u001f\u007f-\u009f]/.test(prefix)) return "expected no control characters (newline, tab, escape…)";
  if (prefix.length > MAX_PREFIX_LENGTH) return `expected at most ${MAX_PREFIX_LENGTH} characters`;
  return undefined;
}

/** How an absolute http(s) URL starts: scheme and host. */
// Stryker disable next-line Regex: [^\s/?#] without +: with no end anchor, one host character or more accept the same strings (this also disables the pattern's other, non-equivalent Regex mutants)
export const HTTP_URL_START = /^https?:\/\/[^\s/?#]+/;

/** An absolute http(s) URL with a host and a port a connection can use (not 0). */
export function isHttpUrl(text: string): boolean {
  if (!HTTP_URL_START.test(text) || !URL.canParse(text)) return false;
  const u = new URL(text);
  return u.hostname !== "" && u.port !== "0";
}

/** A URL that carries user or user:password: both end up in logs, alerts and messages. */
export function hasUrlCredentials(text: string): boolean {
  if (!URL.canParse(text)) return /^[a-z][a-z0-9+.-]*:\/\/[^/@\s]*@/i.test(text);
  const u = new URL(text);
  return u.username !== "" || u.password !== "";
}

/** Shown instead of a URL's password in messages (the stack's and the operator commands'). */
export function hideUrlPassword(url: string): string {
  return url.replace(/^([a-z]+:\/\/[^/@:\s]*:)[^/@\s]*@/i, "$1<secret>@");
}

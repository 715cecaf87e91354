import type { InlineKeyboardButton } from "@grammyjs/types";
/**
 * The limits Telegram's Bot API puts on one message, each stated once: the bridge packs and
 * degrades by them, and the fake Bot API of the tests refuses by them with Telegram's own words.
 * Where each comes from:
 * - `text` is refused above 1 << 15 bytes of UTF-8 as sent, before any entity parsing
 *   (telegram-bot-api Client.cpp, `get_formatted_text`: "Text is too long"; the Bot API lowercases
 *   the first letter and prefixes "Bad Request: ").
 * - The text left after entity parsing may hold 4096 characters (Bot API docs, sendMessage; the
 *   server's MESSAGE_TOO_LONG, which TDLib words "Message is too long"). Counted in UTF-16 code
 *   units, the unit of the Bot API's lengths and offsets.
 * - A string that is not UTF-8 once decoded (JSON carries a lone UTF-16 surrogate as `\udXXX`,
 *   which TDLib's JSON decoder turns into bytes no UTF-8 check accepts) is refused by
 *   `parseTextEntities` ("Text must be encoded in UTF-8") with a parse mode, and by
 *   `fix_formatted_text` ("Strings must be encoded in UTF-8") without one.
 * - Inline keyboards: callback data of 1-64 bytes (Bot API docs, InlineKeyboardButton; the server
 *   answers BUTTON_DATA_INVALID). The whole markup has a size limit the server enforces
 *   (REPLY_MARKUP_TOO_LONG, which Client.cpp words "reply markup is too long"); Telegram does not
 *   publish it. It has been seen to refuse at 100 buttons and at about 8-10 kB of markup, so the
 *   bridge keeps well below both: at most 100 buttons and 4 kB of JSON.
 * - A photo's caption is parsed like a text (the 32,768-byte source limit too), then may hold 1024
 *   characters (Bot API docs, sendPhoto; TDLib counts code points against the server option
 *   message_caption_length_max and answers "Message caption is too long").
 * - A photo: at most 10 MB (TDLib, FileLoaderUtils.cpp MAX_PHOTO_SIZE: "File of size … bytes is
 *   too big for a photo"), width + height at most 10000 and a side ratio of at most 20 (Bot API docs,
 *   sendPhoto; the server answers PHOTO_INVALID_DIMENSIONS), an image it can decode
 *   (IMAGE_PROCESS_FAILED). Upper-case server errors reach the bot as they are, after "Bad Request: ".
 */
export interface TelegramLimits {
  readonly visibleLength: number;
  readonly sourceBytes: number;
  readonly callbackDataBytes: number;
  readonly keyboardButtons: number;
  readonly replyMarkupBytes: number;
  readonly captionLength: number;
  readonly photoBytes: number;
  readonly photoSideSum: number;
  readonly photoRatio: number;
}

export const TELEGRAM_LIMITS: TelegramLimits = {
  /** UTF-16 code units of the text after entity parsing. */
  visibleLength: 4096,
  /** UTF-8 bytes of the `text` parameter as sent (markup and entities included). */
  sourceBytes: 1 << 15,
  callbackDataBytes: 64,
  keyboardButtons: 100,
  /** Bytes of the reply_markup as JSON: our own ceiling, below the refusals seen. */
  replyMarkupBytes: 4096,
  /** Characters of a caption after entity parsing. */
  captionLength: 1024,
  photoBytes: 10 * (1 << 20),
  /** Width plus height of a photo, in pixels. */
  photoSideSum: 10_000,
  /** The longer side of a photo over the shorter. */
  photoRatio: 20,
};

/** Telegram's answers (`description`) when a limit is broken, as the Bot API words them. */
export const TELEGRAM_REFUSALS = {
  textEmpty: "Bad Request: message text is empty",
  textTooLong: "Bad Request: text is too long",
  messageTooLong: "Bad Request: message is too long",
  textNotUtf8: "Bad Request: text must be encoded in UTF-8",
  stringsNotUtf8: "Bad Request: strings must be encoded in UTF-8",
  buttonDataInvalid: "Bad Request: BUTTON_DATA_INVALID",
  replyMarkupTooLong: "Bad Request: reply markup is too long",
  captionTooLong: "Bad Request: message caption is too long",
  noPhoto: "Bad Request: there is no photo in the request",
  photoEmpty: "Bad Request: file must be non-empty",
  photoInvalidDimensions: "Bad Request: PHOTO_INVALID_DIMENSIONS",
  imageProcessFailed: "Bad Request: IMAGE_PROCESS_FAILED",
  noTextToEdit: "Bad Request: there is no text in the message to edit",
  noCaptionToEdit: "Bad Request: there is no caption in the message to edit",
} as const;

/** Telegram's answer to a photo file over TELEGRAM_LIMITS.photoBytes. */
export function photoTooBig(bytes: number): string {
  return `Bad Request: file of size ${bytes} bytes is too big for a photo; the maximum size is ${TELEGRAM_LIMITS.photoBytes} bytes`;
}

/** What one message's text may hold; packing takes these (tests pass smaller ones). */
export type TextLimits = Pick<TelegramLimits, "visibleLength" | "sourceBytes">;

/** Bytes Telegram counts for `text`: UTF-8 as sent (a lone surrogate becomes 3 bytes there too). */
export function sourceBytes(text: string): number {
  return Buffer.byteLength(text, "utf8");
}

const LONE_SURROGATE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/g;

export function hasLoneSurrogate(s: string): boolean {
  return new RegExp(LONE_SURROGATE.source).test(s);
}

/**
 * Every string in a Bot API request made well-formed: a lone surrogate (half an emoji cut by
 * whoever wrote the label) becomes U+FFFD. It keeps its length in UTF-16 units and in UTF-8 bytes,
 * so what was measured before stays true.
 */
export function wellFormed<T>(value: T): T {
  if (typeof value === "string") return (hasLoneSurrogate(value) ? value.replace(LONE_SURROGATE, "\uFFFD") : value) as T;
  if (Array.isArray(value)) return value.map(wellFormed) as T;
  if (value && typeof value === "object")
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [wellFormed(k), wellFormed(v)])) as T;
  return value;
}

/** Why Telegram would refuse this inline keyboard, in its words; undefined when it would not. */
export function keyboardRefusal(keyboard: readonly (readonly InlineKeyboardButton[])[] | undefined): string | undefined {
  if (!keyboard) return undefined;
  const buttons = keyboard.flat();
  for (const b of buttons) {
    const bytes = Buffer.byteLength("callback_data" in b ? b.callback_data : "", "utf8");
    if (bytes < 1 || bytes > TELEGRAM_LIMITS.callbackDataBytes) return TELEGRAM_REFUSALS.buttonDataInvalid;
  }
  if (buttons.length > TELEGRAM_LIMITS.keyboardButtons) return TELEGRAM_REFUSALS.replyMarkupTooLong;
  if (Buffer.byteLength(JSON.stringify({ inline_keyboard: keyboard }), "utf8") > TELEGRAM_LIMITS.replyMarkupBytes)
    return TELEGRAM_REFUSALS.replyMarkupTooLong;
  return undefined;
}

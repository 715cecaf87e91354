import * as http from "http";
import { AddressInfo } from "net";
import type {
  ApiResponse,
  BotCommand,
  CallbackQuery,
  Chat,
  ChatMember,
  InlineKeyboardButton,
  Message,
  ResponseParameters,
  Update,
  User,
  UserFromGetMe,
} from "@grammyjs/types";
import {
  hasLoneSurrogate,
  keyboardRefusal,
  photoTooBig,
  sourceBytes,
  TELEGRAM_LIMITS,
  TELEGRAM_REFUSALS,
} from "../bridge/src/telegramLimits";
import { decodePng } from "./png";

/** The bridge's buttons all carry callback data. */
export type InlineButton = InlineKeyboardButton.CallbackButton;

export interface ReceivedMessage {
  readonly chatId: string;
  readonly messageId: number;
  /** The text as sent (a photo's caption); edits are in `edits` and `currentText`, so what was sent stays checkable. */
  readonly text: string;
  /** A photo message (sendPhoto): the file as uploaded and its dimensions; its text is the caption. */
  readonly photo?: { readonly png: Buffer; readonly width: number; readonly height: number };
  readonly html: boolean;
  readonly threadId?: number;
  readonly replyToMessageId?: number;
  readonly at: number;
  readonly linkPreviewDisabled: boolean;
  readonly keyboard?: InlineButton[][];
  currentText: string;
  currentKeyboard?: InlineButton[][];
  readonly edits: { text: string; keyboard?: InlineButton[][]; at: number }[];
}

export type Answer =
  | "ok"
  | "parse_error"
  | "forbidden"
  | "unauthorized"
  | "chat_not_found"
  | "server_error"
  | "drop"
  /** Telegram shows the message, but its answer never arrives (the connection is cut). */
  | "accept_then_drop"
  /** Telegram shows the message at once and answers this much later. */
  | { readonly acceptAndAnswerAfterMs: number }
  | { readonly rateLimit: number }
  | { readonly status: number; readonly description: string };

/** A person in the fake's chats: Telegram's User, of which tests name only what they need. */
export type TelegramUser = Pick<User, "id"> & Partial<Pick<User, "username" | "first_name">>;

/** Telegram's pace, enforced: a message over it gets 429 with parameters.retry_after. */
export interface PaceRules {
  /** Messages per rolling window in a group, supergroup or channel (Telegram: 20 per minute). */
  readonly groupPerWindow: number;
  readonly windowMs: number;
  /** Least gap between two messages to one chat (Telegram: about 1 s). */
  readonly chatIntervalMs: number;
}

export const TELEGRAM_PACE: PaceRules = { groupPerWindow: 20, windowMs: 60_000, chatIntervalMs: 1000 };

/** The person the fake's chats are made by: the owner of every group unless a test says otherwise. */
export const CHAT_OWNER: TelegramUser = { id: 4242, username: "oncall" };

/** setMyCommands' rules (td's BotCommand checks, then the server's), in Telegram's words. */
export const BOT_COMMAND_LIMITS = { commands: 100, command: 32, description: 256 } as const;
function commandsRefusal(commands: unknown): string | undefined {
  if (!Array.isArray(commands)) return "Bad Request: can't parse commands JSON object";
  if (commands.length > BOT_COMMAND_LIMITS.commands) return "Bad Request: BOT_COMMANDS_TOO_MUCH";
  for (const c of commands as Partial<BotCommand>[]) {
    if (typeof c?.command !== "string") return "Bad Request: can't parse BotCommand: Can't find field \"command\"";
    if (typeof c.description !== "string") return "Bad Request: can't parse BotCommand: Can't find field \"description\"";
    if (c.command === "") return "Bad Request: command must be non-empty";
    if ([...c.command].length > BOT_COMMAND_LIMITS.command)
      return `Bad Request: command length must not exceed ${BOT_COMMAND_LIMITS.command}`;
    if (c.description.trim() === "") return "Bad Request: command description must be non-empty";
    if ([...c.description.trim()].length > BOT_COMMAND_LIMITS.description)
      return `Bad Request: command description length must not exceed ${BOT_COMMAND_LIMITS.description}`;
    if (!/^[a-z0-9_]+$/.test(c.command)) return "Bad Request: BOT_COMMAND_INVALID";
  }
  return undefined;
}

const ALLOWED_TAGS = new Set(["b", "strong", "i", "em", "u", "s", "code", "pre", "a", "blockquote"]);

/**
 * Why the Bot API would refuse this `text`, in its words, checked in its order: empty, more than
 * 32,768 bytes of source (before any parsing), not UTF-8 once decoded, HTML it cannot parse, then
 * more than 4096 characters left after entity parsing. Undefined when it would take it.
 */
export function telegramTextRefusal(text: string, parseMode: unknown): string | undefined {
  if (text === "") return TELEGRAM_REFUSALS.textEmpty;
  if (sourceBytes(text) > TELEGRAM_LIMITS.sourceBytes) return TELEGRAM_REFUSALS.textTooLong;
  const html = parseMode === "HTML";
  if (hasLoneSurrogate(text)) return html ? TELEGRAM_REFUSALS.textNotUtf8 : TELEGRAM_REFUSALS.stringsNotUtf8;
  if (html) {
    const e = telegramHtmlError(text);
    return e && `Bad Request: ${e}`;
  }
  return text.length > TELEGRAM_LIMITS.visibleLength ? TELEGRAM_REFUSALS.messageTooLong : undefined;
}

/**
 * Why the Bot API would refuse a photo's caption, in its words: parsed as a text is (32,768 bytes
 * of source, UTF-8, HTML), then at most 1024 characters left after entity parsing, which TDLib
 * counts in code points. An empty caption is fine.
 */
export function telegramCaptionRefusal(caption: string, parseMode: unknown): string | undefined {
  if (caption === "") return undefined;
  if (sourceBytes(caption) > TELEGRAM_LIMITS.sourceBytes) return TELEGRAM_REFUSALS.textTooLong;
  const html = parseMode === "HTML";
  if (hasLoneSurrogate(caption)) return html ? TELEGRAM_REFUSALS.textNotUtf8 : TELEGRAM_REFUSALS.stringsNotUtf8;
  const captionLimit = { length: TELEGRAM_LIMITS.captionLength, codePoints: true, refusal: TELEGRAM_REFUSALS.captionTooLong };
  if (html) {
    const e = telegramHtmlError(caption, captionLimit);
    return e && `Bad Request: ${e}`;
  }
  return [...caption].length > TELEGRAM_LIMITS.captionLength ? TELEGRAM_REFUSALS.captionTooLong : undefined;
}

/** Why Telegram would refuse this file as a photo, in its words: empty, over 10 MB, not an image it decodes, bad dimensions. */
export function telegramPhotoRefusal(file: Buffer): string | undefined {
  if (file.length === 0) return TELEGRAM_REFUSALS.photoEmpty;
  if (file.length > TELEGRAM_LIMITS.photoBytes) return photoTooBig(file.length);
  let size: { width: number; height: number };
  try {
    size = decodePng(file, { pixels: false });
  } catch {
    return TELEGRAM_REFUSALS.imageProcessFailed;
  }
  const { width, height } = size;
  if (width + height > TELEGRAM_LIMITS.photoSideSum || Math.max(width, height) / Math.min(width, height) > TELEGRAM_LIMITS.photoRatio)
    return TELEGRAM_REFUSALS.photoInvalidDimensions;
  return undefined;
}

/**
 * Telegram's HTML rules, as far as our messages can break them: tags, nesting, entities, and the
 * limit on the text left after entity parsing: 4096 UTF-16 code units for a text, 1024 code points
 * for a caption.
 */
export function telegramHtmlError(
  text: string,
  limit: { length: number; codePoints: boolean; refusal: string } = {
    length: TELEGRAM_LIMITS.visibleLength,
    codePoints: false,
    refusal: TELEGRAM_REFUSALS.messageTooLong,
  },
): string | undefined {
  const stack: string[] = [];
  const tag = /<(\/?)([a-z]+)([^>]*)>|<|&(#?\w+);|&/g;
  let plain = "";
  let last = 0;
  for (let m = tag.exec(text); m; m = tag.exec(text)) {
    plain += text.slice(last, m.index);
    last = tag.lastIndex;
    if (m[0] === "<") return "can't parse entities: unsupported start tag";
    if (m[0] === "&") return "can't parse entities: bare &";
    if (m[4] !== undefined) {
      if (!["lt", "gt", "amp", "quot"].includes(m[4]) && !m[4].startsWith("#")) return `can't parse entities: unknown entity &${m[4]};`;
      plain += m[4].startsWith("#") ? String.fromCodePoint(m[4][1] === "x" ? parseInt(m[4].slice(2), 16) : Number(m[4].slice(1))) : "x";
      continue;
    }
    const [, closing, name, attrs] = m;
    if (!ALLOWED_TAGS.has(name)) return `can't parse entities: unsupported start tag "${name}"`;
    if (closing) {
      if (stack.pop() !== name) return `can't parse entities: unexpected end tag "${name}"`;
    } else {
      if (name === "a" && !/^ href="[^"<>]*"$/.test(attrs)) return "can't parse entities: bad <a> attributes";
      stack.push(name);
    }
  }
  plain += text.slice(last);
  if (stack.length) return `can't parse entities: unclosed tag "${stack[stack.length - 1]}"`;
  if ((limit.codePoints ? [...plain].length : plain.length) > limit.length) return limit.refusal.replace("Bad Request: ", "");
  return undefined;
}

type Json = Record<string, any>;

/**
 * A Bot API stand-in on loopback. sendMessage answers come from a script (one per request, then
 * `fallback`); every accepted message is recorded with its arrival time. It also plays the
 * console's side of Telegram: getMe, getUpdates (long polling with offset and a bounded timeout),
 * callback queries and their answers, edits, replies, with Telegram's rules for each.
 */
export class FakeTelegram {
  readonly messages: ReceivedMessage[] = [];
  /** sendMessage requests and the answer each got. */
  readonly requests: { at: number; chatId: string; answer: Answer | "rate_limited_by_pace" | "migrated" }[] = [];
  /** Every Bot API call, by method. */
  readonly calls: { method: string; at: number; params: Json }[] = [];
  /** Methods called with a token this Telegram does not know (answered 401), in order. */
  readonly refusedCalls: string[] = [];
  readonly callbackAnswers: { id: string; text?: string; showAlert: boolean; at: number }[] = [];
  script: Answer[] = [];
  fallback: Answer = "ok";
  /** Off unless set: the existing tests pace themselves more tightly than Telegram's real limits. */
  pace: PaceRules | undefined;
  /** Chats upgraded to supergroups: old id → new id. */
  readonly migrations = new Map<string, string>();
  readonly username = "tutordex_test_bot";
  /** The commands setMyCommands registered (the default scope and language): what the `/` menu lists. */
  commands: BotCommand[] = [];
  /** Each chat's administrators besides its owner; a chat not set here has CHAT_OWNER as its owner and no one else. */
  readonly administrators = new Map<string, { owner?: TelegramUser; admins: TelegramUser[] }>();
  /** Answers to getChatAdministrators from a script (one per call, then Telegram's real answer). */
  adminsScript: Answer[] = [];
  private server?: http.Server;
  private readonly updates: Update[] = [];
  private nextUpdateId = 1000;
  private confirmedOffset = 0;
  private readonly openCallbacks = new Map<string, { answered: boolean }>();
  private readonly waitingPolls = new Set<() => void>();
  private nextMessageId = 1;
  /** Messages people wrote (chat|id): bot messages may reply to them. */
  private readonly userMessages = new Set<string>();
  private readonly pollCapMs: number;
  url = "";

  constructor(
    readonly token = "123456789:fake-token-for-tests-aaaaaaaaaaaa",
    opts: { pollCapMs?: number } = {},
  ) {
    this.pollCapMs = opts.pollCapMs ?? 5000;
  }

  async start(): Promise<this> {
    this.server = http.createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on("data", (c: Buffer) => chunks.push(c));
      req.on("end", () => void this.answer(req, res, Buffer.concat(chunks)));
    });
    await new Promise<void>((r) => this.server!.listen(0, "127.0.0.1", r));
    this.url = `http://127.0.0.1:${(this.server.address() as AddressInfo).port}`;
    return this;
  }

  async stop(): Promise<void> {
    for (const wake of this.waitingPolls) wake();
    this.server?.closeAllConnections();
    await new Promise<void>((r) => (this.server ? this.server.close(() => r()) : r()));
  }

  // --- what a person does in the chat ------------------------------------------------------------

  /** A press on an inline button of a message; returns the callback query id. */
  pressButton(chatId: string, messageId: number, data: string, from: TelegramUser = { id: 4242, username: "oncall" }): string {
    const id = `cb${this.nextUpdateId}`;
    this.openCallbacks.set(id, { answered: false });
    const msg = this.messages.find((m) => m.chatId === chatId && m.messageId === messageId);
    const query: CallbackQuery = {
      id,
      from: userOf(from),
      chat_instance: "1",
      data,
      message: {
        message_id: messageId,
        date: Math.floor((msg?.at ?? Date.now()) / 1000),
        chat: chatOf(chatId),
        text: msg?.currentText ?? "",
      },
    };
    this.push({ callback_query: query });
    return id;
  }

  /** A person presses the button labelled `label` on the message. */
  press(message: ReceivedMessage, label: string | RegExp, from?: TelegramUser): string {
    const button = (message.currentKeyboard ?? [])
      .flat()
      .find((b) => (typeof label === "string" ? b.text.includes(label) : label.test(b.text)));
    if (!button)
      throw new Error(
        `no button ${label} on message ${message.messageId}; buttons: ${(message.currentKeyboard ?? [])
          .flat()
          .map((b) => b.text)
          .join(", ")}`,
      );
    return this.pressButton(message.chatId, message.messageId, button.callback_data, from);
  }

  /** A person writes in the chat (a command such as /alerts). */
  say(chatId: string, text: string, from: TelegramUser = { id: 4242, username: "oncall" }, threadId?: number): number {
    const messageId = this.nextMessageId++;
    this.userMessages.add(`${chatId}|${messageId}`);
    const message: Message = {
      message_id: messageId,
      date: Math.floor(Date.now() / 1000),
      chat: chatOf(chatId),
      from: userOf(from),
      text,
      ...(threadId ? { message_thread_id: threadId, is_topic_message: true } : {}),
    };
    this.push({ message } as Omit<Update, "update_id">);
    return messageId;
  }

  /** Updates not yet confirmed by a getUpdates with a higher offset. */
  unconfirmedUpdates(): number {
    return this.updates.filter((u) => u.update_id >= this.confirmedOffset).length;
  }

  answerFor(callbackId: string): { text?: string; showAlert: boolean } | undefined {
    return this.callbackAnswers.find((a) => a.id === callbackId);
  }

  message(chatId: string, messageId: number): ReceivedMessage | undefined {
    return this.messages.find((m) => m.chatId === chatId && m.messageId === messageId);
  }

  private push(update: Omit<Update, "update_id">): void {
    this.updates.push({ update_id: this.nextUpdateId++, ...update });
    for (const wake of [...this.waitingPolls]) wake();
  }

  // --- the Bot API ---------------------------------------------------------------------------------

  private async answer(req: http.IncomingMessage, res: http.ServerResponse, body: Buffer): Promise<void> {
    const send: Send = (status, json) => {
      if (res.writableEnded) return;
      res.writeHead(status, { "content-type": "application/json" });
      res.end(JSON.stringify(json));
    };
    const fail: Fail = (status, description, parameters) =>
      send(status, { ok: false, error_code: status, description, ...(parameters ? { parameters } : {}) });
    const m = /^\/bot([^/]+)\/(\w+)$/.exec(req.url ?? "");
    if (!m || m[1] !== this.token) {
      if (m) this.refusedCalls.push(m[2]);
      return fail(req.url?.startsWith("/bot") ? 401 : 404, req.url?.startsWith("/bot") ? "Unauthorized" : "Not Found");
    }
    const method = m[2];
    let params: Json;
    const files = new Map<string, Buffer>();
    const boundary = /^multipart\/form-data;.*boundary="?([^";]+)"?/i.exec(req.headers["content-type"] ?? "")?.[1];
    try {
      if (boundary) {
        // The Bot API reads every part as a string parameter (objects as JSON), a part with a filename as a file.
        params = {};
        for (const part of multipartParts(body, boundary)) {
          if (part.filename !== undefined) files.set(part.name, part.data);
          else params[part.name] = jsonOrString(part.data.toString("utf8"));
        }
      } else params = body.length ? (JSON.parse(body.toString("utf8")) as Json) : {};
    } catch {
      return fail(400, "Bad Request: request body is not JSON");
    }
    this.calls.push({ method, at: Date.now(), params });
    switch (method) {
      case "sendMessage":
        return this.sendMessage(params, req, send, fail);
      case "sendPhoto": {
        // A photo by file_id or URL is not what the bridge sends; only an upload is accepted here.
        const photo = files.get("photo");
        if (!photo)
          return fail(
            400,
            typeof params.photo === "string" && params.photo
              ? "Bad Request: wrong file identifier/HTTP URL specified"
              : TELEGRAM_REFUSALS.noPhoto,
          );
        return this.sendMessage(params, req, send, fail, photo);
      }
      case "editMessageCaption":
      case "editMessageText":
      case "editMessageReplyMarkup":
        return this.edit(method, params, send, fail);
      case "answerCallbackQuery": {
        const q = this.openCallbacks.get(String(params.callback_query_id));
        if (!q || q.answered) return fail(400, "Bad Request: query is too old and response timeout expired or query ID is invalid");
        if (params.text !== undefined && String(params.text).length > 200) return fail(400, "Bad Request: MESSAGE_TOO_LONG");
        q.answered = true;
        this.callbackAnswers.push({
          id: String(params.callback_query_id),
          text: params.text,
          showAlert: params.show_alert === true,
          at: Date.now(),
        });
        return send(200, { ok: true, result: true });
      }
      case "getMe": {
        const me = {
          id: Number(this.token.split(":")[0]),
          is_bot: true,
          first_name: "TutorDex alerts",
          username: this.username,
          can_join_groups: true,
          can_read_all_group_messages: false,
          supports_inline_queries: false,
          can_connect_to_business: false,
          has_main_web_app: false,
          has_topics_enabled: false,
          allows_users_to_create_topics: false,
          can_manage_bots: false,
          supports_join_request_queries: false,
        } satisfies UserFromGetMe;
        return send(200, { ok: true, result: me });
      }
      case "setMyCommands": {
        const refusal = commandsRefusal(params.commands);
        if (refusal) return fail(400, refusal);
        // Telegram trims descriptions.
        this.commands = (params.commands as BotCommand[]).map((c) => ({ command: c.command, description: c.description.trim() }));
        return send(200, { ok: true, result: true });
      }
      case "getMyCommands":
        return send(200, { ok: true, result: this.commands });
      case "getChatAdministrators":
        return this.getChatAdministrators(params, send, fail);
      case "getUpdates":
        return this.getUpdates(params, req, send);
      default:
        return fail(404, "Not Found: method not found");
    }
  }

  /** sendMessage, or sendPhoto with the uploaded photo: the same path, with a caption's and a photo's checks in their places. */
  private sendMessage(params: Json, req: http.IncomingMessage, send: Send, fail: Fail, photo?: Buffer): void {
    const chatId = String(params.chat_id);
    const answer = this.script.shift() ?? this.fallback;
    if (answer === "drop") {
      this.requests.push({ at: Date.now(), chatId, answer });
      return void req.socket.destroy();
    }
    const accepts =
      answer === "ok" ||
      answer === "parse_error" ||
      answer === "accept_then_drop" ||
      (typeof answer === "object" && "acceptAndAnswerAfterMs" in answer);
    if (!accepts) {
      this.requests.push({ at: Date.now(), chatId, answer });
      if (answer === "forbidden") return fail(403, "Forbidden: bot was blocked by the user");
      if (answer === "unauthorized") return fail(401, "Unauthorized");
      if (answer === "chat_not_found") return fail(400, "Bad Request: chat not found");
      if (answer === "server_error") return fail(500, "Internal Server Error");
      if ("rateLimit" in answer) return fail(429, `Too Many Requests: retry after ${answer.rateLimit}`, { retry_after: answer.rateLimit });
      if ("status" in answer) return fail(answer.status, answer.description);
    }
    // The Bot API's own checks of the text come before anything reaches Telegram's servers; the
    // length after parsing and the photo itself are Telegram's to judge, once the message is sent.
    const field = photo ? params.caption : params.text;
    const text = typeof field === "string" ? field : String(field ?? "");
    const textRefusal = photo ? telegramCaptionRefusal(text, params.parse_mode) : telegramTextRefusal(text, params.parse_mode);
    const tooLong = textRefusal === TELEGRAM_REFUSALS.messageTooLong || textRefusal === TELEGRAM_REFUSALS.captionTooLong;
    if (textRefusal && !tooLong) {
      this.requests.push({ at: Date.now(), chatId, answer: { status: 400, description: textRefusal } });
      return fail(400, textRefusal);
    }
    // TDLib checks the file, then the caption's length; the server then decodes the image.
    const photoRefusal = photo && telegramPhotoRefusal(photo);
    const fileRefusal =
      photoRefusal === TELEGRAM_REFUSALS.photoEmpty || photoRefusal?.startsWith("Bad Request: file of size") ? photoRefusal : undefined;
    const lateRefusal = fileRefusal ?? (tooLong ? textRefusal : undefined) ?? photoRefusal;
    const migratedTo = this.migrations.get(chatId);
    if (migratedTo) {
      this.requests.push({ at: Date.now(), chatId, answer: "migrated" });
      return fail(400, "Bad Request: group chat was upgraded to a supergroup chat", { migrate_to_chat_id: Number(migratedTo) });
    }
    const now = Date.now();
    const waitMs = this.paceWait(chatId, now);
    if (waitMs > 0) {
      this.requests.push({ at: now, chatId, answer: "rate_limited_by_pace" });
      return fail(429, `Too Many Requests: retry after ${Math.ceil(waitMs / 1000)}`, { retry_after: Math.ceil(waitMs / 1000) });
    }
    this.requests.push({ at: now, chatId, answer });
    if (answer === "parse_error") return fail(400, "Bad Request: can't parse entities: forced by test");
    if (lateRefusal) return fail(400, lateRefusal);
    const reply = params.reply_parameters as { message_id?: number; allow_sending_without_reply?: boolean } | undefined;
    const replyExists =
      reply?.message_id !== undefined &&
      (this.message(chatId, reply.message_id) !== undefined || this.userMessages.has(`${chatId}|${reply.message_id}`));
    if (reply?.message_id !== undefined && !replyExists && !reply.allow_sending_without_reply) {
      return fail(400, "Bad Request: message to be replied not found");
    }
    const keyboard = params.reply_markup?.inline_keyboard as InlineButton[][] | undefined;
    const keyboardError = checkKeyboard(keyboard);
    if (keyboardError) return fail(400, keyboardError);
    const decoded = photo ? decodePng(photo, { pixels: false }) : undefined;
    const msg: ReceivedMessage = {
      chatId,
      messageId: this.nextMessageId++,
      text,
      ...(photo && decoded ? { photo: { png: photo, width: decoded.width, height: decoded.height } } : {}),
      html: params.parse_mode === "HTML",
      threadId: params.message_thread_id === undefined ? undefined : Number(params.message_thread_id),
      replyToMessageId: replyExists ? reply.message_id : undefined,
      at: now,
      linkPreviewDisabled: params.link_preview_options?.is_disabled === true,
      keyboard,
      currentText: text,
      currentKeyboard: keyboard,
      edits: [],
    };
    this.messages.push(msg);
    if (answer === "accept_then_drop") return void req.socket.destroy();
    // A Message as the Bot API returns it; clients (Alertmanager's telebot among them) read `chat`.
    const numeric = Number(chatId);
    const content = msg.photo
      ? {
          photo: [
            {
              file_id: `photo${msg.messageId}`,
              file_unique_id: `unique${msg.messageId}`,
              width: msg.photo.width,
              height: msg.photo.height,
              file_size: photo!.length,
            },
          ],
          caption: text,
        }
      : { text };
    const result: ApiResponse<Message> = {
      ok: true,
      result: { message_id: msg.messageId, date: Math.floor(now / 1000), chat: chatOf(Number.isNaN(numeric) ? "0" : chatId), ...content },
    };
    if (typeof answer === "object" && "acceptAndAnswerAfterMs" in answer)
      return void setTimeout(() => send(200, result), answer.acceptAndAnswerAfterMs).unref();
    send(200, result);
  }

  /** How long until Telegram would take another message for this chat; 0 when it would now. */
  private paceWait(chatId: string, now: number): number {
    if (!this.pace) return 0;
    const times = this.messages.filter((m) => m.chatId === chatId).map((m) => m.at);
    const last = times[times.length - 1];
    let wait = last !== undefined ? last + this.pace.chatIntervalMs - now : 0;
    if (chatType(chatId) !== "private") {
      const inWindow = times.filter((t) => t > now - this.pace!.windowMs);
      if (inWindow.length >= this.pace.groupPerWindow)
        wait = Math.max(wait, inWindow[inWindow.length - this.pace.groupPerWindow] + this.pace.windowMs - now);
    }
    return Math.max(0, wait);
  }

  private edit(method: string, params: Json, send: Send, fail: Fail): void {
    const msg = this.message(String(params.chat_id), Number(params.message_id));
    if (!msg) return fail(400, "Bad Request: message to edit not found");
    // A photo has a caption and no text; a text message has no caption.
    if (method === "editMessageText" && msg.photo) return fail(400, TELEGRAM_REFUSALS.noTextToEdit);
    if (method === "editMessageCaption" && !msg.photo) return fail(400, TELEGRAM_REFUSALS.noCaptionToEdit);
    const text =
      method === "editMessageText"
        ? String(params.text ?? "")
        : method === "editMessageCaption"
          ? String(params.caption ?? "")
          : msg.currentText;
    if (method !== "editMessageReplyMarkup") {
      const refusal =
        method === "editMessageCaption" ? telegramCaptionRefusal(text, params.parse_mode) : telegramTextRefusal(text, params.parse_mode);
      if (refusal) return fail(400, refusal);
    }
    const keyboard = params.reply_markup?.inline_keyboard as InlineButton[][] | undefined;
    const keyboardError = checkKeyboard(keyboard);
    if (keyboardError) return fail(400, keyboardError);
    // editMessageText without reply_markup removes the keyboard, as Telegram does.
    if (text === msg.currentText && JSON.stringify(keyboard ?? null) === JSON.stringify(msg.currentKeyboard ?? null)) {
      return fail(
        400,
        "Bad Request: message is not modified: specified new message content and reply markup are exactly the same as a current content and reply markup of the message",
      );
    }
    msg.currentText = text;
    msg.currentKeyboard = keyboard;
    msg.edits.push({ text, keyboard, at: Date.now() });
    const edited: Message = {
      message_id: msg.messageId,
      date: Math.floor(msg.at / 1000),
      edit_date: Math.floor(Date.now() / 1000),
      chat: chatOf(msg.chatId),
      ...(msg.photo ? { caption: text } : { text }),
    };
    send(200, { ok: true, result: edited });
  }

  /** The owner and administrators as Telegram lists them (ChatMemberOwner, ChatMemberAdministrator), the bot among them. */
  private getChatAdministrators(params: Json, send: Send, fail: Fail): void {
    const chatId = String(params.chat_id ?? "");
    const scripted = this.adminsScript.shift();
    if (scripted !== undefined && scripted !== "ok") {
      if (scripted === "forbidden") return fail(403, "Forbidden: bot was kicked from the supergroup chat");
      if (scripted === "chat_not_found") return fail(400, "Bad Request: chat not found");
      if (scripted === "server_error") return fail(500, "Internal Server Error");
      if (typeof scripted === "object" && "rateLimit" in scripted)
        return fail(429, `Too Many Requests: retry after ${scripted.rateLimit}`, { retry_after: scripted.rateLimit });
      if (typeof scripted === "object" && "status" in scripted) return fail(scripted.status, scripted.description);
      return fail(500, "Internal Server Error");
    }
    if (chatId === "") return fail(400, "Bad Request: chat_id is empty");
    if (chatType(chatId) === "private") return fail(400, "Bad Request: there are no administrators in the private chat");
    const set = this.administrators.get(chatId) ?? { admins: [] };
    const user = (u: TelegramUser): User => ({
      id: u.id,
      is_bot: false,
      first_name: u.first_name ?? u.username ?? "User",
      ...(u.username ? { username: u.username } : {}),
    });
    const admin = (u: User): ChatMember =>
      ({
        status: "administrator",
        user: u,
        can_be_edited: false,
        is_anonymous: false,
        can_manage_chat: true,
        can_delete_messages: true,
        can_manage_video_chats: true,
        can_restrict_members: true,
        can_promote_members: false,
        can_change_info: true,
        can_invite_users: true,
        can_post_stories: false,
        can_edit_stories: false,
        can_delete_stories: false,
        can_pin_messages: true,
        can_manage_topics: false,
      }) as ChatMember;
    const result: ChatMember[] = [
      { status: "creator", user: user(set.owner ?? CHAT_OWNER), is_anonymous: false },
      ...set.admins.map((u) => admin(user(u))),
      admin({ id: Number(this.token.split(":")[0]), is_bot: true, first_name: "TutorDex alerts", username: this.username }),
    ];
    send(200, { ok: true, result });
  }

  private getUpdates(params: Json, req: http.IncomingMessage, send: Send): void {
    const offset = Number(params.offset ?? 0);
    if (offset > this.confirmedOffset) this.confirmedOffset = offset;
    // Confirmed updates are forgotten, as Telegram forgets them.
    while (this.updates.length && this.updates[0].update_id < this.confirmedOffset) this.updates.shift();
    const ready = () => this.updates.filter((u) => u.update_id >= offset).slice(0, Math.min(100, Number(params.limit ?? 100)));
    const now = ready();
    const timeoutMs = Math.min(Number(params.timeout ?? 0) * 1000, this.pollCapMs);
    if (now.length || timeoutMs <= 0) return send(200, { ok: true, result: now });
    let timer: NodeJS.Timeout | undefined;
    const gone = () => {
      clearTimeout(timer);
      this.waitingPolls.delete(finish);
    };
    const finish = () => {
      gone();
      req.socket.off("close", gone);
      send(200, { ok: true, result: ready() });
    };
    timer = setTimeout(finish, timeoutMs);
    this.waitingPolls.add(finish);
    req.socket.once("close", gone);
  }
}

/** The parts of a multipart/form-data body, each with its name, its filename if it is a file, and its bytes. */
function multipartParts(body: Buffer, boundary: string): { name: string; filename?: string; data: Buffer }[] {
  const delimiter = Buffer.from(`--${boundary}`);
  const parts: { name: string; filename?: string; data: Buffer }[] = [];
  let at = body.indexOf(delimiter);
  if (at < 0) throw new Error("no multipart boundary in the body");
  for (;;) {
    const start = at + delimiter.length;
    if (body.subarray(start, start + 2).toString() === "--") return parts;
    const next = body.indexOf(delimiter, start);
    if (next < 0) throw new Error("multipart body not closed");
    const part = body.subarray(start + 2, next - 2);
    const split = part.indexOf("\r\n\r\n");
    const headers = part.subarray(0, split).toString("utf8");
    const name = /name="([^"]*)"/.exec(headers)?.[1];
    if (split < 0 || name === undefined) throw new Error("multipart part without a name");
    const filename = /filename="([^"]*)"/.exec(headers)?.[1];
    parts.push({ name, ...(filename !== undefined ? { filename } : {}), data: part.subarray(split + 4) });
    at = next;
  }
}

/** A form field as the Bot API reads it: JSON where it parses as an object or array (reply_markup), the string otherwise. */
function jsonOrString(v: string): unknown {
  if (!/^\s*[[{]/.test(v)) return v;
  try {
    return JSON.parse(v);
  } catch {
    return v;
  }
}

function chatType(chatId: string): Chat["type"] {
  return chatId.startsWith("-100") || chatId.startsWith("@") ? "supergroup" : chatId.startsWith("-") ? "group" : "private";
}

/** A chat as Telegram describes it in messages: its kind from its id, a title for groups, a name for people. */
function chatOf(chatId: string): Chat {
  const id = Number(chatId);
  const type = chatType(chatId);
  return type === "private" ? { id, type, first_name: "User" } : { id: Number.isNaN(id) ? 0 : id, type, title: "alerts" };
}

/** A person as Telegram describes them in updates: a first name always, the rest as the test set it. */
function userOf(u: TelegramUser): User {
  return { is_bot: false, first_name: u.first_name ?? u.username ?? "User", ...u };
}

type Send = (status: number, answer: ApiResponse<unknown>) => void;
type Fail = (status: number, description: string, parameters?: ResponseParameters) => void;

/** Telegram's rules for inline keyboards: a text on every button, and the limits of telegramLimits.ts. */
function checkKeyboard(keyboard: InlineButton[][] | undefined): string | undefined {
  if (!keyboard) return undefined;
  for (const b of keyboard.flat()) {
    if (!b.text) return "Bad Request: text buttons are unallowed in the inline keyboard";
    if (hasLoneSurrogate(b.text))
      return "Bad Request: can't parse inline keyboard button: Inline keyboard button text must be encoded in UTF-8";
  }
  return keyboardRefusal(keyboard);
}

import * as http from "http";
import { AddressInfo } from "net";

export interface ReceivedMessage {
  readonly chatId: string;
  readonly text: string;
  readonly html: boolean;
  readonly threadId?: number;
  readonly at: number;
  readonly linkPreviewDisabled: boolean;
}

export type Answer =
  | "ok"
  | "parse_error"
  | "forbidden"
  | "unauthorized"
  | "chat_not_found"
  | "server_error"
  | "drop"
  | { readonly rateLimit: number };

const ALLOWED_TAGS = new Set(["b", "strong", "i", "em", "u", "s", "code", "pre", "a", "blockquote"]);

/** Telegram's HTML rules, as far as our messages can break them: tags, nesting, entities, length. */
export function telegramHtmlError(text: string): string | undefined {
  const stack: string[] = [];
  const tag = /<(\/?)([a-z]+)([^>]*)>|<|&(#?\w+);|&/g;
  let plainLength = 0;
  let last = 0;
  for (let m = tag.exec(text); m; m = tag.exec(text)) {
    plainLength += m.index - last;
    last = tag.lastIndex;
    if (m[0] === "<") return "can't parse entities: unsupported start tag";
    if (m[0] === "&") return "can't parse entities: bare &";
    if (m[4] !== undefined) {
      if (!["lt", "gt", "amp", "quot"].includes(m[4]) && !m[4].startsWith("#")) return `can't parse entities: unknown entity &${m[4]};`;
      plainLength += 1;
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
  plainLength += text.length - last;
  if (stack.length) return `can't parse entities: unclosed tag "${stack[stack.length - 1]}"`;
  if (plainLength > 4096) return "message is too long";
  return undefined;
}

/**
 * A Bot API stand-in on loopback. Answers come from a script (one per request, then `fallback`);
 * every accepted message is recorded with its arrival time.
 */
export class FakeTelegram {
  readonly messages: ReceivedMessage[] = [];
  readonly requests: { at: number; answer: Answer }[] = [];
  script: Answer[] = [];
  fallback: Answer = "ok";
  private server?: http.Server;
  url = "";

  constructor(readonly token = "123456789:fake-token-for-tests-aaaaaaaaaaaa") {}

  async start(): Promise<this> {
    this.server = http.createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on("data", (c: Buffer) => chunks.push(c));
      req.on("end", () => this.answer(req, res, Buffer.concat(chunks).toString("utf8")));
    });
    await new Promise<void>((r) => this.server!.listen(0, "127.0.0.1", r));
    this.url = `http://127.0.0.1:${(this.server!.address() as AddressInfo).port}`;
    return this;
  }

  async stop(): Promise<void> {
    this.server?.closeAllConnections();
    await new Promise<void>((r) => (this.server ? this.server.close(() => r()) : r()));
  }

  private answer(req: http.IncomingMessage, res: http.ServerResponse, body: string): void {
    const send = (status: number, json: unknown) => {
      res.writeHead(status, { "content-type": "application/json" });
      res.end(JSON.stringify(json));
    };
    if (req.url !== `/bot${this.token}/sendMessage`) {
      return send(req.url?.startsWith("/bot") ? 401 : 404, { ok: false, error_code: 401, description: "Unauthorized" });
    }
    const answer = this.script.shift() ?? this.fallback;
    this.requests.push({ at: Date.now(), answer });
    const msg = JSON.parse(body) as { chat_id: string; text: string; parse_mode?: string; message_thread_id?: number; link_preview_options?: { is_disabled?: boolean } };
    if (answer === "drop") return void req.socket.destroy();
    if (answer === "forbidden") return send(403, { ok: false, error_code: 403, description: "Forbidden: bot was blocked by the user" });
    if (answer === "unauthorized") return send(401, { ok: false, error_code: 401, description: "Unauthorized" });
    if (answer === "chat_not_found") return send(400, { ok: false, error_code: 400, description: "Bad Request: chat not found" });
    if (answer === "server_error") return send(500, { ok: false, error_code: 500, description: "Internal Server Error" });
    if (typeof answer === "object") return send(429, { ok: false, error_code: 429, description: "Too Many Requests", parameters: { retry_after: answer.rateLimit } });
    const htmlError = msg.parse_mode === "HTML" ? telegramHtmlError(msg.text) : msg.text.length > 4096 ? "message is too long" : undefined;
    if (answer === "parse_error" || htmlError) {
      return send(400, { ok: false, error_code: 400, description: `Bad Request: ${htmlError ?? "can't parse entities: forced by test"}` });
    }
    this.messages.push({
      chatId: String(msg.chat_id),
      text: msg.text,
      html: msg.parse_mode === "HTML",
      threadId: msg.message_thread_id,
      at: Date.now(),
      linkPreviewDisabled: msg.link_preview_options?.is_disabled === true,
    });
    // A Message as the Bot API returns it; clients (Alertmanager's telebot among them) read `chat`.
    const chatId = Number(msg.chat_id);
    send(200, {
      ok: true,
      result: { message_id: this.messages.length, date: Math.floor(Date.now() / 1000), chat: { id: Number.isNaN(chatId) ? 0 : chatId, type: "supergroup", title: "alerts" }, text: msg.text },
    });
  }
}

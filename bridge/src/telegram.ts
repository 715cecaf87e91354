/** The outcome of one sendMessage call, classified for the retry policy. */
export type SendOutcome =
  | { kind: "sent" }
  | { kind: "rate_limited"; retryAfterMs: number }
  | { kind: "transient"; reason: "server_error" | "network"; detail: string }
  | { kind: "unparseable"; detail: string }
  | { kind: "permanent"; reason: "bad_token" | "forbidden" | "chat_not_found" | "bad_request"; detail: string };

export interface SendRequest {
  readonly chatId: string;
  readonly text: string;
  readonly html: boolean;
  readonly messageThreadId?: number;
}

export interface TelegramApi {
  send(req: SendRequest): Promise<SendOutcome>;
}

interface BotApiAnswer {
  ok?: boolean;
  description?: string;
  error_code?: number;
  parameters?: { retry_after?: number };
}

/** Maps a Bot API answer to an outcome. Pure, so the policy is tested without a server. */
export function classify(status: number, body: BotApiAnswer | undefined): SendOutcome {
  const detail = `${status} ${body?.description ?? ""}`.trim();
  if (status === 200 && body?.ok) return { kind: "sent" };
  if (status === 429) return { kind: "rate_limited", retryAfterMs: Math.max(1, body?.parameters?.retry_after ?? 1) * 1000 };
  if (status >= 500 || status === 0) return { kind: "transient", reason: "server_error", detail };
  const text = (body?.description ?? "").toLowerCase();
  if (status === 400 && text.includes("can't parse entities")) return { kind: "unparseable", detail };
  if (status === 401 || status === 404) return { kind: "permanent", reason: "bad_token", detail };
  if (status === 403) return { kind: "permanent", reason: "forbidden", detail };
  if (status === 400 && text.includes("chat not found")) return { kind: "permanent", reason: "chat_not_found", detail };
  if (status === 200) return { kind: "transient", reason: "server_error", detail: `200 without ok: ${detail}` };
  return { kind: "permanent", reason: "bad_request", detail };
}

export class BotApiClient implements TelegramApi {
  constructor(
    private readonly token: string,
    private readonly apiBase = "https://api.telegram.org",
    private readonly timeoutMs = 10_000,
  ) {}

  async send(req: SendRequest): Promise<SendOutcome> {
    const body = {
      chat_id: req.chatId,
      text: req.text,
      ...(req.html ? { parse_mode: "HTML" } : {}),
      link_preview_options: { is_disabled: true },
      ...(req.messageThreadId ? { message_thread_id: req.messageThreadId } : {}),
    };
    try {
      const res = await fetch(`${this.apiBase}/bot${this.token}/sendMessage`, {
        method: "POST",
        headers: { "content-type": "application/json" },
        body: JSON.stringify(body),
        signal: AbortSignal.timeout(this.timeoutMs),
      });
      const answer = (await res.json().catch(() => undefined)) as BotApiAnswer | undefined;
      return classify(res.status, answer);
    } catch (e) {
      // Never let the URL (which holds the token) reach a log through the error message.
      const message = String((e as Error).message ?? e).split(this.token).join("<token>");
      return { kind: "transient", reason: "network", detail: message };
    }
  }
}

import type { ApiError, ApiSuccess } from "@grammyjs/types";
import type { BotMethod, BotParams, BotResult } from "./botApi";
import { describeError } from "./log";
import { TELEGRAM_REFUSALS, wellFormed } from "./telegramLimits";

/** The outcome of one Bot API call, classified for the retry policy. */
export type ApiOutcome<T = unknown> =
  | { kind: "ok"; result: T }
  | { kind: "rate_limited"; retryAfterMs: number }
  | { kind: "migrated"; toChatId: string }
  | { kind: "not_modified" }
  /**
   * maybeDelivered: the request may have reached Telegram and been carried out, only the answer
   * did not come back (timed out, connection cut after sending). Sending it again may show it twice.
   */
  | { kind: "transient"; reason: "server_error" | "network"; detail: string; maybeDelivered?: true }
  | { kind: "unparseable"; detail: string }
  /** Telegram measured the text over one of its limits (telegramLimits.ts), though packing kept within them. */
  | { kind: "too_long"; detail: string }
  | { kind: "permanent"; reason: PermanentReason; detail: string };

/** bad_migration: Telegram named a chat migration that cannot be followed (to the same chat, or a second one for one message). */
export type PermanentReason = "bad_token" | "forbidden" | "chat_not_found" | "bad_request" | "bad_migration";

/** A Bot API method called with its parameters; the result is Telegram's answer to that method. */
export interface TelegramApi {
  call<M extends BotMethod>(
    method: M,
    params: BotParams<M>,
    opts?: { timeoutMs?: number; signal?: AbortSignal },
  ): Promise<ApiOutcome<BotResult<M>>>;
}

/**
 * A call sent promptly to a chat (the outbox's priority lane, within the chat's pace); the
 * parameters are made for the chat's id when it goes out, which a migration may have changed.
 */
export type PromptCall = <M extends BotMethod>(
  chatId: string,
  method: M,
  params: (chatId: string) => BotParams<M>,
) => Promise<ApiOutcome<BotResult<M>>>;

/** A Bot API answer (ApiResponse) as it arrives, unchecked: a proxy in between may leave out any field. */
type BotApiAnswer = { ok?: boolean } & Partial<Omit<ApiError, "ok">> & Partial<Omit<ApiSuccess<unknown>, "ok">>;

const TOO_LONG = [TELEGRAM_REFUSALS.textTooLong, TELEGRAM_REFUSALS.messageTooLong];

/** Maps a Bot API answer to an outcome. Pure, so the policy is tested without a server. */
export function classify<T>(status: number, body: BotApiAnswer | undefined): ApiOutcome<T> {
  const detail = `${status} ${body?.description ?? ""}`.trim();
  if (status === 200 && body?.ok) return { kind: "ok", result: body.result as T };
  if (status === 429) return { kind: "rate_limited", retryAfterMs: Math.max(1, body?.parameters?.retry_after ?? 1) * 1000 };
  if (body?.parameters?.migrate_to_chat_id !== undefined) return { kind: "migrated", toChatId: String(body.parameters.migrate_to_chat_id) };
  if (status >= 500 || status === 0) return { kind: "transient", reason: "server_error", detail };
  const text = (body?.description ?? "").toLowerCase();
  if (status === 400 && text.includes("message is not modified")) return { kind: "not_modified" };
  if (status === 400 && text.includes("can't parse entities")) return { kind: "unparseable", detail };
  if (status === 400 && TOO_LONG.some((d) => text === d.toLowerCase())) return { kind: "too_long", detail };
  if (status === 401 || status === 404) return { kind: "permanent", reason: "bad_token", detail };
  if (status === 403) return { kind: "permanent", reason: "forbidden", detail };
  if (status === 400 && text.includes("chat not found")) return { kind: "permanent", reason: "chat_not_found", detail };
  if (status === 200) return { kind: "transient", reason: "server_error", detail: `200 without ok: ${detail}` };
  return { kind: "permanent", reason: "bad_request", detail };
}

/**
 * How long a Bot API call may take before the bridge gives up on its answer. A message Telegram
 * took but answered later than this (or whose answer was lost) is sent again: this bounds the
 * window in which a duplicate can arise.
 */
export const TELEGRAM_REQUEST_TIMEOUT_MS = 10_000;

export class BotApiClient implements TelegramApi {
  constructor(
    private readonly token: string,
    private readonly apiBase = "https://api.telegram.org",
    private readonly timeoutMs = TELEGRAM_REQUEST_TIMEOUT_MS,
  ) {}

  async call<M extends BotMethod>(
    method: M,
    params: BotParams<M>,
    opts: { timeoutMs?: number; signal?: AbortSignal } = {},
  ): Promise<ApiOutcome<BotResult<M>>> {
    const timeout = AbortSignal.timeout(opts.timeoutMs ?? this.timeoutMs);
    try {
      const res = await fetch(`${this.apiBase}/bot${this.token}/${method}`, {
        method: "POST",
        ...requestBody(params),
        signal: opts.signal ? AbortSignal.any([timeout, opts.signal]) : timeout,
      });
      const answer = (await res.json().catch(() => undefined)) as BotApiAnswer | undefined;
      return classify<BotResult<M>>(res.status, answer);
    } catch (e) {
      // The cause (ECONNREFUSED, ENOTFOUND, a timeout) is what an operator needs; the logger
      // removes the token should any layer have quoted the URL.
      return { kind: "transient", reason: "network", detail: describeError(e), ...(neverSent(e) ? {} : { maybeDelivered: true as const }) };
    }
  }
}

/**
 * JSON, or multipart/form-data when a parameter is a file (a Blob, such as sendPhoto's photo):
 * files are uploaded as parts, every other parameter as a text part, objects JSON-serialised as the
 * Bot API reads them there. Telegram refuses a whole message for one lone surrogate in any string
 * ("must be encoded in UTF-8"), so every string is made well-formed first.
 */
function requestBody(params: object): { headers?: Record<string, string>; body: string | FormData } {
  const files = Object.entries(params).filter((e): e is [string, Blob] => e[1] instanceof Blob);
  const rest = wellFormed(Object.fromEntries(Object.entries(params).filter(([, v]) => !(v instanceof Blob))));
  if (files.length === 0) return { headers: { "content-type": "application/json" }, body: JSON.stringify(rest) };
  const form = new FormData();
  for (const [k, v] of Object.entries(rest)) if (v !== undefined) form.append(k, typeof v === "object" ? JSON.stringify(v) : String(v));
  for (const [k, blob] of files) form.append(k, blob, `${k}.${blob.type === "image/png" ? "png" : "bin"}`);
  return { body: form };
}

/** Failures before a request could reach Telegram: no connection was ever made, so nothing was sent. */
const NOT_CONNECTED = new Set(["ECONNREFUSED", "ENOTFOUND", "EAI_AGAIN", "EHOSTUNREACH", "ENETUNREACH", "UND_ERR_CONNECT_TIMEOUT"]);

/** Whether a fetch error means the request was certainly never sent (every cause in the chain is looked at). */
export function neverSent(e: unknown): boolean {
  let cur: unknown = e;
  for (let depth = 0; cur && typeof cur === "object" && depth < 4; depth++) {
    const code = (cur as NodeJS.ErrnoException).code;
    if (code && NOT_CONNECTED.has(code)) return true;
    cur = (cur as { cause?: unknown }).cause;
  }
  return false;
}

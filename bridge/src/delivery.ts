import { createHash } from "crypto";
import { htmlToText } from "./html";
import { Logger } from "./log";
import { BridgeMetrics } from "./metrics";
import { SendOutcome, TelegramApi } from "./telegram";

export interface Part {
  readonly chatId: string;
  readonly html: string;
  readonly messageThreadId?: number;
}

export type DeliveryResult =
  | { readonly status: "delivered"; readonly sent: number; readonly skipped: number }
  | { readonly status: "transient"; readonly reason: string; readonly retryAfterMs?: number }
  | { readonly status: "permanent"; readonly reason: string; readonly detail: string };

export interface DeliveryOptions {
  /** Telegram allows about one message per second per chat. */
  readonly minIntervalMs: number;
  /** How long a delivered part is remembered, so a retried payload does not send it twice. Keep it below the shortest repeat_interval. */
  readonly dedupeWindowMs: number;
  readonly backoffMs: readonly number[];
  readonly now: () => number;
  readonly sleep: (ms: number) => Promise<void>;
}

export const DEFAULT_DELIVERY: DeliveryOptions = {
  minIntervalMs: 1000,
  dedupeWindowMs: 10 * 60_000,
  backoffMs: [500, 1000, 2000, 4000, 8000],
  now: () => Date.now(),
  sleep: (ms) => new Promise((r) => setTimeout(r, ms)),
};

interface ChatQueue {
  tail: Promise<void>;
  nextSendAt: number;
}

const RANK = { delivered: 0, permanent: 1, transient: 2 } as const;

/**
 * Sends parts in order per chat, throttled per chat, retrying transient failures and honouring
 * 429 retry_after until the caller's deadline. Delivered parts are remembered by content for the
 * dedupe window, so Alertmanager's retry of a half-delivered payload sends only what is missing.
 */
export class Deliverer {
  private readonly queues = new Map<string, ChatQueue>();
  private readonly delivered = new Map<string, number>();

  constructor(
    private readonly api: TelegramApi,
    private readonly metrics: BridgeMetrics,
    private readonly log: Logger,
    private readonly opts: DeliveryOptions = DEFAULT_DELIVERY,
  ) {}

  async deliver(parts: readonly Part[], deadline: number): Promise<DeliveryResult> {
    this.forgetExpired();
    const byChat = new Map<string, Part[]>();
    for (const p of parts) byChat.set(p.chatId, [...(byChat.get(p.chatId) ?? []), p]);
    const results = await Promise.all([...byChat].map(([chat, ps]) => this.inChatOrder(chat, (q) => this.deliverRun(q, ps, deadline))));
    // Transient beats permanent: Alertmanager's retry then reaches the chats that can still be reached.
    const failure = results.filter((r) => r.status !== "delivered").sort((a, b) => RANK[b.status] - RANK[a.status])[0];
    if (failure) return failure;
    let sent = 0;
    let skipped = 0;
    for (const r of results) if (r.status === "delivered") [sent, skipped] = [sent + r.sent, skipped + r.skipped];
    return { status: "delivered", sent, skipped };
  }

  private inChatOrder<T>(chatId: string, fn: (q: ChatQueue) => Promise<T>): Promise<T> {
    let q = this.queues.get(chatId);
    if (!q) {
      q = { tail: Promise.resolve(), nextSendAt: 0 };
      this.queues.set(chatId, q);
    }
    const queue = q;
    const run = queue.tail.then(() => fn(queue));
    queue.tail = run.then(
      () => undefined,
      () => undefined,
    );
    return run;
  }

  private async deliverRun(q: ChatQueue, parts: readonly Part[], deadline: number): Promise<DeliveryResult> {
    let sent = 0;
    let skipped = 0;
    for (const part of parts) {
      const key = createHash("sha256").update(`${part.chatId}\0${part.messageThreadId ?? ""}\0${part.html}`).digest("hex");
      if (this.delivered.has(key)) {
        skipped += 1;
        this.metrics.duplicates.inc();
        continue;
      }
      const r = await this.sendOne(q, part, deadline);
      if (r.status !== "delivered") return r;
      this.delivered.set(key, this.opts.now());
      sent += 1;
    }
    return { status: "delivered", sent, skipped };
  }

  private async sendOne(q: ChatQueue, part: Part, deadline: number): Promise<DeliveryResult> {
    let html = true;
    for (let attempt = 0; ; attempt++) {
      const wait = Math.max(0, q.nextSendAt - this.opts.now());
      if (this.opts.now() + wait > deadline) {
        this.metrics.failed.inc({ reason: "out_of_time" });
        return { status: "transient", reason: "out_of_time", retryAfterMs: wait };
      }
      if (wait > 0) await this.opts.sleep(wait);
      const started = this.opts.now();
      const outcome: SendOutcome = await this.api.send({
        chatId: part.chatId,
        text: html ? part.html : htmlToText(part.html),
        html,
        messageThreadId: part.messageThreadId,
      });
      this.metrics.sendLatency.observe((this.opts.now() - started) / 1000);
      q.nextSendAt = this.opts.now() + this.opts.minIntervalMs;
      switch (outcome.kind) {
        case "sent":
          this.metrics.sent.inc();
          return { status: "delivered", sent: 1, skipped: 0 };
        case "unparseable":
          // Our escaping should make this impossible; if Telegram still refuses, plain text beats silence.
          this.metrics.failed.inc({ reason: "unparseable" });
          this.log.error("telegram could not parse the HTML; resending as plain text", { chat_id: part.chatId, detail: outcome.detail });
          if (!html) return { status: "permanent", reason: "unparseable", detail: outcome.detail };
          html = false;
          break;
        case "permanent":
          this.metrics.failed.inc({ reason: outcome.reason });
          this.log.error("telegram refused the message permanently; fix the bridge configuration", {
            chat_id: part.chatId,
            reason: outcome.reason,
            detail: outcome.detail,
          });
          return { status: "permanent", reason: outcome.reason, detail: outcome.detail };
        case "rate_limited":
          this.metrics.failed.inc({ reason: "rate_limited" });
          q.nextSendAt = this.opts.now() + outcome.retryAfterMs;
          if (q.nextSendAt > deadline) return { status: "transient", reason: "rate_limited", retryAfterMs: outcome.retryAfterMs };
          this.metrics.retries.inc();
          this.log.warn("telegram rate limit; waiting retry_after", { chat_id: part.chatId, retry_after_ms: outcome.retryAfterMs });
          break;
        case "transient": {
          this.metrics.failed.inc({ reason: outcome.reason });
          const backoff = this.opts.backoffMs[Math.min(attempt, this.opts.backoffMs.length - 1)];
          if (this.opts.now() + backoff > deadline) return { status: "transient", reason: outcome.reason };
          this.metrics.retries.inc();
          this.log.warn("telegram send failed; retrying", { chat_id: part.chatId, reason: outcome.reason, detail: outcome.detail, backoff_ms: backoff });
          await this.opts.sleep(backoff);
          break;
        }
      }
    }
  }

  private forgetExpired(): void {
    const oldest = this.opts.now() - this.opts.dedupeWindowMs;
    for (const [k, at] of this.delivered) if (at < oldest) this.delivered.delete(k);
  }
}

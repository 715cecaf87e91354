import { describeError, Logger } from "../log";
import { BridgeMetrics } from "../metrics";
import { StateStore } from "../stateStore";
import { TelegramApi } from "../telegram";
import { Console } from "./console";
import { updateSchema } from "./updates";

export interface PollerOptions {
  readonly timeoutSeconds: number;
  readonly backoffMs: readonly number[];
}

/**
 * Long polling with getUpdates: the bridge needs no public address. The offset is stored (and
 * written) before an update is handled, so a restart never handles an update twice; an update
 * that was being handled when the bridge died is dropped rather than repeated (a second silence or
 * a second answer is worse than a press the operator repeats).
 */
export class Poller {
  private readonly abort = new AbortController();
  private running: Promise<void> | undefined;
  private failures = 0;

  constructor(
    private readonly api: TelegramApi,
    private readonly console: Console,
    private readonly store: StateStore,
    private readonly metrics: BridgeMetrics,
    private readonly log: Logger,
    private readonly opts: PollerOptions,
  ) {}

  start(): void {
    this.running ??= this.loop();
  }

  async stop(): Promise<void> {
    this.abort.abort();
    await this.running;
  }

  /** A back-off wait that stop() ends at once; its abort listener goes when it ends, or hours of failures would pile them up on the one signal. */
  private async pause(ms: number): Promise<void> {
    await new Promise<void>((resolve) => {
      const end = () => {
        clearTimeout(t);
        this.abort.signal.removeEventListener("abort", end);
        resolve();
      };
      const t = setTimeout(end, ms);
      this.abort.signal.addEventListener("abort", end);
    });
  }

  private backoff(): number {
    const ms = this.opts.backoffMs[Math.min(this.failures, this.opts.backoffMs.length - 1)];
    this.failures += 1;
    return ms;
  }

  private async loop(): Promise<void> {
    while (!this.abort.signal.aborted && this.console.botUsername === undefined) {
      const me = await this.api.call<{ username?: string }>("getMe", {}, { signal: this.abort.signal });
      if (me.kind === "ok") {
        this.console.botUsername = me.result.username ?? "";
        this.failures = 0;
        this.log.info("console listening for commands and buttons", { bot: me.result.username });
      } else if (!this.abort.signal.aborted) {
        this.log.warn("getMe failed; the console waits", { outcome: me.kind, detail: "detail" in me ? me.detail : undefined });
        await this.pause(this.backoff());
      }
    }
    while (!this.abort.signal.aborted) {
      const outcome = await this.api.call<unknown[]>(
        "getUpdates",
        { offset: this.store.data.updateOffset ?? 0, timeout: this.opts.timeoutSeconds, allowed_updates: ["message", "callback_query"] },
        { timeoutMs: (this.opts.timeoutSeconds + 10) * 1000, signal: this.abort.signal },
      );
      if (this.abort.signal.aborted) break;
      if (outcome.kind !== "ok") {
        const wait = outcome.kind === "rate_limited" ? outcome.retryAfterMs : this.backoff();
        // 409: another consumer (a webhook is set on the bot, or a second bridge polls).
        this.log.warn("getUpdates failed; the console retries", { outcome: outcome.kind, detail: "detail" in outcome ? outcome.detail : undefined, retry_in_ms: wait });
        await this.pause(wait);
        continue;
      }
      this.failures = 0;
      for (const raw of Array.isArray(outcome.result) ? outcome.result : []) {
        const parsed = updateSchema.safeParse(raw);
        const id = parsed.success ? parsed.data.update_id : Number((raw as { update_id?: unknown })?.update_id);
        if (Number.isInteger(id)) {
          this.store.setUpdateOffset(id + 1);
          this.store.commit();
        }
        if (!parsed.success) {
          this.metrics.updates.inc({ result: "ignored" });
          this.log.warn("update not understood; skipped", { update_id: id, reason: parsed.error.issues[0].message });
          continue;
        }
        try {
          this.metrics.updates.inc({ result: await this.console.handle(parsed.data) });
        } catch (e) {
          this.metrics.updates.inc({ result: "failed" });
          this.log.error("update handling failed", { update_id: id, reason: describeError(e) });
        }
      }
    }
  }
}

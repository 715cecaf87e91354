import { abortableSleep } from "../abortableSleep";
import { BotIdentity } from "../identity";
import { describeError, Logger } from "../log";
import { BridgeMetrics } from "../metrics";
import { StateStore } from "../stateStore";
import { TelegramApi } from "../telegram";
import { Console } from "./console";
import { updateSchema } from "./updates";

export interface PollerOptions {
  readonly timeoutSeconds: number;
  readonly backoffMs: readonly number[];
  /** Updates handled at once; the poller takes no more from Telegram than it has room for. */
  readonly maxInFlight?: number;
  /** Who the bot is, asked once for the whole bridge; without it the poller asks getMe itself. */
  readonly identity?: BotIdentity;
}

export const DEFAULT_MAX_IN_FLIGHT = 16;

/**
 * Long polling with getUpdates: the bridge needs no public address.
 *
 * Updates are handled concurrently, at most `maxInFlight` at a time, so a press waiting on a slow
 * Alertmanager holds up no other press or command. The poller asks Telegram for no more updates
 * than it has room to start at once (getUpdates' `limit`), and stores (and writes) the offset past
 * a batch before it starts handling any of it. So no update is handled twice, even across
 * restarts; an update under way when the bridge dies is dropped rather than repeated (a second
 * silence or a second answer is worse than a press the operator repeats), and at most
 * `maxInFlight` can be.
 */
export class Poller {
  private readonly abort = new AbortController();
  private running: Promise<void> | undefined;
  private failures = 0;
  private readonly inFlight = new Set<Promise<void>>();
  private roomFreed: (() => void) | undefined;
  private readonly maxInFlight: number;
  private readonly identity: BotIdentity;
  private readonly ownIdentity: boolean;

  constructor(
    private readonly api: TelegramApi,
    private readonly console: Console,
    private readonly store: StateStore,
    private readonly metrics: BridgeMetrics,
    private readonly log: Logger,
    private readonly opts: PollerOptions,
  ) {
    this.maxInFlight = Math.max(1, opts.maxInFlight ?? DEFAULT_MAX_IN_FLIGHT);
    this.ownIdentity = opts.identity === undefined;
    this.identity = opts.identity ?? new BotIdentity(api, log, opts.backoffMs);
  }

  start(): void {
    this.running ??= this.loop();
  }

  /** Stops polling, ends the Alertmanager calls under way and waits for the updates being handled. */
  async stop(): Promise<void> {
    this.abort.abort();
    this.console.stop();
    this.wakeForRoom();
    if (this.ownIdentity) await this.identity.stop();
    await this.running;
    await Promise.allSettled([...this.inFlight]);
  }

  private pause(ms: number): Promise<void> {
    return abortableSleep(ms, this.abort.signal);
  }

  private backoff(): number {
    const ms = this.opts.backoffMs[Math.min(this.failures, this.opts.backoffMs.length - 1)];
    this.failures += 1;
    return ms;
  }

  private wakeForRoom(): void {
    const w = this.roomFreed;
    this.roomFreed = undefined;
    w?.();
  }

  private async room(): Promise<number> {
    while (this.inFlight.size >= this.maxInFlight && !this.abort.signal.aborted) await new Promise<void>((r) => (this.roomFreed = r));
    return this.maxInFlight - this.inFlight.size;
  }

  private async loop(): Promise<void> {
    if (this.console.botUsername === undefined) {
      // Ended by stop(): an own identity stops with the poller, a shared one wakes on the abort.
      let onAbort = () => undefined as void;
      const aborted = new Promise<undefined>((r) => (onAbort = () => r(undefined)));
      this.abort.signal.addEventListener("abort", onAbort, { once: true });
      const name = await Promise.race([this.identity.whenKnown(), aborted]);
      this.abort.signal.removeEventListener("abort", onAbort);
      if (name === undefined || this.abort.signal.aborted) return;
      this.console.botUsername = name;
      this.log.info("console listening for commands and buttons", { bot: name });
      void this.console.registerCommands();
    }
    while (!this.abort.signal.aborted) {
      const room = await this.room();
      if (this.abort.signal.aborted) break;
      const outcome = await this.api.call(
        "getUpdates",
        {
          offset: this.store.data.updateOffset ?? 0,
          limit: room,
          timeout: this.opts.timeoutSeconds,
          allowed_updates: ["message", "callback_query"],
        },
        { timeoutMs: (this.opts.timeoutSeconds + 10) * 1000, signal: this.abort.signal },
      );
      if (this.abort.signal.aborted) break;
      if (outcome.kind !== "ok") {
        const wait = outcome.kind === "rate_limited" ? outcome.retryAfterMs : this.backoff();
        // 409: another consumer holds the bot's updates (a webhook is set, or a second bridge polls). It may go away; the console keeps asking.
        const conflict = outcome.kind === "permanent" && /^409\b/.test(outcome.detail);
        this.log.warn("getUpdates failed; the console retries", {
          outcome: conflict ? "conflict" : outcome.kind,
          ...(conflict ? { reason: "another getUpdates poller or a webhook takes this bot's updates" } : {}),
          detail: "detail" in outcome ? outcome.detail : undefined,
          retry_in_ms: wait,
        });
        await this.pause(wait);
        continue;
      }
      this.failures = 0;
      this.take(Array.isArray(outcome.result) ? outcome.result : []);
    }
  }

  /** Stores the offset past the batch, then starts handling each update of it without waiting for any. */
  private take(batch: readonly unknown[]): void {
    const updates = batch.map((raw) => {
      const parsed = updateSchema.safeParse(raw);
      const id = parsed.success ? parsed.data.update_id : Number((raw as { update_id?: unknown })?.update_id);
      return { parsed, id };
    });
    const ids = updates.map((u) => u.id).filter(Number.isInteger);
    if (ids.length) {
      this.store.setUpdateOffset(Math.max(this.store.data.updateOffset ?? 0, ...ids.map((id) => id + 1)));
      this.store.commit();
    }
    for (const { parsed, id } of updates) {
      if (!parsed.success) {
        this.metrics.updates.inc({ result: "ignored" });
        this.log.warn("update not understood; skipped", { update_id: id, reason: parsed.error.issues[0].message });
        continue;
      }
      const handling = this.console
        .handle(parsed.data)
        .then(
          (result) => this.metrics.updates.inc({ result }),
          (e) => {
            this.metrics.updates.inc({ result: "failed" });
            this.log.error("update handling failed", { update_id: id, reason: describeError(e) });
          },
        )
        .finally(() => {
          this.inFlight.delete(handling);
          this.wakeForRoom();
        });
      this.inFlight.add(handling);
    }
  }
}

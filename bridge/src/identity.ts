import { abortableSleep } from "./abortableSleep";
import { Logger } from "./log";
import { TelegramApi } from "./telegram";

/**
 * Who the bot is, asked of Telegram (getMe) at start and until it answers: the console needs the
 * bot's @name to tell its own commands from other bots', and a token Telegram refuses must make
 * the bridge not ready (/ready 503) with a log line that says what to fix, instead of every alert
 * failing one by one later. Telegram unreachable at start is not a refusal: alerts queue meanwhile.
 */
export type Identity =
  | { readonly kind: "checking"; readonly detail?: string }
  | { readonly kind: "known"; readonly id: number; readonly username: string }
  | { readonly kind: "refused"; readonly detail: string };

export class BotIdentity {
  state: Identity = { kind: "checking" };
  private readonly abort = new AbortController();
  private running: Promise<void> | undefined;
  private failures = 0;
  private readonly waiting = new Set<(username: string | undefined) => void>();

  constructor(
    private readonly api: TelegramApi,
    private readonly log: Logger,
    /** Waits between asks; the last one repeats. */
    private readonly backoffMs: readonly number[],
  ) {}

  start(): void {
    this.running ??= this.loop();
  }

  async stop(): Promise<void> {
    this.abort.abort();
    for (const w of this.waiting) w(undefined);
    this.waiting.clear();
    await this.running;
  }

  /** The bot's @name (empty when it has none) once Telegram told it; undefined if stopped first. */
  whenKnown(): Promise<string | undefined> {
    if (this.state.kind === "known") return Promise.resolve(this.state.username);
    if (this.abort.signal.aborted) return Promise.resolve(undefined);
    this.start();
    return new Promise((resolve) => this.waiting.add(resolve));
  }

  private async loop(): Promise<void> {
    while (!this.abort.signal.aborted) {
      const me = await this.api.call("getMe", {}, { signal: this.abort.signal });
      if (this.abort.signal.aborted) return;
      if (me.kind === "ok") {
        const username = typeof me.result === "object" && me.result !== null ? (me.result.username ?? "") : "";
        this.state = { kind: "known", id: Number(me.result?.id ?? 0), username };
        this.log.info("Telegram accepted the bot token", { bot: username });
        for (const w of this.waiting) w(username);
        this.waiting.clear();
        return;
      }
      const wait = me.kind === "rate_limited" ? me.retryAfterMs : this.backoffMs[Math.min(this.failures, this.backoffMs.length - 1)];
      this.failures += 1;
      if (me.kind === "permanent" && me.reason === "bad_token") {
        if (this.state.kind !== "refused") {
          this.log.error(
            "Telegram refuses the bot token: TELEGRAM_BOT_TOKEN is wrong or was revoked (a new one comes from @BotFather); the bridge is not ready (/ready answers 503) and cannot deliver",
            {
              detail: me.detail,
              retry_in_ms: wait,
            },
          );
        }
        this.state = { kind: "refused", detail: me.detail };
      } else {
        this.log.warn("getMe failed; asking Telegram again", {
          outcome: me.kind,
          ...("detail" in me ? { detail: me.detail } : {}),
          retry_in_ms: wait,
        });
        if (this.state.kind !== "refused") this.state = { kind: "checking", detail: "detail" in me ? me.detail : me.kind };
      }
      await this.pause(wait);
    }
  }

  private pause(ms: number): Promise<void> {
    return abortableSleep(ms, this.abort.signal);
  }
}

import { ApiOutcome, TelegramApi } from "../../../bridge/src/telegram";

/** A step of the script: an outcome, a function of the call, or "hang" (answers when released). */
export type Step = ApiOutcome | "hang" | "throw" | ((method: string, params: Record<string, unknown>) => ApiOutcome | "hang" | "throw");

/**
 * The Bot API as the bridge's modules see it (TelegramApi), in process: every call is recorded and
 * answered from a script, then by `fallback` (a sent message gets the next message id). For tests
 * of the outbox, the console and the poller without HTTP in between.
 */
export class ScriptedApi implements TelegramApi {
  readonly calls: { method: string; params: Record<string, unknown>; opts?: { timeoutMs?: number; signal?: AbortSignal }; at: number }[] =
    [];
  script: Step[] = [];
  fallback: Step = (method) =>
    method === "sendMessage" ? { kind: "ok", result: { message_id: this.nextMessageId++ } } : { kind: "ok", result: true };
  nextMessageId = 100;
  private readonly hung: (() => void)[] = [];
  private waiters: { n: number; wake: () => void }[] = [];

  async call<T = unknown>(
    method: string,
    params: Record<string, unknown>,
    opts?: { timeoutMs?: number; signal?: AbortSignal },
  ): Promise<ApiOutcome<T>> {
    this.calls.push({ method, params, opts, at: Date.now() });
    for (const w of this.waiters.filter((x) => this.calls.length >= x.n)) w.wake();
    this.waiters = this.waiters.filter((x) => this.calls.length < x.n);
    const scripted = this.script.shift() ?? this.fallback;
    const step = typeof scripted === "function" ? scripted(method, params) : scripted;
    if (step === "throw") throw new Error("scripted failure");
    if (step === "hang") {
      await new Promise<void>((resolve) => {
        this.hung.push(resolve);
        opts?.signal?.addEventListener("abort", () => resolve(), { once: true });
      });
      if (opts?.signal?.aborted) return { kind: "transient", reason: "network", detail: "aborted" };
      const after = typeof this.fallback === "function" ? this.fallback(method, params) : this.fallback;
      return (
        typeof after === "string" ? { kind: "ok", result: method === "sendMessage" ? { message_id: this.nextMessageId++ } : true } : after
      ) as ApiOutcome<T>;
    }
    return step as ApiOutcome<T>;
  }

  /** Lets every hanging call answer (with the fallback). */
  release(): void {
    for (const r of this.hung.splice(0)) r();
  }

  /** Resolves once at least n calls were made; a bounded wait. */
  async calledTimes(n: number, timeoutMs = 3000): Promise<void> {
    if (this.calls.length >= n) return;
    await new Promise<void>((resolve, reject) => {
      const t = setTimeout(
        () => reject(new Error(`waited ${timeoutMs} ms for call ${n}; calls: ${this.calls.map((c) => c.method).join(", ")}`)),
        timeoutMs,
      );
      this.waiters.push({ n, wake: () => (clearTimeout(t), resolve()) });
    });
  }

  sent(method = "sendMessage"): Record<string, unknown>[] {
    return this.calls.filter((c) => c.method === method).map((c) => c.params);
  }
}

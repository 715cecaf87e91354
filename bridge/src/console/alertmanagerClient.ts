import * as z from "../zod";
import { describeError } from "../log";

const matcherSchema = z.looseObject({ name: z.string(), value: z.string(), isRegex: z.boolean(), isEqual: z.optional(z.boolean()) });
const silenceSchema = z.looseObject({
  id: z.string(),
  status: z.looseObject({ state: z.string() }),
  matchers: z.array(matcherSchema),
  startsAt: z.string(),
  endsAt: z.string(),
  createdBy: z.string(),
  comment: z.string(),
});
const alertSchema = z.looseObject({
  labels: z.record(z.string(), z.string()),
  annotations: z._default(z.record(z.string(), z.string()), {}),
  startsAt: z.string(),
  updatedAt: z.optional(z.string()),
  fingerprint: z.string(),
  status: z.looseObject({ state: z.string(), silencedBy: z._default(z.array(z.string()), []) }),
});

export type Silence = z.infer<typeof silenceSchema>;
export type ActiveAlert = z.infer<typeof alertSchema>;
export type Matcher = z.infer<typeof matcherSchema>;

/**
 * How a call failed, as far as the console must tell it apart:
 * - refused: Alertmanager answered 4xx; nothing was changed.
 * - failed: it answered 5xx; it may have changed something before failing.
 * - no_answer: the request went out and no answer came in time; it may have taken effect.
 * - lost: the connection closed after the request went out; it may have taken effect.
 * - unreachable: the request never reached it (connection refused, unknown host); nothing was changed.
 * - unreadable: it answered 2xx with something that is not what the API promises; it may have taken effect.
 * - stopped: the bridge is stopping and gave up on the call; it may have taken effect.
 */
export type FailureKind = "refused" | "failed" | "no_answer" | "lost" | "unreachable" | "unreadable" | "stopped";

const NOT_SENT = new Set(["ECONNREFUSED", "ENOTFOUND", "EAI_AGAIN", "EHOSTUNREACH", "ENETUNREACH", "UND_ERR_CONNECT_TIMEOUT"]);

export class AlertmanagerError extends Error {
  constructor(
    /** The call and what went wrong, for the log. */
    message: string,
    readonly kind: FailureKind,
    /** The same for the chat, in the operator's words: no addresses, no status codes. */
    readonly said: string,
    /** Alertmanager's HTTP status; undefined when it did not answer. */
    readonly status?: number,
  ) {
    super(message);
  }

  /** Whether the call may have changed Alertmanager although it failed: then ask Alertmanager before saying what changed. */
  get mayHaveApplied(): boolean {
    return this.kind !== "refused" && this.kind !== "unreachable";
  }

  /** Whether Alertmanager should not be called again for now (the next call would wait just as long, or the bridge stops). */
  get gaveUp(): boolean {
    return this.kind === "no_answer" || this.kind === "unreachable" || this.kind === "stopped";
  }
}

/** "10 s", "0.1 s": how long the console waited, as the chat reads it. */
export function seconds(ms: number): string {
  return `${Number((ms / 1000).toFixed(1))} s`;
}

/** Alertmanager's API v2, the few calls the console makes; every answer is validated, every failure classified. */
export class AlertmanagerClient {
  constructor(
    readonly baseUrl: string,
    readonly timeoutMs = 10_000,
    /** Aborts every call under way when the bridge stops. */
    private readonly stop?: AbortSignal,
    /** The Authorization header Alertmanager's web config wants, if any. */
    private readonly authorization?: string,
  ) {}

  private get authHeader(): Record<string, string> {
    return this.authorization ? { authorization: this.authorization } : {};
  }

  /**
   * Runs a call with its own deadline and the bridge's stop; the timer ends with the call, so
   * finished calls leave no timers behind (AbortSignal.timeout's would wait out the full 10 s).
   */
  private async bounded<T>(call: (signal: AbortSignal) => Promise<T>): Promise<T> {
    const c = new AbortController();
    const timer = setTimeout(
      () => c.abort(new DOMException(`timeout: no answer within ${this.timeoutMs} ms`, "TimeoutError")),
      this.timeoutMs,
    );
    const stop = () => c.abort(this.stop?.reason);
    if (this.stop?.aborted) stop();
    this.stop?.addEventListener("abort", stop);
    try {
      return await call(c.signal);
    } finally {
      clearTimeout(timer);
      this.stop?.removeEventListener("abort", stop);
    }
  }

  private async request(method: string, path: string, body?: unknown): Promise<unknown> {
    const call = `${method} ${path}`;
    let status: number;
    let text: string;
    try {
      ({ status, text } = await this.bounded(async (signal) => {
        const res = await fetch(`${this.baseUrl}${path}`, {
          method,
          headers: { ...(body === undefined ? {} : { "content-type": "application/json" }), ...this.authHeader },
          body: body === undefined ? undefined : JSON.stringify(body),
          signal,
        });
        return { status: res.status, text: await res.text() };
      }));
    } catch (e) {
      throw this.notAnswered(call, e);
    }
    // Alertmanager's error bodies are JSON strings: "exceeded maximum number of silences: 1 (limit: 1)".
    const reason = (/^"(.*)"$/s.exec(text.trim())?.[1] ?? text).slice(0, 200).trim();
    if (status >= 400 && status < 500)
      throw new AlertmanagerError(
        `${call}: ${status} ${reason}`,
        "refused",
        `Alertmanager refused it: ${reason || `status ${status}`}`,
        status,
      );
    if (status < 200 || status >= 300)
      throw new AlertmanagerError(`${call}: ${status} ${reason}`, "failed", `Alertmanager failed: ${reason || `status ${status}`}`, status);
    try {
      return text ? JSON.parse(text) : undefined;
    } catch (e) {
      throw this.unreadable(call, e);
    }
  }

  private notAnswered(call: string, e: unknown): AlertmanagerError {
    const detail = `${call}: ${describeError(e)}`;
    if (this.stop?.aborted) return new AlertmanagerError(detail, "stopped", "the bridge is stopping");
    if ((e as Error)?.name === "TimeoutError")
      return new AlertmanagerError(detail, "no_answer", `Alertmanager did not answer in ${seconds(this.timeoutMs)}`);
    const code = (e as { cause?: { code?: string } })?.cause?.code;
    if (code !== undefined && NOT_SENT.has(code))
      return new AlertmanagerError(
        detail,
        "unreachable",
        code === "ECONNREFUSED" ? "Alertmanager is not reachable (it refuses connections)" : "Alertmanager is not reachable",
      );
    return new AlertmanagerError(detail, "lost", "Alertmanager closed the connection without answering");
  }

  private unreadable(call: string, e: unknown): AlertmanagerError {
    return new AlertmanagerError(`${call}: ${describeError(e)}`, "unreadable", "Alertmanager's answer was not understood");
  }

  /** An answer checked against the API's schema; one that does not fit is an `unreadable` failure. */
  private async read<T>(schema: z.ZodMiniType<T>, method: string, path: string, body?: unknown): Promise<T> {
    const r = schema.safeParse(await this.request(method, path, body));
    if (!r.success)
      throw this.unreadable(
        `${method} ${path}`,
        new Error(`${r.error.issues[0].path.join(".") || "(root)"}: ${r.error.issues[0].message}`),
      );
    return r.data;
  }

  async ready(): Promise<boolean> {
    try {
      return await this.bounded(async (signal) => (await fetch(`${this.baseUrl}/-/ready`, { signal, headers: this.authHeader })).ok);
    } catch {
      return false;
    }
  }

  async createSilence(s: SilenceRequest): Promise<string> {
    const r = await this.read(z.looseObject({ silenceID: z.string() }), "POST", "/api/v2/silences", {
      ...s,
      startsAt: s.startsAt.toISOString(),
      endsAt: s.endsAt.toISOString(),
    });
    return r.silenceID;
  }

  async expireSilence(id: string): Promise<void> {
    await this.request("DELETE", `/api/v2/silence/${encodeURIComponent(id)}`);
  }

  async silence(id: string): Promise<Silence | undefined> {
    try {
      return await this.read(silenceSchema, "GET", `/api/v2/silence/${encodeURIComponent(id)}`);
    } catch (e) {
      // By the status, not the message: a 500 whose text mentions 404 is not "gone".
      if (e instanceof AlertmanagerError && e.status === 404) return undefined;
      throw e;
    }
  }

  async silences(): Promise<Silence[]> {
    return this.read(z.array(silenceSchema), "GET", "/api/v2/silences");
  }

  /** Alerts that notify now: active, neither silenced nor inhibited. */
  async firingAlerts(): Promise<ActiveAlert[]> {
    return this.read(z.array(alertSchema), "GET", "/api/v2/alerts?active=true&silenced=false&inhibited=false&unprocessed=false");
  }

  /** Every alert Alertmanager holds, silenced and inhibited ones too, each with the silences that hold it quiet. */
  async alerts(): Promise<ActiveAlert[]> {
    return this.read(z.array(alertSchema), "GET", "/api/v2/alerts");
  }

  /** Posts alerts as Prometheus does (a drill's start, or its end with endsAt now). */
  async postAlerts(alerts: readonly PostableAlert[]): Promise<void> {
    await this.request(
      "POST",
      "/api/v2/alerts",
      alerts.map((a) => ({
        labels: a.labels,
        annotations: a.annotations,
        startsAt: a.startsAt.toISOString(),
        endsAt: a.endsAt.toISOString(),
        ...(a.generatorURL ? { generatorURL: a.generatorURL } : {}),
      })),
    );
  }

  async alertsNamed(alertname: string): Promise<ActiveAlert[]> {
    return this.read(z.array(alertSchema), "GET", `/api/v2/alerts?filter=${encodeURIComponent(`alertname="${alertname}"`)}`);
  }
}

export interface PostableAlert {
  readonly labels: Readonly<Record<string, string>>;
  readonly annotations: Readonly<Record<string, string>>;
  readonly startsAt: Date;
  readonly endsAt: Date;
  readonly generatorURL?: string;
}

export interface SilenceRequest {
  readonly matchers: Matcher[];
  readonly startsAt: Date;
  readonly endsAt: Date;
  readonly createdBy: string;
  readonly comment: string;
}

/** Equality matchers on every label: the silence matches this alert and nothing else. */
export function matchersFor(labels: Readonly<Record<string, string>>): Matcher[] {
  return Object.keys(labels)
    .sort()
    .map((name) => ({ name, value: labels[name], isRegex: false, isEqual: true }));
}

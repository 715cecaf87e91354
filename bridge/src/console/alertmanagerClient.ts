import { z } from "zod";
import { describeError } from "../log";

const matcherSchema = z.looseObject({ name: z.string(), value: z.string(), isRegex: z.boolean(), isEqual: z.boolean().optional() });
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
  annotations: z.record(z.string(), z.string()).default({}),
  startsAt: z.string(),
  updatedAt: z.string().optional(),
  fingerprint: z.string(),
  status: z.looseObject({ state: z.string() }),
});

export type Silence = z.infer<typeof silenceSchema>;
export type ActiveAlert = z.infer<typeof alertSchema>;
export type Matcher = z.infer<typeof matcherSchema>;

export class AlertmanagerError extends Error {
  constructor(
    message: string,
    /** Alertmanager's HTTP status; undefined when it was not reached. */
    readonly status?: number,
  ) {
    super(message);
  }
}

/** Alertmanager's API v2, the few calls the console makes; every answer is validated. */
export class AlertmanagerClient {
  constructor(
    readonly baseUrl: string,
    private readonly timeoutMs = 10_000,
    /** The Authorization header Alertmanager's web config wants, if any. */
    private readonly authorization?: string,
  ) {}

  private async request(method: string, path: string, body?: unknown): Promise<unknown> {
    let res: Response;
    try {
      res = await fetch(`${this.baseUrl}${path}`, {
        method,
        headers: { ...(body === undefined ? {} : { "content-type": "application/json" }), ...(this.authorization ? { authorization: this.authorization } : {}) },
        body: body === undefined ? undefined : JSON.stringify(body),
        signal: AbortSignal.timeout(this.timeoutMs),
      });
    } catch (e) {
      throw new AlertmanagerError(`${method} ${path}: ${describeError(e)}`);
    }
    const text = await res.text();
    if (!res.ok) throw new AlertmanagerError(`${method} ${path}: ${res.status} ${text.slice(0, 200).trim()}`, res.status);
    return text ? JSON.parse(text) : undefined;
  }

  async ready(): Promise<boolean> {
    try {
      const r = await fetch(`${this.baseUrl}/-/ready`, { signal: AbortSignal.timeout(this.timeoutMs), headers: this.authorization ? { authorization: this.authorization } : {} });
      return r.ok;
    } catch {
      return false;
    }
  }

  async createSilence(s: { matchers: Matcher[]; startsAt: Date; endsAt: Date; createdBy: string; comment: string }): Promise<string> {
    const r = z.looseObject({ silenceID: z.string() }).parse(
      await this.request("POST", "/api/v2/silences", { ...s, startsAt: s.startsAt.toISOString(), endsAt: s.endsAt.toISOString() }),
    );
    return r.silenceID;
  }

  async expireSilence(id: string): Promise<void> {
    await this.request("DELETE", `/api/v2/silence/${encodeURIComponent(id)}`);
  }

  async silence(id: string): Promise<Silence | undefined> {
    try {
      return silenceSchema.parse(await this.request("GET", `/api/v2/silence/${encodeURIComponent(id)}`));
    } catch (e) {
      // By the status, not the message: a 500 whose text mentions 404 is not "gone".
      if (e instanceof AlertmanagerError && e.status === 404) return undefined;
      throw e;
    }
  }

  async silences(): Promise<Silence[]> {
    return z.array(silenceSchema).parse(await this.request("GET", "/api/v2/silences"));
  }

  /** Alerts that notify now: active, neither silenced nor inhibited. */
  async firingAlerts(): Promise<ActiveAlert[]> {
    return z.array(alertSchema).parse(await this.request("GET", "/api/v2/alerts?active=true&silenced=false&inhibited=false&unprocessed=false"));
  }

  async alertsNamed(alertname: string): Promise<ActiveAlert[]> {
    return z.array(alertSchema).parse(await this.request("GET", `/api/v2/alerts?filter=${encodeURIComponent(`alertname="${alertname}"`)}`));
  }
}

/** Equality matchers on every label: the silence matches this alert and nothing else. */
export function matchersFor(labels: Readonly<Record<string, string>>): Matcher[] {
  return Object.keys(labels)
    .sort()
    .map((name) => ({ name, value: labels[name], isRegex: false, isEqual: true }));
}

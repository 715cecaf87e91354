import { ConsoleConfig } from "./config";
import { describeError } from "./log";

/** One series of a query_range answer: its labels and its samples, [unix seconds, value as text]. */
export interface RangeSeries {
  readonly metric: Readonly<Record<string, string>>;
  readonly values: readonly (readonly [number, string])[];
}

const isObject = (v: unknown): v is Record<string, unknown> => typeof v === "object" && v !== null && !Array.isArray(v);

/**
 * The series of a query_range answer, checked in place; or why it is not one. Checked by hand,
 * not with a schema library: an answer near the size cap holds some 50,000 samples, which a
 * schema copied (13 MB more, and 150-450 ms on the event loop, for 250 series of an hour).
 */
export function matrixSeries(json: unknown): RangeSeries[] | string {
  if (!isObject(json) || json.status !== "success") return "status is not success";
  const data = json.data;
  if (!isObject(data) || data.resultType !== "matrix") return "data.resultType is not matrix";
  if (!Array.isArray(data.result)) return "data.result is not a list";
  for (const [i, s] of (data.result as unknown[]).entries()) {
    if (!isObject(s) || !isObject(s.metric) || !Object.values(s.metric).every((v) => typeof v === "string"))
      return `data.result.${i}.metric is not a map of labels`;
    if (!Array.isArray(s.values)) return `data.result.${i}.values is not a list`;
    for (const [j, v] of (s.values as unknown[]).entries()) {
      if (!Array.isArray(v) || v.length !== 2 || typeof v[0] !== "number" || typeof v[1] !== "string")
        return `data.result.${i}.values.${j} is not [time, "value"]`;
    }
  }
  return data.result as RangeSeries[];
}

/** Why a query gave no series: Prometheus did not answer in time, could not be reached, or answered something else. */
export class PrometheusError extends Error {
  constructor(
    message: string,
    /** unavailable: no answer (timeout, refused, 5xx), so the next query would likely fail too. */
    readonly kind: "unavailable" | "refused" | "too_large",
  ) {
    super(message);
  }
}

/**
 * The stack's Prometheus, the calls the bridge makes: readiness for /status and range queries for
 * graphs. One client, made once from PROMETHEUS_URL, so what every call needs (an address, and
 * any credentials the API asks for) is given in one place.
 */
export class PrometheusClient {
  private readonly auth: Record<string, string>;

  constructor(
    readonly baseUrl: string,
    /** The Authorization header Prometheus's web config wants, if any. */
    authorization?: string,
  ) {
    this.auth = authorization ? { authorization } : {};
  }

  async ready(timeoutMs: number): Promise<boolean> {
    return fetch(`${this.baseUrl}/-/ready`, { headers: this.auth, signal: AbortSignal.timeout(timeoutMs) }).then(
      (r) => r.ok,
      () => false,
    );
  }

  /**
   * `query_range` over [start, end] (unix seconds), POSTed so a long expression needs no long URL.
   * The whole call, answer included, must end within `timeoutMs`, and an answer larger than
   * `maxBytes` is given up while it is read: a query matching thousands of series must not fill
   * the bridge's memory.
   */
  async queryRange(
    expr: string,
    startS: number,
    endS: number,
    stepS: number,
    opts: { timeoutMs: number; maxBytes: number },
  ): Promise<RangeSeries[]> {
    const signal = AbortSignal.timeout(opts.timeoutMs);
    let res: Response;
    try {
      res = await fetch(`${this.baseUrl}/api/v1/query_range`, {
        method: "POST",
        headers: { "content-type": "application/x-www-form-urlencoded", ...this.auth },
        body: new URLSearchParams({ query: expr, start: String(startS), end: String(endS), step: String(stepS) }),
        signal,
      });
    } catch (e) {
      throw new PrometheusError(`query_range failed: ${describeError(e)}`, "unavailable");
    }
    if (res.status >= 500) {
      await res.body?.cancel();
      throw new PrometheusError(`query_range answered ${res.status}`, "unavailable");
    }
    const text = await readCapped(res, opts.maxBytes);
    if (res.status !== 200) throw new PrometheusError(`query_range answered ${res.status}: ${text.slice(0, 200)}`, "refused");
    let json: unknown;
    try {
      json = JSON.parse(text);
    } catch {
      throw new PrometheusError(`query_range answer is not JSON: ${text.slice(0, 200)}`, "refused");
    }
    const series = matrixSeries(json);
    if (typeof series === "string") throw new PrometheusError(`query_range answer is not a matrix: ${series}`, "refused");
    return series;
  }
}

/** The client of the stack's Prometheus, if PROMETHEUS_URL is set: the one place that says how the bridge reaches it. */
export function prometheusClient(config: Pick<ConsoleConfig, "prometheusUrl" | "prometheusAuthorization">): PrometheusClient | undefined {
  return config.prometheusUrl ? new PrometheusClient(config.prometheusUrl, config.prometheusAuthorization) : undefined;
}

async function readCapped(res: Response, maxBytes: number): Promise<string> {
  const chunks: Buffer[] = [];
  let size = 0;
  const body: AsyncIterable<Uint8Array> | Iterable<Uint8Array> = res.body ?? [];
  try {
    for await (const chunk of body) {
      size += chunk.length;
      if (size > maxBytes) {
        await res.body?.cancel().catch(() => undefined);
        throw new PrometheusError(`query_range answer larger than ${maxBytes} bytes`, "too_large");
      }
      chunks.push(Buffer.from(chunk));
    }
  } catch (e) {
    if (e instanceof PrometheusError) throw e;
    throw new PrometheusError(`query_range answer cut: ${describeError(e)}`, "unavailable");
  }
  return Buffer.concat(chunks).toString("utf8");
}

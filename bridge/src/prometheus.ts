import { z } from "zod";
import { ConsoleConfig } from "./config";
import { describeError } from "./log";

const matrixSchema = z.object({
  status: z.literal("success"),
  data: z.object({
    resultType: z.literal("matrix"),
    result: z.array(z.object({ metric: z.record(z.string(), z.string()), values: z.array(z.tuple([z.number(), z.string()])) })),
  }),
});

export type RangeSeries = z.infer<typeof matrixSchema>["data"]["result"][number];

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
  async queryRange(expr: string, startS: number, endS: number, stepS: number, opts: { timeoutMs: number; maxBytes: number }): Promise<RangeSeries[]> {
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
    const parsed = matrixSchema.safeParse(json);
    if (!parsed.success) throw new PrometheusError(`query_range answer is not a matrix: ${parsed.error.issues[0].message}`, "refused");
    return parsed.data.data.result;
  }
}

/** The client of the stack's Prometheus, if PROMETHEUS_URL is set: the one place that says how the bridge reaches it. */
export function prometheusClient(config: Pick<ConsoleConfig, "prometheusUrl" | "prometheusAuthorization">): PrometheusClient | undefined {
  return config.prometheusUrl ? new PrometheusClient(config.prometheusUrl, config.prometheusAuthorization) : undefined;
}

async function readCapped(res: Response, maxBytes: number): Promise<string> {
  const chunks: Buffer[] = [];
  let size = 0;
  try {
    for await (const chunk of res.body ?? []) {
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

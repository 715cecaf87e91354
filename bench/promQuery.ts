/** One dashboard query sent as Grafana sends it (POST, form-encoded), with Prometheus's query statistics. */
export interface QueryResult {
  /** Wall-clock milliseconds from sending to the last byte of the answer. */
  readonly ms: number;
  /** Samples the query touched (stats=all: totalQueryableSamples) and the most it held at once. */
  readonly samples: number;
  readonly peakSamples: number;
  readonly series: number;
}

export interface QueryWindow {
  /** Seconds since the epoch; Grafana aligns both ends down to a multiple of the step. */
  readonly start: number;
  readonly end: number;
  readonly step: number;
}

export async function runQuery(url: string, expr: string, instant: boolean, w: QueryWindow): Promise<QueryResult> {
  const form = new URLSearchParams(
    instant
      ? { query: expr, time: String(w.end), stats: "all" }
      : { query: expr, start: String(w.start), end: String(w.end), step: String(w.step), stats: "all" },
  );
  const t0 = performance.now();
  const r = await fetch(`${url}/api/v1/${instant ? "query" : "query_range"}`, {
    method: "POST",
    headers: { "content-type": "application/x-www-form-urlencoded" },
    body: form.toString(),
    signal: AbortSignal.timeout(120_000),
  });
  const body = (await r.json()) as {
    status: string;
    error?: string;
    data?: { result: unknown[]; stats?: { samples?: { totalQueryableSamples?: number; peakSamples?: number } } };
  };
  const ms = performance.now() - t0;
  if (body.status !== "success") throw new Error(`${expr}: ${body.error}`);
  return {
    ms,
    samples: body.data?.stats?.samples?.totalQueryableSamples ?? NaN,
    peakSamples: body.data?.stats?.samples?.peakSamples ?? NaN,
    series: body.data?.result.length ?? 0,
  };
}

/** The p-th percentile (0–100) by nearest rank. */
export function percentile(values: readonly number[], p: number): number {
  if (!values.length) return NaN;
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1))];
}

import { APPLICATION_METRICS, EXPORTER_METRICS, KNOWN_METRICS, STACK_METRICS } from "../../rules/metrics";
import { RECORDING_RULES } from "../../rules/catalog";

/**
 * KNOWN_METRICS, the list queries are checked against, is exactly the catalogs plus what the
 * stack itself makes: a histogram's bare name (its native form) and the recording rules. A name
 * in it that nothing emits would let a query on it pass the checks and draw an empty panel.
 */
describe("the metrics a query may use", () => {
  it("are the catalogs, the bare names of their histograms and the recorded series, nothing else", () => {
    const histograms = APPLICATION_METRICS.filter((m) => m.endsWith("_bucket")).map((m) => m.slice(0, -"_bucket".length));
    expect(histograms).toEqual([
      "worker_job_latency_seconds",
      "worker_job_stage_latency_seconds",
      "worker_llm_call_latency_seconds",
      "worker_supabase_latency_seconds",
      "backend_http_request_latency_seconds",
    ]);
    for (const h of histograms) expect(APPLICATION_METRICS).toEqual(expect.arrayContaining([`${h}_sum`, `${h}_count`]));
    const expected = new Set([
      ...APPLICATION_METRICS,
      ...histograms,
      ...EXPORTER_METRICS,
      ...STACK_METRICS,
      ...RECORDING_RULES.map((r) => r.record),
    ]);
    expect([...KNOWN_METRICS].sort()).toEqual([...expected].sort());
  });
});

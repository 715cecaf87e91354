import { dashboard, prom, timeseries } from "./builder";
import { quantile, rateBy } from "./queries";

export const llmSupabase = dashboard({
  uid: "tutordex-llm-supabase",
  title: "TutorDex LLM + Supabase",
  description: "The worker's two dependencies: LLM calls by model and Supabase operations.",
  panels: [
    timeseries("LLM requests by model", [prom(rateBy("worker_llm_requests_total", "model"), "{{model}}")], { unit: "ops" }),
    timeseries(
      "LLM latency p95 / p99",
      [
        prom(quantile(0.95, "worker_llm_call_latency_seconds", ""), "p95"),
        prom(quantile(0.99, "worker_llm_call_latency_seconds", ""), "p99"),
      ],
      { unit: "s" },
    ),
    timeseries("LLM failures", [prom("sum by (pipeline_version) (tutordex:worker:llm_fail_rate_per_s)", "{{pipeline_version}}")], {
      unit: "ops",
    }),
    timeseries("Supabase operations by operation", [prom(rateBy("worker_supabase_requests_total", "operation"), "{{operation}}")], {
      unit: "ops",
    }),
    timeseries("Supabase failures by operation", [prom(rateBy("worker_supabase_fail_total", "operation"), "{{operation}}")], {
      unit: "ops",
    }),
    timeseries("Supabase latency p95 by operation", [prom("tutordex:worker:supabase_latency_p95_seconds", "{{operation}}")], { unit: "s" }),
  ],
});

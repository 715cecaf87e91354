import { dashboard, instant, panel, prom, stat, timeseries } from "./builder";
import { rateBy } from "./queries";

export const realtime = dashboard({
  uid: "tutordex-realtime",
  title: "Real-Time Operations",
  description: "The last 15 minutes, refreshed every 5 seconds.",
  refresh: "5s",
  from: "now-15m",
  panels: [
    stat("Service status", [instant('up{job=~"tutordex_.*"}', "{{job}}")], {
      width: 12,
      thresholds: [
        { value: null, color: "red" },
        { value: 1, color: "green" },
      ],
    }),
    stat("Queue depth", [instant("sum(queue_pending)")], { width: 6 }),
    stat("Throughput", [instant("sum(tutordex:worker:throughput_jobs_per_s)")], { unit: "ops", width: 6 }),
    timeseries(
      "Ingestion rate",
      [
        prom("sum(tutordex:collector:messages_seen_rate_per_s)", "seen"),
        prom("sum(tutordex:collector:messages_upserted_rate_per_s)", "upserted"),
      ],
      { unit: "ops" },
    ),
    timeseries(
      "Error rates",
      [
        prom("sum(tutordex:channel:collector_error_rate_per_s)", "collector"),
        prom("sum(tutordex:worker:llm_fail_rate_per_s)", "LLM"),
        prom("sum(tutordex:worker:supabase_fail_rate_per_s)", "Supabase"),
        prom(rateBy("worker_jobs_processed_total", "", 'status=~"failed|error"'), "jobs failed"),
      ],
      { unit: "ops" },
    ),
    timeseries("Queue depth over time", [prom("sum(queue_pending)", "pending"), prom("sum(queue_processing)", "processing")]),
    timeseries("Parse failures by reason", [prom("sum by (reason) (tutordex:worker:parse_failure_rate_per_s)", "{{reason}}")], {
      unit: "ops",
    }),
    panel("alertlist", "Firing alerts", [], { width: 24 }),
  ],
});

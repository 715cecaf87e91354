import { dashboard, logs, prom, timeseries } from "./builder";
import { CHANNEL, PIPELINE, quantile, rateBy, sel, VARIABLES } from "./queries";

export const overview = dashboard({
  uid: "tutordex-overview",
  title: "TutorDex Overview",
  description: "Is data flowing? Staleness, queue, throughput, latency and failures per pipeline version.",
  variables: [VARIABLES.channel, VARIABLES.pipelineVersion],
  panels: [
    timeseries(
      "Seconds since last message per channel",
      [prom(`tutordex:collector:seconds_since_last_message${sel(CHANNEL, PIPELINE)}`, "{{channel}}")],
      { unit: "s" },
    ),
    timeseries(
      "Queue",
      ["queue_pending", "queue_processing", "queue_failed", "queue_ok"].map((m) =>
        prom(`sum by (pipeline_version) (${m}${sel(PIPELINE)})`, `${m.replace("queue_", "")} {{pipeline_version}}`),
      ),
    ),
    timeseries("Worker throughput", [prom(`tutordex:worker:throughput_jobs_per_s${sel(PIPELINE)}`, "{{pipeline_version}}")], {
      unit: "ops",
    }),
    timeseries(
      "Job latency p95",
      [prom(quantile(0.95, "worker_job_latency_seconds", "pipeline_version", PIPELINE), "{{pipeline_version}}")],
      { unit: "s" },
    ),
    timeseries(
      "LLM latency p95",
      [prom(quantile(0.95, "worker_llm_call_latency_seconds", "pipeline_version", PIPELINE), "{{pipeline_version}}")],
      { unit: "s" },
    ),
    timeseries(
      "Failure rates",
      [
        prom(`sum(tutordex:worker:llm_fail_rate_per_s${sel(PIPELINE)})`, "LLM"),
        prom(`sum(tutordex:worker:supabase_fail_rate_per_s${sel(PIPELINE)})`, "Supabase"),
        prom(rateBy("broadcast_fail_total", "", PIPELINE), "broadcast"),
        prom(rateBy("dm_fail_total", "", PIPELINE), "DM"),
        prom(`sum(tutordex:channel:collector_error_rate_per_s${sel(CHANNEL, PIPELINE)})`, "collector"),
      ],
      { unit: "ops" },
    ),
    timeseries(
      "Parse failures by channel",
      [prom(`sum by (channel) (tutordex:channel:parse_failure_rate_per_s${sel(CHANNEL, PIPELINE)})`, "{{channel}}")],
      { unit: "ops", width: 24 },
    ),
    {
      type: "logs",
      title: "Recent error logs",
      queries: [logs('{level=~"error|critical", pipeline_version=~"$pipeline_version"} | json')],
      height: 10,
    },
  ],
});

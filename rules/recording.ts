import { containerMemoryShare, containerOomKills } from "./alerts/host";
import { containerStartsSeen } from "./alerts/infra";
import { fraction, FS_FILTER, histogramQuantile, HOST_NIC_FILTER, PVSV } from "./expressions";
import { RecordingDefinition } from "./model";

const FAIL_10M = `sum by (${PVSV}) (rate(worker_parse_failure_total[10m]))`;
const OK_10M = `sum by (${PVSV}) (rate(worker_parse_success_total[10m]))`;
const BY_CHANNEL = `channel, ${PVSV}`;
/** cAdvisor's series of named containers (the cgroup hierarchy's own series carry no name). */
const NAMED = 'name!=""';
const perSecond = (record: string, counter: string, by: string, matcher = ""): RecordingDefinition => ({
  record,
  expr: `sum by (${by}) (rate(${counter}${matcher ? `{${matcher}}` : ""}[5m]))`,
});

/** docs/spec.md §4: the series dashboards read instead of recomputing them. */
export const RECORDING_RULES: readonly RecordingDefinition[] = [
  { record: "tutordex:collector:seconds_since_last_message", expr: "time() - collector_last_message_timestamp_seconds" },
  { record: "tutordex:worker:throughput_jobs_per_s", expr: `sum by (${PVSV}) (rate(worker_jobs_processed_total[5m]))` },
  { record: "tutordex:worker:llm_fail_rate_per_s", expr: "rate(worker_llm_fail_total[5m])" },
  { record: "tutordex:worker:supabase_fail_rate_per_s", expr: `sum by (${PVSV}) (rate(worker_supabase_fail_total[5m]))` },
  { record: "tutordex:worker:parse_failure_rate_per_s", expr: `sum by (reason, ${PVSV}) (rate(worker_parse_failure_total[10m]))` },
  { record: "tutordex:worker:parse_success_rate_per_s", expr: OK_10M },
  {
    record: "tutordex:worker:parse_error_fraction",
    expr: fraction(FAIL_10M, OK_10M),
  },
  {
    record: "tutordex:quality:missing_field_rate_per_s",
    expr: `sum by (field, ${PVSV}) (rate(assignment_quality_missing_field_total[10m]))`,
  },
  {
    record: "tutordex:quality:inconsistency_rate_per_s",
    expr: `sum by (kind, ${PVSV}) (rate(assignment_quality_inconsistency_total[10m]))`,
  },
  // (ours) Per channel: panels that summed 40 channels' raw counters missed 300 ms at 7 d (bench/dashboards.ts).
  { record: "tutordex:channel:parse_failure_rate_per_s", expr: `sum by (${BY_CHANNEL}) (rate(worker_parse_failure_total[10m]))` },
  { record: "tutordex:channel:parse_success_rate_per_s", expr: `sum by (${BY_CHANNEL}) (rate(worker_parse_success_total[10m]))` },
  { record: "tutordex:channel:messages_seen_increase_1h", expr: `sum by (${BY_CHANNEL}) (increase(collector_messages_seen_total[1h]))` },
  // (ours) The collector's counters: Realtime's "Error rates" and "Ingestion rate" and Overview's
  // "Failure rates" summed them raw (3.4 M samples, 390–470 ms of CPU at 7 d; docs/performance.md).
  perSecond("tutordex:channel:collector_error_rate_per_s", "collector_errors_total", BY_CHANNEL),
  perSecond("tutordex:collector:messages_seen_rate_per_s", "collector_messages_seen_total", PVSV),
  perSecond("tutordex:collector:messages_upserted_rate_per_s", "collector_messages_upserted_total", PVSV),
  // (ours) The host's and containers' byte and CPU counters, per device and per container as Infra
  // draws them: its panels on the raw counters cost 2.6 s of CPU together at 7 d (docs/performance.md).
  perSecond("tutordex:host:network_receive_bytes_per_s", "node_network_receive_bytes_total", "device", HOST_NIC_FILTER),
  perSecond("tutordex:host:network_transmit_bytes_per_s", "node_network_transmit_bytes_total", "device", HOST_NIC_FILTER),
  perSecond("tutordex:container:cpu_usage_per_s", "container_cpu_usage_seconds_total", "name", NAMED),
  perSecond("tutordex:container:network_receive_bytes_per_s", "container_network_receive_bytes_total", "name", NAMED),
  perSecond("tutordex:container:network_transmit_bytes_per_s", "container_network_transmit_bytes_total", "name", NAMED),
  perSecond("tutordex:container:fs_reads_bytes_per_s", "container_fs_reads_bytes_total", "name", NAMED),
  perSecond("tutordex:container:fs_writes_bytes_per_s", "container_fs_writes_bytes_total", "name", NAMED),
  // (ours) The rest of Infra, each as its panel and alert compute it: with the rates above it still
  // cost 1.8 s of CPU at 7 d, more than two cores answer in the 1.5 s target (docs/performance.md).
  { record: "tutordex:container:memory_working_set_bytes", expr: `sum by (name) (container_memory_working_set_bytes{${NAMED}})` },
  { record: "tutordex:container:memory_limit_fraction", expr: containerMemoryShare([NAMED]) },
  { record: "tutordex:container:starts_seen_15m", expr: `max by (name) (${containerStartsSeen([NAMED])})` },
  { record: "tutordex:container:oom_events_increase_15m", expr: containerOomKills([NAMED]) },
  {
    record: "tutordex:host:filesystem_avail_bytes_forecast_24h",
    expr: `predict_linear(node_filesystem_avail_bytes{${FS_FILTER}}[6h], 24 * 3600)`,
  },
  // (ours) Panels over 300 ms of CPU at 7 d elsewhere: Channel health's share per channel read the
  // per-channel series three times; Supabase's quantile read 120 bucket series; Alertmanager's
  // failure counters carry a reason label (51 series).
  {
    record: "tutordex:channel:parse_success_fraction",
    expr: fraction(`sum by (channel) (rate(worker_parse_success_total[10m]))`, `sum by (channel) (rate(worker_parse_failure_total[10m]))`),
  },
  {
    record: "tutordex:worker:supabase_latency_p95_seconds",
    expr: histogramQuantile(0.95, "worker_supabase_latency_seconds", "operation", "5m"),
  },
  perSecond("tutordex:alertmanager:notifications_per_s", "alertmanager_notifications_total", "integration"),
  perSecond("tutordex:alertmanager:notifications_failed_per_s", "alertmanager_notifications_failed_total", "integration"),
];

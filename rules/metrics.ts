import { TSDB_FAILURE_COUNTERS } from "./alerts/stack";
import { RECORDING_RULES } from "./catalog";

/**
 * Every metric a query may reference: the application's catalog (docs/spec.md §10), the exporters' and
 * the stack's own. Dashboards and rules are checked against it, so a query on a metric nobody
 * emits fails a test instead of drawing an empty panel.
 */
const NATIVE_HISTOGRAMS: string[] = [];
/**
 * A histogram's classic series. Its bare name is the native histogram, which exists only where it
 * is scraped as one (`nativeHistograms`): queries may use it, the catalog does not promise it.
 */
const histogram = (name: string) => {
  NATIVE_HISTOGRAMS.push(name);
  return [`${name}_bucket`, `${name}_sum`, `${name}_count`];
};

export const APPLICATION_METRICS: readonly string[] = [
  // collector
  "collector_messages_seen_total",
  "collector_messages_upserted_total",
  "collector_errors_total",
  "collector_last_message_timestamp_seconds",
  "collector_pipeline_version",
  "collector_schema_version",
  // queue
  "queue_pending",
  "queue_processing",
  "queue_failed",
  "queue_ok",
  "queue_oldest_pending_age_seconds",
  "queue_oldest_processing_age_seconds",
  // worker
  "worker_jobs_processed_total",
  "worker_parse_success_total",
  "worker_parse_failure_total",
  ...histogram("worker_job_latency_seconds"),
  ...histogram("worker_job_stage_latency_seconds"),
  ...histogram("worker_llm_call_latency_seconds"),
  ...histogram("worker_supabase_latency_seconds"),
  "worker_llm_requests_total",
  "worker_llm_fail_total",
  "worker_supabase_requests_total",
  "worker_supabase_fail_total",
  "worker_requeued_stale_jobs_total",
  "worker_tutor_types_extracted_total",
  "worker_tutor_types_low_confidence_total",
  "worker_tutor_types_unmapped_total",
  "assignment_quality_missing_field_total",
  "assignment_quality_inconsistency_total",
  "worker_pipeline_version",
  "worker_schema_version",
  // notifications
  "broadcast_sent_total",
  "broadcast_fail_total",
  "dm_sent_total",
  "dm_fail_total",
  "dm_rate_limited_total",
  "broadcast_fail_reason_total",
  "dm_fail_reason_total",
  // backend
  "backend_http_requests_total",
  ...histogram("backend_http_request_latency_seconds"),
];

/**
 * Exporter metrics this project queries (node_exporter, cAdvisor with diskIO enabled, blackbox).
 * cAdvisor's OOM counter and memory limit are on with the stack's -disable_metrics list
 * (oom_event and the container spec are not in it).
 */
export const EXPORTER_METRICS: readonly string[] = [
  "node_filesystem_avail_bytes",
  "node_filesystem_size_bytes",
  "node_cpu_seconds_total",
  "node_memory_MemAvailable_bytes",
  "node_memory_MemTotal_bytes",
  "node_load1",
  "node_load5",
  "node_load15",
  "node_network_receive_bytes_total",
  "node_network_transmit_bytes_total",
  "container_cpu_usage_seconds_total",
  "container_memory_working_set_bytes",
  "container_network_receive_bytes_total",
  "container_network_transmit_bytes_total",
  "container_fs_reads_bytes_total",
  "container_fs_writes_bytes_total",
  "container_start_time_seconds",
  "container_oom_events_total",
  "container_spec_memory_limit_bytes",
  "probe_success",
  "probe_ssl_earliest_cert_expiry",
];

/** Metrics of the stack's own services that rules and dashboards use. */
export const STACK_METRICS: readonly string[] = [
  "up",
  "ALERTS",
  "prometheus_rule_evaluation_failures_total",
  "prometheus_rule_group_last_duration_seconds",
  "prometheus_config_last_reload_successful",
  // TSDB failure counters of Prometheus 3.13 and 3.16 (rules/alerts/stack.ts says where each comes from).
  ...TSDB_FAILURE_COUNTERS,
  "alertmanager_notifications_total",
  "alertmanager_notifications_failed_total",
  "alertmanager_config_last_reload_successful",
  "loki_distributor_lines_received_total",
  "loki_distributor_bytes_received_total",
  "loki_discarded_samples_total",
  "loki_request_duration_seconds_count",
  "tempo_distributor_spans_received_total",
  "tempo_discarded_spans_total",
  "tempo_receiver_refused_spans",
  "otelcol_receiver_accepted_spans_total",
  "otelcol_exporter_sent_spans_total",
  "telegram_bridge_messages_sent_total",
  "telegram_bridge_messages_failed_total",
  "telegram_bridge_retries_total",
];

export const KNOWN_METRICS: ReadonlySet<string> = new Set([
  ...APPLICATION_METRICS,
  ...NATIVE_HISTOGRAMS,
  ...EXPORTER_METRICS,
  ...STACK_METRICS,
  ...RECORDING_RULES.map((r) => r.record),
]);

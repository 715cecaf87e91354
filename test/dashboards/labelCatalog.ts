import * as yaml from "js-yaml";
import { renderStack } from "../../generators/stackFiles";
import { RECORDING_RULES } from "../../rules/catalog";
import { TSDB_FAILURE_COUNTERS } from "../../rules/alerts/stack";
import { ALERTS } from "../../rules/catalog";
import { BridgeMetrics } from "../../bridge/src/metrics";
import { stackConfig } from "../support/fixtures";
import { committedStacks } from "../support/stackFiles";
import { Catalog, LabelChecker, Labels, SeriesLabels } from "./promqlLabels";

/**
 * Which job exposes each metric and the labels it carries of its own, with the values where they
 * are a fixed set. The application's metrics are docs/spec.md §10's catalog; the exporters' are those of
 * the pinned releases (node_exporter 1.12, cAdvisor 0.55, blackbox_exporter 0.28, Alertmanager
 * 0.35 without receiver names in metrics, Loki, Tempo, the OTEL Collector) as far as queries use
 * them; the bridge's are bridge/src/metrics.ts. Target labels (job, instance, the static labels
 * of each job) come from the rendered prometheus.yml, not from here.
 */
type Own = Record<string, readonly string[] | undefined>;
const ANY = undefined;
const PVSV: Own = { pipeline_version: ANY, schema_version: ANY };
/** docs/spec.md §10: worker_jobs_processed_total (status: ok|failed|skipped|requeued|error, pv, sv). */
export const JOB_STATUSES = ["ok", "failed", "skipped", "requeued", "error"];
/**
 * docs/spec.md §10: assignment_quality_missing_field_total (field: signals_subjects|signals_levels|postal_code|academic_display_text,
 * ...).
 */
export const MISSING_FIELDS = ["signals_subjects", "signals_levels", "postal_code", "academic_display_text"];
const CPU_MODES = ["idle", "iowait", "irq", "nice", "softirq", "steal", "system", "user"];
/** The reasons the bridge exposes a failure counter for, read from its own /metrics text. */
const BRIDGE_FAILURE_REASONS = [
  ...new BridgeMetrics().render().matchAll(/^telegram_bridge_messages_failed_total\{reason="([^"]+)"\}/gm),
].map((m) => m[1]);

const app = (job: string, own: Own) => ({ jobs: [job], own });
const histogram = (job: string, name: string, own: Own): [string, { jobs: string[]; own: Own }][] => [
  [name, app(job, own)],
  [`${name}_bucket`, app(job, { ...own, le: ANY })],
  [`${name}_sum`, app(job, own)],
  [`${name}_count`, app(job, own)],
];

const COLLECTOR = "tutordex_collector";
const WORKER = "tutordex_worker";
const BACKEND = "tutordex_backend";
const PROBES = ["blackbox_http", "blackbox_stack_ready", "blackbox_http_public"];
// The compose project is the one Docker label cAdvisor keeps (cadvisorArgs); containers compose did not make have none.
const CADVISOR: Own = { id: ANY, image: ANY, name: ANY, container_label_com_docker_compose_project: ANY };

export const METRIC_SOURCES: ReadonlyMap<string, { jobs: readonly string[]; own: Own }> = new Map([
  // docs/spec.md §10, collector
  ["collector_messages_seen_total", app(COLLECTOR, { channel: ANY, ...PVSV })],
  ["collector_messages_upserted_total", app(COLLECTOR, { channel: ANY, ...PVSV })],
  ["collector_errors_total", app(COLLECTOR, { channel: ANY, reason: ANY, ...PVSV })],
  ["collector_last_message_timestamp_seconds", app(COLLECTOR, { channel: ANY, ...PVSV })],
  ["collector_pipeline_version", app(COLLECTOR, { version: ANY })],
  ["collector_schema_version", app(COLLECTOR, { version: ANY })],
  // queue gauges (the worker serves them)
  ...[
    "queue_pending",
    "queue_processing",
    "queue_failed",
    "queue_ok",
    "queue_oldest_pending_age_seconds",
    "queue_oldest_processing_age_seconds",
  ].map((m) => [m, app(WORKER, PVSV)] as [string, { jobs: string[]; own: Own }]),
  // worker
  ["worker_jobs_processed_total", app(WORKER, { status: JOB_STATUSES, ...PVSV })],
  ["worker_parse_success_total", app(WORKER, { channel: ANY, ...PVSV })],
  ["worker_parse_failure_total", app(WORKER, { channel: ANY, reason: ANY, ...PVSV })],
  ...histogram(WORKER, "worker_job_latency_seconds", PVSV),
  ...histogram(WORKER, "worker_job_stage_latency_seconds", { stage: ANY, ...PVSV }),
  ...histogram(WORKER, "worker_llm_call_latency_seconds", PVSV),
  ...histogram(WORKER, "worker_supabase_latency_seconds", { operation: ANY, ...PVSV }),
  ["worker_llm_requests_total", app(WORKER, { model: ANY, ...PVSV })],
  ["worker_llm_fail_total", app(WORKER, PVSV)],
  ["worker_supabase_requests_total", app(WORKER, { operation: ANY, ...PVSV })],
  ["worker_supabase_fail_total", app(WORKER, { operation: ANY, ...PVSV })],
  ["worker_requeued_stale_jobs_total", app(WORKER, PVSV)],
  ["worker_tutor_types_extracted_total", app(WORKER, { channel: ANY, ...PVSV })],
  ["worker_tutor_types_low_confidence_total", app(WORKER, { channel: ANY, ...PVSV })],
  ["worker_tutor_types_unmapped_total", app(WORKER, { channel: ANY, ...PVSV })],
  ["assignment_quality_missing_field_total", app(WORKER, { field: MISSING_FIELDS, channel: ANY, ...PVSV })],
  ["assignment_quality_inconsistency_total", app(WORKER, { kind: ANY, channel: ANY, ...PVSV })],
  ["worker_pipeline_version", app(WORKER, { version: ANY })],
  ["worker_schema_version", app(WORKER, { version: ANY })],
  // notifications (the worker sends them)
  ...["broadcast_sent_total", "broadcast_fail_total", "dm_sent_total", "dm_fail_total", "dm_rate_limited_total"].map(
    (m) => [m, app(WORKER, PVSV)] as [string, { jobs: string[]; own: Own }],
  ),
  ["broadcast_fail_reason_total", app(WORKER, { reason: ANY, ...PVSV })],
  ["dm_fail_reason_total", app(WORKER, { reason: ANY, ...PVSV })],
  // backend
  ["backend_http_requests_total", app(BACKEND, { method: ANY, path: ANY, status_code: ANY })],
  ...histogram(BACKEND, "backend_http_request_latency_seconds", { method: ANY, path: ANY }),
  // node_exporter
  ["node_filesystem_avail_bytes", app("node_exporter", { device: ANY, device_error: ANY, fstype: ANY, mountpoint: ANY })],
  ["node_filesystem_size_bytes", app("node_exporter", { device: ANY, device_error: ANY, fstype: ANY, mountpoint: ANY })],
  ["node_cpu_seconds_total", app("node_exporter", { cpu: ANY, mode: CPU_MODES })],
  ...["node_memory_MemAvailable_bytes", "node_memory_MemTotal_bytes", "node_load1", "node_load5", "node_load15"].map(
    (m) => [m, app("node_exporter", {})] as [string, { jobs: string[]; own: Own }],
  ),
  ["node_network_receive_bytes_total", app("node_exporter", { device: ANY })],
  ["node_network_transmit_bytes_total", app("node_exporter", { device: ANY })],
  // cAdvisor
  ...[
    "container_cpu_usage_seconds_total",
    "container_memory_working_set_bytes",
    "container_start_time_seconds",
    "container_oom_events_total",
    "container_spec_memory_limit_bytes",
  ].map((m) => [m, app("cadvisor", CADVISOR)] as [string, { jobs: string[]; own: Own }]),
  ["container_network_receive_bytes_total", app("cadvisor", { ...CADVISOR, interface: ANY })],
  ["container_network_transmit_bytes_total", app("cadvisor", { ...CADVISOR, interface: ANY })],
  ["container_fs_reads_bytes_total", app("cadvisor", { ...CADVISOR, device: ANY })],
  ["container_fs_writes_bytes_total", app("cadvisor", { ...CADVISOR, device: ANY })],
  // every target: its labels are those of all jobs (seriesCatalog)
  ["up", { jobs: [], own: {} }],
  // blackbox_exporter, through the probe jobs
  ["probe_success", { jobs: PROBES, own: {} }],
  ["probe_ssl_earliest_cert_expiry", { jobs: PROBES, own: {} }],
  // the stack's own
  ["prometheus_rule_evaluation_failures_total", app("prometheus", { rule_group: ANY })],
  ["prometheus_rule_group_last_duration_seconds", app("prometheus", { rule_group: ANY })],
  ...["prometheus_config_last_reload_successful", ...TSDB_FAILURE_COUNTERS].map(
    (m) => [m, app("prometheus", {})] as [string, { jobs: string[]; own: Own }],
  ),
  ["alertmanager_notifications_total", app("alertmanager", { integration: ANY })],
  ["alertmanager_notifications_failed_total", app("alertmanager", { integration: ANY, reason: ANY })],
  ["alertmanager_config_last_reload_successful", app("alertmanager", {})],
  ["loki_distributor_lines_received_total", app("loki", { tenant: ANY })],
  ["loki_distributor_bytes_received_total", app("loki", { tenant: ANY })],
  ["loki_discarded_samples_total", app("loki", { reason: ANY, tenant: ANY })],
  ["loki_request_duration_seconds_count", app("loki", { method: ANY, route: ANY, status_code: ANY, ws: ANY })],
  ["tempo_distributor_spans_received_total", app("tempo", { tenant: ANY })],
  ["tempo_discarded_spans_total", app("tempo", { reason: ANY, tenant: ANY })],
  ["tempo_receiver_refused_spans", app("tempo", { receiver: ANY, transport: ANY })],
  ["otelcol_receiver_accepted_spans_total", app("otel_collector", { receiver: ANY, transport: ANY })],
  ["otelcol_exporter_sent_spans_total", app("otel_collector", { exporter: ANY })],
  ["telegram_bridge_messages_sent_total", app("telegram_bridge", {})],
  ["telegram_bridge_messages_failed_total", app("telegram_bridge", { reason: BRIDGE_FAILURE_REASONS })],
  ["telegram_bridge_retries_total", app("telegram_bridge", {})],
]);

interface ScrapeJob {
  job_name: string;
  static_configs: { labels?: Record<string, string> }[];
  relabel_configs?: { target_label?: string }[];
}

/**
 * job → the labels its targets give every series (job, instance, static labels), from the
 * prometheus.yml of every committed stack, and of prod with the other log agent (dashboards are
 * shared by every stack, whichever agent it runs).
 */
export function targetLabels(): Map<string, Map<string, string[] | undefined>> {
  const jobs = new Map<string, Map<string, string[] | undefined>>();
  const configs = [...committedStacks().map((s) => stackConfig(s)), stackConfig("prod", { logAgent: "promtail" })];
  for (const config of configs) {
    const doc = yaml.load(renderStack(config).prometheus["prometheus.yml"]) as { scrape_configs: ScrapeJob[] };
    for (const j of doc.scrape_configs) {
      const labels =
        jobs.get(j.job_name) ??
        new Map<string, string[] | undefined>([
          ["job", [j.job_name]],
          ["instance", ANY],
        ]);
      for (const s of j.static_configs)
        for (const [k, v] of Object.entries(s.labels ?? {}))
          labels.set(k, k === "public_host" || k === "probe_route" ? ANY : [...new Set([...(labels.get(k) ?? []), v])]);
      for (const r of j.relabel_configs ?? [])
        if (r.target_label && !r.target_label.startsWith("__") && !labels.has(r.target_label)) labels.set(r.target_label, ANY);
      jobs.set(j.job_name, labels);
    }
  }
  return jobs;
}

const merge = (into: Map<string, readonly string[] | undefined>, from: Iterable<[string, readonly string[] | undefined]>) => {
  for (const [l, v] of from) into.set(l, into.has(l) ? (into.get(l) && v ? [...new Set([...into.get(l)!, ...v])] : ANY) : v);
};

/** ALERTS carries whatever labels the alert's expression and rule give; these values are fixed. */
const ALERTS_VALUES: Labels = new Map<string, readonly string[]>([
  ["alertstate", ["firing", "pending"]],
  ["severity", ["critical", "warning", "info", "none"]],
  ["alertname", ALERTS.map((a) => a.alert)],
  ["component", [...new Set(ALERTS.map((a) => a.component))]],
]);

/** The catalog the checker looks metrics up in: scraped series, ALERTS, and recorded series (labels inferred from their rules). */
export function seriesCatalog(problems: string[] = []): Catalog {
  const targets = targetLabels();
  const recorded = new Map<string, SeriesLabels>();
  const catalog: Catalog = (metric) => {
    if (metric === "ALERTS") return { labels: "any", values: ALERTS_VALUES };
    if (recorded.has(metric)) return recorded.get(metric);
    const source = METRIC_SOURCES.get(metric);
    if (!source) return undefined;
    const labels = new Map<string, readonly string[] | undefined>();
    if (metric === "up") {
      for (const t of targets.values()) merge(labels, t);
      return { labels };
    }
    for (const job of source.jobs) merge(labels, targets.get(job) ?? []);
    merge(labels, Object.entries(source.own));
    return { labels };
  };
  for (const r of RECORDING_RULES) {
    const checker = new LabelChecker(catalog);
    const result = checker.check(r.expr);
    problems.push(...checker.problems.map((p) => `recording rule ${r.record}: ${p}`));
    recorded.set(r.record, result.kind === "vector" ? { labels: result.labels, values: result.values } : { labels: new Map() });
  }
  return catalog;
}

import { withLabel } from "../expressions";
import { AlertDefinition } from "../model";

/**
 * Prometheus's TSDB failure counters with the short name the alert shows. Names as Prometheus
 * 3.13 (and 3.16) export them (tsdb/db.go, tsdb/head.go; the WAL's come from tsdb/wlog/wlog.go under the
 * prefix prometheus_tsdb_wal_, and the same counters of the out-of-order write-behind log, which
 * the stack's out_of_order_time_window turns on, under prometheus_tsdb_out_of_order_wbl_),
 * checked against the /metrics of the built binary. A WBL corruption found on start counts in
 * prometheus_tsdb_wal_corruptions_total (tsdb/db.go); the WBL has no corruption counter of its own.
 */
export const TSDB_FAILURES: readonly (readonly [metric: string, failure: string])[] = [
  ["prometheus_tsdb_compactions_failed_total", "compaction"],
  ["prometheus_tsdb_head_truncations_failed_total", "head_truncation"],
  ["prometheus_tsdb_reloads_failures_total", "block_reload"],
  ["prometheus_tsdb_checkpoint_creations_failed_total", "checkpoint_creation"],
  ["prometheus_tsdb_wal_corruptions_total", "wal_corruption"],
  ["prometheus_tsdb_wal_writes_failed_total", "wal_write"],
  ["prometheus_tsdb_wal_truncations_failed_total", "wal_truncation"],
  ["prometheus_tsdb_out_of_order_wbl_writes_failed_total", "wbl_write"],
  ["prometheus_tsdb_out_of_order_wbl_truncations_failed_total", "wbl_truncation"],
  ["prometheus_tsdb_mmap_chunk_corruptions_total", "mmap_chunk_corruption"],
];

/** The counters alone, for the metric catalog and what reads it. */
export const TSDB_FAILURE_COUNTERS: readonly string[] = TSDB_FAILURES.map(([metric]) => metric);

/** Failures per kind over `window`, one series per (instance, failure); the Stack dashboard draws the same. */
export const tsdbFailures = (window: string) =>
  `sum by (instance, failure) (${TSDB_FAILURES.map(([m, f]) => withLabel(`increase(${m}[${window}])`, "failure", f)).join(" or ")})`;

/**
 * Loki 3.5: lines refused at ingestion are counted in loki_discarded_samples_total{reason}
 * (pkg/validation/validate.go); a push that fails outright is a 5xx in dskit's
 * loki_request_duration_seconds{route, status_code} (grafana/dskit server/metrics.go) on the
 * push routes that Loki's mixin counts as writes (production/loki-mixin, loki-writes dashboard).
 */
export const LOKI_PUSH_ROUTES = "api_prom_push|loki_api_v1_push|otlp_v1_logs";
export const lokiPush5xx = (window: string) =>
  `sum (rate(loki_request_duration_seconds_count{route=~"${LOKI_PUSH_ROUTES}",status_code=~"5.."}[${window}]))`;

/**
 * Tempo 2.8: spans dropped after the receiver are tempo_discarded_spans_total{reason}
 * (modules/distributor); spans the receiver could not hand to the pipeline are
 * tempo_receiver_refused_spans (modules/distributor/receiver/metrics_provider.go, a plain
 * Prometheus counter without the _total suffix).
 */
export const tempoRefused = (window: string) => "sum (rate(tempo_receiver_refused_spans[" + window + "]))";

/** The stack watching itself: delivery of alerts, rule evaluation, reloads, readiness, storage, ingestion. */
export const STACK_ALERTS = [
  {
    alert: "AlertmanagerNotificationsFailing",
    group: "stack",
    threshold: 0,
    expr: (t) => `sum by (integration) (rate(alertmanager_notifications_failed_total[5m])) > ${t}`,
    for: "5m",
    severity: "critical",
    component: "observability",
    summary: "Alertmanager cannot deliver notifications",
    description: "Alertmanager {{ $labels.integration }} notifications failing at {{ $value | humanize }}/s.",
    dashboard: "tutordex-stack",
  },
  {
    alert: "PrometheusRuleEvaluationFailures",
    group: "stack",
    threshold: 0,
    expr: (t) => `sum by (rule_group) (increase(prometheus_rule_evaluation_failures_total[5m])) > ${t}`,
    for: "5m",
    severity: "warning",
    component: "observability",
    summary: "Rule evaluation failing",
    description: "{{ $value | humanize }} evaluation failures in 5m in rule group {{ $labels.rule_group }}.",
    dashboard: "tutordex-stack",
  },
  {
    alert: "PrometheusConfigReloadFailed",
    group: "stack",
    expr: () => "prometheus_config_last_reload_successful == 0",
    for: "5m",
    severity: "warning",
    component: "observability",
    summary: "Prometheus configuration reload failed",
    description: "Prometheus keeps running its previous configuration; the last reload on {{ $labels.instance }} failed.",
    dashboard: "tutordex-stack",
  },
  {
    alert: "AlertmanagerConfigReloadFailed",
    group: "stack",
    expr: () => "alertmanager_config_last_reload_successful == 0",
    for: "5m",
    severity: "warning",
    component: "observability",
    summary: "Alertmanager configuration reload failed",
    description: "Alertmanager keeps running its previous configuration; the last reload on {{ $labels.instance }} failed.",
    dashboard: "tutordex-stack",
  },
  {
    alert: "TelegramBridgeDeliveryFailing",
    group: "stack",
    threshold: 0,
    expr: (t) => `sum by (reason) (increase(telegram_bridge_messages_failed_total[10m])) > ${t}`,
    for: "0m",
    severity: "critical",
    component: "observability",
    summary: "Telegram bridge cannot deliver alerts",
    description: "{{ $value | humanize }} messages failed in 10m (reason {{ $labels.reason }}); alerts may not reach the chat.",
    dashboard: "tutordex-stack",
  },
  {
    alert: "StackServiceNotReady",
    group: "stack",
    expr: () => 'probe_success{job="blackbox_stack_ready"} == 0',
    for: "5m",
    severity: "warning",
    component: "observability",
    summary: "{{ $labels.service }} is not ready",
    description: "The readiness endpoint {{ $labels.instance }} of {{ $labels.service }} has failed for 5 minutes.",
    dashboard: "tutordex-stack",
  },
  {
    // Any failure at all: each of these means blocks, WAL segments or samples may be lost.
    alert: "PrometheusStorageFailing",
    group: "stack",
    threshold: 0,
    expr: (t) => `${tsdbFailures("1h")} > ${t}`,
    for: "0m",
    severity: "warning",
    component: "observability",
    summary: "Prometheus storage failing: {{ $labels.failure }}",
    description:
      "Prometheus on {{ $labels.instance }} counted {{ $value | humanize }} {{ $labels.failure }} failure(s) in the last hour; metrics may be lost.",
    dashboard: "tutordex-stack",
  },
  {
    alert: "LokiIngestionFailing",
    group: "stack",
    threshold: 0,
    expr: (t) =>
      `(sum by (reason) (rate(loki_discarded_samples_total[5m])) or ${withLabel(lokiPush5xx("5m"), "reason", "push_5xx")}) > ${t}`,
    for: "10m",
    severity: "warning",
    component: "observability",
    summary: "Loki is refusing logs ({{ $labels.reason }})",
    description:
      "Loki has been refusing log lines or pushes for 10 minutes: {{ $labels.reason }} at {{ $value | humanize }}/s; those logs are lost.",
    dashboard: "tutordex-stack",
  },
  {
    alert: "TempoIngestionFailing",
    group: "stack",
    threshold: 0,
    expr: (t) =>
      `(sum by (reason) (rate(tempo_discarded_spans_total[5m])) or ${withLabel(tempoRefused("5m"), "reason", "receiver_refused")}) > ${t}`,
    for: "10m",
    severity: "warning",
    component: "observability",
    summary: "Tempo is refusing spans ({{ $labels.reason }})",
    description:
      "Tempo has been dropping spans for 10 minutes: {{ $labels.reason }} at {{ $value | humanize }}/s; those traces are incomplete.",
    dashboard: "tutordex-stack",
  },
] as const satisfies readonly AlertDefinition[];

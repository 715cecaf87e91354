import { AlertDefinition, RecordingDefinition } from "./model";

/**
 * Every alert of SPEC §3, plus the stack's self-monitoring. Descriptions are Go templates that
 * Prometheus renders; keep `$labels` references to labels the expression actually keeps.
 */
const PV_SV = "pipeline_version={{ $labels.pipeline_version }} schema_version={{ $labels.schema_version }}";

const FS_FILTER =
  'fstype!~"tmpfs|overlay|squashfs|fuse.snapfuse|nsfs",mountpoint!~"/snap(/.*)?|/var/lib/docker/overlay2(/.*)?|/run/docker(/.*)?|/mnt/wsl(/.*)?"';

const rateAbove = (metric: string, by: string, window: string) => (t: number) =>
  `sum by (${by}) (rate(${metric}[${window}])) > ${t}`;

export const ALERTS: readonly AlertDefinition[] = [
  // --- infra ---
  {
    alert: "PrometheusTargetDown",
    group: "infra",
    expr: () => "up == 0",
    for: "5m",
    severity: "warning",
    component: "observability",
    summary: "Scrape target {{ $labels.job }} is down",
    description: "Prometheus cannot scrape {{ $labels.instance }} (job {{ $labels.job }}) for 5 minutes.",
    dashboard: "tutordex-infra",
  },
  {
    alert: "BlackboxProbeFailed",
    group: "infra",
    expr: () => "probe_success == 0",
    for: "2m",
    severity: "warning",
    component: "observability",
    summary: "Probe of {{ $labels.instance }} failing",
    description: "The blackbox probe of {{ $labels.instance }} (job {{ $labels.job }}) has failed for 2 minutes.",
    dashboard: "tutordex-infra",
  },
  {
    alert: "PublicApiDown",
    group: "infra",
    expr: () => 'probe_success{job="blackbox_http_public"} == 0',
    for: "2m",
    severity: "critical",
    component: "backend",
    summary: "Public API {{ $labels.instance }} is down",
    description: "The public probe of {{ $labels.instance }} (host {{ $labels.public_host }}, route {{ $labels.probe_route }}) has failed for 2 minutes.",
    dashboard: "tutordex-home",
  },
  {
    alert: "HostDiskLow",
    group: "infra",
    threshold: 0.1,
    expr: (t) => `node_filesystem_avail_bytes{${FS_FILTER}} / node_filesystem_size_bytes{${FS_FILTER}} < ${t}`,
    for: "15m",
    severity: "warning",
    component: "infra",
    summary: "Disk almost full on {{ $labels.mountpoint }}",
    description: "Only {{ $value | humanizePercentage }} free on {{ $labels.mountpoint }} ({{ $labels.device }}).",
    dashboard: "tutordex-infra",
  },
  {
    alert: "ContainerRestarted",
    group: "infra",
    threshold: 1,
    expr: (t, ctx) => `changes(container_start_time_seconds{name=~"${ctx.watchedContainers}"}[15m]) > ${t}`,
    for: "2m",
    severity: "warning",
    component: "infra",
    summary: "Container {{ $labels.name }} is restarting",
    description: "Container {{ $labels.name }} started {{ $value }} times in the last 15 minutes.",
    dashboard: "tutordex-infra",
  },
  // --- deadman ---
  {
    alert: "Watchdog",
    group: "deadman",
    expr: () => "vector(1)",
    for: "0m",
    severity: "none",
    component: "observability",
    summary: "Alerting pipeline heartbeat",
    description: "Always firing. If this stops arriving, Prometheus, Alertmanager or the Telegram bridge is broken.",
  },
  // --- pipeline ---
  {
    alert: "CollectorStalled",
    group: "pipeline",
    threshold: 900,
    expr: (t) => `time() - collector_last_message_timestamp_seconds > ${t}`,
    for: "10m",
    severity: "warning",
    component: "collector",
    summary: "Collector stalled on {{ $labels.channel }}",
    description: "No message from {{ $labels.channel }} for {{ $value | humanizeDuration }} (" + PV_SV + ").",
    dashboard: "tutordex-channel-health",
  },
  {
    alert: "QueueBacklogGrowingNoThroughput",
    group: "pipeline",
    threshold: 0,
    // "unless throughput > t" also fires when the worker publishes no processed-jobs series at all.
    expr: (t, ctx) =>
      `queue_pending > (queue_pending offset ${ctx.backlogLookback}) unless on (pipeline_version, schema_version) ` +
      `(sum by (pipeline_version, schema_version) (rate(worker_jobs_processed_total[${ctx.throughputWindow}])) > ${t})`,
    for: "10m",
    severity: "critical",
    component: "queue",
    summary: "Queue backlog growing with zero throughput",
    description: "{{ $value }} jobs pending and growing over 15m while the worker processes nothing (" + PV_SV + ").",
    dashboard: "tutordex-overview",
  },
  {
    alert: "QueueOldestPendingTooOld",
    group: "pipeline",
    threshold: 1800,
    expr: (t) => `queue_oldest_pending_age_seconds > ${t}`,
    for: "10m",
    severity: "warning",
    component: "queue",
    summary: "Oldest pending job is too old",
    description: "The oldest pending job has waited {{ $value | humanizeDuration }} (" + PV_SV + ").",
    dashboard: "tutordex-overview",
  },
  {
    alert: "QueueStuckProcessing",
    group: "pipeline",
    threshold: 900,
    expr: (t) => `queue_oldest_processing_age_seconds > ${t}`,
    for: "5m",
    severity: "critical",
    component: "queue",
    summary: "A job is stuck in processing",
    description: "The oldest processing job has been running for {{ $value | humanizeDuration }} (" + PV_SV + ").",
    dashboard: "tutordex-overview",
  },
  {
    alert: "LLMFailureSpike",
    group: "pipeline",
    threshold: 0.2,
    expr: rateAbove("worker_llm_fail_total", "pipeline_version, schema_version", "5m"),
    for: "5m",
    severity: "warning",
    component: "worker",
    summary: "LLM calls failing",
    description: "LLM failures at {{ $value | humanize }}/s (" + PV_SV + ").",
    dashboard: "tutordex-llm-supabase",
  },
  {
    alert: "SupabaseFailureSpike",
    group: "pipeline",
    threshold: 0.2,
    expr: rateAbove("worker_supabase_fail_total", "operation, pipeline_version, schema_version", "5m"),
    for: "5m",
    severity: "warning",
    component: "worker",
    summary: "Supabase {{ $labels.operation }} failing",
    description: "Supabase {{ $labels.operation }} failures at {{ $value | humanize }}/s (" + PV_SV + ").",
    dashboard: "tutordex-llm-supabase",
  },
  {
    alert: "BroadcastFailureSpike",
    group: "pipeline",
    threshold: 0.2,
    expr: rateAbove("broadcast_fail_total", "pipeline_version, schema_version", "5m"),
    for: "5m",
    severity: "warning",
    component: "broadcast",
    summary: "Broadcasts failing",
    description: "Broadcast failures at {{ $value | humanize }}/s (" + PV_SV + ").",
    dashboard: "tutordex_matching",
  },
  {
    alert: "DMFailureSpike",
    group: "pipeline",
    threshold: 0.2,
    expr: rateAbove("dm_fail_total", "pipeline_version, schema_version", "5m"),
    for: "5m",
    severity: "warning",
    component: "dm",
    summary: "Direct messages failing",
    description: "DM failures at {{ $value | humanize }}/s (" + PV_SV + ").",
    dashboard: "tutordex_matching",
  },
  {
    alert: "DMRateLimited",
    group: "pipeline",
    threshold: 0,
    expr: rateAbove("dm_rate_limited_total", "pipeline_version, schema_version", "5m"),
    for: "2m",
    severity: "warning",
    component: "dm",
    summary: "Telegram is rate-limiting DMs",
    description: "DMs rate-limited at {{ $value | humanize }}/s (" + PV_SV + ").",
    dashboard: "tutordex_matching",
  },
  // --- quality ---
  {
    alert: "ParseFailureSpike",
    group: "quality",
    threshold: 0.5,
    expr: rateAbove("worker_parse_failure_total", "pipeline_version, schema_version", "10m"),
    for: "5m",
    severity: "warning",
    component: "worker",
    summary: "Parse failures spiking",
    description: "Parse failures at {{ $value | humanize }}/s over 10m (" + PV_SV + ").",
    dashboard: "tutordex-quality",
  },
  {
    alert: "ParseErrorFractionHigh",
    group: "quality",
    threshold: 0.2,
    expr: (t) => `tutordex:worker:parse_error_fraction > ${t}`,
    for: "10m",
    severity: "warning",
    component: "worker",
    summary: "High share of parses failing",
    description: "{{ $value | humanizePercentage }} of parses fail (" + PV_SV + ").",
    dashboard: "tutordex-quality",
  },
  {
    alert: "MissingSubjectsHigh",
    group: "quality",
    threshold: 0.2,
    expr: (t) =>
      `sum by (pipeline_version, schema_version) (rate(assignment_quality_missing_field_total{field="signals_subjects"}[30m])) > ${t}`,
    for: "15m",
    severity: "warning",
    component: "quality",
    summary: "Many assignments without subjects",
    description: "Assignments missing subjects at {{ $value | humanize }}/s over 30m (" + PV_SV + ").",
    dashboard: "tutordex_data_quality",
  },
  {
    alert: "TutorTypesExtractionLowCoverage",
    group: "quality",
    // Not increasing while parses succeed: an idle pipeline is not a coverage problem.
    expr: () =>
      "sum by (pipeline_version, schema_version) (increase(worker_tutor_types_extracted_total[30m])) == 0 " +
      "and on (pipeline_version, schema_version) sum by (pipeline_version, schema_version) (increase(worker_parse_success_total[30m])) > 0",
    for: "10m",
    severity: "warning",
    component: "worker",
    summary: "Tutor types are no longer extracted",
    description: "No tutor types extracted in 30m although parses succeed (" + PV_SV + ").",
    dashboard: "tutordex-quality",
  },
  {
    alert: "TutorTypesHighUnmappedRate",
    group: "quality",
    threshold: 0.1,
    expr: (t) =>
      "sum by (pipeline_version, schema_version) (rate(worker_tutor_types_unmapped_total[30m])) / " +
      `sum by (pipeline_version, schema_version) (rate(worker_tutor_types_extracted_total[30m])) > ${t}`,
    for: "15m",
    severity: "critical",
    component: "worker",
    summary: "Many tutor types cannot be mapped",
    description: "{{ $value | humanizePercentage }} of extracted tutor types are unmapped (" + PV_SV + ").",
    dashboard: "tutordex-quality",
  },
  // --- the stack watching itself ---
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
];

export const ALERT_NAMES: readonly string[] = ALERTS.map((a) => a.alert);

export function thresholdOf(alert: string): number | undefined {
  return ALERTS.find((a) => a.alert === alert)?.threshold;
}

const PVSV = "pipeline_version, schema_version";
/** An absent side counts as a zero rate, so the fraction exists whenever either side does. */
const orZero = (present: string, other: string) => `(${present} or (${other} * 0))`;
const FAIL_10M = `sum by (${PVSV}) (rate(worker_parse_failure_total[10m]))`;
const OK_10M = `sum by (${PVSV}) (rate(worker_parse_success_total[10m]))`;

export const RECORDING_RULES: readonly RecordingDefinition[] = [
  { record: "tutordex:collector:seconds_since_last_message", expr: "time() - collector_last_message_timestamp_seconds" },
  { record: "tutordex:worker:throughput_jobs_per_s", expr: `sum by (${PVSV}) (rate(worker_jobs_processed_total[5m]))` },
  { record: "tutordex:worker:llm_fail_rate_per_s", expr: "rate(worker_llm_fail_total[5m])" },
  { record: "tutordex:worker:supabase_fail_rate_per_s", expr: `sum by (${PVSV}) (rate(worker_supabase_fail_total[5m]))` },
  { record: "tutordex:worker:parse_failure_rate_per_s", expr: `sum by (reason, ${PVSV}) (rate(worker_parse_failure_total[10m]))` },
  { record: "tutordex:worker:parse_success_rate_per_s", expr: OK_10M },
  {
    record: "tutordex:worker:parse_error_fraction",
    expr: `${orZero(FAIL_10M, OK_10M)} / clamp_min(${orZero(FAIL_10M, OK_10M)} + ${orZero(OK_10M, FAIL_10M)}, 1e-06)`,
  },
  { record: "tutordex:quality:missing_field_rate_per_s", expr: `sum by (field, ${PVSV}) (rate(assignment_quality_missing_field_total[10m]))` },
  { record: "tutordex:quality:inconsistency_rate_per_s", expr: `sum by (kind, ${PVSV}) (rate(assignment_quality_inconsistency_total[10m]))` },
];

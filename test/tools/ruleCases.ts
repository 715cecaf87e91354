/**
 * promtool unit tests for every rule, written as literal expectations. The rules are rendered with
 * RUNBOOKS and GRAFANA below, so annotation URLs here are exact strings, not recomputed.
 */
export const RUNBOOKS = "https://runbooks.test/rb";
export const GRAFANA = "https://grafana.test";
export const STACK = "ci";

const PV = 'pipeline_version="2026-01-02_det_time_v1",schema_version="v2"';
const PVL = { pipeline_version: "2026-01-02_det_time_v1", schema_version: "v2" };
const PVSV = "pipeline_version=2026-01-02_det_time_v1 schema_version=v2";

export interface ExpectedAlert {
  exp_labels: Record<string, string>;
  exp_annotations?: Record<string, string>;
}
export interface AlertCheck {
  eval_time: string;
  alertname: string;
  exp_alerts: ExpectedAlert[];
}
export interface ExprCheck {
  expr: string;
  eval_time: string;
  exp_samples: { labels: string; value: number }[];
}
export interface RuleTestCase {
  name: string;
  input_series: { series: string; values: string }[];
  alert_rule_test?: AlertCheck[];
  promql_expr_test?: ExprCheck[];
}

const ann = (alert: string, summary: string, description: string, dashboard?: string) => ({
  summary,
  description,
  runbook_url: `${RUNBOOKS}/${alert}.md`,
  ...(dashboard ? { dashboard: `${GRAFANA}/d/${dashboard}` } : {}),
});
const none = (alertname: string, eval_time: string): AlertCheck => ({ alertname, eval_time, exp_alerts: [] });
const fires = (alertname: string, eval_time: string, labels: Record<string, string>, annotations?: Record<string, string>): AlertCheck => ({
  alertname,
  eval_time,
  exp_alerts: [{ exp_labels: labels, ...(annotations ? { exp_annotations: annotations } : {}) }],
});

/** A counter rising by `perMinute` each minute for `minutes` minutes. */
const rising = (perMinute: number, minutes = 90) => `0+${perMinute}x${minutes}`;

export const CASES: RuleTestCase[] = [
  // ---------------- infra ----------------
  {
    name: "PrometheusTargetDown fires after 5m of up == 0, not at 4m",
    input_series: [{ series: 'up{job="tutordex_worker",instance="aggregator-worker:9002"}', values: "0x10" }],
    alert_rule_test: [
      none("PrometheusTargetDown", "4m"),
      fires(
        "PrometheusTargetDown",
        "5m",
        { job: "tutordex_worker", instance: "aggregator-worker:9002", severity: "warning", component: "observability" },
        ann("PrometheusTargetDown", "Scrape target tutordex_worker is down", "Prometheus cannot scrape aggregator-worker:9002 (job tutordex_worker) for 5 minutes.", "tutordex-infra"),
      ),
    ],
  },
  {
    name: "PrometheusTargetDown stays quiet while up == 1",
    input_series: [{ series: 'up{job="prometheus",instance="prometheus:9090"}', values: "1x10" }],
    alert_rule_test: [none("PrometheusTargetDown", "10m")],
  },
  {
    name: "BlackboxProbeFailed after 2m, and PublicApiDown only for public probes",
    input_series: [{ series: 'probe_success{job="blackbox_http",instance="http://backend:8000/health"}', values: "0x10" }],
    alert_rule_test: [
      none("BlackboxProbeFailed", "1m"),
      fires(
        "BlackboxProbeFailed",
        "2m",
        { job: "blackbox_http", instance: "http://backend:8000/health", severity: "warning", component: "observability" },
        ann("BlackboxProbeFailed", "Probe of http://backend:8000/health failing", "The blackbox probe of http://backend:8000/health (job blackbox_http) has failed for 2 minutes.", "tutordex-infra"),
      ),
      none("PublicApiDown", "5m"),
    ],
  },
  {
    name: "PublicApiDown is critical for the backend after 2m",
    input_series: [
      { series: 'probe_success{job="blackbox_http_public",instance="https://api.test/health",public_host="api.test",probe_route="/health"}', values: "0x10" },
    ],
    alert_rule_test: [
      none("PublicApiDown", "1m"),
      fires(
        "PublicApiDown",
        "2m",
        { job: "blackbox_http_public", instance: "https://api.test/health", public_host: "api.test", probe_route: "/health", severity: "critical", component: "backend" },
        ann("PublicApiDown", "Public API https://api.test/health is down", "The public probe of https://api.test/health (host api.test, route /health) has failed for 2 minutes.", "tutordex-home"),
      ),
    ],
  },
  {
    name: "PublicApiDown quiet while the public probe succeeds",
    input_series: [{ series: 'probe_success{job="blackbox_http_public",instance="https://api.test/health"}', values: "1x10" }],
    alert_rule_test: [none("PublicApiDown", "10m"), none("BlackboxProbeFailed", "10m")],
  },
  {
    name: "HostDiskLow below 10% free after 15m; exactly 10% and excluded filesystems stay quiet",
    input_series: [
      { series: 'node_filesystem_avail_bytes{device="/dev/sda1",fstype="ext4",mountpoint="/"}', values: "9x20" },
      { series: 'node_filesystem_size_bytes{device="/dev/sda1",fstype="ext4",mountpoint="/"}', values: "100x20" },
      { series: 'node_filesystem_avail_bytes{device="/dev/sdb1",fstype="ext4",mountpoint="/data"}', values: "10x20" },
      { series: 'node_filesystem_size_bytes{device="/dev/sdb1",fstype="ext4",mountpoint="/data"}', values: "100x20" },
      { series: 'node_filesystem_avail_bytes{device="tmpfs",fstype="tmpfs",mountpoint="/run"}', values: "1x20" },
      { series: 'node_filesystem_size_bytes{device="tmpfs",fstype="tmpfs",mountpoint="/run"}', values: "100x20" },
      { series: 'node_filesystem_avail_bytes{device="/dev/sda1",fstype="ext4",mountpoint="/var/lib/docker/overlay2/abc/merged"}', values: "1x20" },
      { series: 'node_filesystem_size_bytes{device="/dev/sda1",fstype="ext4",mountpoint="/var/lib/docker/overlay2/abc/merged"}', values: "100x20" },
    ],
    alert_rule_test: [
      none("HostDiskLow", "14m"),
      fires(
        "HostDiskLow",
        "15m",
        { device: "/dev/sda1", fstype: "ext4", mountpoint: "/", severity: "warning", component: "infra" },
        ann("HostDiskLow", "Disk almost full on /", "Only 9% free on / (/dev/sda1).", "tutordex-infra"),
      ),
    ],
  },
  {
    name: "ContainerRestarted when a watched container started more than once in 15m",
    input_series: [
      { series: `container_start_time_seconds{name="tutordex-obs-${STACK}-prometheus"}`, values: "100 200 300x20" },
      { series: 'container_start_time_seconds{name="tutordex-prod-backend-1"}', values: "100 100 300x20" },
      { series: 'container_start_time_seconds{name="someone-elses-app"}', values: "100 200 300x20" },
    ],
    alert_rule_test: [
      none("ContainerRestarted", "3m"),
      fires(
        "ContainerRestarted",
        "4m",
        { name: `tutordex-obs-${STACK}-prometheus`, severity: "warning", component: "infra" },
        ann("ContainerRestarted", `Container tutordex-obs-${STACK}-prometheus is restarting`, `Container tutordex-obs-${STACK}-prometheus started 2 times in the last 15 minutes.`, "tutordex-infra"),
      ),
    ],
  },
  // ---------------- deadman ----------------
  {
    name: "Watchdog always fires with severity none",
    input_series: [],
    alert_rule_test: [
      fires(
        "Watchdog",
        "1m",
        { severity: "none", component: "observability" },
        ann("Watchdog", "Alerting pipeline heartbeat", "Always firing. If this stops arriving, Prometheus, Alertmanager or the Telegram bridge is broken."),
      ),
    ],
  },
  // ---------------- pipeline ----------------
  {
    name: "CollectorStalled after 900s without a message plus 10m",
    input_series: [{ series: `collector_last_message_timestamp_seconds{channel="t.me/tutorsg",${PV}}`, values: "0x40" }],
    alert_rule_test: [
      none("CollectorStalled", "25m"),
      fires(
        "CollectorStalled",
        "26m",
        { channel: "t.me/tutorsg", ...PVL, severity: "warning", component: "collector" },
        ann("CollectorStalled", "Collector stalled on t.me/tutorsg", `No message from t.me/tutorsg for 26m 0s (${PVSV}).`, "tutordex-channel-health"),
      ),
    ],
  },
  {
    name: "CollectorStalled quiet while messages keep arriving",
    input_series: [{ series: `collector_last_message_timestamp_seconds{channel="t.me/tutorsg",${PV}}`, values: "0+60x40" }],
    alert_rule_test: [none("CollectorStalled", "40m")],
  },
  {
    name: "QueueBacklogGrowingNoThroughput: pending grows while processed jobs stay flat",
    input_series: [
      { series: `queue_pending{${PV}}`, values: "0+1x40" },
      { series: `worker_jobs_processed_total{status="ok",${PV}}`, values: "100x40" },
    ],
    alert_rule_test: [
      none("QueueBacklogGrowingNoThroughput", "24m"),
      fires(
        "QueueBacklogGrowingNoThroughput",
        "25m",
        { ...PVL, severity: "critical", component: "queue" },
        ann("QueueBacklogGrowingNoThroughput", "Queue backlog growing with zero throughput", `25 jobs pending and growing over 15m while the worker processes nothing (${PVSV}).`, "tutordex-overview"),
      ),
    ],
  },
  {
    name: "QueueBacklogGrowingNoThroughput also fires when the worker has no processed-jobs series at all",
    input_series: [{ series: `queue_pending{${PV}}`, values: "0+1x40" }],
    alert_rule_test: [
      fires(
        "QueueBacklogGrowingNoThroughput",
        "30m",
        { ...PVL, severity: "critical", component: "queue" },
        ann("QueueBacklogGrowingNoThroughput", "Queue backlog growing with zero throughput", `30 jobs pending and growing over 15m while the worker processes nothing (${PVSV}).`, "tutordex-overview"),
      ),
    ],
  },
  {
    name: "QueueBacklogGrowingNoThroughput quiet while the worker processes jobs, or when the backlog is flat",
    input_series: [
      { series: `queue_pending{${PV}}`, values: "0+1x40" },
      { series: `worker_jobs_processed_total{status="ok",${PV}}`, values: rising(10) },
      { series: 'queue_pending{pipeline_version="old",schema_version="v1"}', values: "50x40" },
    ],
    alert_rule_test: [none("QueueBacklogGrowingNoThroughput", "35m")],
  },
  {
    name: "QueueOldestPendingTooOld above 1800s for 10m; exactly 1800s is fine",
    input_series: [
      { series: `queue_oldest_pending_age_seconds{${PV}}`, values: "1801x20" },
      { series: 'queue_oldest_pending_age_seconds{pipeline_version="old",schema_version="v1"}', values: "1800x20" },
    ],
    alert_rule_test: [
      none("QueueOldestPendingTooOld", "9m"),
      fires(
        "QueueOldestPendingTooOld",
        "10m",
        { ...PVL, severity: "warning", component: "queue" },
        ann("QueueOldestPendingTooOld", "Oldest pending job is too old", `The oldest pending job has waited 30m 1s (${PVSV}).`, "tutordex-overview"),
      ),
    ],
  },
  {
    name: "QueueStuckProcessing above 900s for 5m; exactly 900s is fine",
    input_series: [
      { series: `queue_oldest_processing_age_seconds{${PV}}`, values: "901x20" },
      { series: 'queue_oldest_processing_age_seconds{pipeline_version="old",schema_version="v1"}', values: "900x20" },
    ],
    alert_rule_test: [
      none("QueueStuckProcessing", "4m"),
      fires(
        "QueueStuckProcessing",
        "5m",
        { ...PVL, severity: "critical", component: "queue" },
        ann("QueueStuckProcessing", "A job is stuck in processing", `The oldest processing job has been running for 15m 1s (${PVSV}).`, "tutordex-overview"),
      ),
    ],
  },
  {
    name: "LLMFailureSpike above 0.2/s; exactly 0.2/s is fine",
    input_series: [
      { series: `worker_llm_fail_total{${PV}}`, values: rising(15) },
      { series: 'worker_llm_fail_total{pipeline_version="old",schema_version="v1"}', values: rising(12) },
    ],
    alert_rule_test: [
      fires(
        "LLMFailureSpike",
        "20m",
        { ...PVL, severity: "warning", component: "worker" },
        ann("LLMFailureSpike", "LLM calls failing", `LLM failures at 250m/s (${PVSV}).`, "tutordex-llm-supabase"),
      ),
    ],
  },
  {
    name: "SupabaseFailureSpike per operation above 0.2/s",
    input_series: [
      { series: `worker_supabase_fail_total{operation="upsert",${PV}}`, values: rising(15) },
      { series: `worker_supabase_fail_total{operation="select",${PV}}`, values: rising(12) },
    ],
    alert_rule_test: [
      fires(
        "SupabaseFailureSpike",
        "20m",
        { operation: "upsert", ...PVL, severity: "warning", component: "worker" },
        ann("SupabaseFailureSpike", "Supabase upsert failing", `Supabase upsert failures at 250m/s (${PVSV}).`, "tutordex-llm-supabase"),
      ),
    ],
  },
  {
    name: "BroadcastFailureSpike above 0.2/s; 0.2/s is fine",
    input_series: [
      { series: `broadcast_fail_total{${PV}}`, values: rising(15) },
      { series: 'broadcast_fail_total{pipeline_version="old",schema_version="v1"}', values: rising(12) },
    ],
    alert_rule_test: [
      fires(
        "BroadcastFailureSpike",
        "20m",
        { ...PVL, severity: "warning", component: "broadcast" },
        ann("BroadcastFailureSpike", "Broadcasts failing", `Broadcast failures at 250m/s (${PVSV}).`, "tutordex_matching"),
      ),
    ],
  },
  {
    name: "DMFailureSpike above 0.2/s; 0.2/s is fine",
    input_series: [
      { series: `dm_fail_total{${PV}}`, values: rising(15) },
      { series: 'dm_fail_total{pipeline_version="old",schema_version="v1"}', values: rising(12) },
    ],
    alert_rule_test: [
      fires(
        "DMFailureSpike",
        "20m",
        { ...PVL, severity: "warning", component: "dm" },
        ann("DMFailureSpike", "Direct messages failing", `DM failures at 250m/s (${PVSV}).`, "tutordex_matching"),
      ),
    ],
  },
  {
    name: "DMRateLimited on any rate-limiting; none when the counter is flat",
    input_series: [
      { series: `dm_rate_limited_total{${PV}}`, values: rising(3) },
      { series: 'dm_rate_limited_total{pipeline_version="old",schema_version="v1"}', values: "7x90" },
    ],
    alert_rule_test: [
      fires(
        "DMRateLimited",
        "20m",
        { ...PVL, severity: "warning", component: "dm" },
        ann("DMRateLimited", "Telegram is rate-limiting DMs", `DMs rate-limited at 50m/s (${PVSV}).`, "tutordex_matching"),
      ),
    ],
  },
  // ---------------- quality ----------------
  {
    name: "ParseFailureSpike above 0.5/s summed over reasons; 0.5/s is fine",
    input_series: [
      { series: `worker_parse_failure_total{channel="t.me/a",reason="invalid_json",${PV}}`, values: rising(20) },
      { series: `worker_parse_failure_total{channel="t.me/b",reason="missing_field",${PV}}`, values: rising(11) },
      { series: 'worker_parse_failure_total{channel="t.me/a",reason="invalid_json",pipeline_version="old",schema_version="v1"}', values: rising(30) },
    ],
    alert_rule_test: [
      fires(
        "ParseFailureSpike",
        "30m",
        { ...PVL, severity: "warning", component: "worker" },
        ann("ParseFailureSpike", "Parse failures spiking", `Parse failures at 516.7m/s over 10m (${PVSV}).`, "tutordex-quality"),
      ),
    ],
  },
  {
    name: "ParseErrorFractionHigh above 20% for 10m; exactly 20% is fine",
    input_series: [
      { series: `worker_parse_failure_total{channel="t.me/a",reason="invalid_json",${PV}}`, values: rising(3) },
      { series: `worker_parse_success_total{channel="t.me/a",${PV}}`, values: rising(7) },
      { series: 'worker_parse_failure_total{channel="t.me/a",reason="invalid_json",pipeline_version="old",schema_version="v1"}', values: rising(2) },
      { series: 'worker_parse_success_total{channel="t.me/a",pipeline_version="old",schema_version="v1"}', values: rising(8) },
    ],
    alert_rule_test: [
      none("ParseErrorFractionHigh", "10m"),
      fires(
        "ParseErrorFractionHigh",
        "30m",
        { ...PVL, severity: "warning", component: "worker" },
        ann("ParseErrorFractionHigh", "High share of parses failing", `30% of parses fail (${PVSV}).`, "tutordex-quality"),
      ),
    ],
  },
  {
    name: "MissingSubjectsHigh above 0.2/s over 30m; other fields do not count",
    input_series: [
      { series: `assignment_quality_missing_field_total{field="signals_subjects",channel="t.me/a",${PV}}`, values: rising(13) },
      { series: `assignment_quality_missing_field_total{field="postal_code",channel="t.me/a",${PV}}`, values: rising(600) },
      { series: 'assignment_quality_missing_field_total{field="signals_subjects",channel="t.me/a",pipeline_version="old",schema_version="v1"}', values: rising(12) },
    ],
    alert_rule_test: [
      fires(
        "MissingSubjectsHigh",
        "80m",
        { ...PVL, severity: "warning", component: "quality" },
        ann("MissingSubjectsHigh", "Many assignments without subjects", `Assignments missing subjects at 216.7m/s over 30m (${PVSV}).`, "tutordex_data_quality"),
      ),
    ],
  },
  {
    name: "TutorTypesExtractionLowCoverage when extraction stalls while parses succeed; idle pipelines are fine",
    input_series: [
      { series: `worker_tutor_types_extracted_total{channel="t.me/a",${PV}}`, values: "5x90" },
      { series: `worker_parse_success_total{channel="t.me/a",${PV}}`, values: rising(10) },
      { series: 'worker_tutor_types_extracted_total{channel="t.me/a",pipeline_version="old",schema_version="v1"}', values: "5x90" },
      { series: 'worker_parse_success_total{channel="t.me/a",pipeline_version="old",schema_version="v1"}', values: "9x90" },
    ],
    alert_rule_test: [
      fires(
        "TutorTypesExtractionLowCoverage",
        "40m",
        { ...PVL, severity: "warning", component: "worker" },
        ann("TutorTypesExtractionLowCoverage", "Tutor types are no longer extracted", `No tutor types extracted in 30m although parses succeed (${PVSV}).`, "tutordex-quality"),
      ),
    ],
  },
  {
    name: "TutorTypesExtractionLowCoverage quiet while extraction increases",
    input_series: [
      { series: `worker_tutor_types_extracted_total{channel="t.me/a",${PV}}`, values: rising(1) },
      { series: `worker_parse_success_total{channel="t.me/a",${PV}}`, values: rising(10) },
    ],
    alert_rule_test: [none("TutorTypesExtractionLowCoverage", "40m")],
  },
  {
    name: "TutorTypesHighUnmappedRate above 10% unmapped; exactly 10% is fine",
    input_series: [
      { series: `worker_tutor_types_unmapped_total{channel="t.me/a",${PV}}`, values: rising(2) },
      { series: `worker_tutor_types_extracted_total{channel="t.me/a",${PV}}`, values: rising(10) },
      { series: 'worker_tutor_types_unmapped_total{channel="t.me/a",pipeline_version="old",schema_version="v1"}', values: rising(1) },
      { series: 'worker_tutor_types_extracted_total{channel="t.me/a",pipeline_version="old",schema_version="v1"}', values: rising(10) },
    ],
    alert_rule_test: [
      fires(
        "TutorTypesHighUnmappedRate",
        "80m",
        { ...PVL, severity: "critical", component: "worker" },
        ann("TutorTypesHighUnmappedRate", "Many tutor types cannot be mapped", `20% of extracted tutor types are unmapped (${PVSV}).`, "tutordex-quality"),
      ),
    ],
  },
  // ---------------- the stack itself ----------------
  {
    name: "AlertmanagerNotificationsFailing while notifications fail; quiet when the counter is flat",
    input_series: [
      { series: 'alertmanager_notifications_failed_total{integration="webhook"}', values: rising(6) },
      { series: 'alertmanager_notifications_failed_total{integration="email"}', values: "3x90" },
    ],
    alert_rule_test: [
      fires(
        "AlertmanagerNotificationsFailing",
        "20m",
        { integration: "webhook", severity: "critical", component: "observability" },
        ann("AlertmanagerNotificationsFailing", "Alertmanager cannot deliver notifications", "Alertmanager webhook notifications failing at 100m/s.", "tutordex-stack"),
      ),
    ],
  },
  {
    name: "PrometheusRuleEvaluationFailures per rule group",
    input_series: [
      { series: 'prometheus_rule_evaluation_failures_total{rule_group="/etc/prometheus/rules/alert_rules.yml;tutordex_quality"}', values: rising(1) },
      { series: 'prometheus_rule_evaluation_failures_total{rule_group="/etc/prometheus/rules/alert_rules.yml;tutordex_infra"}', values: "0x90" },
    ],
    alert_rule_test: [
      fires(
        "PrometheusRuleEvaluationFailures",
        "20m",
        { rule_group: "/etc/prometheus/rules/alert_rules.yml;tutordex_quality", severity: "warning", component: "observability" },
        ann("PrometheusRuleEvaluationFailures", "Rule evaluation failing", "5 evaluation failures in 5m in rule group /etc/prometheus/rules/alert_rules.yml;tutordex_quality.", "tutordex-stack"),
      ),
    ],
  },
  {
    name: "PrometheusConfigReloadFailed after 5m",
    input_series: [
      { series: 'prometheus_config_last_reload_successful{job="prometheus",instance="prometheus:9090"}', values: "0x10" },
      { series: 'prometheus_config_last_reload_successful{job="prometheus",instance="other:9090"}', values: "1x10" },
    ],
    alert_rule_test: [
      none("PrometheusConfigReloadFailed", "4m"),
      fires(
        "PrometheusConfigReloadFailed",
        "5m",
        { job: "prometheus", instance: "prometheus:9090", severity: "warning", component: "observability" },
        ann("PrometheusConfigReloadFailed", "Prometheus configuration reload failed", "Prometheus keeps running its previous configuration; the last reload on prometheus:9090 failed.", "tutordex-stack"),
      ),
    ],
  },
  {
    name: "AlertmanagerConfigReloadFailed after 5m",
    input_series: [{ series: 'alertmanager_config_last_reload_successful{job="alertmanager",instance="alertmanager:9093"}', values: "0x10" }],
    alert_rule_test: [
      none("AlertmanagerConfigReloadFailed", "4m"),
      fires(
        "AlertmanagerConfigReloadFailed",
        "5m",
        { job: "alertmanager", instance: "alertmanager:9093", severity: "warning", component: "observability" },
        ann("AlertmanagerConfigReloadFailed", "Alertmanager configuration reload failed", "Alertmanager keeps running its previous configuration; the last reload on alertmanager:9093 failed.", "tutordex-stack"),
      ),
    ],
  },
  {
    name: "TelegramBridgeDeliveryFailing as soon as a message fails; quiet when nothing fails",
    input_series: [
      { series: 'telegram_bridge_messages_failed_total{reason="chat_not_found"}', values: "0 0 0 1 1 1 1" },
      { series: 'telegram_bridge_messages_failed_total{reason="transient"}', values: "0x6" },
    ],
    alert_rule_test: [
      none("TelegramBridgeDeliveryFailing", "2m"),
      fires(
        "TelegramBridgeDeliveryFailing",
        "5m",
        { reason: "chat_not_found", severity: "critical", component: "observability" },
        ann("TelegramBridgeDeliveryFailing", "Telegram bridge cannot deliver alerts", "1 messages failed in 10m (reason chat_not_found); alerts may not reach the chat.", "tutordex-stack"),
      ),
    ],
  },
  {
    name: "StackServiceNotReady after 5m of a failed readiness probe",
    input_series: [
      { series: 'probe_success{job="blackbox_stack_ready",instance="http://loki:3100/ready",service="loki"}', values: "0x10" },
      { series: 'probe_success{job="blackbox_stack_ready",instance="http://tempo:3200/ready",service="tempo"}', values: "1x10" },
    ],
    alert_rule_test: [
      none("StackServiceNotReady", "4m"),
      fires(
        "StackServiceNotReady",
        "5m",
        { job: "blackbox_stack_ready", instance: "http://loki:3100/ready", service: "loki", severity: "warning", component: "observability" },
        ann("StackServiceNotReady", "loki is not ready", "The readiness endpoint http://loki:3100/ready of loki has failed for 5 minutes.", "tutordex-stack"),
      ),
    ],
  },
  // ---------------- recording rules ----------------
  {
    name: "recording: collector staleness, throughput and failure rates",
    input_series: [
      { series: `collector_last_message_timestamp_seconds{channel="t.me/a",${PV}}`, values: "100x30" },
      { series: `worker_jobs_processed_total{status="ok",${PV}}`, values: rising(60) },
      { series: `worker_jobs_processed_total{status="failed",${PV}}`, values: rising(60) },
      { series: `worker_llm_fail_total{${PV}}`, values: rising(30) },
      { series: `worker_supabase_fail_total{operation="upsert",${PV}}`, values: rising(6) },
      { series: `worker_supabase_fail_total{operation="select",${PV}}`, values: rising(6) },
    ],
    promql_expr_test: [
      { expr: "tutordex:collector:seconds_since_last_message", eval_time: "10m", exp_samples: [{ labels: `tutordex:collector:seconds_since_last_message{channel="t.me/a",${PV}}`, value: 500 }] },
      { expr: "tutordex:worker:throughput_jobs_per_s", eval_time: "20m", exp_samples: [{ labels: `tutordex:worker:throughput_jobs_per_s{${PV}}`, value: 2 }] },
      { expr: "tutordex:worker:llm_fail_rate_per_s", eval_time: "20m", exp_samples: [{ labels: `tutordex:worker:llm_fail_rate_per_s{${PV}}`, value: 0.5 }] },
      { expr: "tutordex:worker:supabase_fail_rate_per_s", eval_time: "20m", exp_samples: [{ labels: `tutordex:worker:supabase_fail_rate_per_s{${PV}}`, value: 0.2 }] },
    ],
  },
  {
    name: "recording: parse rates and error fraction, with an absent side counting as zero",
    input_series: [
      { series: `worker_parse_failure_total{channel="t.me/a",reason="invalid_json",${PV}}`, values: rising(15) },
      { series: `worker_parse_failure_total{channel="t.me/b",reason="invalid_json",${PV}}`, values: rising(15) },
      { series: `worker_parse_failure_total{channel="t.me/a",reason="missing_field",${PV}}`, values: rising(15) },
      { series: `worker_parse_success_total{channel="t.me/a",${PV}}`, values: rising(45) },
      { series: 'worker_parse_success_total{channel="t.me/a",pipeline_version="ok-only",schema_version="v2"}', values: rising(60) },
      { series: 'worker_parse_failure_total{channel="t.me/a",reason="invalid_json",pipeline_version="fail-only",schema_version="v2"}', values: rising(60) },
    ],
    promql_expr_test: [
      {
        expr: "tutordex:worker:parse_failure_rate_per_s",
        eval_time: "30m",
        exp_samples: [
          { labels: `tutordex:worker:parse_failure_rate_per_s{reason="invalid_json",${PV}}`, value: 0.5 },
          { labels: `tutordex:worker:parse_failure_rate_per_s{reason="missing_field",${PV}}`, value: 0.25 },
          { labels: 'tutordex:worker:parse_failure_rate_per_s{reason="invalid_json",pipeline_version="fail-only",schema_version="v2"}', value: 1 },
        ],
      },
      {
        expr: "tutordex:worker:parse_success_rate_per_s",
        eval_time: "30m",
        exp_samples: [
          { labels: `tutordex:worker:parse_success_rate_per_s{${PV}}`, value: 0.75 },
          { labels: 'tutordex:worker:parse_success_rate_per_s{pipeline_version="ok-only",schema_version="v2"}', value: 1 },
        ],
      },
      {
        expr: "tutordex:worker:parse_error_fraction",
        eval_time: "30m",
        exp_samples: [
          { labels: `tutordex:worker:parse_error_fraction{${PV}}`, value: 0.5 },
          { labels: 'tutordex:worker:parse_error_fraction{pipeline_version="ok-only",schema_version="v2"}', value: 0 },
          { labels: 'tutordex:worker:parse_error_fraction{pipeline_version="fail-only",schema_version="v2"}', value: 1 },
        ],
      },
    ],
  },
  {
    name: "recording: quality rates by field and kind",
    input_series: [
      { series: `assignment_quality_missing_field_total{field="postal_code",channel="t.me/a",${PV}}`, values: rising(6) },
      { series: `assignment_quality_missing_field_total{field="postal_code",channel="t.me/b",${PV}}`, values: rising(6) },
      { series: `assignment_quality_inconsistency_total{kind="level_subject_mismatch",channel="t.me/a",${PV}}`, values: rising(30) },
    ],
    promql_expr_test: [
      { expr: "tutordex:quality:missing_field_rate_per_s", eval_time: "30m", exp_samples: [{ labels: `tutordex:quality:missing_field_rate_per_s{field="postal_code",${PV}}`, value: 0.2 }] },
      { expr: "tutordex:quality:inconsistency_rate_per_s", eval_time: "30m", exp_samples: [{ labels: `tutordex:quality:inconsistency_rate_per_s{kind="level_subject_mismatch",${PV}}`, value: 0.5 }] },
    ],
  },
];

/** Counters at or just under each rate threshold, alone: the alert must stay quiet. */
const QUIET_AT_THRESHOLD: [alert: string, series: [string, string][]][] = [
  ["LLMFailureSpike", [[`worker_llm_fail_total{${PV}}`, rising(12)]]],
  ["SupabaseFailureSpike", [[`worker_supabase_fail_total{operation="upsert",${PV}}`, rising(12)]]],
  ["BroadcastFailureSpike", [[`broadcast_fail_total{${PV}}`, rising(12)]]],
  ["DMFailureSpike", [[`dm_fail_total{${PV}}`, rising(12)]]],
  ["DMRateLimited", [[`dm_rate_limited_total{${PV}}`, "7x90"]]],
  ["ParseFailureSpike", [[`worker_parse_failure_total{channel="t.me/a",reason="invalid_json",${PV}}`, rising(30)]]],
  ["MissingSubjectsHigh", [[`assignment_quality_missing_field_total{field="signals_subjects",channel="t.me/a",${PV}}`, rising(12)]]],
  [
    "TutorTypesHighUnmappedRate",
    [
      [`worker_tutor_types_unmapped_total{channel="t.me/a",${PV}}`, rising(1)],
      [`worker_tutor_types_extracted_total{channel="t.me/a",${PV}}`, rising(10)],
    ],
  ],
  ["AlertmanagerNotificationsFailing", [['alertmanager_notifications_failed_total{integration="webhook"}', "4x90"]]],
  ["PrometheusRuleEvaluationFailures", [['prometheus_rule_evaluation_failures_total{rule_group="g"}', "2x90"]]],
];

for (const [alert, series] of QUIET_AT_THRESHOLD) {
  CASES.push({
    name: `${alert} stays quiet at its threshold`,
    input_series: series.map(([s, values]) => ({ series: s, values })),
    alert_rule_test: [none(alert, "80m")],
  });
}

import { annotations, counter, Deployment, ExpectedAlert, firing, gauge, quiet, RuleTestCase } from "./model";

/** Prometheus's TSDB failure counters and the `failure` label each gets. */
const TSDB: [metric: string, failure: string][] = [
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

/** One failure a minute from 11m to `lastMinute`, from a counter that starts at 0. */
const failingFrom11To = (lastMinute: number) => counter(0, [0, 10], [1, lastMinute - 10], [0, 70 - lastMinute]);

export function stackCases(d: Deployment): RuleTestCase[] {
  const ann = (alert: string, summary: string, description: string) => annotations(d, alert, summary, description, "tutordex-stack");
  const obs = (labels: Record<string, string>, severity: string, a: Record<string, string>): ExpectedAlert => ({
    exp_labels: { ...labels, severity, component: "observability" },
    exp_annotations: a,
  });
  const amFailing = (v: string) => ann("AlertmanagerNotificationsFailing", "Alertmanager cannot deliver notifications", `Alertmanager webhook notifications failing at ${v}/s.`);
  const ruleFailures = (v: string) => ann("PrometheusRuleEvaluationFailures", "Rule evaluation failing", `${v} evaluation failures in 5m in rule group /etc/prometheus/rules/alert_rules.yml;tutordex_quality.`);
  const telegram = (v: string) => ann("TelegramBridgeDeliveryFailing", "Telegram bridge cannot deliver alerts", `${v} messages failed in 10m (reason chat_not_found); alerts may not reach the chat.`);
  const storage = (failure: string, v: string) =>
    obs({ instance: "prometheus:9090", failure }, "warning", ann("PrometheusStorageFailing", `Prometheus storage failing: ${failure}`, `Prometheus on prometheus:9090 counted ${v} ${failure} failure(s) in the last hour; metrics may be lost.`));
  const loki = (reason: string, v: string) =>
    obs({ reason }, "warning", ann("LokiIngestionFailing", `Loki is refusing logs (${reason})`, `Loki has been refusing log lines or pushes for 10 minutes: ${reason} at ${v}/s; those logs are lost.`));
  const tempo = (reason: string, v: string) =>
    obs({ reason }, "warning", ann("TempoIngestionFailing", `Tempo is refusing spans (${reason})`, `Tempo has been dropping spans for 10 minutes: ${reason} at ${v}/s; those traces are incomplete.`));

  return [
    {
      // One failure a minute from 11m to 40m: the 5m rate is above 0 from 11m to 44m.
      name: "AlertmanagerNotificationsFailing: failing for 5m fires, clears as the last failure leaves the 5m window; a flat counter stays quiet",
      input_series: [
        { series: 'alertmanager_notifications_failed_total{integration="webhook"}', values: failingFrom11To(40) },
        { series: 'alertmanager_notifications_failed_total{integration="email"}', values: gauge([3, 71]) },
      ],
      alert_rule_test: [
        quiet("AlertmanagerNotificationsFailing", "15m45s", "for:before"),
        firing("AlertmanagerNotificationsFailing", "16m", [obs({ integration: "webhook" }, "critical", amFailing("16.67m"))], "for:after", "threshold:firing-side"),
        firing("AlertmanagerNotificationsFailing", "43m45s", [obs({ integration: "webhook" }, "critical", amFailing("4.167m"))], "window"),
        quiet("AlertmanagerNotificationsFailing", "44m", "window", "threshold:quiet-side"),
      ],
    },
    {
      // A failure every 4 minutes from 11m to 31m, from a fresh counter: every 5m window holds
      // one until 35m. The first ones count exactly 1 (nothing to extrapolate below 0).
      name: "PrometheusRuleEvaluationFailures: failures in every 5m window for 5m fire, per rule group",
      input_series: [
        { series: 'prometheus_rule_evaluation_failures_total{rule_group="/etc/prometheus/rules/alert_rules.yml;tutordex_quality"}', values: gauge([0, 11], [1, 4], [2, 4], [3, 4], [4, 4], [5, 4], [6, 30]) },
        { series: 'prometheus_rule_evaluation_failures_total{rule_group="/etc/prometheus/rules/alert_rules.yml;tutordex_infra"}', values: gauge([0, 61]) },
      ],
      alert_rule_test: [
        quiet("PrometheusRuleEvaluationFailures", "15m45s", "for:before"),
        firing(
          "PrometheusRuleEvaluationFailures",
          "16m",
          [obs({ rule_group: "/etc/prometheus/rules/alert_rules.yml;tutordex_quality" }, "warning", ruleFailures("1.25"))],
          "for:after",
          "threshold:firing-side",
        ),
        firing("PrometheusRuleEvaluationFailures", "34m45s", [obs({ rule_group: "/etc/prometheus/rules/alert_rules.yml;tutordex_quality" }, "warning", ruleFailures("1.25"))], "window"),
        quiet("PrometheusRuleEvaluationFailures", "35m", "window", "threshold:quiet-side"),
      ],
    },
    {
      name: "PrometheusConfigReloadFailed: 5m after a failed reload; a good reload elsewhere stays quiet",
      input_series: [
        { series: 'prometheus_config_last_reload_successful{job="prometheus",instance="prometheus:9090"}', values: gauge([1, 5], [0, 30]) },
        { series: 'prometheus_config_last_reload_successful{job="prometheus",instance="other:9090"}', values: gauge([1, 35]) },
      ],
      alert_rule_test: [
        quiet("PrometheusConfigReloadFailed", "9m45s", "for:before"),
        firing(
          "PrometheusConfigReloadFailed",
          "10m",
          [
            obs(
              { job: "prometheus", instance: "prometheus:9090" },
              "warning",
              ann("PrometheusConfigReloadFailed", "Prometheus configuration reload failed", "Prometheus keeps running its previous configuration; the last reload on prometheus:9090 failed."),
            ),
          ],
          "for:after",
        ),
      ],
    },
    {
      name: "AlertmanagerConfigReloadFailed: 5m after a failed reload",
      input_series: [{ series: 'alertmanager_config_last_reload_successful{job="alertmanager",instance="alertmanager:9093"}', values: gauge([1, 5], [0, 30]) }],
      alert_rule_test: [
        quiet("AlertmanagerConfigReloadFailed", "9m45s", "for:before"),
        firing(
          "AlertmanagerConfigReloadFailed",
          "10m",
          [
            obs(
              { job: "alertmanager", instance: "alertmanager:9093" },
              "warning",
              ann("AlertmanagerConfigReloadFailed", "Alertmanager configuration reload failed", "Alertmanager keeps running its previous configuration; the last reload on alertmanager:9093 failed."),
            ),
          ],
          "for:after",
        ),
      ],
    },
    {
      // One failed message at 3m: counted for the 10 minutes it stays in the window.
      name: "TelegramBridgeDeliveryFailing: one failed message fires at once and for 10 minutes; nothing failing stays quiet",
      input_series: [
        { series: 'telegram_bridge_messages_failed_total{reason="chat_not_found"}', values: gauge([0, 3], [1, 20]) },
        { series: 'telegram_bridge_messages_failed_total{reason="transient"}', values: gauge([0, 23]) },
      ],
      alert_rule_test: [
        quiet("TelegramBridgeDeliveryFailing", "2m45s", "threshold:quiet-side"),
        firing("TelegramBridgeDeliveryFailing", "3m", [obs({ reason: "chat_not_found" }, "critical", telegram("1"))], "for:after", "threshold:firing-side"),
        firing("TelegramBridgeDeliveryFailing", "11m45s", [obs({ reason: "chat_not_found" }, "critical", telegram("1.083"))], "window"),
        quiet("TelegramBridgeDeliveryFailing", "12m", "window"),
      ],
    },
    {
      name: "StackServiceNotReady: 5m after a readiness probe fails; a ready service stays quiet",
      input_series: [
        { series: 'probe_success{job="blackbox_stack_ready",instance="http://loki:3100/ready",service="loki"}', values: gauge([1, 5], [0, 30]) },
        { series: 'probe_success{job="blackbox_stack_ready",instance="http://tempo:3200/ready",service="tempo"}', values: gauge([1, 35]) },
      ],
      alert_rule_test: [
        quiet("StackServiceNotReady", "9m45s", "for:before"),
        firing(
          "StackServiceNotReady",
          "10m",
          [obs({ job: "blackbox_stack_ready", instance: "http://loki:3100/ready", service: "loki" }, "warning", ann("StackServiceNotReady", "loki is not ready", "The readiness endpoint http://loki:3100/ready of loki has failed for 5 minutes."))],
          "for:after",
        ),
      ],
    },
    {
      // Each counter fails once at 5m; the failure counts for the hour it stays in the window.
      name: "PrometheusStorageFailing: one failure of each TSDB counter fires at once and for an hour; counters at 0 stay quiet",
      input_series: [
        ...TSDB.map(([metric]) => ({ series: `${metric}{job="prometheus",instance="prometheus:9090"}`, values: gauge([0, 5], [1, 60]) })),
        ...TSDB.map(([metric]) => ({ series: `${metric}{job="prometheus",instance="other:9090"}`, values: gauge([0, 65]) })),
      ],
      alert_rule_test: [
        quiet("PrometheusStorageFailing", "4m45s", "threshold:quiet-side"),
        firing(
          "PrometheusStorageFailing",
          "5m",
          TSDB.map(([, failure]) => storage(failure, "1")),
          "for:after",
          "threshold:firing-side",
        ),
        firing(
          "PrometheusStorageFailing",
          "63m45s",
          TSDB.map(([, failure]) => storage(failure, "1.013")),
          "window",
        ),
        quiet("PrometheusStorageFailing", "64m", "window"),
      ],
    },
    {
      // Lines discarded (rate limited) one a minute from 11m to 40m; pushes answered 500 one a
      // minute from 11m to 50m. Successful pushes and 5xx on the query path do not count.
      name: "LokiIngestionFailing: discarded lines and 5xx pushes for 10m fire, each clears as its 5m window empties",
      input_series: [
        { series: 'loki_discarded_samples_total{reason="rate_limited",tenant="fake"}', values: failingFrom11To(40) },
        { series: 'loki_discarded_samples_total{reason="line_too_long",tenant="fake"}', values: gauge([0, 71]) },
        { series: 'loki_request_duration_seconds_count{method="POST",route="loki_api_v1_push",status_code="500",ws="false"}', values: failingFrom11To(50) },
        { series: 'loki_request_duration_seconds_count{method="POST",route="loki_api_v1_push",status_code="204",ws="false"}', values: counter(0, [100, 70]) },
        { series: 'loki_request_duration_seconds_count{method="GET",route="loki_api_v1_query_range",status_code="500",ws="false"}', values: counter(0, [5, 70]) },
      ],
      alert_rule_test: [
        quiet("LokiIngestionFailing", "20m45s", "for:before"),
        firing("LokiIngestionFailing", "21m", [loki("rate_limited", "16.67m"), loki("push_5xx", "16.67m")], "for:after", "threshold:firing-side"),
        firing("LokiIngestionFailing", "43m45s", [loki("rate_limited", "4.167m"), loki("push_5xx", "16.67m")], "window"),
        firing("LokiIngestionFailing", "44m", [loki("push_5xx", "16.67m")], "window"),
        firing("LokiIngestionFailing", "53m45s", [loki("push_5xx", "4.167m")], "window"),
        quiet("LokiIngestionFailing", "54m", "window", "threshold:quiet-side"),
      ],
    },
    {
      name: "TempoIngestionFailing: discarded and refused spans for 10m fire, each clears as its 5m window empties",
      input_series: [
        { series: 'tempo_discarded_spans_total{reason="rate_limited",tenant="single-tenant"}', values: failingFrom11To(40) },
        { series: 'tempo_discarded_spans_total{reason="trace_too_large",tenant="single-tenant"}', values: gauge([0, 71]) },
        { series: 'tempo_receiver_refused_spans{receiver="otlp/otlp_receiver",transport="grpc"}', values: failingFrom11To(50) },
      ],
      alert_rule_test: [
        quiet("TempoIngestionFailing", "20m45s", "for:before"),
        firing("TempoIngestionFailing", "21m", [tempo("rate_limited", "16.67m"), tempo("receiver_refused", "16.67m")], "for:after", "threshold:firing-side"),
        firing("TempoIngestionFailing", "43m45s", [tempo("rate_limited", "4.167m"), tempo("receiver_refused", "16.67m")], "window"),
        firing("TempoIngestionFailing", "44m", [tempo("receiver_refused", "16.67m")], "window"),
        firing("TempoIngestionFailing", "53m45s", [tempo("receiver_refused", "4.167m")], "window"),
        quiet("TempoIngestionFailing", "54m", "window", "threshold:quiet-side"),
      ],
    },
  ];
}

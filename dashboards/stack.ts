import { lokiPush5xx, tempoRefused, tsdbFailures } from "../rules/alerts/stack";
import { dashboard, prom, timeseries } from "./builder";
import { RATE, rateBy } from "./queries";

const STACK_JOBS =
  "prometheus|alertmanager|grafana|loki|promtail|alloy|tempo|otel_collector|blackbox_exporter|telegram_bridge|cadvisor|node_exporter";

export const stack = dashboard({
  uid: "tutordex-stack",
  title: "Observability Stack",
  description: "The stack watching itself: services, rule evaluation, notifications, bridge, ingestion, storage.",
  panels: [
    timeseries("Stack services up", [prom(`up{job=~"${STACK_JOBS}"}`, "{{job}}")], { min: 0, max: 1 }),
    timeseries("Readiness probes", [prom('probe_success{job="blackbox_stack_ready"}', "{{service}}")], { min: 0, max: 1 }),
    timeseries("Rule evaluation failures", [
      prom("sum by (rule_group) (increase(prometheus_rule_evaluation_failures_total[5m]))", "{{rule_group}}"),
    ]),
    timeseries(
      "Rule group evaluation time",
      [prom("max by (rule_group) (prometheus_rule_group_last_duration_seconds)", "{{rule_group}}")],
      { unit: "s" },
    ),
    timeseries(
      "Alertmanager notifications",
      [
        prom("tutordex:alertmanager:notifications_per_s", "sent {{integration}}"),
        prom("tutordex:alertmanager:notifications_failed_per_s", "failed {{integration}}"),
      ],
      { unit: "ops" },
    ),
    timeseries(
      "Telegram bridge deliveries",
      [
        prom(rateBy("telegram_bridge_messages_sent_total", ""), "sent"),
        prom(rateBy("telegram_bridge_messages_failed_total", "reason"), "failed {{reason}}"),
        prom(rateBy("telegram_bridge_retries_total", ""), "retries"),
      ],
      { unit: "ops" },
    ),
    timeseries("Loki ingestion", [
      prom(rateBy("loki_distributor_lines_received_total", ""), "lines"),
      prom(rateBy("loki_distributor_bytes_received_total", ""), "bytes"),
    ]),
    timeseries(
      "Tempo and OTEL Collector spans",
      [
        prom(rateBy("tempo_distributor_spans_received_total", ""), "Tempo received"),
        prom(rateBy("otelcol_receiver_accepted_spans_total", ""), "collector accepted"),
        prom(rateBy("otelcol_exporter_sent_spans_total", ""), "collector exported"),
      ],
      { unit: "ops" },
    ),
    // What LokiIngestionFailing, TempoIngestionFailing and PrometheusStorageFailing watch.
    timeseries(
      "Loki ingestion failures",
      [prom(rateBy("loki_discarded_samples_total", "reason"), "discarded {{reason}}"), prom(lokiPush5xx(RATE), "push 5xx")],
      {
        unit: "ops",
        description: "Log lines Loki discarded, by reason, and push requests it answered with a server error.",
      },
    ),
    timeseries(
      "Tempo ingestion failures",
      [prom(rateBy("tempo_discarded_spans_total", "reason"), "discarded {{reason}}"), prom(tempoRefused(RATE), "receiver refused")],
      {
        unit: "ops",
        description: "Spans Tempo discarded, by reason, and spans its receiver refused.",
      },
    ),
    timeseries("Prometheus storage failures (1h)", [prom(tsdbFailures("1h"), "{{failure}}")], {
      width: 24,
      description: "TSDB compaction, truncation, reload, checkpoint and WAL failures, and corruptions found on start, in the last hour.",
    }),
  ],
});

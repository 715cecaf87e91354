import * as path from "path";
import { ALERT_RULES_FILE, RECORDING_RULES_FILE, renderRuleFiles } from "../../rules/render";
import { ruleSettings } from "../../rules/context";
import { TSDB_FAILURE_COUNTERS } from "../../rules/alerts/stack";
import * as yaml from "js-yaml";
import { ALWAYS, keyOf, offsetOf, SeriesContext, seriesOf, SeriesSpec } from "./series";
import { Target, targetOf } from "./targets";
import { constant, counter, mostlyOne, wave } from "./values";

/** Prometheus 3.13's TSDB failure counters (rules/alerts/stack.ts reads them): never moving in a healthy history. */
/** Alertmanager 0.35 counts every integration it knows, used or not. */
const AM_INTEGRATIONS = [
  "discord",
  "email",
  "incidentio",
  "jira",
  "msteams",
  "msteamsv2",
  "opsgenie",
  "pagerduty",
  "pushover",
  "rocketchat",
  "slack",
  "sns",
  "telegram",
  "victorops",
  "webex",
  "webhook",
  "wechat",
];
const AM_FAILURE_REASONS = ["clientError", "other", "serverError"];
/** dskit's request histogram count per Loki route Prometheus, Promtail, Grafana and the readiness probe use. */
const LOKI_ROUTES: [method: string, route: string, status: string, perSecond: number][] = [
  ["POST", "loki_api_v1_push", "204", 1],
  ["POST", "otlp_v1_logs", "204", 0.5],
  ["POST", "loki_api_v1_push", "500", 0.0001],
  ["GET", "ready", "200", 0.067],
  ["GET", "metrics", "200", 0.067],
  ["GET", "loki_api_v1_query_range", "200", 0.05],
  ["GET", "loki_api_v1_query", "200", 0.01],
  ["GET", "loki_api_v1_labels", "200", 0.01],
  ["GET", "loki_api_v1_label_name_values", "200", 0.01],
  ["GET", "loki_api_v1_series", "200", 0.002],
  ["GET", "loki_api_v1_query_range", "400", 0.001],
  ["/logproto.Querier/Query", "gRPC", "success", 0.02],
];

/** The groups of the deployed rule files, as `rule_group` labels ("<file>;<group>") Prometheus gives them. */
function ruleGroups(ctx: SeriesContext): string[] {
  const files = renderRuleFiles(ruleSettings(ctx.config));
  return [ALERT_RULES_FILE, RECORDING_RULES_FILE].flatMap((f) =>
    (yaml.load(files[f]) as { groups: { name: string }[] }).groups.map((g) => `${path.posix.join("/etc/prometheus/rules", f)};${g.name}`),
  );
}

export function stackSeries(ctx: SeriesContext): SeriesSpec[] {
  const since = [{ from: ctx.start - 3 * 86400, share: 1 }];
  const job = (name: string) => targetOf(ctx.targets, name);
  const s = (target: Target, name: string, labels: Record<string, string>, value: ReturnType<typeof constant>) =>
    seriesOf(ctx, target, name, labels, value);
  const prometheus = job("prometheus");
  const am = job("alertmanager");
  const loki = job("loki");
  const tempo = job("tempo");
  const otel = job("otel_collector");
  const bridge = job("telegram_bridge");
  // ALERTS is written by the rule manager, without job or instance.
  const watchdog: SeriesSpec = {
    name: "ALERTS",
    labels: { alertname: "Watchdog", alertstate: "firing", component: "observability", severity: "none" },
    ...ALWAYS,
    offsetMs: offsetOf(ctx.shape, prometheus),
    value: constant(1),
    queried: true,
  };
  return [
    ...ctx.targets.map((t) => s(t, "up", {}, mostlyOne(20_000, keyOf("up", t.labels)))),
    watchdog,
    ...ruleGroups(ctx).flatMap((rule_group) => [
      s(prometheus, "prometheus_rule_evaluation_failures_total", { rule_group }, constant(0)),
      s(prometheus, "prometheus_rule_group_last_duration_seconds", { rule_group }, wave(0.004, 0.3, 0.5, keyOf(rule_group, {}), 0.000001)),
    ]),
    s(prometheus, "prometheus_config_last_reload_successful", {}, constant(1)),
    ...TSDB_FAILURE_COUNTERS.map((m) => s(prometheus, m, {}, constant(0))),
    ...AM_INTEGRATIONS.flatMap((integration) => [
      s(am, "alertmanager_notifications_total", { integration }, integration === "webhook" ? counter(0.003, since) : constant(0)),
      ...AM_FAILURE_REASONS.map((reason) => s(am, "alertmanager_notifications_failed_total", { integration, reason }, constant(0))),
    ]),
    s(am, "alertmanager_config_last_reload_successful", {}, constant(1)),
    s(loki, "loki_distributor_lines_received_total", { tenant: "fake" }, counter(20, since, 0.5)),
    s(loki, "loki_distributor_bytes_received_total", { tenant: "fake" }, counter(20 * 260, since, 0.5)),
    ...["rate_limited", "line_too_long", "greater_than_max_sample_age"].map((reason) =>
      s(loki, "loki_discarded_samples_total", { reason, tenant: "fake" }, counter(0.0002, since)),
    ),
    ...LOKI_ROUTES.map(([method, route, status_code, perSecond]) =>
      s(loki, "loki_request_duration_seconds_count", { method, route, status_code, ws: "false" }, counter(perSecond, since)),
    ),
    s(tempo, "tempo_distributor_spans_received_total", { tenant: "single-tenant" }, counter(30, since, 0.5)),
    ...["rate_limited", "trace_too_large"].map((reason) =>
      s(tempo, "tempo_discarded_spans_total", { reason, tenant: "single-tenant" }, constant(0)),
    ),
    ...["grpc", "http"].map((transport) => s(tempo, "tempo_receiver_refused_spans", { receiver: "otlp", transport }, constant(0))),
    ...["grpc", "http"].map((transport) =>
      s(otel, "otelcol_receiver_accepted_spans_total", { receiver: "otlp", transport }, counter(transport === "grpc" ? 25 : 5, since, 0.5)),
    ),
    s(otel, "otelcol_exporter_sent_spans_total", { exporter: "otlp" }, counter(30, since, 0.5)),
    s(bridge, "telegram_bridge_messages_sent_total", {}, counter(0.003, since)),
    ...["rate_limited", "network", "telegram_error"].map((reason) =>
      s(bridge, "telegram_bridge_messages_failed_total", { reason }, constant(0)),
    ),
    s(bridge, "telegram_bridge_retries_total", {}, counter(0.0001, since)),
  ];
}

import { HOST_ALERTS } from "./alerts/host";
import { INFRA_ALERTS } from "./alerts/infra";
import { PIPELINE_ALERTS } from "./alerts/pipeline";
import { QUALITY_ALERTS } from "./alerts/quality";
import { STACK_ALERTS } from "./alerts/stack";
import { AlertDefinition } from "./model";

export { RECORDING_RULES } from "./recording";

/** The dead man's switch: always firing, so its silence means the alert path is broken. */
const WATCHDOG = {
  alert: "Watchdog",
  group: "deadman",
  expr: () => "vector(1)",
  for: "0m",
  severity: "none",
  component: "observability",
  summary: "Alerting pipeline heartbeat",
  description: "Always firing. If this stops arriving, Prometheus, Alertmanager or the Telegram bridge is broken.",
} as const satisfies AlertDefinition;

/**
 * Every alert of docs/spec.md §3, the host and platform alerts of issue 14, and the stack's
 * self-monitoring, one module per theme under rules/alerts/. Descriptions are Go templates that
 * Prometheus renders; keep `$labels` references to labels the expression actually keeps.
 */
const CATALOG = [...INFRA_ALERTS, ...HOST_ALERTS, WATCHDOG, ...PIPELINE_ALERTS, ...QUALITY_ALERTS, ...STACK_ALERTS] as const;
export const ALERTS: readonly AlertDefinition[] = CATALOG;

/**
 * The name of an alert of the catalog. Routes, inhibitions and checks name alerts with it, so a
 * misspelt or removed alert is a type error there, not a route that never matches.
 */
export type AlertName = (typeof CATALOG)[number]["alert"];

export const ALERT_NAMES: readonly string[] = ALERTS.map((a) => a.alert);

export const isAlertName = (name: string): name is AlertName => ALERT_NAMES.includes(name);

/** The dead man's switch's name: the heartbeat route, its Telegram route and the schema's rules about it. */
export const WATCHDOG_ALERT: AlertName = WATCHDOG.alert;

/** Alertmanager matchers on alerts of the catalog: one alert, or any of several. */
export const alertIs = (name: AlertName) => `alertname="${name}"`;
export const alertIsOneOf = (...names: readonly AlertName[]) => `alertname=~"${names.join("|")}"`;

export function thresholdOf(alert: string): number | undefined {
  return ALERTS.find((a) => a.alert === alert)?.threshold;
}

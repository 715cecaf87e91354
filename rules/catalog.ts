import { HOST_ALERTS } from "./alerts/host";
import { INFRA_ALERTS } from "./alerts/infra";
import { PIPELINE_ALERTS } from "./alerts/pipeline";
import { QUALITY_ALERTS } from "./alerts/quality";
import { STACK_ALERTS } from "./alerts/stack";
import { AlertDefinition } from "./model";

export { RECORDING_RULES } from "./recording";

/** The dead man's switch: always firing, so its silence means the alert path is broken. */
const WATCHDOG: AlertDefinition = {
  alert: "Watchdog",
  group: "deadman",
  expr: () => "vector(1)",
  for: "0m",
  severity: "none",
  component: "observability",
  summary: "Alerting pipeline heartbeat",
  description: "Always firing. If this stops arriving, Prometheus, Alertmanager or the Telegram bridge is broken.",
};

/**
 * Every alert of SPEC §3, the host and platform alerts of issue 14, and the stack's
 * self-monitoring, one module per theme under rules/alerts/. Descriptions are Go templates that
 * Prometheus renders; keep `$labels` references to labels the expression actually keeps.
 */
export const ALERTS: readonly AlertDefinition[] = [...INFRA_ALERTS, ...HOST_ALERTS, WATCHDOG, ...PIPELINE_ALERTS, ...QUALITY_ALERTS, ...STACK_ALERTS];

export const ALERT_NAMES: readonly string[] = ALERTS.map((a) => a.alert);

export function thresholdOf(alert: string): number | undefined {
  return ALERTS.find((a) => a.alert === alert)?.threshold;
}

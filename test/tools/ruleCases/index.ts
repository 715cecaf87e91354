import { ALERTS } from "../../../rules/catalog";
import { hostCases } from "./host";
import { infraCases } from "./infra";
import { AlertCheck, Deployment, Pin, RuleTestCase } from "./model";
import { pipelineCases } from "./pipeline";
import { qualityCases } from "./quality";
import { recordingCases } from "./recording";
import { stackCases } from "./stack";

export { DEPLOYMENTS } from "./deployments";

/** Every case, with the literal URLs and container names of one deployment. */
export function casesFor(d: Deployment): RuleTestCase[] {
  return [...infraCases(d), ...hostCases(d), ...pipelineCases(d), ...qualityCases(d), ...stackCases(d), ...recordingCases()];
}

const hasWindow = (expr: string) => /\[\d+[smhd]\]|offset \d+[smhd]/.test(expr);
const forSeconds = (d: string) => [...d.matchAll(/(\d+)([smh])/g)].reduce((s, [, n, u]) => s + Number(n) * { s: 1, m: 60, h: 3600 }[u as "s" | "m" | "h"], 0);

/**
 * The pins every alert needs (issue 16, pattern 2): both sides of its threshold, both sides of
 * its `for:`, and, when its expression has a range window or an offset, an instant whose answer
 * depends on that window.
 */
export function requiredPins(alert: string): Pin[] {
  const def = ALERTS.find((a) => a.alert === alert)!;
  const pins: Pin[] = [];
  if (def.threshold !== undefined) pins.push("threshold:quiet-side", "threshold:firing-side");
  pins.push(...(forSeconds(def.for) > 0 ? (["for:before", "for:after"] as Pin[]) : (["for:after"] as Pin[])));
  if (hasWindow(def.expr(def.threshold ?? 0, { watchedContainers: ['name=~".+"'], backlogLookback: "15m", throughputWindow: "5m" }))) pins.push("window");
  return pins;
}

/** The pins the cases give an alert, from the checks that name it. */
export function pinsOf(alert: string, cases: readonly RuleTestCase[]): Set<Pin> {
  const checks: AlertCheck[] = cases.flatMap((c) => c.alert_rule_test ?? []).filter((c) => c.alertname === alert);
  return new Set(checks.flatMap((c) => c.pins));
}

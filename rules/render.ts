import { AlertOverride } from "../config/schema";
import { toYaml, GENERATED_HEADER } from "../config/yaml";
import { ALERTS, RECORDING_RULES } from "./catalog";
import { AlertGroup, RenderedAlertRule, RuleContext } from "./model";

export interface RuleSettings extends RuleContext {
  readonly runbookBaseUrl: string;
  /** Base of the `dashboard` annotation; undefined when the stack runs no Grafana. */
  readonly grafanaExternalUrl: string | undefined;
  readonly alertOverrides: Readonly<Record<string, AlertOverride>>;
  /** Group evaluation intervals; SPEC values unless a test shortens them. */
  readonly intervals?: { readonly alerts: string; readonly recording: string };
}

export const ALERT_EVALUATION_INTERVAL = "15s";
export const RECORDING_EVALUATION_INTERVAL = "30s";
export const ALERT_RULES_FILE = "alert_rules.yml";
export const RECORDING_RULES_FILE = "recording_rules.yml";

const GROUP_ORDER: readonly AlertGroup[] = ["infra", "deadman", "pipeline", "quality", "stack"];

/** Applies per-stack overrides; a disabled alert is left out entirely rather than made never-true. */
export function buildAlertRules(settings: RuleSettings): Map<AlertGroup, RenderedAlertRule[]> {
  const groups = new Map<AlertGroup, RenderedAlertRule[]>(GROUP_ORDER.map((g) => [g, []]));
  for (const def of ALERTS) {
    const o = settings.alertOverrides[def.alert] ?? {};
    if (o.disabled) continue;
    const threshold = o.threshold ?? def.threshold ?? 0;
    const annotations: Record<string, string> = {
      summary: def.summary,
      description: def.description,
      runbook_url: `${settings.runbookBaseUrl}/${def.alert}.md`,
    };
    if (def.dashboard && settings.grafanaExternalUrl) annotations.dashboard = `${settings.grafanaExternalUrl}/d/${def.dashboard}`;
    const forDuration = o.for ?? def.for;
    groups.get(def.group)!.push({
      alert: def.alert,
      expr: def.expr(threshold, settings),
      ...(forDuration === "0m" || forDuration === "0s" ? {} : { for: forDuration }),
      labels: { severity: o.severity ?? def.severity, component: def.component },
      annotations,
    });
  }
  return groups;
}

/** The rule files Prometheus loads, by file name. */
export function renderRuleFiles(settings: RuleSettings): Record<string, string> {
  const alertGroups = [...buildAlertRules(settings)]
    .filter(([, rules]) => rules.length > 0)
    .map(([group, rules]) => ({ name: `tutordex_${group}`, interval: settings.intervals?.alerts ?? ALERT_EVALUATION_INTERVAL, rules }));
  return {
    [ALERT_RULES_FILE]: toYaml({ groups: alertGroups }, GENERATED_HEADER),
    [RECORDING_RULES_FILE]: toYaml(
      {
        groups: [
          {
            name: "tutordex_recording",
            interval: settings.intervals?.recording ?? RECORDING_EVALUATION_INTERVAL,
            rules: RECORDING_RULES.map((r) => ({ ...r })),
          },
        ],
      },
      GENERATED_HEADER,
    ),
  };
}

import * as fs from "fs";
import * as path from "path";
import * as yaml from "js-yaml";
import { ALERT_NAMES, ALERTS } from "../rules/catalog";
import { buildAlertRules, renderRuleFiles } from "../rules/render";
import { RuleSettings } from "../rules/render";

const RUNBOOKS = path.join(__dirname, "..", "runbooks");
const settings: RuleSettings = {
  runbookBaseUrl: "https://rb.test/runbooks",
  grafanaExternalUrl: "https://g.test",
  alertOverrides: {},
  watchedContainers: ['name=~"x"'],
  backlogLookback: "15m",
  throughputWindow: "5m",
};
const allRules = (s: RuleSettings) => [...buildAlertRules(s).values()].flat();

describe("runbooks", () => {
  const pages = fs
    .readdirSync(RUNBOOKS)
    .filter((f) => f !== "README.md")
    .map((f) => f.replace(/\.md$/, ""));
  it("every alert has a runbook page", () => expect(ALERT_NAMES.filter((a) => !pages.includes(a))).toEqual([]));
  it("every runbook page has an alert", () => expect(pages.filter((p) => !ALERT_NAMES.includes(p))).toEqual([]));
  it.each(ALERT_NAMES)("%s explains meaning, checks and mitigation", (alert) => {
    const text = fs.readFileSync(path.join(RUNBOOKS, `${alert}.md`), "utf8");
    expect(text).toMatch(new RegExp(`^# ${alert}\\n`));
    for (const section of ["## Meaning", "## What to check", "## Mitigation"]) expect(text).toContain(section);
  });
});

describe("rule model", () => {
  it("every alert carries severity, component, summary, description and an absolute runbook URL", () => {
    for (const r of allRules(settings)) {
      expect(["critical", "warning", "info", "none"]).toContain(r.labels.severity);
      expect(r.labels.component).toMatch(/^\w+$/);
      expect(r.annotations.runbook_url).toBe(`https://rb.test/runbooks/${r.alert}.md`);
      expect(r.annotations.summary.length).toBeGreaterThan(0);
    }
  });
  it("links a dashboard built from Grafana's external URL where one is named", () => {
    const disk = allRules(settings).find((r) => r.alert === "HostDiskLow")!;
    expect(disk.annotations.dashboard).toBe("https://g.test/d/tutordex-infra");
  });
  it("renders the SPEC groups and the 30s recording group", () => {
    const files = renderRuleFiles(settings);
    const alerts = yaml.load(files["alert_rules.yml"]) as { groups: { name: string; interval: string }[] };
    expect(alerts.groups.map((g) => `${g.name}@${g.interval}`)).toEqual([
      "tutordex_infra@15s",
      "tutordex_deadman@15s",
      "tutordex_pipeline@15s",
      "tutordex_quality@15s",
      "tutordex_stack@15s",
    ]);
    const rec = yaml.load(files["recording_rules.yml"]) as { groups: { name: string; interval: string; rules: unknown[] }[] };
    expect([rec.groups[0].interval, rec.groups[0].rules.length]).toEqual(["30s", 31]);
  });
  it("a disabled alert is left out, not made never-true", () => {
    const rules = allRules({ ...settings, alertOverrides: { CollectorStalled: { disabled: true } } });
    expect(rules.map((r) => r.alert)).not.toContain("CollectorStalled");
    expect(rules.length).toBe(ALERTS.length - 1);
  });
  it("overrides change threshold, for and severity", () => {
    const r = allRules({
      ...settings,
      alertOverrides: { QueueStuckProcessing: { threshold: 1200, for: "10m", severity: "warning" } },
    }).find((x) => x.alert === "QueueStuckProcessing")!;
    expect([r.expr, r.for, r.labels.severity]).toEqual(["queue_oldest_processing_age_seconds > 1200", "10m", "warning"]);
  });
  it.each(ALERTS.filter((a) => a.threshold !== undefined).map((a) => [a.alert]))(
    "%s takes its threshold from the override, nowhere else",
    (alert) => {
      const expr = (o: Record<string, { threshold: number }>) =>
        allRules({ ...settings, alertOverrides: o }).find((r) => r.alert === alert)!.expr;
      const overridden = expr({ [alert]: { threshold: 123.25 } });
      expect(overridden).toContain("123.25");
      expect(overridden.replace("123.25", String(ALERTS.find((a) => a.alert === alert)!.threshold))).toBe(expr({}));
    },
  );
  it("rendering is deterministic", () => expect(renderRuleFiles(settings)).toEqual(renderRuleFiles(settings)));
});

import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { dockerNetworkPeers } from "../../config/services";
import { renderPrometheusConfig } from "../../generators/prometheus";
import { renderStack } from "../../generators/stackFiles";
import { ALERT_NAMES, RECORDING_RULES } from "../../rules/catalog";
import { ruleSettings } from "../../rules/context";
import { renderRuleFiles } from "../../rules/render";
import { stackConfig } from "../../harness/fixtures";
import { committedStacks } from "../../harness/stackFiles";
import { run, TOOL_RUN_TIMEOUT_MS } from "../../harness/tools";
import { casesFor, DEPLOYMENTS, pinsOf, requiredPins } from "./ruleCases";
import { EQUIVALENT, forBatches, thresholdBatches, windowBatches } from "./ruleCases/mutations";
import { failedRules, promtoolTest, selectChecks } from "./ruleCases/promtool";

// Each promtool run is synchronous and bounded by TOOL_RUN_TIMEOUT_MS; the test waits a little longer.
jest.setTimeout(TOOL_RUN_TIMEOUT_MS + 30_000);

const tmp = fs.mkdtempSync(path.join(os.tmpdir(), "promtool-"));
afterAll(() => fs.rmSync(tmp, { recursive: true, force: true }));

/** The rule files exactly as `pulumi up` delivers them into Prometheus's config volume. */
function deployedRuleFiles(stack: string): Record<string, string> {
  const files = renderStack(stackConfig(stack)).prometheus;
  return Object.fromEntries(Object.entries(files).flatMap(([rel, text]) => (rel.startsWith("rules/") ? [[rel.slice("rules/".length), text]] : [])));
}

const passes = (r: { status: number | null; output: string }) => {
  if (r.status !== 0) throw new Error(`promtool test rules failed:\n${r.output}`);
};

describe("the rule cases", () => {
  const cases = casesFor(DEPLOYMENTS.prod);

  it("have literal expectations for every committed stack", () => {
    expect(committedStacks().filter((s) => !DEPLOYMENTS[s])).toEqual([]);
  });

  it.each(ALERT_NAMES)("pin %s from both sides of its threshold, its for: and its windows", (alert) => {
    const checks = cases.flatMap((c) => c.alert_rule_test ?? []).filter((c) => c.alertname === alert);
    expect({ alert, fires: checks.some((c) => c.exp_alerts.length > 0) }).toEqual({ alert, fires: true });
    if (alert !== "Watchdog") expect({ alert, quiet: checks.some((c) => c.exp_alerts.length === 0 || c.pins.includes("threshold:quiet-side")) }).toEqual({ alert, quiet: true });
    const pins = pinsOf(alert, cases);
    expect({ alert, missing: requiredPins(alert).filter((p) => !pins.has(p)) }).toEqual({ alert, missing: [] });
  });

  it("test the value of every recording rule", () => {
    const tested = new Set(cases.flatMap((c) => c.promql_expr_test ?? []).map((t) => t.expr));
    expect(RECORDING_RULES.map((r) => r.record).filter((r) => !tested.has(r))).toEqual([]);
  });
});

describe.each(committedStacks())("promtool test rules, stack %s", (stack) => {
  const config = stackConfig(stack);
  const d = DEPLOYMENTS[stack];
  const overrides = Object.entries(config.alertOverrides);
  const disabled = new Set(overrides.filter(([, o]) => o.disabled).map(([a]) => a));
  const tuned = new Set(overrides.filter(([, o]) => !o.disabled && (o.threshold !== undefined || o.for !== undefined || o.severity !== undefined)).map(([a]) => a));

  it("the rules as deployed pass every case; the alerts it disables stay silent even on firing input", () => {
    const cases = selectChecks(
      casesFor(d),
      (c) => !tuned.has(c.alertname),
      (c) => (disabled.has(c.alertname) ? { ...c, exp_alerts: [] } : c),
    );
    passes(promtoolTest(path.join(tmp, stack, "deployed"), deployedRuleFiles(stack), [...cases, ...(d.overrideCases ?? [])]));
  });

  it("the alerts it overrides still pass their cases with the catalog's defaults", () => {
    const cases = selectChecks(casesFor(d), (c) => disabled.has(c.alertname) || tuned.has(c.alertname), (c) => c, false);
    if (cases.length === 0) return expect(disabled.size + tuned.size).toBe(0);
    passes(promtoolTest(path.join(tmp, stack, "defaults"), renderRuleFiles({ ...ruleSettings(config), alertOverrides: {} }), cases));
  });

  it("an override of threshold, for or severity comes with cases of its own", () => {
    const covered = new Set((d.overrideCases ?? []).flatMap((c) => c.alert_rule_test ?? []).map((c) => c.alertname));
    expect([...tuned].filter((a) => !covered.has(a))).toEqual([]);
  });
});

describe("defects in prod's rules fail a case (mutations of the rendered rules)", () => {
  const settings = { ...ruleSettings(stackConfig("prod")), alertOverrides: {} };
  const base = renderRuleFiles(settings);
  const cases = casesFor(DEPLOYMENTS.prod);
  const batches = [...thresholdBatches(settings), ...forBatches(settings), ...windowBatches(base, "alert"), ...windowBatches(base, "record")];

  it("the catalog's defaults pass every case", () => passes(promtoolTest(path.join(tmp, "mutations", "base"), base, cases)));

  it.each(batches.map((b, i) => [b.name, i] as const))("%s", (name, i) => {
    const b = batches[i];
    const mutated = new Set(b.mutated);
    const selected = b.recording ? selectChecks(cases, () => false) : selectChecks(cases, (c) => mutated.has(c.alertname), (c) => c, false);
    const r = promtoolTest(path.join(tmp, "mutations", String(i)), b.files, selected);
    const failed = failedRules(r.output);
    const survivors = b.mutated.filter((m) => !failed.has(m) && !EQUIVALENT[`${name}/${m}`]);
    const killedEquivalents = b.mutated.filter((m) => failed.has(m) && EQUIVALENT[`${name}/${m}`]);
    expect({ batch: name, survivors, killedEquivalents }).toEqual({ batch: name, survivors: [], killedEquivalents: [] });
  });
});

describe.each(committedStacks())("promtool check, stack %s", (stack) => {
  const dir = path.join(tmp, "check", stack);
  const config = stackConfig(stack);

  it("check rules accepts every rule file", () => {
    fs.mkdirSync(dir, { recursive: true });
    const files = deployedRuleFiles(stack);
    for (const [name, text] of Object.entries(files)) fs.writeFileSync(path.join(dir, name), text);
    const r = run("promtool", ["check", "rules", ...Object.keys(files).map((f) => path.join(dir, f))]);
    expect(r.output).toContain("SUCCESS");
    expect(r.status).toBe(0);
  });

  it("check config accepts prometheus.yml with its rule files", () => {
    fs.mkdirSync(dir, { recursive: true });
    for (const [name, text] of Object.entries(deployedRuleFiles(stack))) fs.writeFileSync(path.join(dir, name), text);
    const file = path.join(dir, "prometheus.yml");
    fs.writeFileSync(file, renderPrometheusConfig(config, dockerNetworkPeers(), { rulesDir: dir }));
    const r = run("promtool", ["check", "config", file]);
    expect(r.output).toMatch(/SUCCESS: 2 rule files found/);
    expect(r.status).toBe(0);
  });
});

/**
 * Edges of the rule renderer and its helpers that the catalog's own cases do not reach: a zero
 * `for`, a group left empty by overrides, the one-unit durations overrides and windows are written
 * in, and the container regex built from the application's host names. (Mutation testing found
 * each of these unchecked: test/mutation/README.md.)
 */
import * as yaml from "js-yaml";
import { watchedContainersRegex } from "../../rules/context";
import { seconds } from "../../rules/expressions";
import { buildAlertRules, renderRuleFiles, RuleSettings } from "../../rules/render";

const settings: RuleSettings = { runbookBaseUrl: "https://rb.test/runbooks", grafanaExternalUrl: "https://g.test", alertOverrides: {}, watchedContainers: "x", backlogLookback: "15m", throughputWindow: "5m" };
const rule = (s: RuleSettings, alert: string) => [...buildAlertRules(s).values()].flat().find((r) => r.alert === alert)!;

describe("a zero for", () => {
  it("is left out of the rule, as in the catalog's 0m", () => {
    const watchdog = rule(settings, "Watchdog");
    expect(watchdog).toBeDefined();
    expect("for" in watchdog).toBe(false);
  });
  it.each(["0m", "0s"])("is left out when an override sets it to %s", (zero) => {
    const r = rule({ ...settings, alertOverrides: { QueueStuckProcessing: { for: zero } } }, "QueueStuckProcessing");
    expect("for" in r).toBe(false);
  });
  it("a non-zero for is kept", () => expect(rule({ ...settings, alertOverrides: { QueueStuckProcessing: { for: "1m" } } }, "QueueStuckProcessing").for).toBe("1m"));
});

describe("a group whose every alert is disabled", () => {
  it("is left out of the rule file, not written with no rules", () => {
    const file = yaml.load(renderRuleFiles({ ...settings, alertOverrides: { Watchdog: { disabled: true } } })["alert_rules.yml"]) as { groups: { name: string; rules: unknown[] }[] };
    expect(file.groups.map((g) => g.name)).toEqual(["tutordex_infra", "tutordex_pipeline", "tutordex_quality", "tutordex_stack"]);
    for (const g of file.groups) expect(g.rules.length).toBeGreaterThan(0);
  });
});

describe("seconds of a one-unit duration", () => {
  it.each([
    ["30s", 30],
    ["15m", 900],
    ["6h", 21600],
    ["14d", 1209600],
  ])("%s is %d s", (d, s) => expect(seconds(d)).toBe(s));
  it.each(["1h30m", "x5m", "-5m", "5", "m", ""])("%j is refused, with the duration it got", (d) => {
    expect(() => seconds(d)).toThrow(`expected a single-unit duration such as 15m, got ${d}`);
  });
});

describe("the cAdvisor name regex of the watched containers", () => {
  const stack = { stack: "prod", appTargets: { collector: "collector.internal:8080", worker: "worker:9000", backend: "10.0.0.7:8000" } };
  it("is the stack's prefix or any of the application's host names, dots escaped for PromQL", () => {
    expect(watchedContainersRegex(stack)).toBe("tutordex-obs-prod-.+|.*(collector\\\\.internal|worker|10\\\\.0\\\\.0\\\\.7).*");
  });
  it("matches the hosts' containers and not names that differ where a host has a dot", () => {
    // The PromQL string literal unescapes \\ to \; Prometheus anchors the regex.
    const re = new RegExp(`^(?:${watchedContainersRegex(stack).replace(/\\\\/g, "\\")})$`);
    expect(["tutordex-obs-prod-prometheus", "collector.internal", "app-worker-1", "10.0.0.7"].filter((n) => !re.test(n))).toEqual([]);
    expect(["collectorXinternal", "10a0b0c7", "tutordex-obs-staging-prometheus"].filter((n) => re.test(n))).toEqual([]);
  });
});

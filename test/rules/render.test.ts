/**
 * Edges of the rule renderer and its helpers that the catalog's own cases do not reach: a zero
 * `for`, a group left empty by overrides, the one-unit durations overrides and windows are written
 * in, and the container matchers built from the stack and the application's compose project. (Mutation testing found
 * each of these unchecked: test/mutation/README.md.)
 */
import * as yaml from "js-yaml";
import { watchedContainers } from "../../rules/context";
import { durationSeconds as seconds } from "../../config/durations";
import { buildAlertRules, renderRuleFiles, RuleSettings } from "../../rules/render";
import { stackConfig } from "../../harness/fixtures";

const settings: RuleSettings = {
  runbookBaseUrl: "https://rb.test/runbooks",
  grafanaExternalUrl: "https://g.test",
  alertOverrides: {},
  watchedContainers: ['name=~"x"'],
  backlogLookback: "15m",
  throughputWindow: "5m",
};
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
  it("a non-zero for is kept", () =>
    expect(rule({ ...settings, alertOverrides: { QueueStuckProcessing: { for: "1m" } } }, "QueueStuckProcessing").for).toBe("1m"));
});

describe("a group whose every alert is disabled", () => {
  it("is left out of the rule file, not written with no rules", () => {
    const file = yaml.load(renderRuleFiles({ ...settings, alertOverrides: { Watchdog: { disabled: true } } })["alert_rules.yml"]) as {
      groups: { name: string; rules: unknown[] }[];
    };
    expect(file.groups.map((g) => g.name)).toEqual(["tutordex_infra", "tutordex_pipeline", "tutordex_quality", "tutordex_stack"]);
    for (const g of file.groups) expect(g.rules.length).toBeGreaterThan(0);
  });
});

// Rule windows are read with config/durations.ts, Prometheus's grammar, as Prometheus reads them.
describe("seconds of a rule window", () => {
  it.each([
    ["30s", 30],
    ["15m", 900],
    ["6h", 21600],
    ["14d", 1209600],
    ["1w", 604800],
    ["1h30m", 5400],
  ])("%s is %d s", (d, s) => expect(seconds(d)).toBe(s));
  it.each(["x5m", "-5m", "5", "m", "", "30m1h"])("%j is refused, with the duration it got", (d) => {
    expect(() => seconds(d)).toThrow(
      `expected a duration such as 30s, 15m, 72h or 15d (units y, w, d, h, m, s, ms, each once, largest first), got ${JSON.stringify(d)}`,
    );
  });
});

describe("the containers a stack watches", () => {
  it("are its own by Docker name and the application's by compose project, which cAdvisor keeps as a label", () => {
    expect(watchedContainers({ stack: "prod", appComposeProject: "tutordex-prod" })).toEqual([
      'name=~"tutordex-obs-prod-.+"',
      'container_label_com_docker_compose_project="tutordex-prod"',
    ]);
  });
  it("escape a dot of the stack name for PromQL", () => {
    expect(watchedContainers({ stack: "eu.prod", appComposeProject: "tutordex-prod" })[0]).toBe('name=~"tutordex-obs-eu\\\\.prod-.+"');
  });
  it("each stack's application is the compose project TutorDex runs in its environment", () => {
    expect(["dev", "staging", "prod"].map((s) => watchedContainers(stackConfig(s))[1])).toEqual([
      'container_label_com_docker_compose_project="tutordex-dev"',
      'container_label_com_docker_compose_project="tutordex-staging"',
      'container_label_com_docker_compose_project="tutordex-prod"',
    ]);
  });
});

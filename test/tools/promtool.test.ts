import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { DEFAULT_APP_TARGETS } from "../../config/defaults";
import { dockerNetworkPeers } from "../../config/services";
import { renderPrometheusConfig } from "../../generators/prometheus";
import { ALERT_NAMES } from "../../rules/catalog";
import { watchedContainersRegex, ruleSettings } from "../../rules/context";
import { ALERT_RULES_FILE, RECORDING_RULES_FILE, renderRuleFiles } from "../../rules/render";
import { RECORDING_RULES } from "../../rules/catalog";
import { toYaml } from "../../generators/yaml";
import { committedStacks } from "../support/stackFiles";
import { stackConfig } from "../support/fixtures";
import { run } from "../support/tools";
import { CASES, GRAFANA, RUNBOOKS, STACK } from "./ruleCases";

function tmpDir(): string {
  return fs.mkdtempSync(path.join(os.tmpdir(), "promtool-"));
}

function writeRules(dir: string, files: Record<string, string>): void {
  for (const [name, text] of Object.entries(files)) fs.writeFileSync(path.join(dir, name), text);
}

describe("promtool test rules", () => {
  const dir = tmpDir();
  afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

  it("every alert has a firing case and a quiet case; every recording rule a value test", () => {
    for (const name of ALERT_NAMES) {
      const checks = CASES.flatMap((c) => c.alert_rule_test ?? []).filter((t) => t.alertname === name);
      expect({ name, fires: checks.some((t) => t.exp_alerts.length > 0) }).toEqual({ name, fires: true });
      if (name !== "Watchdog") expect({ name, quiet: checks.some((t) => t.exp_alerts.length === 0) }).toEqual({ name, quiet: true });
    }
    const tested = new Set(CASES.flatMap((c) => c.promql_expr_test ?? []).map((t) => t.expr));
    for (const r of RECORDING_RULES) expect(tested).toContain(r.record);
  });

  it("all cases pass against the rendered rules", () => {
    writeRules(
      dir,
      renderRuleFiles({
        runbookBaseUrl: RUNBOOKS,
        grafanaExternalUrl: GRAFANA,
        alertOverrides: {},
        watchedContainers: watchedContainersRegex({ stack: STACK, appTargets: DEFAULT_APP_TARGETS }),
        backlogLookback: "15m",
        throughputWindow: "5m",
      }),
    );
    const testFile = path.join(dir, "tests.yml");
    fs.writeFileSync(
      testFile,
      toYaml({ rule_files: [ALERT_RULES_FILE, RECORDING_RULES_FILE], evaluation_interval: "15s", tests: CASES.map(({ name: _n, ...c }) => ({ interval: "1m", ...c })) }),
    );
    const r = run("promtool", ["test", "rules", testFile], dir);
    if (r.status !== 0) throw new Error(`promtool test rules failed:\n${r.output}`);
  });
});

describe.each(committedStacks())("promtool check, stack %s", (stack) => {
  const dir = tmpDir();
  afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));
  const config = stackConfig(stack);

  it("check rules accepts every rule file", () => {
    const files = renderRuleFiles(ruleSettings(config));
    writeRules(dir, files);
    const r = run("promtool", ["check", "rules", ...Object.keys(files).map((f) => path.join(dir, f))]);
    expect(r.output).toContain("SUCCESS");
    expect(r.status).toBe(0);
  });

  it("check config accepts prometheus.yml with its rule files", () => {
    writeRules(dir, renderRuleFiles(ruleSettings(config)));
    const file = path.join(dir, "prometheus.yml");
    fs.writeFileSync(file, renderPrometheusConfig(config, dockerNetworkPeers(), { rulesDir: dir }));
    const r = run("promtool", ["check", "config", file]);
    expect(r.output).toMatch(/SUCCESS: 2 rule files found/);
    expect(r.status).toBe(0);
  });
});

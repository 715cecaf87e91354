import * as fs from "fs";
import * as path from "path";
import * as yaml from "js-yaml";
import { toYaml } from "../../../config/yaml";
import { ALERT_EVALUATION_INTERVAL } from "../../../rules/render";
import { run, RunResult } from "../../../harness/tools";
import { AlertCheck, RuleTestCase } from "./model";

interface RuleFile {
  groups: { name: string; interval?: string; rules: { alert?: string; record?: string; expr: string }[] }[];
}

const parse = (text: string) => yaml.load(text) as RuleFile;

/** promtool's own form of a case: pins are ours, not promtool's. */
const toPromtool = (c: RuleTestCase) => ({
  name: c.name,
  interval: c.interval ?? "1m",
  input_series: c.input_series,
  ...(c.alert_rule_test ? { alert_rule_test: c.alert_rule_test.map(({ pins: _pins, ...check }) => check) } : {}),
  ...(c.promql_expr_test ? { promql_expr_test: c.promql_expr_test } : {}),
});

/**
 * The rendered files cut down to what one case checks: its alerts, and the recording rules when
 * it tests them or one of its alerts reads a recorded series. Every rule keeps its rendered text;
 * leaving the others out only spares promtool evaluating them at every step of every case.
 */
function rulesFor(files: Readonly<Record<string, string>>, c: RuleTestCase): Record<string, RuleFile> {
  const alerts = new Set((c.alert_rule_test ?? []).map((a) => a.alertname));
  const parsed = Object.entries(files).map(([name, text]) => [name, parse(text)] as const);
  const alertExprs = parsed.flatMap(([, f]) => f.groups.flatMap((g) => g.rules)).filter((r) => r.alert && alerts.has(r.alert));
  const recorded = new Set(parsed.flatMap(([, f]) => f.groups.flatMap((g) => g.rules)).flatMap((r) => (r.record ? [r.record] : [])));
  const needsRecording = (c.promql_expr_test?.length ?? 0) > 0 || alertExprs.some((r) => [...recorded].some((rec) => r.expr.includes(rec)));
  const out: Record<string, RuleFile> = {};
  for (const [name, file] of parsed) {
    const groups = file.groups
      .map((g) => ({ ...g, rules: g.rules.filter((r) => (r.alert ? alerts.has(r.alert) : needsRecording)) }))
      .filter((g) => g.rules.length > 0);
    if (groups.length) out[name] = { groups };
  }
  return out;
}

/**
 * Runs `cases` against `ruleFiles` (file name → rendered text) with promtool: one test file per
 * case under `dir`, all in one promtool run. Rules are evaluated every 15 s as deployed; the
 * recording group first, so an alert on a recorded series sees the value of the same instant
 * (promtool otherwise orders groups at random). fuzzy_compare allows one unit in the last place,
 * for rates that are not binary fractions.
 */
export function promtoolTest(dir: string, ruleFiles: Readonly<Record<string, string>>, cases: readonly RuleTestCase[]): RunResult {
  fs.rmSync(dir, { recursive: true, force: true });
  const testFiles = cases.map((c, i) => {
    const caseDir = path.join(dir, String(i).padStart(3, "0"));
    fs.mkdirSync(caseDir, { recursive: true });
    const rules = rulesFor(ruleFiles, c);
    for (const [name, file] of Object.entries(rules)) fs.writeFileSync(path.join(caseDir, name), toYaml(file));
    const groups = Object.values(rules).flatMap((f) => f.groups.map((g) => g.name));
    const testFile = path.join(caseDir, "tests.yml");
    fs.writeFileSync(
      testFile,
      toYaml({
        rule_files: Object.keys(rules),
        evaluation_interval: ALERT_EVALUATION_INTERVAL,
        fuzzy_compare: true,
        group_eval_order: [...groups.filter((g) => g.endsWith("_recording")), ...groups.filter((g) => !g.endsWith("_recording"))],
        tests: [toPromtool(c)],
      }),
    );
    return testFile;
  });
  return run("promtool", ["test", "rules", ...testFiles], dir);
}

/** Names of the alerts and recorded series some check failed for, read from promtool's report. */
export function failedRules(output: string): Set<string> {
  const alerts = [...output.matchAll(/alertname: (\w+), time:/g)].map((m) => m[1]);
  const exprs = [...output.matchAll(/expr: "([^"]+)", time:/g)].map((m) => m[1]);
  return new Set([...alerts, ...exprs]);
}

/** Keeps, in each case, only the checks `keep` accepts (transformed by `map`), and drops cases left without any. */
export function selectChecks(cases: readonly RuleTestCase[], keep: (check: AlertCheck) => boolean, map: (check: AlertCheck) => AlertCheck = (c) => c, withExprTests = true): RuleTestCase[] {
  return cases.flatMap((c) => {
    const alerts = (c.alert_rule_test ?? []).filter(keep).map(map);
    const exprs = withExprTests ? c.promql_expr_test ?? [] : [];
    if (alerts.length === 0 && exprs.length === 0) return [];
    return [{ ...c, alert_rule_test: alerts.length ? alerts : undefined, promql_expr_test: exprs.length ? exprs : undefined }];
  });
}

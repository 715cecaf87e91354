import * as fs from "fs";
import * as path from "path";
import { MEASURED } from "../../bench/measured";
import { PERFORMANCE_TARGETS } from "../../bench/targets";
import { DEFAULT_MEMORY_MB } from "../../config/defaults";

/** The README's performance table says what bench/targets.ts wants and what bench/measured.ts holds, and nothing else. */
const readme = fs.readFileSync(path.resolve(__dirname, "..", "..", "README.md"), "utf8");
const t = PERFORMANCE_TARGETS;
const m = MEASURED;
const percent = (share: number) => `${Number((share * 100).toFixed(2))} %`;

it("names the run it reports", () => {
  expect(readme).toContain(`run (${m.on}, Prometheus ${m.prometheus}, 2 cores):`);
});

it.each([
  `| every panel at 7 d, alone, p95 wall clock | ≤ ${t.panelMs} ms | ${m.slowestPanel.p95Ms} ms (${m.slowestPanel.where}) |`,
  `| every dashboard at 7 d, all its panels at once, p95 wall clock | ≤ ${t.dashboardMs} ms | ${m.slowestDashboard.p95Ms} ms (${m.slowestDashboard.where}) |`,
  `| every rule group's worst evaluation, as a share of its interval | < ${percent(t.ruleShare)} | ${percent(m.busiestRuleGroup.share)} (${m.busiestRuleGroup.where}) |`,
  `| Prometheus's memory limit over its peak | ≥ ${t.memoryHeadroom}× | ${(DEFAULT_MEMORY_MB.prometheus / m.prometheusPeakMiB).toFixed(1)}× (peak ${m.prometheusPeakMiB} MiB, limit ${DEFAULT_MEMORY_MB.prometheus} MiB) |`,
])("has the row %s", (row) => {
  expect(readme).toContain(row);
});

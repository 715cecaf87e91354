import { ChildProcess, spawn } from "child_process";
import * as fs from "fs";
import * as path from "path";
import { main } from "../../cli/main";
import { toYaml } from "../../config/yaml";
import { capture } from "../support/io";
import { useTempDirs } from "../support/tempDirs";
import { freePort } from "../../harness/ports";
import { ROOT } from "../../harness/stackFiles";
import { requireTool } from "../../harness/tools";

/**
 * `obs doctor` against the real, pinned Prometheus with one rule group that evaluates fine and one
 * whose rule fails at every evaluation (a one-to-one match with duplicate series on one side):
 * doctor must name the failing group, rule and Prometheus's error, and exit 1.
 */
let dir: string;
let prometheus: ChildProcess;
let url: string;
let stderr = "";

beforeAll(async () => {
  dir = tmp.makeForFile("doctor-rules-");
  const port = await freePort();
  url = `http://127.0.0.1:${port}`;
  const twoSeries = 'label_replace(vector(1), "side", "a", "", "") or label_replace(vector(1), "side", "b", "", "")';
  fs.writeFileSync(
    path.join(dir, "rules.yml"),
    toYaml({
      groups: [
        { name: "tutordex_fine", interval: "1s", rules: [{ record: "tutordex:test:one", expr: "vector(1)" }] },
        { name: "tutordex_broken", interval: "1s", rules: [{ alert: "BrokenRule", expr: `vector(1) + on() (${twoSeries})` }] },
      ],
    }),
  );
  fs.writeFileSync(
    path.join(dir, "prometheus.yml"),
    toYaml({
      global: { scrape_interval: "1s", evaluation_interval: "1s" },
      rule_files: ["rules.yml"],
      scrape_configs: [{ job_name: "prometheus", static_configs: [{ targets: [`127.0.0.1:${port}`] }] }],
    }),
  );
  prometheus = spawn(
    requireTool("prometheus"),
    [
      `--config.file=${path.join(dir, "prometheus.yml")}`,
      `--storage.tsdb.path=${path.join(dir, "tsdb")}`,
      `--web.listen-address=127.0.0.1:${port}`,
    ],
    { stdio: ["ignore", "ignore", "pipe"] },
  );
  prometheus.stderr!.on("data", (c: Buffer) => (stderr += c.toString()));
  // Bounded by what it waits for: the broken rule's first evaluation, one interval after start.
  const deadline = Date.now() + 30_000;
  for (;;) {
    const health = await fetch(`${url}/api/v1/rules`)
      .then((r) => r.json() as Promise<{ data: { groups: { rules: { health: string }[] }[] } }>)
      .then((j) => j.data.groups.flatMap((g) => g.rules.map((r) => r.health)))
      .catch(() => [] as string[]);
    if (health.includes("err") && health.includes("ok")) break;
    if (Date.now() > deadline) throw new Error(`Prometheus never evaluated both groups:\n${stderr}`);
    await new Promise((r) => setTimeout(r, 200));
  }
}, 60_000);

afterAll(async () => {
  if (prometheus && prometheus.exitCode === null) {
    const exited = new Promise((r) => prometheus.once("exit", r));
    prometheus.kill("SIGTERM");
    await exited;
  }
});
// Its own hook: the folder goes even if Prometheus never exits and the stop above times out.
const tmp = useTempDirs();

it("names the failing group, its rule and Prometheus's error, and exits 1", async () => {
  const io = capture();
  expect(await main(["doctor", "--prometheus", url, "--json"], io, ROOT)).toBe(1);
  const report = JSON.parse(io.text()) as { ok: boolean; findings: { check: string; ok: boolean; detail: string }[] };
  expect(report.ok).toBe(false);
  const rules = report.findings.find((f) => f.check === "rule groups")!;
  expect(rules.ok).toBe(false);
  expect(rules.detail).toMatch(/^tutordex_broken\/BrokenRule: .*duplicate series/);
  expect(rules.detail).not.toContain("tutordex_fine");
});

it("shows it in the table too, next to the readiness that passes", async () => {
  const io = capture();
  expect(await main(["doctor", "--prometheus", url], io, ROOT)).toBe(1);
  expect(io.text()).toMatch(/rule groups\s+FAIL\s+tutordex_broken\/BrokenRule: /);
  expect(io.text()).toMatch(/prometheus ready\s+ok/);
});

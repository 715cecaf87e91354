import { ChildProcess, spawn } from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { Finding } from "../../cli/doctor";
import { main } from "../../cli/main";
import { toYaml } from "../../generators/yaml";
import { capture } from "../support/io";
import { freePort } from "../support/ports";
import { PROJECT } from "../support/stackFiles";
import { requireTool } from "../support/tools";

/**
 * `obs doctor` and `obs reload` against the pinned Prometheus and Alertmanager themselves: the
 * identity they report (Prometheus's loaded configuration, the Watchdog Alertmanager holds with
 * the stack's external labels) and the reload metrics are read as the real programs publish them.
 */

let dir: string;
const children: ChildProcess[] = [];
let prometheusUrl: string;
let alertmanagerUrl: string;
let logs = "";

const promConfig = (amPort: number, promPort: number) =>
  toYaml({
    global: { scrape_interval: "1s", evaluation_interval: "1s", external_labels: { stack: "shop", environment: "staging" } },
    alerting: { alertmanagers: [{ static_configs: [{ targets: [`127.0.0.1:${amPort}`] }] }] },
    rule_files: ["rules.yml"],
    scrape_configs: [{ job_name: "prometheus", static_configs: [{ targets: [`127.0.0.1:${promPort}`] }] }],
  });
const AM_CONFIG = toYaml({ route: { receiver: "nobody" }, receivers: [{ name: "nobody" }] });

function start(tool: string, args: string[]): void {
  const child = spawn(requireTool(tool), args, { stdio: ["ignore", "ignore", "pipe"] });
  child.stderr!.on("data", (c: Buffer) => (logs += c.toString()));
  children.push(child);
}

async function until(what: string, done: () => Promise<boolean>, ms = 30_000): Promise<void> {
  const deadline = Date.now() + ms;
  while (!(await done().catch(() => false))) {
    if (Date.now() > deadline) throw new Error(`${what} did not happen within ${ms} ms:\n${logs.slice(-2000)}`);
    await new Promise((r) => setTimeout(r, 200));
  }
}

beforeAll(async () => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), "reload-real-"));
  const [promPort, amPort, ...others] = await Promise.all([freePort(), freePort(), freePort(), freePort(), freePort(), freePort(), freePort()]);
  prometheusUrl = `http://127.0.0.1:${promPort}`;
  alertmanagerUrl = `http://127.0.0.1:${amPort}`;
  fs.writeFileSync(path.join(dir, "prometheus.yml"), promConfig(amPort, promPort));
  fs.writeFileSync(path.join(dir, "rules.yml"), toYaml({ groups: [{ name: "stack", interval: "1s", rules: [{ alert: "Watchdog", expr: "vector(1)", labels: { severity: "none" } }] }] }));
  fs.writeFileSync(path.join(dir, "alertmanager.yml"), AM_CONFIG);
  const hostPorts = { prometheus: promPort, alertmanager: amPort, grafana: others[0], loki: others[1], tempo: others[2], otlpGrpc: others[3], otlpHttp: others[4] };
  fs.writeFileSync(
    path.join(dir, "Pulumi.shop.yaml"),
    [
      "config:",
      `  ${PROJECT}:environment: staging`,
      `  ${PROJECT}:runbookBaseUrl: https://rb.test/runbooks`,
      `  ${PROJECT}:hostPorts:`,
      ...Object.entries(hostPorts).map(([k, v]) => `    ${k}: ${v}`),
      `  ${PROJECT}:services:`,
      ...["grafana", "loki", "promtail", "tempo", "otelCollector"].map((s) => `    ${s}: false`),
    ].join("\n"),
  );
  start("alertmanager", [`--config.file=${path.join(dir, "alertmanager.yml")}`, `--storage.path=${path.join(dir, "am")}`, `--web.listen-address=127.0.0.1:${amPort}`, "--cluster.listen-address="]);
  start("prometheus", [
    `--config.file=${path.join(dir, "prometheus.yml")}`,
    `--storage.tsdb.path=${path.join(dir, "tsdb")}`,
    `--web.listen-address=127.0.0.1:${promPort}`,
    "--web.enable-lifecycle",
  ]);
  // The Watchdog reaches Alertmanager one evaluation and one send after start.
  await until("the Watchdog reaching Alertmanager", async () => ((await (await fetch(`${alertmanagerUrl}/api/v2/alerts`)).json()) as unknown[]).length > 0);
}, 60_000);

afterAll(async () => {
  await Promise.all(
    children.map((c) => {
      if (c.exitCode !== null) return Promise.resolve();
      const exited = new Promise((r) => c.once("exit", r));
      c.kill("SIGTERM");
      return exited;
    }),
  );
  fs.rmSync(dir, { recursive: true, force: true });
});

it("doctor --stack: the real Prometheus and Alertmanager show they are the stack's", async () => {
  const io = capture();
  await main(["doctor", "--stack", "shop", "--json", "--timeout", "5000"], io, dir);
  const findings = Object.fromEntries((JSON.parse(io.text()) as { findings: Finding[] }).findings.map((f) => [f.check, f]));
  expect(findings["prometheus is the stack's"]).toEqual({ check: "prometheus is the stack's", ok: true, detail: `${prometheusUrl}: stack shop's (external labels stack="shop", environment="staging")` });
  expect(findings["alertmanager is the stack's"]).toEqual({ check: "alertmanager is the stack's", ok: true, detail: `${alertmanagerUrl}: stack shop's (it holds alerts of stack shop, the Watchdog among them)` });
});

it("reload --stack: reloaded, as the programs' own metrics show", async () => {
  const io = capture();
  expect(await main(["reload", "--stack", "shop"], io, dir)).toBe(0);
  expect(io.text()).toMatch(/^prometheus: reloaded: configuration loaded at \d{4}-\d\d-\d\dT[\d:.]+Z\nalertmanager: reloaded: configuration loaded at \d{4}-\d\d-\d\dT[\d:.]+Z$/);
});

it("reload of a broken configuration: both programs refuse it, and obs says so and exits 1", async () => {
  fs.writeFileSync(path.join(dir, "prometheus.yml"), "global: [\n");
  fs.writeFileSync(path.join(dir, "alertmanager.yml"), "route: {receiver: missing}\n");
  const io = capture();
  expect(await main(["reload", "--stack", "shop"], io, dir)).toBe(1);
  expect(io.text()).toMatch(/^prometheus: refused \(500: failed to reload config: .*\)\nalertmanager: refused \(500: failed to reload config: .*missing.*\)$/s);
});

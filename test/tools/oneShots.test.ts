import { ChildProcess, spawn } from "child_process";
import * as fs from "fs";
import * as http from "http";
import * as os from "os";
import * as path from "path";
import { syncScript } from "../../components/configSync";
import { gateScript } from "../../components/readinessGate";
import { prometheusArgs } from "../../generators/commandLines";
import { renderStack } from "../../generators/stackFiles";
import { busyboxPath, runScript } from "../support/busybox";
import { stackConfig } from "../support/fixtures";
import { freePort } from "../support/ports";
import { requireTool } from "../support/tools";

jest.setTimeout(120_000);

/**
 * The one-shot scripts run for real: busybox sh and wget as in the prom/* images, the pinned
 * promtool, and a real Prometheus of the pinned version started with the deployed flags.
 */
const work = fs.mkdtempSync(path.join(os.tmpdir(), "oneshots-"));
const staging = path.join(work, "staging");
const config = path.join(work, "config");
const bin = busyboxPath();
let port = 0;
let prometheus: ChildProcess | undefined;

const files = (overrides: Record<string, unknown> = {}) => renderStack(stackConfig("dev", { alertOverrides: { CollectorStalled: { disabled: true }, ...overrides } })).prometheus;
function stage(set: Readonly<Record<string, string>>): void {
  fs.rmSync(staging, { recursive: true, force: true });
  for (const [rel, text] of Object.entries(set)) {
    fs.mkdirSync(path.dirname(path.join(staging, rel)), { recursive: true });
    fs.writeFileSync(path.join(staging, rel), text);
  }
}
const sync = (set: Readonly<Record<string, string>>) =>
  runScript(syncScript({ files: Object.keys(set), validate: ["promtool", "check", "config", "prometheus.yml"], reloadUrl: `http://127.0.0.1:${port}/-/reload`, configDir: config, stagingDir: staging }), bin.dir);
const live = (rel: string) => fs.readFileSync(path.join(config, rel), "utf8");

async function startPrometheus(lifecycle: boolean): Promise<void> {
  const args = prometheusArgs({ configFile: path.join(config, "prometheus.yml"), storagePath: path.join(work, "tsdb"), retention: "1d", remoteWriteReceiver: false }).filter(
    (a) => lifecycle || a !== "--web.enable-lifecycle",
  );
  prometheus = spawn(requireTool("prometheus"), [...args, `--web.listen-address=127.0.0.1:${port}`], { stdio: "ignore" });
  const deadline = Date.now() + 30_000;
  while (Date.now() < deadline) {
    if (await fetch(`http://127.0.0.1:${port}/-/ready`).then((r) => r.ok, () => false)) return;
    await new Promise((r) => setTimeout(r, 200));
  }
  throw new Error("Prometheus did not get ready within 30 s");
}
async function stopPrometheus(): Promise<void> {
  const p = prometheus;
  prometheus = undefined;
  if (!p || p.exitCode !== null) return;
  await new Promise<void>((resolve) => {
    p.once("exit", () => resolve());
    p.kill("SIGTERM");
    setTimeout(() => p.kill("SIGKILL"), 10_000).unref();
  });
}
const ruleExpr = async (alert: string): Promise<string> => {
  const body = (await (await fetch(`http://127.0.0.1:${port}/api/v1/rules`)).json()) as { data: { groups: { rules: { name: string; query: string }[] }[] } };
  return body.data.groups.flatMap((g) => g.rules).find((r) => r.name === alert)!.query;
};

beforeAll(async () => {
  port = await freePort();
});
afterAll(async () => {
  await stopPrometheus();
  bin.cleanup();
  fs.rmSync(work, { recursive: true, force: true });
});

describe("config-sync, step by step as one deployment lives", () => {
  it("first deployment: the files go in place and Prometheus, not running yet, reads them when it starts", async () => {
    stage(files());
    const r = await sync(files());
    expect(r).toMatchObject({ code: 0 });
    expect(r.output).toContain("not reloaded");
    expect(live("prometheus.yml")).toBe(files()["prometheus.yml"]);
    await startPrometheus(true);
    expect(await ruleExpr("HostDiskLow")).toContain("< 0.1");
  });

  it("a rule edit goes live by reload, without a restart", async () => {
    const edited = files({ HostDiskLow: { threshold: 0.05 } });
    stage(edited);
    const r = await sync(edited);
    expect(r).toMatchObject({ code: 0 });
    expect(r.output.trim().split("\n").pop()).toBe("reloaded");
    expect(await ruleExpr("HostDiskLow")).toContain("< 0.05");
  });

  it("an invalid rule fails with promtool's message and changes nothing", async () => {
    const before = live("rules/alert_rules.yml");
    const broken = { ...files(), "rules/alert_rules.yml": "groups:\n  - name: broken\n    rules:\n      - alert: X\n        expr: up ==\n" };
    stage(broken);
    const r = await sync(broken);
    expect(r.code).toBe(1);
    expect(r.output).toContain("FAILED");
    expect(r.output).toContain("the new configuration is invalid; nothing was changed");
    expect(live("rules/alert_rules.yml")).toBe(before);
    expect(await ruleExpr("HostDiskLow")).toContain("< 0.05");
  });

  it("a reload the service refuses fails and puts the running configuration back", async () => {
    await stopPrometheus();
    await startPrometheus(false);
    const before = live("rules/alert_rules.yml");
    const edited = files({ HostDiskLow: { threshold: 0.2 } });
    stage(edited);
    const r = await sync(edited);
    expect(r.code).toBe(1);
    expect(r.output).toContain("refused the reload");
    expect(r.output).toContain("the previous configuration is back in place");
    expect(live("rules/alert_rules.yml")).toBe(before);
  });
});

describe("readiness gate", () => {
  let status = 503;
  const server = http.createServer((_req, res) => res.writeHead(status).end());
  let url = "";
  beforeAll(async () => {
    const p = await freePort();
    await new Promise<void>((r) => server.listen(p, "127.0.0.1", r));
    url = `http://127.0.0.1:${p}/`;
  });
  afterAll(() => new Promise<void>((r) => server.close(() => r())));

  it("fails with the URL when the service never answers 2xx within its bound", async () => {
    status = 503;
    const r = await runScript(gateScript(url, 3), bin.dir);
    expect(r.code).toBe(1);
    expect(r.output).toContain(`${url} did not answer 2xx within 3s`);
  });
  it("passes as soon as the service answers", async () => {
    status = 200;
    const r = await runScript(gateScript(url, 3), bin.dir);
    expect(r).toEqual({ code: 0, output: `${url} is ready\n` });
  });
});

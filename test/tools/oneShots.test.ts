import { ChildProcess, spawn, spawnSync } from "child_process";
import * as fs from "fs";
import * as http from "http";
import * as os from "os";
import * as path from "path";
import { syncScript } from "../../components/configSync";
import { gateScript } from "../../components/readinessGate";
import { passwordFile, renderWebConfig, userColonPassword, webConfigFile } from "../../generators/apiAuth";
import { alertmanagerArgs, prometheusArgs } from "../../generators/commandLines";
import { renderStack } from "../../generators/stackFiles";
import { busyboxPath, runScript } from "../support/busybox";
import { stackConfig } from "../../harness/fixtures";
import { freePort } from "../../harness/ports";
import { newRandomPassword, newRandomPasswordHash } from "../../harness/randomPassword";
import { requireTool } from "../../harness/tools";

jest.setTimeout(120_000);

/**
 * The one-shot scripts run for real: busybox sh, nc and awk as in the prom/* images, the pinned
 * promtool and amtool, and a real Prometheus and Alertmanager of the pinned versions started with
 * the deployed flags (auto-reload, web configs with a bcrypt-hashed password).
 */
const work = fs.mkdtempSync(path.join(os.tmpdir(), "oneshots-"));
const staging = path.join(work, "staging");
const config = path.join(work, "config");
const secrets = path.join(work, "secrets");
const bin = busyboxPath();
const password = newRandomPassword({ length: 32 }).result;
let port = 0;
let prometheus: ChildProcess | undefined;
let prometheusLog = "";

const files = (overrides: Record<string, unknown> = {}) => renderStack(stackConfig("dev", { alertOverrides: { CollectorStalled: { disabled: true }, ...overrides } })).prometheus;
function stage(set: Readonly<Record<string, string>>): void {
  fs.rmSync(staging, { recursive: true, force: true });
  for (const [rel, text] of Object.entries(set)) {
    fs.mkdirSync(path.dirname(path.join(staging, rel)), { recursive: true });
    fs.writeFileSync(path.join(staging, rel), text);
  }
}
const watch = (boundSeconds = 30) => ({ kind: "watch" as const, address: `127.0.0.1:${port}`, passwordFile: passwordFile("prometheus", secrets), boundSeconds });
const sync = (set: Readonly<Record<string, string>>, validate = ["promtool", "check", "config", "prometheus.yml"], reload = watch()) =>
  runScript(syncScript({ files: Object.keys(set), validate, reload, configDir: config, stagingDir: staging }), bin.dir, 90_000);
const live = (rel: string) => fs.readFileSync(path.join(config, rel), "utf8");
const headers = () => ({ authorization: `Basic ${Buffer.from(userColonPassword(password)).toString("base64")}` });

async function startPrometheus(): Promise<void> {
  const args = prometheusArgs({
    configFile: path.join(config, "prometheus.yml"),
    storagePath: path.join(work, "tsdb"),
    retention: "1d",
    remoteWriteReceiver: false,
    webConfigFile: webConfigFile(secrets),
  });
  prometheus = spawn(requireTool("prometheus"), [...args, `--web.listen-address=127.0.0.1:${port}`], { stdio: ["ignore", "ignore", "pipe"] });
  prometheus.stderr!.on("data", (d: Buffer) => (prometheusLog = (prometheusLog + d.toString()).slice(-4000)));
  const deadline = Date.now() + 30_000;
  while (Date.now() < deadline) {
    if (await fetch(`http://127.0.0.1:${port}/-/ready`, { headers: headers() }).then((r) => r.ok, () => false)) return;
    await new Promise((r) => setTimeout(r, 200));
  }
  throw new Error(`Prometheus did not get ready within 30 s:\n${prometheusLog}`);
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
  const body = (await (await fetch(`http://127.0.0.1:${port}/api/v1/rules`, { headers: headers() })).json()) as { data: { groups: { rules: { name: string; query: string }[] }[] } };
  return body.data.groups.flatMap((g) => g.rules).find((r) => r.name === alert)!.query;
};

beforeAll(async () => {
  port = await freePort();
  fs.mkdirSync(secrets);
  for (const api of ["prometheus", "alertmanager", "blackboxExporter"] as const) fs.writeFileSync(passwordFile(api, secrets), password, { mode: 0o600 });
  fs.writeFileSync(webConfigFile(secrets), renderWebConfig(newRandomPasswordHash(password)));
});
afterAll(stopPrometheus);
// Its own hook: the folders go even if the stop above fails or times out.
afterAll(() => {
  bin.cleanup();
  fs.rmSync(work, { recursive: true, force: true });
});

describe("config-sync of Prometheus, step by step as one deployment lives", () => {
  it("first deployment: the files go in place and Prometheus, not running yet, reads them when it starts", async () => {
    stage(files());
    const r = await sync(files());
    expect(r).toMatchObject({ code: 0 });
    expect(r.output).toContain("not reloaded (nothing answered");
    expect(live("prometheus.yml")).toBe(files()["prometheus.yml"]);
    await startPrometheus();
    expect(await ruleExpr("HostDiskLow")).toContain("< 0.1");
  });

  it("without its password nothing on Prometheus's port answers, and it has no lifecycle API to reload or stop it", async () => {
    for (const p of ["/-/ready", "/metrics", "/api/v1/query?query=up"]) expect((await fetch(`http://127.0.0.1:${port}${p}`)).status).toBe(401);
    for (const p of ["/-/reload", "/-/quit"]) expect((await fetch(`http://127.0.0.1:${port}${p}`, { method: "POST", headers: headers() })).status).toBe(403);
  });

  it("a rule edit goes live by Prometheus's own reload, confirmed through its reload metrics, without a restart", async () => {
    const pid = prometheus!.pid;
    const edited = files({ HostDiskLow: { threshold: 0.05 } });
    stage(edited);
    const r = await sync(edited);
    expect(r).toMatchObject({ code: 0 });
    expect(r.output.trim().split("\n").pop()).toMatch(/^reloaded: the service loaded the new files after \d+s$/);
    expect(await ruleExpr("HostDiskLow")).toContain("< 0.05");
    expect(prometheus!.pid).toBe(pid);
  });

  it("the same files again (a password rotation re-runs the sync): nothing to reload, nothing waits", async () => {
    const same = files({ HostDiskLow: { threshold: 0.05 } });
    stage(same);
    const started = Date.now();
    const r = await sync(same);
    expect(r.code).toBe(0);
    expect(r.output.trim().split("\n").pop()).toBe("unchanged: the service already has these files");
    expect(Date.now() - started).toBeLessThan(5000);
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

  it("files Prometheus refuses to load (its checker let them through): the script sees the failed reload, puts the running configuration back and fails", async () => {
    const before = live("rules/alert_rules.yml");
    const refused = { ...files(), "rules/alert_rules.yml": "groups:\n  - name: refused\n    rules:\n      - alert: X\n        expr: up ==\n" };
    stage(refused);
    const r = await sync(refused, ["true"]);
    expect(r.code).toBe(1);
    expect(r.output).toContain("the service refused the new configuration (prometheus_config_last_reload_successful is 0; its log says why)");
    expect(r.output).toContain("the previous configuration is back in place");
    expect(live("rules/alert_rules.yml")).toBe(before);
    expect(await ruleExpr("HostDiskLow")).toContain("< 0.05");
  });

  it("after a refused reload, the next good edit still goes live and is confirmed", async () => {
    const edited = files({ HostDiskLow: { threshold: 0.07 } });
    stage(edited);
    const r = await sync(edited);
    expect(r).toMatchObject({ code: 0 });
    expect(r.output).toContain("reloaded: the service loaded the new files");
    expect(await ruleExpr("HostDiskLow")).toContain("< 0.07");
  });

  it("a Prometheus that answers 401 to the stack's password runs with an older one: not confirmed, the files stay for its replacement", async () => {
    const other = path.join(work, "other-password");
    fs.writeFileSync(other, "not-the-password");
    const edited = files({ HostDiskLow: { threshold: 0.08 } });
    stage(edited);
    const r = await sync(edited, undefined, { ...watch(), passwordFile: other });
    expect(r.code).toBe(0);
    expect(r.output).toContain("answered 401 to the stack's password");
  });

  it("no process's command line ever holds the password (busybox wget would have it in argv)", () => {
    const script = syncScript({ files: ["prometheus.yml"], validate: ["true"], reload: watch() });
    expect(script).not.toContain(password);
    expect(script).not.toMatch(/\bwget\b/);
  });
});

describe("config-sync of Alertmanager: POST /-/reload with its password", () => {
  let am: ChildProcess | undefined;
  let amPort = 0;
  const amDir = path.join(work, "am");
  const amConfig = path.join(amDir, "config");
  const amStaging = path.join(amDir, "staging");
  const amFile = (receiver: string) => ({ "alertmanager.yml": `route:\n  receiver: ${receiver}\nreceivers:\n  - name: ${receiver}\n` });
  const post = () => ({ kind: "post" as const, address: `127.0.0.1:${amPort}`, path: "/-/reload", passwordFile: passwordFile("alertmanager", secrets) });
  const amSync = (set: Record<string, string>, validate = ["amtool", "check-config", "alertmanager.yml"]) => {
    fs.rmSync(amStaging, { recursive: true, force: true });
    fs.mkdirSync(amStaging, { recursive: true });
    for (const [f, t] of Object.entries(set)) fs.writeFileSync(path.join(amStaging, f), t);
    return runScript(syncScript({ files: Object.keys(set), validate, reload: post(), configDir: amConfig, stagingDir: amStaging }), bin.dir, 60_000);
  };
  beforeAll(async () => {
    amPort = await freePort();
    fs.mkdirSync(amConfig, { recursive: true });
    expect(await amSync(amFile("first"))).toMatchObject({ code: 0 });
    const args = alertmanagerArgs({ configFile: path.join(amConfig, "alertmanager.yml"), storagePath: path.join(amDir, "data"), externalUrl: "http://am.test", webConfigFile: webConfigFile(secrets) });
    am = spawn(requireTool("alertmanager"), [...args, `--web.listen-address=127.0.0.1:${amPort}`], { stdio: "ignore" });
    const deadline = Date.now() + 30_000;
    while (!(await fetch(`http://127.0.0.1:${amPort}/-/ready`, { headers: headers() }).then((r) => r.ok, () => false))) {
      if (Date.now() > deadline) throw new Error("Alertmanager did not get ready within 30 s");
      await new Promise((r) => setTimeout(r, 200));
    }
  });
  afterAll(() => {
    am?.kill("SIGKILL");
  });
  const receiver = async () => ((await (await fetch(`http://127.0.0.1:${amPort}/api/v2/status`, { headers: headers() })).json()) as { config: { original: string } }).config.original;

  it("without the password its API refuses a silence", async () => {
    const silence = { matchers: [{ name: "alertname", value: "Watchdog", isRegex: false }], startsAt: new Date().toISOString(), endsAt: new Date(Date.now() + 3600_000).toISOString(), createdBy: "x", comment: "y" };
    const r = await fetch(`http://127.0.0.1:${amPort}/api/v2/silences`, { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify(silence) });
    expect(r.status).toBe(401);
  });

  it("amtool reaches it with the credentials in --http.config.file (runbooks/README.md), and is refused without", () => {
    const httpConfig = path.join(work, "amtool-http.yml");
    fs.writeFileSync(httpConfig, `basic_auth:\n  username: tutordex-obs\n  password: ${password}\n`, { mode: 0o600 });
    const amtool = (...extra: string[]) => spawnSync(requireTool("amtool"), [`--alertmanager.url=http://127.0.0.1:${amPort}`, ...extra, "silence", "query"], { encoding: "utf8", timeout: 30_000 });
    expect(amtool(`--http.config.file=${httpConfig}`).status).toBe(0);
    const refused = amtool();
    expect(refused.status).not.toBe(0);
    expect(`${refused.stdout}${refused.stderr}`).toMatch(/401|[Uu]nauthorized/);
  });

  it("an edit is reloaded with the password", async () => {
    const r = await amSync(amFile("second"));
    expect(r.code).toBe(0);
    expect(r.output.trim().split("\n").pop()).toBe("reloaded");
    expect(await receiver()).toContain("second");
  });

  it("a reload Alertmanager refuses fails with its answer and puts the previous file back", async () => {
    const r = await amSync({ "alertmanager.yml": "route:\n  receiver: nowhere\nreceivers: []\n" }, ["true"]);
    expect(r.code).toBe(1);
    expect(r.output).toContain("refused the reload (500)");
    expect(r.output).toContain("undefined receiver");
    expect(r.output).toContain("the previous configuration is back in place");
    expect(fs.readFileSync(path.join(amConfig, "alertmanager.yml"), "utf8")).toContain("second");
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

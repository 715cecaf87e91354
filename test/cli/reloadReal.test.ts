import { ChildProcess, spawn } from "child_process";
import * as fs from "fs";
import * as path from "path";
import { Finding } from "../../cli/doctor";
import { main } from "../../cli/main";
import { toYaml } from "../../config/yaml";
import { passwordFile, renderWebConfig, userColonPassword, webConfigFile } from "../../generators/apiAuth";
import { alertmanagerArgs, prometheusArgs } from "../../generators/commandLines";
import { newRandomPassword, newRandomPasswordHash } from "../../harness/randomPassword";
import { capture } from "../support/io";
import { useTempDirs } from "../support/tempDirs";
import { LIVE_RESEND_DELAY_FLAG } from "../../harness/liveStack";
import { freePort } from "../../harness/ports";
import { PROJECT } from "../../harness/stackFiles";
import { requireTool } from "../../harness/tools";

/**
 * `obs doctor` and `obs reload` against the pinned Prometheus and Alertmanager themselves, started
 * with the deployed command lines (web configs with a bcrypt-hashed password, Prometheus's
 * auto-reload and no lifecycle API): the identity they report (Prometheus's loaded configuration,
 * the Watchdog Alertmanager holds with the stack's external labels) and the reload metrics are
 * read as the real programs publish them, with the credentials the operator sets.
 */
const PASSWORD = newRandomPassword({ length: 32 }).result;
const ENV_KEYS = ["PROMETHEUS_AUTH", "ALERTMANAGER_AUTH"] as const;
const savedEnv: Partial<Record<(typeof ENV_KEYS)[number], string>> = {};
const authHeaders = { authorization: `Basic ${Buffer.from(userColonPassword(PASSWORD)).toString("base64")}` };

let dir: string;
const children: ChildProcess[] = [];
let prometheusUrl: string;
let alertmanagerUrl: string;
let logs = "";

const promConfig = (amPort: number, promPort: number, secrets: string) =>
  toYaml({
    global: { scrape_interval: "1s", evaluation_interval: "1s", external_labels: { stack: "shop", environment: "staging" } },
    alerting: {
      alertmanagers: [
        {
          basic_auth: { username: "tutordex-obs", password_file: passwordFile("alertmanager", secrets) },
          static_configs: [{ targets: [`127.0.0.1:${amPort}`] }],
        },
      ],
    },
    rule_files: ["rules.yml"],
    scrape_configs: [
      {
        job_name: "prometheus",
        basic_auth: { username: "tutordex-obs", password_file: passwordFile("prometheus", secrets) },
        static_configs: [{ targets: [`127.0.0.1:${promPort}`] }],
      },
    ],
  });
const AM_CONFIG = toYaml({ route: { receiver: "nobody" }, receivers: [{ name: "nobody" }] });

function start(tool: string, args: string[]): void {
  const child = spawn(requireTool(tool), args, { stdio: ["ignore", "ignore", "pipe"] });
  child.stderr.on("data", (c: Buffer) => (logs += c.toString()));
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
  dir = tmp.makeForFile("reload-real-");
  const [promPort, amPort, ...others] = await Promise.all([
    freePort(),
    freePort(),
    freePort(),
    freePort(),
    freePort(),
    freePort(),
    freePort(),
  ]);
  prometheusUrl = `http://127.0.0.1:${promPort}`;
  alertmanagerUrl = `http://127.0.0.1:${amPort}`;
  const secrets = path.join(dir, "secrets");
  fs.mkdirSync(secrets);
  for (const api of ["prometheus", "alertmanager"] as const) fs.writeFileSync(passwordFile(api, secrets), PASSWORD, { mode: 0o600 });
  fs.writeFileSync(webConfigFile(secrets), renderWebConfig(newRandomPasswordHash(PASSWORD)));
  for (const k of ENV_KEYS) {
    savedEnv[k] = process.env[k];
    process.env[k] = userColonPassword(PASSWORD);
  }
  fs.writeFileSync(path.join(dir, "prometheus.yml"), promConfig(amPort, promPort, secrets));
  fs.writeFileSync(
    path.join(dir, "rules.yml"),
    toYaml({
      groups: [{ name: "stack", interval: "1s", rules: [{ alert: "Watchdog", expr: "vector(1)", labels: { severity: "none" } }] }],
    }),
  );
  fs.writeFileSync(path.join(dir, "alertmanager.yml"), AM_CONFIG);
  const hostPorts = {
    prometheus: promPort,
    alertmanager: amPort,
    grafana: others[0],
    loki: others[1],
    tempo: others[2],
    otlpGrpc: others[3],
    otlpHttp: others[4],
  };
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
  start("alertmanager", [
    ...alertmanagerArgs({
      configFile: path.join(dir, "alertmanager.yml"),
      storagePath: path.join(dir, "am"),
      externalUrl: alertmanagerUrl,
      webConfigFile: webConfigFile(secrets),
    }),
    `--web.listen-address=127.0.0.1:${amPort}`,
  ]);
  start("prometheus", [
    ...prometheusArgs({
      configFile: path.join(dir, "prometheus.yml"),
      storagePath: path.join(dir, "tsdb"),
      retention: "1d",
      remoteWriteReceiver: false,
      webConfigFile: webConfigFile(secrets),
    }),
    `--web.listen-address=127.0.0.1:${promPort}`,
    // The live tier's resend delay, a speed-up that only shortens a wait: CI once lost the race
    // it covers, and the Watchdog would have come a minute later.
    LIVE_RESEND_DELAY_FLAG,
  ]);
  // The Watchdog reaches Alertmanager one evaluation and one send after start, or one resend later.
  await until(
    "the Watchdog reaching Alertmanager",
    async () => ((await (await fetch(`${alertmanagerUrl}/api/v2/alerts`, { headers: authHeaders })).json()) as unknown[]).length > 0,
  );
}, 60_000);

afterAll(async () => {
  for (const k of ENV_KEYS) {
    if (savedEnv[k] === undefined) delete process.env[k];
    else process.env[k] = savedEnv[k];
  }
  await Promise.all(
    children.map((c) => {
      if (c.exitCode !== null) return Promise.resolve();
      const exited = new Promise((r) => c.once("exit", r));
      c.kill("SIGTERM");
      return exited;
    }),
  );
});
// Its own hook: the folder goes even if a child never exits and the stop above times out.
const tmp = useTempDirs();

it("doctor --stack: the real Prometheus and Alertmanager show they are the stack's", async () => {
  const io = capture();
  await main(["doctor", "--stack", "shop", "--json", "--timeout", "5000"], io, dir);
  const findings = Object.fromEntries((JSON.parse(io.text()) as { findings: Finding[] }).findings.map((f) => [f.check, f]));
  expect(findings["prometheus is the stack's"]).toEqual({
    check: "prometheus is the stack's",
    ok: true,
    detail: `${prometheusUrl}: stack shop's (external labels stack="shop", environment="staging")`,
  });
  expect(findings["alertmanager is the stack's"]).toEqual({
    check: "alertmanager is the stack's",
    ok: true,
    detail: `${alertmanagerUrl}: stack shop's (it holds alerts of stack shop, the Watchdog among them)`,
  });
});

it("without the credentials both refuse even readiness, and doctor says which variable to set", async () => {
  for (const url of [`${prometheusUrl}/-/ready`, `${alertmanagerUrl}/-/ready`, `${prometheusUrl}/metrics`])
    expect((await fetch(url)).status).toBe(401);
  const io = capture();
  const saved = process.env.PROMETHEUS_AUTH;
  delete process.env.PROMETHEUS_AUTH;
  try {
    expect(await main(["doctor", "--stack", "shop", "--json"], io, dir)).toBe(1);
  } finally {
    process.env.PROMETHEUS_AUTH = saved;
  }
  expect(io.text()).toContain("set PROMETHEUS_AUTH=user:password");
});

it("reload --stack: Alertmanager reloaded, Prometheus's own last reload shown, as the programs' metrics say", async () => {
  const io = capture();
  expect(await main(["reload", "--stack", "shop"], io, dir)).toBe(0);
  expect(io.text()).toMatch(
    /^prometheus: reloads its files by itself \(--config.auto-reload, every 5s\); its last reload succeeded: configuration loaded at \d{4}-\d\d-\d\dT[\d:.]+Z\nalertmanager: reloaded: configuration loaded at \d{4}-\d\d-\d\dT[\d:.]+Z$/,
  );
  // No lifecycle API on Prometheus, even with the password.
  for (const p of ["/-/reload", "/-/quit"])
    expect((await fetch(`${prometheusUrl}${p}`, { method: "POST", headers: authHeaders })).status).toBe(403);
});

it("a broken configuration: Prometheus's own reload of it fails and Alertmanager refuses it; obs says so and exits 1", async () => {
  fs.writeFileSync(path.join(dir, "prometheus.yml"), "global: [\n");
  fs.writeFileSync(path.join(dir, "alertmanager.yml"), "route: {receiver: missing}\n");
  const failed = async () =>
    (await (await fetch(`${prometheusUrl}/metrics`, { headers: authHeaders })).text()).includes(
      "prometheus_config_last_reload_successful 0",
    );
  await until("Prometheus reloading the broken file by itself", failed, 30_000);
  const io = capture();
  expect(await main(["reload", "--stack", "shop"], io, dir)).toBe(1);
  expect(io.text()).toMatch(
    /^prometheus: reloads its files by itself \(--config.auto-reload, every 5s\); its last reload FAILED \(prometheus_config_last_reload_successful is 0\): it still runs the configuration it loaded at .*\nalertmanager: refused \(500: failed to reload config: .*missing.*\)$/s,
  );
});

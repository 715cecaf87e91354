import * as fs from "fs";
import * as http from "http";
import * as path from "path";
import { confirmReload, reloadState } from "../../cli/configReload";
import { doctor, Finding } from "../../cli/doctor";
import { main } from "../../cli/main";
import { reload } from "../../cli/reload";
import { capture } from "../support/io";
import { useTempDirs } from "../support/tempDirs";
import { freePort } from "../../harness/ports";
import { PROJECT } from "../../harness/stackFiles";

/**
 * `obs doctor` and `obs reload` against small loopback fakes of Prometheus, Alertmanager,
 * Grafana, Loki and Tempo: every check must be about the stack it was given (another stack's
 * service fails), a switched-off service is not probed, Grafana is reached at its API URL, and a
 * reload is "reloaded" only when the program's own metrics show it took.
 */

interface Fake {
  readonly url: string;
  readonly port: number;
  /** `METHOD path` of every request, in order. */
  readonly hits: string[];
  close(): Promise<void>;
}

type Reply = { status?: number; json?: unknown; text?: string } | undefined;

async function fake(handle: (method: string, path: string, req: http.IncomingMessage) => Reply): Promise<Fake> {
  const port = await freePort();
  const hits: string[] = [];
  const server = http.createServer((req, res) => {
    const pathname = new URL(req.url ?? "/", "http://x").pathname;
    hits.push(`${req.method} ${pathname}`);
    const r = handle(req.method ?? "GET", pathname, req) ?? { status: 404, text: "404 page not found" };
    res.writeHead(r.status ?? 200, { "content-type": r.json !== undefined ? "application/json" : "text/plain" });
    res.end(r.json !== undefined ? JSON.stringify(r.json) : (r.text ?? ""));
  });
  await new Promise<void>((resolve) => server.listen(port, "127.0.0.1", resolve));
  return { url: `http://127.0.0.1:${port}`, port, hits, close: () => new Promise((resolve) => server.close(() => resolve())) };
}

/** How a fake answers POST /-/reload, and what its metrics then say. */
type ReloadBehaviour = "takes" | "fails but answers 200" | "answers 200 and does nothing" | "refuses";

interface ReloadingState {
  successful: number;
  at: number;
}

function reloadRoutes(prefix: "prometheus" | "alertmanager", behaviour: ReloadBehaviour, state: ReloadingState) {
  return (method: string, p: string): Reply => {
    if (p === "/metrics") {
      return {
        text: `# HELP x\n${prefix}_config_last_reload_successful ${state.successful}\n${prefix}_config_last_reload_success_timestamp_seconds ${state.at}\n`,
      };
    }
    if (method === "POST" && p === "/-/reload") {
      if (behaviour === "takes") Object.assign(state, { successful: 1, at: state.at + 1.5 });
      if (behaviour === "fails but answers 200") state.successful = 0;
      if (behaviour === "refuses") return { status: 500, text: "failed to reload config: parsing YAML file prometheus.yml: bad" };
      return { text: "" };
    }
    return undefined;
  };
}

/** user:password a guarded fake wants (as the stack's web configs do); the stack's are random. */
const API_AUTH = "tutordex-obs:0123456789abcdefABCDEF0123456789";
const guarded =
  (handle: (method: string, p: string, req: http.IncomingMessage) => Reply) =>
  (method: string, p: string, req: http.IncomingMessage): Reply =>
    req.headers.authorization === `Basic ${Buffer.from(API_AUTH).toString("base64")}`
      ? handle(method, p, req)
      : { status: 401, text: "Unauthorized\n" };

function fakePrometheus(
  labels: Record<string, string>,
  behaviour: ReloadBehaviour = "takes",
  opts: { readonly guarded?: boolean; readonly lastReload?: ReloadingState } = {},
): Promise<Fake> {
  const state = opts.lastReload ?? { successful: 1, at: 1_760_000_000.25 };
  const reloads = reloadRoutes("prometheus", behaviour, state);
  const yaml = `global:\n  scrape_interval: 15s\n  external_labels:\n${Object.entries(labels)
    .map(([k, v]) => `    ${k}: ${v}\n`)
    .join("")}`;
  const handle = (method: string, p: string, req: http.IncomingMessage): Reply => {
    if (p === "/-/ready") return { text: "Prometheus Server is Ready.\n" };
    if (p === "/api/v1/status/config") return { json: { status: "success", data: { yaml } } };
    if (p === "/api/v1/targets")
      return {
        json: {
          status: "success",
          data: { activeTargets: [{ health: "up", labels: { job: "prometheus", instance: "prometheus:9090" }, lastError: "" }] },
        },
      };
    if (p === "/api/v1/rules")
      return { json: { status: "success", data: { groups: [{ name: "tutordex_stack", rules: [{ name: "Watchdog", health: "ok" }] }] } } };
    if (p === "/api/v1/query") {
      const q = new URL(req.url ?? "", "http://x").searchParams.get("query") ?? "";
      return {
        json: { status: "success", data: { resultType: "vector", result: q.startsWith("up{") ? [{ metric: {}, value: [0, "1"] }] : [] } },
      };
    }
    return reloads(method, p);
  };
  return fake(opts.guarded ? guarded(handle) : handle);
}

function fakeAlertmanager(
  alertStacks: readonly string[],
  behaviour: ReloadBehaviour = "takes",
  peerName = "01JABCDEF",
  opts: { readonly guarded?: boolean } = {},
): Promise<Fake> {
  const state = { successful: 1, at: 1_760_000_000.5 };
  const reloads = reloadRoutes("alertmanager", behaviour, state);
  const handle = (method: string, p: string): Reply => {
    if (p === "/-/ready") return { text: "OK" };
    if (p === "/api/v2/status")
      return { json: { cluster: { name: peerName, status: "ready", peers: [] }, config: { original: "global: {}\n" } } };
    if (p === "/api/v2/alerts")
      return { json: alertStacks.map((stack) => ({ labels: { alertname: "Watchdog", severity: "none", stack } })) };
    return reloads(method, p);
  };
  return fake(opts.guarded ? guarded(handle) : handle);
}

const AUTH = "admin:test-admin-password";

function fakeGrafana(prometheusLabels: Record<string, string>): Promise<Fake> {
  const yaml = `global:\n  external_labels:\n${Object.entries(prometheusLabels)
    .map(([k, v]) => `    ${k}: ${v}\n`)
    .join("")}`;
  return fake((_m, p, req) => {
    if (p === "/api/health") return { json: { database: "ok", version: "12.0.0" } };
    if (req.headers.authorization !== `Basic ${Buffer.from(AUTH).toString("base64")}`)
      return { status: 401, json: { message: "Unauthorized" } };
    if (p === "/api/datasources/proxy/uid/prometheus/api/v1/status/config") return { json: { status: "success", data: { yaml } } };
    const health = /^\/api\/datasources\/uid\/(\w+)\/health$/.exec(p);
    if (health) return { json: { status: "OK", message: `${health[1]} is working` } };
    return undefined;
  });
}

const fakeLoki = (containers: readonly string[]) =>
  fake((_m, p) => {
    if (p === "/ready") return { text: "ready\n" };
    if (p === "/loki/api/v1/label/container/values") return { json: { status: "success", data: containers } };
    return undefined;
  });

const fakeTempo = () => fake((_m, p) => (p === "/ready" ? { text: "ready\n" } : undefined));

const OURS = { stack: "shop", environment: "staging" };
const OUR_CONTAINERS = ["tutordex-obs-shop-grafana", "tutordex-obs-shop-prometheus", "backend-1"];

let root: string;
const running: Fake[] = [];
const started = async (f: Promise<Fake>) => {
  const x = await f;
  running.push(x);
  return x;
};

beforeEach(() => (root = tmp.make("doctor-reload-")));
afterEach(async () => {
  await Promise.all(running.splice(0).map((f) => f.close()));
});
const tmp = useTempDirs();

/** Pulumi.shop.yaml publishing each service on the given port; Grafana's external URL is a public name that must never be probed. */
async function stackFile(
  ports: { prometheus: number; alertmanager: number; grafana?: number; loki?: number; tempo?: number },
  extra: string[] = [],
): Promise<void> {
  const port = async (p: number | undefined) => p ?? (await freePort());
  const hostPorts = {
    prometheus: ports.prometheus,
    alertmanager: ports.alertmanager,
    grafana: await port(ports.grafana),
    loki: await port(ports.loki),
    tempo: await port(ports.tempo),
    otlpGrpc: await freePort(),
    otlpHttp: await freePort(),
  };
  const lines = [
    "config:",
    `  ${PROJECT}:environment: staging`,
    `  ${PROJECT}:runbookBaseUrl: https://rb.test/runbooks`,
    `  ${PROJECT}:grafanaExternalUrl: https://grafana.invalid`,
    `  ${PROJECT}:grafanaApiUrl: http://127.0.0.1:${hostPorts.grafana}`,
    `  ${PROJECT}:hostPorts:`,
    ...Object.entries(hostPorts).map(([k, v]) => `    ${k}: ${v}`),
    ...extra.map((l) => `  ${l}`),
  ];
  fs.writeFileSync(path.join(root, "Pulumi.shop.yaml"), `${lines.join("\n")}\n`);
}

async function runDoctor(env: NodeJS.ProcessEnv = {}, ...flags: string[]): Promise<{ code: number; findings: Finding[] }> {
  const io = capture();
  const code = await doctor(["--stack", "shop", "--json", "--timeout", "3000", ...flags], root, io, env);
  return { code, findings: (JSON.parse(io.text()) as { findings: Finding[] }).findings };
}

const byCheck = (findings: Finding[]) => Object.fromEntries(findings.map((f) => [f.check, f]));

describe("obs doctor against Prometheus and Alertmanager that answer only with credentials", () => {
  it("with PROMETHEUS_AUTH and ALERTMANAGER_AUTH every check passes; without, readiness fails with the 401 and says which variable to set", async () => {
    const [p, a] = await Promise.all([
      started(fakePrometheus(OURS, "takes", { guarded: true })),
      started(fakeAlertmanager(["shop"], "takes", undefined, { guarded: true })),
    ]);
    await stackFile({ prometheus: p.port, alertmanager: a.port }, [
      "tutordex-observability:services: {grafana: false, loki: false, promtail: false, tempo: false}",
    ]);
    const ok = await runDoctor({ PROMETHEUS_AUTH: API_AUTH, ALERTMANAGER_AUTH: API_AUTH });
    expect(ok.findings.filter((f) => !f.ok)).toEqual([]);
    expect(ok.code).toBe(0);
    const refused = byCheck((await runDoctor({})).findings);
    expect(refused["prometheus ready"]).toEqual({
      check: "prometheus ready",
      ok: false,
      detail: `${p.url}/-/ready → 401 (prometheus answers only with credentials: set PROMETHEUS_AUTH=user:password (pulumi stack output prometheusAuth --show-secrets))`,
    });
    expect(refused["alertmanager ready"]).toMatchObject({
      ok: false,
      detail: expect.stringContaining("set ALERTMANAGER_AUTH=user:password"),
    });
  });
});

describe("obs doctor --stack", () => {
  it("passes a stack whose every service shows it is the stack's, and reaches Grafana at grafanaApiUrl, not the public URL", async () => {
    const [p, a, g, l, t] = await Promise.all([
      started(fakePrometheus(OURS)),
      started(fakeAlertmanager(["shop"])),
      started(fakeGrafana(OURS)),
      started(fakeLoki(OUR_CONTAINERS)),
      started(fakeTempo()),
    ]);
    await stackFile({ prometheus: p.port, alertmanager: a.port, grafana: g.port, loki: l.port, tempo: t.port });
    const r = await runDoctor({ GRAFANA_AUTH: AUTH });
    const f = byCheck(r.findings);
    expect(r.findings.filter((x) => !x.ok)).toEqual([]);
    expect(r.code).toBe(0);
    expect(f["prometheus is the stack's"].detail).toBe(`${p.url}: stack shop's (external labels stack="shop", environment="staging")`);
    expect(f["alertmanager is the stack's"].detail).toBe(`${a.url}: stack shop's (it holds alerts of stack shop, the Watchdog among them)`);
    expect(f["loki is the stack's"].detail).toBe(`${l.url}: stack shop's (it holds logs of its tutordex-obs-shop-… containers)`);
    expect(f["grafana ready"].detail).toBe(`${g.url}/api/health → 200`);
    expect(f["grafana is the stack's"].detail).toContain("its Prometheus datasource reaches a Prometheus that is stack shop's");
    expect(g.hits).toContain("GET /api/datasources/proxy/uid/prometheus/api/v1/status/config");
  });

  it("without GRAFANA_AUTH, says that whose Grafana it is was not checked", async () => {
    const [p, a, g] = await Promise.all([started(fakePrometheus(OURS)), started(fakeAlertmanager(["shop"])), started(fakeGrafana(OURS))]);
    await stackFile({ prometheus: p.port, alertmanager: a.port, grafana: g.port });
    const f = byCheck((await runDoctor()).findings);
    expect(f["grafana ready"]).toEqual({
      check: "grafana ready",
      ok: true,
      detail: `${g.url}/api/health → 200 (whose Grafana it is is checked with GRAFANA_AUTH=user:password set)`,
    });
  });

  it("does not probe the services the stack switches off, and shows them as off", async () => {
    const [p, a] = await Promise.all([started(fakePrometheus(OURS)), started(fakeAlertmanager(["shop"]))]);
    // Nothing listens on the ports of the switched-off services, as on a host where they do not run.
    await stackFile({ prometheus: p.port, alertmanager: a.port }, [
      `${PROJECT}:services:`,
      ...["grafana", "loki", "alloy", "tempo", "otelCollector"].map((s) => `    ${s}: false`),
    ]);
    const io = capture();
    expect(await doctor(["--stack", "shop", "--timeout", "3000"], root, io, {})).toBe(0);
    for (const s of ["grafana", "loki", "tempo"])
      expect(io.text()).toMatch(new RegExp(`^${s}\\s+off\\s+switched off \\(services.${s}: false\\): not probed$`, "m"));
    expect(io.text()).not.toMatch(/FAIL/);
  });

  it("refuses a URL flag for a service the stack switches off", async () => {
    await stackFile({ prometheus: await freePort(), alertmanager: await freePort() }, [
      `${PROJECT}:services:`,
      "    tempo: false",
      "    otelCollector: false",
    ]);
    const io = capture();
    expect(await main(["doctor", "--stack", "shop", "--tempo", "http://127.0.0.1:3200"], io, root)).toBe(2);
    expect(io.text()).toBe(
      "obs doctor: --tempo: stack shop switches tempo off (services.tempo: false), so nothing at that URL is this stack's",
    );
  });

  it("fails another stack's Prometheus on the stack's port, and does not report its targets and rules as the stack's", async () => {
    const [p, a] = await Promise.all([
      started(fakePrometheus({ stack: "prod", environment: "prod" })),
      started(fakeAlertmanager(["shop"])),
    ]);
    await stackFile({ prometheus: p.port, alertmanager: a.port }, [
      `${PROJECT}:services:`,
      ...["grafana", "loki", "alloy", "tempo", "otelCollector"].map((s) => `    ${s}: false`),
    ]);
    const r = await runDoctor();
    expect(r.code).toBe(1);
    expect(byCheck(r.findings)["prometheus is the stack's"]).toEqual({
      check: "prometheus is the stack's",
      ok: false,
      detail: `${p.url}: not stack shop's: its external labels say stack="prod", environment="prod", the stack's are stack="shop", environment="staging"; its targets and rules are not checked`,
    });
    expect(r.findings.map((f) => f.check)).not.toContain("scrape targets");
    expect(p.hits).not.toContain("GET /api/v1/targets");
  });

  it("fails a Prometheus without the stack's external labels (not one of this project's)", async () => {
    const [p, a] = await Promise.all([started(fakePrometheus({})), started(fakeAlertmanager(["shop"]))]);
    await stackFile({ prometheus: p.port, alertmanager: a.port });
    const f = byCheck((await runDoctor()).findings);
    expect(f["prometheus is the stack's"].ok).toBe(false);
    expect(f["prometheus is the stack's"].detail).toContain("not stack shop's: its configuration has no stack external label");
  });

  it.each([
    ["holds another stack's alerts only", ["prod"], "not stack shop's: it holds alerts of stack prod only"],
    ["holds no alert at all", [], "holds no alert of stack shop, not even the Watchdog that always fires"],
  ])("fails an Alertmanager that %s", async (_name, stacks, said) => {
    const [p, a] = await Promise.all([started(fakePrometheus(OURS)), started(fakeAlertmanager(stacks))]);
    await stackFile({ prometheus: p.port, alertmanager: a.port });
    const f = byCheck((await runDoctor()).findings);
    expect(f["alertmanager is the stack's"]).toEqual({
      check: "alertmanager is the stack's",
      ok: false,
      detail: expect.stringContaining(said),
    });
  });

  it("fails a clustered Alertmanager whose peer name is not the stack's", async () => {
    const [p, a] = await Promise.all([started(fakePrometheus(OURS)), started(fakeAlertmanager(["shop", "prod"], "takes", "prod"))]);
    // Peers reach a clustered Alertmanager's published port, so it binds beyond loopback; doctor still asks on loopback.
    await stackFile({ prometheus: p.port, alertmanager: a.port }, [
      `${PROJECT}:bindAddress: 0.0.0.0`,
      `${PROJECT}:alertmanagerCluster:`,
      "    listenAddress: 10.0.0.5",
      "    peers:",
      "      - gossip: 10.0.0.6:9094",
      "        api: 10.0.0.6:9093",
    ]);
    const f = byCheck((await runDoctor()).findings);
    expect(f["alertmanager is the stack's"]).toEqual({
      check: "alertmanager is the stack's",
      ok: false,
      detail: `${a.url}: not stack shop's: its cluster peer name is "prod", the stack's is "shop"`,
    });
  });

  it("fails a Loki that holds only another stack's logs, and a Grafana whose Prometheus is another stack's", async () => {
    const [p, a, g, l] = await Promise.all([
      started(fakePrometheus(OURS)),
      started(fakeAlertmanager(["shop"])),
      started(fakeGrafana({ stack: "prod", environment: "prod" })),
      started(fakeLoki(["tutordex-obs-prod-grafana", "backend-1"])),
    ]);
    await stackFile({ prometheus: p.port, alertmanager: a.port, grafana: g.port, loki: l.port });
    const r = await runDoctor({ GRAFANA_AUTH: AUTH });
    const f = byCheck(r.findings);
    expect(r.code).toBe(1);
    expect(f["loki is the stack's"]).toEqual({
      check: "loki is the stack's",
      ok: false,
      detail: `${l.url}: not stack shop's: it holds logs of tutordex-obs-prod-grafana, none of tutordex-obs-shop-…`,
    });
    expect(f["grafana is the stack's"].ok).toBe(false);
    expect(f["grafana is the stack's"].detail).toContain(
      'its Prometheus datasource reaches a Prometheus that is not stack shop\'s: its external labels say stack="prod"',
    );
  });
});

describe("obs reload", () => {
  const runReload = async (...argv: string[]) => {
    const io = capture();
    return { code: await main(["reload", ...argv], io, root), text: io.text() };
  };

  const PROMETHEUS_AUTO = "prometheus: reloads its files by itself (--config.auto-reload, every 5s);";

  it("Alertmanager: reloaded when its metrics show a newer successful reload; Prometheus (no reload endpoint): its last reload, and never a POST", async () => {
    const [p, a] = await Promise.all([started(fakePrometheus(OURS)), started(fakeAlertmanager(["shop"]))]);
    await stackFile({ prometheus: p.port, alertmanager: a.port });
    expect(await runReload("--stack", "shop")).toEqual({
      code: 0,
      text: `${PROMETHEUS_AUTO} its last reload succeeded: configuration loaded at 2025-10-09T08:53:20.250Z\nalertmanager: reloaded: configuration loaded at 2025-10-09T08:53:22.000Z`,
    });
    expect(p.hits.filter((h) => h.startsWith("POST"))).toEqual([]);
    expect(a.hits).toContain("POST /-/reload");
  });

  it("a Prometheus whose last reload failed: says it still runs its older configuration, and exits 1", async () => {
    const p = await started(fakePrometheus(OURS, "takes", { lastReload: { successful: 0, at: 1_760_000_000.25 } }));
    expect(await runReload("--prometheus", p.url)).toEqual({
      code: 1,
      text: `${PROMETHEUS_AUTO} its last reload FAILED (prometheus_config_last_reload_successful is 0): it still runs the configuration it loaded at 2025-10-09T08:53:20.250Z (its log says why)`,
    });
  });

  it("reports an Alertmanager reload that answers 200 but fails as failed, and exits 1", async () => {
    const a = await started(fakeAlertmanager(["shop"], "fails but answers 200"));
    const r = await runReload("--alertmanager", a.url);
    expect(r).toEqual({
      code: 1,
      text: "alertmanager: answered 200, but the reload failed: alertmanager_config_last_reload_successful is 0, so alertmanager still runs the configuration it loaded at 2025-10-09T08:53:20.500Z (its log says why)",
    });
  });

  it("reports a 200 after which nothing changed as not taken", async () => {
    const a = await started(fakeAlertmanager(["shop"], "answers 200 and does nothing"));
    const r = await runReload("--alertmanager", a.url, "--timeout", "600");
    expect(r).toEqual({
      code: 1,
      text: "alertmanager: answered 200, but the reload did not take: alertmanager_config_last_reload_success_timestamp_seconds stayed at 2025-10-09T08:53:20.500Z",
    });
  });

  it("reports what a refusing program said", async () => {
    const a = await started(fakeAlertmanager(["shop"], "refuses"));
    expect(await runReload("--alertmanager", a.url)).toEqual({
      code: 1,
      text: "alertmanager: refused (500: failed to reload config: parsing YAML file prometheus.yml: bad)",
    });
  });

  it("sends PROMETHEUS_AUTH and ALERTMANAGER_AUTH; without them a 401 names the variable and where its value comes from", async () => {
    const [p, a] = await Promise.all([
      started(fakePrometheus(OURS, "takes", { guarded: true })),
      started(fakeAlertmanager(["shop"], "takes", undefined, { guarded: true })),
    ]);
    await stackFile({ prometheus: p.port, alertmanager: a.port });
    const run = async (env: NodeJS.ProcessEnv) => {
      const io = capture();
      return { code: await reload(["--stack", "shop"], root, io, env), text: io.text() };
    };
    const withAuth = await run({ PROMETHEUS_AUTH: API_AUTH, ALERTMANAGER_AUTH: API_AUTH });
    expect(withAuth.code).toBe(0);
    expect(withAuth.text).toContain("alertmanager: reloaded");
    const without = await run({});
    expect(without.code).toBe(1);
    expect(without.text).toBe(
      [
        `prometheus: not reloaded: ${p.url} ${p.url}/api/v1/status/config answered 401: Unauthorized; prometheus answers only with credentials: set PROMETHEUS_AUTH=user:password (pulumi stack output prometheusAuth --show-secrets)`,
        `alertmanager: not reloaded: ${a.url} ${a.url}/api/v2/alerts answered 401: Unauthorized; alertmanager answers only with credentials: set ALERTMANAGER_AUTH=user:password (pulumi stack output alertmanagerAuth --show-secrets)`,
      ].join("\n"),
    );
  });

  it("does not reload another stack's Prometheus or Alertmanager", async () => {
    const [p, a] = await Promise.all([
      started(fakePrometheus({ stack: "prod", environment: "prod" })),
      started(fakeAlertmanager(["prod"])),
    ]);
    await stackFile({ prometheus: p.port, alertmanager: a.port });
    const r = await runReload("--stack", "shop");
    expect(r.code).toBe(1);
    expect(r.text).toBe(
      [
        `prometheus: not reloaded: ${p.url} is not stack shop's: its external labels say stack="prod", environment="prod", the stack's are stack="shop", environment="staging"`,
        `alertmanager: not reloaded: ${a.url} is not stack shop's: it holds alerts of stack prod only`,
      ].join("\n"),
    );
    expect([...p.hits, ...a.hits].filter((h) => h.startsWith("POST"))).toEqual([]);
  });

  it("reloads an Alertmanager that holds no alert yet, saying its owner is not confirmed", async () => {
    const [p, a] = await Promise.all([started(fakePrometheus(OURS)), started(fakeAlertmanager([]))]);
    await stackFile({ prometheus: p.port, alertmanager: a.port });
    const r = await runReload("--stack", "shop");
    expect(r.code).toBe(0);
    expect(r.text).toContain(
      "alertmanager: reloaded: configuration loaded at 2025-10-09T08:53:22.000Z; whose it is is not confirmed: it holds no alert of stack shop",
    );
  });

  it("does not call a program that publishes no reload metrics reloaded", async () => {
    const other = await started(fake((method) => (method === "POST" ? { text: "" } : { text: "hello" })));
    const r = await runReload("--prometheus", other.url);
    expect(r).toEqual({
      code: 1,
      text: `prometheus: not reloaded: ${other.url} ${other.url}/metrics has no prometheus_config_last_reload_successful and prometheus_config_last_reload_success_timestamp_seconds: is this prometheus?`,
    });
    expect(other.hits).not.toContain("POST /-/reload");
  });
});

describe("confirmReload (the one place that reads whether a reload took)", () => {
  it("waits for a reload that happens without a request (a file watch), and sees it take", async () => {
    const state = { successful: 1, at: 100 };
    const p = await started(
      fake((_m, pathname) =>
        pathname === "/metrics"
          ? {
              text: `prometheus_config_last_reload_successful ${state.successful}\nprometheus_config_last_reload_success_timestamp_seconds ${state.at}\n`,
            }
          : undefined,
      ),
    );
    const before = await reloadState("prometheus", p.url, 1000);
    setTimeout(() => (state.at = 160), 300);
    expect(await confirmReload("prometheus", p.url, before, 5000, 50)).toEqual({
      took: true,
      detail: "reloaded: configuration loaded at 1970-01-01T00:02:40.000Z",
    });
  });

  it("a failure that was already there before is not this reload's success, and waits out the time", async () => {
    const p = await started(
      fake((_m, pathname) =>
        pathname === "/metrics"
          ? { text: "prometheus_config_last_reload_successful 0\nprometheus_config_last_reload_success_timestamp_seconds 100\n" }
          : undefined,
      ),
    );
    const before = await reloadState("prometheus", p.url, 1000);
    const outcome = await confirmReload("prometheus", p.url, before, 300, 50);
    expect(outcome).toEqual({
      took: false,
      detail:
        "the reload did not take: prometheus_config_last_reload_successful is 0 (the last reload failed) and the last successful one is still 1970-01-01T00:01:40.000Z",
    });
  });
});

import { ChildProcess, spawn } from "child_process";
import * as fs from "fs";
import * as http from "http";
import { AddressInfo } from "net";
import * as os from "os";
import * as path from "path";
import * as yaml from "js-yaml";
import { BridgeConfig, loadConfig } from "../bridge/src/config";
import { Logger } from "../bridge/src/log";
import { BridgeDeps, RunningBridge, startBridge } from "../bridge/src/server";
import { PeerAddresses } from "../config/services";
import { AlertOverride, StackConfig } from "../config/schema";
import { bridgeDedupeWindows, renderAlertmanagerConfig, RouteTimingField } from "../generators/alertmanager";
import { bundleBridge } from "../components/telegramBridge";
import {
  API_USER,
  passwordFile,
  PROTECTED_APIS,
  ProtectedApi,
  renderWebConfig,
  userColonPassword,
  webConfigFile,
} from "../generators/apiAuth";
import { renderBlackboxConfig } from "../generators/blackbox";
import {
  alertmanagerArgs,
  blackboxArgs,
  nodeExporterArgs,
  otelCollectorArgs,
  prometheusArgs,
  PrometheusFlags,
} from "../generators/commandLines";
import { CollectorListen, renderOtelCollectorConfig } from "../generators/otelCollector";
import { renderPrometheusConfig } from "../generators/prometheus";
import { RECORDING_RULES } from "../rules/catalog";
import { ruleSettings } from "../rules/context";
import { RecordingDefinition } from "../rules/model";
import { renderRuleFiles } from "../rules/render";
import { startSimulator, Simulator } from "../simulator/src/app";
import { FakeTelegram } from "./fakeTelegram";
import { stackConfig } from "./fixtures";
import { freePort } from "./ports";
import { newRandomPassword, newRandomPasswordHash } from "./randomPassword";
import { requireTool } from "./tools";

/** Jobs whose programs cannot run on this machine (AGPL or not served as a Go module): left out of the live config. */
export const ABSENT_JOBS = ["grafana", "loki", "promtail", "alloy", "tempo", "cadvisor"];
/** The exporter whose series each metric prefix names, for the recording rules a live stack can feed. */
const EXPORTER_OF_PREFIX = { container_: "cadvisor", node_: "nodeExporter" } as const;

/**
 * The recording rules whose inputs a live stack has: a rule reading cAdvisor's `container_*` or
 * node_exporter's `node_*` series records nothing where that exporter is absent (the promtool
 * cases and bench:dashboards cover those rules).
 */
export function recordingRulesFed(absent: readonly ("cadvisor" | "nodeExporter")[]): readonly RecordingDefinition[] {
  return RECORDING_RULES.filter(
    (r) =>
      !Object.entries(EXPORTER_OF_PREFIX).some(
        ([prefix, exporter]) => absent.includes(exporter) && new RegExp(`\\b${prefix}\\w+`).test(r.expr),
      ),
  );
}

/** Services of those jobs whose readiness blackbox_stack_ready would probe: their probe targets are left out too. */
export const ABSENT_READINESS = ["loki", "tempo"];

/**
 * The resend delay the live tier gives Prometheus: an alert evaluated before the notifier has
 * discovered its Alertmanagers is dropped without a word and sent again only after this delay, a
 * minute by default, as long as some tests wait for an alert in all.
 */
export const LIVE_RESEND_DELAY_FLAG = "--rules.alert.resend-delay=2s";

/**
 * The flags the live tier adds to the deployed command lines (generators/commandLines.ts): a
 * loopback listen address, and speed-ups that only shorten waits. Nothing else may differ.
 */
export const LIVE_ONLY_FLAGS = {
  prometheus: ["--web.listen-address", LIVE_RESEND_DELAY_FLAG.split("=")[0]],
  alertmanager: ["--web.listen-address"],
  blackbox_exporter: ["--web.listen-address"],
  node_exporter: [] as string[],
  otelcol: [] as string[],
} as const;
export type LiveProgram = keyof typeof LIVE_ONLY_FLAGS;

/** Shortened `for` durations so incidents complete in seconds; thresholds stay as deployed unless named. */
export const LIVE_OVERRIDES: Record<string, AlertOverride> = {
  QueueBacklogGrowingNoThroughput: { for: "2s" },
  PublicApiDown: { for: "2s" },
  BlackboxProbeFailed: { for: "2s" },
  LLMFailureSpike: { for: "2s", threshold: 0.01 },
  ParseErrorFractionHigh: { for: "2s" },
};

/** A program the harness started: what it was started with, for tests that check it is the deployed command line. */
export interface StartedProgram {
  readonly name: LiveProgram | "otelcol-sink";
  readonly pid: number;
  readonly argv: readonly string[];
  /** The deployed command line it was started from (generators/commandLines.ts with local paths). */
  readonly deployed: readonly string[];
}

/** What the second collector (the OTLP sink standing in for Tempo and Loki) passed on, as OTLP/JSON requests. */
export interface OtlpSink {
  requests(signal: "traces" | "logs"): readonly any[];
}

export interface LiveStack {
  /** The stack's own temporary folder (configs, data, credentials); stop() removes it. */
  readonly dir: string;
  /** Each protected API's password, as the deployment generates one (generators/apiAuth.ts). */
  readonly passwords: Readonly<Record<ProtectedApi, string>>;
  /** The Authorization header of each protected API. */
  readonly auth: Readonly<Record<ProtectedApi, Record<string, string>>>;
  /** fetch with the credentials of whichever protected API the URL belongs to (as the stack's own clients send them). */
  request(url: string, init?: RequestInit): Promise<Response>;
  readonly prometheus: string;
  readonly alertmanager: string;
  readonly bridgeUrl: string;
  readonly nodeExporter: string;
  readonly blackbox: string;
  readonly telegram: FakeTelegram;
  readonly sim: Simulator;
  readonly publicUrl: string;
  /** The stack's OTEL Collector (the built otelcol with the generated config): OTLP/HTTP, health and own metrics. */
  readonly collector: { readonly otlpHttp: string; readonly health: string; readonly metrics: string };
  readonly sink: OtlpSink;
  /** The stack's configuration, as the live tier rendered it. */
  readonly config: StackConfig;
  readonly programs: readonly StartedProgram[];
  bridge: RunningBridge;
  /** The last lines each started program wrote to stderr, with its exit code if it died. */
  processLogs(): string;
  stopBridge(): Promise<void>;
  startBridge(): Promise<void>;
  /** SIGKILL, as the kernel or `docker kill` would (only with `bridgeAsProcess`). */
  killBridge(): Promise<void>;
  /** The bridge's own log lines (only with `bridgeAsProcess`). */
  bridgeLogs(): string;
  stop(): Promise<void>;
}

async function waitFor<T>(what: string, fn: () => Promise<T | undefined | false>, timeoutMs = 30_000, everyMs = 250): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let last: unknown;
  while (Date.now() < deadline) {
    try {
      const v = await fn();
      if (v !== undefined && v !== false) return v;
    } catch (e) {
      last = e;
    }
    await new Promise((r) => setTimeout(r, everyMs));
  }
  throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}${last ? `: ${String(last)}` : ""}`);
}
export { waitFor };

/** Base URL → Authorization header of the live stacks running in this process: the tests read their APIs as the stack's clients do. */
const credentialsByBase = new Map<string, Record<string, string>>();
const credentialsFor = (url: string): Record<string, string> =>
  [...credentialsByBase].find(([base]) => url.startsWith(`${base}/`) || url === base)?.[1] ?? {};

/**
 * Writes `program`'s credential files as the deployment lays them out, with fresh passwords, and
 * registers the APIs' bases so getJson and authedFetch send them; for tests that start programs
 * themselves. Returns the passwords.
 */
export function liveCredentials(dir: string, bases: Partial<Record<ProtectedApi, string>> = {}): Record<ProtectedApi, string> {
  const passwords = writeCredentials(dir);
  for (const [api, base] of Object.entries(bases) as [ProtectedApi, string][]) credentialsByBase.set(base, basicHeader(passwords[api]));
  return passwords;
}

/** A live stack, or an Alertmanager of a test's own without a password. */
export type AmtoolTarget = Pick<LiveStack, "passwords" | "dir"> | { readonly passwords?: undefined };

/**
 * amtool as the operators run it (runbooks/README.md): the Alertmanager password, when the stack has
 * one, in an HTTP config file. The file is in the stack's folder, so stop() removes it with the rest.
 */
export function amtoolHttpConfig(live: AmtoolTarget): string[] {
  if (!live.passwords) return [];
  const file = path.join(live.dir, "amtool-http.yml");
  fs.writeFileSync(file, `basic_auth:\n  username: ${API_USER}\n  password: ${live.passwords.alertmanager}\n`, { mode: 0o600 });
  return [`--http.config.file=${file}`];
}

const basicHeader = (password: string) => ({ authorization: `Basic ${Buffer.from(userColonPassword(password)).toString("base64")}` });

/** fetch with the credentials of the live stack's API the URL belongs to (none for anything else). */
export function authedFetch(url: string, init: RequestInit = {}): Promise<Response> {
  return fetch(url, { ...init, headers: { ...credentialsFor(url), ...(init.headers as Record<string, string> | undefined) } });
}

export async function getJson<T = any>(url: string): Promise<T> {
  const r = await authedFetch(url, { signal: AbortSignal.timeout(5000) });
  if (!r.ok) throw new Error(`${url}: ${r.status}`);
  return (await r.json()) as T;
}

/** Drops the jobs and readiness probes of absent programs and fits scrape timeouts to the short live interval. */
function forLoopback(prometheusYml: string, interval: string): string {
  const doc = yaml.load(prometheusYml) as { global: Record<string, unknown>; scrape_configs: Record<string, unknown>[] };
  doc.global.scrape_timeout = interval;
  doc.scrape_configs = doc.scrape_configs.filter((j) => !ABSENT_JOBS.includes(String(j.job_name)));
  for (const j of doc.scrape_configs.filter((x) => x.job_name === "blackbox_stack_ready")) {
    j.static_configs = (j.static_configs as { labels: { service: string } }[]).filter((t) => !ABSENT_READINESS.includes(t.labels.service));
  }
  for (const j of doc.scrape_configs) if ("scrape_timeout" in j && j.job_name !== "blackbox_http_public") j.scrape_timeout = interval;
  return yaml.dump(doc, { lineWidth: -1 });
}

export interface LiveOptions {
  /** Extra or different alert overrides on top of LIVE_OVERRIDES. */
  readonly overrides?: Record<string, AlertOverride>;
  /** Changes to the rendered alertmanager.yml (the benchmark adds a telegram_configs receiver). */
  readonly patchAlertmanager?: (doc: Record<string, any>, telegramUrl: string, token: string) => void;
  /** Route timings instead of the harness's fast ones (the bridge's dedupe windows follow them). */
  readonly retime?: (value: string, field: RouteTimingField) => string;
  /** Bridge environment on top of the harness's (pace, console settings, ...). */
  readonly bridgeEnv?: Record<string, string>;
  /** Runs the bundled bridge as a child process, as the container does, so it can be SIGKILLed. */
  readonly bridgeAsProcess?: boolean;
  /** In process only: settings the environment cannot give, such as escalations in seconds (the stack's floor is a minute). */
  readonly bridgeConfig?: (c: BridgeConfig) => BridgeConfig;
  /** In process only: the console's background waits (escalation rounds), shorter. */
  readonly bridgeDeps?: Pick<BridgeDeps, "console">;
  /** The stack's `nativeHistograms` setting; the simulator then also offers its histograms in the protobuf format. */
  readonly nativeHistograms?: boolean;
}

/**
 * The OTLP sink: a second built collector with only components of the distribution (otlp
 * receiver → otlp_http exporter with JSON encoding) that takes what the stack's collector sends to
 * "Tempo" (gRPC) and "Loki" (HTTP, at Loki's /otlp path) and passes it to a small HTTP recorder,
 * so the test reads what the stack's collector really exported.
 */
function sinkConfig(grpcPort: number, httpPort: number, recorderPort: number): string {
  return yaml.dump(
    {
      receivers: {
        otlp: {
          protocols: {
            grpc: { endpoint: `127.0.0.1:${grpcPort}` },
            // The stack's collector sends logs to Loki's OTLP path, http://loki:3100/otlp/v1/logs.
            http: { endpoint: `127.0.0.1:${httpPort}`, logs_url_path: "/otlp/v1/logs" },
          },
        },
      },
      exporters: {
        otlp_http: {
          endpoint: `http://127.0.0.1:${recorderPort}`,
          encoding: "json",
          compression: "none",
          tls: { insecure: true },
          retry_on_failure: { enabled: false },
        },
      },
      service: {
        // Its own metrics would want port 8888 too; it is not the collector under test.
        telemetry: { metrics: { level: "none" } },
        pipelines: { traces: { receivers: ["otlp"], exporters: ["otlp_http"] }, logs: { receivers: ["otlp"], exporters: ["otlp_http"] } },
      },
    },
    { lineWidth: -1 },
  );
}

async function startRecorder(): Promise<{ port: number; requests: Map<string, any[]>; close: () => Promise<void> }> {
  const requests = new Map<string, any[]>();
  const server = http.createServer((req, res) => {
    let body = "";
    req.on("data", (d: Buffer) => (body += d.toString()));
    req.on("end", () => {
      try {
        const signal = (req.url ?? "").replace(/^\/v1\//, "");
        requests.set(signal, [...(requests.get(signal) ?? []), JSON.parse(body)]);
        res.writeHead(200, { "content-type": "application/json" });
        res.end("{}");
      } catch (e) {
        res.writeHead(400);
        res.end(String(e));
      }
    });
  });
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
  return {
    port: (server.address() as AddressInfo).port,
    requests,
    close: () =>
      new Promise<void>((r) => {
        server.closeAllConnections();
        server.close(() => r());
      }),
  };
}

/** Where the live tier keeps one program's credential files (the container's secrets folder). */
export const liveSecretsDir = (dir: string, program: ProtectedApi | "otelCollector") => path.join(dir, "secrets", program);

/** Prometheus's deployed flags with the live tier's folders: what components/prometheus.ts passes, with local paths. */
export function livePrometheusFlags(dir: string, config: StackConfig): PrometheusFlags {
  return {
    configFile: path.join(dir, "prometheus.yml"),
    storagePath: path.join(dir, "tsdb"),
    retention: config.retention.prometheus,
    remoteWriteReceiver: config.services.tempo,
    webConfigFile: webConfigFile(liveSecretsDir(dir, "prometheus")),
  };
}

/**
 * Passwords and web configs as the deployment lays them out: each protected program its web
 * config and own password, Prometheus also the passwords of what it scrapes and alerts, the
 * collector Prometheus's. Real bcrypt hashes, as @pulumi/random makes them.
 */
function writeCredentials(dir: string): Record<ProtectedApi, string> {
  const passwords = Object.fromEntries(PROTECTED_APIS.map((api) => [api, newRandomPassword({ length: 32 }).result])) as Record<
    ProtectedApi,
    string
  >;
  const holders: Record<ProtectedApi | "otelCollector", readonly ProtectedApi[]> = {
    prometheus: PROTECTED_APIS,
    alertmanager: ["alertmanager"],
    blackboxExporter: ["blackboxExporter"],
    otelCollector: ["prometheus"],
  };
  for (const [program, apis] of Object.entries(holders) as [ProtectedApi | "otelCollector", readonly ProtectedApi[]][]) {
    const secrets = liveSecretsDir(dir, program);
    fs.mkdirSync(secrets, { recursive: true });
    for (const api of apis) fs.writeFileSync(passwordFile(api, secrets), passwords[api], { mode: 0o600 });
    if (program !== "otelCollector")
      fs.writeFileSync(webConfigFile(secrets), renderWebConfig(newRandomPasswordHash(passwords[program])), { mode: 0o600 });
  }
  return passwords;
}

export async function startLiveStack(options: LiveOptions = {}): Promise<LiveStack> {
  const bins = {
    prometheus: requireTool("prometheus"),
    alertmanager: requireTool("alertmanager"),
    nodeExporter: requireTool("node_exporter"),
    blackbox: requireTool("blackbox_exporter"),
    otelcol: requireTool("otelcol"),
  };
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "tutordex-live-"));
  const passwords = writeCredentials(dir);
  const auth = Object.fromEntries(PROTECTED_APIS.map((api) => [api, basicHeader(passwords[api])])) as unknown as Record<
    ProtectedApi,
    Record<string, string>
  >;
  const children: { process: ChildProcess; stderr: () => string }[] = [];
  const [pPort, amPort, nePort, bbPort, bridgePort] = [
    await freePort(),
    await freePort(),
    await freePort(),
    await freePort(),
    await freePort(),
  ];
  const [otlpGrpcPort, otlpHttpPort, healthPort, selfMetricsPort, sinkGrpcPort, sinkHttpPort] = [
    await freePort(),
    await freePort(),
    await freePort(),
    await freePort(),
    await freePort(),
    await freePort(),
  ];
  const recorder = await startRecorder();
  const sim = await startSimulator({
    ports: { collector: 0, worker: 0, backend: 0 },
    tickMs: 1000,
    log: () => undefined,
    nativeHistograms: options.nativeHistograms,
  });
  const telegram = await new FakeTelegram().start();
  const quiet = new Logger(() => undefined);
  const publicUrl = `http://127.0.0.1:${sim.ports.backend}/health`;

  const loop = (port: number) => `127.0.0.1:${port}`;
  const unreachable = "127.0.0.1:9";
  const peers: PeerAddresses = {
    prometheus: loop(pPort),
    alertmanager: loop(amPort),
    telegramBridge: loop(bridgePort),
    nodeExporter: loop(nePort),
    blackboxExporter: loop(bbPort),
    grafana: unreachable,
    loki: unreachable,
    promtail: unreachable,
    alloy: unreachable,
    tempo: unreachable,
    otelCollector: loop(otlpHttpPort),
    cadvisor: unreachable,
    otelCollectorMetrics: loop(selfMetricsPort),
    otelCollectorHealth: loop(healthPort),
    tempoOtlpGrpc: unreachable,
  };
  const config = stackConfig("dev", {
    appTargets: { collector: loop(sim.ports.collector), worker: loop(sim.ports.worker), backend: loop(sim.ports.backend) },
    publicProbes: { host: "api.test", urls: [publicUrl] },
    alertOverrides: { ...LIVE_OVERRIDES, ...options.overrides },
    ...(options.nativeHistograms ? { nativeHistograms: true } : {}),
  });
  // The collector renders through the stack's own generator; "Tempo" and "Loki" are the sink.
  const collectorListen: CollectorListen = {
    otlpGrpc: loop(otlpGrpcPort),
    otlpHttp: loop(otlpHttpPort),
    health: loop(healthPort),
    metrics: { host: "127.0.0.1", port: selfMetricsPort },
  };
  fs.writeFileSync(
    path.join(dir, "otelcol.yml"),
    renderOtelCollectorConfig(
      config,
      { prometheus: peers.prometheus, tempoOtlpGrpc: loop(sinkGrpcPort), loki: loop(sinkHttpPort) },
      collectorListen,
      liveSecretsDir(dir, "otelCollector"),
    ),
  );
  fs.writeFileSync(path.join(dir, "otelcol-sink.yml"), sinkConfig(sinkGrpcPort, sinkHttpPort, recorder.port));

  const rulesDir = path.join(dir, "rules");
  fs.mkdirSync(rulesDir);
  const rules = { ...ruleSettings(config), intervals: { alerts: "1s", recording: "1s" }, backlogLookback: "20s", throughputWindow: "10s" };
  for (const [f, text] of Object.entries(renderRuleFiles(rules))) fs.writeFileSync(path.join(rulesDir, f), text);
  fs.writeFileSync(
    path.join(dir, "prometheus.yml"),
    forLoopback(
      renderPrometheusConfig(config, peers, {
        rulesDir,
        scrapeInterval: "1s",
        evaluationInterval: "1s",
        publicProbeInterval: "1s",
        publicProbeTimeout: "1s",
        secretsDir: liveSecretsDir(dir, "prometheus"),
      }),
      "1s",
    ),
  );
  // Faster, but in proportion: the probe route's long group_wait (60s) is what lets PublicApiDown's
  // inhibition apply before BlackboxProbeFailed is notified, so it stays the longest wait.
  const fast =
    options.retime ??
    ((v: string, field: string) => (field === "repeat_interval" ? "1h" : field === "group_wait" ? (v === "60s" ? "5s" : "1s") : "2s"));
  // Telegram's pace scaled 20x (1 s → 50 ms per chat, 20 → 400 per minute per group), like the timings.
  const bridgeEnv: Record<string, string> = {
    TELEGRAM_BOT_TOKEN: telegram.token,
    TELEGRAM_CHAT_ID: "-100500",
    TELEGRAM_API_BASE: telegram.url,
    BRIDGE_ENVIRONMENT: "dev",
    PORT: String(bridgePort),
    HOST: "127.0.0.1",
    MIN_SEND_INTERVAL_MS: "50",
    GROUP_MESSAGES_PER_MINUTE: "400",
    COALESCE_MS: "50",
    REQUEST_BUDGET_MS: "4000",
    STATE_FILE: path.join(dir, "bridge", "state.json"),
    DEDUPE_WINDOWS: Object.entries(bridgeDedupeWindows(fast))
      .map(([r, sec]) => `${r}=${sec}`)
      .join(","),
    ALERTMANAGER_URL: `http://${peers.alertmanager}`,
    PROMETHEUS_URL: `http://${peers.prometheus}`,
    ALERTMANAGER_AUTH: userColonPassword(passwords.alertmanager),
    PROMETHEUS_AUTH: userColonPassword(passwords.prometheus),
    POLL_TIMEOUT_SECONDS: "2",
    ...options.bridgeEnv,
  };
  const bridgeConfig = (options.bridgeConfig ?? ((c) => c))(loadConfig(bridgeEnv));
  let amYml = renderAlertmanagerConfig(config, peers, fast);
  if (options.patchAlertmanager) {
    const doc = yaml.load(amYml) as Record<string, any>;
    options.patchAlertmanager(doc, telegram.url, telegram.token);
    amYml = yaml.dump(doc, { lineWidth: -1 });
  }
  fs.writeFileSync(path.join(dir, "alertmanager.yml"), amYml);
  fs.writeFileSync(path.join(dir, "blackbox.yml"), renderBlackboxConfig(config));

  const programs: StartedProgram[] = [];
  /** Starts a program from its deployed command line plus the live-only flags, and remembers both. */
  const run = (name: StartedProgram["name"], bin: string, deployed: string[], liveOnly: string[] = []) => {
    const args = [...deployed, ...liveOnly];
    const child = spawn(bin, args, { stdio: ["ignore", "ignore", "pipe"], cwd: dir });
    let stderr = "";
    child.stderr?.on("data", (d: Buffer) => (stderr = (stderr + d.toString()).slice(-4000)));
    children.push({ process: child, stderr: () => stderr });
    if (child.pid !== undefined) programs.push({ name, pid: child.pid, argv: [bin, ...args], deployed });
  };
  const processLogs = () =>
    children
      .map(
        (c) =>
          `${path.basename(c.process.spawnfile)}${c.process.exitCode !== null ? ` (exited ${c.process.exitCode})` : ""}:\n${c.stderr()}`,
      )
      .join("\n");
  let bridge: RunningBridge | undefined;
  let bridgeChild: ChildProcess | undefined;
  let bridgeOutput = "";
  const bundleFile = path.join(dir, "bridge.js");
  const spawnBridge = async () => {
    if (!fs.existsSync(bundleFile)) fs.writeFileSync(bundleFile, bundleBridge());
    const child = spawn(process.execPath, [bundleFile], {
      env: { PATH: process.env.PATH, ...bridgeEnv },
      stdio: ["ignore", "pipe", "pipe"],
    });
    bridgeChild = child;
    const from = bridgeOutput.length;
    child.stdout.on("data", (d: Buffer) => (bridgeOutput += d.toString()));
    child.stderr.on("data", (d: Buffer) => (bridgeOutput += d.toString()));
    await waitFor(
      "the bridge process listening",
      async () => bridgeOutput.slice(from).includes("telegram bridge listening") || undefined,
      15_000,
      50,
    );
  };
  const endBridgeChild = async (signal: NodeJS.Signals) => {
    const c = bridgeChild;
    bridgeChild = undefined;
    if (!c || c.exitCode !== null || c.signalCode !== null) return;
    const exited = new Promise<void>((r) => c.once("exit", () => r()));
    c.kill(signal);
    const force = setTimeout(() => c.kill("SIGKILL"), 15_000);
    await exited;
    clearTimeout(force);
  };
  /** Stops everything started so far; used by stop() and when start-up fails half-way. */
  const stopAll = async () => {
    for (const { process: c } of children) c.kill("SIGTERM");
    await Promise.all(
      children.map(
        ({ process: c }) =>
          new Promise<void>((resolve) => {
            if (c.exitCode !== null || c.signalCode !== null) return resolve();
            const force = setTimeout(() => c.kill("SIGKILL"), 5000);
            c.once("exit", () => {
              clearTimeout(force);
              resolve();
            });
          }),
      ),
    );
    await bridge?.close(1000).catch(() => undefined);
    await endBridgeChild("SIGKILL");
    await sim.close();
    await telegram.stop();
    await recorder.close();
    for (const api of PROTECTED_APIS) credentialsByBase.delete(`http://${peers[api]}`);
    fs.rmSync(dir, { recursive: true, force: true });
  };
  for (const api of PROTECTED_APIS) credentialsByBase.set(`http://${peers[api]}`, auth[api]);
  const ready = (what: string, url: string) => waitFor(what, async () => (await authedFetch(url)).ok);

  try {
    run("otelcol-sink", bins.otelcol, otelCollectorArgs({ configFile: path.join(dir, "otelcol-sink.yml") }));
    run(
      "alertmanager",
      bins.alertmanager,
      alertmanagerArgs({
        configFile: path.join(dir, "alertmanager.yml"),
        storagePath: path.join(dir, "am"),
        externalUrl: config.alertmanagerExternalUrl,
        webConfigFile: webConfigFile(liveSecretsDir(dir, "alertmanager")),
      }),
      [`--web.listen-address=${peers.alertmanager}`],
    );
    // Alertmanager first: an alert Prometheus cannot deliver at once is only resent after the resend delay.
    await ready("Alertmanager ready", `http://${peers.alertmanager}/-/ready`);
    run("prometheus", bins.prometheus, prometheusArgs(livePrometheusFlags(dir, config)), [
      `--web.listen-address=${peers.prometheus}`,
      LIVE_RESEND_DELAY_FLAG,
    ]);
    const textfileDir = path.join(dir, "textfile");
    fs.mkdirSync(textfileDir);
    // The container sees the host's root at /host; here the host's root is /.
    run("node_exporter", bins.nodeExporter, nodeExporterArgs({ rootfs: "/", textfileDir, listenAddress: peers.nodeExporter }));
    run(
      "blackbox_exporter",
      bins.blackbox,
      blackboxArgs({ configFile: path.join(dir, "blackbox.yml"), webConfigFile: webConfigFile(liveSecretsDir(dir, "blackboxExporter")) }),
      [`--web.listen-address=${peers.blackboxExporter}`],
    );
    run("otelcol", bins.otelcol, otelCollectorArgs({ configFile: path.join(dir, "otelcol.yml") }));
    if (options.bridgeAsProcess) await spawnBridge();
    else bridge = await startBridge(bridgeConfig, { log: quiet, ...options.bridgeDeps });
    await ready("Prometheus ready", `http://${peers.prometheus}/-/ready`);
    await ready("node_exporter", `http://${peers.nodeExporter}/metrics`);
    await ready("blackbox_exporter", `http://${peers.blackboxExporter}/-/healthy`);
    await ready("the OTEL Collector's health endpoint", `http://${peers.otelCollectorHealth}/`);
  } catch (e) {
    const logs = processLogs();
    await stopAll();
    throw new Error(`${(e as Error).message}\n${logs}`, { cause: e });
  }

  const stack: LiveStack = {
    dir,
    passwords,
    auth,
    request: authedFetch,
    prometheus: `http://${peers.prometheus}`,
    alertmanager: `http://${peers.alertmanager}`,
    bridgeUrl: `http://${peers.telegramBridge}`,
    nodeExporter: `http://${peers.nodeExporter}`,
    blackbox: `http://${peers.blackboxExporter}`,
    telegram,
    sim,
    publicUrl,
    collector: {
      otlpHttp: `http://${peers.otelCollector}`,
      health: `http://${peers.otelCollectorHealth}/`,
      metrics: `http://${peers.otelCollectorMetrics}/metrics`,
    },
    sink: { requests: (signal) => recorder.requests.get(signal) ?? [] },
    config,
    programs,
    get bridge(): RunningBridge {
      if (!bridge) throw new Error("the bridge runs as a process here (bridgeAsProcess): read its /metrics instead");
      return bridge;
    },
    set bridge(b: RunningBridge) {
      bridge = b;
    },
    processLogs,
    bridgeLogs: () => bridgeOutput,
    async stopBridge() {
      if (options.bridgeAsProcess) return endBridgeChild("SIGTERM");
      await stack.bridge.close(2000);
    },
    async startBridge() {
      if (options.bridgeAsProcess) return spawnBridge();
      bridge = await startBridge(bridgeConfig, { log: quiet, ...options.bridgeDeps });
      stack.bridge = bridge;
    },
    async killBridge() {
      if (!options.bridgeAsProcess) throw new Error("killBridge needs bridgeAsProcess: an in-process bridge cannot be SIGKILLed");
      await endBridgeChild("SIGKILL");
    },
    stop: stopAll,
  };
  return stack;
}

import { ChildProcess, spawn } from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import * as yaml from "js-yaml";
import { loadConfig } from "../../bridge/src/config";
import { Logger } from "../../bridge/src/log";
import { RunningBridge, startBridge } from "../../bridge/src/server";
import { PeerAddresses } from "../../config/services";
import { AlertOverride } from "../../config/schema";
import { bridgeDedupeWindows, renderAlertmanagerConfig, RouteTimingField } from "../../generators/alertmanager";
import { bundleBridge } from "../../components/telegramBridge";
import { renderBlackboxConfig } from "../../generators/blackbox";
import { renderPrometheusConfig } from "../../generators/prometheus";
import { ruleSettings } from "../../rules/context";
import { renderRuleFiles } from "../../rules/render";
import { startSimulator, Simulator } from "../../simulator/src/app";
import { FakeTelegram } from "../support/fakeTelegram";
import { stackConfig } from "../support/fixtures";
import { freePort } from "../support/ports";
import { requireTool } from "../support/tools";

/** Jobs whose programs cannot run on this machine (no Debian or npm build): left out of the live config. */
export const ABSENT_JOBS = ["grafana", "loki", "promtail", "tempo", "otel_collector", "cadvisor", "blackbox_stack_ready"];

/** Shortened `for` durations so incidents complete in seconds; thresholds stay as deployed unless named. */
export const LIVE_OVERRIDES: Record<string, AlertOverride> = {
  QueueBacklogGrowingNoThroughput: { for: "2s" },
  PublicApiDown: { for: "2s" },
  BlackboxProbeFailed: { for: "2s" },
  LLMFailureSpike: { for: "2s", threshold: 0.01 },
  ParseErrorFractionHigh: { for: "2s" },
};

export interface LiveStack {
  readonly prometheus: string;
  readonly alertmanager: string;
  readonly bridgeUrl: string;
  readonly nodeExporter: string;
  readonly blackbox: string;
  readonly telegram: FakeTelegram;
  readonly sim: Simulator;
  readonly publicUrl: string;
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

async function waitFor<T>(what: string, fn: () => Promise<T | undefined>, timeoutMs = 30_000, everyMs = 250): Promise<T> {
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

export async function getJson<T = any>(url: string): Promise<T> {
  const r = await fetch(url, { signal: AbortSignal.timeout(5000) });
  if (!r.ok) throw new Error(`${url}: ${r.status}`);
  return (await r.json()) as T;
}

/** Drops the jobs of absent programs and fits scrape timeouts to the short live interval. */
function forLoopback(prometheusYml: string, interval: string): string {
  const doc = yaml.load(prometheusYml) as { global: Record<string, unknown>; scrape_configs: Record<string, unknown>[] };
  doc.global.scrape_timeout = interval;
  doc.scrape_configs = doc.scrape_configs.filter((j) => !ABSENT_JOBS.includes(String(j.job_name)));
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
}

export async function startLiveStack(options: LiveOptions = {}): Promise<LiveStack> {
  const bins = {
    prometheus: requireTool("prometheus"),
    alertmanager: requireTool("alertmanager"),
    nodeExporter: requireTool("node_exporter"),
    blackbox: requireTool("blackbox_exporter"),
  };
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "tutordex-live-"));
  const children: { process: ChildProcess; stderr: () => string }[] = [];
  const [pPort, amPort, nePort, bbPort, bridgePort] = [await freePort(), await freePort(), await freePort(), await freePort(), await freePort()];
  const sim = await startSimulator({ ports: { collector: 0, worker: 0, backend: 0 }, tickMs: 1000, log: () => undefined });
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
    otelCollector: unreachable,
    cadvisor: unreachable,
    otelCollectorMetrics: unreachable,
    otelCollectorHealth: unreachable,
    tempoOtlpGrpc: unreachable,
  };
  const config = stackConfig("dev", {
    appTargets: { collector: loop(sim.ports.collector), worker: loop(sim.ports.worker), backend: loop(sim.ports.backend) },
    publicProbes: { host: "api.test", urls: [publicUrl] },
    alertOverrides: { ...LIVE_OVERRIDES, ...options.overrides },
  });

  const rulesDir = path.join(dir, "rules");
  fs.mkdirSync(rulesDir);
  const rules = { ...ruleSettings(config), intervals: { alerts: "1s", recording: "1s" }, backlogLookback: "20s", throughputWindow: "10s" };
  for (const [f, text] of Object.entries(renderRuleFiles(rules))) fs.writeFileSync(path.join(rulesDir, f), text);
  fs.writeFileSync(
    path.join(dir, "prometheus.yml"),
    forLoopback(renderPrometheusConfig(config, peers, { rulesDir, scrapeInterval: "1s", evaluationInterval: "1s", publicProbeInterval: "1s", publicProbeTimeout: "1s" }), "1s"),
  );
  // Faster, but in proportion: the probe route's long group_wait (60s) is what lets PublicApiDown's
  // inhibition apply before BlackboxProbeFailed is notified, so it stays the longest wait.
  const fast = options.retime ?? ((v: string, field: string) => (field === "repeat_interval" ? "1h" : field === "group_wait" ? (v === "60s" ? "5s" : "1s") : "2s"));
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
    POLL_TIMEOUT_SECONDS: "2",
    ...options.bridgeEnv,
  };
  const bridgeConfig = loadConfig(bridgeEnv);
  let amYml = renderAlertmanagerConfig(config, peers, fast);
  if (options.patchAlertmanager) {
    const doc = yaml.load(amYml) as Record<string, any>;
    options.patchAlertmanager(doc, telegram.url, telegram.token);
    amYml = yaml.dump(doc, { lineWidth: -1 });
  }
  fs.writeFileSync(path.join(dir, "alertmanager.yml"), amYml);
  fs.writeFileSync(path.join(dir, "blackbox.yml"), renderBlackboxConfig(config));

  const run = (bin: string, args: string[]) => {
    const child = spawn(bin, args, { stdio: ["ignore", "ignore", "pipe"], cwd: dir });
    let stderr = "";
    child.stderr?.on("data", (d: Buffer) => (stderr = (stderr + d.toString()).slice(-4000)));
    children.push({ process: child, stderr: () => stderr });
  };
  const processLogs = () =>
    children.map((c) => `${path.basename(c.process.spawnfile)}${c.process.exitCode !== null ? ` (exited ${c.process.exitCode})` : ""}:\n${c.stderr()}`).join("\n");
  let bridge: RunningBridge | undefined;
  let bridgeChild: ChildProcess | undefined;
  let bridgeOutput = "";
  const bundleFile = path.join(dir, "bridge.js");
  const spawnBridge = async () => {
    if (!fs.existsSync(bundleFile)) fs.writeFileSync(bundleFile, bundleBridge());
    const child = spawn(process.execPath, [bundleFile], { env: { PATH: process.env.PATH, ...bridgeEnv }, stdio: ["ignore", "pipe", "pipe"] });
    bridgeChild = child;
    const from = bridgeOutput.length;
    child.stdout!.on("data", (d: Buffer) => (bridgeOutput += d.toString()));
    child.stderr!.on("data", (d: Buffer) => (bridgeOutput += d.toString()));
    await waitFor("the bridge process listening", async () => bridgeOutput.slice(from).includes("telegram bridge listening") || undefined, 15_000, 50);
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
    fs.rmSync(dir, { recursive: true, force: true });
  };
  const ready = (what: string, url: string) => waitFor(what, async () => (await fetch(url)).ok);

  try {
    run(bins.alertmanager, [
      `--config.file=${path.join(dir, "alertmanager.yml")}`,
      `--storage.path=${path.join(dir, "am")}`,
      `--web.listen-address=${peers.alertmanager}`,
      "--cluster.listen-address=",
    ]);
    // Alertmanager first: an alert Prometheus cannot deliver at once is only resent after the resend delay.
    await ready("Alertmanager ready", `http://${peers.alertmanager}/-/ready`);
    run(bins.prometheus, [
      `--config.file=${path.join(dir, "prometheus.yml")}`,
      `--storage.tsdb.path=${path.join(dir, "tsdb")}`,
      `--web.listen-address=${peers.prometheus}`,
      "--web.enable-lifecycle",
      "--web.enable-remote-write-receiver",
      "--rules.alert.resend-delay=2s",
    ]);
    run(bins.nodeExporter, [`--web.listen-address=${peers.nodeExporter}`, "--no-collector.netstat", "--no-collector.softnet"]);
    run(bins.blackbox, [`--config.file=${path.join(dir, "blackbox.yml")}`, `--web.listen-address=${peers.blackboxExporter}`]);
    if (options.bridgeAsProcess) await spawnBridge();
    else bridge = await startBridge(bridgeConfig, { log: quiet });
    await ready("Prometheus ready", `http://${peers.prometheus}/-/ready`);
    await ready("node_exporter", `http://${peers.nodeExporter}/metrics`);
    await ready("blackbox_exporter", `http://${peers.blackboxExporter}/-/healthy`);
  } catch (e) {
    const logs = processLogs();
    await stopAll();
    throw new Error(`${(e as Error).message}\n${logs}`);
  }

  const stack: LiveStack = {
    prometheus: `http://${peers.prometheus}`,
    alertmanager: `http://${peers.alertmanager}`,
    bridgeUrl: `http://${peers.telegramBridge}`,
    nodeExporter: `http://${peers.nodeExporter}`,
    blackbox: `http://${peers.blackboxExporter}`,
    telegram,
    sim,
    publicUrl,
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
      bridge = await startBridge(bridgeConfig, { log: quiet });
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

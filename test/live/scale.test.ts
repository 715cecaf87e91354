import { ChildProcess, spawn } from "child_process";
import * as fs from "fs";
import * as http from "http";
import { AddressInfo } from "net";
import * as os from "os";
import * as path from "path";
import { loadConfig } from "../../bridge/src/config";
import { Logger } from "../../bridge/src/log";
import { RunningBridge, startBridge } from "../../bridge/src/server";
import { durationSeconds } from "../../config/durations";
import { parseStackConfig, rawConfigFromPulumi, StackConfig } from "../../config/schema";
import { PeerAddresses } from "../../config/services";
import { bridgeDedupeWindows, renderAlertmanagerConfig, ROUTES, RouteTimingField } from "../../generators/alertmanager";
import { alertmanagerArgs, prometheusArgs } from "../../generators/commandLines";
import { ALWAYS_DROPPED_METRICS, credentialsFile } from "../../generators/remoteWrite";
import { renderPrometheusConfig } from "../../generators/prometheus";
import { ruleSettings } from "../../rules/context";
import { renderRuleFiles } from "../../rules/render";
import { startSimulator, Simulator } from "../../simulator/src/app";
import { FakeTelegram } from "../../harness/fakeTelegram";
import { freePort } from "../../harness/ports";
import { PROJECT, pulumiConfigMap } from "../../harness/stackFiles";
import { requireTool } from "../../harness/tools";
import { webConfigFile } from "../../generators/apiAuth";
import {
  authedFetch,
  getJson,
  LIVE_RESEND_DELAY_FLAG,
  liveCredentials,
  liveSecretsDir,
  recordingRulesFed,
  waitFor,
} from "../../harness/liveStack";

/**
 * The scale-out options with the pinned programs on loopback, started with the deployed command
 * lines (generators/commandLines.ts) and rendered files:
 *
 * - remote_write: Prometheus "host-a" remote-writes to a second Prometheus started with
 *   --web.enable-remote-write-receiver, through a proxy that lets only the configured basic-auth
 *   credential in (read by Prometheus from its password file), and to a bearer-token sink. The
 *   recorded tutordex:* series arrive with the external labels; dropped series do not.
 * - Alertmanager HA: two Alertmanagers of the pinned version ("host-a", "host-b") gossip on
 *   loopback; each notifies through its own bridge (as each host runs one), both into one fake
 *   Telegram chat. Prometheus sends every alert to both; the chat gets it once. Killed, host-a's
 *   Alertmanager leaves host-b to deliver the next alert.
 *
 * Gossip on loopback is what the schema refuses for real hosts, so the test takes a valid
 * two-host configuration and puts its addresses on loopback before rendering.
 */
jest.setTimeout(180_000);

const PASSWORD = "longterm-password-3c9e1f";
const TOKEN = "audit-token-77b2d0";
const CHAT = "-100500";
/** Shortened like the other live tests; the deployed default is 15s. */
const PEER_TIMEOUT = "2s";
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Route timings scaled down, in proportion to nothing but the test's patience. */
const RETIME = (_v: string, field: RouteTimingField) => ({ group_wait: "1s", group_interval: "3s", repeat_interval: "1h" })[field];

interface Started {
  readonly name: string;
  readonly child: ChildProcess;
  stderr: string;
}

/** The programs this file starts, stopped by pid; stderr kept for failure messages. */
class Programs {
  readonly all: Started[] = [];
  start(name: string, bin: string, args: readonly string[], cwd: string): Started {
    const child = spawn(bin, [...args], { stdio: ["ignore", "ignore", "pipe"], cwd });
    const started: Started = { name, child, stderr: "" };
    child.stderr.on("data", (d: Buffer) => (started.stderr = (started.stderr + d.toString()).slice(-4000)));
    this.all.push(started);
    return started;
  }
  /** Ends one process by its pid and waits (bounded) until it is gone. */
  async stop(p: Started, signal: NodeJS.Signals = "SIGTERM"): Promise<void> {
    const c = p.child;
    if (c.exitCode !== null || c.signalCode !== null || c.pid === undefined) return;
    const exited = new Promise<void>((r) => c.once("exit", () => r()));
    process.kill(c.pid, signal);
    const force = setTimeout(
      () => c.pid !== undefined && c.exitCode === null && c.signalCode === null && process.kill(c.pid, "SIGKILL"),
      5000,
    );
    await exited;
    clearTimeout(force);
  }
  logs(): string {
    return this.all.map((p) => `${p.name}${p.child.exitCode !== null ? ` (exited ${p.child.exitCode})` : ""}:\n${p.stderr}`).join("\n");
  }
}

/** A remote-write endpoint that checks the credential; `forward` passes accepted writes on. */
async function writeGate(
  expectedAuthorization: string,
  forward?: string,
): Promise<{ url: string; accepted: () => number; refused: () => number; close: () => Promise<void> }> {
  let accepted = 0;
  let refused = 0;
  const server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on("data", (c: Buffer) => chunks.push(c));
    req.on("end", () => {
      void (async () => {
        if (req.headers.authorization !== expectedAuthorization) {
          refused += 1;
          res.writeHead(401).end("wrong credentials");
          return;
        }
        accepted += 1;
        if (!forward) return void res.writeHead(204).end();
        try {
          const headers: Record<string, string> = {};
          for (const h of ["content-type", "content-encoding", "x-prometheus-remote-write-version"])
            if (req.headers[h]) headers[h] = String(req.headers[h]);
          const r = await fetch(forward, { method: "POST", headers, body: Buffer.concat(chunks), signal: AbortSignal.timeout(5000) });
          res.writeHead(r.status).end(await r.text());
        } catch (e) {
          res.writeHead(502).end(String(e));
        }
      })();
    });
  });
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    accepted: () => accepted,
    refused: () => refused,
    close: () => new Promise<void>((r) => (server.closeAllConnections(), server.close(() => r()))),
  };
}

/** Sum of a metric's samples whose label text matches, from a /metrics page. */
async function metricSum(url: string, name: string, labels: RegExp = /.*/): Promise<number> {
  const text = await (await fetch(`${url}/metrics`, { signal: AbortSignal.timeout(5000) })).text();
  return text
    .split("\n")
    .filter((l) => l.startsWith(`${name}{`) || l.startsWith(`${name} `))
    .filter((l) => labels.test(l))
    .reduce((n, l) => n + Number(l.trim().split(/\s+/).pop()), 0);
}

const dir = fs.mkdtempSync(path.join(os.tmpdir(), "tutordex-scale-"));
const programs = new Programs();
const quiet = new Logger(() => undefined);
let sim: Simulator;
let telegram: FakeTelegram;
const bridges: RunningBridge[] = [];
let gates: Awaited<ReturnType<typeof writeGate>>[] = [];
let config: StackConfig;
let amA: Started;
const at: Record<string, string> = {};

beforeAll(async () => {
  const [promA, promB, amPortA, amPortB, gossipA, gossipB, bridgePortA, bridgePortB] = await Promise.all(
    Array.from({ length: 8 }, () => freePort()),
  );
  const loop = (port: number) => `127.0.0.1:${port}`;
  Object.assign(at, {
    promA: loop(promA),
    promB: loop(promB),
    amA: loop(amPortA),
    amB: loop(amPortB),
    gossipA: loop(gossipA),
    gossipB: loop(gossipB),
    bridgeA: loop(bridgePortA),
    bridgeB: loop(bridgePortB),
  });
  sim = await startSimulator({ ports: { collector: 0, worker: 0, backend: 0 }, tickMs: 1000, log: () => undefined });
  telegram = await new FakeTelegram().start();
  gates = [
    await writeGate(`Basic ${Buffer.from(`host-a:${PASSWORD}`).toString("base64")}`, `http://${at.promB}/api/v1/write`),
    await writeGate(`Bearer ${TOKEN}`),
  ];
  const [longterm, audit] = gates;

  // A valid two-host configuration, as a stack file would hold it ...
  const raw = {
    ...rawConfigFromPulumi(PROJECT, pulumiConfigMap("dev")),
    bindAddress: "10.0.0.5",
    services: {
      cadvisor: false,
      nodeExporter: false,
      blackboxExporter: false,
      grafana: false,
      loki: false,
      alloy: false,
      tempo: false,
      otelCollector: false,
    },
    appTargets: { collector: loop(sim.ports.collector), worker: loop(sim.ports.worker), backend: loop(sim.ports.backend) },
    alertOverrides: { PrometheusTargetDown: { for: "1s" } },
    remoteWrite: {
      stores: [
        {
          name: "longterm",
          url: `${longterm.url}/api/v1/write`,
          auth: { type: "basic", username: "host-a" },
          queue: { batchSendDeadline: "1s" },
          dropMetrics: ["collector_messages_.*"],
        },
        { name: "audit", url: `${audit.url}/push`, auth: { type: "bearer" }, queue: { batchSendDeadline: "1s" } },
      ],
    },
    remoteWriteCredentials: { longterm: PASSWORD, audit: TOKEN },
    alertmanagerCluster: {
      listenAddress: "10.0.0.5",
      peerTimeout: PEER_TIMEOUT,
      peers: [{ gossip: "10.0.0.6:9094", api: "10.0.0.6:9093" }],
    },
  };
  const parsed = parseStackConfig("host-a", raw, new Set(["grafanaAdminPassword", "remoteWriteCredentials"]));
  // ... with both hosts moved onto loopback.
  config = {
    ...parsed,
    alertmanagerCluster: {
      ...parsed.alertmanagerCluster!,
      listenAddress: "127.0.0.1",
      advertiseAddress: at.gossipA,
      peers: [{ gossip: at.gossipB, api: at.amB }],
    },
  };

  const unreachable = "127.0.0.1:9";
  const peers: PeerAddresses = {
    prometheus: at.promA,
    alertmanager: at.amA,
    telegramBridge: at.bridgeA,
    ...Object.fromEntries(
      ["grafana", "loki", "promtail", "alloy", "tempo", "otelCollector", "cadvisor", "nodeExporter", "blackboxExporter"].map((s) => [
        s,
        unreachable,
      ]),
    ),
    otelCollectorMetrics: unreachable,
    otelCollectorHealth: unreachable,
    tempoOtlpGrpc: unreachable,
  } as PeerAddresses;

  try {
    // Two hosts' Alertmanagers, each notifying through its own bridge, gossiping with each other.
    const host = (name: "a" | "b", httpAt: string, gossip: string, other: string, bridgeAt: string) => {
      const home = path.join(dir, `am-${name}`);
      fs.mkdirSync(home);
      fs.writeFileSync(path.join(home, "alertmanager.yml"), renderAlertmanagerConfig(config, { telegramBridge: bridgeAt }, RETIME));
      const c = config.alertmanagerCluster!;
      const args = alertmanagerArgs({
        configFile: path.join(home, "alertmanager.yml"),
        storagePath: path.join(home, "data"),
        externalUrl: `http://${httpAt}`,
        cluster: { listenAddress: gossip, advertiseAddress: gossip, peerName: `host-${name}`, peerTimeout: c.peerTimeout, peers: [other] },
      });
      return programs.start(`alertmanager host-${name}`, requireTool("alertmanager"), [...args, `--web.listen-address=${httpAt}`], home);
    };
    amA = host("a", at.amA, at.gossipA, at.gossipB, at.bridgeA);
    host("b", at.amB, at.gossipB, at.gossipA, at.bridgeB);
    for (const [name, port, prefix] of [
      ["a", bridgePortA, "[host-a]"],
      ["b", bridgePortB, "[host-b]"],
    ] as const) {
      const env = {
        TELEGRAM_BOT_TOKEN: telegram.token,
        TELEGRAM_CHAT_ID: CHAT,
        TELEGRAM_API_BASE: telegram.url,
        BRIDGE_ENVIRONMENT: "dev",
        BRIDGE_PREFIX: prefix,
        PORT: String(port),
        HOST: "127.0.0.1",
        MIN_SEND_INTERVAL_MS: "50",
        GROUP_MESSAGES_PER_MINUTE: "400",
        COALESCE_MS: "50",
        REQUEST_BUDGET_MS: "4000",
        STATE_FILE: path.join(dir, `bridge-${name}`, "state.json"),
        DEDUPE_WINDOWS: Object.entries(bridgeDedupeWindows(RETIME))
          .map(([r, s]) => `${r}=${s}`)
          .join(","),
        // One chat polled by two consoles would split its updates between them; delivery is what is tested here.
        CONSOLE_ENABLED: "false",
      };
      bridges.push(await startBridge(loadConfig(env), { log: quiet }));
    }

    // The long-term store: a second Prometheus with its remote-write receiver.
    const homeB = path.join(dir, "prom-b");
    fs.mkdirSync(homeB);
    fs.writeFileSync(path.join(homeB, "prometheus.yml"), "global:\n  scrape_interval: 15s\n");
    // It stands in for a store elsewhere (Mimir, Thanos), whose own auth the gate above plays: an empty web config asks for none.
    fs.writeFileSync(path.join(homeB, "web.yml"), "");
    const argsB = prometheusArgs({
      configFile: path.join(homeB, "prometheus.yml"),
      storagePath: path.join(homeB, "tsdb"),
      retention: "1d",
      remoteWriteReceiver: true,
      webConfigFile: path.join(homeB, "web.yml"),
    });
    programs.start("prometheus (long-term store)", requireTool("prometheus"), [...argsB, `--web.listen-address=${at.promB}`], homeB);

    // Both Alertmanagers settled into one cluster before any alert is sent.
    for (const am of [at.amA, at.amB]) {
      await waitFor(
        `Alertmanager ${am} settled with both peers`,
        async () => {
          const s = await getJson(`http://${am}/api/v2/status`);
          return s.cluster.status === "ready" && s.cluster.peers.length === 2;
        },
        60_000,
      );
    }

    // Prometheus of host-a: the rendered prometheus.yml and rules, its credentials as files.
    const homeA = path.join(dir, "prom-a");
    // Its own API password and web config as deployed; in a cluster the Alertmanagers ask for none.
    liveCredentials(homeA, { prometheus: `http://${at.promA}` });
    const secretsDir = liveSecretsDir(homeA, "prometheus");
    fs.mkdirSync(path.join(homeA, "rules"), { recursive: true });
    for (const [store, value] of Object.entries(config.remoteWriteCredentials))
      fs.writeFileSync(credentialsFile(store, secretsDir), value, { mode: 0o600 });
    const rules = { ...ruleSettings(config), intervals: { alerts: "1s", recording: "1s" } };
    for (const [f, text] of Object.entries(renderRuleFiles(rules))) fs.writeFileSync(path.join(homeA, "rules", f), text);
    fs.writeFileSync(
      path.join(homeA, "prometheus.yml"),
      // 10s: the application jobs' own scrape_timeout, so the file stays exactly as rendered.
      renderPrometheusConfig(config, peers, {
        rulesDir: path.join(homeA, "rules"),
        scrapeInterval: "10s",
        evaluationInterval: "1s",
        secretsDir,
      }),
    );
    const argsA = prometheusArgs({
      configFile: path.join(homeA, "prometheus.yml"),
      storagePath: path.join(homeA, "tsdb"),
      retention: config.retention.prometheus,
      remoteWriteReceiver: false,
      webConfigFile: webConfigFile(secretsDir),
    });
    // The live tier's resend delay: the tests below wait a minute for the Watchdog, the default delay.
    programs.start(
      "prometheus host-a",
      requireTool("prometheus"),
      [...argsA, `--web.listen-address=${at.promA}`, LIVE_RESEND_DELAY_FLAG],
      homeA,
    );
    for (const p of [at.promA, at.promB])
      await waitFor(`Prometheus ${p} ready`, async () => (await authedFetch(`http://${p}/-/ready`)).ok, 30_000);
  } catch (e) {
    const logs = programs.logs();
    await stopEverything();
    throw new Error(`${(e as Error).message}\n${logs}`, { cause: e });
  }
}, 150_000);

async function stopEverything(): Promise<void> {
  await Promise.all(programs.all.map((p) => programs.stop(p)));
  await Promise.all(bridges.map((b) => b.close(1000).catch(() => undefined)));
  await Promise.all(gates.map((g) => g.close()));
  await sim?.close();
  await telegram?.stop();
  fs.rmSync(dir, { recursive: true, force: true });
}
afterAll(stopEverything);

const queryA = async (q: string) =>
  (await getJson(`http://${at.promA}/api/v1/query?query=${encodeURIComponent(q)}`)).data.result as { metric: Record<string, string> }[];
const queryB = async (q: string) =>
  (await getJson(`http://${at.promB}/api/v1/query?query=${encodeURIComponent(q)}`)).data.result as { metric: Record<string, string> }[];

describe("remote_write to a second Prometheus", () => {
  it("every recording rule's series arrives, with the stack and environment as labels", async () => {
    // Both hosts run without cAdvisor and node_exporter (services above).
    const recorded = recordingRulesFed(["cadvisor", "nodeExporter"])
      .map((r) => r.record)
      .sort();
    const names = await waitFor(
      "every recorded series at the long-term store",
      async () => {
        const got = [...new Set((await queryB('group by (__name__) ({__name__=~"tutordex:.+"})')).map((r) => r.metric.__name__))].sort();
        return recorded.every((r) => got.includes(r)) ? got : undefined;
      },
      90_000,
      1000,
    );
    expect(names).toEqual(recorded);
    const labels = await queryB('group by (__name__, stack, environment) ({__name__=~"tutordex:.+"})');
    expect(labels.length).toBe(recorded.length);
    for (const r of labels)
      expect({ name: r.metric.__name__, stack: r.metric.stack, environment: r.metric.environment }).toEqual({
        name: r.metric.__name__,
        stack: "host-a",
        environment: "dev",
      });
    // The scraped series go too, labelled the same.
    expect((await queryB('up{job="tutordex_worker", stack="host-a", environment="dev"}')).length).toBe(1);
  });

  it("the always-dropped series and the store's own drops stay home", async () => {
    expect((await queryA('count({__name__=~"go_.*"})')).length).toBe(1);
    expect((await queryA('count({__name__=~"collector_messages_.*"})')).length).toBe(1);
    expect(await queryB(`count({__name__=~"${ALWAYS_DROPPED_METRICS.join("|")}"})`)).toEqual([]);
    expect(await queryB('count({__name__=~"collector_messages_.*"})')).toEqual([]);
    expect((await queryB('count({__name__=~"collector_.*"})')).length).toBe(1);
  });

  it("Prometheus sends the basic-auth password and the bearer token it reads from their files, and nothing else", async () => {
    const [longterm, audit] = gates;
    await waitFor("writes to the bearer-token store", async () => audit.accepted() > 0, 30_000);
    expect([longterm.accepted() > 0, longterm.refused(), audit.refused()]).toEqual([true, 0, 0]);
    const yml = fs.readFileSync(path.join(dir, "prom-a", "prometheus.yml"), "utf8");
    expect([yml.includes(PASSWORD), yml.includes(TOKEN)]).toEqual([false, false]);
  });
});

describe("two Alertmanagers in one cluster", () => {
  /** Which host's bridge sent a message: its prefix opens the headline. */
  const sentBy = (m: { text: string }) => /^<b>\[(host-[ab])\]/.exec(m.text)?.[1];
  const firing = (alert: string) =>
    telegram.messages.filter((m) => m.chatId === CHAT && m.text.includes("FIRING") && m.text.includes(`<b>${alert}</b>`));
  const alertsAt = (am: string, alert: string) =>
    getJson<unknown[]>(`http://${am}/api/v2/alerts?filter=${encodeURIComponent(`alertname="${alert}"`)}`);
  const webhooksSent = (am: string) => metricSum(`http://${am}`, "alertmanager_notifications_total", /integration="webhook"/);
  /**
   * How long a duplicate could still come: the later peer waits its position times the peer
   * timeout before it checks the gossiped notification log, and would try again at the group's
   * next flush (group_interval). Plus a margin for gossip and delivery.
   */
  const duplicateWindowMs = (groupInterval: string) =>
    (durationSeconds(PEER_TIMEOUT) * (2 - 1) + durationSeconds(groupInterval) + 2) * 1000;

  it("gossip: each lists both peers by name and address", async () => {
    for (const am of [at.amA, at.amB]) {
      const s = await getJson(`http://${am}/api/v2/status`);
      expect(s.cluster.status).toBe("ready");
      expect(s.cluster.peers.map((p: { name: string; address: string }) => `${p.name}@${p.address}`).sort()).toEqual([
        `host-a@${at.gossipA}`,
        `host-b@${at.gossipB}`,
      ]);
    }
  });

  it("an alert Prometheus sends to both reaches the chat exactly once", async () => {
    const first = await waitFor("the Watchdog in the chat", async () => firing("Watchdog")[0], 60_000);
    // Both got it from Prometheus (alerting lists both) ...
    for (const am of [at.amA, at.amB]) expect(await alertsAt(am, "Watchdog")).toHaveLength(1);
    // ... and no duplicate comes within everything the mechanism allows.
    await sleep(duplicateWindowMs(RETIME(ROUTES[0].group_interval, "group_interval")));
    expect(firing("Watchdog")).toHaveLength(1);
    // host-a sorts first, so it notified; host-b saw that in the gossiped log and sent nothing.
    expect(sentBy(first)).toBe("host-a");
    expect([await webhooksSent(at.amA), await webhooksSent(at.amB)]).toEqual([1, 0]);
  });

  it("with host-a's Alertmanager killed, the next alert still arrives, through host-b", async () => {
    await programs.stop(amA, "SIGKILL");
    // Its death is itself the next alert: Prometheus cannot scrape it (PrometheusTargetDown).
    const next = await waitFor("PrometheusTargetDown in the chat", async () => firing("PrometheusTargetDown")[0], 60_000);
    expect(sentBy(next)).toBe("host-b");
    expect(next.text).toContain("alertmanager");
    await sleep(duplicateWindowMs(RETIME("15m", "group_interval")));
    expect(firing("PrometheusTargetDown")).toHaveLength(1);
    // host-b knows from the gossip that the Watchdog was notified: no second one after the failover.
    expect(firing("Watchdog")).toHaveLength(1);
  });
});

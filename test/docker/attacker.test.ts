/**
 * The docker tier's attacker (docs/threat-model.md): two stacks on one engine, each with its own
 * application network, as prod and staging share a host. A container on stack A's application
 * network (where TutorDex's containers live, the Telegram collector among them) and one in the
 * host's network namespace try what issue 25 lists against the stack: stop, reload or rewrite
 * Prometheus, silence Alertmanager, aim blackbox at the stack's own endpoints, reach the other
 * stack's Prometheus. Every attempt must be refused, and afterwards the stack still scrapes,
 * evaluates and delivers an incident to the fake Telegram. The table of attempts and outcomes is
 * printed (and written to $ATTACK_TABLE when set) for the report.
 *
 * Grafana is AGPL and has no image here (it is switched off in this tier): its anonymous access
 * and sign-up are off by configuration (test/program/containerEnv.test.ts), not tested live.
 */
import * as fs from "fs";
import Docker from "dockerode";
import { dockerName } from "../../components/serviceContainer";
import { bundle } from "../../components/bundle";
import { SIMULATOR_ENTRY } from "../../components/demoWorkload";
import { DEMO_WORKLOAD, OTEL_HEALTH_PORT, OTEL_METRICS_PORT } from "../../config/services";
import { containersOf, dockerNameOf, StackState, summarize, up, UpResult } from "../../harness/docker/apply";
import { Engine, startEngine } from "../../harness/docker/engine";
import { ensureStackImages } from "../../harness/docker/images";
import {
  ABSENT,
  apiPasswords,
  basicAuthHeader,
  exec,
  freeHostPorts,
  getJson,
  HostPorts,
  NODE_IMAGE,
  PrometheusApi,
  runTestContainer,
  stackConfig,
  startCadvisorStandIn,
  startFakeTelegram,
  TestContainer,
  trustStack,
  waitFor,
} from "../../harness/docker/tier";

jest.setTimeout(20 * 60_000);

const A = "docker";
const B = "other";
const APP: Readonly<Record<string, string>> = { [A]: "tdx-attack-app-a", [B]: "tdx-attack-app-b" };
const name = (stack: string, alias: string) => dockerName(stack, alias);

let engine: Engine;
let docker: Docker;
let textfileDir: string;
const ports: Record<string, HostPorts> = {};
const states: Record<string, StackState> = {};
let telegram: Awaited<ReturnType<typeof startFakeTelegram>>;
let appAttacker: TestContainer;
let hostAttacker: TestContainer;
let otherAppAttacker: TestContainer;
let prometheusStartedAt = "";
let application: TestContainer | undefined;

/** One request an attacker makes; `expect` is what refusing it looks like. */
interface Attempt {
  readonly id: string;
  readonly what: string;
  readonly url: string;
  readonly method?: string;
  readonly headers?: Record<string, string>;
  readonly body?: string;
  /** Refused means: this status, or no answer at all (name unknown, connection refused). */
  readonly refused: readonly number[];
}
interface Outcome {
  readonly id: string;
  readonly status?: number;
  readonly error?: string;
  readonly body?: string;
}
const rows: string[] = [];

/** The attacker's program: plain fetch from Node in its container, one line of JSON out. */
const ATTACK_JS = `
const attempts = JSON.parse(process.argv[2]);
(async () => {
  const out = [];
  for (const a of attempts) {
    try {
      const r = await fetch(a.url, { method: a.method || "GET", headers: a.headers || {}, body: a.body, signal: AbortSignal.timeout(5000) });
      out.push({ id: a.id, status: r.status, body: (await r.text()).slice(0, 160) });
    } catch (e) {
      out.push({ id: a.id, error: (e.cause && (e.cause.code || e.cause.message)) || e.name || String(e) });
    }
  }
  console.log(JSON.stringify(out));
})();
`;

async function attack(from: TestContainer, where: string, attempts: readonly Attempt[]): Promise<Outcome[]> {
  const r = await exec(docker, from.id, ["node", "/app/attack.js", JSON.stringify(attempts)], { timeoutMs: 120_000 });
  const line = r.output.trim().split("\n").pop() ?? "";
  let outcomes: Outcome[];
  try {
    outcomes = JSON.parse(line) as Outcome[];
  } catch {
    throw new Error(`the attacker in ${where} printed no result (exit ${r.code}): ${r.output.slice(-500)}`);
  }
  for (const a of attempts) {
    const o = outcomes.find((x) => x.id === a.id)!;
    const got = o.error ? `no answer (${o.error})` : `HTTP ${o.status}`;
    rows.push(`| ${where} | ${a.what} | \`${a.method ?? "GET"} ${a.url.replace(/^http:\/\//, "")}\` | ${got} |`);
  }
  return outcomes;
}

function expectRefused(attempts: readonly Attempt[], outcomes: readonly Outcome[]): void {
  const accepted = attempts.filter((a) => {
    const o = outcomes.find((x) => x.id === a.id)!;
    return o.error === undefined && !a.refused.includes(o.status!);
  });
  expect(accepted.map((a) => `${a.id}: ${JSON.stringify(outcomes.find((x) => x.id === a.id))}`)).toEqual([]);
}

/**
 * TutorDex on stack A's application network: the simulator the demo workload runs, under the
 * application's own names, as the application's compose project would run it (a stack that joins
 * the application's networks cannot run the demo workload itself). A new scenario is a new container.
 */
async function startApplication(scenario: string): Promise<void> {
  if (application) await docker.getContainer(application.id).remove({ force: true });
  const { ports } = DEMO_WORKLOAD;
  application = await runTestContainer(engine, {
    name: "tdx-attack-application",
    image: NODE_IMAGE,
    entrypoint: ["node", "/app/simulator.js"],
    user: "node",
    env: [`SCENARIO=${scenario}`, `COLLECTOR_PORT=${ports.collector}`, `WORKER_PORT=${ports.worker}`, `BACKEND_PORT=${ports.backend}`],
    network: APP[A],
    aliases: [...DEMO_WORKLOAD.appAliases],
    files: { "/app/simulator.js": simulatorBundle },
  });
}
const simulatorBundle = bundle(SIMULATOR_ENTRY);

async function apply(stack: string, overrides: Record<string, unknown>): Promise<UpResult> {
  const { config, secretKeys } = stackConfig({ hostPorts: ports[stack], textfileDir, overrides });
  const r = await up(engine, { stack, config, secretKeys, prev: states[stack], absent: ABSENT, attachTimeoutMs: 5 * 60_000 });
  states[stack] = r.state;
  if (!r.ok) throw new Error(`pulumi up of ${stack} failed: ${r.error}\n${summarize(r)}\n--- harness log ---\n${r.log.slice(-3000)}`);
  trustStack(r.state, ports[stack]);
  return r;
}

const silence = JSON.stringify({
  matchers: [{ name: "alertname", value: ".+", isRegex: true, isEqual: true }],
  startsAt: new Date().toISOString(),
  endsAt: new Date(Date.now() + 86_400_000).toISOString(),
  createdBy: "attacker",
  comment: "mute everything",
});
/** An OTLP gauge stamped now (Prometheus's instant queries look back 5 minutes). */
const otlpMetric = () =>
  JSON.stringify({
    resourceMetrics: [
      {
        resource: { attributes: [{ key: "service.name", value: { stringValue: "attacker" } }] },
        scopeMetrics: [
          { metrics: [{ name: "attacker_injected", gauge: { dataPoints: [{ asDouble: 1, timeUnixNano: `${Date.now()}000000` }] } }] },
        ],
      },
    ],
  });

beforeAll(async () => {
  engine = await startEngine();
  docker = engine.docker;
  await ensureStackImages(docker);
  textfileDir = engine.tempDir("tdx-textfile-");
  fs.chmodSync(textfileDir, 0o755);
  for (const stack of [A, B]) {
    ports[stack] = await freeHostPorts();
    const n = (await docker.createNetwork({ Name: APP[stack], Driver: "bridge" })) as unknown as { id: string };
    engine.track("network", n.id);
  }
  // The application's network instead of the demo workload, which the schema refuses beside it.
  await apply(A, { appNetworks: [APP[A]], demoWorkload: undefined });
  await apply(B, {
    appNetworks: [APP[B]],
    demoWorkload: undefined,
    telegram: { chatId: "-1001234567891", apiBaseUrl: "http://fake-telegram.invalid:8081" },
  });
  await startApplication("steady");
  telegram = await startFakeTelegram(engine, name(A, "net"), A);
  const cadvisor = states[A].resources.find((e) => e.absent && /cadvisor/.test(e.name) && e.inputs.command);
  await startCadvisorStandIn(engine, name(A, "net"), A, (cadvisor?.inputs.command as string[]) ?? []);
  const attacker = (container: string, network: string) =>
    runTestContainer(engine, {
      name: container,
      image: NODE_IMAGE,
      entrypoint: ["/bin/sh", "-c", "sleep 3600"],
      network,
      files: { "/app/attack.js": ATTACK_JS },
    });
  appAttacker = await attacker("tdx-attacker-app", APP[A]);
  otherAppAttacker = await attacker("tdx-attacker-other-app", APP[B]);
  hostAttacker = await attacker("tdx-attacker-host", "host");
  prometheusStartedAt = (await docker.getContainer(name(A, "prometheus")).inspect()).State.StartedAt;
}, 15 * 60_000);

afterAll(async () => {
  if (rows.length) {
    const table = ["| from | attempt | request | outcome |", "|---|---|---|---|", ...rows].join("\n");
    process.stdout.write(`\n${table}\n`);
    if (process.env.ATTACK_TABLE) fs.writeFileSync(process.env.ATTACK_TABLE, `${table}\n`);
  }
  if (engine) await engine.stop();
}, 5 * 60_000);

describe("a container on the application's network", () => {
  const prom = () => `http://${name(A, "prometheus")}:9090`;
  const bb = () => `http://${name(A, "blackbox-exporter")}:9115`;

  it("reaches Prometheus (it scrapes there) but cannot stop, reload, wipe, snapshot, write into or even read it", async () => {
    const attempts: Attempt[] = [
      { id: "quit", what: "stop Prometheus", url: `${prom()}/-/quit`, method: "POST", refused: [401] },
      { id: "reload", what: "reload Prometheus", url: `${prom()}/-/reload`, method: "POST", refused: [401] },
      {
        id: "delete",
        what: "delete every series (admin API)",
        url: `${prom()}/api/v1/admin/tsdb/delete_series?match[]={__name__=~".%2B"}`,
        method: "POST",
        refused: [401],
      },
      {
        id: "snapshot",
        what: "snapshot the TSDB (admin API)",
        url: `${prom()}/api/v1/admin/tsdb/snapshot`,
        method: "POST",
        refused: [401],
      },
      {
        id: "otlp",
        what: "write a series over OTLP",
        url: `${prom()}/api/v1/otlp/v1/metrics`,
        method: "POST",
        headers: { "content-type": "application/json" },
        body: otlpMetric(),
        refused: [401],
      },
      {
        id: "rw",
        what: "remote-write a series",
        url: `${prom()}/api/v1/write`,
        method: "POST",
        headers: { "content-type": "application/x-protobuf", "content-encoding": "snappy" },
        body: "x",
        refused: [401],
      },
      { id: "query", what: "read series", url: `${prom()}/api/v1/query?query=up`, refused: [401] },
      { id: "ready", what: "read readiness", url: `${prom()}/-/ready`, refused: [401] },
    ];
    const outcomes = await attack(appAttacker, "application network", attempts);
    expectRefused(attempts, outcomes);
    // It did get there: every refusal is Prometheus's own 401, not a network failure.
    expect(outcomes.map((o) => o.status)).toEqual(attempts.map(() => 401));
  });

  it("cannot aim blackbox_exporter at the stack's own endpoints, nor reload it", async () => {
    const probe = (target: string, module = "http_2xx") => `${bb()}/probe?module=${module}&target=${encodeURIComponent(target)}`;
    const attempts: Attempt[] = [
      {
        id: "probe-am",
        what: "probe Alertmanager's silences through blackbox",
        url: probe("http://alertmanager:9093/api/v2/silences"),
        refused: [401],
      },
      {
        id: "probe-prom",
        what: "probe Prometheus's /-/quit through blackbox",
        url: probe("http://prometheus:9090/-/quit"),
        refused: [401],
      },
      { id: "probe-node", what: "probe node_exporter through blackbox", url: probe("http://node-exporter:9100/metrics"), refused: [401] },
      {
        id: "probe-debug",
        what: "probe with debug output",
        url: `${probe("http://telegram-bridge:8080/metrics")}&debug=true`,
        refused: [401],
      },
      { id: "bb-reload", what: "reload blackbox_exporter", url: `${bb()}/-/reload`, method: "POST", refused: [401] },
      { id: "bb-config", what: "read blackbox's config", url: `${bb()}/config`, refused: [401] },
    ];
    const outcomes = await attack(appAttacker, "application network", attempts);
    expectRefused(attempts, outcomes);
    expect(outcomes.map((o) => o.status)).toEqual(attempts.map(() => 401));
  });

  it("cannot reach Alertmanager at all (it is not on the application's network), nor the host's published ports", async () => {
    const gateway = (await docker.getNetwork(APP[A]).inspect()).IPAM?.Config?.[0]?.Gateway as string;
    const attempts: Attempt[] = [
      {
        id: "am-name",
        what: "silence everything in Alertmanager",
        url: `http://${name(A, "alertmanager")}:9093/api/v2/silences`,
        method: "POST",
        headers: { "content-type": "application/json" },
        body: silence,
        refused: [],
      },
      {
        id: "am-alias",
        what: "silence everything (alias)",
        url: "http://alertmanager:9093/api/v2/silences",
        method: "POST",
        headers: { "content-type": "application/json" },
        body: silence,
        refused: [],
      },
      {
        id: "am-host",
        what: "silence through the host's published port",
        url: `http://${gateway}:${ports[A].alertmanager}/api/v2/silences`,
        method: "POST",
        headers: { "content-type": "application/json" },
        body: silence,
        refused: [401],
      },
      {
        id: "bridge",
        what: "post a fake alert to the bridge",
        url: `http://${name(A, "telegram-bridge")}:8080/webhook`,
        method: "POST",
        body: "{}",
        refused: [],
      },
    ];
    const outcomes = await attack(appAttacker, "application network", attempts);
    expectRefused(attempts, outcomes);
  });

  it("sends OTLP to the collector (its job), and the collector's other listeners only read", async () => {
    const col = "http://otel-collector";
    const attempts: Attempt[] = [
      {
        id: "otlp",
        what: "send OTLP metrics to the collector (its job)",
        url: `${col}:4318/v1/metrics`,
        method: "POST",
        headers: { "content-type": "application/json" },
        body: otlpMetric(),
        refused: [],
      },
      { id: "health", what: "read the collector's health (read-only)", url: `${col}:${OTEL_HEALTH_PORT}/`, refused: [] },
      { id: "own-metrics", what: "read the collector's own metrics (read-only)", url: `${col}:${OTEL_METRICS_PORT}/metrics`, refused: [] },
      { id: "zpages", what: "zpages (not built in)", url: `${col}:55679/debug/tracez`, refused: [] },
      { id: "pprof", what: "pprof (not built in)", url: `${col}:1777/debug/pprof/`, refused: [] },
    ];
    const outcomes = await attack(appAttacker, "application network", attempts);
    const by = (id: string) => outcomes.find((o) => o.id === id)!;
    expect(by("otlp").status).toBe(200);
    expect(by("health").status).toBe(200);
    expect(by("own-metrics").status).toBe(200);
    expect(by("zpages").error).toBeDefined();
    expect(by("pprof").error).toBeDefined();
  });
});

describe("another stack on the same engine", () => {
  it("stack A's application network does not reach stack B's Prometheus; B's own application network reaches it, and A's password does not open it", async () => {
    const passwordA = apiPasswords(states[A]).prometheus;
    const fromA: Attempt[] = [
      {
        id: "other-name",
        what: "reach the other stack's Prometheus",
        url: `http://${name(B, "prometheus")}:9090/-/quit`,
        method: "POST",
        refused: [],
      },
    ];
    expectRefused(fromA, await attack(appAttacker, "application network", fromA));
    const fromB: Attempt[] = [
      {
        id: "b-quit",
        what: "stop the other stack's Prometheus",
        url: `http://${name(B, "prometheus")}:9090/-/quit`,
        method: "POST",
        refused: [401],
      },
      {
        id: "b-with-a",
        what: "…with stack A's password",
        url: `http://${name(B, "prometheus")}:9090/api/v1/query?query=up`,
        headers: { authorization: basicAuthHeader(passwordA) },
        refused: [401],
      },
    ];
    const outcomes = await attack(otherAppAttacker, "the other stack's application network", fromB);
    expectRefused(fromB, outcomes);
    expect(outcomes.map((o) => o.status)).toEqual([401, 401]);
  });
});

describe("a container in the host's network namespace (the published ports on loopback)", () => {
  it("cannot stop, reload or write into either stack's Prometheus, nor silence their Alertmanagers", async () => {
    const at = (stack: string, key: keyof HostPorts) => `http://127.0.0.1:${ports[stack][key]}`;
    const attempts: Attempt[] = [A, B].flatMap((stack) => [
      {
        id: `${stack}-quit`,
        what: `stop stack ${stack}'s Prometheus`,
        url: `${at(stack, "prometheus")}/-/quit`,
        method: "POST",
        refused: [401],
      },
      {
        id: `${stack}-reload`,
        what: `reload stack ${stack}'s Prometheus`,
        url: `${at(stack, "prometheus")}/-/reload`,
        method: "POST",
        refused: [401],
      },
      {
        id: `${stack}-delete`,
        what: `delete series of stack ${stack}`,
        url: `${at(stack, "prometheus")}/api/v1/admin/tsdb/delete_series?match[]=up`,
        method: "POST",
        refused: [401],
      },
      {
        id: `${stack}-write`,
        what: `remote-write into stack ${stack}`,
        url: `${at(stack, "prometheus")}/api/v1/write`,
        method: "POST",
        body: "x",
        refused: [401],
      },
      {
        id: `${stack}-silence`,
        what: `silence stack ${stack}'s alerts`,
        url: `${at(stack, "alertmanager")}/api/v2/silences`,
        method: "POST",
        headers: { "content-type": "application/json" },
        body: silence,
        refused: [401],
      },
      {
        id: `${stack}-am-reload`,
        what: `reload stack ${stack}'s Alertmanager`,
        url: `${at(stack, "alertmanager")}/-/reload`,
        method: "POST",
        refused: [401],
      },
    ]);
    const outcomes = await attack(hostAttacker, "host network", attempts);
    expectRefused(attempts, outcomes);
    expect(outcomes.every((o) => o.status === 401)).toBe(true);
  });
});

describe("after every attempt, stack A still scrapes, evaluates and delivers", () => {
  const promA = () => new PrometheusApi(`http://127.0.0.1:${ports[A].prometheus}`);

  it("the same Prometheus process runs, with every target up and every rule healthy; nothing the attackers sent is in it; no silence exists", async () => {
    expect((await docker.getContainer(name(A, "prometheus")).inspect()).State.StartedAt).toBe(prometheusStartedAt);
    const p = promA();
    await waitFor(
      "every target of stack A up",
      180_000,
      async () => {
        const t = await p.targets();
        return t.length > 0 && t.every((x) => x.health === "up") ? t : undefined;
      },
      3000,
    );
    await waitFor(
      "every rule of stack A evaluated healthy",
      120_000,
      async () => {
        const rules = (await p.ruleGroups()).flatMap((g) => g.rules);
        return rules.length > 0 && rules.every((r) => r.health === "ok") ? rules : undefined;
      },
      3000,
    );
    expect((await p.query("prometheus_config_last_reload_successful"))[0].value[1]).toBe("1");
    // What the application sent through the collector arrived (its job); nothing came straight in.
    await waitFor(
      "the application's OTLP metric, through the collector",
      60_000,
      async () => ((await p.query("last_over_time(attacker_injected[30m])")).length ? true : undefined),
      2000,
    );
    // The one that came straight to Prometheus was refused: only the collector's copy, under the sender's job.
    expect((await p.query("last_over_time(attacker_injected[30m])")).map((x) => x.metric.job)).toEqual(["attacker"]);
    expect(await getJson(`http://127.0.0.1:${ports[A].alertmanager}/api/v2/silences`)).toEqual([]);
  });

  it("an incident still reaches the fake Telegram", async () => {
    await startApplication("stuck_processing");
    const about = (m: unknown) => JSON.stringify(m).includes("QueueStuckProcessing");
    await waitFor(
      "a FIRING QueueStuckProcessing message in the fake Telegram",
      240_000,
      async () => {
        const m = (await telegram.messages()).filter(about);
        return m.some((x) => /FIRING/.test(x.text)) ? m : undefined;
      },
      3000,
    );
    rows.push(
      "| (after every attempt) | an incident of stack A | the application's scenario stuck_processing | FIRING QueueStuckProcessing reached the fake Telegram |",
    );
    expect(containersOf(states[A]).map(dockerNameOf)).toContain(name(A, "prometheus"));
  });
});

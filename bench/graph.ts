/**
 * Graph benchmark: what a graph costs the bridge. Prints the time to draw and encode one graph
 * (cold, then p50/p95/max over many) and its PNG size, for graphs of easy and hard data; a storm
 * delivered by the bundled bridge (a child process, as the container runs it) with graphs off and
 * on: messages, photos, the last delivery, alerts lost and shown twice, 429s, and the bridge's
 * peak memory against its container limit; and the bridge bundle's size (what every stack's
 * Pulumi state holds), with the bytes the graph code adds. Figures, not a pass/fail; the issue's
 * targets (p95 ≤ 250 ms, ≤ 100 KB per image) are printed beside them.
 *
 * Run: npm run -s bench:graph [-- --before <git revision>]
 * With --before, the bundle of that revision is built too (from `git archive`, with this
 * checkout's packages), and the difference printed. BENCH_NODE_FLAGS are given to the bridge's
 * node: on a host without a memory limit V8 lets its young generation grow to 16 MB semi-spaces,
 * which a 128 MB container does not (V8 sizes its heap from the cgroup's limit), so
 * BENCH_NODE_FLAGS=--max-semi-space-size=2 gives a peak nearer the container's.
 */
import { execFileSync, spawn } from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { performance } from "perf_hooks";
import { bundleWithMeta } from "../components/bundle";
import { BRIDGE_ENTRY, bundleBridge } from "../components/telegramBridge";
import { DEFAULT_MEMORY_MB } from "../config/defaults";
import { graphQuery } from "../bridge/src/graph/query";
import { GraphSpec, renderGraph } from "../bridge/src/graph/render";
import { graphSpec } from "../bridge/src/graph/spec";
import { RangeSeries } from "../bridge/src/prometheus";
import { FakePrometheus } from "../harness/fakePrometheus";
import { alert, payload } from "../harness/alerts";
import { FakeTelegram } from "../harness/fakeTelegram";
import { freePort } from "../harness/ports";

const RENDERS = 200;
const TARGET_P95_MS = 250;
const TARGET_BYTES = 100 * 1024;
const WINDOW_S = 3600;
const STEP_S = 20;
const END_S = Math.floor(Date.parse("2026-11-25T10:47:13Z") / 1000);
const START_S = END_S - WINDOW_S;

/** A deterministic pseudo-random sequence, so every run draws the same graphs. */
function random(seed: number): () => number {
  let s = seed >>> 0;
  return () => (s = (Math.imul(s, 1664525) + 1013904223) >>> 0) / 2 ** 32;
}

/** A query_range answer as Prometheus gives it: `n` series of the last hour, smooth or noisy, some with gaps. */
function answer(n: number, kind: "smooth" | "noisy", seed = 1): RangeSeries[] {
  const rnd = random(seed);
  return Array.from({ length: n }, (_, i) => {
    const values: [number, string][] = [];
    let v = 0.4 + i * 0.05;
    for (let t = START_S; t <= END_S; t += STEP_S) {
      if (i === 1 && t > START_S + 1200 && t < START_S + 1400) continue;
      v = kind === "smooth" ? 0.4 + i * 0.05 + 0.1 * Math.sin((t - START_S) / 400 + i) : Math.min(1, Math.max(0, v + (rnd() - 0.5) * 0.12));
      values.push([t, String(v)]);
    }
    return { metric: { __name__: "x", instance: `host-${i}:9100`, job: "node" }, values };
  });
}

const CASES: { name: string; series: RangeSeries[]; expr: string }[] = [
  { name: "1 series, smooth", series: answer(1, "smooth"), expr: "node_load1 > 0.9" },
  { name: "3 series, smooth", series: answer(3, "smooth"), expr: "node_memory_MemAvailable_bytes / node_memory_MemTotal_bytes < 0.1" },
  {
    name: "3 of 250 series, noisy",
    series: answer(250, "noisy"),
    expr: 'rate(container_cpu_usage_seconds_total{name=~"tutordex-.+"}[5m]) > 0.9',
  },
];

function spec(c: (typeof CASES)[number]): GraphSpec {
  const query = graphQuery(`http://prometheus:9090/graph?g0.expr=${encodeURIComponent(c.expr)}&g0.tab=1`)!;
  const firing = alert({ labels: { instance: "host-0:9100" }, startsAt: new Date((END_S - 1100) * 1000).toISOString() });
  return graphSpec(c.series, query, [firing], { startS: START_S, endS: END_S, stepS: STEP_S });
}

const quantile = (xs: readonly number[], q: number) => [...xs].sort((a, b) => a - b)[Math.min(xs.length - 1, Math.ceil(q * xs.length) - 1)];
const kb = (bytes: number) => `${(bytes / 1024).toFixed(1)} KB`;
const mb = (bytes: number) => `${(bytes / (1 << 20)).toFixed(1)} MB`;

function renders(): void {
  console.log(
    `render (draw + PNG encode, the Prometheus query left out), ${RENDERS} per case; targets p95 <= ${TARGET_P95_MS} ms, <= ${kb(TARGET_BYTES)}`,
  );
  for (const c of CASES) {
    const s = spec(c);
    const t0 = performance.now();
    const first = renderGraph(s);
    const cold = performance.now() - t0;
    const times: number[] = [];
    let bytes = first.length;
    for (let i = 0; i < RENDERS; i++) {
      const t = performance.now();
      bytes = Math.max(bytes, renderGraph(s).length);
      times.push(performance.now() - t);
    }
    const p95 = quantile(times, 0.95);
    console.log(
      `  ${c.name.padEnd(24)} first ${cold.toFixed(1)} ms, p50 ${quantile(times, 0.5).toFixed(1)} ms, p95 ${p95.toFixed(1)} ms, max ${Math.max(...times).toFixed(1)} ms; ` +
        `PNG ${first.length} bytes (${kb(bytes)}) ${p95 <= TARGET_P95_MS && bytes <= TARGET_BYTES ? "within" : "OVER"} target`,
    );
  }
}

/**
 * The storm: per severity chat, a group of 100 alerts of one rule posted at once, while 20 alerts
 * of 20 rules arrive in their own groups, one every SINGLE_GAP_MS (as Alertmanager sends groups
 * as they become due); every chat at the same time. Prometheus answers every graph's query with
 * ANSWER_SERIES series of an hour. Telegram's pace and the bridge's coalescing are the
 * real ones scaled 1:20 (50 ms per chat, 400 a minute per group, 50 ms), kept by the bridge and the
 * pace enforced by the fake.
 */
const CHATS = { critical: "-1001", warning: "-1002", info: "-1003" } as const;
const SINGLES = 20;
const GROUP = 100;
const SINGLE_GAP_MS = 250;
/** 450 kB an answer, near the bridge's cap (DEFAULT_GRAPHS.maxAnswerBytes): the most memory a graph may cost. */
const ANSWER_SERIES = 80;

/** Each payload with when it is posted, in ms after the storm starts. */
function stormPayloads(): { body: ReturnType<typeof payload>; atMs: number }[] {
  const startsAt = new Date((Math.floor(Date.now() / 1000) - 600) * 1000).toISOString();
  const url = (expr: string) => `http://prometheus:9090/graph?g0.expr=${encodeURIComponent(expr)}&g0.tab=1`;
  return Object.keys(CHATS).flatMap((severity) => [
    ...Array.from({ length: SINGLES }, (_, i) => ({
      body: payload(
        [
          alert({
            fingerprint: `${severity}-s${i}`,
            startsAt,
            labels: { alertname: `Down${i}`, severity, instance: `tok-${severity}-s${i}` },
            generatorURL: url(`up{job="svc${i}"} < 1`),
          }),
        ],
        {
          groupKey: `${severity}-s${i}`,
        },
      ),
      atMs: i * SINGLE_GAP_MS,
    })),
    {
      body: payload(
        Array.from({ length: GROUP }, (_, i) =>
          alert({
            fingerprint: `${severity}-g${i}`,
            startsAt,
            labels: { alertname: "HostMemoryPressure", severity, instance: `tok-${severity}-g${i}` },
            generatorURL: url("node_memory_MemAvailable_bytes / node_memory_MemTotal_bytes < 0.1"),
          }),
        ),
        { groupKey: `${severity}-group` },
      ),
      atMs: 0,
    },
  ]);
}

const delay = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Peak resident memory of a process (VmHWM), in bytes. */
function peakRss(pid: number): number {
  const kbytes = /VmHWM:\s+(\d+) kB/.exec(fs.readFileSync(`/proc/${pid}/status`, "utf8"))?.[1];
  return Number(kbytes) * 1024;
}

async function storm(file: string, graphs: boolean) {
  const telegram = await new FakeTelegram().start();
  telegram.pace = { groupPerWindow: 400, windowMs: 60_000, chatIntervalMs: 50 };
  const prometheus = await new FakePrometheus().start();
  prometheus.series = ANSWER_SERIES;
  const port = await freePort();
  const env = {
    PATH: process.env.PATH ?? "",
    PORT: String(port),
    HOST: "127.0.0.1",
    TELEGRAM_BOT_TOKEN: telegram.token,
    TELEGRAM_API_BASE: telegram.url,
    TELEGRAM_CHAT_ID: CHATS.warning,
    TELEGRAM_CHAT_ID_CRITICAL: CHATS.critical,
    TELEGRAM_CHAT_ID_WARNING: CHATS.warning,
    TELEGRAM_CHAT_ID_INFO: CHATS.info,
    PROMETHEUS_URL: prometheus.url,
    GRAPHS_ENABLED: String(graphs),
    MIN_SEND_INTERVAL_MS: "50",
    GROUP_MESSAGES_PER_MINUTE: "400",
    COALESCE_MS: "50",
    REQUEST_BUDGET_MS: "120000",
    CONSOLE_ENABLED: "false",
  };
  const child = spawn(process.execPath, [...(process.env.BENCH_NODE_FLAGS ?? "").split(" ").filter(Boolean), file], {
    env,
    stdio: ["ignore", "pipe", "pipe"],
  });
  let out = "";
  child.stdout.on("data", (d: Buffer) => (out += d.toString()));
  child.stderr.on("data", (d: Buffer) => (out += d.toString()));
  try {
    const deadline = Date.now() + 10_000;
    while (!out.includes("listening") && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50));
    if (!out.includes("listening")) throw new Error(`the bridge did not start:\n${out}`);
    const base = `http://127.0.0.1:${port}`;
    const idleRss = peakRss(child.pid!);
    const payloads = stormPayloads();
    const t0 = Date.now();
    const post = (p: unknown) => fetch(`${base}/alert`, { method: "POST", body: JSON.stringify(p) }).then((r) => r.status);
    const statuses = await Promise.all(payloads.map((p) => delay(p.atMs).then(() => post(p.body))));
    const metrics = await (await fetch(`${base}/metrics`)).text();
    const counted = (result: string) =>
      Number(new RegExp(`^telegram_bridge_graphs_total\\{result="${result}"\\} (\\d+)$`, "m").exec(metrics)?.[1] ?? 0);
    const shown = new Map<string, number>();
    for (const m of telegram.messages)
      for (const t of new Set(m.text.match(/tok-\w+-[sg]\d+/g) ?? [])) shown.set(t, (shown.get(t) ?? 0) + 1);
    const alerts = payloads.reduce((n, p) => n + p.body.alerts.length, 0);
    return {
      accepted: statuses.filter((s) => s === 200).length,
      payloads: payloads.length,
      alerts,
      messages: telegram.messages.length,
      photos: telegram.messages.filter((m) => m.photo).length,
      lastS: (Math.max(...telegram.messages.map((m) => m.at)) - t0) / 1000,
      lost: alerts - shown.size,
      duplicated: [...shown.values()].filter((n) => n > 1).length,
      tooManyRequests: telegram.requests.filter((r) => r.answer === "rate_limited_by_pace").length,
      queries: prometheus.queries.length,
      busy: counted("busy"),
      idleRss,
      peakRss: peakRss(child.pid!),
    };
  } finally {
    child.kill("SIGKILL");
    await telegram.stop();
    await prometheus.stop();
  }
}

async function storms(): Promise<void> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "bench-graph-"));
  const file = path.join(dir, "bridge.js");
  fs.writeFileSync(file, bundleBridge());
  try {
    const limit = DEFAULT_MEMORY_MB.telegramBridge * (1 << 20);
    console.log(
      `storm: ${Object.keys(CHATS).length} chats, each a group of ${GROUP} alerts at once and ${SINGLES} alerts of ${SINGLES} rules one every ${SINGLE_GAP_MS} ms; Prometheus answers ${ANSWER_SERIES} series; Telegram's pace scaled 1:20`,
    );
    for (const graphs of [false, true]) {
      const r = await storm(file, graphs);
      console.log(
        `  graphs ${graphs ? "on " : "off"}: ${r.accepted}/${r.payloads} payloads accepted, ${r.messages} messages (${r.photos} with a graph), last delivered after ${r.lastS.toFixed(1)} s, ` +
          `${r.lost} of ${r.alerts} alerts lost, ${r.duplicated} shown twice, ${r.tooManyRequests} 429s; ${r.queries} Prometheus queries, ${r.busy} messages without a graph because one was being made; ` +
          `bridge peak RSS ${mb(r.peakRss)} (idle ${mb(r.idleRss)}; container limit ${mb(limit)})`,
      );
    }
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

/** Bytes of the bundle each group of sources contributes, from esbuild's metafile. */
function bundleFigures(root?: string): { total: number; graph: number } {
  const { text, metafile } = bundleWithMeta(BRIDGE_ENTRY, root);
  const inputs = Object.values(metafile.outputs)[0].inputs;
  const graph = Object.entries(inputs)
    .filter(([file]) => file.startsWith("bridge/src/graph/") || file === "bridge/src/prometheus.ts")
    .reduce((sum, [, i]) => sum + i.bytesInOutput, 0);
  return { total: Buffer.byteLength(text), graph };
}

function bundles(before: string | undefined): void {
  const now = bundleFigures();
  console.log(`bridge bundle (uploaded into the container, kept in every stack's Pulumi state): ${now.total} bytes (${kb(now.total)})`);
  console.log(`  of which the graph code (bridge/src/graph/, prometheus.ts): ${now.graph} bytes (${kb(now.graph)})`);
  if (!before) return;
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "bench-graph-"));
  try {
    const tar = execFileSync("git", ["archive", before], { maxBuffer: 1 << 30 });
    execFileSync("tar", ["-x", "-C", dir], { input: tar });
    const then = bundleFigures(dir);
    const delta = now.total - then.total;
    console.log(
      `  at ${before}: ${then.total} bytes (${kb(then.total)}); now ${delta >= 0 ? "+" : ""}${delta} bytes (${((delta / then.total) * 100).toFixed(1)} %)`,
    );
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

async function main(): Promise<void> {
  const at = process.argv.indexOf("--before");
  renders();
  await storms();
  bundles(at >= 0 ? process.argv[at + 1] : undefined);
}

void main();

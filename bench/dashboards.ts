/**
 * `npm run -s bench:dashboards`: every Prometheus query of every dashboard against the built
 * Prometheus holding a TutorDex-sized history (bench/history: 15 days backfilled with promtool,
 * recording rules included, and a head of the two hours after them), while a second one runs the
 * deployed rules on a head of the same size at the wall clock. Variables at "All"; the 24 h and
 * 7 d ranges, ending where the history ends, with the step and $__rate_interval
 * Grafana uses for a 1,200-pixel panel. Per panel: p50/p95 alone and inside its dashboard (all
 * panels of a dashboard at once, as Grafana sends them), the samples it touched, and for panels
 * on recorded series the same panel computed from the raw series. Then rule-group evaluation
 * times, Prometheus's memory and head series. Figures, not a pass/fail.
 */
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { DASHBOARDS } from "../dashboards";
import { dashboardTargets, DashboardTarget, interpolate } from "../harness/queries";
import { panelQuery, PanelQuery } from "./grafana";
import { linkCopy } from "./history/blocks";
import { ensureHistory, HistoryFacts } from "./history/build";
import { HEAD_HOURS, HeadWriter } from "./history/head";
import { HISTORY_STACK, historySeries } from "./history/model";
import { BenchPrometheus, ownMetric, startPrometheus } from "./history/prometheus";
import { shapeFromEnv } from "./history/shape";
import { percentile, QueryWindow, runQuery } from "./promQuery";
import { inlineRecorded } from "./recorded";
import { stackConfig } from "../harness/fixtures";
import { memoryVerdict, PERFORMANCE_TARGETS } from "./targets";

const REPS = Number(process.env.BENCH_REPS ?? 10);
const PANEL_WIDTH_PX = 1200;
const RANGES = [
  { label: "24h", seconds: 86_400 },
  { label: "7d", seconds: 7 * 86_400 },
];
const SLOWEST = 12;
/** Rule groups evaluate on the full head for this long before the queries start. */
const SETTLE_SECONDS = 65;

interface Panel {
  readonly dashboard: string;
  readonly title: string;
  readonly targets: readonly DashboardTarget[];
}

interface PanelFigures {
  readonly panel: Panel;
  readonly range: string;
  alone: number[];
  /** Prometheus's CPU time per run alone, ms: what the panel costs whatever else runs on the machine. */
  cpuMs: number;
  inDashboard: number[];
  samples: number;
  raw?: { ms: number[]; cpuMs: number; samples: number };
}

const log = (line: string) => process.stderr.write(`${new Date().toISOString().slice(11, 19)} ${line}\n`);

function panelsOf(): Panel[] {
  const panels = new Map<string, Panel>();
  for (const t of dashboardTargets(DASHBOARDS).filter((t) => t.datasource === "prometheus")) {
    const key = `${t.dashboard}\u0000${t.panel}`;
    const p = panels.get(key) ?? { dashboard: t.dashboard, title: t.panel, targets: [] };
    panels.set(key, { ...p, targets: [...p.targets, t] });
  }
  return [...panels.values()];
}

function windowOf(end: number, q: PanelQuery): QueryWindow {
  const alignedEnd = Math.floor(end / q.step) * q.step;
  return { start: Math.floor((end - q.rangeSeconds) / q.step) * q.step, end: alignedEnd, step: q.step };
}

/** A panel's queries, all at once (Grafana sends a panel's targets together); resolves when the last answers. */
async function runPanel(url: string, exprs: readonly { expr: string; instant: boolean }[], q: PanelQuery, w: QueryWindow) {
  const results = await Promise.all(exprs.map((t) => runQuery(url, interpolate(t.expr, q), t.instant, w)));
  return { samples: results.reduce((n, r) => n + r.samples, 0) };
}

interface RangeFigures {
  readonly panels: PanelFigures[];
  readonly dashboards: Map<string, number[]>;
  /** Prometheus's CPU per run of each dashboard, ms. */
  readonly dashboardCpuMs: Map<string, number>;
}

async function measureRange(
  prometheus: BenchPrometheus,
  panels: readonly Panel[],
  range: (typeof RANGES)[number],
  end: number,
): Promise<RangeFigures> {
  const url = prometheus.url;
  const q = panelQuery(range.seconds, PANEL_WIDTH_PX, shapeFromEnv().scrapeSeconds);
  const w = windowOf(end, q);
  const figures = panels.map((panel): PanelFigures => ({ panel, range: range.label, alone: [], cpuMs: NaN, inDashboard: [], samples: 0 }));
  const dashboards = new Map<string, number[]>();
  const dashboardCpuMs = new Map<string, number>();
  const byDashboard = [...new Set(panels.map((p) => p.dashboard))].map((d) => figures.filter((f) => f.panel.dashboard === d));
  log(`${range.label}: step ${q.step}s, $__rate_interval ${q.rateInterval}; warming up`);
  for (const fs_ of byDashboard) await Promise.all(fs_.map((f) => runPanel(url, f.panel.targets, q, w)));
  for (let rep = 0; rep < REPS; rep++) {
    for (const fs_ of byDashboard) {
      const t0 = performance.now();
      const cpu0 = prometheus.cpuSeconds();
      await Promise.all(
        fs_.map(async (f) => {
          const r = await runPanel(url, f.panel.targets, q, w);
          f.inDashboard.push(performance.now() - t0);
          f.samples = r.samples;
        }),
      );
      const d = fs_[0].panel.dashboard;
      dashboards.set(d, [...(dashboards.get(d) ?? []), performance.now() - t0]);
      dashboardCpuMs.set(d, (dashboardCpuMs.get(d) ?? 0) + ((prometheus.cpuSeconds() - cpu0) * 1000) / REPS);
    }
  }
  log(`${range.label}: each panel alone`);
  for (const f of figures) {
    const raw = f.panel.targets.map((t) => ({
      expr: inlineRecorded(interpolate(t.expr, q)) ?? t.expr,
      instant: t.instant,
      recorded: inlineRecorded(t.expr) !== undefined,
    }));
    const cpu0 = prometheus.cpuSeconds();
    for (let rep = 0; rep < REPS; rep++) {
      const t0 = performance.now();
      await runPanel(url, f.panel.targets, q, w);
      f.alone.push(performance.now() - t0);
    }
    f.cpuMs = ((prometheus.cpuSeconds() - cpu0) * 1000) / REPS;
    if (raw.some((t) => t.recorded)) {
      const raw0 = prometheus.cpuSeconds();
      const ms: number[] = [];
      let samples = 0;
      for (let rep = 0; rep < REPS; rep++) {
        const t0 = performance.now();
        samples = (await runPanel(url, raw, q, w)).samples;
        ms.push(performance.now() - t0);
      }
      f.raw = { ms, samples, cpuMs: ((prometheus.cpuSeconds() - raw0) * 1000) / REPS };
    }
  }
  return { panels: figures, dashboards, dashboardCpuMs };
}

/** The longest evaluation Prometheus reported per rule group while the bench ran. */
function watchRules(url: string): { stop(): Map<string, { interval: number; worst: number; last: number[] }> } {
  const seen = new Map<string, { interval: number; worst: number; last: number[] }>();
  let stopped = false;
  const poll = async () => {
    while (!stopped) {
      try {
        const all = (await (await fetch(`${url}/api/v1/rules`)).json()) as {
          data: { groups: { name: string; interval: number; evaluationTime: number; lastEvaluation: string }[] };
        };
        for (const g of all.data.groups) {
          const s = seen.get(g.name) ?? { interval: g.interval, worst: 0, last: [] };
          if (!g.lastEvaluation.startsWith("0001")) s.last.push(g.evaluationTime);
          s.worst = Math.max(s.worst, g.evaluationTime);
          seen.set(g.name, s);
        }
      } catch {
        // a poll missed under load is not a figure
      }
      await new Promise((r) => setTimeout(r, 5000));
    }
  };
  void poll();
  return {
    stop: () => {
      stopped = true;
      return seen;
    },
  };
}

const ms = (v: number) => (Number.isNaN(v) ? "–" : v < 10 ? v.toFixed(1) : v.toFixed(0));
const count = (n: number) =>
  Number.isNaN(n) ? "–" : n >= 1e6 ? `${(n / 1e6).toFixed(1)}M` : n >= 1e3 ? `${(n / 1e3).toFixed(0)}k` : String(n);
const MiB = 1024 * 1024;

interface HeadFigures {
  readonly series: number;
  readonly samples: number;
  readonly seconds: number;
}

function historyLines(h: HistoryFacts, since: number, head: HeadFigures, live: HeadFigures): string[] {
  const s = h.seconds;
  const when = (at: string | undefined) =>
    at === undefined
      ? "by an earlier run (reused from the cache)"
      : Date.parse(at) >= since
        ? "by this run"
        : `on ${at} (reused from the cache)`;
  return [
    `History: ${h.shape.days} days to ${h.shape.end}, ${h.series} raw series (${count(h.samples)} samples) and ${count(h.recordedSamples)} recorded samples in ${h.blocks} blocks, ${(h.bytes / MiB).toFixed(0)} MiB.`,
    `Raw blocks written ${when(h.rawBuiltAt)}: OpenMetrics in ${s.generate.toFixed(0)} s, promtool busy ${s.promtool.toFixed(0)} s (the two overlap). ` +
      `Recording rules backfilled ${when(h.builtAt)} in ${s.rules.toFixed(0)} s, compacted in ${s.compact.toFixed(0)} s.`,
    `Head: the ${HEAD_HOURS} h after the history written through remote write (${head.series} series, ${count(head.samples)} samples in ${head.seconds.toFixed(0)} s); the dashboards are queried at the history's end.`,
    `Rules: a second Prometheus with the deployed rule files, its head the history's last ${HEAD_HOURS} h replayed to end now (${live.series} series, ${count(live.samples)} samples in ${live.seconds.toFixed(0)} s) and a sample per series every ${h.shape.scrapeSeconds} s after, running through the queries.`,
  ];
}

function panelTable(figures: readonly PanelFigures[]): string[] {
  const lines = [
    "| dashboard | panel | range | alone p50 / p95 ms | CPU ms | in dashboard p50 / p95 ms | samples | raw p50 ms | raw CPU ms | raw samples |",
    "|---|---|---|---|---|---|---|---|---|---|",
  ];
  for (const f of figures) {
    const p95 = percentile(f.alone, 95);
    const miss = p95 > PERFORMANCE_TARGETS.panelMs ? " **over**" : "";
    const raw = f.raw ? [ms(percentile(f.raw.ms, 50)), ms(f.raw.cpuMs), count(f.raw.samples)] : ["", "", ""];
    lines.push(
      `| ${f.panel.dashboard} | ${f.panel.title} | ${f.range} | ${ms(percentile(f.alone, 50))} / ${ms(p95)}${miss} | ${ms(f.cpuMs)} | ${ms(percentile(f.inDashboard, 50))} / ${ms(percentile(f.inDashboard, 95))} | ${count(f.samples)} | ${raw.join(" | ")} |`,
    );
  }
  return lines;
}

/** Time a promise took, in seconds, beside its value. */
async function timed<T>(p: Promise<T>): Promise<[T, number]> {
  const t0 = Date.now();
  const v = await p;
  return [v, (Date.now() - t0) / 1000];
}

async function main(): Promise<void> {
  const shape = shapeFromEnv();
  const interval = shape.scrapeSeconds;
  const config = stackConfig(HISTORY_STACK);
  const before = Date.now();
  const history = await ensureHistory(shape);
  const series = historySeries(shape);
  const work = fs.mkdtempSync(path.join(os.tmpdir(), "tutordex-bench-"));
  const started: BenchPrometheus[] = [];
  let feed: HeadWriter | undefined;
  try {
    // The rules need samples at the wall clock, and a head weeks after the blocks would have
    // Prometheus cut blocks across the gap and its retention then drop the history: so the deployed
    // rules run on a Prometheus of their own, whose head is the history's last hours moved to now.
    log("starting the rules' Prometheus");
    const live = await startPrometheus(config, path.join(work, "live"), path.join(work, "live-config"));
    started.push(live);
    const shift = Math.floor((Date.now() / 1000 - history.end) / interval) * interval;
    feed = new HeadWriter(live.url, series, history.end - HEAD_HOURS * 3600, interval, shift);
    const liveUpTo = Date.now() / 1000 - shift;
    const [liveSamples, liveSeconds] = await timed(feed.write(history.end - HEAD_HOURS * 3600, liveUpTo));
    feed.follow(liveUpTo);
    await live.loadRules();
    const rulesFrom = Date.now();
    const rules = watchRules(live.url);

    log("starting Prometheus on the history");
    const data = path.join(work, "data");
    linkCopy(history.dir, data);
    const prometheus = await startPrometheus(config, data, path.join(work, "config"));
    started.push(prometheus);
    const head = new HeadWriter(prometheus.url, series, history.end, interval);
    log(`writing its head (${head.series.length} series)`);
    const [headSamples, headSeconds] = await timed(head.write(history.end, history.end + HEAD_HOURS * 3600));
    const afterHead = { memory: prometheus.memory(), series: (await ownMetric(prometheus.url, "prometheus_tsdb_head_series"))[0] };
    await new Promise((r) => setTimeout(r, Math.max(0, SETTLE_SECONDS * 1000 - (Date.now() - rulesFrom))));

    const panels = panelsOf();
    const loadAtStart = os.loadavg()[0];
    const results = [];
    for (const range of RANGES) results.push(await measureRange(prometheus, panels, range, history.end));
    const groups = rules.stop();
    // Figures from a history Prometheus had dropped would be figures of nothing.
    const loaded = (await ownMetric(prometheus.url, "prometheus_tsdb_blocks_loaded"))[0];
    if (loaded < history.blocks)
      throw new Error(`Prometheus holds ${loaded} of the history's ${history.blocks} blocks after the queries:\n${prometheus.log()}`);
    for (const r of results)
      if (!r.panels.some((f) => f.samples > 0))
        throw new Error(`no ${r.panels[0].range} query touched a sample: the history is not where the queries look`);
    const end = {
      memory: prometheus.memory(),
      series: (await ownMetric(prometheus.url, "prometheus_tsdb_head_series"))[0],
      chunks: (await ownMetric(prometheus.url, "prometheus_tsdb_head_chunks"))[0],
    };
    const liveEnd = { memory: live.memory(), series: (await ownMetric(live.url, "prometheus_tsdb_head_series"))[0] };
    feed.stop();

    const out: string[] = [
      ...historyLines(
        history,
        before,
        { series: head.series.length, samples: headSamples, seconds: headSeconds },
        { series: feed.series.length, samples: liveSamples, seconds: liveSeconds },
      ),
      "",
    ];
    out.push(
      `Queries: variables at All, ${PANEL_WIDTH_PX}-pixel panels; ${REPS} runs each after a warm-up; ${os.cpus().length} CPUs, load average ${loadAtStart.toFixed(1)} before the queries and ${os.loadavg()[0].toFixed(1)} after.`,
      "Times are wall clock as Grafana would wait, under whatever else the machine ran; CPU is Prometheus's own CPU time per run (the queries are all it serves), what the panel costs on an idle core.",
    );
    for (const range of RANGES) {
      const q = panelQuery(range.seconds, PANEL_WIDTH_PX, interval);
      out.push(`${range.label}: step ${q.step} s, $__interval ${q.interval}, $__rate_interval ${q.rateInterval}.`);
    }
    out.push(
      "",
      "| dashboard | panels | " + RANGES.map((r) => `${r.label} p50 / p95 ms | ${r.label} CPU ms`).join(" | ") + " |",
      "|---|---|" + RANGES.map(() => "---|---|").join(""),
    );
    for (const d of [...new Set(panels.map((p) => p.dashboard))]) {
      const cells = results.map((r) => {
        const v = r.dashboards.get(d)!;
        return `${ms(percentile(v, 50))} / ${ms(percentile(v, 95))}${percentile(v, 95) > PERFORMANCE_TARGETS.dashboardMs ? " **over**" : ""} | ${ms(r.dashboardCpuMs.get(d)!)}`;
      });
      out.push(`| ${d} | ${panels.filter((p) => p.dashboard === d).length} | ${cells.join(" | ")} |`);
    }
    const week = results[results.length - 1].panels;
    const slowest = [...week].sort((a, b) => percentile(b.alone, 95) - percentile(a.alone, 95)).slice(0, SLOWEST);
    out.push("", `The ${SLOWEST} slowest panels at ${RANGES[RANGES.length - 1].label}:`, "", ...panelTable(slowest));
    out.push(
      "",
      `Panels on recorded series at ${RANGES[RANGES.length - 1].label}, and the same panels computed from the raw series:`,
      "",
      ...panelTable(week.filter((f) => f.raw)),
    );
    out.push("", "| rule group | interval s | worst evaluation s | share of interval | median s |", "|---|---|---|---|---|");
    for (const [name, g] of groups) {
      const share = g.worst / g.interval;
      out.push(
        `| ${name} | ${g.interval} | ${g.worst.toFixed(4)} | ${(share * 100).toFixed(2)} %${share > PERFORMANCE_TARGETS.ruleShare ? " **over**" : ""} | ${percentile(g.last, 50).toFixed(4)} |`,
      );
    }
    const limit = config.memoryMb.prometheus * MiB;
    const mib = (b: number) => (b / MiB).toFixed(0);
    out.push(
      "",
      `Prometheus on the history: ${mib(afterHead.memory.rss)} MiB resident with its ${HEAD_HOURS} h head written (${afterHead.series} head series); after the queries ${mib(end.memory.rss)} MiB (anonymous ${mib(end.memory.anon)}, file-backed ${mib(end.memory.file)}), peak ${mib(end.memory.peak)} MiB; ${end.series} head series, ${end.chunks} head chunks.`,
      `The rules' Prometheus (head only, ${liveEnd.series} head series, rules evaluating): ${mib(liveEnd.memory.rss)} MiB resident, peak ${mib(liveEnd.memory.peak)} MiB.`,
      memoryVerdict(end.memory.peak, limit),
    );
    out.push("", "Every panel:", "", ...panelTable(results.flatMap((r) => r.panels)));
    process.stdout.write(`${out.join("\n")}\n`);
  } finally {
    try {
      feed?.stop();
    } finally {
      for (const p of started) await p.stop();
      fs.rmSync(work, { recursive: true, force: true });
    }
  }
}

main().catch((e) => {
  process.stderr.write(`${(e as Error).stack ?? e}\n`);
  process.exit(1);
});

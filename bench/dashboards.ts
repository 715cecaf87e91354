/**
 * `npm run -s bench:dashboards`: every Prometheus query of every dashboard against the built
 * Prometheus holding a TutorDex-sized history (bench/history: 15 days backfilled with promtool,
 * recording rules included, plus a live head of the last two hours that the deployed rules
 * evaluate on). Variables at "All"; the 24 h and 7 d ranges with the step and $__rate_interval
 * Grafana uses for a 1,200-pixel panel. Per panel: p50/p95 alone and inside its dashboard (all
 * panels of a dashboard at once, as Grafana sends them), the samples it touched, and for panels
 * on recorded series the same panel computed from the raw series. Then rule-group evaluation
 * times, Prometheus's memory and head series. Figures, not a pass/fail.
 */
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { DASHBOARDS } from "../dashboards";
import { dashboardTargets, DashboardTarget, interpolate } from "../test/support/queries";
import { panelQuery, PanelQuery } from "./grafana";
import { linkCopy } from "./history/blocks";
import { ensureHistory, HistoryFacts } from "./history/build";
import { HEAD_HOURS, LiveHead } from "./history/head";
import { HISTORY_STACK, historySeries } from "./history/model";
import { ownMetric, startPrometheus } from "./history/prometheus";
import { shapeFromEnv } from "./history/shape";
import { percentile, QueryWindow, runQuery } from "./promQuery";
import { inlineRecorded } from "./recorded";
import { stackConfig } from "../test/support/fixtures";
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
  inDashboard: number[];
  samples: number;
  raw?: { ms: number[]; samples: number };
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

async function measureRange(url: string, panels: readonly Panel[], range: (typeof RANGES)[number], end: number): Promise<{ panels: PanelFigures[]; dashboards: Map<string, number[]> }> {
  const q = panelQuery(range.seconds, PANEL_WIDTH_PX, shapeFromEnv().scrapeSeconds);
  const w = windowOf(end, q);
  const figures = panels.map((panel): PanelFigures => ({ panel, range: range.label, alone: [], inDashboard: [], samples: 0 }));
  const dashboards = new Map<string, number[]>();
  const byDashboard = [...new Set(panels.map((p) => p.dashboard))].map((d) => figures.filter((f) => f.panel.dashboard === d));
  log(`${range.label}: step ${q.step}s, $__rate_interval ${q.rateInterval}; warming up`);
  for (const fs_ of byDashboard) await Promise.all(fs_.map((f) => runPanel(url, f.panel.targets, q, w)));
  for (let rep = 0; rep < REPS; rep++) {
    for (const fs_ of byDashboard) {
      const t0 = performance.now();
      await Promise.all(
        fs_.map(async (f) => {
          const r = await runPanel(url, f.panel.targets, q, w);
          f.inDashboard.push(performance.now() - t0);
          f.samples = r.samples;
        }),
      );
      const d = fs_[0].panel.dashboard;
      dashboards.set(d, [...(dashboards.get(d) ?? []), performance.now() - t0]);
    }
  }
  log(`${range.label}: each panel alone`);
  for (const f of figures) {
    const raw = f.panel.targets.map((t) => ({ expr: inlineRecorded(interpolate(t.expr, q)) ?? t.expr, instant: t.instant, recorded: inlineRecorded(t.expr) !== undefined }));
    for (let rep = 0; rep < REPS; rep++) {
      const t0 = performance.now();
      await runPanel(url, f.panel.targets, q, w);
      f.alone.push(performance.now() - t0);
    }
    if (raw.some((t) => t.recorded)) {
      f.raw = { ms: [], samples: 0 };
      for (let rep = 0; rep < REPS; rep++) {
        const t0 = performance.now();
        f.raw.samples = (await runPanel(url, raw, q, w)).samples;
        f.raw.ms.push(performance.now() - t0);
      }
    }
  }
  return { panels: figures, dashboards };
}

/** The longest evaluation Prometheus reported per rule group while the bench ran. */
function watchRules(url: string): { stop(): Map<string, { interval: number; worst: number; last: number[] }> } {
  const seen = new Map<string, { interval: number; worst: number; last: number[] }>();
  let stopped = false;
  const poll = async () => {
    while (!stopped) {
      try {
        const all = (await (await fetch(`${url}/api/v1/rules`)).json()) as { data: { groups: { name: string; interval: number; evaluationTime: number; lastEvaluation: string }[] } };
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
const count = (n: number) => (Number.isNaN(n) ? "–" : n >= 1e6 ? `${(n / 1e6).toFixed(1)}M` : n >= 1e3 ? `${(n / 1e3).toFixed(0)}k` : String(n));
const MiB = 1024 * 1024;

function historyLines(h: HistoryFacts, built: boolean, headSeries: number, headSamples: number, fillSeconds: number): string[] {
  const s = h.seconds;
  return [
    `History: ${h.shape.days} days to ${h.shape.end}, ${h.series} raw series (${count(h.samples)} samples) and ${count(h.recordedSamples)} recorded samples in ${h.blocks} blocks, ${(h.bytes / MiB).toFixed(0)} MiB.`,
    `Built ${built ? "by this run" : `on ${h.builtAt} (reused from the cache)`}: OpenMetrics written in ${s.generate.toFixed(0)} s, promtool busy ${s.promtool.toFixed(0)} s (the two overlap), rules backfilled in ${s.rules.toFixed(0)} s, compacted in ${s.compact.toFixed(0)} s.`,
    `Live head: the last ${HEAD_HOURS} h replayed to now through remote write (${headSeries} series, ${count(headSamples)} samples in ${fillSeconds.toFixed(0)} s), then a sample per series every ${h.shape.scrapeSeconds} s.`,
  ];
}

function panelTable(figures: readonly PanelFigures[]): string[] {
  const lines = [
    "| dashboard | panel | range | alone p50 / p95 ms | in dashboard p50 / p95 ms | samples | raw p50 ms | raw samples | raw ÷ recorded (time, samples) |",
    "|---|---|---|---|---|---|---|---|---|",
  ];
  for (const f of figures) {
    const p95 = percentile(f.alone, 95);
    const miss = p95 > PERFORMANCE_TARGETS.panelMs ? " **over**" : "";
    const raw = f.raw ? [ms(percentile(f.raw.ms, 50)), count(f.raw.samples), `${(percentile(f.raw.ms, 50) / percentile(f.alone, 50)).toFixed(1)}×, ${(f.raw.samples / Math.max(1, f.samples)).toFixed(1)}×`] : ["", "", ""];
    lines.push(`| ${f.panel.dashboard} | ${f.panel.title} | ${f.range} | ${ms(percentile(f.alone, 50))} / ${ms(p95)}${miss} | ${ms(percentile(f.inDashboard, 50))} / ${ms(percentile(f.inDashboard, 95))} | ${count(f.samples)} | ${raw.join(" | ")} |`);
  }
  return lines;
}

async function main(): Promise<void> {
  const shape = shapeFromEnv();
  const config = stackConfig(HISTORY_STACK);
  const before = Date.now();
  const history = await ensureHistory(shape);
  const built = Date.parse(history.builtAt) >= before;
  const work = fs.mkdtempSync(path.join(os.tmpdir(), "tutordex-bench-"));
  const data = path.join(work, "data");
  linkCopy(history.dir, data);
  log("starting Prometheus on the history");
  const prometheus = await startPrometheus(config, data, path.join(work, "config"));
  let head: LiveHead | undefined;
  try {
    head = new LiveHead(prometheus.url, historySeries(shape), history.end, shape.scrapeSeconds);
    const t0 = Date.now();
    log(`writing the live head (${head.series.length} series)`);
    const headSamples = await head.fill();
    const fillSeconds = (Date.now() - t0) / 1000;
    head.follow();
    await prometheus.loadRules();
    const rules = watchRules(prometheus.url);
    await new Promise((r) => setTimeout(r, SETTLE_SECONDS * 1000));
    const afterHead = { memory: prometheus.memory(), series: (await ownMetric(prometheus.url, "prometheus_tsdb_head_series"))[0] };
    const panels = panelsOf();
    const results = [];
    for (const range of RANGES) results.push(await measureRange(prometheus.url, panels, range, history.end));
    const groups = rules.stop();
    const end = { memory: prometheus.memory(), series: (await ownMetric(prometheus.url, "prometheus_tsdb_head_series"))[0], chunks: (await ownMetric(prometheus.url, "prometheus_tsdb_head_chunks"))[0] };
    head.stop();

    const out: string[] = [...historyLines(history, built, head.series.length, headSamples, fillSeconds), ""];
    out.push(`Queries: variables at All, ${PANEL_WIDTH_PX}-pixel panels; ${REPS} runs each after a warm-up; history end ${new Date(history.end * 1000).toISOString()}; ${os.cpus().length} CPUs, load average ${os.loadavg()[0].toFixed(1)} at the end.`);
    for (const range of RANGES) {
      const q = panelQuery(range.seconds, PANEL_WIDTH_PX, shape.scrapeSeconds);
      out.push(`${range.label}: step ${q.step} s, $__interval ${q.interval}, $__rate_interval ${q.rateInterval}.`);
    }
    out.push("", "| dashboard | panels | " + RANGES.map((r) => `${r.label} p50 / p95 ms`).join(" | ") + " |", "|---|---|" + RANGES.map(() => "---|").join(""));
    for (const d of [...new Set(panels.map((p) => p.dashboard))]) {
      const cells = results.map((r) => {
        const v = r.dashboards.get(d)!;
        return `${ms(percentile(v, 50))} / ${ms(percentile(v, 95))}${percentile(v, 95) > PERFORMANCE_TARGETS.dashboardMs ? " **over**" : ""}`;
      });
      out.push(`| ${d} | ${panels.filter((p) => p.dashboard === d).length} | ${cells.join(" | ")} |`);
    }
    const week = results[results.length - 1].panels;
    const slowest = [...week].sort((a, b) => percentile(b.alone, 95) - percentile(a.alone, 95)).slice(0, SLOWEST);
    out.push("", `The ${SLOWEST} slowest panels at ${RANGES[RANGES.length - 1].label}:`, "", ...panelTable(slowest));
    out.push("", `Panels on recorded series at ${RANGES[RANGES.length - 1].label}, and the same panels computed from the raw series:`, "", ...panelTable(week.filter((f) => f.raw)));
    out.push("", "| rule group | interval s | worst evaluation s | share of interval | median s |", "|---|---|---|---|---|");
    for (const [name, g] of groups) {
      const share = g.worst / g.interval;
      out.push(`| ${name} | ${g.interval} | ${g.worst.toFixed(4)} | ${(share * 100).toFixed(2)} %${share > PERFORMANCE_TARGETS.ruleShare ? " **over**" : ""} | ${percentile(g.last, 50).toFixed(4)} |`);
    }
    const limit = config.memoryMb.prometheus * MiB;
    out.push(
      "",
      `Prometheus memory: ${(afterHead.memory.rss / MiB).toFixed(0)} MiB resident with the ${HEAD_HOURS} h head written (${afterHead.series} head series); after the queries ${(end.memory.rss / MiB).toFixed(0)} MiB (anonymous ${(end.memory.anon / MiB).toFixed(0)}, file-backed ${(end.memory.file / MiB).toFixed(0)}), peak ${(end.memory.peak / MiB).toFixed(0)} MiB; ${end.series} head series, ${end.chunks} head chunks.`,
      memoryVerdict(end.memory.peak, limit),
    );
    out.push("", "Every panel:", "", ...panelTable(results.flatMap((r) => r.panels)));
    process.stdout.write(`${out.join("\n")}\n`);
  } finally {
    try {
      head?.stop();
    } finally {
      await prometheus.stop();
      fs.rmSync(work, { recursive: true, force: true });
    }
  }
}

main().catch((e) => {
  process.stderr.write(`${(e as Error).stack ?? e}\n`);
  process.exit(1);
});

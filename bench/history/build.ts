import { spawn } from "child_process";
import { createHash } from "crypto";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { reportedVersion, toolPath } from "../../cli/builtTools";
import { durationSeconds as seconds } from "../../config/durations";
import { RECORDING_RULES_FILE, renderRuleFiles } from "../../rules/render";
import { ruleSettings } from "../../rules/context";
import { stackConfig } from "../../harness/fixtures";
import { blocksOf, blockWindows, compactedBlockSeconds, hasOverlaps, linkCopy, sizeOf } from "./blocks";
import { aliveIn, HISTORY_STACK, historySeries } from "./model";
import { seriesText, writeOpenMetrics } from "./openmetrics";
import { startPrometheus } from "./prometheus";
import { SeriesSpec } from "./series";
import { endSeconds, HistoryShape, startSeconds } from "./shape";

/** Where built histories are kept: a second run with the same inputs reuses the TSDB. */
export const HISTORY_CACHE =
  process.env.TUTORDEX_BENCH_CACHE ??
  path.join(process.env.XDG_CACHE_HOME ?? path.join(os.homedir(), ".cache"), "tutordex-observability", "bench-history");

/** Bumped when the way the history is written changes in a way the fingerprint cannot see. */
const RECIPE = "1";

export interface HistoryFacts {
  readonly dir: string;
  readonly shape: HistoryShape;
  readonly start: number;
  readonly end: number;
  /** Raw series and samples in the blocks, and the samples of the recording rules backfilled beside them. */
  readonly series: number;
  readonly samples: number;
  readonly recordedSamples: number;
  readonly blocks: number;
  readonly bytes: number;
  /** Seconds spent: writing OpenMetrics, promtool reading it, backfilling the rules, Prometheus compacting. */
  readonly seconds: { readonly generate: number; readonly promtool: number; readonly rules: number; readonly compact: number };
  /** When the recording rules were backfilled beside the raw blocks. */
  readonly builtAt: string;
  /** When the raw blocks were written (a rules change reuses them); absent in caches older than this field. */
  readonly rawBuiltAt?: string;
}

/**
 * What decides the bytes of the raw blocks: the shape, every series' identity, lifetime and
 * offset, its values at a few instants, and the promtool that writes them. A change to the model
 * that leaves all of these alone cannot change the history.
 */
export function rawKey(shape: HistoryShape, series: readonly SeriesSpec[]): string {
  const h = createHash("sha256").update(`${RECIPE}\n${JSON.stringify(shape)}\npromtool ${reportedVersion("promtool")}\n`);
  const probes = [0.1, 0.37, 0.5, 0.81, 0.99].map((f) => startSeconds(shape) + f * (endSeconds(shape) - startSeconds(shape)));
  for (const s of series)
    h.update(`${seriesText(s)} ${s.from} ${s.to} ${s.offsetMs} ${s.queried} ${probes.map((t) => s.value(t)).join(",")}\n`);
  return h.digest("hex").slice(0, 16);
}

const log = (line: string) => process.stderr.write(`${new Date().toISOString().slice(11, 19)} ${line}\n`);

function runTool(tool: string, args: readonly string[]): Promise<void> {
  return new Promise((resolve, reject) => {
    const child = spawn(toolPath(tool), args, { stdio: ["ignore", "pipe", "pipe"] });
    let out = "";
    child.stdout.on("data", (d: Buffer) => (out = (out + d.toString()).slice(-4000)));
    child.stderr.on("data", (d: Buffer) => (out = (out + d.toString()).slice(-4000)));
    child.on("error", reject);
    child.on("exit", (code) => (code === 0 ? resolve() : reject(new Error(`${tool} ${args.join(" ")} exited ${code}:\n${out}`))));
  });
}

const sinceS = (t: number) => (Date.now() - t) / 1000;

/**
 * The raw blocks: OpenMetrics one compaction range at a time (so each promtool run reads one
 * block's worth), each slice written while promtool reads the previous one.
 */
async function buildRaw(shape: HistoryShape, series: readonly SeriesSpec[], dir: string, blockSeconds: number) {
  const partial = `${dir}.partial`;
  fs.rmSync(partial, { recursive: true, force: true });
  fs.mkdirSync(path.join(partial, "blocks"), { recursive: true });
  const queried = series.filter((s) => s.queried);
  const windows = blockWindows(startSeconds(shape), endSeconds(shape), blockSeconds);
  let generate = 0;
  let promtoolBusy = 0;
  let samples = 0;
  let pending: Promise<void> = Promise.resolve();
  for (const [i, w] of windows.entries()) {
    const file = path.join(partial, `slice-${i}.om`);
    const t0 = Date.now();
    samples += writeOpenMetrics(file, aliveIn(queried, w.from, w.to), w.from, w.to, shape.scrapeSeconds);
    generate += sinceS(t0);
    await pending;
    log(`slice ${i + 1}/${windows.length} written (${samples} samples so far); promtool reads it`);
    const t1 = Date.now();
    pending = runTool("promtool", [
      "tsdb",
      "create-blocks-from",
      `--max-block-duration=${blockSeconds}s`,
      "openmetrics",
      "-q",
      file,
      path.join(partial, "blocks"),
    ]).then(() => {
      promtoolBusy += sinceS(t1);
      fs.rmSync(file);
    });
  }
  await pending;
  fs.renameSync(partial, dir);
  return { samples, generate, promtool: promtoolBusy };
}

/**
 * `promtool tsdb create-blocks-from rules` against a Prometheus serving the raw blocks, then a
 * Prometheus on raw and recorded blocks together until it has compacted the overlapping ones,
 * as a Prometheus that had recorded them live would hold them.
 */
async function addRules(shape: HistoryShape, rawDir: string, dir: string, blockSeconds: number) {
  const config = stackConfig(HISTORY_STACK);
  const work = fs.mkdtempSync(path.join(os.tmpdir(), "tutordex-history-"));
  const partial = `${dir}.partial`;
  fs.rmSync(partial, { recursive: true, force: true });
  try {
    const serving = path.join(work, "serving");
    linkCopy(path.join(rawDir, "blocks"), serving);
    const t0 = Date.now();
    const prometheus = await startPrometheus(config, serving, path.join(work, "serving-config"));
    const ruleFile = path.join(work, RECORDING_RULES_FILE);
    fs.writeFileSync(ruleFile, renderRuleFiles(ruleSettings(config))[RECORDING_RULES_FILE]);
    const recorded = path.join(work, "recorded");
    try {
      log("backfilling the recording rules");
      await runTool("promtool", [
        "tsdb",
        "create-blocks-from",
        `--max-block-duration=${blockSeconds}s`,
        "rules",
        `--url=${prometheus.url}`,
        `--start=${startSeconds(shape)}`,
        `--end=${endSeconds(shape)}`,
        `--output-dir=${recorded}`,
        ruleFile,
      ]);
    } finally {
      await prometheus.stop();
    }
    const rules = sinceS(t0);
    const blocks = path.join(partial, "blocks");
    linkCopy(path.join(rawDir, "blocks"), blocks);
    linkCopy(recorded, blocks);
    const t1 = Date.now();
    log(`compacting ${blocksOf(blocks).length} blocks`);
    const compactor = await startPrometheus(config, blocks, path.join(work, "compact-config"));
    try {
      const deadline = Date.now() + 60 * 60_000;
      while (hasOverlaps(blocksOf(blocks))) {
        if (Date.now() > deadline) throw new Error(`Prometheus did not compact the overlapping blocks within an hour:\n${compactor.log()}`);
        await new Promise((r) => setTimeout(r, 5000));
      }
    } finally {
      await compactor.stop();
    }
    // The cache keeps blocks only: no WAL, head chunks or lock of the compacting run.
    for (const e of fs.readdirSync(blocks))
      if (!fs.existsSync(path.join(blocks, e, "meta.json"))) fs.rmSync(path.join(blocks, e), { recursive: true, force: true });
    fs.renameSync(partial, dir);
    return { rules, compact: sinceS(t1) };
  } finally {
    fs.rmSync(work, { recursive: true, force: true });
  }
}

/**
 * The history for `shape`: from the cache when it was built with the same inputs (the raw
 * series' fingerprint, and the recording rules as deployed), otherwise built and cached.
 */
export async function ensureHistory(shape: HistoryShape): Promise<HistoryFacts> {
  const series = historySeries(shape);
  const key = rawKey(shape, series);
  const rules = renderRuleFiles(ruleSettings(stackConfig(HISTORY_STACK)))[RECORDING_RULES_FILE];
  const rulesKey = createHash("sha256").update(rules).digest("hex").slice(0, 12);
  const rawDir = path.join(HISTORY_CACHE, `raw-${key}`);
  const dir = path.join(HISTORY_CACHE, `full-${key}-${rulesKey}`);
  const factsFile = path.join(dir, "history.json");
  if (fs.existsSync(factsFile)) return JSON.parse(fs.readFileSync(factsFile, "utf8")) as HistoryFacts;

  const blockSeconds = compactedBlockSeconds(seconds(stackConfig(HISTORY_STACK).retention.prometheus));
  const rawFacts = path.join(rawDir, "raw.json");
  if (!fs.existsSync(rawFacts)) {
    log(`building ${shape.days} days of history in ${rawDir}`);
    fs.mkdirSync(HISTORY_CACHE, { recursive: true });
    const built = await buildRaw(shape, series, rawDir, blockSeconds);
    fs.writeFileSync(rawFacts, JSON.stringify(built, null, 2));
  }
  const raw = JSON.parse(fs.readFileSync(rawFacts, "utf8")) as { samples: number; generate: number; promtool: number };
  const { rules: rulesSeconds, compact } = await addRules(shape, rawDir, dir, blockSeconds);
  const blocks = blocksOf(path.join(dir, "blocks"));
  const samples = blocks.reduce((n, b) => n + (b.stats?.numSamples ?? 0), 0);
  const queried = series.filter((s) => s.queried && s.from < endSeconds(shape) && s.to > startSeconds(shape));
  const facts: HistoryFacts = {
    dir: path.join(dir, "blocks"),
    shape,
    start: startSeconds(shape),
    end: endSeconds(shape),
    series: queried.length,
    samples: raw.samples,
    recordedSamples: samples - raw.samples,
    blocks: blocks.length,
    bytes: sizeOf(path.join(dir, "blocks")),
    seconds: { generate: raw.generate, promtool: raw.promtool, rules: rulesSeconds, compact },
    builtAt: new Date().toISOString(),
    rawBuiltAt: fs.statSync(rawFacts).mtime.toISOString(),
  };
  fs.writeFileSync(factsFile, JSON.stringify(facts, null, 2));
  return facts;
}

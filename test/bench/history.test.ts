import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { APPLICATION_METRICS, EXPORTER_METRICS, KNOWN_METRICS, STACK_METRICS } from "../../rules/metrics";
import { blocksOf, blockWindows, compactedBlockSeconds, hasOverlaps } from "../../bench/history/blocks";
import { aliveIn, HISTORY_STACK, historySeries } from "../../bench/history/model";
import { writeOpenMetrics } from "../../bench/history/openmetrics";
import { releases } from "../../bench/history/releases";
import { endSeconds, SHAPE, shapeFromEnv, startSeconds } from "../../bench/history/shape";
import { scrapeTargets } from "../../bench/history/targets";
import { stackConfig } from "../../harness/fixtures";
import { run } from "../../harness/tools";

const dir = fs.mkdtempSync(path.join(os.tmpdir(), "bench-history-"));
afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

describe("the bench history's series", () => {
  const series = historySeries(SHAPE);
  const end = endSeconds(SHAPE);
  const queried = series.filter((s) => s.queried);
  const last = aliveIn(queried, end - SHAPE.scrapeSeconds, end);
  const names = (list: typeof series) => new Set(list.map((s) => s.name));

  it("include every metric of the catalog (application, exporters, stack) in the last scrape", () => {
    const present = names(last);
    expect([...APPLICATION_METRICS, ...EXPORTER_METRICS, ...STACK_METRICS].filter((m) => !present.has(m))).toEqual([]);
  });

  it("that queries read are catalog metrics; the rest of what the exporters expose is marked unqueried", () => {
    expect([...names(queried)].filter((m) => !KNOWN_METRICS.has(m))).toEqual([]);
    expect([...names(series.filter((s) => !s.queried))].filter((m) => KNOWN_METRICS.has(m))).toEqual([]);
  });

  it("are TutorDex's size: 40 channels, two pipeline versions live at the end of five, an up series per scrape target", () => {
    const values = (metric: string, label: string) => new Set(last.filter((s) => s.name === metric).map((s) => s.labels[label]));
    expect(values("collector_messages_seen_total", "channel").size).toBe(40);
    expect(values("worker_parse_success_total", "pipeline_version").size).toBe(2);
    expect(new Set(queried.filter((s) => s.labels.pipeline_version).map((s) => s.labels.pipeline_version)).size).toBe(5);
    expect(
      last
        .filter((s) => s.name === "up")
        .map((s) => s.labels.job)
        .sort(),
    ).toEqual(
      scrapeTargets(stackConfig(HISTORY_STACK))
        .map((t) => t.job)
        .sort(),
    );
  });

  it("counters never go down, through canaries, promotions and retirements", () => {
    const counters = queried.filter((s) => /_(total|bucket|count|sum)$/.test(s.name));
    const falls: string[] = [];
    for (const s of counters) {
      let previous = -Infinity;
      for (let t = Math.max(s.from, startSeconds(SHAPE)); t < Math.min(s.to, end); t += 3 * 3600) {
        const v = s.value(t);
        if (v < previous) falls.push(`${s.name}${JSON.stringify(s.labels)} at ${t}`);
        previous = v;
      }
    }
    expect(counters.length).toBeGreaterThan(3000);
    expect(falls.slice(0, 3)).toEqual([]);
  });

  it("carry the canary's share of the traffic, then all of it once promoted", () => {
    const [, , , older, newest] = releases(SHAPE);
    const jobs = (version: string) =>
      queried.find((s) => s.name === "worker_jobs_processed_total" && s.labels.status === "ok" && s.labels.pipeline_version === version)!;
    const perDay = (version: string, t: number) => jobs(version).value(t + 43_200) - jobs(version).value(t - 43_200);
    const canaryDay = newest.canaryFrom + 43_200;
    expect(perDay(newest.pipelineVersion, canaryDay) / perDay(older.pipelineVersion, canaryDay)).toBeCloseTo(0.1 / 0.9, 1);
    expect(perDay(older.pipelineVersion, older.promotedAt + 2 * 86_400) / (SHAPE.assignmentsPerDay * 0.93)).toBeCloseTo(1, 1);
  });
});

describe("the bench history's blocks", () => {
  it("are 18 h, the longest Prometheus compacts to with 15 d of retention", () => {
    expect(compactedBlockSeconds(15 * 86_400)).toBe(18 * 3600);
    expect(compactedBlockSeconds(30 * 86_400)).toBe(54 * 3600);
  });

  it("are cut at multiples of the block length since the epoch, clipped to the history", () => {
    expect(blockWindows(64_800 * 10 + 100, 64_800 * 12, 64_800)).toEqual([
      { from: 64_800 * 10 + 100, to: 64_800 * 11 },
      { from: 64_800 * 11, to: 64_800 * 12 },
    ]);
  });

  it("come out of promtool with every sample the OpenMetrics file holds", () => {
    const shape = { ...SHAPE, days: 1 };
    const to = endSeconds(shape) - 86_400 + 3600;
    const picked = aliveIn(
      historySeries(shape).filter((s) => s.queried),
      to - 3600,
      to,
    ).filter((_s, i) => i % 50 === 0);
    const file = path.join(dir, "slice.om");
    const written = writeOpenMetrics(file, picked, to - 3600, to, shape.scrapeSeconds);
    const r = run("promtool", ["tsdb", "create-blocks-from", "openmetrics", "-q", file, path.join(dir, "blocks")]);
    expect(r.output).toBe("");
    const blocks = blocksOf(path.join(dir, "blocks"));
    expect(hasOverlaps(blocks)).toBe(false);
    expect(blocks.reduce((n, b) => n + (b.stats?.numSamples ?? 0), 0)).toBe(written);
    expect(written).toBe(picked.length * 240);
  });
});

describe("BENCH_HISTORY_DAYS", () => {
  it("shortens the history for development, and names a bad value", () => {
    expect(shapeFromEnv({}).days).toBe(15);
    expect(shapeFromEnv({ BENCH_HISTORY_DAYS: "1" }).days).toBe(1);
    expect(() => shapeFromEnv({ BENCH_HISTORY_DAYS: "16" })).toThrow(
      "BENCH_HISTORY_DAYS must be a whole number of days from 1 to 15, got 16",
    );
  });
});

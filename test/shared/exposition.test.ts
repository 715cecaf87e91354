import { spawnSync } from "child_process";
import * as fs from "fs";
import * as path from "path";
import { BridgeMetrics, Counter, Histogram } from "../../bridge/src/metrics";
import {
  EXPOSITION_CONTENT_TYPE,
  escapeLabelValue,
  familyHeader,
  histogramSamples,
  labelSet,
  sample,
  sampleValue,
  sortedLabels,
} from "../../shared/exposition";
import { Registry } from "../../simulator/src/exposition";
import { requireTool, TOOL_RUN_TIMEOUT_MS } from "../../harness/tools";

/**
 * shared/exposition.ts is the one writer of Prometheus's text format: the bridge, the simulated
 * TutorDex and the test tiers' stand-ins all serve /metrics through it. What it writes is read back
 * by the pinned promtool, and no other source file writes the format's lines on its own.
 */

const ROOT = path.resolve(__dirname, "..", "..");
const WRITER = "shared/exposition.ts";
const HOSTILE = 'a\\b"c\nd';

/** promtool check metrics on a text; status 1 is a parse error, 3 a lint finding, 0 clean. */
function promtoolCheck(text: string, lint = "all") {
  const r = spawnSync(requireTool("promtool"), ["check", "metrics", `--lint=${lint}`], {
    input: text,
    encoding: "utf8",
    timeout: TOOL_RUN_TIMEOUT_MS,
  });
  return { status: r.status, output: `${r.stdout ?? ""}${r.stderr ?? ""}${r.signal ? `killed (${r.signal})` : ""}` };
}

describe("the text format, written once", () => {
  it("escapes backslash, double quote and line feed in label values, in that order", () => {
    expect(escapeLabelValue(HOSTILE)).toBe('a\\\\b\\"c\\nd');
    expect(labelSet({ b: "2", a: HOSTILE })).toBe('{b="2",a="a\\\\b\\"c\\nd"}');
    expect(labelSet({})).toBe("");
  });

  it("sorts label names by code point, so one set has one spelling", () => {
    expect(Object.keys(sortedLabels({ b: "1", B: "2", a_b: "3", a: "4" }))).toEqual(["B", "a", "a_b", "b"]);
    expect(labelSet(sortedLabels({ z: "1", a: "2" }))).toBe(labelSet(sortedLabels({ a: "2", z: "1" })));
  });

  it("spells infinities as the format does", () => {
    expect([Infinity, -Infinity, NaN, 0.25, 3].map(sampleValue)).toEqual(["+Inf", "-Inf", "NaN", "0.25", "3"]);
    expect(sample("x", { le: "1" }, Infinity)).toBe('x{le="1"} +Inf');
  });

  it("writes HELP only when there is help, escaped so it stays on its line", () => {
    expect(familyHeader("x_total", "counter")).toEqual(["# TYPE x_total counter"]);
    expect(familyHeader("g", "gauge", "Two\nlines, one \\ slash.")).toEqual(["# HELP g Two\\nlines, one \\\\ slash.", "# TYPE g gauge"]);
  });

  it("writes a histogram series as cumulative buckets, +Inf, _sum and _count, keeping its labels", () => {
    expect(histogramSamples("d", { job: "j" }, [0.1, 1], [1, 2], 2.6, 3)).toEqual([
      'd_bucket{job="j",le="0.1"} 1',
      'd_bucket{job="j",le="1"} 2',
      'd_bucket{job="j",le="+Inf"} 3',
      'd_sum{job="j"} 2.6',
      'd_count{job="j"} 3',
    ]);
  });

  it("is read back by the pinned promtool, hostile label values and help included", () => {
    const c = new Counter("hostile_total", `Help with a line feed\nand a \\ backslash.`, []);
    c.inc({ value: HOSTILE, empty: "" });
    const h = new Histogram("hostile_seconds", "A histogram.", [0.5, 1]);
    h.observe(0.7);
    const r = promtoolCheck(`${c.render()}\n${h.render()}\n`);
    expect(r).toEqual({ status: 0, output: "" });
  });

  it("the bridge's whole /metrics passes promtool's lint", () => {
    const m = new BridgeMetrics();
    m.gauge("telegram_bridge_pending_alerts", "Alert notifications waiting for Telegram.", () => 2);
    m.received.inc({ endpoint: "alert", result: "ok" });
    m.sendLatency.observe(0.3);
    expect(promtoolCheck(m.render())).toEqual({ status: 0, output: "" });
  });

  it("the simulator's /metrics parses (its families carry no HELP, so only parsing and duplicates are checked)", () => {
    const r = new Registry();
    r.inc("tutordex_requests_total", { route: HOSTILE });
    r.set("tutordex_queue_depth", { queue: "q" }, 4);
    r.observe("tutordex_latency_seconds", { route: "/x" }, 0.2);
    const checked = promtoolCheck(r.render(), "duplicates");
    expect(checked.output).not.toMatch(/pars|not unique/);
    expect(checked.status).not.toBe(1);
  });
});

/** Every TypeScript source of the repository, test assertions (*.test.ts) left out: they read the format. */
function sources(dir = ROOT, out: string[] = []): string[] {
  for (const e of fs.readdirSync(dir, { withFileTypes: true })) {
    if (e.name.startsWith(".") || e.name === "node_modules" || e.name === "reports" || e.name === "coverage") continue;
    const full = path.join(dir, e.name);
    if (e.isDirectory()) sources(full, out);
    else if (e.name.endsWith(".ts") && !e.name.endsWith(".test.ts")) out.push(path.relative(ROOT, full));
  }
  return out;
}

describe("one metrics writer", () => {
  it("no other source writes HELP or TYPE lines, escapes label values or names the content type", () => {
    const writes = [/# (HELP|TYPE) /, /version=0\.0\.4/, /le: "\+Inf"/];
    const others = sources()
      .filter((f) => f !== WRITER)
      .filter((f) => writes.some((w) => w.test(fs.readFileSync(path.join(ROOT, f), "utf8"))));
    expect(others).toEqual([]);
  });

  it("the walk sees the servers of /metrics, so the check above can fail", () => {
    const seen = sources();
    expect(seen).toEqual(
      expect.arrayContaining([
        WRITER,
        "bridge/src/metrics.ts",
        "simulator/src/exposition.ts",
        "harness/docker/standins/cadvisorStandIn.ts",
      ]),
    );
    expect(fs.readFileSync(path.join(ROOT, WRITER), "utf8")).toContain(EXPOSITION_CONTENT_TYPE);
  });
});

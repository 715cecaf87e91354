import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import * as yaml from "js-yaml";
import { dockerNetworkPeers } from "../../config/services";
import { DASHBOARDS } from "../../dashboards";
import { renderPrometheusConfig } from "../../generators/prometheus";
import { toYaml } from "../../config/yaml";
import { renderRuleFiles } from "../../rules/render";
import { RECORDING_RULES } from "../../rules/catalog";
import { ruleSettings } from "../../rules/context";
import { stackConfig } from "../../harness/fixtures";
import { committedStacks } from "../../harness/stackFiles";
import { interpolate } from "../../harness/queries";
import { run } from "../../harness/tools";

/**
 * `nativeHistograms: true` with the pinned promtool (Prometheus 3.13), and the dashboards' latency
 * panels over classic, native and mixed histograms, evaluated by promtool's PromQL engine.
 */
const dir = fs.mkdtempSync(path.join(os.tmpdir(), "native-histograms-"));
afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

describe.each(committedStacks())("prometheus.yml with nativeHistograms, stack %s", (stack) => {
  it("scrapes native histograms, keeps the classic buckets, and promtool check config accepts it", () => {
    const config = stackConfig(stack, { nativeHistograms: true });
    for (const [name, text] of Object.entries(renderRuleFiles(ruleSettings(config)))) fs.writeFileSync(path.join(dir, name), text);
    const text = renderPrometheusConfig(config, dockerNetworkPeers(), { rulesDir: dir });
    expect((yaml.load(text) as { global: object }).global).toMatchObject({ scrape_native_histograms: true, always_scrape_classic_histograms: true });
    expect((yaml.load(renderPrometheusConfig(stackConfig(stack), dockerNetworkPeers(), { rulesDir: dir })) as { global: object }).global).not.toHaveProperty("scrape_native_histograms");
    const file = path.join(dir, `prometheus-${stack}.yml`);
    fs.writeFileSync(file, text);
    const r = run("promtool", ["check", "config", file]);
    expect(r.output).toContain("SUCCESS");
    expect(r.status).toBe(0);
  });
});

it("promtool check config refuses a misspelt native-histogram field (the check above can fail)", () => {
  const file = path.join(dir, "misspelt.yml");
  fs.writeFileSync(file, "global:\n  scrape_native_histogram: true\n");
  const r = run("promtool", ["check", "config", file]);
  expect(r.status).not.toBe(0);
  expect(r.output).toMatch(/field scrape_native_histogram not found/);
});

describe("latency panels over classic, native and both histogram forms (promtool test rules)", () => {
  const panels = DASHBOARDS.flatMap((d) =>
    d.panels.flatMap((p) => (p.targets ?? []).filter((t) => t.expr.includes("histogram_quantile")).map((t) => ({ where: `${d.uid} / ${p.title}`, expr: t.expr }))),
  )
    // A recording rule's quantile is a panel's too: the panel draws the recorded series.
    .concat(RECORDING_RULES.filter((r) => r.expr.includes("histogram_quantile")).map((r) => ({ where: `recording rule ${r.record}`, expr: r.expr })))
    .filter((p) => /worker_|backend_/.test(p.expr));

  /** Every observation in the bucket (0.5, 1]: classic quantiles interpolate linearly in it, native (schema 0) exponentially. */
  const classicQuantile = (q: number) => 0.5 + 0.5 * q;
  const nativeQuantile = (q: number) => 0.5 * Math.pow(2, q);
  const histogramOf = (expr: string) => /rate\((\w+)_bucket/.exec(expr)![1];
  const labelsOf = (expr: string) => {
    // The series carry the label the panel groups by (if any), with one value.
    const by = /sum by \(le, (\w+)\)/.exec(expr)?.[1];
    return by ? { [by]: "v1" } : {};
  };
  const sel = (labels: Record<string, string>, extra: Record<string, string> = {}) => {
    const all = { ...labels, ...extra };
    return `{${Object.entries(all).map(([k, v]) => `${k}="${v}"`).join(",")}}`;
  };
  const classicSeries = (h: string, labels: Record<string, string>) => [
    { series: `${h}_bucket${sel(labels, { le: "0.5" })}`, values: "0+0x20" },
    { series: `${h}_bucket${sel(labels, { le: "1" })}`, values: "0+10x20" },
    { series: `${h}_bucket${sel(labels, { le: "+Inf" })}`, values: "0+10x20" },
  ];
  const nativeSeries = (h: string, labels: Record<string, string>) => [
    { series: `${h}${sel(labels)}`, values: "{{schema:0 sum:0 count:0 buckets:[0]}}+{{schema:0 sum:7.5 count:10 buckets:[10]}}x20" },
  ];

  it("finds the latency panels", () => {
    expect(panels.map((p) => p.where)).toEqual(
      expect.arrayContaining(["tutordex-overview / Job latency p95", "tutordex-overview / LLM latency p95", "recording rule tutordex:worker:supabase_latency_p95_seconds"]),
    );
  });

  it("each gives the classic quantile from classic series, the native one from native series, and one series (the classic) from both", () => {
    const tests = panels.flatMap(({ expr }) => {
      const q = Number(/histogram_quantile\(([\d.]+)/.exec(expr)![1]);
      const h = histogramOf(expr);
      const labels = labelsOf(expr);
      const query = interpolate(expr);
      const expect = (value: number) => [{ labels: sel(labels), value }];
      return [
        { input_series: classicSeries(h, labels), promql_expr_test: [{ expr: query, eval_time: "10m", exp_samples: expect(classicQuantile(q)) }] },
        { input_series: nativeSeries(h, labels), promql_expr_test: [{ expr: query, eval_time: "10m", exp_samples: expect(nativeQuantile(q)) }] },
        { input_series: [...classicSeries(h, labels), ...nativeSeries(h, labels)], promql_expr_test: [{ expr: query, eval_time: "10m", exp_samples: expect(classicQuantile(q)) }] },
      ];
    });
    const file = path.join(dir, "latency-panels.yml");
    // fuzzy_compare: sqrt-like values such as 0.5·2^0.95 differ from JavaScript's in the last bit.
    fs.writeFileSync(file, toYaml({ rule_files: [], evaluation_interval: "1m", fuzzy_compare: true, tests: tests.map((t) => ({ interval: "1m", ...t })) }));
    const r = run("promtool", ["test", "rules", file], dir);
    if (r.status !== 0) throw new Error(`promtool test rules failed:\n${r.output}`);
    expect(tests.length).toBe(panels.length * 3);
  });
});

import * as yaml from "js-yaml";
import { DASHBOARDS } from "../../dashboards";
import { renderStack } from "../../generators/stackFiles";
import { stackConfig } from "../../harness/fixtures";
import { committedStacks } from "../../harness/stackFiles";
import { JOB_STATUSES, seriesCatalog } from "./labelCatalog";
import { LabelChecker } from "./promqlLabels";

/**
 * A query on a label the series do not carry, or on a value the label never takes, returns
 * nothing: the panel is empty, the alert never fires, and nothing else fails. Every dashboard
 * query, variable and legend, every alert rule and its annotations, and every recording rule are
 * checked here against what the exporters emit (labelCatalog.ts) and what the rendered
 * prometheus.yml gives each target (job names, static labels).
 */
type Variable = { name: string; definition?: string };

const recordingProblems: string[] = [];
const catalog = seriesCatalog(recordingProblems);

const variableSources = new Map<string, string>();
const variableDefs = DASHBOARDS.flatMap((d) => (d.templating as { list: Variable[] }).list).filter((v) =>
  v.definition?.startsWith("label_values("),
);
for (const v of variableDefs) variableSources.set(v.name, /label_values\([^,]+,\s*(\w+)\)/.exec(v.definition!)![1]);

const checkerFor = () => new LabelChecker(catalog, variableSources);
const problemsOf = (expr: string) => {
  const c = checkerFor();
  c.check(expr);
  return c.problems;
};
const outputLabels = (expr: string) => {
  const r = checkerFor().check(expr);
  return r.kind === "scalar" ? new Set<string>() : r.labels === "any" ? "any" : new Set(r.labels.keys());
};

const promTargets = DASHBOARDS.flatMap((d) =>
  d.panels.flatMap((p) =>
    (p.targets ?? [])
      .filter((t) => t.datasource?.type === "prometheus")
      .map((t) => ({ where: `${d.uid} / ${p.title}`, expr: t.expr, legendFormat: "legendFormat" in t ? t.legendFormat : undefined })),
  ),
);

describe("dashboard queries select labels and values the series have", () => {
  it("there are queries to check", () => expect(promTargets.length).toBeGreaterThan(80));

  it.each(promTargets.map((t) => [t.where, t.expr]))("%s: %s", (_where, expr) => {
    expect(problemsOf(expr)).toEqual([]);
  });

  it.each(promTargets.filter((t) => t.legendFormat && t.legendFormat !== "__auto").map((t) => [t.where, t.legendFormat!, t.expr]))(
    "%s: legend %s names labels the result has",
    (_where, legend, expr) => {
      const labels = outputLabels(expr);
      const used = [...legend.matchAll(/\{\{\s*(\w+)\s*\}\}/g)].map((m) => m[1]);
      expect(labels === "any" ? [] : used.filter((l) => !labels.has(l))).toEqual([]);
    },
  );

  it.each(variableDefs.map((v) => [v.name, v.definition!]))("variable $%s comes from a label the metric has: %s", (_name, definition) => {
    const [, metric, label] = /label_values\((\w+),\s*(\w+)\)/.exec(definition)!;
    const series = catalog(metric);
    expect(series && series.labels !== "any" && series.labels.has(label)).toBe(true);
  });
});

describe.each(committedStacks())("alert rules of stack %s", (stack) => {
  const doc = yaml.load(renderStack(stackConfig(stack)).prometheus["rules/alert_rules.yml"]) as {
    groups: { rules: { alert: string; expr: string; annotations: Record<string, string> }[] }[];
  };
  const rules = doc.groups.flatMap((g) => g.rules);

  it.each(rules.map((r) => [r.alert, r.expr]))("%s selects labels and values the series have", (_alert, expr) => {
    expect(problemsOf(expr)).toEqual([]);
  });

  it.each(rules.map((r) => [r.alert, r]))("%s: its annotations name only labels its expression keeps", (_alert, rule) => {
    const labels = outputLabels(rule.expr);
    const used = Object.values(rule.annotations).flatMap((text) => [...text.matchAll(/\$labels\.(\w+)/g)].map((m) => m[1]));
    expect(labels === "any" ? [] : [...new Set(used)].filter((l) => !labels.has(l))).toEqual([]);
  });
});

it("recording rules select labels and values the series have", () => {
  expect(recordingProblems).toEqual([]);
});

describe("the check fails on the defects it is for", () => {
  it.each([
    [
      "a status the worker never reports",
      'sum(rate(worker_jobs_processed_total{status="okay"}[5m]))',
      /worker_jobs_processed_total's status is never "okay"/,
    ],
    ["a misspelt status in a regex", 'sum(rate(worker_jobs_processed_total{status=~"failed|eror"}[5m]))', /never matches "eror"/],
    ["a job no stack scrapes", 'max(up{job="tutordex_workers"})', /up's job is never "tutordex_workers"/],
    ["a job that does not expose the metric", 'probe_success{job="tutordex_worker"}', /probe_success's job is never "tutordex_worker"/],
    [
      "a missing-field type that does not exist",
      'sum(rate(assignment_quality_missing_field_total{field="subjects"}[5m]))',
      /field is never "subjects"/,
    ],
    ["a label the metric does not carry", 'sum(rate(worker_llm_fail_total{channel="t.me/x"}[5m]))', /has no label channel/],
    ["grouping by a misspelt label", "sum by (chanel) (rate(worker_parse_failure_total[5m]))", /by chanel, which the series do not have/],
    ["a label the recording rule aggregated away", 'tutordex:worker:throughput_jobs_per_s{channel="t.me/x"}', /has no label channel/],
    ["a variable of another label", 'up{job=~"$channel"}', /\$channel holds values of channel, not of job/],
    [
      "quantiles of buckets without le",
      "histogram_quantile(0.9, sum by (pipeline_version) (rate(worker_job_latency_seconds_bucket[5m])))",
      /without their le label/,
    ],
    [
      "a ratio whose sides never match",
      "sum by (channel) (rate(worker_parse_failure_total[5m])) / sum by (pipeline_version) (rate(worker_parse_success_total[5m]))",
      /different labels/,
    ],
    ["a metric without a catalog entry", "sum(rate(worker_made_up_total[5m]))", /no label catalog entry/],
  ])("%s", (_what, expr, message) => {
    const problems = problemsOf(expr);
    expect(problems.length).toBeGreaterThan(0);
    expect(problems.join("\n")).toMatch(message);
  });

  it("and passes their correct forms", () => {
    for (const s of JOB_STATUSES) expect(problemsOf(`sum(rate(worker_jobs_processed_total{status="${s}"}[5m]))`)).toEqual([]);
    expect(problemsOf('max(up{job="tutordex_worker"}) or vector(0)')).toEqual([]);
    expect(
      problemsOf("sum by (channel) (rate(worker_parse_failure_total[5m])) / sum by (channel) (rate(worker_parse_success_total[5m]))"),
    ).toEqual([]);
  });

  it("a legend or annotation label the result lacks is found", () => {
    expect(outputLabels("sum by (pipeline_version) (rate(dm_fail_total[5m]))")).toEqual(new Set(["pipeline_version"]));
    expect(outputLabels("max by (channel) (tutordex:collector:seconds_since_last_message)")).toEqual(new Set(["channel"]));
  });
});

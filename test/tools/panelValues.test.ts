import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { toYaml } from "../../config/yaml";
import { DASHBOARDS } from "../../dashboards";
import { interpolate } from "../../harness/queries";
import { run } from "../../harness/tools";

/**
 * Panels that combine two counters, evaluated by promtool's PromQL engine while one of them has no
 * series yet: a counter with labels appears only at its first increment, so a pipeline that never
 * failed has no failure series, and a plain `a / (a + b)` or `a + b` then answers nothing and the
 * panel reads "No data" instead of 100 % or the other side's count.
 */
const dir = fs.mkdtempSync(path.join(os.tmpdir(), "panel-values-"));
afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

function exprsOf(uid: string, title: string): string[] {
  const panel = DASHBOARDS.find((d) => d.uid === uid)?.panels.find((p) => p.title === title);
  if (!panel?.targets?.length) throw new Error(`no panel ${uid} / ${title}`);
  return panel.targets.map((t) => interpolate(t.expr));
}

const PV = 'pipeline_version="v1",schema_version="v2"';
/** One sample a minute for two hours, counting 10 a minute: any 1h increase at 120m is 600 (59 steps extrapolated to the hour). */
const COUNTING = "0+10x120";
/** The same for a day and an hour, a sample an hour: a 24h increase at 25h is 240. */
const COUNTING_HOURLY = "0+10x25";

interface Case {
  readonly panel: readonly [uid: string, title: string];
  readonly interval: string;
  readonly at: string;
  readonly series: Record<string, string>;
  /** Per target of the panel, the samples it must answer. */
  readonly expect: readonly { labels: string; value: number }[][];
}

const CASES: Record<string, Case> = {
  "Home's parse success with no failure yet is 1": {
    panel: ["tutordex-home", "Parse success (1h)"],
    interval: "1m",
    at: "120m",
    series: { [`worker_parse_success_total{${PV}}`]: COUNTING },
    expect: [[{ labels: "{}", value: 1 }]],
  },
  "Home's parse success with only failures is 0": {
    panel: ["tutordex-home", "Parse success (1h)"],
    interval: "1m",
    at: "120m",
    series: { [`worker_parse_failure_total{reason="llm_error",${PV}}`]: COUNTING },
    expect: [[{ labels: "{}", value: 0 }]],
  },
  "the DM delivery rate with no DM failure yet is 1": {
    panel: ["tutordex_matching", "DM delivery rate (1h)"],
    interval: "1m",
    at: "120m",
    series: { [`dm_sent_total{${PV}}`]: COUNTING },
    expect: [[{ labels: "{}", value: 1 }]],
  },
  "delivery success per pipeline with no failure yet is 1, for broadcasts and DMs": {
    panel: ["tutordex_matching", "Delivery success by kind and pipeline"],
    interval: "1m",
    at: "120m",
    series: { [`broadcast_sent_total{${PV}}`]: COUNTING, [`dm_sent_total{${PV}}`]: COUNTING },
    expect: [[{ labels: '{pipeline_version="v1"}', value: 1 }], [{ labels: '{pipeline_version="v1"}', value: 1 }]],
  },
  "the notifications of a day count the DMs while no broadcast went out": {
    panel: ["tutordex_matching", "Notifications (24h)"],
    interval: "1h",
    at: "25h",
    series: { [`dm_sent_total{${PV}}`]: COUNTING_HOURLY },
    expect: [[{ labels: "{}", value: 240 }]],
  },
  "DMs per assignment with broadcasts and no DM yet is 0": {
    panel: ["tutordex_matching", "DMs per assignment (1h)"],
    interval: "1m",
    at: "120m",
    series: { [`broadcast_sent_total{${PV}}`]: COUNTING },
    expect: [[{ labels: "{}", value: 0 }]],
  },
  "completeness with parsed assignments and no missing field yet is 1": {
    panel: ["tutordex_data_quality", "Completeness score (1h)"],
    interval: "1m",
    at: "120m",
    series: { [`worker_parse_success_total{${PV}}`]: COUNTING },
    expect: [[{ labels: "{}", value: 1 }]],
  },
  "issues by channel keep a channel with only one kind of issue": {
    panel: ["tutordex_data_quality", "Issues by channel (24h)"],
    interval: "1h",
    at: "25h",
    series: {
      [`assignment_quality_missing_field_total{field="postal_code",channel="t.me/a",${PV}}`]: COUNTING_HOURLY,
      [`assignment_quality_inconsistency_total{kind="level_subject_mismatch",channel="t.me/b",${PV}}`]: COUNTING_HOURLY,
      [`assignment_quality_missing_field_total{field="postal_code",channel="t.me/c",${PV}}`]: COUNTING_HOURLY,
      [`assignment_quality_inconsistency_total{kind="level_subject_mismatch",channel="t.me/c",${PV}}`]: COUNTING_HOURLY,
    },
    expect: [
      [
        { labels: '{channel="t.me/a"}', value: 240 },
        { labels: '{channel="t.me/b"}', value: 240 },
        { labels: '{channel="t.me/c"}', value: 480 },
      ],
    ],
  },
};

it.each(Object.entries(CASES))("%s", (name, c) => {
  const exprs = exprsOf(...c.panel);
  expect(exprs.length).toBe(c.expect.length);
  const file = path.join(dir, `${name.replace(/\W+/g, "-")}.yml`);
  fs.writeFileSync(
    file,
    toYaml({
      rule_files: [],
      evaluation_interval: "1m",
      // The increases are extrapolated ratios (600 · 60/59 · 59/60): exact up to the last bit.
      fuzzy_compare: true,
      tests: [
        {
          interval: c.interval,
          input_series: Object.entries(c.series).map(([series, values]) => ({ series, values })),
          promql_expr_test: exprs.map((expr, i) => ({ expr, eval_time: c.at, exp_samples: c.expect[i] })),
        },
      ],
    }),
  );
  const r = run("promtool", ["test", "rules", file], dir);
  if (r.status !== 0) throw new Error(`promtool test rules failed:\n${r.output}`);
});

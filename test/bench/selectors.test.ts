import * as yaml from "js-yaml";
import { DASHBOARDS } from "../../dashboards";
import { HISTORY_STACK, historySeries } from "../../bench/history/model";
import { SHAPE } from "../../bench/history/shape";
import { RECORDING_RULES } from "../../rules/catalog";
import { ruleSettings } from "../../rules/context";
import { renderRuleFiles } from "../../rules/render";
import { dashboardTargets, interpolate } from "../../harness/queries";
import { stackConfig } from "../../harness/fixtures";

interface SyntaxNodeLike {
  readonly name: string;
  readonly from: number;
  readonly to: number;
}
const promql = (
  require("@prometheus-io/lezer-promql") as {
    parser: { parse(text: string): { iterate(spec: { enter(node: SyntaxNodeLike): void }): void } };
  }
).parser;

interface Matcher {
  readonly label: string;
  readonly op: string;
  readonly value: string;
}

/** Every vector selector of `expr`: its matchers, the name as `__name__="…"` among them. */
function selectorsOf(expr: string): { text: string; matchers: Matcher[] }[] {
  const out: { text: string; matchers: Matcher[] }[] = [];
  promql.parse(expr).iterate({
    enter: (node) => {
      if (node.name !== "VectorSelector") return;
      const text = expr.slice(node.from, node.to);
      const name = /^[a-zA-Z_:][\w:]*/.exec(text)?.[0];
      const matchers: Matcher[] = name ? [{ label: "__name__", op: "=", value: name }] : [];
      for (const m of text.matchAll(/(\w+)\s*(=~|!~|!=|=)\s*("(?:[^"\\]|\\.)*")/g))
        matchers.push({ label: m[1], op: m[2], value: JSON.parse(m[3]) as string });
      out.push({ text, matchers });
    },
  });
  return out;
}

const matches = (m: Matcher, labels: Readonly<Record<string, string>>) => {
  const v = labels[m.label] ?? "";
  if (m.op === "=") return v === m.value;
  if (m.op === "!=") return v !== m.value;
  const re = new RegExp(`^(?:${m.value})$`);
  return m.op === "=~" ? re.test(v) : !re.test(v);
};

/**
 * The bench history stands for the deployed stack only while the series the rules and dashboards
 * select are in it with the labels they select on: a selector matching nothing makes its query
 * cost nothing on the bench, however much it would cost in prod.
 */
describe("the bench history", () => {
  const series = historySeries(SHAPE)
    .filter((s) => s.queried)
    .map((s) => ({ __name__: s.name, ...s.labels }));
  const recorded = new Set(RECORDING_RULES.map((r) => r.record));
  const files = renderRuleFiles(ruleSettings(stackConfig(HISTORY_STACK)));
  const ruleExprs = Object.values(files).flatMap((text) =>
    ((yaml.load(text) as { groups: { rules: { expr: string }[] }[] }).groups ?? []).flatMap((g) => g.rules.map((r) => r.expr)),
  );
  const panelExprs = dashboardTargets(DASHBOARDS)
    .filter((t) => t.datasource === "prometheus")
    .map((t) => interpolate(t.expr));

  const names = new Set(series.map((s) => s.__name__));
  const nameOf = (s: { matchers: Matcher[] }) => s.matchers.find((m) => m.label === "__name__" && m.op === "=")?.value ?? "";
  /**
   * Selectors left out, each for its reason: recorded series are backfilled from the raw ones (and
   * so are there when these are); a histogram's native form is the `or` fallback of its classic
   * `_bucket` series (dashboards/queries.ts, quantile), and the application exposes classic ones;
   * the history is of a healthy stack, where only Watchdog fires.
   */
  const expected = (s: { matchers: Matcher[] }) => recorded.has(nameOf(s)) || names.has(`${nameOf(s)}_bucket`) || nameOf(s) === "ALERTS";
  const unmatched = (exprs: readonly string[]) =>
    exprs
      .flatMap((e) => selectorsOf(e))
      .filter((s) => !expected(s) && !series.some((labels) => s.matchers.every((m) => matches(m, labels))))
      .map((s) => s.text);

  it("sees every selector (the parse finds them)", () => {
    expect(selectorsOf('sum(rate(a_total{x=~"b|c",y!="d"}[5m])) / b').map((s) => s.matchers)).toEqual([
      [
        { label: "__name__", op: "=", value: "a_total" },
        { label: "x", op: "=~", value: "b|c" },
        { label: "y", op: "!=", value: "d" },
      ],
      [{ label: "__name__", op: "=", value: "b" }],
    ]);
    expect(ruleExprs.flatMap(selectorsOf).length).toBeGreaterThan(50);
    expect(panelExprs.flatMap(selectorsOf).length).toBeGreaterThan(50);
  });

  it("holds a series for every selector of the deployed rules", () => {
    expect([...new Set(unmatched(ruleExprs))]).toEqual([]);
  });

  it("holds a series for every selector of the dashboards, variables at All", () => {
    expect([...new Set(unmatched(panelExprs))]).toEqual([]);
  });
});

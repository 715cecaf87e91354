import { DASHBOARDS } from "../../dashboards";

/**
 * A dashboard variable no query uses is a filter that filters nothing: an operator picks a channel
 * or a pipeline version and every panel goes on showing all of them. Each variable a dashboard
 * offers (the datasource picker aside, which every panel uses through its datasource) must appear
 * in at least one of its queries, and every variable a query uses must be offered. And each one
 * opens on "All": a variable that opens on nothing leaves every panel that uses it empty until the
 * operator picks a value.
 */
type Panel = { title: string; targets?: { expr?: string }[]; panels?: Panel[] };
const exprsOf = (panels: Panel[]): string[] =>
  panels.flatMap((p) => [...(p.targets ?? []).map((t) => t.expr ?? ""), ...exprsOf(p.panels ?? [])]);

describe.each(DASHBOARDS.map((d) => [d.uid, d] as const))("%s", (_uid, d) => {
  const offered = (d.templating as { list: { name: string; type: string }[] }).list
    .filter((v) => v.type !== "datasource")
    .map((v) => v.name);
  const exprs = exprsOf(d.panels);

  it("uses every variable it offers in some query", () => {
    expect(offered.filter((name) => !exprs.some((e) => e.includes(`$${name}`) || e.includes(`\${${name}`)))).toEqual([]);
  });

  it("each query variable: multi-value with All, opening on All (which matches every value), values from Prometheus refreshed with the time range", () => {
    const vars = (d.templating as { list: Record<string, any>[] }).list.filter((v) => v.type !== "datasource");
    for (const v of vars) {
      const { name, label, query, definition, ...rest } = v;
      expect({ name, rest }).toEqual({
        name,
        rest: {
          type: "query",
          datasource: { type: "prometheus", uid: "${datasource}" },
          refresh: 2,
          includeAll: true,
          multi: true,
          allValue: ".*",
          current: { selected: true, text: ["All"], value: ["$__all"] },
          sort: 1,
        },
      });
      expect([typeof label, query, definition]).toEqual([
        "string",
        { qryType: 1, query: definition, refId: "PrometheusVariableQueryEditor-VariableQuery" },
        expect.stringMatching(/^label_values\(/),
      ]);
    }
  });

  it("names every Prometheus series it draws: no query without a legend (Grafana would show the raw series)", () => {
    const targets = d.panels.flatMap((p) =>
      (p.targets ?? [])
        .filter((t) => t.datasource?.type === "prometheus")
        .map((t) => ({ panel: p.title, expr: t.expr, legendFormat: "legendFormat" in t ? t.legendFormat : undefined })),
    );
    expect(targets.filter((t) => !t.legendFormat?.trim())).toEqual([]);
  });

  it("offers every variable its queries use (Grafana's own $__ variables aside)", () => {
    const used = new Set(exprs.flatMap((e) => [...e.matchAll(/\$\{?(\w+)/g)].map((m) => m[1])).filter((n) => !n.startsWith("__")));
    expect([...used].filter((n) => !offered.includes(n))).toEqual([]);
  });
});

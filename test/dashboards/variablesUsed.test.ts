import { DASHBOARDS } from "../../dashboards";

/**
 * A dashboard variable no query uses is a filter that filters nothing: an operator picks a channel
 * or a pipeline version and every panel goes on showing all of them. Each variable a dashboard
 * offers (the datasource picker aside, which every panel uses through its datasource) must appear
 * in at least one of its queries, and every variable a query uses must be offered.
 */
type Panel = { title: string; targets?: { expr?: string }[]; panels?: Panel[] };
const exprsOf = (panels: Panel[]): string[] => panels.flatMap((p) => [...(p.targets ?? []).map((t) => t.expr ?? ""), ...exprsOf(p.panels ?? [])]);

describe.each(DASHBOARDS.map((d) => [d.uid as string, d] as const))("%s", (_uid, d) => {
  const offered = (d.templating as { list: { name: string; type: string }[] }).list.filter((v) => v.type !== "datasource").map((v) => v.name);
  const exprs = exprsOf(d.panels as Panel[]);

  it("uses every variable it offers in some query", () => {
    expect(offered.filter((name) => !exprs.some((e) => e.includes(`$${name}`) || e.includes(`\${${name}`)))).toEqual([]);
  });

  it("offers every variable its queries use (Grafana's own $__ variables aside)", () => {
    const used = new Set(exprs.flatMap((e) => [...e.matchAll(/\$\{?(\w+)/g)].map((m) => m[1])).filter((n) => !n.startsWith("__")));
    expect([...used].filter((n) => !offered.includes(n))).toEqual([]);
  });
});

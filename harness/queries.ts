import { DashboardJson } from "../dashboards/builder";
/**
 * The Prometheus and Loki lezer grammars are typed as ES modules but ship CommonJS builds; under
 * node16 resolution TypeScript refuses a static import from CommonJS, so they are required with
 * the small part of the lezer API this file uses.
 */
interface SyntaxNodeLike {
  readonly name: string;
  readonly from: number;
  readonly to: number;
  readonly type: { readonly isError: boolean };
  readonly node: { readonly parent: { readonly name: string } | null };
}
interface ParserLike {
  parse(text: string): { iterate(spec: { enter(node: SyntaxNodeLike): void }): void };
}
const promql = (require("@prometheus-io/lezer-promql") as { parser: ParserLike }).parser;
const logql = (require("@grafana/lezer-logql") as { parser: ParserLike }).parser;

/** What Grafana puts for its interval variables; 5m for all three unless a time range says otherwise (bench/grafana.ts). */
export interface GrafanaIntervals {
  readonly interval: string;
  readonly rateInterval: string;
  readonly range: string;
}
const FIVE_MINUTES: GrafanaIntervals = { interval: "5m", rateInterval: "5m", range: "5m" };

/** Replaces Grafana's variables the way Grafana would before sending a query, with the dashboard variables at "All". */
export function interpolate(expr: string, at: GrafanaIntervals = FIVE_MINUTES): string {
  return expr
    .replace(/\$__rate_interval/g, at.rateInterval)
    .replace(/\$__interval/g, at.interval)
    .replace(/\$__range/g, at.range)
    .replace(/\$(channel|pipeline_version|service)\b/g, ".*");
}

/** One query of a dashboard panel, as the dashboard JSON holds it. */
export interface DashboardTarget {
  readonly dashboard: string;
  readonly panel: string;
  readonly refId: string;
  readonly expr: string;
  readonly instant: boolean;
  readonly datasource: string;
}

/** Every query of every panel of `dashboards`, in panel order. */
export function dashboardTargets(dashboards: readonly DashboardJson[]): DashboardTarget[] {
  return dashboards.flatMap((d) =>
    d.panels.flatMap((p) =>
      (p.targets ?? []).map((t) => ({
        dashboard: d.uid,
        panel: p.title,
        refId: t.refId,
        expr: t.expr,
        instant: "instant" in t && t.instant,
        datasource: t.datasource?.type ?? "",
      })),
    ),
  );
}

/** Parses with a lezer grammar; counts error nodes and collects Identifiers directly under `parent`. */
function scan(parser: ParserLike, expr: string, parent: string): { errors: number; names: string[] } {
  const text = interpolate(expr);
  let errors = 0;
  const names: string[] = [];
  parser.parse(text).iterate({
    enter: (node) => {
      if (node.type.isError) errors += 1;
      if (node.name === "Identifier" && node.node.parent?.name === parent) names.push(text.slice(node.from, node.to));
    },
  });
  return { errors, names };
}

export function parsePromql(expr: string): { errors: number; metrics: string[] } {
  const { errors, names } = scan(promql, expr, "VectorSelector");
  return { errors, metrics: names };
}

export function parseLogql(expr: string): { errors: number; selectorLabels: string[] } {
  const { errors, names } = scan(logql, expr, "Matcher");
  return { errors, selectorLabels: names };
}

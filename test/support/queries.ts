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

/** Replaces Grafana's variables the way Grafana would before sending a query. */
export function interpolate(expr: string): string {
  return expr
    .replace(/\$__rate_interval|\$__interval|\$__range/g, "5m")
    .replace(/\$(channel|pipeline_version|service)\b/g, ".*");
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

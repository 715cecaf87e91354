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

export interface ParsedPromql {
  readonly errors: number;
  readonly metrics: string[];
}

export function parsePromql(expr: string): ParsedPromql {
  const text = interpolate(expr);
  const tree = promql.parse(text);
  let errors = 0;
  const metrics: string[] = [];
  tree.iterate({
    enter: (node) => {
      if (node.type.isError) errors += 1;
      if (node.name === "Identifier" && node.node.parent?.name === "VectorSelector") metrics.push(text.slice(node.from, node.to));
    },
  });
  return { errors, metrics };
}

export function parseLogql(expr: string): { errors: number; selectorLabels: string[] } {
  const text = interpolate(expr);
  const tree = logql.parse(text);
  let errors = 0;
  const selectorLabels: string[] = [];
  tree.iterate({
    enter: (node) => {
      if (node.type.isError) errors += 1;
      if (node.name === "Identifier" && node.node.parent?.name === "Matcher") selectorLabels.push(text.slice(node.from, node.to));
    },
  });
  return { errors, selectorLabels };
}

import { Comparison } from "./render";

/** What to draw for an alert: the expression to ask Prometheus for, and the threshold it is compared with. */
export interface GraphQuery {
  /** The alert's expression less its final comparison with a number, so the graph shows the values on both sides of it. */
  readonly expr: string;
  readonly threshold?: { readonly op: Comparison; readonly value: number };
}

/** Longest expression taken from a generatorURL; a longer one is not graphed. */
export const MAX_EXPR_CHARS = 4096;

const COMPARISONS: readonly Comparison[] = ["==", "!=", ">=", "<=", ">", "<"];
/** A number as Prometheus prints one (strconv 'f' format) or as a person may write it. */
const NUMBER = /^[+-]?(\d+(\.\d*)?|\.\d+)(e[+-]?\d+)?$/i;

/**
 * The graph of an alert, from the generatorURL Prometheus gives it (`…/graph?g0.expr=<the rule's
 * expression>&g0.tab=1`; Prometheus prints the parsed expression, so spacing and numbers are in
 * its canonical form). Only the expression is taken from the URL: its host is Prometheus's
 * external URL, which the bridge never calls; the query goes to PROMETHEUS_URL.
 *
 * An alert expression usually ends in `<quantity> <op> <number>`: PromQL's comparisons bind more
 * loosely than arithmetic, so when that comparison is the last operator outside any brackets,
 * strings and set operators (and/or/unless), the quantity is everything before it, and the number
 * is the threshold. The graph then shows the quantity with the threshold line, not just the
 * samples that broke it. Any other expression is drawn as it is, without a threshold line.
 */
export function graphQuery(generatorURL: string | undefined): GraphQuery | undefined {
  if (!generatorURL || !URL.canParse(generatorURL)) return undefined;
  const expr = new URL(generatorURL).searchParams.get("g0.expr")?.trim();
  if (!expr || expr.length > MAX_EXPR_CHARS) return undefined;
  const split = splitThreshold(expr);
  return split ?? { expr };
}

function splitThreshold(expr: string): GraphQuery | undefined {
  const top = topLevel(expr);
  if (!top) return undefined;
  if (/\b(and|or|unless)\b/i.test(top)) return undefined;
  let last: { at: number; op: Comparison } | undefined;
  for (let i = 0; i < top.length; i++) {
    const op = COMPARISONS.find((c) => top.startsWith(c, i));
    if (!op) continue;
    last = { at: i, op };
    i += op.length - 1;
  }
  if (!last || last.at === 0) return undefined;
  const rhs = expr.slice(last.at + last.op.length).trim();
  const lhs = expr.slice(0, last.at).trim();
  // `bool` makes the comparison a 0/1 value; a vector on the right has no single threshold.
  if (!NUMBER.test(rhs) || !lhs || /[=!<>]$/.test(lhs)) return undefined;
  const value = Number(rhs);
  return Number.isFinite(value) ? { expr: lhs, threshold: { op: last.op, value } } : undefined;
}

/**
 * The expression with everything inside brackets and string literals blanked out (same length,
 * so offsets stay valid): what remains is the outermost level. Undefined if unbalanced.
 */
function topLevel(expr: string): string | undefined {
  let out = "";
  let depth = 0;
  for (let i = 0; i < expr.length; i++) {
    const c = expr[i];
    if (c === '"' || c === "'" || c === "`") {
      const start = i;
      for (i++; i < expr.length && expr[i] !== c; i++) if (expr[i] === "\\" && c !== "`") i++;
      if (i >= expr.length) return undefined;
      out += " ".repeat(i - start + 1);
      continue;
    }
    if (c === "(" || c === "[" || c === "{") depth++;
    else if (c === ")" || c === "]" || c === "}") {
      depth--;
      if (depth < 0) return undefined;
      out += " ";
      continue;
    }
    out += depth > 0 || c === "(" || c === "[" || c === "{" ? " " : c;
  }
  return depth === 0 ? out : undefined;
}

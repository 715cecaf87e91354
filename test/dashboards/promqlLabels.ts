/**
 * What labels a PromQL expression's result carries, and every label name or value it uses that
 * the series it selects cannot have. Series are described by a catalog (labelCatalog.ts); a label
 * with a known set of values (job, status, field, ...) is checked value by value.
 *
 * The lezer grammar ships CommonJS under an ES module type; required as harness/queries.ts does.
 */
interface Node {
  readonly name: string;
  readonly from: number;
  readonly to: number;
  readonly firstChild: Node | null;
  readonly nextSibling: Node | null;
}
const promql = (require("@prometheus-io/lezer-promql") as { parser: { parse(text: string): { topNode: Node } } }).parser;

/** A label and the values it can take; undefined: any value (instance, channel, mountpoint...). */
export type Labels = ReadonlyMap<string, readonly string[] | undefined>;
/** The labels of a series: a metric's own and its targets', or `any` where they cannot be known (ALERTS). */
export interface SeriesLabels {
  readonly labels: Labels | "any";
  /** Values of labels that are known even when the label set is not (ALERTS' alertstate). */
  readonly values?: Labels;
}
export type Catalog = (metric: string) => SeriesLabels | undefined;
/** Grafana variables by name: the label their values come from. */
export type Variables = ReadonlyMap<string, string>;

type Result = { kind: "scalar" } | { kind: "vector"; labels: Labels | "any"; values?: Labels };
const SCALAR: Result = { kind: "scalar" };

const children = (n: Node): Node[] => {
  const out: Node[] = [];
  for (let c = n.firstChild; c; c = c.nextSibling) out.push(c);
  return out;
};
const child = (n: Node, name: string) => children(n).find((c) => c.name === name);

/** `{__var_NAME__}` stands for a Grafana variable inside a label value. */
export const VARIABLE = /__var_(\w+)__/;
export function interpolateForLabels(expr: string): string {
  return expr.replace(/\$__rate_interval|\$__interval|\$__range/g, "5m").replace(/\$(\w+)/g, "__var_$1__");
}

/** Top-level alternatives of a regex: a|b(c|d) → a, b(c|d). */
function alternatives(re: string): string[] {
  const out: string[] = [];
  let depth = 0;
  let cur = "";
  for (let i = 0; i < re.length; i++) {
    const ch = re[i];
    if (ch === "\\") {
      cur += ch + (re[i + 1] ?? "");
      i++;
      continue;
    }
    if (ch === "(") depth++;
    if (ch === ")") depth--;
    if (ch === "|" && depth === 0) {
      out.push(cur);
      cur = "";
    } else cur += ch;
  }
  return [...out, cur];
}

const union = (a: readonly string[] | undefined, b: readonly string[] | undefined) => (a && b ? [...new Set([...a, ...b])] : undefined);

export class LabelChecker {
  readonly problems: string[] = [];
  private text = "";

  constructor(
    private readonly catalog: Catalog,
    private readonly variables: Variables = new Map(),
  ) {}

  /** The result of `expr`, recording each problem found in it. */
  check(expr: string): Result {
    this.text = interpolateForLabels(expr);
    const top = promql.parse(this.text).topNode;
    const body = children(top)[0];
    if (!body) {
      this.problems.push(`empty expression: ${expr}`);
      return SCALAR;
    }
    return this.infer(body);
  }

  private src = (n: Node) => this.text.slice(n.from, n.to);
  private problem = (n: Node, what: string) => this.problems.push(`${what} in \`${this.src(n)}\``);

  private infer(n: Node): Result {
    switch (n.name) {
      case "NumberDurationLiteral":
      case "StringLiteral":
        return SCALAR;
      case "ParenExpr":
      case "UnaryExpr":
      case "StepInvariantExpr":
        return this.infer(children(n).find((c) => !["Sub", "Add", "At"].includes(c.name) && !/^\W/.test(c.name))!);
      case "OffsetExpr":
      case "MatrixSelector":
      case "SubqueryExpr":
        return this.infer(children(n)[0]);
      case "VectorSelector":
        return this.selector(n);
      case "FunctionCall":
        return this.call(n);
      case "AggregateExpr":
        return this.aggregate(n);
      case "BinaryExpr":
        return this.binary(n);
      default:
        this.problem(n, `cannot follow ${n.name}`);
        return { kind: "vector", labels: "any" };
    }
  }

  private selector(n: Node): Result {
    const name = child(n, "Identifier");
    const metric = name ? this.src(name) : "";
    const series = this.catalog(metric);
    if (!series) {
      this.problem(n, `no label catalog entry for metric ${metric}`);
      return { kind: "vector", labels: "any" };
    }
    const matchers = child(n, "LabelMatchers");
    for (const m of matchers ? children(matchers).filter((c) => c.name.endsWith("LabelMatcher")) : []) {
      const label = this.src(child(m, "LabelName")!);
      const op = this.src(child(m, "MatchOp")!);
      const value = JSON.parse(this.src(child(m, "StringLiteral")!).replace(/^'|'$/g, '"')) as string;
      if (series.labels !== "any" && !series.labels.has(label)) {
        this.problem(m, `${metric} has no label ${label}`);
        continue;
      }
      const known = series.labels === "any" ? series.values?.get(label) : series.labels.get(label);
      this.matcherValue(m, metric, label, op, value, known);
    }
    return { kind: "vector", labels: series.labels, values: series.values };
  }

  private matcherValue(m: Node, metric: string, label: string, op: string, value: string, known: readonly string[] | undefined): void {
    const variable = VARIABLE.exec(value)?.[1];
    if (variable !== undefined) {
      const source = this.variables.get(variable);
      if (source === undefined) this.problem(m, `no variable $${variable}`);
      else if (source !== label) this.problem(m, `$${variable} holds values of ${source}, not of ${label}`);
      return;
    }
    if (!known) return;
    if (op === "=" || op === "!=") {
      if (!known.includes(value)) this.problem(m, `${metric}'s ${label} is never "${value}" (it is one of ${known.join(", ")})`);
      return;
    }
    for (const alt of alternatives(value)) {
      let re: RegExp;
      try {
        re = new RegExp(`^(?:${alt})$`);
      } catch {
        this.problem(m, `bad regex ${alt}`);
        continue;
      }
      if (!known.some((v) => re.test(v))) this.problem(m, `${metric}'s ${label} never matches "${alt}" (it is one of ${known.join(", ")})`);
    }
  }

  private args(n: Node): Node[] {
    const body = child(n, "FunctionCallBody");
    return body ? children(body).filter((c) => !/^\W/.test(c.name)) : [];
  }

  private call(n: Node): Result {
    const fn = this.src(child(n, "FunctionIdentifier")!);
    const argNodes = this.args(n);
    const args = argNodes.map((a) => this.infer(a));
    const vectorArg = args.find((a): a is Extract<Result, { kind: "vector" }> => a.kind === "vector");
    switch (fn) {
      case "time":
      case "scalar":
      case "pi":
        return SCALAR;
      case "vector":
        return { kind: "vector", labels: new Map() };
      case "absent":
      case "absent_over_time":
        return { kind: "vector", labels: "any" };
      case "label_replace": {
        if (!vectorArg || vectorArg.labels === "any") return vectorArg ?? SCALAR;
        const [dst, replacement, src] = argNodes.slice(1, 4).map((a) => JSON.parse(this.src(a)) as string);
        if (src !== "" && !vectorArg.labels.has(src)) this.problem(n, `label_replace reads ${src}, which the series do not have`);
        const labels = new Map(vectorArg.labels);
        labels.set(dst, replacement.includes("$") ? undefined : [replacement]);
        return { kind: "vector", labels };
      }
      case "histogram_quantile": {
        if (!vectorArg || vectorArg.labels === "any") return vectorArg ?? SCALAR;
        const classic = /_bucket\b/.test(this.src(argNodes[1]));
        if (classic && !vectorArg.labels.has("le")) this.problem(n, "histogram_quantile over _bucket series without their le label");
        const labels = new Map(vectorArg.labels);
        labels.delete("le");
        return { kind: "vector", labels };
      }
      default:
        return vectorArg ?? SCALAR;
    }
  }

  private grouping(n: Node | undefined): string[] {
    return n
      ? children(n)
          .filter((c) => c.name === "LabelName")
          .map((c) => this.src(c))
      : [];
  }

  private aggregate(n: Node): Result {
    const op = this.src(child(n, "AggregateOp")!);
    const modifier = child(n, "AggregateModifier");
    const by = modifier ? this.grouping(child(modifier, "GroupingLabels")) : [];
    const without = modifier && child(modifier, "Without") !== undefined;
    const args = this.args(n);
    const inner = this.infer(args[args.length - 1]);
    if (inner.kind === "scalar") {
      this.problem(n, `${op} over a scalar`);
      return SCALAR;
    }
    if (inner.labels !== "any")
      for (const l of by)
        if (!inner.labels.has(l)) this.problem(n, `${op} ${without ? "without" : "by"} ${l}, which the series do not have`);
    const pick = (l: string) => (inner.labels === "any" ? inner.values?.get(l) : inner.labels.get(l));
    let labels: Map<string, readonly string[] | undefined>;
    if (without) labels = inner.labels === "any" ? new Map() : new Map([...inner.labels].filter(([l]) => !by.includes(l)));
    else labels = new Map(by.map((l) => [l, pick(l)]));
    if (op === "count_values") labels.set(JSON.parse(this.src(args[0])) as string, undefined);
    return { kind: "vector", labels: without && inner.labels === "any" ? "any" : labels };
  }

  private binary(n: Node): Result {
    const parts = children(n);
    const operands = parts.filter(
      (c) =>
        !/^(Add|Sub|Mul|Div|Mod|Pow|Eql|Neq|Lss|Gtr|Lte|Gte|EqlSingle|And|Or|Unless|Atan2|BoolModifier|MatchingModifierClause)$/.test(
          c.name,
        ) && !/^\W/.test(c.name),
    );
    const opNode = parts.find((c) => /^(Add|Sub|Mul|Div|Mod|Pow|Eql|Neq|Lss|Gtr|Lte|Gte|EqlSingle|And|Or|Unless|Atan2)$/.test(c.name))!;
    const op = opNode.name;
    const [lhs, rhs] = [this.infer(operands[0]), this.infer(operands[1])];
    if (lhs.kind === "scalar") return rhs;
    if (rhs.kind === "scalar") return lhs;
    const matching = child(n, "MatchingModifierClause");
    const on = matching && child(matching, "On") !== undefined;
    const ignoring = matching && child(matching, "Ignoring") !== undefined;
    const groupings = matching ? children(matching).filter((c) => c.name === "GroupingLabels") : [];
    const matchLabels = this.grouping(groupings[0]);
    const groupLeft = matching && child(matching, "GroupLeft") !== undefined;
    const groupRight = matching && child(matching, "GroupRight") !== undefined;
    for (const [side, r] of [
      ["left", lhs],
      ["right", rhs],
    ] as const) {
      if (r.labels === "any") continue;
      for (const l of matchLabels) if (!r.labels.has(l)) this.problem(n, `${on ? "on" : "ignoring"} (${l}): the ${side} side has no ${l}`);
    }
    if (op === "Or") {
      if (lhs.labels === "any" || rhs.labels === "any") return { kind: "vector", labels: "any" };
      const labels = new Map(lhs.labels);
      for (const [l, v] of rhs.labels) labels.set(l, labels.has(l) ? union(labels.get(l), v) : v);
      return { kind: "vector", labels };
    }
    if (op === "And" || op === "Unless") return lhs;
    if (!on && !ignoring && lhs.labels !== "any" && rhs.labels !== "any") {
      // One-to-one matching on every label: sides with different label sets never match.
      const a = [...lhs.labels.keys()].sort().join(",");
      const b = [...rhs.labels.keys()].sort().join(",");
      if (a !== b) this.problem(n, `the sides carry different labels ({${a}} vs {${b}}), so nothing matches`);
    }
    if (groupRight) return rhs;
    if (groupLeft && lhs.labels !== "any" && rhs.labels !== "any") {
      const labels = new Map(lhs.labels);
      for (const l of this.grouping(groupings[1])) labels.set(l, rhs.labels.get(l));
      return { kind: "vector", labels };
    }
    // A comparison that filters keeps the left series as they are; arithmetic (and `bool`) one-to-one
    // keeps only the on (...) labels, or drops the ignoring (...) ones.
    const filters = /^(Eql|Neq|Lss|Gtr|Lte|Gte)$/.test(op) && !child(n, "BoolModifier");
    if (groupLeft || filters || lhs.labels === "any") return lhs;
    if (on) return { kind: "vector", labels: new Map(matchLabels.map((l) => [l, (lhs.labels as Labels).get(l)])) };
    if (ignoring) return { kind: "vector", labels: new Map([...lhs.labels].filter(([l]) => !matchLabels.includes(l))) };
    return lhs;
  }
}

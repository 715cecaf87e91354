import { KNOWN_METRICS } from "../rules/metrics";
import { RECORDING_RULES } from "../rules/catalog";

const alternation = (names: readonly string[]) => names.map((n) => n.replace(/[.*+?^${}()|[\]\\]/g, "\\$&")).join("|");
/** A name, then its matchers if it has any; never part of a longer name. */
const selectorOf = (names: readonly string[]) => new RegExp(`(?<![\\w:])(${alternation(names)})(?![\\w:])(\\{[^}]*\\})?`, "g");
const RECORDED = selectorOf(RECORDING_RULES.map((r) => r.record));
const RAW = selectorOf([...KNOWN_METRICS].filter((m) => !RECORDING_RULES.some((r) => r.record === m)));

const matchersOf = (braces: string | undefined) =>
  (braces ?? "")
    .slice(1, -1)
    .split(",")
    .map((m) => m.trim())
    .filter(Boolean);

/**
 * `expr` with every recorded series replaced by the expression its rule records, narrowed by the
 * matchers the query put on the recorded series (less `=~".*"`, a variable at "All", which keeps
 * every series): the query a dashboard would send without the rule, over the rule's own window.
 * Undefined when `expr` reads no recorded series.
 */
export function inlineRecorded(expr: string): string | undefined {
  let found = false;
  const out = expr.replace(RECORDED, (_whole, record: string, braces: string | undefined) => {
    found = true;
    const extra = matchersOf(braces).filter((m) => !/^\w+=~"\.\*"$/.test(m));
    const rule = RECORDING_RULES.find((r) => r.record === record)!;
    const narrowed = extra.length
      ? rule.expr.replace(RAW, (_w, name: string, own: string | undefined) => `${name}{${[...matchersOf(own), ...extra].join(",")}}`)
      : rule.expr;
    return `(${narrowed})`;
  });
  return found ? out : undefined;
}

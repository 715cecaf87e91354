/**
 * The subset of Grafana Alloy's configuration syntax this project writes: blocks with optional
 * labels, and attributes whose values are strings, numbers, booleans, lists, objects, references
 * to other components' exports, or calls of the standard library on such values. A tree of these renders to one canonical text, so the same tree
 * always gives the same bytes (a second `pulumi up` sees no change).
 */
export type AlloyValue = string | number | boolean | readonly AlloyValue[] | AlloyObject | AlloyRef | AlloyCall;
export interface AlloyObject {
  readonly [key: string]: AlloyValue;
}
/** An expression such as `discovery.docker.containers.targets`, written without quotes. */
export interface AlloyRef {
  readonly ref: string;
}
/** A standard-library call such as `array.concat(a.targets, b.targets)`. */
export interface AlloyCall {
  readonly call: string;
  readonly args: readonly AlloyValue[];
}
export interface AlloyAttribute {
  readonly attr: string;
  readonly value: AlloyValue;
}
export interface AlloyBlock {
  readonly block: string;
  readonly label?: string;
  readonly body: readonly AlloyStatement[];
}
export type AlloyStatement = AlloyAttribute | AlloyBlock;

export const ref = (expression: string): AlloyRef => ({ ref: expression });
export const call = (fn: string, ...args: AlloyValue[]): AlloyCall => ({ call: fn, args });
export const attr = (name: string, value: AlloyValue): AlloyAttribute => ({ attr: name, value });
export const block = (name: string, label: string | undefined, body: readonly AlloyStatement[]): AlloyBlock => ({
  block: name,
  ...(label === undefined ? {} : { label }),
  body,
});

const IDENTIFIER = /^[A-Za-z_][A-Za-z0-9_]*$/;
const isRef = (v: AlloyValue): v is AlloyRef =>
  typeof v === "object" &&
  // Stryker disable next-line ConditionalExpression: only changes isRef(null), and null is no AlloyValue; with or without the check renderValue throws a TypeError on null
  v !== null &&
  !Array.isArray(v) &&
  "ref" in v &&
  Object.keys(v).length === 1;
const isCall = (v: AlloyValue): v is AlloyCall =>
  typeof v === "object" && v !== null && !Array.isArray(v) && "call" in v && "args" in v && Object.keys(v).length === 2;

/** Alloy strings take Go's escapes; JSON's (\" \\ \n \t \uXXXX) are a subset of them. */
const quote = (s: string) => JSON.stringify(s);

function renderValue(v: AlloyValue, indent: string): string {
  if (typeof v === "string") return quote(v);
  if (typeof v === "number" || typeof v === "boolean") return String(v);
  if (Array.isArray(v)) return `[${v.map((x: AlloyValue) => renderValue(x, indent)).join(", ")}]`;
  if (isRef(v)) return v.ref;
  if (isCall(v)) return `${v.call}(${v.args.map((a) => renderValue(a, indent)).join(", ")})`;
  const entries = Object.entries(v as AlloyObject);
  if (!entries.length) return "{}";
  const inner = `${indent}  `;
  const width = Math.max(...entries.map(([k]) => (IDENTIFIER.test(k) ? k : quote(k)).length));
  const lines = entries.map(([k, x]) => `${inner}${(IDENTIFIER.test(k) ? k : quote(k)).padEnd(width)} = ${renderValue(x, inner)},`);
  return `{\n${lines.join("\n")}\n${indent}}`;
}

function renderStatements(body: readonly AlloyStatement[], indent: string): string[] {
  const attrs = body.filter((s): s is AlloyAttribute => "attr" in s);
  const width = attrs.length ? Math.max(...attrs.map((a) => a.attr.length)) : 0;
  const out: string[] = [];
  body.forEach((s, i) => {
    if ("attr" in s) {
      out.push(`${indent}${s.attr.padEnd(width)} = ${renderValue(s.value, indent)}`);
      return;
    }
    // A blank line before a block that follows anything keeps nested blocks readable.
    if (i > 0) out.push("");
    const head = `${indent}${s.block}${s.label === undefined ? "" : ` ${quote(s.label)}`}`;
    out.push(`${head} {`, ...renderStatements(s.body, `${indent}  `), `${indent}}`);
  });
  return out;
}

/** The file: top-level blocks separated by blank lines, after a `//` comment header. */
export function renderAlloy(blocks: readonly AlloyBlock[], header: string): string {
  const comment = header
    .trim()
    .split("\n")
    .map((l) => `// ${l.replace(/^#\s?/, "")}`)
    .join("\n");
  return `${comment}\n\n${blocks.map((b) => renderStatements([b], "").join("\n")).join("\n\n")}\n`;
}

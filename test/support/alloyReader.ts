import { AlloyBlock, AlloyStatement, AlloyValue } from "../../generators/alloySyntax";

/**
 * Reads Alloy configuration text back into the tree generators/alloySyntax.ts renders: blocks,
 * attributes, strings, numbers, booleans, lists, objects, references and function calls. It is strict: anything
 * outside that subset is an error, so a test reads exactly what Alloy would be handed.
 */
type Token = { kind: "ident" | "string" | "number" | "punct"; text: string; at: number };

function tokenize(src: string): Token[] {
  const tokens: Token[] = [];
  let i = 0;
  while (i < src.length) {
    const c = src[i];
    if (/\s/.test(c)) i++;
    else if (src.startsWith("//", i)) i = src.indexOf("\n", i) === -1 ? src.length : src.indexOf("\n", i);
    else if ("{}[]=,()".includes(c)) tokens.push({ kind: "punct", text: c, at: i++ });
    else if (c === '"') {
      let j = i + 1;
      while (j < src.length && src[j] !== '"') j += src[j] === "\\" ? 2 : 1;
      if (j >= src.length) throw new Error(`unterminated string at ${i}`);
      tokens.push({ kind: "string", text: JSON.parse(src.slice(i, j + 1)) as string, at: i });
      i = j + 1;
    } else if (/[-\d]/.test(c)) {
      const m = /^-?\d+(\.\d+)?/.exec(src.slice(i))!;
      tokens.push({ kind: "number", text: m[0], at: i });
      i += m[0].length;
    } else if (/[A-Za-z_]/.test(c)) {
      const m = /^[A-Za-z_][A-Za-z0-9_]*(\.[A-Za-z_][A-Za-z0-9_]*)*/.exec(src.slice(i))!;
      tokens.push({ kind: "ident", text: m[0], at: i });
      i += m[0].length;
    } else throw new Error(`unexpected ${JSON.stringify(c)} at ${i}`);
  }
  return tokens;
}

export function parseAlloy(src: string): AlloyBlock[] {
  const tokens = tokenize(src);
  let p = 0;
  const peek = () => tokens[p];
  const next = () => {
    if (p >= tokens.length) throw new Error("unexpected end of file");
    return tokens[p++];
  };
  const consume = (text: string) => {
    const t = next();
    if (t.text !== text || (t.kind !== "punct" && t.kind !== "ident")) throw new Error(`expected ${text} at ${t.at}, got ${t.text}`);
  };

  function value(): AlloyValue {
    const t = next();
    if (t.kind === "string") return t.text;
    if (t.kind === "number") return Number(t.text);
    if (t.kind === "ident" && peek()?.text === "(") {
      next();
      const args: AlloyValue[] = [];
      while (peek()?.text !== ")") {
        args.push(value());
        if (peek()?.text === ",") next();
      }
      next();
      return { call: t.text, args };
    }
    if (t.kind === "ident") return t.text === "true" ? true : t.text === "false" ? false : { ref: t.text };
    if (t.text === "[") {
      const items: AlloyValue[] = [];
      while (peek()?.text !== "]") {
        items.push(value());
        if (peek()?.text === ",") next();
      }
      next();
      return items;
    }
    if (t.text === "{") {
      const obj: Record<string, AlloyValue> = {};
      while (peek()?.text !== "}") {
        const key = next();
        if (key.kind !== "ident" && key.kind !== "string") throw new Error(`expected an object key at ${key.at}`);
        consume("=");
        obj[key.text] = value();
        if (peek()?.text === ",") next();
      }
      next();
      return obj;
    }
    throw new Error(`unexpected ${t.text} at ${t.at}`);
  }

  function body(end: string | undefined): AlloyStatement[] {
    const out: AlloyStatement[] = [];
    while (p < tokens.length && peek().text !== end) {
      const name = next();
      if (name.kind !== "ident") throw new Error(`expected a block or attribute name at ${name.at}, got ${name.text}`);
      if (peek()?.text === "=") {
        next();
        out.push({ attr: name.text, value: value() });
        continue;
      }
      const label = peek()?.kind === "string" ? next().text : undefined;
      consume("{");
      const inner = body("}");
      consume("}");
      out.push({ block: name.text, ...(label === undefined ? {} : { label }), body: inner });
    }
    return out;
  }

  const top = body(undefined);
  const stray = top.find((s) => "attr" in s);
  if (stray) throw new Error(`attribute ${(stray as { attr: string }).attr} outside any block`);
  return top as AlloyBlock[];
}

/** The blocks named `name` (with `label`, if given) among `statements`. */
export function blocksOf(statements: readonly AlloyStatement[], name: string, label?: string): AlloyBlock[] {
  return statements.filter((s): s is AlloyBlock => "block" in s && s.block === name && (label === undefined || s.label === label));
}

export function attrOf(b: AlloyBlock, name: string): AlloyValue | undefined {
  return b.body.find((s): s is { attr: string; value: AlloyValue } => "attr" in s && s.attr === name)?.value;
}

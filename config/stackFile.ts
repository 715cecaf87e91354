import * as fs from "fs";
import * as path from "path";
import * as yaml from "js-yaml";
import { parseStackConfig, PROJECT, rawConfigFromPulumi, SECRET_KEYS, StackConfig } from "./schema";

export { PROJECT };

/** A stack file that cannot be read as a stack's configuration: the message names the file, the line and the key. */
export class StackFileError extends Error {}

/** Stack names as Pulumi allows them; anything else could leave the project folder in a path. */
const STACK_NAME = /^[A-Za-z0-9_.-]+$/;

/**
 * Stack files are a few kilobytes; anything far larger is not one, and reading it would only
 * cost time (the parser's work grows with the text).
 */
export const MAX_STACK_FILE_BYTES = 1024 * 1024;

/** Stacks with a committed Pulumi.<stack>.yaml in `root`. */
export function listStacks(root: string): string[] {
  // Stryker disable next-line MethodExpression: readdirSync lists through libuv's scandir, which sorts the names; the sort states the order callers rely on (this also disables the filter's removal, which does not compile)
  return fs
    .readdirSync(root)
    .map((f) => /^Pulumi\.(.+)\.yaml$/.exec(f)?.[1])
    .filter((s): s is string => s !== undefined)
    .sort();
}

export const stackFileName = (stack: string) => `Pulumi.${stack}.yaml`;

/** A mapping key at the start of a line (after its indentation and an optional `- `), as far as its `:`. */
const KEY_LINE = /^([ \t]*(?:-[ \t]+)?)("(?:[^"\\]|\\.)*"|'(?:[^']|'')*'|[^\s#'"-][^#]*?|-[^\s#][^#]*?):(?:[ \t]|$)/;

const unquote = (key: string) => (/^["']/.test(key) ? key.slice(1, -1) : key);

/**
 * The path of mapping keys that holds line `line` (0-based) of a YAML text, read from the
 * indentation of the lines above: `config › tutordex-observability:hostPorts › grafana`. It is for
 * messages about a text the parser refused, so it reads lines, not a parse tree.
 */
export function keyPathAt(text: string, line: number): string[] {
  const lines = text.split(/\r?\n/);
  const path: string[] = [];
  let limit = Infinity;
  for (let i = Math.min(line, lines.length - 1); i >= 0 && limit > 0; i--) {
    const m = KEY_LINE.exec(lines[i]);
    if (!m) continue;
    // The key's column: a list item's key sits after its `- `.
    const indent = m[1].length;
    if (indent >= limit) continue;
    path.unshift(unquote(m[2].trim()));
    limit = indent;
  }
  return path;
}

/** The 1-based line of a top-level config key (`<project>:<key>` under `config:`), for messages. */
export function lineOfConfigKey(text: string, key: string): number | undefined {
  const lines = text.split(/\r?\n/);
  const i = lines.findIndex((l, n) => {
    const m = KEY_LINE.exec(l);
    return m !== null && unquote(m[2].trim()) === `${PROJECT}:${key}` && keyPathAt(text, n).length === 2;
  });
  return i < 0 ? undefined : i + 1;
}

/** Where a top-level setting is written, for messages about its value: `Pulumi.dev.yaml line 4 (key dockerHost)`. */
export function configKeyLocation(root: string, stack: string, key: string): string {
  const { file, text } = readStackText(root, stack);
  return where(file, lineOfConfigKey(text, key), [key]);
}

const where = (file: string, line: number | undefined, keys: readonly string[]) =>
  `${file}${line === undefined ? "" : ` line ${line}`}${keys.length ? ` (key ${keys.join(" › ")})` : ""}`;

class AnchorRefused extends Error {
  constructor(readonly anchor: string) {
    super(anchor);
  }
}

/**
 * Parses a stack file's text as Pulumi would (YAML 1.2's core schema: a date stays text, as it
 * does for Pulumi), refusing what Pulumi's parser would refuse or what would mislead: duplicate
 * keys, tab indentation, unknown tags. Anchors and aliases are refused outright: an alias is a
 * reference, and a few lines of nested aliases ("billion laughs") expand to billions of values
 * when the configuration is copied into Pulumi's flat map; Pulumi never writes them.
 */
function parseStackText(file: string, text: string): unknown {
  try {
    return yaml.load(text, {
      filename: file,
      schema: yaml.CORE_SCHEMA,
      listener: (event, state) => {
        // The parser's state carries the node's anchor, though its type declarations leave it out.
        const anchor = (state as yaml.State & { anchor?: string | null }).anchor;
        if (event === "close" && anchor) throw new AnchorRefused(anchor);
      },
    });
  } catch (e) {
    if (e instanceof AnchorRefused) {
      const escaped = e.anchor.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
      const at = new RegExp(`(^|[\\s\\[{,:])&${escaped}(?=[\\s\\]},]|$)`, "m").exec(text);
      const line = at ? text.slice(0, at.index + at[1].length).split("\n").length - 1 : undefined;
      throw new StackFileError(
        `${where(file, line === undefined ? undefined : line + 1, line === undefined ? [] : keyPathAt(text, line))}: ` +
          `YAML anchors and aliases (&${e.anchor}, *${e.anchor}) are not accepted in stack files (nested aliases can expand without bound); write the values out`,
      );
    }
    if (e instanceof yaml.YAMLException) {
      const line = e.mark?.line;
      throw new StackFileError(
        `${where(file, line === undefined ? undefined : line + 1, line === undefined ? [] : keyPathAt(text, line))}: ${e.reason}`,
      );
    }
    throw e;
  }
}

const isMapping = (v: unknown): v is Record<string, unknown> => v !== null && typeof v === "object" && !Array.isArray(v);
const kindOf = (v: unknown) =>
  Array.isArray(v) ? "a list" : v === null ? "nothing" : typeof v === "object" ? "a mapping" : `the ${typeof v} ${JSON.stringify(v)}`;

/** The text of a committed stack file, bounded in size; an unknown stack names the stacks there are. */
export function readStackText(root: string, stack: string): { file: string; text: string } {
  if (!STACK_NAME.test(stack) || stack === "." || stack === "..") {
    throw new StackFileError(`"${stack}" is not a stack name: Pulumi stack names use letters, digits, -, _ and .`);
  }
  const file = stackFileName(stack);
  const full = path.join(root, file);
  if (!fs.existsSync(full)) {
    throw new StackFileError(`unknown stack "${stack}": no ${file} (stacks here: ${listStacks(root).join(", ") || "none"})`);
  }
  const stat = fs.statSync(full);
  if (!stat.isFile()) throw new StackFileError(`${file} is not a file`);
  if (stat.size > MAX_STACK_FILE_BYTES)
    throw new StackFileError(`${file} is ${stat.size} bytes, more than a stack file's ${MAX_STACK_FILE_BYTES}: not read`);
  return { file, text: fs.readFileSync(full, "utf8") };
}

/**
 * A committed stack file as Pulumi's flat `project:key → text` map. Encrypted (`secure:`) values
 * are left out: only the Pulumi CLI can decrypt them.
 */
export function readStackFile(root: string, stack: string): Record<string, string> {
  const { file, text } = readStackText(root, stack);
  const doc = parseStackText(file, text) ?? {};
  if (!isMapping(doc)) throw new StackFileError(`${where(file, 1, [])}: expected a mapping with a config: section, got ${kindOf(doc)}`);
  const config = doc.config ?? {};
  if (!isMapping(config)) {
    const line = text.split(/\r?\n/).findIndex((l) => /^config:/.test(l));
    throw new StackFileError(
      `${where(file, line < 0 ? undefined : line + 1, ["config"])}: expected a mapping of project:key settings, got ${kindOf(config)}`,
    );
  }
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(config)) {
    if (isMapping(v) && Object.keys(v).length === 1 && typeof v.secure === "string") continue;
    out[k] = typeof v === "string" ? v : JSON.stringify(v);
  }
  return out;
}

/**
 * A committed stack file as the schema reads it, and the secret settings it holds in plain text
 * (encrypted values are left out of the map, so a secret setting still in it is written in clear).
 */
export function stackFileInput(
  root: string,
  stack: string,
): { readonly raw: Record<string, unknown>; readonly plainTextSecrets: ReadonlySet<string> } {
  const file = readStackFile(root, stack);
  return { raw: rawConfigFromPulumi(PROJECT, file), plainTextSecrets: new Set(SECRET_KEYS.filter((key) => `${PROJECT}:${key}` in file)) };
}

/**
 * The validated configuration of a committed stack, for commands that run without Pulumi's
 * secrets; `secrets` are ones the caller got elsewhere (preflight's registry password). Prod
 * refuses a secret written in plain text, as `pulumi up` does.
 */
export function stackConfigFromFile(root: string, stack: string, secrets: Readonly<Record<string, string>> = {}): StackConfig {
  const { raw, plainTextSecrets } = stackFileInput(root, stack);
  return parseStackConfig(stack, { ...raw, ...secrets }, new Set(), { requireSecrets: false, plainTextSecrets });
}

import * as yaml from "js-yaml";
import { z } from "zod";
import { PROJECT, rawConfigSchema, SECRET_KEYS } from "./schema";
import { SETTING_ROWS, SettingRow } from "./settingDocs";

/**
 * The copies of the stack settings that are generated from the schema (config/schema.ts,
 * config/scale.ts and the meanings they carry, config/settingDocs.ts): Pulumi.yaml's `config:`
 * block, the settings table (docs/settings.md) and the JSON Schema editors check stack files
 * against. `npm run gen` (scripts/gen.ts) writes them; test/config/generatedFiles.test.ts fails
 * when a committed copy differs.
 */

export const GEN_COMMAND = "npm run gen";
export const SETTINGS_DOC = "docs/settings.md";
export const STACK_FILE_SCHEMA = "schema/stack-config.schema.json";

type Node = z.ZodType;

const defOf = (s: Node) =>
  s.def as unknown as { type: string; innerType?: Node; in?: Node; shape?: Record<string, Node>; element?: Node; valueType?: Node };

/** The schema under optional(), default() and transforms (a transform's input is what a file holds). */
function unwrap(s: Node): Node {
  let node = s;
  for (;;) {
    const d = defOf(node);
    if ((d.type === "optional" || d.type === "default" || d.type === "nullable") && d.innerType) node = d.innerType;
    else if (d.type === "pipe" && d.in) node = d.in;
    else return node;
  }
}

const isOptional = (s: Node) => defOf(s).type === "optional";
const meaningOf = (s: Node): { title?: string; description?: string } => z.globalRegistry.get(s) ?? {};

/** What Pulumi's project schema calls a setting's type; "object" where it has none (objects and records). */
export type PulumiType =
  { readonly type: "string" | "integer" | "number" | "boolean" | "array"; readonly items?: { readonly type: string } } | "object";

export function pulumiTypeOf(schema: Node): PulumiType {
  const s = unwrap(schema);
  const d = defOf(s);
  switch (d.type) {
    case "string":
    case "enum":
      return { type: "string" };
    case "number":
      return { type: (s as z.ZodNumber).isInt ? "integer" : "number" };
    case "boolean":
      return { type: "boolean" };
    case "array": {
      const item = pulumiTypeOf(d.element!);
      return { type: "array", items: { type: item === "object" ? "object" : item.type } };
    }
    case "object":
    case "record":
      return "object";
    default:
      throw new Error(`no Pulumi type for zod type ${d.type}`);
  }
}

/** An object's keys as people write them: `{a, b: {c, d}, e: [{f}]}`, `depth` levels deep. */
export function shapeOf(schema: Node, depth = 2, each?: string): string | undefined {
  const d = defOf(unwrap(schema));
  if (d.type === "record") return `{${each ?? "<key>"}: …}`;
  if (d.type === "array") {
    const inner = shapeOf(d.element!, depth);
    return inner === undefined ? undefined : `[${inner}]`;
  }
  if (d.type !== "object") return undefined;
  if (each !== undefined) return `{${each}: …}`;
  const parts = Object.entries(d.shape!).map(([k, v]) => {
    const inner = depth > 1 ? shapeOf(v, depth - 1) : undefined;
    return inner === undefined ? k : `${k}: ${inner}`;
  });
  return `{${parts.join(", ")}}`;
}

/** What each key of a record or a per-service object holds. */
function valueOf(schema: Node): Node {
  const d = defOf(unwrap(schema));
  if (d.type === "record") return d.valueType!;
  if (d.type === "object") return Object.values(d.shape!)[0];
  throw new Error(`a row with \`each\` is a record or an object of like keys, not a ${d.type}`);
}

export interface SettingTableRow {
  /** The key as the table shows it: `telegram.chatId`, `services.<service>`. */
  readonly key: string;
  /** The top-level setting it belongs to. */
  readonly setting: string;
  readonly schema: Node;
  readonly row: SettingRow;
  readonly shape: string | undefined;
  readonly meaning: string;
}

/**
 * Every row of the settings table, the required settings first, then in the schema's order. A
 * setting without a row is described by its keys' rows (telegram); a key with neither is a
 * mistake, and so is a row without a meaning: generation stops naming it.
 */
export function settingRows(): SettingTableRow[] {
  const rows: SettingTableRow[] = [];
  const visit = (path: string, setting: string, schema: Node) => {
    const row = SETTING_ROWS.get(schema);
    const { title, description } = meaningOf(schema);
    if (row) {
      const meaning = [title, description].filter(Boolean).join("; ");
      if (!meaning) throw new Error(`${path}: no meaning; describe it with setting(…) in the schema`);
      const shape = shapeOf(row.each === undefined ? schema : valueOf(schema));
      rows.push({ key: row.each === undefined ? path : `${path}.${row.each}`, setting, schema, row, shape, meaning });
      return;
    }
    const inner = defOf(unwrap(schema));
    if (inner.type !== "object")
      throw new Error(`${path}: neither a row of the settings table nor an object of rows; give it one with setting(…, row)`);
    for (const [k, v] of Object.entries(inner.shape!)) visit(`${path}.${k}`, setting, v);
  };
  const shape = rawConfigSchema.shape as Record<string, Node>;
  const keys = Object.keys(shape);
  for (const key of [...keys.filter((k) => !isOptional(shape[k])), ...keys.filter((k) => isOptional(shape[k]))])
    visit(key, key, shape[key]);
  return rows;
}

const isSecret = (key: string) => (SECRET_KEYS as readonly string[]).includes(key);
const cell = (text: string) => text.replace(/\|/g, "\\|");

export function renderSettingsDoc(): string {
  const header = [
    `<!-- Generated by \`${GEN_COMMAND}\` from config/schema.ts; change the schema's descriptions, not this file. -->`,
    "# Stack settings",
    "",
    `Every setting of a stack file (\`Pulumi.<stack>.yaml\`, under \`config:\` as \`${PROJECT}:<key>\`), its`,
    "default and what it means. Set one with `pulumi config set <key> <value>`, a nested one with",
    "`pulumi config set --path telegram.chatId -100…`, a secret with `--secret`. How they are checked:",
    `[operating.md](operating.md#stack-settings). Editors check stack files against \`${STACK_FILE_SCHEMA}\` (each committed`,
    "stack file names it on its first line).",
    "",
    "| Key | Default | Meaning |",
    "|---|---|---|",
  ];
  const lines = settingRows().map((r) => {
    const secret = isSecret(r.setting) ? "; **secret**" : "";
    const meaning = r.shape === undefined ? r.meaning : `\`${r.shape}\`: ${r.meaning}`;
    return `| \`${r.key}\` | ${cell(r.row.default + secret)} | ${cell(meaning)} |`;
  });
  return [...header, ...lines, ""].join("\n");
}

/** One line of Pulumi.yaml's comment listing, without Markdown. */
const plain = (text: string) => text.replace(/`/g, "");

export function renderPulumiProject(): string {
  const shape = rawConfigSchema.shape as Record<string, Node>;
  const title = (key: string) => {
    const t = meaningOf(shape[key]).title;
    if (!t) throw new Error(`${key}: no title (the one-line meaning Pulumi.yaml lists); give it one with setting(…, { title })`);
    return plain(t);
  };
  const rowOf = (key: string) => SETTING_ROWS.get(shape[key]);
  const keys = Object.keys(shape);
  const declared = keys.filter((k) => !isOptional(shape[k]));
  for (const key of declared) {
    if (pulumiTypeOf(shape[key]) === "object" || isSecret(key))
      throw new Error(`${key}: a required setting Pulumi cannot declare (an object or a secret)`);
  }
  const objects = keys.filter((k) => isOptional(shape[k]) && pulumiTypeOf(shape[k]) === "object");
  const secrets = keys.filter((k) => isOptional(shape[k]) && isSecret(k) && !objects.includes(k));
  const optional = keys.filter((k) => isOptional(shape[k]) && !objects.includes(k) && !secrets.includes(k));
  const width = Math.max(...keys.map((k) => k.length)) + 2;
  const line = (key: string, text: string) => `#   ${key.padEnd(width)} ${text}`;
  const config = Object.fromEntries(
    declared.map((key) => {
      const type = pulumiTypeOf(shape[key]) as Exclude<PulumiType, "object">;
      return [key, { ...type, description: title(key) }];
    }),
  );
  return [
    `# Generated by \`${GEN_COMMAND}\` from config/schema.ts; change the schema, not this file.`,
    `name: ${PROJECT}`,
    "description: TutorDex observability stack (Prometheus, Alertmanager, Loki, Tempo, Grafana, ...) on a Docker host",
    "runtime:",
    "  name: nodejs",
    "  options:",
    "    typescript: true",
    "    packagemanager: npm",
    "",
    "# The stack settings. config/schema.ts validates every one of them before any resource is made",
    `# (${SETTINGS_DOC} lists them); this block lets Pulumi type-check them too and describe them.`,
    "#",
    "# Pulumi requires every key declared here in every stack unless it has a default, and copies the",
    "# default into every stack that leaves the key unset, where the program cannot tell it from a",
    "# setting the stack made (a copied `logAgent: promtail` once made every stack without Loki",
    "# invalid). So only the keys every stack must set are declared, without defaults: the program's",
    "# own defaults, per environment, decide the rest (test/config/projectConfig.test.ts applies these",
    "# declarations to every committed and test stack).",
    yaml.dump({ config }, { lineWidth: -1, noRefs: true }).trimEnd(),
    "",
    "# Settings not declared above, each with why (one line per key, read by the test):",
    "#",
    "# Object-valued: Pulumi's project schema types only string, integer, boolean and array.",
    ...objects.map((k) => line(k, `${isSecret(k) ? "secret; " : ""}${title(k)}: ${shapeOf(shape[k], 2, rowOf(k)?.each)}`)),
    "#",
    `# Optional, with the program's default (${SETTINGS_DOC}): declared without a default,`,
    "# Pulumi would require them everywhere; with one, it would copy it into every stack as if set there.",
    ...optional.map((k) => line(k, `${title(k)}; default ${plain(rowOf(k)?.default ?? "none")}`)),
    "#",
    "# Secrets (pulumi config set --secret ...): a declared secret cannot have a default (it would be",
    "# plain text here) and is required in every stack, but these are optional in some stacks.",
    ...secrets.map((k) => line(k, `secret; ${title(k)}`)),
    "",
  ].join("\n");
}

/** An encrypted value as Pulumi writes it (`pulumi config set --secret`): any setting may be one. */
const SECURE = {
  type: "object",
  properties: { secure: { type: "string" } },
  required: ["secure"],
  additionalProperties: false,
  description: "a value encrypted by Pulumi (pulumi config set --secret)",
};

/**
 * The JSON Schema of a stack file. Under `config:` each setting is `<project>:<key>`, as the schema
 * types it, or encrypted (`secure:`); `pulumi config set` without --path writes a boolean as the
 * text "true" or "false", which the program reads as the boolean. Keys of the `pulumi:` namespace
 * are Pulumi's own; any other key is refused, as the program refuses it.
 */
export function stackFileJsonSchema(): Record<string, unknown> {
  const { properties, required } = z.toJSONSchema(rawConfigSchema, { io: "input" }) as {
    properties: Record<string, Record<string, unknown>>;
    required?: string[];
  };
  const top = (schema: Record<string, unknown>) => {
    const { title, description, ...rest } = schema;
    const value = rest.type === "boolean" ? { anyOf: [rest, { enum: ["true", "false"] }] } : { anyOf: [rest] };
    return { ...(title ? { title } : {}), ...(description ? { description } : {}), anyOf: [...value.anyOf, { $ref: "#/$defs/secure" }] };
  };
  return {
    $schema: "https://json-schema.org/draft/2020-12/schema",
    title: `Pulumi.<stack>.yaml of ${PROJECT}`,
    description: `Generated by \`${GEN_COMMAND}\` from config/schema.ts. Every setting: ${SETTINGS_DOC}.`,
    type: "object",
    properties: {
      config: {
        type: "object",
        properties: Object.fromEntries(Object.entries(properties).map(([k, v]) => [`${PROJECT}:${k}`, top(v)])),
        required: (required ?? []).map((k) => `${PROJECT}:${k}`),
        patternProperties: { "^pulumi:": {} },
        additionalProperties: false,
      },
      secretsprovider: { type: "string" },
      encryptedkey: { type: "string" },
      encryptionsalt: { type: "string" },
      environment: { description: "Pulumi ESC environments the stack imports" },
    },
    $defs: { secure: SECURE },
  };
}

export interface GeneratedFile {
  /** Relative to the repository's root. */
  readonly path: string;
  render(): string;
}

export const GENERATED_FILES: readonly GeneratedFile[] = [
  { path: "Pulumi.yaml", render: renderPulumiProject },
  { path: SETTINGS_DOC, render: renderSettingsDoc },
  { path: STACK_FILE_SCHEMA, render: () => `${JSON.stringify(stackFileJsonSchema(), null, 2)}\n` },
];

import { z } from "zod";

/**
 * What a stack setting means, said once, in the schema: `setting(schema, meaning, row)` gives the
 * zod schema its title and description (zod's own metadata, which the JSON Schema for editors
 * carries) and, with `row`, makes it a row of the settings table with its default in words.
 * config/generatedFiles.ts reads both to write Pulumi.yaml's settings, docs/settings.md and
 * schema/stack-config.schema.json (`npm run gen`).
 */

/** "a, b or c": a list in words, as help texts and setting titles say it. */
export const orList = (items: readonly string[]) => `${items.slice(0, -1).join(", ")} or ${items[items.length - 1]}`;

export interface Meaning {
  /** One line: Pulumi.yaml lists every top-level setting with it. */
  readonly title?: string;
  /** The rest of the meaning: forms, limits, what is refused and why. */
  readonly description?: string;
}

export interface SettingRow {
  /** The default in words (the program's, from config/defaults.ts and friends), or why there is none. */
  readonly default: string;
  /** An object or record described in one row by the name of its keys: `services.<service>`. */
  readonly each?: string;
}

/** The rows of the settings table, by schema. */
export const SETTING_ROWS = z.registry<SettingRow>();

/** `schema`, described; with `row`, a row of the settings table. */
export function setting<T extends z.ZodType>(schema: T, meaning: Meaning, row?: SettingRow): T {
  const described = schema.meta({
    ...(meaning.title ? { title: meaning.title } : {}),
    ...(meaning.description ? { description: meaning.description } : {}),
  });
  if (row) SETTING_ROWS.add(described, row);
  return described;
}

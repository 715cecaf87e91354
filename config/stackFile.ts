import * as fs from "fs";
import * as path from "path";
import * as yaml from "js-yaml";
import { parseStackConfig, PROJECT, rawConfigFromPulumi, SECRET_KEYS, StackConfig } from "./schema";

export { PROJECT };

export class StackFileError extends Error {}

/** Stacks with a committed Pulumi.<stack>.yaml in `root`. */
export function listStacks(root: string): string[] {
  return fs
    .readdirSync(root)
    .map((f) => /^Pulumi\.(.+)\.yaml$/.exec(f)?.[1])
    .filter((s): s is string => s !== undefined)
    .sort();
}

/**
 * A committed stack file as Pulumi's flat `project:key → text` map. Encrypted (`secure:`) values
 * are left out: only the Pulumi CLI can decrypt them.
 */
export function readStackFile(root: string, stack: string): Record<string, string> {
  const file = path.join(root, `Pulumi.${stack}.yaml`);
  if (!fs.existsSync(file)) {
    throw new StackFileError(`unknown stack "${stack}": no ${path.basename(file)} (stacks here: ${listStacks(root).join(", ") || "none"})`);
  }
  const doc = (yaml.load(fs.readFileSync(file, "utf8")) ?? {}) as { config?: Record<string, unknown> };
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(doc.config ?? {})) {
    if (v !== null && typeof v === "object" && "secure" in (v as object)) continue;
    out[k] = typeof v === "string" ? v : JSON.stringify(v);
  }
  return out;
}

/** The validated configuration of a committed stack, for commands that need no secrets. */
export function stackConfigFromFile(root: string, stack: string): StackConfig {
  const file = readStackFile(root, stack);
  // Encrypted values are left out of the map, so a secret setting still in it is written in plain text.
  const plainTextSecrets = new Set(SECRET_KEYS.filter((key) => `${PROJECT}:${key}` in file));
  return parseStackConfig(stack, rawConfigFromPulumi(PROJECT, file), new Set(), { requireSecrets: false, plainTextSecrets });
}

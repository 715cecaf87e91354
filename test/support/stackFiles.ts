import * as fs from "fs";
import * as path from "path";
import * as yaml from "js-yaml";

export const PROJECT = "tutordex-observability";
export const ROOT = path.resolve(__dirname, "..", "..");

/** Stand-ins for the values operators set with `pulumi config set --secret`. */
export const TEST_SECRETS: Readonly<Record<string, string>> = {
  telegramBotToken: "123456789:TEST-token-never-real-aaaaaaaaaaaaaaa",
  grafanaAdminPassword: "test-admin-password-0123",
};

export function committedStacks(): string[] {
  return fs
    .readdirSync(ROOT)
    .map((f) => /^Pulumi\.(.+)\.yaml$/.exec(f)?.[1])
    .filter((s): s is string => s !== undefined)
    .sort();
}

/** The committed stack file as Pulumi's flat `project:key → JSON text` map, plus test secrets. */
export function pulumiConfigMap(stack: string, withSecrets = true): Record<string, string> {
  const doc = yaml.load(fs.readFileSync(path.join(ROOT, `Pulumi.${stack}.yaml`), "utf8")) as { config?: Record<string, unknown> };
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(doc.config ?? {})) {
    if (v !== null && typeof v === "object" && "secure" in (v as object)) continue;
    out[k] = typeof v === "string" ? v : JSON.stringify(v);
  }
  if (withSecrets) for (const [k, v] of Object.entries(TEST_SECRETS)) out[`${PROJECT}:${k}`] = v;
  return out;
}

export function secretKeySet(): Set<string> {
  return new Set(Object.keys(TEST_SECRETS));
}

import * as path from "path";
import { listStacks, PROJECT, readStackFile } from "../config/stackFile";

export { PROJECT };
export const ROOT = path.resolve(__dirname, "..");

/** Stand-ins for the values operators set with `pulumi config set --secret`. */
export const TEST_SECRETS: Readonly<Record<string, string>> = {
  telegramBotToken: "123456789:TEST-token-never-real-aaaaaaaaaaaaaaa",
  grafanaAdminPassword: "test-admin-password-0123",
};

export function committedStacks(): string[] {
  return listStacks(ROOT);
}

/** The committed stack file as Pulumi's flat `project:key → JSON text` map, plus test secrets. */
export function pulumiConfigMap(stack: string, withSecrets = true): Record<string, string> {
  const out = readStackFile(ROOT, stack);
  if (withSecrets) for (const [k, v] of Object.entries(TEST_SECRETS)) out[`${PROJECT}:${k}`] = v;
  return out;
}

export function secretKeySet(): Set<string> {
  return new Set(Object.keys(TEST_SECRETS));
}

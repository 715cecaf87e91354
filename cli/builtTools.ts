import { spawnSync } from "child_process";
import * as fs from "fs";
import * as path from "path";
import { RELEASES } from "../config/versions";
import { PREVIOUS_BUILDS, PREVIOUS_RELEASES } from "../config/previousVersions";
import { ServiceName } from "../config/services";

/** Where `npm run tools` links the programs it builds from the pinned Go modules. */
export const TOOLS_BIN = path.resolve(__dirname, "..", ".tools", "bin");

export class MissingToolError extends Error {}

/** The release (service of config/versions.ts) each built program belongs to. */
export function releaseOfTool(tool: string): ServiceName | undefined {
  return (Object.keys(RELEASES) as ServiceName[]).find((s) => {
    const t = RELEASES[s].tested;
    return t.by === "go" && tool in t.build.binaries;
  });
}

/** The service each program built at the previous release (for the upgrade rehearsal) belongs to. */
export function previousReleaseOfTool(tool: string): ServiceName | undefined {
  return (Object.keys(PREVIOUS_BUILDS) as ServiceName[]).find((s) => {
    const how = PREVIOUS_BUILDS[s];
    return how?.by === "go" && tool in how.build.binaries;
  });
}

function builtFile(tool: string, what: string): string {
  const file = path.join(TOOLS_BIN, tool);
  if (!fs.existsSync(file))
    throw new MissingToolError(`${tool} (${what}) is not built: run npm run tools (needs Go; builds tools/ at the pinned versions)`);
  return file;
}

/**
 * The path of a program built by `npm run tools`. A missing one is an error that says how to
 * build it; there is no fallback to another copy (a Debian package would be another version).
 */
export function toolPath(tool: string): string {
  const service = releaseOfTool(tool);
  if (service) return builtFile(tool, `${service} ${RELEASES[service].version}`);
  const previous = previousReleaseOfTool(tool);
  if (previous) return builtFile(tool, `${previous} ${PREVIOUS_RELEASES[previous].version}, the previous release`);
  throw new MissingToolError(`${tool} is not one of the programs npm run tools builds`);
}

/** The previous release's Node binary (the npm `node` package), which npm run tools installs for the upgrade rehearsal. */
export function previousNodePath(): string {
  return path.join(TOOLS_BIN, `node-${PREVIOUS_RELEASES.telegramBridge.version}`);
}

/** The version a built program reports: `prometheus, version 3.16.0 (...)` → 3.16.0. */
export function reportedVersion(tool: string): string {
  const r = spawnSync(toolPath(tool), ["--version"], { encoding: "utf8", timeout: 30_000 });
  const text = `${r.stdout ?? ""}${r.stderr ?? ""}`;
  const m = /version (\d+\.\d+\.\d+)/.exec(text);
  if (!m) throw new Error(`${tool} --version printed no version: ${text.trim().slice(0, 200)}`);
  return m[1];
}

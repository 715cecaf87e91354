/**
 * The programs of the docker tier's private engine as `npm run tools` builds them from
 * config/versions.ts's ENGINE_RELEASES, and what each reports as its version: `obs versions` shows
 * them beside the services, and the docker tier checks the engine it starts against them.
 */
import { spawnSync } from "child_process";
import * as fs from "fs";
import * as path from "path";
import { ENGINE_RELEASES, EngineProgram } from "../config/versions";
import { TOOLS_BIN } from "./builtTools";

export class EngineError extends Error {}

/** Every binary of the engine's releases (dockerd, docker-proxy, containerd, its shim, runc). */
export function enginePrograms(): string[] {
  return Object.values(ENGINE_RELEASES).flatMap((r) => Object.keys(r.build.binaries));
}

export function releaseOfEngineProgram(binary: string): EngineProgram {
  const found = (Object.keys(ENGINE_RELEASES) as EngineProgram[]).find((p) => binary in ENGINE_RELEASES[p].build.binaries);
  if (!found) throw new EngineError(`${binary} is not a program of the engine (config/versions.ts ENGINE_RELEASES)`);
  return found;
}

/** The built binary; a missing one says how to build it (there is no fallback to the machine's own engine). */
export function engineProgramPath(binary: string): string {
  const program = releaseOfEngineProgram(binary);
  const file = path.join(TOOLS_BIN, binary);
  if (!fs.existsSync(file)) {
    throw new EngineError(
      `${binary} (${program} ${ENGINE_RELEASES[program].version}) is not built: the docker tier runs its own engine, built by npm run tools (needs Go, gcc and libseccomp-dev)`,
    );
  }
  return file;
}

/** How each binary tells its version: the flag and where the release stands in what it prints. */
const VERSION_REPORTS: Readonly<Record<string, { readonly flag: string; readonly pattern: RegExp }>> = {
  dockerd: { flag: "--version", pattern: /^Docker version (\S+), build/ },
  "docker-proxy": { flag: "--version", pattern: /\) version (\S+)$/m },
  containerd: { flag: "--version", pattern: /^containerd \S+ v(\S+) / },
  "containerd-shim-runc-v2": { flag: "-v", pattern: /^\s*Version:\s+v(\S+)$/m },
  runc: { flag: "--version", pattern: /^runc version (\S+)$/m },
};

/** The release a built engine binary reports (`dockerd --version` → 29.8.1). */
export function reportedEngineVersion(binary: string): string {
  const how = VERSION_REPORTS[binary];
  if (!how) throw new EngineError(`no way to ask ${binary} its version`);
  const r = spawnSync(engineProgramPath(binary), [how.flag], { encoding: "utf8", timeout: 30_000 });
  const text = `${r.stdout ?? ""}${r.stderr ?? ""}`;
  const m = how.pattern.exec(text);
  if (!m) throw new EngineError(`${binary} ${how.flag} printed no version: ${text.trim().slice(0, 200)}`);
  return m[1];
}

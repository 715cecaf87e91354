/**
 * The programs of the docker tier's private engine, as `npm run tools` builds them from
 * config/versions.ts's ENGINE_RELEASES, and the check that a started engine really runs them:
 * dockerd finds containerd, containerd its shim and the shim runc on the PATH, so a wrong PATH
 * would quietly start another copy (Debian's, say) in their place.
 */
import { spawnSync } from "child_process";
import * as fs from "fs";
import * as path from "path";
import { TOOLS_BIN } from "../../cli/builtTools";
import { ENGINE_RELEASES, EngineProgram } from "../../config/versions";
import { goRelease, revisionOf } from "../../scripts/tools";

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

/**
 * What a running engine says about itself against the built releases: the engine's version, and the
 * revisions `npm run tools` stamps into containerd and runc (Info.ContainerdCommit, Info.RuncCommit).
 */
export function runtimeProblems(version: { Version?: string }, info: { ContainerdCommit?: { ID?: string }; RuncCommit?: { ID?: string } }): string[] {
  const problems: string[] = [];
  const want = (what: string, got: string | undefined, expected: string) => {
    if (got !== expected) problems.push(`${what} is ${JSON.stringify(got ?? null)}, the built one is ${JSON.stringify(expected)}`);
  };
  want("the engine's version", version.Version, ENGINE_RELEASES.docker.version);
  want("containerd's revision", info.ContainerdCommit?.ID, revisionOf(goRelease("containerd")));
  want("runc's commit", info.RuncCommit?.ID, revisionOf(goRelease("runc")));
  return problems;
}

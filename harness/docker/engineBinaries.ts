/**
 * The programs of the docker tier's private engine, as `npm run tools` builds them from
 * config/versions.ts's ENGINE_RELEASES, and the check that a started engine really runs them:
 * dockerd finds containerd, containerd its shim and the shim runc on the PATH, so a wrong PATH
 * would quietly start another copy (Debian's, say) in their place.
 */
import { EngineError, enginePrograms, engineProgramPath, releaseOfEngineProgram, reportedEngineVersion } from "../../cli/engineReleases";
import { ENGINE_RELEASES } from "../../config/versions";
import { goRelease, revisionOf } from "../../scripts/tools";

export { EngineError, enginePrograms, engineProgramPath, releaseOfEngineProgram, reportedEngineVersion };

/**
 * What a running engine says about itself against the built releases: the engine's version, and the
 * revisions `npm run tools` stamps into containerd and runc (Info.ContainerdCommit, Info.RuncCommit).
 */
export function runtimeProblems(
  version: { Version?: string },
  info: { ContainerdCommit?: { ID?: string }; RuncCommit?: { ID?: string } },
): string[] {
  const problems: string[] = [];
  const want = (what: string, got: string | undefined, expected: string) => {
    if (got !== expected) problems.push(`${what} is ${JSON.stringify(got ?? null)}, the built one is ${JSON.stringify(expected)}`);
  };
  want("the engine's version", version.Version, ENGINE_RELEASES.docker.version);
  want("containerd's revision", info.ContainerdCommit?.ID, revisionOf(goRelease("containerd")));
  want("runc's commit", info.RuncCommit?.ID, revisionOf(goRelease("runc")));
  return problems;
}

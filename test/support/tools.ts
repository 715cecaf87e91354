import { spawnSync } from "child_process";
import { toolPath } from "../../cli/builtTools";

/**
 * The programs the tests run are the pinned releases built by `npm run tools` (.tools/bin). A
 * missing one fails with the command that builds it, never a silent skip.
 */
export function requireTool(tool: string): string {
  return toolPath(tool);
}

export interface RunResult {
  readonly status: number | null;
  /** stdout and stderr together, for messages. */
  readonly output: string;
  readonly stdout: string;
}

export function run(tool: string, args: readonly string[], cwd?: string): RunResult {
  const r = spawnSync(requireTool(tool), args, { encoding: "utf8", cwd, timeout: 60_000 });
  return { status: r.status, output: `${r.stdout ?? ""}${r.stderr ?? ""}`, stdout: r.stdout ?? "" };
}

import { spawnSync } from "child_process";
import { toolPath } from "../cli/builtTools";

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

/** A bound for one tool run: generous, because a promtool batch on a shared, loaded host takes minutes. */
export const TOOL_RUN_TIMEOUT_MS = 180_000;

export function run(tool: string, args: readonly string[], cwd?: string): RunResult {
  const r = spawnSync(requireTool(tool), args, { encoding: "utf8", cwd, timeout: TOOL_RUN_TIMEOUT_MS });
  // A run killed at the bound has printed only what it finished: say so, or its output reads as a pass.
  const killed = r.signal ? `\n${tool} was killed (${r.signal}) after ${TOOL_RUN_TIMEOUT_MS / 1000} s` : "";
  return { status: r.status, output: `${r.stdout ?? ""}${r.stderr ?? ""}${killed}`, stdout: r.stdout ?? "" };
}

import { spawnSync } from "child_process";

/** Debian package that provides each external tool the tests run. */
const PACKAGES: Record<string, string> = {
  promtool: "prometheus",
  prometheus: "prometheus",
  amtool: "prometheus-alertmanager",
  "prometheus-alertmanager": "prometheus-alertmanager",
  "prometheus-node-exporter": "prometheus-node-exporter",
  "prometheus-blackbox-exporter": "prometheus-blackbox-exporter",
};

/** A missing tool is a failure that says how to install it, never a silent skip. */
export function requireTool(tool: string): string {
  const found = spawnSync("sh", ["-c", `command -v ${tool}`], { encoding: "utf8" });
  if (found.status !== 0) {
    throw new Error(`${tool} is not installed; install it with: apt-get install -y ${PACKAGES[tool] ?? tool}`);
  }
  return found.stdout.trim();
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

import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { spawn } from "child_process";
import { toolPath } from "../../cli/builtTools";

const BUSYBOX = "/bin/busybox";

/**
 * A folder whose PATH gives the programs a one-shot container of the stack finds: busybox's
 * applets (sh, nc, awk, cp, mv …, as in the prom/* images, whose output the scripts read)
 * and the service's own checkers built at the pinned versions. Missing busybox fails with the
 * package that installs it.
 */
export function busyboxPath(checkers: readonly string[] = ["promtool", "amtool"]): { dir: string; cleanup(): void } {
  if (!fs.existsSync(BUSYBOX)) throw new Error(`${BUSYBOX} is missing: apt-get install -y busybox-static`);
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "busybox-path-"));
  for (const applet of [
    "sh",
    "wget",
    "cp",
    "mv",
    "rm",
    "mkdir",
    "dirname",
    "chmod",
    "date",
    "sleep",
    "cat",
    "echo",
    "test",
    "[",
    "nc",
    "base64",
    "awk",
    "cut",
    "head",
    "sed",
    "grep",
    "cmp",
    "printf",
  ]) {
    fs.symlinkSync(BUSYBOX, path.join(dir, applet));
  }
  for (const tool of checkers) fs.symlinkSync(toolPath(tool), path.join(dir, tool));
  return { dir, cleanup: () => fs.rmSync(dir, { recursive: true, force: true }) };
}

export interface ScriptResult {
  readonly code: number | null;
  readonly output: string;
}

/** Runs a one-shot container's script with busybox sh and only that PATH, bounded in time. */
export function runScript(script: string, pathDir: string, timeoutMs = 60_000): Promise<ScriptResult> {
  return new Promise((resolve) => {
    const child = spawn(BUSYBOX, ["sh", "-c", script], { env: { PATH: pathDir }, stdio: ["ignore", "pipe", "pipe"] });
    let output = "";
    child.stdout.on("data", (d: Buffer) => (output += d.toString()));
    child.stderr.on("data", (d: Buffer) => (output += d.toString()));
    const timer = setTimeout(() => child.kill("SIGKILL"), timeoutMs);
    child.on("close", (code) => {
      clearTimeout(timer);
      resolve({ code, output });
    });
  });
}

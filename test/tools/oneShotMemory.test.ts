import { spawn } from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { ONE_SHOT_MEMORY_MB } from "../../components/oneShot";
import { renderStack } from "../../generators/stackFiles";
import { stackConfig } from "../../harness/fixtures";
import { requireTool } from "../../harness/tools";

jest.setTimeout(120_000);

/**
 * The checkers the config-sync one-shots run (promtool, amtool), on the stack's own files, must
 * fit the one-shot's memory limit with room to spare: a cgroup counts the binary's pages too, and
 * a checker near the limit thrashes on them instead of failing (the upgrade rehearsal's config
 * sync hung so at 32 MiB). The peak is the kernel's VmHWM, read while the checker runs.
 */
const work = fs.mkdtempSync(path.join(os.tmpdir(), "oneshot-memory-"));
afterAll(() => fs.rmSync(work, { recursive: true, force: true }));

function stage(dir: string, files: Readonly<Record<string, string>>): string {
  const root = path.join(work, dir);
  for (const [rel, text] of Object.entries(files)) {
    fs.mkdirSync(path.dirname(path.join(root, rel)), { recursive: true });
    fs.writeFileSync(path.join(root, rel), text);
  }
  return root;
}

/** Runs a program to its end and returns its exit code and the highest VmHWM seen (KiB). */
function peakKiB(file: string, args: string[], cwd: string): Promise<{ code: number | null; peak: number; output: string }> {
  return new Promise((resolve, reject) => {
    const p = spawn(file, args, { cwd, stdio: ["ignore", "pipe", "pipe"] });
    let peak = 0;
    let output = "";
    p.stdout.on("data", (c: Buffer) => (output += c.toString()));
    p.stderr.on("data", (c: Buffer) => (output += c.toString()));
    const read = () => {
      try {
        const m = /VmHWM:\s+(\d+) kB/.exec(fs.readFileSync(`/proc/${p.pid}/status`, "utf8"));
        if (m) peak = Math.max(peak, Number(m[1]));
      } catch {
        // Gone between two reads: the last value stands.
      }
    };
    const timer = setInterval(read, 5);
    p.on("error", reject);
    p.on("exit", (code) => {
      clearInterval(timer);
      resolve({ code, peak, output });
    });
  });
}

const rendered = renderStack(stackConfig("prod"));

test.each([
  ["promtool", ["check", "config", "prometheus.yml"], rendered.prometheus],
  ["amtool", ["check-config", "alertmanager.yml"], rendered.alertmanager],
] as const)("%s %s fits in half of a one-shot's memory limit", async (tool, args, files) => {
  const r = await peakKiB(requireTool(tool), [...args], stage(tool, files));
  expect({ code: r.code, output: r.output.slice(-300) }).toEqual({ code: 0, output: expect.any(String) });
  expect(r.peak).toBeGreaterThan(0);
  expect({ tool, peakMiB: Math.ceil(r.peak / 1024), underHalfOf: ONE_SHOT_MEMORY_MB, fits: r.peak / 1024 <= ONE_SHOT_MEMORY_MB / 2 }).toEqual({
    tool,
    peakMiB: expect.any(Number),
    underHalfOf: ONE_SHOT_MEMORY_MB,
    fits: true,
  });
});

import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import * as yaml from "js-yaml";
import { ConfigError } from "../../config/schema";
import { stackConfigFromFile } from "../../config/stackFile";
import { EDGE_CASES, EdgeCase } from "./edgeCaseTable";

/**
 * Every case of test/config/edgeCaseTable.ts written as a Pulumi.<stack>.yaml and read the way
 * `obs check` and `obs render` read it (config/stackFile.ts, then the schema). Each outcome is
 * one of: a clear error (the problem line starts with the key, shows the value and says the
 * expected form or the fix), accepted by design (with its reason), or anything else, which
 * fails; a crash is any error that is not a ConfigError.
 */

type Outcome = "clear error" | "accepted by design" | "anything else" | "crash";

let root: string;
beforeAll(() => {
  root = fs.mkdtempSync(path.join(os.tmpdir(), "edge-cases-"));
});
afterAll(() => fs.rmSync(root, { recursive: true, force: true }));

function run(c: EdgeCase, i: number): { outcome: Outcome; detail: string } {
  const stack = `case${String(i).padStart(3, "0")}`;
  fs.writeFileSync(path.join(root, `Pulumi.${stack}.yaml`), yaml.dump({ config: c.config }, { noRefs: true }));
  let problems: readonly string[] = [];
  try {
    stackConfigFromFile(root, stack);
  } catch (e) {
    if (!(e instanceof ConfigError)) return { outcome: "crash", detail: String((e as Error).stack ?? e) };
    problems = e.problems;
  }
  if (c.acceptedBecause !== undefined)
    return problems.length === 0
      ? { outcome: "accepted by design", detail: "" }
      : { outcome: "anything else", detail: `refused: ${problems.join(" | ")}` };
  const r = c.refused!;
  const clear = problems.some((p) => p.startsWith(`${r.key}:`) && (r.shown === null || p.includes(r.shown)) && p.includes(r.says));
  return clear
    ? { outcome: "clear error", detail: "" }
    : { outcome: "anything else", detail: problems.length ? `other problems: ${problems.join(" | ")}` : "accepted" };
}

describe("mistaken and hostile stack files, each with its expected outcome", () => {
  const results = new Map<string, { outcome: Outcome; detail: string }>();

  it.each(EDGE_CASES.map((c, i) => [c.name, c, i] as const))("%s", (_name, c, i) => {
    const result = run(c, i);
    results.set(c.name, result);
    expect({ case: c.name, ...result }).toEqual({
      case: c.name,
      outcome: c.acceptedBecause !== undefined ? "accepted by design" : "clear error",
      detail: "",
    });
  });

  it("every case is a clear error or accepted by design: none else, no crash, at least 150", () => {
    const totals: Record<Outcome, number> = { "clear error": 0, "accepted by design": 0, "anything else": 0, crash: 0 };
    EDGE_CASES.forEach((c, i) => (totals[(results.get(c.name) ?? run(c, i)).outcome] += 1));
    process.stdout.write(
      `edge cases: ${EDGE_CASES.length} (clear error ${totals["clear error"]}, accepted by design ${totals["accepted by design"]}, anything else ${totals["anything else"]}, crashes ${totals.crash})\n`,
    );
    expect(totals["anything else"]).toBe(0);
    expect(totals.crash).toBe(0);
    expect(EDGE_CASES.length).toBeGreaterThanOrEqual(150);
    expect(totals["clear error"] + totals["accepted by design"]).toBe(EDGE_CASES.length);
  });

  it("every case has one expected outcome, a reason or a refusal, and a name of its own", () => {
    for (const c of EDGE_CASES)
      expect({ name: c.name, one: (c.acceptedBecause === undefined) !== (c.refused === undefined) }).toEqual({ name: c.name, one: true });
    expect(new Set(EDGE_CASES.map((c) => c.name)).size).toBe(EDGE_CASES.length);
  });
});

import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { lineOf, mergeReports, relocate } from "../../scripts/mutationMerge";
import { Report, ReportMutant } from "../../scripts/mutationReport";
import { reportFiles, survivorRanges } from "../../scripts/mutationSurvivors";

/**
 * Partial runs merged mutant by mutant (scripts/mutationMerge.ts), and the survivor lines a
 * `--survivors` run re-tests (scripts/mutationSurvivors.ts), across edits that move the code.
 */
const at = (
  id: string,
  line: number,
  column: number,
  status: ReportMutant["status"],
  mutatorName = "StringLiteral",
  replacement = '""',
  endLine = line,
): ReportMutant => ({
  id,
  mutatorName,
  replacement,
  status,
  location: { start: { line, column }, end: { line: endLine, column: column + 3 } },
});

const V1 = ["const a = 1;", 'const b = "x";', 'const c = "y";', 'const b2 = "x";'].join("\n");
// Two lines added above, the line of c rewritten.
const V2 = ["// header", "", "const a = 1;", 'const b = "x";', 'const c = "z";', 'const b2 = "x";'].join("\n");

describe("relocate", () => {
  it("moves a mutant to its code's line in the newer version; undefined when its code is gone", () => {
    expect(relocate(at("1", 2, 11, "Survived"), V1, V2)?.location).toEqual({
      start: { line: 4, column: 11 },
      end: { line: 4, column: 14 },
    });
    expect(relocate(at("2", 3, 11, "Survived"), V1, V2)).toBeUndefined();
    expect(relocate(at("3", 2, 11, "Survived"), V1, V1)).toEqual(at("3", 2, 11, "Survived"));
  });

  it("tells identical lines apart by their order", () => {
    const twice = ["x();", "y();", "x();"].join("\n");
    const moved = ["z();", "x();", "y();", "x();"].join("\n");
    expect(relocate(at("1", 3, 1, "Survived", "CallExpression", ";"), twice, moved)?.location.start.line).toBe(4);
    expect(relocate(at("1", 1, 1, "Survived", "CallExpression", ";"), twice, moved)?.location.start.line).toBe(2);
    expect(lineOf(moved, "x();", 2)).toBeUndefined();
  });

  it("keeps a mutant that spans several lines only where all of them still follow each other", () => {
    const m = at("1", 2, 1, "Survived", "BlockStatement", "{}", 3);
    expect(relocate(m, V1, V2)).toBeUndefined();
    expect(relocate(m, V1, ["", V1].join("\n"))?.location).toMatchObject({ start: { line: 3 }, end: { line: 4 } });
  });
});

describe("mergeReports", () => {
  const older: Report = {
    files: {
      "rules/a.ts": {
        source: V1,
        mutants: [at("1", 1, 11, "Survived"), at("2", 2, 11, "Survived"), at("3", 3, 11, "Killed"), at("4", 4, 12, "Survived")],
      },
    },
  };

  it("a run of a few lines replaces those mutants' results and keeps the others", () => {
    const recheck: Report = { files: { "rules/a.ts": { source: V1, mutants: [at("9", 2, 11, "Killed")] } } };
    const merged = mergeReports([older, recheck]).files["rules/a.ts"].mutants;
    expect(merged.map((m) => [m.location.start.line, m.status])).toEqual([
      [1, "Survived"],
      [2, "Killed"],
      [3, "Killed"],
      [4, "Survived"],
    ]);
    // The older run given last wins back the line it shares.
    expect(mergeReports([recheck, older]).files["rules/a.ts"].mutants.find((m) => m.location.start.line === 2)?.status).toBe("Survived");
  });

  it("across an edit: earlier results move with their code, those of changed code are dropped, the source is the newest", () => {
    const newer: Report = { files: { "rules/a.ts": { source: V2, mutants: [at("7", 4, 11, "Killed"), at("8", 5, 11, "Survived")] } } };
    const merged = mergeReports([older, newer]).files["rules/a.ts"];
    expect(merged.source).toBe(V2);
    expect(merged.mutants.map((m) => [m.id, m.location.start.line, m.status]).sort()).toEqual([
      ["1", 3, "Survived"],
      ["4", 6, "Survived"],
      ["7", 4, "Killed"],
      ["8", 5, "Survived"],
    ]);
  });

  it("another mutator or replacement on the same code is another mutant", () => {
    const other: Report = {
      files: { "rules/a.ts": { source: V1, mutants: [at("5", 2, 11, "Killed", "StringLiteral", '"Stryker was here!"')] } },
    };
    expect(mergeReports([older, other]).files["rules/a.ts"].mutants).toHaveLength(5);
  });

  it("the same mutant before and after a disable comment above it: Stryker prints the comment in the later run's replacement", () => {
    const COMMENT = "// Stryker disable next-line StringLiteral: the value is never read, so any string does";
    const commented = ["const a = 1;", COMMENT, 'const b = "x";', 'const c = "y";', 'const b2 = "x";'].join("\n");
    const ignored: Report = {
      files: { "rules/a.ts": { source: commented, mutants: [{ ...at("6", 3, 11, "Ignored"), replacement: `${COMMENT}\n""` }] } },
    };
    const merged = mergeReports([older, ignored]).files["rules/a.ts"].mutants;
    expect(merged.filter((m) => m.location.start.line === 3).map((m) => m.status)).toEqual(["Ignored"]);
  });

  it("files only one report holds are kept as they are", () => {
    const elsewhere: Report = { files: { "config/b.ts": { source: "x", mutants: [at("1", 1, 1, "Killed")] } } };
    expect(Object.keys(mergeReports([older, elsewhere]).files).sort()).toEqual(["config/b.ts", "rules/a.ts"]);
  });
});

describe("survivorRanges", () => {
  const report: Report = {
    files: {
      "rules/a.ts": {
        source: V1,
        mutants: [
          at("1", 1, 11, "Survived"),
          at("2", 2, 11, "NoCoverage"),
          at("3", 3, 11, "Survived"),
          at("4", 4, 12, "Killed"),
          at("5", 4, 12, "Survived", "ConditionalExpression", "true"),
        ],
      },
      "gone/b.ts": { source: "x", mutants: [at("6", 1, 1, "Survived")] },
    },
  };

  it("the unexplained survivors' lines in the current files; those a disable comment now explains left out, vanished code named", () => {
    // V2 with the last line's ConditionalExpression explained as equivalent.
    const explained = V2.replace(
      'const b2 = "x";',
      '// Stryker disable next-line ConditionalExpression: b2 is never read\nconst b2 = "x";',
    );
    const current = (f: string) => (f === "rules/a.ts" ? explained : undefined);
    const r = survivorRanges(report, current);
    expect(r.ranges).toEqual(["rules/a.ts:3-3", "rules/a.ts:4-4"]);
    expect(r.gone).toEqual(["rules/a.ts:3 StringLiteral", "gone/b.ts:1 StringLiteral"]);
    // Without the comment, the survivor is re-tested at its line.
    expect(survivorRanges(report, (f) => (f === "rules/a.ts" ? V2 : undefined)).ranges).toEqual([
      "rules/a.ts:3-3",
      "rules/a.ts:4-4",
      "rules/a.ts:6-6",
    ]);
  });
});

describe("reportFiles", () => {
  it("every report and incremental file under the folder, oldest first", () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "mutation-reports-"));
    try {
      const write = (rel: string, mtime: number) => {
        fs.mkdirSync(path.dirname(path.join(dir, rel)), { recursive: true });
        fs.writeFileSync(path.join(dir, rel), "{}");
        fs.utimesSync(path.join(dir, rel), mtime, mtime);
      };
      write("a/mutation.json", 300);
      write("a/stryker-incremental.json", 100);
      write("b/c/mutation.json", 200);
      write("b/mutation.html", 50);
      write("a/stryker.config.json", 10);
      expect(reportFiles(dir).map((f) => path.relative(dir, f))).toEqual([
        "a/stryker-incremental.json",
        "b/c/mutation.json",
        "a/mutation.json",
      ]);
      expect(reportFiles(path.join(dir, "none"))).toEqual([]);
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });
});

import * as fs from "fs";
import * as path from "path";
import { mergeReports } from "../../scripts/mutationMerge";
import { Equivalent, FOLDERS, Report, ReportMutant, render, score, summarize, verdict } from "../../scripts/mutationReport";
import { ROOT } from "../../harness/stackFiles";

/** The per-folder table `npm run mutation` prints, and the committed list of equivalent mutants. */
const mutant = (
  id: string,
  line: number,
  status: ReportMutant["status"],
  mutatorName = "StringLiteral",
  replacement = '""',
): ReportMutant => ({
  id,
  mutatorName,
  replacement,
  status,
  location: { start: { line, column: 1 }, end: { line, column: 5 } },
});

const REPORT: Report = {
  files: {
    "rules/catalog.ts": {
      source: "",
      mutants: [mutant("1", 1, "Killed"), mutant("2", 2, "Timeout"), mutant("3", 3, "Survived"), mutant("4", 4, "NoCoverage")],
    },
    "bridge/src/html.ts": {
      source: "",
      mutants: [
        mutant("5", 1, "Killed"),
        mutant("6", 2, "Survived", "ConditionalExpression", "true"),
        mutant("7", 3, "CompileError"),
        mutant("8", 4, "Ignored"),
      ],
    },
  },
};

describe("the report of npm run mutation", () => {
  it("scores each folder as Stryker does: (killed + timeout) over everything but invalid and ignored mutants", () => {
    const s = summarize(REPORT, []);
    expect(score(s.byFolder.get("rules/")!)).toBe(50);
    expect(score(s.byFolder.get("bridge/src/")!)).toBe(50);
    expect(s.byFolder.get("bridge/src/")).toEqual({
      killed: 1,
      timeout: 0,
      survived: 1,
      equivalent: 0,
      noCoverage: 0,
      ignored: 1,
      invalid: 1,
    });
    expect(score(s.total)).toBe(50);
  });

  it("leaves a survivor explained as equivalent out of the score, and lists it with its reason", () => {
    const why = "the branch is unreachable: the schema refuses the value first";
    const s = summarize(REPORT, [{ file: "bridge/src/html.ts", line: 2, mutator: "ConditionalExpression", replacement: "true", why }]);
    expect(score(s.byFolder.get("bridge/src/")!)).toBe(100);
    const lines = render(s).join("\n");
    expect(lines).toContain(`bridge/src/html.ts:2  ConditionalExpression  → "true": ${why}`);
    expect(lines).toMatch(/Surviving mutants not explained as equivalent: 2\n {2}rules\/catalog\.ts:3:1 {2}StringLiteral/);
  });

  it("matches an equivalent by file, line, mutator and replacement, and reports entries that match nothing", () => {
    const wrong: Equivalent[] = [
      { file: "bridge/src/html.ts", line: 2, mutator: "ConditionalExpression", replacement: "false", why: "x" },
      { file: "bridge/src/html.ts", line: 9, mutator: "ConditionalExpression", why: "x" },
    ];
    const s = summarize(REPORT, wrong);
    expect(s.survivors.filter((x) => x.equivalent)).toEqual([]);
    expect(s.stale).toEqual(wrong);
  });

  it("does not call an entry stale when its file was not mutated in this (partial) run", () => {
    const elsewhere: Equivalent = { file: "config/schema.ts", line: 2, mutator: "ConditionalExpression", why: "x" };
    expect(summarize(REPORT, [elsewhere]).stale).toEqual([]);
  });

  it("merges partial runs into one table, the later report's results winning for a file both hold", () => {
    const older: Report = {
      files: {
        "rules/catalog.ts": { source: "", mutants: [mutant("1", 1, "Survived")] },
        "config/a.ts": { source: "", mutants: [mutant("2", 1, "Killed")] },
      },
    };
    const newer: Report = { files: { "rules/catalog.ts": { source: "", mutants: [mutant("1", 1, "Killed")] } } };
    const s = summarize(mergeReports([older, newer]), []);
    expect(s.byFolder.get("rules/")).toMatchObject({ killed: 1, survived: 0 });
    expect(s.byFolder.get("config/")).toMatchObject({ killed: 1 });
    expect(summarize(mergeReports([newer, older]), []).byFolder.get("rules/")).toMatchObject({ killed: 0, survived: 1 });
  });

  it("fails the targets: overall below 85, rules/ or bridge/src/ below 90, or any survivor unexplained", () => {
    expect(verdict(summarize(REPORT, []))).toEqual([
      "overall score 50.00% is below 85%",
      "rules/ score 50.00% is below 90%",
      "bridge/src/ score 50.00% is below 90%",
      "3 surviving mutants are neither killed nor explained as equivalent",
    ]);
    const clean: Report = { files: { "rules/a.ts": { source: "", mutants: [mutant("1", 1, "Killed")] } } };
    expect(verdict(summarize(clean, []))).toEqual([]);
  });
});

describe("test/mutation/equivalent.json", () => {
  const list = JSON.parse(fs.readFileSync(path.join(ROOT, "test/mutation/equivalent.json"), "utf8")) as Equivalent[];
  const MUTATORS = [
    "ArithmeticOperator",
    "ArrayDeclaration",
    "ArrowFunction",
    "AssignmentOperator",
    "BlockStatement",
    "BooleanLiteral",
    "CallExpression",
    "ConditionalExpression",
    "EqualityOperator",
    "LogicalOperator",
    "MethodExpression",
    "ObjectLiteral",
    "OptionalChaining",
    "Regex",
    "StringLiteral",
    "UnaryOperator",
    "UpdateOperator",
  ];

  it("every entry names a line of a mutated file, a Stryker mutator and why no test can kill it", () => {
    for (const e of list) {
      const where = `${e.file}:${e.line} ${e.mutator}`;
      const lines = fs.existsSync(path.join(ROOT, e.file)) ? fs.readFileSync(path.join(ROOT, e.file), "utf8").split("\n") : [];
      expect({
        where,
        mutatedFolder: FOLDERS.some((f) => e.file.startsWith(f)),
        lineExists: e.line >= 1 && e.line <= lines.length,
        mutator: MUTATORS.includes(e.mutator),
        reasoned: e.why.length > 20,
      }).toEqual({
        where,
        mutatedFolder: true,
        lineExists: true,
        mutator: true,
        reasoned: true,
      });
    }
  });

  it("lists each mutant once", () => {
    const keys = list.map((e) => `${e.file}:${e.line}:${e.mutator}:${e.replacement ?? ""}`);
    expect(keys.length).toBe(new Set(keys).size);
  });
});

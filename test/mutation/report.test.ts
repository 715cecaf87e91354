import { spawnSync } from "child_process";
import * as fs from "fs";
import * as path from "path";
import { mergeReports } from "../../scripts/mutationMerge";
import { commentProblems, disableComments, disabledBy } from "../../scripts/mutationDisables";
import { FOLDERS, Report, ReportMutant, render, score, summarize, verdict } from "../../scripts/mutationReport";
import { ROOT } from "../../harness/stackFiles";

/** The per-folder table `npm run mutation` prints, and the equivalent mutants explained beside their code. */
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
    const s = summarize(REPORT);
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

  const WHY = "the branch is unreachable: the schema refuses the value first";
  // bridge/src/html.ts with a disable comment above the line of mutant 6 (now line 3).
  const COMMENTED: Report = {
    files: {
      ...REPORT.files,
      "bridge/src/html.ts": {
        source: [
          "const a = 1;",
          `  // Stryker disable next-line ConditionalExpression,BooleanLiteral: ${WHY}`,
          "if (a) b();",
          "c();",
          "d();",
        ].join("\n"),
        mutants: [
          mutant("5", 1, "Killed"),
          mutant("6", 3, "Survived", "ConditionalExpression", "true"),
          mutant("7", 4, "CompileError"),
          mutant("8", 5, "Ignored"),
          mutant("9", 3, "Ignored", "BooleanLiteral", "false"),
          mutant("10", 3, "Survived", "StringLiteral"),
        ],
      },
    },
  };

  it("a mutant under a disable comment naming its mutator is equivalent: out of the score, listed with the comment's reason", () => {
    const s = summarize(COMMENTED);
    // 6 survived in a run before the comment, 9 is Stryker's Ignored since; 10 is another mutator, 8 a static mutant.
    expect(s.byFolder.get("bridge/src/")).toMatchObject({ killed: 1, survived: 1, equivalent: 2, ignored: 1 });
    expect(s.equivalents.map((e) => [e.mutant.id, e.reason])).toEqual([
      ["6", WHY],
      ["9", WHY],
    ]);
    const lines = render(s).join("\n");
    expect(lines).toContain(`Equivalent (explained beside their code): 2\n  bridge/src/html.ts:3  ConditionalExpression  → "true": ${WHY}`);
    expect(lines).toMatch(/Surviving mutants not explained as equivalent: 3\n {2}rules\/catalog\.ts:3:1 {2}StringLiteral/);
    expect(lines).toContain("bridge/src/html.ts:3:1  StringLiteral");
    expect(s.stale).toEqual([]);
  });

  it("shows a replacement without the disable comment Stryker prints into it", () => {
    const file = COMMENTED.files["bridge/src/html.ts"];
    const ignored = mutant("9", 3, "Ignored", "BooleanLiteral", `// Stryker disable next-line BooleanLiteral: ${WHY}\nfalse`);
    const s = summarize({ files: { "bridge/src/html.ts": { ...file, mutants: [ignored] } } });
    expect(render(s).join("\n")).toContain(`bridge/src/html.ts:3  BooleanLiteral  → "false": ${WHY}`);
  });

  it("a disable comment over a mutant a test killed is stale, and fails the targets", () => {
    const file = COMMENTED.files["bridge/src/html.ts"];
    const s = summarize({
      files: { "bridge/src/html.ts": { ...file, mutants: [mutant("6", 3, "Killed", "ConditionalExpression", "true")] } },
    });
    expect(s.stale.map((x) => [x.file, x.mutant.location.start.line])).toEqual([["bridge/src/html.ts", 3]]);
    expect(render(s).join("\n")).toContain("Disable comments over mutants a test kills (remove the comment, or the code changed): 1");
    expect(verdict(s)).toEqual(["1 mutants a test kills are disabled as equivalent"]);
  });

  it("merges partial runs into one table, the later report's results winning for a file both hold", () => {
    const older: Report = {
      files: {
        "rules/catalog.ts": { source: "", mutants: [mutant("1", 1, "Survived")] },
        "config/a.ts": { source: "", mutants: [mutant("2", 1, "Killed")] },
      },
    };
    const newer: Report = { files: { "rules/catalog.ts": { source: "", mutants: [mutant("1", 1, "Killed")] } } };
    const s = summarize(mergeReports([older, newer]));
    expect(s.byFolder.get("rules/")).toMatchObject({ killed: 1, survived: 0 });
    expect(s.byFolder.get("config/")).toMatchObject({ killed: 1 });
    expect(summarize(mergeReports([newer, older])).byFolder.get("rules/")).toMatchObject({ killed: 0, survived: 1 });
  });

  it("fails the targets: overall below 85, rules/ or bridge/src/ below 90, or any survivor unexplained", () => {
    expect(verdict(summarize(REPORT))).toEqual([
      "overall score 50.00% is below 85%",
      "rules/ score 50.00% is below 90%",
      "bridge/src/ score 50.00% is below 90%",
      "3 surviving mutants are neither killed nor explained as equivalent",
    ]);
    const clean: Report = { files: { "rules/a.ts": { source: "", mutants: [mutant("1", 1, "Killed")] } } };
    expect(verdict(summarize(clean))).toEqual([]);
  });
});

describe("disable comments", () => {
  it("reads Stryker's directives: the code line each disables (below any other comments), its mutators and reason", () => {
    const source = [
      "const a = 1;",
      "  // Stryker disable next-line Regex, StringLiteral: a reason of some length",
      "  // why, at more length",
      "",
      "  const b = /x/;",
      "// Stryker disable all",
      "//Stryker disable next-line ArrowFunction",
      "f(() => 1);",
      "// Stryker is a mutation tester (not a directive)",
    ].join("\n");
    expect(disableComments(source)).toEqual([
      { line: 2, target: 5, kind: "disable next-line", mutators: ["Regex", "StringLiteral"], reason: "a reason of some length" },
      { line: 6, target: 8, kind: "other", mutators: ["all"], reason: undefined },
      { line: 7, target: 8, kind: "disable next-line", mutators: ["ArrowFunction"], reason: undefined },
    ]);
    expect(disabledBy(source, 5, "StringLiteral")?.line).toBe(2);
    expect(disabledBy(source, 5, "ArrowFunction")).toBeUndefined();
    expect(disabledBy(source, 8, "ArrowFunction")?.line).toBe(7);
    expect(disableComments(source).map(commentProblems)).toEqual([
      [],
      [
        "only `Stryker disable next-line` is used: each equivalent mutant is explained at its line",
        "all is not a Stryker mutator",
        "no reason after the colon (why no test can kill it)",
      ],
      ["no reason after the colon (why no test can kill it)"],
    ]);
  });
});

describe("the disable comments of the mutated folders", () => {
  const tsFiles = (dir: string): string[] =>
    fs
      .readdirSync(path.join(ROOT, dir), { withFileTypes: true })
      .flatMap((e) => (e.isDirectory() ? tsFiles(`${dir}/${e.name}`) : e.name.endsWith(".ts") ? [`${dir}/${e.name}`] : []));
  const commented = FOLDERS.flatMap((f) => tsFiles(f.replace(/\/$/, ""))).filter((f) =>
    /Stryker (disable|restore)/.test(fs.readFileSync(path.join(ROOT, f), "utf8")),
  );

  it("each is `disable next-line`, names Stryker mutators and says why no test can kill them", () => {
    expect(commented.length).toBeGreaterThan(0);
    const problems = commented.flatMap((f) =>
      disableComments(fs.readFileSync(path.join(ROOT, f), "utf8")).flatMap((c) => commentProblems(c).map((p) => `${f}:${c.line} ${p}`)),
    );
    expect(problems).toEqual([]);
  });

  // Stryker runs no disabled mutant and warns only of an unknown mutator name, so a comment whose code changed would
  // silently disable nothing (or something else): Stryker's own instrumenter says which mutants each one disables.
  it("each disables at least one mutant of every mutator it names, per Stryker's instrumenter", () => {
    const r = spawnSync(path.join(ROOT, "node_modules/.bin/ts-node"), ["--transpile-only", "scripts/mutationDisables.ts", ...commented], {
      cwd: ROOT,
      encoding: "utf8",
      timeout: 170_000,
    });
    expect(r.stderr).toBe("");
    expect(JSON.parse(r.stdout)).toEqual([]);
  }, 180_000);
});

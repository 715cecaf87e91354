/**
 * Equivalent mutants, explained beside their code in StrykerJS's own syntax:
 *
 *   // Stryker disable next-line <Mutator>[,<Mutator>]: <why no test can kill it>
 *
 * Stryker then makes no such mutant of the line below; its report lists each as "Ignored", with
 * the reason as statusReason. A comment names mutators, not replacements: it disables every mutant
 * of those mutators that starts on its line, so an expression is split when only part of it is
 * equivalent, and the reason says so when one node also carries a mutant that is not.
 *
 *   ts-node scripts/mutationDisables.ts <file.ts>...   prints, as JSON, the comments of those files
 *                                                      that disable no mutant (per Stryker's instrumenter)
 */
import * as fs from "fs";
import * as path from "path";

/** Stryker's mutators (@stryker-mutator/instrumenter 10), the names a comment may give. */
export const MUTATORS = [
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
] as const;

/** Stryker's own pattern for a directive, applied to a comment's text after the slashes (directive-bookkeeper.js). */
const DIRECTIVE = /^\s?Stryker (disable|restore)(?: (next-line))? ([a-zA-Z, ]+)(?::(.+)?)?/;

export interface DisableComment {
  /** 1-based line of the comment. */
  readonly line: number;
  /** The code line it disables: the first line below it that is neither blank nor a line comment. */
  readonly target: number;
  readonly kind: "disable next-line" | "other";
  readonly mutators: readonly string[];
  readonly reason: string | undefined;
}

/** Every Stryker directive written as a line comment of `source`. */
export function disableComments(source: string): DisableComment[] {
  const lines = source.split("\n");
  const found: DisableComment[] = [];
  lines.forEach((text, i) => {
    const comment = /^\s*\/\/(.*)$/.exec(text);
    const d = comment && DIRECTIVE.exec(comment[1]);
    if (!d) return;
    let target = i + 1;
    while (target < lines.length && /^\s*(\/\/.*)?$/.test(lines[target])) target++;
    found.push({
      line: i + 1,
      target: target + 1,
      kind: d[1] === "disable" && d[2] === "next-line" ? "disable next-line" : "other",
      mutators: d[3].split(",").map((m) => m.trim()),
      reason: d[4]?.trim() || undefined,
    });
  });
  return found;
}

/** The comment that disables `mutator` on `line` of `source`, if one does. */
export function disabledBy(source: string, line: number, mutator: string): DisableComment | undefined {
  return disableComments(source).find((c) => c.kind === "disable next-line" && c.target === line && c.mutators.includes(mutator));
}

/** What is wrong with a comment for this benchmark: only `disable next-line`, real mutator names, and a reason. */
export function commentProblems(c: DisableComment): string[] {
  const problems: string[] = [];
  if (c.kind !== "disable next-line")
    problems.push("only `Stryker disable next-line` is used: each equivalent mutant is explained at its line");
  for (const m of c.mutators) if (!(MUTATORS as readonly string[]).includes(m)) problems.push(`${m} is not a Stryker mutator`);
  if (c.reason === undefined || c.reason.length < 20) problems.push("no reason after the colon (why no test can kill it)");
  return problems;
}

/**
 * The comments of `files` (relative to `root`) that disable no mutant of some mutator they name,
 * found with Stryker's own instrumenter: a comment left behind when its code changed.
 */
export async function unusedDisables(root: string, files: readonly string[]): Promise<string[]> {
  const { Instrumenter } = await import("@stryker-mutator/instrumenter");
  const quiet = () => undefined;
  const logger = { debug: quiet, info: quiet, trace: quiet, error: quiet, fatal: quiet, warn: quiet, isDebugEnabled: () => false };
  const instrumenter = new Instrumenter(logger as unknown as ConstructorParameters<typeof Instrumenter>[0]);
  const unused: string[] = [];
  for (const file of files) {
    const content = fs.readFileSync(path.join(root, file), "utf8");
    const { mutants } = await instrumenter.instrument([{ name: file, content, mutate: true }], {
      plugins: null,
      excludedMutations: [],
      ignorers: [],
    });
    for (const c of disableComments(content).filter((d) => d.kind === "disable next-line")) {
      for (const m of c.mutators) {
        // Stryker's locations are 0-based lines.
        const hit = mutants.some((x) => x.status === "Ignored" && x.mutatorName === m && x.location.start.line + 1 === c.target);
        if (!hit) unused.push(`${file}:${c.line} disables no ${m} mutant on line ${c.target}`);
      }
    }
  }
  return unused;
}

if (require.main === module) {
  unusedDisables(process.cwd(), process.argv.slice(2)).then(
    (unused) => process.stdout.write(`${JSON.stringify(unused)}\n`),
    (e: unknown) => {
      process.stderr.write(`${e instanceof Error ? e.stack : String(e)}\n`);
      process.exitCode = 1;
    },
  );
}

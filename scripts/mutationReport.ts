/**
 * Score per folder and the surviving mutants of a Stryker JSON report (mutation-testing-report-
 * schema), with the equivalent mutants set apart: those a `// Stryker disable next-line` comment
 * explains beside their code (scripts/mutationDisables.ts).
 *
 *   npm run -s mutation:report [-- <report.json>...] [--check]
 *
 * Several reports (partial runs of different folders, files, samples or survivors) are merged into
 * one table mutant by mutant, the newer run's result counting (scripts/mutationMerge.ts).
 *
 * --check exits 1 when a target is missed or a survivor is neither killed nor explained.
 */
import * as fs from "fs";
import * as path from "path";
import { disabledBy } from "./mutationDisables";
import { mergeReports, Report, ReportMutant, withoutComments } from "./mutationMerge";

export type { MutantStatus, Report, ReportMutant } from "./mutationMerge";

export const FOLDERS = ["rules/", "generators/", "config/", "bridge/src/", "dashboards/", "components/", "shared/"] as const;
/** Issue 16's targets: overall, and per folder where one is set. */
export const TARGETS: { readonly overall: number; readonly folders: Readonly<Partial<Record<(typeof FOLDERS)[number], number>>> } = {
  overall: 85,
  folders: { "rules/": 90, "bridge/src/": 90 },
};

export interface Counts {
  killed: number;
  timeout: number;
  survived: number;
  equivalent: number;
  noCoverage: number;
  ignored: number;
  invalid: number;
}

const empty = (): Counts => ({ killed: 0, timeout: 0, survived: 0, equivalent: 0, noCoverage: 0, ignored: 0, invalid: 0 });

/**
 * Stryker's mutation score, (killed + timeout) / (killed + timeout + survived + no coverage),
 * with equivalent mutants left out of both sides: an equivalent mutant is not a defect, so no
 * test should kill it.
 */
export const score = (c: Counts) => {
  const detected = c.killed + c.timeout;
  const valid = detected + c.survived + c.noCoverage;
  return valid === 0 ? 100 : (100 * detected) / valid;
};

export const folderOf = (file: string) => FOLDERS.find((f) => file.startsWith(f)) ?? "other";

/** A mutant of the report, with the reason of the disable comment above its line when it has one. */
export interface Listed {
  readonly file: string;
  readonly mutant: ReportMutant;
  readonly reason?: string;
}

export interface Summary {
  readonly byFolder: ReadonlyMap<string, Counts>;
  readonly total: Counts;
  /** Surviving or uncovered mutants that no comment explains. */
  readonly survivors: readonly Listed[];
  /**
   * Mutants a `// Stryker disable next-line` comment explains: Ignored with its reason in a run
   * since the comment, or surviving in a run before it (merged reports move results to the
   * newest code).
   */
  readonly equivalents: readonly Listed[];
  /** Mutants a disable comment covers that a run (before the comment) saw killed: the comment is wrong. */
  readonly stale: readonly Listed[];
}

export function summarize(report: Report): Summary {
  const byFolder = new Map<string, Counts>();
  const total = empty();
  const survivors: Listed[] = [];
  const equivalents: Listed[] = [];
  const stale: Listed[] = [];
  for (const [rawFile, f] of Object.entries(report.files)) {
    const file = rawFile.replace(/\\/g, "/");
    const folder = folderOf(file);
    const c = byFolder.get(folder) ?? empty();
    byFolder.set(folder, c);
    for (const m of f.mutants) {
      const add = (k: keyof Counts) => {
        c[k] += 1;
        total[k] += 1;
      };
      const reason = disabledBy(f.source, m.location.start.line, m.mutatorName)?.reason;
      switch (m.status) {
        case "Killed":
        case "Timeout":
          add(m.status === "Killed" ? "killed" : "timeout");
          if (reason !== undefined) stale.push({ file, mutant: m, reason });
          break;
        case "NoCoverage":
        case "Survived":
        case "Ignored":
          if (reason !== undefined) {
            equivalents.push({ file, mutant: m, reason });
            add("equivalent");
          } else if (m.status === "Ignored") add("ignored");
          else {
            survivors.push({ file, mutant: m });
            add(m.status === "Survived" ? "survived" : "noCoverage");
          }
          break;
        default:
          add("invalid");
      }
    }
  }
  return { byFolder, total, survivors, equivalents, stale };
}

const pad = (s: string, n: number) => (s.length >= n ? s : s + " ".repeat(n - s.length));
const lpad = (s: string, n: number) => (s.length >= n ? s : " ".repeat(n - s.length) + s);

export function render(s: Summary): string[] {
  const head = ["folder", "mutants", "killed", "timeout", "survived", "no cov", "equiv", "ignored", "invalid", "score"];
  const row = (name: string, c: Counts) => [
    name,
    String(c.killed + c.timeout + c.survived + c.noCoverage + c.equivalent + c.ignored + c.invalid),
    String(c.killed),
    String(c.timeout),
    String(c.survived),
    String(c.noCoverage),
    String(c.equivalent),
    String(c.ignored),
    String(c.invalid),
    `${score(c).toFixed(2)}%`,
  ];
  const rows = [
    head,
    ...[...FOLDERS, "other"].filter((f) => s.byFolder.has(f)).map((f) => row(f, s.byFolder.get(f)!)),
    row("all", s.total),
  ];
  const widths = head.map((_, i) => Math.max(...rows.map((r) => r[i].length)));
  const lines = rows.map((r) => r.map((cell, i) => (i === 0 ? pad(cell, widths[i]) : lpad(cell, widths[i]))).join("  "));
  lines.splice(1, 0, widths.map((w) => "-".repeat(w)).join("  "));
  lines.push(
    "",
    "score = (killed + timeout) / (killed + timeout + survived + no coverage); equivalent mutants (a `Stryker disable next-line` comment explains them beside their code) and ignored (static, no test runs them) left out; invalid = compile or runtime errors of the mutant.",
  );
  const replaced = (m: ReportMutant) => JSON.stringify(withoutComments(m.replacement ?? ""));
  lines.push("", `Surviving mutants not explained as equivalent: ${s.survivors.length}`);
  for (const { file, mutant: m } of s.survivors)
    lines.push(
      `  ${file}:${m.location.start.line}:${m.location.start.column}  ${m.mutatorName}${m.status === "NoCoverage" ? " (no coverage)" : ""}  → ${replaced(m)}`,
    );
  lines.push("", `Equivalent (explained beside their code): ${s.equivalents.length}`);
  for (const { file, mutant: m, reason } of s.equivalents)
    lines.push(`  ${file}:${m.location.start.line}  ${m.mutatorName}  → ${replaced(m)}: ${reason}`);
  if (s.stale.length) {
    lines.push("", `Disable comments over mutants a test kills (remove the comment, or the code changed): ${s.stale.length}`);
    for (const { file, mutant: m } of s.stale) lines.push(`  ${file}:${m.location.start.line}  ${m.mutatorName}  → ${replaced(m)}`);
  }
  return lines;
}

/** The targets missed, and the survivors left unexplained; empty when the benchmark passes. */
export function verdict(s: Summary): string[] {
  const problems: string[] = [];
  if (score(s.total) < TARGETS.overall) problems.push(`overall score ${score(s.total).toFixed(2)}% is below ${TARGETS.overall}%`);
  for (const [folder, target] of Object.entries(TARGETS.folders)) {
    const c = s.byFolder.get(folder);
    if (c && score(c) < target) problems.push(`${folder} score ${score(c).toFixed(2)}% is below ${target}%`);
  }
  if (s.survivors.length) problems.push(`${s.survivors.length} surviving mutants are neither killed nor explained as equivalent`);
  if (s.stale.length) problems.push(`${s.stale.length} mutants a test kills are disabled as equivalent`);
  return problems;
}

function main(argv: string[]): number {
  const root = path.resolve(__dirname, "..");
  const check = argv.includes("--check");
  const named = argv.filter((a) => !a.startsWith("--")).map((a) => path.resolve(a));
  const reportFiles = named.length ? named : [path.join(root, "reports/mutation/mutation.json")];
  const missing = reportFiles.filter((f) => !fs.existsSync(f));
  if (missing.length) {
    process.stderr.write(`no mutation report at ${missing.join(", ")}: run npm run mutation first\n`);
    return 2;
  }
  const byAge = [...reportFiles].sort((a, b) => fs.statSync(a).mtimeMs - fs.statSync(b).mtimeMs);
  const report = mergeReports(byAge.map((f) => JSON.parse(fs.readFileSync(f, "utf8")) as Report));
  const s = summarize(report);
  for (const line of render(s)) process.stdout.write(`${line}\n`);
  const problems = verdict(s);
  process.stdout.write(
    `\n${problems.length ? `Targets (issue 16) not met:\n${problems.map((p) => `  - ${p}`).join("\n")}` : "Targets (issue 16) met: overall ≥ 85%, rules/ and bridge/src/ ≥ 90%, every survivor killed or explained."}\n`,
  );
  return check && problems.length ? 1 : 0;
}

if (require.main === module) process.exitCode = main(process.argv.slice(2));

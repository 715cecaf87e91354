/**
 * Score per folder and the surviving mutants of a Stryker JSON report (mutation-testing-report-
 * schema), with the survivors test/mutation/equivalent.json explains as equivalent set apart.
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
import { mergeReports, Report, ReportMutant } from "./mutationMerge";

export type { MutantStatus, Report, ReportMutant } from "./mutationMerge";

/** A survivor that no test can kill, and why: matched by file, line and mutator (and replacement, when given). */
export interface Equivalent {
  readonly file: string;
  readonly line: number;
  readonly mutator: string;
  readonly replacement?: string;
  readonly why: string;
}

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
 * with survivors explained as equivalent left out of both sides: an equivalent mutant is not a
 * defect, so no test should kill it.
 */
export const score = (c: Counts) => {
  const detected = c.killed + c.timeout;
  const valid = detected + c.survived + c.noCoverage;
  return valid === 0 ? 100 : (100 * detected) / valid;
};

export const folderOf = (file: string) => FOLDERS.find((f) => file.startsWith(f)) ?? "other";

export function matchEquivalent(list: readonly Equivalent[], file: string, m: ReportMutant): Equivalent | undefined {
  return list.find(
    (e) =>
      e.file === file &&
      e.line === m.location.start.line &&
      e.mutator === m.mutatorName &&
      (e.replacement === undefined || e.replacement === m.replacement),
  );
}

export interface Summary {
  readonly byFolder: ReadonlyMap<string, Counts>;
  readonly total: Counts;
  readonly survivors: readonly { file: string; mutant: ReportMutant; equivalent?: Equivalent }[];
  /** Entries of the equivalent list that match no survivor any more (killed, or the code moved). */
  readonly stale: readonly Equivalent[];
}

export function summarize(report: Report, equivalents: readonly Equivalent[]): Summary {
  const byFolder = new Map<string, Counts>();
  const total = empty();
  const survivors: { file: string; mutant: ReportMutant; equivalent?: Equivalent }[] = [];
  const used = new Set<Equivalent>();
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
      switch (m.status) {
        case "Killed":
          add("killed");
          break;
        case "Timeout":
          add("timeout");
          break;
        case "NoCoverage":
        case "Survived": {
          const equivalent = matchEquivalent(equivalents, file, m);
          if (equivalent) used.add(equivalent);
          survivors.push({ file, mutant: m, equivalent });
          add(equivalent ? "equivalent" : m.status === "Survived" ? "survived" : "noCoverage");
          break;
        }
        case "Ignored":
          add("ignored");
          break;
        default:
          add("invalid");
      }
    }
  }
  // An entry for a file this report did not mutate (a partial run) is not stale, only untested.
  const files = new Set(Object.keys(report.files).map((f) => f.replace(/\\/g, "/")));
  return { byFolder, total, survivors, stale: equivalents.filter((e) => !used.has(e) && files.has(e.file)) };
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
    "score = (killed + timeout) / (killed + timeout + survived + no coverage); equivalent mutants (test/mutation/equivalent.json) and ignored (static, no test runs them) left out; invalid = compile or runtime errors of the mutant.",
  );
  const open = s.survivors.filter((x) => !x.equivalent);
  lines.push("", `Surviving mutants not explained as equivalent: ${open.length}`);
  for (const { file, mutant: m } of open)
    lines.push(
      `  ${file}:${m.location.start.line}:${m.location.start.column}  ${m.mutatorName}${m.status === "NoCoverage" ? " (no coverage)" : ""}  → ${JSON.stringify(m.replacement ?? "")}`,
    );
  const explained = s.survivors.filter((x) => x.equivalent);
  lines.push("", `Equivalent (explained in test/mutation/equivalent.json): ${explained.length}`);
  for (const { file, mutant: m, equivalent } of explained)
    lines.push(`  ${file}:${m.location.start.line}  ${m.mutatorName}  → ${JSON.stringify(m.replacement ?? "")}: ${equivalent!.why}`);
  if (s.stale.length) {
    lines.push("", `Stale entries in test/mutation/equivalent.json (no such survivor now): ${s.stale.length}`);
    for (const e of s.stale)
      lines.push(`  ${e.file}:${e.line}  ${e.mutator}${e.replacement !== undefined ? ` → ${JSON.stringify(e.replacement)}` : ""}`);
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
  const open = s.survivors.filter((x) => !x.equivalent).length;
  if (open) problems.push(`${open} surviving mutants are neither killed nor explained as equivalent`);
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
  const equivalents = JSON.parse(fs.readFileSync(path.join(root, "test/mutation/equivalent.json"), "utf8")) as Equivalent[];
  const s = summarize(report, equivalents);
  for (const line of render(s)) process.stdout.write(`${line}\n`);
  const problems = verdict(s);
  process.stdout.write(
    `\n${problems.length ? `Targets (issue 16) not met:\n${problems.map((p) => `  - ${p}`).join("\n")}` : "Targets (issue 16) met: overall ≥ 85%, rules/ and bridge/src/ ≥ 90%, every survivor killed or explained."}\n`,
  );
  return check && problems.length ? 1 : 0;
}

if (require.main === module) process.exitCode = main(process.argv.slice(2));

/**
 * `npm run mutation -- --survivors`: the lines of every surviving mutant of the earlier runs that
 * no `// Stryker disable next-line` comment explains, as Stryker mutate ranges, so that after new
 * tests only those lines are tested again (minutes, not the hours of a folder). The merged report
 * then takes the re-run's results for those mutants and keeps the earlier runs' for the rest.
 */
import * as fs from "fs";
import * as path from "path";
import { disabledBy } from "./mutationDisables";
import { mergeReports, relocate } from "./mutationMerge";
import { Report } from "./mutationReport";

/** Every report and incremental file under reports/mutation (an interrupted run leaves only the latter), oldest first. */
export function reportFiles(dir: string): string[] {
  if (!fs.existsSync(dir)) return [];
  const found: string[] = [];
  const walk = (d: string) => {
    for (const e of fs.readdirSync(d, { withFileTypes: true })) {
      const p = path.join(d, e.name);
      if (e.isDirectory()) walk(p);
      else if (e.name === "mutation.json" || e.name === "stryker-incremental.json") found.push(p);
    }
  };
  walk(dir);
  return found.sort((a, b) => fs.statSync(a).mtimeMs - fs.statSync(b).mtimeMs);
}

/**
 * Mutate ranges ("file:first-last") of the unexplained survivors of `report`, at their lines in
 * the current version of each file; `gone` lists those whose code is no longer there. A survivor
 * that a disable comment now explains in the current file is not re-tested.
 */
export function survivorRanges(report: Report, current: (file: string) => string | undefined): { ranges: string[]; gone: string[] } {
  const ranges = new Set<string>();
  const gone: string[] = [];
  for (const [file, entry] of Object.entries(report.files)) {
    const now = current(file);
    for (const m of entry.mutants) {
      if (m.status !== "Survived" && m.status !== "NoCoverage") continue;
      const here = now === undefined ? undefined : relocate(m, entry.source, now);
      if (here === undefined) gone.push(`${file}:${m.location.start.line} ${m.mutatorName}`);
      else if (!disabledBy(now!, here.location.start.line, m.mutatorName))
        ranges.add(`${file}:${here.location.start.line}-${here.location.end.line}`);
    }
  }
  return { ranges: [...ranges].sort(), gone };
}

/** The survivor ranges of every earlier run under `reportsDir`, against the files under `root`. */
export function survivorRangesOfRuns(root: string, reportsDir: string): { ranges: string[]; gone: string[]; reports: string[] } {
  const reports = reportFiles(reportsDir);
  const merged = mergeReports(reports.map((f) => JSON.parse(fs.readFileSync(f, "utf8")) as Report));
  const current = (file: string) => (fs.existsSync(path.join(root, file)) ? fs.readFileSync(path.join(root, file), "utf8") : undefined);
  return { ...survivorRanges(merged, current), reports };
}

/**
 * Several Stryker reports as one, mutant by mutant: the runs of `npm run mutation` are partial
 * (a folder, a file, a sample of lines, the lines of earlier survivors) and made against
 * different versions of a file, so neither "the newest report of a file wins" (a run of ten
 * survivor lines would drop the file's other mutants) nor line numbers (an edit above moves
 * them) say which results are the same mutant.
 *
 * A mutant is the same across runs when its mutator, replacement, columns and the code of the
 * lines it spans are (the n-th of identical lines is told apart by n). The newer run's result
 * counts; a mutant whose code is no longer in the newest version of its file is dropped (the
 * code it mutated is gone), and the others are moved to their line in that version.
 */

/** A Stryker JSON report (mutation-testing-report-schema), as far as the merge and the table read it. */
export type MutantStatus = "Killed" | "Survived" | "NoCoverage" | "Timeout" | "CompileError" | "RuntimeError" | "Ignored" | "Pending";

export interface ReportMutant {
  readonly id: string;
  readonly mutatorName: string;
  readonly replacement?: string;
  readonly location: {
    readonly start: { readonly line: number; readonly column: number };
    readonly end: { readonly line: number; readonly column: number };
  };
  readonly status: MutantStatus;
  readonly statusReason?: string;
}

export interface Report {
  readonly files: Readonly<Record<string, { readonly source: string; readonly mutants: readonly ReportMutant[] }>>;
}

type FileEntry = Report["files"][string];

/** The code a mutant spans, and which occurrence of that code in its source it is (0-based). */
function codeOf(source: string, m: ReportMutant): { code: string; occurrence: number } | undefined {
  const lines = source.split("\n");
  const span = m.location.end.line - m.location.start.line + 1;
  const at = m.location.start.line - 1;
  if (at < 0 || at + span > lines.length) return undefined;
  const code = lines.slice(at, at + span).join("\n");
  let occurrence = 0;
  for (let i = 0; i < at; i++) if (lines.slice(i, i + span).join("\n") === code) occurrence++;
  return { code, occurrence };
}

/** The 1-based line where that occurrence of the code starts in `source`, if it is there. */
export function lineOf(source: string, code: string, occurrence: number): number | undefined {
  const lines = source.split("\n");
  const span = code.split("\n").length;
  let seen = 0;
  for (let i = 0; i + span <= lines.length; i++) {
    if (lines.slice(i, i + span).join("\n") !== code) continue;
    if (seen === occurrence) return i + 1;
    seen++;
  }
  return undefined;
}

/** The same mutant in another version of the file: moved to its line there, or undefined when its code is gone. */
export function relocate(m: ReportMutant, from: string, to: string): ReportMutant | undefined {
  if (from === to) return m;
  const c = codeOf(from, m);
  const line = c && lineOf(to, c.code, c.occurrence);
  if (line === undefined) return undefined;
  const shift = line - m.location.start.line;
  return { ...m, location: { start: { ...m.location.start, line: line }, end: { ...m.location.end, line: m.location.end.line + shift } } };
}

/**
 * A replacement without the line comments Stryker prints with it: the mutant of a node that a
 * `// Stryker disable` comment leads carries the comment in its replacement, which a run from
 * before the comment did not.
 */
export const withoutComments = (replacement: string) => replacement.replace(/^[ \t]*\/\/.*(\n|$)/gm, "");

const identity = (m: ReportMutant) =>
  [
    m.mutatorName,
    withoutComments(m.replacement ?? ""),
    m.location.start.line,
    m.location.start.column,
    m.location.end.line,
    m.location.end.column,
  ].join("|");

/** One report from several, oldest first; per mutant, the newest run that tested it counts. */
export function mergeReports(reports: readonly Report[]): Report {
  const files: Record<string, FileEntry> = {};
  for (const r of reports) {
    for (const [file, entry] of Object.entries(r.files)) {
      const mutants = new Map<string, ReportMutant>();
      const earlier = files[file];
      // Identities are positions in the newest source, so the earlier results move there first.
      for (const m of earlier?.mutants ?? []) {
        const moved = relocate(m, earlier.source, entry.source);
        if (moved) mutants.set(identity(moved), moved);
      }
      for (const m of entry.mutants) mutants.set(identity(m), m);
      files[file] = { source: entry.source, mutants: [...mutants.values()] };
    }
  }
  return { files };
}

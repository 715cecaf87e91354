/**
 * A fixed sample of a folder's lines for `npm run mutation -- <folder> --sample=<fraction>`: for a
 * folder whose every mutant takes too long to test on these machines (components/ runs a whole
 * program under mocks per mutant), the score of the mutants on a sample of its lines estimates
 * the folder's score. A line is in the sample when the hash of "file:line" falls below the
 * fraction, so the same lines are picked every run (an incremental re-run re-tests only what
 * changed) and a line does not leave the sample because another file changed.
 */
import { createHash } from "crypto";

/** Whether line `line` (1-based) of `file` is in the sample of `fraction` (0 < fraction ≤ 1). */
export function sampled(file: string, line: number, fraction: number): boolean {
  const h = createHash("sha1").update(`${file}:${line}`).digest().readUInt32BE(0);
  return h / 2 ** 32 < fraction;
}

/**
 * Stryker mutate ranges ("file:first-last", whole lines, 1-based) covering the sampled lines of
 * each file, runs of consecutive sampled lines joined. Blank and comment-only lines are never
 * picked: they hold no mutant and would only shrink the sample.
 */
export function sampleRanges(files: readonly { readonly file: string; readonly text: string }[], fraction: number): string[] {
  if (!(fraction > 0 && fraction <= 1)) throw new Error(`--sample must be a fraction in (0, 1], got ${fraction}`);
  const ranges: string[] = [];
  for (const { file, text } of files) {
    const lines = text.split("\n");
    let start: number | undefined;
    for (let n = 1; n <= lines.length + 1; n++) {
      const code = n <= lines.length && !/^\s*(\/\/.*|\/?\*.*|\*\/)?$/.test(lines[n - 1]);
      const picked = code && sampled(file, n, fraction);
      if (picked && start === undefined) start = n;
      if (!picked && start !== undefined) {
        ranges.push(`${file}:${start}-${n - 1}`);
        start = undefined;
      }
    }
  }
  return ranges;
}

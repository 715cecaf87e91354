/**
 * npm run mutation [-- <folder>...] [--check] [--<stryker flag>=<value>...]: StrykerJS over the folders of
 * stryker.config.json (or the ones named), incrementally, then the score per folder and the
 * surviving mutants (scripts/mutationReport.ts). A benchmark of the tests, not part of npm test.
 *
 *   npm run mutation                      every folder; reuses reports/mutation/stryker-incremental.json
 *   npm run mutation -- rules bridge/src  only those folders, with their own incremental file
 *   npm run mutation -- bridge/src/html.ts  only that file (a .ts argument is a file, not a folder)
 *   npm run mutation -- bridge/src/server.ts:200-210  only those lines of it
 *   npm run mutation -- --check           exit 1 when a target is missed or a survivor is unexplained
 *   npm run mutation -- components --sample=0.2   the mutants on a fixed 20% of its lines (scripts/mutationSample.ts)
 *   npm run mutation -- --survivors [<file.ts>[:<lines>]...]  only the lines of the earlier runs' unexplained
 *                                         survivors (scripts/mutationSurvivors.ts), and the code named
 */
import { spawnSync } from "child_process";
import { createHash } from "crypto";
import * as fs from "fs";
import * as path from "path";
import { sampleRanges } from "./mutationSample";
import { survivorRangesOfRuns } from "./mutationSurvivors";

const root = path.resolve(__dirname, "..");
const argv = process.argv.slice(2);
const check = argv.includes("--check");
const folders = argv.filter((a) => !a.startsWith("--")).map((f) => f.replace(/\/+$/, ""));
const sampleArg = argv.find((a) => a.startsWith("--sample="));
const sample = sampleArg === undefined ? undefined : Number(sampleArg.slice("--sample=".length));
const survivors = argv.includes("--survivors");
const strykerArgs = argv.filter((a) => a.startsWith("--") && a !== "--check" && a !== sampleArg && a !== "--survivors");
if (sample !== undefined && !folders.length) {
  process.stderr.write("--sample needs the folders or files to sample, e.g. npm run mutation -- components --sample=0.2\n");
  process.exit(2);
}
if (sample !== undefined && folders.some((f) => /:\d/.test(f))) {
  process.stderr.write("--sample takes folders or files, not line ranges\n");
  process.exit(2);
}
if (survivors && (sample !== undefined || folders.some((f) => !isFileOrLines(f)))) {
  process.stderr.write("--survivors takes no folders or --sample, only files or lines to test as well (code written since the runs)\n");
  process.exit(2);
}

/** A file, or lines of one in Stryker's form (file.ts:12-20), rather than a folder. */
function isFileOrLines(target: string): boolean {
  return /\.ts(:\d+(-\d+)?)?$/.test(target);
}

/** The .ts files under a folder (or the file itself), relative to the root, in a stable order. */
function tsFiles(target: string): string[] {
  const abs = path.join(root, target);
  if (!fs.statSync(abs).isDirectory()) return [target];
  return fs
    .readdirSync(abs, { withFileTypes: true })
    .flatMap((e) => (e.isDirectory() ? tsFiles(`${target}/${e.name}`) : e.name.endsWith(".ts") ? [`${target}/${e.name}`] : []))
    .sort();
}

/**
 * The Stryker config of a partial run: the committed one with its own mutate list, and its own
 * incremental file and reports under `dir`, so it never drops another run's.
 */
function partialRunConfig(dir: string, mutate: readonly string[]): { configFile: string; report: string } {
  const base = JSON.parse(fs.readFileSync(path.join(root, "stryker.config.json"), "utf8")) as Record<string, unknown>;
  delete base.$schema;
  fs.mkdirSync(path.join(root, dir), { recursive: true });
  const configFile = path.join(root, dir, "stryker.config.json");
  const derived = {
    ...base,
    mutate,
    incrementalFile: `${dir}/stryker-incremental.json`,
    jsonReporter: { fileName: `${dir}/mutation.json` },
    htmlReporter: { fileName: `${dir}/mutation.html` },
  };
  fs.writeFileSync(configFile, `${JSON.stringify(derived, null, 2)}\n`);
  return { configFile, report: path.join(root, dir, "mutation.json") };
}

let target = { configFile: path.join(root, "stryker.config.json"), report: path.join(root, "reports/mutation/mutation.json") };
/** With --survivors, the earlier runs the table after the run merges with this one. */
let earlierReports: string[] = [];
if (survivors) {
  const found = survivorRangesOfRuns(root, path.join(root, "reports/mutation"));
  for (const g of found.gone) process.stdout.write(`not re-tested, its code is gone: ${g}\n`);
  // Files or lines named with --survivors are tested as well: code written since the earlier runs.
  found.ranges.push(...folders);
  if (!found.ranges.length) {
    process.stdout.write(
      found.reports.length
        ? "no unexplained survivor in the earlier runs: nothing to re-test\n"
        : "no earlier run under reports/mutation: run npm run mutation first\n",
    );
    process.exit(found.reports.length ? 0 : 2);
  }
  process.stdout.write(`re-testing the lines of ${found.ranges.length} survivor ranges from ${found.reports.length} earlier reports\n`);
  const dir = "reports/mutation/survivors";
  target = partialRunConfig(dir, found.ranges);
  earlierReports = found.reports.filter((f) => !f.startsWith(path.join(root, dir) + path.sep));
} else if (folders.length) {
  const named = folders.map((f) => f.replace(/[^\w]+/g, "-")).join("+") + (sample !== undefined ? `+sample-${sample}` : "");
  // Many files make a name longer than a file name may be: keep its start and a hash of the whole.
  const slug = named.length <= 100 ? named : `${named.slice(0, 80)}-${createHash("sha1").update(named).digest("hex").slice(0, 12)}`;
  const mutate =
    sample !== undefined
      ? sampleRanges(
          folders.flatMap(tsFiles).map((file) => ({ file, text: fs.readFileSync(path.join(root, file), "utf8") })),
          sample,
        )
      : folders.map((f) => (isFileOrLines(f) ? f : `${f}/**/*.ts`));
  target = partialRunConfig(`reports/mutation/${slug}`, mutate);
}
const started = Date.now();
const run = spawnSync(path.join(root, "node_modules/.bin/stryker"), ["run", target.configFile, ...strykerArgs], {
  cwd: root,
  stdio: "inherit",
});
process.stdout.write(`\nStryker took ${Math.round((Date.now() - started) / 1000)} s\n\n`);
if (run.status !== 0) process.exit(run.status ?? 1);
const summary = spawnSync(
  process.execPath,
  [
    require.resolve("ts-node/dist/bin"),
    "--transpile-only",
    path.join(__dirname, "mutationReport.ts"),
    ...earlierReports,
    target.report,
    ...(check ? ["--check"] : []),
  ],
  { cwd: root, stdio: "inherit" },
);
process.exit(summary.status ?? 1);

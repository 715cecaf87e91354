import * as fs from "fs";
import * as path from "path";
import * as yaml from "js-yaml";
import { ROOT, committedStacks } from "./support/stackFiles";

/** The workflow cannot run here; these checks keep it honest about what it calls. */
const wf = yaml.load(fs.readFileSync(path.join(ROOT, ".github/workflows/pull-request.yml"), "utf8")) as any;
const pkg = JSON.parse(fs.readFileSync(path.join(ROOT, "package.json"), "utf8"));
const steps = (job: string) => wf.jobs[job].steps as { uses?: string; run?: string; with?: Record<string, unknown> }[];

it("runs on pull requests with the three jobs", () => {
  expect(Object.keys(wf.on)).toEqual(["pull_request"]);
  expect(Object.keys(wf.jobs)).toEqual(["test", "rendered-diff", "preview"]);
});

it("the test job runs .ci/run, which ends with the README's test command", () => {
  expect(steps("test").map((s) => s.run).filter(Boolean)).toEqual(["sudo bash .ci/run"]);
  const ciRun = fs.readFileSync(path.join(ROOT, ".ci/run"), "utf8");
  const readme = fs.readFileSync(path.join(ROOT, "README.md"), "utf8");
  const testCommand = /^(npm ci && npm test)\s+#/m.exec(readme)?.[1];
  expect(testCommand).toBe("npm ci && npm test");
  expect(ciRun.trim().split("\n").pop()).toBe(testCommand);
});

it("renders every committed stack with the obs script that exists", () => {
  const run = steps("rendered-diff").map((s) => s.run ?? "").join("\n");
  expect(pkg.scripts.obs).toBeDefined();
  expect(run).toContain("npm run -s obs -- render --stack");
  expect(run).toMatch(new RegExp(`for stack in ${committedStacks().join(" ")};`));
});

it("previews every committed stack with the official Pulumi action", () => {
  const preview = steps("preview").find((s) => s.uses?.startsWith("pulumi/actions@"))!;
  expect(preview.with).toEqual(expect.objectContaining({ command: "preview", "comment-on-pr": true }));
  expect(wf.jobs.preview.strategy.matrix.stack).toEqual(committedStacks());
});

it("uses Node 22 like package.json", () => {
  expect(pkg.engines.node).toBe(">=22");
  for (const job of ["rendered-diff", "preview"]) expect(steps(job).find((s) => s.uses?.startsWith("actions/setup-node"))!.with!["node-version"]).toBe(22);
});

import * as fs from "fs";
import * as path from "path";
import * as yaml from "js-yaml";
import { HELP } from "../cli/main";
import { readStackFile } from "../config/stackFile";
import { requiredGo } from "../scripts/tools";
import { docSection } from "./support/docs";
import { ROOT, committedStacks, PROJECT } from "./support/stackFiles";

/** The workflows cannot run here; these checks keep them honest about what they call. */
type Step = { name?: string; uses?: string; run?: string; with?: Record<string, unknown>; env?: Record<string, string> };
const load = (file: string) => ({
  text: fs.readFileSync(path.join(ROOT, file), "utf8"),
  doc: yaml.load(fs.readFileSync(path.join(ROOT, file), "utf8")) as any,
});
const pr = load(".github/workflows/pull-request.yml");
const deploy = load(".github/workflows/deploy-staging.yml");
const pkg = JSON.parse(fs.readFileSync(path.join(ROOT, "package.json"), "utf8"));
const steps = (wf: { doc: any }, job: string) => wf.doc.jobs[job].steps as Step[];
const pulumiSteps = (wf: { doc: any }, job: string) => steps(wf, job).filter((s) => s.uses?.startsWith("pulumi/actions@"));
const indexOf = (all: Step[], match: (s: Step) => boolean) => all.findIndex(match);
const SSH_ACTION = "./.github/actions/docker-host-ssh";

describe("pull-request workflow", () => {
  it("runs on pull requests with the three jobs", () => {
    expect(Object.keys(pr.doc.on)).toEqual(["pull_request"]);
    expect(Object.keys(pr.doc.jobs)).toEqual(["test", "rendered-diff", "preview"]);
  });

  it("the test job builds the pinned tools with npm run tools, then runs .ci/run, which ends with the README's test command", () => {
    const runs = steps(pr, "test").map((s) => s.run ?? "");
    const tools = runs.findIndex((r) => /^npm run tools$/m.test(r));
    const ci = runs.findIndex((r) => r.endsWith("bash .ci/run"));
    expect(tools).toBeGreaterThanOrEqual(0);
    expect(ci).toBeGreaterThan(tools);
    expect(pkg.scripts.tools).toBeDefined();
    const ciRun = fs.readFileSync(path.join(ROOT, ".ci/run"), "utf8");
    const readme = fs.readFileSync(path.join(ROOT, "README.md"), "utf8");
    const testCommand = /^(npm ci && .*npm test)\s+#/m.exec(readme)?.[1];
    expect(testCommand).toContain("npm run tools");
    expect(ciRun.trim().split("\n").pop()).toBe(testCommand);
  });

  it("runs .ci/run as root with the job's Go on the PATH and the tools it built", () => {
    const ci = steps(pr, "test").find((s) => (s.run ?? "").endsWith("bash .ci/run"))!.run!;
    const cache = steps(pr, "test").find((s) => s.uses?.startsWith("actions/cache@"))!.with!.path as string;
    expect(ci).toMatch(/^sudo env "PATH=\$PATH" /);
    expect(ci).toContain(`"TUTORDEX_TOOLS_CACHE=${cache.replace("~", "$HOME")}"`);
    expect(fs.readFileSync(path.join(ROOT, "scripts/tools.ts"), "utf8")).toContain("process.env.TUTORDEX_TOOLS_CACHE");
  });

  it("installs the Go toolchain the pinned modules need", () => {
    const go = steps(pr, "test").find((s) => s.uses?.startsWith("actions/setup-go@"))!;
    const file = String(go.with!["go-version-file"]);
    expect(/^go (\S+)$/m.exec(fs.readFileSync(path.join(ROOT, file), "utf8"))?.[1]).toBe(requiredGo());
  });

  it("renders every committed stack with the obs script that exists", () => {
    const run = steps(pr, "rendered-diff")
      .map((s) => s.run ?? "")
      .join("\n");
    expect(pkg.scripts.obs).toBeDefined();
    expect(run).toContain("npm run -s obs -- render --stack");
    expect(run).toMatch(new RegExp(`for stack in ${committedStacks().join(" ")};`));
  });

  it("previews every committed stack with the official Pulumi action and the policy pack", () => {
    const [preview] = pulumiSteps(pr, "preview");
    expect(preview.with).toEqual(
      expect.objectContaining({ command: "preview", "stack-name": "${{ matrix.stack }}", policyPacks: "policy", "comment-on-pr": true }),
    );
    expect(preview.env).toEqual(expect.objectContaining({ PULUMI_ACCESS_TOKEN: "${{ secrets.PULUMI_ACCESS_TOKEN }}" }));
    expect(pr.doc.jobs.preview.strategy.matrix.stack).toEqual(committedStacks());
    for (const f of ["PulumiPolicy.yaml", "index.ts", "package.json"]) expect(fs.existsSync(path.join(ROOT, "policy", f))).toBe(true);
  });

  it("uses the Node major package.json asks for", () => {
    const major = Number(/^>=(\d+)$/.exec(pkg.engines.node)![1]);
    expect(major).toBe(24);
    for (const job of ["test", "rendered-diff", "preview"])
      expect(steps(pr, job).find((s) => s.uses?.startsWith("actions/setup-node"))!.with!["node-version"]).toBe(major);
    expect(steps(deploy, "deploy").find((s) => s.uses?.startsWith("actions/setup-node"))!.with!["node-version"]).toBe(major);
  });
});

describe("the DOCKER_HOST secret really decides the engine", () => {
  it.each(committedStacks())("stack %s sets no dockerHost, so the provider honours DOCKER_HOST", (stack) => {
    expect(Object.keys(readStackFile(ROOT, stack))).not.toContain(`${PROJECT}:dockerHost`);
  });

  it.each([
    ["pull-request", pr, "preview"],
    ["deploy-staging", deploy, "deploy"],
  ] as const)("%s sets DOCKER_HOST from the secret for the whole job, says why, and sets up SSH to it", (_, wf, job) => {
    expect(wf.doc.jobs[job].env.DOCKER_HOST).toBe("${{ secrets.DOCKER_HOST }}");
    expect(wf.text).toMatch(/set(s)? no dockerHost[\s\S]{0,120}DOCKER_HOST/);
    const ssh = steps(wf, job).find((s) => s.uses === SSH_ACTION)!;
    expect(ssh.with).toEqual({
      "docker-host": "${{ secrets.DOCKER_HOST }}",
      "ssh-key": "${{ secrets.DOCKER_SSH_KEY }}",
      "known-hosts": "${{ secrets.DOCKER_SSH_KNOWN_HOSTS }}",
    });
    expect(indexOf(steps(wf, job), (s) => s.uses === SSH_ACTION)).toBeLessThan(
      indexOf(steps(wf, job), (s) => !!s.uses?.startsWith("pulumi/actions@")),
    );
  });

  it("the SSH action takes exactly the inputs the workflows give it", () => {
    const action = yaml.load(fs.readFileSync(path.join(ROOT, SSH_ACTION, "action.yml"), "utf8")) as {
      inputs: Record<string, unknown>;
      runs: { using: string };
    };
    expect(action.runs.using).toBe("composite");
    expect(Object.keys(action.inputs).sort()).toEqual(["docker-host", "known-hosts", "ssh-key"]);
  });
});

describe("deploy-staging workflow", () => {
  const all = () => steps(deploy, "deploy");

  it("runs on pushes to main, one deploy at a time, for a stack that exists", () => {
    expect(deploy.doc.on).toEqual({ push: { branches: ["main"] } });
    expect(deploy.doc.concurrency).toEqual({ group: "deploy-staging", "cancel-in-progress": false });
    expect(committedStacks()).toContain("staging");
  });

  it("runs preflight, then pulumi up --stack staging with the policy pack, then a preview that fails on any change", () => {
    const preflight = indexOf(all(), (s) => s.run === "npm run -s obs -- preflight --stack staging");
    const [up, again] = pulumiSteps(deploy, "deploy");
    expect(up.with).toEqual({ command: "up", "stack-name": "staging", policyPacks: "policy" });
    expect(again.with).toEqual({ command: "preview", "stack-name": "staging", "expect-no-changes": true });
    expect(preflight).toBeGreaterThanOrEqual(0);
    expect(preflight).toBeLessThan(all().indexOf(up));
    expect(all().indexOf(up)).toBeLessThan(all().indexOf(again));
    expect(HELP).toMatch(/^ {2}preflight +\S/m);
  });

  it("opens the Grafana API tunnel preflight names before preflight and up", () => {
    const tunnel = indexOf(all(), (s) => (s.run ?? "").includes("jq -r '.grafanaTunnel // empty'"));
    expect(tunnel).toBeGreaterThanOrEqual(0);
    expect(all()[tunnel].run).toContain('ssh -f -N -o ExitOnForwardFailure=yes -L "$tunnel" "$DOCKER_HOST"');
    expect(tunnel).toBeLessThan(indexOf(all(), (s) => s.run === "npm run -s obs -- preflight --stack staging"));
  });

  it("uses the Pulumi token from a secret", () => {
    expect(deploy.doc.jobs.deploy.env.PULUMI_ACCESS_TOKEN).toBe("${{ secrets.PULUMI_ACCESS_TOKEN }}");
  });
});

it("every secret the workflows use is named in the Pull requests section of docs/operating.md", () => {
  const section = docSection("docs/operating.md", "Pull requests");
  const used = new Set(
    [...`${pr.text}\n${deploy.text}`.matchAll(/secrets\.([A-Z_]+)/g)].map((m) => m[1]).filter((s) => s !== "GITHUB_TOKEN"),
  );
  expect([...used].sort()).toEqual(["DOCKER_HOST", "DOCKER_SSH_KEY", "DOCKER_SSH_KNOWN_HOSTS", "PULUMI_ACCESS_TOKEN"]);
  for (const secret of used) expect({ secret, documented: section.includes(`\`${secret}\``) }).toEqual({ secret, documented: true });
});

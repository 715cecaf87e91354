import { spawnSync } from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { MissingToolError, toolPath } from "../../cli/builtTools";
import { check } from "../../cli/check";
import { main } from "../../cli/main";
import { ENGINE_RELEASES, RELEASES } from "../../config/versions";
import { capture } from "../support/io";
import { stackConfigFromFile } from "../../config/stackFile";
import { renderStackFiles } from "../../generators/stackFiles";
import { freePort } from "../../harness/ports";
import { committedStacks, ROOT } from "../../harness/stackFiles";

const tmp = () => fs.mkdtempSync(path.join(os.tmpdir(), "obs-cli-"));

/** A project folder holding copies of some committed stack files (and nothing else). */
function rootWith(...stacks: string[]): string {
  const root = tmp();
  for (const s of stacks) fs.copyFileSync(path.join(ROOT, `Pulumi.${s}.yaml`), path.join(root, `Pulumi.${s}.yaml`));
  return root;
}

const COMMANDS = ["render", "check", "preflight", "doctor", "reload", "versions"];

describe("obs", () => {
  it("prints help and exits 0 with --help, 2 without a command", async () => {
    const io = capture();
    expect(await main(["--help"], io, ROOT)).toBe(0);
    expect(io.text()).toContain("render     write every generated file");
    expect(await main([], capture(), ROOT)).toBe(2);
  });
  it.each(COMMANDS)("%s --help describes the command, and the overview lists it", async (cmd) => {
    const io = capture();
    expect(await main([cmd, "--help"], io, ROOT)).toBe(0);
    expect(io.text()).toContain(`usage: obs ${cmd}`);
    const overview = capture();
    await main(["--help"], overview, ROOT);
    expect(overview.text()).toMatch(new RegExp(`^  ${cmd} +\\S`, "m"));
  });
  it.each(COMMANDS)("%s rejects an unknown flag with exit 2", async (cmd) => {
    const io = capture();
    expect(await main([cmd, "--no-such-flag"], io, ROOT)).toBe(2);
    expect(io.text()).toContain("--no-such-flag");
  });
  it("rejects an unknown command and an unknown flag with exit 2", async () => {
    const io = capture();
    expect(await main(["deploy"], io, ROOT)).toBe(2);
    expect(io.text()).toContain('unknown command "deploy"');
    const io2 = capture();
    expect(await main(["render", "--stack", "dev", "--outt", "x"], io2, ROOT)).toBe(2);
    expect(io2.text()).toContain("--outt");
  });
  it("the real entry point runs", () => {
    const r = spawnSync(path.join(ROOT, "node_modules/.bin/ts-node"), ["--transpile-only", "cli/main.ts", "--help"], {
      cwd: ROOT,
      encoding: "utf8",
      timeout: 60_000,
    });
    expect(r.status).toBe(0);
    expect(r.stdout).toContain("usage: obs <command>");
  });
});

describe("obs render", () => {
  it("writes every generated file exactly as the generators produce it", async () => {
    const out = tmp();
    const io = capture();
    expect(await main(["render", "--stack", "prod", "--out", out], io, ROOT)).toBe(0);
    const expected = renderStackFiles(stackConfigFromFile(ROOT, "prod"));
    expect(Object.keys(expected).length).toBe(20);
    for (const [rel, text] of Object.entries(expected)) expect(fs.readFileSync(path.join(out, rel), "utf8")).toBe(text);
    expect(io.text()).toContain("rendered 20 files for stack prod");
    fs.rmSync(out, { recursive: true, force: true });
  });
  it("needs no secrets, even for prod", () => {
    expect(() => stackConfigFromFile(ROOT, "prod")).not.toThrow();
  });
  it("names the stacks there are when the stack is unknown", async () => {
    const io = capture();
    expect(await main(["render", "--stack", "qa"], io, ROOT)).toBe(2);
    expect(io.text()).toContain(`unknown stack "qa": no Pulumi.qa.yaml (stacks here: ${committedStacks().join(", ")})`);
  });
  it("reports a bad configuration with the key and value", async () => {
    const root = tmp();
    fs.writeFileSync(
      path.join(root, "Pulumi.bad.yaml"),
      "config:\n  tutordex-observability:environment: dev\n  tutordex-observability:runbookBaseUrl: https://x.test\n  tutordex-observability:bindAddress: everywhere\n",
    );
    const io = capture();
    expect(await main(["render", "--stack", "bad"], io, root)).toBe(2);
    expect(io.text()).toContain('bindAddress: expected an IPv4 address such as 127.0.0.1, got "everywhere"');
    fs.rmSync(root, { recursive: true, force: true });
  });
  it("requires --stack", async () => {
    const io = capture();
    expect(await main(["render"], io, ROOT)).toBe(2);
    expect(io.text()).toContain("render needs --stack <name>");
  });
});

describe("obs check", () => {
  // Two stacks that share a host without colliding, so the tools' verdict is what is tested here
  // (collisions between the committed stacks are test/config/collisions.test.ts's).
  let root: string;
  beforeAll(() => (root = rootWith("prod", "staging")));
  afterAll(() => fs.rmSync(root, { recursive: true, force: true }));

  const rendered = async (stack = "staging") => {
    const out = tmp();
    expect(await main(["render", "--stack", stack, "--out", out], capture(), root)).toBe(0);
    return out;
  };

  it("passes a rendered stack with the pinned promtool, amtool, blackbox_exporter and otelcol, and no collisions", async () => {
    const io = capture();
    expect(await main(["check", "--stack", "staging"], io, root)).toBe(0);
    const text = io.text();
    // Checking the config loads the relative rule files it names, so the rules are checked there too.
    expect(text).toMatch(
      /promtool check config\s+ok\s+2 rule files found; prometheus\/prometheus.yml is valid prometheus config file syntax; \d+ rules found; \d+ rules found/,
    );
    expect(text).toMatch(/promtool check rules\s+ok/);
    expect(text).toMatch(/amtool check-config\s+ok/);
    expect(text).toMatch(/blackbox_exporter --config.check\s+ok\s+Config file is ok/);
    expect(text).toMatch(/otelcol validate\s+ok/);
    expect(text).toMatch(/grafana json\s+ok\s+11 files parse/);
    expect(text).toMatch(/stack collisions\s+ok\s+2 committed stacks \(prod, staging\)/);
  });

  it("runs the programs npm run tools built, never the ones on the PATH", async () => {
    const fake = tmp();
    for (const tool of ["promtool", "amtool", "blackbox_exporter", "otelcol"])
      fs.writeFileSync(path.join(fake, tool), "#!/bin/sh\necho 'FAKE on the PATH' >&2\nexit 3\n", { mode: 0o755 });
    const saved = process.env.PATH;
    process.env.PATH = `${fake}:${saved}`;
    try {
      const io = capture();
      expect(await main(["check", "--stack", "staging"], io, root)).toBe(0);
      expect(io.text()).not.toContain("FAKE");
    } finally {
      process.env.PATH = saved;
      fs.rmSync(fake, { recursive: true, force: true });
    }
  });

  it("fails with the npm run tools hint when a program is not built", async () => {
    const locate = (tool: string) => {
      if (tool === "otelcol")
        throw new MissingToolError(`otelcol (otelCollector ${RELEASES.otelCollector.version}) is not built: run npm run tools`);
      return toolPath(tool);
    };
    const io = capture();
    expect(check(["--stack", "staging"], root, io, locate)).toBe(1);
    expect(io.text()).toMatch(/otelcol validate\s+FAILED\s+otelcol \(otelCollector [\d.]+\) is not built: run npm run tools/);
    expect(io.text()).toMatch(/promtool check config\s+ok/);
  });

  it.each([
    ["alertmanager/alertmanager.yml", "route:\n  receiver: nobody\n", /amtool check-config\s+FAILED/],
    [
      "blackbox/blackbox.yml",
      "modules:\n  http_2xx:\n    prober: http\n    no_such_field: 1\n",
      /blackbox_exporter --config.check\s+FAILED.*field no_such_field not found/,
    ],
    ["otel-collector/otel-collector.yml", "receivers:\n  nosuchreceiver: {}\n", /otelcol validate\s+FAILED/],
    [
      "prometheus/rules/alert_rules.yml",
      "groups:\n  - name: x\n    rules:\n      - alert: Broken\n        expr: rate(\n",
      /promtool check config\s+FAILED[\s\S]*promtool check rules\s+FAILED/,
    ],
    ["grafana/dashboards/tutordex-home.json", "{ not json", /grafana json\s+FAILED\s+not JSON: grafana\/dashboards\/tutordex-home.json/],
  ])("fails a folder whose %s is broken", async (rel, text, verdict) => {
    const out = await rendered();
    fs.writeFileSync(path.join(out, rel), text);
    const io = capture();
    expect(await main(["check", "--dir", out], io, root)).toBe(1);
    expect(io.text()).toMatch(verdict);
    fs.rmSync(out, { recursive: true, force: true });
  });

  it("says which optional files a render leaves out when their service is switched off", async () => {
    const off = tmp();
    const prod = fs
      .readFileSync(path.join(ROOT, "Pulumi.prod.yaml"), "utf8")
      .replace("config:\n", "config:\n  tutordex-observability:services:\n    otelCollector: false\n    tempo: false\n");
    fs.writeFileSync(path.join(off, "Pulumi.prod.yaml"), prod);
    const io = capture();
    expect(await main(["check", "--stack", "prod"], io, off)).toBe(0);
    expect(io.text()).toMatch(
      /otelcol validate\s+ok\s+no otel-collector\/otel-collector.yml: the OTEL Collector is switched off in this render/,
    );
    fs.rmSync(off, { recursive: true, force: true });
  });

  it("refuses committed stacks that collide, naming both and the value", async () => {
    const clash = rootWith("prod");
    fs.copyFileSync(path.join(ROOT, "Pulumi.prod.yaml"), path.join(clash, "Pulumi.prod2.yaml"));
    const io = capture();
    expect(await main(["check", "--stack", "prod"], io, clash)).toBe(1);
    expect(io.text()).toMatch(/stack collisions\s+FAILED\s+stacks prod and prod2 share the Grafana API URL http:\/\/127.0.0.1:3300/);
    expect(io.text()).toContain(
      "stacks prod and prod2 both publish host ports 9090 (prod: hostPorts.prometheus, prod2: hostPorts.prometheus)",
    );
    expect(io.text()).toContain("stacks prod (environment prod) and prod2 (environment prod) both watch compose project tutordex-prod");
    fs.rmSync(clash, { recursive: true, force: true });
  });

  it("refuses a folder that is not a render, ambiguous flags, and a committed stack file that does not parse", async () => {
    const io = capture();
    expect(await main(["check", "--dir", os.tmpdir()], io, root)).toBe(2);
    expect(io.text()).toContain("is not a rendered folder");
    expect(await main(["check", "--dir", "x", "--stack", "dev"], capture(), root)).toBe(2);
    const bad = rootWith("staging");
    fs.writeFileSync(
      path.join(bad, "Pulumi.broken.yaml"),
      "config:\n  tutordex-observability:environment: qa\n  tutordex-observability:runbookBaseUrl: https://x.test\n",
    );
    const io2 = capture();
    expect(await main(["check", "--stack", "staging"], io2, bad)).toBe(2);
    expect(io2.text()).toContain("Pulumi.broken.yaml: invalid stack configuration");
    expect(io2.text()).toContain('environment: expected one of dev, staging, prod, got "qa"');
    fs.rmSync(bad, { recursive: true, force: true });
  });
});

describe("obs versions", () => {
  it("prints one line per service with the version the tests ran, and exits 0 when all agree", async () => {
    const io = capture();
    expect(await main(["versions"], io, ROOT)).toBe(0);
    const lines = io.text().split("\n");
    expect(lines[0]).toMatch(/^SERVICE\s+IMAGE\s+LINE\s+TESTED$/);
    expect(lines.length).toBe(1 + Object.keys(RELEASES).length + Object.keys(ENGINE_RELEASES).length);
    expect(io.text()).toMatch(
      new RegExp(
        `^engine:docker\\s+github.com/moby/moby/v2@${ENGINE_RELEASES.docker.moduleVersion}\\s+${ENGINE_RELEASES.docker.version}$`,
        "m",
      ),
    );
    const { version, tag, line } = RELEASES.prometheus;
    expect(lines).toContainEqual(expect.stringMatching(new RegExp(`^prometheus\\s+prom/prometheus:${tag}\\s+${line}\\s+${version}$`)));
    expect(io.text()).toMatch(/^alertmanager\s+prom\/alertmanager:\S+\s+\d+\.\d+\.\d+$/m);
    expect(io.text()).toMatch(/^grafana\s+grafana\/grafana:\S+\s+.*\s+not run here: Grafana is AGPL-3.0/m);
  });
  it("--json is an array of {service, image, line, tested, reason}", async () => {
    const io = capture();
    expect(await main(["versions", "--json"], io, ROOT)).toBe(0);
    const rows = JSON.parse(io.text()) as Record<string, unknown>[];
    expect(rows.map((r) => Object.keys(r))).toEqual(rows.map(() => ["service", "image", "line", "tested", "reason"]));
    expect(rows.find((r) => r.service === "telegramBridge")).toEqual({
      service: "telegramBridge",
      image: expect.stringMatching(/^node:/),
      line: RELEASES.telegramBridge.line,
      tested: process.version.slice(1),
      reason: null,
    });
  });
  it("takes no arguments", async () => {
    const io = capture();
    expect(await main(["versions", "prod"], io, ROOT)).toBe(2);
    expect(io.text()).toContain("obs versions:");
  });
});

describe("obs preflight without an engine", () => {
  it("needs --stack, a known stack and a sane timeout", async () => {
    const io = capture();
    expect(await main(["preflight"], io, ROOT)).toBe(2);
    expect(io.text()).toContain("preflight needs --stack <name>");
    const io2 = capture();
    expect(await main(["preflight", "--stack", "qa"], io2, ROOT)).toBe(2);
    expect(io2.text()).toContain('unknown stack "qa"');
    const io3 = capture();
    expect(await main(["preflight", "--stack", "prod", "--timeout", "soon"], io3, ROOT)).toBe(2);
    expect(io3.text()).toContain('--timeout expects milliseconds, got "soon"');
  });
  it("reports an engine that does not answer, and shows every other check as not checked", async () => {
    const root = tmp();
    fs.writeFileSync(
      path.join(root, "Pulumi.x.yaml"),
      `config:\n  tutordex-observability:environment: staging\n  tutordex-observability:runbookBaseUrl: https://x.test\n  tutordex-observability:dockerHost: unix://${root}/no.sock\n`,
    );
    const io = capture();
    expect(await main(["preflight", "--stack", "x", "--json", "--timeout", "3000"], io, root)).toBe(1);
    const out = JSON.parse(io.text());
    expect(out.ok).toBe(false);
    expect(out.findings[0]).toEqual({
      check: "engine",
      ok: false,
      detail: expect.stringContaining(`unix://${root}/no.sock (stack dockerHost) does not answer: connect ENOENT`),
    });
    expect(out.findings.slice(1).map((f: { detail: string }) => f.detail)).toEqual(
      Array(5).fill("not checked: the engine does not answer"),
    );
    fs.rmSync(root, { recursive: true, force: true });
  });
});

describe("obs doctor and reload against nothing", () => {
  it("doctor reports unreachable services and exits 1, as a table or JSON", async () => {
    const port = await freePort();
    const io = capture();
    expect(
      await main(
        ["doctor", "--prometheus", `http://127.0.0.1:${port}`, "--alertmanager", `http://127.0.0.1:${port}`, "--timeout", "2000"],
        io,
        ROOT,
      ),
    ).toBe(1);
    expect(io.text()).toMatch(/prometheus ready\s+FAIL\s+http:\/\/127.0.0.1:\d+\/-\/ready unreachable \(ECONNREFUSED\)/);
    expect(io.text()).toMatch(/alertmanager ready\s+FAIL/);
    const json = capture();
    expect(await main(["doctor", "--loki", `http://127.0.0.1:${port}`, "--json"], json, ROOT)).toBe(1);
    expect(JSON.parse(json.text())).toEqual({ ok: false, findings: [expect.objectContaining({ check: "loki ready", ok: false })] });
  });
  it("doctor needs something to check and a sane timeout", async () => {
    expect(await main(["doctor"], capture(), ROOT)).toBe(2);
    const io = capture();
    expect(await main(["doctor", "--stack", "dev", "--timeout", "soon"], io, ROOT)).toBe(2);
    expect(io.text()).toContain('--timeout expects milliseconds, got "soon"');
  });
  it("reload reports an unreachable service and exits 1", async () => {
    const port = await freePort();
    const io = capture();
    expect(await main(["reload", "--prometheus", `http://127.0.0.1:${port}`], io, ROOT)).toBe(1);
    expect(io.text()).toBe(`prometheus: not reloaded: http://127.0.0.1:${port} unreachable (ECONNREFUSED)`);
    expect(await main(["reload"], capture(), ROOT)).toBe(2);
  });
});

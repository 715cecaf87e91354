import { spawnSync } from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { main } from "../../cli/main";
import { capture } from "../support/io";
import { stackConfigFromFile } from "../../config/stackFile";
import { renderStackFiles } from "../../generators/stackFiles";
import { freePort } from "../support/ports";
import { ROOT } from "../support/stackFiles";

const tmp = () => fs.mkdtempSync(path.join(os.tmpdir(), "obs-cli-"));

describe("obs", () => {
  it("prints help and exits 0 with --help, 2 without a command", async () => {
    const io = capture();
    expect(await main(["--help"], io, ROOT)).toBe(0);
    expect(io.text()).toContain("render   write every generated file");
    expect(await main([], capture(), ROOT)).toBe(2);
  });
  it.each(["render", "check", "doctor", "reload"])("%s --help describes the command", async (cmd) => {
    const io = capture();
    expect(await main([cmd, "--help"], io, ROOT)).toBe(0);
    expect(io.text()).toContain(`usage: obs ${cmd}`);
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
    const r = spawnSync(path.join(ROOT, "node_modules/.bin/ts-node"), ["--transpile-only", "cli/main.ts", "--help"], { cwd: ROOT, encoding: "utf8", timeout: 60_000 });
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
    expect(io.text()).toContain('unknown stack "qa": no Pulumi.qa.yaml (stacks here: dev, prod)');
  });
  it("reports a bad configuration with the key and value", async () => {
    const root = tmp();
    fs.writeFileSync(path.join(root, "Pulumi.bad.yaml"), "config:\n  tutordex-observability:environment: dev\n  tutordex-observability:runbookBaseUrl: https://x.test\n  tutordex-observability:bindAddress: everywhere\n");
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
  it("passes a rendered stack with promtool and amtool", async () => {
    const io = capture();
    expect(await main(["check", "--stack", "dev"], io, ROOT)).toBe(0);
    expect(io.text()).toMatch(/promtool check config\s+ok/);
    expect(io.text()).toMatch(/amtool check-config\s+ok/);
    expect(io.text()).toMatch(/grafana json\s+ok\s+11 files parse/);
  });
  it("fails a folder whose Alertmanager config is broken", async () => {
    const out = tmp();
    await main(["render", "--stack", "dev", "--out", out], capture(), ROOT);
    fs.writeFileSync(path.join(out, "alertmanager/alertmanager.yml"), "route:\n  receiver: nobody\n");
    const io = capture();
    expect(await main(["check", "--dir", out], io, ROOT)).toBe(1);
    expect(io.text()).toMatch(/amtool check-config\s+FAILED/);
    fs.rmSync(out, { recursive: true, force: true });
  });
  it("refuses a folder that is not a render, and ambiguous flags", async () => {
    const io = capture();
    expect(await main(["check", "--dir", os.tmpdir()], io, ROOT)).toBe(2);
    expect(io.text()).toContain("is not a rendered folder");
    expect(await main(["check", "--dir", "x", "--stack", "dev"], capture(), ROOT)).toBe(2);
  });
});

describe("obs doctor and reload against nothing", () => {
  it("doctor reports unreachable services and exits 1, as a table or JSON", async () => {
    const port = await freePort();
    const io = capture();
    expect(await main(["doctor", "--prometheus", `http://127.0.0.1:${port}`, "--alertmanager", `http://127.0.0.1:${port}`, "--timeout", "2000"], io, ROOT)).toBe(1);
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
    expect(io.text()).toContain(`prometheus: unreachable at http://127.0.0.1:${port} (ECONNREFUSED)`);
    expect(await main(["reload"], capture(), ROOT)).toBe(2);
  });
});

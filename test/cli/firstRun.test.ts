import { spawnSync } from "child_process";
import * as fs from "fs";
import * as path from "path";
import { main } from "../../cli/main";
import { DEFAULT_HOST_PORTS } from "../../config/defaults";
import { parseStackConfig, rawConfigFromPulumi } from "../../config/schema";
import { docSection } from "../support/docs";
import { capture } from "../support/io";
import { PROJECT, pulumiConfigMap, ROOT } from "../support/stackFiles";

/**
 * The README's "First run" works as written, as far as it can be checked without the Pulumi CLI:
 * every npm script and obs command with its flags exists, the secrets it sets are exactly the ones
 * dev requires, the Node it puts on the PATH is the one the program declares, and the URLs it
 * gives are dev's.
 */

const section = docSection("README.md", "First run");
const commands = [...section.matchAll(/```sh\n([\s\S]*?)```/g)]
  .flatMap((m) => m[1].split("\n"))
  .map((l) => l.replace(/\s+#.*$/, "").trim())
  .filter((l) => l && !l.startsWith("#"));

/** Plausible values of the secrets, as the schema checks them. */
const SAMPLE_SECRETS: Record<string, string> = {
  grafanaAdminPassword: "twelve-chars-or-more",
  telegramBotToken: "123456789:ABCdefGHIjklMNOpqrSTUvwxYZ0123",
};

it("the section exists and has its commands", () => {
  expect(section.startsWith("## First run")).toBe(true);
  expect(commands).toEqual(expect.arrayContaining(["npm ci", "npm run tools", "pulumi up --stack dev"]));
});

it("every npm script it runs is in package.json", () => {
  const scripts = (JSON.parse(fs.readFileSync(path.join(ROOT, "package.json"), "utf8")) as { scripts: Record<string, string> }).scripts;
  const used = commands.flatMap((l) => /^npm run (?:-s )?(\S+)/.exec(l)?.[1] ?? []);
  expect(used.length).toBeGreaterThan(0);
  for (const s of used) expect({ script: s, known: s in scripts }).toEqual({ script: s, known: true });
});

it("every obs command it runs exists and takes the flags it gives", async () => {
  const obs = commands.filter((l) => l.startsWith("npm run -s obs -- ")).map((l) => l.slice("npm run -s obs -- ".length).split(/\s+/));
  expect(obs.map((a) => a[0])).toEqual(["check", "preflight", "doctor"]);
  for (const args of obs) {
    // Flags are parsed (strictly) before --help is honoured: exit 0 means every flag is known.
    const io = capture();
    expect({ args, code: await main([...args, "--help"], io, ROOT) }).toEqual({ args, code: 0 });
  }
});

it("sets exactly the secrets dev requires: dev validates with them, and not without any one of them", () => {
  const set = commands
    .map((l) => /^pulumi config set --stack dev --secret (\S+) /.exec(l)?.[1])
    .filter((k): k is string => k !== undefined);
  expect(set).toEqual(["grafanaAdminPassword"]);
  const raw = (keys: readonly string[]) =>
    rawConfigFromPulumi(PROJECT, {
      ...pulumiConfigMap("dev", false),
      ...Object.fromEntries(keys.map((k) => [`${PROJECT}:${k}`, SAMPLE_SECRETS[k]])),
    });
  expect(() => parseStackConfig("dev", raw(set), new Set(set))).not.toThrow();
  for (const k of set) expect(() => parseStackConfig("dev", raw(set.filter((x) => x !== k)), new Set())).toThrow(`${k}:`);
  // The optional one, commented out in the section, is accepted too.
  expect(section).toContain("# pulumi config set --stack dev --secret telegramBotToken");
  expect(() => parseStackConfig("dev", raw([...set, "telegramBotToken"]), new Set([...set, "telegramBotToken"]))).not.toThrow();
});

it("the Node it puts first on the PATH is the Node the program declares", () => {
  expect(section).toContain('export PATH="$PWD/node_modules/.bin:$PATH"');
  const r = spawnSync(path.join(ROOT, "node_modules/.bin/node"), ["--version"], { encoding: "utf8" });
  const pkg = JSON.parse(fs.readFileSync(path.join(ROOT, "package.json"), "utf8")) as {
    engines: { node: string };
    devDependencies: { node: string };
  };
  const major = pkg.devDependencies.node.split(".")[0];
  expect(pkg.engines.node).toBe(`>=${major}`);
  expect(r.stdout).toMatch(new RegExp(`^v${major}\\.`));
  expect(section).toContain(`Node ${major} into node_modules/.bin`);
});

it("the addresses it gives are dev's", () => {
  const dev = DEFAULT_HOST_PORTS.dev;
  for (const [what, port] of [
    ["Grafana", dev.grafana],
    ["Prometheus", dev.prometheus],
    ["Alertmanager", dev.alertmanager],
  ] as const) {
    expect(section.replace(/\s+/g, " ")).toContain(`${what}${what === "Grafana" ? " is then" : ""} at http://localhost:${port}`);
  }
  expect(pulumiConfigMap("dev", false)[`${PROJECT}:demoWorkload`]).toBeDefined();
});

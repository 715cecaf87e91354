import { spawnSync } from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import * as pulumi from "@pulumi/pulumi";
import { main } from "../../cli/main";
import { loadStackConfig } from "../../config/load";
import { MAX_STACK_FILE_BYTES, readStackFile } from "../../config/stackFile";
import { capture } from "../support/io";
import { PROJECT, ROOT } from "../../harness/stackFiles";

/**
 * Stack files with YAML-level mistakes, and engine addresses that cannot be read: every `obs`
 * command that reads them answers exit 2 with the file, the line and the key, never a stack trace;
 * index.ts (config/load.ts) refuses a configuration with a message Pulumi prints without a trace.
 */

const P = PROJECT;
const VALID = [`config:`, `  ${P}:environment: dev`, `  ${P}:runbookBaseUrl: https://rb.test/x`];

/** Nine anchors of nine aliases each: 9^9 (387 million) values once the aliases are expanded. */
const aliasBomb = (): string => {
  const names = "abcdefghi".split("");
  const lines = [...VALID, `  ${P}:appNetworks: &a [x, x, x, x, x, x, x, x, x]`];
  for (let i = 1; i < names.length; i++)
    lines.push(
      `  ${P}:l${i}: &${names[i]} [${Array(9)
        .fill(`*${names[i - 1]}`)
        .join(", ")}]`,
    );
  lines.push(`  ${P}:last: [${Array(9).fill("*i").join(", ")}]`);
  return lines.join("\n");
};

/** name → [file text, what the message must say (file, line, key and the reason)]. */
const HOSTILE: Record<string, [string, string]> = {
  "a duplicate top-level key": [
    [...VALID, `  ${P}:environment: prod`].join("\n"),
    `Pulumi.x.yaml line 4 (key config › ${P}:environment): duplicated mapping key`,
  ],
  "a duplicate nested key": [
    [...VALID, `  ${P}:hostPorts:`, "    grafana: 3001", "    grafana: 3002"].join("\n"),
    `Pulumi.x.yaml line 6 (key config › ${P}:hostPorts › grafana): duplicated mapping key`,
  ],
  "a duplicate key in a list item": [
    [
      ...VALID,
      `  ${P}:remoteWrite:`,
      "    stores:",
      "    - name: mimir",
      "      url: https://a.test/push",
      "      url: https://b.test/push",
    ].join("\n"),
    `Pulumi.x.yaml line 8 (key config › ${P}:remoteWrite › stores › url): duplicated mapping key`,
  ],
  "tab indentation": [
    [...VALID, `  ${P}:hostPorts:`, "  \tgrafana: 3001"].join("\n"),
    `Pulumi.x.yaml line 5 (key config › ${P}:hostPorts › grafana): tab characters must not be used in indentation`,
  ],
  "a tab before a top-level key": [
    ["config:", `\t${P}:environment: dev`].join("\n"),
    `Pulumi.x.yaml line 2 (key config › ${P}:environment): tab characters must not be used in indentation`,
  ],
  "an unknown local tag": [
    [...VALID, `  ${P}:grafanaAdminUser: !secret admin`].join("\n"),
    `Pulumi.x.yaml line 4 (key config › ${P}:grafanaAdminUser): unknown tag !<!secret>`,
  ],
  "a language-specific tag": [
    [...VALID, `  ${P}:grafanaAdminUser: !!python/object:os.system ls`].join("\n"),
    `Pulumi.x.yaml line 4 (key config › ${P}:grafanaAdminUser): unknown tag !<tag:yaml.org,2002:python/object:os.system>`,
  ],
  "a binary value": [
    [...VALID, `  ${P}:grafanaAdminUser: !!binary aGVsbG8=`].join("\n"),
    `Pulumi.x.yaml line 4 (key config › ${P}:grafanaAdminUser): unknown tag !<tag:yaml.org,2002:binary>`,
  ],
  "an alias bomb": [
    aliasBomb(),
    `Pulumi.x.yaml line 4 (key config › ${P}:appNetworks): YAML anchors and aliases (&a, *a) are not accepted in stack files`,
  ],
  "an anchor on a scalar": [
    [...VALID, `  ${P}:grafanaAdminUser: &who admin`, `  ${P}:bindAddress: *who`].join("\n"),
    `Pulumi.x.yaml line 4 (key config › ${P}:grafanaAdminUser): YAML anchors and aliases (&who, *who)`,
  ],
  "a merge key": [
    [...VALID, `  ${P}:hostPorts: &ports {grafana: 3001}`, `  ${P}:retention: {<<: *ports}`].join("\n"),
    `Pulumi.x.yaml line 4 (key config › ${P}:hostPorts): YAML anchors and aliases (&ports, *ports)`,
  ],
  "an unclosed quote": [
    [...VALID, `  ${P}:grafanaAdminUser: "admin`].join("\n"),
    `Pulumi.x.yaml line 5 (key config › ${P}:grafanaAdminUser): unexpected end of the stream within a double quoted scalar`,
  ],
  "nesting beyond the parser's depth": [
    [...VALID, `  ${P}:alertOverrides: ${"[".repeat(200)}${"]".repeat(200)}`].join("\n"),
    `Pulumi.x.yaml line 4 (key config › ${P}:alertOverrides): nesting exceeded maxDepth (100)`,
  ],
  "a list instead of a mapping": ["- config\n- x\n", "Pulumi.x.yaml line 1: expected a mapping with a config: section, got a list"],
  "a scalar document": ["just text\n", 'Pulumi.x.yaml line 1: expected a mapping with a config: section, got the string "just text"'],
  "config as a list": [
    "config:\n  - a\n  - b\n",
    "Pulumi.x.yaml line 1 (key config): expected a mapping of project:key settings, got a list",
  ],
  "config as text": [
    "encryptionsalt: v1:abc\nconfig: everything\n",
    'Pulumi.x.yaml line 2 (key config): expected a mapping of project:key settings, got the string "everything"',
  ],
};

const COMMANDS: Record<string, string[]> = {
  render: ["render", "--stack", "x"],
  check: ["check", "--stack", "x"],
  preflight: ["preflight", "--stack", "x", "--timeout", "1000"],
  doctor: ["doctor", "--stack", "x", "--timeout", "1000"],
  reload: ["reload", "--stack", "x"],
};

let root: string;
beforeAll(() => (root = fs.mkdtempSync(path.join(os.tmpdir(), "hostile-stacks-"))));
afterAll(() => fs.rmSync(root, { recursive: true, force: true }));

const NO_TRACE = /^\s+at .+\(.*:\d+:\d+\)$|^\s+at \S+:\d+:\d+$/m;

describe.each(Object.entries(HOSTILE))("a stack file with %s", (_name, [text, said]) => {
  it.each(Object.keys(COMMANDS))("obs %s exits 2 naming the file, line and key", async (command) => {
    fs.writeFileSync(path.join(root, "Pulumi.x.yaml"), text);
    const io = capture();
    const started = Date.now();
    expect(await main(COMMANDS[command], io, root)).toBe(2);
    expect(Date.now() - started).toBeLessThan(5000);
    expect(io.text()).toContain(`obs ${command}: ${said}`);
    expect(io.text()).not.toMatch(NO_TRACE);
  });
});

it("obs check --stack leaves no temporary folder behind when the stack does not render", async () => {
  fs.writeFileSync(path.join(root, "Pulumi.x.yaml"), HOSTILE["a scalar document"][0]);
  const before = new Set(fs.readdirSync(os.tmpdir()).filter((f) => f.startsWith("obs-check-")));
  expect(await main(COMMANDS.check, capture(), root)).toBe(2);
  expect(fs.readdirSync(os.tmpdir()).filter((f) => f.startsWith("obs-check-") && !before.has(f))).toEqual([]);
});

describe("stack files Pulumi reads differently from YAML's default schema", () => {
  it("a date stays text, as Pulumi hands it over", () => {
    fs.writeFileSync(
      path.join(root, "Pulumi.d.yaml"),
      [...VALID, `  ${P}:objectStorage:`, "    loki:", "      since: 2026-01-01"].join("\n"),
    );
    expect(readStackFile(root, "d")[`${P}:objectStorage`]).toBe('{"loki":{"since":"2026-01-01"}}');
  });
  it("a file far larger than a stack file is not read", async () => {
    fs.writeFileSync(path.join(root, "Pulumi.big.yaml"), `${VALID.join("\n")}\n${"# padding\n".repeat(MAX_STACK_FILE_BYTES / 10 + 1)}`);
    const io = capture();
    expect(await main(["render", "--stack", "big"], io, root)).toBe(2);
    expect(io.text()).toMatch(/obs render: Pulumi.big.yaml is \d+ bytes, more than a stack file's 1048576: not read/);
  });
  it.each(["../etc", "a/b", ".."])("a stack name that is not one (%s) is refused before any path is built", async (stack) => {
    const io = capture();
    expect(await main(["render", "--stack", stack], io, root)).toBe(2);
    expect(io.text()).toContain(`obs render: "${stack}" is not a stack name`);
  });
  it("obs check names the committed file that does not parse, once", async () => {
    const both = fs.mkdtempSync(path.join(os.tmpdir(), "hostile-check-"));
    try {
      fs.copyFileSync(path.join(ROOT, "Pulumi.staging.yaml"), path.join(both, "Pulumi.staging.yaml"));
      fs.writeFileSync(path.join(both, "Pulumi.broken.yaml"), HOSTILE["a duplicate nested key"][0]);
      const io = capture();
      expect(await main(["check", "--stack", "staging"], io, both)).toBe(2);
      expect(io.text()).toBe(`obs check: Pulumi.broken.yaml line 6 (key config › ${P}:hostPorts › grafana): duplicated mapping key`);
    } finally {
      fs.rmSync(both, { recursive: true, force: true });
    }
  });
});

describe("engine addresses that cannot be read", () => {
  const stackWith = (dockerHost?: string) =>
    fs.writeFileSync(
      path.join(root, "Pulumi.e.yaml"),
      [...VALID, ...(dockerHost ? [`  ${P}:dockerHost: "${dockerHost}"`] : [])].join("\n"),
    );

  // The stack's own setting is refused by validation (config/schema.ts), as `pulumi up` would refuse it, before any engine is dialled.
  it.each(["tcp://[::1", "ssh://ops@host:ssh", "tcp://host:70000", "ssh://ops@[prod"])(
    "the stack's dockerHost %s: exit 2 naming the key and the value",
    async (host) => {
      stackWith(host);
      const io = capture();
      expect(await main(["preflight", "--stack", "e"], io, root)).toBe(2);
      expect(io.text()).toBe(
        `obs preflight: invalid stack configuration:\n  - dockerHost: expected unix:///path/docker.sock, ssh://user@host[:port] or tcp://host:port; this one is not an address, got ${JSON.stringify(host)}`,
      );
    },
  );

  it.each([
    ["tcp://[::1", "is not an address"],
    ["unix://", "names no socket path"],
    ["unix://var/run/docker.sock", 'names host "var" where the socket path starts (a unix socket takes three slashes)'],
    ["npipe:////./pipe/docker_engine", "uses npipe://, which is none of them"],
    ["ftp://host", "uses ftp://, which is none of them"],
    // The stack's rule (config/dockerHost.ts): what pulumi up would refuse in dockerHost, preflight refuses in DOCKER_HOST.
    ["tcp://docker.test", "names no port (tcp://host:port)"],
    ["docker.test:2375", "names no scheme (a bare host:port is tcp://host:port)"],
    ["https://docker.test:2376", "uses https://, which is none of them"],
    ["ssh://ops:hunter2@docker.test", "carries a password (it would be shown in logs; use an SSH key or agent)"],
  ])("the environment's DOCKER_HOST %s: exit 2 naming DOCKER_HOST", async (host, why) => {
    stackWith(undefined);
    const saved = process.env.DOCKER_HOST;
    process.env.DOCKER_HOST = host;
    try {
      const io = capture();
      expect(await main(["preflight", "--stack", "e"], io, root)).toBe(2);
      expect(io.text()).toBe(
        `obs preflight: the environment's DOCKER_HOST ${JSON.stringify(host.replace(":hunter2@", ":<secret>@"))} ${why}: expected unix:///path/docker.sock, ssh://user@host[:port] or tcp://host:port`,
      );
    } finally {
      if (saved === undefined) delete process.env.DOCKER_HOST;
      else process.env.DOCKER_HOST = saved;
    }
  });
});

describe("a prod stack file with a secret in plain text", () => {
  const prod = [
    `config:`,
    `  ${P}:environment: prod`,
    `  ${P}:runbookBaseUrl: https://rb.test/x`,
    `  ${P}:grafanaExternalUrl: https://grafana.example.test`,
    `  ${P}:alertmanagerExternalUrl: https://alertmanager.example.test`,
    `  ${P}:telegram: {chatId: "-1001234567890"}`,
    `  ${P}:telegramBotToken: "123456:abcdefghijklmnopqrstuvwxyz"`,
  ];

  // preflight reads the file as check does (config/stackFile.ts), so it refuses what pulumi up would refuse in prod.
  it.each(["check", "preflight"])("obs %s refuses it before any engine is dialled, naming the key, never the value", async (command) => {
    fs.writeFileSync(path.join(root, "Pulumi.p.yaml"), prod.join("\n"));
    const io = capture();
    expect(await main([command, "--stack", "p"], io, root)).toBe(2);
    expect(io.text()).toContain(
      "telegramBotToken: prod refuses a plain-text value; set it with `pulumi config set --secret telegramBotToken ...`",
    );
    expect(io.text()).not.toContain("abcdefghijklmnopqrstuvwxyz");
  });
});

describe("the real entry point", () => {
  it("prints one line per refusal on stderr (an alias bomb, a duplicate key, an unreadable DOCKER_HOST), no stack trace, and exits 2", () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "hostile-entry-"));
    try {
      fs.writeFileSync(path.join(dir, "Pulumi.bomb.yaml"), aliasBomb());
      fs.writeFileSync(path.join(dir, "Pulumi.dup.yaml"), HOSTILE["a duplicate top-level key"][0]);
      fs.writeFileSync(path.join(dir, "Pulumi.ok.yaml"), VALID.join("\n"));
      // One process for the three (ts-node's start is the slow part); each run as `obs` runs it, writing to the real stderr.
      const script = `
        const { main } = require(${JSON.stringify(path.join(ROOT, "cli/main"))});
        (async () => {
          const codes = [];
          for (const stack of ["bomb", "dup", "ok"]) {
            if (stack === "ok") process.env.DOCKER_HOST = "tcp://[::1";
            codes.push(await main(["preflight", "--stack", stack, "--timeout", "1000"], undefined, ${JSON.stringify(dir)}));
          }
          process.stdout.write(JSON.stringify(codes));
        })();`;
      const r = spawnSync(path.join(ROOT, "node_modules/.bin/ts-node"), ["--transpile-only", "-e", script], {
        cwd: ROOT,
        encoding: "utf8",
        timeout: 60_000,
      });
      expect({ status: r.status, codes: r.stdout }).toEqual({ status: 0, codes: "[2,2,2]" });
      const lines = r.stderr.trim().split("\n");
      expect(lines).toEqual([
        expect.stringMatching(/^obs preflight: Pulumi.bomb.yaml line 4 .*: YAML anchors and aliases/),
        expect.stringMatching(/^obs preflight: Pulumi.dup.yaml line 4 .*: duplicated mapping key$/),
        expect.stringMatching(/^obs preflight: the environment's DOCKER_HOST "tcp:\/\/\[::1" is not an address/),
      ]);
      expect(r.stderr).not.toMatch(NO_TRACE);
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe("index.ts through config/load.ts", () => {
  it("a refused configuration is a RunError: Pulumi prints its message, naming the file and every key, without a stack trace", async () => {
    await pulumi.runtime.setMocks({ newResource: (a) => ({ id: a.name, state: a.inputs }), call: (a) => a.inputs }, PROJECT, "dev", false);
    pulumi.runtime.setAllConfig(
      { [`${P}:environment`]: "qa", [`${P}:runbookBaseUrl`]: "https://rb.test/x", [`${P}:bindAddress`]: "everywhere" },
      [],
    );
    let thrown: unknown;
    try {
      loadStackConfig();
    } catch (e) {
      thrown = e;
    }
    expect(pulumi.RunError.isInstance(thrown)).toBe(true);
    expect((thrown as Error).message).toContain("Pulumi.dev.yaml: invalid stack configuration");
    expect((thrown as Error).message).toContain('environment: expected one of dev, staging, prod, got "qa"');
    expect((thrown as Error).message).toContain('bindAddress: expected an IPv4 address such as 127.0.0.1, got "everywhere"');
  });
});

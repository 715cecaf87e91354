import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import * as pulumi from "@pulumi/pulumi";
import { loadStackConfig } from "../../config/load";
import { ConfigError } from "../../config/schema";
import { listStacks, PROJECT, readStackFile, stackConfigFromFile, StackFileError } from "../../config/stackFile";
import { prometheusModuleVersion, moduleVersionOf, RELEASES, imageOf } from "../../config/versions";
import { PROD } from "./rawFixtures";

/**
 * Reading stack files without Pulumi (config/stackFile.ts), reading them through Pulumi's runtime
 * (config/load.ts: which values become Pulumi secrets), and the version arithmetic of
 * config/versions.ts.
 */

let root: string;
beforeAll(() => {
  root = fs.mkdtempSync(path.join(os.tmpdir(), "stack-files-"));
  const write = (name: string, text: string) => fs.writeFileSync(path.join(root, name), text);
  write("Pulumi.yaml", "name: tutordex-observability\n");
  write(
    "Pulumi.zeta.yaml",
    [
      "config:",
      `  ${PROJECT}:environment: staging`,
      `  ${PROJECT}:runbookBaseUrl: https://rb.test/x`,
      "  aws:region: eu-central-1",
      "  aws:profile:",
    ].join("\n"),
  );
  write(
    "Pulumi.alpha.yaml",
    [
      "config:",
      `  ${PROJECT}:environment: dev`,
      `  ${PROJECT}:runbookBaseUrl: https://rb.test/alpha`,
      `  ${PROJECT}:protectData: true`,
      `  ${PROJECT}:hostPorts:`,
      "    grafana: 3999",
      `  ${PROJECT}:telegram:`,
      '    prefix: "<b>&ünï</b>"',
      `  ${PROJECT}:grafanaAdminPassword:`,
      "    secure: v1:AAAAencrypted",
    ].join("\n"),
  );
  write("Pulumi.empty.yaml", "");
  write("Pulumi.bare.yaml", "encryptionsalt: v1:abc\n");
  write("Pulumi.yaml.bak", "");
  write("notes.Pulumi.beta.yaml", "");
});
afterAll(() => fs.rmSync(root, { recursive: true, force: true }));

describe("committed stack files, read without Pulumi", () => {
  it("lists the stacks with a Pulumi.<stack>.yaml, sorted, and nothing else", () => {
    expect(listStacks(root)).toEqual(["alpha", "bare", "empty", "zeta"]);
  });

  it("lists them sorted whatever order the directory gives", () => {
    // The module object itself: the namespace import's bindings are read-only getters onto it.
    const readdir = jest
      .spyOn(require("fs") as typeof fs, "readdirSync")
      .mockReturnValueOnce(["Pulumi.zeta.yaml", "Pulumi.b.yaml", "Pulumi.alpha.yaml"] as never);
    try {
      expect(listStacks(root)).toEqual(["alpha", "b", "zeta"]);
    } finally {
      readdir.mockRestore();
    }
  });

  it("reads the flat map as Pulumi hands it over: text as is, other values as JSON, encrypted values left out", () => {
    expect(readStackFile(root, "alpha")).toStrictEqual({
      [`${PROJECT}:environment`]: "dev",
      [`${PROJECT}:runbookBaseUrl`]: "https://rb.test/alpha",
      [`${PROJECT}:protectData`]: "true",
      [`${PROJECT}:hostPorts`]: '{"grafana":3999}',
      [`${PROJECT}:telegram`]: '{"prefix":"<b>&ünï</b>"}',
    });
    expect(readStackFile(root, "zeta")).toStrictEqual({
      [`${PROJECT}:environment`]: "staging",
      [`${PROJECT}:runbookBaseUrl`]: "https://rb.test/x",
      "aws:region": "eu-central-1",
      "aws:profile": "null",
    });
  });

  it("an empty stack file, or one without config, is an empty map", () => {
    expect(readStackFile(root, "empty")).toStrictEqual({});
    expect(readStackFile(root, "bare")).toStrictEqual({});
  });

  it("an unknown stack names the file it looked for and the stacks there are", () => {
    expect(() => readStackFile(root, "prod")).toThrow(
      new StackFileError('unknown stack "prod": no Pulumi.prod.yaml (stacks here: alpha, bare, empty, zeta)'),
    );
    expect(() => readStackFile(root, "prod")).toThrow(StackFileError);
    const bare = fs.mkdtempSync(path.join(os.tmpdir(), "no-stacks-"));
    try {
      expect(() => readStackFile(bare, "dev")).toThrow('unknown stack "dev": no Pulumi.dev.yaml (stacks here: none)');
    } finally {
      fs.rmSync(bare, { recursive: true, force: true });
    }
  });

  it("a stack's configuration parses without its secrets", () => {
    const c = stackConfigFromFile(root, "alpha");
    expect([c.stack, c.environment, c.protectData, c.hostPorts.grafana, c.telegram.prefix, c.grafanaAdminPassword]).toEqual([
      "alpha",
      "dev",
      true,
      3999,
      "<b>&ünï</b>",
      undefined,
    ]);
    expect(() => stackConfigFromFile(root, "empty")).toThrow(ConfigError);
  });

  it("a setting of another namespace is refused, not ignored", () => {
    expect(() => stackConfigFromFile(root, "zeta")).toThrow('aws:region: nothing reads settings of namespace "aws"');
  });
});

describe("loadStackConfig under Pulumi's runtime", () => {
  const valueOf = <T>(o: pulumi.Output<T>) => new Promise<T>((resolve) => o.apply((v) => resolve(v)));

  async function load(config: Record<string, unknown>, secretKeys: readonly string[]) {
    await pulumi.runtime.setMocks({ newResource: (a) => ({ id: a.name, state: a.inputs }), call: (a) => a.inputs }, PROJECT, "prod", false);
    const flat = Object.fromEntries(
      Object.entries(config).map(([k, v]) => [`${PROJECT}:${k}`, typeof v === "string" ? v : JSON.stringify(v)]),
    );
    pulumi.runtime.setAllConfig(
      flat,
      secretKeys.map((k) => `${PROJECT}:${k}`),
    );
    return loadStackConfig();
  }

  const SCALE = {
    registryAuth: { username: "ops" },
    registryPassword: "registry-token",
    remoteWrite: { stores: [{ name: "mimir", url: "https://mimir.test/push", auth: { type: "bearer" } }] },
    remoteWriteCredentials: { mimir: "mimir-token" },
    objectStorage: { endpoint: "https://s3.test", region: "us-east-1", accessKeyId: "AKIA", loki: { bucket: "logs" } },
    objectStorageSecretKey: "s3-secret",
  };
  const SECRETS = ["telegramBotToken", "grafanaAdminPassword", "registryPassword", "remoteWriteCredentials", "objectStorageSecretKey"];

  it("reads the stack's name and configuration, and hands every secret on as a Pulumi secret", async () => {
    const { config, secrets } = await load({ ...PROD, ...SCALE }, SECRETS);
    expect([config.stack, config.environment, config.telegram.chatId]).toEqual(["prod", "prod", "-100123"]);
    const all = { ...secrets, mimir: secrets.remoteWriteCredentials.mimir } as Record<string, unknown>;
    delete all.remoteWriteCredentials;
    expect(Object.keys(secrets.remoteWriteCredentials)).toEqual(["mimir"]);
    for (const [name, output] of Object.entries(all)) {
      const o = output as pulumi.Output<string>;
      expect({ name, secret: await pulumi.isSecret(o) }).toEqual({ name, secret: true });
    }
    expect(await Promise.all(Object.values(all).map((o) => valueOf(o as pulumi.Output<string>)))).toEqual([
      PROD.telegramBotToken,
      PROD.grafanaAdminPassword,
      "registry-token",
      "s3-secret",
      "mimir-token",
    ]);
  });

  it("a secret the stack does not set is undefined, not an empty secret", async () => {
    const { secrets } = await load({ ...PROD, services: { grafana: false }, grafanaAdminPassword: undefined }, ["telegramBotToken"]);
    expect([
      secrets.grafanaAdminPassword,
      secrets.registryPassword,
      secrets.objectStorageSecretKey,
      secrets.remoteWriteCredentials,
    ]).toEqual([undefined, undefined, undefined, {}]);
  });

  it("a runtime that cannot say which keys are secrets: every value counts as plain text", async () => {
    const runtimeConfig = require("@pulumi/pulumi/runtime/config") as { isConfigSecret?: unknown };
    const isConfigSecret = runtimeConfig.isConfigSecret;
    delete runtimeConfig.isConfigSecret;
    try {
      await expect(load(PROD, ["telegramBotToken", "grafanaAdminPassword"])).rejects.toThrow(
        "telegramBotToken: prod refuses a plain-text value",
      );
    } finally {
      runtimeConfig.isConfigSecret = isConfigSecret;
    }
  });

  it("a value Pulumi did not decrypt as a secret is refused in prod", async () => {
    await expect(load(PROD, ["telegramBotToken"])).rejects.toThrow("grafanaAdminPassword: prod refuses a plain-text value");
  });
});

describe("version arithmetic", () => {
  it.each([
    ["3.16.0", "v0.316.0"],
    ["3.0.1", "v0.300.1"],
    ["3.5.12", "v0.305.12"],
  ])("Prometheus %s is Go module version %s", (release, module) => {
    expect(prometheusModuleVersion(release)).toBe(module);
  });

  it.each(["2.53.0", "3.16", "3.16.0-rc.0", "v3.16.0", "13.1.0"])("%s is refused as no Prometheus 3.x release", (release) => {
    expect(() => prometheusModuleVersion(release)).toThrow(`not a Prometheus 3.x release: ${release}`);
  });

  it("other Go-built releases use their release as module version; Prometheus its own scheme", () => {
    expect(moduleVersionOf("alertmanager", { ...RELEASES.alertmanager, version: "0.36.1" })).toBe("v0.36.1");
    expect(moduleVersionOf("prometheus", { ...RELEASES.prometheus, version: "3.17.2" })).toBe("v0.317.2");
    expect(moduleVersionOf("prometheus")).toBe(prometheusModuleVersion(RELEASES.prometheus.version));
    expect(imageOf({ ...RELEASES.loki, repository: "registry.local:5000/loki", tag: "3.6.0" })).toBe("registry.local:5000/loki:3.6.0");
  });
});

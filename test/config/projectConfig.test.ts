import * as fs from "fs";
import * as path from "path";
import * as yaml from "js-yaml";
import * as os from "os";
import { ConfigError, parseStackConfig, rawConfigFromPulumi, rawConfigSchema, SECRET_KEYS } from "../../config/schema";
import { listStacks, readStackFile } from "../../config/stackFile";
import { PROJECT, ROOT } from "../../harness/stackFiles";
import { EDGE_CASES } from "./edgeCaseTable";
import { pulumiTypeOf } from "../../config/generatedFiles";

/**
 * Pulumi.yaml's `config` block against config/schema.ts: every setting is declared with its type
 * or listed (with why not) in the comment block under it, and the declarations change nothing
 * (Pulumi requires a declared key without default in every stack, and copies defaults into them).
 */
interface Declared {
  type: "string" | "integer" | "boolean" | "array";
  items?: { type: string };
  default?: unknown;
  description?: string;
  secret?: boolean;
}
const text = fs.readFileSync(path.join(ROOT, "Pulumi.yaml"), "utf8");
const declared = (yaml.load(text) as { config: Record<string, Declared> }).config;
/** `#   key   description` lines of the comment block. */
const listed = new Map([...text.matchAll(/^# {3}([A-Za-z]+) +(\S.*)$/gm)].map((m) => [m[1], m[2]]));

const schemaKeys = Object.keys(rawConfigSchema.shape);
const isOptional = (key: string) => (rawConfigSchema.shape as Record<string, any>)[key].def.type === "optional";

describe("Pulumi.yaml declares the stack settings", () => {
  it("names the project whose namespace the schema reads", () => {
    expect((yaml.load(text) as { name: string }).name).toBe(PROJECT);
  });

  it("every setting is declared or listed with a reason, not both, and nothing else", () => {
    for (const key of schemaKeys)
      expect({ key, declaredOrListed: key in declared !== listed.has(key) }).toEqual({ key, declaredOrListed: true });
    expect([...Object.keys(declared), ...listed.keys()].filter((k) => !schemaKeys.includes(k))).toEqual([]);
  });

  it.each(Object.keys(declared))("%s is declared with the schema's type and a description", (key) => {
    const want = pulumiTypeOf((rawConfigSchema.shape as Record<string, any>)[key]);
    const d = declared[key];
    expect(want).not.toBe("object");
    expect({ type: d.type, ...(d.items ? { items: d.items } : {}) }).toEqual(want);
    expect(d.description?.length).toBeGreaterThan(10);
  });

  it("object-valued settings are exactly the ones listed as objects", () => {
    const objects = schemaKeys.filter((k) => pulumiTypeOf((rawConfigSchema.shape as Record<string, any>)[k]) === "object");
    const block = text.slice(text.indexOf("# Object-valued"), text.indexOf("# Optional,"));
    expect([...block.matchAll(/^# {3}([A-Za-z]+) /gm)].map((m) => m[1]).sort()).toEqual(objects.sort());
  });

  it("a declared key without default is one every stack must set; a listed non-object one is optional", () => {
    for (const [key, d] of Object.entries(declared))
      if (d.default === undefined) expect({ key, optional: isOptional(key) }).toEqual({ key, optional: false });
    for (const key of listed.keys()) expect({ key, optional: isOptional(key) }).toEqual({ key, optional: true });
  });

  it("the secrets are listed as secrets, since a declared secret would be required in every stack", () => {
    const secrets = [...listed].filter(([, why]) => why.startsWith("secret;")).map(([k]) => k);
    expect(secrets.sort()).toEqual([...SECRET_KEYS].sort());
    expect(Object.values(declared).some((d) => d.secret)).toBe(false);
  });

  /** What the program makes of a stack's flat config map: its configuration, or the problems it names. */
  function outcome(stack: string, map: Record<string, string>): unknown {
    try {
      return parseStackConfig(stack, rawConfigFromPulumi(PROJECT, map), new Set(), { requireSecrets: false });
    } catch (e) {
      if (e instanceof ConfigError) return e.problems;
      throw e;
    }
  }

  /** The map as Pulumi hands it to the program once it has copied Pulumi.yaml's defaults into it. */
  function withDefaults(map: Record<string, string>): Record<string, string> {
    const out = { ...map };
    for (const [key, d] of Object.entries(declared)) {
      if (d.default === undefined || `${PROJECT}:${key}` in out) continue;
      // How Pulumi hands a default to the program: primitives as text, arrays and objects as JSON.
      out[`${PROJECT}:${key}`] = typeof d.default === "object" ? JSON.stringify(d.default) : String(d.default);
    }
    return out;
  }

  // The committed stacks and every stack of the edge-case table (a stack without Loki among them).
  const fixtures = fs.mkdtempSync(path.join(os.tmpdir(), "project-defaults-"));
  afterAll(() => fs.rmSync(fixtures, { recursive: true, force: true }));
  /** Folders under test/ that hold stack files of their own (the docker tier's). */
  const fixtureFolders = (dir: string): string[] =>
    fs
      .readdirSync(dir, { withFileTypes: true })
      .flatMap((e) => (e.isDirectory() ? fixtureFolders(path.join(dir, e.name)) : /^Pulumi\..+\.yaml$/.test(e.name) ? [dir] : []));
  const stacks: [string, string, string][] = [
    ...listStacks(ROOT).map((stack): [string, string, string] => [`committed stack ${stack}`, ROOT, stack]),
    ...[...new Set(["test", "harness"].flatMap((d) => fixtureFolders(path.join(ROOT, d))))].flatMap((dir) =>
      listStacks(dir).map((stack): [string, string, string] => [`fixture stack ${path.relative(ROOT, dir)}/${stack}`, dir, stack]),
    ),
    ...EDGE_CASES.map((c, i): [string, string, string] => {
      fs.writeFileSync(path.join(fixtures, `Pulumi.case${i}.yaml`), yaml.dump({ config: c.config }, { noRefs: true }));
      return [`edge case "${c.name}"`, fixtures, `case${i}`];
    }),
  ];

  it.each(stacks)("the defaults Pulumi copies change nothing the program sees: %s", (_what, root, stack) => {
    const file = readStackFile(root, stack);
    expect(outcome(stack, withDefaults(file))).toEqual(outcome(stack, file));
  });

  it("a stack without Loki and without a log agent is valid, with Pulumi.yaml's defaults too", () => {
    const file = {
      [`${PROJECT}:environment`]: "dev",
      [`${PROJECT}:runbookBaseUrl`]: "https://runbooks.test",
      [`${PROJECT}:services`]: '{"loki":false,"promtail":false}',
    };
    expect(outcome("dev", withDefaults(file))).toMatchObject({ services: { loki: false, promtail: false, alloy: false } });
  });
});

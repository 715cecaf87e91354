import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import * as yaml from "js-yaml";
import Ajv2020 from "ajv/dist/2020";
import { GEN_COMMAND, GENERATED_FILES, settingRows, STACK_FILE_SCHEMA, stackFileJsonSchema } from "../../config/generatedFiles";
import { ConfigError, rawConfigSchema } from "../../config/schema";
import { listStacks, stackConfigFromFile } from "../../config/stackFile";
import { ROOT } from "../../harness/stackFiles";
import { EDGE_CASES, stackFile } from "./edgeCaseTable";

/**
 * The copies of the stack settings generated from the schema (config/generatedFiles.ts): each
 * committed copy is what `npm run gen` writes, the table has a row with a meaning for every
 * setting, and the JSON Schema for editors takes every stack file the program takes.
 */

describe("the committed copies are what the schema generates", () => {
  it.each(GENERATED_FILES.map((f) => [f.path, f] as const))("%s", (file, f) => {
    const full = path.join(ROOT, file);
    const committed = fs.existsSync(full) ? fs.readFileSync(full, "utf8") : "(missing)";
    if (committed !== f.render())
      throw new Error(`${file} is not what config/schema.ts generates: run \`${GEN_COMMAND}\` and commit the result`);
  });
});

describe("the settings table", () => {
  const rows = settingRows();

  it("has a row for every setting, each with a meaning and a default", () => {
    expect([...new Set(rows.map((r) => r.setting))].sort()).toEqual(Object.keys(rawConfigSchema.shape).sort());
    for (const r of rows)
      expect({ key: r.key, meaning: r.meaning.length > 10, default: r.row.default.length > 0 }).toEqual({
        key: r.key,
        meaning: true,
        default: true,
      });
  });

  it("lists the required settings first", () => {
    expect(rows.slice(0, 2).map((r) => r.key)).toEqual(["environment", "runbookBaseUrl"]);
  });
});

/** A stack file's YAML as Pulumi parses it (YAML 1.2 core schema). */
const load = (text: string) => yaml.load(text, { schema: yaml.CORE_SCHEMA });
const asFile = (config: Readonly<Record<string, unknown>>) => load(yaml.dump({ config }, { noRefs: true }));

let tmp: string;
beforeAll(() => (tmp = fs.mkdtempSync(path.join(os.tmpdir(), "json-schema-"))));
afterAll(() => fs.rmSync(tmp, { recursive: true, force: true }));

/** Whether `obs check` takes the stack file (config/stackFile.ts, then the schema). */
function programTakes(config: Readonly<Record<string, unknown>>): boolean {
  fs.writeFileSync(path.join(tmp, "Pulumi.t.yaml"), yaml.dump({ config }, { noRefs: true }));
  try {
    stackConfigFromFile(tmp, "t");
    return true;
  } catch (e) {
    if (e instanceof ConfigError) return false;
    throw e;
  }
}

describe("the JSON Schema for editors", () => {
  const ajv = new Ajv2020({ strict: true, allowUnionTypes: true, allErrors: true });
  const validate = ajv.compile(stackFileJsonSchema());
  const errors = () => JSON.stringify(validate.errors?.slice(0, 3));

  /** Folders holding stack files: the root's and the test tiers'. */
  const folders = (dir: string): string[] =>
    fs
      .readdirSync(dir, { withFileTypes: true })
      .flatMap((e) =>
        e.isDirectory() && e.name !== "node_modules" && !e.name.startsWith(".")
          ? folders(path.join(dir, e.name))
          : /^Pulumi\..+\.yaml$/.test(e.name)
            ? [dir]
            : [],
      );
  const stackFiles = [...new Set([ROOT, ...folders(path.join(ROOT, "test")), ...folders(path.join(ROOT, "harness"))])].flatMap((dir) =>
    listStacks(dir).map((s) => path.relative(ROOT, path.join(dir, `Pulumi.${s}.yaml`))),
  );

  it.each(stackFiles)("takes the stack file %s", (file) => {
    expect({ file, valid: validate(load(fs.readFileSync(path.join(ROOT, file), "utf8"))) || errors() }).toEqual({ file, valid: true });
  });

  it.each(listStacks(ROOT))("Pulumi.%s.yaml names it on its first line, for yaml-language-server", (stack) => {
    const first = fs.readFileSync(path.join(ROOT, `Pulumi.${stack}.yaml`), "utf8").split("\n")[0];
    expect(first).toBe(`# yaml-language-server: $schema=./${STACK_FILE_SCHEMA}`);
  });

  const accepted = EDGE_CASES.filter((c) => c.acceptedBecause !== undefined);
  it.each(accepted.map((c) => [c.name, c] as const))("takes the edge case the program takes: %s", (_name, c) => {
    expect(validate(asFile(c.config)) || errors()).toBe(true);
  });

  it("takes Pulumi's own namespace, encrypted values, and a boolean written as text by pulumi config set", () => {
    const file = stackFile("dev", { "pulumi:disable-default-providers": ["*"], protectData: "true", heartbeatUrl: { secure: "v1:abc" } });
    expect(validate(asFile(file)) || errors()).toBe(true);
    expect(programTakes(file)).toBe(true);
  });

  it.each([
    ["an unknown setting", { bindAdress: "0.0.0.0" }],
    ["another namespace", { "tutordex-observabilty:bindAddress": "0.0.0.0" }],
    ["an unknown environment", { environment: "production" }],
    ["a port as text", { hostPorts: { grafana: "3000" } }],
    ["a port beyond 65535", { hostPorts: { grafana: 70000 } }],
    ["a retention in words", { retention: { prometheus: "3 days" } }],
    ["days in Tempo's Go duration", { retention: { tempo: "3d" } }],
    ["a silence button in Prometheus's form only", { telegram: { console: { silenceDurations: ["1h30m0ms"] } } }],
    ["a chat id too short to be a username", { telegram: { chatId: "@abc" } }],
    ["a forum topic 0", { telegram: { messageThreadId: 0 } }],
    ["a fractional user id", { telegram: { console: { allowedUserIds: [1.5] } } }],
    ["a prefix over 64 characters", { telegram: { prefix: "p".repeat(65) } }],
    ["a URL without scheme", { runbookBaseUrl: "runbooks.test/rb" }],
    ["an image with an upper-case repository", { images: { grafana: "grafana/Grafana:12.0.0" } }],
    ["a malformed bot token", { telegramBotToken: "123:short" }],
    ["a boolean as any other text", { protectData: "yes" }],
    ["an unknown log agent", { logAgent: "fluentd" }],
    ["an unknown key in an alert override", { alertOverrides: { HostDiskLow: { thresold: 5 } } }],
  ])("refuses %s, as the program does", (_what, patch) => {
    const file = stackFile("dev", patch);
    expect(validate(asFile(file))).toBe(false);
    expect(programTakes(file)).toBe(false);
  });

  // Types, keys, forms and patterns (durations, chat ids, URLs, images) are the JSON Schema's; rules between keys are the program's alone.
  it("catches a hundred of the edge table's refusals in the editor already", () => {
    const refused = EDGE_CASES.filter((c) => c.refused !== undefined);
    const caught = refused.filter((c) => !validate(asFile(c.config))).length;
    process.stdout.write(
      `JSON Schema: ${caught} of ${refused.length} refused edge cases caught in the editor, ${accepted.length} of ${accepted.length} accepted ones taken\n`,
    );
    expect(caught).toBeGreaterThanOrEqual(100);
  });

  it("refuses a stack file without the settings every stack sets", () => {
    const file = stackFile("dev", { runbookBaseUrl: undefined });
    expect(validate(asFile(file))).toBe(false);
    expect(programTakes(file)).toBe(false);
  });
});

import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import * as yaml from "js-yaml";
import { renderStack } from "../../generators/stackFiles";
import { committedStacks } from "../../harness/stackFiles";
import { stackConfig } from "../../harness/fixtures";
import { run } from "../../harness/tools";

/**
 * The collector config of every committed stack, loaded by the collector the stack deploys:
 * tools/otelcol is built at the pinned contrib release with exactly the components the configs
 * use, and `otelcol validate` builds every pipeline (component configs included) without starting it.
 */
const dir = fs.mkdtempSync(path.join(os.tmpdir(), "otelcol-"));
afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

function validate(name: string, text: string) {
  const file = path.join(dir, `${name}.yml`);
  fs.writeFileSync(file, text);
  return run("otelcol", ["validate", `--config=${file}`]);
}

const collectorConfig = (stack: string, patch: Record<string, unknown> = {}) => {
  const text = renderStack(stackConfig(stack, patch)).otelCollector;
  if (text === undefined) throw new Error(`stack ${stack} runs no collector`);
  return text;
};

/** Component types a config uses, per kind: `otlp_http/loki` is of type otlp_http. */
function typesUsed(text: string): Record<string, Set<string>> {
  const doc = yaml.load(text) as Record<string, Record<string, unknown> | undefined>;
  const kinds = ["receivers", "processors", "exporters", "extensions", "connectors"] as const;
  return Object.fromEntries(kinds.map((k) => [k, new Set(Object.keys(doc[k] ?? {}).map((id) => id.split("/")[0]))]));
}

describe.each(committedStacks())("otelcol validate, stack %s", (stack) => {
  it("accepts the collector config the stack deploys", () => {
    const r = validate(stack, collectorConfig(stack));
    expect({ status: r.status, output: r.output }).toEqual({ status: 0, output: "" });
  });
});

describe("otelcol validate, variants and its own judgement", () => {
  it("accepts the config of a stack without Tempo and Loki (metrics only)", () => {
    const text = collectorConfig("dev", { services: { tempo: false, loki: false, alloy: false } });
    expect(Object.keys((yaml.load(text) as { service: { pipelines: object } }).service.pipelines)).toEqual(["metrics"]);
    const r = validate("metrics-only", text);
    expect({ status: r.status, output: r.output }).toEqual({ status: 0, output: "" });
  });

  it("refuses a count condition OTTL cannot parse (the connector's conditions are compiled at validation)", () => {
    const r = validate("bad-condition", collectorConfig("prod").replace('resource.attributes["compose_service"] == "unknown"', 'resource.attributes["compose_service"] === "unknown"'));
    expect(r.status).not.toBe(0);
  });

  it("refuses a config naming a component the distribution lacks, and a bad processor setting", () => {
    const text = collectorConfig("prod");
    const unknown = validate("unknown", text.replace("groupbyattrs/log_labels:", "transform/log_labels:").replace(/- groupbyattrs\/log_labels/g, "- transform/log_labels"));
    expect(unknown.status).not.toBe(0);
    expect(unknown.output).toMatch(/unknown type: "transform"/);
    const bad = validate("bad-action", text.replace(/action: insert/, "action: promote"));
    expect(bad.status).not.toBe(0);
    expect(bad.output).toMatch(/promote/);
  });

  it("the distribution has exactly the components the stacks' configs use, by their current names", () => {
    const used: Record<string, Set<string>> = { receivers: new Set(), processors: new Set(), exporters: new Set(), extensions: new Set(), connectors: new Set() };
    for (const stack of committedStacks()) for (const [kind, types] of Object.entries(typesUsed(collectorConfig(stack)))) for (const t of types) used[kind].add(t);
    const listed = yaml.load(run("otelcol", ["components"]).stdout) as Record<string, { name: string }[] | undefined>;
    const built = Object.fromEntries(Object.keys(used).map((k) => [k, (listed[k] ?? []).map((c) => c.name).sort()]));
    expect(built).toEqual(Object.fromEntries(Object.entries(used).map(([k, v]) => [k, [...v].sort()])));
  });
});

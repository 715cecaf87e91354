import { BROKEN_EXAMPLES } from "./support/brokenContainers";
import { spawn } from "child_process";
import * as path from "path";
import * as grpc from "@grpc/grpc-js";
import { PolicyResource, StackValidationPolicy, UnknownValueError } from "@pulumi/policy";
import { Struct } from "google-protobuf/google/protobuf/struct_pb";
import { AnalyzerClient } from "@pulumi/pulumi/proto/analyzer_grpc_pb";
import { AnalyzeResponse, AnalyzeStackRequest, AnalyzerResource, AnalyzerResourceOptions } from "@pulumi/pulumi/proto/analyzer_pb";
import {
  bindAddressFromStackFile,
  CONTAINER_TYPE,
  containerPolicies,
  OPTIONS_NOT_SENT_TO_POLICIES,
  policyName,
  stackOfUrn,
} from "../policy/containerPolicies";
import { GUARDRAILS, isOneShot, violations } from "../policy/guardrails";
import { stackConfigFromFile } from "../config/stackFile";
import { containersOf, ProgramRun, RecordedResource, runProgram } from "./support/program";
import { committedStacks, PROJECT, pulumiConfigMap, ROOT, TEST_SECRETS } from "../harness/stackFiles";

/**
 * The policy pack runs the guardrails of policy/guardrails.ts; these tests give its validations
 * the containers the program registers under mocks, as the Pulumi engine would hand them over,
 * with the same broken examples the program tests use, and serve the pack once as the CLI does.
 */
// The SDK's stand-ins for values unknown during a preview; its type declarations leave them out.
const { unknownCheckingProxy, unknownStringValue } = require("@pulumi/policy/proxy") as {
  unknownCheckingProxy: <T extends object>(o: T) => T;
  unknownStringValue: unknown;
};

const runs = new Map<string, ProgramRun>();
beforeAll(async () => {
  for (const stack of committedStacks()) runs.set(stack, await runProgram(stack, pulumiConfigMap(stack), Object.keys(TEST_SECRETS)));
});

const serviceOf = (r: RecordedResource) =>
  (r.inputs.labels ?? []).find((l: { label: string }) => l.label === "tutordex.observability.service")?.value;
const urnOf = (stack: string, r: RecordedResource) => `urn:pulumi:${stack}::${PROJECT}::${r.type}::${r.name}`;

/** A recorded resource as the policy SDK presents it: outputs (here: inputs), options, URN. */
function policyResource(stack: string, r: RecordedResource, props: Record<string, any> = r.inputs): PolicyResource {
  return {
    type: r.type,
    props,
    urn: urnOf(stack, r),
    name: r.name,
    opts: {
      protect: r.options.protect,
      ignoreChanges: [],
      deleteBeforeReplace: r.options.deleteBeforeReplace,
      aliases: [],
      customTimeouts: { createSeconds: 0, updateSeconds: 0, deleteSeconds: 0 },
      additionalSecretOutputs: [],
    },
    dependencies: [],
    propertyDependencies: {},
    isType: () => false,
    asType: () => undefined,
  };
}

class NotApplicable extends Error {}

/** Runs one stack policy the way the SDK does: violations reported, "not applicable" thrown. */
async function validate(
  policy: StackValidationPolicy,
  resources: PolicyResource[],
): Promise<{ violations: { message: string; urn?: string }[]; notApplicable?: string }> {
  const found: { message: string; urn?: string }[] = [];
  try {
    await policy.validateStack(
      {
        resources,
        stackTags: new Map(),
        getConfig: <T extends object>() => ({}) as T,
        notApplicable: (reason?: string): never => {
          throw new NotApplicable(reason);
        },
      },
      (message, urn) => found.push({ message, urn }),
    );
  } catch (e) {
    if (e instanceof NotApplicable) return { violations: found, notApplicable: e.message };
    throw e;
  }
  return { violations: found };
}

const policies = containerPolicies();
const policyFor = (rule: string) => policies.find((p) => p.description === rule)!;
/** Guardrails that read an option Pulumi never sends to policies: the pack cannot judge them. */
const NOT_JUDGED = ["healthcheck edits replace the container (the engine cannot update them in place)"];

describe("the policy pack", () => {
  it("has one mandatory stack policy per guardrail, with unique names", () => {
    expect(policies.map((p) => p.description)).toEqual(Object.keys(GUARDRAILS));
    expect(new Set(policies.map((p) => p.name)).size).toBe(policies.length);
    for (const p of policies)
      expect({ name: p.name, level: p.enforcementLevel }).toEqual({ name: policyName(p.description), level: "mandatory" });
  });

  it.each(committedStacks())("agrees with the guardrails on every container of stack %s", async (stack) => {
    const containers = containersOf(runs.get(stack)!);
    const resources = containers.map((c) => policyResource(stack, c));
    for (const policy of policies) {
      const result = await validate(policy, resources);
      expect({ policy: policy.name, violations: result.violations }).toEqual({ policy: policy.name, violations: [] });
      expect({ policy: policy.name, notApplicable: result.notApplicable !== undefined }).toEqual({
        policy: policy.name,
        notApplicable: NOT_JUDGED.includes(policy.description),
      });
    }
    expect(violations(containers, { stack, bindAddress: stackConfigFromFile(ROOT, stack).bindAddress })).toEqual([]);
  });

  it("reads the stack from the URN and the stack's bind address from its stack file", async () => {
    expect(stackOfUrn(`urn:pulumi:staging::${PROJECT}::${CONTAINER_TYPE}::x`)).toBe("staging");
    expect(bindAddressFromStackFile("prod")).toBe(stackConfigFromFile(ROOT, "prod").bindAddress);
    // Published on 127.0.0.1 while the stack's bind address is another: every publishing container is reported.
    const rule = "ports published only on the bind address";
    const elsewhere = containerPolicies(() => "10.0.0.1").find((p) => p.description === rule)!;
    const containers = containersOf(runs.get("dev")!);
    const publishing = containers.filter((c) => (c.inputs.ports ?? []).length > 0);
    expect(publishing.length).toBeGreaterThan(0);
    const result = await validate(
      elsewhere,
      containers.map((c) => policyResource("dev", c)),
    );
    expect(result.violations.map((v) => v.urn)).toEqual(publishing.map((c) => urnOf("dev", c)));
  });
});

describe("the pack catches what the guardrails guard", () => {
  const base = () => containersOf(runs.get("dev")!).find((c) => serviceOf(c) === "grafana" && !isOneShot(c))!;
  const broken = BROKEN_EXAMPLES;

  it("has a broken example for every guardrail", () => expect(Object.keys(broken).sort()).toEqual(Object.keys(GUARDRAILS).sort()));

  it.each(Object.keys(broken).filter((rule) => !NOT_JUDGED.includes(rule)))("%s", async (rule) => {
    const stack = "dev";
    const all = containersOf(runs.get(stack)!);
    const good = base();
    // The guardrail predicates themselves catch it (what test/program runs under mocks) ...
    expect(violations([broken[rule](good)], { stack, bindAddress: "127.0.0.1", gatedServices: new Set() }).join("\n")).toContain(rule);
    // ... and so does the pack's policy, on the whole stack, pointing at the broken container.
    const resources = all.map((c) => policyResource(stack, c === good ? broken[rule](c) : c));
    const result = await validate(policyFor(rule), resources);
    expect(result.violations).toEqual([{ message: expect.stringMatching(new RegExp(`^${good.name}: .+`)), urn: urnOf(stack, good) }]);
  });

  it("says it cannot judge a guardrail that reads an option Pulumi does not send to policies", async () => {
    expect(OPTIONS_NOT_SENT_TO_POLICIES).toEqual(["replaceOnChanges"]);
    const [rule] = NOT_JUDGED;
    expect(violations([broken[rule](base())], { stack: "dev", bindAddress: "127.0.0.1" }).join("\n")).toContain(rule);
    const resources = containersOf(runs.get("dev")!).map((c) => policyResource("dev", c));
    expect((await validate(policyFor(rule), resources)).notApplicable).toContain(
      "does not send the replaceOnChanges resource option to policies",
    );
  });

  it("during a preview, judges what is known and then reports the unknown value instead of failing", async () => {
    const rule = "image is a RemoteImage id, so a second up replaces nothing";
    const all = containersOf(runs.get("dev")!);
    const good = base();
    const other = all.find((c) => serviceOf(c) === "prometheus" && !isOneShot(c))!;
    const resources = all.map((c) => {
      if (c === good) return policyResource("dev", c, unknownCheckingProxy({ ...c.inputs, image: unknownStringValue }));
      if (c === other) return policyResource("dev", c, { ...c.inputs, image: "prom/prometheus:v3.16.0" });
      return policyResource("dev", c);
    });
    const reported: string[] = [];
    const args = {
      resources,
      stackTags: new Map(),
      getConfig: <T extends object>() => ({}) as T,
      notApplicable: (): never => {
        throw new NotApplicable();
      },
    };
    const outcome = await Promise.resolve()
      .then(() => policyFor(rule).validateStack(args, (m) => reported.push(m)))
      .then(
        () => "completed",
        (e) => (e instanceof UnknownValueError ? "unknown value" : String(e)),
      );
    // The SDK turns the unknown value into an advisory note; the known, broken container is reported.
    expect(outcome).toBe("unknown value");
    expect(reported).toEqual([`${other.name}: image prom/prometheus:v3.16.0 is a tag or digest`]);
  });
});

describe("the pack served as `pulumi preview --policy-pack policy` starts it", () => {
  it("loads with its type check, serves the Analyzer API, and reports a broken container", async () => {
    const policyDir = path.join(ROOT, "policy");
    // The engine runs @pulumi/pulumi/cmd/run-policy-pack <engine> . in the pack's folder and reads the port it prints.
    const child = spawn(process.execPath, [path.join(ROOT, "node_modules/@pulumi/pulumi/cmd/run-policy-pack"), "127.0.0.1:1", "."], {
      cwd: policyDir,
      stdio: ["ignore", "pipe", "pipe"],
    });
    let stderr = "";
    child.stderr.on("data", (d) => (stderr += d));
    try {
      const port = await new Promise<number>((resolve, reject) => {
        const timer = setTimeout(() => reject(new Error(`the pack printed no port within 90 s; stderr:\n${stderr}`)), 90_000);
        let out = "";
        child.stdout.on("data", (d) => {
          out += d;
          const m = /^(\d+)\s*$/m.exec(out);
          if (m) {
            clearTimeout(timer);
            resolve(Number(m[1]));
          }
        });
        child.once("exit", (code) => {
          clearTimeout(timer);
          reject(new Error(`the pack exited (${code}) before serving; stderr:\n${stderr}`));
        });
      });
      const client = new AnalyzerClient(`127.0.0.1:${port}`, grpc.credentials.createInsecure());
      const all = containersOf(runs.get("dev")!);
      const good = base();
      const request = new AnalyzeStackRequest().setResourcesList(
        all.map((c) => {
          const inputs = c === good ? { ...c.inputs, privileged: true } : c.inputs;
          return new AnalyzerResource()
            .setType(c.type)
            .setName(c.name)
            .setUrn(urnOf("dev", c))
            .setProperties(Struct.fromJavaScript(JSON.parse(JSON.stringify(inputs))))
            .setOptions(
              new AnalyzerResourceOptions()
                .setDeletebeforereplace(c.options.deleteBeforeReplace)
                .setDeletebeforereplacedefined(true)
                .setProtect(c.options.protect),
            );
        }),
      );
      const response = await new Promise<AnalyzeResponse>((resolve, reject) =>
        client.analyzeStack(request, (err, res) => (err ? reject(err) : resolve(res))),
      );
      client.close();
      const diagnostics = response
        .getDiagnosticsList()
        .map((d) => ({ policy: d.getPolicyname(), message: d.getMessage(), urn: d.getUrn() }));
      expect(diagnostics).toEqual([
        {
          policy: policyName("no privileged container but cAdvisor"),
          message: expect.stringContaining(`${good.name}: privileged`),
          urn: urnOf("dev", good),
        },
      ]);
      expect(response.getNotApplicableList().map((n) => n.getPolicyName())).toEqual(NOT_JUDGED.map(policyName));
    } finally {
      child.kill("SIGTERM");
    }
  }, 120_000);

  function base() {
    return containersOf(runs.get("dev")!).find((c) => serviceOf(c) === "grafana" && !isOneShot(c))!;
  }
});

import { spawnSync } from "child_process";
import * as path from "path";
import * as pulumi from "@pulumi/pulumi";
import { deserializeProperties, deserializeProperty, specialSecretSig, specialSigKey } from "@pulumi/pulumi/runtime/rpc";
import { mockRandomPassword, RANDOM_PASSWORD } from "../../harness/randomPassword";
import { PROJECT } from "../../harness/stackFiles";

export interface RecordedResource {
  readonly type: string;
  readonly name: string;
  /** Inputs as the provider would receive them (secrets unwrapped). */
  readonly inputs: Record<string, any>;
  readonly options: {
    readonly deleteBeforeReplace: boolean;
    readonly protect: boolean;
    readonly dependsOn: readonly string[];
    readonly parent: string | undefined;
    readonly provider: string | undefined;
    /** Inputs whose change replaces the resource even where the provider would update in place. */
    readonly replaceOnChanges: readonly string[];
  };
  /** Input property names whose value is a Pulumi secret. */
  readonly secretInputs: readonly string[];
}

export interface ProgramRun {
  readonly resources: RecordedResource[];
  readonly outputs: Record<string, any>;
  /** `type::name` of every resource that reached the provider (its inputs all resolved). */
  readonly created: ReadonlySet<string>;
  /**
   * `type::name` → what each of our components registered as its outputs (registerOutputs), as
   * the state file keeps them; secrets unwrapped.
   */
  readonly componentOutputs: Readonly<Record<string, Record<string, any>>>;
}

// Duck-typed: index.ts is loaded in an isolated module registry, so `instanceof Resource` fails.
const nameOf = (r: unknown): string | undefined => (r && typeof r === "object" && "__name" in r ? String((r as any).__name) : undefined);

/** What the fake Docker host looks like to the program. */
export interface MockWorld {
  /** Networks `docker.getNetwork` finds; undefined: every network asked for exists. */
  readonly networks?: readonly string[];
  /** One-shot containers whose Docker name starts with the prefix exit non-zero with that output. */
  readonly failures?: readonly { readonly namePrefix: string; readonly exitCode: number; readonly logs: string }[];
  /** One-shot containers take this long to run (the provider waits for them): what depends on them must wait too. */
  readonly oneShotRunMs?: number;
}

export const MOCK_GATEWAY = "172.31.0.1";

/** Fake provider answers for computed outputs the program reads. */
function mockState(type: string, name: string, inputs: Record<string, any>, world: MockWorld): Record<string, any> {
  switch (type) {
    case "docker:index/remoteImage:RemoteImage":
      return {
        ...inputs,
        imageId: `sha256:${Buffer.from(inputs.name).toString("hex").slice(0, 64).padEnd(64, "0")}`,
        repoDigest: `${inputs.name}@sha256:0`,
      };
    case "docker:index/network:Network":
      return { ...inputs, name: inputs.name ?? name, ipamConfigs: [{ subnet: "172.31.0.0/16", gateway: MOCK_GATEWAY }] };
    case "docker:index/volume:Volume":
      return { ...inputs, name: inputs.name ?? name };
    case RANDOM_PASSWORD:
      return { ...inputs, ...mockRandomPassword(name, inputs) };
    case "grafana:oss/dashboard:Dashboard":
      // Grafana answers with the dashboard's address, /d/<uid>/<slug>.
      return { ...inputs, url: `http://grafana.mock/d/${JSON.parse(inputs.configJson).uid}` };
    case "docker:index/container:Container": {
      if (!inputs.attach) return inputs;
      // The provider reads a one-shot container's exit code and logs after waiting for it.
      const failure = world.failures?.find((f) => String(inputs.name).startsWith(f.namePrefix));
      return { ...inputs, exitCode: failure?.exitCode ?? 0, containerLogs: failure?.logs ?? "done\n" };
    }
    default:
      return inputs;
  }
}

function mockCall(token: string, inputs: Record<string, any>, world: MockWorld): Record<string, any> {
  if (token === "docker:index/getNetwork:getNetwork") {
    if (world.networks && !world.networks.includes(inputs.name)) throw new Error(`Error: network ${inputs.name} not found`);
    return {
      id: `${inputs.name}-id`,
      name: inputs.name,
      driver: "bridge",
      internal: false,
      ipamConfigs: [],
      options: {},
      scope: "local",
      containers: [],
    };
  }
  return inputs;
}

/**
 * Runs the real index.ts under Pulumi's mocks with the given flat config map, recording every
 * resource with its inputs and options. One scenario per call; modules are isolated per call.
 * For a program expected to fail, use runFailingProgram: a failing program rejects several of
 * the runtime's promises, and Jest would pin the echoes on whichever test runs next.
 */
export async function runProgram(
  stack: string,
  config: Record<string, string>,
  secretKeys: readonly string[],
  world: MockWorld = {},
): Promise<ProgramRun> {
  return mutationRunCache("runProgram", [stack, config, secretKeys, world], () => runProgramOnce(stack, config, secretKeys, world));
}

/**
 * Under `npm run mutation` only: one mutant's run of the test files computes a program with given
 * inputs once, not once per file (test/mutation/jestEnvironment.js provides the cache, per mutant).
 */
function mutationRunCache<T>(kind: string, inputs: unknown, run: () => T): T {
  const cache = (globalThis as { __mutationRunCache__?: Map<string, unknown> }).__mutationRunCache__;
  if (!cache) return run();
  const key = JSON.stringify([kind, inputs]);
  if (!cache.has(key)) cache.set(key, run());
  return cache.get(key) as T;
}

async function runProgramOnce(
  stack: string,
  config: Record<string, string>,
  secretKeys: readonly string[],
  world: MockWorld,
): Promise<ProgramRun> {
  return executeProgram(stack, config, secretKeys, world, async () => {
    let exported: Record<string, any> = {};
    await jest.isolateModulesAsync(async () => {
      exported = require("../../index");
    });
    return exported;
  });
}

/** The mocks run itself, independent of Jest, so programChild.ts can run it in a child process. */
export async function executeProgram(
  stack: string,
  config: Record<string, string>,
  secretKeys: readonly string[],
  world: MockWorld,
  loadIndex: () => Promise<Record<string, any>>,
  onCreated: (key: string) => void = () => undefined,
): Promise<ProgramRun> {
  const registered = new Map<string, { type: string; inputs: Record<string, any> }>();
  const pending: Promise<void>[] = [];
  const captured: Omit<RecordedResource, "inputs">[] = [];

  await pulumi.runtime.setMocks(
    {
      async newResource(args) {
        registered.set(`${args.type}::${args.name}`, { type: args.type, inputs: args.inputs });
        onCreated(`${args.type}::${args.name}`);
        const result = { id: `${args.name}-id`, state: mockState(args.type, args.name, args.inputs, world) };
        if (world.oneShotRunMs && args.type === "docker:index/container:Container" && args.inputs.attach)
          await new Promise((r) => setTimeout(r, world.oneShotRunMs));
        return result;
      },
      call(args) {
        return mockCall(args.token, args.inputs, world);
      },
    },
    PROJECT,
    stack,
    false,
  );
  pulumi.runtime.setAllConfig(
    config,
    secretKeys.map((k) => `${PROJECT}:${k}`),
  );

  const outputs = await pulumi.runtime.runInPulumiStack(async () => {
    pulumi.runtime.registerStackTransformation((t) => {
      const secretInputs: string[] = [];
      const record = {
        type: t.type,
        name: t.name,
        options: {
          deleteBeforeReplace: (t.opts as pulumi.CustomResourceOptions).deleteBeforeReplace === true,
          protect: t.opts.protect === true,
          dependsOn: ([] as unknown[]).concat(t.opts.dependsOn ?? []).map((d) => nameOf(d) ?? "?"),
          parent: nameOf(t.opts.parent),
          provider: nameOf((t.opts as pulumi.CustomResourceOptions).provider),
          replaceOnChanges: [...(t.opts.replaceOnChanges ?? [])],
        },
        secretInputs,
      };
      captured.push(record);
      for (const [k, v] of Object.entries(t.props ?? {})) {
        pending.push(
          pulumi
            .isSecret(pulumi.output(v))
            .then((s) => {
              if (s) secretInputs.push(k);
            })
            .catch(() => undefined),
        );
      }
      return undefined;
    });
    return loadIndex();
  });
  // Drain outstanding RPCs before the next scenario, or a Jest worker can die mid-registration.
  await (pulumi.runtime as any).waitForRPCs?.();
  await Promise.all(pending);

  const resources = captured.map((c) => ({ ...c, inputs: registered.get(`${c.type}::${c.name}`)?.inputs ?? {} }));
  return {
    resources,
    outputs: (outputs ?? {}) as Record<string, any>,
    created: new Set(registered.keys()),
    componentOutputs: await componentOutputsOf(registered),
  };
}

/** The outputs the mock engine holds for each component (registerResourceOutputs replaced its state). */
async function componentOutputsOf(registered: ReadonlyMap<string, { type: string }>): Promise<Record<string, Record<string, any>>> {
  const monitor = (pulumi.runtime as any).getMonitor() as { getRegisteredResources(): Map<string, { urn: string; state: any }> };
  const out: Record<string, Record<string, any>> = {};
  for (const { urn, state } of monitor.getRegisteredResources().values()) {
    const [type, name] = urn.split("::").slice(-2);
    const key = `${type.split("$").pop()}::${name}`;
    if (!key.startsWith("tutordex:") || !registered.has(key)) continue;
    // A Struct once registerResourceOutputs ran; before that, the serialized registration state.
    out[key] = unwrapSecrets(typeof state?.toJavaScript === "function" ? deserializeProperties(state) : deserializeProperty(state));
  }
  return out;
}

function unwrapSecrets(v: any): any {
  if (Array.isArray(v)) return v.map(unwrapSecrets);
  if (v && typeof v === "object") {
    if (v[specialSigKey] === specialSecretSig) return unwrapSecrets(v.value);
    return Object.fromEntries(Object.entries(v).map(([k, x]) => [k, unwrapSecrets(x)]));
  }
  return v;
}

/**
 * Runs a program that is expected to fail, in a child process (test/support/programChild.ts),
 * and returns the error `pulumi up` would stop with, or undefined if it did not fail.
 */
export function runFailingProgram(
  stack: string,
  config: Record<string, string>,
  secretKeys: readonly string[],
  world: MockWorld = {},
): { error: string | undefined; created: string[] } {
  return mutationRunCache("runFailingProgram", [stack, config, secretKeys, world], () =>
    runFailingProgramOnce(stack, config, secretKeys, world),
  );
}

function runFailingProgramOnce(
  stack: string,
  config: Record<string, string>,
  secretKeys: readonly string[],
  world: MockWorld,
): { error: string | undefined; created: string[] } {
  const root = path.resolve(__dirname, "..", "..");
  const r = spawnSync(path.join(root, "node_modules/.bin/ts-node"), ["--transpile-only", path.join(__dirname, "programChild.ts")], {
    cwd: root,
    input: JSON.stringify({ stack, config, secretKeys, world }),
    encoding: "utf8",
    timeout: 120_000,
  });
  const line = (r.stdout ?? "").trim().split("\n").pop() ?? "";
  try {
    return JSON.parse(line) as { error: string | undefined; created: string[] };
  } catch {
    throw new Error(`the program child did not answer (exit ${r.status}): ${r.stderr}`);
  }
}

export const containersOf = (run: ProgramRun) => run.resources.filter((r) => r.type === "docker:index/container:Container");

/** The docker Container of that Pulumi name (its ServiceContainer component shares the name). */
export const containerNamed = (run: ProgramRun, name: string) => {
  const c = containersOf(run).find((x) => x.name === name);
  if (!c) throw new Error(`no container named ${name}`);
  return c;
};

/** The value of an input the engine received as a secret (Pulumi's secret envelope); fails on a plain one. */
export function secretValue(input: unknown): any {
  expect(input).toEqual({ [specialSigKey]: specialSecretSig, value: expect.anything() });
  return (input as { value: unknown }).value;
}

/**
 * A container's uploads as the provider receives them. The mock monitor lifts a secret element
 * (a password file) to the whole list, so the list is unwrapped here; secretUploads says which.
 */
export function uploadsOf(resource: RecordedResource): { file: string; content: string }[] {
  const u = resource.inputs.uploads;
  return (u && typeof u === "object" && !Array.isArray(u) && u[specialSigKey] === specialSecretSig ? u.value : (u ?? [])) as {
    file: string;
    content: string;
  }[];
}

/** The content of one upload of a container; fails naming the files it has when that one is missing. */
export function uploadNamed(resource: RecordedResource, file: string): string {
  const all = uploadsOf(resource);
  const u = all.find((x) => x.file === file);
  if (!u) throw new Error(`${resource.name} gets no ${file} (it gets ${all.map((x) => x.file).join(", ")})`);
  return u.content;
}

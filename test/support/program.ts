import * as pulumi from "@pulumi/pulumi";
import { PROJECT } from "./stackFiles";

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
  };
  /** Input property names whose value is a Pulumi secret. */
  readonly secretInputs: readonly string[];
}

export interface ProgramRun {
  readonly resources: RecordedResource[];
  readonly outputs: Record<string, any>;
}

// Duck-typed: index.ts is loaded in an isolated module registry, so `instanceof Resource` fails.
const nameOf = (r: unknown): string | undefined => (r && typeof r === "object" && "__name" in r ? String((r as any).__name) : undefined);

/** Fake provider answers for computed outputs the program reads. */
function mockState(type: string, name: string, inputs: Record<string, any>): Record<string, any> {
  switch (type) {
    case "docker:index/remoteImage:RemoteImage":
      return { ...inputs, imageId: `sha256:${Buffer.from(inputs.name).toString("hex").slice(0, 64).padEnd(64, "0")}`, repoDigest: `${inputs.name}@sha256:0` };
    case "docker:index/network:Network":
      return { ...inputs, name: inputs.name ?? name };
    case "docker:index/volume:Volume":
      return { ...inputs, name: inputs.name ?? name };
    default:
      return inputs;
  }
}

/**
 * Runs the real index.ts under Pulumi's mocks with the given flat config map, recording every
 * resource with its inputs and options. One scenario per call; modules are isolated per call.
 */
export async function runProgram(stack: string, config: Record<string, string>, secretKeys: readonly string[]): Promise<ProgramRun> {
  const registered = new Map<string, { type: string; inputs: Record<string, any> }>();
  const pending: Promise<void>[] = [];
  const captured: Omit<RecordedResource, "inputs">[] = [];

  await pulumi.runtime.setMocks(
    {
      newResource(args) {
        registered.set(`${args.type}::${args.name}`, { type: args.type, inputs: args.inputs });
        return { id: `${args.name}-id`, state: mockState(args.type, args.name, args.inputs) };
      },
      call(args) {
        return args.inputs;
      },
    },
    PROJECT,
    stack,
    false,
  );
  pulumi.runtime.setAllConfig(config, secretKeys.map((k) => `${PROJECT}:${k}`));

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
    let exported: Record<string, any> = {};
    await jest.isolateModulesAsync(async () => {
      exported = require("../../index");
    });
    return exported;
  });
  // Drain outstanding RPCs before the next scenario, or a Jest worker can die mid-registration.
  await (pulumi.runtime as any).waitForRPCs?.();
  await Promise.all(pending);

  const resources = captured.map((c) => ({ ...c, inputs: registered.get(`${c.type}::${c.name}`)?.inputs ?? {} }));
  return { resources, outputs: (outputs ?? {}) as Record<string, any> };
}

export const containersOf = (run: ProgramRun) => run.resources.filter((r) => r.type === "docker:index/container:Container");

/** The docker Container of that Pulumi name (its ServiceContainer component shares the name). */
export const containerNamed = (run: ProgramRun, name: string) => {
  const c = containersOf(run).find((x) => x.name === name);
  if (!c) throw new Error(`no container named ${name}`);
  return c;
};

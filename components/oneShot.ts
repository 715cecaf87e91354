import * as docker from "@pulumi/docker";
import * as pulumi from "@pulumi/pulumi";
import { ROLE_LABEL } from "../config/labels";
import { hardening } from "./hardening";
import { CheckOutcome, StackContext, stackLabels } from "./serviceContainer";
import { ContainerService } from "../config/services";

export interface OneShotArgs {
  readonly context: StackContext;
  readonly service: ContainerService;
  readonly role: "config-sync" | "readiness-gate";
  /** Docker name; it carries a hash of what the run is about, so a new input means a new run. */
  readonly name: pulumi.Input<string>;
  /** An image with busybox (sh, cp, wget): the Prometheus-family images have it. */
  readonly image: string;
  readonly script: string;
  readonly user?: string;
  /** Environment (a secret one keeps credentials out of the uploads, whose diff `pulumi preview` shows). */
  readonly envs?: pulumi.Input<pulumi.Input<string>[]>;
  readonly volumes?: docker.ContainerArgs["volumes"];
  readonly uploads?: docker.ContainerArgs["uploads"];
  readonly dependsOn?: pulumi.Input<pulumi.Resource>[];
}

/**
 * The memory limit of a one-shot container, swap included. The config-sync runs the service's own
 * checker (promtool, amtool): `promtool check config` of the stack's files peaks at about 62 MB
 * resident, its 114 MB binary's pages included, which a cgroup counts against the limit. At 32 MiB
 * it thrashed on those pages and, on a loaded host, did not finish within 5 minutes (seen in the
 * upgrade rehearsal). test/tools/oneShotMemory.test.ts keeps each checker's peak under half of it.
 */
export const ONE_SHOT_MEMORY_MB = 256;

/** The error `pulumi up` fails with when a one-shot container did not succeed. */
export function oneShotFailure(what: string, exitCode: number, logs: string | undefined): string {
  const output = (logs ?? "").trim();
  return `${what} failed (exit code ${exitCode})${output ? `:\n${output}` : " without output"}`;
}

/**
 * A container that runs once per distinct input and must succeed. The provider waits for it
 * (`attach`) and stores its logs, but never looks at its exit code, so the check happens here:
 * a non-zero exit fails `pulumi up` with the container's own output, and keeps failing every
 * `up` until the inputs change (the failed run stays in state with its exit code).
 */
export class OneShot extends pulumi.ComponentResource {
  readonly container: docker.Container;
  /** How the run ended (exit code 0, or the failure with the container's output). */
  readonly outcome: pulumi.Output<CheckOutcome>;

  constructor(name: string, args: OneShotArgs, opts?: pulumi.ComponentResourceOptions) {
    super("tutordex:docker:OneShot", name, {}, opts);
    const { context } = args;
    this.container = new docker.Container(
      name,
      {
        name: args.name,
        image: context.images.idOf(args.image),
        entrypoints: ["/bin/sh", "-c", args.script],
        restart: "no",
        user: args.user,
        envs: args.envs,
        mustRun: false,
        attach: true,
        logs: true,
        memory: ONE_SHOT_MEMORY_MB,
        memorySwap: ONE_SHOT_MEMORY_MB,
        ...hardening({ privileged: false, hostPid: false }),
        labels: [...stackLabels(context.stack, args.service), { label: ROLE_LABEL, value: args.role }],
        networksAdvanced: [{ name: context.networkName }],
        volumes: args.volumes,
        uploads: args.uploads,
      },
      { parent: this, provider: context.provider, dependsOn: args.dependsOn },
    );
    const what = `${args.role} of ${args.service}`;
    this.outcome = pulumi
      .all([this.container.exitCode, this.container.containerLogs])
      .apply(([code, logs]) =>
        code !== undefined && code !== 0
          ? { ok: false, message: oneShotFailure(what, code, logs) }
          : { ok: true, message: `${what}: ${(logs ?? "").trim().split("\n").pop() || "done"}` },
      );
    context.checks.push(this.outcome);
    this.registerOutputs({ containerName: this.container.name });
  }
}

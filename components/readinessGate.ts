import * as docker from "@pulumi/docker";
import * as pulumi from "@pulumi/pulumi";
import { ContainerService } from "../config/services";
import { OneShot } from "./oneShot";
import { aliasOf, dockerName, StackContext, WAIT_TIMEOUT_S } from "./serviceContainer";

/**
 * The probe a gate runs: poll the URL until it answers 2xx, within the same bound Docker's
 * healthcheck wait has. Exported so a test can run it with busybox against a real server.
 */
export function gateScript(url: string, timeoutSeconds = WAIT_TIMEOUT_S): string {
  return [
    `deadline=$(( $(date +%s) + ${timeoutSeconds} ))`,
    `until wget -q -O /dev/null ${url}; do`,
    `  if [ "$(date +%s)" -ge "$deadline" ]; then echo "${url} did not answer 2xx within ${timeoutSeconds}s"; exit 1; fi`,
    "  sleep 2",
    "done",
    `echo "${url} is ready"`,
  ].join("\n");
}

export interface ReadinessGateArgs {
  readonly context: StackContext;
  readonly service: ContainerService;
  /** The container whose readiness is awaited; a replacement of it runs the gate again. */
  readonly target: docker.Container;
  readonly url: string;
  /** An image with busybox wget: the stack's Prometheus image. */
  readonly probeImage: string;
}

/**
 * Readiness for images with no tool to run a healthcheck (the collector is FROM scratch, Loki and
 * Tempo are distroless from 3.6 and 2.9.3 on, Promtail and Alloy are Ubuntu without wget): a
 * one-shot probe on the stack network that must see the service answer, or `pulumi up` fails.
 * Its name carries the target's container id, so every new container is gated once.
 */
export class ReadinessGate extends pulumi.ComponentResource {
  readonly probe: OneShot;

  constructor(name: string, args: ReadinessGateArgs, opts?: pulumi.ComponentResourceOptions) {
    super("tutordex:docker:ReadinessGate", name, {}, opts);
    this.probe = new OneShot(
      `${name}-probe`,
      {
        context: args.context,
        service: args.service,
        role: "readiness-gate",
        name: args.target.id.apply((id) => dockerName(args.context.stack, `${aliasOf(args.service)}-ready-${id.slice(0, 12)}`)),
        image: args.probeImage,
        script: gateScript(args.url),
        dependsOn: [args.target],
      },
      { parent: this },
    );
    this.registerOutputs({ probe: this.probe.container.name });
  }
}

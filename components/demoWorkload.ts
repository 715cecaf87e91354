import * as pulumi from "@pulumi/pulumi";
import { DEMO_WORKLOAD } from "../config/services";
import { bundle } from "./bundle";
import { ServiceContainer, StackContext } from "./serviceContainer";

export const SIMULATOR_ENTRY = "simulator/src/main.ts";
export const SIMULATOR_FILE = "/app/simulator.js";

export interface DemoWorkloadArgs {
  readonly context: StackContext;
  /** A Node image; the stack uses the bridge's pinned one. */
  readonly image: string;
  readonly memoryMb: number;
  readonly scenario: string;
}

/**
 * The simulated TutorDex as a demo workload: collector, worker and backend metrics, health
 * endpoints and JSON logs, so a fresh dev stack has live dashboards and alerts to look at.
 */
export class DemoWorkload extends pulumi.ComponentResource {
  readonly service: ServiceContainer;

  constructor(name: string, args: DemoWorkloadArgs, opts?: pulumi.ComponentResourceOptions) {
    super("tutordex:observability:DemoWorkload", name, {}, opts);
    const { ports } = DEMO_WORKLOAD;
    this.service = new ServiceContainer(
      name,
      {
        context: args.context,
        service: "demoWorkload",
        image: args.image,
        memoryMb: args.memoryMb,
        readiness: {
          kind: "healthcheck",
          test: ["CMD", "wget", "-q", "-O", "/dev/null", `http://127.0.0.1:${ports.worker}/health/worker`],
        },
        command: ["node", SIMULATOR_FILE],
        user: "node",
        envs: [
          `SCENARIO=${args.scenario}`,
          `COLLECTOR_PORT=${ports.collector}`,
          `WORKER_PORT=${ports.worker}`,
          `BACKEND_PORT=${ports.backend}`,
        ],
        extraAliases: DEMO_WORKLOAD.appAliases,
        uploads: [{ file: SIMULATOR_FILE, content: bundle(SIMULATOR_ENTRY) }],
      },
      { parent: this },
    );
    this.registerOutputs({ containerName: this.service.containerName });
  }
}

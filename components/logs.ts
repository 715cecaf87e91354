import * as pulumi from "@pulumi/pulumi";
import { PeerAddresses, SERVICES } from "../config/services";
import { LOKI_DATA_DIR, renderLokiConfig } from "../generators/loki";
import { DOCKER_SOCKET, PROMTAIL_DATA_DIR, renderPromtailConfig } from "../generators/promtail";
import { dataVolume, ServiceContainer, StackContext } from "./serviceContainer";

export interface LokiArgs {
  readonly context: StackContext;
  readonly image: string;
  readonly memoryMb: number;
  readonly hostPort: number;
  readonly retention: string;
}

/** Loki has no config reload worth trusting; its file is uploaded and a change recreates it, data stays. */
export class Loki extends pulumi.ComponentResource {
  readonly service: ServiceContainer;

  constructor(name: string, args: LokiArgs, opts?: pulumi.ComponentResourceOptions) {
    super("tutordex:observability:Loki", name, {}, opts);
    const data = dataVolume(`${name}-data`, args.context, "loki", "data", this);
    const port = SERVICES.loki.port;
    this.service = new ServiceContainer(
      name,
      {
        context: args.context,
        service: "loki",
        image: args.image,
        memoryMb: args.memoryMb,
        // The Loki image has no HTTP client; blackbox probes /ready (job blackbox_stack_ready).
        readiness: { kind: "external", prometheusJob: "blackbox_stack_ready", url: `http://${SERVICES.loki.alias}:${port}/ready` },
        command: ["-config.file=/etc/loki/tutordex.yml"],
        ports: [{ internal: port, external: args.hostPort }],
        volumes: [{ volumeName: data.name, containerPath: LOKI_DATA_DIR }],
        uploads: [{ file: "/etc/loki/tutordex.yml", content: renderLokiConfig(args.retention) }],
      },
      { parent: this },
    );
    this.registerOutputs({});
  }
}

export interface PromtailArgs {
  readonly context: StackContext;
  readonly image: string;
  readonly memoryMb: number;
  readonly peers: PeerAddresses;
}

export class Promtail extends pulumi.ComponentResource {
  readonly service: ServiceContainer;

  constructor(name: string, args: PromtailArgs, opts?: pulumi.ComponentResourceOptions) {
    super("tutordex:observability:Promtail", name, {}, opts);
    const positions = dataVolume(`${name}-positions`, { ...args.context, protectData: false }, "promtail", "positions", this);
    this.service = new ServiceContainer(
      name,
      {
        context: args.context,
        service: "promtail",
        image: args.image,
        memoryMb: args.memoryMb,
        readiness: { kind: "external", prometheusJob: "promtail", url: `http://${SERVICES.promtail.alias}:${SERVICES.promtail.port}/ready` },
        command: ["-config.file=/etc/promtail/tutordex.yml"],
        volumes: [{ volumeName: positions.name, containerPath: PROMTAIL_DATA_DIR }],
        hostPaths: [{ hostPath: DOCKER_SOCKET, containerPath: DOCKER_SOCKET }],
        uploads: [{ file: "/etc/promtail/tutordex.yml", content: renderPromtailConfig({ stack: args.context.stack }, args.peers) }],
      },
      { parent: this },
    );
    this.registerOutputs({});
  }
}

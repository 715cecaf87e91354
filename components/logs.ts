import * as pulumi from "@pulumi/pulumi";
import { PeerAddresses, SERVICES } from "../config/services";
import { ALLOY_DATA_DIR, alloyArgs } from "../generators/alloy";
import { LOKI_DATA_DIR } from "../generators/loki";
import { EXPAND_ENV_FLAG, LOKI_SECRET_ENV } from "../generators/objectStorage";
import { DOCKER_SOCKET, PROMTAIL_DATA_DIR } from "../generators/promtail";
import { ReadinessGate } from "./readinessGate";
import { dataVolume, ServiceContainer, StackContext } from "./serviceContainer";

export const LOKI_CONFIG_FILE = "/etc/loki/tutordex.yml";
export const PROMTAIL_CONFIG_FILE = "/etc/promtail/tutordex.yml";
export const ALLOY_CONFIG_FILE = "/etc/alloy/tutordex.alloy";
/** Loki flushes its in-memory chunks on SIGTERM. */
export const LOKI_STOP_GRACE_S = 60;

export interface LokiArgs {
  readonly context: StackContext;
  readonly image: string;
  readonly memoryMb: number;
  readonly hostPort: number;
  readonly file: string;
  /** With chunks in a bucket: its secret access key, which Loki reads from its environment. */
  readonly objectStorageSecretKey?: pulumi.Output<string>;
  readonly peers: PeerAddresses;
  /** An image with busybox wget for the readiness probe. */
  readonly probeImage: string;
}

/** Loki has no config reload worth trusting; its file is uploaded and a change recreates it, data stays. */
export class Loki extends pulumi.ComponentResource {
  readonly service: ServiceContainer;
  readonly ready: ReadinessGate;

  constructor(name: string, args: LokiArgs, opts?: pulumi.ComponentResourceOptions) {
    super("tutordex:observability:Loki", name, {}, opts);
    const data = dataVolume(`${name}-data`, args.context, "loki", "data", this);
    const port = SERVICES.loki.port;
    const secretKey = args.objectStorageSecretKey;
    const url = `http://${args.peers.loki}/ready`;
    this.service = new ServiceContainer(
      name,
      {
        context: args.context,
        service: "loki",
        image: args.image,
        memoryMb: args.memoryMb,
        // A gate, not a healthcheck: from 3.6.0 on the image is distroless without busybox, so a
        // wget healthcheck would never pass. /ready answers 503 for its first 15 s by design.
        readiness: { kind: "gate", url },
        command: [`-config.file=${LOKI_CONFIG_FILE}`, ...(secretKey ? [EXPAND_ENV_FLAG] : [])],
        // Secret, so the key never shows in preview or state in clear; the file only names the variable.
        envs: secretKey ? pulumi.secret(secretKey.apply((key) => [`${LOKI_SECRET_ENV}=${key}`])) : undefined,
        ports: [{ internal: port, external: args.hostPort }],
        volumes: [{ volumeName: data.name, containerPath: LOKI_DATA_DIR }],
        uploads: [{ file: LOKI_CONFIG_FILE, content: args.file }],
        stopGraceSeconds: LOKI_STOP_GRACE_S,
      },
      { parent: this },
    );
    this.ready = new ReadinessGate(
      `${name}-ready`,
      { context: args.context, service: "loki", target: this.service.container, url, probeImage: args.probeImage },
      { parent: this },
    );
    this.registerOutputs({ containerName: this.service.containerName });
  }
}

export interface PromtailArgs {
  readonly context: StackContext;
  readonly image: string;
  readonly memoryMb: number;
  readonly file: string;
  readonly peers: PeerAddresses;
  /** An image with busybox wget for the readiness probe (the image has no HTTP client). */
  readonly probeImage: string;
}

export class Promtail extends pulumi.ComponentResource {
  readonly service: ServiceContainer;
  readonly ready: ReadinessGate;

  constructor(name: string, args: PromtailArgs, opts?: pulumi.ComponentResourceOptions) {
    super("tutordex:observability:Promtail", name, {}, opts);
    const positions = dataVolume(`${name}-positions`, { ...args.context, protectData: false }, "promtail", "positions", this);
    const url = `http://${args.peers.promtail}/ready`;
    this.service = new ServiceContainer(
      name,
      {
        context: args.context,
        service: "promtail",
        image: args.image,
        memoryMb: args.memoryMb,
        readiness: { kind: "gate", url },
        command: [`-config.file=${PROMTAIL_CONFIG_FILE}`],
        volumes: [{ volumeName: positions.name, containerPath: PROMTAIL_DATA_DIR }],
        hostPaths: [{ hostPath: DOCKER_SOCKET, containerPath: DOCKER_SOCKET }],
        uploads: [{ file: PROMTAIL_CONFIG_FILE, content: args.file }],
      },
      { parent: this },
    );
    this.ready = new ReadinessGate(
      `${name}-ready`,
      { context: args.context, service: "promtail", target: this.service.container, url, probeImage: args.probeImage },
      { parent: this },
    );
    this.registerOutputs({ containerName: this.service.containerName });
  }
}

export type AlloyArgs = PromtailArgs;

/**
 * Grafana Alloy as the log agent (`logAgent: alloy`), with the same label contract as Promtail.
 * The image is Ubuntu with neither wget nor curl, so readiness is a one-shot gate on /-/ready like
 * Promtail's. It runs as the image's default user (root): the Docker socket is root's.
 */
export class Alloy extends pulumi.ComponentResource {
  readonly service: ServiceContainer;
  readonly ready: ReadinessGate;

  constructor(name: string, args: AlloyArgs, opts?: pulumi.ComponentResourceOptions) {
    super("tutordex:observability:Alloy", name, {}, opts);
    // Positions only: losing them re-ships recent lines, so they are never protected.
    const positions = dataVolume(`${name}-positions`, { ...args.context, protectData: false }, "alloy", "positions", this);
    const url = `http://${args.peers.alloy}/-/ready`;
    this.service = new ServiceContainer(
      name,
      {
        context: args.context,
        service: "alloy",
        image: args.image,
        memoryMb: args.memoryMb,
        readiness: { kind: "gate", url },
        command: alloyArgs({ configFile: ALLOY_CONFIG_FILE, storagePath: ALLOY_DATA_DIR }),
        volumes: [{ volumeName: positions.name, containerPath: ALLOY_DATA_DIR }],
        hostPaths: [{ hostPath: DOCKER_SOCKET, containerPath: DOCKER_SOCKET }],
        uploads: [{ file: ALLOY_CONFIG_FILE, content: args.file }],
      },
      { parent: this },
    );
    this.ready = new ReadinessGate(
      `${name}-ready`,
      { context: args.context, service: "alloy", target: this.service.container, url, probeImage: args.probeImage },
      { parent: this },
    );
    this.registerOutputs({ containerName: this.service.containerName });
  }
}

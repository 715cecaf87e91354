import * as pulumi from "@pulumi/pulumi";
import { OTEL_HEALTH_PORT, OTLP_GRPC_PORT, OTLP_HTTP_PORT, PeerAddresses, SERVICES } from "../config/services";
import { passwordFile, SECRETS_DIRS } from "../generators/apiAuth";
import { otelCollectorArgs } from "../generators/commandLines";
import { EXPAND_ENV_FLAG, TEMPO_SECRET_ENV } from "../generators/objectStorage";
import { TEMPO_DATA_DIR } from "../generators/tempo";
import { ReadinessGate } from "./readinessGate";
import { dataVolume, ExtraNetwork, ServiceContainer, StackContext } from "./serviceContainer";

export const TEMPO_CONFIG_FILE = "/etc/tempo/tutordex.yml";
export const OTEL_CONFIG_FILE = "/etc/otelcol/tutordex.yml";
/** Tempo cuts and flushes its WAL blocks on SIGTERM. */
export const TEMPO_STOP_GRACE_S = 60;

export interface TempoArgs {
  readonly context: StackContext;
  readonly image: string;
  readonly memoryMb: number;
  readonly hostPort: number;
  readonly file: string;
  /** With blocks in a bucket: its secret access key, which Tempo reads from its environment. */
  readonly objectStorageSecretKey?: pulumi.Output<string>;
  /** Prometheus's API password (a Pulumi secret): the metrics generator remote-writes with it. */
  readonly prometheusPassword: pulumi.Output<string>;
  readonly peers: PeerAddresses;
  /** An image with busybox wget for the readiness probe. */
  readonly probeImage: string;
}

export class Tempo extends pulumi.ComponentResource {
  readonly service: ServiceContainer;
  readonly ready: ReadinessGate;

  constructor(name: string, args: TempoArgs, opts?: pulumi.ComponentResourceOptions) {
    super("tutordex:observability:Tempo", name, {}, opts);
    const data = dataVolume(`${name}-data`, args.context, "tempo", "data", this);
    const port = SERVICES.tempo.port;
    const secretKey = args.objectStorageSecretKey;
    const url = `http://${args.peers.tempo}/ready`;
    this.service = new ServiceContainer(
      name,
      {
        context: args.context,
        service: "tempo",
        image: args.image,
        memoryMb: args.memoryMb,
        // A gate, not a healthcheck: from 2.9.3 on the image is distroless without busybox.
        readiness: { kind: "gate", url },
        command: [`-config.file=${TEMPO_CONFIG_FILE}`, ...(secretKey ? [EXPAND_ENV_FLAG] : [])],
        // Secret, so the key never shows in preview or state in clear; the file only names the variable.
        envs: secretKey ? pulumi.secret(secretKey.apply((key) => [`${TEMPO_SECRET_ENV}=${key}`])) : undefined,
        // The image has no /var/tempo owned by its user, so a fresh volume is root's; Tempo runs as root to write it.
        user: "0",
        ports: [{ internal: port, external: args.hostPort }],
        volumes: [{ volumeName: data.name, containerPath: TEMPO_DATA_DIR }],
        uploads: [
          { file: TEMPO_CONFIG_FILE, content: args.file },
          { file: passwordFile("prometheus", SECRETS_DIRS.tempo), content: pulumi.secret(args.prometheusPassword) },
        ],
        stopGraceSeconds: TEMPO_STOP_GRACE_S,
      },
      { parent: this },
    );
    this.ready = new ReadinessGate(
      `${name}-ready`,
      { context: args.context, service: "tempo", target: this.service.container, url, probeImage: args.probeImage },
      { parent: this },
    );
    this.registerOutputs({ containerName: this.service.containerName });
  }
}

export interface OtelCollectorArgs {
  readonly context: StackContext;
  readonly image: string;
  readonly memoryMb: number;
  readonly grpcHostPort: number;
  readonly httpHostPort: number;
  readonly file: string;
  readonly peers: PeerAddresses;
  /** The application's networks: it sends to `otel-collector` there. */
  readonly appNetworks: readonly ExtraNetwork[];
  /** An image with busybox wget for the readiness probe (the collector image is FROM scratch). */
  readonly probeImage: string;
  /** Prometheus's API password (a Pulumi secret): the metrics exporter sends with it. */
  readonly prometheusPassword: pulumi.Output<string>;
}

export class OtelCollector extends pulumi.ComponentResource {
  readonly service: ServiceContainer;
  readonly ready: ReadinessGate;

  constructor(name: string, args: OtelCollectorArgs, opts?: pulumi.ComponentResourceOptions) {
    super("tutordex:observability:OtelCollector", name, {}, opts);
    const alias = SERVICES.otelCollector.alias;
    const url = `http://${args.peers.otelCollectorHealth}/`;
    this.service = new ServiceContainer(
      name,
      {
        context: args.context,
        service: "otelCollector",
        image: args.image,
        memoryMb: args.memoryMb,
        readiness: { kind: "gate", url },
        command: otelCollectorArgs({ configFile: OTEL_CONFIG_FILE }),
        ports: [
          { internal: OTLP_GRPC_PORT, external: args.grpcHostPort },
          { internal: OTLP_HTTP_PORT, external: args.httpHostPort },
        ],
        // The applications send to http://otel-collector:4318 on their own network.
        extraNetworks: args.appNetworks.map((n) => ({ name: n.name, aliases: [alias] })),
        uploads: [
          { file: OTEL_CONFIG_FILE, content: args.file },
          { file: passwordFile("prometheus", SECRETS_DIRS.otelCollector), content: pulumi.secret(args.prometheusPassword) },
        ],
      },
      { parent: this },
    );
    this.ready = new ReadinessGate(
      `${name}-ready`,
      { context: args.context, service: "otelCollector", target: this.service.container, url, probeImage: args.probeImage },
      { parent: this },
    );
    this.registerOutputs({ containerName: this.service.containerName, healthPort: OTEL_HEALTH_PORT });
  }
}

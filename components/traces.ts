import * as pulumi from "@pulumi/pulumi";
import { Environment } from "../config/defaults";
import { OTEL_HEALTH_PORT, OTLP_GRPC_PORT, OTLP_HTTP_PORT, PeerAddresses, SERVICES } from "../config/services";
import { renderOtelCollectorConfig } from "../generators/otelCollector";
import { renderTempoConfig, TEMPO_DATA_DIR } from "../generators/tempo";
import { dataVolume, ServiceContainer, StackContext } from "./serviceContainer";

export interface TempoArgs {
  readonly context: StackContext;
  readonly image: string;
  readonly memoryMb: number;
  readonly hostPort: number;
  readonly retention: string;
  readonly peers: PeerAddresses;
}

export class Tempo extends pulumi.ComponentResource {
  readonly service: ServiceContainer;

  constructor(name: string, args: TempoArgs, opts?: pulumi.ComponentResourceOptions) {
    super("tutordex:observability:Tempo", name, {}, opts);
    const data = dataVolume(`${name}-data`, args.context, "tempo", "data", this);
    const port = SERVICES.tempo.port;
    this.service = new ServiceContainer(
      name,
      {
        context: args.context,
        service: "tempo",
        image: args.image,
        memoryMb: args.memoryMb,
        readiness: { kind: "external", prometheusJob: "blackbox_stack_ready", url: `http://${SERVICES.tempo.alias}:${port}/ready` },
        command: ["-config.file=/etc/tempo/tutordex.yml"],
        // Runs as root so a fresh volume is writable; the image's default user cannot create /var/tempo.
        user: "0",
        ports: [{ internal: port, external: args.hostPort }],
        volumes: [{ volumeName: data.name, containerPath: TEMPO_DATA_DIR }],
        uploads: [{ file: "/etc/tempo/tutordex.yml", content: renderTempoConfig(args.retention, args.peers) }],
      },
      { parent: this },
    );
    this.registerOutputs({});
  }
}

export interface OtelCollectorArgs {
  readonly context: StackContext;
  readonly image: string;
  readonly memoryMb: number;
  readonly grpcHostPort: number;
  readonly httpHostPort: number;
  readonly environment: Environment;
  readonly peers: PeerAddresses;
  readonly appNetworks: readonly string[];
}

export class OtelCollector extends pulumi.ComponentResource {
  readonly service: ServiceContainer;

  constructor(name: string, args: OtelCollectorArgs, opts?: pulumi.ComponentResourceOptions) {
    super("tutordex:observability:OtelCollector", name, {}, opts);
    this.service = new ServiceContainer(
      name,
      {
        context: args.context,
        service: "otelCollector",
        image: args.image,
        memoryMb: args.memoryMb,
        // A scratch image: no shell, so the health_check extension is probed from outside.
        readiness: { kind: "external", prometheusJob: "blackbox_stack_ready", url: `http://${SERVICES.otelCollector.alias}:${OTEL_HEALTH_PORT}/` },
        command: ["--config=/etc/otelcol/tutordex.yml"],
        ports: [
          { internal: OTLP_GRPC_PORT, external: args.grpcHostPort },
          { internal: OTLP_HTTP_PORT, external: args.httpHostPort },
        ],
        // The application sends traces over its own network to the collector's alias.
        extraNetworks: args.appNetworks,
        uploads: [{ file: "/etc/otelcol/tutordex.yml", content: renderOtelCollectorConfig({ environment: args.environment }, args.peers) }],
      },
      { parent: this },
    );
    this.registerOutputs({});
  }
}

import * as pulumi from "@pulumi/pulumi";
import { PeerAddresses, SERVICES } from "../config/services";
import { passwordFile, ProtectedApi, SECRETS_DIRS, webConfigFile } from "../generators/apiAuth";
import { prometheusArgs } from "../generators/commandLines";
import { credentialsFile } from "../generators/remoteWrite";
import { authedHealthcheck } from "./apiShell";
import { ConfigSync } from "./configSync";
import { dataVolume, ExtraNetwork, ServiceContainer, StackContext } from "./serviceContainer";

export const PROMETHEUS_CONFIG_DIR = "/etc/prometheus";
export const PROMETHEUS_DATA_DIR = "/prometheus";
/** Seconds to flush the head block and write the memory snapshot before a stop becomes a kill. */
export const PROMETHEUS_STOP_GRACE_S = 120;
/** How long config-sync waits for Prometheus to reload changed files by itself. */
export const CONFIG_SYNC_RELOAD_BOUND_S = 60;
const SECRETS = SECRETS_DIRS.prometheus;

export interface PrometheusArgs {
  readonly context: StackContext;
  readonly image: string;
  readonly memoryMb: number;
  readonly hostPort: number;
  readonly retention: string;
  /** Its config volume's files, from the stack's one render. */
  readonly files: Readonly<Record<string, string>>;
  readonly peers: PeerAddresses;
  /** Networks of the monitored application, so its stable DNS names resolve. */
  readonly appNetworks: readonly ExtraNetwork[];
  /** Where node_exporter listens (it runs in the host's network namespace). */
  readonly nodeExporterAddress?: pulumi.Input<string>;
  readonly remoteWriteReceiver: boolean;
  /**
   * Store name → password or token of each remote_write store, as Pulumi secrets. Each becomes a
   * file in the container (prometheus.yml names only its path), so the value is secret in the
   * state and in no rendered file. A new value replaces the container; its TSDB stays.
   */
  readonly remoteWriteCredentials?: Readonly<Record<string, pulumi.Output<string>>>;
  /**
   * Passwords of the stack's protected APIs (Pulumi secrets): its own (self-scrape, healthcheck,
   * config-sync), Alertmanager's (alerting) and the blackbox exporter's (probes).
   */
  readonly apiPasswords: Readonly<Record<ProtectedApi, pulumi.Output<string>>>;
  /** Its web config (user and bcrypt hash of its own password), a Pulumi secret. */
  readonly webConfig: pulumi.Output<string>;
}

export class Prometheus extends pulumi.ComponentResource {
  readonly service: ServiceContainer;
  readonly configSync: ConfigSync;

  constructor(name: string, args: PrometheusArgs, opts?: pulumi.ComponentResourceOptions) {
    super("tutordex:observability:Prometheus", name, {}, opts);
    const { context } = args;
    const data = dataVolume(`${name}-data`, context, "prometheus", "data", this);
    this.configSync = new ConfigSync(
      `${name}-config-sync`,
      {
        context,
        service: "prometheus",
        image: args.image,
        files: args.files,
        validate: ["promtool", "check", "config", "prometheus.yml"],
        reload: {
          kind: "watch",
          address: args.peers.prometheus,
          passwordFile: passwordFile("prometheus", SECRETS_DIRS.configSync),
          boundSeconds: CONFIG_SYNC_RELOAD_BOUND_S,
        },
        password: args.apiPasswords.prometheus,
      },
      { parent: this },
    );
    const port = SERVICES.prometheus.port;
    this.service = new ServiceContainer(
      name,
      {
        context,
        service: "prometheus",
        image: args.image,
        memoryMb: args.memoryMb,
        readiness: authedHealthcheck(port, "/-/ready", passwordFile("prometheus", SECRETS)),
        command: prometheusArgs({
          configFile: `${PROMETHEUS_CONFIG_DIR}/prometheus.yml`,
          storagePath: PROMETHEUS_DATA_DIR,
          retention: args.retention,
          remoteWriteReceiver: args.remoteWriteReceiver,
          webConfigFile: webConfigFile(SECRETS),
        }),
        ports: [{ internal: port, external: args.hostPort }],
        volumes: [
          { volumeName: data.name, containerPath: PROMETHEUS_DATA_DIR },
          { volumeName: this.configSync.volumeName, containerPath: PROMETHEUS_CONFIG_DIR, readOnly: true },
        ],
        extraNetworks: args.appNetworks,
        extraHosts: args.nodeExporterAddress ? [{ host: SERVICES.nodeExporter.alias, ip: args.nodeExporterAddress }] : undefined,
        // Secrets only as files in the container: prometheus.yml names their paths, so the config
        // volume, the render and config-sync's inputs hold none of them.
        uploads: [
          { file: webConfigFile(SECRETS), content: pulumi.secret(args.webConfig) },
          ...(["prometheus", "alertmanager", "blackboxExporter"] as const).map((api) => ({
            file: passwordFile(api, SECRETS),
            content: pulumi.secret(args.apiPasswords[api]),
          })),
          ...Object.entries(args.remoteWriteCredentials ?? {}).map(([store, value]) => ({
            file: credentialsFile(store),
            content: pulumi.secret(value),
          })),
        ],
        stopGraceSeconds: PROMETHEUS_STOP_GRACE_S,
        // First deployment: the files must be in the volume before Prometheus starts.
        dependsOn: [this.configSync],
      },
      { parent: this },
    );
    this.registerOutputs({ containerName: this.service.containerName, configVolume: this.configSync.volumeName });
  }
}

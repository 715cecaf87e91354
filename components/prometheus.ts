import * as pulumi from "@pulumi/pulumi";
import { PeerAddresses, SERVICES } from "../config/services";
import { prometheusFiles, PrometheusSettings } from "../generators/prometheus";
import { RuleSettings } from "../rules/render";
import { ConfigSync } from "./configSync";
import { dataVolume, httpHealthcheck, ServiceContainer, StackContext } from "./serviceContainer";

export interface PrometheusArgs {
  readonly context: StackContext;
  readonly image: string;
  readonly memoryMb: number;
  readonly hostPort: number;
  readonly retention: string;
  readonly settings: PrometheusSettings;
  readonly rules: RuleSettings;
  readonly peers: PeerAddresses;
  /** Networks of the monitored application, so its stable DNS names resolve. */
  readonly appNetworks: readonly string[];
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
        files: prometheusFiles(args.settings, args.rules, args.peers),
        reloadUrl: `http://${args.peers.prometheus}/-/reload`,
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
        readiness: httpHealthcheck(port, "/-/ready"),
        command: [
          "--config.file=/etc/prometheus/prometheus.yml",
          "--storage.tsdb.path=/prometheus",
          `--storage.tsdb.retention.time=${args.retention}`,
          "--web.enable-lifecycle",
          // Tempo's metrics generator writes service-graph metrics here.
          "--web.enable-remote-write-receiver",
        ],
        ports: [{ internal: port, external: args.hostPort }],
        volumes: [
          { volumeName: data.name, containerPath: "/prometheus" },
          { volumeName: this.configSync.volumeName, containerPath: "/etc/prometheus", readOnly: true },
        ],
        extraNetworks: args.appNetworks,
        // First deployment: the files must be in the volume before Prometheus starts.
        dependsOn: [this.configSync],
      },
      { parent: this },
    );
    this.registerOutputs({});
  }
}

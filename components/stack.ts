import * as docker from "@pulumi/docker";
import * as pulumi from "@pulumi/pulumi";
import { StackConfig } from "../config/schema";
import { dockerNetworkPeers } from "../config/services";
import { ruleSettings } from "../rules/context";
import { Alertmanager } from "./alertmanager";
import { BlackboxExporter, Cadvisor, NodeExporter } from "./exporters";
import { DemoWorkload } from "./demoWorkload";
import { Grafana } from "./grafana";
import { GrafanaProvisioning } from "./grafanaProvisioning";
import { DASHBOARDS, FOLDER } from "../dashboards";
import { grafanaDatasources } from "../generators/grafanaDatasources";
import { Loki, Promtail } from "./logs";
import { Prometheus } from "./prometheus";
import { STACK_LABEL } from "../generators/labels";
import { dockerName, StackContext } from "./serviceContainer";
import { TelegramBridge } from "./telegramBridge";
import { OtelCollector, Tempo } from "./traces";

export interface ObservabilityStackArgs {
  readonly config: StackConfig;
  /** Secrets arrive as Pulumi secrets from index.ts and stay secret to the containers. */
  readonly secrets: {
    readonly telegramBotToken: pulumi.Output<string> | undefined;
    readonly grafanaAdminPassword: pulumi.Output<string>;
  };
}

/** Every service of SPEC §1 on one stack-scoped network. */
export class ObservabilityStack extends pulumi.ComponentResource {
  readonly urls: Record<string, string>;
  readonly networkName: pulumi.Output<string>;

  constructor(name: string, args: ObservabilityStackArgs, opts?: pulumi.ComponentResourceOptions) {
    super("tutordex:observability:Stack", name, {}, opts);
    const c = args.config;
    const provider = new docker.Provider(`${name}-docker`, { host: c.dockerHost }, { parent: this });
    const network = new docker.Network(
      `${name}-network`,
      { name: dockerName(c.stack, "net"), driver: "bridge", labels: [{ label: STACK_LABEL, value: c.stack }] },
      { parent: this, provider },
    );
    this.networkName = network.name;
    const context: StackContext = { stack: c.stack, provider, networkName: network.name, bindAddress: c.bindAddress, protectData: c.protectData };
    const peers = dockerNetworkPeers();
    const common = (service: keyof StackConfig["images"]) => ({ context, image: c.images[service], memoryMb: c.memoryMb[service] });
    const child = { parent: this };

    new Prometheus(`${name}-prometheus`, { ...common("prometheus"), hostPort: c.hostPorts.prometheus, retention: c.retention.prometheus, settings: c, rules: ruleSettings(c), peers, appNetworks: c.appNetworks }, child);
    new Alertmanager(`${name}-alertmanager`, { ...common("alertmanager"), hostPort: c.hostPorts.alertmanager, externalUrl: c.alertmanagerExternalUrl, settings: c, peers }, child);
    new TelegramBridge(
      `${name}-telegram-bridge`,
      {
        ...common("telegramBridge"),
        environment: c.environment,
        prefix: c.telegram.prefix,
        botToken: args.secrets.telegramBotToken,
        chatId: c.telegram.chatId,
        chatIdsBySeverity: c.telegram.chatIdsBySeverity,
        messageThreadId: c.telegram.messageThreadId,
        heartbeatUrl: c.heartbeatUrl,
      },
      child,
    );
    const grafanaService = new Grafana(
      `${name}-grafana`,
      { ...common("grafana"), hostPort: c.hostPorts.grafana, adminUser: c.grafanaAdminUser, adminPassword: args.secrets.grafanaAdminPassword, externalUrl: c.grafanaExternalUrl },
      child,
    );
    new GrafanaProvisioning(
      `${name}-grafana-api`,
      {
        url: c.grafanaExternalUrl,
        auth: pulumi.interpolate`${c.grafanaAdminUser}:${args.secrets.grafanaAdminPassword}`,
        datasources: grafanaDatasources(peers),
        folder: FOLDER,
        dashboards: DASHBOARDS,
        grafanaReady: grafanaService.service.container,
      },
      child,
    );
    new Loki(`${name}-loki`, { ...common("loki"), hostPort: c.hostPorts.loki, retention: c.retention.loki }, child);
    switch (c.logAgent) {
      case "promtail":
        new Promtail(`${name}-promtail`, { ...common("promtail"), peers }, child);
        break;
    }
    new Tempo(`${name}-tempo`, { ...common("tempo"), hostPort: c.hostPorts.tempo, retention: c.retention.tempo, peers }, child);
    new OtelCollector(
      `${name}-otel-collector`,
      { ...common("otelCollector"), grpcHostPort: c.hostPorts.otlpGrpc, httpHostPort: c.hostPorts.otlpHttp, environment: c.environment, peers, appNetworks: c.appNetworks },
      child,
    );
    new Cadvisor(`${name}-cadvisor`, common("cadvisor"), child);
    new NodeExporter(`${name}-node-exporter`, { ...common("nodeExporter"), textfileDir: c.nodeExporterTextfileDir }, child);
    new BlackboxExporter(`${name}-blackbox-exporter`, { ...common("blackboxExporter"), settings: c, appNetworks: c.appNetworks }, child);

    if (c.demoWorkload) {
      new DemoWorkload(`${name}-demo-workload`, { context, image: c.images.telegramBridge, memoryMb: 128, scenario: c.demoWorkload.scenario }, child);
    }

    const local = (port: number) => `http://${c.bindAddress}:${port}`;
    this.urls = {
      prometheus: local(c.hostPorts.prometheus),
      alertmanager: local(c.hostPorts.alertmanager),
      grafana: c.grafanaExternalUrl,
      loki: local(c.hostPorts.loki),
      tempo: local(c.hostPorts.tempo),
      otlpHttp: local(c.hostPorts.otlpHttp),
      otlpGrpc: `${c.bindAddress}:${c.hostPorts.otlpGrpc}`,
    };
    this.registerOutputs({ urls: this.urls, networkName: this.networkName });
  }
}

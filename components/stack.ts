import * as docker from "@pulumi/docker";
import * as pulumi from "@pulumi/pulumi";
import type { StackSecrets } from "../config/load";
import { StackConfig } from "../config/schema";
import { dockerNetworkPeers } from "../config/services";
import { FOLDER } from "../dashboards";
import { STACK_LABEL } from "../config/labels";
import { userColonPassword } from "../generators/apiAuth";
import { renderStack } from "../generators/stackFiles";
import { Alertmanager } from "./alertmanager";
import { ApiCredentials } from "./apiCredentials";
import { lookUpAppNetworks, NetworkLister } from "./appNetworks";
import { DemoWorkload } from "./demoWorkload";
import { BlackboxExporter, Cadvisor, NodeExporter } from "./exporters";
import { Grafana } from "./grafana";
import { GrafanaProvisioning } from "./grafanaProvisioning";
import { ImageSet } from "./images";
import { Alloy, Loki, Promtail } from "./logs";
import { Prometheus } from "./prometheus";
import { CheckOutcome, dockerName, ExtraNetwork, settleChecks, StackContext } from "./serviceContainer";
import { TelegramBridge } from "./telegramBridge";
import { OtelCollector, Tempo } from "./traces";

export interface ObservabilityStackArgs {
  readonly config: StackConfig;
  /** Secrets arrive as Pulumi secrets from index.ts and stay secret to the containers. */
  readonly secrets: StackSecrets;
  /** How a missing application network's neighbours are listed in the error; the docker CLI by default. */
  readonly listNetworks?: NetworkLister;
}

/** Every service of docs/spec.md §1 that the stack runs, on one stack-scoped network. */
export class ObservabilityStack extends pulumi.ComponentResource {
  readonly urls: Record<string, string>;
  readonly networkName: pulumi.Output<string>;
  /** Every image name the stack pulls (one RemoteImage each). */
  readonly images: string[];
  /** The outcome of every run-once check; rejects, and so fails `pulumi up`, when one failed. */
  readonly deployChecks: pulumi.Output<string[]>;
  /** `user:password` of Prometheus's and Alertmanager's APIs for the operators (PROMETHEUS_AUTH, ALERTMANAGER_AUTH), Pulumi secrets. */
  readonly operatorAuth: { readonly prometheus: pulumi.Output<string>; readonly alertmanager: pulumi.Output<string> };

  constructor(name: string, args: ObservabilityStackArgs, opts?: pulumi.ComponentResourceOptions) {
    super("tutordex:observability:Stack", name, {}, opts);
    const c = args.config;
    const on = c.services;
    const rendered = renderStack(c);
    const child = { parent: this };

    const provider = new docker.Provider(
      `${name}-docker`,
      {
        // Unset, the provider honours DOCKER_HOST (the pull-request preview's secret) and then the local socket.
        ...(c.dockerHost ? { host: c.dockerHost } : {}),
        ...(c.registryAuth && args.secrets.registryPassword
          ? {
              registryAuth: [
                { address: c.registryAuth.address, username: c.registryAuth.username, password: args.secrets.registryPassword },
              ],
            }
          : {}),
      },
      child,
    );
    // Nothing is created before every application network is known to exist: the stack network's
    // name waits for the lookups, and every container waits for the stack network.
    const appNetworkNames = lookUpAppNetworks(c.appNetworks, c.dockerHost, provider, args.listNetworks);
    const network = new docker.Network(
      `${name}-network`,
      { name: appNetworkNames.apply(() => dockerName(c.stack, "net")), driver: "bridge", labels: [{ label: STACK_LABEL, value: c.stack }] },
      { parent: this, provider },
    );
    this.networkName = network.name;
    const images = new ImageSet(name, provider, this);
    const checks: pulumi.Output<CheckOutcome>[] = [];
    const context: StackContext = {
      stack: c.stack,
      provider,
      networkName: network.name,
      bindAddress: c.bindAddress,
      protectData: c.protectData,
      images,
      checks,
    };
    const peers = dockerNetworkPeers();
    const appNetworks: ExtraNetwork[] = c.appNetworks.map((n, i) => ({ name: appNetworkNames.apply((names) => names[i] ?? n) }));
    const common = (service: keyof StackConfig["images"]) => ({ context, image: c.images[service], memoryMb: c.memoryMb[service] });
    // Busybox wget for the readiness probes of images that have none.
    const probeImage = c.images.prometheus;
    // Every protected API's password, generated once and kept secret (generators/apiAuth.ts).
    const credentials = new ApiCredentials(`${name}-api-credentials`, child);
    const passwords = credentials.passwords;
    const gateway = network.ipamConfigs.apply((configs) => {
      const ip = configs?.find((x) => x.gateway)?.gateway;
      if (!ip) throw new Error(`the Docker network ${dockerName(c.stack, "net")} has no gateway address for node_exporter to listen on`);
      return ip;
    });

    new Prometheus(
      `${name}-prometheus`,
      {
        ...common("prometheus"),
        hostPort: c.hostPorts.prometheus,
        retention: c.retention.prometheus,
        files: rendered.prometheus,
        peers,
        appNetworks,
        nodeExporterAddress: on.nodeExporter ? gateway : undefined,
        remoteWriteReceiver: on.tempo,
        remoteWriteCredentials: args.secrets.remoteWriteCredentials,
        apiPasswords: passwords,
        webConfig: credentials.webConfigs.prometheus,
      },
      child,
    );
    new Alertmanager(
      `${name}-alertmanager`,
      {
        ...common("alertmanager"),
        hostPort: c.hostPorts.alertmanager,
        externalUrl: c.alertmanagerExternalUrl,
        files: rendered.alertmanager,
        peers,
        cluster: c.alertmanagerCluster,
        password: passwords.alertmanager,
        webConfig: credentials.webConfigs.alertmanager,
      },
      child,
    );
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
        threadIdsBySeverity: c.telegram.threadIdsBySeverity,
        heartbeatUrl: c.heartbeatUrl,
        apiBaseUrl: c.telegram.apiBaseUrl,
        console: c.telegram.console,
        escalation: c.telegram.escalation,
        graphs: c.telegram.graphs,
        peers,
        prometheusPassword: passwords.prometheus,
        alertmanagerPassword: passwords.alertmanager,
      },
      child,
    );
    if (rendered.grafana && args.secrets.grafanaAdminPassword) {
      const grafanaService = new Grafana(
        `${name}-grafana`,
        {
          ...common("grafana"),
          hostPort: c.hostPorts.grafana,
          adminUser: c.grafanaAdminUser,
          adminPassword: args.secrets.grafanaAdminPassword,
          externalUrl: c.grafanaExternalUrl,
        },
        child,
      );
      new GrafanaProvisioning(
        `${name}-grafana-api`,
        {
          apiUrl: c.grafanaApiUrl,
          auth: pulumi.interpolate`${c.grafanaAdminUser}:${args.secrets.grafanaAdminPassword}`,
          datasources: rendered.grafana.datasources,
          folder: FOLDER,
          dashboards: rendered.grafana.dashboards,
          grafanaReady: grafanaService.service.container,
          remoteWriteCredentials: args.secrets.remoteWriteCredentials,
          apiPasswords: passwords,
        },
        child,
      );
    }
    // On a bucket, Loki and Tempo read its secret key from their environment (the files only name it).
    const bucketKey = (inBucket: boolean) => (inBucket ? args.secrets.objectStorageSecretKey : undefined);
    if (rendered.loki) {
      new Loki(
        `${name}-loki`,
        {
          ...common("loki"),
          hostPort: c.hostPorts.loki,
          file: rendered.loki,
          objectStorageSecretKey: bucketKey(c.objectStorage?.loki !== undefined),
          peers,
          probeImage,
        },
        child,
      );
    }
    // Only the agent `logAgent` names is rendered, so at most one of these runs.
    if (rendered.promtail) new Promtail(`${name}-promtail`, { ...common("promtail"), file: rendered.promtail, peers, probeImage }, child);
    if (rendered.alloy) new Alloy(`${name}-alloy`, { ...common("alloy"), file: rendered.alloy, peers, probeImage }, child);
    if (rendered.tempo) {
      new Tempo(
        `${name}-tempo`,
        {
          ...common("tempo"),
          hostPort: c.hostPorts.tempo,
          file: rendered.tempo,
          objectStorageSecretKey: bucketKey(c.objectStorage?.tempo !== undefined),
          prometheusPassword: passwords.prometheus,
          peers,
          probeImage,
        },
        child,
      );
    }
    if (rendered.otelCollector) {
      new OtelCollector(
        `${name}-otel-collector`,
        {
          ...common("otelCollector"),
          grpcHostPort: c.hostPorts.otlpGrpc,
          httpHostPort: c.hostPorts.otlpHttp,
          file: rendered.otelCollector,
          peers,
          appNetworks,
          probeImage,
          prometheusPassword: passwords.prometheus,
        },
        child,
      );
    }
    if (on.cadvisor) new Cadvisor(`${name}-cadvisor`, common("cadvisor"), child);
    if (on.nodeExporter)
      new NodeExporter(
        `${name}-node-exporter`,
        { ...common("nodeExporter"), textfileDir: c.nodeExporterTextfileDir, listenHost: gateway },
        child,
      );
    if (rendered.blackboxExporter) {
      new BlackboxExporter(
        `${name}-blackbox-exporter`,
        {
          ...common("blackboxExporter"),
          file: rendered.blackboxExporter,
          appNetworks,
          password: passwords.blackboxExporter,
          webConfig: credentials.webConfigs.blackboxExporter,
        },
        child,
      );
    }

    if (c.demoWorkload) {
      new DemoWorkload(
        `${name}-demo-workload`,
        { context, image: c.images.telegramBridge, memoryMb: 128, scenario: c.demoWorkload.scenario },
        child,
      );
    }

    const local = (port: number) => `http://${c.bindAddress}:${port}`;
    this.urls = {
      prometheus: local(c.hostPorts.prometheus),
      alertmanager: local(c.hostPorts.alertmanager),
      ...(on.grafana ? { grafana: c.grafanaExternalUrl, grafanaApi: c.grafanaApiUrl } : {}),
      ...(on.loki ? { loki: local(c.hostPorts.loki) } : {}),
      ...(on.tempo ? { tempo: local(c.hostPorts.tempo) } : {}),
      ...(on.otelCollector ? { otlpHttp: local(c.hostPorts.otlpHttp), otlpGrpc: `${c.bindAddress}:${c.hostPorts.otlpGrpc}` } : {}),
    };
    this.images = images.names();
    this.deployChecks = pulumi.all(checks).apply(settleChecks);
    this.operatorAuth = {
      prometheus: pulumi.secret(passwords.prometheus.apply(userColonPassword)),
      alertmanager: pulumi.secret(passwords.alertmanager.apply(userColonPassword)),
    };
    this.registerOutputs({ urls: this.urls, networkName: this.networkName, images: this.images });
  }
}

import * as pulumi from "@pulumi/pulumi";
import { PeerAddresses, SERVICES } from "../config/services";
import { AlertmanagerSettings, renderAlertmanagerConfig } from "../generators/alertmanager";
import { ConfigSync } from "./configSync";
import { dataVolume, httpHealthcheck, ServiceContainer, StackContext } from "./serviceContainer";

export interface AlertmanagerArgs {
  readonly context: StackContext;
  readonly image: string;
  readonly memoryMb: number;
  readonly hostPort: number;
  readonly externalUrl: string;
  readonly settings: AlertmanagerSettings;
  readonly peers: PeerAddresses;
}

export class Alertmanager extends pulumi.ComponentResource {
  readonly service: ServiceContainer;
  readonly configSync: ConfigSync;

  constructor(name: string, args: AlertmanagerArgs, opts?: pulumi.ComponentResourceOptions) {
    super("tutordex:observability:Alertmanager", name, {}, opts);
    const { context } = args;
    // Silences and the notification log live here, so they survive a recreate.
    const data = dataVolume(`${name}-data`, context, "alertmanager", "data", this);
    this.configSync = new ConfigSync(
      `${name}-config-sync`,
      {
        context,
        service: "alertmanager",
        image: args.image,
        files: { "alertmanager.yml": renderAlertmanagerConfig(args.settings, args.peers) },
        reloadUrl: `http://${args.peers.alertmanager}/-/reload`,
      },
      { parent: this },
    );
    const port = SERVICES.alertmanager.port;
    this.service = new ServiceContainer(
      name,
      {
        context,
        service: "alertmanager",
        image: args.image,
        memoryMb: args.memoryMb,
        readiness: httpHealthcheck(port, "/-/ready"),
        command: [
          "--config.file=/etc/alertmanager/alertmanager.yml",
          "--storage.path=/alertmanager",
          `--web.external-url=${args.externalUrl}`,
          // A single instance: no gossip port to expose or secure.
          "--cluster.listen-address=",
        ],
        ports: [{ internal: port, external: args.hostPort }],
        volumes: [
          { volumeName: data.name, containerPath: "/alertmanager" },
          { volumeName: this.configSync.volumeName, containerPath: "/etc/alertmanager", readOnly: true },
        ],
        dependsOn: [this.configSync],
      },
      { parent: this },
    );
    this.registerOutputs({});
  }
}

import * as pulumi from "@pulumi/pulumi";
import { ALERTMANAGER_GOSSIP_PORT, AlertmanagerClusterSettings } from "../config/scale";
import { PeerAddresses, SERVICES } from "../config/services";
import { passwordFile, SECRETS_DIRS, webConfigFile } from "../generators/apiAuth";
import { alertmanagerArgs } from "../generators/commandLines";
import { authedHealthcheck } from "./apiShell";
import { ConfigSync } from "./configSync";
import { dataVolume, ServiceContainer, StackContext } from "./serviceContainer";

export const ALERTMANAGER_CONFIG_DIR = "/etc/alertmanager";
export const ALERTMANAGER_DATA_DIR = "/alertmanager";
/** Alertmanager writes its silences and notification log snapshot on SIGTERM. */
export const ALERTMANAGER_STOP_GRACE_S = 30;
const SECRETS = SECRETS_DIRS.alertmanager;
export interface AlertmanagerArgs {
  readonly context: StackContext;
  readonly image: string;
  readonly memoryMb: number;
  readonly hostPort: number;
  readonly externalUrl: string;
  /** Its config volume's files, from the stack's one render. */
  readonly files: Readonly<Record<string, string>>;
  readonly peers: PeerAddresses;
  /** Gossip with Alertmanagers on other hosts (silences and who notified what); undefined: alone. */
  readonly cluster?: AlertmanagerClusterSettings;
  /** Its API password (config-sync, healthcheck) and web config (user and bcrypt hash), Pulumi secrets. */
  readonly password: pulumi.Output<string>;
  readonly webConfig: pulumi.Output<string>;
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
        files: args.files,
        validate: ["amtool", "check-config", "alertmanager.yml"],
        reload: {
          kind: "post",
          address: args.peers.alertmanager,
          path: "/-/reload",
          passwordFile: passwordFile("alertmanager", SECRETS_DIRS.configSync),
        },
        password: args.password,
      },
      { parent: this },
    );
    const port = SERVICES.alertmanager.port;
    const cluster = args.cluster;
    // Alone, its API answers only with the password. In a cluster the peers' Prometheus must
    // deliver here too and there is no shared password yet (docs/threat-model.md, what stays open).
    const web = cluster ? undefined : webConfigFile(SECRETS);
    this.service = new ServiceContainer(
      name,
      {
        context,
        service: "alertmanager",
        image: args.image,
        memoryMb: args.memoryMb,
        readiness: authedHealthcheck(port, "/-/ready", passwordFile("alertmanager", SECRETS)),
        command: alertmanagerArgs({
          configFile: `${ALERTMANAGER_CONFIG_DIR}/alertmanager.yml`,
          storagePath: ALERTMANAGER_DATA_DIR,
          externalUrl: args.externalUrl,
          webConfigFile: web,
          cluster: cluster && {
            // Inside its own network namespace; what the peers reach is the published port below.
            listenAddress: `0.0.0.0:${ALERTMANAGER_GOSSIP_PORT}`,
            advertiseAddress: cluster.advertiseAddress,
            peerName: cluster.peerName,
            peerTimeout: cluster.peerTimeout,
            peers: cluster.peers.map((p) => p.gossip),
          },
        }),
        ports: [
          { internal: port, external: args.hostPort },
          // Memberlist gossips over UDP and syncs state over TCP, on the one address the peers reach.
          ...(cluster
            ? (["tcp", "udp"] as const).map((protocol) => ({
                internal: ALERTMANAGER_GOSSIP_PORT,
                external: cluster.port,
                protocol,
                hostIp: cluster.listenAddress,
              }))
            : []),
        ],
        volumes: [
          { volumeName: data.name, containerPath: ALERTMANAGER_DATA_DIR },
          { volumeName: this.configSync.volumeName, containerPath: ALERTMANAGER_CONFIG_DIR, readOnly: true },
        ],
        uploads: [
          ...(web ? [{ file: web, content: pulumi.secret(args.webConfig) }] : []),
          { file: passwordFile("alertmanager", SECRETS), content: pulumi.secret(args.password) },
        ],
        stopGraceSeconds: ALERTMANAGER_STOP_GRACE_S,
        dependsOn: [this.configSync],
      },
      { parent: this },
    );
    this.registerOutputs({ containerName: this.service.containerName, configVolume: this.configSync.volumeName });
  }
}

import * as pulumi from "@pulumi/pulumi";
import { SERVICES } from "../config/services";
import { passwordFile, SECRETS_DIRS, webConfigFile } from "../generators/apiAuth";
import { blackboxArgs, cadvisorArgs, nodeExporterArgs } from "../generators/commandLines";
import { authedHealthcheck } from "./apiShell";
import { ExtraNetwork, httpHealthcheck, ServiceContainer, StackContext } from "./serviceContainer";

interface ExporterArgs {
  readonly context: StackContext;
  readonly image: string;
  readonly memoryMb: number;
}

/**
 * Compose's list, less `diskIO`: the Infra dashboard's container disk I/O panel needs
 * container_fs_{reads,writes}_bytes_total, which cAdvisor only emits with diskIO on.
 */
export const CADVISOR_DISABLED_METRICS =
  "advtcp,cpu_topology,cpuset,disk,hugetlb,memory_numa,process,referenced_memory,resctrl,sched,tcp,udp";

/**
 * The only privileged container of the stack: cAdvisor needs it to read cgroups of every
 * container. v0.54+ reads Docker 29's containerd image store through containerd's socket; it
 * negotiates the Docker API version itself (DOCKER_API_VERSION is not read).
 */
export class Cadvisor extends pulumi.ComponentResource {
  readonly service: ServiceContainer;
  constructor(name: string, args: ExporterArgs, opts?: pulumi.ComponentResourceOptions) {
    super("tutordex:observability:Cadvisor", name, {}, opts);
    this.service = new ServiceContainer(
      name,
      {
        ...args,
        service: "cadvisor",
        readiness: httpHealthcheck(SERVICES.cadvisor.port, "/healthz"),
        privileged: true,
        command: cadvisorArgs({ disabledMetrics: CADVISOR_DISABLED_METRICS }),
        hostPaths: [
          { hostPath: "/", containerPath: "/rootfs" },
          { hostPath: "/var/run/docker.sock", containerPath: "/var/run/docker.sock" },
          { hostPath: "/run/containerd/containerd.sock", containerPath: "/run/containerd/containerd.sock" },
          { hostPath: "/sys", containerPath: "/sys" },
          { hostPath: "/var/lib/docker/", containerPath: "/var/lib/docker" },
          { hostPath: "/etc/machine-id", containerPath: "/etc/machine-id" },
        ],
      },
      { parent: this },
    );
    this.registerOutputs({ containerName: this.service.containerName });
  }
}

export const NODE_EXPORTER_TEXTFILE_DIR = "/textfile";
export const NODE_EXPORTER_ROOTFS = "/host";
const NODE_EXPORTER_ADDRESS_ENV = "NODE_EXPORTER_ADDRESS";

/**
 * node_exporter as upstream documents it for Docker: the host's network and pid namespaces and
 * the root file system with `rslave` propagation, so host panels show the host and not a
 * container. It listens only on the stack network's gateway address, which the stack's
 * Prometheus reaches (as `node-exporter`, an /etc/hosts entry) and nothing outside the host does.
 */
export class NodeExporter extends pulumi.ComponentResource {
  readonly service: ServiceContainer;
  constructor(
    name: string,
    args: ExporterArgs & { readonly textfileDir: string; readonly listenHost: pulumi.Input<string> },
    opts?: pulumi.ComponentResourceOptions,
  ) {
    super("tutordex:observability:NodeExporter", name, {}, opts);
    const port = SERVICES.nodeExporter.port;
    const listenAddress = pulumi.output(args.listenHost).apply((h) => `${h}:${port}`);
    this.service = new ServiceContainer(
      name,
      {
        context: args.context,
        image: args.image,
        memoryMb: args.memoryMb,
        service: "nodeExporter",
        // The address is only known once the network exists; the healthcheck reads it from the environment.
        readiness: { kind: "healthcheck", test: ["CMD-SHELL", `wget -q -O /dev/null "http://$${NODE_EXPORTER_ADDRESS_ENV}/metrics"`] },
        envs: [pulumi.interpolate`${NODE_EXPORTER_ADDRESS_ENV}=${listenAddress}`],
        command: listenAddress.apply((address) =>
          nodeExporterArgs({ rootfs: NODE_EXPORTER_ROOTFS, textfileDir: NODE_EXPORTER_TEXTFILE_DIR, listenAddress: address }),
        ),
        hostNamespaces: true,
        hostPaths: [
          { hostPath: "/", containerPath: NODE_EXPORTER_ROOTFS, propagation: "rslave" },
          // Host scripts (the Supabase backup checker) publish gauges here.
          { hostPath: args.textfileDir, containerPath: NODE_EXPORTER_TEXTFILE_DIR },
        ],
      },
      { parent: this },
    );
    this.registerOutputs({ containerName: this.service.containerName });
  }
}

export const BLACKBOX_CONFIG_FILE = "/etc/blackbox_exporter/tutordex.yml";

export interface BlackboxArgs extends ExporterArgs {
  readonly file: string;
  /** It probes the application's health endpoints on their networks. */
  readonly appNetworks: readonly ExtraNetwork[];
  /** Its API password (healthcheck) and web config (user and bcrypt hash), Pulumi secrets. */
  readonly password: pulumi.Output<string>;
  readonly webConfig: pulumi.Output<string>;
}

/**
 * blackbox_exporter sits on the application's networks, so /probe answers only with the password
 * Prometheus holds: no container there can aim it at the stack's own endpoints or the host.
 */
export class BlackboxExporter extends pulumi.ComponentResource {
  readonly service: ServiceContainer;
  constructor(name: string, args: BlackboxArgs, opts?: pulumi.ComponentResourceOptions) {
    super("tutordex:observability:BlackboxExporter", name, {}, opts);
    this.service = new ServiceContainer(
      name,
      {
        context: args.context,
        image: args.image,
        memoryMb: args.memoryMb,
        service: "blackboxExporter",
        readiness: authedHealthcheck(
          SERVICES.blackboxExporter.port,
          "/-/healthy",
          passwordFile("blackboxExporter", SECRETS_DIRS.blackboxExporter),
        ),
        command: blackboxArgs({ configFile: BLACKBOX_CONFIG_FILE, webConfigFile: webConfigFile(SECRETS_DIRS.blackboxExporter) }),
        extraNetworks: args.appNetworks,
        uploads: [
          { file: BLACKBOX_CONFIG_FILE, content: args.file },
          { file: webConfigFile(SECRETS_DIRS.blackboxExporter), content: pulumi.secret(args.webConfig) },
          { file: passwordFile("blackboxExporter", SECRETS_DIRS.blackboxExporter), content: pulumi.secret(args.password) },
        ],
      },
      { parent: this },
    );
    this.registerOutputs({ containerName: this.service.containerName });
  }
}

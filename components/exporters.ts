import * as pulumi from "@pulumi/pulumi";
import { StackConfig } from "../config/schema";
import { SERVICES } from "../config/services";
import { renderBlackboxConfig } from "../generators/blackbox";
import { httpHealthcheck, ServiceContainer, StackContext } from "./serviceContainer";

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

/** The only privileged container of the stack: cAdvisor needs it to read cgroups of every container. */
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
        command: ["-docker_only", `-disable_metrics=${CADVISOR_DISABLED_METRICS}`],
        // Docker 29 refuses clients older than API 1.44, and cAdvisor would otherwise ask for an older one.
        envs: ["DOCKER_API_VERSION=1.44"],
        hostPaths: [
          { hostPath: "/", containerPath: "/rootfs" },
          { hostPath: "/var/run/docker.sock", containerPath: "/var/run/docker.sock" },
          { hostPath: "/sys", containerPath: "/sys" },
          { hostPath: "/var/lib/docker/", containerPath: "/var/lib/docker" },
          { hostPath: "/etc/machine-id", containerPath: "/etc/machine-id" },
        ],
      },
      { parent: this },
    );
    this.registerOutputs({});
  }
}

export const NODE_EXPORTER_TEXTFILE_DIR = "/textfile";

export class NodeExporter extends pulumi.ComponentResource {
  readonly service: ServiceContainer;
  constructor(name: string, args: ExporterArgs & { readonly textfileDir: string }, opts?: pulumi.ComponentResourceOptions) {
    super("tutordex:observability:NodeExporter", name, {}, opts);
    this.service = new ServiceContainer(
      name,
      {
        context: args.context,
        image: args.image,
        memoryMb: args.memoryMb,
        service: "nodeExporter",
        readiness: httpHealthcheck(SERVICES.nodeExporter.port, "/metrics"),
        command: [
          "--path.procfs=/host/proc",
          "--path.sysfs=/host/sys",
          "--path.rootfs=/rootfs",
          "--collector.filesystem.mount-points-exclude=^/(sys|proc|dev|host|etc|run|mnt/wsl)($|/)",
          "--no-collector.netstat",
          "--no-collector.softnet",
          `--collector.textfile.directory=${NODE_EXPORTER_TEXTFILE_DIR}`,
        ],
        hostPaths: [
          { hostPath: "/proc", containerPath: "/host/proc" },
          { hostPath: "/sys", containerPath: "/host/sys" },
          { hostPath: "/", containerPath: "/rootfs" },
          // Host scripts (the Supabase backup checker) publish gauges here.
          { hostPath: args.textfileDir, containerPath: NODE_EXPORTER_TEXTFILE_DIR },
        ],
      },
      { parent: this },
    );
    this.registerOutputs({});
  }
}

export class BlackboxExporter extends pulumi.ComponentResource {
  readonly service: ServiceContainer;
  constructor(name: string, args: ExporterArgs & { readonly settings: Pick<StackConfig, "publicProbes">; readonly appNetworks: readonly string[] }, opts?: pulumi.ComponentResourceOptions) {
    super("tutordex:observability:BlackboxExporter", name, {}, opts);
    this.service = new ServiceContainer(
      name,
      {
        context: args.context,
        image: args.image,
        memoryMb: args.memoryMb,
        service: "blackboxExporter",
        readiness: httpHealthcheck(SERVICES.blackboxExporter.port, "/-/healthy"),
        command: ["--config.file=/etc/blackbox_exporter/tutordex.yml"],
        extraNetworks: args.appNetworks,
        uploads: [{ file: "/etc/blackbox_exporter/tutordex.yml", content: renderBlackboxConfig(args.settings) }],
      },
      { parent: this },
    );
    this.registerOutputs({});
  }
}

import * as docker from "@pulumi/docker";
import * as pulumi from "@pulumi/pulumi";
import { ContainerService, DEMO_WORKLOAD, SERVICES, ServiceName } from "../config/services";
import { SERVICE_LABEL, STACK_LABEL } from "../generators/labels";
import { dockerNamePrefix } from "../rules/context";

/** What every service of one stack shares: where it runs and how it is named and exposed. */
export interface StackContext {
  readonly stack: string;
  readonly provider: docker.Provider;
  readonly networkName: pulumi.Input<string>;
  readonly bindAddress: string;
  readonly protectData: boolean;
}

/**
 * How readiness is known: Docker runs the image's own tool, or (for images without a shell or
 * HTTP client) Prometheus checks it from outside through the named job.
 */
export type Readiness =
  | { readonly kind: "healthcheck"; readonly test: readonly string[] }
  | { readonly kind: "external"; readonly prometheusJob: string; readonly url: string };

export interface PublishedPort {
  readonly internal: number;
  readonly external: number;
  readonly protocol?: "tcp" | "udp";
}

export interface ServiceContainerArgs {
  readonly context: StackContext;
  readonly service: ContainerService;
  /** More names the container answers to on the stack network. */
  readonly extraAliases?: readonly string[];
  readonly image: string;
  readonly memoryMb: number;
  readonly readiness: Readiness;
  readonly command?: readonly string[];
  readonly entrypoint?: readonly string[];
  readonly envs?: pulumi.Input<pulumi.Input<string>[]>;
  readonly ports?: readonly PublishedPort[];
  /** Named volumes (created by the caller) and where they mount. */
  readonly volumes?: readonly { readonly volumeName: pulumi.Input<string>; readonly containerPath: string; readonly readOnly?: boolean }[];
  /** Host paths; always mounted read-only. */
  readonly hostPaths?: readonly { readonly hostPath: string; readonly containerPath: string }[];
  /** Files written into the container at creation; changing one replaces the container. */
  readonly uploads?: readonly { readonly file: string; readonly content: pulumi.Input<string> }[];
  readonly extraNetworks?: readonly string[];
  readonly privileged?: boolean;
  readonly user?: string;
  readonly dependsOn?: pulumi.Input<pulumi.Resource>[];
}

export function dockerName(stack: string, suffix: string): string {
  return `${dockerNamePrefix(stack)}-${suffix}`;
}

export function stackLabels(stack: string, service: ContainerService): { label: string; value: string }[] {
  return [
    { label: STACK_LABEL, value: stack },
    { label: SERVICE_LABEL, value: service },
  ];
}

/**
 * The one way a container of this stack is made: image pinned through RemoteImage.imageId (a
 * second `up` sees the same id, so nothing is replaced), fixed names with delete-before-replace,
 * `unless-stopped`, a memory limit, stack labels, ports bound only to the configured address.
 */
export class ServiceContainer extends pulumi.ComponentResource {
  readonly container: docker.Container;
  readonly image: docker.RemoteImage;
  readonly containerName: string;

  constructor(name: string, args: ServiceContainerArgs, opts?: pulumi.ComponentResourceOptions) {
    super("tutordex:docker:ServiceContainer", name, {}, opts);
    const { context } = args;
    const alias = args.service === "demoWorkload" ? DEMO_WORKLOAD.alias : SERVICES[args.service].alias;
    this.containerName = dockerName(context.stack, alias);

    this.image = new docker.RemoteImage(
      `${name}-image`,
      { name: args.image, keepLocally: true },
      { parent: this, provider: context.provider },
    );

    const healthcheck =
      args.readiness.kind === "healthcheck"
        ? { tests: [...args.readiness.test], interval: "15s", timeout: "5s", retries: 5, startPeriod: "30s" }
        : undefined;

    this.container = new docker.Container(
      name,
      {
        name: this.containerName,
        image: this.image.imageId,
        restart: "unless-stopped",
        memory: args.memoryMb,
        labels: stackLabels(context.stack, args.service),
        command: args.command ? [...args.command] : undefined,
        entrypoints: args.entrypoint ? [...args.entrypoint] : undefined,
        envs: args.envs,
        user: args.user,
        privileged: args.privileged ?? false,
        networksAdvanced: [
          { name: context.networkName, aliases: [alias, ...(args.extraAliases ?? [])] },
          ...(args.extraNetworks ?? []).map((n) => ({ name: n })),
        ],
        ports: (args.ports ?? []).map((p) => ({ internal: p.internal, external: p.external, ip: context.bindAddress, protocol: p.protocol ?? "tcp" })),
        volumes: [
          ...(args.volumes ?? []).map((v) => ({ volumeName: v.volumeName, containerPath: v.containerPath, readOnly: v.readOnly ?? false })),
          ...(args.hostPaths ?? []).map((h) => ({ hostPath: h.hostPath, containerPath: h.containerPath, readOnly: true })),
        ],
        uploads: (args.uploads ?? []).map((u) => ({ file: u.file, content: u.content })),
        healthcheck,
        // Creation waits for the image healthcheck, so dependents (Grafana's API) find it ready.
        wait: healthcheck !== undefined,
        waitTimeout: 180,
        logDriver: "json-file",
        logOpts: { "max-size": "20m", "max-file": "5" },
      },
      { parent: this, provider: context.provider, deleteBeforeReplace: true, dependsOn: args.dependsOn },
    );
    this.registerOutputs({ containerName: this.containerName });
  }
}

/** A named volume for state; protected in stacks that must not lose data to `pulumi destroy`. */
export function dataVolume(name: string, context: StackContext, service: ServiceName, suffix = "data", parent?: pulumi.Resource): docker.Volume {
  return new docker.Volume(
    name,
    {
      name: dockerName(context.stack, `${SERVICES[service].alias}-${suffix}`),
      labels: stackLabels(context.stack, service),
    },
    { parent, provider: context.provider, protect: context.protectData },
  );
}

/** Busybox-based images (Prometheus, Alertmanager, exporters, Grafana, Alpine) ship wget. */
export function httpHealthcheck(port: number, path: string): Readiness {
  return { kind: "healthcheck", test: ["CMD", "wget", "-q", "-O", "/dev/null", `http://127.0.0.1:${port}${path}`] };
}

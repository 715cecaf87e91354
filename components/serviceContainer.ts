import * as docker from "@pulumi/docker";
import * as pulumi from "@pulumi/pulumi";
import { ContainerService, DEMO_WORKLOAD, SERVICES, ServiceName } from "../config/services";
import { SERVICE_LABEL, STACK_LABEL } from "../config/labels";
import { dockerName } from "../config/names";
import { hardening } from "./hardening";
import { ImageSet } from "./images";

/** How a run-once container ended: the stack fails `up` with `message` unless it is ok. */
export interface CheckOutcome {
  readonly ok: boolean;
  readonly message: string;
}

/**
 * Fails with every failed check's message, or returns one line per check. The one place a
 * failed check becomes an error, so it surfaces once.
 */
export function settleChecks(outcomes: readonly CheckOutcome[]): string[] {
  const failed = outcomes.filter((o) => !o.ok);
  if (failed.length) throw new Error(failed.map((o) => o.message).join("\n"));
  return outcomes.map((o) => o.message);
}

/** What every service of one stack shares: where it runs and how it is named and exposed. */
export interface StackContext {
  readonly stack: string;
  readonly provider: docker.Provider;
  readonly networkName: pulumi.Input<string>;
  readonly bindAddress: string;
  readonly protectData: boolean;
  readonly images: ImageSet;
  /**
   * Every run-once container of the stack (config syncs, readiness gates) adds its outcome here;
   * the stack exports them together, so a failed one fails `pulumi up` with its own message.
   */
  readonly checks: pulumi.Output<CheckOutcome>[];
}

/**
 * How readiness is known. `healthcheck`: Docker runs the image's own tool, and creation waits
 * until it passes, so a crash loop fails `pulumi up`. `gate`: the image has no HTTP client (scratch,
 * distroless, Ubuntu without wget); a one-shot probe (components/readinessGate.ts) waits for the
 * URL instead. Which tools each pinned image has is recorded in config/versions.ts and checked
 * against every container by test/readiness.test.ts.
 */
export type Readiness =
  | { readonly kind: "healthcheck"; readonly test: readonly string[]; readonly startPeriod?: string }
  | { readonly kind: "gate"; readonly url: string };

export interface PublishedPort {
  readonly internal: number;
  readonly external: number;
  readonly protocol?: "tcp" | "udp";
  /** The host address it is published on; the stack's bindAddress unless named (Alertmanager's gossip: the cluster address). */
  readonly hostIp?: string;
}

export interface ExtraNetwork {
  readonly name: pulumi.Input<string>;
  /** Names the container answers to on that network (the applications' own DNS names). */
  readonly aliases?: readonly string[];
}

export interface ServiceContainerArgs {
  readonly context: StackContext;
  readonly service: ContainerService;
  /** More names the container answers to on the stack network. */
  readonly extraAliases?: readonly string[];
  readonly image: string;
  readonly memoryMb: number;
  readonly readiness: Readiness;
  readonly command?: pulumi.Input<pulumi.Input<string>[]>;
  readonly entrypoint?: readonly string[];
  readonly envs?: pulumi.Input<pulumi.Input<string>[]>;
  readonly ports?: readonly PublishedPort[];
  /** Named volumes (created by the caller) and where they mount. */
  readonly volumes?: readonly { readonly volumeName: pulumi.Input<string>; readonly containerPath: string; readonly readOnly?: boolean }[];
  /** Host paths; always mounted read-only. `rslave` lets mounts made later on the host appear inside. */
  readonly hostPaths?: readonly { readonly hostPath: string; readonly containerPath: string; readonly propagation?: "rslave" }[];
  /** Files written into the container before it starts; changing one replaces the container. */
  readonly uploads?: readonly { readonly file: string; readonly content: pulumi.Input<string> }[];
  readonly extraNetworks?: readonly ExtraNetwork[];
  /** `/etc/hosts` entries, for peers that are not on the stack network (node_exporter on the host's). */
  readonly extraHosts?: readonly { readonly host: string; readonly ip: pulumi.Input<string> }[];
  /** The host's network and pid namespaces instead of the stack network (node_exporter). */
  readonly hostNamespaces?: boolean;
  readonly privileged?: boolean;
  readonly user?: string;
  /**
   * Seconds a stop (replacement, destroy, daemon restart) waits after SIGTERM before SIGKILL.
   * Stateful services flush on SIGTERM; without it the provider kills them at once.
   */
  readonly stopGraceSeconds?: number;
  readonly dependsOn?: pulumi.Input<pulumi.Resource>[];
}

export { dockerName };

export function stackLabels(stack: string, service: ContainerService): { label: string; value: string }[] {
  return [
    { label: STACK_LABEL, value: stack },
    { label: SERVICE_LABEL, value: service },
  ];
}

export const aliasOf = (service: ContainerService) => (service === "demoWorkload" ? DEMO_WORKLOAD.alias : SERVICES[service].alias);

/** Docker's healthcheck timing for every service; creation waits at most WAIT_TIMEOUT_S for it. */
export const HEALTHCHECK = { interval: "15s", timeout: "5s", retries: 5, startPeriod: "30s" } as const;
export const WAIT_TIMEOUT_S = 180;

/**
 * The one way a container of this stack is made: image pinned through RemoteImage.imageId (a
 * second `up` sees the same id, so nothing is replaced), fixed names with delete-before-replace,
 * `unless-stopped`, a memory limit without swap, stack labels, ports bound only to the configured
 * address, a stop grace for services that flush state, no new privileges and no raw sockets
 * (components/hardening.ts).
 */
export class ServiceContainer extends pulumi.ComponentResource {
  readonly container: docker.Container;
  readonly containerName: string;

  constructor(name: string, args: ServiceContainerArgs, opts?: pulumi.ComponentResourceOptions) {
    super("tutordex:docker:ServiceContainer", name, {}, opts);
    const { context } = args;
    const alias = aliasOf(args.service);
    this.containerName = dockerName(context.stack, alias);

    const healthcheck =
      args.readiness.kind === "healthcheck"
        ? {
            tests: [...args.readiness.test],
            interval: HEALTHCHECK.interval,
            timeout: HEALTHCHECK.timeout,
            retries: HEALTHCHECK.retries,
            startPeriod: args.readiness.startPeriod ?? HEALTHCHECK.startPeriod,
          }
        : undefined;
    const grace = args.stopGraceSeconds;

    this.container = new docker.Container(
      name,
      {
        name: this.containerName,
        image: context.images.idOf(args.image),
        restart: "unless-stopped",
        memory: args.memoryMb,
        // Without it the engine allows as much swap again, and raising `memory` past that fails in place.
        memorySwap: args.memoryMb,
        labels: stackLabels(context.stack, args.service),
        command: args.command,
        entrypoints: args.entrypoint ? [...args.entrypoint] : undefined,
        envs: args.envs,
        user: args.user,
        privileged: args.privileged ?? false,
        ...hardening({ privileged: args.privileged ?? false, hostPid: args.hostNamespaces ?? false }),
        ...(args.hostNamespaces
          ? { networkMode: "host", pidMode: "host" }
          : {
              networksAdvanced: [
                { name: context.networkName, aliases: [alias, ...(args.extraAliases ?? [])] },
                ...(args.extraNetworks ?? []).map((n) =>
                  n.aliases?.length ? { name: n.name, aliases: [...n.aliases] } : { name: n.name },
                ),
              ],
            }),
        hosts: args.extraHosts?.map((h) => ({ host: h.host, ip: h.ip })),
        ports: (args.ports ?? []).map((p) => ({
          internal: p.internal,
          external: p.external,
          ip: p.hostIp ?? context.bindAddress,
          protocol: p.protocol ?? "tcp",
        })),
        volumes: [
          ...(args.volumes ?? []).map((v) => ({ volumeName: v.volumeName, containerPath: v.containerPath, readOnly: v.readOnly ?? false })),
          ...(args.hostPaths ?? [])
            .filter((h) => !h.propagation)
            .map((h) => ({ hostPath: h.hostPath, containerPath: h.containerPath, readOnly: true })),
        ],
        mounts: (args.hostPaths ?? [])
          .filter((h) => h.propagation)
          .map((h) => ({
            type: "bind",
            source: h.hostPath,
            target: h.containerPath,
            readOnly: true,
            bindOptions: { propagation: h.propagation },
          })),
        uploads: (args.uploads ?? []).map((u) => ({ file: u.file, content: u.content })),
        healthcheck,
        // Creation waits for the healthcheck, so a crash loop fails `up` and dependents (Grafana's API) find it ready.
        wait: healthcheck !== undefined,
        waitTimeout: WAIT_TIMEOUT_S,
        ...(grace ? { stopSignal: "SIGTERM", stopTimeout: grace, destroyGraceSeconds: grace } : {}),
        logDriver: "json-file",
        logOpts: { "max-size": "20m", "max-file": "5" },
      },
      {
        parent: this,
        provider: context.provider,
        deleteBeforeReplace: true,
        dependsOn: args.dependsOn,
        // The provider plans a healthcheck edit as an in-place update that the engine cannot apply.
        replaceOnChanges: ["healthcheck"],
      },
    );
    this.registerOutputs({ containerName: this.containerName, containerId: this.container.id });
  }
}

/** A named volume for state; protected in stacks that must not lose data to `pulumi destroy`. */
export function dataVolume(
  name: string,
  context: StackContext,
  service: ServiceName,
  suffix = "data",
  parent?: pulumi.Resource,
): docker.Volume {
  return new docker.Volume(
    name,
    {
      // Named after the stack network exists, so nothing is created before the application networks were found.
      name: pulumi.output(context.networkName).apply(() => dockerName(context.stack, `${SERVICES[service].alias}-${suffix}`)),
      labels: stackLabels(context.stack, service),
    },
    { parent, provider: context.provider, protect: context.protectData },
  );
}

/** A healthcheck by the image's own wget: only for images whose record in config/versions.ts lists it. */
export function httpHealthcheck(port: number, path: string, startPeriod?: string): Readiness {
  return { kind: "healthcheck", test: ["CMD", "wget", "-q", "-O", "/dev/null", `http://127.0.0.1:${port}${path}`], startPeriod };
}

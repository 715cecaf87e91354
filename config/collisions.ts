import { PUBLISHED_PORT_KEYS, PublishedPortKey } from "./defaults";
import { StackConfig } from "./schema";
import { ServiceName } from "./services";
import { dockerNamePrefix } from "./names";

/** The service whose container publishes each host port key. */
export const PORT_OWNER: Readonly<Record<PublishedPortKey, ServiceName>> = {
  prometheus: "prometheus",
  alertmanager: "alertmanager",
  grafana: "grafana",
  loki: "loki",
  tempo: "tempo",
  otlpGrpc: "otelCollector",
  otlpHttp: "otelCollector",
};

export interface PublishedHostPort {
  /** The setting that chose the port, as operators write it. */
  readonly setting: string;
  readonly service: ServiceName;
  readonly port: number;
  /** The host address it is published on. */
  readonly address: string;
}

/**
 * Host ports the stack really publishes: those of the services it runs on the bind address, and
 * Alertmanager's gossip port on the cluster address when it is clustered.
 */
export function publishedPorts(
  c: Pick<StackConfig, "hostPorts" | "services" | "bindAddress" | "alertmanagerCluster">,
): PublishedHostPort[] {
  const ports: PublishedHostPort[] = PUBLISHED_PORT_KEYS.filter((key) => c.services[PORT_OWNER[key]]).map((key) => ({
    setting: `hostPorts.${key}`,
    service: PORT_OWNER[key],
    port: c.hostPorts[key],
    address: c.bindAddress,
  }));
  if (c.alertmanagerCluster) {
    ports.push({
      setting: "alertmanagerCluster.port",
      service: "alertmanager",
      port: c.alertmanagerCluster.port,
      address: c.alertmanagerCluster.listenAddress,
    });
  }
  return ports;
}

/** What each kind of collision shares, as `obs check` and its help name it. */
export const COLLISION_KINDS = {
  grafanaApiUrl: "a Grafana API URL",
  hostPort: "a host port on one Docker host",
  dockerName: "Docker names",
  appComposeProject: "a watched application compose project on one Docker host",
} as const;
export type CollisionKind = keyof typeof COLLISION_KINDS;

export interface Collision {
  readonly kind: CollisionKind;
  readonly stacks: readonly [string, string];
  /** The shared value: a URL, `address:port`, or a Docker name prefix. */
  readonly value: string;
  readonly message: string;
}

const describeHost = (dockerHost: string | undefined) =>
  dockerHost === undefined ? "neither sets dockerHost, so both go to DOCKER_HOST or the local socket" : `dockerHost ${dockerHost}`;

/**
 * The Grafana a URL reaches, for comparison: scheme, host and port as the URL parser normalises
 * them (case, default ports, trailing slash), with `localhost` as the loopback address it names.
 */
function grafanaTarget(url: string): string {
  const u = new URL(url);
  const host = u.hostname === "localhost" ? "127.0.0.1" : u.hostname;
  return `${u.protocol}//${host}${u.port ? `:${u.port}` : ""}${u.pathname.replace(/\/+$/, "")}`;
}

/** Two stacks on the same engine publish on overlapping addresses when either is 0.0.0.0. */
const addressesOverlap = (a: string, b: string) => a === b || a === "0.0.0.0" || b === "0.0.0.0";

function grafanaApiCollision(a: StackConfig, b: StackConfig): Collision | undefined {
  if (!a.services.grafana || !b.services.grafana) return undefined;
  const value = grafanaTarget(a.grafanaApiUrl);
  if (value !== grafanaTarget(b.grafanaApiUrl)) return undefined;
  return {
    kind: "grafanaApiUrl",
    stacks: [a.stack, b.stack],
    value,
    message:
      `stacks ${a.stack} and ${b.stack} share the Grafana API URL ${value}: \`pulumi up\` of one would provision its dashboards into ` +
      `the other's Grafana (and \`pulumi destroy\` delete them); give each stack its own grafanaApiUrl or hostPorts.grafana`,
  };
}

function hostPortCollision(a: StackConfig, b: StackConfig): Collision | undefined {
  if (a.dockerHost !== b.dockerHost) return undefined;
  const pairs = publishedPorts(a).flatMap((mine) =>
    publishedPorts(b)
      .filter((other) => other.port === mine.port && addressesOverlap(mine.address, other.address))
      .map((other) => ({ mine, other, address: mine.address === "0.0.0.0" ? other.address : mine.address })),
  );
  if (!pairs.length) return undefined;
  const address = pairs[0].address;
  const shared = pairs.map((p) => `${p.mine.port} (${a.stack}: ${p.mine.setting}, ${b.stack}: ${p.other.setting})`);
  return {
    kind: "hostPort",
    stacks: [a.stack, b.stack],
    value: pairs.map((p) => `${p.address}:${p.mine.port}`).join(", "),
    message:
      `stacks ${a.stack} and ${b.stack} both publish host port${shared.length > 1 ? "s" : ""} ${shared.join(", ")} on ${address} of the same Docker host ` +
      `(${describeHost(a.dockerHost)}); the second \`pulumi up\` would fail on a port already allocated; give one of them other hostPorts, bindAddress or dockerHost`,
  };
}

/**
 * Every Docker name of a stack starts with its prefix and a dash (rules/context.ts), and the
 * stack's cAdvisor selection and operators' `docker ps --filter name=` key on that. Stack `a` then
 * claims every name of stack `a-b`, and an exact clash of two names is only possible that way.
 */
function dockerNameCollision(a: StackConfig, b: StackConfig): Collision | undefined {
  // Stryker disable next-line EqualityOperator: <: differs only for prefixes of equal length, where one claims the other only if both stacks are the same, so the collision is identical (this also disables the non-equivalent >)
  const [outer, inner] = dockerNamePrefix(a.stack).length <= dockerNamePrefix(b.stack).length ? [a, b] : [b, a];
  const claimed = `${dockerNamePrefix(outer.stack)}-`;
  if (!`${dockerNamePrefix(inner.stack)}-`.startsWith(claimed)) return undefined;
  return {
    kind: "dockerName",
    stacks: [outer.stack, inner.stack],
    value: claimed,
    message:
      `stacks ${outer.stack} and ${inner.stack} share Docker names: every name of ${inner.stack} (${dockerNamePrefix(inner.stack)}-…) also starts with ` +
      `${claimed}, the prefix of ${outer.stack}'s containers, volumes and network; rename one of the stacks`,
  };
}

/** A stack watches its compose project's containers through cAdvisor (container alerts) and its log agent. */
const watchesContainers = (c: StackConfig) => c.services.cadvisor || c.services[c.logAgent];

/**
 * Two stacks on one Docker host that watch one compose project both alert on its containers and
 * both ship its logs: every container alert pages twice, and a staging stack pointed at prod's
 * project pages for prod. Hosts are compared as spelled, as for host ports.
 */
function appComposeProjectCollision(a: StackConfig, b: StackConfig): Collision | undefined {
  if (a.dockerHost !== b.dockerHost || a.appComposeProject !== b.appComposeProject) return undefined;
  if (!watchesContainers(a) || !watchesContainers(b)) return undefined;
  return {
    kind: "appComposeProject",
    stacks: [a.stack, b.stack],
    value: a.appComposeProject,
    message:
      `stacks ${a.stack} (environment ${a.environment}) and ${b.stack} (environment ${b.environment}) both watch compose project ${a.appComposeProject} on the same Docker host ` +
      `(${describeHost(a.dockerHost)}): both would alert on its containers and ship its logs, so every container alert would come twice; ` +
      `give each stack its own appComposeProject`,
  };
}

/** One finder per kind, in the order collisions are reported. */
const FINDERS: Readonly<Record<CollisionKind, (a: StackConfig, b: StackConfig) => Collision | undefined>> = {
  grafanaApiUrl: grafanaApiCollision,
  hostPort: hostPortCollision,
  dockerName: dockerNameCollision,
  appComposeProject: appComposeProjectCollision,
};

/**
 * Pairs of stacks that would interfere, one collision per kind of COLLISION_KINDS they share.
 * Docker names are compared whatever the hosts, because the same engine can be reached under two
 * spellings (or through DOCKER_HOST).
 */
export function stackCollisions(configs: readonly StackConfig[]): Collision[] {
  const out: Collision[] = [];
  // Stryker disable next-line EqualityOperator: <=: the extra iteration's inner loop starts at j = length + 1 and runs no body (this also disables the non-equivalent >=)
  for (let i = 0; i < configs.length; i++) {
    for (let j = i + 1; j < configs.length; j++) {
      const [a, b] = [configs[i], configs[j]];
      for (const find of Object.values(FINDERS)) {
        const found = find(a, b);
        if (found) out.push(found);
      }
    }
  }
  return out;
}

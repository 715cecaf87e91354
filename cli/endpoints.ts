import { stackConfigFromFile } from "../config/stackFile";
import { StackIdentity } from "./identity";
import { UsageError } from "./io";

export const ENDPOINT_FLAGS = ["prometheus", "alertmanager", "grafana", "loki", "tempo"] as const;
export type EndpointService = (typeof ENDPOINT_FLAGS)[number];

/** The published HTTP endpoints of a deployed stack, as the operator's machine reaches them. */
export type Endpoints = Partial<Record<EndpointService, string>>;

/** What doctor and reload check: where, whose (with --stack), and what the stack switched off. */
export interface Targets {
  readonly endpoints: Endpoints;
  /** The stack every service must prove it belongs to; undefined without --stack. */
  readonly identity: StackIdentity | undefined;
  /** Services the stack switched off (services.<name>: false): there is nothing of it to probe. */
  readonly off: readonly EndpointService[];
}

/** Where a published port answers on the Docker host: a wildcard bind is reached on loopback. */
export const reachableAddress = (bindAddress: string) => (bindAddress === "0.0.0.0" ? "127.0.0.1" : bindAddress);

/**
 * Defaults from the committed stack file (bind address and host ports; Grafana at its API URL,
 * the one `pulumi up` provisions through), overridden by flags. A flag for a service the stack
 * switched off is a usage error: whatever answers there is not this stack's.
 */
export function targetsFor(root: string, stack: string | undefined, flags: Partial<Record<EndpointService, string>>): Targets {
  const given = (k: EndpointService) => (flags[k] ? flags[k].replace(/\/+$/, "") : undefined);
  if (!stack) {
    const endpoints: Endpoints = {};
    for (const k of ENDPOINT_FLAGS) if (given(k)) endpoints[k] = given(k);
    return { endpoints, identity: undefined, off: [] };
  }
  const c = stackConfigFromFile(root, stack);
  const off = ENDPOINT_FLAGS.filter((k) => !c.services[k]);
  const refused = off.find((k) => given(k));
  if (refused)
    throw new UsageError(
      `--${refused}: stack ${stack} switches ${refused} off (services.${refused}: false), so nothing at that URL is this stack's`,
    );
  const at = (port: number) => `http://${reachableAddress(c.bindAddress)}:${port}`;
  const defaults: Record<EndpointService, string> = {
    prometheus: at(c.hostPorts.prometheus),
    alertmanager: at(c.hostPorts.alertmanager),
    grafana: c.grafanaApiUrl,
    loki: at(c.hostPorts.loki),
    tempo: at(c.hostPorts.tempo),
  };
  const endpoints: Endpoints = {};
  for (const k of ENDPOINT_FLAGS) if (!off.includes(k)) endpoints[k] = given(k) ?? defaults[k];
  return {
    endpoints,
    identity: { stack: c.stack, environment: c.environment, alertmanagerPeerName: c.alertmanagerCluster?.peerName },
    off,
  };
}

import * as yaml from "js-yaml";
import { dockerNamePrefix } from "../config/names";
import { httpJson } from "./http";

/**
 * Whose service answers at a URL. A published port or a tunnel can lead to another stack's
 * Prometheus (staging's on prod's port, a forward to the wrong host); every check doctor and reload
 * make is about the stack they were given only once the service says it is that stack's.
 */

/** What the stack's own services say about themselves (config/schema.ts's StackConfig, in part). */
export interface StackIdentity {
  readonly stack: string;
  readonly environment: string;
  /** The Alertmanager's gossip peer name when it runs in a cluster (config/scale.ts). */
  readonly alertmanagerPeerName?: string;
}

/** ours: the service says it is the stack's; foreign: another stack's; unknown: it says nothing either way. */
export type Whose = "ours" | "foreign" | "unknown";

export interface IdentityVerdict {
  readonly whose: Whose;
  readonly detail: string;
}

const quoted = (labels: Record<string, string>, keys: readonly string[]) =>
  keys.map((k) => `${k}=${JSON.stringify(labels[k] ?? "")}`).join(", ");

/** Prometheus's external labels, from the configuration it loaded (`stack`, `environment`: generators/prometheus.ts). */
export async function prometheusExternalLabels(
  prometheus: string,
  timeoutMs: number,
  headers: Record<string, string> = {},
): Promise<Record<string, string>> {
  const status = await httpJson<{ data?: { yaml?: string } }>(`${prometheus}/api/v1/status/config`, timeoutMs, headers);
  const loaded = yaml.load(status.data?.yaml ?? "", { schema: yaml.CORE_SCHEMA }) as {
    global?: { external_labels?: Record<string, unknown> };
  } | null;
  return Object.fromEntries(Object.entries(loaded?.global?.external_labels ?? {}).map(([k, v]) => [k, String(v)]));
}

export function prometheusVerdict(labels: Record<string, string>, want: StackIdentity): IdentityVerdict {
  const said = quoted(labels, ["stack", "environment"]);
  if (labels.stack === want.stack && labels.environment === want.environment)
    return { whose: "ours", detail: `stack ${want.stack}'s (external labels ${said})` };
  if (labels.stack === undefined)
    return {
      whose: "foreign",
      detail: `not stack ${want.stack}'s: its configuration has no stack external label (not a Prometheus of this project)`,
    };
  return {
    whose: "foreign",
    detail: `not stack ${want.stack}'s: its external labels say ${said}, the stack's are ${quoted({ stack: want.stack, environment: want.environment }, ["stack", "environment"])}`,
  };
}

/** The `stack` label of every alert an Alertmanager holds (Prometheus adds its external labels to each). */
export async function alertmanagerAlertStacks(
  alertmanager: string,
  timeoutMs: number,
  headers: Record<string, string> = {},
): Promise<string[]> {
  const alerts = await httpJson<{ labels?: Record<string, string> }[]>(`${alertmanager}/api/v2/alerts`, timeoutMs, headers);
  return [...new Set(alerts.map((a) => a.labels?.stack).filter((s): s is string => s !== undefined))].sort();
}

export async function alertmanagerPeerName(
  alertmanager: string,
  timeoutMs: number,
  headers: Record<string, string> = {},
): Promise<string | undefined> {
  return (await httpJson<{ cluster?: { name?: string } }>(`${alertmanager}/api/v2/status`, timeoutMs, headers)).cluster?.name;
}

/**
 * An Alertmanager's own configuration is the same in every stack (its webhook URLs, the one
 * difference, are masked in its API). What tells them apart: the alerts it holds, which carry the
 * `stack` label of the Prometheus that sent them (the Watchdog always fires), and in a cluster
 * its peer name, which is the stack's.
 */
export function alertmanagerVerdict(alertStacks: readonly string[], peerName: string | undefined, want: StackIdentity): IdentityVerdict {
  if (want.alertmanagerPeerName !== undefined && peerName !== want.alertmanagerPeerName) {
    return {
      whose: "foreign",
      detail: `not stack ${want.stack}'s: its cluster peer name is ${JSON.stringify(peerName ?? "")}, the stack's is ${JSON.stringify(want.alertmanagerPeerName)}`,
    };
  }
  if (alertStacks.includes(want.stack))
    return { whose: "ours", detail: `stack ${want.stack}'s (it holds alerts of stack ${want.stack}, the Watchdog among them)` };
  if (alertStacks.length)
    return { whose: "foreign", detail: `not stack ${want.stack}'s: it holds alerts of stack ${alertStacks.join(", ")} only` };
  return {
    whose: "unknown",
    detail: `holds no alert of stack ${want.stack}, not even the Watchdog that always fires: either it is not this stack's Alertmanager, or Prometheus's alerts do not reach it`,
  };
}

/** The containers whose logs a Loki holds in the last hour (the `container` label of the log label contract). */
export async function lokiContainers(loki: string, timeoutMs: number): Promise<string[]> {
  const r = await httpJson<{ data?: string[] }>(`${loki}/loki/api/v1/label/container/values?since=1h`, timeoutMs);
  return r.data ?? [];
}

/** A stack's log agent ships its own containers' logs (tutordex-obs-<stack>-…) to its own Loki only. */
export function lokiVerdict(containers: readonly string[], want: StackIdentity): IdentityVerdict {
  const ours = `${dockerNamePrefix(want.stack)}-`;
  if (containers.some((c) => c.startsWith(ours)))
    return { whose: "ours", detail: `stack ${want.stack}'s (it holds logs of its ${ours}… containers)` };
  const anyStack = dockerNamePrefix("");
  const stacks = containers.filter((c) => c.startsWith(anyStack));
  if (stacks.length)
    return { whose: "foreign", detail: `not stack ${want.stack}'s: it holds logs of ${stacks.slice(0, 3).join(", ")}, none of ${ours}…` };
  return {
    whose: "unknown",
    detail: `holds no log of stack ${want.stack}'s containers (${ours}…) in the last hour: either it is not this stack's Loki, or the log agent ships nothing`,
  };
}

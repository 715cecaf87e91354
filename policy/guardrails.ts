/**
 * The container guardrails as plain predicates over a container's inputs and options, shared by
 * the tests (over every committed stack under mocks) and the policy pack (policy/index.ts, for
 * `pulumi preview --policy-pack policy`). Each returns a problem, or undefined when it complies.
 */
import { ALERTMANAGER_GOSSIP_PORT } from "../config/scale";
import { ROLE_LABEL, SERVICE_LABEL, STACK_LABEL } from "../config/labels";

/**
 * The inputs of a docker.Container the guardrails read, in the provider's shapes; any of them may
 * be missing, and the others are not looked at.
 */
export interface ContainerInputs {
  readonly [input: string]: unknown;
  readonly name?: string;
  readonly image?: string;
  readonly restart?: string;
  readonly memory?: number;
  readonly memorySwap?: number;
  readonly privileged?: boolean;
  readonly wait?: boolean;
  readonly stopTimeout?: number;
  readonly destroyGraceSeconds?: number;
  readonly labels?: readonly { readonly label: string; readonly value: string }[];
  readonly ports?: readonly { readonly ip?: string; readonly internal?: number }[];
  readonly volumes?: readonly { readonly hostPath?: string; readonly volumeName?: string; readonly readOnly?: boolean }[];
  readonly mounts?: readonly { readonly type?: string; readonly source?: string; readonly readOnly?: boolean }[];
  readonly healthcheck?: { readonly tests?: readonly string[] };
}

export interface ContainerRecord {
  readonly name: string;
  readonly inputs: ContainerInputs;
  readonly options: { readonly deleteBeforeReplace: boolean; readonly replaceOnChanges?: readonly string[] };
}

export interface GuardrailContext {
  readonly stack: string;
  readonly bindAddress: string;
  /** alertmanagerCluster.listenAddress: the one other address a port may be published on (Alertmanager's gossip). */
  readonly clusterAddress?: string;
  /** Services whose readiness a one-shot gate checks (their images cannot run a healthcheck). */
  readonly gatedServices: ReadonlySet<string>;
}

export const labelOf = (c: ContainerRecord, name: string): string | undefined =>
  (c.inputs.labels ?? []).find((l) => l.label === name)?.value;

/** Config-sync runs and readiness gates: run once per input, carry a hash in their names. */
export const isOneShot = (c: ContainerRecord) => labelOf(c, ROLE_LABEL) !== undefined;

const DATA_VOLUME = /-(data|state)$/;

export const GUARDRAILS: Readonly<Record<string, (c: ContainerRecord, ctx: GuardrailContext) => string | undefined>> = {
  "image is a RemoteImage id, so a second up replaces nothing": (c) =>
    /^sha256:/.test(String(c.inputs.image)) ? undefined : `image ${c.inputs.image} is a tag or digest`,
  "restart unless-stopped (one-shots: no)": (c) => {
    const want = isOneShot(c) ? "no" : "unless-stopped";
    return c.inputs.restart === want ? undefined : `restart=${c.inputs.restart}`;
  },
  "has a memory limit and no swap beyond it": (c) => {
    if (!(typeof c.inputs.memory === "number" && c.inputs.memory > 0)) return "no memory limit";
    return c.inputs.memorySwap === c.inputs.memory
      ? undefined
      : `memorySwap ${c.inputs.memorySwap ?? "unset (the engine allows 2x memory)"}, memory ${c.inputs.memory}`;
  },
  "labels name the stack and the service": (c, ctx) =>
    labelOf(c, STACK_LABEL) === ctx.stack && labelOf(c, SERVICE_LABEL) ? undefined : "missing stack/service labels",
  "Docker name carries the stack": (c, ctx) =>
    String(c.inputs.name).startsWith(`tutordex-obs-${ctx.stack}-`) ? undefined : `name ${c.inputs.name}`,
  "ports published only on the bind address": (c, ctx) => {
    const gossip = (p: { ip?: string; internal?: number }) =>
      ctx.clusterAddress !== undefined &&
      p.ip === ctx.clusterAddress &&
      p.internal === ALERTMANAGER_GOSSIP_PORT &&
      labelOf(c, SERVICE_LABEL) === "alertmanager";
    const bad = (c.inputs.ports ?? []).filter((p) => p.ip !== ctx.bindAddress && !gossip(p));
    return bad.length ? `ports on ${bad.map((p) => p.ip ?? "0.0.0.0").join(",")}` : undefined;
  },
  "no privileged container but cAdvisor": (c) =>
    c.inputs.privileged && labelOf(c, SERVICE_LABEL) !== "cadvisor" ? "privileged" : undefined,
  "host paths mounted read-only": (c) => {
    const rw = [
      ...(c.inputs.volumes ?? []).filter((v) => v.hostPath && !v.readOnly).map((v) => v.hostPath),
      ...(c.inputs.mounts ?? []).filter((m) => m.type === "bind" && !m.readOnly).map((m) => m.source),
    ];
    return rw.length ? `writable host paths ${rw.join(",")}` : undefined;
  },
  "fixed names replace delete-before-replace (one-shots carry a content hash instead)": (c) =>
    isOneShot(c) || c.options.deleteBeforeReplace ? undefined : "fixed name without deleteBeforeReplace",
  "readiness: a healthcheck creation waits for, or a readiness gate": (c, ctx) => {
    if (isOneShot(c)) return undefined;
    if ((c.inputs.healthcheck?.tests?.length ?? 0) > 0)
      return c.inputs.wait === true ? undefined : "healthcheck without wait: a crash loop passes `up`";
    return ctx.gatedServices.has(labelOf(c, SERVICE_LABEL) ?? "") ? undefined : "no readiness check";
  },
  "healthcheck edits replace the container (the engine cannot update them in place)": (c) =>
    c.inputs.healthcheck && !(c.options.replaceOnChanges ?? []).includes("healthcheck")
      ? "healthcheck without replaceOnChanges"
      : undefined,
  "containers keeping data stop gracefully": (c) => {
    const keepsData = (c.inputs.volumes ?? []).some((v) => v.volumeName && !v.readOnly && DATA_VOLUME.test(String(v.volumeName)));
    if (!keepsData) return undefined;
    return (c.inputs.stopTimeout ?? 0) > 0 && (c.inputs.destroyGraceSeconds ?? 0) > 0
      ? undefined
      : "data volume but no stopTimeout/destroyGraceSeconds: a replacement kills it mid-write";
  },
};

/** Services a readiness gate watches in this set of containers. */
export function gatedServices(containers: readonly ContainerRecord[]): Set<string> {
  return new Set(containers.filter((c) => labelOf(c, ROLE_LABEL) === "readiness-gate").map((c) => labelOf(c, SERVICE_LABEL) ?? ""));
}

export function violations(
  containers: readonly ContainerRecord[],
  ctx: Omit<GuardrailContext, "gatedServices"> & { gatedServices?: ReadonlySet<string> },
): string[] {
  const full: GuardrailContext = { ...ctx, gatedServices: ctx.gatedServices ?? gatedServices(containers) };
  return containers.flatMap((c) =>
    Object.entries(GUARDRAILS)
      .map(([rule, check]) => [rule, check(c, full)] as const)
      .filter(([, problem]) => problem !== undefined)
      .map(([rule, problem]) => `${c.inputs.name}: ${rule}: ${problem}`),
  );
}

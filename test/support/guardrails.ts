import { RecordedResource } from "./program";

const label = (c: RecordedResource, name: string): string | undefined =>
  (c.inputs.labels ?? []).find((l: { label: string }) => l.label === name)?.value;

export const isOneShot = (c: RecordedResource) => label(c, "tutordex.observability.role") === "config-sync";

/** Each guardrail returns a problem description, or undefined when the container complies. */
export const GUARDRAILS: Record<string, (c: RecordedResource, ctx: { stack: string; bindAddress: string }) => string | undefined> = {
  "image is a RemoteImage id, so a second up replaces nothing": (c) =>
    /^sha256:/.test(c.inputs.image) ? undefined : `image ${c.inputs.image} is a tag or digest`,
  "restart unless-stopped (one-shot config sync: no)": (c) => {
    const want = isOneShot(c) ? "no" : "unless-stopped";
    return c.inputs.restart === want ? undefined : `restart=${c.inputs.restart}`;
  },
  "has a memory limit": (c) => (typeof c.inputs.memory === "number" && c.inputs.memory > 0 ? undefined : "no memory limit"),
  "labels name the stack and the service": (c, ctx) =>
    label(c, "tutordex.observability.stack") === ctx.stack && label(c, "tutordex.observability.service") ? undefined : "missing stack/service labels",
  "Docker name carries the stack": (c, ctx) => (String(c.inputs.name).startsWith(`tutordex-obs-${ctx.stack}-`) ? undefined : `name ${c.inputs.name}`),
  "ports published only on the bind address": (c, ctx) => {
    const bad = (c.inputs.ports ?? []).filter((p: { ip?: string }) => p.ip !== ctx.bindAddress);
    return bad.length ? `ports on ${bad.map((p: { ip?: string }) => p.ip ?? "0.0.0.0").join(",")}` : undefined;
  },
  "no privileged container but cAdvisor": (c) =>
    c.inputs.privileged && label(c, "tutordex.observability.service") !== "cadvisor" ? "privileged" : undefined,
  "host paths mounted read-only": (c) => {
    const rw = (c.inputs.volumes ?? []).filter((v: { hostPath?: string; readOnly?: boolean }) => v.hostPath && !v.readOnly);
    return rw.length ? `writable host paths ${rw.map((v: { hostPath: string }) => v.hostPath).join(",")}` : undefined;
  },
  "fixed names replace delete-before-replace (one-shots carry a content hash instead)": (c) =>
    isOneShot(c) || c.options.deleteBeforeReplace ? undefined : "fixed name without deleteBeforeReplace",
  "readiness: image healthcheck, or an external check Prometheus runs": (c) =>
    isOneShot(c) || (c.inputs.healthcheck?.tests?.length ?? 0) > 0 || EXTERNAL_READINESS.has(label(c, "tutordex.observability.service") ?? "")
      ? undefined
      : "no readiness check",
};

/** Services whose images have no HTTP client; Prometheus checks them (see the readiness test). */
export const EXTERNAL_READINESS = new Map<string, { job: string; url?: string }>([
  ["loki", { job: "blackbox_stack_ready", url: "http://loki:3100/ready" }],
  ["tempo", { job: "blackbox_stack_ready", url: "http://tempo:3200/ready" }],
  ["otelCollector", { job: "blackbox_stack_ready", url: "http://otel-collector:13133/" }],
  ["promtail", { job: "promtail" }],
]);

export function violations(containers: readonly RecordedResource[], ctx: { stack: string; bindAddress: string }): string[] {
  return containers.flatMap((c) =>
    Object.entries(GUARDRAILS)
      .map(([rule, check]) => [rule, check(c, ctx)] as const)
      .filter(([, problem]) => problem !== undefined)
      .map(([rule, problem]) => `${c.inputs.name}: ${rule}: ${problem}`),
  );
}

import { RecordedResource } from "./program";

/**
 * One broken variant of a compliant service container per guardrail (policy/guardrails.ts),
 * by the guardrail's name. The program tests and the policy-pack tests both show that each
 * guardrail catches its own.
 */
export const BROKEN_EXAMPLES: Readonly<Record<string, (c: RecordedResource) => RecordedResource>> = {
  "image is a RemoteImage id, so a second up replaces nothing": (c) => ({ ...c, inputs: { ...c.inputs, image: "grafana/grafana:12.3.1" } }),
  "restart unless-stopped (one-shots: no)": (c) => ({ ...c, inputs: { ...c.inputs, restart: "always" } }),
  "has a memory limit and no swap beyond it": (c) => ({ ...c, inputs: { ...c.inputs, memorySwap: undefined } }),
  "labels name the stack and the service": (c) => ({ ...c, inputs: { ...c.inputs, labels: [] } }),
  "Docker name carries the stack": (c) => ({ ...c, inputs: { ...c.inputs, name: "grafana" } }),
  "ports published only on the bind address": (c) => ({ ...c, inputs: { ...c.inputs, ports: [{ internal: 3000, external: 3300 }] } }),
  "no privileged container but cAdvisor": (c) => ({ ...c, inputs: { ...c.inputs, privileged: true } }),
  "host paths mounted read-only": (c) => ({
    ...c,
    inputs: { ...c.inputs, mounts: [{ type: "bind", source: "/", target: "/host", readOnly: false }] },
  }),
  "fixed names replace delete-before-replace (one-shots carry a content hash instead)": (c) => ({
    ...c,
    options: { ...c.options, deleteBeforeReplace: false },
  }),
  "readiness: a healthcheck creation waits for, or a readiness gate": (c) => ({ ...c, inputs: { ...c.inputs, wait: false } }),
  "healthcheck edits replace the container (the engine cannot update them in place)": (c) => ({
    ...c,
    options: { ...c.options, replaceOnChanges: [] },
  }),
  "containers keeping data stop gracefully": (c) => ({ ...c, inputs: { ...c.inputs, destroyGraceSeconds: undefined } }),
};

import { stackConfigFromFile } from "../config/stackFile";

/** The published HTTP endpoints of a deployed stack, as the operator's machine reaches them. */
export interface Endpoints {
  prometheus?: string;
  alertmanager?: string;
  grafana?: string;
  loki?: string;
  tempo?: string;
}

export const ENDPOINT_FLAGS = ["prometheus", "alertmanager", "grafana", "loki", "tempo"] as const;

/** Defaults from the committed stack file (bind address and host ports), overridden by flags. */
export function endpointsFor(root: string, stack: string | undefined, flags: Partial<Record<(typeof ENDPOINT_FLAGS)[number], string>>): Endpoints {
  const base: Endpoints = {};
  if (stack) {
    const c = stackConfigFromFile(root, stack);
    const at = (port: number) => `http://${c.bindAddress}:${port}`;
    Object.assign(base, {
      prometheus: at(c.hostPorts.prometheus),
      alertmanager: at(c.hostPorts.alertmanager),
      grafana: c.grafanaExternalUrl,
      loki: at(c.hostPorts.loki),
      tempo: at(c.hostPorts.tempo),
    });
  }
  for (const k of ENDPOINT_FLAGS) if (flags[k]) base[k] = flags[k]!.replace(/\/+$/, "");
  return base;
}

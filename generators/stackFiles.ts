import { StackConfig } from "../config/schema";
import { dockerNetworkPeers, PeerAddresses } from "../config/services";
import { DashboardJson } from "../dashboards/builder";
import { dashboardsFor } from "../dashboards";
import { ruleSettings } from "../rules/context";
import { renderAlertmanagerConfig } from "./alertmanager";
import { renderAlloyConfig } from "./alloy";
import { renderBlackboxConfig } from "./blackbox";
import { DatasourceSpec, grafanaDatasources } from "./grafanaDatasources";
import { renderLokiConfig } from "./loki";
import { renderOtelCollectorConfig } from "./otelCollector";
import { prometheusFiles } from "./prometheus";
import { renderPromtailConfig } from "./promtail";
import { renderTempoConfig } from "./tempo";

/**
 * Everything a stack's services read, rendered once: the Pulumi program hands each component its
 * part, and `obs render` writes the same object to a folder. A switched-off service has no entry.
 */
export interface StackRender {
  /** Files of Prometheus's config volume, relative to /etc/prometheus. */
  readonly prometheus: Readonly<Record<string, string>>;
  /** Files of Alertmanager's config volume, relative to /etc/alertmanager. */
  readonly alertmanager: Readonly<Record<string, string>>;
  readonly blackboxExporter?: string;
  readonly loki?: string;
  readonly promtail?: string;
  readonly alloy?: string;
  readonly tempo?: string;
  readonly otelCollector?: string;
  readonly grafana?: { readonly datasources: readonly DatasourceSpec[]; readonly dashboards: readonly DashboardJson[] };
}

export function renderStack(c: StackConfig, peers: PeerAddresses = dockerNetworkPeers()): StackRender {
  const on = c.services;
  return {
    prometheus: prometheusFiles(c, ruleSettings(c), peers),
    alertmanager: { "alertmanager.yml": renderAlertmanagerConfig(c, peers) },
    ...(on.blackboxExporter ? { blackboxExporter: renderBlackboxConfig(c) } : {}),
    ...(on.loki ? { loki: renderLokiConfig(c.retention.loki, undefined, c.objectStorage) } : {}),
    ...(on.promtail ? { promtail: renderPromtailConfig(c, peers) } : {}),
    ...(on.alloy ? { alloy: renderAlloyConfig(c, peers) } : {}),
    ...(on.tempo ? { tempo: renderTempoConfig(c.retention.tempo, peers, undefined, c.objectStorage) } : {}),
    ...(on.otelCollector ? { otelCollector: renderOtelCollectorConfig(c, peers) } : {}),
    ...(on.grafana ? { grafana: { datasources: grafanaDatasources(peers, c), dashboards: dashboardsFor(on) } } : {}),
  };
}

/** The render as a folder: one file per path, what `obs render` writes and reviewers diff. */
export function renderedFileTree(r: StackRender): Record<string, string> {
  const files: Record<string, string> = {};
  for (const [rel, text] of Object.entries(r.prometheus)) files[`prometheus/${rel}`] = text;
  for (const [rel, text] of Object.entries(r.alertmanager)) files[`alertmanager/${rel}`] = text;
  const single: [string, string | undefined][] = [
    ["blackbox/blackbox.yml", r.blackboxExporter],
    ["loki/loki.yml", r.loki],
    ["promtail/promtail.yml", r.promtail],
    ["alloy/config.alloy", r.alloy],
    ["tempo/tempo.yml", r.tempo],
    ["otel-collector/otel-collector.yml", r.otelCollector],
  ];
  for (const [rel, text] of single) if (text !== undefined) files[rel] = text;
  if (r.grafana) {
    files["grafana/datasources.json"] = `${JSON.stringify(r.grafana.datasources, null, 2)}\n`;
    for (const d of r.grafana.dashboards) files[`grafana/dashboards/${d.uid}.json`] = `${JSON.stringify(d, null, 2)}\n`;
  }
  return files;
}

/** The folder `obs render` writes for a stack configuration. */
export function renderStackFiles(c: StackConfig, peers: PeerAddresses = dockerNetworkPeers()): Record<string, string> {
  return renderedFileTree(renderStack(c, peers));
}

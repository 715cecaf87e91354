import { StackConfig } from "../config/schema";
import { dockerNetworkPeers, PeerAddresses } from "../config/services";
import { DASHBOARDS } from "../dashboards";
import { ruleSettings } from "../rules/context";
import { renderAlertmanagerConfig } from "./alertmanager";
import { renderBlackboxConfig } from "./blackbox";
import { grafanaDatasources } from "./grafanaDatasources";
import { renderLokiConfig } from "./loki";
import { renderOtelCollectorConfig } from "./otelCollector";
import { prometheusFiles } from "./prometheus";
import { renderPromtailConfig } from "./promtail";
import { renderTempoConfig } from "./tempo";

/**
 * Every generated file of a stack, by its path in a rendered folder. Components deliver exactly
 * these texts (a test compares them with the uploads), so reviewing a render is reviewing a deploy.
 */
export function renderStackFiles(c: StackConfig, peers: PeerAddresses = dockerNetworkPeers()): Record<string, string> {
  const files: Record<string, string> = {};
  for (const [rel, text] of Object.entries(prometheusFiles(c, ruleSettings(c), peers))) files[`prometheus/${rel}`] = text;
  files["alertmanager/alertmanager.yml"] = renderAlertmanagerConfig(c, peers);
  files["blackbox/blackbox.yml"] = renderBlackboxConfig(c);
  files["loki/loki.yml"] = renderLokiConfig(c.retention.loki);
  files["promtail/promtail.yml"] = renderPromtailConfig(c, peers);
  files["tempo/tempo.yml"] = renderTempoConfig(c.retention.tempo, peers);
  files["otel-collector/otel-collector.yml"] = renderOtelCollectorConfig(c, peers);
  files["grafana/datasources.json"] = `${JSON.stringify(grafanaDatasources(peers), null, 2)}\n`;
  for (const d of DASHBOARDS) files[`grafana/dashboards/${d.uid}.json`] = `${JSON.stringify(d, null, 2)}\n`;
  return files;
}

import { StackConfig } from "../config/schema";
import { PeerAddresses, SERVICES } from "../config/services";
import { DOCKER_REFRESH_INTERVAL, DOCKER_SOCKET, logPipeline, RelabelRule } from "./logLabelContract";
import { toYaml, GENERATED_HEADER } from "../config/yaml";

export const PROMTAIL_DATA_DIR = "/promtail";
export { DOCKER_SOCKET };

export type PipelineStage = { json: { expressions: Record<string, string> } } | { labels: Record<string, string | null> };

export interface PromtailScrapeConfig {
  job_name: string;
  docker_sd_configs: { host: string; refresh_interval: string; filters: { name: string; values: string[] }[] }[];
  relabel_configs: RelabelRule[];
  pipeline_stages: PipelineStage[];
}

/**
 * The shared log pipeline (generators/logLabelContract.ts) in Promtail's scrape-config form: one
 * Docker discovery per set of containers, filtered by the engine, since Promtail tails whatever
 * its discovery lists.
 */
export function promtailScrapeConfig(s: Pick<StackConfig, "stack" | "appComposeProject">): PromtailScrapeConfig {
  const pipeline = logPipeline(s, "promtail");
  return {
    job_name: "docker",
    docker_sd_configs: Object.values(pipeline.discovery).map((filters) => ({
      host: `unix://${DOCKER_SOCKET}`,
      refresh_interval: DOCKER_REFRESH_INTERVAL,
      filters: filters.map((f) => ({ name: f.name, values: [...f.values] })),
    })),
    relabel_configs: [...pipeline.relabel],
    pipeline_stages: [
      { json: { expressions: { ...pipeline.json } } },
      { labels: Object.fromEntries(pipeline.labels.map((l) => [l, null])) },
    ],
  };
}

export function renderPromtailConfig(
  s: Pick<StackConfig, "stack" | "appComposeProject">,
  peers: Pick<PeerAddresses, "loki">,
  dataDir = PROMTAIL_DATA_DIR,
): string {
  return toYaml(
    {
      server: { http_listen_address: "0.0.0.0", http_listen_port: SERVICES.promtail.port, grpc_listen_port: 0, log_level: "info" },
      positions: { filename: `${dataDir}/positions.yaml` },
      clients: [{ url: `http://${peers.loki}/loki/api/v1/push` }],
      scrape_configs: [promtailScrapeConfig(s)],
    },
    GENERATED_HEADER,
  );
}

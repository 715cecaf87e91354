import { StackConfig } from "../config/schema";
import { PeerAddresses, SERVICES } from "../config/services";
import { dockerSdMetaLabel, SERVICE_LABEL, STACK_LABEL } from "./labels";
import { toYaml, GENERATED_HEADER } from "./yaml";

export const PROMTAIL_DATA_DIR = "/promtail";
export const DOCKER_SOCKET = "/var/run/docker.sock";

/** Extracted from the JSON line and promoted to labels: all low-cardinality by design. */
export const JSON_LABELS = ["level", "component", "channel", "pipeline_version", "schema_version"] as const;

export interface RelabelRule {
  source_labels?: string[];
  separator?: string;
  regex?: string;
  target_label?: string;
  replacement?: string;
  action?: "replace" | "keep" | "drop";
}

export type PipelineStage = { json: { expressions: Record<string, string> } } | { labels: Record<string, string | null> };

export interface PromtailScrapeConfig {
  job_name: string;
  docker_sd_configs: { host: string; refresh_interval: string }[];
  relabel_configs: RelabelRule[];
  pipeline_stages: PipelineStage[];
}

const STACK = dockerSdMetaLabel(STACK_LABEL);
const SERVICE = dockerSdMetaLabel(SERVICE_LABEL);
const COMPOSE_SERVICE = dockerSdMetaLabel("com.docker.compose.service");
const COMPOSE_PROJECT = dockerSdMetaLabel("com.docker.compose.project");

const escapeRegex = (s: string) => s.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");

/** Relabeling and pipeline as data, so a test can evaluate them against sample containers and lines. */
export function promtailScrapeConfig(s: Pick<StackConfig, "stack">): PromtailScrapeConfig {
  return {
    job_name: "docker",
    docker_sd_configs: [{ host: `unix://${DOCKER_SOCKET}`, refresh_interval: "5s" }],
    relabel_configs: [
      // Another observability stack on the same host ships its own containers' logs.
      { source_labels: [STACK], regex: `|${escapeRegex(s.stack)}`, action: "keep" },
      // Promtail does not ship its own logs (a feedback loop when Loki is slow).
      { source_labels: [SERVICE], regex: "promtail", action: "drop" },
      { source_labels: ["__meta_docker_container_name"], regex: "/?(.*)", target_label: "container", replacement: "$1" },
      { source_labels: [COMPOSE_SERVICE], regex: "(.+)", target_label: "compose_service", replacement: "$1" },
      { source_labels: [COMPOSE_PROJECT], regex: "(.+)", target_label: "compose_project", replacement: "$1" },
      // Our containers are not compose containers; their stack labels play the same part.
      { source_labels: [SERVICE], regex: "(.+)", target_label: "compose_service", replacement: "$1" },
      { source_labels: [STACK], regex: "(.+)", target_label: "compose_project", replacement: "tutordex-obs-$1" },
    ],
    pipeline_stages: [
      { json: { expressions: Object.fromEntries(JSON_LABELS.map((l) => [l, l])) } },
      { labels: Object.fromEntries(JSON_LABELS.map((l) => [l, null])) },
    ],
  };
}

export function renderPromtailConfig(s: Pick<StackConfig, "stack">, peers: Pick<PeerAddresses, "loki">, dataDir = PROMTAIL_DATA_DIR): string {
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

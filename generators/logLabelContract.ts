import { LogAgent } from "../config/schema";
import { dockerSdMetaLabel, SERVICE_LABEL, STACK_LABEL } from "./labels";

/**
 * The label contract of SPEC §7, as data every log path renders from: Promtail and Grafana Alloy
 * (Docker discovery, relabeling, a JSON stage) and the OTEL Collector's logs pipeline into Loki's
 * OTLP endpoint. A Loki stream is identified by exactly these labels, whichever path the line took.
 */

/** Where a line came from: the container and its compose service and project. */
export const SOURCE_LABELS = ["container", "compose_service", "compose_project"] as const;

/** Extracted from the JSON line (or the OTLP log record's attributes) and promoted to labels: all low-cardinality by design. */
export const JSON_LABELS = ["level", "component", "channel", "pipeline_version", "schema_version"] as const;

/** High-cardinality fields: they stay in the line (or in structured metadata), never in a label. */
export const NEVER_LABELS = ["assignment_id", "event", "trace_id", "span_id"] as const;

/** Every label a stream of the stack's Loki carries. */
export const STREAM_LABELS = [...SOURCE_LABELS, ...JSON_LABELS] as const;

export const DOCKER_SOCKET = "/var/run/docker.sock";
/** How often the agents ask Docker for containers: a new container's first lines are not missed for long. */
export const DOCKER_REFRESH_INTERVAL = "5s";

/** A Prometheus relabel rule; Promtail's relabel_configs and Alloy's `rule` blocks share these semantics. */
export interface RelabelRule {
  readonly source_labels?: readonly string[];
  readonly separator?: string;
  readonly regex?: string;
  readonly target_label?: string;
  readonly replacement?: string;
  readonly action?: "replace" | "keep" | "drop";
}

/** What a log agent does with a discovered container and each of its lines. */
export interface LogPipeline {
  /** Applied to Docker discovery's meta labels; keep/drop decide whether a container is shipped at all. */
  readonly relabel: readonly RelabelRule[];
  /** Extracted value name → JSON key of the line (a JMESPath identifier). */
  readonly json: Readonly<Record<string, string>>;
  /** Extracted values that become labels, when present and not empty. */
  readonly labels: readonly string[];
}

const STACK = dockerSdMetaLabel(STACK_LABEL);
const SERVICE = dockerSdMetaLabel(SERVICE_LABEL);
const COMPOSE_SERVICE = dockerSdMetaLabel("com.docker.compose.service");
const COMPOSE_PROJECT = dockerSdMetaLabel("com.docker.compose.project");

const escapeRegex = (s: string) => s.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");

/** The one pipeline both agents render, for the stack and the agent that runs it. */
export function logPipeline(stack: string, agent: LogAgent): LogPipeline {
  return {
    relabel: [
      // Another observability stack on the same host ships its own containers' logs.
      { source_labels: [STACK], regex: `|${escapeRegex(stack)}`, action: "keep" },
      // The agent does not ship its own logs (a feedback loop when Loki is slow).
      { source_labels: [SERVICE], regex: agent, action: "drop" },
      { source_labels: ["__meta_docker_container_name"], regex: "/?(.*)", target_label: "container", replacement: "$1" },
      { source_labels: [COMPOSE_SERVICE], regex: "(.+)", target_label: "compose_service", replacement: "$1" },
      { source_labels: [COMPOSE_PROJECT], regex: "(.+)", target_label: "compose_project", replacement: "$1" },
      // Our containers are not compose containers; their stack labels play the same part.
      { source_labels: [SERVICE], regex: "(.+)", target_label: "compose_service", replacement: "$1" },
      { source_labels: [STACK], regex: "(.+)", target_label: "compose_project", replacement: "tutordex-obs-$1" },
    ],
    json: Object.fromEntries(JSON_LABELS.map((l) => [l, l])),
    labels: [...JSON_LABELS],
  };
}

/**
 * The same source labels for logs that arrive over OTLP: the OpenTelemetry semantic conventions
 * carry the container's name as `container.name` and each of its Docker labels as
 * `container.label.<key>`, so the compose labels Promtail reads are the same facts here.
 */
export const OTLP_SOURCE_ATTRIBUTES: Readonly<Record<(typeof SOURCE_LABELS)[number], string>> = {
  container: "container.name",
  compose_service: "container.label.com.docker.compose.service",
  compose_project: "container.label.com.docker.compose.project",
};

import { dockerNamePrefix } from "../config/names";
import { LogAgent, StackConfig } from "../config/schema";
import { SERVICES } from "../config/services";
import { COMPOSE_PROJECT_LABEL, COMPOSE_SERVICE_LABEL, dockerSdMetaLabel, SERVICE_LABEL, STACK_LABEL } from "../config/labels";

/**
 * The label contract of docs/spec.md §7, as data every log path renders from: Promtail and Grafana Alloy
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

/**
 * One filter of the Docker API's container list (GET /containers/json?filters=…), which
 * Promtail's docker_sd_configs `filters` and Alloy's discovery.docker `filter` blocks hand to the
 * engine unchanged. The engine's semantics: every filter of one list call must match; the values
 * of `label` (`key=value`) must all match, the values of `name` are alternatives, each an
 * unanchored regular expression tried on the name with and without its leading `/`.
 */
export interface DockerFilter {
  readonly name: "label" | "name";
  readonly values: readonly string[];
}

/** The two sets of containers a stack ships logs of: its own, and the application's. */
export type LogSource = "stack" | "application";

/** What a log agent does with a discovered container and each of its lines. */
export interface LogPipeline {
  /**
   * Which containers are shipped at all: one Docker list call per entry, a container listed by
   * any of them is tailed. The sets are disjoint (no container is tailed twice).
   */
  readonly discovery: Readonly<Record<LogSource, readonly DockerFilter[]>>;
  /** Applied to Docker discovery's meta labels: the stream's source labels. */
  readonly relabel: readonly RelabelRule[];
  /** Extracted value name → JSON key of the line (a JMESPath identifier). */
  readonly json: Readonly<Record<string, string>>;
  /** Extracted values that become labels, when present and not empty. */
  readonly labels: readonly string[];
}

const STACK = dockerSdMetaLabel(STACK_LABEL);
const SERVICE = dockerSdMetaLabel(SERVICE_LABEL);
const COMPOSE_SERVICE = dockerSdMetaLabel(COMPOSE_SERVICE_LABEL);
const COMPOSE_PROJECT = dockerSdMetaLabel(COMPOSE_PROJECT_LABEL);

const escapeRegex = (s: string) => s.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");

/**
 * A regular expression (RE2: no lookahead) for every name `prefix` + rest, where rest does not
 * start with `excluded`: `^/?prefix(?:$|[^p]|p(?:$|[^r]|r…))`.
 */
export function namesExcept(prefix: string, excluded: string): string {
  if (!/^[a-z0-9-]+$/.test(excluded)) throw new Error(`namesExcept: expected a Docker name suffix, got ${JSON.stringify(excluded)}`);
  const notStartingWith = (w: string): string => `(?:$|[^${w[0]}]${w.length > 1 ? `|${w[0]}${notStartingWith(w.slice(1))}` : ""})`;
  return `^/?${escapeRegex(prefix)}${notStartingWith(excluded)}`;
}

/**
 * The containers whose logs a stack ships, as Docker's own list filters: its own containers
 * (but the agent's, whose lines would feed back into themselves when Loki is slow), and the
 * application's, those of its compose project: every stack's agent sees every container of the
 * host, and the application has the same service names in every environment, so the project is
 * what tells prod's from staging's, as in the container alerts (rules/context.ts).
 *
 * Filtering happens at discovery, not in relabel rules: Promtail tails every container its
 * discovery lists, whatever its keep/drop rules say (grafana/loki#8620, closed unfixed when
 * Promtail was retired), and a dropped container's lines leave with an empty label set, which
 * Loki refuses; Promtail logs each refusal, reads that line too, and LokiIngestionFailing never clears.
 */
export function logDiscovery(
  s: Pick<StackConfig, "stack" | "appComposeProject">,
  agent: LogAgent,
): Readonly<Record<LogSource, readonly DockerFilter[]>> {
  return {
    stack: [
      { name: "label", values: [`${STACK_LABEL}=${s.stack}`] },
      // The agent's container and its readiness gate: tutordex-obs-<stack>-<agent>[-…].
      { name: "name", values: [namesExcept(`${dockerNamePrefix(s.stack)}-`, SERVICES[agent].alias)] },
    ],
    application: [{ name: "label", values: [`${COMPOSE_PROJECT_LABEL}=${s.appComposeProject}`] }],
  };
}

/** The one pipeline both agents render, for the stack and the agent that runs it. */
export function logPipeline(s: Pick<StackConfig, "stack" | "appComposeProject">, agent: LogAgent): LogPipeline {
  return {
    discovery: logDiscovery(s, agent),
    relabel: [
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
 * The stream of an OTLP log record whose resource does not say which compose service sent it.
 * Loki refuses a record without any label (400), and with its service-name fallbacks switched
 * off (generators/loki.ts) nothing else would label it; a fixed value shows on every log panel
 * that something sends logs without the contract, and the collector counts such records
 * (generators/otelCollector.ts). The sender's `service.name` stays in structured metadata.
 */
export const OTLP_UNLABELLED = { label: "compose_service", value: "unknown" } as const satisfies {
  label: (typeof SOURCE_LABELS)[number];
  value: string;
};

/**
 * The same source labels for logs that arrive over OTLP: the OpenTelemetry semantic conventions
 * carry the container's name as `container.name` and each of its Docker labels as
 * `container.label.<key>`, so the compose labels Promtail reads are the same facts here.
 */
export const OTLP_SOURCE_ATTRIBUTES: Readonly<Record<(typeof SOURCE_LABELS)[number], string>> = {
  container: "container.name",
  compose_service: `container.label.${COMPOSE_SERVICE_LABEL}`,
  compose_project: `container.label.${COMPOSE_PROJECT_LABEL}`,
};

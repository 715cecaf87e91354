import { StackConfig } from "../config/schema";
import { OTEL_HEALTH_PORT, OTEL_METRICS_PORT, OTLP_GRPC_PORT, OTLP_HTTP_PORT, PeerAddresses } from "../config/services";
import { basicAuthFrom, SECRETS_DIRS } from "./apiAuth";
import { JSON_LABELS, OTLP_SOURCE_ATTRIBUTES, OTLP_UNLABELLED } from "./logLabelContract";
import { toYaml, GENERATED_HEADER } from "../config/yaml";

/** memory_limiter must see data first and batch last, or the limiter cannot refuse work in time. */
export const PIPELINE_PROCESSORS = ["memory_limiter", "resource/environment", "batch"] as const;

/**
 * Logs also pass the label contract (generators/logLabelContract.ts) before batching: the record
 * attributes that are labels move to the resource, then the source labels are copied from the
 * container attributes. Loki indexes resource attributes only (generators/loki.ts).
 */
export const LOG_PIPELINE_PROCESSORS = [
  "memory_limiter",
  "resource/environment",
  "groupbyattrs/log_labels",
  "resource/log_labels",
  "batch",
] as const;

/** The resource attribute naming the environment (semantic conventions 1.27+; `deployment.environment` is deprecated). */
export const ENVIRONMENT_ATTRIBUTE = "deployment.environment.name";

/**
 * The basicauth extension that signs the metrics exporter's requests to Prometheus, with the
 * password from a file components/traces.ts uploads as a secret (the config only names it).
 */
export const PROMETHEUS_AUTHENTICATOR = "basicauth/prometheus";

/** Prometheus's OTLP receiver; the exporter appends /v1/metrics. */
export const PROMETHEUS_OTLP_PATH = "/api/v1/otlp";
/** Loki's OTLP ingestion; the exporter appends /v1/logs. */
export const LOKI_OTLP_PATH = "/otlp";

/**
 * Exporter types by their current names: the 0.165 collector still accepts `otlp` and `otlphttp`
 * but logs a deprecation warning for each at every start.
 */
export const EXPORTER_TYPES = { grpc: "otlp_grpc", http: "otlp_http" } as const;

/**
 * The collector's own metrics under their conventional names (otelcol_receiver_accepted_spans_total,
 * otelcol_process_uptime_seconds_total), which the stack's dashboards query. A reader given
 * without these options inherits the 0.165 defaults, which drop the unit and `_total` suffixes.
 */
export const SELF_METRIC_NAMES = { without_type_suffix: false, without_units: false, without_scope_info: true } as const;

export type OtelCollectorSettings = Pick<StackConfig, "environment" | "services">;

/** Where the collector listens. In its container every port binds all interfaces; the live tier passes loopback ports. */
export interface CollectorListen {
  readonly otlpGrpc: string;
  readonly otlpHttp: string;
  readonly health: string;
  readonly metrics: { readonly host: string; readonly port: number };
}

/** Recent collectors default to localhost, which inside a container means nobody else can reach them. */
export const CONTAINER_LISTEN: CollectorListen = {
  otlpGrpc: `0.0.0.0:${OTLP_GRPC_PORT}`,
  otlpHttp: `0.0.0.0:${OTLP_HTTP_PORT}`,
  health: `0.0.0.0:${OTEL_HEALTH_PORT}`,
  metrics: { host: "0.0.0.0", port: OTEL_METRICS_PORT },
};

/**
 * The processors that make an OTLP log record's stream the one Promtail would give its line:
 * groupbyattrs moves the JSON-label attributes from each record to a resource of their own, and
 * the resource processor copies the container's name and compose labels (semantic conventions
 * `container.name`, `container.label.<key>`) to the contract's names. `insert` never overwrites a
 * value the application set under the contract's name itself; a resource still without a
 * compose service then gets the contract's marker (OTLP_UNLABELLED), so Loki has a label to file it under.
 */
export function logLabelProcessors(): Record<string, unknown> {
  return {
    "groupbyattrs/log_labels": { keys: [...JSON_LABELS] },
    "resource/log_labels": {
      attributes: [
        ...Object.entries(OTLP_SOURCE_ATTRIBUTES).map(([label, source]) => ({ key: label, from_attribute: source, action: "insert" })),
        { key: OTLP_UNLABELLED.label, value: OTLP_UNLABELLED.value, action: "insert" },
      ],
    },
  };
}

/**
 * Log records an application sent without the contract (filed under OTLP_UNLABELLED), counted per
 * sending resource: the metric reaches Prometheus with the sender's service.name as `job`, as
 * tutordex_otlp_log_records_unlabelled_total. The count connector emits deltas, which
 * Prometheus's OTLP receiver drops, so its own metrics pipeline makes them cumulative first.
 */
export const UNLABELLED_LOGS_METRIC = "tutordex.otlp.log_records.unlabelled";
export const UNLABELLED_LOGS_CONNECTOR = "count/unlabelled_logs";
export function unlabelledLogsCounter(): Record<string, unknown> {
  return {
    logs: {
      [UNLABELLED_LOGS_METRIC]: {
        description: `OTLP log records whose resource names no compose service, filed in Loki under ${OTLP_UNLABELLED.label}="${OTLP_UNLABELLED.value}".`,
        conditions: [`resource.attributes["${OTLP_UNLABELLED.label}"] == "${OTLP_UNLABELLED.value}"`],
      },
    },
  };
}

/**
 * The collector takes OTLP from the applications and forwards each signal to the store the stack
 * runs for it: traces to Tempo over gRPC, metrics to Prometheus's OTLP receiver, logs to Loki's
 * OTLP endpoint.
 */
export function renderOtelCollectorConfig(
  s: OtelCollectorSettings,
  peers: Pick<PeerAddresses, "tempoOtlpGrpc" | "prometheus" | "loki">,
  listen: CollectorListen = CONTAINER_LISTEN,
  secretsDir: string = SECRETS_DIRS.otelCollector,
): string {
  const { grpc, http } = EXPORTER_TYPES;
  const exporters: Record<string, unknown> = {
    [`${http}/prometheus`]: {
      endpoint: `http://${peers.prometheus}${PROMETHEUS_OTLP_PATH}`,
      tls: { insecure: true },
      auth: { authenticator: PROMETHEUS_AUTHENTICATOR },
    },
  };
  const pipeline = (exporter: string, processors: readonly string[] = PIPELINE_PROCESSORS) => ({
    receivers: ["otlp"],
    processors: [...processors],
    exporters: [exporter],
  });
  const pipelines: Record<string, unknown> = {};
  const connectors: Record<string, unknown> = {};
  const processors: Record<string, unknown> = {
    memory_limiter: { check_interval: "1s", limit_mib: 512, spike_limit_mib: 128 },
    "resource/environment": { attributes: [{ key: ENVIRONMENT_ATTRIBUTE, value: s.environment, action: "insert" }] },
    batch: { timeout: "1s", send_batch_size: 1024, send_batch_max_size: 2048 },
  };
  if (s.services.tempo) {
    exporters[`${grpc}/tempo`] = { endpoint: peers.tempoOtlpGrpc, tls: { insecure: true } };
    pipelines.traces = pipeline(`${grpc}/tempo`);
  }
  pipelines.metrics = pipeline(`${http}/prometheus`);
  if (s.services.loki) {
    exporters[`${http}/loki`] = { endpoint: `http://${peers.loki}${LOKI_OTLP_PATH}`, tls: { insecure: true } };
    Object.assign(processors, logLabelProcessors());
    pipelines.logs = { ...pipeline(`${http}/loki`, LOG_PIPELINE_PROCESSORS), exporters: [`${http}/loki`, UNLABELLED_LOGS_CONNECTOR] };
    connectors[UNLABELLED_LOGS_CONNECTOR] = unlabelledLogsCounter();
    processors.delta_to_cumulative = {};
    pipelines["metrics/unlabelled_logs"] = {
      receivers: [UNLABELLED_LOGS_CONNECTOR],
      processors: ["delta_to_cumulative", "batch"],
      exporters: [`${http}/prometheus`],
    };
  }
  return toYaml(
    {
      extensions: {
        // Read-only (the pipeline's status), like the own metrics below: both stay reachable from
        // the application's network, which learns nothing there it could use (docs/threat-model.md).
        health_check: { endpoint: listen.health },
        [PROMETHEUS_AUTHENTICATOR]: { client_auth: basicAuthFrom("prometheus", secretsDir) },
      },
      receivers: { otlp: { protocols: { grpc: { endpoint: listen.otlpGrpc }, http: { endpoint: listen.otlpHttp } } } },
      processors,
      exporters,
      ...(Object.keys(connectors).length ? { connectors } : {}),
      service: {
        extensions: ["health_check", PROMETHEUS_AUTHENTICATOR],
        telemetry: {
          metrics: {
            readers: [
              { pull: { exporter: { prometheus: { host: listen.metrics.host, port: listen.metrics.port, ...SELF_METRIC_NAMES } } } },
            ],
          },
        },
        pipelines,
      },
    },
    GENERATED_HEADER,
  );
}

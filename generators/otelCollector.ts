import { StackConfig } from "../config/schema";
import { OTEL_HEALTH_PORT, OTEL_METRICS_PORT, OTLP_GRPC_PORT, OTLP_HTTP_PORT, PeerAddresses } from "../config/services";
import { toYaml, GENERATED_HEADER } from "./yaml";

/** memory_limiter must see data first and batch last, or the limiter cannot refuse work in time. */
export const PIPELINE_PROCESSORS = ["memory_limiter", "resource/environment", "batch"] as const;

/** The resource attribute naming the environment (semantic conventions 1.27+; `deployment.environment` is deprecated). */
export const ENVIRONMENT_ATTRIBUTE = "deployment.environment.name";

/** Prometheus's OTLP receiver; the exporter appends /v1/metrics. */
export const PROMETHEUS_OTLP_PATH = "/api/v1/otlp";
/** Loki's OTLP ingestion; the exporter appends /v1/logs. */
export const LOKI_OTLP_PATH = "/otlp";

export type OtelCollectorSettings = Pick<StackConfig, "environment" | "services">;

/**
 * The collector takes OTLP from the applications and forwards each signal to the store the stack
 * runs for it: traces to Tempo over gRPC, metrics to Prometheus's OTLP receiver, logs to Loki's
 * OTLP endpoint. Receivers bind 0.0.0.0 explicitly: recent collectors default to localhost, which
 * inside a container means nobody else can reach them.
 */
export function renderOtelCollectorConfig(s: OtelCollectorSettings, peers: Pick<PeerAddresses, "tempoOtlpGrpc" | "prometheus" | "loki">): string {
  const exporters: Record<string, unknown> = {
    "otlphttp/prometheus": { endpoint: `http://${peers.prometheus}${PROMETHEUS_OTLP_PATH}`, tls: { insecure: true } },
  };
  const pipeline = (exporter: string) => ({ receivers: ["otlp"], processors: [...PIPELINE_PROCESSORS], exporters: [exporter] });
  const pipelines: Record<string, unknown> = {};
  if (s.services.tempo) {
    exporters["otlp/tempo"] = { endpoint: peers.tempoOtlpGrpc, tls: { insecure: true } };
    pipelines.traces = pipeline("otlp/tempo");
  }
  pipelines.metrics = pipeline("otlphttp/prometheus");
  if (s.services.loki) {
    exporters["otlphttp/loki"] = { endpoint: `http://${peers.loki}${LOKI_OTLP_PATH}`, tls: { insecure: true } };
    pipelines.logs = pipeline("otlphttp/loki");
  }
  return toYaml(
    {
      extensions: { health_check: { endpoint: `0.0.0.0:${OTEL_HEALTH_PORT}` } },
      receivers: {
        otlp: { protocols: { grpc: { endpoint: `0.0.0.0:${OTLP_GRPC_PORT}` }, http: { endpoint: `0.0.0.0:${OTLP_HTTP_PORT}` } } },
      },
      processors: {
        memory_limiter: { check_interval: "1s", limit_mib: 512, spike_limit_mib: 128 },
        "resource/environment": { attributes: [{ key: ENVIRONMENT_ATTRIBUTE, value: s.environment, action: "insert" }] },
        batch: { timeout: "1s", send_batch_size: 1024, send_batch_max_size: 2048 },
      },
      exporters,
      service: {
        extensions: ["health_check"],
        telemetry: { metrics: { readers: [{ pull: { exporter: { prometheus: { host: "0.0.0.0", port: OTEL_METRICS_PORT } } } }] } },
        pipelines,
      },
    },
    GENERATED_HEADER,
  );
}

import { StackConfig } from "../config/schema";
import { OTEL_HEALTH_PORT, OTEL_METRICS_PORT, OTLP_GRPC_PORT, OTLP_HTTP_PORT, PeerAddresses } from "../config/services";
import { toYaml, GENERATED_HEADER } from "./yaml";

/** memory_limiter must see data first and batch last, or the limiter cannot refuse work in time. */
export const TRACE_PROCESSORS = ["memory_limiter", "resource/environment", "batch"] as const;

/**
 * Receivers bind 0.0.0.0 explicitly: recent collectors default to localhost, which inside a
 * container means nobody else can reach them.
 */
export function renderOtelCollectorConfig(s: Pick<StackConfig, "environment">, peers: Pick<PeerAddresses, "tempoOtlpGrpc">): string {
  return toYaml(
    {
      extensions: { health_check: { endpoint: `0.0.0.0:${OTEL_HEALTH_PORT}` } },
      receivers: {
        otlp: { protocols: { grpc: { endpoint: `0.0.0.0:${OTLP_GRPC_PORT}` }, http: { endpoint: `0.0.0.0:${OTLP_HTTP_PORT}` } } },
      },
      processors: {
        memory_limiter: { check_interval: "1s", limit_mib: 512, spike_limit_mib: 128 },
        "resource/environment": { attributes: [{ key: "deployment.environment", value: s.environment, action: "insert" }] },
        batch: { timeout: "1s", send_batch_size: 1024, send_batch_max_size: 2048 },
      },
      exporters: { "otlp/tempo": { endpoint: peers.tempoOtlpGrpc, tls: { insecure: true } } },
      service: {
        extensions: ["health_check"],
        telemetry: { metrics: { readers: [{ pull: { exporter: { prometheus: { host: "0.0.0.0", port: OTEL_METRICS_PORT } } } }] } },
        pipelines: { traces: { receivers: ["otlp"], processors: [...TRACE_PROCESSORS], exporters: ["otlp/tempo"] } },
      },
    },
    GENERATED_HEADER,
  );
}

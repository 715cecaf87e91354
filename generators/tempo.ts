import { OTLP_GRPC_PORT, OTLP_HTTP_PORT, PeerAddresses, SERVICES } from "../config/services";
import { toYaml, GENERATED_HEADER } from "./yaml";

export const TEMPO_DATA_DIR = "/var/tempo";

/**
 * Tempo with local storage and WAL on its volume and an explicit block retention. The metrics
 * generator remote-writes service-graph and span metrics to Prometheus for Grafana's service map.
 */
export function renderTempoConfig(retention: string, peers: Pick<PeerAddresses, "prometheus">, dataDir = TEMPO_DATA_DIR): string {
  return toYaml(
    {
      stream_over_http_enabled: true,
      server: { http_listen_address: "0.0.0.0", http_listen_port: SERVICES.tempo.port, log_level: "info" },
      distributor: {
        receivers: {
          otlp: { protocols: { grpc: { endpoint: `0.0.0.0:${OTLP_GRPC_PORT}` }, http: { endpoint: `0.0.0.0:${OTLP_HTTP_PORT}` } } },
        },
      },
      ingester: { max_block_duration: "5m" },
      compactor: { compaction: { block_retention: retention } },
      metrics_generator: {
        registry: { external_labels: { source: "tempo" } },
        storage: { path: `${dataDir}/generator/wal`, remote_write: [{ url: `http://${peers.prometheus}/api/v1/write`, send_exemplars: true }] },
      },
      storage: { trace: { backend: "local", wal: { path: `${dataDir}/wal` }, local: { path: `${dataDir}/blocks` } } },
      overrides: { defaults: { metrics_generator: { processors: ["service-graphs", "span-metrics"] } } },
      usage_report: { reporting_enabled: false },
    },
    GENERATED_HEADER,
  );
}

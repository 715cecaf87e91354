import type { ObjectStorageSettings } from "../config/scale";
import { OTLP_GRPC_PORT, OTLP_HTTP_PORT, PeerAddresses, SERVICES } from "../config/services";
import { basicAuthFrom, SECRETS_DIRS } from "./apiAuth";
import { quoteEnvReference, TEMPO_SECRET_ENV, tempoTraceStorage } from "./objectStorage";
import { toYaml, GENERATED_HEADER } from "../config/yaml";

export const TEMPO_DATA_DIR = "/var/tempo";

/**
 * Tempo with its WAL on its volume and blocks there or on an S3 bucket (`objectStorage.tempo`),
 * and an explicit block retention that its compactor applies to either. The metrics generator
 * remote-writes service-graph and span metrics to Prometheus for Grafana's service map, with
 * Prometheus's API password from a file components/traces.ts uploads as a secret (Tempo's
 * remote_write is Prometheus's own `remote_write` block, `basic_auth.password_file` included).
 */
export function renderTempoConfig(
  retention: string,
  peers: Pick<PeerAddresses, "prometheus">,
  dataDir = TEMPO_DATA_DIR,
  objectStorage?: ObjectStorageSettings,
  secretsDir: string = SECRETS_DIRS.tempo,
): string {
  const text = toYaml(
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
        storage: {
          path: `${dataDir}/generator/wal`,
          remote_write: [
            { url: `http://${peers.prometheus}/api/v1/write`, send_exemplars: true, basic_auth: basicAuthFrom("prometheus", secretsDir) },
          ],
        },
      },
      storage: { trace: tempoTraceStorage(dataDir, objectStorage) },
      overrides: { defaults: { metrics_generator: { processors: ["service-graphs", "span-metrics"] } } },
      usage_report: { reporting_enabled: false },
    },
    GENERATED_HEADER,
  );
  return objectStorage?.tempo ? quoteEnvReference(text, TEMPO_SECRET_ENV) : text;
}

import { SERVICES } from "../config/services";
import type { ObjectStorageSettings } from "../config/scale";
import { STREAM_LABELS } from "./logLabelContract";
import { LOKI_SECRET_ENV, lokiStorage, quoteEnvReference } from "./objectStorage";
import { toYaml, GENERATED_HEADER } from "../config/yaml";

export const LOKI_DATA_DIR = "/loki";

/**
 * How Loki (3.5) files OTLP logs: only resource attributes can become index labels, so the
 * collector moves the contract's fields there (generators/otelCollector.ts) and Loki indexes
 * exactly the contract's labels. Its default list (service.name, service.instance.id, k8s.*, ...)
 * is ignored, or an OTLP stream would carry labels a Promtail stream never has; every other
 * resource and log attribute (trace_id, span_id, assignment_id, ...) becomes structured metadata.
 */
export const LOKI_OTLP_CONFIG = {
  resource_attributes: { ignore_defaults: true, attributes_config: [{ action: "index_label", attributes: [...STREAM_LABELS] }] },
} as const;

/**
 * Single-binary Loki on its volume, or on an S3 bucket (`objectStorage.loki`): TSDB index with
 * schema v13, and retention that the compactor actually enforces (compose history set a period
 * but never enabled the compactor's retention).
 */
export function renderLokiConfig(retention: string, dataDir = LOKI_DATA_DIR, objectStorage?: ObjectStorageSettings): string {
  const storage = lokiStorage(dataDir, objectStorage);
  const text = toYaml(
    {
      auth_enabled: false,
      server: { http_listen_address: "0.0.0.0", http_listen_port: SERVICES.loki.port, grpc_listen_port: 9096, log_level: "info" },
      common: {
        instance_addr: "127.0.0.1",
        path_prefix: dataDir,
        storage: storage.commonStorage,
        replication_factor: 1,
        ring: { kvstore: { store: "inmemory" } },
      },
      ...(storage.storageConfig ? { storage_config: storage.storageConfig } : {}),
      schema_config: { configs: storage.periods },
      // Sized for one host at 1–10k assignments/day.
      limits_config: {
        retention_period: retention,
        reject_old_samples: true,
        reject_old_samples_max_age: "168h",
        ingestion_rate_mb: 8,
        ingestion_burst_size_mb: 16,
        max_global_streams_per_user: 5000,
        max_query_series: 5000,
        // OTLP logs keep every attribute that is not a label here.
        allow_structured_metadata: true,
        otlp_config: LOKI_OTLP_CONFIG,
        // Loki would otherwise add service_name (copied from container, or unknown_service) to
        // every stream: a label outside the contract, different between the agents and OTLP.
        discover_service_name: [],
      },
      compactor: {
        working_directory: `${dataDir}/compactor`,
        compaction_interval: "10m",
        retention_enabled: true,
        retention_delete_delay: "2h",
        delete_request_store: storage.deleteRequestStore,
      },
      analytics: { reporting_enabled: false },
    },
    GENERATED_HEADER,
  );
  return objectStorage?.loki ? quoteEnvReference(text, LOKI_SECRET_ENV) : text;
}

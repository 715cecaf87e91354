import * as yaml from "js-yaml";
import { dockerNetworkPeers } from "../../config/services";
import { STREAM_LABELS } from "../../generators/logLabelContract";
import { renderLokiConfig } from "../../generators/loki";
import { renderTempoConfig } from "../../generators/tempo";
import { CONTAINER_LISTEN, renderOtelCollectorConfig } from "../../generators/otelCollector";
import { stackConfig } from "../../harness/fixtures";

const peers = dockerNetworkPeers();
const load = (text: string) => yaml.load(text) as any;

describe.each(["dev", "prod"])("Loki for stack %s", (stack) => {
  const c = stackConfig(stack);
  const loki = load(renderLokiConfig(c.retention.loki));
  it("is a single binary on filesystem storage with a TSDB v13 index", () => {
    expect(loki.common.replication_factor).toBe(1);
    expect(loki.common.ring.kvstore.store).toBe("inmemory");
    expect(loki.common.storage.filesystem.chunks_directory).toBe("/loki/chunks");
    expect(loki.schema_config.configs).toEqual([
      { from: "2024-01-01", store: "tsdb", object_store: "filesystem", schema: "v13", index: { prefix: "index_", period: "24h" } },
    ]);
  });
  it("enforces retention with the compactor, equal to the stack's value", () => {
    expect(loki.limits_config.retention_period).toBe(c.retention.loki);
    expect(loki.compactor.retention_enabled).toBe(true);
    expect(loki.compactor.delete_request_store).toBe("filesystem");
    expect(loki.compactor.working_directory).toBe("/loki/compactor");
  });
  it("listens on all interfaces inside its container, with limits sized for one host", () => {
    expect([loki.server.http_listen_address, loki.server.http_listen_port]).toEqual(["0.0.0.0", 3100]);
    expect(loki.auth_enabled).toBe(false);
    expect(loki.limits_config.ingestion_rate_mb).toBeLessThanOrEqual(16);
  });
});

/**
 * Loki cannot run here (AGPL), so its OTLP fields are checked against the upstream reference of
 * the pinned release: grafana/loki v3.5.3, docs/sources/shared/configuration.md, `limits_config`:
 * `otlp_config.resource_attributes.{ignore_defaults, attributes_config}`, `attributes_config`
 * entries `{action, attributes | regex}` whose action is one of structured_metadata and drop for
 * every attribute type "and additionally index_label for resource attributes", and
 * `discover_service_name` ("Empty list disables setting the label"); and
 * docs/sources/send-data/otel/_index.md, which stores log attributes only as structured metadata.
 */
describe("Loki's OTLP settings, field by field against the v3.5.3 reference", () => {
  const limits = load(renderLokiConfig("336h")).limits_config;
  const REFERENCE_OTLP_KEYS = ["resource_attributes", "scope_attributes", "log_attributes", "severity_text_as_label"];
  const REFERENCE_RESOURCE_KEYS = ["ignore_defaults", "attributes_config"];
  const REFERENCE_ACTIONS = { resource: ["index_label", "structured_metadata", "drop"], other: ["structured_metadata", "drop"] };
  it("uses only keys and actions the reference documents, index labels on resource attributes only", () => {
    expect(REFERENCE_OTLP_KEYS).toEqual(expect.arrayContaining(Object.keys(limits.otlp_config)));
    expect(REFERENCE_RESOURCE_KEYS).toEqual(expect.arrayContaining(Object.keys(limits.otlp_config.resource_attributes)));
    for (const c of limits.otlp_config.resource_attributes.attributes_config) {
      expect(REFERENCE_ACTIONS.resource).toContain(c.action);
      expect(Object.keys(c).sort()).toEqual(["action", "attributes"]);
    }
    for (const kind of ["scope_attributes", "log_attributes"])
      for (const c of limits.otlp_config[kind] ?? []) expect(REFERENCE_ACTIONS.other).toContain(c.action);
  });
  it("indexes exactly the contract's labels and none of Loki's defaults; structured metadata stays allowed", () => {
    expect(limits.otlp_config.resource_attributes).toEqual({
      ignore_defaults: true,
      attributes_config: [{ action: "index_label", attributes: [...STREAM_LABELS] }],
    });
    expect(limits.allow_structured_metadata).toBe(true);
    expect(limits.discover_service_name).toEqual([]);
  });
});

describe.each(["dev", "prod"])("Tempo for stack %s", (stack) => {
  const c = stackConfig(stack);
  const tempo = load(renderTempoConfig(c.retention.tempo, peers));
  it("receives OTLP on all interfaces and keeps traces and WAL on its volume", () => {
    expect(tempo.distributor.receivers.otlp.protocols).toEqual({ grpc: { endpoint: "0.0.0.0:4317" }, http: { endpoint: "0.0.0.0:4318" } });
    expect(tempo.storage.trace).toEqual({ backend: "local", wal: { path: "/var/tempo/wal" }, local: { path: "/var/tempo/blocks" } });
  });
  it("retains blocks exactly as long as the stack says", () => {
    expect(tempo.compactor.compaction.block_retention).toBe(c.retention.tempo);
  });
  it("writes service-graph metrics to the stack's Prometheus for the service map", () => {
    expect(tempo.metrics_generator.storage.remote_write).toEqual([
      {
        url: "http://prometheus:9090/api/v1/write",
        send_exemplars: true,
        basic_auth: { username: "tutordex-obs", password_file: "/etc/tempo-secrets/prometheus-password" },
      },
    ]);
    expect(tempo.overrides.defaults.metrics_generator.processors).toEqual(["service-graphs", "span-metrics"]);
  });
});

describe("OTEL Collector listen addresses", () => {
  it("bind all interfaces in the container and exactly the given addresses elsewhere (the live tier's loopback)", () => {
    const loopback = { otlpGrpc: "127.0.0.1:1", otlpHttp: "127.0.0.1:2", health: "127.0.0.1:3", metrics: { host: "127.0.0.1", port: 4 } };
    const otel = load(renderOtelCollectorConfig(stackConfig("dev"), peers, loopback));
    expect(otel.receivers.otlp.protocols).toEqual({ grpc: { endpoint: "127.0.0.1:1" }, http: { endpoint: "127.0.0.1:2" } });
    expect(otel.extensions.health_check.endpoint).toBe("127.0.0.1:3");
    expect(otel.service.telemetry.metrics.readers[0].pull.exporter.prometheus).toMatchObject({ host: "127.0.0.1", port: 4 });
    expect(renderOtelCollectorConfig(stackConfig("dev"), peers)).toBe(
      renderOtelCollectorConfig(stackConfig("dev"), peers, CONTAINER_LISTEN),
    );
  });
});

describe.each(["dev", "prod"])("OTEL Collector for stack %s", (stack) => {
  const otel = load(renderOtelCollectorConfig(stackConfig(stack), peers));
  it("binds both OTLP receivers for the Docker network, not localhost", () => {
    expect(otel.receivers.otlp.protocols).toEqual({ grpc: { endpoint: "0.0.0.0:4317" }, http: { endpoint: "0.0.0.0:4318" } });
  });
  it("forwards each signal to its store: traces to Tempo, metrics to Prometheus's OTLP receiver, logs to Loki's OTLP endpoint", () => {
    const through = (exporter: string, processors = ["memory_limiter", "resource/environment", "batch"]) => ({
      receivers: ["otlp"],
      processors,
      exporters: [exporter],
    });
    expect(otel.service.pipelines).toEqual({
      traces: through("otlp_grpc/tempo"),
      metrics: through("otlp_http/prometheus"),
      logs: {
        ...through("otlp_http/loki", ["memory_limiter", "resource/environment", "groupbyattrs/log_labels", "resource/log_labels", "batch"]),
        exporters: ["otlp_http/loki", "count/unlabelled_logs"],
      },
      // The count of records sent without the label contract, made cumulative for Prometheus.
      "metrics/unlabelled_logs": {
        receivers: ["count/unlabelled_logs"],
        processors: ["delta_to_cumulative", "batch"],
        exporters: ["otlp_http/prometheus"],
      },
    });
    expect(otel.exporters["otlp_http/prometheus"]).toEqual({
      endpoint: "http://prometheus:9090/api/v1/otlp",
      tls: { insecure: true },
      auth: { authenticator: "basicauth/prometheus" },
    });
    expect(otel.extensions["basicauth/prometheus"]).toEqual({
      client_auth: { username: "tutordex-obs", password_file: "/etc/otelcol-secrets/prometheus-password" },
    });
    expect(otel.exporters["otlp_http/loki"]).toEqual({ endpoint: "http://loki:3100/otlp", tls: { insecure: true } });
  });
  it("names exporters by their current types, not the aliases the collector warns about", () => {
    expect(
      Object.keys(otel.exporters)
        .map((id) => id.split("/")[0])
        .sort(),
    ).toEqual(["otlp_grpc", "otlp_http", "otlp_http"]);
  });
  it("limits memory first, tags the environment with the current semantic-convention name, batches last", () => {
    expect(otel.processors.memory_limiter).toEqual({ check_interval: "1s", limit_mib: 512, spike_limit_mib: 128 });
    expect(otel.processors.batch).toEqual({ timeout: "1s", send_batch_size: 1024, send_batch_max_size: 2048 });
    expect(otel.processors["resource/environment"].attributes).toEqual([
      { key: "deployment.environment.name", value: stack, action: "insert" },
    ]);
  });
  it("exports to Tempo over in-network gRPC and exposes health and its own metrics", () => {
    expect(otel.exporters["otlp_grpc/tempo"]).toEqual({ endpoint: "tempo:4317", tls: { insecure: true } });
    expect(otel.extensions.health_check.endpoint).toBe("0.0.0.0:13133");
    expect(otel.service.extensions).toEqual(["health_check", "basicauth/prometheus"]);
    expect(otel.service.telemetry.metrics.readers[0].pull.exporter.prometheus).toEqual({
      host: "0.0.0.0",
      port: 8888,
      without_type_suffix: false,
      without_units: false,
      without_scope_info: true,
    });
  });
});

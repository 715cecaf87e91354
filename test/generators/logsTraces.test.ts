import * as yaml from "js-yaml";
import { dockerNetworkPeers } from "../../config/services";
import { renderLokiConfig } from "../../generators/loki";
import { JSON_LABELS, promtailScrapeConfig, renderPromtailConfig } from "../../generators/promtail";
import { streamLabels } from "../../generators/promtailPipeline";
import { renderTempoConfig } from "../../generators/tempo";
import { renderOtelCollectorConfig } from "../../generators/otelCollector";
import { stackConfig } from "../support/fixtures";

const peers = dockerNetworkPeers();
const load = (text: string) => yaml.load(text) as any;

describe.each(["dev", "prod"])("Loki for stack %s", (stack) => {
  const c = stackConfig(stack);
  const loki = load(renderLokiConfig(c.retention.loki));
  it("is a single binary on filesystem storage with a TSDB v13 index", () => {
    expect(loki.common.replication_factor).toBe(1);
    expect(loki.common.ring.kvstore.store).toBe("inmemory");
    expect(loki.common.storage.filesystem.chunks_directory).toBe("/loki/chunks");
    expect(loki.schema_config.configs).toEqual([{ from: "2024-01-01", store: "tsdb", object_store: "filesystem", schema: "v13", index: { prefix: "index_", period: "24h" } }]);
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

describe("Promtail", () => {
  const cfg = load(renderPromtailConfig({ stack: "prod" }, peers));
  const scrape = promtailScrapeConfig({ stack: "prod" });
  it("discovers containers through the Docker socket and pushes to the stack's Loki", () => {
    expect(cfg.clients).toEqual([{ url: "http://loki:3100/loki/api/v1/push" }]);
    expect(cfg.scrape_configs[0].docker_sd_configs[0].host).toBe("unix:///var/run/docker.sock");
    expect(cfg.positions.filename).toBe("/promtail/positions.yaml");
  });
  it("parses JSON first, then promotes only the low-cardinality fields to labels", () => {
    expect(scrape.pipeline_stages.map((s) => Object.keys(s)[0])).toEqual(["json", "labels"]);
    expect(Object.keys((scrape.pipeline_stages[1] as { labels: object }).labels)).toEqual([...JSON_LABELS]);
    for (const high of ["assignment_id", "event", "trace_id", "span_id", "message_id", "cid"]) expect(JSON.stringify(scrape.pipeline_stages)).not.toContain(high);
  });

  const appContainer = {
    __meta_docker_container_name: "/tutordex-prod-aggregator-worker-1",
    __meta_docker_container_label_com_docker_compose_service: "aggregator-worker",
    __meta_docker_container_label_com_docker_compose_project: "tutordex-prod",
  };
  const aggregatorLine = JSON.stringify({
    ts: "2026-11-25T10:00:00Z", level: "error", logger: "worker", component: "worker", event: "parse_failed", msg: "could not parse",
    cid: "c-1", message_id: "123", channel: "t.me/tutorsg", step: "llm", assignment_id: "a-99", pipeline_version: "2026-01-02_det_time_v1",
    schema_version: "v2", trace_id: "4bf92f3577b34da6a3ce929d0e0e4736", span_id: "00f067aa0ba902b7", data: { x: 1 }, exc: "-",
  });
  const backendLine = JSON.stringify({
    ts: "2026-11-25T10:00:00Z", level: "info", logger: "backend", msg: "request", component: "backend", assignment_id: "-", channel: "-",
    pipeline_version: "-", schema_version: "-", trace_id: "-", span_id: "-", exc: "-", request_id: "r-1", method: "GET", path: "/health",
    status_code: 200, latency_ms: 3.2, client_ip: "10.0.0.1",
  });

  it("an aggregator line yields exactly the intended labels", () => {
    expect(streamLabels(scrape, appContainer, aggregatorLine)).toEqual({
      container: "tutordex-prod-aggregator-worker-1",
      compose_service: "aggregator-worker",
      compose_project: "tutordex-prod",
      level: "error",
      component: "worker",
      channel: "t.me/tutorsg",
      pipeline_version: "2026-01-02_det_time_v1",
      schema_version: "v2",
    });
  });
  it("a backend request line yields exactly the intended labels (request fields stay in the line)", () => {
    expect(streamLabels(scrape, { ...appContainer, __meta_docker_container_name: "/tutordex-prod-backend-1", __meta_docker_container_label_com_docker_compose_service: "backend" }, backendLine)).toEqual({
      container: "tutordex-prod-backend-1",
      compose_service: "backend",
      compose_project: "tutordex-prod",
      level: "info",
      component: "backend",
      channel: "-",
      pipeline_version: "-",
      schema_version: "-",
    });
  });
  it("the stack's own containers are labelled from their stack labels", () => {
    const meta = {
      __meta_docker_container_name: "/tutordex-obs-prod-grafana",
      __meta_docker_container_label_tutordex_observability_stack: "prod",
      __meta_docker_container_label_tutordex_observability_service: "grafana",
    };
    expect(streamLabels(scrape, meta, "logger=server msg=started")).toEqual({ container: "tutordex-obs-prod-grafana", compose_service: "grafana", compose_project: "tutordex-obs-prod" });
  });
  it("ships neither Promtail's own logs nor another stack's containers", () => {
    const own = { __meta_docker_container_name: "/tutordex-obs-prod-promtail", __meta_docker_container_label_tutordex_observability_stack: "prod", __meta_docker_container_label_tutordex_observability_service: "promtail" };
    const staging = { __meta_docker_container_name: "/tutordex-obs-staging-loki", __meta_docker_container_label_tutordex_observability_stack: "staging", __meta_docker_container_label_tutordex_observability_service: "loki" };
    expect(streamLabels(scrape, own, aggregatorLine)).toBeUndefined();
    expect(streamLabels(scrape, staging, aggregatorLine)).toBeUndefined();
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
    expect(tempo.metrics_generator.storage.remote_write).toEqual([{ url: "http://prometheus:9090/api/v1/write", send_exemplars: true }]);
    expect(tempo.overrides.defaults.metrics_generator.processors).toEqual(["service-graphs", "span-metrics"]);
  });
});

describe.each(["dev", "prod"])("OTEL Collector for stack %s", (stack) => {
  const otel = load(renderOtelCollectorConfig(stackConfig(stack), peers));
  it("binds both OTLP receivers for the Docker network, not localhost", () => {
    expect(otel.receivers.otlp.protocols).toEqual({ grpc: { endpoint: "0.0.0.0:4317" }, http: { endpoint: "0.0.0.0:4318" } });
  });
  it("forwards each signal to its store: traces to Tempo, metrics to Prometheus's OTLP receiver, logs to Loki's OTLP endpoint", () => {
    const through = (exporter: string) => ({ receivers: ["otlp"], processors: ["memory_limiter", "resource/environment", "batch"], exporters: [exporter] });
    expect(otel.service.pipelines).toEqual({ traces: through("otlp/tempo"), metrics: through("otlphttp/prometheus"), logs: through("otlphttp/loki") });
    expect(otel.exporters["otlphttp/prometheus"]).toEqual({ endpoint: "http://prometheus:9090/api/v1/otlp", tls: { insecure: true } });
    expect(otel.exporters["otlphttp/loki"]).toEqual({ endpoint: "http://loki:3100/otlp", tls: { insecure: true } });
  });
  it("limits memory first, tags the environment with the current semantic-convention name, batches last", () => {
    expect(otel.processors.memory_limiter).toEqual({ check_interval: "1s", limit_mib: 512, spike_limit_mib: 128 });
    expect(otel.processors.batch).toEqual({ timeout: "1s", send_batch_size: 1024, send_batch_max_size: 2048 });
    expect(otel.processors["resource/environment"].attributes).toEqual([{ key: "deployment.environment.name", value: stack, action: "insert" }]);
  });
  it("exports to Tempo over in-network gRPC and exposes health and its own metrics", () => {
    expect(otel.exporters["otlp/tempo"]).toEqual({ endpoint: "tempo:4317", tls: { insecure: true } });
    expect(otel.extensions.health_check.endpoint).toBe("0.0.0.0:13133");
    expect(otel.service.extensions).toEqual(["health_check"]);
    expect(otel.service.telemetry.metrics.readers[0].pull.exporter.prometheus).toEqual({ host: "0.0.0.0", port: 8888 });
  });
});

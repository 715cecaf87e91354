import * as yaml from "js-yaml";
import { SERVICE_NAMES } from "../../config/services";
import { renderStack } from "../../generators/stackFiles";
import { stackConfig } from "../support/fixtures";

/**
 * loki.yml, tempo.yml, promtail.yml and the collector's config as each committed stack deploys
 * them, each as one whole document: a key added, dropped or changed anywhere fails. Values are
 * docs/spec.md §1, §7 and §8 literals and the committed stacks' retentions (Pulumi.<stack>.yaml);
 * test/generators/logsTraces.test.ts and scaleObjectStorage.test.ts explain the upstream fields.
 */
const load = (text: string | undefined) => {
  if (text === undefined) throw new Error("not rendered");
  return yaml.load(text) as Record<string, any>;
};
const CONTRACT_LABELS = [
  "container",
  "compose_service",
  "compose_project",
  "level",
  "component",
  "channel",
  "pipeline_version",
  "schema_version",
];
const JSON_LABELS = ["level", "component", "channel", "pipeline_version", "schema_version"];

/** [stack, Loki retention, Tempo block retention] as the committed stack files set them. */
const STACKS: [string, string, string][] = [
  ["dev", "72h", "24h"],
  ["staging", "336h", "72h"],
  ["prod", "336h", "72h"],
];

describe.each(STACKS)("the stores and agents of stack %s", (stack, lokiRetention, tempoRetention) => {
  // docs/spec.md §7 names Promtail; Alloy, the default agent, has its own tests (test/generators/alloy.test.ts).
  const r = renderStack(stackConfig(stack, { logAgent: "promtail" }));

  it(`loki.yml: single binary on its volume, TSDB v13, ${lokiRetention} retention the compactor enforces, no usage reports`, () => {
    expect(load(r.loki)).toEqual({
      auth_enabled: false,
      server: { http_listen_address: "0.0.0.0", http_listen_port: 3100, grpc_listen_port: 9096, log_level: "info" },
      common: {
        instance_addr: "127.0.0.1",
        path_prefix: "/loki",
        storage: { filesystem: { chunks_directory: "/loki/chunks", rules_directory: "/loki/rules" } },
        replication_factor: 1,
        ring: { kvstore: { store: "inmemory" } },
      },
      schema_config: {
        configs: [
          { from: "2024-01-01", store: "tsdb", object_store: "filesystem", schema: "v13", index: { prefix: "index_", period: "24h" } },
        ],
      },
      limits_config: {
        retention_period: lokiRetention,
        reject_old_samples: true,
        reject_old_samples_max_age: "168h",
        ingestion_rate_mb: 8,
        ingestion_burst_size_mb: 16,
        max_global_streams_per_user: 5000,
        max_query_series: 5000,
        allow_structured_metadata: true,
        otlp_config: {
          resource_attributes: { ignore_defaults: true, attributes_config: [{ action: "index_label", attributes: CONTRACT_LABELS }] },
        },
        discover_service_name: [],
      },
      compactor: {
        working_directory: "/loki/compactor",
        compaction_interval: "10m",
        retention_enabled: true,
        retention_delete_delay: "2h",
        delete_request_store: "filesystem",
      },
      analytics: { reporting_enabled: false },
    });
  });

  it(`tempo.yml: OTLP on 0.0.0.0:4317/4318, traces and WAL on its volume for ${tempoRetention}, service-graph and span metrics to Prometheus`, () => {
    expect(load(r.tempo)).toEqual({
      stream_over_http_enabled: true,
      server: { http_listen_address: "0.0.0.0", http_listen_port: 3200, log_level: "info" },
      distributor: { receivers: { otlp: { protocols: { grpc: { endpoint: "0.0.0.0:4317" }, http: { endpoint: "0.0.0.0:4318" } } } } },
      ingester: { max_block_duration: "5m" },
      compactor: { compaction: { block_retention: tempoRetention } },
      metrics_generator: {
        registry: { external_labels: { source: "tempo" } },
        storage: {
          path: "/var/tempo/generator/wal",
          remote_write: [
            {
              url: "http://prometheus:9090/api/v1/write",
              send_exemplars: true,
              basic_auth: { username: "tutordex-obs", password_file: "/etc/tempo-secrets/prometheus-password" },
            },
          ],
        },
      },
      storage: { trace: { backend: "local", wal: { path: "/var/tempo/wal" }, local: { path: "/var/tempo/blocks" } } },
      overrides: { defaults: { metrics_generator: { processors: ["service-graphs", "span-metrics"] } } },
      usage_report: { reporting_enabled: false },
    });
  });

  it("promtail.yml: Docker discovery every 5 s over the socket, SPEC §7's labels, positions on its volume, pushing to the stack's Loki", () => {
    const STACK_META = "__meta_docker_container_label_tutordex_observability_stack";
    const SERVICE_META = "__meta_docker_container_label_tutordex_observability_service";
    expect(load(r.promtail)).toEqual({
      server: { http_listen_address: "0.0.0.0", http_listen_port: 9080, grpc_listen_port: 0, log_level: "info" },
      positions: { filename: "/promtail/positions.yaml" },
      clients: [{ url: "http://loki:3100/loki/api/v1/push" }],
      scrape_configs: [
        {
          job_name: "docker",
          docker_sd_configs: [
            {
              host: "unix:///var/run/docker.sock",
              refresh_interval: "5s",
              filters: [
                { name: "label", values: [`tutordex.observability.stack=${stack}`] },
                {
                  name: "name",
                  values: [
                    `^/?tutordex-obs-${stack}-(?:$|[^p]|p(?:$|[^r]|r(?:$|[^o]|o(?:$|[^m]|m(?:$|[^t]|t(?:$|[^a]|a(?:$|[^i]|i(?:$|[^l]))))))))`,
                  ],
                },
              ],
            },
            {
              host: "unix:///var/run/docker.sock",
              refresh_interval: "5s",
              filters: [{ name: "label", values: [`com.docker.compose.project=tutordex-${stack}`] }],
            },
          ],
          relabel_configs: [
            { source_labels: ["__meta_docker_container_name"], regex: "/?(.*)", target_label: "container", replacement: "$1" },
            {
              source_labels: ["__meta_docker_container_label_com_docker_compose_service"],
              regex: "(.+)",
              target_label: "compose_service",
              replacement: "$1",
            },
            {
              source_labels: ["__meta_docker_container_label_com_docker_compose_project"],
              regex: "(.+)",
              target_label: "compose_project",
              replacement: "$1",
            },
            { source_labels: [SERVICE_META], regex: "(.+)", target_label: "compose_service", replacement: "$1" },
            { source_labels: [STACK_META], regex: "(.+)", target_label: "compose_project", replacement: "tutordex-obs-$1" },
          ],
          pipeline_stages: [
            { json: { expressions: Object.fromEntries(JSON_LABELS.map((l) => [l, l])) } },
            { labels: Object.fromEntries(JSON_LABELS.map((l) => [l, null])) },
          ],
        },
      ],
    });
  });

  it("the collector: SPEC §1's receivers, limiter and batch, the environment tag, the log label contract, and one exporter per store", () => {
    const through = (exporter: string, processors: string[]) => ({ receivers: ["otlp"], processors, exporters: [exporter] });
    const PROCESSORS = ["memory_limiter", "resource/environment", "batch"];
    expect(load(r.otelCollector)).toEqual({
      extensions: {
        health_check: { endpoint: "0.0.0.0:13133" },
        "basicauth/prometheus": { client_auth: { username: "tutordex-obs", password_file: "/etc/otelcol-secrets/prometheus-password" } },
      },
      receivers: { otlp: { protocols: { grpc: { endpoint: "0.0.0.0:4317" }, http: { endpoint: "0.0.0.0:4318" } } } },
      processors: {
        memory_limiter: { check_interval: "1s", limit_mib: 512, spike_limit_mib: 128 },
        "resource/environment": { attributes: [{ key: "deployment.environment.name", value: stack, action: "insert" }] },
        batch: { timeout: "1s", send_batch_size: 1024, send_batch_max_size: 2048 },
        "groupbyattrs/log_labels": { keys: JSON_LABELS },
        "resource/log_labels": {
          attributes: [
            { key: "container", from_attribute: "container.name", action: "insert" },
            { key: "compose_service", from_attribute: "container.label.com.docker.compose.service", action: "insert" },
            { key: "compose_project", from_attribute: "container.label.com.docker.compose.project", action: "insert" },
            { key: "compose_service", value: "unknown", action: "insert" },
          ],
        },
        delta_to_cumulative: {},
      },
      exporters: {
        "otlp_http/prometheus": {
          endpoint: "http://prometheus:9090/api/v1/otlp",
          tls: { insecure: true },
          auth: { authenticator: "basicauth/prometheus" },
        },
        "otlp_grpc/tempo": { endpoint: "tempo:4317", tls: { insecure: true } },
        "otlp_http/loki": { endpoint: "http://loki:3100/otlp", tls: { insecure: true } },
      },
      connectors: {
        "count/unlabelled_logs": {
          logs: {
            "tutordex.otlp.log_records.unlabelled": {
              description: 'OTLP log records whose resource names no compose service, filed in Loki under compose_service="unknown".',
              conditions: ['resource.attributes["compose_service"] == "unknown"'],
            },
          },
        },
      },
      service: {
        extensions: ["health_check", "basicauth/prometheus"],
        telemetry: {
          metrics: {
            readers: [
              {
                pull: {
                  exporter: {
                    prometheus: { host: "0.0.0.0", port: 8888, without_type_suffix: false, without_units: false, without_scope_info: true },
                  },
                },
              },
            ],
          },
        },
        pipelines: {
          traces: through("otlp_grpc/tempo", PROCESSORS),
          metrics: through("otlp_http/prometheus", PROCESSORS),
          logs: {
            ...through("otlp_http/loki", [
              "memory_limiter",
              "resource/environment",
              "groupbyattrs/log_labels",
              "resource/log_labels",
              "batch",
            ]),
            exporters: ["otlp_http/loki", "count/unlabelled_logs"],
          },
          "metrics/unlabelled_logs": {
            receivers: ["count/unlabelled_logs"],
            processors: ["delta_to_cumulative", "batch"],
            exporters: ["otlp_http/prometheus"],
          },
        },
      },
    });
  });
});

describe("the collector without the stores it would forward to", () => {
  const off = (...services: string[]) =>
    load(
      renderStack(
        stackConfig("dev", {
          services: Object.fromEntries(SERVICE_NAMES.filter((s) => s !== "promtail").map((s) => [s, !services.includes(s)])),
        }),
      ).otelCollector,
    );

  it("without Tempo: no traces pipeline and no Tempo exporter; metrics and logs as before", () => {
    const doc = off("tempo");
    expect(Object.keys(doc.service.pipelines)).toEqual(["metrics", "logs", "metrics/unlabelled_logs"]);
    expect(Object.keys(doc.exporters)).toEqual(["otlp_http/prometheus", "otlp_http/loki"]);
  });

  it("without Loki: no logs pipeline, no Loki exporter and none of the log label processors", () => {
    const doc = off("loki", "alloy");
    expect(Object.keys(doc.service.pipelines)).toEqual(["traces", "metrics"]);
    expect(Object.keys(doc.exporters)).toEqual(["otlp_http/prometheus", "otlp_grpc/tempo"]);
    expect(Object.keys(doc.processors)).toEqual(["memory_limiter", "resource/environment", "batch"]);
  });
});

describe("switched-off services render no file", () => {
  it("Loki, Alloy, Tempo and the collector have no entry when off; Promtail has none unless it is the log agent", () => {
    const r = renderStack(
      stackConfig("dev", {
        services: Object.fromEntries(
          SERVICE_NAMES.filter((s) => s !== "promtail").map((s) => [s, !["loki", "alloy", "tempo", "otelCollector"].includes(s)]),
        ),
      }),
    );
    expect([r.loki, r.promtail, r.tempo, r.otelCollector, r.alloy]).toEqual([undefined, undefined, undefined, undefined, undefined]);
    expect(renderStack(stackConfig("dev")).promtail).toBeUndefined();
    const promtail = renderStack(stackConfig("dev", { logAgent: "promtail" }));
    expect([typeof promtail.promtail, promtail.alloy]).toEqual(["string", undefined]);
  });
});

import * as yaml from "js-yaml";
import { LogAgent } from "../../config/schema";
import { dockerNetworkPeers } from "../../config/services";
import { renderAlloyConfig } from "../../generators/alloy";
import {
  JSON_LABELS,
  logDiscovery,
  NEVER_LABELS,
  OTLP_SOURCE_ATTRIBUTES,
  OTLP_UNLABELLED,
  STREAM_LABELS,
} from "../../generators/logLabelContract";
import { renderLokiConfig } from "../../generators/loki";
import { renderOtelCollectorConfig, UNLABELLED_LOGS_CONNECTOR } from "../../generators/otelCollector";
import { renderPromtailConfig } from "../../generators/promtail";
import { stackConfig } from "../support/fixtures";
import {
  AgentPipeline,
  alloyPipelineOf,
  collectorLogs,
  discoveriesListing,
  DockerContainer,
  KeyValue,
  LogsRequest,
  lokiOtlpEntries,
  promtailPipelineOf,
  streamLabels,
} from "../support/logPipelines";

/**
 * docs/spec.md §7's label contract, checked on every path a line can take into the stack's Loki: the
 * SAME cases run against the pipeline read back from each agent's rendered file (Promtail's
 * YAML, Alloy's config), and against the collector's rendered logs pipeline followed by Loki's
 * OTLP ingestion under the rendered loki.yml.
 */
const peers = dockerNetworkPeers();
const STACK = { stack: "prod", appComposeProject: "tutordex-prod" };

const renderedPipelines: Record<LogAgent, AgentPipeline> = {
  promtail: promtailPipelineOf(renderPromtailConfig(STACK, peers)),
  alloy: alloyPipelineOf(renderAlloyConfig(STACK, peers)),
};

/** A container compose made: its name and compose labels, as the Docker API lists them. */
const composed = (project: string, service: string): DockerContainer => ({
  name: `/${project}-${service}-1`,
  labels: { "com.docker.compose.project": project, "com.docker.compose.service": service, "com.docker.compose.oneoff": "False" },
});
const appContainer = composed("tutordex-prod", "aggregator-worker");
const aggregatorFields = {
  ts: "2026-11-25T10:00:00Z",
  level: "error",
  logger: "worker",
  component: "worker",
  event: "parse_failed",
  msg: "could not parse",
  cid: "c-1",
  message_id: "123",
  channel: "t.me/tutorsg",
  step: "llm",
  assignment_id: "a-99",
  pipeline_version: "2026-01-02_det_time_v1",
  schema_version: "v2",
  trace_id: "4bf92f3577b34da6a3ce929d0e0e4736",
  span_id: "00f067aa0ba902b7",
  exc: "-",
};
const aggregatorLine = JSON.stringify({ ...aggregatorFields, data: { x: 1 } });
const backendFields = {
  ts: "2026-11-25T10:00:00Z",
  level: "info",
  logger: "backend",
  msg: "request",
  component: "backend",
  assignment_id: "-",
  channel: "-",
  pipeline_version: "-",
  schema_version: "-",
  trace_id: "-",
  span_id: "-",
  exc: "-",
  request_id: "r-1",
  method: "GET",
  path: "/health",
  status_code: 200,
  latency_ms: 3.2,
  client_ip: "10.0.0.1",
};
const backendLine = JSON.stringify(backendFields);

const aggregatorLabels = {
  container: "tutordex-prod-aggregator-worker-1",
  compose_service: "aggregator-worker",
  compose_project: "tutordex-prod",
  level: "error",
  component: "worker",
  channel: "t.me/tutorsg",
  pipeline_version: "2026-01-02_det_time_v1",
  schema_version: "v2",
};
const backendLabels = {
  container: "tutordex-prod-backend-1",
  compose_service: "backend",
  compose_project: "tutordex-prod",
  level: "info",
  component: "backend",
  channel: "-",
  pipeline_version: "-",
  schema_version: "-",
};

/** One of a stack's own containers (a one-shot carries its service's label and a role). */
const own = (stack: string, service: string, name = `tutordex-obs-${stack}-${service}`): DockerContainer => ({
  name: `/${name}`,
  labels: { "tutordex.observability.stack": stack, "tutordex.observability.service": service },
});

/** prod and staging (and dev) side by side on one host: the application of each, each stack's own containers, and strangers. */
function hostContainers(agent: LogAgent): Record<string, DockerContainer> {
  return {
    "prod app worker": appContainer,
    "prod app backend": composed("tutordex-prod", "backend"),
    "prod grafana": own("prod", "grafana"),
    "prod config-sync one-shot": {
      ...own("prod", "alertmanager", "tutordex-obs-prod-alertmanager-config-sync-3f2a"),
      labels: { ...own("prod", "alertmanager").labels, "tutordex.observability.role": "config-sync" },
    },
    "prod prometheus (starts like promtail)": own("prod", "prometheus"),
    [`prod ${agent} itself`]: own("prod", agent),
    [`prod ${agent} readiness gate`]: own("prod", agent, `tutordex-obs-prod-${agent}-ready`),
    "staging app worker": composed("tutordex-staging", "aggregator-worker"),
    "staging grafana": own("staging", "grafana"),
    [`staging ${agent}`]: own("staging", agent),
    "dev app worker": composed("tutordex-dev", "aggregator-worker"),
    "a project named like prod's": composed("tutordex-prod-canary", "aggregator-worker"),
    "a container nobody labelled": { name: "/someone-elses-app", labels: {} },
  };
}

describe.each(["promtail", "alloy"] as const)("label contract, log agent %s (read back from its rendered config)", (agent) => {
  const p = renderedPipelines[agent];

  it("an aggregator line yields exactly the contract's labels", () => {
    expect(streamLabels(p, appContainer, aggregatorLine)).toEqual(aggregatorLabels);
  });
  it("a backend request line yields exactly the contract's labels (request fields stay in the line)", () => {
    expect(streamLabels(p, composed("tutordex-prod", "backend"), backendLine)).toEqual(backendLabels);
  });
  it("the stack's own containers are labelled from their stack labels; a line that is not JSON still ships", () => {
    expect(streamLabels(p, own("prod", "grafana"), "logger=server msg=started")).toEqual({
      container: "tutordex-obs-prod-grafana",
      compose_service: "grafana",
      compose_project: "tutordex-obs-prod",
    });
  });
  it("discovery lists this environment's application and the stack's own containers but the agent, nothing of another environment, each once", () => {
    const listed = Object.entries(hostContainers(agent)).map(([what, c]) => [what, discoveriesListing(p, c)] as const);
    expect(Object.fromEntries(listed.filter(([, n]) => n > 0))).toEqual({
      "prod app worker": 1,
      "prod app backend": 1,
      "prod grafana": 1,
      "prod config-sync one-shot": 1,
      "prod prometheus (starts like promtail)": 1,
    });
  });
  it("every line it tails leaves with the contract's source labels: none with an empty label set for Loki to refuse", () => {
    for (const c of Object.values(hostContainers(agent))) {
      const labels = streamLabels(p, c, "plain text");
      if (labels) expect(Object.keys(labels).sort()).toEqual(["compose_project", "compose_service", "container"]);
    }
  });
  it("never makes a label of the high-cardinality fields, even when they are in the line", () => {
    const labels = Object.keys(streamLabels(p, appContainer, aggregatorLine) ?? {});
    for (const high of [...NEVER_LABELS, "message_id", "cid", "request_id"]) expect(labels).not.toContain(high);
    expect(p.labels).toEqual([...JSON_LABELS]);
  });
});

describe("the two agents render one pipeline", () => {
  it("the same discoveries (but for which agent's own container is left out), relabel rules and JSON labels", () => {
    const { promtail, alloy } = renderedPipelines;
    expect(promtail.discovery).toEqual(Object.values(logDiscovery(STACK, "promtail")));
    expect(alloy.discovery).toEqual(Object.values(logDiscovery(STACK, "alloy")));
    expect([alloy.relabel, alloy.json, alloy.labels]).toEqual([promtail.relabel, promtail.json, promtail.labels]);
  });
  it("keep and drop happen at discovery only: the relabel rules only label", () => {
    for (const p of Object.values(renderedPipelines))
      expect(p.relabel.filter((r) => r.action === "keep" || r.action === "drop")).toEqual([]);
  });
});

describe("each environment's stack ships its own environment's application", () => {
  it.each(["dev", "staging", "prod"])("%s: the application of its compose project, and no other", (env) => {
    const c = stackConfig(env);
    const p = promtailPipelineOf(renderPromtailConfig(c, peers));
    const apps = ["tutordex-dev", "tutordex-staging", "tutordex-prod"].filter(
      (project) => discoveriesListing(p, composed(project, "backend")) > 0,
    );
    expect(apps).toEqual([`tutordex-${env}`]);
  });
});

// ---- OTLP: the same contract for logs that arrive through the collector ---------------------

const str = (key: string, value: string): KeyValue => ({ key, value: { stringValue: value } });
const fieldAttributes = (fields: Record<string, unknown>): KeyValue[] =>
  Object.entries(fields)
    .filter(([k]) => !["ts", "msg"].includes(k))
    .map(([k, v]) =>
      typeof v === "number" ? { key: k, value: Number.isInteger(v) ? { intValue: String(v) } : { doubleValue: v } } : str(k, String(v)),
    );

/** A TutorDex service sending OTLP logs: its container facts on the resource, the JSON keys as record attributes. */
function otlpRequest(container: string, composeService: string, serviceName: string, fields: Record<string, unknown>): LogsRequest {
  return {
    resourceLogs: [
      {
        resource: {
          attributes: [
            str("service.name", serviceName),
            str(OTLP_SOURCE_ATTRIBUTES.container, container),
            str(OTLP_SOURCE_ATTRIBUTES.compose_service, composeService),
            str(OTLP_SOURCE_ATTRIBUTES.compose_project, "tutordex-prod"),
          ],
        },
        scopeLogs: [
          {
            scope: { name: "tutordex" },
            logRecords: [
              {
                timeUnixNano: "1764064800000000000",
                severityText: "INFO",
                body: { stringValue: String(fields.msg) },
                attributes: fieldAttributes(fields),
                traceId: "4bf92f3577b34da6a3ce929d0e0e4736",
                spanId: "00f067aa0ba902b7",
              },
            ],
          },
        ],
      },
    ],
  };
}

describe.each(["dev", "prod"])("label contract over OTLP, stack %s (collector logs pipeline, then Loki's OTLP ingestion)", (stack) => {
  const c = stackConfig(stack);
  const collector = renderOtelCollectorConfig(c, peers);
  const loki = renderLokiConfig(c.retention.loki);
  const through = (r: LogsRequest) => lokiOtlpEntries(loki, collectorLogs(collector, r));

  it("an aggregator record lands in the stream a Promtail line of the same container would", () => {
    const [entry] = through(
      otlpRequest("tutordex-prod-aggregator-worker-1", "aggregator-worker", "tutordex-aggregator-worker", aggregatorFields),
    );
    expect(entry.labels).toEqual(aggregatorLabels);
  });
  it("a backend request record too; request fields, ids and the environment stay structured metadata", () => {
    const [entry] = through(otlpRequest("tutordex-prod-backend-1", "backend", "tutordex-backend", backendFields));
    expect(entry.labels).toEqual(backendLabels);
    expect(entry.structuredMetadata).toMatchObject({
      assignment_id: "-",
      request_id: "r-1",
      status_code: "200",
      trace_id: "4bf92f3577b34da6a3ce929d0e0e4736",
      span_id: "00f067aa0ba902b7",
      service_name: "tutordex-backend",
      deployment_environment_name: stack,
      severity_text: "INFO",
    });
    expect(entry.line).toBe("request");
  });
  it("never makes a label of assignment_id, event, trace_id or span_id, nor of the OTLP identity attributes", () => {
    const [entry] = through(
      otlpRequest("tutordex-prod-aggregator-worker-1", "aggregator-worker", "tutordex-aggregator-worker", aggregatorFields),
    );
    expect(Object.keys(entry.labels).sort()).toEqual([...STREAM_LABELS].sort());
    for (const high of NEVER_LABELS) expect(entry.structuredMetadata).toHaveProperty(high);
  });
  it("records of one request with different levels land in different streams of the same container", () => {
    const request = otlpRequest("tutordex-prod-aggregator-worker-1", "aggregator-worker", "tutordex-aggregator-worker", aggregatorFields);
    const [rl] = request.resourceLogs;
    const info = { ...rl.scopeLogs[0].logRecords[0], attributes: fieldAttributes({ ...aggregatorFields, level: "info", event: "parsed" }) };
    const entries = through({
      resourceLogs: [{ ...rl, scopeLogs: [{ ...rl.scopeLogs[0], logRecords: [...rl.scopeLogs[0].logRecords, info] }] }],
    });
    expect(entries.map((e) => e.labels.level).sort()).toEqual(["error", "info"]);
    expect(new Set(entries.map((e) => e.labels.container))).toEqual(new Set(["tutordex-prod-aggregator-worker-1"]));
  });
  it('a record that carries none of the contract\'s attributes is filed under compose_service="unknown", not refused for having no label', () => {
    const bare: LogsRequest = {
      resourceLogs: [
        {
          resource: { attributes: [str("service.name", "tutordex-telegram-link-bot")] },
          scopeLogs: [
            {
              logRecords: [
                {
                  timeUnixNano: "1764064800000000000",
                  severityText: "WARN",
                  body: { stringValue: "no contract" },
                  attributes: [str("msg_id", "9")],
                },
              ],
            },
          ],
        },
      ],
    };
    const [entry] = through(bare);
    expect(entry.labels).toEqual({ [OTLP_UNLABELLED.label]: OTLP_UNLABELLED.value });
    expect(OTLP_UNLABELLED).toEqual({ label: "compose_service", value: "unknown" });
    expect(entry.structuredMetadata).toMatchObject({ service_name: "tutordex-telegram-link-bot", msg_id: "9" });
  });
  it("a record with only its JSON-label attributes, or only its container's name, gets the marker too; a compose service is never overwritten", () => {
    const request = (resource: KeyValue[], attributes: KeyValue[]): LogsRequest => ({
      resourceLogs: [
        {
          resource: { attributes: [str("service.name", "x"), ...resource] },
          scopeLogs: [{ logRecords: [{ body: { stringValue: "m" }, attributes }] }],
        },
      ],
    });
    expect(through(request([], [str("level", "warn")]))[0].labels).toEqual({ compose_service: "unknown", level: "warn" });
    expect(through(request([str(OTLP_SOURCE_ATTRIBUTES.container, "c-1")], []))[0].labels).toEqual({
      container: "c-1",
      compose_service: "unknown",
    });
    expect(through(request([str("compose_service", "set-by-app")], []))[0].labels).toEqual({ compose_service: "set-by-app" });
  });
  it("the collector counts exactly the records filed under the marker, per sender, into Prometheus", () => {
    const doc = yaml.load(collector) as {
      connectors: Record<string, any>;
      service: { pipelines: Record<string, { receivers: string[]; processors: string[]; exporters: string[] }> };
    };
    expect(doc.connectors[UNLABELLED_LOGS_CONNECTOR]).toEqual({
      logs: {
        "tutordex.otlp.log_records.unlabelled": {
          description: 'OTLP log records whose resource names no compose service, filed in Loki under compose_service="unknown".',
          conditions: ['resource.attributes["compose_service"] == "unknown"'],
        },
      },
    });
    expect(doc.service.pipelines.logs.exporters).toContain(UNLABELLED_LOGS_CONNECTOR);
    expect(doc.service.pipelines["metrics/unlabelled_logs"]).toEqual({
      receivers: [UNLABELLED_LOGS_CONNECTOR],
      processors: ["delta_to_cumulative", "batch"],
      exporters: ["otlp_http/prometheus"],
    });
  });
  it("without Loki's contract config the same record would carry Loki's default labels instead (the config is what holds it)", () => {
    const doc = yaml.load(loki) as { limits_config: Record<string, unknown> };
    delete doc.limits_config.otlp_config;
    delete doc.limits_config.discover_service_name;
    const defaults = yaml.dump(doc);
    const [entry] = lokiOtlpEntries(
      defaults,
      collectorLogs(collector, otlpRequest("tutordex-prod-backend-1", "backend", "tutordex-backend", backendFields)),
    );
    expect(entry.labels).toHaveProperty("service_name", "tutordex-backend");
    expect(entry.labels).toHaveProperty("deployment_environment_name", stack);
    expect(entry.labels).not.toHaveProperty("level");
  });
});

import { SERVICE_NAMES } from "../../config/services";
import { longTermDatasource } from "../../generators/grafanaDatasources";
import { renderStack } from "../../generators/stackFiles";
import { stackConfig } from "../support/fixtures";
import { QUEUE_DEFAULTS } from "../../config/scale";

/**
 * Grafana's datasources as the committed prod stack provisions them, whole, against docs/spec.md §9:
 * fixed uids, Prometheus the default with exemplars into Tempo, Loki's derived trace field,
 * Tempo's links to logs, metrics, service map and node graph. Every field is a literal here.
 */
const datasources = (stack: string, patch: Record<string, unknown> = {}) => renderStack(stackConfig(stack, patch)).grafana!.datasources;
const servicesOff = (...off: string[]) => ({
  services: Object.fromEntries(SERVICE_NAMES.filter((s) => s !== "promtail").map((s) => [s, !off.includes(s)])),
});

const PROMETHEUS = {
  uid: "prometheus",
  name: "Prometheus",
  type: "prometheus",
  url: "http://prometheus:9090",
  isDefault: true,
  credentials: { api: "prometheus", username: "tutordex-obs" },
  jsonData: {
    httpMethod: "POST",
    timeInterval: "15s",
    manageAlerts: true,
    alertmanagerUid: "alertmanager",
    exemplarTraceIdDestinations: [
      { name: "trace_id", datasourceUid: "tempo" },
      { name: "traceID", datasourceUid: "tempo" },
    ],
  },
};
const ALERTMANAGER = {
  uid: "alertmanager",
  name: "Alertmanager",
  type: "alertmanager",
  url: "http://alertmanager:9093",
  isDefault: false,
  // Basic auth with the Alertmanager API's password (components/grafanaProvisioning.ts adds the secret).
  credentials: { api: "alertmanager", username: "tutordex-obs" },
  jsonData: { implementation: "prometheus", handleGrafanaManagedAlerts: false },
};
const LOKI = {
  uid: "loki",
  name: "Loki",
  type: "loki",
  url: "http://loki:3100",
  isDefault: false,
  jsonData: {
    maxLines: 1000,
    derivedFields: [
      {
        name: "TraceID",
        matcherType: "regex",
        matcherRegex: '"trace_id"\\s*:\\s*"([0-9a-f]{16,32})"',
        url: "${__value.raw}",
        datasourceUid: "tempo",
      },
      { name: "TraceID (OTLP)", matcherType: "label", matcherRegex: "^trace_id$", url: "${__value.raw}", datasourceUid: "tempo" },
    ],
  },
};
const TRACES_TO_METRICS = {
  datasourceUid: "prometheus",
  spanStartTimeShift: "-5m",
  spanEndTimeShift: "5m",
  tags: [{ key: "service.name", value: "service" }],
  queries: [
    { name: "Request rate", query: "sum by (span_name) (rate(traces_spanmetrics_calls_total{$__tags}[5m]))" },
    { name: "Error rate", query: 'sum by (span_name) (rate(traces_spanmetrics_calls_total{status_code="STATUS_CODE_ERROR",$__tags}[5m]))' },
    { name: "Latency p95", query: "histogram_quantile(0.95, sum by (le) (rate(traces_spanmetrics_latency_bucket{$__tags}[5m])))" },
  ],
};
const TEMPO = {
  uid: "tempo",
  name: "Tempo",
  type: "tempo",
  url: "http://tempo:3200",
  isDefault: false,
  jsonData: {
    tracesToLogsV2: {
      datasourceUid: "loki",
      spanStartTimeShift: "-5m",
      spanEndTimeShift: "5m",
      filterByTraceID: false,
      filterBySpanID: false,
      customQuery: true,
      query: '{compose_service=~"collector-tail|aggregator-worker|backend"} | json | trace_id="${__trace.traceId}"',
    },
    tracesToMetrics: TRACES_TO_METRICS,
    serviceMap: { datasourceUid: "prometheus" },
    nodeGraph: { enabled: true },
  },
};

describe("Grafana's datasources of the committed prod stack, whole", () => {
  it("are Prometheus, Alertmanager, Loki and Tempo with every SPEC §9 cross-link", () => {
    expect(datasources("prod")).toEqual([PROMETHEUS, ALERTMANAGER, LOKI, TEMPO]);
  });

  it("without Tempo: Prometheus keeps no exemplar links and Loki keeps only its line limit", () => {
    const { exemplarTraceIdDestinations: _e, ...promJson } = PROMETHEUS.jsonData;
    expect(datasources("prod", servicesOff("tempo"))).toEqual([
      { ...PROMETHEUS, jsonData: promJson },
      ALERTMANAGER,
      { ...LOKI, jsonData: { maxLines: 1000 } },
    ]);
  });

  it("without Loki: Tempo keeps metrics, service map and node graph but no logs link", () => {
    const { tracesToLogsV2: _l, ...tempoJson } = TEMPO.jsonData;
    expect(datasources("prod", servicesOff("loki", "alloy"))).toEqual([PROMETHEUS, ALERTMANAGER, { ...TEMPO, jsonData: tempoJson }]);
  });
});

describe("the long-term datasource from the remote_write stores", () => {
  const store = (name: string, extra: Record<string, unknown> = {}) => ({
    name,
    url: `https://${name}.test/push`,
    headers: {},
    dropMetrics: [],
    queue: QUEUE_DEFAULTS,
    ...extra,
  });

  it("is the first store that names a query URL; without auth or headers it sends neither", () => {
    expect(
      longTermDatasource([
        store("a"),
        store("b", { queryUrl: "https://b.test/q?x=1&y=<2>" }),
        store("c", { queryUrl: "https://c.test/q" }),
      ] as never),
    ).toEqual({
      uid: "longterm",
      name: "Prometheus (long-term)",
      type: "prometheus",
      url: "https://b.test/q?x=1&y=<2>",
      isDefault: false,
      jsonData: { httpMethod: "POST", timeInterval: "15s", manageAlerts: false },
    });
  });

  it("there is none when no store names a query URL, or there is no store", () => {
    expect(longTermDatasource([store("a"), store("b")] as never)).toBeUndefined();
    expect(longTermDatasource([])).toBeUndefined();
  });

  it("an empty query URL is no query URL", () => {
    expect(longTermDatasource([store("a", { queryUrl: "" })] as never)).toBeUndefined();
  });

  it("carries the store's headers as a copy and its credential by reference", () => {
    const headers = { "X-Scope-OrgID": "tenant-ü" };
    const ds = longTermDatasource([store("m", { queryUrl: "https://m.test/prometheus", headers, auth: { type: "bearer" } })] as never)!;
    expect([ds.httpHeaders, ds.credentials]).toEqual([{ "X-Scope-OrgID": "tenant-ü" }, { store: "m", auth: { type: "bearer" } }]);
    expect(ds.httpHeaders).not.toBe(headers);
  });
});

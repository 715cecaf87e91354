import type { RemoteWriteStore } from "../config/scale";
import { StackConfig } from "../config/schema";
import { PeerAddresses } from "../config/services";
import { DATASOURCE_NAMES, DatasourceUid } from "../config/datasources";
import { API_USER, ProtectedApi } from "./apiAuth";

export { DATASOURCE_NAMES };
export type { DatasourceUid };

export interface DatasourceSpec {
  readonly uid: DatasourceUid;
  readonly name: string;
  readonly type: string;
  readonly url: string;
  readonly isDefault: boolean;
  readonly jsonData: Record<string, unknown>;
  /**
   * Credentials Grafana sends, by reference to whose secret they are (a long-term store's, or a
   * protected API of the stack's with API_USER): the value joins only in
   * components/grafanaProvisioning.ts, as a Pulumi secret, so no render holds it.
   */
  readonly credentials?: StoreCredentials | ApiCredentials;
  /** Plain headers (a Mimir tenant's X-Scope-OrgID); never credentials. */
  readonly httpHeaders?: Readonly<Record<string, string>>;
}

export interface StoreCredentials {
  readonly store: string;
  readonly auth: NonNullable<RemoteWriteStore["auth"]>;
}

/** Basic auth as API_USER with the password of one of the stack's protected APIs. */
export interface ApiCredentials {
  readonly api: ProtectedApi;
  readonly username: string;
}

const apiCredentials = (api: ProtectedApi): ApiCredentials => ({ api, username: API_USER });

/**
 * Exemplar label names that carry a trace id: `trace_id` from the applications' own
 * instrumentation, `traceID` from Tempo's metrics generator (span metrics).
 */
export const EXEMPLAR_TRACE_ID_LABELS = ["trace_id", "traceID"] as const;

/** Span metrics of Tempo's metrics generator, opened from a span (`$__tags` maps service.name). */
export const TRACES_TO_METRICS_QUERIES = [
  { name: "Request rate", query: "sum by (span_name) (rate(traces_spanmetrics_calls_total{$__tags}[5m]))" },
  { name: "Error rate", query: 'sum by (span_name) (rate(traces_spanmetrics_calls_total{status_code="STATUS_CODE_ERROR",$__tags}[5m]))' },
  { name: "Latency p95", query: "histogram_quantile(0.95, sum by (le) (rate(traces_spanmetrics_latency_bucket{$__tags}[5m])))" },
] as const;

/**
 * How a Loki log line opens its trace in Tempo. A line Promtail or Alloy shipped carries
 * `trace_id` in its JSON text; a record that came over OTLP carries it as structured metadata
 * (Loki files the record's trace id there as `trace_id`, and its body is only the message), which
 * Grafana offers with the stream labels: a `label` matcher names the key (a regular expression
 * Grafana tests against each label name, anchored here so `otel_trace_id` and the like stay out).
 */
export const LOKI_TRACE_LINKS = [
  {
    name: "TraceID",
    matcherType: "regex",
    matcherRegex: '"trace_id"\\s*:\\s*"([0-9a-f]{16,32})"',
    url: "${__value.raw}",
    datasourceUid: "tempo",
  },
  { name: "TraceID (OTLP)", matcherType: "label", matcherRegex: "^trace_id$", url: "${__value.raw}", datasourceUid: "tempo" },
] as const;

export type DatasourceSettings = Pick<StackConfig, "services" | "appTargets" | "remoteWrite">;

/**
 * The long-term store Grafana reads (the remote_write store with a `queryUrl`), as a second
 * Prometheus-type datasource with a fixed uid; dashboards pick it through their `$datasource`
 * variable. Its query URL is its own setting because stores read elsewhere than they write
 * (Mimir under /prometheus, Thanos through Thanos Query, VictoriaMetrics at its root). It
 * authenticates as Prometheus writes there and sends the same headers (a tenant reads its own).
 */
export function longTermDatasource(stores: readonly RemoteWriteStore[]): DatasourceSpec | undefined {
  const store = stores.find((s) => s.queryUrl !== undefined);
  if (!store?.queryUrl) return undefined;
  return {
    uid: "longterm",
    name: DATASOURCE_NAMES.longterm,
    type: "prometheus",
    url: store.queryUrl,
    isDefault: false,
    // Alerts are evaluated by the local Prometheus, so they are managed there, not here.
    jsonData: { httpMethod: "POST", timeInterval: "15s", manageAlerts: false },
    ...(store.auth ? { credentials: { store: store.name, auth: store.auth } } : {}),
    ...(Object.keys(store.headers).length ? { httpHeaders: { ...store.headers } } : {}),
  };
}

/**
 * The logs of a trace. Loki has no `service_name` for the applications (their streams carry
 * compose_service, the DNS name, not the OpenTelemetry service name), and trace_id is never a
 * label: it is a JSON field of the line when Promtail or Alloy shipped it, and structured
 * metadata when it came over OTLP. `| json` extracts the first; the label filter then matches
 * either (on an OTLP line the parser only adds an error label).
 */
export function traceLogsQuery(appTargets: StackConfig["appTargets"]): string {
  const services = [...new Set(Object.values(appTargets).map((t) => t.split(":")[0]))].join("|");
  return `{compose_service=~"${services}"} | json | trace_id="\${__trace.traceId}"`;
}

/**
 * The datasources with fixed uids and every cross-link of docs/spec.md §9 that the running services
 * allow: exemplars and log lines open traces; traces open logs and span metrics; Alertmanager
 * shows and silences the stack's alerts. A switched-off service takes its links with it.
 */
export function grafanaDatasources(
  peers: Pick<PeerAddresses, "prometheus" | "loki" | "tempo" | "alertmanager">,
  s: DatasourceSettings,
): DatasourceSpec[] {
  const on = s.services;
  const out: DatasourceSpec[] = [
    {
      uid: "prometheus",
      name: DATASOURCE_NAMES.prometheus,
      type: "prometheus",
      url: `http://${peers.prometheus}`,
      isDefault: true,
      credentials: apiCredentials("prometheus"),
      jsonData: {
        httpMethod: "POST",
        timeInterval: "15s",
        // Prometheus's own rules and their alerts show in Grafana's alerting views and alert lists.
        manageAlerts: true,
        alertmanagerUid: "alertmanager",
        ...(on.tempo ? { exemplarTraceIdDestinations: EXEMPLAR_TRACE_ID_LABELS.map((name) => ({ name, datasourceUid: "tempo" })) } : {}),
      },
    },
    ...(s.remoteWrite ? [longTermDatasource(s.remoteWrite.stores)].filter((d): d is DatasourceSpec => d !== undefined) : []),
    {
      uid: "alertmanager",
      name: DATASOURCE_NAMES.alertmanager,
      type: "alertmanager",
      url: `http://${peers.alertmanager}`,
      isDefault: false,
      credentials: apiCredentials("alertmanager"),
      // Our Alertmanager routes Prometheus's alerts; Grafana's own alerting keeps its own.
      jsonData: { implementation: "prometheus", handleGrafanaManagedAlerts: false },
    },
  ];
  if (on.loki) {
    out.push({
      uid: "loki",
      name: DATASOURCE_NAMES.loki,
      type: "loki",
      url: `http://${peers.loki}`,
      isDefault: false,
      jsonData: {
        maxLines: 1000,
        ...(on.tempo ? { derivedFields: LOKI_TRACE_LINKS.map((l) => ({ ...l })) } : {}),
      },
    });
  }
  if (on.tempo) {
    out.push({
      uid: "tempo",
      name: DATASOURCE_NAMES.tempo,
      type: "tempo",
      url: `http://${peers.tempo}`,
      isDefault: false,
      jsonData: {
        ...(on.loki
          ? {
              tracesToLogsV2: {
                datasourceUid: "loki",
                spanStartTimeShift: "-5m",
                spanEndTimeShift: "5m",
                filterByTraceID: false,
                filterBySpanID: false,
                customQuery: true,
                query: traceLogsQuery(s.appTargets),
              },
            }
          : {}),
        tracesToMetrics: {
          datasourceUid: "prometheus",
          spanStartTimeShift: "-5m",
          spanEndTimeShift: "5m",
          tags: [{ key: "service.name", value: "service" }],
          queries: TRACES_TO_METRICS_QUERIES.map((q) => ({ ...q })),
        },
        serviceMap: { datasourceUid: "prometheus" },
        nodeGraph: { enabled: true },
      },
    });
  }
  return out;
}

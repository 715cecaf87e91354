import { parseLogql } from "../../harness/queries";
import { dockerNetworkPeers, SERVICE_NAMES } from "../../config/services";
import { ALERT_LIST_OPTIONS, DashboardJson } from "../../dashboards/builder";
import { DASHBOARDS, dashboardsFor } from "../../dashboards";
import { DATASOURCE_NAMES, grafanaDatasources, traceLogsQuery } from "../../generators/grafanaDatasources";
import { renderLokiConfig } from "../../generators/loki";
import { stackConfig } from "../../harness/fixtures";
import { lokiOtlpEntries } from "../support/logPipelines";

const peers = dockerNetworkPeers();
const all = grafanaDatasources(peers, stackConfig("prod"));
const byUid = (uid: string, ds = all) => ds.find((d) => d.uid === uid)!;

/** Every datasourceUid a datasource's links point at. */
const links = (ds: ReturnType<typeof grafanaDatasources>) => {
  const found: string[] = [];
  JSON.stringify(
    ds.map((d) => d.jsonData),
    (k, v) => {
      if (k === "datasourceUid") found.push(v);
      return v;
    },
  );
  return found;
};

describe("datasources of a full stack", () => {
  it("have fixed uids, Prometheus as default, in-network URLs, and Alertmanager for alert management", () => {
    expect(all.map((d) => [d.uid, d.type, d.name, d.url, d.isDefault])).toEqual([
      ["prometheus", "prometheus", "Prometheus", "http://prometheus:9090", true],
      ["alertmanager", "alertmanager", "Alertmanager", "http://alertmanager:9093", false],
      ["loki", "loki", "Loki", "http://loki:3100", false],
      ["tempo", "tempo", "Tempo", "http://tempo:3200", false],
    ]);
    expect(byUid("alertmanager").jsonData).toEqual({ implementation: "prometheus", handleGrafanaManagedAlerts: false });
  });

  it("every cross-link points at a uid that exists", () => {
    const uids = all.map((d) => d.uid);
    expect(links(all).sort()).toEqual(["loki", "prometheus", "prometheus", "tempo", "tempo", "tempo", "tempo"]);
    expect(links(all).filter((l) => !uids.includes(l as never))).toEqual([]);
  });

  it("exemplars open traces for both the applications' trace_id and Tempo's traceID", () => {
    expect(byUid("prometheus").jsonData.exemplarTraceIdDestinations).toEqual([
      { name: "trace_id", datasourceUid: "tempo" },
      { name: "traceID", datasourceUid: "tempo" },
    ]);
    expect(byUid("prometheus").jsonData.manageAlerts).toBe(true);
    expect(byUid("prometheus").jsonData.alertmanagerUid).toBe("alertmanager");
  });

  it("an OTLP log record opens its trace too: a label matcher on the trace_id Loki stores as structured metadata", () => {
    const fields = byUid("loki").jsonData.derivedFields as {
      name: string;
      matcherType: string;
      matcherRegex: string;
      datasourceUid: string;
      url: string;
    }[];
    const otlp = fields.filter((f) => f.matcherType === "label");
    expect(otlp).toHaveLength(1);
    // What Loki returns for a record the collector delivered (test/support/logPipelines.ts models its OTLP ingestion).
    const [entry] = lokiOtlpEntries(renderLokiConfig("336h"), {
      resourceLogs: [
        {
          resource: { attributes: [{ key: "service.name", value: { stringValue: "tutordex-backend" } }] },
          scopeLogs: [
            { logRecords: [{ body: { stringValue: "request" }, traceId: "4BF92F3577B34DA6A3CE929D0E0E4736", spanId: "00f067aa0ba902b7" }] },
          ],
        },
      ],
    });
    const keys = Object.keys({ ...entry.labels, ...entry.structuredMetadata });
    const matched = keys.filter((k) => new RegExp(otlp[0].matcherRegex).test(k));
    expect(matched).toEqual(["trace_id"]);
    expect({ ...entry.labels, ...entry.structuredMetadata }[matched[0]]).toBe("4bf92f3577b34da6a3ce929d0e0e4736");
    expect(new RegExp(otlp[0].matcherRegex).test("otel_trace_id")).toBe(false);
    expect([otlp[0].datasourceUid, otlp[0].url]).toEqual(["tempo", "${__value.raw}"]);
    expect(new Set(fields.map((f) => f.name)).size).toBe(fields.length);
  });

  it("the Loki derived field extracts trace_id from a JSON log line", () => {
    const field = (byUid("loki").jsonData.derivedFields as { matcherRegex: string }[])[0];
    const line = JSON.stringify({ msg: "x", trace_id: "4bf92f3577b34da6a3ce929d0e0e4736", span_id: "00f067aa0ba902b7" });
    expect(new RegExp(field.matcherRegex).exec(line)?.[1]).toBe("4bf92f3577b34da6a3ce929d0e0e4736");
  });

  it("traces open the applications' logs by trace id, and span metrics with queries (lokiSearch is gone since Grafana 11)", () => {
    const tempo = byUid("tempo").jsonData as Record<string, any>;
    expect(tempo.tracesToLogsV2).toEqual({
      datasourceUid: "loki",
      spanStartTimeShift: "-5m",
      spanEndTimeShift: "5m",
      filterByTraceID: false,
      filterBySpanID: false,
      customQuery: true,
      query: '{compose_service=~"collector-tail|aggregator-worker|backend"} | json | trace_id="${__trace.traceId}"',
    });
    expect(tempo.tracesToMetrics.queries.map((q: { name: string }) => q.name)).toEqual(["Request rate", "Error rate", "Latency p95"]);
    expect(tempo.tracesToMetrics.tags).toEqual([{ key: "service.name", value: "service" }]);
    expect(tempo).not.toHaveProperty("lokiSearch");
  });

  it("the trace-to-logs query follows the application targets' DNS names", () => {
    expect(traceLogsQuery({ collector: "c:1", worker: "w:2", backend: "c:3" })).toBe(
      '{compose_service=~"c|w"} | json | trace_id="${__trace.traceId}"',
    );
  });

  it("the trace-to-logs query is valid LogQL once Grafana fills in the trace id", () => {
    const query = traceLogsQuery({ collector: "collector-tail:9001", worker: "aggregator-worker:9002", backend: "backend:8000" }).replace(
      "${__trace.traceId}",
      "4bf92f3577b34da6a3ce929d0e0e4736",
    );
    expect(parseLogql(query).errors).toBe(0);
  });
});

describe("a switched-off service takes its datasource and links with it", () => {
  const off = (...services: string[]) =>
    grafanaDatasources(peers, {
      ...stackConfig("prod"),
      services: Object.fromEntries(SERVICE_NAMES.map((s) => [s, !services.includes(s)])) as never,
    });
  it("without Tempo: no tempo datasource, no trace links anywhere", () => {
    const ds = off("tempo");
    expect(ds.map((d) => d.uid)).toEqual(["prometheus", "alertmanager", "loki"]);
    expect(links(ds)).toEqual([]);
  });
  it("without Loki: no loki datasource, Tempo keeps its metrics links", () => {
    const ds = off("loki", "promtail");
    expect(ds.map((d) => d.uid)).toEqual(["prometheus", "alertmanager", "tempo"]);
    expect(links(ds).sort()).toEqual(["prometheus", "prometheus", "tempo", "tempo"]);
  });
  it("without Loki the dashboards drop their log panels and keep everything else", () => {
    const on = Object.fromEntries(SERVICE_NAMES.map((s) => [s, s !== "loki"])) as never;
    const panels = (ds: readonly DashboardJson[]) => ds.flatMap((d) => d.panels);
    expect(panels(dashboardsFor(on)).filter((p) => p.datasource?.uid === "loki")).toEqual([]);
    expect(panels(dashboardsFor(on)).length).toBe(panels(DASHBOARDS).filter((p) => p.datasource?.uid !== "loki").length);
  });
});

describe("alert list panels", () => {
  it("list the stack's Prometheus alerts by the Prometheus datasource's name (Grafana filters by name)", () => {
    expect(ALERT_LIST_OPTIONS.datasource).toBe(DATASOURCE_NAMES.prometheus);
    const lists = DASHBOARDS.flatMap((d) => d.panels).filter((p) => p.type === "alertlist");
    expect(lists.length).toBeGreaterThanOrEqual(2);
    for (const p of lists) {
      expect(p.options).toMatchObject({ datasource: "Prometheus", dashboardAlerts: false, stateFilter: { firing: true, pending: true } });
      expect(p.options).not.toHaveProperty("showOptions");
    }
  });
});

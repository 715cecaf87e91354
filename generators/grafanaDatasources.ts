import { PeerAddresses } from "../config/services";

export interface DatasourceSpec {
  readonly uid: "prometheus" | "loki" | "tempo";
  readonly name: string;
  readonly type: string;
  readonly url: string;
  readonly isDefault: boolean;
  readonly jsonData: Record<string, unknown>;
}

/**
 * The three datasources with fixed uids and every cross-link of SPEC §9: exemplars and log lines
 * open traces; traces open logs, the service map and span metrics.
 */
export function grafanaDatasources(peers: Pick<PeerAddresses, "prometheus" | "loki" | "tempo">): DatasourceSpec[] {
  return [
    {
      uid: "prometheus",
      name: "Prometheus",
      type: "prometheus",
      url: `http://${peers.prometheus}`,
      isDefault: true,
      jsonData: { httpMethod: "POST", timeInterval: "15s", exemplarTraceIdDestinations: [{ name: "trace_id", datasourceUid: "tempo" }] },
    },
    {
      uid: "loki",
      name: "Loki",
      type: "loki",
      url: `http://${peers.loki}`,
      isDefault: false,
      jsonData: {
        maxLines: 1000,
        derivedFields: [{ name: "TraceID", matcherType: "regex", matcherRegex: '"trace_id"\\s*:\\s*"([0-9a-f]{16,32})"', url: "${__value.raw}", datasourceUid: "tempo" }],
      },
    },
    {
      uid: "tempo",
      name: "Tempo",
      type: "tempo",
      url: `http://${peers.tempo}`,
      isDefault: false,
      jsonData: {
        tracesToLogsV2: { datasourceUid: "loki", spanStartTimeShift: "-5m", spanEndTimeShift: "5m", filterByTraceID: true, filterBySpanID: false, customQuery: false },
        tracesToMetrics: { datasourceUid: "prometheus", spanStartTimeShift: "-5m", spanEndTimeShift: "5m" },
        serviceMap: { datasourceUid: "prometheus" },
        nodeGraph: { enabled: true },
        lokiSearch: { datasourceUid: "loki" },
      },
    },
  ];
}

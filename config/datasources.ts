/**
 * Grafana's datasources by uid, and the names Grafana shows: generators/grafanaDatasources.ts
 * provisions them and the dashboards (dashboards/builder.ts) point at them, so both read them here.
 */
export type DatasourceUid = "prometheus" | "loki" | "tempo" | "alertmanager" | "longterm";

/** Names Grafana shows; the alert-list panels filter on the Prometheus one by name. */
export const DATASOURCE_NAMES: Readonly<Record<DatasourceUid, string>> = {
  prometheus: "Prometheus",
  loki: "Loki",
  tempo: "Tempo",
  alertmanager: "Alertmanager",
  longterm: "Prometheus (long-term)",
};

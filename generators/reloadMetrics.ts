/**
 * Whether a configuration reload took, as Prometheus and Alertmanager publish it on /metrics:
 * the pair both programs name alike under their own prefix. config-sync's script (components/
 * configSync.ts) and `obs reload` (cli/configReload.ts) both read these, and nothing else.
 */
export type Reloadable = "prometheus" | "alertmanager";

export const reloadMetrics = (service: Reloadable) => ({
  successful: `${service}_config_last_reload_successful`,
  timestamp: `${service}_config_last_reload_success_timestamp_seconds`,
});

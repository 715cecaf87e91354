import { StackConfig } from "../config/schema";
import { PeerAddresses } from "../config/services";
import { ALERT_EVALUATION_INTERVAL, ALERT_RULES_FILE, RECORDING_RULES_FILE, renderRuleFiles, RuleSettings } from "../rules/render";
import { toYaml, GENERATED_HEADER } from "./yaml";

export type PrometheusSettings = Pick<StackConfig, "stack" | "environment" | "appTargets" | "publicProbes">;

export interface PrometheusRenderOptions {
  /** Directory the rule files are delivered to, as Prometheus sees it. */
  readonly rulesDir: string;
  /** SPEC timings unless a test shortens them. */
  readonly scrapeInterval?: string;
  readonly evaluationInterval?: string;
  readonly publicProbeInterval?: string;
  readonly publicProbeTimeout?: string;
}

export const CONTAINER_PATHS: PrometheusRenderOptions = { rulesDir: "/etc/prometheus/rules" };

interface ScrapeConfig {
  job_name: string;
  [key: string]: unknown;
}

const staticJob = (job: string, target: string, extra: Record<string, unknown> = {}): ScrapeConfig => ({
  job_name: job,
  ...extra,
  static_configs: [{ targets: [target] }],
});

/** Probe through the blackbox exporter: the target becomes `?target=`, `instance` keeps the URL. */
const probeRelabeling = (blackbox: string) => [
  { source_labels: ["__address__"], target_label: "__param_target" },
  { source_labels: ["__param_target"], target_label: "instance" },
  { source_labels: ["module"], target_label: "__param_module" },
  { target_label: "__address__", replacement: blackbox },
];

const appJob = (job: string, target: string, component: string): ScrapeConfig => ({
  job_name: job,
  metrics_path: "/metrics",
  scrape_timeout: "10s",
  static_configs: [{ targets: [target], labels: { component } }],
});

/** The jobs by which the stack watches itself, keyed by the job name dashboards and alerts use. */
export function stackSelfJobs(peers: PeerAddresses): ScrapeConfig[] {
  return [
    staticJob("alertmanager", peers.alertmanager),
    staticJob("grafana", peers.grafana),
    staticJob("loki", peers.loki),
    staticJob("promtail", peers.promtail),
    staticJob("tempo", peers.tempo),
    staticJob("otel_collector", peers.otelCollectorMetrics),
    staticJob("blackbox_exporter", peers.blackboxExporter),
    staticJob("telegram_bridge", peers.telegramBridge),
  ];
}

export function internalProbeTargets(s: PrometheusSettings, peers: PeerAddresses) {
  const { collector, worker, backend } = s.appTargets;
  return {
    app: [
      { targets: [`http://${collector}/health/collector`, `http://${worker}/health/worker`, `http://${backend}/health`], labels: { module: "http_2xx" } },
      // /health/dependencies answers 200 even when a dependency is down; the body says so.
      { targets: [`http://${backend}/health/dependencies`], labels: { module: "http_2xx_json_ok" } },
    ],
    stack: [
      { targets: [`http://${peers.loki}/ready`], labels: { module: "http_2xx", service: "loki" } },
      { targets: [`http://${peers.tempo}/ready`], labels: { module: "http_2xx", service: "tempo" } },
      { targets: [`http://${peers.otelCollectorHealth}/`], labels: { module: "http_2xx", service: "otel_collector" } },
    ],
  };
}

/** Files delivered into Prometheus's config volume, by path relative to /etc/prometheus. */
export function prometheusFiles(s: PrometheusSettings, rules: RuleSettings, peers: PeerAddresses): Record<string, string> {
  const files: Record<string, string> = { "prometheus.yml": renderPrometheusConfig(s, peers, CONTAINER_PATHS) };
  for (const [name, text] of Object.entries(renderRuleFiles(rules))) files[`rules/${name}`] = text;
  return files;
}

export function renderPrometheusConfig(s: PrometheusSettings, peers: PeerAddresses, paths: PrometheusRenderOptions = CONTAINER_PATHS): string {
  const probes = internalProbeTargets(s, peers);
  const scrapeConfigs: ScrapeConfig[] = [
    staticJob("prometheus", peers.prometheus),
    staticJob("cadvisor", peers.cadvisor),
    staticJob("node_exporter", peers.nodeExporter),
    appJob("tutordex_collector", s.appTargets.collector, "collector"),
    appJob("tutordex_worker", s.appTargets.worker, "worker"),
    appJob("tutordex_backend", s.appTargets.backend, "backend"),
    { job_name: "blackbox_http", metrics_path: "/probe", static_configs: probes.app, relabel_configs: probeRelabeling(peers.blackboxExporter) },
    { job_name: "blackbox_stack_ready", metrics_path: "/probe", static_configs: probes.stack, relabel_configs: probeRelabeling(peers.blackboxExporter) },
    ...stackSelfJobs(peers),
  ];
  if (s.publicProbes) {
    scrapeConfigs.push({
      job_name: "blackbox_http_public",
      metrics_path: "/probe",
      scrape_interval: paths.publicProbeInterval ?? "60s",
      scrape_timeout: paths.publicProbeTimeout ?? "20s",
      static_configs: s.publicProbes.urls.map((url) => ({
        targets: [url],
        labels: { module: "http_2xx_sni", public_host: s.publicProbes!.host, probe_route: new URL(url).pathname },
      })),
      relabel_configs: probeRelabeling(peers.blackboxExporter),
    });
  }
  return toYaml(
    {
      global: {
        scrape_interval: paths.scrapeInterval ?? "15s",
        evaluation_interval: paths.evaluationInterval ?? ALERT_EVALUATION_INTERVAL,
        external_labels: { stack: s.stack, environment: s.environment },
      },
      alerting: { alertmanagers: [{ static_configs: [{ targets: [peers.alertmanager] }] }] },
      rule_files: [`${paths.rulesDir}/${ALERT_RULES_FILE}`, `${paths.rulesDir}/${RECORDING_RULES_FILE}`],
      scrape_configs: scrapeConfigs,
    },
    GENERATED_HEADER,
  );
}

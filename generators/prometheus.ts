import { StackConfig } from "../config/schema";
import { PeerAddresses, ServiceName } from "../config/services";
import { ALERT_EVALUATION_INTERVAL, ALERT_RULES_FILE, RECORDING_RULES_FILE, renderRuleFiles, RuleSettings } from "../rules/render";
import { basicAuthFrom, ProtectedApi, SECRETS_DIRS } from "./apiAuth";
import { remoteWriteConfigs } from "./remoteWrite";
import { toYaml, GENERATED_HEADER } from "../config/yaml";

export type PrometheusSettings = Pick<
  StackConfig,
  "stack" | "environment" | "appTargets" | "publicProbes" | "services" | "remoteWrite" | "alertmanagerCluster" | "nativeHistograms"
>;

export interface PrometheusRenderOptions {
  /** Directory of the rule files; relative paths resolve against prometheus.yml's own folder. */
  readonly rulesDir: string;
  /** SPEC timings unless a test shortens them. */
  readonly scrapeInterval?: string;
  readonly evaluationInterval?: string;
  readonly publicProbeInterval?: string;
  readonly publicProbeTimeout?: string;
  readonly probeScrapeTimeout?: string;
  /**
   * Folder of the credential files (components/prometheus.ts delivers them there as secrets): the
   * remote_write stores' and the passwords of the stack's own protected APIs.
   */
  readonly secretsDir?: string;
}

/**
 * Relative, so `promtool check config` of the staged folder checks the staged rules (config-sync
 * validates before anything goes live) and Prometheus reads the same files from /etc/prometheus.
 */
export const CONTAINER_PATHS: PrometheusRenderOptions = { rulesDir: "rules" };

/**
 * Probe jobs may use their whole interval: blackbox_exporter then gives the module
 * PROBE_SCRAPE_TIMEOUT minus its 0.5 s --timeout-offset, which is the module timeout in
 * generators/blackbox.ts. Inheriting the 10 s default cut every 15 s probe to 9.5 s.
 */
export const PROBE_SCRAPE_TIMEOUT = "15s";

/**
 * `nativeHistograms: true` (Prometheus 3.13, like 3.16, needs no feature flag: `--enable-feature=native-histograms`
 * is a no-op that says to use this setting). The scrape asks for the protobuf format first and
 * ingests native histograms as such; the classic `_bucket` series are kept beside them, so rules,
 * alerts and dashboards written for classic histograms go on working during a migration. The TSDB
 * stores native histograms without further settings (out-of-order ones included).
 */
export const NATIVE_HISTOGRAM_SCRAPE = { scrape_native_histograms: true, always_scrape_classic_histograms: true } as const;

/**
 * Resource attributes of OTLP metrics that become labels. Prometheus already turns service.name
 * (with service.namespace) into `job` and service.instance.id into `instance`; these keep the
 * names too, and the environment the collector stamps on everything.
 */
export const OTLP_PROMOTED_ATTRIBUTES = [
  "service.name",
  "service.namespace",
  "service.instance.id",
  "service.version",
  "deployment.environment.name",
] as const;

interface ScrapeConfig {
  job_name: string;
  [key: string]: unknown;
}

/** Jobs and alerting clients of a protected API send its password (generators/apiAuth.ts). */
const authFor = (api: ProtectedApi, paths: PrometheusRenderOptions) => ({
  basic_auth: basicAuthFrom(api, paths.secretsDir ?? SECRETS_DIRS.prometheus),
});

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

/** The jobs by which the stack watches itself, keyed by the job name dashboards and alerts use; only running services. */
export function stackSelfJobs(
  peers: PeerAddresses,
  on: Readonly<Record<ServiceName, boolean>>,
  paths: PrometheusRenderOptions = CONTAINER_PATHS,
): ScrapeConfig[] {
  const jobs: [ServiceName, string, string][] = [
    ["alertmanager", "alertmanager", peers.alertmanager],
    ["grafana", "grafana", peers.grafana],
    ["loki", "loki", peers.loki],
    ["promtail", "promtail", peers.promtail],
    ["tempo", "tempo", peers.tempo],
    ["otelCollector", "otel_collector", peers.otelCollectorMetrics],
    ["blackboxExporter", "blackbox_exporter", peers.blackboxExporter],
    ["alloy", "alloy", peers.alloy],
    ["telegramBridge", "telegram_bridge", peers.telegramBridge],
  ];
  const auth = (service: ServiceName) => (service === "alertmanager" || service === "blackboxExporter" ? authFor(service, paths) : {});
  return jobs.filter(([service]) => on[service]).map(([service, job, target]) => staticJob(job, target, auth(service)));
}

export function internalProbeTargets(s: PrometheusSettings, peers: PeerAddresses) {
  const { collector, worker, backend } = s.appTargets;
  return {
    app: [
      {
        targets: [`http://${collector}/health/collector`, `http://${worker}/health/worker`, `http://${backend}/health`],
        labels: { module: "http_2xx" },
      },
      // /health/dependencies answers 200 even when a dependency is down; the body says so.
      { targets: [`http://${backend}/health/dependencies`], labels: { module: "http_2xx_json_ok" } },
    ],
    stack: [
      ...(s.services.loki ? [{ targets: [`http://${peers.loki}/ready`], labels: { module: "http_2xx", service: "loki" } }] : []),
      ...(s.services.tempo ? [{ targets: [`http://${peers.tempo}/ready`], labels: { module: "http_2xx", service: "tempo" } }] : []),
      ...(s.services.otelCollector
        ? [{ targets: [`http://${peers.otelCollectorHealth}/`], labels: { module: "http_2xx", service: "otel_collector" } }]
        : []),
    ],
  };
}

/** Files delivered into Prometheus's config volume, by path relative to /etc/prometheus. */
export function prometheusFiles(s: PrometheusSettings, rules: RuleSettings, peers: PeerAddresses): Record<string, string> {
  const files: Record<string, string> = { "prometheus.yml": renderPrometheusConfig(s, peers, CONTAINER_PATHS) };
  for (const [name, text] of Object.entries(renderRuleFiles(rules))) files[`rules/${name}`] = text;
  return files;
}

export function renderPrometheusConfig(
  s: PrometheusSettings,
  peers: PeerAddresses,
  paths: PrometheusRenderOptions = CONTAINER_PATHS,
): string {
  const probes = internalProbeTargets(s, peers);
  const on = s.services;
  const probeJob = (job: string, targets: { targets: string[]; labels: Record<string, string> }[]): ScrapeConfig[] =>
    on.blackboxExporter && targets.length
      ? [
          {
            job_name: job,
            metrics_path: "/probe",
            scrape_timeout: paths.probeScrapeTimeout ?? PROBE_SCRAPE_TIMEOUT,
            ...authFor("blackboxExporter", paths),
            static_configs: targets,
            relabel_configs: probeRelabeling(peers.blackboxExporter),
          },
        ]
      : [];
  const scrapeConfigs: ScrapeConfig[] = [
    staticJob("prometheus", peers.prometheus, authFor("prometheus", paths)),
    ...(on.cadvisor ? [staticJob("cadvisor", peers.cadvisor)] : []),
    ...(on.nodeExporter ? [staticJob("node_exporter", peers.nodeExporter)] : []),
    appJob("tutordex_collector", s.appTargets.collector, "collector"),
    appJob("tutordex_worker", s.appTargets.worker, "worker"),
    appJob("tutordex_backend", s.appTargets.backend, "backend"),
    ...probeJob("blackbox_http", probes.app),
    ...probeJob("blackbox_stack_ready", probes.stack),
    ...stackSelfJobs(peers, on, paths),
  ];
  if (s.publicProbes) {
    scrapeConfigs.push({
      job_name: "blackbox_http_public",
      metrics_path: "/probe",
      scrape_interval: paths.publicProbeInterval ?? "60s",
      scrape_timeout: paths.publicProbeTimeout ?? "20s",
      ...authFor("blackboxExporter", paths),
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
        ...(s.nativeHistograms ? NATIVE_HISTOGRAM_SCRAPE : {}),
      },
      // Every Alertmanager of the cluster gets every alert; their gossip makes one of them notify.
      alerting: {
        alertmanagers: [
          {
            ...authFor("alertmanager", paths),
            static_configs: [{ targets: [peers.alertmanager, ...(s.alertmanagerCluster?.peers.map((p) => p.api) ?? [])] }],
          },
        ],
      },
      rule_files: [`${paths.rulesDir}/${ALERT_RULES_FILE}`, `${paths.rulesDir}/${RECORDING_RULES_FILE}`],
      ...(s.remoteWrite ? { remote_write: remoteWriteConfigs(s.remoteWrite.stores, paths.secretsDir) } : {}),
      // OTLP metrics arrive through the collector: these resource attributes identify a service.
      otlp: { promote_resource_attributes: [...OTLP_PROMOTED_ATTRIBUTES] },
      // Batched OTLP pushes and Tempo's span metrics can arrive a little out of order.
      storage: { tsdb: { out_of_order_time_window: "30m" } },
      scrape_configs: scrapeConfigs,
    },
    GENERATED_HEADER,
  );
}

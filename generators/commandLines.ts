/**
 * The command lines of the programs the stack runs, as pure functions of their paths. The
 * components pass container paths; the live tier passes folders on loopback and adds only a
 * listen address, so the flags the tests run with are the flags that deploy.
 */
import { CONTAINER_VETHS, wholeName } from "../config/hostDevices";
import { COMPOSE_PROJECT_LABEL } from "../config/labels";

export interface PrometheusFlags {
  readonly configFile: string;
  readonly storagePath: string;
  readonly retention: string;
  /** Tempo's metrics generator remote-writes service-graph and span metrics. */
  readonly remoteWriteReceiver: boolean;
  /** The exporter-toolkit web config (generators/apiAuth.ts): every HTTP request needs the password. */
  readonly webConfigFile: string;
}

/**
 * How often Prometheus compares its config and rule files with what it loaded. config-sync waits
 * for the reload this brings (components/configSync.ts), so a rule edit is live within it.
 */
export const PROMETHEUS_AUTO_RELOAD_INTERVAL = "5s";

export function prometheusArgs(f: PrometheusFlags): string[] {
  return [
    `--config.file=${f.configFile}`,
    `--storage.tsdb.path=${f.storagePath}`,
    `--storage.tsdb.retention.time=${f.retention}`,
    // No --web.enable-lifecycle: /-/quit and /-/reload would let anyone who reaches the port stop
    // or reload monitoring. Prometheus reloads its files itself when config-sync changes them.
    "--config.auto-reload",
    `--config.auto-reload-interval=${PROMETHEUS_AUTO_RELOAD_INTERVAL}`,
    `--web.config.file=${f.webConfigFile}`,
    // The OTEL Collector forwards the applications' OTLP metrics here.
    "--web.enable-otlp-receiver",
    ...(f.remoteWriteReceiver ? ["--web.enable-remote-write-receiver"] : []),
    // Exemplars carry trace ids from histograms to Tempo; the snapshot makes restarts replay less WAL.
    "--enable-feature=exemplar-storage,memory-snapshot-on-shutdown",
  ];
}

export interface AlertmanagerClusterFlags {
  /** host:port gossip binds to inside its network namespace (0.0.0.0:9094 in the container). */
  readonly listenAddress: string;
  /** host:port the peers dial: this host's cluster address and published gossip port. */
  readonly advertiseAddress: string;
  readonly peerName: string;
  readonly peerTimeout: string;
  /** The other Alertmanagers' gossip addresses (host:port). */
  readonly peers: readonly string[];
}

export interface AlertmanagerFlags {
  readonly configFile: string;
  readonly storagePath: string;
  readonly externalUrl: string;
  /**
   * The exporter-toolkit web config with the API password; undefined in a cluster, whose peers'
   * Prometheus have no way yet to share it (docs/threat-model.md, "What stays open").
   */
  readonly webConfigFile?: string;
  /** Undefined: a single instance. */
  readonly cluster?: AlertmanagerClusterFlags;
}

export function alertmanagerArgs(f: AlertmanagerFlags): string[] {
  const c = f.cluster;
  return [
    `--config.file=${f.configFile}`,
    `--storage.path=${f.storagePath}`,
    `--web.external-url=${f.externalUrl}`,
    ...(f.webConfigFile ? [`--web.config.file=${f.webConfigFile}`] : []),
    ...(c
      ? [
          `--cluster.listen-address=${c.listenAddress}`,
          `--cluster.advertise-address=${c.advertiseAddress}`,
          // A fixed name orders the peers the same way after every restart: position 0 notifies
          // first, each later one waits a peer timeout more and sends only what the others did not.
          `--cluster.peer-name=${c.peerName}`,
          `--cluster.peer-timeout=${c.peerTimeout}`,
          ...c.peers.map((p) => `--cluster.peer=${p}`),
        ]
      : // A single instance: no gossip port to expose or secure.
        ["--cluster.listen-address="]),
  ];
}

export interface NodeExporterFlags {
  /** Where the host's root file system is mounted (the container runs in the host's namespaces). */
  readonly rootfs: string;
  readonly textfileDir: string;
  /** host:port it listens on; the stack network's gateway, so only the stack can reach it. */
  readonly listenAddress: string;
}

/**
 * node_exporter runs in the host's network namespace, so it sees every container's veth: about
 * 35 series each, and a new device at every recreation of a container. They are left out at the
 * source, as kube-prometheus's node-exporter does; cAdvisor already counts each container's
 * traffic. Docker's bridges stay: there are few, and they change only with the networks.
 */
export function nodeExporterArgs(f: NodeExporterFlags): string[] {
  return [
    `--path.rootfs=${f.rootfs}`,
    `--web.listen-address=${f.listenAddress}`,
    "--no-collector.netstat",
    "--no-collector.softnet",
    `--collector.netdev.device-exclude=${wholeName(CONTAINER_VETHS)}`,
    `--collector.netclass.ignored-devices=${wholeName(CONTAINER_VETHS)}`,
    `--collector.textfile.directory=${f.textfileDir}`,
  ];
}

/**
 * cAdvisor. -store_container_labels=false: by default cAdvisor copies every Docker label into
 * every series as container_label_*, and adds its own `restartcount` label once Docker has
 * restarted a container (container/docker/handler.go). That label makes each restart a new
 * series, so no series ever changes value and ContainerRestarted, which counts changes of
 * container_start_time_seconds per series, never fires; and each restart churns every cAdvisor
 * series of the container. It keeps one label, the compose project: the stack's rules watch the
 * application's containers by it (rules/context.ts), and a container's project never changes, so
 * it adds no series.
 */
export function cadvisorArgs(f: { readonly disabledMetrics: string }): string[] {
  return [
    "-docker_only",
    `-disable_metrics=${f.disabledMetrics}`,
    "-store_container_labels=false",
    `-whitelisted_container_labels=${COMPOSE_PROJECT_LABEL}`,
  ];
}

/** `/probe` answers only Prometheus (the web config's password), so nobody else can aim it at the stack. */
export function blackboxArgs(f: { readonly configFile: string; readonly webConfigFile: string }): string[] {
  return [`--config.file=${f.configFile}`, `--web.config.file=${f.webConfigFile}`];
}

export function otelCollectorArgs(f: { readonly configFile: string }): string[] {
  return [`--config=${f.configFile}`];
}

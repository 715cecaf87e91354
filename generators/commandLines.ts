/**
 * The command lines of the programs the stack runs, as pure functions of their paths. The
 * components pass container paths; the live tier passes folders on loopback and adds only a
 * listen address, so the flags the tests run with are the flags that deploy.
 */

export interface PrometheusFlags {
  readonly configFile: string;
  readonly storagePath: string;
  readonly retention: string;
  /** Tempo's metrics generator remote-writes service-graph and span metrics. */
  readonly remoteWriteReceiver: boolean;
}

export function prometheusArgs(f: PrometheusFlags): string[] {
  return [
    `--config.file=${f.configFile}`,
    `--storage.tsdb.path=${f.storagePath}`,
    `--storage.tsdb.retention.time=${f.retention}`,
    // config-sync reloads over HTTP; without it no rule edit would ever load.
    "--web.enable-lifecycle",
    // The OTEL Collector forwards the applications' OTLP metrics here.
    "--web.enable-otlp-receiver",
    ...(f.remoteWriteReceiver ? ["--web.enable-remote-write-receiver"] : []),
    // Exemplars carry trace ids from histograms to Tempo; the snapshot makes restarts replay less WAL.
    "--enable-feature=exemplar-storage,memory-snapshot-on-shutdown",
  ];
}

export interface AlertmanagerFlags {
  readonly configFile: string;
  readonly storagePath: string;
  readonly externalUrl: string;
}

export function alertmanagerArgs(f: AlertmanagerFlags): string[] {
  return [
    `--config.file=${f.configFile}`,
    `--storage.path=${f.storagePath}`,
    `--web.external-url=${f.externalUrl}`,
    // A single instance: no gossip port to expose or secure.
    "--cluster.listen-address=",
  ];
}

export interface NodeExporterFlags {
  /** Where the host's root file system is mounted (the container runs in the host's namespaces). */
  readonly rootfs: string;
  readonly textfileDir: string;
  /** host:port it listens on; the stack network's gateway, so only the stack can reach it. */
  readonly listenAddress: string;
}

export function nodeExporterArgs(f: NodeExporterFlags): string[] {
  return [
    `--path.rootfs=${f.rootfs}`,
    `--web.listen-address=${f.listenAddress}`,
    "--no-collector.netstat",
    "--no-collector.softnet",
    `--collector.textfile.directory=${f.textfileDir}`,
  ];
}

export function blackboxArgs(f: { readonly configFile: string }): string[] {
  return [`--config.file=${f.configFile}`];
}

export function otelCollectorArgs(f: { readonly configFile: string }): string[] {
  return [`--config=${f.configFile}`];
}

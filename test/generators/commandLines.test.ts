import { ALERTMANAGER_CONFIG_DIR, ALERTMANAGER_DATA_DIR } from "../../components/alertmanager";
import {
  BLACKBOX_CONFIG_FILE,
  CADVISOR_DISABLED_METRICS,
  NODE_EXPORTER_ROOTFS,
  NODE_EXPORTER_TEXTFILE_DIR,
} from "../../components/exporters";
import { PROMETHEUS_CONFIG_DIR, PROMETHEUS_DATA_DIR } from "../../components/prometheus";
import { OTEL_CONFIG_FILE } from "../../components/traces";
import {
  alertmanagerArgs,
  blackboxArgs,
  cadvisorArgs,
  nodeExporterArgs,
  otelCollectorArgs,
  prometheusArgs,
} from "../../generators/commandLines";

/**
 * Every command line of generators/commandLines.ts, whole and in order, built from the container
 * paths the components pass (test/program/stack.test.ts sees the same lines on the deployed
 * containers; these run in milliseconds). Expected values are docs/spec.md §1 literals.
 */

describe("Prometheus's command line", () => {
  const deployed = (remoteWriteReceiver: boolean) =>
    prometheusArgs({
      configFile: `${PROMETHEUS_CONFIG_DIR}/prometheus.yml`,
      storagePath: PROMETHEUS_DATA_DIR,
      retention: "15d",
      remoteWriteReceiver,
      webConfigFile: "/etc/prometheus-secrets/web.yml",
    });

  it("reads its config and TSDB from the container paths, keeps 15 d, reloads its own files, answers only with the web config's credentials, takes OTLP, stores exemplars and snapshots on shutdown", () => {
    expect(deployed(false)).toEqual([
      "--config.file=/etc/prometheus/prometheus.yml",
      "--storage.tsdb.path=/prometheus",
      "--storage.tsdb.retention.time=15d",
      "--config.auto-reload",
      "--config.auto-reload-interval=5s",
      "--web.config.file=/etc/prometheus-secrets/web.yml",
      "--web.enable-otlp-receiver",
      "--enable-feature=exemplar-storage,memory-snapshot-on-shutdown",
    ]);
  });

  it("accepts remote writes (Tempo's metrics generator) only when asked, before the feature flags", () => {
    expect(deployed(true)).toEqual([
      "--config.file=/etc/prometheus/prometheus.yml",
      "--storage.tsdb.path=/prometheus",
      "--storage.tsdb.retention.time=15d",
      "--config.auto-reload",
      "--config.auto-reload-interval=5s",
      "--web.config.file=/etc/prometheus-secrets/web.yml",
      "--web.enable-otlp-receiver",
      "--web.enable-remote-write-receiver",
      "--enable-feature=exemplar-storage,memory-snapshot-on-shutdown",
    ]);
  });

  it("never enables the lifecycle API (/-/quit, /-/reload) or the admin API", () => {
    for (const receiver of [false, true]) expect(deployed(receiver).filter((a) => /lifecycle|admin-api/.test(a))).toEqual([]);
  });

  it("passes paths and retention through untouched, spaces and all (one argument each, no shell)", () => {
    expect(
      prometheusArgs({
        configFile: "/tmp/a b/p.yml",
        storagePath: "/tmp/ü & <x>",
        retention: "1d12h",
        remoteWriteReceiver: false,
        webConfigFile: "/w",
      }).slice(0, 3),
    ).toEqual(["--config.file=/tmp/a b/p.yml", "--storage.tsdb.path=/tmp/ü & <x>", "--storage.tsdb.retention.time=1d12h"]);
  });
});

describe("Alertmanager's command line", () => {
  const base = {
    configFile: `${ALERTMANAGER_CONFIG_DIR}/alertmanager.yml`,
    storagePath: ALERTMANAGER_DATA_DIR,
    externalUrl: "https://am.example.test/?a=1&b=<2>",
  };

  it("a single instance: config, silences on its volume, its external URL, its web config, and gossip switched off", () => {
    expect(alertmanagerArgs({ ...base, webConfigFile: "/etc/alertmanager-secrets/web.yml" })).toEqual([
      "--config.file=/etc/alertmanager/alertmanager.yml",
      "--storage.path=/alertmanager",
      "--web.external-url=https://am.example.test/?a=1&b=<2>",
      "--web.config.file=/etc/alertmanager-secrets/web.yml",
      "--cluster.listen-address=",
    ]);
  });

  it("a cluster member: listens, advertises, names itself, waits its peer timeout and dials each peer, in that order", () => {
    const cluster = {
      listenAddress: "0.0.0.0:9094",
      advertiseAddress: "10.0.0.5:9094",
      peerName: "prod",
      peerTimeout: "15s",
      peers: ["10.0.0.6:9094", "10.0.0.7:9095"],
    };
    expect(alertmanagerArgs({ ...base, cluster })).toEqual([
      "--config.file=/etc/alertmanager/alertmanager.yml",
      "--storage.path=/alertmanager",
      "--web.external-url=https://am.example.test/?a=1&b=<2>",
      "--cluster.listen-address=0.0.0.0:9094",
      "--cluster.advertise-address=10.0.0.5:9094",
      "--cluster.peer-name=prod",
      "--cluster.peer-timeout=15s",
      "--cluster.peer=10.0.0.6:9094",
      "--cluster.peer=10.0.0.7:9095",
    ]);
  });

  it("a cluster member with no peer yet still gossips (no empty --cluster.peer, no switched-off listen address)", () => {
    const args = alertmanagerArgs({
      ...base,
      cluster: { listenAddress: "0.0.0.0:9094", advertiseAddress: "10.0.0.5:9094", peerName: "a", peerTimeout: "30s", peers: [] },
    });
    expect(args.slice(3)).toEqual([
      "--cluster.listen-address=0.0.0.0:9094",
      "--cluster.advertise-address=10.0.0.5:9094",
      "--cluster.peer-name=a",
      "--cluster.peer-timeout=30s",
    ]);
  });
});

describe("the exporters' and the collector's command lines", () => {
  it("node_exporter reads the host through its rootfs mount, listens where it is told, skips netstat and softnet and the containers' veths, and reads the textfile folder", () => {
    expect(
      nodeExporterArgs({ rootfs: NODE_EXPORTER_ROOTFS, textfileDir: NODE_EXPORTER_TEXTFILE_DIR, listenAddress: "172.31.0.1:9100" }),
    ).toEqual([
      "--path.rootfs=/host",
      "--web.listen-address=172.31.0.1:9100",
      "--no-collector.netstat",
      "--no-collector.softnet",
      "--collector.netdev.device-exclude=^(?:veth.+)$",
      "--collector.netclass.ignored-devices=^(?:veth.+)$",
      "--collector.textfile.directory=/textfile",
    ]);
  });

  it("cAdvisor watches Docker only, with SPEC §1's disabled metrics less diskIO (the Infra dashboard's disk I/O panel), and copies only the compose project of the container labels", () => {
    expect(cadvisorArgs({ disabledMetrics: CADVISOR_DISABLED_METRICS })).toEqual([
      "-docker_only",
      "-disable_metrics=advtcp,cpu_topology,cpuset,disk,hugetlb,memory_numa,process,referenced_memory,resctrl,sched,tcp,udp",
      "-store_container_labels=false",
      "-whitelisted_container_labels=com.docker.compose.project",
    ]);
  });

  it("blackbox_exporter reads its config and web config, the OTEL Collector only its config file", () => {
    expect(blackboxArgs({ configFile: BLACKBOX_CONFIG_FILE, webConfigFile: "/etc/blackbox-exporter-secrets/web.yml" })).toEqual([
      "--config.file=/etc/blackbox_exporter/tutordex.yml",
      "--web.config.file=/etc/blackbox-exporter-secrets/web.yml",
    ]);
    expect(otelCollectorArgs({ configFile: OTEL_CONFIG_FILE })).toEqual(["--config=/etc/otelcol/tutordex.yml"]);
  });
});

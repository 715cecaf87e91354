import { HOST_ALERTS } from "../rules/alerts/host";
import { FS_FILTER, hostCpuBusy } from "../rules/expressions";
import { dashboard, prom, timeseries } from "./builder";
import { RATE, VARIABLES } from "./queries";

/** Seconds of a certificate alert's default threshold, so the panel turns colour where the alert fires. */
const certThreshold = (alert: string) => HOST_ALERTS.find((a) => a.alert === alert)!.threshold;

export const infra = dashboard({
  uid: "tutordex-infra",
  title: "TutorDex Infra",
  description: "Scrape and probe health, the host (node_exporter), every container (cAdvisor) and the public certificate.",
  variables: [VARIABLES.service],
  panels: [
    timeseries("Scrape health", [prom('up{job=~"$service"}', "{{job}} {{instance}}")], { min: 0, max: 1 }),
    timeseries("Probe success", [prom("probe_success", "{{job}} {{instance}}")], { min: 0, max: 1 }),
    timeseries(
      "Host disk free",
      [prom(`node_filesystem_avail_bytes{${FS_FILTER}} / node_filesystem_size_bytes{${FS_FILTER}}`, "{{mountpoint}}")],
      { unit: "percentunit", min: 0, max: 1 },
    ),
    timeseries("Host CPU busy", [prom(hostCpuBusy("instance", RATE), "busy")], { unit: "percentunit", min: 0, max: 1 }),
    timeseries("Host memory used", [prom("1 - node_memory_MemAvailable_bytes / node_memory_MemTotal_bytes", "used")], {
      unit: "percentunit",
      min: 0,
      max: 1,
    }),
    timeseries("Host load", [prom("node_load1", "1m"), prom("node_load5", "5m"), prom("node_load15", "15m")]),
    timeseries(
      "Host network",
      [
        prom("tutordex:host:network_receive_bytes_per_s", "rx {{device}}"),
        prom("tutordex:host:network_transmit_bytes_per_s", "tx {{device}}"),
      ],
      { unit: "Bps" },
    ),
    timeseries("Container CPU", [prom("tutordex:container:cpu_usage_per_s", "{{name}}")], {
      unit: "percentunit",
    }),
    timeseries("Container memory", [prom("tutordex:container:memory_working_set_bytes", "{{name}}")], { unit: "bytes" }),
    timeseries(
      "Container network",
      [
        prom("tutordex:container:network_receive_bytes_per_s", "rx {{name}}"),
        prom("tutordex:container:network_transmit_bytes_per_s", "tx {{name}}"),
      ],
      { unit: "Bps" },
    ),
    timeseries(
      "Container disk I/O",
      [
        prom("tutordex:container:fs_reads_bytes_per_s", "read {{name}}"),
        prom("tutordex:container:fs_writes_bytes_per_s", "write {{name}}"),
      ],
      { unit: "Bps", width: 24 },
    ),
    // What the host and container alerts watch, each drawn as the alert computes it.
    timeseries("Disk forecast: free in 24h", [prom("tutordex:host:filesystem_avail_bytes_forecast_24h", "{{mountpoint}}")], {
      unit: "bytes",
      description: "Free space 24 hours ahead at the trend of the last 6 hours (HostDiskFillingUp). Below zero: full within a day.",
      thresholds: [
        { value: null, color: "red" },
        { value: 0, color: "green" },
      ],
    }),
    timeseries("Container memory vs limit", [prom("tutordex:container:memory_limit_fraction", "{{name}}")], {
      unit: "percentunit",
      min: 0,
      max: 1,
      description:
        "Working set as a share of the container's memory limit; containers without a limit are left out (ContainerMemoryNearLimit).",
    }),
    timeseries("Container starts seen (15m)", [prom("tutordex:container:starts_seen_15m", "{{name}}")], {
      description: "Starts of each container seen in the last 15 minutes; more than one is a restart loop (ContainerRestarted).",
    }),
    timeseries("Container OOM kills (15m)", [prom("tutordex:container:oom_events_increase_15m", "{{name}}")], {
      description: "Processes the kernel killed for memory inside each container (ContainerOomKilled).",
    }),
    timeseries(
      "Public TLS certificate expires in",
      [prom('probe_ssl_earliest_cert_expiry{job="blackbox_http_public"} - time()', "{{instance}}")],
      {
        unit: "s",
        width: 24,
        description:
          "Time left before the earliest certificate of each public probe's chain expires (PublicCertExpiringSoon, PublicCertExpiryImminent).",
        thresholds: [
          { value: null, color: "red" },
          { value: certThreshold("PublicCertExpiryImminent"), color: "yellow" },
          { value: certThreshold("PublicCertExpiringSoon"), color: "green" },
        ],
      },
    ),
  ],
});

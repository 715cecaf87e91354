import { dashboard, prom, timeseries } from "./builder";
import { RATE, VARIABLES } from "./queries";

const FS = 'fstype!~"tmpfs|overlay|squashfs|fuse.snapfuse|nsfs",mountpoint!~"/snap(/.*)?|/var/lib/docker/overlay2(/.*)?|/run/docker(/.*)?|/mnt/wsl(/.*)?"';
const NAMED = 'name!=""';

export const infra = dashboard({
  uid: "tutordex-infra",
  title: "TutorDex Infra",
  description: "Scrape and probe health, the host (node_exporter) and every container (cAdvisor).",
  variables: [VARIABLES.service],
  panels: [
    timeseries("Scrape health", [prom('up{job=~"$service"}', "{{job}} {{instance}}")], { min: 0, max: 1 }),
    timeseries("Probe success", [prom("probe_success", "{{job}} {{instance}}")], { min: 0, max: 1 }),
    timeseries("Host disk free", [prom(`node_filesystem_avail_bytes{${FS}} / node_filesystem_size_bytes{${FS}}`, "{{mountpoint}}")], { unit: "percentunit", min: 0, max: 1 }),
    timeseries("Host CPU busy", [prom(`1 - avg(rate(node_cpu_seconds_total{mode="idle"}[${RATE}]))`, "busy")], { unit: "percentunit", min: 0, max: 1 }),
    timeseries("Host memory used", [prom("1 - node_memory_MemAvailable_bytes / node_memory_MemTotal_bytes", "used")], { unit: "percentunit", min: 0, max: 1 }),
    timeseries("Host load", [prom("node_load1", "1m"), prom("node_load5", "5m"), prom("node_load15", "15m")]),
    timeseries("Host network", [
      prom(`sum by (device) (rate(node_network_receive_bytes_total{device!="lo"}[${RATE}]))`, "rx {{device}}"),
      prom(`sum by (device) (rate(node_network_transmit_bytes_total{device!="lo"}[${RATE}]))`, "tx {{device}}"),
    ], { unit: "Bps" }),
    timeseries("Container CPU", [prom(`sum by (name) (rate(container_cpu_usage_seconds_total{${NAMED}}[${RATE}]))`, "{{name}}")], { unit: "percentunit" }),
    timeseries("Container memory", [prom(`sum by (name) (container_memory_working_set_bytes{${NAMED}})`, "{{name}}")], { unit: "bytes" }),
    timeseries("Container network", [
      prom(`sum by (name) (rate(container_network_receive_bytes_total{${NAMED}}[${RATE}]))`, "rx {{name}}"),
      prom(`sum by (name) (rate(container_network_transmit_bytes_total{${NAMED}}[${RATE}]))`, "tx {{name}}"),
    ], { unit: "Bps" }),
    timeseries("Container disk I/O", [
      prom(`sum by (name) (rate(container_fs_reads_bytes_total{${NAMED}}[${RATE}]))`, "read {{name}}"),
      prom(`sum by (name) (rate(container_fs_writes_bytes_total{${NAMED}}[${RATE}]))`, "write {{name}}"),
    ], { unit: "Bps", width: 24 }),
  ],
});

import { FS_FILTER, hostCpuBusy, overWatched } from "../expressions";
import { AlertDefinition } from "../model";

/**
 * Fill forecasts only for disks already less than 40% free, as node_exporter's own mixin does: a
 * mostly empty disk that takes a burst (an image pull, a backup) would otherwise forecast "full"
 * from a few steep hours.
 */
const FORECAST_BELOW_FREE = 0.4;

/** Host, container and certificate alerts (issue 14): what a single Docker host needs watched. */
/** Processes the kernel OOM-killed in each watched container over 15 minutes, per container name. */
export const containerOomKills = (watched: readonly string[]) =>
  `sum by (name) (${overWatched(watched, (m) => `increase(container_oom_events_total{${m}}[15m])`)})`;

/** Each watched container's working set as a share of its memory limit; containers without a limit are left out. */
export const containerMemoryShare = (watched: readonly string[]) =>
  `max by (name) (${overWatched(watched, (m) => `container_memory_working_set_bytes{${m}} / (container_spec_memory_limit_bytes{${m}} > 0)`)})`;

export const HOST_ALERTS = [
  {
    alert: "HostDiskFillingUp",
    group: "infra",
    // Hours ahead; the 6h regression window smooths log rotation and compaction saw-teeth.
    threshold: 24,
    expr: (t) =>
      `node_filesystem_avail_bytes{${FS_FILTER}} / node_filesystem_size_bytes{${FS_FILTER}} < ${FORECAST_BELOW_FREE} ` +
      `and predict_linear(node_filesystem_avail_bytes{${FS_FILTER}}[6h], ${t} * 3600) < 0`,
    for: "1h",
    severity: "warning",
    component: "infra",
    summary: "Disk {{ $labels.mountpoint }} is predicted to fill up",
    description:
      "{{ $value | humanizePercentage }} free on {{ $labels.mountpoint }} ({{ $labels.device }}) and falling fast enough, at the rate of the last 6 hours, to run out within the alert's horizon (24h unless overridden).",
    dashboard: "tutordex-infra",
  },
  {
    // MemAvailable is the kernel's own estimate of memory that can be had without swapping
    // (reclaimable cache included) and exists on every kernel. PSI (node_pressure_memory_*) is
    // a sharper signal of stalls but only on kernels built with CONFIG_PSI and booted with it
    // on; node_exporter then just omits the metric, so an alert on it could stay silently quiet.
    alert: "HostMemoryPressure",
    group: "infra",
    threshold: 0.1,
    expr: (t) => `node_memory_MemAvailable_bytes / node_memory_MemTotal_bytes < ${t}`,
    for: "10m",
    severity: "warning",
    component: "infra",
    summary: "Host {{ $labels.instance }} is running out of memory",
    description:
      "Only {{ $value | humanizePercentage }} of the host's memory is available on {{ $labels.instance }}; the kernel will soon OOM-kill containers.",
    dashboard: "tutordex-infra",
  },
  {
    alert: "HostCpuSaturated",
    group: "infra",
    threshold: 0.9,
    // The same busy fraction the Infra dashboard draws: all CPUs, everything but idle and iowait.
    expr: (t) => `${hostCpuBusy("instance", "5m")} > ${t}`,
    for: "15m",
    severity: "warning",
    component: "infra",
    summary: "Host {{ $labels.instance }} CPU is saturated",
    description:
      "The host's CPUs on {{ $labels.instance }} have been {{ $value | humanizePercentage }} busy for 15 minutes; every container is slowed down.",
    dashboard: "tutordex-infra",
  },
  {
    // cAdvisor counts OOM kills inside a container's cgroup (container_oom_events_total, from
    // memory.events). A kill of the container's main process ends the cgroup, so that case is
    // ContainerRestarted's to report; this one catches killed workers inside a living container.
    alert: "ContainerOomKilled",
    group: "infra",
    threshold: 0,
    expr: (t, ctx) => `${containerOomKills(ctx.watchedContainers)} > ${t}`,
    for: "0m",
    severity: "warning",
    component: "infra",
    summary: "Container {{ $labels.name }} had a process OOM-killed",
    description: "The kernel killed {{ $value | humanize }} process(es) for lack of memory in {{ $labels.name }} in the last 15 minutes.",
    dashboard: "tutordex-infra",
  },
  {
    // Containers without a limit report container_spec_memory_limit_bytes 0; "> 0" leaves them out.
    alert: "ContainerMemoryNearLimit",
    group: "infra",
    threshold: 0.9,
    expr: (t, ctx) => `${containerMemoryShare(ctx.watchedContainers)} > ${t}`,
    for: "10m",
    severity: "warning",
    component: "infra",
    summary: "Container {{ $labels.name }} is close to its memory limit",
    description: "{{ $labels.name }} uses {{ $value | humanizePercentage }} of its memory limit; at the limit the kernel OOM-kills it.",
    dashboard: "tutordex-infra",
  },
  {
    // Seconds; blackbox reports the earliest expiry in the chain the server presents.
    alert: "PublicCertExpiringSoon",
    group: "infra",
    threshold: 14 * 86400,
    expr: (t) => `probe_ssl_earliest_cert_expiry{job="blackbox_http_public"} - time() < ${t}`,
    for: "10m",
    severity: "warning",
    component: "infra",
    summary: "TLS certificate of {{ $labels.instance }} expires soon",
    description:
      "The certificate served for {{ $labels.public_host }} ({{ $labels.instance }}) expires in {{ $value | humanizeDuration }}.",
    dashboard: "tutordex-infra",
  },
  {
    alert: "PublicCertExpiryImminent",
    group: "infra",
    threshold: 3 * 86400,
    expr: (t) => `probe_ssl_earliest_cert_expiry{job="blackbox_http_public"} - time() < ${t}`,
    for: "10m",
    severity: "critical",
    component: "infra",
    summary: "TLS certificate of {{ $labels.instance }} is about to expire",
    description:
      "The certificate served for {{ $labels.public_host }} ({{ $labels.instance }}) expires in {{ $value | humanizeDuration }}; clients will refuse the API after that.",
    dashboard: "tutordex-infra",
  },
] as const satisfies readonly AlertDefinition[];

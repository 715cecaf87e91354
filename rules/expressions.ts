import { CONTAINER_VETHS, DOCKER_BRIDGES } from "../config/hostDevices";

/** PromQL fragments shared by alerts, recording rules and dashboards, so each is spelled once. */

/**
 * Real file systems only: node_exporter also reports tmpfs, container overlays, snap squashfs
 * images, namespace mounts and WSL's own mounts, which fill up by design or are not ours.
 */
export const FS_FILTER =
  'fstype!~"tmpfs|overlay|squashfs|fuse.snapfuse|nsfs",mountpoint!~"/snap(/.*)?|/var/lib/docker/overlay2(/.*)?|/run/docker(/.*)?|/mnt/wsl(/.*)?"';

/**
 * The host's own network interfaces: not loopback, Docker's bridges, or the veth end of every
 * container. A container's traffic crosses its veth, its bridge and then the NIC, so counting
 * those too counts it two or three times; cAdvisor already shows it per container. The stack's
 * node_exporter leaves the veths out already (generators/commandLines.ts); the filter names them
 * too, so the host's figures never depend on a node_exporter flag.
 */
export const HOST_NIC_FILTER = `device!~"lo|${CONTAINER_VETHS}|${DOCKER_BRIDGES}"`;

/**
 * A quantile that works whether the histogram is scraped classic (`_bucket` series), native, or
 * both (`nativeHistograms: true` keeps the classic buckets too): the classic form where it exists,
 * else the native one. Both sides carry the same labels, so `or` never shows a series twice.
 * `selector` is the matchers in braces, or empty.
 */
export const histogramQuantile = (q: number, histogram: string, by: string, window: string, selector = "") =>
  `histogram_quantile(${q}, sum by (le${by ? `, ${by}` : ""}) (rate(${histogram}_bucket${selector}[${window}]))) or ` +
  `histogram_quantile(${q}, sum${by ? ` by (${by})` : ""} (rate(${histogram}${selector}[${window}])))`;

/**
 * part / (part + other), as a share that exists whenever either side has a series: an absent side
 * counts as zero (a counter with labels appears only once it first counts, so a channel that never
 * failed has no failure series), and nothing on either side is 0, not NaN. A plain `a / (a + b)`
 * answers nothing at all for the channel that never failed.
 */
export const fraction = (part: string, other: string) => {
  const orZero = (present: string, absent: string) => `(${present} or (${absent} * 0))`;
  return `${orZero(part, other)} / clamp_min(${orZero(part, other)} + ${orZero(other, part)}, 1e-06)`;
};

/**
 * The share of a host's CPU time spent running something, per instance, over `window`. Time in
 * iowait is idle time: the CPU had nothing to run while a task waited for its disk (proc(5); the
 * node_exporter mixin counts it as idle too), so a slow disk does not read as busy CPU. Steal
 * stays busy: the hypervisor ran someone else while our tasks wanted the CPU.
 */
export const hostCpuBusy = (by: string, window: string) =>
  `1 - avg by (${by}) (sum without (mode) (rate(node_cpu_seconds_total{mode=~"idle|iowait"}[${window}])))`;

/** Labels every pipeline alert keeps, and how its description names them. */
export const PVSV = "pipeline_version, schema_version";
export const PV_SV = "pipeline_version={{ $labels.pipeline_version }} schema_version={{ $labels.schema_version }}";

/** sum by (by) (rate(metric[window])) > t */
export const rateAbove = (metric: string, by: string, window: string) => (t: number) =>
  `sum by (${by}) (rate(${metric}[${window}])) > ${t}`;

/** Gives every sample of `expr` the label `name="value"`, so differently named series can share one alert. */
export const withLabel = (expr: string, name: string, value: string) => `label_replace(${expr}, "${name}", "${value}", "", "")`;

/**
 * `expr` over each set of watched containers (RuleContext.watchedContainers), joined with `or`: a
 * selector matches on one label at a time, and the sets are told apart by different labels.
 * `expr` receives the set's label matchers, to place inside a metric's braces.
 */
export const overWatched = (watched: readonly string[], expr: (matchers: string) => string) =>
  watched.map((m) => `(${expr(m)})`).join(" or ");

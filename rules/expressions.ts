/** PromQL fragments shared by alerts, recording rules and dashboards, so each is spelled once. */

/**
 * Real file systems only: node_exporter also reports tmpfs, container overlays, snap squashfs
 * images, namespace mounts and WSL's own mounts, which fill up by design or are not ours.
 */
export const FS_FILTER =
  'fstype!~"tmpfs|overlay|squashfs|fuse.snapfuse|nsfs",mountpoint!~"/snap(/.*)?|/var/lib/docker/overlay2(/.*)?|/run/docker(/.*)?|/mnt/wsl(/.*)?"';

/** Labels every pipeline alert keeps, and how its description names them. */
export const PVSV = "pipeline_version, schema_version";
export const PV_SV = "pipeline_version={{ $labels.pipeline_version }} schema_version={{ $labels.schema_version }}";

/** sum by (by) (rate(metric[window])) > t */
export const rateAbove = (metric: string, by: string, window: string) => (t: number) => `sum by (${by}) (rate(${metric}[${window}])) > ${t}`;

/** Gives every sample of `expr` the label `name="value"`, so differently named series can share one alert. */
export const withLabel = (expr: string, name: string, value: string) => `label_replace(${expr}, "${name}", "${value}", "", "")`;

/** Seconds of a Prometheus duration written in one unit (15m, 6h, 14d). */
export function seconds(duration: string): number {
  const m = /^(\d+)([smhd])$/.exec(duration);
  if (!m) throw new Error(`expected a single-unit duration such as 15m, got ${duration}`);
  return Number(m[1]) * { s: 1, m: 60, h: 3600, d: 86400 }[m[2] as "s" | "m" | "h" | "d"];
}

/**
 * Prometheus's text exposition format (version 0.0.4), written once for everything that serves
 * /metrics: the Telegram bridge (bridge/src/metrics.ts), the simulated TutorDex
 * (simulator/src/exposition.ts) and the test tiers' stand-ins. Each is bundled on its own into a
 * stock Node image, so this module imports nothing: a bundle that takes it takes only it.
 */

/** The Content-Type of a text-format /metrics answer. */
export const EXPOSITION_CONTENT_TYPE = "text/plain; version=0.0.4";

export type Labels = Readonly<Record<string, string>>;
export type MetricType = "counter" | "gauge" | "histogram";

/** A label value as the format writes it: backslash, double quote and line feed escaped. */
export const escapeLabelValue = (value: string) => value.replace(/\\/g, "\\\\").replace(/"/g, '\\"').replace(/\n/g, "\\n");

/** HELP text: backslash and line feed escaped (a raw line feed would end the line). */
const escapeHelp = (help: string) => help.replace(/\\/g, "\\\\").replace(/\n/g, "\\n");

/** `{a="1",b="2"}` in the order given, or nothing without labels. */
export function labelSet(labels: Labels): string {
  const parts = Object.entries(labels).map(([k, v]) => `${k}="${escapeLabelValue(v)}"`);
  return parts.length ? `{${parts.join(",")}}` : "";
}

/** The same labels sorted by name: one spelling per set, for keys and stable output. */
export const sortedLabels = (labels: Labels): Labels =>
  Object.fromEntries(Object.entries(labels).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)));

/** A sample's value; infinities as the format spells them. */
export const sampleValue = (value: number) => (value === Infinity ? "+Inf" : value === -Infinity ? "-Inf" : String(value));

export const sample = (name: string, labels: Labels, value: number) => `${name}${labelSet(labels)} ${sampleValue(value)}`;

/** The lines before a family's samples: HELP (when there is help) and TYPE. */
export function familyHeader(name: string, type: MetricType, help?: string): string[] {
  return [...(help === undefined ? [] : [`# HELP ${name} ${escapeHelp(help)}`]), `# TYPE ${name} ${type}`];
}

/**
 * One histogram series: a cumulative bucket per upper bound (`counts[i]` observations at or below
 * `bounds[i]`), the +Inf bucket, _sum and _count.
 */
export function histogramSamples(
  name: string,
  labels: Labels,
  bounds: readonly number[],
  counts: readonly number[],
  sum: number,
  count: number,
): string[] {
  return [
    ...bounds.map((b, i) => sample(`${name}_bucket`, { ...labels, le: String(b) }, counts[i])),
    sample(`${name}_bucket`, { ...labels, le: "+Inf" }, count),
    sample(`${name}_sum`, labels, sum),
    sample(`${name}_count`, labels, count),
  ];
}

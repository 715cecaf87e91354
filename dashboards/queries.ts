/** Shared PromQL fragments, so every dashboard spells rates and quantiles the same way. */
export const RATE = "$__rate_interval";

export const CHANNEL = 'channel=~"$channel"';
export const PIPELINE = 'pipeline_version=~"$pipeline_version"';

export const sel = (...matchers: string[]) => (matchers.length ? `{${matchers.join(",")}}` : "");

/** sum by (labels) (rate(metric{matchers}[$__rate_interval])) */
export const rateBy = (metric: string, by: string, ...matchers: string[]) =>
  `sum${by ? ` by (${by})` : ""} (rate(${metric}${sel(...matchers)}[${RATE}]))`;

export const increaseBy = (metric: string, window: string, by: string, ...matchers: string[]) =>
  `sum${by ? ` by (${by})` : ""} (increase(${metric}${sel(...matchers)}[${window}]))`;

/**
 * A quantile that works whether the histogram is scraped classic (`_bucket` series), native, or
 * both (`nativeHistograms: true` keeps the classic buckets too): the classic form where it exists,
 * else the native one. Both sides carry the same labels, so `or` never shows a series twice.
 */
export const quantile = (q: number, histogram: string, by: string, ...matchers: string[]) =>
  `histogram_quantile(${q}, sum by (le${by ? `, ${by}` : ""}) (rate(${histogram}_bucket${sel(...matchers)}[${RATE}]))) or histogram_quantile(${q}, sum${by ? ` by (${by})` : ""} (rate(${histogram}${sel(...matchers)}[${RATE}])))`;

/** a / max(a + b, tiny): a share that is 0, not NaN, when nothing happened. */
export const share = (part: string, other: string) => `(${part}) / clamp_min((${part}) + (${other}), 1e-9)`;

export const VARIABLES = {
  channel: { name: "channel", label: "Channel", query: "label_values(collector_messages_seen_total, channel)" },
  pipelineVersion: { name: "pipeline_version", label: "Pipeline version", query: "label_values(queue_pending, pipeline_version)" },
  service: { name: "service", label: "Service (job)", query: "label_values(up, job)" },
} as const;

export const STALENESS_THRESHOLDS = [
  { value: null, color: "green" },
  { value: 1800, color: "yellow" },
  { value: 3600, color: "red" },
];

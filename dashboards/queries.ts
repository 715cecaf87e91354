import { histogramQuantile } from "../rules/expressions";

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

/** rules/expressions.ts's classic-or-native quantile over $__rate_interval. */
export const quantile = (q: number, histogram: string, by: string, ...matchers: string[]) =>
  histogramQuantile(q, histogram, by, RATE, sel(...matchers));

/**
 * A label-less sum that reads 0 rather than nothing while its counter has not counted yet (a
 * counter with labels has no series until its first increment): a stat or a ratio over it then
 * shows 0, not "No data". Only for sums without `by`: vector(0) carries no labels.
 */
export const zeroIfAbsent = (labelLessSum: string) => `(${labelLessSum} or vector(0))`;

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

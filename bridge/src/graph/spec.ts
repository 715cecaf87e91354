import { WebhookAlert } from "../payload";
import { RangeSeries } from "../prometheus";
import { GraphQuery } from "./query";
import { GraphSpec, MAX_SERIES_DRAWN } from "./render";

export interface GraphWindow {
  readonly startS: number;
  readonly endS: number;
  readonly stepS: number;
}

/** The last finite sample of a series (NaN, +Inf and the like are not drawn); NaN when it has none. */
function lastValue(values: RangeSeries["values"]): number {
  for (let i = values.length - 1; i >= 0; i--) {
    const v = Number(values[i][1]);
    if (Number.isFinite(v)) return v;
  }
  return NaN;
}

/**
 * What to draw from a query's answer. The series of the message's own alerts come first (the
 * series whose labels the alert carries), then the ones closest to breaking the threshold or past
 * it: the highest last value, or the lowest when the alert fires below its threshold. Legend names
 * are the labels that tell the series apart; a single series is named by all its labels.
 */
export function graphSpec(
  result: readonly RangeSeries[],
  query: GraphQuery,
  alerts: readonly WebhookAlert[],
  window: GraphWindow,
): GraphSpec {
  // Only the series drawn have their samples converted: an answer may hold hundreds of series.
  const series = result
    .map((s) => ({ metric: s.metric, values: s.values, last: lastValue(s.values) }))
    .filter((s) => !Number.isNaN(s.last));
  const own = (m: Readonly<Record<string, string>>) =>
    alerts.some((a) => Object.entries(m).every(([k, v]) => k === "__name__" || a.labels[k] === v));
  const below = query.threshold?.op.startsWith("<") === true;
  const rank = (v: number) => (below ? v : -v);
  const ordered = series.sort((a, b) => Number(own(b.metric)) - Number(own(a.metric)) || rank(a.last) - rank(b.last));
  const keys = [...new Set(result.flatMap((s) => Object.keys(s.metric)))].filter((k) => k !== "__name__").sort();
  const telling = result.length > 1 ? keys.filter((k) => new Set(result.map((s) => s.metric[k])).size > 1) : keys;
  const name = (m: Readonly<Record<string, string>>) =>
    telling
      .filter((k) => m[k] !== undefined)
      .map((k) => `${k}=${m[k]}`)
      .join(" ") || query.expr;
  const started = alerts.map((a) => (a.startsAt && !a.startsAt.startsWith("0001-") ? Date.parse(a.startsAt) : NaN)).filter(Number.isFinite);
  const drawn = ordered.slice(0, MAX_SERIES_DRAWN);
  return {
    series: drawn.map((s) => ({
      name: name(s.metric),
      points: s.values.map(([t, v]) => [t, Number(v)] as const).filter(([, v]) => Number.isFinite(v)),
    })),
    hidden: ordered.length - drawn.length,
    ...window,
    ...(query.threshold ? { threshold: query.threshold } : {}),
    ...(started.length ? { firingSinceS: Math.min(...started) / 1000 } : {}),
  };
}

import { GrafanaIntervals } from "../harness/queries";

/**
 * Grafana's "nice" interval below a raw one (pkg/promlib's gtime.RoundInterval): the step and
 * $__interval Grafana uses are range / maxDataPoints snapped to this table, never the raw quotient.
 */
const ROUNDING: readonly (readonly [upTo: number, nice: number])[] = [
  [0.01, 0.001],
  [0.015, 0.01],
  [0.035, 0.02],
  [0.075, 0.05],
  [0.15, 0.1],
  [0.35, 0.2],
  [0.75, 0.5],
  [1.5, 1],
  [3.5, 2],
  [7.5, 5],
  [12.5, 10],
  [17.5, 15],
  [25, 20],
  [45, 30],
  [90, 60],
  [210, 120],
  [450, 300],
  [750, 600],
  [1050, 900],
  [1500, 1200],
  [2700, 1800],
  [5400, 3600],
  [9000, 7200],
  [16200, 10800],
  [32400, 21600],
  [86400, 43200],
  [172800, 86400],
  [604800, 86400],
  [1814400, 604800],
];

export function roundInterval(seconds: number): number {
  for (const [upTo, nice] of ROUNDING) if (seconds <= upTo) return nice;
  return seconds < 3628800 ? 2592000 : 31536000;
}

export interface PanelQuery extends GrafanaIntervals {
  /** The query_range step, seconds. */
  readonly step: number;
  readonly rangeSeconds: number;
}

/**
 * What Grafana sends for a panel `widthPx` wide (maxDataPoints = its width) over `rangeSeconds`,
 * on a datasource whose scrape interval (timeInterval) is `scrapeSeconds`: step = $__interval =
 * max(scrape, range / maxDataPoints) rounded; $__rate_interval = max($__interval + scrape, 4 · scrape)
 * (calculatePrometheusInterval and calculateRateInterval in Grafana's pkg/promlib/models/query.go).
 */
export function panelQuery(rangeSeconds: number, widthPx: number, scrapeSeconds: number): PanelQuery {
  const interval = roundInterval(Math.max(scrapeSeconds, rangeSeconds / widthPx));
  const rate = Math.max(interval + scrapeSeconds, 4 * scrapeSeconds);
  return { step: interval, rangeSeconds, interval: `${interval}s`, rateInterval: `${rate}s`, range: `${rangeSeconds}s` };
}

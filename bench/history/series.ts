import { StackConfig } from "../../config/schema";
import { HistoryShape } from "./shape";
import { Target } from "./targets";
import { counter, hashOf, ValueAt, wave } from "./values";

/** One series of the history: its identity, its lifetime, and its value at any instant. */
export interface SeriesSpec {
  readonly name: string;
  /** Labels other than the name, job and instance included. */
  readonly labels: Readonly<Record<string, string>>;
  /** Seconds; it has samples in [from, to). */
  readonly from: number;
  readonly to: number;
  /** Milliseconds into each scrape interval at which its target is scraped (or its rule evaluated). */
  readonly offsetMs: number;
  readonly value: ValueAt;
  /**
   * False for the series of the exporters that no dashboard, rule or alert reads: they are in
   * the live head (they cost memory there) but not in the 15-day blocks (where no query reads them).
   */
  readonly queried: boolean;
}

/** What a family of series needs from the shape of the history and the stack. */
export interface SeriesContext {
  readonly shape: HistoryShape;
  readonly config: StackConfig;
  readonly targets: readonly Target[];
  readonly start: number;
  readonly end: number;
}

export const ALWAYS = { from: -Infinity, to: Infinity } as const;

/** Gauges whose value is an instant (a start time, a last message, a certificate's expiry): moved with the samples when the history is replayed later. */
export const holdsInstant = (name: string) => /(_timestamp_seconds|_start_time_seconds|_cert_expiry)$/.test(name);

/** Scrape offset of a target: Prometheus spreads targets over the interval by a hash of their labels. */
export const offsetOf = (shape: HistoryShape, target: Target) =>
  hashOf(`${shape.seed}/${JSON.stringify(target.labels)}`) % (shape.scrapeSeconds * 1000);

/** A series of `target` with extra labels. */
export function seriesOf(
  ctx: SeriesContext,
  target: Target,
  name: string,
  labels: Record<string, string>,
  value: ValueAt,
  life: { from: number; to: number } = ALWAYS,
  queried = true,
): SeriesSpec {
  return {
    name,
    labels: { ...target.labels, ...labels },
    from: life.from,
    to: life.to,
    offsetMs: offsetOf(ctx.shape, target),
    value,
    queried,
  };
}

/** A label set's noise key: the same series gets the same noise on every write. */
export const keyOf = (name: string, labels: Record<string, string>) => hashOf(`${name}${JSON.stringify(labels)}`);

/**
 * The series each job exposes beyond the ones the stack queries, per target. Measured here where
 * the program is built (`npm run tools`), estimated from the program's metric list where it is not.
 */
export const UNQUERIED_PER_TARGET: Readonly<Record<string, { readonly series: number; readonly source: string }>> = {
  prometheus: {
    series: 1000,
    source:
      "576 measured on the built Prometheus 3.13.5 without targets; its scrape-pool and rule-group series grow with 19 targets and 6 groups",
  },
  node_exporter: {
    series: 1450,
    source: "472 measured on the built node_exporter on a 2-CPU, 4-NIC VM; ~25 more per NIC and ~7 per file system of the modelled host",
  },
  cadvisor: { series: 1400, source: "estimate: ~50 per container with the stack's -disable_metrics list, 28 containers" },
  alertmanager: { series: 574, source: "measured on the built Alertmanager" },
  blackbox_exporter: { series: 52, source: "measured on the built blackbox_exporter" },
  blackbox_http: { series: 16, source: "measured: 17 series per HTTP probe, probe_success among them" },
  blackbox_stack_ready: { series: 16, source: "as blackbox_http" },
  blackbox_http_public: { series: 15, source: "as blackbox_http, less probe_ssl_earliest_cert_expiry" },
  grafana: { series: 2500, source: "estimate: Grafana 12's own metrics (HTTP, alerting, database) on a small instance" },
  loki: { series: 4000, source: "estimate: a single-binary Loki 3's histograms per route and ring" },
  tempo: { series: 3000, source: "estimate: a single-binary Tempo's histograms per route and ring" },
  promtail: { series: 400, source: "estimate" },
  alloy: {
    series: 600,
    source:
      "estimate: Go runtime and process metrics, the component controller's histograms for the six components of generators/alloy.ts, loki.write's client and loki.source.docker's per-container counters",
  },
  otel_collector: { series: 300, source: "estimate: the collector's own telemetry at level normal" },
  telegram_bridge: { series: 60, source: "bridge/src/metrics.ts with its labels, and Node's process metrics" },
  tutordex_collector: { series: 40, source: "estimate: Python process and GC metrics" },
  tutordex_worker: { series: 40, source: "estimate: Python process and GC metrics" },
  tutordex_backend: { series: 40, source: "estimate: Python process and GC metrics" },
};

/** The rest of what each target exposes, as counters and gauges of no particular meaning. */
export function unqueriedSeries(ctx: SeriesContext): SeriesSpec[] {
  return ctx.targets.flatMap((t) => {
    const n = UNQUERIED_PER_TARGET[t.job]?.series;
    if (n === undefined) throw new Error(`UNQUERIED_PER_TARGET has no entry for job ${t.job}: say how many series it exposes`);
    return Array.from({ length: n }, (_, i) => {
      const labels = { series: String(i % 50) };
      const name = `${t.job}_other_metric_${Math.floor(i / 50)}${i % 2 ? "_total" : ""}`;
      const value =
        i % 2 ? counter(1 + (i % 7), [{ from: ctx.start - 86400, share: 1 }], 0.3) : wave(1000 + i, 0.2, 0.05, keyOf(name, labels));
      return seriesOf(ctx, t, name, labels, value, ALWAYS, false);
    });
  });
}

import { performance } from "perf_hooks";
import { Logger } from "../log";
import { BridgeMetrics } from "../metrics";
import { PrometheusClient, PrometheusError } from "../prometheus";
import { GraphSubject } from "./photo";
import { renderGraph } from "./render";
import { graphSpec } from "./spec";

export interface GraphOptions {
  /** The whole Prometheus query, answer included; later, the message goes without its graph. */
  readonly queryTimeoutMs: number;
  /** After Prometheus failed to answer, graphs are not asked for this long, so messages do not each wait for the timeout. */
  readonly pauseMs: number;
  /** Messages that may wait for their turn while one graph is made; more go without. */
  readonly maxWaiting: number;
  /**
   * A larger query answer is given up while read (about 90 series of an hour; 3 are drawn). The
   * bridge's memory grows with it: in the storm of `npm run bench:graph` its peak was 108 MB with
   * answers of 3 series, 119 MB with 80 (450 kB) and 144 MB with 250 (1.4 MB), in a 128 MB container.
   */
  readonly maxAnswerBytes: number;
  readonly windowS: number;
  readonly stepS: number;
}

export const DEFAULT_GRAPHS: GraphOptions = {
  queryTimeoutMs: 2000,
  pauseMs: 60_000,
  maxWaiting: 2,
  maxAnswerBytes: 512 * 1024,
  windowS: 3600,
  stepS: 20,
};

/**
 * Makes the graph of a message: the Prometheus query, then the PNG. One graph at a time for the
 * whole bridge, and at most `maxWaiting` messages waiting for their turn, so memory stays bounded
 * however many chats are busy. Never throws and never delays a message by more than its turn
 * plus the query timeout: any failure is logged, counted, and the message goes without.
 */
export class Graphs {
  private tail: Promise<unknown> = Promise.resolve();
  private queued = 0;
  private pausedUntil = 0;

  constructor(
    private readonly deps: {
      readonly prometheus: PrometheusClient;
      readonly metrics: BridgeMetrics;
      readonly log: Logger;
      readonly now?: () => number;
    },
    readonly opts: GraphOptions = DEFAULT_GRAPHS,
  ) {}

  async render(subject: GraphSubject): Promise<Buffer | undefined> {
    const { metrics } = this.deps;
    if (this.now() < this.pausedUntil) {
      metrics.graphs.inc({ result: "prometheus_failed" });
      return undefined;
    }
    if (this.queued > this.opts.maxWaiting) {
      metrics.graphs.inc({ result: "busy" });
      return undefined;
    }
    this.queued += 1;
    const turn = this.tail.then(() => this.make(subject));
    this.tail = turn.catch(() => undefined);
    try {
      return await turn;
    } catch (e) {
      this.deps.log.error("graph failed; the message goes without it", { reason: (e as Error).stack ?? String(e) });
      metrics.graphs.inc({ result: "failed" });
      return undefined;
    } finally {
      this.queued -= 1;
    }
  }

  private now(): number {
    return (this.deps.now ?? Date.now)();
  }

  private async make(subject: GraphSubject): Promise<Buffer | undefined> {
    const { metrics, log, prometheus } = this.deps;
    // Asked again here: a message that waited its turn behind a failing query need not wait for its own.
    if (this.now() < this.pausedUntil) {
      metrics.graphs.inc({ result: "prometheus_failed" });
      return undefined;
    }
    const { windowS, stepS } = this.opts;
    const endS = Math.floor(this.now() / 1000);
    const startS = endS - windowS;
    let result;
    try {
      result = await prometheus.queryRange(subject.query.expr, startS, endS, stepS, {
        timeoutMs: this.opts.queryTimeoutMs,
        maxBytes: this.opts.maxAnswerBytes,
      });
    } catch (e) {
      const err = e instanceof PrometheusError ? e : new PrometheusError(String(e), "unavailable");
      metrics.graphs.inc({ result: "prometheus_failed" });
      if (err.kind === "unavailable") {
        this.pausedUntil = this.now() + this.opts.pauseMs;
        log.warn("prometheus did not answer the graph's query; messages go without graphs for a while", {
          reason: err.message,
          paused_ms: this.opts.pauseMs,
        });
      } else log.warn("graph query failed; the message goes without it", { reason: err.message, expr: subject.query.expr.slice(0, 300) });
      return undefined;
    }
    const spec = graphSpec(result, subject.query, subject.alerts, { startS, endS, stepS });
    if (spec.series.length === 0) {
      metrics.graphs.inc({ result: "no_data" });
      return undefined;
    }
    const started = performance.now();
    const png = renderGraph(spec);
    metrics.graphRender.observe((performance.now() - started) / 1000);
    return png;
  }
}

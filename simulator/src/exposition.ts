import { familyHeader, histogramSamples, Labels, labelSet, MetricType, sample } from "../../shared/exposition";

/** The simulator's metrics: counters, gauges and histograms with labels, in shared/exposition.ts's text format. */
export type { Labels };

export interface Series {
  labels: Labels;
  value: number;
  buckets?: number[];
  sum?: number;
  /** Native-histogram bucket index (schema 0: (2^(i-1), 2^i]) → observations in it. */
  native?: Map<number, number>;
}

export interface Family {
  readonly type: MetricType;
  readonly series: Map<string, Series>;
}

/** The schema-0 native bucket of an observation: bucket i holds (2^(i-1), 2^i]. */
export const nativeBucketIndex = (v: number) => Math.ceil(Math.log2(v));

export const LATENCY_BUCKETS = [0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30];

export class Registry {
  private readonly families = new Map<string, Family>();

  private series(name: string, type: Family["type"], labels: Labels) {
    let f = this.families.get(name);
    if (!f) {
      f = { type, series: new Map() };
      this.families.set(name, f);
    }
    const key = labelSet(labels);
    let s = f.series.get(key);
    if (!s) {
      s = {
        labels,
        value: 0,
        ...(type === "histogram" ? { buckets: LATENCY_BUCKETS.map(() => 0), sum: 0, native: new Map<number, number>() } : {}),
      };
      f.series.set(key, s);
    }
    return s;
  }

  inc(name: string, labels: Labels, by = 1): void {
    this.series(name, "counter", labels).value += by;
  }
  set(name: string, labels: Labels, value: number): void {
    this.series(name, "gauge", labels).value = value;
  }
  observe(name: string, labels: Labels, seconds: number, times = 1): void {
    const s = this.series(name, "histogram", labels);
    s.value += times;
    s.sum! += seconds * times;
    LATENCY_BUCKETS.forEach((b, i) => {
      if (seconds <= b) s.buckets![i] += times;
    });
    if (times > 0) {
      const i = nativeBucketIndex(seconds);
      s.native!.set(i, (s.native!.get(i) ?? 0) + times);
    }
  }

  /** The families by name, for other exposition formats (simulator/src/protobufExposition.ts). */
  entries(): IterableIterator<[string, Family]> {
    return this.families.entries();
  }

  render(): string {
    const lines: string[] = [];
    for (const [name, f] of this.families) {
      lines.push(...familyHeader(name, f.type));
      for (const s of f.series.values()) {
        if (f.type === "histogram") lines.push(...histogramSamples(name, s.labels, LATENCY_BUCKETS, s.buckets!, s.sum!, s.value));
        else lines.push(sample(name, s.labels, s.value));
      }
    }
    return `${lines.join("\n")}\n`;
  }
}

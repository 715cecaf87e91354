import { Labels, LATENCY_BUCKETS, Registry, Series } from "./exposition";

/**
 * The Prometheus protobuf exposition format (io.prometheus.client.MetricFamily, length-delimited),
 * the only format that carries native histograms. Prometheus asks for it first when a scrape job
 * has `scrape_native_histograms: true`. Histograms are sent with both their classic buckets and
 * their native (schema 0) buckets, as instrumented applications do while they migrate.
 * Written by hand from metrics.proto: the messages are few and no dependency is needed.
 */
export const PROTOBUF_CONTENT_TYPE = "application/vnd.google.protobuf; proto=io.prometheus.client.MetricFamily; encoding=delimited";

/** The smallest zero bucket the Go client uses by default (2^-128). */
const ZERO_THRESHOLD = 2.938735877055719e-39;

class Writer {
  private readonly parts: Buffer[] = [];

  varint(n: number | bigint): this {
    let v = BigInt(n);
    const bytes: number[] = [];
    do {
      let b = Number(v & 0x7fn);
      v >>= 7n;
      if (v > 0n) b |= 0x80;
      bytes.push(b);
    } while (v > 0n);
    this.parts.push(Buffer.from(bytes));
    return this;
  }
  private tag(field: number, wire: number): this {
    return this.varint((field << 3) | wire);
  }
  uint(field: number, n: number): this {
    return this.tag(field, 0).varint(n);
  }
  /** sint32/sint64: zigzag-encoded. */
  sint(field: number, n: number): this {
    return this.tag(field, 0).varint(n >= 0 ? 2 * n : -2 * n - 1);
  }
  double(field: number, x: number): this {
    const b = Buffer.alloc(8);
    b.writeDoubleLE(x);
    this.tag(field, 1);
    this.parts.push(b);
    return this;
  }
  bytes(field: number, data: Buffer): this {
    this.tag(field, 2).varint(data.length);
    this.parts.push(data);
    return this;
  }
  string(field: number, s: string): this {
    return this.bytes(field, Buffer.from(s, "utf8"));
  }
  message(field: number, build: (w: Writer) => void): this {
    const w = new Writer();
    build(w);
    return this.bytes(field, w.done());
  }
  /** Bytes as they are (the delimited framing: a varint length, then the message). */
  raw(data: Buffer): this {
    this.parts.push(data);
    return this;
  }
  /** A packed repeated sint64. */
  packedSint(field: number, values: readonly number[]): this {
    const w = new Writer();
    for (const v of values) w.varint(v >= 0 ? 2 * v : -2 * v - 1);
    return this.bytes(field, w.done());
  }
  done(): Buffer {
    return Buffer.concat(this.parts);
  }
}

const TYPE = { counter: 0, gauge: 1, histogram: 4 } as const;

function labels(w: Writer, l: Labels): void {
  for (const [name, value] of Object.entries(l)) w.message(1, (p) => p.string(1, name).string(2, value));
}

/** One span from the lowest to the highest populated bucket; counts as deltas from the bucket before. */
function nativeParts(h: Writer, s: Series): void {
  h.sint(5, 0).double(6, ZERO_THRESHOLD).uint(7, 0);
  const indices = [...(s.native ?? new Map<number, number>()).keys()].sort((a, b) => a - b);
  if (!indices.length) {
    // No observation yet: a no-op span still marks the histogram as native.
    h.message(12, (span) => span.sint(1, 0).uint(2, 0));
    return;
  }
  const [lo, hi] = [indices[0], indices[indices.length - 1]];
  h.message(12, (span) => span.sint(1, lo).uint(2, hi - lo + 1));
  const deltas: number[] = [];
  let previous = 0;
  for (let i = lo; i <= hi; i++) {
    const count = s.native!.get(i) ?? 0;
    deltas.push(count - previous);
    previous = count;
  }
  h.packedSint(13, deltas);
}

function histogram(h: Writer, s: Series): void {
  h.uint(1, s.value).double(2, s.sum ?? 0);
  LATENCY_BUCKETS.forEach((upper, i) => h.message(3, (b) => b.uint(1, s.buckets![i]).double(2, upper)));
  nativeParts(h, s);
}

/** The registry in the delimited protobuf format: one length-prefixed MetricFamily after another. */
export function renderProtobuf(r: Registry): Buffer {
  const out = new Writer();
  for (const [name, f] of r.entries()) {
    const family = new Writer().string(1, name).uint(3, TYPE[f.type]);
    for (const s of f.series.values()) {
      family.message(4, (m) => {
        labels(m, s.labels);
        if (f.type === "gauge") m.message(2, (g) => g.double(1, s.value));
        else if (f.type === "counter") m.message(3, (c) => c.double(1, s.value));
        else m.message(7, (h) => histogram(h, s));
      });
    }
    const bytes = family.done();
    out.varint(bytes.length).raw(bytes);
  }
  return out.done();
}

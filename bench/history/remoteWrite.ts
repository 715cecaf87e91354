/**
 * Prometheus remote-write 1.0 (prometheus.WriteRequest, snappy block format) written by hand:
 * the bench writes the live head through the receiver of the Prometheus under test, and the
 * format is four messages and a varint. Snappy allows a block of literals only, which every
 * decoder reads; the bench's payloads go over loopback, so nothing is lost by not compressing.
 */

export interface WrittenSeries {
  /** Labels with the name as `__name__`; sorted by name here. */
  readonly labels: Readonly<Record<string, string>>;
  /** Samples in time order: value and milliseconds since the epoch. */
  readonly samples: readonly (readonly [value: number, ms: number])[];
}

/** Protobuf's varint of a non-negative integer below 2^53 (lengths, millisecond timestamps). */
function varint(n: number): number[] {
  if (!Number.isSafeInteger(n) || n < 0) throw new Error(`varint of ${n}: only non-negative safe integers are written`);
  const out: number[] = [];
  while (n >= 0x80) {
    out.push((n % 0x80) | 0x80);
    n = Math.floor(n / 0x80);
  }
  out.push(n);
  return out;
}

const bytesField = (field: number, payload: Buffer) => Buffer.concat([Buffer.from([(field << 3) | 2, ...varint(payload.length)]), payload]);

function label(name: string, value: string): Buffer {
  return Buffer.concat([bytesField(1, Buffer.from(name)), bytesField(2, Buffer.from(value))]);
}

function sample(value: number, ms: number): Buffer {
  const b = Buffer.alloc(9);
  b[0] = (1 << 3) | 1;
  b.writeDoubleLE(value, 1);
  return Buffer.concat([b, Buffer.from([(2 << 3) | 0, ...varint(ms)])]);
}

/** The protobuf bytes of a WriteRequest. */
export function encodeWriteRequest(series: readonly WrittenSeries[]): Buffer {
  return Buffer.concat(
    series.map((s) => {
      const labels = Object.keys(s.labels)
        .sort()
        .map((k) => bytesField(1, label(k, s.labels[k])));
      const samples = s.samples.map(([v, ms]) => bytesField(2, sample(v, ms)));
      return bytesField(1, Buffer.concat([...labels, ...samples]));
    }),
  );
}

/** Snappy's block format with the whole input as literals: the length, then literal runs of at most 64 KiB. */
export function snappyLiterals(input: Buffer): Buffer {
  const parts: Buffer[] = [Buffer.from(varint(input.length))];
  for (let at = 0; at < input.length; at += 65536) {
    const run = input.subarray(at, Math.min(at + 65536, input.length));
    const n = run.length - 1;
    // Tag 62<<2: a literal whose length-1 follows in 3 bytes; shorter runs use the 1-byte form.
    parts.push(n < 60 ? Buffer.from([n << 2]) : Buffer.from([62 << 2, n & 0xff, (n >> 8) & 0xff, (n >> 16) & 0xff]), run);
  }
  return Buffer.concat(parts);
}

/** Sends one WriteRequest; Prometheus answers 204 when it appended every sample. */
export async function remoteWrite(url: string, series: readonly WrittenSeries[]): Promise<void> {
  const body = snappyLiterals(encodeWriteRequest(series));
  const r = await fetch(`${url}/api/v1/write`, {
    method: "POST",
    headers: { "content-type": "application/x-protobuf", "content-encoding": "snappy", "x-prometheus-remote-write-version": "0.1.0" },
    body,
    signal: AbortSignal.timeout(60_000),
  });
  if (r.status >= 300) throw new Error(`remote write to ${url}: ${r.status} ${await r.text()}`);
}

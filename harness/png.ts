import { inflateSync } from "zlib";

/** A PNG read back: its header, palette and, for indexed images, one palette index per pixel. */
export interface DecodedPng {
  readonly width: number;
  readonly height: number;
  readonly bitDepth: number;
  readonly colorType: number;
  readonly palette: readonly (readonly [number, number, number])[];
  /** Palette indices row by row; only for indexed images (colour type 3). */
  readonly pixels?: Uint8Array;
  readonly chunks: readonly string[];
}

const SIGNATURE = Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);

/** CRC-32 as PNG defines it, written independently of the bridge's, so each checks the other. */
function crc(bytes: Buffer): number {
  let c = ~0;
  for (const b of bytes) {
    c ^= b;
    for (let k = 0; k < 8; k++) c = (c >>> 1) ^ (0xedb88320 & -(c & 1));
  }
  return ~c >>> 0;
}

/**
 * A small PNG decoder for the tests and the fake Bot API: checks the signature, every chunk's CRC,
 * IHDR first and IEND last, and for indexed images inflates IDAT (checking its size), undoes the
 * row filters and unpacks the pixels (unless `pixels` is false: the fake only needs to know it
 * is an image, and of what size). Throws, saying why, on anything else.
 */
export function decodePng(buf: Buffer, opts: { pixels: boolean } = { pixels: true }): DecodedPng {
  if (buf.length < 8 || !buf.subarray(0, 8).equals(SIGNATURE)) throw new Error("not a PNG: bad signature");
  const chunks: { type: string; data: Buffer }[] = [];
  for (let at = 8; at < buf.length;) {
    if (at + 12 > buf.length) throw new Error("truncated chunk");
    const length = buf.readUInt32BE(at);
    const type = buf.subarray(at + 4, at + 8).toString("latin1");
    if (at + 12 + length > buf.length) throw new Error(`chunk ${type} runs past the end`);
    const data = buf.subarray(at + 8, at + 8 + length);
    if (crc(buf.subarray(at + 4, at + 8 + length)) !== buf.readUInt32BE(at + 8 + length)) throw new Error(`chunk ${type}: bad CRC`);
    chunks.push({ type, data });
    at += 12 + length;
  }
  if (chunks[0]?.type !== "IHDR" || chunks[0].data.length !== 13) throw new Error("IHDR is not the first chunk");
  if (chunks[chunks.length - 1].type !== "IEND") throw new Error("IEND is not the last chunk");
  const h = chunks[0].data;
  const width = h.readUInt32BE(0);
  const height = h.readUInt32BE(4);
  const [bitDepth, colorType] = [h[8], h[9]];
  if (width === 0 || height === 0) throw new Error("zero width or height");
  const plte = chunks.find((c) => c.type === "PLTE")?.data;
  const palette = plte ? Array.from({ length: plte.length / 3 }, (_, i) => [plte[i * 3], plte[i * 3 + 1], plte[i * 3 + 2]] as const) : [];
  const names = chunks.map((c) => c.type);
  if (colorType !== 3) return { width, height, bitDepth, colorType, palette, chunks: names };
  if (![1, 2, 4, 8].includes(bitDepth) || palette.length === 0) throw new Error("indexed PNG without a palette or with a bad bit depth");
  const raw = inflateSync(Buffer.concat(chunks.filter((c) => c.type === "IDAT").map((c) => c.data)));
  const rowBytes = Math.ceil((width * bitDepth) / 8);
  if (raw.length !== (rowBytes + 1) * height) throw new Error(`IDAT holds ${raw.length} bytes, expected ${(rowBytes + 1) * height}`);
  if (!opts.pixels) return { width, height, bitDepth, colorType, palette, chunks: names };
  const pixels = new Uint8Array(width * height);
  let prev = Buffer.alloc(rowBytes);
  for (let y = 0; y < height; y++) {
    const filter = raw[y * (rowBytes + 1)];
    const row = Buffer.from(raw.subarray(y * (rowBytes + 1) + 1, (y + 1) * (rowBytes + 1)));
    for (let i = 0; i < rowBytes; i++) {
      const a = i > 0 ? row[i - 1] : 0;
      const b = prev[i];
      const c = i > 0 ? prev[i - 1] : 0;
      const p = a + b - c;
      const paeth =
        Math.abs(p - a) <= Math.abs(p - b) && Math.abs(p - a) <= Math.abs(p - c) ? a : Math.abs(p - b) <= Math.abs(p - c) ? b : c;
      const add = [0, a, b, (a + b) >> 1, paeth][filter];
      if (add === undefined) throw new Error(`row ${y}: unknown filter ${filter}`);
      row[i] = (row[i] + add) & 0xff;
    }
    for (let x = 0; x < width; x++) {
      const bit = x * bitDepth;
      const v = (row[bit >> 3] >> (8 - bitDepth - (bit & 7))) & ((1 << bitDepth) - 1);
      if (v >= palette.length) throw new Error(`pixel (${x}, ${y}) indexes colour ${v} of a palette of ${palette.length}`);
      pixels[y * width + x] = v;
    }
    prev = row;
  }
  return { width, height, bitDepth, colorType, palette, pixels, chunks: names };
}

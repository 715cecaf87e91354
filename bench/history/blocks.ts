import * as fs from "fs";
import * as path from "path";

const TWO_HOURS = 7200;

/**
 * The longest block Prometheus compacts to with a retention of `retentionSeconds`: its ranges
 * are 2h·3^i (tsdb.ExponentialBlockRanges(2h, 10, 3)) up to a tenth of the retention (at most
 * 31d; cmd/prometheus/main.go). 15d: 2h, 6h, 18h, so a full TSDB is 18h blocks.
 */
export function compactedBlockSeconds(retentionSeconds: number): number {
  const max = Math.min(retentionSeconds / 10, 31 * 86400);
  let range = TWO_HOURS;
  while (range * 3 <= max) range *= 3;
  return range;
}

/** Windows of `block` seconds, aligned as promtool and Prometheus align blocks (multiples since the epoch), clipped to [from, to). */
export function blockWindows(from: number, to: number, block: number): { from: number; to: number }[] {
  const out: { from: number; to: number }[] = [];
  for (let w = Math.floor(from / block) * block; w < to; w += block) out.push({ from: Math.max(from, w), to: Math.min(to, w + block) });
  return out;
}

interface BlockMeta {
  readonly ulid: string;
  readonly minTime: number;
  readonly maxTime: number;
  readonly stats?: { numSamples?: number; numSeries?: number };
}

/** The blocks of a TSDB directory, oldest first. */
export function blocksOf(dir: string): BlockMeta[] {
  if (!fs.existsSync(dir)) return [];
  return fs
    .readdirSync(dir)
    .filter((d) => fs.existsSync(path.join(dir, d, "meta.json")) && !d.endsWith(".tmp-for-creation") && !d.endsWith(".tmp-for-deletion"))
    .map((d) => JSON.parse(fs.readFileSync(path.join(dir, d, "meta.json"), "utf8")) as BlockMeta)
    .sort((a, b) => a.minTime - b.minTime);
}

/** True when some blocks overlap in time: Prometheus has still to compact them into one. */
export function hasOverlaps(blocks: readonly BlockMeta[]): boolean {
  return blocks.some((b, i) => i > 0 && b.minTime < blocks[i - 1].maxTime);
}

/** Bytes under a directory. */
export function sizeOf(dir: string): number {
  let total = 0;
  for (const e of fs.readdirSync(dir, { withFileTypes: true })) {
    const p = path.join(dir, e.name);
    total += e.isDirectory() ? sizeOf(p) : fs.statSync(p).size;
  }
  return total;
}

/**
 * A copy of `from` at `to` whose files are hard links: blocks are immutable (Prometheus replaces
 * a file by renaming a new one over it, and deletes whole blocks), so the copy costs no disk and
 * whatever the copy's Prometheus does leaves the cached TSDB as it was.
 */
export function linkCopy(from: string, to: string): void {
  fs.mkdirSync(to, { recursive: true });
  for (const e of fs.readdirSync(from, { withFileTypes: true })) {
    const a = path.join(from, e.name);
    const b = path.join(to, e.name);
    if (e.isDirectory()) linkCopy(a, b);
    else fs.linkSync(a, b);
  }
}

import * as fs from "fs";
import { SeriesSpec } from "./series";

const escape = (v: string) => v.replace(/\\/g, "\\\\").replace(/"/g, '\\"').replace(/\n/g, "\\n");

/** `name{a="b",...}` as the text formats spell a series. */
export function seriesText(s: Pick<SeriesSpec, "name" | "labels">): string {
  const parts = Object.keys(s.labels)
    .sort()
    .map((k) => `${k}="${escape(s.labels[k])}"`);
  return parts.length ? `${s.name}{${parts.join(",")}}` : s.name;
}

/** The instants (seconds) at which a series is scraped in [from, to): every interval at its target's offset. */
export function* scrapeInstants(
  s: Pick<SeriesSpec, "from" | "to" | "offsetMs">,
  from: number,
  to: number,
  interval: number,
): Generator<number> {
  const lo = Math.max(from, s.from);
  const hi = Math.min(to, s.to);
  const offset = s.offsetMs / 1000;
  for (let k = Math.ceil((lo - offset) / interval); k * interval + offset < hi; k++) yield k * interval + offset;
}

/**
 * Writes the samples of `series` in [from, to) as OpenMetrics text (what `promtool tsdb
 * create-blocks-from openmetrics` reads): series after series, each in time order, then `# EOF`.
 * No TYPE lines: blocks keep no metadata, and an untyped sample keeps its full name. Returns the
 * number of samples written.
 */
export function writeOpenMetrics(file: string, series: readonly SeriesSpec[], from: number, to: number, interval: number): number {
  const fd = fs.openSync(file, "w");
  let buffer = "";
  let samples = 0;
  try {
    for (const s of series) {
      const prefix = `${seriesText(s)} `;
      // Whole seconds and the target's fixed milliseconds, printed apart: toFixed per sample is slow.
      const offsetS = Math.floor(s.offsetMs / 1000);
      const millis = `.${String(s.offsetMs % 1000).padStart(3, "0")}\n`;
      const lo = Math.max(from, s.from);
      const hi = Math.min(to, s.to);
      for (let k = Math.ceil((lo - s.offsetMs / 1000) / interval); k * interval + s.offsetMs / 1000 < hi; k++) {
        const whole = k * interval + offsetS;
        buffer += prefix + s.value(whole + (s.offsetMs % 1000) / 1000) + " " + whole + millis;
        samples++;
        if (buffer.length > 1 << 22) {
          fs.writeSync(fd, buffer);
          buffer = "";
        }
      }
    }
    fs.writeSync(fd, `${buffer}# EOF\n`);
  } finally {
    fs.closeSync(fd);
  }
  return samples;
}

import { holdsInstant, SeriesSpec } from "./series";
import { remoteWrite, WrittenSeries } from "./remoteWrite";

/** Hours of samples in the live head: about what a head holds just before Prometheus cuts a block from it. */
export const HEAD_HOURS = 2;
const SERIES_PER_REQUEST = 2000;
const WRITE_WINDOW_SECONDS = 600;

/**
 * The live head: the last HEAD_HOURS of the history replayed so that they end now, written
 * through remote write, then a sample per series every scrape interval while the bench runs, so
 * the deployed rules evaluate on a head of the history's size. Instants the samples hold (a last
 * message, a start time) move with them.
 */
export class LiveHead {
  private written: number;
  private timer: NodeJS.Timeout | undefined;
  private stopped = false;
  private failure: Error | undefined;
  readonly series: readonly SeriesSpec[];
  /** Seconds added to history time to get wall-clock time: a multiple of the interval, so targets keep their offsets. */
  readonly shift: number;

  constructor(
    private readonly url: string,
    all: readonly SeriesSpec[],
    end: number,
    private readonly interval: number,
    now = Date.now() / 1000,
  ) {
    this.shift = Math.floor((now - end) / interval) * interval;
    this.written = end - HEAD_HOURS * 3600;
    this.series = all.filter((s) => s.to > this.written);
  }

  /**
   * Writes every sample from where the head left off up to history time `upTo`; returns how
   * many. Ten minutes at a time across all series: the head takes no sample more than an hour
   * older than the newest it has (half its 2 h chunk range), so one series' two hours at once
   * would turn the next series' first hour away.
   */
  private async writeUpTo(upTo: number): Promise<number> {
    let samples = 0;
    for (let from = this.written; from < upTo; from += WRITE_WINDOW_SECONDS) {
      const to = Math.min(upTo, from + WRITE_WINDOW_SECONDS);
      for (let i = 0; i < this.series.length; i += SERIES_PER_REQUEST) {
        const batch: WrittenSeries[] = this.series.slice(i, i + SERIES_PER_REQUEST).flatMap((s) => {
          const out: [number, number][] = [];
          const lo = Math.max(from, s.from);
          const hi = Math.min(to, s.to);
          const offset = s.offsetMs / 1000;
          const moved = holdsInstant(s.name) ? this.shift : 0;
          for (let k = Math.ceil((lo - offset) / this.interval); k * this.interval + offset < hi; k++) {
            const t = k * this.interval + offset;
            out.push([s.value(t) + moved, Math.round((t + this.shift) * 1000)]);
          }
          samples += out.length;
          return out.length ? [{ labels: { __name__: s.name, ...s.labels }, samples: out }] : [];
        });
        if (batch.length) await remoteWrite(this.url, batch);
      }
      this.written = to;
    }
    return samples;
  }

  /** The last HEAD_HOURS, as fast as Prometheus takes them. */
  fill(): Promise<number> {
    return this.writeUpTo(Date.now() / 1000 - this.shift);
  }

  /** A scrape's worth every interval from now on, until stop(). */
  follow(): void {
    const tick = () => {
      this.writeUpTo(Date.now() / 1000 - this.shift).then(
        () => {
          if (!this.stopped) this.timer = setTimeout(tick, this.interval * 1000);
        },
        (e: Error) => (this.failure = e),
      );
    };
    this.timer = setTimeout(tick, this.interval * 1000);
  }

  /** Stops following; a write that failed meanwhile is reported here. */
  stop(): void {
    this.stopped = true;
    if (this.timer) clearTimeout(this.timer);
    if (this.failure) throw this.failure;
  }
}

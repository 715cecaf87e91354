import { holdsInstant, SeriesSpec } from "./series";
import { remoteWrite, WrittenSeries } from "./remoteWrite";

/** Hours of samples in a head: about what it holds just before Prometheus cuts a block from it. */
export const HEAD_HOURS = 2;
const SERIES_PER_REQUEST = 2000;
const WRITE_WINDOW_SECONDS = 600;

/**
 * Writes samples of the history into a Prometheus head through remote write, `shift` seconds
 * later than the history has them (a multiple of the scrape interval, so targets keep their
 * offsets). Instants the samples hold (a last message, a start time) move with them.
 */
export class HeadWriter {
  private timer: NodeJS.Timeout | undefined;
  private stopped = false;
  private failure: Error | undefined;
  readonly series: readonly SeriesSpec[];

  constructor(
    private readonly url: string,
    all: readonly SeriesSpec[],
    from: number,
    private readonly interval: number,
    readonly shift = 0,
  ) {
    this.series = all.filter((s) => s.to > from);
  }

  /**
   * Every sample in history time [from, to); returns how many. Ten minutes at a time across all
   * series: the head takes no sample more than an hour older than the newest it has (half its
   * 2 h chunk range), so one series' two hours at once would turn the next series' first hour away.
   */
  async write(from: number, to: number): Promise<number> {
    let samples = 0;
    for (let lo = from; lo < to; lo += WRITE_WINDOW_SECONDS) {
      const hi = Math.min(to, lo + WRITE_WINDOW_SECONDS);
      for (let i = 0; i < this.series.length; i += SERIES_PER_REQUEST) {
        const batch: WrittenSeries[] = this.series.slice(i, i + SERIES_PER_REQUEST).flatMap((s) => {
          const out: [number, number][] = [];
          const offset = s.offsetMs / 1000;
          const moved = holdsInstant(s.name) ? this.shift : 0;
          const end = Math.min(hi, s.to);
          for (let k = Math.ceil((Math.max(lo, s.from) - offset) / this.interval); k * this.interval + offset < end; k++) {
            const t = k * this.interval + offset;
            out.push([s.value(t) + moved, Math.round((t + this.shift) * 1000)]);
          }
          samples += out.length;
          return out.length ? [{ labels: { __name__: s.name, ...s.labels }, samples: out }] : [];
        });
        if (batch.length) await remoteWrite(this.url, batch);
      }
    }
    return samples;
  }

  /** From history time `from` on, a scrape's worth every interval at the wall clock's pace, until stop(). */
  follow(from: number): void {
    let written = from;
    const tick = () => {
      const upTo = Date.now() / 1000 - this.shift;
      this.write(written, upTo).then(
        () => {
          written = upTo;
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

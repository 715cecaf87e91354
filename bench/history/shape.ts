import { DEFAULT_RETENTION } from "../../config/defaults";
import { durationSeconds as seconds } from "../../config/durations";

/**
 * The size of the TutorDex the bench history stands for. Every count is an input of the
 * generator (and so of its cache key); the reason for each is beside it.
 */
export interface HistoryShape {
  /** Days of history: Prometheus's retention, what a full TSDB holds. */
  readonly days: number;
  /** Where the history ends (UTC). Fixed, so the cached TSDB stays valid; in the past, so the live head can follow it. */
  readonly end: string;
  /** The scrape interval (docs/spec.md §2). */
  readonly scrapeSeconds: number;
  /** docs/spec.md §11's upper bound of the target load: the bench sizes for the busiest day. */
  readonly assignmentsPerDay: number;
  /**
   * Telegram channels the collector tails. SPEC gives none; tuition-agency channels post tens to
   * a few hundred assignments a day each, so 10k a day is a few dozen channels: 40, with Zipf-like
   * shares (the biggest channel posts ~11x the smallest).
   */
  readonly channels: number;
  /**
   * Pipeline releases in the window: one every five days, each preceded by a one-day canary that
   * takes 10 % of the worker's traffic, so up to two versions are live and three retire within 15 days.
   */
  readonly releaseEveryDays: number;
  readonly canaryDays: number;
  readonly canaryShare: number;
  /**
   * The prod host (docs/spec.md §1: one Docker host; staging shares it): CPUs and the file systems and NICs it has beyond its
   * containers'.
   */
  readonly host: { readonly cpus: number; readonly disks: number; readonly nics: number };
  /** Seed of every pseudo-random choice (scrape offsets, noise), so the history is reproducible. */
  readonly seed: number;
}

const RETENTION_DAYS = seconds(DEFAULT_RETENTION.prometheus) / 86400;

export const SHAPE: HistoryShape = {
  days: RETENTION_DAYS,
  end: "2026-03-01T00:00:00Z",
  scrapeSeconds: 15,
  assignmentsPerDay: 10_000,
  channels: 40,
  releaseEveryDays: 5,
  canaryDays: 1,
  canaryShare: 0.1,
  host: { cpus: 4, disks: 3, nics: 2 },
  seed: 28,
};

/** The shape with a shorter history (BENCH_HISTORY_DAYS), for developing the bench on a day of data. */
export function shapeFromEnv(env: NodeJS.ProcessEnv = process.env): HistoryShape {
  const raw = env.BENCH_HISTORY_DAYS;
  if (raw === undefined || raw === "") return SHAPE;
  const days = Number(raw);
  if (!Number.isInteger(days) || days < 1 || days > SHAPE.days)
    throw new Error(`BENCH_HISTORY_DAYS must be a whole number of days from 1 to ${SHAPE.days}, got ${raw}`);
  return { ...SHAPE, days };
}

export const endSeconds = (s: HistoryShape) => Date.parse(s.end) / 1000;
export const startSeconds = (s: HistoryShape) => endSeconds(s) - s.days * 86400;

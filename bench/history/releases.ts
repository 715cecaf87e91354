import { HistoryShape, endSeconds, startSeconds } from "./shape";
import { ShareStep } from "./values";

/** One pipeline version over the history: when its canary started, when it was promoted, when the next one replaced it. */
export interface Release {
  readonly pipelineVersion: string;
  readonly schemaVersion: string;
  readonly canaryFrom: number;
  readonly promotedAt: number;
  /** When the next version was promoted; Infinity while it is the newest stable one. */
  readonly retiredAt: number;
  /** Its share of the worker's traffic over time: the canary's, then all, then what the next canary leaves it. */
  readonly workerShare: readonly ShareStep[];
  /** The collector runs the stable version only. */
  readonly collectorShare: readonly ShareStep[];
}

const DAY = 86_400;
const date = (t: number) => new Date(t * 1000).toISOString().slice(0, 10);

/**
 * The versions of the history, oldest first. The newest is promoted half a day after the end, so
 * its canary runs through the end and on into the live head: two versions are live there, as on a
 * release day.
 */
export function releases(s: HistoryShape): Release[] {
  const start = startSeconds(s);
  const every = s.releaseEveryDays * DAY;
  const canary = s.canaryDays * DAY;
  const promotions: number[] = [];
  // The oldest counted is the one stable at the start.
  for (let p = endSeconds(s) + DAY / 2; ; p -= every) {
    promotions.unshift(p);
    if (p <= start) break;
  }
  return promotions.map((promotedAt, i) => {
    const next = promotions[i + 1];
    const canaryFrom = promotedAt - canary;
    const nextCanary = next === undefined ? Infinity : next - canary;
    const workerShare: ShareStep[] = [
      { from: canaryFrom, share: s.canaryShare },
      { from: promotedAt, share: 1 },
      ...(next === undefined ? [] : [{ from: nextCanary, share: 1 - s.canaryShare }]),
    ];
    return {
      pipelineVersion: `${date(promotedAt)}_det_time_v${i + 1}`,
      schemaVersion: "v2",
      canaryFrom,
      promotedAt,
      retiredAt: next ?? Infinity,
      workerShare,
      collectorShare: [{ from: promotedAt, share: 1 }],
    };
  });
}

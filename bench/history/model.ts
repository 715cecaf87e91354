import { stackConfig } from "../../harness/fixtures";
import { applicationSeries } from "./application";
import { exporterSeries } from "./exporters";
import { SeriesContext, SeriesSpec, unqueriedSeries } from "./series";
import { endSeconds, HistoryShape, startSeconds } from "./shape";
import { stackSeries } from "./stackSelf";
import { scrapeTargets } from "./targets";

/** The stack the history is of: prod as committed (its targets, services and rule groups). */
export const HISTORY_STACK = "prod";

/** Every series of the history: the application's, the exporters' and the stack's own, then the rest no query reads. */
export function historySeries(shape: HistoryShape): SeriesSpec[] {
  const config = stackConfig(HISTORY_STACK);
  const ctx: SeriesContext = { shape, config, targets: scrapeTargets(config), start: startSeconds(shape), end: endSeconds(shape) };
  return [...applicationSeries(ctx), ...exporterSeries(ctx), ...stackSeries(ctx), ...unqueriedSeries(ctx)];
}

/** Series with at least one sample in [from, to). */
export const aliveIn = (series: readonly SeriesSpec[], from: number, to: number) => series.filter((s) => s.from < to && s.to > from);

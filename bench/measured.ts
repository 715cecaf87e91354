/**
 * What the last full run of `npm run -s bench:dashboards` measured (the 15-day history, see
 * docs/performance.md), kept here so test/bench/memory.test.ts holds the memory limits against
 * it. A run that measures more updates these figures; a limit that no longer fits fails that test.
 */
export const MEASURED = {
  on: "2026-12-07",
  /** The Prometheus that ran it: the pin then, before main moved to the 3.13 LTS line. */
  prometheus: "3.16.0",
  /** Peak resident memory of Prometheus holding the history and its 2 h head, through every dashboard query. */
  prometheusPeakMiB: 305,
  /** Its head series then: the catalog's and the rest of what the exporters expose. */
  headSeries: 17_316,
} as const;

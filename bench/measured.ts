/**
 * What the last full run of `npm run -s bench:dashboards` measured (the 15-day history, see
 * docs/performance.md), kept here so test/bench/memory.test.ts holds the memory limits against
 * it. A run that measures more updates these figures; a limit that no longer fits fails that test.
 */
export const MEASURED = {
  on: "2026-12-07",
  /** The Prometheus that ran it: the pinned 3.13 LTS release. */
  prometheus: "3.13.5",
  /** Peak resident memory of Prometheus holding the history and its 2 h head, through every dashboard query. */
  prometheusPeakMiB: 330,
  /** Resident memory with the 2 h head written, before any query. */
  withHeadMiB: 208,
  /** Its head series then: the catalog's and the rest of what the exporters expose. */
  headSeries: 17_518,
} as const;

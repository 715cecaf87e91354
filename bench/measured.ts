/**
 * What the last full run of `npm run -s bench:dashboards` measured (the 15-day history, see
 * docs/performance.md), kept here so test/bench/memory.test.ts holds the memory limits against
 * it and test/bench/readmePerformance.test.ts the README's table. A run that measures more updates
 * these figures; a limit that no longer fits fails that test.
 */
export const MEASURED = {
  on: "2026-12-07",
  /** The Prometheus that ran it: the pinned 3.13 LTS release. */
  prometheus: "3.13.5",
  /** The slowest panel at 7 d, run alone: its p95 wall clock (bench/targets.ts panelMs). */
  slowestPanel: { where: "Data Quality: Issues by channel (24h)", p95Ms: 263 },
  /** The slowest dashboard at 7 d, every panel at once: its p95 wall clock (dashboardMs). */
  slowestDashboard: { where: "Infra", p95Ms: 787 },
  /** The rule group taking the largest share of its interval, at its worst evaluation (ruleShare). */
  busiestRuleGroup: { where: "tutordex_recording", share: 0.0046 },
  /** Peak resident memory of Prometheus holding the history and its 2 h head, through every dashboard query. */
  prometheusPeakMiB: 328,
  /** Resident memory with the 2 h head written, before any query. */
  withHeadMiB: 241,
  /** Its head series then: the catalog's and the rest of what the exporters expose. */
  headSeries: 17_518,
} as const;

/**
 * What the dashboards and rules are built to meet on TutorDex's full history (issue 28), on the
 * machines the stack runs on. The bench prints against them; it does not fail on them.
 */
export const PERFORMANCE_TARGETS = {
  /** Every panel at 7 d, alone, p95. */
  panelMs: 300,
  /** Every dashboard at 7 d, all its panels at once, p95. */
  dashboardMs: 1500,
  /** A rule group's evaluation, as a share of its interval. */
  ruleShare: 0.1,
  /**
   * Prometheus's memory limit over its measured peak: room for what the bench does not do
   * (compacting a block while an operator runs a 15-day query in Explore).
   */
  memoryHeadroom: 1.5,
} as const;

const MiB = 1024 * 1024;

/** The limit against a measured peak, in words. */
export function memoryVerdict(peakBytes: number, limitBytes: number): string {
  const need = peakBytes * PERFORMANCE_TARGETS.memoryHeadroom;
  const ok = need <= limitBytes;
  return `Memory limit ${(limitBytes / MiB).toFixed(0)} MiB against a peak of ${(peakBytes / MiB).toFixed(0)} MiB: headroom ${((limitBytes - peakBytes) / MiB).toFixed(0)} MiB (${(limitBytes / peakBytes).toFixed(1)}× the peak; wanted ${PERFORMANCE_TARGETS.memoryHeadroom}×)${ok ? "." : ` — too small: raise it to at least ${Math.ceil(need / MiB)} MiB.`}`;
}

/**
 * cAdvisor's container_start_time_seconds as Prometheus stores it at a 15 s scrape: a container
 * is in cAdvisor's output only while it runs (its cgroup exists), with the run's start time in
 * whole seconds (Docker's State.StartedAt, cAdvisor ≥ v0.57). The first scrape that misses it
 * writes a staleness marker; later misses write nothing.
 */
export interface Run {
  /** seconds since the test's time 0 (negative: before it) */
  readonly start: number;
  /** seconds; Infinity while it keeps running */
  readonly end: number;
}

export const SCRAPE_SECONDS = 15;

export function scrapedStarts(runs: readonly Run[], untilSeconds: number): string {
  const out: string[] = [];
  let present = false;
  for (let t = 0; t <= untilSeconds; t += SCRAPE_SECONDS) {
    const run = runs.find((r) => r.start <= t && t < r.end);
    if (run) out.push(String(Math.floor(run.start)));
    else out.push(present ? "stale" : "_");
    present = run !== undefined;
  }
  return out.join(" ");
}

/**
 * A container that ran for a day, then crashes `after` seconds into every run, restarted by
 * Docker under `unless-stopped`: the delay starts at 100 ms and doubles up to a minute while
 * runs last under 10 s (moby's restartmanager).
 */
export function crashLoop(crashAt: number, runSeconds: number, untilSeconds: number): Run[] {
  const runs: Run[] = [{ start: -86400, end: crashAt }];
  let delay = 0.1;
  let t = crashAt;
  while (t < untilSeconds) {
    const start = t + delay;
    t = start + runSeconds;
    runs.push({ start, end: t });
    delay = runSeconds >= 10 ? 0.1 : Math.min(delay * 2, 60);
  }
  return runs;
}

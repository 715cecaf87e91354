import { MEASURED } from "../../bench/measured";
import { memoryVerdict, PERFORMANCE_TARGETS } from "../../bench/targets";
import { DEFAULT_MEMORY_MB } from "../../config/defaults";
import { stackConfig } from "../../harness/fixtures";
import { committedStacks } from "../../harness/stackFiles";

const MiB = 1024 * 1024;

/** Prometheus's memory limit against the peak bench:dashboards measured on TutorDex's 15-day history. */
describe("Prometheus's memory limit", () => {
  const needed = MEASURED.prometheusPeakMiB * PERFORMANCE_TARGETS.memoryHeadroom;

  it(`leaves ${PERFORMANCE_TARGETS.memoryHeadroom}x the measured peak by default`, () => {
    expect({ limit: DEFAULT_MEMORY_MB.prometheus, atLeast: needed, fits: DEFAULT_MEMORY_MB.prometheus >= needed }).toEqual({
      limit: DEFAULT_MEMORY_MB.prometheus,
      atLeast: needed,
      fits: true,
    });
  });

  it.each(committedStacks())("leaves it in stack %s", (stack) => {
    const limit = stackConfig(stack).memoryMb.prometheus;
    expect({ stack, limit, fits: limit >= needed }).toEqual({ stack, limit, fits: true });
  });

  it("is called too small, with the figure to raise it to, below that", () => {
    expect(memoryVerdict(400 * MiB, 512 * MiB)).toBe(
      "Memory limit 512 MiB against a peak of 400 MiB: headroom 112 MiB (1.3× the peak; wanted 1.5×) — too small: raise it to at least 600 MiB.",
    );
    expect(memoryVerdict(400 * MiB, 600 * MiB)).toBe(
      "Memory limit 600 MiB against a peak of 400 MiB: headroom 200 MiB (1.5× the peak; wanted 1.5×).",
    );
  });
});

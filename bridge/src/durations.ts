import { BRIDGE_DURATION } from "../../config/durations";

/**
 * Short durations as operators write them (30m, 1h, 24h, 2d, 1h30m), in milliseconds. The grammar
 * lives in config/durations.ts, which the stack schema checks the console's silence buttons with.
 */
export function parseDuration(text: string): number | undefined {
  return BRIDGE_DURATION.parse(text);
}

/** The shortest exact spelling of a duration: 3600000 → "1h", 5400000 → "1h30m". */
export function formatDuration(ms: number): string {
  let rest = Math.round(ms / 1000);
  const out: string[] = [];
  for (const [unit, size] of [["d", 86_400], ["h", 3600], ["m", 60], ["s", 1]] as const) {
    const n = Math.floor(rest / size);
    if (n > 0) out.push(`${n}${unit}`);
    rest -= n * size;
  }
  return out.join("") || "0s";
}

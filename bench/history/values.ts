/**
 * Sample values as closed-form functions of time, so any slice of the history (or the live head,
 * weeks later) can be written without replaying what came before, and a counter never goes down.
 */
export type ValueAt = (t: number) => number;

const DAY = 86_400;
const OMEGA = (2 * Math.PI) / DAY;
/** TutorDex is busiest at 20:00 in Singapore (12:00 UTC) and quietest twelve hours later. */
const PEAK_UTC = 12 * 3600;

/** A deterministic number in [0, 1) from integers: noise that is the same every time the history is written. */
export function unit(...keys: number[]): number {
  let h = 0x811c9dc5;
  for (const k of keys) {
    h = Math.imul(h ^ (k | 0), 0x01000193);
    h = Math.imul(h ^ Math.floor(k / 4294967296), 0x01000193);
  }
  h ^= h >>> 15;
  h = Math.imul(h, 0x2c1b3c6d);
  h ^= h >>> 12;
  return (h >>> 0) / 4294967296;
}

/** A string's stable number, to key noise and offsets by series or target. */
export function hashOf(text: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < text.length; i++) h = Math.imul(h ^ text.charCodeAt(i), 0x01000193);
  return h >>> 0;
}

/** ∫ (1 + a·cos(ω(t − peak))) dt: elapsed seconds weighted by the daily cycle. */
const dayWeighted = (amplitude: number) => (t: number) => t + (amplitude / OMEGA) * Math.sin(OMEGA * (t - PEAK_UTC));

/** The share of a rate a series carries from `from` on (a canary's 10 %, then all of it). */
export interface ShareStep {
  readonly from: number;
  readonly share: number;
}

/**
 * A counter that starts at zero at `steps[0].from` and grows at `perSecond` on average, following
 * the daily cycle (amplitude 0 for a flat rate) and the share steps. `resolution` 1 makes it count
 * events; 0.01 is node_exporter's CPU seconds.
 */
export function counter(perSecond: number, steps: readonly ShareStep[], amplitude = 0.6, resolution = 1): ValueAt {
  const g = dayWeighted(amplitude);
  // Accumulated (share-weighted) time at the start of each step, so the value is one sum away.
  const base: number[] = [0];
  for (let i = 1; i < steps.length; i++) base.push(base[i - 1] + steps[i - 1].share * (g(steps[i].from) - g(steps[i - 1].from)));
  return (t) => {
    let i = steps.length - 1;
    while (i > 0 && t < steps[i].from) i--;
    const weighted = base[i] + steps[i].share * (g(t) - g(steps[i].from));
    return Math.max(0, Math.floor((perSecond * weighted) / resolution) * resolution);
  };
}

/** A counter's cumulative share `fraction` (a histogram bucket, one status of many): never above its total. */
export const fractionOf =
  (total: ValueAt, fraction: number): ValueAt =>
  (t) =>
    Math.floor(total(t) * fraction);

/** A gauge around `base` that follows the daily cycle, with per-sample noise of ±`noise`·base, rounded to `resolution`. */
export function wave(base: number, amplitude: number, noise: number, key: number, resolution = 1): ValueAt {
  return (t) => {
    const v = base * (1 + amplitude * Math.cos(OMEGA * (t - PEAK_UTC)) + noise * (2 * unit(key, Math.floor(t)) - 1));
    return Math.round(v / resolution) * resolution;
  };
}

export const constant =
  (v: number): ValueAt =>
  () =>
    v;

/** The time of the last event of something that happens every `period` seconds (a channel's last message). */
export const lastEvery =
  (period: number, phase: number): ValueAt =>
  (t) =>
    Math.floor(t - ((t - phase) % period));

/** 1, except one sample in `oneIn` (a failed scrape or probe), at instants fixed by `key`. */
export const mostlyOne =
  (oneIn: number, key: number): ValueAt =>
  (t) =>
    unit(key, Math.floor(t)) < 1 / oneIn ? 0 : 1;

/** Free space that a workload fills at `perDay` bytes a day and a nightly cleanup gives back. */
export function fillingDisk(free: number, perDay: number, key: number): ValueAt {
  return (t) => {
    const sinceCleanup = (t - 3 * 3600) % DAY;
    return Math.round(free - (perDay * sinceCleanup) / DAY - 4096 * Math.floor(unit(key, Math.floor(t / 60)) * 64));
  };
}

/** Cumulative shares of a log-normal latency (median, spread σ of ln) below each bucket bound. */
export function logNormalShares(bounds: readonly number[], median: number, sigma: number): number[] {
  // Abramowitz-Stegun erf: plenty for bucket shares.
  const erf = (x: number) => {
    const s = Math.sign(x);
    const a = Math.abs(x);
    const k = 1 / (1 + 0.3275911 * a);
    const y = 1 - ((((1.061405429 * k - 1.453152027) * k + 1.421413741) * k - 0.284496736) * k + 0.254829592) * k * Math.exp(-a * a);
    return s * y;
  };
  return bounds.map((b) => 0.5 * (1 + erf((Math.log(b) - Math.log(median)) / (sigma * Math.SQRT2))));
}

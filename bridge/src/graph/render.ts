import { CAP_ROWS, textWidth } from "./font";
import { encodeIndexedPng, Rgb } from "./png";
import { Raster } from "./raster";

/** One line of the graph: its legend name and its samples, [unix seconds, value], in time order. */
export interface GraphSeries {
  readonly name: string;
  readonly points: readonly (readonly [number, number])[];
}

export type Comparison = ">" | ">=" | "<" | "<=" | "==" | "!=";

export interface GraphSpec {
  /** Drawn in this order of importance: the first is the legend's first line and is drawn on top. */
  readonly series: readonly GraphSeries[];
  /** Series the query returned but the graph leaves out (the legend says how many). */
  readonly hidden: number;
  readonly startS: number;
  readonly endS: number;
  readonly stepS: number;
  readonly threshold?: { readonly op: Comparison; readonly value: number };
  /** When the alert started firing (unix seconds). */
  readonly firingSinceS?: number;
}

/**
 * 800x400 shows whole in a chat on a phone; every text is drawn at 3x the 5x9 font (a capital 21
 * pixels high), which a phone still shows at a readable size once the picture is scaled to the
 * chat's width. Well within Telegram's photo limits (telegramLimits.ts).
 */
export const GRAPH_WIDTH = 800;
export const GRAPH_HEIGHT = 400;
/** The legend has a line per series drawn; more would leave too little room to the plot. */
export const MAX_SERIES_DRAWN = 3;

const SCALE = 3;
const LINE = 30;
const MARGIN = 12;
const TEXT_HEIGHT = CAP_ROWS * SCALE;

const WHITE = 0;
const INK = 1;
const GRID = 2;
const BREACH = 3;
const RED = 4;
const MUTED = 5;
const SERIES_COLORS = [6, 7, 8];
const PALETTE: readonly Rgb[] = [
  [255, 255, 255],
  [32, 33, 36],
  [226, 226, 226],
  [253, 234, 232],
  [211, 47, 47],
  [110, 110, 110],
  [21, 101, 192],
  [239, 108, 0],
  [106, 27, 154],
];

/** Printable ASCII only (the font's range): anything else becomes "?". */
export function ascii(s: string): string {
  return Array.from(s, (ch) => (/^[\x20-\x7e]$/.test(ch) ? ch : "?")).join("");
}

/** `s` cut to at most `px` pixels at the graph's scale, with "~" marking the cut. */
function fit(s: string, px: number): string {
  const max = Math.floor((px / SCALE + 1) / 6);
  return s.length <= max ? s : `${s.slice(0, Math.max(0, max - 1))}~`;
}

const SI: readonly [number, string][] = [
  [1e12, "T"],
  [1e9, "G"],
  [1e6, "M"],
  [1e3, "k"],
];

/** A value in at most 3 significant digits, with k/M/G/T above 10,000: for the legend. */
export function shortValue(v: number): string {
  if (!Number.isFinite(v)) return String(v);
  const a = Math.abs(v);
  if (a >= 1e4) {
    const [div, unit] = SI.find(([d]) => a >= d)!;
    return `${Number((v / div).toPrecision(3))}${unit}`;
  }
  if (a !== 0 && a < 1e-3) return v.toExponential(1);
  return String(Number(v.toPrecision(3)));
}

/** Ticks on a round step (1, 2 or 5 times a power of ten), the one nearest to giving `count` of them over [min, max]. */
export function niceTicks(min: number, max: number, count = 4): number[] {
  const raw = (max - min) / count;
  const mag = 10 ** Math.floor(Math.log10(raw));
  const off = (s: number) => Math.abs(Math.log(s / raw));
  const step = [1, 2, 5, 10].map((m) => m * mag).reduce((best, s) => (off(s) < off(best) ? s : best));
  const ticks: number[] = [];
  for (let t = Math.ceil(min / step) * step; t <= max + step * 1e-9; t += step) ticks.push(Number(t.toPrecision(12)));
  return ticks;
}

/** Tick labels with the decimals their step needs, in k/M/G/T when the axis reaches 10,000. */
export function tickLabels(ticks: readonly number[]): string[] {
  const step = ticks.length > 1 ? ticks[1] - ticks[0] : Math.abs(ticks[0]) || 1;
  const top = Math.max(...ticks.map(Math.abs));
  const [div, unit] = top >= 1e4 ? SI.find(([d]) => top >= d)! : [1, ""];
  const decimals = Math.min(6, Math.max(0, Math.ceil(-Math.log10(step / div) - 1e-9)));
  return ticks.map((t) => (t === 0 ? "0" : `${(t / div).toFixed(decimals)}${unit}`));
}

function hhmm(s: number): string {
  return new Date(s * 1000).toISOString().slice(11, 16);
}

/** The value range shown: every sample drawn and the threshold, with a margin. */
function valueRange(spec: GraphSpec): [number, number] {
  let lo = Infinity;
  let hi = -Infinity;
  const include = (v: number) => {
    lo = Math.min(lo, v);
    hi = Math.max(hi, v);
  };
  for (const s of spec.series) for (const [, v] of s.points) include(v);
  if (spec.threshold) include(spec.threshold.value);
  if (!Number.isFinite(lo)) return [0, 1];
  if (lo === hi) return lo === 0 ? [-1, 1] : [lo - Math.abs(lo) * 0.1, hi + Math.abs(hi) * 0.1];
  const pad = (hi - lo) * 0.08;
  return [lo - pad, hi + pad];
}

export interface PlotArea {
  readonly left: number;
  readonly right: number;
  readonly top: number;
  readonly bottom: number;
  /** Pixel row of a value. */
  y(v: number): number;
  /** Pixel column of a time (unix seconds). */
  x(s: number): number;
}

/** Where the plot sits and how values and times map to pixels; exported so tests can find the threshold's row. */
export function plotArea(spec: GraphSpec): PlotArea & { readonly ticks: number[]; readonly labels: string[] } {
  const [lo, hi] = valueRange(spec);
  const ticks = niceTicks(lo, hi).filter((t) => t >= lo && t <= hi);
  const labels = tickLabels(ticks);
  const legendLines = Math.max(1, spec.series.length);
  const left = MARGIN + Math.max(...labels.map((l) => textWidth(l, SCALE))) + 10;
  const right = GRAPH_WIDTH - MARGIN;
  const top = MARGIN + legendLines * LINE + 8;
  const bottom = GRAPH_HEIGHT - MARGIN - TEXT_HEIGHT - 10;
  return {
    left,
    right,
    top,
    bottom,
    ticks,
    labels,
    y: (v) => Math.round(bottom - ((v - lo) / (hi - lo)) * (bottom - top)),
    x: (s) => Math.round(left + ((s - spec.startS) / (spec.endS - spec.startS)) * (right - left)),
  };
}

/**
 * The graph as an indexed PNG: the series over the window (gaps where samples are missing), the
 * threshold as a dashed red line with the side that breaks it tinted, the firing start as a dashed
 * red line, value ticks on the left, UTC times below, a legend line per series with its last value.
 */
export function renderGraph(spec: GraphSpec): Buffer {
  const r = new Raster(GRAPH_WIDTH, GRAPH_HEIGHT, WHITE);
  const p = plotArea(spec);
  const t = spec.threshold;
  if (t && [">", ">=", "<", "<="].includes(t.op)) {
    const ty = p.y(t.value);
    if (t.op.startsWith(">")) r.fillRect(p.left, p.top, p.right - p.left, ty - p.top, BREACH);
    else r.fillRect(p.left, ty, p.right - p.left, p.bottom - ty, BREACH);
  }
  p.ticks.forEach((v, i) => {
    const y = p.y(v);
    r.fillRect(p.left, y, p.right - p.left, 1, GRID);
    r.text(p.left - 10 - textWidth(p.labels[i], SCALE), y - Math.floor(TEXT_HEIGHT / 2), p.labels[i], MUTED, SCALE);
  });
  const quarter = 900;
  for (let s = Math.ceil(spec.startS / quarter) * quarter; s <= spec.endS; s += quarter) {
    const x = p.x(s);
    r.fillRect(x, p.top, 1, p.bottom - p.top, GRID);
    const label = hhmm(s);
    const lx = Math.min(p.right - textWidth(label, SCALE), Math.max(p.left, x - textWidth(label, SCALE) / 2));
    r.text(lx, p.bottom + 8, label, MUTED, SCALE);
  }
  r.text(MARGIN, p.bottom + 8, "UTC", MUTED, SCALE);
  r.fillRect(p.left, p.bottom, p.right - p.left, 1, INK);
  for (let i = spec.series.length - 1; i >= 0; i--) drawSeries(r, p, spec.series[i].points, SERIES_COLORS[i], spec.stepS);
  if (t) {
    const ty = p.y(t.value);
    r.dashedHorizontal(p.left, p.right, ty, RED, 3);
    const label = `${t.op} ${shortValue(t.value)}`;
    const above = ty - TEXT_HEIGHT - 6 >= p.top;
    r.text(p.right - textWidth(label, SCALE) - 4, above ? ty - TEXT_HEIGHT - 6 : ty + 8, label, RED, SCALE);
  }
  if (spec.firingSinceS !== undefined) {
    const since = spec.firingSinceS;
    if (since >= spec.startS && since <= spec.endS) {
      const x = p.x(since);
      r.dashedVertical(x, p.top, p.bottom, RED, 3);
      const label = `firing ${hhmm(since)}`;
      const w = textWidth(label, SCALE);
      r.text(x + 8 + w <= p.right ? x + 8 : x - 8 - w, p.top + 6, label, RED, SCALE);
    } else if (since < spec.startS) r.text(p.left + 8, p.top + 6, `firing since ${hhmm(since)}`, RED, SCALE);
  }
  legend(r, spec);
  return encodeIndexedPng(GRAPH_WIDTH, GRAPH_HEIGHT, PALETTE, r.pixels);
}

function drawSeries(r: Raster, p: PlotArea, points: GraphSeries["points"], color: number, stepS: number): void {
  for (let i = 0; i < points.length; i++) {
    const [s, v] = points[i];
    const prev = points[i - 1];
    const joined = prev !== undefined && s - prev[0] <= stepS * 2;
    const next = points[i + 1];
    if (joined) r.line(p.x(prev[0]), p.y(prev[1]), p.x(s), p.y(v), color, 3);
    // A sample alone between gaps is a dot, or it would not show at all.
    else if (next === undefined || next[0] - s > stepS * 2) r.fillRect(p.x(s) - 2, p.y(v) - 2, 5, 5, color);
  }
}

function legend(r: Raster, spec: GraphSpec): void {
  const more = spec.hidden > 0 ? `+${spec.hidden} more` : "";
  const moreWidth = more ? textWidth(more, SCALE) + 16 : 0;
  if (spec.series.length === 0) r.text(MARGIN, MARGIN, "no data in the last hour", MUTED, SCALE);
  spec.series.forEach((s, i) => {
    const y = MARGIN + i * LINE;
    r.fillRect(MARGIN, y + 7, 24, 8, SERIES_COLORS[i]);
    const last = s.points.length ? shortValue(s.points[s.points.length - 1][1]) : "";
    const room = GRAPH_WIDTH - 2 * MARGIN - 34 - (i === 0 ? moreWidth : 0);
    const valueWidth = textWidth(last, SCALE) + 18;
    r.text(MARGIN + 34, y, fit(ascii(s.name), room - valueWidth), INK, SCALE);
    r.text(
      MARGIN + 34 + Math.min(textWidth(fit(ascii(s.name), room - valueWidth), SCALE) + 18, room - valueWidth + 18),
      y,
      last,
      SERIES_COLORS[i],
      SCALE,
    );
  });
  if (more) r.text(GRAPH_WIDTH - MARGIN - textWidth(more, SCALE), MARGIN, more, MUTED, SCALE);
}

import * as yaml from "js-yaml";
import { AlertOverride } from "../../../config/schema";
import { toYaml } from "../../../config/yaml";
import { ALERTS } from "../../../rules/catalog";
import { renderRuleFiles, RuleSettings } from "../../../rules/render";

/**
 * One-line defects of the kind issue 16's audit made, applied to every rule at once: a threshold
 * moved by 5%, `for:` moved by one evaluation (15 s), one range window or offset moved by a tenth
 * (at least a minute). The promtool cases must fail for every rule each batch changes.
 */
export interface MutationBatch {
  readonly name: string;
  /** alert names or recorded series that this batch changed */
  readonly mutated: readonly string[];
  /** recording rules changed: their value tests must catch it */
  readonly recording: boolean;
  readonly files: Record<string, string>;
}

/** 5% of the threshold, a whole unit for counts, and 1 for a threshold of 0 ("any" becomes "more than one"). */
export function thresholdStep(t: number): number {
  if (t === 0) return 1;
  return Number.isInteger(t) ? Math.max(1, Math.round(Math.abs(t) * 0.05)) : Math.abs(t) * 0.05;
}

const seconds = (d: string) => [...d.matchAll(/(\d+)([smhd])/g)].reduce((s, [, n, u]) => s + Number(n) * { s: 1, m: 60, h: 3600, d: 86400 }[u as "s"], 0);
const duration = (s: number) => (s % 60 === 0 ? `${s / 60}m` : s > 60 ? `${Math.floor(s / 60)}m${s % 60}s` : `${s}s`);

function withOverrides(settings: RuleSettings, name: string, overrides: Record<string, AlertOverride>): MutationBatch {
  return { name, mutated: Object.keys(overrides), recording: false, files: renderRuleFiles({ ...settings, alertOverrides: overrides }) };
}

export function thresholdBatches(settings: RuleSettings): MutationBatch[] {
  const thresholded = ALERTS.filter((a) => a.threshold !== undefined);
  return ([1, -1] as const).map((sign) =>
    withOverrides(settings, `threshold ${sign > 0 ? "+" : "-"}5%`, Object.fromEntries(thresholded.map((a) => [a.alert, { threshold: a.threshold! + sign * thresholdStep(a.threshold!) }]))),
  );
}

export function forBatches(settings: RuleSettings): MutationBatch[] {
  const later = Object.fromEntries(ALERTS.map((a) => [a.alert, { for: duration(seconds(a.for) + 15) }]));
  const sooner = Object.fromEntries(ALERTS.filter((a) => seconds(a.for) > 0).map((a) => [a.alert, { for: duration(seconds(a.for) - 15) }]));
  return [withOverrides(settings, "for + 15s", later), withOverrides(settings, "for - 15s", sooner)];
}

const WINDOW = /\[(\d+[smhd])\]|offset (\d+[smhd])/g;

/** The i-th range window or offset of `expr` moved by `sign` tenths (at least a minute), or undefined if it has none. */
export function moveWindow(expr: string, i: number, sign: 1 | -1): string | undefined {
  let n = 0;
  let changed = false;
  const out = expr.replace(WINDOW, (whole, range: string | undefined, offset: string | undefined) => {
    if (n++ !== i) return whole;
    changed = true;
    const s = seconds(range ?? offset!);
    const moved = duration(s + sign * Math.max(60, Math.floor(s / 600) * 60));
    return range ? `[${moved}]` : `offset ${moved}`;
  });
  return changed ? out : undefined;
}

interface RuleFile {
  groups: { name: string; interval?: string; rules: { alert?: string; record?: string; expr: string }[] }[];
}

/** Batches moving the i-th window of every alert (or every recording rule) that has one. */
export function windowBatches(files: Readonly<Record<string, string>>, kind: "alert" | "record"): MutationBatch[] {
  const batches: MutationBatch[] = [];
  for (let i = 0; ; i++) {
    let any = false;
    for (const sign of [1, -1] as const) {
      const mutated: string[] = [];
      const out: Record<string, string> = {};
      for (const [name, text] of Object.entries(files)) {
        const doc = yaml.load(text) as RuleFile;
        for (const g of doc.groups) {
          for (const r of g.rules) {
            const id = r[kind];
            const moved = id ? moveWindow(r.expr, i, sign) : undefined;
            if (id && moved) {
              r.expr = moved;
              mutated.push(id);
            }
          }
        }
        out[name] = toYaml(doc);
      }
      if (mutated.length === 0) continue;
      any = true;
      batches.push({ name: `${kind} window #${i} ${sign > 0 ? "longer" : "shorter"}`, mutated, recording: kind === "record", files: out });
    }
    if (!any) return batches;
  }
}

/**
 * Mutants that cannot change any answer, with the reason. Each is a window of the `* 0` fallback
 * of a parse fraction (error per pipeline, success per channel): it only supplies a label set when the other side is absent, and
 * its value is multiplied by 0 whatever the window.
 */
export const EQUIVALENT: Readonly<Record<string, string>> = {
  "record window #1 longer/tutordex:worker:parse_error_fraction": "(OK * 0) in the numerator: only its labels matter",
  "record window #1 shorter/tutordex:worker:parse_error_fraction": "(OK * 0) in the numerator: only its labels matter",
  "record window #3 longer/tutordex:worker:parse_error_fraction": "(OK * 0) in the denominator's failure side: only its labels matter",
  "record window #3 shorter/tutordex:worker:parse_error_fraction": "(OK * 0) in the denominator's failure side: only its labels matter",
  "record window #5 longer/tutordex:worker:parse_error_fraction": "(FAIL * 0) in the denominator's success side: only its labels matter",
  "record window #5 shorter/tutordex:worker:parse_error_fraction": "(FAIL * 0) in the denominator's success side: only its labels matter",
  "record window #1 longer/tutordex:channel:parse_success_fraction": "(FAIL * 0) in the numerator: only its labels matter",
  "record window #1 shorter/tutordex:channel:parse_success_fraction": "(FAIL * 0) in the numerator: only its labels matter",
  "record window #3 longer/tutordex:channel:parse_success_fraction": "(FAIL * 0) in the denominator's success side: only its labels matter",
  "record window #3 shorter/tutordex:channel:parse_success_fraction": "(FAIL * 0) in the denominator's success side: only its labels matter",
  "record window #5 longer/tutordex:channel:parse_success_fraction": "(OK * 0) in the denominator's failure side: only its labels matter",
  "record window #5 shorter/tutordex:channel:parse_success_fraction": "(OK * 0) in the denominator's failure side: only its labels matter",
};

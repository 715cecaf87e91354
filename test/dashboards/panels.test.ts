import { DASHBOARDS } from "../../dashboards";
import { ALERTS } from "../../rules/catalog";

/**
 * What a reader of each panel sees: that it has something to show, the unit its numbers are shown
 * in (derived from what the query measures), and the colour a value gets (thresholds read the way
 * Grafana reads them: the last step whose value is at or below it).
 */
type Step = { value: number | null; color: string };
type Panel = {
  type: string;
  title: string;
  targets?: { expr: string }[];
  fieldConfig?: { defaults: { unit?: string; min?: number; max?: number; thresholds: { mode: string; steps: Step[] } } };
};
const panels = DASHBOARDS.flatMap((d) => (d.panels as Panel[]).map((p) => ({ where: `${d.uid} / ${p.title}`, ...p })));
const dataPanels = panels.filter((p) => p.type !== "alertlist");
const find = (uid: string, title: string) => {
  const p = (DASHBOARDS.find((d) => d.uid === uid)!.panels as Panel[]).find((x) => x.title === title);
  if (!p) throw new Error(`no panel ${title} on ${uid}`);
  return p;
};
const colorAt = (p: Panel, v: number) =>
  p.fieldConfig!.defaults.thresholds.steps.filter((s) => s.value === null || s.value <= v).pop()!.color;
/** Grafana's named colours (and the base palette) that threshold steps may use. */
const COLORS = new Set([
  "green",
  "red",
  "yellow",
  "orange",
  "blue",
  "purple",
  "text",
  "transparent",
  "dark-red",
  "dark-green",
  "dark-yellow",
  "dark-orange",
]);

describe("every panel that shows data", () => {
  it.each(dataPanels.map((p) => [p.where, p]))("%s has a query", (_where, p) => {
    expect((p.targets ?? []).filter((t) => t.expr.trim().length > 0).length).toBeGreaterThan(0);
  });

  it.each(dataPanels.map((p) => [p.where, p]))(
    "%s: absolute thresholds from a base step up, in ascending order, in colours Grafana knows",
    (_where, p) => {
      const { mode, steps } = p.fieldConfig!.defaults.thresholds;
      expect(mode).toBe("absolute");
      expect(steps[0].value).toBeNull();
      const values = steps.slice(1).map((s) => s.value as number);
      expect(values).toEqual([...values].sort((a, b) => a - b));
      expect(new Set(values).size).toBe(values.length);
      expect(steps.map((s) => s.color).filter((c) => !COLORS.has(c))).toEqual([]);
    },
  );
});

/** The unit a query's numbers are in, where its shape says so; undefined where it does not (counts, mixed). */
function unitOf(expr: string): string | undefined {
  if (/histogram_quantile\(/.test(expr) || /seconds_since_last_message|_age_seconds|_last_duration_seconds|- time\(\)/.test(expr))
    return "s";
  if (
    /\/ clamp_min\(.* \+ .*, 1e-06\)$/.test(expr) ||
    /_fraction\b/.test(expr) ||
    /^1 - /.test(expr) ||
    /avail_bytes\{[^}]*\} \/ node_filesystem_size_bytes/.test(expr)
  )
    return "percentunit";
  if (/rate\(container_cpu_usage_seconds_total|container:cpu_usage_per_s\b/.test(expr)) return "percentunit";
  if (/rate\(\w+_bytes(_[a-z]+)?_total|_bytes_per_s\b/.test(expr)) return "Bps";
  if (/^(sum by \(\w+\) \()?container_memory_working_set_bytes|^predict_linear\(node_filesystem_avail_bytes/.test(expr)) return "bytes";
  if (/^sum( by \([\w, ]+\))? \(rate\(\w+_total(\{[^}]*\})?\[\$__rate_interval\]\)\)$|_per_s\b/.test(expr)) return "ops";
  return undefined;
}

describe("units follow what the queries measure", () => {
  const decided = dataPanels.flatMap((p) => {
    const units = [...new Set((p.targets ?? []).map((t) => unitOf(t.expr)))];
    return units.length === 1 && units[0] !== undefined ? [[p.where, units[0], p] as const] : [];
  });

  it("most panels have a unit their queries decide", () => expect(decided.length).toBeGreaterThan(45));

  it.each(decided)("%s is in %s", (_where, unit, p) => {
    expect(p.fieldConfig!.defaults.unit).toBe(unit);
  });

  it.each(
    dataPanels
      .filter(
        (p) => p.fieldConfig?.defaults.unit === "percentunit" && p.type !== "table" && p.type !== "stat" && !/Container CPU/.test(p.title),
      )
      .map((p) => [p.where, p]),
  )("%s shows a share on a 0–1 axis", (_where, p) => {
    expect([p.fieldConfig!.defaults.min, p.fieldConfig!.defaults.max]).toEqual([0, 1]);
  });

  it.each(
    dataPanels
      .filter((p) => p.type === "timeseries" && (p.targets ?? []).every((t) => /^(up|probe_success)\b/.test(t.expr)))
      .map((p) => [p.where, p]),
  )("%s plots up/down on a 0–1 axis", (_where, p) => {
    expect([p.fieldConfig!.defaults.min, p.fieldConfig!.defaults.max]).toEqual([0, 1]);
  });
});

describe("colours say what a value means", () => {
  it.each([
    ["tutordex-home", "Collector up"],
    ["tutordex-home", "Worker up"],
    ["tutordex-home", "Backend up"],
    ["tutordex-realtime", "Service status"],
  ])("%s / %s: down is red, up is green", (uid, title) => {
    const p = find(uid, title);
    expect([colorAt(p, 0), colorAt(p, 1)]).toEqual(["red", "green"]);
  });

  it.each([
    ["Firing critical alerts", "red"],
    ["Firing warning alerts", "orange"],
  ])("home / %s: none is green, one is %s", (title, color) => {
    const p = find("tutordex-home", title);
    expect([colorAt(p, 0), colorAt(p, 1), colorAt(p, 7)]).toEqual(["green", color, color]);
  });

  it.each([
    ["tutordex-home", "Parse success (1h)"],
    ["tutordex_data_quality", "Completeness score (1h)"],
  ])("%s / %s: below 80%% red, below 95%% yellow, then green, on a 0–1 gauge", (uid, title) => {
    const p = find(uid, title);
    expect([colorAt(p, 0.5), colorAt(p, 0.79), colorAt(p, 0.8), colorAt(p, 0.94), colorAt(p, 0.95), colorAt(p, 1)]).toEqual([
      "red",
      "red",
      "yellow",
      "yellow",
      "green",
      "green",
    ]);
    expect([p.fieldConfig!.defaults.unit, p.fieldConfig!.defaults.min, p.fieldConfig!.defaults.max]).toEqual(["percentunit", 0, 1]);
  });

  it("the certificate panel turns yellow and red where the certificate alerts fire", () => {
    const p = find("tutordex-infra", "Public TLS certificate expires in");
    const threshold = (alert: string) => ALERTS.find((a) => a.alert === alert)!.threshold!;
    const [soon, imminent] = [threshold("PublicCertExpiringSoon"), threshold("PublicCertExpiryImminent")];
    expect([soon, imminent]).toEqual([14 * 86400, 3 * 86400]);
    expect([colorAt(p, imminent - 1), colorAt(p, imminent), colorAt(p, soon - 1), colorAt(p, soon)]).toEqual([
      "red",
      "yellow",
      "yellow",
      "green",
    ]);
  });

  it("the disk forecast is red below zero (full within a day)", () => {
    const p = find("tutordex-infra", "Disk forecast: free in 24h");
    expect([colorAt(p, -1), colorAt(p, 0), colorAt(p, 1e9)]).toEqual(["red", "green", "green"]);
  });
});

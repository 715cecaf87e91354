import { BRIDGE_DURATION, durationProblem, GO_DURATION, PROMETHEUS_DURATION } from "../../config/durations";

/**
 * config/durations.ts: each grammar reads what its program reads (prometheus/common's
 * model.ParseDuration, Go's time.ParseDuration, the bridge's own) and refuses what it refuses.
 */

const H = 3_600_000;

describe("Prometheus's grammar (Prometheus, Alertmanager's config, Loki's retention_period)", () => {
  it.each([
    ["0", 0],
    ["0s", 0],
    ["1ms", 1],
    ["90s", 90_000],
    ["1y2w3d4h5m6s7ms", 31_536_000_000 + 2 * 604_800_000 + 3 * 86_400_000 + 4 * H + 5 * 60_000 + 6000 + 7],
    ["292y", 292 * 31_536_000_000],
  ])("reads %s as %d ms", (text, ms) => {
    expect(PROMETHEUS_DURATION.parse(text)).toBe(ms);
  });

  // Units out of order or twice, fractions, signs, spaces, capitals, a missing unit, overflow.
  it.each(["", "1m1h", "1h1h", "1s1ms1s", "1.5h", "-1h", "+1h", " 1h", "1h ", "1H", "15", "h", "1d 2h", "293y", "1us"])(
    "refuses %j",
    (text) => {
      expect(PROMETHEUS_DURATION.parse(text)).toBeUndefined();
    },
  );
});

describe("Go's grammar (Tempo, kingpin flags such as Alertmanager's --cluster.peer-timeout)", () => {
  it.each([
    ["0", 0],
    ["1.5h", 1.5 * H],
    [".5s", 500],
    ["1.s", 1000],
    ["30m1h", 1.5 * H],
    ["1h1h", 2 * H],
    ["-1h", -H],
    ["+1h", H],
    ["1500us", 1.5],
    ["1500µs", 1.5],
    ["2000000ns", 2],
    ["2562047h", 2562047 * H],
  ])("reads %s as %d ms", (text, ms) => {
    expect(GO_DURATION.parse(text)).toBeCloseTo(ms, 6);
  });

  it.each(["", "1d", "1w", "1y", ".s", "1", "1H", "1h ", "--1h", "2562048h", "1hx"])("refuses %j", (text) => {
    expect(GO_DURATION.parse(text)).toBeUndefined();
  });
});

describe("the bridge's grammar (the console's silences)", () => {
  it.each([
    ["1h30m", 1.5 * H],
    ["30m1h", 1.5 * H],
    [" 2d ", 48 * H],
    ["1w", 168 * H],
    ["60s", 60_000],
  ])("reads %j as %d ms", (text, ms) => {
    expect(BRIDGE_DURATION.parse(text)).toBe(ms);
  });

  it.each(["", "1y", "1ms", "1.5h", "1H", "forever", "1h,2h"])("refuses %j", (text) => {
    expect(BRIDGE_DURATION.parse(text)).toBeUndefined();
  });
});

describe("durationProblem", () => {
  const limits = { min: { value: "1m", why: "why min" }, max: { value: "2h", why: "why max" } };
  it("says the form, then the bounds, each inclusive", () => {
    expect(durationProblem("soon", GO_DURATION, limits)).toBe(`expected ${GO_DURATION.form}`);
    expect(durationProblem(42, GO_DURATION, limits)).toBe(`expected ${GO_DURATION.form}`);
    expect(durationProblem("59s", GO_DURATION, limits)).toBe("expected at least 1m (why min)");
    expect(durationProblem("2h0m1s", GO_DURATION, limits)).toBe("expected at most 2h (why max)");
    expect([
      durationProblem("60s", GO_DURATION, limits),
      durationProblem("120m", GO_DURATION, limits),
      durationProblem("0", GO_DURATION),
    ]).toEqual([undefined, undefined, undefined]);
  });
});

import { panelQuery, roundInterval } from "../../bench/grafana";

/**
 * The step and $__rate_interval Grafana sends for a 1,200-pixel panel on the 15 s datasource:
 * range / 1200 snapped to Grafana's table of nice intervals (not the raw quotient), and
 * max($__interval + 15 s, 4 × 15 s).
 */
describe("Grafana's step for a 1,200-pixel panel", () => {
  it.each([
    ["24 h", 86_400, { step: 60, interval: "60s", rateInterval: "75s" }],
    ["7 d", 604_800, { step: 600, interval: "600s", rateInterval: "615s" }],
    ["1 h: the scrape interval is the floor", 3_600, { step: 15, interval: "15s", rateInterval: "60s" }],
    ["15 min: below the floor", 900, { step: 15, interval: "15s", rateInterval: "60s" }],
  ])("%s", (_name, range, expected) => {
    expect(panelQuery(range, 1200, 15)).toMatchObject(expected);
  });

  it("snaps to the nice interval at or below each of Grafana's bounds", () => {
    expect([72, 90, 90.5, 210, 211, 450, 451, 504, 750, 751].map(roundInterval)).toEqual([60, 60, 120, 120, 300, 300, 600, 600, 600, 900]);
  });
});

import * as yaml from "js-yaml";
import { dockerNetworkPeers } from "../../config/services";
import { bridgeDedupeWindows, renderAlertmanagerConfig, RouteTimingField } from "../../generators/alertmanager";

/**
 * The timings derived from docs/spec.md §5's routes, exactly: how long the bridge remembers a delivered
 * alert per receiver (the window must outlast a group_interval and end before the reminder at
 * repeat_interval, less a delivery margin), and the `retime` hook by which the live tier runs the
 * same routes on a shorter clock. test/bridge/contract.test.ts checks the windows' bounds only.
 */

describe("the bridge's dedupe window per receiver, from the deployed routes", () => {
  it("is repeat_interval less max(group_interval, min(2 min, repeat_interval / 4)), in seconds", () => {
    expect(bridgeDedupeWindows()).toEqual({
      // 4h - 10m
      "telegram-default": 13_800,
      // 24h - 1h
      "telegram-watchdog": 82_800,
      // 1h - 15m
      "telegram-probes": 2_700,
      // 30m - 2m: group_interval and the 2-minute cap agree
      "telegram-critical": 1_680,
      // 6h - 15m
      "telegram-warning": 20_700,
      // 1h - 2m: fire drills, each its own alert
      "telegram-drill": 3_480,
    });
  });
});

describe("the same windows on a retimed clock", () => {
  /** Every route's group_interval becomes `gi` and its repeat_interval `ri`; group_wait is not read. */
  const retimed = (gi: string, ri: string) =>
    bridgeDedupeWindows((_value, field) => (field === "group_interval" ? gi : field === "repeat_interval" ? ri : "999h"));

  it("with a short group_interval the margin is two minutes, when a quarter of repeat_interval is longer", () => {
    expect(retimed("1s", "1h")["telegram-default"]).toBe(3600 - 120);
  });

  it("and a quarter of repeat_interval, when that is shorter than two minutes", () => {
    expect(retimed("1s", "4m")["telegram-default"]).toBe(240 - 60);
  });

  it("the margin is group_interval when that is the longest", () => {
    expect(retimed("3m", "4m")["telegram-default"]).toBe(240 - 180);
  });

  it("adds up compound durations and rounds down to whole seconds", () => {
    expect(retimed("1s", "1h1m30s")["telegram-default"]).toBe(3690 - 120);
    expect(retimed("1s", "2d")["telegram-default"]).toBe(172_800 - 120);
    expect(retimed("1s", "10s")["telegram-default"]).toBe(7);
    // Read as Alertmanager reads them (Prometheus's grammar): milliseconds and weeks too.
    expect(retimed("500ms", "1h")["telegram-default"]).toBe(3600 - 120);
    expect(retimed("1s", "1w")["telegram-default"]).toBe(604_800 - 120);
  });

  it("is never below one second, however short the clock", () => {
    expect(retimed("5s", "5s")).toEqual({
      "telegram-default": 1,
      "telegram-watchdog": 1,
      "telegram-probes": 1,
      "telegram-critical": 1,
      "telegram-warning": 1,
      "telegram-drill": 1,
    });
  });
});

describe("alertmanager.yml on a retimed clock", () => {
  const seen: [string, RouteTimingField][] = [];
  const doc = yaml.load(
    renderAlertmanagerConfig({ heartbeatUrl: "https://hc.test/ping" }, dockerNetworkPeers(), (value, field) => {
      seen.push([value, field]);
      return `${field}:${value}`;
    }),
  ) as { route: Record<string, any> & { routes: Record<string, unknown>[] } };

  it("retimes the root route and every route, heartbeat included, field by field, and nothing else", () => {
    const timings = (r: Record<string, unknown>) => [r.receiver, r.group_wait, r.group_interval, r.repeat_interval];
    expect([doc.route, ...doc.route.routes].map(timings)).toEqual([
      ["telegram-default", "group_wait:30s", "group_interval:10m", "repeat_interval:4h"],
      ["heartbeat", "group_wait:5s", "group_interval:1m", "repeat_interval:5m"],
      ["telegram-watchdog", "group_wait:5s", "group_interval:1h", "repeat_interval:24h"],
      ["telegram-probes", "group_wait:60s", "group_interval:15m", "repeat_interval:1h"],
      ["telegram-critical", "group_wait:5s", "group_interval:2m", "repeat_interval:30m"],
      ["telegram-warning", "group_wait:30s", "group_interval:15m", "repeat_interval:6h"],
      ["telegram-drill", "group_wait:1s", "group_interval:10s", "repeat_interval:1h"],
    ]);
    expect(seen).toHaveLength(21);
  });
});

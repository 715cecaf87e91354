import * as yaml from "js-yaml";
import { loadConfig } from "../../bridge/src/config";
import { dockerNetworkPeers } from "../../config/services";
import { bridgeDedupeWindows, DEFAULT_ROUTE, renderAlertmanagerConfig, ROUTES, WEBHOOK_MAX_ALERTS } from "../../generators/alertmanager";
import { alert, payload } from "../../harness/alerts";

/** What the generated alertmanager.yml and the bridge promise each other. */
const seconds = (d: string) =>
  [...d.matchAll(/(\d+)([smhd])/g)].reduce(
    (n, [, k, u]) => n + Number(k) * ({ s: 1, m: 60, h: 3600, d: 86400 } as Record<string, number>)[u],
    0,
  );

describe("the delivery contract between Alertmanager and the bridge", () => {
  const doc = yaml.load(renderAlertmanagerConfig({ heartbeatUrl: "https://hc.test/ping" }, dockerNetworkPeers())) as {
    receivers: { name: string; webhook_configs: { url: string; max_alerts: number }[] }[];
  };

  it("every webhook caps the alerts per notification, so no group is too big to deliver", () => {
    for (const r of doc.receivers) for (const w of r.webhook_configs) expect([r.name, w.max_alerts]).toEqual([r.name, WEBHOOK_MAX_ALERTS]);
    expect(WEBHOOK_MAX_ALERTS).toBeGreaterThan(0);
  });

  it("the largest webhook max_alerts allows, with realistic alerts, is far below the bridge's body limit", () => {
    const big = (i: number) =>
      alert({
        fingerprint: `f${i}`,
        labels: { channel: `t.me/channel_${i}`, instance: "collector-tail:9001" },
        annotations: { description: "d".repeat(600) },
      });
    const body = JSON.stringify(
      payload(
        Array.from({ length: WEBHOOK_MAX_ALERTS }, (_, i) => big(i)),
        { truncatedAlerts: 1000 },
      ),
    );
    expect(Buffer.byteLength(body) * 10).toBeLessThan(loadConfig({}).maxBodyBytes);
  });

  it.each([...ROUTES, DEFAULT_ROUTE].map((r) => [r.receiver, r] as const))(
    "%s: the bridge remembers a delivered alert longer than a group_interval and shorter than a repeat_interval",
    (receiver, route) => {
      const window = bridgeDedupeWindows()[receiver];
      expect(window).toBeGreaterThan(seconds(route.group_interval));
      expect(window).toBeLessThan(seconds(route.repeat_interval));
    },
  );

  it("the bridge's default window, for receivers it does not know, fits every route but the Watchdog's hour-long group_interval", () => {
    const fallback = loadConfig({}).dedupeWindowMs / 1000;
    for (const r of [...ROUTES, DEFAULT_ROUTE].filter((x) => x.receiver !== "telegram-watchdog")) {
      expect(fallback).toBeGreaterThan(seconds(r.group_interval));
      expect(fallback).toBeLessThan(seconds(r.repeat_interval));
    }
  });
});

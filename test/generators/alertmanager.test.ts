import * as yaml from "js-yaml";
import { renderStack } from "../../generators/stackFiles";
import { stackConfig } from "../support/fixtures";
import { committedStacks } from "../support/stackFiles";

/**
 * alertmanager.yml as each committed stack deploys it (the stack's one render, which
 * test/program/render.test.ts shows is what `pulumi up` uploads), field by field against the
 * literal values of docs/spec.md §5. Nothing here is read back from generators/alertmanager.ts.
 */
interface Route {
  receiver: string;
  matchers?: string[];
  group_by?: string[];
  group_wait: string;
  group_interval: string;
  repeat_interval: string;
  continue?: boolean;
  routes?: Route[];
}
interface Doc {
  global: Record<string, unknown>;
  route: Route;
  inhibit_rules: { source_matchers: string[]; target_matchers: string[]; equal: string[] }[];
  receivers: { name: string; webhook_configs: { url: string; send_resolved: boolean; max_alerts: number }[] }[];
}

const deployed = (stack: string, patch: Record<string, unknown> = {}) =>
  yaml.load(renderStack(stackConfig(stack, patch)).alertmanager["alertmanager.yml"]) as Doc;

/** docs/spec.md §5, first match wins; the last row is the root route (anything else). */
const SPEC_ROUTES: [receiver: string, matchers: string[], wait: string, interval: string, repeat: string, sendResolved: boolean][] = [
  ["telegram-watchdog", ['alertname="Watchdog"'], "5s", "1h", "24h", false],
  ["telegram-probes", ['alertname=~"PublicApiDown|BlackboxProbeFailed"'], "60s", "15m", "1h", true],
  ["telegram-critical", ['severity="critical"'], "5s", "2m", "30m", true],
  ["telegram-warning", ['severity="warning"'], "30s", "15m", "6h", true],
];
/** Not SPEC's: the console's fire drills (/drill), each its own group, sent after a second, last so SPEC's order stands. */
const DRILL_ROUTE = {
  receiver: "telegram-drill",
  matchers: ['alertname="FireDrill"', 'drill="true"'],
  group_by: ["alertname", "drill_id"],
  group_wait: "1s",
  group_interval: "10s",
  repeat_interval: "1h",
};
const SPEC_DEFAULT = { receiver: "telegram-default", group_wait: "30s", group_interval: "10m", repeat_interval: "4h", sendResolved: true };
const BRIDGE_ALERT_URL = "http://telegram-bridge:8080/alert";

describe.each(committedStacks())("alertmanager.yml of stack %s, field by field against SPEC §5", (stack) => {
  const doc = deployed(stack);

  it("resolves an alert Prometheus stopped sending after 5 minutes, and holds nothing else globally", () => {
    expect(doc.global).toEqual({ resolve_timeout: "5m" });
  });

  it("groups at the root by alertname, component, channel, pipeline_version and schema_version", () => {
    expect(doc.route.group_by).toEqual(["alertname", "component", "channel", "pipeline_version", "schema_version"]);
  });

  it("the root route is 'anything else': 30s, 10m, 4h to the default receiver, and matches everything", () => {
    const { routes: _routes, group_by: _by, ...root } = doc.route;
    expect(root).toEqual({
      receiver: SPEC_DEFAULT.receiver,
      group_wait: SPEC_DEFAULT.group_wait,
      group_interval: SPEC_DEFAULT.group_interval,
      repeat_interval: SPEC_DEFAULT.repeat_interval,
    });
  });

  it("has SPEC's routes in SPEC's order, each with its own timings, none continuing, none regrouping; then the fire drills' route", () => {
    expect(doc.route.routes).toEqual([
      ...SPEC_ROUTES.map(([receiver, matchers, group_wait, group_interval, repeat_interval]) => ({
        receiver,
        matchers,
        group_wait,
        group_interval,
        repeat_interval,
      })),
      DRILL_ROUTE,
    ]);
  });

  it.each(
    SPEC_ROUTES.map((r) => [r[0], r[5]] as const).concat([
      [SPEC_DEFAULT.receiver, SPEC_DEFAULT.sendResolved],
      [DRILL_ROUTE.receiver, true],
    ]),
  )("receiver %s posts to the bridge's /alert with send_resolved %s and at most 200 alerts", (name, sendResolved) => {
    const r = doc.receivers.find((x) => x.name === name);
    expect(r).toEqual({ name, webhook_configs: [{ url: BRIDGE_ALERT_URL, send_resolved: sendResolved, max_alerts: 200 }] });
  });

  it("has no receiver that no route uses", () => {
    expect(doc.receivers.map((r) => r.name).sort()).toEqual(
      [SPEC_DEFAULT.receiver, DRILL_ROUTE.receiver, ...SPEC_ROUTES.map((r) => r[0])].sort(),
    );
  });

  it("inhibits: PublicApiDown and StackServiceNotReady mute BlackboxProbeFailed of their instance; critical mutes warning of the same alertname and component; the imminent certificate expiry mutes the 14-day one", () => {
    expect(doc.inhibit_rules).toEqual([
      { source_matchers: ['alertname="PublicApiDown"'], target_matchers: ['alertname="BlackboxProbeFailed"'], equal: ["instance"] },
      { source_matchers: ['alertname="StackServiceNotReady"'], target_matchers: ['alertname="BlackboxProbeFailed"'], equal: ["instance"] },
      { source_matchers: ['severity="critical"'], target_matchers: ['severity="warning"'], equal: ["alertname", "component"] },
      {
        source_matchers: ['alertname="PublicCertExpiryImminent"'],
        target_matchers: ['alertname="PublicCertExpiringSoon"'],
        equal: ["instance"],
      },
    ]);
  });
});

describe("with a heartbeat URL (the Watchdog's dead-man's switch)", () => {
  const doc = deployed("prod", { heartbeatUrl: "https://hc.test/ping/abc?x=1&y=2" });
  const plain = deployed("prod");

  it("a first route sends the Watchdog to the bridge's /heartbeat every 5 minutes and continues to the Telegram routes", () => {
    expect(doc.route.routes![0]).toEqual({
      receiver: "heartbeat",
      matchers: ['alertname="Watchdog"'],
      group_wait: "5s",
      group_interval: "1m",
      repeat_interval: "5m",
      continue: true,
    });
    expect(doc.route.routes!.slice(1)).toEqual(plain.route.routes);
  });

  it("the heartbeat receiver posts to /heartbeat without resolved notifications; the URL itself stays with the bridge", () => {
    expect(doc.receivers.find((r) => r.name === "heartbeat")).toEqual({
      name: "heartbeat",
      webhook_configs: [{ url: "http://telegram-bridge:8080/heartbeat", send_resolved: false, max_alerts: 200 }],
    });
    expect(
      renderStack(stackConfig("prod", { heartbeatUrl: "https://hc.test/ping/abc?x=1&y=2" })).alertmanager["alertmanager.yml"],
    ).not.toContain("hc.test");
  });

  it("changes nothing else", () => {
    expect({
      ...doc,
      route: { ...doc.route, routes: doc.route.routes!.slice(1) },
      receivers: doc.receivers.filter((r) => r.name !== "heartbeat"),
    }).toEqual(plain);
  });
});

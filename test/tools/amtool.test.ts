import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import * as yaml from "js-yaml";
import { dockerNetworkPeers } from "../../config/services";
import { renderAlertmanagerConfig } from "../../generators/alertmanager";
import { ALERTS } from "../../rules/catalog";
import { committedStacks } from "../support/stackFiles";
import { stackConfig } from "../support/fixtures";
import { run } from "../support/tools";

const dir = fs.mkdtempSync(path.join(os.tmpdir(), "amtool-"));
afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

function write(name: string, text: string): string {
  const file = path.join(dir, name);
  fs.writeFileSync(file, text);
  return file;
}

const plain = write("plain.yml", renderAlertmanagerConfig({ heartbeatUrl: undefined }, dockerNetworkPeers()));
const withHeartbeat = write("heartbeat.yml", renderAlertmanagerConfig({ heartbeatUrl: "https://hc.test/ping/abc" }, dockerNetworkPeers()));

function receiversFor(file: string, labels: Record<string, string>): string {
  const r = run("amtool", ["config", "routes", "test", `--config.file=${file}`, ...Object.entries(labels).map(([k, v]) => `${k}=${v}`)]);
  if (r.status !== 0) throw new Error(r.output);
  return r.stdout.trim();
}

describe.each(committedStacks())("amtool check-config, stack %s", (stack) => {
  it("accepts the rendered alertmanager.yml", () => {
    const file = write(`${stack}.yml`, renderAlertmanagerConfig(stackConfig(stack), dockerNetworkPeers()));
    const r = run("amtool", ["check-config", file]);
    expect(r.output).toContain("SUCCESS");
    expect(r.status).toBe(0);
  });
});

it("amtool check-config accepts the heartbeat variant", () => {
  const r = run("amtool", ["check-config", withHeartbeat]);
  expect(r.output).toContain("7 receivers");
  expect(r.status).toBe(0);
});

// [case, labels, expected receiver(s)] — first match wins, as docs/spec.md §5 orders the routes.
const ROUTING: [string, Record<string, string>, string][] = [
  ["Watchdog by name, whatever its severity", { alertname: "Watchdog", severity: "none", component: "observability" }, "telegram-watchdog"],
  ["Watchdog even if someone made it critical", { alertname: "Watchdog", severity: "critical" }, "telegram-watchdog"],
  ["public API down", { alertname: "PublicApiDown", severity: "critical", component: "backend" }, "telegram-probes"],
  ["internal probe failed", { alertname: "BlackboxProbeFailed", severity: "warning", component: "observability" }, "telegram-probes"],
  ["critical queue alert", { alertname: "QueueStuckProcessing", severity: "critical", component: "queue" }, "telegram-critical"],
  ["critical worker alert", { alertname: "TutorTypesHighUnmappedRate", severity: "critical", component: "worker" }, "telegram-critical"],
  ["critical stack alert", { alertname: "TelegramBridgeDeliveryFailing", severity: "critical", component: "observability" }, "telegram-critical"],
  ["warning infra", { alertname: "HostDiskLow", severity: "warning", component: "infra" }, "telegram-warning"],
  ["warning collector", { alertname: "CollectorStalled", severity: "warning", component: "collector", channel: "t.me/a" }, "telegram-warning"],
  ["warning dm", { alertname: "DMRateLimited", severity: "warning", component: "dm" }, "telegram-warning"],
  ["warning broadcast", { alertname: "BroadcastFailureSpike", severity: "warning", component: "broadcast" }, "telegram-warning"],
  ["warning quality", { alertname: "MissingSubjectsHigh", severity: "warning", component: "quality" }, "telegram-warning"],
  ["info falls through to the default", { alertname: "Something", severity: "info", component: "worker" }, "telegram-default"],
  ["unknown severity falls through", { alertname: "Something", severity: "page", component: "worker" }, "telegram-default"],
  ["missing severity falls through", { alertname: "Something", component: "worker" }, "telegram-default"],
  ["no labels at all", { foo: "bar" }, "telegram-default"],
  ["a fire drill (/drill) has its own route", { alertname: "FireDrill", drill: "true", drill_id: "a1b2c3", severity: "info", component: "telegram-bridge" }, "telegram-drill"],
  ["an alert named FireDrill that is no drill is an ordinary alert", { alertname: "FireDrill", severity: "warning", component: "app" }, "telegram-warning"],
];

describe("routing table (amtool config routes test)", () => {
  it.each(ROUTING)("%s", (_case, labels, expected) => {
    expect(receiversFor(plain, labels)).toBe(expected);
  });

  it("with a heartbeat URL the Watchdog also pings the dead-man's switch, and nothing else does", () => {
    expect(receiversFor(withHeartbeat, { alertname: "Watchdog", severity: "none" })).toBe("heartbeat,telegram-watchdog");
    expect(receiversFor(withHeartbeat, { alertname: "QueueStuckProcessing", severity: "critical" })).toBe("telegram-critical");
  });

  it("every alert of the catalog reaches a Telegram receiver", () => {
    const expected = (a: (typeof ALERTS)[number]) =>
      a.alert === "Watchdog" ? "telegram-watchdog" : ["PublicApiDown", "BlackboxProbeFailed"].includes(a.alert) ? "telegram-probes" : `telegram-${a.severity}`;
    for (const a of ALERTS) {
      expect({ alert: a.alert, receiver: receiversFor(plain, { alertname: a.alert, severity: a.severity, component: a.component }) }).toEqual({ alert: a.alert, receiver: expected(a) });
    }
  });
});

describe("alertmanager.yml semantics", () => {
  const doc = yaml.load(fs.readFileSync(plain, "utf8")) as any;
  it("groups, times and resolved notifications follow SPEC §5", () => {
    expect(doc.global.resolve_timeout).toBe("5m");
    expect(doc.route.group_by).toEqual(["alertname", "component", "channel", "pipeline_version", "schema_version"]);
    const timing = doc.route.routes.map((r: any) => [r.receiver, r.group_wait, r.group_interval, r.repeat_interval]);
    expect(timing).toEqual([
      ["telegram-watchdog", "5s", "1h", "24h"],
      ["telegram-probes", "60s", "15m", "1h"],
      ["telegram-critical", "5s", "2m", "30m"],
      ["telegram-warning", "30s", "15m", "6h"],
      ["telegram-drill", "1s", "10s", "1h"],
    ]);
    expect([doc.route.group_wait, doc.route.group_interval, doc.route.repeat_interval]).toEqual(["30s", "10m", "4h"]);
    const resolved = Object.fromEntries(doc.receivers.map((r: any) => [r.name, r.webhook_configs[0].send_resolved]));
    expect(resolved).toEqual({ "telegram-default": true, "telegram-watchdog": false, "telegram-probes": true, "telegram-critical": true, "telegram-warning": true, "telegram-drill": true });
  });
  it("every receiver posts to the bridge on the stack network and holds no secret", () => {
    for (const r of doc.receivers) expect(r.webhook_configs[0].url).toBe("http://telegram-bridge:8080/alert");
    expect(fs.readFileSync(plain, "utf8")).not.toMatch(/bot\d+:|token/i);
  });
  it("inhibits BlackboxProbeFailed under PublicApiDown per instance, and warnings under criticals", () => {
    expect(doc.inhibit_rules).toContainEqual({ source_matchers: ['alertname="PublicApiDown"'], target_matchers: ['alertname="BlackboxProbeFailed"'], equal: ["instance"] });
    expect(doc.inhibit_rules).toContainEqual({ source_matchers: ['severity="critical"'], target_matchers: ['severity="warning"'], equal: ["alertname", "component"] });
    expect(doc.inhibit_rules).toContainEqual({ source_matchers: ['alertname="PublicCertExpiryImminent"'], target_matchers: ['alertname="PublicCertExpiringSoon"'], equal: ["instance"] });
  });
});

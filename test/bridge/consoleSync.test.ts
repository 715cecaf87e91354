import * as path from "path";
import { loadConfig } from "../../bridge/src/config";
import { ActiveAlert, AlertmanagerClient, Silence } from "../../bridge/src/console/alertmanagerClient";
import { AlertmanagerSync, silenceChanges } from "../../bridge/src/console/sync";
import { Logger } from "../../bridge/src/log";
import { BridgeMetrics } from "../../bridge/src/metrics";
import { RunningBridge, startBridge } from "../../bridge/src/server";
import { Card, DEFAULT_STORE_LIMITS, StateStore } from "../../bridge/src/stateStore";
import { alert, payload } from "../../harness/alerts";
import { FakeTelegram, ReceivedMessage } from "../../harness/fakeTelegram";
import { fastConsoleEnv } from "./support/consoleEnv";
import { FakeAlertmanager, until } from "./support/fakeAlertmanager";
import { useTempDirs } from "../support/tempDirs";

/**
 * One truth with Alertmanager: silences made or ended outside the chat (amtool, Grafana, the API)
 * show on the cards; each round asks Alertmanager twice whatever the number of cards; only cards
 * that changed are edited; a card the chat changed meanwhile is not overwritten by an older answer.
 */

const T0 = Date.parse("2026-11-25T10:00:00Z");
const HOUR = 3_600_000;

const silence = (id: string, createdBy: string, endsAt: number, state = "active"): Silence => ({
  id,
  status: { state },
  matchers: [{ name: "alertname", value: "DiskFull", isRegex: false, isEqual: true }],
  startsAt: new Date(T0).toISOString(),
  endsAt: new Date(endsAt).toISOString(),
  createdBy,
  comment: "",
});
const held = (fingerprint: string, silencedBy: string[]): ActiveAlert => ({
  labels: { alertname: "DiskFull" },
  annotations: {},
  startsAt: new Date(T0).toISOString(),
  fingerprint,
  status: { state: silencedBy.length ? "suppressed" : "active", silencedBy },
});

function card(id: string, keys: string[], extra: Partial<Card> = {}): Card {
  return {
    id,
    kind: "notification",
    chatId: "-1001",
    messageId: 1,
    createdAt: T0,
    updatedAt: T0,
    body: { head: "h", blocks: [], foot: "" },
    subjects: [
      { title: "", alerts: keys.map((k) => ({ alertKey: k, labels: { alertname: "DiskFull", instance: k }, status: "firing" as const })) },
    ],
    buttons: true,
    ...extra,
  };
}

describe("what a card should show, by what Alertmanager holds (pure)", () => {
  const at = T0 + 1000;

  it("a silence made elsewhere: who made it and until when, by Alertmanager's own matching", () => {
    expect(
      silenceChanges(card("card0001", ["a", "b"]), {
        silences: [silence("s1", "ops@amtool", T0 + HOUR)],
        alerts: [held("a", ["s1"]), held("b", [])],
        at,
      }),
    ).toEqual([{ subject: 0, alert: 0, silence: { ids: ["s1"], by: "ops@amtool", until: T0 + HOUR } }]);
  });

  it("two silences: named by the one that ends last, every id kept", () => {
    const snapshot = {
      silences: [silence("s2", "grafana", T0 + 2 * HOUR), silence("s1", "amtool", T0 + HOUR)],
      alerts: [held("a", ["s2", "s1"])],
      at,
    };
    expect(silenceChanges(card("card0001", ["a"]), snapshot)[0].silence).toEqual({
      ids: ["s1", "s2"],
      by: "grafana",
      until: T0 + 2 * HOUR,
    });
  });

  it("a silence expired elsewhere leaves the card; one still as the card shows it changes nothing", () => {
    const c = card("card0001", ["a"]);
    c.subjects[0].alerts[0].silence = { ids: ["s1"], by: "@oncall (id 4242)", until: T0 + HOUR };
    expect(silenceChanges(c, { silences: [silence("s1", "@oncall (id 4242)", T0 + 10, "expired")], alerts: [held("a", [])], at })).toEqual([
      { subject: 0, alert: 0, silence: undefined },
    ]);
    expect(silenceChanges(c, { silences: [silence("s1", "@oncall (id 4242)", T0 + HOUR)], alerts: [held("a", ["s1"])], at })).toEqual([]);
  });

  it("an alert Alertmanager no longer holds (resolved) keeps the silences it had while they are active", () => {
    const c = card("card0001", ["gone"]);
    c.subjects[0].alerts[0].silence = { ids: ["s1"], by: "x", until: T0 + HOUR };
    expect(silenceChanges(c, { silences: [silence("s1", "x", T0 + HOUR)], alerts: [], at })).toEqual([]);
    expect(silenceChanges(c, { silences: [], alerts: [], at })).toEqual([{ subject: 0, alert: 0, silence: undefined }]);
  });

  it("Alertmanager's answer is indexed once per round, not once per card: a round stays linear in the cards", () => {
    let reads = 0;
    const silences = [silence("s1", "x", T0 + HOUR)];
    const alerts = Array.from({ length: 2000 }, (_, i) => held(`k${i}`, i < 3 ? ["s1"] : []));
    const snapshot = {
      get silences() {
        reads++;
        return silences;
      },
      get alerts() {
        reads++;
        return alerts;
      },
      at,
    };
    const changed = Array.from({ length: 2000 }, (_, i) => silenceChanges(card(`c${i}`, [`k${i}`]), snapshot)).filter((c) => c.length);
    expect(changed).toHaveLength(3);
    expect(reads).toBe(2);
  });

  it("a card changed after Alertmanager was asked is left for the next round", () => {
    expect(
      silenceChanges(card("card0001", ["a"], { updatedAt: at + 1 }), {
        silences: [silence("s1", "x", T0 + HOUR)],
        alerts: [held("a", ["s1"])],
        at,
      }),
    ).toEqual([]);
  });
});

describe("a round against the fake Alertmanager", () => {
  let am: FakeAlertmanager;
  let store: StateStore;
  let edits: string[];
  let lines: string[];
  let metrics: BridgeMetrics;
  let sync: AlertmanagerSync;
  beforeEach(async () => {
    am = await new FakeAlertmanager().start();
    store = new StateStore(undefined, new Logger(() => undefined), { ...DEFAULT_STORE_LIMITS, maxCards: 1000 });
    edits = [];
    lines = [];
    metrics = new BridgeMetrics();
    sync = new AlertmanagerSync({
      am: new AlertmanagerClient(am.url, 2000),
      store,
      scheduleEdit: (id) => edits.push(id),
      metrics,
      log: new Logger((l) => lines.push(l)),
      intervalMs: 60_000,
    });
  });
  afterEach(async () => {
    await sync.stop();
    await am.stop();
  });

  it("300 cards: two requests per round whatever their number, and only the cards a silence changed are edited, once each", async () => {
    const past = Date.now() - 1000;
    for (let i = 0; i < 300; i++) store.putCard(card(`c${String(i).padStart(7, "0")}`, [`fp${i}`], { createdAt: past, updatedAt: past }));
    am.alerts = Array.from({ length: 300 }, (_, i) => ({
      fingerprint: `fp${i}`,
      labels: { alertname: "DiskFull", instance: i < 3 ? "hot" : `i${i}` },
    }));
    am.addSilence([{ name: "instance", value: "hot", isRegex: false, isEqual: true }], "ops via amtool", new Date(Date.now() + HOUR));
    expect((await sync.round()).sort()).toEqual(["c0000000", "c0000001", "c0000002"]);
    expect(am.requests).toEqual(["GET /api/v2/silences", "GET /api/v2/alerts"]);
    expect(edits.sort()).toEqual(["c0000000", "c0000001", "c0000002"]);
    expect(store.card("c0000001")!.subjects[0].alerts[0].silence?.by).toBe("ops via amtool");
    // Nothing changed: asked again, nothing edited.
    expect(await sync.round()).toEqual([]);
    expect(am.requests).toHaveLength(4);
    expect(edits).toHaveLength(3);
    expect(metrics.cardsSynced.get()).toBe(3);
  });

  it("no card that could show a silence: Alertmanager is not asked at all", async () => {
    store.putCard(card("c0000001", ["a"], { buttons: false }));
    const resolved = card("c0000002", ["b"]);
    resolved.subjects[0].alerts[0].status = "resolved";
    store.putCard(resolved);
    expect(await sync.round()).toEqual([]);
    expect(am.requests).toEqual([]);
  });

  it("Alertmanager unreachable: counted each round, logged once, and once when it answers again", async () => {
    const past = Date.now() - 1000;
    store.putCard(card("c0000001", ["a"], { createdAt: past, updatedAt: past }));
    await am.stop();
    await sync.round();
    await sync.round();
    expect(metrics.syncs.get({ result: "failed" })).toBe(2);
    expect(lines.filter((l) => l.includes("not brought in line"))).toHaveLength(1);
    am = await new FakeAlertmanager().start();
    sync = new AlertmanagerSync({
      am: new AlertmanagerClient(am.url, 2000),
      store,
      scheduleEdit: () => undefined,
      metrics,
      log: new Logger((l) => lines.push(l)),
      intervalMs: 60_000,
    });
    await sync.round();
    expect(metrics.syncs.get({ result: "ok" })).toBe(1);
  });
});

describe("in process: a silence made and expired with the API appears on the card within a round", () => {
  let telegram: FakeTelegram;
  let am: FakeAlertmanager;
  let bridge: RunningBridge | undefined;
  let dir: string;
  beforeEach(async () => {
    dir = tmp.make("sync-");
    telegram = await new FakeTelegram(undefined, { pollCapMs: 500 }).start();
    am = await new FakeAlertmanager().start();
  });
  afterEach(async () => {
    await bridge?.close(1000);
    await telegram.stop();
    await am.stop();
  });
  const tmp = useTempDirs();

  it("the card says who silenced it until when and offers Unsilence only while the silence lives", async () => {
    const config = loadConfig(
      fastConsoleEnv({
        telegramToken: telegram.token,
        telegramUrl: telegram.url,
        chat: "-100500",
        alertmanagerUrl: am.url,
        stateFile: path.join(dir, "state.json"),
      }),
    );
    bridge = await startBridge(
      { ...config, console: { ...config.console, syncIntervalMs: 200 } },
      { log: new Logger(() => undefined), pollBackoffMs: [50] },
    );
    const a = alert({ fingerprint: "sync1", labels: { instance: "w1" } });
    am.alerts = [{ fingerprint: "sync1", labels: a.labels }];
    expect((await fetch(`${bridge.url}/alert`, { method: "POST", body: JSON.stringify(payload([a])) })).status).toBe(200);
    const m: ReceivedMessage = await until("the firing message", () => telegram.messages[0]);
    const buttons = () => (m.currentKeyboard ?? []).flat().map((b) => b.text);
    expect(buttons()).not.toContain("🔔 Unsilence");
    const s = am.addSilence(
      [{ name: "instance", value: "w1", isRegex: false, isEqual: true }],
      "ops@amtool",
      new Date(Date.now() + 2 * HOUR),
    );
    await until("the card shows the silence", () => m.currentText.includes("🔕 Silenced by ops@amtool until"), 5000);
    expect(buttons()).toEqual(["🔔 Unsilence", "👀 Ack"]);
    am.expire(s.id);
    await until("the card drops it", () => !m.currentText.includes("Silenced by"), 5000);
    expect(buttons()).toEqual(["🔕 1h", "🔕 4h", "🔕 24h", "👀 Ack"]);
    // Two edits, one per change.
    expect(m.edits).toHaveLength(2);
  });
});

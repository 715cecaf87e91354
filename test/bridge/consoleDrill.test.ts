import { createHash } from "crypto";
import * as path from "path";
import { EscalationRule, loadConfig } from "../../bridge/src/config";
import { drillReport, Drills, DrillTiming, hopDurations } from "../../bridge/src/console/drill";
import { Logger } from "../../bridge/src/log";
import { RunningBridge, startBridge } from "../../bridge/src/server";
import { BridgeMetrics } from "../../bridge/src/metrics";
import { DEFAULT_STORE_LIMITS, DrillRecord, STATE_WRITE_DELAY_MS, StateStore } from "../../bridge/src/stateStore";
import { PromptCall } from "../../bridge/src/telegram";
import { FakeTelegram } from "../../harness/fakeTelegram";
import { fastConsoleEnv } from "./support/consoleEnv";
import { FakeAlertmanager, until } from "./support/fakeAlertmanager";
import { useTempDirs } from "../support/tempDirs";

/**
 * /drill in process: the fake Alertmanager routes the posted alert to the bridge's webhook as the
 * drill route does (after its group_wait), and its end likewise. The report gives each hop's
 * time; a hop that never comes fails the drill and says which; a drill is not escalated, does not
 * touch the heartbeat, gets no buttons and is not counted as a failed delivery.
 */

const CHAT = "-100500";
const O = { prefix: "[TD]", environment: "prod" };
let telegram: FakeTelegram;
let am: FakeAlertmanager;
let bridge: RunningBridge | undefined;
let dir: string;
let logs: string[];

beforeEach(async () => {
  dir = tmp.make("drill-");
  telegram = await new FakeTelegram(undefined, { pollCapMs: 500 }).start();
  am = await new FakeAlertmanager().start();
  logs = [];
});
afterEach(async () => {
  await bridge?.close(1000);
  bridge = undefined;
  await telegram.stop();
  await am.stop();
});
const tmp = useTempDirs({ settleMs: STATE_WRITE_DELAY_MS });

/** Alertmanager's side: what it posts to the bridge for the alerts it was given, `waitMs` later (group_wait). */
let routed: { posted: number; sent: number }[] = [];
function routeToBridge(waitMs: number): void {
  routed = [];
  am.onPost = (alerts) => {
    const posted = Date.now();
    setTimeout(() => {
      routed.push({ posted, sent: Date.now() });
      const body = {
        version: "4",
        groupKey: `{}/{alertname="FireDrill"}:{drill_id="${alerts[0].labels.drill_id}"}`,
        status: alerts.every((a) => a.endsAt && Date.parse(a.endsAt) <= Date.now()) ? "resolved" : "firing",
        receiver: "telegram-drill",
        externalURL: "http://alertmanager.test",
        alerts: alerts.map((a) => ({
          status: a.endsAt && Date.parse(a.endsAt) <= Date.now() ? "resolved" : "firing",
          labels: a.labels,
          annotations: a.annotations ?? {},
          startsAt: a.startsAt,
          endsAt: a.endsAt,
          fingerprint: createHash("sha256").update(JSON.stringify(a.labels)).digest("hex").slice(0, 16),
        })),
      };
      void fetch(`${bridge!.url}/alert`, { method: "POST", body: JSON.stringify(body) });
    }, waitMs);
  };
}

async function start(timing: Partial<DrillTiming> = {}, escalation?: EscalationRule): Promise<RunningBridge> {
  const config = loadConfig(
    fastConsoleEnv({
      telegramToken: telegram.token,
      telegramUrl: telegram.url,
      chat: CHAT,
      alertmanagerUrl: am.url,
      stateFile: path.join(dir, "state.json"),
    }),
  );
  bridge = await startBridge(
    { ...config, escalation: escalation ? new Map([["info", escalation]]) : config.escalation },
    { log: new Logger((l) => logs.push(l)), pollBackoffMs: [50], console: { drill: timing, escalationTickMs: 50, escalationMinGapMs: 0 } },
  );
  return bridge;
}

const report = () => telegram.messages.find((m) => m.text.includes("Fire drill"));

describe("a drill through the whole path", () => {
  it("reports each hop's time, shows the drill alert without buttons in the chat it came from, ends it by editing that message, and disturbs nothing", async () => {
    routeToBridge(100);
    await start({}, { afterMs: 1, everyMs: 1, times: 3, mention: [{ id: 1 }], chat: undefined, threadId: undefined });
    const t0 = Date.now();
    telegram.say(CHAT, "/drill", { id: 4242, username: "oncall" }, 77);
    const answer = await until("the drill's answer", () => report());
    expect(answer.text).toMatch(/^🧯 <b>\[TutorDex\] \[PROD\] Fire drill [0-9a-f]{6}<\/b> started by @oncall \(id 4242\)/);
    expect(answer.threadId).toBe(77);
    const done = await until("the report", () => (answer.currentText.includes("✅ the alert path works") ? answer : undefined), 10_000);
    const lines = done.currentText.split("\n");
    expect(lines[1]).toMatch(/^1\. sent → Alertmanager's API accepted it: \d+(\.\d)? s$/);
    expect(lines[2]).toMatch(/^2\. Alertmanager → the bridge's webhook: \d+(\.\d)? s$/);
    expect(lines[3]).toMatch(/^3\. webhook → Telegram accepted the message: \d+(\.\d)? s$/);
    expect(lines[4]).toMatch(/^4\. resolved: Alertmanager's resolved webhook \d+(\.\d)? s after the end was posted$/);
    // The drill alert: in the chat and topic it was started from, no buttons, edited when it ended; no separate resolved message.
    const shown = telegram.messages.filter((m) => m.text.includes("FireDrill"));
    expect(shown).toHaveLength(1);
    expect(shown[0]).toMatchObject({ chatId: CHAT, threadId: 77 });
    expect(shown[0].keyboard).toBeUndefined();
    await until("the drill's message edited to resolved", () => shown[0].currentText.includes("✅ Resolved"));
    // What Alertmanager was given: the drill's labels, then its end.
    expect(am.posted).toHaveLength(2);
    expect(am.posted[0].labels).toMatchObject({
      alertname: "FireDrill",
      drill: "true",
      drill_chat: CHAT,
      drill_thread: "77",
      severity: "info",
    });
    expect(Date.parse(am.posted[1].endsAt!)).toBeLessThanOrEqual(Date.now());
    // Nothing else disturbed: no escalation though a policy covers its severity, no heartbeat, no failure.
    await new Promise((r) => setTimeout(r, 300));
    expect(telegram.messages.filter((m) => m.text.includes("Escalation"))).toEqual([]);
    expect(bridge!.store.data.watchdogLastSeen).toBeUndefined();
    expect(bridge!.metrics.drills.get({ result: "ok" })).toBe(1);
    expect(bridge!.metrics.render()).not.toMatch(/telegram_bridge_messages_failed_total\{[^}]*\} [1-9]/);
    const d = bridge!.store.data.drills[0];
    expect(d.hops.alertmanager! - t0).toBeGreaterThanOrEqual(0);
    // Each hop is timed when it happened: Alertmanager's acceptance once it held the alert, the webhook once Alertmanager sent it.
    expect(d.hops.alertmanager!).toBeGreaterThanOrEqual(routed[0].posted);
    expect(d.hops.webhook!).toBeGreaterThanOrEqual(routed[0].sent);
    telegram.say(CHAT, "/status");
    const status = await until("the /status answer", () => telegram.messages.find((m) => m.text.includes("</b> status\n")));
    expect(status.text).toMatch(
      new RegExp(
        `Drills: last ${d.id} \\d+s ago by @oncall \\(id 4242\\): ✅ \\d+(\\.\\d)? s to the chat \\(alertmanager [\\d.]+ s, webhook [\\d.]+ s, telegram [\\d.]+ s\\)`,
      ),
    );
  });

  it("a webhook that never comes fails the drill, names the hop and what to check, and is counted as a drill, not a delivery", async () => {
    await start({ webhookMs: 300 });
    telegram.say(CHAT, "/drill");
    const answer = await until("the drill's answer", () => report());
    await until("the report", () => answer.currentText.includes("❌"), 5000);
    expect(answer.currentText).toContain(
      "❌ failed: its webhook did not reach the bridge within 0.3 s: check Alertmanager's route for it (amtool config routes test alertname=FireDrill drill=true)",
    );
    expect(answer.currentText).toContain("1. sent → Alertmanager's API accepted it:");
    expect(answer.currentText).toContain("2. Alertmanager → the bridge's webhook: —");
    expect(bridge!.metrics.drills.get({ result: "failed" })).toBe(1);
    expect(bridge!.metrics.render()).not.toMatch(/telegram_bridge_messages_failed_total\{[^}]*\} [1-9]/);
  });

  it("Alertmanager refusing the alert fails the drill at once, in the operator's words", async () => {
    await start();
    am.trouble = (method, p) => (method === "POST" && p === "/api/v2/alerts" ? "drop" : undefined);
    telegram.say(CHAT, "/drill");
    const answer = await until("the drill's answer", () => report());
    await until("the report", () => answer.currentText.includes("❌"), 5000);
    expect(answer.currentText).toContain(
      "❌ failed: Alertmanager did not take the alert: Alertmanager closed the connection without answering",
    );
  });

  it("only those who may silence may start a drill: the chat's administrators by default", async () => {
    routeToBridge(10);
    await start();
    telegram.say(CHAT, "/drill", { id: 777, username: "stranger" });
    const refusal = await until("the refusal", () => telegram.messages[0]);
    expect(refusal.text).toBe(
      "Sorry, only this chat's administrators and the on-call list may start a drill here. Ask an admin to add your Telegram user id (777) to telegram.console.allowedUserIds.",
    );
    expect(am.posted).toEqual([]);
  });
});

describe("the report (pure)", () => {
  const d: DrillRecord = {
    id: "a1b2c3",
    by: "@x <y>",
    chatId: CHAT,
    startedAt: 1000,
    hops: { alertmanager: 1010, webhook: 2260, telegram: 2570, resolvePosted: 2580, resolved: 7800 },
    result: "ok",
    endedAt: 7800,
  };
  it("each hop from the one before, and the resolved webhook from the end's post", () => {
    expect(hopDurations(d)).toEqual([
      ["alertmanager", 10],
      ["webhook", 1250],
      ["telegram", 310],
      ["resolved", 5220],
    ]);
    expect(drillReport(d, O).split("\n")).toEqual([
      "🧯 <b>[TD] [PROD] Fire drill a1b2c3</b> by @x &lt;y&gt;: ✅ the alert path works (1.6 s from /drill to the chat)",
      "1. sent → Alertmanager's API accepted it: 0 s",
      "2. Alertmanager → the bridge's webhook: 1.3 s",
      "3. webhook → Telegram accepted the message: 0.3 s",
      "4. resolved: Alertmanager's resolved webhook 5.2 s after the end was posted",
      "A drill is not escalated, does not touch the heartbeat and is not counted as a failed delivery.",
    ]);
  });
  it("a drill the bridge's restart cut short is reported as interrupted", () => {
    expect(
      drillReport({ ...d, hops: { alertmanager: 1010 }, result: "interrupted", problem: "the bridge restarted during the drill" }, O),
    ).toContain("⚠️ interrupted: the bridge restarted during the drill");
  });

  it("a drill under way when the bridge stopped is marked interrupted when it starts again, not left under way", () => {
    const file = path.join(dir, "drills.json");
    const before = tmp.flushes(new StateStore(file, new Logger(() => undefined), DEFAULT_STORE_LIMITS));
    before.load();
    before.addDrill({ id: "d00001", by: "@x", chatId: CHAT, startedAt: 1000, hops: { alertmanager: 1010 } });
    before.commit();
    const after = tmp.flushes(new StateStore(file, new Logger(() => undefined), DEFAULT_STORE_LIMITS));
    after.load();
    const drills = new Drills({
      am: undefined,
      store: after,
      call: (async () => ({ kind: "ok", result: { message_id: 1 } })) as unknown as PromptCall,
      scheduleEdit: () => undefined,
      format: O,
      metrics: new BridgeMetrics(),
      log: new Logger(() => undefined),
      now: () => 5000,
    });
    expect(drills.overview()).toEqual({
      underWay: [],
      last: expect.objectContaining({
        id: "d00001",
        result: "interrupted",
        problem: "the bridge restarted during the drill",
        endedAt: 5000,
      }),
    });
    drills.stop();
  });
});

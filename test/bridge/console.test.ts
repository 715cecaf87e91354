import * as fs from "fs";
import * as path from "path";
import { loadConfig } from "../../bridge/src/config";
import { Logger } from "../../bridge/src/log";
import { RunningBridge, startBridge } from "../../bridge/src/server";
import { FakeTelegram, ReceivedMessage } from "../../harness/fakeTelegram";
import { alert, payload } from "../../harness/alerts";
import { fastConsoleEnv } from "./support/consoleEnv";
import { FakeAlertmanager, until } from "./support/fakeAlertmanager";
import { useTempDirs } from "../support/tempDirs";

const CHAT = "-1001";
const ONCALL = { id: 4242, username: "oncall" };
const STRANGER = { id: 777, username: "stranger" };
let telegram: FakeTelegram;
let am: FakeAlertmanager;
let bridge: RunningBridge | undefined;
let logs: string[];
let dir: string;

async function start(env: Record<string, string> = {}): Promise<RunningBridge> {
  logs = [];
  bridge = await startBridge(
    loadConfig({
      ...fastConsoleEnv({
        telegramToken: telegram.token,
        telegramUrl: telegram.url,
        chat: CHAT,
        alertmanagerUrl: am.url,
        stateFile: path.join(dir, "state.json"),
      }),
      ...env,
    }),
    { log: new Logger((l) => logs.push(l)), pollBackoffMs: [50] },
  );
  return bridge;
}

const post = (body: unknown) => fetch(`${bridge!.url}/alert`, { method: "POST", body: JSON.stringify(body) });
const answered = (id: string) => until(`answer to ${id}`, () => telegram.answerFor(id));
const lastMessage = () => telegram.messages[telegram.messages.length - 1];
const buttons = (m: ReceivedMessage) => (m.currentKeyboard ?? []).flat().map((b) => b.text);

async function firing(labels: Record<string, string> = {}, fingerprint = "fp1"): Promise<ReceivedMessage> {
  const before = telegram.messages.length;
  expect(await post(payload([alert({ fingerprint, labels })]))).toHaveProperty("status", 200);
  return until("the firing message", () => telegram.messages[before]);
}

beforeEach(async () => {
  dir = tmp.make("bridge-console-");
  telegram = await new FakeTelegram(undefined, { pollCapMs: 1000 }).start();
  am = await new FakeAlertmanager().start();
});
afterEach(async () => {
  await bridge?.close(1000);
  bridge = undefined;
  await telegram.stop();
  await am.stop();
});
const tmp = useTempDirs();

describe("buttons on firing messages", () => {
  beforeEach(() => start());

  it("a firing message offers Silence 1h/4h/24h and Ack", async () => {
    const m = await firing();
    expect(buttons(m)).toEqual(["🔕 1h", "🔕 4h", "🔕 24h", "👀 Ack"]);
  });

  it("Silence 1h silences exactly the alert's labels in Alertmanager, by the Telegram user, and the message says who and until when", async () => {
    const m = await firing({ instance: "worker-1" });
    const t0 = Date.now();
    const q = telegram.press(m, "1h", ONCALL);
    expect((await answered(q)).text).toBe("Silenced 1 alert for 1h.");
    const [s] = am.active();
    expect(s.matchers).toEqual(
      Object.entries(alert({ labels: { instance: "worker-1" } }).labels)
        .sort(([a], [b]) => a.localeCompare(b))
        .map(([name, value]) => ({ name, value, isRegex: false, isEqual: true })),
    );
    expect(s.createdBy).toBe("@oncall (id 4242)");
    expect(s.comment).toContain("Silenced from Telegram (prod) on QueueStuckProcessing");
    expect(Date.parse(s.endsAt) - t0).toBeGreaterThan(3_590_000);
    expect(Date.parse(s.endsAt) - t0).toBeLessThan(3_610_000);
    await until("the message edited", () => m.edits.length > 0);
    expect(m.currentText).toMatch(/🔕 Silenced by @oncall \(id 4242\) until \d{4}-\d\d-\d\d \d\d:\d\d:\d\d UTC/);
    expect(buttons(m)).toEqual(["🔔 Unsilence", "👀 Ack"]);
    expect(bridge!.metrics.consoleActions.get({ action: "silence", result: "ok" })).toBe(1);
    const line = logs.find((l) => l.includes('"action":"silence"'));
    expect(line).toContain('"user":"@oncall (id 4242)"');
    expect(line).toContain('"alerts":"QueueStuckProcessing"');
    expect(line).toContain(`"silence_ids":"${s.id}"`);
  });

  it("Unsilence expires the silence and offers the silence buttons again", async () => {
    const m = await firing();
    await answered(telegram.press(m, "4h", ONCALL));
    await until("silenced", () => buttons(m).includes("🔔 Unsilence"));
    expect((await answered(telegram.press(m, "Unsilence", ONCALL))).text).toBe("Silence expired; the alerts notify again.");
    expect(am.active()).toEqual([]);
    expect(am.silences[0].status.state).toBe("expired");
    await until("unsilenced", () => buttons(m).includes("🔕 1h"));
    expect(m.currentText).toContain("🔔 Unsilenced by @oncall (id 4242)");
  });

  it("Ack shows who is on it and since when", async () => {
    const m = await firing();
    await answered(telegram.press(m, "Ack", { id: 5, username: "alice" }));
    await until("acked", () => m.currentText.includes("is on it"));
    expect(m.currentText).toMatch(/👀 @alice \(id 5\) is on it \(since \d{4}-\d\d-\d\d \d\d:\d\d:\d\d UTC\)/);
    expect(am.silences).toEqual([]);
    // A second press by the same person changes nothing and says so.
    expect((await answered(telegram.press(m, "Ack", { id: 5, username: "alice" }))).text).toBe("You already acknowledged this.");
  });

  it("the Watchdog gets no buttons (silencing it would blind the dead-man's switch)", async () => {
    const m = await firing({ alertname: "Watchdog", severity: "none" }, "wd");
    expect(m.keyboard).toBeUndefined();
  });
});

describe("forged, stale and unauthorized presses change nothing and say so", () => {
  it("a user outside the allowlist gets a polite refusal; no silence, no edit", async () => {
    await start({ CONSOLE_ALLOWED_USER_IDS: "4242" });
    const m = await firing();
    const a = await answered(telegram.press(m, "1h", STRANGER));
    expect(a).toMatchObject({ showAlert: true, text: expect.stringContaining("Sorry, only the on-call list may silence here") });
    expect(a.text).toContain("(777)");
    expect(am.silences).toEqual([]);
    expect(m.edits).toEqual([]);
    expect(bridge!.metrics.consoleActions.get({ action: "silence", result: "refused" })).toBe(1);
    expect(logs.some((l) => l.includes('"action":"silence"') && l.includes('"result":"refused"') && l.includes('"user_id":777'))).toBe(
      true,
    );
    // The allowlisted user may.
    await answered(telegram.press(m, "1h", ONCALL));
    expect(am.active()).toHaveLength(1);
  });

  it.each([
    ["data the bridge never makes", "v1:s:AAAAAAAA:0:1h; DROP", "This button is not one I made; nothing was changed."],
    [
      "a card the bridge does not know",
      "v1:s:ZZZZZZZZ:0:1h",
      "This button has expired: I no longer remember that message. Use /alerts for current buttons.",
    ],
    ["a duration no longer offered", undefined, "That duration is no longer offered; nothing was changed."],
    ["another message's button", null, "This button does not belong to this message; nothing was changed."],
  ])("%s", async (_what, data, reply) => {
    await start();
    const m = await firing();
    const cardId = /^v1:s:([\w-]{8}):/.exec(m.keyboard![0][0].callback_data)![1];
    const other = await firing({ alertname: "Other" }, "fp2");
    const forged = data ?? (data === undefined ? `v1:s:${cardId}:0:2h` : `v1:s:${cardId}:0:1h`);
    const target = data === null ? other : m;
    const a = await answered(telegram.pressButton(target.chatId, target.messageId, forged, ONCALL));
    expect(a.text).toBe(reply);
    expect(am.silences).toEqual([]);
    expect([m.edits, other.edits]).toEqual([[], []]);
  });

  it("Expire data with a silence id, pressed on an alert message, expires nothing (not even a silence made with amtool)", async () => {
    await start();
    const m = await firing();
    am.silences.push({
      id: "0b1c2d3e-4f50-4617-8293-a4b5c6d7e8f9",
      matchers: [{ name: "team", value: "db", isRegex: false }],
      startsAt: "",
      endsAt: "",
      createdBy: "amtool",
      comment: "maintenance",
      status: { state: "active" },
    });
    const a = await answered(telegram.pressButton(m.chatId, m.messageId, "v1:x:0b1c2d3e-4f50-4617-8293-a4b5c6d7e8f9", ONCALL));
    expect(a).toMatchObject({
      showAlert: true,
      text: "This list is from an older version of the bridge; send /silences for current buttons. Nothing was changed.",
    });
    expect(am.active()).toHaveLength(1);
    expect(m.edits).toEqual([]);
  });

  it("a /silences list's Expire pressed on another message expires nothing", async () => {
    await start();
    const m = await firing();
    am.silences.push({
      id: "0b1c2d3e-4f50-4617-8293-a4b5c6d7e8f9",
      matchers: [{ name: "team", value: "db", isRegex: false }],
      startsAt: "",
      endsAt: new Date(Date.now() + 3_600_000).toISOString(),
      createdBy: "amtool",
      comment: "maintenance",
      status: { state: "active" },
    });
    telegram.say(CHAT, "/silences", ONCALL);
    const list = await until("the /silences answer", () => telegram.messages.find((x) => x.text.includes("active silence")));
    const a = await answered(telegram.pressButton(m.chatId, m.messageId, list.keyboard![0][0].callback_data, ONCALL));
    expect(a.text).toBe("This button does not belong to this message; nothing was changed.");
    expect(am.active()).toHaveLength(1);
  });

  it("a press in a chat the bridge does not serve is refused", async () => {
    await start();
    const m = await firing();
    const a = await answered(telegram.pressButton("-999", m.messageId, m.keyboard![0][0].callback_data, ONCALL));
    expect(a.text).toBe("Sorry, this bot only answers in the chats it sends alerts to.");
    expect(am.silences).toEqual([]);
  });
});

describe("threads", () => {
  it("the resolved notification replies to the firing message, which is edited to show it resolved and loses its buttons", async () => {
    await start();
    const m = await firing();
    expect((await post(payload([alert({ fingerprint: "fp1", status: "resolved", endsAt: "2026-11-25T10:30:00Z" })]))).status).toBe(200);
    const resolved = lastMessage();
    expect(resolved.replyToMessageId).toBe(m.messageId);
    expect(resolved.text).toContain("✅ <b>RESOLVED</b> — <b>QueueStuckProcessing</b>");
    await until("firing message edited", () => m.edits.length > 0);
    expect(m.currentText).toContain("✅ <b>RESOLVED</b> — <b>QueueStuckProcessing</b>");
    expect(m.currentText).toContain("✅ Resolved at");
    expect(m.currentKeyboard).toBeUndefined();
    // What was sent stays as it was sent.
    expect(m.text).toContain("🔴 <b>FIRING</b>");
  });

  it("resolved alerts of different firing messages reply to their own message", async () => {
    await start();
    const a = await firing({ alertname: "A" }, "fa");
    const b = await firing({ alertname: "B" }, "fb");
    const r = await post(
      payload([
        alert({ fingerprint: "fa", status: "resolved", labels: { alertname: "A" } }),
        alert({ fingerprint: "fb", status: "resolved", labels: { alertname: "B" } }),
      ]),
    );
    expect(r.status).toBe(200);
    const replies = telegram.messages.slice(2).map((m) => [m.replyToMessageId, /RESOLVED<\/b> — <b>(\w)/.exec(m.text)![1]]);
    expect(replies).toEqual([
      [a.messageId, "A"],
      [b.messageId, "B"],
    ]);
  });

  it("survives a restart: after it, the resolved message still replies to the firing one", async () => {
    await start();
    const m = await firing();
    await bridge!.close(1000);
    await start();
    expect((await post(payload([alert({ fingerprint: "fp1", status: "resolved" })]))).status).toBe(200);
    expect(lastMessage().replyToMessageId).toBe(m.messageId);
    // The buttons made before the restart still work.
    await answered(telegram.press(m, "Ack", ONCALL));
    await until("acked", () => m.currentText.includes("is on it"));
  });
});

describe("commands", () => {
  beforeEach(() => start());

  it("/alerts lists what fires now, grouped, with buttons per group that silence the whole group", async () => {
    am.alerts = [
      ...Array.from({ length: 3 }, (_, i) => ({
        fingerprint: `s${i}`,
        labels: { alertname: "ChannelStale", severity: "warning", component: "collector", channel: `t.me/c${i}` },
      })),
      { fingerprint: "q", labels: { alertname: "QueueStuckProcessing", severity: "critical", component: "queue" } },
      { fingerprint: "w", labels: { alertname: "Watchdog", severity: "none" } },
    ];
    telegram.say(CHAT, "/alerts@tutordex_test_bot", ONCALL);
    const m = await until("the /alerts answer", () => telegram.messages.find((x) => x.text.includes("now in Alertmanager")));
    expect(m.text).toContain("4 firing now in Alertmanager, 2 groups");
    expect(m.text).toMatch(/#1<\/b> 🔴 <b>FIRING<\/b> — <b>QueueStuckProcessing<\/b>/);
    expect(m.text).toMatch(/#2<\/b> 🟠 <b>FIRING<\/b> — <b>ChannelStale<\/b> ×3/);
    expect(m.text).not.toContain("Watchdog");
    expect(buttons(m)).toEqual(["🔕 1h #1", "🔕 4h #1", "🔕 24h #1", "👀 Ack #1", "🔕 1h #2", "🔕 4h #2", "🔕 24h #2", "👀 Ack #2"]);
    expect((await answered(telegram.press(m, "🔕 24h #2", ONCALL))).text).toBe("Silenced 3 alerts for 24h.");
    expect(
      am
        .active()
        .map((s) => s.matchers.find((x) => x.name === "channel")!.value)
        .sort(),
    ).toEqual(["t.me/c0", "t.me/c1", "t.me/c2"]);
    await until("the overview edited", () => m.currentText.includes("#2 Silenced by @oncall"));
    // The overview is not where resolved notifications reply.
    await post(payload([alert({ fingerprint: "q", status: "resolved" })]));
    expect(lastMessage().replyToMessageId).toBeUndefined();
  });

  it("/alerts answers as a reply to the command, as every command does", async () => {
    am.alerts = [{ fingerprint: "q", labels: { alertname: "QueueStuckProcessing", severity: "critical" } }];
    const asked = telegram.say(CHAT, "/alerts", ONCALL);
    const m = await until("the /alerts answer", () => telegram.messages.find((x) => x.text.includes("now in Alertmanager")));
    expect(m.replyToMessageId).toBe(asked);
  });

  it("/alerts with nothing firing says so", async () => {
    telegram.say(CHAT, "/alerts", ONCALL);
    await until("answer", () => telegram.messages.find((x) => x.text.includes("Nothing fires right now")));
  });

  it("/silences lists active silences with an Expire button each; Expire expires it and says who", async () => {
    const m = await firing();
    await answered(telegram.press(m, "1h", ONCALL));
    telegram.say(CHAT, "/silences", ONCALL);
    const list = await until("the /silences answer", () => telegram.messages.find((x) => x.text.includes("active silence")));
    expect(list.text).toContain("1 active silence");
    expect(list.text).toContain("by @oncall (id 4242)");
    expect(list.text).toContain("alertname=QueueStuckProcessing");
    expect(buttons(list)).toEqual(["🗑 Expire #1"]);
    expect((await answered(telegram.press(list, "Expire #1", ONCALL))).text).toBe("Silence expired.");
    expect(am.active()).toEqual([]);
    await until("the confirmation", () => telegram.messages.find((x) => x.text.startsWith("🗑 Silence expired by @oncall (id 4242)")));
    // Pressed again: the silence is gone; nothing changes and it says so.
    expect((await answered(telegram.press(list, "Expire #1", ONCALL))).text).toBe("That silence is already gone; nothing was changed.");
  });

  it("/status shows Prometheus and Alertmanager readiness, the Watchdog and the bridge's deliveries", async () => {
    await firing({ alertname: "Watchdog", severity: "none" }, "wd");
    am.alerts = [{ fingerprint: "wd", labels: { alertname: "Watchdog" } }];
    am.ready = true;
    telegram.say(CHAT, "/status", ONCALL);
    const s = await until("the /status answer", () => telegram.messages.find((x) => x.text.includes("status")));
    expect(s.text).toContain("Prometheus: ✅ ready");
    expect(s.text).toContain("Alertmanager: ✅ ready");
    expect(s.text).toMatch(/Watchdog: last notification \d+s ago/);
    expect(s.text).toContain("firing in Alertmanager since");
    expect(s.text).toContain("Bridge: 1 messages sent, no failures, 0 alerts queued, 0 chats refused by Telegram");
    expect(s.replyToMessageId).toBeDefined();
  });

  it("/help says what the buttons do and who may use them", async () => {
    telegram.say(CHAT, "/help", STRANGER);
    const h = await until("the /help answer", () => telegram.messages.find((x) => x.text.includes("alerts console")));
    for (const part of [
      "/alerts",
      "/silences",
      "/status",
      "/drill",
      "/help",
      "🔕 silence for 1h / 4h / 24h",
      "This chat's administrators may silence",
    ])
      expect(h.text).toContain(part);
  });

  it("a chat the bridge does not serve gets a polite refusal and nothing else", async () => {
    am.alerts = [{ fingerprint: "q", labels: { alertname: "QueueStuckProcessing" } }];
    telegram.say("-999", "/alerts", ONCALL);
    const r = await until("refusal", () => telegram.messages.find((x) => x.chatId === "-999"));
    expect(r.text).toBe("Sorry, this bot only answers in the chats it sends alerts to.");
    expect(bridge!.metrics.consoleActions.get({ action: "alerts", result: "refused" })).toBe(1);
  });

  it("commands meant for another bot and plain chat are ignored", async () => {
    telegram.say(CHAT, "/alerts@some_other_bot", ONCALL);
    telegram.say(CHAT, "good morning", ONCALL);
    telegram.say(CHAT, "/help", ONCALL);
    await until("the /help answer", () => telegram.messages.find((x) => x.text.includes("alerts console")));
    expect(telegram.messages).toHaveLength(1);
  });
});

describe("long polling", () => {
  it("keeps the offset across a restart: no update is handled twice", async () => {
    await start();
    telegram.say(CHAT, "/help", ONCALL);
    await until("first answer", () => telegram.messages.length === 1);
    await bridge!.close(1000);
    telegram.say(CHAT, "/help", ONCALL);
    await start();
    await until("second answer", () => telegram.messages.length === 2);
    // Another full poll cycle: nothing more is answered.
    const polls = telegram.calls.filter((c) => c.method === "getUpdates").length;
    await until("two more polls", () => telegram.calls.filter((c) => c.method === "getUpdates").length >= polls + 2, 5000);
    expect(telegram.messages).toHaveLength(2);
    expect(JSON.parse(fs.readFileSync(path.join(dir, "state.json"), "utf8")).updateOffset).toBe(1002);
  });

  it("with the console off: no polling, no buttons, no commands menu, delivery as before; the token is still checked once", async () => {
    await start({ CONSOLE_ENABLED: "false" });
    const m = await firing();
    expect(m.keyboard).toBeUndefined();
    await new Promise((r) => setTimeout(r, 300));
    expect(telegram.calls.filter((c) => c.method !== "sendMessage").map((c) => c.method)).toEqual(["getMe"]);
  });
});

describe("while Alertmanager hangs", () => {
  it("a Silence press is answered at once and everyone else is answered as if nothing hung", async () => {
    await start();
    const three = await (async () => {
      const before = telegram.messages.length;
      await post(payload(["a", "b", "c"].map((i) => alert({ fingerprint: `h${i}`, labels: { instance: i } }))));
      return until("the firing message", () => telegram.messages[before]);
    })();
    const other = await firing({ alertname: "Other" }, "fo");
    am.trouble = (method) => (method === "POST" ? "hang" : undefined);
    const t0 = Date.now();
    const silencing = telegram.press(three, "1h", ONCALL);
    await until("Alertmanager asked", () => am.requests.includes("POST /api/v2/silences"));
    const helpAsked = Date.now();
    telegram.say(CHAT, "/help", ONCALL);
    const ack = telegram.press(other, "Ack", STRANGER);
    const help = await until("the /help answer", () => telegram.messages.find((x) => x.text.includes("alerts console")));
    const ackAnswer = await answered(ack);
    const helpMs = help.at - helpAsked;
    const ackMs = telegram.callbackAnswers.find((x) => x.id === ack)!.at - helpAsked;
    const working = await answered(silencing);
    const workingMs = telegram.callbackAnswers.find((x) => x.id === silencing)!.at - t0;
    expect(working.text).toBe("⏳ Working on it: Alertmanager is slow to answer. The outcome follows in the chat.");
    expect(ackAnswer.text).toBe("Noted: you are on it.");
    // Alertmanager waits 10 s per call; none of these waits for it.
    expect([helpMs < 1000, ackMs < 1000, workingMs < 2500]).toEqual([true, true, true]);
  }, 30_000);
});

import * as fs from "fs";
import * as net from "net";
import * as path from "path";
import { encodeCallback } from "../../bridge/src/cards";
import { ChatRouter } from "../../bridge/src/chats";
import { ConsoleConfig } from "../../bridge/src/config";
import { Console, ConsoleTiming } from "../../bridge/src/console/console";
import { TelegramUser, Update } from "../../bridge/src/console/updates";
import { DEFAULT_DELIVERY, Outbox } from "../../bridge/src/delivery";
import { Logger } from "../../bridge/src/log";
import { BridgeMetrics } from "../../bridge/src/metrics";
import { Card, DEFAULT_STORE_LIMITS, STATE_WRITE_DELAY_MS, StateStore, Subject } from "../../bridge/src/stateStore";
import { FakeAlertmanager, FakeSilence, until } from "./support/fakeAlertmanager";
import { ScriptedApi } from "./support/scriptedApi";
import { useTempDirs } from "../support/tempDirs";

/**
 * The console in process: updates handed to Console.handle, answers read from a scripted Bot API,
 * silences from the fake Alertmanager on loopback. Each case checks what the chat is told, what
 * changed in Alertmanager and on the card, and what was logged and counted.
 */

const CHAT = "-1001";
const ONCALL = { id: 4242, username: "oncall" };
const CARD_ID = "card0001";
let am: FakeAlertmanager;
let api: ScriptedApi;
let store: StateStore;
let metrics: BridgeMetrics;
let outbox: Outbox;
let lines: string[];
let clock: number;
let console_: Console;

const logged = (msg: string) => lines.map((l) => JSON.parse(l) as Record<string, unknown>).filter((l) => l.msg === msg);

function make(config: Partial<ConsoleConfig> = {}, timing: Partial<ConsoleTiming> = {}): Console {
  const log = new Logger((l) => lines.push(l));
  outbox = new Outbox(
    { api, store, metrics, log, format: { prefix: "[TD]", environment: "prod" }, cardView: () => console_.cardView(), buttons: true },
    { ...DEFAULT_DELIVERY, pace: { chatIntervalMs: 0, groupPerMinute: 10_000, botPerSecond: 10_000 }, coalesceMs: 0 },
  );
  console_ = new Console({
    config: {
      enabled: true,
      allow: "everyone",
      allowedUserIds: new Set(),
      silenceDurations: ["1h", "4h"],
      alertmanagerUrl: am.url,
      prometheusUrl: undefined,
      pollTimeoutSeconds: 1,
      syncIntervalMs: 60_000,
      ...config,
    },
    router: new ChatRouter({
      defaultChat: { chatId: CHAT, threadId: undefined },
      severityChats: new Map([["critical", { chatId: "-2002", threadId: undefined }]]),
    }),
    store,
    outbox,
    api,
    metrics,
    log,
    format: { prefix: "[TD]", environment: "prod" },
    status: () => ({
      watchdogLastSeen: undefined,
      sent: 3,
      failedByReason: {},
      pending: 0,
      failingChats: 0,
      stateFile: "in memory only (STATE_FILE not set)",
    }),
    now: () => clock,
    timing,
  });
  return console_;
}

let nextUpdate = 1;
const command = (text: string | undefined, extra: Record<string, unknown> = {}): Update => ({
  update_id: nextUpdate++,
  message: { message_id: 77, chat: { id: Number(CHAT) }, from: ONCALL, ...(text !== undefined ? { text } : {}), ...extra },
});
const press = (
  data: string | undefined,
  extra: { message?: Record<string, unknown> | null; from?: Record<string, unknown> } = {},
): Update => ({
  update_id: nextUpdate++,
  callback_query: {
    id: `q${nextUpdate}`,
    from: (extra.from ?? ONCALL) as TelegramUser,
    ...(extra.message === null ? {} : { message: { message_id: 50, chat: { id: Number(CHAT) }, ...extra.message } }),
    ...(data !== undefined ? { data } : {}),
  },
});
/** The answer to the last button press. */
const answer = () => api.sent("answerCallbackQuery").at(-1);
const replies = () => api.sent("sendMessage");

const alertOf = (name: string, extra: Record<string, string> = {}) => ({
  alertKey: name,
  labels: { alertname: name, severity: "critical", ...extra },
  status: "firing" as const,
});
function putCard(subjects: Subject[] = [{ title: "", alerts: [alertOf("DiskFull", { instance: "a" })] }], extra: Partial<Card> = {}): Card {
  const card: Card = {
    id: CARD_ID,
    kind: "notification",
    chatId: CHAT,
    messageId: 50,
    createdAt: clock,
    updatedAt: clock,
    body: { head: "<b>head</b>", blocks: [{ html: "block", alertKey: "DiskFull" }], foot: "" },
    subjects,
    buttons: true,
    ...extra,
  };
  store.putCard(card);
  return card;
}

beforeEach(async () => {
  am = await new FakeAlertmanager().start();
  api = new ScriptedApi();
  metrics = new BridgeMetrics();
  lines = [];
  clock = Date.now();
  store = new StateStore(undefined, new Logger(() => undefined), DEFAULT_STORE_LIMITS, () => clock);
});
afterEach(async () => {
  outbox?.close();
  await am.stop();
});
const tmp = useTempDirs({ settleMs: STATE_WRITE_DELAY_MS });

describe("which updates are handled", () => {
  it.each([
    ["plain text", command("good morning")],
    ["a message without text", command(undefined)],
    ["an unknown command", command("/deploy")],
    ["a name from Object.prototype", command("/constructor")],
    ["a command for another bot", command("/help@other_bot")],
    ["an update with neither message nor button", { update_id: 9 }],
  ])("%s is ignored and answered with nothing", async (_what, update) => {
    make();
    console_.botUsername = "td_bot";
    expect(await console_.handle(update)).toBe("ignored");
    expect(api.calls).toEqual([]);
  });

  it("/start is /help; commands and buttons are handled", async () => {
    make();
    expect(await console_.handle(command("/start"))).toBe("handled");
    expect(replies()[0].text).toContain("alerts console");
    expect(await console_.handle(press("not ours"))).toBe("handled");
  });
});

describe("commands", () => {
  it("an answer replies to the command, in its topic, as HTML without previews", async () => {
    make();
    await console_.handle(command("/help", { message_thread_id: 12 }));
    expect(replies()).toEqual([
      {
        chat_id: CHAT,
        text: expect.stringContaining("<b>[TD] [PROD]</b> alerts console"),
        parse_mode: "HTML",
        link_preview_options: { is_disabled: true },
        message_thread_id: 12,
        reply_parameters: { message_id: 77, allow_sending_without_reply: true },
      },
    ]);
    expect(metrics.consoleActions.get({ action: "help", result: "ok" })).toBe(1);
    expect(logged("console action")).toMatchObject([
      { level: "info", action: "help", result: "ok", user: "@oncall (id 4242)", user_id: 4242, chat_id: CHAT },
    ]);
    expect(logged("console answer not delivered")).toEqual([]);
  });

  it("from a chat the bridge does not serve: refused, counted and logged with the reason", async () => {
    make();
    await console_.handle({ update_id: 1, message: { message_id: 5, chat: { id: -999 }, text: "/status" } });
    expect(replies()).toMatchObject([{ chat_id: "-999", text: "Sorry, this bot only answers in the chats it sends alerts to." }]);
    expect(replies()[0]).not.toHaveProperty("message_thread_id");
    expect(metrics.consoleActions.get({ action: "status", result: "refused" })).toBe(1);
    expect(logged("console action")).toMatchObject([{ action: "status", result: "refused", chat_id: "-999", reason: "chat" }]);
    expect(logged("console action")[0]).not.toHaveProperty("user");
  });

  it("a severity chat and a migrated chat are served too", async () => {
    make();
    store.migrate(CHAT, "-100555");
    for (const id of [-2002, -100555, Number(CHAT)])
      await console_.handle({ update_id: 1, message: { message_id: 5, chat: { id }, text: "/help" } });
    expect(metrics.consoleActions.get({ action: "help", result: "ok" })).toBe(3);
  });

  it("an answer Telegram does not take is logged", async () => {
    make();
    api.script = [{ kind: "permanent", reason: "forbidden", detail: "403 blocked" }];
    await console_.handle(command("/help"));
    expect(logged("console answer not delivered")).toMatchObject([
      { level: "warning", chat_id: Number(CHAT), outcome: "permanent", detail: "403 blocked" },
    ]);
  });

  it("/alerts: an overview card with buttons, in the command's topic, remembered under its message id", async () => {
    make();
    am.alerts = [
      { fingerprint: "a1", labels: { alertname: "DiskFull", severity: "critical", instance: "a" } },
      { fingerprint: "a2", labels: { alertname: "DiskFull", severity: "critical", instance: "b" } },
    ];
    await console_.handle(command("/alerts", { message_thread_id: 3 }));
    const [sent] = replies();
    // A reply to the command, like every other answer.
    expect(sent).toMatchObject({
      chat_id: CHAT,
      parse_mode: "HTML",
      link_preview_options: { is_disabled: true },
      message_thread_id: 3,
      reply_parameters: { message_id: 77, allow_sending_without_reply: true },
    });
    expect(sent.text).toContain("2 firing now in Alertmanager, 1 group");
    const card = Object.values(store.data.cards)[0];
    expect(card).toMatchObject({ kind: "overview", chatId: CHAT, messageId: 100, threadId: 3 });
    expect(sent.reply_markup).toEqual({
      inline_keyboard: [
        [
          { text: "🔕 1h", callback_data: `v1:s:${card.id}:0:1h` },
          { text: "🔕 4h", callback_data: `v1:s:${card.id}:0:4h` },
        ],
        [{ text: "👀 Ack", callback_data: `v1:a:${card.id}:0` }],
      ],
    });
  });

  it("/alerts with nothing firing, and without Alertmanager", async () => {
    make();
    await console_.handle(command("/alerts"));
    make({ alertmanagerUrl: undefined });
    await console_.handle(command("/alerts"));
    await console_.handle(command("/silences"));
    expect(replies().map((r) => r.text)).toEqual([
      "Nothing fires right now ✅",
      "Alertmanager's address is not configured (ALERTMANAGER_URL), so I cannot list alerts.",
      "Alertmanager's address is not configured (ALERTMANAGER_URL), so I cannot list silences.",
    ]);
  });

  it("/alerts that Telegram refuses: a failure, said in the chat", async () => {
    make();
    am.alerts = [{ fingerprint: "a1", labels: { alertname: "DiskFull" } }];
    api.script = [{ kind: "permanent", reason: "bad_request", detail: "400 Bad Request: message is too long" }];
    await console_.handle(command("/alerts"));
    expect(replies()[1].text).toBe("Sorry, that failed: Telegram did not take the answer (Bad Request: message is too long).");
    expect(metrics.consoleActions.get({ action: "alerts", result: "failed" })).toBe(1);
    expect(logged("console action failed")).toMatchObject([
      {
        level: "error",
        action: "alerts",
        result: "failed",
        reason: "Telegram did not take the answer: permanent 400 Bad Request: message is too long",
      },
    ]);
    expect(Object.keys(store.data.cards)).toEqual([]);
  });

  it("Alertmanager down: the chat reads the service and what is wrong with it; the log keeps the call and the cause", async () => {
    make();
    await am.stop();
    await console_.handle(command("/silences"));
    expect(replies()[0].text).toBe("Sorry, that failed: Alertmanager is not reachable (it refuses connections).");
    expect(logged("console action failed")[0].reason).toMatch(/^GET \/api\/v2\/silences: fetch failed.*ECONNREFUSED/);
  });

  it("Alertmanager that does not answer: said in seconds, no address or error code", async () => {
    make({}, { alertmanagerTimeoutMs: 300 });
    am.trouble = () => "hang";
    await console_.handle(command("/alerts"));
    expect(replies()[0].text).toBe("Sorry, that failed: Alertmanager did not answer in 0.3 s.");
    expect(replies()[0].text).not.toMatch(/127\.0\.0\.1|fetch|\d{3}/);
  });

  it("/silences: the list with Expire buttons, as a reply, remembered with the silences it offers", async () => {
    make();
    am.silences.push({
      id: "6f2c9d1e-1b2a-4c3d-8e9f-0a1b2c3d4e5f",
      matchers: [{ name: "alertname", value: "A", isRegex: false }],
      startsAt: "2026-11-25T09:00:00Z",
      endsAt: new Date(clock + 3_600_000).toISOString(),
      createdBy: "me",
      comment: "",
      status: { state: "active" },
    });
    await console_.handle(command("/silences", { message_thread_id: 5 }));
    const card = Object.values(store.data.cards)[0];
    expect(card).toMatchObject({
      kind: "silences",
      chatId: CHAT,
      messageId: 100,
      threadId: 5,
      listed: [{ id: "6f2c9d1e-1b2a-4c3d-8e9f-0a1b2c3d4e5f", matchers: "alertname=A" }],
    });
    expect(replies()[0]).toMatchObject({
      text: expect.stringContaining("1 active silence"),
      reply_parameters: { message_id: 77, allow_sending_without_reply: true },
      reply_markup: { inline_keyboard: [[{ text: "🗑 Expire #1", callback_data: `v1:e:${card.id}:0` }]] },
    });
  });

  it("/silences with none active: a plain answer, nothing remembered", async () => {
    make();
    await console_.handle(command("/silences"));
    expect(replies()[0].text).toContain("Nothing is silenced.");
    expect(store.data.cards).toEqual({});
  });

  describe("/status", () => {
    const statusLines = async (config: Partial<ConsoleConfig> = {}) => {
      make(config);
      await console_.handle(command("/status"));
      return String(replies()[0].text).split("\n");
    };

    it("everything ready, the Watchdog firing", async () => {
      am.alerts = [{ fingerprint: "w", labels: { alertname: "Watchdog" } }];
      const text = await statusLines({ prometheusUrl: am.url });
      expect(text.slice(1, 4)).toEqual([
        "Prometheus: ✅ ready",
        "Alertmanager: ✅ ready",
        "Watchdog: no notification since the bridge started remembering; firing in Alertmanager since 2026-11-25T10:00:00Z",
      ]);
      expect(text[4]).toBe("Bridge: 3 messages sent, no failures, 0 alerts queued, 0 chats refused by Telegram");
      expect(text[5]).toBe("State: in memory only (STATE_FILE not set)");
    });

    it("the Watchdog not firing: said loudly", async () => {
      am.alerts = [{ fingerprint: "x", labels: { alertname: "Other" } }];
      expect((await statusLines())[3]).toBe(
        "Watchdog: no notification since the bridge started remembering; NOT firing in Alertmanager (the alerting pipeline may be broken)",
      );
    });

    it("Alertmanager's answer unreadable: did not answer", async () => {
      am.alerts = [{ fingerprint: "w", labels: { alertname: "Watchdog", n: 1 as unknown as string } }];
      expect((await statusLines())[3]).toBe("Watchdog: no notification since the bridge started remembering; Alertmanager did not answer");
    });

    it("Alertmanager and Prometheus not ready, or not configured", async () => {
      am.ready = false;
      expect((await statusLines({ prometheusUrl: am.url })).slice(1, 4)).toEqual([
        "Prometheus: ❌ not ready",
        "Alertmanager: ❌ not ready",
        "Watchdog: no notification since the bridge started remembering; Alertmanager not asked",
      ]);
      api.calls.length = 0;
      expect((await statusLines({ alertmanagerUrl: undefined })).slice(1, 3)).toEqual([
        "Prometheus: ➖ not configured",
        "Alertmanager: ➖ not configured",
      ]);
    });

    it("Prometheus unreachable: not ready", async () => {
      expect((await statusLines({ prometheusUrl: "http://127.0.0.1:9" }))[1]).toBe("Prometheus: ❌ not ready");
    });

    it("Prometheus that takes the connection and never answers: not ready once its 5 s probe gives up, not a /status that never comes", async () => {
      const sockets: net.Socket[] = [];
      const silent = net.createServer((s) => void sockets.push(s));
      await new Promise<void>((r) => silent.listen(0, "127.0.0.1", r));
      try {
        const started = Date.now();
        const text = await statusLines({ prometheusUrl: `http://127.0.0.1:${(silent.address() as net.AddressInfo).port}` });
        expect(text[1]).toBe("Prometheus: ❌ not ready");
        expect(Date.now() - started).toBeGreaterThanOrEqual(4_900);
        expect(sockets.length).toBeGreaterThan(0);
      } finally {
        for (const s of sockets) s.destroy();
        await new Promise((r) => silent.close(r));
      }
    }, 15_000);
  });
});

describe("button presses", () => {
  it("data the bridge never made: invalid, logged with the data cut to 64, answered as an alert", async () => {
    make();
    await console_.handle(press(`x${"y".repeat(100)}`));
    expect(answer()).toEqual({
      callback_query_id: expect.any(String),
      text: "This button is not one I made; nothing was changed.",
      show_alert: true,
    });
    expect(metrics.consoleActions.get({ action: "unknown", result: "invalid" })).toBe(1);
    expect(logged("console action")).toMatchObject([{ action: "unknown", result: "invalid", chat_id: CHAT, data: `x${"y".repeat(63)}` }]);
    await console_.handle(press(undefined, { message: null }));
    expect(logged("console action")[1]).toMatchObject({ chat_id: "", data: "" });
  });

  it("a press whose answer Telegram refuses is logged", async () => {
    make();
    api.script = [{ kind: "permanent", reason: "bad_request", detail: "query is too old" }];
    await console_.handle(press("junk"));
    expect(logged("button press not acknowledged to Telegram")).toMatchObject([{ level: "warning", outcome: "permanent" }]);
  });

  it("answers are cut to Telegram's 200 characters", async () => {
    make();
    putCard();
    store.updateCard(CARD_ID, (c) => (c.subjects[0].alerts[0].silence = { ids: ["x"], by: "x".repeat(300), until: clock + 1000 }));
    await console_.handle(press(encodeCallback({ op: "silence", cardId: CARD_ID, subject: 0, duration: "1h" })));
    expect(answer()!.text).toBe(`Already silenced by ${"x".repeat(180)}`);
  });

  it("a press without its message, or in another chat, is refused for the chat", async () => {
    make();
    putCard();
    await console_.handle(press(encodeCallback({ op: "ack", cardId: CARD_ID, subject: 0 }), { message: null }));
    expect(answer()).toMatchObject({ text: "Sorry, this bot only answers in the chats it sends alerts to.", show_alert: true });
    expect(logged("console action")).toMatchObject([
      { action: "ack", result: "refused", chat_id: "", reason: "chat", card: CARD_ID, subject: 0 },
    ]);
    expect(store.card(CARD_ID)!.subjects[0].acks).toBeUndefined();
  });

  it("a user off the allowlist: refused, the silence button's duration logged", async () => {
    make({ allow: "list", allowedUserIds: new Set([1]) });
    putCard();
    await console_.handle(press(encodeCallback({ op: "silence", cardId: CARD_ID, subject: 0, duration: "4h" })));
    expect(logged("console action")).toMatchObject([
      { action: "silence", result: "refused", reason: "user", card: CARD_ID, subject: 0, duration: "4h" },
    ]);
    expect(am.silences).toEqual([]);
  });

  describe("on a card", () => {
    const silence = (duration = "1h", subject = 0) => press(encodeCallback({ op: "silence", cardId: CARD_ID, subject, duration }));

    it("a card the bridge forgot: stale", async () => {
      make();
      await console_.handle(press(encodeCallback({ op: "ack", cardId: "gone0001", subject: 0 })));
      expect(answer()).toMatchObject({
        text: "This button has expired: I no longer remember that message. Use /alerts for current buttons.",
        show_alert: true,
      });
      expect(logged("console action")).toMatchObject([{ action: "ack", result: "stale", card: "gone0001" }]);
    });

    it.each([
      ["another message", { message_id: 51 }],
      ["another chat", { chat: { id: -2002 } }],
    ])("pressed on %s: invalid, nothing changed", async (_what, message) => {
      make();
      putCard();
      await console_.handle(press(encodeCallback({ op: "ack", cardId: CARD_ID, subject: 0 }), { message }));
      expect(answer()!.text).toBe("This button does not belong to this message; nothing was changed.");
      expect(logged("console action")).toMatchObject([{ result: "invalid", card: CARD_ID }]);
      expect(store.card(CARD_ID)!.subjects[0].acks).toBeUndefined();
    });

    it("a subject the card does not have: invalid", async () => {
      make();
      putCard();
      await console_.handle(press(encodeCallback({ op: "ack", cardId: CARD_ID, subject: 1 })));
      expect(answer()!.text).toBe("This button does not belong to this message; nothing was changed.");
    });

    it("a card in a chat since migrated: still its message", async () => {
      make();
      putCard();
      store.migrate(CHAT, "-100555");
      await console_.handle(press(encodeCallback({ op: "ack", cardId: CARD_ID, subject: 0 }), { message: { chat: { id: -100555 } } }));
      expect(answer()).toMatchObject({ text: "Noted: you are on it.", show_alert: false });
    });

    it("Ack: who and when on the card, the message edited, the press logged with the alerts", async () => {
      make();
      putCard([{ title: "", alerts: [alertOf("B"), alertOf("A"), alertOf("B", { i: "2" })] }]);
      await console_.handle(press(encodeCallback({ op: "ack", cardId: CARD_ID, subject: 0 })));
      expect(answer()).toMatchObject({ text: "Noted: you are on it.", show_alert: false });
      expect(logged("button press not acknowledged to Telegram")).toEqual([]);
      expect(store.card(CARD_ID)!.subjects[0].acks).toEqual([{ by: "@oncall (id 4242)", at: clock }]);
      const [edit] = api.sent("editMessageText");
      expect(edit).toMatchObject({ chat_id: CHAT, message_id: 50, parse_mode: "HTML" });
      expect(edit.text).toContain("👀 @oncall (id 4242) is on it");
      expect(metrics.edits.get({ result: "ok" })).toBe(1);
      expect(logged("console action")).toMatchObject([
        { action: "ack", result: "ok", card: CARD_ID, subject: 0, alerts: "B,A", user: "@oncall (id 4242)" },
      ]);
      // Again by the same person: nothing more.
      await console_.handle(press(encodeCallback({ op: "ack", cardId: CARD_ID, subject: 0 })));
      expect(answer()).toMatchObject({ text: "You already acknowledged this.", show_alert: true });
      expect(api.sent("editMessageText")).toHaveLength(1);
      // By someone else: added to the first, who stays on it.
      clock += 60_000;
      await console_.handle(press(encodeCallback({ op: "ack", cardId: CARD_ID, subject: 0 }), { from: { id: 5, username: "bob" } }));
      expect(answer()).toMatchObject({ text: "Noted: you are on it (with @oncall (id 4242)).", show_alert: false });
      expect(store.card(CARD_ID)!.subjects[0].acks).toEqual([
        { by: "@oncall (id 4242)", at: clock - 60_000 },
        { by: "@bob (id 5)", at: clock },
      ]);
      expect(api.sent("editMessageText")[1].text).toMatch(/👀 @oncall \(id 4242\) \(since .*\) and @bob \(id 5\) \(since .*\) are on it/);
    });

    it("an edit Telegram refuses is counted and logged", async () => {
      make();
      putCard();
      api.fallback = (method) =>
        method === "editMessageText"
          ? { kind: "permanent", reason: "bad_request", detail: "400 message to edit not found" }
          : { kind: "ok", result: true };
      await console_.handle(press(encodeCallback({ op: "ack", cardId: CARD_ID, subject: 0 })));
      expect(metrics.edits.get({ result: "failed" })).toBe(1);
      expect(logged("message edit after a button press failed")).toMatchObject([
        { level: "warning", card: CARD_ID, outcome: "permanent", detail: "400 message to edit not found" },
      ]);
    });

    it("Silence: one silence per distinct alert, exact matchers, by the person, for the duration; the card shows it", async () => {
      make();
      putCard([
        {
          title: "",
          alerts: [
            alertOf("DiskFull", { instance: "a" }),
            alertOf("DiskFull", { instance: "a" }),
            alertOf("DiskFull", { instance: "b" }),
            { ...alertOf("Gone"), status: "resolved" },
          ],
        },
      ]);
      await console_.handle(silence("4h"));
      expect(answer()).toMatchObject({ text: "Silenced 3 alerts for 4h.", show_alert: false });
      expect(am.silences).toHaveLength(2);
      const [s] = am.silences;
      expect(s.matchers).toEqual([
        { name: "alertname", value: "DiskFull", isRegex: false, isEqual: true },
        { name: "instance", value: "a", isRegex: false, isEqual: true },
        { name: "severity", value: "critical", isRegex: false, isEqual: true },
      ]);
      expect([Date.parse(s.startsAt), Date.parse(s.endsAt)]).toEqual([clock, clock + 4 * 3_600_000]);
      expect(s.createdBy).toBe("@oncall (id 4242)");
      expect(s.comment).toBe(`Silenced from Telegram (prod) on DiskFull; card ${CARD_ID}`);
      const [a, a2, b, gone] = store.card(CARD_ID)!.subjects[0].alerts.map((x) => x.silence);
      const held = (id: string) => ({ ids: [id], by: "@oncall (id 4242)", until: clock + 4 * 3_600_000 });
      expect([a, a2, b, gone]).toEqual([held(am.silences[0].id), held(am.silences[0].id), held(am.silences[1].id), undefined]);
      expect(logged("console action")).toMatchObject([
        { action: "silence", result: "ok", duration: "4h", silence_ids: am.silences.map((x) => x.id).join(",") },
      ]);
      expect(api.sent("editMessageText")[0].text).toContain("🔕 Silenced by @oncall (id 4242) until");
    });

    it("Silence of one alert says alert; an /alerts group names its group in the comment", async () => {
      make();
      putCard(
        [
          { title: "", alerts: [alertOf("A")] },
          { title: "Disk<Full>", alerts: [alertOf("DiskFull")] },
        ],
        { kind: "overview" },
      );
      await console_.handle(silence("1h", 1));
      expect(answer()!.text).toBe("Silenced 1 alert for 1h.");
      expect(am.silences[0].comment).toBe(`Silenced from Telegram (prod) on DiskFull (/alerts group Disk<Full>); card ${CARD_ID}`);
      expect(store.card(CARD_ID)!.subjects[0].alerts[0].silence).toBeUndefined();
    });

    it("Silence refused: a duration no longer offered, already silenced, or nothing firing", async () => {
      make();
      putCard();
      await console_.handle(silence("2h"));
      expect(answer()).toMatchObject({ text: "That duration is no longer offered; nothing was changed.", show_alert: true });
      await console_.handle(silence("1h"));
      const until = clock + 3_600_000;
      await console_.handle(silence("4h"));
      expect(answer()!.text).toBe(`Already silenced by @oncall (id 4242) until ${new Date(until).toISOString()}.`);
      expect(am.silences).toHaveLength(1);
      // Once that silence has run out, the button silences again.
      clock = until;
      await console_.handle(silence("1h"));
      expect(answer()!.text).toBe("Silenced 1 alert for 1h.");
      store.updateCard(CARD_ID, (c) => (c.subjects[0].alerts[0].status = "resolved"));
      clock += 4 * 3_600_000;
      await console_.handle(silence("1h"));
      expect(answer()!.text).toBe("These alerts have resolved; nothing to silence.");
      expect(am.silences).toHaveLength(2);
    });

    it("Silence while Alertmanager refuses: failed, said, nothing on the card", async () => {
      make();
      putCard();
      await am.stop();
      await console_.handle(silence("1h"));
      expect(answer()!.text).toBe("Nothing was silenced: Alertmanager is not reachable (it refuses connections).");
      expect(answer()!.show_alert).toBe(true);
      expect(logged("console action failed")).toMatchObject([
        {
          action: "silence",
          result: "failed",
          card: CARD_ID,
          duration: "1h",
          silence_ids: "",
          not_done: "1: Alertmanager is not reachable (it refuses connections)",
        },
      ]);
      expect(store.card(CARD_ID)!.subjects[0].alerts[0].silence).toBeUndefined();
      expect(api.sent("editMessageText")).toEqual([]);
    });

    it("Unsilence: expires the card's silences that are still active, and says who", async () => {
      make();
      putCard();
      const add = (state: FakeSilence["status"]["state"]) => {
        const s: FakeSilence = {
          id: `00000000-0000-4000-8000-00000000000${am.silences.length}`,
          matchers: [{ name: "a", value: "b", isRegex: false }],
          startsAt: "",
          endsAt: "",
          createdBy: "x",
          comment: "c",
          status: { state },
        };
        am.silences.push(s);
        return s.id;
      };
      const ids = [add("active"), add("expired"), "00000000-0000-4000-8000-000000000099"];
      store.updateCard(CARD_ID, (c) => (c.subjects[0].alerts[0].silence = { ids, by: "@x (id 1)", until: clock + 1000 }));
      await console_.handle(press(encodeCallback({ op: "unsilence", cardId: CARD_ID, subject: 0 })));
      expect(answer()).toMatchObject({ text: "Silence expired; the alerts notify again.", show_alert: false });
      expect(am.silences.map((s) => s.status.state)).toEqual(["expired", "expired"]);
      expect(store.card(CARD_ID)!.subjects[0]).toMatchObject({ unsilenced: { by: "@oncall (id 4242)", at: clock } });
      expect(store.card(CARD_ID)!.subjects[0].alerts[0].silence).toBeUndefined();
      expect(logged("console action")).toMatchObject([{ action: "unsilence", result: "ok", silence_ids: ids.join(",") }]);
      expect(api.sent("editMessageText")[0].text).toContain("🔔 Unsilenced by @oncall (id 4242)");
    });

    it("Unsilence of nothing, or of a silence that ran out: stale", async () => {
      make();
      putCard();
      await console_.handle(press(encodeCallback({ op: "unsilence", cardId: CARD_ID, subject: 0 })));
      expect(answer()).toMatchObject({ text: "Not silenced any more; nothing was changed.", show_alert: true });
      store.updateCard(CARD_ID, (c) => (c.subjects[0].alerts[0].silence = { ids: ["x"], by: "@x (id 1)", until: clock }));
      await console_.handle(press(encodeCallback({ op: "unsilence", cardId: CARD_ID, subject: 0 })));
      expect(answer()!.text).toBe("Not silenced any more; nothing was changed.");
    });

    it("a silence that re-silences after an unsilence clears the unsilenced line", async () => {
      make();
      putCard();
      store.updateCard(CARD_ID, (c) => (c.subjects[0].unsilenced = { by: "x", at: 1 }));
      await console_.handle(silence("1h"));
      expect(store.card(CARD_ID)!.subjects[0].unsilenced).toBeUndefined();
    });
  });

  describe("Expire (from /silences)", () => {
    const ID = "6f2c9d1e-1b2a-4c3d-8e9f-0a1b2c3d4e5f";
    const LIST = "list0001";
    const expire = (message?: Record<string, unknown> | null, index = 0) =>
      press(encodeCallback({ op: "expire", cardId: LIST, index }), { message });
    const addSilence = (state: FakeSilence["status"]["state"] = "active", id = ID) =>
      am.silences.push({
        id,
        matchers: [
          { name: "alertname", value: "A<B", isRegex: false },
          { name: "env", value: "prod", isRegex: true },
        ],
        startsAt: "",
        endsAt: "",
        createdBy: "x",
        comment: "c",
        status: { state },
      });
    /** The /silences answer as the console remembers it: message 50 unless said, listing the silence. */
    const putList = (extra: Partial<Card> = {}) =>
      store.putCard({
        id: LIST,
        kind: "silences",
        chatId: CHAT,
        messageId: 50,
        createdAt: clock,
        updatedAt: clock,
        body: { head: "", blocks: [], foot: "" },
        subjects: [],
        buttons: false,
        listed: [{ id: ID, matchers: "alertname=A<B, env~prod" }],
        ...extra,
      });

    it("expires it and says so in the chat, replying in the list's topic", async () => {
      make();
      addSilence();
      putList({ messageId: 60, threadId: 4 });
      await console_.handle(expire({ message_id: 60, message_thread_id: 4 }));
      expect(am.silences[0].status.state).toBe("expired");
      expect(answer()).toMatchObject({ text: "Silence expired.", show_alert: false });
      expect(replies()).toEqual([
        {
          chat_id: CHAT,
          text: "🗑 Silence expired by @oncall (id 4242): <code>alertname=A&lt;B, env~prod</code>",
          parse_mode: "HTML",
          link_preview_options: { is_disabled: true },
          reply_parameters: { message_id: 60, allow_sending_without_reply: true },
          message_thread_id: 4,
        },
      ]);
      expect(logged("console action")).toMatchObject([
        { action: "expire", result: "ok", card: LIST, index: 0, silence_id: ID, matchers: "alertname=A<B, env~prod" },
      ]);
    });

    it("without a topic: no message_thread_id", async () => {
      make();
      addSilence();
      putList();
      await console_.handle(expire());
      expect(replies()[0]).not.toHaveProperty("message_thread_id");
      expect(replies()[0].reply_parameters).toEqual({ message_id: 50, allow_sending_without_reply: true });
    });

    it("a silence already expired or unknown: stale", async () => {
      make();
      addSilence("expired");
      putList();
      await console_.handle(expire());
      expect(answer()).toMatchObject({ text: "That silence is already gone; nothing was changed.", show_alert: true });
      am.silences.length = 0;
      await console_.handle(expire());
      expect(answer()!.text).toBe("That silence is already gone; nothing was changed.");
      expect(logged("console action")).toMatchObject([
        { result: "stale", silence_id: ID },
        { result: "stale", silence_id: ID },
      ]);
      expect(replies()).toEqual([]);
    });

    it("without Alertmanager: failed, said", async () => {
      make({ alertmanagerUrl: undefined });
      putList();
      await console_.handle(expire());
      expect(answer()).toMatchObject({ text: "Alertmanager's address is not configured.", show_alert: true });
      expect(metrics.consoleActions.get({ action: "expire", result: "failed" })).toBe(1);
      expect(console_.cardView()).toEqual({ silenceDurations: ["1h", "4h"], canSilence: false });
    });

    describe("acts only on what its message offered", () => {
      const AMTOOL = "0b1c2d3e-4f50-4617-8293-a4b5c6d7e8f9";
      beforeEach(() => {
        make();
        addSilence();
        // Made with amtool: no message ever listed it.
        addSilence("active", AMTOOL);
        putList();
        putCard([{ title: "", alerts: [alertOf("DiskFull")] }], { messageId: 51 });
      });
      afterEach(() => {
        expect(am.active().map((x) => x.id)).toEqual([ID, AMTOOL]);
        expect(replies()).toEqual([]);
      });

      it("a bare silence id, as forged data or an answer from an older bridge carries, expires nothing", async () => {
        await console_.handle(press(`v1:x:${AMTOOL}`, { message: { message_id: 51 } }));
        expect(answer()).toMatchObject({
          text: "This list is from an older version of the bridge; send /silences for current buttons. Nothing was changed.",
          show_alert: true,
        });
        expect(logged("console action")).toMatchObject([{ action: "expire", result: "stale", data: `v1:x:${AMTOOL}` }]);
      });

      it.each([
        ["pressed on an alert message", { message_id: 51 }, 0],
        ["pressed in another chat", { chat: { id: -2002 } }, 0],
        ["a place the list does not have", {}, 1],
      ])("the list's button %s: invalid", async (_what, message, index) => {
        await console_.handle(expire(message, index));
        expect(answer()).toMatchObject({ text: "This button does not belong to this message; nothing was changed.", show_alert: true });
        expect(logged("console action")).toMatchObject([{ action: "expire", result: "invalid", card: LIST }]);
      });

      it("expire data naming an alert message's card: invalid", async () => {
        await console_.handle(press(encodeCallback({ op: "expire", cardId: CARD_ID, index: 0 }), { message: { message_id: 51 } }));
        expect(answer()!.text).toBe("This button does not belong to this message; nothing was changed.");
      });
    });

    it("a silence expired here leaves the alert messages that showed it, which are edited", async () => {
      make();
      addSilence();
      putList();
      putCard([{ title: "", alerts: [{ ...alertOf("DiskFull"), silence: { ids: [ID], by: "@x (id 1)", until: clock + 3_600_000 } }] }], {
        messageId: 51,
      });
      await console_.handle(expire());
      expect(store.card(CARD_ID)!.subjects[0].alerts[0].silence).toBeUndefined();
      const [edit] = api.sent("editMessageText");
      expect(edit).toMatchObject({ message_id: 51 });
      expect(edit.text).not.toContain("Silenced");
      expect(JSON.stringify(edit.reply_markup)).toContain("🔕 1h");
    });
  });
});

describe("every answer is true when Alertmanager half fails", () => {
  const silence = (duration = "1h") => press(encodeCallback({ op: "silence", cardId: CARD_ID, subject: 0, duration }));
  const three = () => putCard([{ title: "", alerts: ["a", "b", "c"].map((i) => alertOf("DiskFull", { instance: i })) }]);
  const accounts = () => replies().map((r) => String(r.text));

  it("--silences.max-silences reached after the first: says which alerts are silenced and which not, and the card offers Unsilence for the live one", async () => {
    make();
    three();
    am.maxSilences = 1;
    await console_.handle(silence());
    expect(am.active()).toHaveLength(1);
    expect(answer()).toMatchObject({ text: "Silenced 1 of 3 alerts for 1h; 2 not silenced. Details in the chat.", show_alert: true });
    expect(accounts()).toEqual([
      [
        `🔕 <b>Silence for 1h</b> by @oncall (id 4242): 1 of 3 alerts silenced until ${new Date(clock + 3_600_000)
          .toISOString()
          .replace("T", " ")
          .replace(/\.\d+Z$/, " UTC")}.`,
        "✅ Silenced: DiskFull instance=a",
        "❌ Not silenced (Alertmanager refused it: exceeded maximum number of silences: 1 (limit: 1)): DiskFull instance=b, DiskFull instance=c",
      ].join("\n"),
    ]);
    expect(replies()[0]).toMatchObject({ reply_parameters: { message_id: 50, allow_sending_without_reply: true } });
    expect(store.card(CARD_ID)!.subjects[0].alerts.map((a) => a.silence?.ids)).toEqual([[am.silences[0].id], undefined, undefined]);
    const [edit] = api.sent("editMessageText");
    expect(edit.text).toContain("🔕 1 of 3 alerts silenced by @oncall (id 4242) until");
    expect((edit.reply_markup as { inline_keyboard: { text: string }[][] }).inline_keyboard.flat().map((b) => b.text)).toEqual([
      "🔕 1h",
      "🔕 4h",
      "🔔 Unsilence",
      "👀 Ack",
    ]);
    expect(metrics.consoleActions.get({ action: "silence", result: "partial" })).toBe(1);
    expect(logged("console action partly done")).toMatchObject([
      {
        level: "warning",
        action: "silence",
        result: "partial",
        silence_ids: am.silences[0].id,
        not_done: "2: Alertmanager refused it: exceeded maximum number of silences: 1 (limit: 1)",
      },
    ]);
  });

  it("pressed again once there is room: silences only the rest", async () => {
    make();
    three();
    am.maxSilences = 1;
    await console_.handle(silence());
    am.maxSilences = undefined;
    await console_.handle(silence("4h"));
    expect(answer()).toMatchObject({ text: "Silenced 2 alerts for 4h.", show_alert: false });
    expect(am.active().map((x) => x.matchers.find((m) => m.name === "instance")!.value)).toEqual(["a", "b", "c"]);
  });

  it("an answer lost after Alertmanager made a silence: Alertmanager is asked, and the silence is on the card with Unsilence", async () => {
    make();
    three();
    let posts = 0;
    am.trouble = (method) => (method === "POST" && ++posts === 2 ? "lose" : undefined);
    await console_.handle(silence());
    expect(answer()).toMatchObject({ text: "Silenced 3 alerts for 1h.", show_alert: false });
    expect(store.card(CARD_ID)!.subjects[0].alerts.map((a) => a.silence?.ids[0])).toEqual(am.silences.map((x) => x.id));
    expect(am.requests).toEqual(["POST /api/v2/silences", "POST /api/v2/silences", "POST /api/v2/silences", "GET /api/v2/silences"]);
    expect(api.sent("editMessageText")[0].text).toContain("🔕 Silenced by @oncall (id 4242)");
  });

  it("Alertmanager hangs: the press is answered at once, the outcome follows in the chat, and nothing is claimed that is not known", async () => {
    make({}, { alertmanagerTimeoutMs: 300, answerWithinMs: 50 });
    three();
    am.trouble = () => "hang";
    const t0 = Date.now();
    const pressing = console_.handle(silence());
    await until("the press answered", () => answer());
    expect(Date.now() - t0).toBeLessThan(250);
    expect(answer()).toMatchObject({
      text: "⏳ Working on it: Alertmanager is slow to answer. The outcome follows in the chat.",
      show_alert: false,
    });
    await pressing;
    expect(api.sent("answerCallbackQuery")).toHaveLength(1);
    expect(accounts()).toEqual([
      [
        "🔕 <b>Silence for 1h</b> by @oncall (id 4242): 0 of 3 alerts silenced.",
        "❌ Not silenced (not tried: Alertmanager did not answer in 0.3 s): DiskFull instance=b, DiskFull instance=c",
        "❓ Unknown (Alertmanager did not answer in 0.3 s, nor when asked again); see /silences: DiskFull instance=a",
      ].join("\n"),
    ]);
    expect(store.card(CARD_ID)!.subjects[0].alerts.every((a) => a.silence === undefined)).toBe(true);
    expect(metrics.consoleActions.get({ action: "silence", result: "failed" })).toBe(1);
  });

  it("a press finished after its 'working on it' answer posts its outcome, even a plain success", async () => {
    make({}, { answerWithinMs: 0 });
    three();
    await console_.handle(silence());
    expect(api.sent("answerCallbackQuery").map((a) => a.text)).toEqual([
      "⏳ Working on it: Alertmanager is slow to answer. The outcome follows in the chat.",
    ]);
    expect(accounts()).toEqual(["Silenced 3 alerts for 1h."]);
  });

  it("while one message's Silence waits on Alertmanager, its Ack, other messages and commands are answered at once", async () => {
    make({}, { alertmanagerTimeoutMs: 2000, answerWithinMs: 1000 });
    three();
    am.trouble = () => "hang";
    const pressing = console_.handle(silence());
    await until("Alertmanager asked", () => am.requests.length === 1);
    const t0 = Date.now();
    await console_.handle(press(encodeCallback({ op: "ack", cardId: CARD_ID, subject: 0 }), { from: { id: 5, username: "bob" } }));
    await console_.handle(command("/help"));
    expect(Date.now() - t0).toBeLessThan(500);
    expect(answer()).toMatchObject({ text: "Noted: you are on it." });
    expect(replies().map((r) => String(r.text))[0]).toContain("alerts console");
    await pressing;
  }, 10_000);

  it("two Silence presses on one message run in turn: the second finds the alerts silenced and makes no second silence", async () => {
    make();
    three();
    await Promise.all([console_.handle(silence("1h")), console_.handle(silence("4h"))]);
    expect(am.silences).toHaveLength(3);
    expect(api.sent("answerCallbackQuery").map((a) => a.text)).toEqual([
      "Silenced 3 alerts for 1h.",
      `Already silenced by @oncall (id 4242) until ${new Date(clock + 3_600_000).toISOString()}.`,
    ]);
  });

  it("Unsilence half done: says which alerts notify again and which stay silenced; the card keeps the live silence", async () => {
    make();
    three();
    await console_.handle(silence());
    const [, second] = am.silences.map((x) => x.id);
    am.trouble = (method, path) => (method === "DELETE" && path.endsWith(second) ? "drop" : undefined);
    api.calls.length = 0;
    await console_.handle(press(encodeCallback({ op: "unsilence", cardId: CARD_ID, subject: 0 })));
    expect(am.active().map((x) => x.id)).toEqual([second]);
    expect(answer()).toMatchObject({ text: "Unsilenced 2 of 3 alerts; 1 still silenced. Details in the chat.", show_alert: true });
    expect(accounts()).toEqual([
      [
        "🔔 <b>Unsilence</b> by @oncall (id 4242): 2 of 3 alerts notify again.",
        "✅ Notify again: DiskFull instance=a, DiskFull instance=c",
        "❌ Still silenced (Alertmanager closed the connection without answering): DiskFull instance=b",
      ].join("\n"),
    ]);
    const subject = store.card(CARD_ID)!.subjects[0];
    expect(subject.alerts.map((a) => a.silence?.ids)).toEqual([undefined, [second], undefined]);
    expect(subject.unsilenced).toEqual({ by: "@oncall (id 4242)", at: clock });
    const edit = api.sent("editMessageText")[0];
    expect(edit.text).toContain("🔕 1 of 3 alerts silenced by @oncall (id 4242)");
    expect(metrics.consoleActions.get({ action: "unsilence", result: "partial" })).toBe(1);
  });

  it("Expire whose answer never comes: Alertmanager is asked; when it cannot say, the answer says the outcome is unknown", async () => {
    make({}, { alertmanagerTimeoutMs: 200 });
    const ID = "6f2c9d1e-1b2a-4c3d-8e9f-0a1b2c3d4e5f";
    am.silences.push({
      id: ID,
      matchers: [{ name: "a", value: "b", isRegex: false }],
      startsAt: "",
      endsAt: "",
      createdBy: "x",
      comment: "c",
      status: { state: "active" },
    });
    store.putCard({
      id: "list0001",
      kind: "silences",
      chatId: CHAT,
      messageId: 50,
      createdAt: clock,
      updatedAt: clock,
      body: { head: "", blocks: [], foot: "" },
      subjects: [],
      buttons: false,
      listed: [{ id: ID, matchers: "a=b" }],
    });
    am.trouble = () => "hang";
    await console_.handle(press(encodeCallback({ op: "expire", cardId: "list0001", index: 0 })));
    expect(answer()).toMatchObject({
      text: "Alertmanager did not answer in 0.2 s, nor when asked again. Whether the silence ended is unknown; see /silences.",
      show_alert: true,
    });
    expect(replies()).toEqual([]);
  });
});

describe("what the console changes is written at once", () => {
  let dir: string;
  beforeEach(() => {
    dir = tmp.make("bridge-console-state-");
    store = tmp.flushes(new StateStore(path.join(dir, "state.json"), new Logger(() => undefined), DEFAULT_STORE_LIMITS, () => clock));
  });
  const onDisk = () => JSON.parse(fs.readFileSync(path.join(dir, "state.json"), "utf8")) as { cards: Record<string, Card> };

  it("the /alerts card, before the command is done", async () => {
    make();
    am.alerts = [{ fingerprint: "a1", labels: { alertname: "DiskFull" } }];
    await console_.handle(command("/alerts"));
    expect(Object.values(onDisk().cards)).toMatchObject([{ kind: "overview", messageId: 100 }]);
  });

  it("a state file from before silences were kept per alert and acks as a list loads, and its silences can still be unsilenced", async () => {
    const legacy = {
      version: 1,
      delivered: {},
      alertCards: {},
      migrations: {},
      cards: {
        [CARD_ID]: {
          id: CARD_ID,
          chatId: CHAT,
          messageId: 50,
          createdAt: clock,
          updatedAt: clock,
          body: { head: "h", blocks: [], foot: "" },
          buttons: true,
          subjects: [
            {
              title: "",
              alerts: [alertOf("A"), alertOf("B")],
              silence: { ids: ["s-1", "s-2"], by: "@ann (id 1)", until: clock + 3_600_000 },
              ack: { by: "@ann (id 1)", at: clock },
            },
          ],
        },
      },
    };
    fs.writeFileSync(path.join(dir, "state.json"), JSON.stringify(legacy));
    store.load();
    const subject = store.card(CARD_ID)!.subjects[0];
    expect(subject.alerts.map((a) => a.silence)).toEqual(
      Array(2).fill({ ids: ["s-1", "s-2"], by: "@ann (id 1)", until: clock + 3_600_000 }),
    );
    expect(subject.acks).toEqual([{ by: "@ann (id 1)", at: clock }]);
    expect(subject).not.toHaveProperty("silence");
    expect(subject).not.toHaveProperty("ack");
    make();
    for (const id of ["s-1", "s-2"])
      am.silences.push({
        id,
        matchers: [{ name: "a", value: id, isRegex: false }],
        startsAt: "",
        endsAt: "",
        createdBy: "x",
        comment: "c",
        status: { state: "active" },
      });
    await console_.handle(press(encodeCallback({ op: "unsilence", cardId: CARD_ID, subject: 0 })));
    expect(answer()!.text).toBe("Silence expired; the alerts notify again.");
    expect(am.active()).toEqual([]);
  });

  it("an Ack, before the message is edited", async () => {
    make();
    putCard();
    store.commit();
    let ackOnDisk: unknown;
    api.fallback = (method) => {
      if (method === "editMessageText") ackOnDisk = onDisk().cards[CARD_ID].subjects[0].acks;
      return { kind: "ok", result: true };
    };
    await console_.handle(press(encodeCallback({ op: "ack", cardId: CARD_ID, subject: 0 })));
    expect(ackOnDisk).toEqual([{ by: "@oncall (id 4242)", at: clock }]);
  });
});

describe("details of button presses", () => {
  it("a silence of several alert names names them all in its comment", async () => {
    make();
    putCard([{ title: "", alerts: [alertOf("B"), alertOf("A"), alertOf("B", { i: "2" })] }]);
    await console_.handle(press(encodeCallback({ op: "silence", cardId: CARD_ID, subject: 0, duration: "1h" })));
    expect(am.silences.map((x) => x.comment)).toEqual(Array(3).fill(`Silenced from Telegram (prod) on B, A; card ${CARD_ID}`));
  });

  it("an edit that changes nothing counts as done, quietly", async () => {
    make();
    putCard();
    api.fallback = (method) => (method === "editMessageText" ? { kind: "not_modified" } : { kind: "ok", result: true });
    await console_.handle(press(encodeCallback({ op: "ack", cardId: CARD_ID, subject: 0 })));
    expect([metrics.edits.get({ result: "ok" }), metrics.edits.get({ result: "failed" })]).toEqual([1, 0]);
    expect(logged("message edit after a button press failed")).toEqual([]);
  });

  it("the expiry notice escapes every markup character and cuts the matchers at 300", async () => {
    make();
    const ID = "6f2c9d1e-1b2a-4c3d-8e9f-0a1b2c3d4e5f";
    am.silences.push({
      id: ID,
      matchers: [{ name: "a", value: `<&>${"v".repeat(400)}`, isRegex: false }],
      startsAt: "",
      endsAt: "",
      createdBy: "x",
      comment: "c",
      status: { state: "active" },
    });
    store.putCard({
      id: "list0001",
      kind: "silences",
      chatId: CHAT,
      messageId: 50,
      createdAt: clock,
      updatedAt: clock,
      body: { head: "", blocks: [], foot: "" },
      subjects: [],
      buttons: false,
      listed: [{ id: ID, matchers: `a=<&>${"v".repeat(400)}` }],
    });
    await console_.handle(
      press(encodeCallback({ op: "expire", cardId: "list0001", index: 0 }), { from: { id: 1, first_name: "A&B <c>" } }),
    );
    expect(replies()[0].text).toBe(`🗑 Silence expired by A&amp;B &lt;c&gt; (id 1): <code>a=&lt;&amp;&gt;${"v".repeat(295)}</code>`);
  });
});

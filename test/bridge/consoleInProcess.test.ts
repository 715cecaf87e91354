import * as fs from "fs";
import * as net from "net";
import * as os from "os";
import * as path from "path";
import { encodeCallback } from "../../bridge/src/cards";
import { ChatRouter } from "../../bridge/src/chats";
import { ConsoleConfig } from "../../bridge/src/config";
import { Console } from "../../bridge/src/console/console";
import { TelegramUser, Update } from "../../bridge/src/console/updates";
import { DEFAULT_DELIVERY, Outbox } from "../../bridge/src/delivery";
import { Logger } from "../../bridge/src/log";
import { BridgeMetrics } from "../../bridge/src/metrics";
import { Card, DEFAULT_STORE_LIMITS, StateStore, Subject } from "../../bridge/src/stateStore";
import { FakeAlertmanager, FakeSilence } from "./support/fakeAlertmanager";
import { ScriptedApi } from "./support/scriptedApi";

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

function make(config: Partial<ConsoleConfig> = {}): Console {
  const log = new Logger((l) => lines.push(l));
  outbox = new Outbox(
    { api, store, metrics, log, format: { prefix: "[TD]", environment: "prod" }, cardView: () => console_.cardView(), buttons: true },
    { ...DEFAULT_DELIVERY, pace: { chatIntervalMs: 0, groupPerMinute: 10_000, botPerSecond: 10_000 }, coalesceMs: 0 },
  );
  console_ = new Console({
    config: { enabled: true, allowedUserIds: undefined, silenceDurations: ["1h", "4h"], alertmanagerUrl: am.url, prometheusUrl: undefined, pollTimeoutSeconds: 1, ...config },
    router: new ChatRouter({ defaultChat: { chatId: CHAT, threadId: undefined }, severityChats: new Map([["critical", { chatId: "-2002", threadId: undefined }]]) }),
    store,
    outbox,
    api,
    metrics,
    log,
    format: { prefix: "[TD]", environment: "prod" },
    status: () => ({ watchdogLastSeen: undefined, sent: 3, failedByReason: {}, pending: 0, failingChats: 0, stateFile: "in memory only (STATE_FILE not set)" }),
    now: () => clock,
  });
  return console_;
}

let nextUpdate = 1;
const command = (text: string | undefined, extra: Record<string, unknown> = {}): Update => ({
  update_id: nextUpdate++,
  message: { message_id: 77, chat: { id: Number(CHAT) }, from: ONCALL, ...(text !== undefined ? { text } : {}), ...extra },
});
const press = (data: string | undefined, extra: { message?: Record<string, unknown> | null; from?: Record<string, unknown> } = {}): Update => ({
  update_id: nextUpdate++,
  callback_query: {
    id: `q${nextUpdate}`,
    from: (extra.from ?? ONCALL) as TelegramUser,
    ...(extra.message === null ? {} : { message: { message_id: 50, chat: { id: Number(CHAT) }, ...extra.message } as never }),
    ...(data !== undefined ? { data } : {}),
  },
});
/** The answer to the last button press. */
const answer = () => api.sent("answerCallbackQuery").at(-1);
const replies = () => api.sent("sendMessage");

const alertOf = (name: string, extra: Record<string, string> = {}) => ({ alertKey: name, labels: { alertname: name, severity: "critical", ...extra }, status: "firing" as const });
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
    expect(logged("console action")).toMatchObject([{ level: "info", action: "help", result: "ok", user: "@oncall (id 4242)", user_id: 4242, chat_id: CHAT }]);
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
    for (const id of [-2002, -100555, Number(CHAT)]) await console_.handle({ update_id: 1, message: { message_id: 5, chat: { id }, text: "/help" } });
    expect(metrics.consoleActions.get({ action: "help", result: "ok" })).toBe(3);
  });

  it("an answer Telegram does not take is logged", async () => {
    make();
    api.script = [{ kind: "permanent", reason: "forbidden", detail: "403 blocked" }];
    await console_.handle(command("/help"));
    expect(logged("console answer not delivered")).toMatchObject([{ level: "warning", chat_id: Number(CHAT), outcome: "permanent", detail: "403 blocked" }]);
  });

  it("/alerts: an overview card with buttons, in the command's topic, remembered under its message id", async () => {
    make();
    am.alerts = [
      { fingerprint: "a1", labels: { alertname: "DiskFull", severity: "critical", instance: "a" } },
      { fingerprint: "a2", labels: { alertname: "DiskFull", severity: "critical", instance: "b" } },
    ];
    await console_.handle(command("/alerts", { message_thread_id: 3 }));
    const [sent] = replies();
    expect(sent).toMatchObject({ chat_id: CHAT, parse_mode: "HTML", link_preview_options: { is_disabled: true }, message_thread_id: 3 });
    expect(sent).not.toHaveProperty("reply_parameters");
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
    api.script = [{ kind: "permanent", reason: "bad_request", detail: "400" }];
    await console_.handle(command("/alerts"));
    expect(replies()[1].text).toBe("Sorry, that failed: Telegram did not take the answer: permanent");
    expect(metrics.consoleActions.get({ action: "alerts", result: "failed" })).toBe(1);
    expect(logged("console action failed")).toMatchObject([{ level: "error", action: "alerts", result: "failed", reason: "Telegram did not take the answer: permanent" }]);
    expect(Object.keys(store.data.cards)).toEqual([]);
  });

  it("Alertmanager down: the failure and its cause, escaped, in the chat", async () => {
    make();
    await am.stop();
    await console_.handle(command("/silences"));
    expect(replies()[0].text).toMatch(/^Sorry, that failed: GET \/api\/v2\/silences: fetch failed.*ECONNREFUSED/);
  });

  it("/silences: the list with Expire buttons, as a reply", async () => {
    make();
    am.silences.push({ id: "6f2c9d1e-1b2a-4c3d-8e9f-0a1b2c3d4e5f", matchers: [{ name: "alertname", value: "A", isRegex: false }], startsAt: "2026-11-25T09:00:00Z", endsAt: new Date(clock + 3_600_000).toISOString(), createdBy: "me", comment: "", status: { state: "active" } });
    await console_.handle(command("/silences"));
    expect(replies()[0]).toMatchObject({
      text: expect.stringContaining("1 active silence"),
      reply_parameters: { message_id: 77, allow_sending_without_reply: true },
      reply_markup: { inline_keyboard: [[{ text: "🗑 Expire #1", callback_data: "v1:x:6f2c9d1e-1b2a-4c3d-8e9f-0a1b2c3d4e5f" }]] },
    });
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
      expect(text.slice(1, 4)).toEqual(["Prometheus: ✅ ready", "Alertmanager: ✅ ready", "Watchdog: no notification since the bridge started remembering; firing in Alertmanager since 2026-11-25T10:00:00Z"]);
      expect(text[4]).toBe("Bridge: 3 messages sent, no failures, 0 alerts queued, 0 chats refused by Telegram");
      expect(text[5]).toBe("State: in memory only (STATE_FILE not set)");
    });

    it("the Watchdog not firing: said loudly", async () => {
      am.alerts = [{ fingerprint: "x", labels: { alertname: "Other" } }];
      expect((await statusLines())[3]).toBe("Watchdog: no notification since the bridge started remembering; NOT firing in Alertmanager (the alerting pipeline may be broken)");
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
      expect((await statusLines({ alertmanagerUrl: undefined })).slice(1, 3)).toEqual(["Prometheus: ➖ not configured", "Alertmanager: ➖ not configured"]);
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
    expect(answer()).toEqual({ callback_query_id: expect.any(String), text: "This button is not one I made; nothing was changed.", show_alert: true });
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
    store.updateCard(CARD_ID, (c) => (c.subjects[0].silence = { ids: ["x"], by: "x".repeat(300), until: clock + 1000 }));
    await console_.handle(press(encodeCallback({ op: "silence", cardId: CARD_ID, subject: 0, duration: "1h" })));
    expect(answer()!.text).toBe(`Already silenced by ${"x".repeat(180)}`);
  });

  it("a press without its message, or in another chat, is refused for the chat", async () => {
    make();
    putCard();
    await console_.handle(press(encodeCallback({ op: "ack", cardId: CARD_ID, subject: 0 }), { message: null }));
    expect(answer()).toMatchObject({ text: "Sorry, this bot only answers in the chats it sends alerts to.", show_alert: true });
    expect(logged("console action")).toMatchObject([{ action: "ack", result: "refused", chat_id: "", reason: "chat", card: CARD_ID, subject: 0 }]);
    expect(store.card(CARD_ID)!.subjects[0].ack).toBeUndefined();
  });

  it("a user off the allowlist: refused, the silence button's duration logged", async () => {
    make({ allowedUserIds: new Set([1]) });
    putCard();
    await console_.handle(press(encodeCallback({ op: "silence", cardId: CARD_ID, subject: 0, duration: "4h" })));
    expect(logged("console action")).toMatchObject([{ action: "silence", result: "refused", reason: "user", card: CARD_ID, subject: 0, duration: "4h" }]);
    expect(am.silences).toEqual([]);
  });

  describe("on a card", () => {
    const silence = (duration = "1h", subject = 0) => press(encodeCallback({ op: "silence", cardId: CARD_ID, subject, duration }));

    it("a card the bridge forgot: stale", async () => {
      make();
      await console_.handle(press(encodeCallback({ op: "ack", cardId: "gone0001", subject: 0 })));
      expect(answer()).toMatchObject({ text: "This button has expired: I no longer remember that message. Use /alerts for current buttons.", show_alert: true });
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
      expect(store.card(CARD_ID)!.subjects[0].ack).toBeUndefined();
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
      expect(store.card(CARD_ID)!.subjects[0].ack).toEqual({ by: "@oncall (id 4242)", at: clock });
      const [edit] = api.sent("editMessageText");
      expect(edit).toMatchObject({ chat_id: CHAT, message_id: 50, parse_mode: "HTML" });
      expect(edit.text).toContain("👀 @oncall (id 4242) is on it");
      expect(metrics.edits.get({ result: "ok" })).toBe(1);
      expect(logged("console action")).toMatchObject([{ action: "ack", result: "ok", card: CARD_ID, subject: 0, alerts: "B,A", user: "@oncall (id 4242)" }]);
      // Again by the same person: nothing more.
      await console_.handle(press(encodeCallback({ op: "ack", cardId: CARD_ID, subject: 0 })));
      expect(answer()).toMatchObject({ text: "You already acknowledged this.", show_alert: true });
      expect(api.sent("editMessageText")).toHaveLength(1);
      // By someone else: they are on it now.
      await console_.handle(press(encodeCallback({ op: "ack", cardId: CARD_ID, subject: 0 }), { from: { id: 5, username: "bob" } }));
      expect(store.card(CARD_ID)!.subjects[0].ack!.by).toBe("@bob (id 5)");
    });

    it("an edit Telegram refuses is counted and logged", async () => {
      make();
      putCard();
      api.fallback = (method) => (method === "editMessageText" ? { kind: "permanent", reason: "bad_request", detail: "400 message to edit not found" } : { kind: "ok", result: true });
      await console_.handle(press(encodeCallback({ op: "ack", cardId: CARD_ID, subject: 0 })));
      expect(metrics.edits.get({ result: "failed" })).toBe(1);
      expect(logged("message edit after a button press failed")).toMatchObject([{ level: "warning", card: CARD_ID, outcome: "permanent", detail: "400 message to edit not found" }]);
    });

    it("Silence: one silence per distinct alert, exact matchers, by the person, for the duration; the card shows it", async () => {
      make();
      putCard([{ title: "", alerts: [alertOf("DiskFull", { instance: "a" }), alertOf("DiskFull", { instance: "a" }), alertOf("DiskFull", { instance: "b" }), { ...alertOf("Gone"), status: "resolved" }] }]);
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
      expect(store.card(CARD_ID)!.subjects[0].silence).toEqual({ ids: am.silences.map((x) => x.id), by: "@oncall (id 4242)", until: clock + 4 * 3_600_000 });
      expect(logged("console action")).toMatchObject([{ action: "silence", result: "ok", duration: "4h", silence_ids: am.silences.map((x) => x.id).join(",") }]);
      expect(api.sent("editMessageText")[0].text).toContain("🔕 Silenced by @oncall (id 4242) until");
    });

    it("Silence of one alert says alert; an /alerts group names its group in the comment", async () => {
      make();
      putCard([{ title: "", alerts: [alertOf("A")] }, { title: "Disk<Full>", alerts: [alertOf("DiskFull")] }], { kind: "overview" });
      await console_.handle(silence("1h", 1));
      expect(answer()!.text).toBe("Silenced 1 alert for 1h.");
      expect(am.silences[0].comment).toBe(`Silenced from Telegram (prod) on DiskFull (/alerts group Disk<Full>); card ${CARD_ID}`);
      expect(store.card(CARD_ID)!.subjects[0].silence).toBeUndefined();
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
      expect(answer()!.text).toMatch(/^That failed; nothing was changed: POST \/api\/v2\/silences: fetch failed/);
      expect(answer()!.show_alert).toBe(true);
      expect(logged("console action failed")).toMatchObject([{ action: "silence", result: "failed", card: CARD_ID, duration: "1h" }]);
      expect(store.card(CARD_ID)!.subjects[0].silence).toBeUndefined();
    });

    it("Unsilence: expires the card's silences that are still active, and says who", async () => {
      make();
      putCard();
      const add = (state: FakeSilence["status"]["state"]) => {
        const s: FakeSilence = { id: `00000000-0000-4000-8000-00000000000${am.silences.length}`, matchers: [{ name: "a", value: "b", isRegex: false }], startsAt: "", endsAt: "", createdBy: "x", comment: "c", status: { state } };
        am.silences.push(s);
        return s.id;
      };
      const ids = [add("active"), add("expired"), "00000000-0000-4000-8000-000000000099"];
      store.updateCard(CARD_ID, (c) => (c.subjects[0].silence = { ids, by: "@x (id 1)", until: clock + 1000 }));
      await console_.handle(press(encodeCallback({ op: "unsilence", cardId: CARD_ID, subject: 0 })));
      expect(answer()).toMatchObject({ text: "Silence expired; the alerts notify again.", show_alert: false });
      expect(am.silences.map((s) => s.status.state)).toEqual(["expired", "expired"]);
      expect(store.card(CARD_ID)!.subjects[0]).toMatchObject({ unsilenced: { by: "@oncall (id 4242)", at: clock } });
      expect(store.card(CARD_ID)!.subjects[0].silence).toBeUndefined();
      expect(logged("console action")).toMatchObject([{ action: "unsilence", result: "ok", silence_ids: ids.join(",") }]);
      expect(api.sent("editMessageText")[0].text).toContain("🔔 Unsilenced by @oncall (id 4242)");
    });

    it("Unsilence of nothing, or of a silence that ran out: stale", async () => {
      make();
      putCard();
      await console_.handle(press(encodeCallback({ op: "unsilence", cardId: CARD_ID, subject: 0 })));
      expect(answer()).toMatchObject({ text: "Not silenced any more; nothing was changed.", show_alert: true });
      store.updateCard(CARD_ID, (c) => (c.subjects[0].silence = { ids: ["x"], by: "@x (id 1)", until: clock }));
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
    const expire = (message?: Record<string, unknown> | null) => press(encodeCallback({ op: "expire", silenceId: ID }), { message });
    const addSilence = (state: FakeSilence["status"]["state"] = "active") =>
      am.silences.push({ id: ID, matchers: [{ name: "alertname", value: "A<B", isRegex: false }, { name: "env", value: "prod", isRegex: true }], startsAt: "", endsAt: "", createdBy: "x", comment: "c", status: { state } });

    it("expires it and says so in the chat, replying in the list's topic", async () => {
      make();
      addSilence();
      await console_.handle(expire({ message_id: 60, message_thread_id: 4 }));
      expect(am.silences[0].status.state).toBe("expired");
      expect(answer()).toMatchObject({ text: "Silence expired.", show_alert: false });
      expect(replies()).toEqual([
        {
          chat_id: CHAT,
          text: "🗑 Silence expired by @oncall (id 4242): <code>alertname=A&lt;B, env=prod</code>",
          parse_mode: "HTML",
          reply_parameters: { message_id: 60, allow_sending_without_reply: true },
          message_thread_id: 4,
        },
      ]);
      expect(logged("console action")).toMatchObject([{ action: "expire", result: "ok", silence_id: ID, matchers: "alertname=A<B, env=prod" }]);
    });

    it("without a topic: no message_thread_id", async () => {
      make();
      addSilence();
      await console_.handle(expire());
      expect(replies()[0]).not.toHaveProperty("message_thread_id");
      expect(replies()[0].reply_parameters).toEqual({ message_id: 50, allow_sending_without_reply: true });
    });

    it("a silence already expired or unknown: stale", async () => {
      make();
      addSilence("expired");
      await console_.handle(expire());
      expect(answer()).toMatchObject({ text: "That silence is already gone; nothing was changed.", show_alert: true });
      am.silences.length = 0;
      await console_.handle(expire());
      expect(answer()!.text).toBe("That silence is already gone; nothing was changed.");
      expect(logged("console action")).toMatchObject([{ result: "stale", silence_id: ID }, { result: "stale", silence_id: ID }]);
      expect(replies()).toEqual([]);
    });

    it("without Alertmanager: failed, said", async () => {
      make({ alertmanagerUrl: undefined });
      await console_.handle(expire());
      expect(answer()).toMatchObject({ text: "Alertmanager's address is not configured.", show_alert: true });
      expect(metrics.consoleActions.get({ action: "expire", result: "failed" })).toBe(1);
      expect(console_.cardView()).toEqual({ silenceDurations: ["1h", "4h"], canSilence: false });
    });
  });
});

describe("what the console changes is written at once", () => {
  let dir: string;
  beforeEach(() => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), "bridge-console-state-"));
    store = new StateStore(path.join(dir, "state.json"), new Logger(() => undefined), DEFAULT_STORE_LIMITS, () => clock);
  });
  afterEach(() => fs.rmSync(dir, { recursive: true, force: true }));
  const onDisk = () => JSON.parse(fs.readFileSync(path.join(dir, "state.json"), "utf8")) as { cards: Record<string, Card> };

  it("the /alerts card, before the command is done", async () => {
    make();
    am.alerts = [{ fingerprint: "a1", labels: { alertname: "DiskFull" } }];
    await console_.handle(command("/alerts"));
    expect(Object.values(onDisk().cards)).toMatchObject([{ kind: "overview", messageId: 100 }]);
  });

  it("an Ack, before the message is edited", async () => {
    make();
    putCard();
    store.commit();
    let ackOnDisk: unknown;
    api.fallback = (method) => {
      if (method === "editMessageText") ackOnDisk = onDisk().cards[CARD_ID].subjects[0].ack;
      return { kind: "ok", result: true };
    };
    await console_.handle(press(encodeCallback({ op: "ack", cardId: CARD_ID, subject: 0 })));
    expect(ackOnDisk).toEqual({ by: "@oncall (id 4242)", at: clock });
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
    am.silences.push({ id: ID, matchers: [{ name: "a", value: `<&>${"v".repeat(400)}`, isRegex: false }], startsAt: "", endsAt: "", createdBy: "x", comment: "c", status: { state: "active" } });
    await console_.handle(press(encodeCallback({ op: "expire", silenceId: ID }), { from: { id: 1, first_name: "A&B <c>" } }));
    expect(replies()[0].text).toBe(`🗑 Silence expired by A&amp;B &lt;c&gt; (id 1): <code>a=&lt;&amp;&gt;${"v".repeat(295)}</code>`);
  });
});

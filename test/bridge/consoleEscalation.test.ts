import * as path from "path";
import { EscalationRule, loadConfig } from "../../bridge/src/config";
import { escalationMessage, Escalator, EscalatorDeps, messageLink, reviewEscalations } from "../../bridge/src/console/escalation";
import { Logger } from "../../bridge/src/log";
import { BridgeMetrics } from "../../bridge/src/metrics";
import { RunningBridge, startBridge } from "../../bridge/src/server";
import { ApiOutcome } from "../../bridge/src/telegram";
import { BridgeState, Card, DEFAULT_STORE_LIMITS, STATE_WRITE_DELAY_MS, StateStore } from "../../bridge/src/stateStore";
import { alert, payload } from "../../harness/alerts";
import { FakeTelegram } from "../../harness/fakeTelegram";
import { fastConsoleEnv } from "./support/consoleEnv";
import { FakeAlertmanager, until } from "./support/fakeAlertmanager";
import { useTempDirs } from "../support/tempDirs";

/**
 * Escalation: when an unacknowledged, unsilenced alert is posted again and to whom; that Ack,
 * a silence and resolving stop it; that a storm makes one message per chat per round, never one
 * per alert; that a restart neither repeats nor forgets an escalation; and the whole loop in
 * process against the fake Telegram, the Ack pressed on the alert's message.
 */

const CHAT = "-1001234";
const MIN = 60_000;
const T0 = Date.parse("2026-11-25T10:00:00Z");
const O = { prefix: "[TD]", environment: "prod" };
const rule = (r: Partial<EscalationRule> = {}): EscalationRule => ({
  afterMs: 10 * MIN,
  everyMs: 5 * MIN,
  times: 2,
  mention: [{ id: 11, name: "Alice" }, { id: 12 }],
  chat: undefined,
  threadId: undefined,
  ...r,
});
const RULES = new Map([["critical", rule()]]);

function card(id: string, alerts: { key: string; severity?: string; labels?: Record<string, string> }[], extra: Partial<Card> = {}): Card {
  return {
    id,
    kind: "notification",
    chatId: CHAT,
    messageId: Number(id.replace(/\D/g, "")) || 1,
    createdAt: T0,
    updatedAt: T0,
    body: { head: "h", blocks: [], foot: "" },
    subjects: [
      {
        title: "",
        alerts: alerts.map((a) => ({
          alertKey: a.key,
          labels: { alertname: `A${a.key}`, severity: a.severity ?? "critical", ...a.labels },
          status: "firing" as const,
        })),
      },
    ],
    buttons: true,
    ...extra,
  };
}

function stateOf(cards: Card[], escalations: BridgeState["escalations"] = {}): Pick<BridgeState, "cards" | "alertCards" | "escalations"> {
  const alertCards: Record<string, string> = {};
  for (const c of cards) for (const a of c.subjects.flatMap((s) => s.alerts)) alertCards[`${c.chatId}|${a.alertKey}`] = c.id;
  return { cards: Object.fromEntries(cards.map((c) => [c.id, c])), alertCards, escalations };
}

describe("which escalations are due (pure)", () => {
  it("an alert is watched from the moment the chat was told, and is due once `after` has passed", () => {
    const s = stateOf([card("card0001", [{ key: "k1" }])]);
    const early = reviewEscalations(s, RULES, T0 + 10 * MIN - 1);
    expect(early.due).toEqual([]);
    expect(early.upserts).toEqual([
      [`${CHAT}|k1`, { chatId: CHAT, alertKey: "k1", severity: "critical", title: "Ak1", since: T0, sent: 0 }],
    ]);
    expect(reviewEscalations(s, RULES, T0 + 10 * MIN).due.map((d) => d.key)).toEqual([`${CHAT}|k1`]);
  });

  it("again every `every`, at most `times`", () => {
    const once = { chatId: CHAT, alertKey: "k1", severity: "critical", title: "Ak1", since: T0, sent: 1, lastAt: T0 + 10 * MIN };
    const s = stateOf([card("card0001", [{ key: "k1" }])], { [`${CHAT}|k1`]: once });
    expect(reviewEscalations(s, RULES, T0 + 15 * MIN - 1, 0).due).toEqual([]);
    expect(reviewEscalations(s, RULES, T0 + 15 * MIN, 0).due).toHaveLength(1);
    const done = stateOf([card("card0001", [{ key: "k1" }])], { [`${CHAT}|k1`]: { ...once, sent: 2, lastAt: T0 + 15 * MIN } });
    expect(reviewEscalations(done, RULES, T0 + 24 * 60 * MIN, 0).due).toEqual([]);
  });

  it("Ack on the message ends it for good: the record keeps who acknowledged", () => {
    const c = card("card0001", [{ key: "k1" }]);
    c.subjects[0].acks = [{ by: "@bob (id 5)", at: T0 + MIN }];
    const r = reviewEscalations(stateOf([c]), RULES, T0 + 60 * MIN);
    expect(r.due).toEqual([]);
    expect(r.upserts[0][1].acked).toEqual({ by: "@bob (id 5)", at: T0 + MIN });
  });

  it("a live silence pauses it; when the silence is over and nobody acknowledged, it is due again", () => {
    const c = card("card0001", [{ key: "k1" }]);
    c.subjects[0].alerts[0].silence = { ids: ["s1"], by: "amtool", until: T0 + 30 * MIN };
    expect(reviewEscalations(stateOf([c]), RULES, T0 + 20 * MIN).due).toEqual([]);
    expect(reviewEscalations(stateOf([c]), RULES, T0 + 30 * MIN).due).toHaveLength(1);
  });

  it("resolving ends it (its record goes); severities without a policy, fire drills and other kinds of message are never escalated", () => {
    const resolved = card("card0001", [{ key: "k1" }]);
    resolved.subjects[0].alerts[0].status = "resolved";
    const rec = { chatId: CHAT, alertKey: "k1", severity: "critical", title: "Ak1", since: T0, sent: 1, lastAt: T0 + 10 * MIN };
    expect(reviewEscalations(stateOf([resolved], { [`${CHAT}|k1`]: rec }), RULES, T0 + 60 * MIN)).toEqual({
      upserts: [],
      drops: [`${CHAT}|k1`],
      due: [],
    });
    const others = [
      card("card0002", [{ key: "w", severity: "warning" }]),
      card("card0003", [{ key: "d", labels: { alertname: "FireDrill", drill: "true" } }]),
      card("card0004", [{ key: "o" }], { kind: "overview" }),
    ];
    expect(reviewEscalations(stateOf(others), RULES, T0 + 60 * MIN)).toEqual({ upserts: [], drops: [], due: [] });
  });

  it("goes to the escalation chat (and topic) when the policy names one, else to the alert's own chat and topic", () => {
    const c = card("card0001", [{ key: "k1" }], { threadId: 7 });
    expect(reviewEscalations(stateOf([c]), RULES, T0 + 10 * MIN).due[0].target).toEqual({ chatId: CHAT, threadId: 7 });
    expect(reviewEscalations(stateOf([c]), new Map([["critical", rule({ threadId: 9 })]]), T0 + 10 * MIN).due[0].target).toEqual({
      chatId: CHAT,
      threadId: 9,
    });
    expect(
      reviewEscalations(stateOf([c]), new Map([["critical", rule({ chat: { chatId: "-1009", threadId: 3 } })]]), T0 + 10 * MIN).due[0]
        .target,
    ).toEqual({ chatId: "-1009", threadId: 3 });
  });

  it("a chat that got an escalation message less than the minimum gap ago gets none: the alerts due meanwhile wait for the next", () => {
    const sentAt = T0 + 10 * MIN;
    const s = stateOf([card("card0001", [{ key: "k1" }]), card("card0002", [{ key: "k2" }], { createdAt: T0 + 30_000 })], {
      [`${CHAT}|k1`]: { chatId: CHAT, alertKey: "k1", severity: "critical", title: "Ak1", since: T0, sent: 1, lastAt: sentAt },
    });
    expect(reviewEscalations(s, RULES, sentAt + 30_000, MIN).due).toEqual([]);
    expect(reviewEscalations(s, RULES, sentAt + MIN, MIN).due.map((d) => d.key)).toEqual([`${CHAT}|k2`]);
  });
});

describe("the escalation message", () => {
  it("names the on-call users by Telegram id, each alert with how long ago the chat was told, its step, and a link to its message", () => {
    const s = stateOf([
      card("card0045", [{ key: "k1", labels: { instance: "a<1>" } }]),
      card("card0046", [{ key: "k2", labels: { instance: "b" } }]),
    ]);
    const r = reviewEscalations(s, new Map([["critical", rule({ mention: [{ id: 11, name: "Al & <ce>" }, { id: 12 }] })]]), T0 + 15 * MIN);
    // alertNames tells the alerts apart by the labels that differ between them.
    const text = escalationMessage(
      r.due.map((d) => ({ ...d, alert: { ...d.alert, labels: { ...d.alert.labels, alertname: "DiskFull" } } })),
      O,
      T0 + 15 * MIN,
    );
    expect(text.split("\n")).toEqual([
      "🚨 <b>[TD] [PROD] Escalation</b>: 2 alerts without Ack",
      '<a href="tg://user?id=11">Al &amp; &lt;ce&gt;</a>, <a href="tg://user?id=12">on-call 12</a>: please look.',
      '🔴 <b>DiskFull instance=a&lt;1&gt;</b> · told 15m ago (2026-11-25 10:00:00 UTC), no Ack · escalation 1 of 2 · <a href="https://t.me/c/1234/45">message</a>',
      '🔴 <b>DiskFull instance=b</b> · told 15m ago (2026-11-25 10:00:00 UTC), no Ack · escalation 1 of 2 · <a href="https://t.me/c/1234/46">message</a>',
      "Press 👀 Ack on the alert's message to stop its escalation; a silence pauses it, resolving ends it.",
    ]);
  });

  it("links exist for supergroups and public channels only", () => {
    expect([messageLink("-1001234", 5), messageLink("@alerts", 5), messageLink("-42", 5), messageLink("42", 5)]).toEqual([
      "https://t.me/c/1234/5",
      "https://t.me/alerts/5",
      undefined,
      undefined,
    ]);
  });
});

describe("the escalator against the state file", () => {
  let dir: string;
  let clock: number;
  let sent: Record<string, unknown>[];
  let answer: ApiOutcome;
  let lines: string[];
  beforeEach(() => {
    dir = tmp.make("escalation-");
    clock = T0;
    sent = [];
    lines = [];
    answer = { kind: "ok", result: { message_id: 900 } };
  });
  const tmp = useTempDirs({ settleMs: STATE_WRITE_DELAY_MS });

  function escalator(rules = RULES, minGapMs = MIN): { store: StateStore; escalator: Escalator; metrics: BridgeMetrics } {
    const store = tmp.flushes(new StateStore(path.join(dir, "state.json"), new Logger(() => undefined), DEFAULT_STORE_LIMITS, () => clock));
    store.load();
    const metrics = new BridgeMetrics();
    const send: EscalatorDeps["send"] = async (chatId, params) => {
      sent.push(params(chatId));
      return answer as Awaited<ReturnType<EscalatorDeps["send"]>>;
    };
    return {
      store,
      metrics,
      escalator: new Escalator({
        store,
        rules,
        send,
        format: O,
        metrics,
        log: new Logger((l) => lines.push(l)),
        now: () => clock,
        minGapMs,
      }),
    };
  }

  it("a storm of 50 unacknowledged critical alerts in one chat makes one message per round, naming each on-call user once", async () => {
    const { store, escalator: e, metrics } = escalator();
    for (let i = 1; i <= 50; i++) store.putCard(card(`card${String(i).padStart(4, "0")}`, [{ key: `k${i}` }]));
    clock = T0 + 10 * MIN;
    expect(await e.round()).toBe(1);
    expect(sent).toHaveLength(1);
    const text = String(sent[0].text);
    expect(text.match(/tg:\/\/user\?id=11/g)).toHaveLength(1);
    expect(text).toContain("50 alerts without Ack");
    expect(text).toContain("<i>…and 30 more</i>");
    expect(sent[0]).not.toHaveProperty("reply_parameters");
    // Nothing more until `every`, whatever the number of rounds.
    for (let i = 0; i < 20; i++) {
      clock += 10_000;
      await e.round();
    }
    expect(sent).toHaveLength(1);
    expect(metrics.escalations.get({ result: "sent" })).toBe(1);
  });

  it("survives a restart: the next escalation comes at its time, not at once and not never; then the count stops it", async () => {
    const first = escalator();
    first.store.putCard(card("card0001", [{ key: "k1" }]));
    clock = T0 + 10 * MIN;
    await first.escalator.round();
    expect(sent).toHaveLength(1);
    expect(sent[0]).toMatchObject({
      chat_id: CHAT,
      parse_mode: "HTML",
      reply_parameters: { message_id: 1, allow_sending_without_reply: true },
    });
    // A new process reads the state file.
    const again = escalator();
    clock = T0 + 11 * MIN;
    expect(await again.escalator.round()).toBe(0);
    clock = T0 + 15 * MIN;
    expect(await again.escalator.round()).toBe(1);
    expect(String(sent[1].text)).toContain("escalation 2 of 2");
    clock = T0 + 60 * MIN;
    expect(await again.escalator.round()).toBe(0);
    expect(again.escalator.underWay()).toEqual([
      { title: "Ak1", severity: "critical", chatId: CHAT, sent: 2, times: 2, nextAt: undefined, silenced: false },
    ]);
  });

  it("an Ack pressed on an older message of the alert stops it too", async () => {
    const { store, escalator: e } = escalator();
    const old = card("card0001", [{ key: "k1" }]);
    store.putCard(old);
    clock = T0 + MIN;
    await e.round();
    // Alertmanager's reminder made a newer message for the same alert.
    store.putCard(card("card0002", [{ key: "k1" }], { createdAt: clock }));
    e.acknowledged(old, 0, { by: "@bob (id 5)", at: clock });
    clock = T0 + 60 * MIN;
    expect(await e.round()).toBe(0);
    expect(e.underWay()).toEqual([]);
  });

  it("a message Telegram did not take is tried again next round; the failure is counted and logged once", async () => {
    const { store, escalator: e, metrics } = escalator();
    store.putCard(card("card0001", [{ key: "k1" }]));
    clock = T0 + 10 * MIN;
    answer = { kind: "transient", reason: "network", detail: "ECONNRESET" };
    await e.round();
    clock += 5000;
    await e.round();
    expect(metrics.escalations.get({ result: "failed" })).toBe(2);
    expect(lines.filter((l) => l.includes("escalation not delivered"))).toHaveLength(1);
    answer = { kind: "ok", result: { message_id: 1 } };
    clock += 5000;
    expect(await e.round()).toBe(1);
    expect(String(sent.at(-1)!.text)).toContain("escalation 1 of 2");
  });
});

describe("in process, against the fake Telegram", () => {
  let telegram: FakeTelegram;
  let am: FakeAlertmanager;
  let bridge: RunningBridge | undefined;
  let dir: string;
  beforeEach(async () => {
    dir = tmp.make("escalation-live-");
    telegram = await new FakeTelegram(undefined, { pollCapMs: 500 }).start();
    am = await new FakeAlertmanager().start();
  });
  afterEach(async () => {
    await bridge?.close(1000);
    bridge = undefined;
    await telegram.stop();
    await am.stop();
  });
  const tmp = useTempDirs();

  /** The bridge with a policy in milliseconds (the stack's floor is a minute; the loop is the same). */
  async function start(r: EscalationRule): Promise<RunningBridge> {
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
      { ...config, escalation: new Map([["critical", r]]) },
      { log: new Logger(() => undefined), pollBackoffMs: [50], console: { escalationTickMs: 50, escalationMinGapMs: 0 } },
    );
    return bridge;
  }

  it("an unacknowledged critical alert is posted again naming the on-call users, every interval, until someone presses Ack; /status lists it while it runs", async () => {
    await start(rule({ afterMs: 400, everyMs: 400, times: 5 }));
    const t0 = Date.now();
    expect(
      (await fetch(`${bridge!.url}/alert`, { method: "POST", body: JSON.stringify(payload([alert({ fingerprint: "esc1" })])) })).status,
    ).toBe(200);
    const firing = await until("the firing message", () => telegram.messages.find((m) => m.text.includes("FIRING")));
    const escalations = () => telegram.messages.filter((m) => m.text.includes("Escalation</b>"));
    const first = await until("the first escalation", () => escalations()[0], 5000);
    expect(first.at - t0).toBeGreaterThanOrEqual(400);
    expect(first.text).toContain('<a href="tg://user?id=11">Alice</a>, <a href="tg://user?id=12">on-call 12</a>: please look.');
    expect(first.replyToMessageId).toBe(firing.messageId);
    await until("the second escalation", () => escalations()[1], 5000);
    telegram.say("-100500", "/status");
    const status = await until("the /status answer", () => telegram.messages.find((m) => m.text.includes("</b> status\n")));
    expect(status.text).toMatch(/Escalations: 1 under way\n• QueueStuckProcessing \(critical\): [23] of 5 sent, /);
    const q = telegram.press(firing, "Ack", { id: 5, username: "bob" });
    await until("the Ack answered", () => telegram.answerFor(q));
    // An escalation already handed to the chat's pace when Ack was pressed may still land; none is decided after it.
    await new Promise((r) => setTimeout(r, 300));
    const shown = escalations().length;
    // Three more intervals: nothing more.
    await new Promise((r) => setTimeout(r, 1300));
    expect(escalations()).toHaveLength(shown);
    expect(shown).toBeLessThanOrEqual(4);
    expect(bridge!.store.data.escalations[`-100500|esc1`].acked?.by).toBe("@bob (id 5)");
  });
});

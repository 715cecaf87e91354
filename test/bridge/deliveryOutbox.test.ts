import * as fs from "fs";
import * as path from "path";
import { Card } from "../../bridge/src/stateStore";
import { ChatDestination } from "../../bridge/src/config";
import { DEFAULT_DELIVERY, Delivery, DeliveryOptions, editParams, Outbox, OutboxDeps } from "../../bridge/src/delivery";
import { alertItem, noteItem } from "../../bridge/src/items";
import { Logger } from "../../bridge/src/log";
import { BridgeMetrics } from "../../bridge/src/metrics";
import { alertKey, WebhookAlert } from "../../bridge/src/payload";
import { DEFAULT_STORE_LIMITS, STATE_WRITE_DELAY_MS, StateStore } from "../../bridge/src/stateStore";
import { alert } from "../../harness/alerts";
import { until } from "./support/fakeAlertmanager";
import { ScriptedApi } from "./support/scriptedApi";
import { useTempDirs } from "../support/tempDirs";

/**
 * The outbox in process against a scripted Bot API: what each Telegram outcome does to the
 * request that waits (delivered, transient with its reason, permanent with its chats), the retry
 * and back-off schedule as logged, dedupe, cards, replies and edits. Pacing is off and back-offs
 * are milliseconds, so every test waits only for the calls it checks.
 */

const CHAT = "-1001";
const dest: ChatDestination = { chatId: CHAT, threadId: undefined };
let api: ScriptedApi;
let store: StateStore;
let metrics: BridgeMetrics;
let lines: string[];
let outbox: Outbox;
let shift: number;

const logged = (msg: string) => lines.map((l) => JSON.parse(l) as Record<string, unknown>).filter((l) => l.msg === msg);
const later = (ms: number) => Date.now() + ms;

function make(opts: Partial<DeliveryOptions> = {}, deps: Partial<OutboxDeps> = {}): Outbox {
  outbox = new Outbox(
    {
      api,
      store,
      metrics,
      log: new Logger((l) => lines.push(l)),
      format: { prefix: "[T]", environment: "test" },
      cardView: () => ({ silenceDurations: ["1h"], canSilence: true }),
      buttons: true,
      ...deps,
    },
    {
      ...DEFAULT_DELIVERY,
      pace: { chatIntervalMs: 0, groupPerMinute: 10_000, botPerSecond: 10_000 },
      coalesceMs: 0,
      backoffMs: [5, 10, 20],
      permanentBackoffMs: [60_000, 120_000],
      now: () => Date.now() + shift,
      ...opts,
    },
  );
  return outbox;
}

const delivery = (a: WebhookAlert, to: ChatDestination = dest, windowMs = 60_000): Delivery => ({
  item: alertItem(to, a, "http://am.test"),
  dest: to,
  windowMs,
});
const firing = (name: string, fp = name) => alert({ fingerprint: fp, labels: { alertname: name } });
const resolved = (name: string, fp = name) => alert({ fingerprint: fp, status: "resolved", labels: { alertname: name } });

beforeEach(() => {
  api = new ScriptedApi();
  lines = [];
  shift = 0;
  metrics = new BridgeMetrics();
  store = new StateStore(undefined, new Logger(() => undefined), DEFAULT_STORE_LIMITS);
});
afterEach(async () => {
  outbox?.close();
  api.release();
  // A released send still records what Telegram accepted, into the state file: let it finish
  // (it waits only on promises) before the folders go, or it creates its folder again.
  await new Promise((r) => setImmediate(r));
});
const tmp = useTempDirs({ settleMs: STATE_WRITE_DELAY_MS });

describe("a message Telegram accepts", () => {
  it("is sent as HTML without previews, with silence and ack buttons, remembered with its card, answered delivered", async () => {
    make();
    const a = firing("DiskFull");
    expect(await outbox.submit([delivery(a)], later(2000))).toEqual({ status: "delivered", sent: 1, skipped: 0 });
    const [params] = api.sent();
    expect(params).toMatchObject({ chat_id: CHAT, parse_mode: "HTML", link_preview_options: { is_disabled: true } });
    expect(params).not.toHaveProperty("message_thread_id");
    expect(params).not.toHaveProperty("reply_parameters");
    expect(params.text).toContain("<b>DiskFull</b>");
    const card = store.cardOfAlert(CHAT, alertKey(a))!;
    expect(card).toMatchObject({
      kind: "notification",
      chatId: CHAT,
      messageId: 100,
      buttons: true,
      subjects: [{ title: "", alerts: [{ alertKey: "DiskFull", status: "firing" }] }],
    });
    expect(params.reply_markup).toEqual({
      inline_keyboard: [
        [{ text: "🔕 1h", callback_data: `v1:s:${card.id}:0:1h` }],
        [{ text: "👀 Ack", callback_data: `v1:a:${card.id}:0` }],
      ],
    });
    expect(metrics.sent.get()).toBe(1);
    expect(metrics.sendLatency.render()).toContain("telegram_bridge_send_duration_seconds_count 1");
  });

  it("the same item again is skipped as a duplicate without calling Telegram", async () => {
    make();
    const d = delivery(firing("A"));
    await outbox.submit([d], later(2000));
    expect(await outbox.submit([d, d], later(2000))).toEqual({ status: "delivered", sent: 0, skipped: 2 });
    expect(api.calls).toHaveLength(1);
    expect(metrics.duplicates.get()).toBe(2);
  });

  it("an item is remembered for its own window", async () => {
    make();
    const d = delivery(firing("A"), dest, 5000);
    const t0 = Date.now();
    await outbox.submit([d], later(2000));
    const until = store.data.delivered[d.item.key];
    expect(until).toBeGreaterThanOrEqual(t0 + 5000);
    expect(until).toBeLessThanOrEqual(Date.now() + 5000);
  });

  it("goes to the forum topic of its destination", async () => {
    make();
    await outbox.submit([delivery(firing("A"), { chatId: CHAT, threadId: 9 })], later(2000));
    expect(api.sent()[0].message_thread_id).toBe(9);
  });

  it("without the console: no buttons, but the card is kept for replies", async () => {
    make({}, { buttons: false });
    const a = firing("A");
    await outbox.submit([delivery(a)], later(2000));
    expect(api.sent()[0]).not.toHaveProperty("reply_markup");
    expect(store.cardOfAlert(CHAT, alertKey(a))).toMatchObject({ buttons: false, messageId: 100 });
  });

  it("the Watchdog and resolved-only messages get no card and no buttons", async () => {
    make();
    await outbox.submit([delivery(firing("Watchdog")), delivery(resolved("Gone"))], later(2000));
    expect(api.sent()[0]).not.toHaveProperty("reply_markup");
    expect(Object.keys(store.data.cards)).toEqual([]);
  });

  it("a firing alert and the Watchdog in one message: the card holds only the alert", async () => {
    make();
    await outbox.submit([delivery(firing("Watchdog")), delivery(firing("Real"))], later(2000));
    const [card] = Object.values(store.data.cards);
    expect(card.subjects[0].alerts.map((x) => x.alertKey)).toEqual(["Real"]);
  });

  it("an ok answer without a message id keeps no card", async () => {
    make();
    api.script = [{ kind: "ok", result: {} }];
    expect(await outbox.submit([delivery(firing("A"))], later(2000))).toMatchObject({ status: "delivered", sent: 1 });
    expect(Object.keys(store.data.cards)).toEqual([]);
  });

  it("items for different topics of one chat go in separate messages", async () => {
    make();
    const r = await outbox.submit(
      [
        delivery(firing("A"), { chatId: CHAT, threadId: 1 }),
        delivery(firing("B"), { chatId: CHAT, threadId: 2 }),
        delivery(firing("C"), { chatId: CHAT, threadId: 1 }),
      ],
      later(2000),
    );
    expect(r).toEqual({ status: "delivered", sent: 3, skipped: 0 });
    expect(api.sent().map((p) => [p.message_thread_id, (String(p.text).match(/<b>[ABC]<\/b>/g) ?? []).join()])).toEqual([
      [1, "<b>A</b>,<b>C</b>"],
      [2, "<b>B</b>"],
    ]);
  });

  it("a note goes out like an alert and is remembered", async () => {
    make();
    const note: Delivery = { item: noteItem(dest, "<i>57 more</i>", "truncated|g|57", undefined), dest, windowMs: 60_000 };
    expect(await outbox.submit([note], later(2000))).toEqual({ status: "delivered", sent: 1, skipped: 0 });
    expect(api.sent()[0].text).toContain("<i>57 more</i>");
    expect(await outbox.submit([note], later(2000))).toEqual({ status: "delivered", sent: 0, skipped: 1 });
  });

  it("webhooks arriving within the coalescing time share one message, sent no earlier than it", async () => {
    make({ coalesceMs: 80 });
    const t0 = Date.now();
    const first = outbox.submit([delivery(firing("A"))], later(2000));
    const second = outbox.submit([delivery(firing("B"))], later(2000));
    expect(outbox.pendingCount()).toBe(2);
    expect(await Promise.all([first, second])).toEqual([
      { status: "delivered", sent: 1, skipped: 0 },
      { status: "delivered", sent: 1, skipped: 0 },
    ]);
    expect(Date.now() - t0).toBeGreaterThanOrEqual(75);
    expect(api.sent()).toHaveLength(1);
    expect(outbox.pendingCount()).toBe(0);
  });

  it("an accepted send counts against the chat's pace", async () => {
    make({ pace: { chatIntervalMs: 10_000, groupPerMinute: 10_000, botPerSecond: 10_000 } });
    const before = Date.now();
    await outbox.submit([delivery(firing("A"))], later(2000));
    expect(outbox.pacer.nextSlot(CHAT, Date.now())).toBeGreaterThanOrEqual(before + 10_000);
  });
});

describe("resolved alerts and the firing message", () => {
  it("reply to the firing message, which is then edited to resolved and loses its buttons", async () => {
    make();
    await outbox.submit([delivery(firing("A"))], later(2000));
    const card = Object.values(store.data.cards)[0];
    expect(await outbox.submit([delivery(resolved("A"))], later(2000))).toMatchObject({ status: "delivered", sent: 1 });
    expect(api.sent()[1].reply_parameters).toEqual({ message_id: 100, allow_sending_without_reply: true });
    await api.calledTimes(3);
    const edit = api.sent("editMessageText")[0];
    expect(edit).toMatchObject({ chat_id: CHAT, message_id: 100, parse_mode: "HTML", link_preview_options: { is_disabled: true } });
    expect(edit).not.toHaveProperty("reply_markup");
    expect(edit.text).toContain("✅ Resolved at");
    const after = store.card(card.id)!;
    expect(after.subjects[0].alerts[0].status).toBe("resolved");
    expect(after.resolvedAt).toBeGreaterThan(0);
    await until("the edit counted", () => metrics.edits.get({ result: "ok" }) === 1);
  });

  it("one of two alerts resolved: the edit keeps the buttons and the card stays open", async () => {
    make();
    await outbox.submit([delivery(firing("A")), delivery(firing("B"))], later(2000));
    await outbox.submit([delivery(resolved("A"))], later(2000));
    await api.calledTimes(3);
    const edit = api.sent("editMessageText")[0];
    expect(edit.reply_markup).toBeDefined();
    expect(edit.text).toContain("✅ 1 of 2 alerts resolved");
    expect(Object.values(store.data.cards)[0].resolvedAt).toBeUndefined();
  });

  it("resolved alerts of different firing messages go as separate replies", async () => {
    make();
    await outbox.submit([delivery(firing("A"), { chatId: CHAT, threadId: 1 })], later(2000));
    await outbox.submit([delivery(firing("B"), { chatId: CHAT, threadId: 1 })], later(2000));
    await outbox.submit(
      [
        delivery(resolved("A"), { chatId: CHAT, threadId: 1 }),
        delivery(resolved("B"), { chatId: CHAT, threadId: 1 }),
        delivery(resolved("C"), { chatId: CHAT, threadId: 1 }),
      ],
      later(2000),
    );
    const replies = api
      .sent()
      .slice(2)
      .map((p) => (p.reply_parameters as { message_id: number } | undefined)?.message_id ?? null);
    expect(replies).toEqual([100, 101, null]);
  });

  it("a resolved alert whose firing message is forgotten is sent without a reply", async () => {
    make();
    await outbox.submit([delivery(resolved("A"))], later(2000));
    expect(api.sent()[0]).not.toHaveProperty("reply_parameters");
    expect(api.calls).toHaveLength(1);
  });
});

describe("transient failures", () => {
  it("are retried with the back-off schedule, its last step repeated, and counted", async () => {
    make();
    const transient = { kind: "transient", reason: "server_error", detail: "500 Internal Server Error" } as const;
    api.script = [transient, transient, transient, transient];
    expect(await outbox.submit([delivery(firing("A"))], later(3000))).toEqual({ status: "delivered", sent: 1, skipped: 0 });
    expect(logged("telegram send failed; retrying").map((l) => [l.backoff_ms, l.reason, l.detail, l.chat_id, l.queued])).toEqual([
      [5, "server_error", "500 Internal Server Error", CHAT, 1],
      [10, "server_error", "500 Internal Server Error", CHAT, 1],
      [20, "server_error", "500 Internal Server Error", CHAT, 1],
      [20, "server_error", "500 Internal Server Error", CHAT, 1],
    ]);
    expect([metrics.retries.get(), metrics.failed.get({ reason: "server_error" })]).toEqual([4, 4]);
    // Success resets the schedule: the next failure waits the first step again.
    api.script = [{ kind: "transient", reason: "network", detail: "ECONNRESET" }];
    await outbox.submit([delivery(firing("B"))], later(3000));
    expect(
      logged("telegram send failed; retrying")
        .slice(4)
        .map((l) => [l.backoff_ms, l.reason]),
    ).toEqual([[5, "network"]]);
  });

  it("an attempt whose answer was lost: sent again, counted as possibly shown twice, and the log says so", async () => {
    make();
    api.script = [{ kind: "transient", reason: "network", detail: "TimeoutError", maybeDelivered: true }];
    expect(await outbox.submit([delivery(firing("A")), delivery(firing("B"))], later(2000))).toMatchObject({
      status: "delivered",
      sent: 2,
    });
    expect(api.sent()).toHaveLength(2);
    expect(metrics.possiblyDuplicated.get()).toBe(1);
    expect(logged("telegram send failed; retrying")).toMatchObject([{ may_have_been_shown: true, detail: "TimeoutError" }]);
    expect(logged("sent again after an attempt whose answer was lost or late; the chat may show it twice")).toMatchObject([
      { level: "warning", chat_id: CHAT, items: 2 },
    ]);
    // Once through, the items are no longer in doubt.
    await outbox.submit([delivery(firing("C"))], later(2000));
    expect(metrics.possiblyDuplicated.get()).toBe(1);
  });

  it("a failure before anything was sent (no connection) is retried without counting a duplicate", async () => {
    make();
    api.script = [
      { kind: "transient", reason: "network", detail: "ECONNREFUSED" },
      { kind: "transient", reason: "server_error", detail: "502" },
    ];
    expect(await outbox.submit([delivery(firing("A"))], later(2000))).toMatchObject({ status: "delivered", sent: 1 });
    expect(metrics.possiblyDuplicated.get()).toBe(0);
    expect(logged("telegram send failed; retrying").map((l) => l.may_have_been_shown)).toEqual([undefined, undefined]);
  });

  it("an item in doubt whose retry is refused for good is forgotten, not counted later", async () => {
    make();
    api.script = [
      { kind: "transient", reason: "network", detail: "reset", maybeDelivered: true },
      { kind: "permanent", reason: "bad_request", detail: "400" },
    ];
    expect(await outbox.submit([delivery(firing("A"))], later(2000))).toMatchObject({ status: "permanent", reason: "bad_request" });
    expect(await outbox.submit([delivery(firing("A"))], later(2000))).toMatchObject({ status: "delivered", sent: 1 });
    expect(metrics.possiblyDuplicated.get()).toBe(0);
  });

  it("every Bot API call is given the send timeout", async () => {
    make({ sendTimeoutMs: 1234 });
    await outbox.submit([delivery(firing("A"))], later(2000));
    expect(api.calls.map((c) => c.opts)).toEqual([{ timeoutMs: 1234 }]);
    expect(DEFAULT_DELIVERY.sendTimeoutMs).toBe(10_000);
  });

  it("until the request's time is up: transient with the last reason, and the item stays queued", async () => {
    make({ backoffMs: [30] });
    api.fallback = { kind: "transient", reason: "server_error", detail: "502" };
    const t0 = Date.now();
    const r = await outbox.submit([delivery(firing("A"))], later(100));
    expect(r).toEqual({ status: "transient", reason: "server_error", retryAfterMs: undefined });
    expect(Date.now() - t0).toBeGreaterThanOrEqual(95);
    expect(outbox.pendingCount()).toBe(1);
    expect(metrics.sent.get()).toBe(0);
  });

  it("a call still under way when the time is up: out_of_time; once sent, the retry finds it delivered", async () => {
    make();
    api.script = ["hang"];
    const d = delivery(firing("A"));
    expect(await outbox.submit([d], later(50))).toEqual({ status: "transient", reason: "out_of_time", retryAfterMs: undefined });
    api.release();
    await new Promise<void>((resolve) => {
      const poll = () => (outbox.pendingCount() === 0 ? resolve() : setTimeout(poll, 5));
      poll();
    });
    expect(await outbox.submit([d], later(1000))).toEqual({ status: "delivered", sent: 0, skipped: 1 });
  });

  it("429: the chat waits retry_after; a request whose time runs out first is told how long", async () => {
    make();
    api.script = [{ kind: "rate_limited", retryAfterMs: 3000 }];
    const r = await outbox.submit([delivery(firing("A"))], later(50));
    expect(r).toMatchObject({ status: "transient", reason: "rate_limited" });
    const retryAfter = (r as { retryAfterMs: number }).retryAfterMs;
    expect(retryAfter).toBeGreaterThan(1000);
    expect(retryAfter).toBeLessThanOrEqual(3000);
    expect(logged("telegram rate limit; the chat's queue waits retry_after")).toMatchObject([
      { level: "warning", chat_id: CHAT, retry_after_ms: 3000, queued: 1 },
    ]);
    expect([metrics.retries.get(), metrics.failed.get({ reason: "rate_limited" })]).toEqual([1, 1]);
    expect(api.calls).toHaveLength(1);
    // Once the outbox's clock passes the hold, the next webhook finds the chat open: both go out.
    shift = 3001;
    expect(await outbox.submit([delivery(firing("B"))], later(2000))).toMatchObject({ status: "delivered", sent: 1 });
    expect(String(api.sent()[1].text)).toMatch(/<b>A<\/b>[\s\S]*<b>B<\/b>/);
  });

  it("a chat upgraded to a supergroup: followed at once, remembered, and told in the log", async () => {
    make();
    api.script = [{ kind: "migrated", toChatId: "-100777" }];
    expect(await outbox.submit([delivery(firing("A"))], later(2000))).toMatchObject({ status: "delivered", sent: 1 });
    expect(api.sent().map((p) => p.chat_id)).toEqual([CHAT, "-100777"]);
    expect(store.currentChat(CHAT)).toBe("-100777");
    expect(logged("chat was upgraded to a supergroup; following it (update the chat id in the stack settings)")).toMatchObject([
      { chat_id: CHAT, new_chat_id: "-100777" },
    ]);
  });

  it("a migration to the chat itself is a permanent failure of the chat, logged once, after one request", async () => {
    make();
    api.fallback = (_m, p) => ({ kind: "migrated", toChatId: String(p.chat_id) });
    expect(await outbox.submit([delivery(firing("A"))], later(2000))).toEqual({
      status: "permanent",
      reason: "bad_migration",
      chats: [CHAT],
    });
    await new Promise((r) => setTimeout(r, 200));
    expect(api.sent().map((p) => p.chat_id)).toEqual([CHAT]);
    expect(store.currentChat(CHAT)).toBe(CHAT);
    const refused = lines.map((l) => JSON.parse(l) as Record<string, unknown>).filter((l) => l.level === "error");
    expect(refused).toMatchObject([
      {
        msg: expect.stringContaining("a chat migration the bridge cannot follow"),
        chat_id: CHAT,
        reason: "bad_migration",
        detail: `migrate_to_chat_id ${CHAT} for chat ${CHAT}`,
      },
    ]);
    // The chat is in its back-off: later webhooks are refused without a request.
    expect(await outbox.submit([delivery(firing("B"))], later(2000))).toMatchObject({ status: "permanent", reason: "bad_migration" });
    expect(api.sent()).toHaveLength(1);
    expect(metrics.failed.get({ reason: "bad_migration" })).toBe(2);
  });

  it("a second migration for one message is not followed: two requests, then a permanent failure", async () => {
    make();
    let next = -100_100;
    api.fallback = () => ({ kind: "migrated", toChatId: String(next--) });
    expect(await outbox.submit([delivery(firing("A"))], later(2000))).toMatchObject({
      status: "permanent",
      reason: "bad_migration",
      chats: [CHAT],
    });
    await new Promise((r) => setTimeout(r, 200));
    expect(api.sent().map((p) => p.chat_id)).toEqual([CHAT, "-100100"]);
    expect(store.currentChat(CHAT)).toBe("-100100");
    expect(logged("chat was upgraded to a supergroup; following it (update the chat id in the stack settings)")).toHaveLength(1);
    expect(lines.map((l) => JSON.parse(l)).filter((l) => l.level === "error")).toMatchObject([
      { reason: "bad_migration", detail: "migrate_to_chat_id -100101 for chat -100100, a second migration for one message" },
    ]);
  });

  it("a migration back to the configured chat is not followed", async () => {
    make();
    api.script = [
      { kind: "migrated", toChatId: "-100200" },
      { kind: "migrated", toChatId: CHAT },
    ];
    expect(await outbox.submit([delivery(firing("A"))], later(2000))).toMatchObject({ status: "permanent", reason: "bad_migration" });
    expect(api.sent().map((p) => p.chat_id)).toEqual([CHAT, "-100200"]);
  });

  it("one migration per message: the next message may follow one again", async () => {
    make();
    api.script = [{ kind: "migrated", toChatId: "-100300" }];
    expect(await outbox.submit([delivery(firing("A"))], later(2000))).toMatchObject({ status: "delivered", sent: 1 });
    api.script = [{ kind: "migrated", toChatId: "-100301" }];
    expect(await outbox.submit([delivery(firing("B"))], later(2000))).toMatchObject({ status: "delivered", sent: 1 });
    expect(api.sent().map((p) => p.chat_id)).toEqual([CHAT, "-100300", "-100300", "-100301"]);
  });

  it("a sender that throws is restarted and still delivers", async () => {
    make();
    api.script = ["throw"];
    expect(await outbox.submit([delivery(firing("A"))], later(3000))).toMatchObject({ status: "delivered", sent: 1 });
    expect(logged("chat sender failed; restarting it")).toMatchObject([
      { level: "error", chat_id: CHAT, reason: expect.stringContaining("scripted failure") },
    ]);
    // Restarted a second later, not in a tight loop.
    expect(api.calls[1].at - api.calls[0].at).toBeGreaterThanOrEqual(990);
  });
});

describe("Telegram refusing the HTML", () => {
  it("is resent once as plain text and counted", async () => {
    make();
    api.script = [{ kind: "unparseable", detail: "400 can't parse entities" }];
    expect(await outbox.submit([delivery(firing("A"))], later(2000))).toMatchObject({ status: "delivered", sent: 1 });
    const [html, plain] = api.sent();
    expect(html.parse_mode).toBe("HTML");
    expect(plain).not.toHaveProperty("parse_mode");
    expect(plain.text).not.toMatch(/<\/?b>/);
    expect(plain.text).toContain("A");
    expect(metrics.failed.get({ reason: "unparseable" })).toBe(1);
    expect(logged("telegram could not parse the HTML; resending as plain text")).toMatchObject([
      { level: "error", chat_id: CHAT, detail: "400 can't parse entities" },
    ]);
  });

  it("refused as plain text too: a permanent failure of those items only", async () => {
    make();
    api.script = [
      { kind: "unparseable", detail: "x" },
      { kind: "unparseable", detail: "y" },
    ];
    expect(await outbox.submit([delivery(firing("A"))], later(2000))).toEqual({
      status: "permanent",
      reason: "unparseable",
      chats: [CHAT],
    });
    expect(logged("telegram refused a message permanently; its alerts are reported as failed")).toMatchObject([
      { chat_id: CHAT, reason: "unparseable", detail: "y" },
    ]);
    expect(await outbox.submit([delivery(firing("B"))], later(2000))).toMatchObject({ status: "delivered" });
  });
});

describe("Telegram finding a message too long (text is too long, message is too long)", () => {
  it("is resent once as plain text, counted and logged, rather than lost", async () => {
    make();
    api.script = [{ kind: "too_long", detail: "400 Bad Request: text is too long" }];
    expect(await outbox.submit([delivery(firing("A"))], later(2000))).toMatchObject({ status: "delivered", sent: 1 });
    const [html, plain] = api.sent();
    expect(html.parse_mode).toBe("HTML");
    expect(plain).not.toHaveProperty("parse_mode");
    expect(plain.text).toContain("A");
    expect(plain.text).not.toMatch(/<\/?b>/);
    expect(metrics.failed.get({ reason: "too_long" })).toBe(1);
    expect(logged("telegram found the message too long; resending as plain text")).toMatchObject([
      { level: "error", chat_id: CHAT, detail: "400 Bad Request: text is too long" },
    ]);
  });

  it("too long as plain text too: a permanent failure of those items, named too_long", async () => {
    make();
    api.script = [
      { kind: "too_long", detail: "x" },
      { kind: "too_long", detail: "400 Bad Request: message is too long" },
    ];
    expect(await outbox.submit([delivery(firing("A"))], later(2000))).toEqual({ status: "permanent", reason: "too_long", chats: [CHAT] });
    expect(api.sent()).toHaveLength(2);
  });
});

describe("buttons over Telegram's markup limit", () => {
  it("the message goes without them, its card says so, and the log names the refusal", async () => {
    const durations = Array.from({ length: 120 }, (_, i) => `${i + 1}h`);
    make({}, { cardView: () => ({ silenceDurations: durations, canSilence: true }) });
    const a = firing("A");
    expect(await outbox.submit([delivery(a)], later(2000))).toMatchObject({ status: "delivered", sent: 1 });
    expect(api.sent()[0]).not.toHaveProperty("reply_markup");
    expect(store.cardOfAlert(CHAT, alertKey(a))!.buttons).toBe(false);
    expect(logged("buttons over Telegram's limits; sending the message without them")).toMatchObject([
      { level: "error", refusal: "Bad Request: reply markup is too long" },
    ]);
  });

  it("an edit leaves out buttons Telegram would refuse, and keeps the text", () => {
    const card: Card = {
      id: "card0001",
      kind: "notification",
      chatId: CHAT,
      messageId: 5,
      createdAt: 0,
      updatedAt: 0,
      body: { head: "H", blocks: [], foot: "" },
      subjects: [{ title: "", alerts: [{ alertKey: "k", labels: {}, status: "firing" }] }],
      buttons: true,
    };
    const params = editParams(card, CHAT, {
      silenceDurations: Array.from({ length: 120 }, (_, i) => `${i + 1}h`),
      canSilence: true,
      now: 0,
    });
    expect(params).toEqual({ chat_id: CHAT, message_id: 5, text: "H", parse_mode: "HTML", link_preview_options: { is_disabled: true } });
  });

  it("an edit whose text is over the limits goes as plain text", () => {
    const card: Card = {
      id: "card0002",
      kind: "notification",
      chatId: CHAT,
      messageId: 6,
      createdAt: 0,
      updatedAt: 0,
      body: { head: "<b>H</b>", blocks: [{ html: "x".repeat(5000) }], foot: "" },
      subjects: [],
      buttons: false,
    };
    const params = editParams(card, CHAT, { silenceDurations: [], canSilence: false, now: 0 });
    expect(params).not.toHaveProperty("parse_mode");
    expect(params).toHaveProperty("text", `H\n\n${"x".repeat(4092)}…`);
  });
});

describe("permanent refusals", () => {
  it("a bad request fails the items of that message; the chat is not in back-off", async () => {
    make();
    api.script = [{ kind: "permanent", reason: "bad_request", detail: "400 Bad Request: wrong thread" }];
    expect(await outbox.submit([delivery(firing("A"))], later(2000))).toEqual({
      status: "permanent",
      reason: "bad_request",
      chats: [CHAT],
    });
    expect(metrics.failed.get({ reason: "bad_request" })).toBe(1);
    expect(outbox.failingChats()).toBe(0);
    expect(await outbox.submit([delivery(firing("A"))], later(2000))).toMatchObject({ status: "delivered", sent: 1 });
  });

  it("a blocked chat: every queued item fails, later webhooks are refused at once, once each, until the back-off ends", async () => {
    make();
    api.script = [{ kind: "permanent", reason: "forbidden", detail: "403 Forbidden: bot was blocked" }];
    const r = await outbox.submit(
      [delivery(firing("A"), { chatId: CHAT, threadId: 1 }), delivery(firing("B"), { chatId: CHAT, threadId: 2 })],
      later(2000),
    );
    expect(r).toEqual({ status: "permanent", reason: "forbidden", chats: [CHAT] });
    expect(api.calls).toHaveLength(1);
    expect(outbox.pendingCount()).toBe(0);
    expect(outbox.failingChats()).toBe(1);
    const [loud] = logged(
      "telegram refused the chat permanently; fix the bot token or chat id. Alertmanager re-sends every group_interval; the bridge answers 422 at once until the next try",
    );
    expect(loud).toMatchObject({ level: "error", chat_id: CHAT, reason: "forbidden", detail: "403 Forbidden: bot was blocked" });
    // next_try is a minute after the refusal (the log line's ts is read a moment later).
    expect(Date.parse(String(loud.next_try)) - Date.parse(String(loud.ts))).toBeGreaterThan(59_000);
    expect(Date.parse(String(loud.next_try)) - Date.parse(String(loud.ts))).toBeLessThanOrEqual(60_000);
    // Refused at once: two alerts for the chat count once, Telegram is not called.
    expect(await outbox.submit([delivery(firing("C")), delivery(firing("D"))], later(2000))).toEqual({
      status: "permanent",
      reason: "forbidden",
      chats: [CHAT],
    });
    expect(api.calls).toHaveLength(1);
    expect(metrics.failed.get({ reason: "forbidden" })).toBe(2);
    // After the back-off Telegram is asked again; a second refusal doubles it and is only a warning.
    shift = 60_001;
    api.script = [{ kind: "permanent", reason: "forbidden", detail: "403 again" }];
    expect(await outbox.submit([delivery(firing("E"))], later(2000))).toMatchObject({ status: "permanent", reason: "forbidden" });
    expect(api.calls).toHaveLength(2);
    const [again] = logged("telegram still refuses the chat");
    expect(again).toMatchObject({ level: "warning", detail: "403 again" });
    expect(Date.parse(String(again.next_try)) - (Date.parse(String(again.ts)) + shift)).toBeGreaterThan(119_000);
    expect(Date.parse(String(again.next_try)) - (Date.parse(String(again.ts)) + shift)).toBeLessThanOrEqual(120_000);
    expect(outbox.failingChats()).toBe(1);
    shift = 60_001 + 120_001;
    expect(outbox.failingChats()).toBe(0);
    expect(await outbox.submit([delivery(firing("F"))], later(2000))).toMatchObject({ status: "delivered", sent: 1 });
    expect(logged("chat reachable again")).toMatchObject([{ level: "info", chat_id: CHAT }]);
    expect(Date.parse(String(logged("chat reachable again")[0].failing_since))).toBeLessThanOrEqual(Date.parse(String(loud.ts)));
  });

  it("the back-off's last step repeats", async () => {
    make({ permanentBackoffMs: [60_000] });
    const refuse = { kind: "permanent", reason: "chat_not_found", detail: "400 chat not found" } as const;
    api.fallback = refuse;
    await outbox.submit([delivery(firing("A"))], later(2000));
    shift = 60_001;
    await outbox.submit([delivery(firing("B"))], later(2000));
    const [again] = logged("telegram still refuses the chat");
    expect(Date.parse(String(again.next_try)) - (Date.parse(String(again.ts)) + shift)).toBeGreaterThan(59_000);
    expect(Date.parse(String(again.next_try)) - (Date.parse(String(again.ts)) + shift)).toBeLessThanOrEqual(60_000);
  });

  it("a chat refused while others deliver: only it is named, the rest is remembered", async () => {
    make();
    api.fallback = (_m, p) =>
      p.chat_id === "-2" ? { kind: "permanent", reason: "forbidden", detail: "403" } : { kind: "ok", result: { message_id: 5 } };
    const ok = delivery(firing("A"));
    const r = await outbox.submit([ok, delivery(firing("B"), { chatId: "-2", threadId: undefined })], later(2000));
    expect(r).toEqual({ status: "permanent", reason: "forbidden", chats: ["-2"] });
    expect(store.wasDelivered(ok.item.key, 60_000)).toBe(true);
  });

  it("while refused, a reminder goes to the log every 10 minutes with the count refused since", async () => {
    make();
    api.script = [{ kind: "permanent", reason: "bad_token", detail: "401 Unauthorized" }];
    make({ permanentBackoffMs: [3_600_000] });
    await outbox.submit([delivery(firing("A"))], later(2000));
    await outbox.submit([delivery(firing("B"))], later(2000));
    expect(logged("chat still refused by Telegram; not retrying until the back-off ends")).toEqual([]);
    shift = 10 * 60_000 + 50;
    await outbox.submit([delivery(firing("C"))], later(2000));
    await outbox.submit([delivery(firing("D"))], later(2000));
    const reminders = logged("chat still refused by Telegram; not retrying until the back-off ends");
    expect(reminders).toMatchObject([{ level: "warning", chat_id: CHAT, reason: "bad_token", refused_notifications: 2 }]);
    expect(Date.parse(String(reminders[0].next_try)) - Date.parse(String(reminders[0].failing_since))).toBeGreaterThanOrEqual(
      3_600_000 - 5,
    );
    expect(Date.parse(String(reminders[0].next_try)) - Date.parse(String(reminders[0].failing_since))).toBeLessThanOrEqual(3_600_000 + 50);
  });
});

describe("prompt calls (console answers and edits)", () => {
  it("go ahead of queued alerts and answer with Telegram's outcome", async () => {
    make({ coalesceMs: 50 });
    const queued = outbox.submit([delivery(firing("A"))], later(2000));
    const outcome = await outbox.priority(CHAT, "sendMessage", (id) => ({ chat_id: id, text: "answer" }));
    expect(outcome).toEqual({ kind: "ok", result: { message_id: 100 } });
    await queued;
    expect(api.sent().map((p) => p.text === "answer")).toEqual([true, false]);
  });

  it("a 429 within the time allowed is waited out; beyond it, the 429 is the answer", async () => {
    make();
    api.script = [{ kind: "rate_limited", retryAfterMs: 30 }];
    expect(await outbox.priority(CHAT, "sendMessage", (id) => ({ chat_id: id, text: "x" }), 1000)).toMatchObject({ kind: "ok" });
    expect(api.calls).toHaveLength(2);
    api.script = [{ kind: "rate_limited", retryAfterMs: 5000 }];
    expect(await outbox.priority("-2", "sendMessage", (id) => ({ chat_id: id, text: "y" }), 1000)).toEqual({
      kind: "rate_limited",
      retryAfterMs: 5000,
    });
  });

  it("follow a migrated chat", async () => {
    make();
    api.script = [{ kind: "migrated", toChatId: "-100555" }];
    expect(await outbox.priority(CHAT, "sendMessage", (id) => ({ chat_id: id, text: "x" }))).toMatchObject({ kind: "ok" });
    expect(api.calls.map((c) => c.params.chat_id)).toEqual([CHAT, "-100555"]);
    expect(store.currentChat(CHAT)).toBe("-100555");
  });

  it("follow a migration once; to the chat itself or a second time, the call is given up as bad_migration", async () => {
    make();
    api.fallback = (_m, p) => ({ kind: "migrated", toChatId: String(p.chat_id) });
    expect(await outbox.priority(CHAT, "sendMessage", (id) => ({ chat_id: id, text: "x" }))).toMatchObject({
      kind: "permanent",
      reason: "bad_migration",
    });
    expect(api.calls).toHaveLength(1);
    let next = -100_400;
    api.fallback = () => ({ kind: "migrated", toChatId: String(next--) });
    expect(await outbox.priority(CHAT, "sendMessage", (id) => ({ chat_id: id, text: "x" }))).toMatchObject({
      kind: "permanent",
      reason: "bad_migration",
    });
    expect(api.calls.map((c) => c.params.chat_id)).toEqual([CHAT, CHAT, "-100400"]);
    expect(logged("telegram named a chat migration the bridge cannot follow; the call is given up")).toHaveLength(2);
  });

  it("once closed: answered at once as a transient failure, and those waiting are released", async () => {
    make();
    api.script = ["hang"];
    const first = outbox.priority(CHAT, "sendMessage", (id) => ({ chat_id: id, text: "x" }));
    const waiting = outbox.priority(CHAT, "sendMessage", (id) => ({ chat_id: id, text: "x" }));
    await api.calledTimes(1);
    outbox.close();
    const stopping = { kind: "transient", reason: "network", detail: "bridge is stopping" };
    expect(await waiting).toEqual(stopping);
    expect(await outbox.priority(CHAT, "sendMessage", (id) => ({ chat_id: id, text: "x" }))).toEqual(stopping);
    api.release();
    await first;
    expect(api.calls).toHaveLength(1);
  });
});

describe("scheduled edits", () => {
  const stored = (id = "card0001"): Card => {
    const c: Card = {
      id,
      kind: "notification",
      chatId: CHAT,
      messageId: 42,
      createdAt: 1,
      updatedAt: 1,
      body: { head: "<b>head</b>", blocks: [{ html: "block", alertKey: "k" }], foot: "" },
      subjects: [{ title: "", alerts: [{ alertKey: "k", labels: { alertname: "A" }, status: "firing" }] }],
      buttons: true,
    };
    store.putCard(c);
    return c;
  };

  it("edit the card's message as it reads now", async () => {
    make();
    const c = stored();
    outbox.scheduleEdit(c.id);
    await api.calledTimes(1);
    expect(api.calls[0].method).toBe("editMessageText");
    expect(api.calls[0].params).toEqual(editParams(c, CHAT, { silenceDurations: ["1h"], canSilence: true, now: Date.now() }));
    outbox.scheduleEdit("unknown!");
    expect(api.calls).toHaveLength(1);
  });

  it("not modified counts as done; a refusal is counted and logged; a 429 or a migration is tried again", async () => {
    make();
    const c = stored();
    api.script = [{ kind: "not_modified" }];
    outbox.scheduleEdit(c.id);
    await api.calledTimes(1);
    api.script = [{ kind: "permanent", reason: "bad_request", detail: "400 message to edit not found" }];
    outbox.scheduleEdit(c.id);
    await api.calledTimes(2);
    api.script = [
      { kind: "rate_limited", retryAfterMs: 10 },
      { kind: "migrated", toChatId: "-100999" },
    ];
    outbox.scheduleEdit(c.id);
    await api.calledTimes(4);
    expect(api.calls.map((x) => [x.method, x.params.chat_id])).toEqual([
      ["editMessageText", CHAT],
      ["editMessageText", CHAT],
      ["editMessageText", CHAT],
      ["editMessageText", CHAT],
    ]);
    await api.calledTimes(5);
    expect(api.calls[4].params.chat_id).toBe("-100999");
    await until("the last edit counted", () => metrics.edits.get({ result: "ok" }) === 2);
    expect(metrics.edits.get({ result: "failed" })).toBe(3);
    // A 429 is only waited out; a refusal and a migration are worth a line.
    expect(logged("message edit failed")).toMatchObject([
      { level: "warning", chat_id: CHAT, card: c.id, outcome: "permanent", detail: "400 message to edit not found" },
      { level: "warning", chat_id: CHAT, card: c.id, outcome: "migrated" },
    ]);
    expect(logged("message edit failed")[1]).not.toHaveProperty("detail");
    expect(metrics.sendLatency.render()).toContain("telegram_bridge_send_duration_seconds_count 0");
  });

  it("an edit follows a migration once; to the chat itself or a second time, it is dropped and logged", async () => {
    make();
    const c = stored();
    api.fallback = (_m, p) => ({ kind: "migrated", toChatId: String(p.chat_id) });
    outbox.scheduleEdit(c.id);
    await until(
      "the edit dropped",
      () => logged("message edit dropped: telegram named a chat migration the bridge cannot follow").length === 1,
    );
    let next = -100_500;
    api.fallback = () => ({ kind: "migrated", toChatId: String(next--) });
    outbox.scheduleEdit(c.id);
    await until(
      "the second edit dropped",
      () => logged("message edit dropped: telegram named a chat migration the bridge cannot follow").length === 2,
    );
    await new Promise((r) => setTimeout(r, 100));
    expect(api.calls.map((x) => x.params.chat_id)).toEqual([CHAT, CHAT, "-100500"]);
  });

  it("editParams: the card's text and buttons, HTML, previews off; no reply_markup once resolved", () => {
    const c: Card = {
      id: "card0001",
      kind: "notification",
      chatId: CHAT,
      messageId: 42,
      createdAt: 1,
      updatedAt: 1,
      body: { head: "h", blocks: [{ html: "b", alertKey: "k" }], foot: "" },
      subjects: [{ title: "", alerts: [{ alertKey: "k", labels: {}, status: "firing" }] }],
      buttons: true,
    };
    expect(editParams(c, "-5", { silenceDurations: [], canSilence: false, now: 0 })).toEqual({
      chat_id: "-5",
      message_id: 42,
      text: "h\n\nb",
      parse_mode: "HTML",
      link_preview_options: { is_disabled: true },
      reply_markup: { inline_keyboard: [[{ text: "👀 Ack", callback_data: "v1:a:card0001:0" }]] },
    });
    c.subjects[0].alerts[0].status = "resolved";
    expect(editParams(c, "-5", { silenceDurations: [], canSilence: false, now: 0 })).not.toHaveProperty("reply_markup");
  });
});

describe("items no request waits for", () => {
  it("are dropped after orphanTtlMs; Alertmanager sends them again if still due", async () => {
    make({ orphanTtlMs: 1 });
    api.script = [{ kind: "rate_limited", retryAfterMs: 10_000 }];
    expect(await outbox.submit([delivery(firing("A"))], later(30))).toMatchObject({ status: "transient", reason: "rate_limited" });
    expect(outbox.pendingCount()).toBe(1);
    await new Promise((r) => setTimeout(r, 5));
    // Another webhook wakes the chat's sender, which drops the orphan and keeps the new item.
    void outbox.submit([delivery(firing("B"))], later(30));
    expect(outbox.pendingCount()).toBe(2);
    await new Promise((r) => setTimeout(r, 1));
    expect(outbox.pendingCount()).toBe(1);
  });

  it("are kept while a request still waits for them", async () => {
    make({ orphanTtlMs: 1 });
    api.script = [{ kind: "rate_limited", retryAfterMs: 60_000 }];
    const r = outbox.submit([delivery(firing("A"))], later(3000));
    await api.calledTimes(1);
    await new Promise((res) => setTimeout(res, 10));
    const other = outbox.submit([delivery(firing("B"))], later(3000));
    await new Promise((res) => setTimeout(res, 1));
    expect(outbox.pendingCount()).toBe(2);
    shift = 60_001;
    void outbox.submit([delivery(firing("C"))], later(3000));
    expect(await r).toMatchObject({ status: "delivered" });
    await other;
  });
});

describe("more outcomes and what they leave behind", () => {
  it("one item wanted by two webhooks at once is sent once; both hear it delivered", async () => {
    make({ coalesceMs: 30 });
    const d = delivery(firing("A"));
    const results = await Promise.all([outbox.submit([d], later(2000)), outbox.submit([d], later(2000))]);
    expect(results).toEqual([
      { status: "delivered", sent: 1, skipped: 0 },
      { status: "delivered", sent: 1, skipped: 0 },
    ]);
    expect(api.sent()).toHaveLength(1);
  });

  it("a prompt call does not wait for the coalescing of queued alerts", async () => {
    make({ coalesceMs: 60_000 });
    const queued = outbox.submit([delivery(firing("A"))], later(5000));
    let bound: NodeJS.Timeout | undefined;
    const late = new Promise((r) => (bound = setTimeout(() => r("still waiting"), 3000)));
    expect(await Promise.race([outbox.priority(CHAT, "sendMessage", (id) => ({ chat_id: id, text: "now" })), late])).toMatchObject({
      kind: "ok",
    });
    clearTimeout(bound);
    expect(api.sent().map((p) => p.text)).toEqual(["now"]);
    // The outbox's clock passes the coalescing time; the next call wakes the chat and the alert follows.
    shift = 61_000;
    await outbox.priority(CHAT, "sendMessage", (id) => ({ chat_id: id, text: "again" }));
    expect(await queued).toMatchObject({ status: "delivered", sent: 1 });
  });

  it("an edit Telegram found unchanged counts against the chat's pace; a refused send does not", async () => {
    make({ pace: { chatIntervalMs: 60_000, groupPerMinute: 10_000, botPerSecond: 10_000 } });
    api.script = [{ kind: "permanent", reason: "bad_request", detail: "400" }];
    await outbox.submit([delivery(firing("A"))], later(2000));
    expect(outbox.pacer.nextSlot(CHAT, Date.now())).toBeLessThan(Date.now() + 1000);
    store.putCard({
      id: "card0001",
      kind: "notification",
      chatId: CHAT,
      messageId: 1,
      createdAt: 1,
      updatedAt: 1,
      body: { head: "h", blocks: [], foot: "" },
      subjects: [],
      buttons: false,
    });
    api.script = [{ kind: "not_modified" }];
    outbox.scheduleEdit("card0001");
    await until("the edit counted", () => metrics.edits.get({ result: "ok" }) === 1);
    expect(outbox.pacer.nextSlot(CHAT, Date.now())).toBeGreaterThan(Date.now() + 50_000);
  });

  it("an ok answer without a result: delivered, no card", async () => {
    make();
    api.script = [{ kind: "ok", result: null }];
    expect(await outbox.submit([delivery(firing("A"))], later(2000))).toEqual({ status: "delivered", sent: 1, skipped: 0 });
    expect(Object.keys(store.data.cards)).toEqual([]);
  });

  it("a card keeps the message's topic and the time it was sent", async () => {
    make();
    const t0 = Date.now();
    await outbox.submit([delivery(firing("A"), { chatId: CHAT, threadId: 9 })], later(2000));
    const [card] = Object.values(store.data.cards);
    expect(card.threadId).toBe(9);
    expect(card.createdAt).toBe(card.updatedAt);
    expect(card.createdAt).toBeGreaterThanOrEqual(t0);
    expect(card.createdAt).toBeLessThanOrEqual(Date.now());
    expect(card.id).toMatch(/^[\w-]{8}$/);
  });

  it("after a success, a request that runs out of time is out_of_time, not the old failure", async () => {
    make();
    api.script = [{ kind: "transient", reason: "server_error", detail: "500" }];
    await outbox.submit([delivery(firing("A"))], later(2000));
    api.script = ["hang"];
    expect(await outbox.submit([delivery(firing("B"))], later(50))).toMatchObject({ status: "transient", reason: "out_of_time" });
  });

  it("Telegram saying a new message is unchanged: sent again, not counted as a retry", async () => {
    make();
    api.script = [{ kind: "not_modified" }];
    expect(await outbox.submit([delivery(firing("A"))], later(2000))).toMatchObject({ status: "delivered", sent: 1 });
    expect(api.sent()).toHaveLength(2);
    expect(metrics.retries.get()).toBe(0);
  });

  it("cut values and storm summaries are counted", async () => {
    make();
    await outbox.submit([delivery(alert({ fingerprint: "long", annotations: { description: "x".repeat(10_000) } }))], later(2000));
    expect([metrics.truncated.get(), metrics.summarised.get()]).toEqual([1, 0]);
    const storm = Array.from({ length: 30 }, (_, i) =>
      delivery(alert({ fingerprint: `s${i}`, labels: { alertname: `Storm${i}` }, annotations: { description: "d".repeat(1400) } })),
    );
    expect(await outbox.submit(storm, later(3000))).toMatchObject({ status: "delivered" });
    expect(metrics.summarised.get()).toBe(30);
  });

  it("an item no request waits for any more is kept for orphanTtlMs from when the last one gave up", async () => {
    make({ orphanTtlMs: 1000 });
    api.script = [{ kind: "rate_limited", retryAfterMs: 600_000 }];
    const waited = outbox.submit([delivery(firing("A"))], later(40));
    // The request gives up 5 s (of the outbox's clock) after it asked.
    shift = 5000;
    expect(await waited).toMatchObject({ status: "transient" });
    void outbox.submit([delivery(firing("B"))], later(40));
    await new Promise((r) => setTimeout(r, 5));
    expect(outbox.pendingCount()).toBe(2);
  });
});

describe("the default schedules", () => {
  it("retries after 0.5 s doubling to 8 s, then 15 s and 30 s; a refused chat is retried after 1, 5, 15 and 60 minutes", () => {
    expect(DEFAULT_DELIVERY.backoffMs).toEqual([500, 1000, 2000, 4000, 8000, 15_000, 30_000]);
    expect(DEFAULT_DELIVERY.permanentBackoffMs).toEqual([60_000, 300_000, 900_000, 3_600_000]);
    expect([DEFAULT_DELIVERY.coalesceMs, DEFAULT_DELIVERY.orphanTtlMs]).toEqual([1000, 600_000]);
    expect(DEFAULT_DELIVERY.pace).toEqual({ chatIntervalMs: 1000, groupPerMinute: 20, botPerSecond: 30 });
  });
});

describe("durable before answered", () => {
  let dir: string;
  beforeEach(() => {
    dir = tmp.make("bridge-outbox-");
    store = tmp.flushes(new StateStore(path.join(dir, "state.json"), new Logger(() => undefined)));
  });
  const onDisk = () =>
    JSON.parse(fs.readFileSync(path.join(dir, "state.json"), "utf8")) as {
      delivered: Record<string, number>;
      migrations: Record<string, string>;
    };

  it("a delivered item is on disk when the request hears of it", async () => {
    make();
    const d = delivery(firing("A"));
    await outbox.submit([d], later(2000));
    expect(Object.keys(onDisk().delivered)).toEqual([d.item.key]);
  });

  it("a chat migration is on disk at once, for messages and for prompt calls", async () => {
    make();
    api.script = [{ kind: "migrated", toChatId: "-100777" }];
    api.fallback = (method, params) =>
      params.chat_id === "-100777" && method === "sendMessage" ? "hang" : { kind: "ok", result: { message_id: 1 } };
    void outbox.submit([delivery(firing("A"))], later(2000));
    await api.calledTimes(2);
    expect(onDisk().migrations).toEqual({ [CHAT]: "-100777" });
    api.script = [{ kind: "migrated", toChatId: "-100888" }];
    void outbox.priority("-5", "sendMessage", (id) => ({ chat_id: id, text: "x" }));
    await api.calledTimes(4);
    expect(onDisk().migrations).toEqual({ [CHAT]: "-100777", "-5": "-100888" });
  });
});

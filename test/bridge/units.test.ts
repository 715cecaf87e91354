import * as fs from "fs";
import * as path from "path";
import { decodeCallback, encodeCallback } from "../../bridge/src/cards";
import { ChatRouter, chatKind } from "../../bridge/src/chats";
import { loadConfig } from "../../bridge/src/config";
import { authorize } from "../../bridge/src/console/authorization";
import { parseCommand } from "../../bridge/src/console/updates";
import { BRIDGE_DURATION, formatDuration } from "../../config/durations";

const parseDuration = (text: string) => BRIDGE_DURATION.parse(text);
import { Logger } from "../../bridge/src/log";
import { Pacer } from "../../bridge/src/pacing";
import { Redactor } from "../../bridge/src/redact";
import { Card, STATE_WRITE_DELAY_MS, StateStore } from "../../bridge/src/stateStore";
import { useTempDirs } from "../support/tempDirs";

describe("redaction", () => {
  const token = "123456789:AAH-secret_part-abcdefghij";
  const r = new Redactor();
  r.add(token);
  it.each([
    ["plain", `url https://api.test/bot${token}/sendMessage`],
    ["percent-encoded colon", `url https://api.test/bot${encodeURIComponent(token)}/x`],
    ["every character percent-encoded", [...token].map((c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`).join("")],
    ["lower-case hex", `q=${encodeURIComponent(token).replace("%3A", "%3a")}`],
    ["the secret half alone", `token part AAH-secret_part-abcdefghij leaked`],
  ])("removes the token %s", (_what, text) => {
    const out = r.apply(text);
    expect(out).toContain("<redacted>");
    expect(out).not.toMatch(/secret_part/);
    expect(decodeURIComponent(out)).not.toContain("secret_part");
  });
  it("the logger applies it to every line", () => {
    const lines: string[] = [];
    const log = new Logger((l) => lines.push(l));
    log.redact(token);
    log.error("failed", { url: `https://x.test/bot${encodeURIComponent(token)}/getUpdates` });
    expect(lines[0]).not.toContain("secret_part");
  });
});

describe("pacing per kind of chat", () => {
  const limits = { chatIntervalMs: 1000, groupPerMinute: 20, botPerSecond: 30 };
  it("knows groups, supergroups and channels from private chats", () => {
    expect([chatKind("-100123"), chatKind("-42"), chatKind("@tutordex_alerts"), chatKind("555")]).toEqual([
      "group",
      "group",
      "group",
      "private",
    ]);
  });
  it("a group gets 20 messages per rolling minute, one per second", () => {
    const p = new Pacer(limits);
    let t = 0;
    const times: number[] = [];
    for (let i = 0; i < 25; i++) {
      t = p.nextSlot("-100", t);
      times.push(t);
      p.record("-100", t);
    }
    expect(times.slice(0, 20)).toEqual(Array.from({ length: 20 }, (_, i) => i * 1000));
    expect(times[20]).toBe(60_000);
    for (let i = 20; i < times.length; i++)
      expect(times.filter((x) => x > times[i] - 60_000 && x <= times[i]).length).toBeLessThanOrEqual(20);
  });
  it("a private chat gets one per second, with no minute cap", () => {
    const p = new Pacer(limits);
    let t = 0;
    for (let i = 0; i < 30; i++) {
      t = p.nextSlot("555", t);
      p.record("555", t);
    }
    expect(t).toBe(29_000);
  });
  it("30 per second across all chats", () => {
    const p = new Pacer(limits);
    for (let i = 0; i < 30; i++) p.record(String(1000 + i), 0);
    expect(p.nextSlot("999", 0)).toBe(1000);
  });
  it("a 429 holds the chat until retry_after", () => {
    const p = new Pacer(limits);
    p.hold("-100", 7000);
    expect(p.nextSlot("-100", 0)).toBe(7000);
    expect(p.nextSlot("-200", 0)).toBe(0);
  });
});

describe("chat routing", () => {
  it("looks severities up without the prototype", () => {
    const router = new ChatRouter(loadConfig({ TELEGRAM_CHAT_ID: "-1", TELEGRAM_CHAT_ID_CRITICAL: "-2" }));
    for (const s of ["constructor", "toString", "__proto__", "hasOwnProperty"]) expect(router.destination(s)?.chatId).toBe("-1");
    expect(router.destination("critical")?.chatId).toBe("-2");
  });
  it("a severity chat equal to the default chat keeps the default topic unless it names its own", () => {
    const c = loadConfig({
      TELEGRAM_CHAT_ID: "-1",
      TELEGRAM_MESSAGE_THREAD_ID: "5",
      TELEGRAM_CHAT_ID_WARNING: "-1",
      TELEGRAM_CHAT_ID_INFO: "-1",
      TELEGRAM_MESSAGE_THREAD_ID_INFO: "8",
    });
    const r = new ChatRouter(c);
    expect([r.destination("warning")?.threadId, r.destination("info")?.threadId, r.destination(undefined)?.threadId]).toEqual([5, 8, 5]);
  });
});

describe("callback data", () => {
  it("round-trips every action within Telegram's 64 bytes", () => {
    const actions = [
      { op: "silence", cardId: "AbC_12-x", subject: 3, duration: "24h" },
      { op: "unsilence", cardId: "AbC_12-x", subject: 0 },
      { op: "ack", cardId: "AbC_12-x", subject: 7 },
      { op: "expire", cardId: "AbC_12-x", index: 9 },
    ] as const;
    for (const a of actions) {
      const data = encodeCallback(a);
      expect(Buffer.byteLength(data)).toBeLessThanOrEqual(64);
      expect(decodeCallback(data)).toEqual(a);
    }
  });
  it.each([
    "",
    "v2:s:AbC_12-x:0:1h",
    "v1:s:short:0:1h",
    "v1:s:AbC_12-x:0:1h;rm -rf",
    "v1:x:not-a-uuid",
    "v1:e:AbC_12-x:100",
    "v1:a:AbC_12-x:999",
    "x".repeat(65),
  ])("rejects forged data %j", (data) => {
    expect(decodeCallback(data)).toBeUndefined();
  });
});

describe("authorization", () => {
  const policy = (allow?: number[]) => ({
    servedChats: () => new Set(["-1"]),
    allow: allow ? ("list" as const) : ("everyone" as const),
    allowedUserIds: new Set(allow ?? []),
    administrators: async () => ({ ok: true as const, ids: new Set<number>() }),
  });
  it("serves only the configured chats", async () => {
    expect(await authorize(policy(), "alerts", "-999", 1)).toMatchObject({ allowed: false, reason: "chat" });
  });
  it("set to everyone, everyone in the chat may silence", async () => {
    expect((await authorize(policy(), "silence", "-1", 1)).allowed).toBe(true);
  });
  it("with a list only those users may silence, unsilence, expire and start drills; anyone may read and ack", async () => {
    for (const a of ["silence", "unsilence", "expire", "drill"] as const) {
      expect((await authorize(policy([7]), a, "-1", 7)).allowed).toBe(true);
      expect(await authorize(policy([7]), a, "-1", 8)).toMatchObject({
        allowed: false,
        reason: "user",
        message: expect.stringContaining("(8)"),
      });
    }
    for (const a of ["ack", "alerts", "status", "help", "silences"] as const)
      expect((await authorize(policy([7]), a, "-1", 8)).allowed).toBe(true);
  });
  it("commands addressed to another bot are not ours", () => {
    expect([
      parseCommand("/alerts", "our_bot"),
      parseCommand("/alerts@our_bot now", "our_bot"),
      parseCommand("/alerts@other_bot", "our_bot"),
      parseCommand("hello", "our_bot"),
    ]).toEqual(["alerts", "alerts", undefined, undefined]);
  });
});

describe("durations", () => {
  it("parses and prints the silence durations operators write", () => {
    expect([parseDuration("1h"), parseDuration("1h30m"), parseDuration("2d"), parseDuration("forever")]).toEqual([
      3_600_000,
      5_400_000,
      172_800_000,
      undefined,
    ]);
    expect(formatDuration(5_400_000)).toBe("1h30m");
  });
});

describe("durable state", () => {
  let dir: string;
  let lines: string[];
  const log = () => new Logger((l) => lines.push(l));
  const file = () => path.join(dir, "state.json");
  const tmp = useTempDirs({ settleMs: STATE_WRITE_DELAY_MS });
  beforeEach(() => {
    dir = tmp.make("bridge-state-");
    lines = [];
  });
  // Each store is flushed before its folder goes: its delayed write would bring the folder back.

  const card = (id: string, updatedAt: number, extra: Partial<Card> = {}): Card => ({
    id,
    kind: "notification",
    chatId: "-1",
    messageId: 1,
    createdAt: updatedAt,
    updatedAt,
    body: { head: "h", blocks: [{ html: "b", alertKey: "k" }], foot: "" },
    subjects: [{ title: "", alerts: [{ alertKey: `k-${id}`, labels: { alertname: "A" }, status: "firing" }] }],
    buttons: true,
    ...extra,
  });

  it("survives a restart: delivered items, cards, the update offset and migrations", () => {
    const a = tmp.flushes(new StateStore(file(), log()));
    a.load();
    a.markDelivered("item", 60_000);
    a.putCard(card("c1", Date.now()));
    a.setUpdateOffset(1234);
    a.migrate("-1", "-1009");
    a.commit();
    const b = tmp.flushes(new StateStore(file(), log()));
    b.load();
    expect(b.wasDelivered("item", 60_000)).toBe(true);
    expect(b.cardOfAlert("-1", "k-c1")?.id).toBe("c1");
    expect(b.data.updateOffset).toBe(1234);
    expect(b.currentChat("-1")).toBe("-1009");
  });

  it("writes atomically: no temporary file is left, and the file is always complete JSON", () => {
    const s = tmp.flushes(new StateStore(file(), log()));
    s.load();
    for (let i = 0; i < 20; i++) {
      s.markDelivered(`k${i}`, 60_000);
      s.commit();
      expect(() => JSON.parse(fs.readFileSync(file(), "utf8"))).not.toThrow();
    }
    expect(fs.readdirSync(dir)).toEqual(["state.json"]);
  });

  it.each([
    ["not JSON", '{"version":1,"delivered":'],
    ["the wrong shape", JSON.stringify({ version: 1, delivered: { a: "soon" }, cards: {}, alertCards: {}, migrations: {} })],
    ["an unknown version", JSON.stringify({ version: 99 })],
  ])("a state file with %s is logged, kept aside, and the bridge starts afresh", (_what, text) => {
    fs.writeFileSync(file(), text);
    const s = tmp.flushes(new StateStore(file(), log()));
    expect(() => s.load()).not.toThrow();
    expect(Object.keys(s.data.delivered)).toEqual([]);
    expect(lines.some((l) => l.includes('"level":"error"') && l.includes("state file corrupt"))).toBe(true);
    expect(fs.readFileSync(`${file()}.corrupt`, "utf8")).toBe(text);
    s.markDelivered("x", 1000);
    s.commit();
    expect(JSON.parse(fs.readFileSync(file(), "utf8")).delivered.x).toBeGreaterThan(0);
  });

  it("an unreadable or unwritable state path is logged, never fatal; the bridge goes on in memory", () => {
    fs.mkdirSync(file());
    const s = tmp.flushes(new StateStore(file(), log()));
    expect(() => s.load()).not.toThrow();
    s.markDelivered("x", 60_000);
    expect(() => s.commit()).not.toThrow();
    expect(s.wasDelivered("x", 60_000)).toBe(true);
    expect(lines.filter((l) => l.includes('"level":"error"')).length).toBe(2);
  });

  it("a __proto__ key in the file cannot reach Object.prototype", () => {
    fs.writeFileSync(
      file(),
      '{"version":1,"delivered":{"__proto__":99999999999999},"cards":{},"alertCards":{"__proto__":"x"},"migrations":{"__proto__":"-5"}}',
    );
    const s = tmp.flushes(new StateStore(file(), log()));
    s.load();
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
    expect(s.currentChat("-1")).toBe("-1");
  });

  it("stays bounded: expired items and cards are dropped, then the oldest beyond the caps", () => {
    let now = 1_000_000;
    const s = tmp.flushes(
      new StateStore(file(), log(), { maxCards: 3, cardRetentionMs: 10_000, resolvedCardRetentionMs: 1000, maxDelivered: 5 }, () => now),
    );
    s.load();
    for (let i = 0; i < 8; i++) s.markDelivered(`k${i}`, 60_000 + i);
    s.markDelivered("short", 10);
    for (let i = 0; i < 5; i++) s.putCard(card(`c${i}`, now + i));
    s.putCard(card("resolved", now, { resolvedAt: now }));
    now += 2000;
    s.prune();
    expect(Object.keys(s.data.delivered).sort()).toEqual(["k3", "k4", "k5", "k6", "k7"]);
    expect(Object.keys(s.data.cards).sort()).toEqual(["c2", "c3", "c4"]);
    expect(Object.keys(s.data.alertCards).sort()).toEqual(["-1|k-c2", "-1|k-c3", "-1|k-c4"]);
    now += 20_000;
    s.prune();
    expect(Object.keys(s.data.cards)).toEqual([]);
  });
});

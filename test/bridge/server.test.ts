import { loadConfig } from "../../bridge/src/config";
import { Logger } from "../../bridge/src/log";
import { RunningBridge, startBridge } from "../../bridge/src/server";
import { FakeTelegram } from "../support/fakeTelegram";
import { alert, payload } from "../support/alerts";

const CHAT = "-1001";
let telegram: FakeTelegram;
let bridge: RunningBridge;
let logs: string[];

async function start(env: Record<string, string> = {}, fast = true): Promise<void> {
  logs = [];
  bridge = await startBridge(
    loadConfig({
      TELEGRAM_BOT_TOKEN: telegram.token,
      TELEGRAM_CHAT_ID: CHAT,
      TELEGRAM_API_BASE: telegram.url,
      BRIDGE_ENVIRONMENT: "staging",
      PORT: "0",
      HOST: "127.0.0.1",
      MIN_SEND_INTERVAL_MS: "30",
      REQUEST_BUDGET_MS: "5000",
      ...env,
    }),
    { log: new Logger((l) => logs.push(l)), delivery: fast ? { backoffMs: [20, 40, 80] } : {} },
  );
}

const post = (body: unknown, path = "/alert") =>
  fetch(`${bridge.url}${path}`, { method: "POST", headers: { "content-type": "application/json" }, body: typeof body === "string" ? body : JSON.stringify(body) });

beforeEach(async () => {
  telegram = await new FakeTelegram().start();
});
afterEach(async () => {
  await bridge?.close(1000);
  await telegram.stop();
});

describe("delivery", () => {
  beforeEach(() => start());

  it("an empty alert list sends nothing and succeeds", async () => {
    const r = await post(payload([]));
    expect(r.status).toBe(200);
    expect(telegram.messages).toHaveLength(0);
  });

  it("only resolved alerts are delivered as RESOLVED, HTML mode, previews off", async () => {
    expect((await post(payload([alert({ status: "resolved", endsAt: "2026-11-25T10:05:00Z" })]))).status).toBe(200);
    expect(telegram.messages).toHaveLength(1);
    const m = telegram.messages[0];
    expect([m.chatId, m.html, m.linkPreviewDisabled]).toEqual([CHAT, true, true]);
    expect(m.text).toContain("<b>[TutorDex] [STAGING]</b> 1 resolved");
    expect(m.text).toContain("RESOLVED");
  });

  it("a mixed payload shows each alert's own status", async () => {
    await post(payload([alert(), alert({ status: "resolved", labels: { alertname: "HostDiskLow" } })]));
    expect(telegram.messages[0].text).toMatch(/FIRING.*QueueStuckProcessing[\s\S]*RESOLVED.*HostDiskLow/);
  });

  it("missing labels and annotations still make a valid message", async () => {
    expect((await post({ status: "firing", alerts: [{ status: "firing" }] })).status).toBe(200);
    expect(telegram.messages[0].text).toContain("(no alertname)");
  });

  it("<>&\" and emoji in values reach Telegram escaped and intact", async () => {
    expect((await post(payload([alert({ annotations: { summary: `a<b & "c" > d 🚨` } })]))).status).toBe(200);
    expect(telegram.messages[0].text).toContain("a&lt;b &amp; &quot;c&quot; &gt; d 🚨");
  });

  it("a 10,000-character value is capped and reported", async () => {
    expect((await post(payload([alert({ annotations: { description: "x".repeat(10_000) } })]))).status).toBe(200);
    expect(telegram.messages).toHaveLength(1);
    expect(telegram.messages[0].text).toContain("(values truncated to fit Telegram)");
    expect(bridge.metrics.truncated.get()).toBe(1);
  });

  it("150 alerts arrive as several parts, in order, throttled per chat", async () => {
    const alerts = Array.from({ length: 150 }, (_, i) => alert({ labels: { alertname: `Alert${i}` } }));
    expect((await post(payload(alerts))).status).toBe(200);
    const n = telegram.messages.length;
    expect(n).toBeGreaterThan(1);
    telegram.messages.forEach((m, i) => expect(m.text).toContain(`(part ${i + 1}/${n})`));
    const gaps = telegram.messages.slice(1).map((m, i) => m.at - telegram.messages[i].at);
    expect(Math.min(...gaps)).toBeGreaterThanOrEqual(25);
    expect(new Set(telegram.messages.map((m) => m.text).join("").match(/<b>Alert\d+<\/b>/g)).size).toBe(150);
  });

  it("the same payload twice is sent once (Alertmanager retry)", async () => {
    const p = payload([alert()]);
    expect((await post(p)).status).toBe(200);
    const second = await post(p);
    expect(second.status).toBe(200);
    expect(await second.json()).toEqual({ status: "delivered", sent: 0, skipped: 1 });
    expect(telegram.messages).toHaveLength(1);
  });

  it("routes alerts to the chat of their severity", async () => {
    await bridge.close(1000);
    await start({ TELEGRAM_CHAT_ID_CRITICAL: "-2002", TELEGRAM_MESSAGE_THREAD_ID: "7" });
    await post(payload([alert(), alert({ labels: { alertname: "HostDiskLow", severity: "warning" } })]));
    const byChat = Object.fromEntries(telegram.messages.map((m) => [m.chatId, m.text.includes("HostDiskLow") ? "warning" : "critical"]));
    expect(byChat).toEqual({ "-2002": "critical", [CHAT]: "warning" });
    expect(telegram.messages.every((m) => m.threadId === 7)).toBe(true);
  });
});

describe("Telegram failure answers", () => {
  it("400 can't parse entities: resent as plain text, reported", async () => {
    await start();
    telegram.script = ["parse_error"];
    expect((await post(payload([alert()]))).status).toBe(200);
    expect(telegram.messages).toHaveLength(1);
    expect(telegram.messages[0].html).toBe(false);
    expect(telegram.messages[0].text).toContain("QueueStuckProcessing");
    expect(bridge.metrics.failed.get({ reason: "unparseable" })).toBe(1);
  });

  it.each([
    ["forbidden", "forbidden"],
    ["unauthorized", "bad_token"],
    ["chat_not_found", "chat_not_found"],
  ] as const)("%s is permanent: 4xx, a loud log line and a metric, no retry", async (answer, reason) => {
    await start();
    telegram.fallback = answer;
    const r = await post(payload([alert()]));
    expect(r.status).toBe(422);
    expect(telegram.requests).toHaveLength(1);
    expect(bridge.metrics.failed.get({ reason })).toBe(1);
    expect(logs.some((l) => l.includes('"level":"error"') && l.includes(reason))).toBe(true);
  });

  it("429 with a short retry_after is waited out and the message delivered", async () => {
    await start();
    telegram.script = [{ rateLimit: 1 }];
    const t0 = Date.now();
    expect((await post(payload([alert()]))).status).toBe(200);
    expect(Date.now() - t0).toBeGreaterThanOrEqual(950);
    expect(telegram.messages).toHaveLength(1);
    expect(bridge.metrics.retries.get()).toBe(1);
  });

  it("429 longer than the time left is a 5xx with Retry-After, and the retry sends it once", async () => {
    await start({ REQUEST_BUDGET_MS: "2000" });
    telegram.script = [{ rateLimit: 5 }];
    const p = payload([alert()]);
    const r = await post(p);
    expect(r.status).toBe(503);
    expect(r.headers.get("retry-after")).toBe("5");
    expect(telegram.messages).toHaveLength(0);
  });

  it("500 then success: retried within the request", async () => {
    await start();
    telegram.script = ["server_error", "server_error"];
    expect((await post(payload([alert()]))).status).toBe(200);
    expect(telegram.messages).toHaveLength(1);
    expect(bridge.metrics.retries.get()).toBe(2);
  });

  it("500 until the budget runs out: 5xx so Alertmanager retries; never a false success", async () => {
    await start({ REQUEST_BUDGET_MS: "300" });
    telegram.fallback = "server_error";
    expect((await post(payload([alert()]))).status).toBe(503);
    expect(telegram.messages).toHaveLength(0);
    expect(bridge.metrics.sent.get()).toBe(0);
  });

  it("a dropped connection is retried", async () => {
    await start();
    telegram.script = ["drop"];
    expect((await post(payload([alert()]))).status).toBe(200);
    expect(telegram.messages).toHaveLength(1);
    expect(bridge.metrics.failed.get({ reason: "network" })).toBe(1);
  });
});

describe("retry after partial delivery (same process)", () => {
  it("retries of a half-delivered payload send only the missing parts, each exactly once", async () => {
    await start({ REQUEST_BUDGET_MS: "400" });
    const alerts = Array.from({ length: 150 }, (_, i) => alert({ labels: { alertname: `Alert${i}` } }));
    telegram.script = ["ok", "ok"];
    telegram.fallback = "server_error";
    expect((await post(payload(alerts))).status).toBe(503);
    telegram.fallback = "ok";
    // Like Alertmanager: retry until the bridge says every part went out (the budget fits a few parts per try).
    const statuses: number[] = [];
    for (let i = 0; i < 10 && statuses[statuses.length - 1] !== 200; i++) statuses.push((await post(payload(alerts))).status);
    expect(statuses[statuses.length - 1]).toBe(200);
    expect(statuses.length).toBeGreaterThan(1);
    const texts = telegram.messages.map((m) => m.text);
    expect(new Set(texts).size).toBe(texts.length);
    expect(texts.length).toBe(Number(/part 1\/(\d+)/.exec(texts[0])![1]));
  });
});

describe("HTTP surface", () => {
  beforeEach(() => start());

  it("rejects a malformed body with 400 and a log line", async () => {
    const r = await post("{not json");
    expect(r.status).toBe(400);
    expect(logs.some((l) => l.includes("webhook rejected"))).toBe(true);
  });
  it("rejects an oversized body with 413", async () => {
    await bridge.close(1000);
    await start({ MAX_BODY_BYTES: "1000" });
    const r = await post(payload(Array.from({ length: 20 }, () => alert())));
    expect(r.status).toBe(413);
  });
  it("answers /health, /ready and /metrics", async () => {
    expect((await fetch(`${bridge.url}/health`)).status).toBe(200);
    expect((await fetch(`${bridge.url}/ready`)).status).toBe(200);
    await post(payload([alert()]));
    const metrics = await (await fetch(`${bridge.url}/metrics`)).text();
    expect(metrics).toContain("telegram_bridge_messages_sent_total 1");
    expect(metrics).toContain('telegram_bridge_messages_failed_total{reason="chat_not_found"} 0');
    expect(metrics).toContain('telegram_bridge_webhooks_received_total{endpoint="alert",result="delivered"} 1');
    expect(metrics).toContain("telegram_bridge_send_duration_seconds_count 1");
  });
  it("404 for unknown paths, 405 for wrong methods", async () => {
    expect((await fetch(`${bridge.url}/nope`)).status).toBe(404);
    expect((await fetch(`${bridge.url}/alert`)).status).toBe(405);
  });
  it("never logs the bot token, even when the network error contains the URL", async () => {
    telegram.fallback = "unauthorized";
    await post(payload([alert()]));
    await telegram.stop();
    await post(payload([alert({ labels: { alertname: "Other" } })]));
    expect(logs.length).toBeGreaterThan(2);
    expect(logs.join("\n")).not.toContain(telegram.token);
  });
});

describe("configuration and lifecycle", () => {
  it("without Telegram configuration it answers 503 and is not ready", async () => {
    logs = [];
    bridge = await startBridge(loadConfig({ PORT: "0", HOST: "127.0.0.1" }), { log: new Logger((l) => logs.push(l)) });
    expect((await post(payload([alert()]))).status).toBe(503);
    expect((await fetch(`${bridge.url}/ready`)).status).toBe(503);
  });

  it("rejects bad configuration with the variable's name", () => {
    expect(() => loadConfig({ PORT: "eighty" })).toThrow(/PORT/);
    expect(() => loadConfig({ HEARTBEAT_URL: "not a url" })).toThrow(/HEARTBEAT_URL/);
  });

  it("graceful shutdown lets an in-flight delivery finish", async () => {
    await start();
    telegram.script = [{ rateLimit: 1 }];
    const inFlight = post(payload([alert()]));
    await new Promise((r) => setTimeout(r, 200));
    const closing = bridge.close(5000);
    expect((await inFlight).status).toBe(200);
    await closing;
    expect(telegram.messages).toHaveLength(1);
  });

  it("pings the heartbeat URL for the Watchdog, and says when it is not configured", async () => {
    await start({ HEARTBEAT_URL: `${telegram.url}/heartbeat-ok` });
    // The fake answers 404 on unknown paths: the bridge reports a failed ping.
    expect((await post(payload([alert({ labels: { alertname: "Watchdog" } })]), "/heartbeat")).status).toBe(502);
    expect(bridge.metrics.heartbeats.get({ result: "failed" })).toBe(1);
    await bridge.close(1000);
    await start();
    expect((await post(payload([]), "/heartbeat")).status).toBe(404);
  });
});

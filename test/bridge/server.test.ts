import * as net from "net";
import { loadConfig } from "../../bridge/src/config";
import { Logger } from "../../bridge/src/log";
import { RunningBridge, startBridge } from "../../bridge/src/server";
import { FakeTelegram } from "../../harness/fakeTelegram";
import { alert, payload } from "../../harness/alerts";

const CHAT = "-1001";
let telegram: FakeTelegram;
let bridge: RunningBridge;
let logs: string[];

/** A bridge against the fake Telegram, paced fast so tests take milliseconds, console off. */
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
      GROUP_MESSAGES_PER_MINUTE: "1000",
      COALESCE_MS: "0",
      REQUEST_BUDGET_MS: "5000",
      CONSOLE_ENABLED: "false",
      ...env,
    }),
    { log: new Logger((l) => logs.push(l)), delivery: fast ? { backoffMs: [20, 40, 80] } : {} },
  );
}

const post = (body: unknown, path = "/alert") =>
  fetch(`${bridge.url}${path}`, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: typeof body === "string" ? body : JSON.stringify(body),
  });

/** Every alert name shown in the chat, once per message that shows it. */
const shownAlerts = () => telegram.messages.flatMap((m) => m.text.match(/Alert\d+(?=<)/g) ?? []);

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
    await post(payload([alert(), alert({ status: "resolved", labels: { alertname: "HostDiskLow" }, fingerprint: "def" })]));
    expect(telegram.messages[0].text).toMatch(/FIRING.*QueueStuckProcessing[\s\S]*RESOLVED.*HostDiskLow/);
  });

  it("missing labels and annotations still make a valid message", async () => {
    expect((await post({ status: "firing", alerts: [{ status: "firing" }] })).status).toBe(200);
    expect(telegram.messages[0].text).toContain("(no alertname)");
  });

  it('<>&" and emoji in values reach Telegram escaped and intact', async () => {
    expect((await post(payload([alert({ annotations: { summary: `a<b & "c" > d 🚨` } })]))).status).toBe(200);
    expect(telegram.messages[0].text).toContain("a&lt;b &amp; &quot;c&quot; &gt; d 🚨");
  });

  it("a 10,000-character value is capped and reported", async () => {
    expect((await post(payload([alert({ annotations: { description: "x".repeat(10_000) } })]))).status).toBe(200);
    expect(telegram.messages).toHaveLength(1);
    expect(telegram.messages[0].text).toContain("(values truncated to fit Telegram)");
    expect(bridge.metrics.truncated.get()).toBe(1);
  });

  it("the same payload twice is sent once (Alertmanager retry)", async () => {
    const p = payload([alert()]);
    expect((await post(p)).status).toBe(200);
    const second = await post(p);
    expect(second.status).toBe(200);
    expect(await second.json()).toEqual({ status: "delivered", sent: 0, skipped: 1, rejected_alerts: 0 });
    expect(telegram.messages).toHaveLength(1);
  });

  it("a group sent again with one new alert shows only the new one", async () => {
    await post(payload([alert({ fingerprint: "a1", labels: { alertname: "Alert1" } })]));
    await post(
      payload([
        alert({ fingerprint: "a1", labels: { alertname: "Alert1" } }),
        alert({ fingerprint: "a2", labels: { alertname: "Alert2" } }),
      ]),
    );
    expect(shownAlerts()).toEqual(["Alert1", "Alert2"]);
  });

  it("routes alerts to the chat of their severity, with each chat's own forum topic", async () => {
    await bridge.close(1000);
    await start({
      TELEGRAM_CHAT_ID_CRITICAL: "-2002",
      TELEGRAM_MESSAGE_THREAD_ID: "7",
      TELEGRAM_CHAT_ID_WARNING: "-3003",
      TELEGRAM_MESSAGE_THREAD_ID_WARNING: "9",
    });
    await post(
      payload([
        alert({ fingerprint: "c" }),
        alert({ fingerprint: "w", labels: { alertname: "HostDiskLow", severity: "warning" } }),
        alert({ fingerprint: "i", labels: { alertname: "InfoThing", severity: "info" } }),
      ]),
    );
    const where = Object.fromEntries(telegram.messages.map((m) => [m.chatId, m.threadId ?? null]));
    // The default chat's topic (7) exists only in the default chat: the critical chat gets none.
    expect(where).toEqual({ "-2002": null, "-3003": 9, [CHAT]: 7 });
  });

  it.each(["constructor", "toString", "__proto__", "hasOwnProperty", "valueOf"])(
    "severity %s reaches the default chat (no prototype lookup)",
    async (severity) => {
      await bridge.close(1000);
      await start({ TELEGRAM_CHAT_ID_CRITICAL: "-2002" });
      const r = await post(payload([alert({ labels: { severity } })]));
      expect(r.status).toBe(200);
      expect(telegram.messages.map((m) => m.chatId)).toEqual([CHAT]);
    },
  );
});

describe("large groups and storms", () => {
  /** An alert as TutorDex's rules make them: ~850 bytes of JSON. */
  const realistic = (i: number) =>
    alert({
      fingerprint: `f${i}`,
      labels: {
        alertname: "ChannelStale",
        severity: "warning",
        component: "collector",
        channel: `t.me/tutor_channel_${i}`,
        instance: `collector-tail:9001`,
        job: "tutordex_collector",
      },
      annotations: {
        summary: `No messages from t.me/tutor_channel_${i} for 45m`,
        description: `The collector has not ingested a message from channel t.me/tutor_channel_${i} for 45 minutes while the channel usually posts every few minutes. Check the Telegram session and the channel's access.`,
        runbook_url: "https://rb.test/runbooks/ChannelStale.md",
        dashboard: "https://grafana.test/d/tutordex-channel-health",
      },
      generatorURL: `http://prometheus:9090/graph?g0.expr=time()+-+tutordex_channel_last_message_timestamp_seconds+%3E+2700&g0.tab=1`,
    });

  it("a group of 1,230 realistic alerts (over 1 MiB) is accepted, summarised and counted, not refused", async () => {
    // The budget is not what this case is about: a loaded host parses and packs 1 MiB in more than 5 s.
    await start({ MIN_SEND_INTERVAL_MS: "0", REQUEST_BUDGET_MS: "30000" });
    const body = JSON.stringify(payload(Array.from({ length: 1230 }, (_, i) => realistic(i))));
    expect(Buffer.byteLength(body)).toBeGreaterThan(1024 * 1024);
    const r = await post(body);
    expect(r.status).toBe(200);
    const shown = new Set(telegram.messages.flatMap((m) => m.text.match(/tutor_channel_\d+/g) ?? []));
    expect(shown.size).toBe(1230);
    expect(bridge.metrics.summarised.get()).toBe(1230);
    // One line per alert: far fewer messages than one per 10 alerts.
    expect(telegram.messages.length).toBeLessThan(40);
  });

  it("packs by what Telegram counts: HTML source over 4096 but visible text under it is one message", async () => {
    await start();
    // Long links cost nothing visible; escaped characters count once.
    const alerts = Array.from({ length: 4 }, (_, i) =>
      alert({
        fingerprint: `v${i}`,
        labels: { alertname: `Alert${i}` },
        annotations: { description: "&<>".repeat(150), runbook_url: `https://rb.test/${"r".repeat(390)}` },
      }),
    );
    expect((await post(payload(alerts))).status).toBe(200);
    expect(telegram.messages).toHaveLength(1);
    expect(telegram.messages[0].text.length).toBeGreaterThan(4096);
  });

  it("never exceeds 4096 UTF-16 units of visible text, even with emoji (two units each)", async () => {
    await start();
    const alerts = Array.from({ length: 40 }, (_, i) =>
      alert({
        fingerprint: `e${i}`,
        labels: { alertname: `Alert${i}`, channel: "🔥".repeat(50) },
        annotations: { summary: "🚨".repeat(100) },
      }),
    );
    expect((await post(payload(alerts))).status).toBe(200);
    expect(new Set(shownAlerts()).size).toBe(40);
    expect(telegram.requests.every((r) => r.answer === "ok")).toBe(true);
  });

  it("webhooks arriving together for one chat are merged into few messages", async () => {
    await start({ COALESCE_MS: "300" });
    const posts = Array.from({ length: 10 }, (_, g) =>
      post(
        payload(
          Array.from({ length: 5 }, (_, i) => alert({ fingerprint: `g${g}a${i}`, labels: { alertname: `Alert${g * 5 + i}` } })),
          { groupKey: `g${g}` },
        ),
      ),
    );
    const statuses = (await Promise.all(posts)).map((r) => r.status);
    expect(statuses.every((s) => s === 200)).toBe(true);
    expect(new Set(shownAlerts()).size).toBe(50);
    expect(shownAlerts()).toHaveLength(50);
    expect(telegram.messages.length).toBeLessThanOrEqual(2);
  });
});

describe("Telegram's pace", () => {
  // Telegram's rules scaled 1:20 in time (3 s window, 50 ms per chat), so the test takes seconds.
  const SCALED = { groupPerWindow: 20, windowMs: 3000, chatIntervalMs: 50 };

  it("a group chat gets at most 20 messages per window: no 429 from Telegram", async () => {
    telegram.pace = SCALED;
    logs = [];
    bridge = await startBridge(
      loadConfig({
        TELEGRAM_BOT_TOKEN: telegram.token,
        TELEGRAM_CHAT_ID: CHAT,
        TELEGRAM_API_BASE: telegram.url,
        PORT: "0",
        HOST: "127.0.0.1",
        COALESCE_MS: "0",
        CONSOLE_ENABLED: "false",
        REQUEST_BUDGET_MS: "20000",
      }),
      {
        log: new Logger((l) => logs.push(l)),
        delivery: { pace: { chatIntervalMs: 50, groupPerMinute: 20, botPerSecond: 30, windowMs: 3000 } },
      },
    );
    // 25 webhooks, each with one alert too big to share a message: 25 messages, more than one window allows.
    const posts = Array.from({ length: 25 }, (_, i) =>
      post(
        payload([alert({ fingerprint: `p${i}`, labels: { alertname: `Alert${i}` }, annotations: { description: "d".repeat(1400) } })], {
          groupKey: `p${i}`,
        }),
      ),
    );
    const statuses = (await Promise.all(posts)).map((r) => r.status);
    expect(statuses.every((s) => s === 200)).toBe(true);
    expect(telegram.requests.filter((r) => r.answer === "rate_limited_by_pace")).toEqual([]);
    expect(new Set(shownAlerts()).size).toBe(25);
  }, 20_000);

  it("a private chat gets at most one message per interval", async () => {
    await start({ TELEGRAM_CHAT_ID: "5551234", MIN_SEND_INTERVAL_MS: "200", COALESCE_MS: "0" });
    telegram.pace = { groupPerWindow: 1000, windowMs: 1000, chatIntervalMs: 200 };
    const results = await Promise.all(
      Array.from({ length: 4 }, (_, i) =>
        post(
          payload([alert({ fingerprint: `q${i}`, labels: { alertname: `Alert${i}` }, annotations: { description: "d".repeat(1400) } })], {
            groupKey: `q${i}`,
          }),
        ),
      ),
    );
    expect(results.map((r) => r.status)).toEqual([200, 200, 200, 200]);
    expect(telegram.requests.filter((r) => r.answer === "rate_limited_by_pace")).toEqual([]);
  });

  it("one 429 delays the chat's queue; every queued request is still delivered", async () => {
    await start({ REQUEST_BUDGET_MS: "4000" });
    telegram.script = [{ rateLimit: 1 }];
    const t0 = Date.now();
    const results = await Promise.all(
      Array.from({ length: 5 }, (_, i) =>
        post(
          payload([alert({ fingerprint: `r${i}`, labels: { alertname: `Alert${i}` }, annotations: { description: "d".repeat(1400) } })], {
            groupKey: `r${i}`,
          }),
        ),
      ),
    );
    expect(results.map((r) => r.status)).toEqual([200, 200, 200, 200, 200]);
    expect(Date.now() - t0).toBeGreaterThanOrEqual(950);
    expect(telegram.requests.filter((r) => typeof r.answer === "object")).toHaveLength(1);
    expect(new Set(shownAlerts()).size).toBe(5);
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

  it("a permanent failure does not loop loudly: Alertmanager's next sends are refused at once, quietly, never as delivered", async () => {
    await start();
    telegram.fallback = "forbidden";
    const statuses: number[] = [];
    // Alertmanager re-sends the group at every group_interval whatever the answer.
    for (let i = 0; i < 5; i++) statuses.push((await post(payload([alert()]))).status);
    expect(statuses).toEqual([422, 422, 422, 422, 422]);
    expect(telegram.requests).toHaveLength(1);
    expect(logs.filter((l) => l.includes('"level":"error"'))).toHaveLength(1);
    expect(bridge.metrics.failed.get({ reason: "forbidden" })).toBe(5);
    expect(bridge.metrics.sent.get()).toBe(0);
  });

  it("one blocked chat does not make the other chats of a payload repeat", async () => {
    await start({ TELEGRAM_CHAT_ID_WARNING: "-3003" });
    const p = payload([
      alert({ fingerprint: "c" }),
      alert({ fingerprint: "w", labels: { alertname: "HostDiskLow", severity: "warning" } }),
    ]);
    telegram.script = ["ok", "forbidden"];
    expect((await post(p)).status).toBe(422);
    for (let i = 0; i < 3; i++) expect((await post(p)).status).toBe(422);
    expect(telegram.messages.map((m) => m.chatId)).toEqual([CHAT]);
  });

  it("the 422 body carries no token, even when Telegram's description quotes it", async () => {
    await start();
    telegram.fallback = {
      status: 400,
      description: `Bad Request: chat not found for bot${telegram.token} (${encodeURIComponent(telegram.token)})`,
    };
    const r = await post(payload([alert()]));
    expect(r.status).toBe(422);
    const text = await r.text();
    expect(text).not.toContain(telegram.token);
    expect(text).not.toContain(telegram.token.split(":")[1]);
    expect(logs.join("\n")).not.toContain(telegram.token.split(":")[1]);
  });

  it("a chat upgraded to a supergroup is followed to its new id", async () => {
    await start();
    telegram.migrations.set(CHAT, "-1009");
    expect((await post(payload([alert({ fingerprint: "m1" })]))).status).toBe(200);
    expect((await post(payload([alert({ fingerprint: "m2", labels: { alertname: "Other" } })]))).status).toBe(200);
    expect(telegram.messages.map((m) => m.chatId)).toEqual(["-1009", "-1009"]);
    expect(telegram.requests.filter((r) => r.answer === "migrated")).toHaveLength(1);
    expect(logs.some((l) => l.includes("supergroup") && l.includes("-1009"))).toBe(true);
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
    await start({ REQUEST_BUDGET_MS: "1500" });
    telegram.script = [{ rateLimit: 2 }];
    const p = payload([alert()]);
    const r = await post(p);
    expect(r.status).toBe(503);
    expect(Number(r.headers.get("retry-after"))).toBeGreaterThanOrEqual(1);
    expect(telegram.messages).toHaveLength(0);
    // The alert stayed queued and goes out when the hold ends, with no request waiting for it...
    const deadline = Date.now() + 3000;
    while (telegram.messages.length === 0 && Date.now() < deadline) await new Promise((res) => setTimeout(res, 20));
    expect(telegram.messages).toHaveLength(1);
    // ...so Alertmanager's retry finds it delivered.
    const again = await post(p);
    expect(await again.json()).toEqual({ status: "delivered", sent: 0, skipped: 1, rejected_alerts: 0 });
    expect(telegram.messages).toHaveLength(1);
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

  it("a network failure logs its cause, not just 'fetch failed'", async () => {
    await start({ REQUEST_BUDGET_MS: "300" });
    await telegram.stop();
    await post(payload([alert()]));
    const failure = logs.find((l) => l.includes("telegram send failed"));
    expect(failure).toMatch(/ECONNREFUSED/);
  });
});

describe("deduplication across retries, outages and restarts", () => {
  it("retries of a half-delivered payload send only the missing alerts, each exactly once", async () => {
    await start({ REQUEST_BUDGET_MS: "400" });
    const alerts = Array.from({ length: 12 }, (_, i) =>
      alert({ fingerprint: `h${i}`, labels: { alertname: `Alert${i}` }, annotations: { description: "d".repeat(1400) } }),
    );
    telegram.script = ["ok", "ok"];
    telegram.fallback = "server_error";
    // 12 long alerts in storm form fit 1 message; in separate webhooks they would be 12.
    const p = payload(alerts);
    expect((await post(p)).status).toBe(200);
    telegram.fallback = "ok";
    expect((await post(p)).status).toBe(200);
    expect(shownAlerts()).toHaveLength(12);
  });

  it("a payload retried across a longer outage than the window is still not repeated (the window slides)", async () => {
    await start({ DEDUPE_WINDOW_SECONDS: "1" });
    const p = payload([alert()]);
    // Alertmanager re-sends at each group_interval (here every 0.7 s) while anything is undelivered.
    for (let i = 0; i < 4; i++) {
      expect((await post(p)).status).toBe(200);
      await new Promise((r) => setTimeout(r, 700));
    }
    expect(telegram.messages).toHaveLength(1);
  });

  it("the window is per receiver: each route's retries are remembered at least one group_interval", async () => {
    await start({ DEDUPE_WINDOW_SECONDS: "60", DEDUPE_WINDOWS: "telegram-critical=1" });
    const p = payload([alert()], { receiver: "telegram-critical" });
    expect((await post(p)).status).toBe(200);
    await new Promise((r) => setTimeout(r, 1300));
    // After the critical route's window (well past its group_interval), the same alert is a reminder.
    expect((await post(p)).status).toBe(200);
    expect(telegram.messages).toHaveLength(2);
  });
});

describe("webhook payloads", () => {
  beforeEach(() => start());

  it("one malformed alert does not refuse the valid ones; the chat is told, the metric counts it", async () => {
    const body = { ...payload([alert({ fingerprint: "ok1" }), alert({ fingerprint: "ok2", labels: { alertname: "Second" } })]) } as Record<
      string,
      any
    >;
    body.alerts.splice(1, 0, { status: "firing", labels: { alertname: "Broken", severity: 3 } });
    const r = await post(body);
    expect(r.status).toBe(200);
    expect(((await r.json()) as { rejected_alerts: number }).rejected_alerts).toBe(1);
    const text = telegram.messages.map((m) => m.text).join("\n");
    expect(text).toContain("QueueStuckProcessing");
    expect(text).toContain("Second");
    expect(text).toContain("1 alert of this notification could not be read (alerts.1.labels.severity");
    expect(bridge.metrics.rejectedAlerts.get()).toBe(1);
  });

  it("alerts Alertmanager left out (max_alerts) are counted in the chat and in /metrics", async () => {
    expect((await post(payload([alert()], { truncatedAlerts: 57 }))).status).toBe(200);
    expect(telegram.messages[0].text).toContain("57 more alerts of this group were left out by Alertmanager");
    expect(bridge.metrics.notIncluded.get()).toBe(57);
  });
});

describe("HTTP surface", () => {
  beforeEach(() => start());

  it("rejects a malformed body with 400 and a log line", async () => {
    const r = await post("{not json");
    expect(r.status).toBe(400);
    expect(logs.some((l) => l.includes("webhook rejected"))).toBe(true);
  });
  it("a body over MAX_BODY_BYTES (a memory guard far above max_alerts' largest group) is 413", async () => {
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
    expect(metrics).toContain("telegram_bridge_pending_alerts 0");
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

  it("a body sent too slowly is cut off after REQUEST_BODY_TIMEOUT_MS, not Node's 300 s", async () => {
    await bridge.close(1000);
    await start({ REQUEST_BODY_TIMEOUT_MS: "1000" });
    const { port } = new URL(bridge.url);
    const socket = net.connect(Number(port), "127.0.0.1");
    await new Promise((r) => socket.once("connect", r));
    socket.write("POST /alert HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: 1000\r\n\r\n{");
    const t0 = Date.now();
    let answer = "";
    socket.on("data", (d) => (answer += d.toString()));
    await new Promise<void>((resolve) => {
      const bound = setTimeout(resolve, 8000);
      socket.once("close", () => {
        clearTimeout(bound);
        resolve();
      });
    });
    socket.destroy();
    expect(Date.now() - t0).toBeLessThan(5000);
    expect(answer).toMatch(/^HTTP\/1\.1 408/);
  });

  it("keeps idle connections longer than Alertmanager's (prometheus/common keeps them 5 min)", async () => {
    expect(bridge.server.keepAliveTimeout).toBeGreaterThan(300_000);
    // Behaviour, not only the setting: a connection idle past Node's default 5 s is still open.
    const { port } = new URL(bridge.url);
    const socket = net.connect(Number(port), "127.0.0.1");
    await new Promise((r) => socket.once("connect", r));
    let closed = false;
    socket.once("close", () => (closed = true));
    socket.write("GET /health HTTP/1.1\r\nHost: x\r\n\r\n");
    await new Promise((r) => setTimeout(r, 6000));
    expect(closed).toBe(false);
    socket.destroy();
  }, 15_000);
});

describe("configuration and lifecycle", () => {
  it("without Telegram configuration it answers 503 and is not ready", async () => {
    logs = [];
    bridge = await startBridge(loadConfig({ PORT: "0", HOST: "127.0.0.1" }), { log: new Logger((l) => logs.push(l)) });
    expect((await post(payload([alert()]))).status).toBe(503);
    expect((await fetch(`${bridge.url}/ready`)).status).toBe(503);
  });

  it.each([
    [{ PORT: "eighty" }, 'PORT: expected a port number, got "eighty"'],
    [{ HEARTBEAT_URL: "not a url" }, 'HEARTBEAT_URL: expected an absolute http(s) URL, got "not a url"'],
    [{ TELEGRAM_CHAT_ID: "alerts" }, 'TELEGRAM_CHAT_ID: expected a numeric chat id or @channel, got "alerts"'],
    [{ TELEGRAM_MESSAGE_THREAD_ID_CRITICAL: "-4" }, 'TELEGRAM_MESSAGE_THREAD_ID_CRITICAL: expected a positive whole number, got "-4"'],
    [
      { CONSOLE_ALLOWED_USER_IDS: "alice" },
      'CONSOLE_ALLOWED_USER_IDS: expected Telegram user ids separated by commas, such as 12345,67890, got "alice"',
    ],
    [
      { CONSOLE_SILENCE_DURATIONS: "1h,forever" },
      'CONSOLE_SILENCE_DURATIONS: expected durations between 1m and 90d such as 1h,4h,24h (bad: "forever"), got "1h,forever"',
    ],
    [{ CONSOLE_ENABLED: "maybe" }, 'CONSOLE_ENABLED: expected true or false, got "maybe"'],
    [{ STATE_FILE: "state.json" }, 'STATE_FILE: expected an absolute file path, got "state.json"'],
    [
      { DEDUPE_WINDOWS: "critical" },
      'DEDUPE_WINDOWS: expected receiver=seconds pairs separated by commas, such as telegram-critical=240, got "critical"',
    ],
    [{ ALERTMANAGER_URL: "alertmanager:9093" }, 'ALERTMANAGER_URL: expected an absolute http(s) URL, got "alertmanager:9093"'],
  ])("rejects %j naming the variable and the bad value", (env, message) => {
    expect(() => loadConfig(env)).toThrow(message);
  });

  it("refuses a TELEGRAM_API_BASE with user:password and never repeats the password", () => {
    let message = "";
    try {
      loadConfig({ TELEGRAM_API_BASE: "https://bot:hunter2-secret@proxy.test/tg" });
    } catch (e) {
      message = (e as Error).message;
    }
    expect(message).toContain("TELEGRAM_API_BASE: must not carry user:password");
    expect(message).toContain("proxy.test");
    expect(message).not.toContain("hunter2-secret");
  });

  it("never shows a malformed bot token in the error", () => {
    expect(() => loadConfig({ TELEGRAM_BOT_TOKEN: "12:short" })).toThrow(
      "TELEGRAM_BOT_TOKEN: expected a bot token of the form 123456:ABC..., got <secret>",
    );
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

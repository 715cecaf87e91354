import * as fs from "fs";
import * as net from "net";
import * as path from "path";
import { ChatRouter } from "../../bridge/src/chats";
import { loadConfig } from "../../bridge/src/config";
import { Logger } from "../../bridge/src/log";
import { DELIVERY_FAILURE_REASONS } from "../../bridge/src/metrics";
import { deliveriesFor, RunningBridge, startBridge } from "../../bridge/src/server";
import { alert, payload } from "../../harness/alerts";
import { FakeTelegram } from "../../harness/fakeTelegram";
import { freePort } from "../../harness/ports";
import { FakeAlertmanager, until } from "./support/fakeAlertmanager";
import { ScriptedApi } from "./support/scriptedApi";
import { useTempDirs } from "../support/tempDirs";

/**
 * The bridge's HTTP surface in process, against a scripted Bot API: each route's status, body and
 * content type, what each delivery result becomes for Alertmanager, the log lines and metrics of
 * each path, the heartbeat, the console's /status facts, and stopping.
 */

const CHAT = "-1001";
const TOKEN = "123456:secret-token-value-abcdef";
let api: ScriptedApi;
let bridge: RunningBridge | undefined;
let lines: string[];
let dir: string;

const logged = (msg: string) => lines.map((l) => JSON.parse(l) as Record<string, unknown>).filter((l) => l.msg === msg);

async function start(env: Record<string, string> = {}, withApi = true): Promise<RunningBridge> {
  lines = [];
  bridge = await startBridge(
    loadConfig({
      TELEGRAM_BOT_TOKEN: TOKEN,
      TELEGRAM_CHAT_ID: CHAT,
      BRIDGE_ENVIRONMENT: "staging",
      PORT: String(await freePort()),
      HOST: "127.0.0.1",
      MIN_SEND_INTERVAL_MS: "0",
      GROUP_MESSAGES_PER_MINUTE: "10000",
      COALESCE_MS: "0",
      REQUEST_BUDGET_MS: "2000",
      CONSOLE_ENABLED: "false",
      ...env,
    }),
    { log: new Logger((l) => lines.push(l)), ...(withApi ? { api } : {}), delivery: { backoffMs: [5] }, pollBackoffMs: [20] },
  );
  // What the bridge asks Telegram at start (getMe; setMyCommands with the console on) is not what these tests look at.
  if (withApi && env.TELEGRAM_BOT_TOKEN !== "" && env.TELEGRAM_CHAT_ID !== "") {
    const console = (env.CONSOLE_ENABLED ?? "false") === "true";
    await until("the start-up calls", () => api.calls.some((c) => c.method === (console ? "setMyCommands" : "getMe")));
    const rest = api.calls.filter((c) => c.method !== "getMe" && c.method !== "setMyCommands");
    api.calls.splice(0, api.calls.length, ...rest);
  }
  return bridge;
}

const post = (body: unknown, route = "/alert") =>
  fetch(`${bridge!.url}${route}`, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: typeof body === "string" ? body : JSON.stringify(body),
  });

beforeEach(() => {
  api = new ScriptedApi();
  dir = tmp.make("bridge-server-");
});
afterEach(async () => {
  await bridge?.close(500);
  bridge = undefined;
  api.release();
});
const tmp = useTempDirs();

describe("deliveriesFor", () => {
  const config = loadConfig({
    TELEGRAM_CHAT_ID: CHAT,
    TELEGRAM_CHAT_ID_WARNING: "-2002",
    TELEGRAM_MESSAGE_THREAD_ID_WARNING: "4",
    DEDUPE_WINDOW_SECONDS: "100",
    DEDUPE_WINDOWS: "telegram-critical=30",
  });
  const router = new ChatRouter(config);

  it("each alert to its severity's chat, remembered for its receiver's window or the default", () => {
    const p = payload([alert({ fingerprint: "c" }), alert({ fingerprint: "w", labels: { severity: "warning" } })], {
      receiver: "telegram-critical",
    });
    const out = deliveriesFor(config, router, p);
    expect(out.map((d) => [d.item.kind, d.dest, d.windowMs])).toEqual([
      ["alert", { chatId: CHAT, threadId: undefined }, 30_000],
      ["alert", { chatId: "-2002", threadId: 4 }, 30_000],
    ]);
    expect(deliveriesFor(config, router, { ...p, receiver: "other" })[0].windowMs).toBe(100_000);
    expect(deliveriesFor(config, router, { ...p, receiver: undefined })[0].windowMs).toBe(100_000);
  });

  it("notes go once to every chat (and topic) the alerts went to", () => {
    const p = payload(
      [alert({ fingerprint: "a" }), alert({ fingerprint: "b" }), alert({ fingerprint: "w", labels: { severity: "warning" } })],
      { truncatedAlerts: 3, groupKey: "g<1>" },
    );
    const notes = deliveriesFor(config, router, p).filter((d) => d.item.kind === "note");
    expect(notes.map((d) => d.dest.chatId)).toEqual([CHAT, "-2002"]);
    expect(notes[0].item).toMatchObject({
      html: "ℹ️ <i>3 more alerts of this group were left out by Alertmanager (max_alerts); see Alertmanager for all of them.</i>",
      externalURL: "http://localhost:9093",
    });
  });

  it("notes go to each topic of a chat the alerts went to, the chat's main thread included", () => {
    const topics = loadConfig({ TELEGRAM_CHAT_ID: CHAT, TELEGRAM_CHAT_ID_WARNING: CHAT, TELEGRAM_MESSAGE_THREAD_ID_WARNING: "4" });
    const p = payload([alert({ fingerprint: "c" }), alert({ fingerprint: "w", labels: { severity: "warning" } })], { truncatedAlerts: 1 });
    const notes = deliveriesFor(topics, new ChatRouter(topics), p).filter((d) => d.item.kind === "note");
    expect(notes.map((d) => d.dest)).toEqual([
      { chatId: CHAT, threadId: undefined },
      { chatId: CHAT, threadId: 4 },
    ]);
  });

  it("notes go to two topics of one chat as two destinations", () => {
    const topics = loadConfig({
      TELEGRAM_CHAT_ID: CHAT,
      TELEGRAM_MESSAGE_THREAD_ID: "11",
      TELEGRAM_CHAT_ID_WARNING: CHAT,
      TELEGRAM_MESSAGE_THREAD_ID_WARNING: "12",
    });
    const p = payload([alert({ fingerprint: "c" }), alert({ fingerprint: "w", labels: { severity: "warning" } })], { truncatedAlerts: 1 });
    const notes = deliveriesFor(topics, new ChatRouter(topics), p).filter((d) => d.item.kind === "note");
    expect(notes.map((d) => d.dest)).toEqual([
      { chatId: CHAT, threadId: 11 },
      { chatId: CHAT, threadId: 12 },
    ]);
  });

  it("a note's identity tells its alerts and reasons apart however they are split", () => {
    const noteKey = (fingerprints: string[], rejected: string[] = []) =>
      deliveriesFor(
        config,
        router,
        payload(
          fingerprints.map((fingerprint) => alert({ fingerprint })),
          { groupKey: "g", truncatedAlerts: rejected.length ? 0 : 3 },
        ),
        rejected.map((reason, index) => ({ index, reason })),
      )
        .filter((d) => d.item.kind === "note")
        .map((d) => d.item.key);
    expect(noteKey(["ab", "c"])).not.toEqual(noteKey(["a", "bc"]));
    expect(noteKey(["a"], ["xy", "z"])).not.toEqual(noteKey(["a"], ["x", "yz"]));
  });

  it("a note's identity is its group, count and alerts: the same truncation is one item, another is new", () => {
    const key = (extra: Parameters<typeof payload>[1], alerts = [alert({ fingerprint: "a" })]) =>
      deliveriesFor(config, router, payload(alerts, { truncatedAlerts: 3, ...extra })).find((d) => d.item.kind === "note")!.item.key;
    const base = key({ groupKey: "g" });
    expect(key({ groupKey: "g" })).toBe(base);
    expect(key({ groupKey: "h" })).not.toBe(base);
    expect(key({ groupKey: "g", truncatedAlerts: 4 })).not.toBe(base);
    expect(key({ groupKey: "g" }, [alert({ fingerprint: "b" })])).not.toBe(base);
  });

  it("alerts that could not be read: one note, singular or plural, with the first reason escaped and cut", () => {
    const p = payload([alert()], { groupKey: "g" });
    const one = deliveriesFor(config, router, p, [{ index: 1, reason: "alerts.1.labels: <bad> & worse" }]).find(
      (d) => d.item.kind === "note",
    )!;
    expect(one.item).toMatchObject({
      html: "⚠️ <i>1 alert of this notification could not be read (alerts.1.labels: &lt;bad&gt; &amp; worse); the rest is shown. The bridge log has the details.</i>",
    });
    const two = deliveriesFor(config, router, p, [
      { index: 1, reason: "r".repeat(200) },
      { index: 2, reason: "s" },
    ]).find((d) => d.item.kind === "note")!;
    expect(two.item).toMatchObject({
      html: `⚠️ <i>2 alerts of this notification could not be read (${"r".repeat(160)}…); the rest is shown. The bridge log has the details.</i>`,
    });
    const again = deliveriesFor(config, router, p, [
      { index: 1, reason: "r".repeat(200) },
      { index: 2, reason: "t" },
    ]).find((d) => d.item.kind === "note")!;
    expect(again.item.key).not.toBe(two.item.key);
  });

  it("no alert routed: notes go to the default chat; with no chat at all, nowhere", () => {
    const p = payload([], { truncatedAlerts: 2 });
    expect(deliveriesFor(config, router, p).map((d) => d.dest)).toEqual([{ chatId: CHAT, threadId: undefined }]);
    const none = loadConfig({});
    expect(deliveriesFor(none, new ChatRouter(none), payload([alert()], { truncatedAlerts: 2 }))).toEqual([]);
    expect(deliveriesFor(config, router, payload([]))).toEqual([]);
  });
});

describe("HTTP routes", () => {
  it("/health, /ready and /metrics: status, body and content type; query strings ignored", async () => {
    await start();
    const health = await fetch(`${bridge!.url}/health?probe=1`);
    expect([health.status, health.headers.get("content-type"), await health.json()]).toEqual([200, "application/json", { status: "ok" }]);
    const ready = await fetch(`${bridge!.url}/ready`);
    expect([ready.status, await ready.json()]).toEqual([200, { status: "ready" }]);
    const metrics = await fetch(`${bridge!.url}/metrics`);
    expect(metrics.headers.get("content-type")).toBe("text/plain; version=0.0.4");
    const text = await metrics.text();
    for (const line of ["telegram_bridge_pending_alerts 0", "telegram_bridge_chats_refused 0", "telegram_bridge_state_cards 0"])
      expect(text).toContain(line);
    expect(text).toContain("# HELP telegram_bridge_state_cards Messages the bridge remembers for replies, edits and buttons.");
    expect(text).toContain("# HELP telegram_bridge_pending_alerts Alert notifications waiting for Telegram.");
    expect(text).toContain(
      "# HELP telegram_bridge_chats_refused Chats Telegram refuses permanently (bad token, blocked, not found), in back-off.",
    );
  });

  it.each([
    ["PUT", "/health", 405],
    ["GET", "/alert", 405],
    ["GET", "/heartbeat", 405],
    ["POST", "/metrics", 405],
    ["DELETE", "/ready", 405],
    ["GET", "/nope", 404],
    ["GET", "/health/x", 404],
  ])("%s %s is %d, naming the route", async (method, route, status) => {
    await start();
    const r = await fetch(`${bridge!.url}${route}`, { method });
    expect([r.status, await r.json()]).toEqual([status, { error: `no route ${method} ${route}` }]);
  });

  it("the server's timeouts follow the settings: headers within 10 s at most, the body within REQUEST_BODY_TIMEOUT_MS", async () => {
    await start({ REQUEST_BODY_TIMEOUT_MS: "4000", KEEP_ALIVE_TIMEOUT_MS: "123000" });
    expect([bridge!.server.requestTimeout, bridge!.server.headersTimeout, bridge!.server.keepAliveTimeout]).toEqual([4000, 4000, 123_000]);
    await bridge!.close(100);
    await start({ REQUEST_BODY_TIMEOUT_MS: "30000" });
    expect([bridge!.server.requestTimeout, bridge!.server.headersTimeout]).toEqual([30_000, 10_000]);
  });

  it("a body sent too slowly is cut off soon after REQUEST_BODY_TIMEOUT_MS, however short: the server checks that often", async () => {
    await start({ REQUEST_BODY_TIMEOUT_MS: "200" });
    const socket = net.connect(Number(new URL(bridge!.url).port), "127.0.0.1");
    await new Promise((r) => socket.once("connect", r));
    const t0 = Date.now();
    const answered = new Promise<{ after: number; text: string }>((r) =>
      socket.once("data", (d) => r({ after: Date.now() - t0, text: String(d) })),
    );
    socket.on("error", () => undefined);
    socket.write("POST /alert HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: 1000\r\n\r\n{");
    const { after, text } = await answered;
    socket.destroy();
    expect(text).toMatch(/^HTTP\/1\.1 408 /);
    expect(after).toBeGreaterThanOrEqual(190);
    // Node checks its request timeouts every min(1 s, the timeout): with 1 s it would be cut at about 1 s.
    expect(after).toBeLessThan(850);
  });

  it("listening on every interface, it names its loopback address; on a named host, that host", async () => {
    await start({ HOST: "0.0.0.0" });
    expect(bridge!.url).toBe(`http://127.0.0.1:${(bridge!.server.address() as net.AddressInfo).port}`);
    expect((await fetch(`${bridge!.url}/health`)).status).toBe(200);
    await bridge!.close(100);
    await start({ HOST: "localhost" });
    expect(bridge!.url).toBe(`http://localhost:${(bridge!.server.address() as net.AddressInfo).port}`);
  });

  it("a webhook without truncatedAlerts (Alertmanager before 0.24 leaves it out) counts nothing as left out", async () => {
    await start();
    const { truncatedAlerts: _left, ...older } = payload([alert()]);
    expect((await post(older)).status).toBe(200);
    expect(bridge!.metrics.notIncluded.get({})).toBe(0);
    expect(api.sent()).toHaveLength(1);
  });

  it("says where it listens, once started", async () => {
    await start({ STATE_FILE: path.join(dir, "s.json"), ALERTMANAGER_URL: "http://am.test:9093" });
    const port = Number(new URL(bridge!.url).port);
    expect(bridge!.url).toBe(`http://127.0.0.1:${port}`);
    expect(logged("telegram bridge listening")).toMatchObject([
      {
        level: "info",
        port,
        environment: "staging",
        telegram_configured: true,
        console: false,
        state_file: path.join(dir, "s.json"),
        alertmanager: "http://am.test:9093",
      },
    ]);
    await bridge!.close(100);
    await start();
    expect(logged("telegram bridge listening")[0]).toMatchObject({ state_file: null, alertmanager: null });
  });

  it("a port already taken: start-up fails", async () => {
    await start();
    const port = new URL(bridge!.url).port;
    await expect(startBridge(loadConfig({ PORT: port, HOST: "127.0.0.1" }), { log: new Logger(() => undefined) })).rejects.toThrow(
      /EADDRINUSE/,
    );
  });
});

describe("POST /alert", () => {
  it("delivered: 200 with the counts, logged and measured", async () => {
    await start();
    // Telegram takes a while, so the measured handling time is known to lie between 30 ms and the test's own time.
    api.script = ["hang"];
    const t0 = Date.now();
    const pending = post(payload([alert()], { groupKey: "g1" }));
    await api.calledTimes(1);
    await new Promise((r) => setTimeout(r, 30));
    api.release();
    const r = await pending;
    const took = (Date.now() - t0) / 1000;
    expect([r.status, await r.json()]).toEqual([200, { status: "delivered", sent: 1, skipped: 0, rejected_alerts: 0 }]);
    const sum = Number(/telegram_bridge_request_duration_seconds_sum (\S+)/.exec(bridge!.metrics.handling.render())?.[1]);
    expect(sum).toBeGreaterThanOrEqual(0.029);
    expect(sum).toBeLessThanOrEqual(took);
    // A clean webhook of an ordinary alert: nothing rejected or left out, no Watchdog seen.
    expect([bridge!.metrics.rejectedAlerts.get({}), bridge!.metrics.notIncluded.get({})]).toEqual([0, 0]);
    expect(logged("alerts of a webhook could not be read; delivering the rest")).toEqual([]);
    expect(bridge!.store.data.watchdogLastSeen).toBeUndefined();
    expect(logged("alerts delivered")).toMatchObject([
      { level: "info", group_key: "g1", receiver: "telegram-critical", alerts: 1, sent: 1, skipped_duplicates: 0 },
    ]);
    expect(bridge!.metrics.received.get({ endpoint: "alert", result: "delivered" })).toBe(1);
    expect(bridge!.metrics.handling.render()).toContain("telegram_bridge_request_duration_seconds_count 1");
    expect(api.sent()[0]).toMatchObject({ chat_id: CHAT, parse_mode: "HTML" });
    // The card of the firing alert is counted in /metrics.
    expect(await (await fetch(`${bridge!.url}/metrics`)).text()).toContain("telegram_bridge_state_cards 1");
  });

  it("transient: 503 with the reason and Retry-After in whole seconds when Telegram said when", async () => {
    await start({ REQUEST_BUDGET_MS: "100" });
    api.script = [{ kind: "rate_limited", retryAfterMs: 10_000 }];
    const r = await post(payload([alert()]));
    expect(r.status).toBe(503);
    const body = (await r.json()) as { status: string; reason: string; retryAfterMs: number };
    expect(body).toMatchObject({ status: "transient", reason: "rate_limited" });
    // Whole seconds, rounded up: 9,001 ms left is 10 s.
    expect(r.headers.get("retry-after")).toBe(String(Math.ceil(body.retryAfterMs / 1000)));
    expect(Number(r.headers.get("retry-after"))).toBeGreaterThanOrEqual(5);
    expect(Number(r.headers.get("retry-after"))).toBeLessThanOrEqual(10);
    expect(logged("delivery incomplete; Alertmanager will retry")).toMatchObject([{ level: "warning", reason: "rate_limited", alerts: 1 }]);
    expect(bridge!.metrics.received.get({ endpoint: "alert", result: "transient" })).toBe(1);
  });

  it("transient without a known wait: 503 without Retry-After", async () => {
    await start({ REQUEST_BUDGET_MS: "60" });
    api.fallback = { kind: "transient", reason: "server_error", detail: "502" };
    const r = await post(payload([alert()]));
    expect([r.status, r.headers.get("retry-after"), await r.json()]).toEqual([503, null, { status: "transient", reason: "server_error" }]);
  });

  it("permanent: 422 naming the reason and the chats", async () => {
    await start();
    api.fallback = { kind: "permanent", reason: "forbidden", detail: "403" };
    const r = await post(payload([alert()]));
    expect([r.status, await r.json()]).toEqual([422, { status: "permanent", reason: "forbidden", chats: [CHAT] }]);
    expect(bridge!.metrics.received.get({ endpoint: "alert", result: "permanent" })).toBe(1);
    expect(await (await fetch(`${bridge!.url}/metrics`)).text()).toContain("telegram_bridge_chats_refused 1");
  });

  it("not JSON: 400 with the parser's reason, counted as rejected; no secret in the answer", async () => {
    await start();
    const r = await post(`${TOKEN} is not json`);
    expect(r.status).toBe(400);
    const body = (await r.json()) as { error: string };
    expect(body.error).toMatch(/^body is not JSON: /);
    expect(logged("webhook rejected")).toEqual([expect.objectContaining({ reason: body.error })]);
    expect(body.error).not.toContain("secret-token-value");
    expect(logged("webhook rejected")).toMatchObject([{ level: "warning" }]);
    expect(bridge!.metrics.received.get({ endpoint: "alert", result: "rejected" })).toBe(1);
  });

  it("an answer quoting the bot token (a label name in the payload) has it removed", async () => {
    await start();
    const r = await post({ status: "firing", alerts: [], groupLabels: { [TOKEN]: 5 } });
    expect(r.status).toBe(400);
    const text = await r.text();
    expect(text).toContain("invalid Alertmanager payload at groupLabels.");
    expect(text).not.toContain("secret-token-value");
    expect(text).toContain("<redacted>");
  });

  it("a client that hangs up before its body is complete: rejected, logged", async () => {
    await start();
    const socket = net.connect(Number(new URL(bridge!.url).port), "127.0.0.1");
    await new Promise((r) => socket.once("connect", r));
    // The bridge's own handler runs first and starts reading the body.
    const arrived = new Promise((r) => bridge!.server.once("request", r));
    socket.write("POST /alert HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: 1000\r\n\r\n{");
    await arrived;
    socket.destroy();
    await until("the rejection", () => bridge!.metrics.received.get({ endpoint: "alert", result: "rejected" }) === 1);
    expect(logged("webhook rejected")).toMatchObject([{ level: "warning", reason: "aborted" }]);
  });

  it("a route that fails answers 500 and logs the route and the cause", async () => {
    await start();
    bridge!.metrics.render = () => {
      throw new Error("registry broken");
    };
    const r = await fetch(`${bridge!.url}/metrics`);
    expect([r.status, await r.json()]).toEqual([500, { error: "internal error" }]);
    expect(logged("request failed")).toMatchObject([{ level: "error", route: "GET /metrics", reason: "registry broken" }]);
  });

  it("a body over the limit: 413, connection closed, the limit named", async () => {
    await start({ MAX_BODY_BYTES: "100" });
    const r = await post("x".repeat(101));
    expect([r.status, r.headers.get("connection"), await r.json()]).toEqual([413, "close", { error: "body larger than 100 bytes" }]);
    expect(logged("webhook rejected")).toMatchObject([{ reason: "body larger than 100 bytes" }]);
    expect(bridge!.metrics.received.get({ endpoint: "alert", result: "rejected" })).toBe(1);
  });

  it("a body exactly at the limit is read", async () => {
    const body = JSON.stringify(payload([]));
    await start({ MAX_BODY_BYTES: String(Buffer.byteLength(body)) });
    expect((await post(body)).status).toBe(200);
  });

  it("unreadable alerts: the rest delivered, up to five reasons logged, counted", async () => {
    await start();
    const alerts: unknown[] = [alert()];
    for (let i = 0; i < 6; i++) alerts.push({ status: "firing", labels: { alertname: i } });
    const r = await post({ ...payload([]), alerts, truncatedAlerts: 9 });
    expect(((await r.json()) as { rejected_alerts: number }).rejected_alerts).toBe(6);
    const [line] = logged("alerts of a webhook could not be read; delivering the rest");
    expect(line).toMatchObject({ level: "warning", rejected: 6 });
    expect(line.reasons).toHaveLength(5);
    expect((line.reasons as string[])[0]).toMatch(/^alerts\.1\.labels\.alertname: /);
    expect(bridge!.metrics.rejectedAlerts.get()).toBe(6);
    expect(bridge!.metrics.notIncluded.get()).toBe(9);
  });

  it("a firing Watchdog is remembered as seen; a resolved one is not", async () => {
    await start();
    await post(payload([alert({ labels: { alertname: "Watchdog" }, status: "resolved" })]));
    expect(bridge!.store.data.watchdogLastSeen).toBeUndefined();
    const t0 = Date.now();
    await post(payload([alert({ labels: { alertname: "Other" } }), alert({ fingerprint: "w", labels: { alertname: "Watchdog" } })]));
    expect(bridge!.store.data.watchdogLastSeen).toBeGreaterThanOrEqual(t0);
  });

  it("without Telegram configured: 503, not ready, logged and counted", async () => {
    await start({ TELEGRAM_BOT_TOKEN: "", TELEGRAM_CHAT_ID: "" }, false);
    const r = await post(payload([alert(), alert({ fingerprint: "x" })]));
    expect([r.status, await r.json()]).toEqual([503, { error: "telegram is not configured" }]);
    expect(logged("alert not delivered: TELEGRAM_BOT_TOKEN and TELEGRAM_CHAT_ID are not configured")).toMatchObject([
      { level: "error", alerts: 2 },
    ]);
    expect(bridge!.metrics.received.get({ endpoint: "alert", result: "unconfigured" })).toBe(1);
    const ready = await fetch(`${bridge!.url}/ready`);
    expect([ready.status, await ready.json()]).toEqual([503, { status: "telegram not configured" }]);
    expect(logged("telegram bridge listening")[0]).toMatchObject({ telegram_configured: false });
  });

  it("a token without a chat: an API but still not configured", async () => {
    await start({ TELEGRAM_CHAT_ID: "" });
    expect((await post(payload([alert()]))).status).toBe(503);
  });
});

describe("settings that reach delivery", () => {
  it("without an injected API the bridge calls TELEGRAM_API_BASE with its token", async () => {
    const telegram = await new FakeTelegram(TOKEN).start();
    try {
      await start({ TELEGRAM_API_BASE: telegram.url }, false);
      expect((await post(payload([alert()]))).status).toBe(200);
      expect(telegram.messages.map((m) => m.chatId)).toEqual([CHAT]);
    } finally {
      await bridge!.close(100);
      bridge = undefined;
      await telegram.stop();
    }
  });

  it("MIN_SEND_INTERVAL_MS paces the chat: a second message waits for it", async () => {
    await start({ MIN_SEND_INTERVAL_MS: "60000", REQUEST_BUDGET_MS: "200" });
    expect((await post(payload([alert({ fingerprint: "a" })]))).status).toBe(200);
    const second = await post(payload([alert({ fingerprint: "b", labels: { alertname: "B" } })]));
    expect(second.status).toBe(503);
    expect(Number(second.headers.get("retry-after"))).toBeGreaterThanOrEqual(59);
  });
});

describe("POST /heartbeat", () => {
  let target: FakeAlertmanager;
  beforeEach(async () => {
    target = await new FakeAlertmanager().start();
  });
  afterEach(() => target.stop());

  it("pings HEARTBEAT_URL: 200 when it answers OK, 502 and a log line otherwise; the Watchdog counts as seen", async () => {
    await start({ HEARTBEAT_URL: `${target.url}/-/ready` });
    const r = await post("", "/heartbeat");
    expect([r.status, await r.json()]).toEqual([200, { status: "pinged" }]);
    expect(bridge!.metrics.heartbeats.get({ result: "ok" })).toBe(1);
    expect(bridge!.store.data.watchdogLastSeen).toBeGreaterThan(0);
    target.ready = false;
    const failed = await post("", "/heartbeat");
    expect([failed.status, await failed.json()]).toEqual([502, { error: "heartbeat ping failed" }]);
    expect(logged("heartbeat ping failed")).toMatchObject([{ level: "error", reason: "heartbeat answered 503" }]);
    expect(bridge!.metrics.heartbeats.get({ result: "failed" })).toBe(1);
  });

  it("a heartbeat endpoint that takes the connection and never answers: 502 once the ping's time is up", async () => {
    const sockets: net.Socket[] = [];
    const silent = net.createServer((s) => void sockets.push(s));
    await new Promise<void>((r) => silent.listen(0, "127.0.0.1", r));
    try {
      lines = [];
      const config = loadConfig({
        PORT: String(await freePort()),
        HOST: "127.0.0.1",
        HEARTBEAT_URL: `http://127.0.0.1:${(silent.address() as net.AddressInfo).port}/ping`,
      });
      bridge = await startBridge(config, { log: new Logger((l) => lines.push(l)), heartbeatTimeoutMs: 300 });
      const t0 = Date.now();
      const r = await post("", "/heartbeat");
      expect([r.status, await r.json()]).toEqual([502, { error: "heartbeat ping failed" }]);
      expect(Date.now() - t0).toBeGreaterThanOrEqual(290);
      expect(Date.now() - t0).toBeLessThan(3000);
      expect(bridge.metrics.heartbeats.get({ result: "failed" })).toBe(1);
    } finally {
      for (const s of sockets) s.destroy();
      await new Promise((r) => silent.close(r));
    }
  });

  it("a body too large for the bridge still counts as a heartbeat", async () => {
    await start({ HEARTBEAT_URL: `${target.url}/-/ready`, MAX_BODY_BYTES: "10" });
    expect((await post("x".repeat(100), "/heartbeat")).status).toBe(200);
  });

  it("without HEARTBEAT_URL: 404 saying so, the Watchdog still seen", async () => {
    await start();
    const r = await post("{}", "/heartbeat");
    expect([r.status, await r.json()]).toEqual([404, { error: "HEARTBEAT_URL is not configured" }]);
    expect(bridge!.store.data.watchdogLastSeen).toBeGreaterThan(0);
  });
});

describe("state", () => {
  it("a state file that cannot be read is counted in telegram_bridge_state_errors_total", async () => {
    fs.mkdirSync(path.join(dir, "s.json"));
    await start({ STATE_FILE: path.join(dir, "s.json") });
    expect(bridge!.metrics.stateErrors.get()).toBe(1);
  });

  it("the store keeps the configured number of cards", async () => {
    await start({ STATE_MAX_CARDS: "1", STATE_FILE: path.join(dir, "s.json") });
    await post(payload([alert({ fingerprint: "a", labels: { alertname: "A" }, annotations: { description: "d".repeat(3000) } })]));
    await post(payload([alert({ fingerprint: "b", labels: { alertname: "B" } })]));
    expect(Object.keys(bridge!.store.data.cards)).toHaveLength(1);
  });

  it("cards older than STATE_CARD_RETENTION_HOURS are dropped on load", async () => {
    const file = path.join(dir, "s.json");
    const old = Date.now() - 2 * 3_600_000 - 1000;
    const card = {
      id: "card0001",
      chatId: CHAT,
      messageId: 1,
      createdAt: old,
      updatedAt: old,
      body: { head: "", blocks: [], foot: "" },
      subjects: [],
      buttons: true,
    };
    fs.writeFileSync(file, JSON.stringify({ version: 1, delivered: {}, cards: { card0001: card }, alertCards: {}, migrations: {} }));
    await start({ STATE_FILE: file, STATE_CARD_RETENTION_HOURS: "2" });
    expect(bridge!.store.data.cards).toEqual({});
    await bridge!.close(100);
    fs.writeFileSync(file, JSON.stringify({ version: 1, delivered: {}, cards: { card0001: card }, alertCards: {}, migrations: {} }));
    await start({ STATE_FILE: file, STATE_CARD_RETENTION_HOURS: "3" });
    expect(Object.keys(bridge!.store.data.cards)).toEqual(["card0001"]);
  });
});

describe("the console's /status facts", () => {
  let am: FakeAlertmanager;
  beforeEach(async () => {
    am = await new FakeAlertmanager().start();
  });
  afterEach(() => am.stop());

  /** The bridge with the console on; a /status command arrives by long polling; its answer's lines. */
  async function status(env: Record<string, string>, before?: () => Promise<void>): Promise<string[]> {
    let polled = false;
    api.fallback = (method) => {
      if (method === "getMe") return { kind: "ok", result: { username: "td_bot" } };
      if (method === "getUpdates") {
        if (polled) return "hang";
        polled = true;
        return { kind: "ok", result: [{ update_id: 1, message: { message_id: 9, chat: { id: Number(CHAT) }, text: "/status" } }] };
      }
      if (method === "sendMessage") return { kind: "ok", result: { message_id: api.nextMessageId++ } };
      return { kind: "ok", result: true };
    };
    if (before) {
      const fallback = api.fallback;
      api.fallback = (method, params) => (method === "getUpdates" ? "hang" : fallback(method, params));
      await start({ CONSOLE_ENABLED: "true", ALERTMANAGER_URL: am.url, ...env });
      await before();
      api.fallback = fallback;
      // Wake the hanging poll: it ends as if aborted, and the poller asks again.
      api.release();
    } else {
      await start({ CONSOLE_ENABLED: "true", ALERTMANAGER_URL: am.url, ...env });
    }
    const answer = await until("the /status answer", () => api.sent().find((p) => String(p.text).includes("status")));
    return String(answer.text).split("\n");
  }

  it("state in memory, nothing failed", async () => {
    const text = await status({});
    expect(text[4]).toBe("Bridge: 0 messages sent, no failures, 0 alerts queued, 0 chats refused by Telegram");
    expect(text[5]).toBe("State: in memory only (STATE_FILE not set)");
  });

  it("a healthy state file", async () => {
    const file = path.join(dir, "s.json");
    expect((await status({ STATE_FILE: file }))[5]).toBe(`State: ${file}, healthy`);
  });

  it("a state file with errors says how many", async () => {
    const file = path.join(dir, "s.json");
    fs.mkdirSync(file);
    // Reading it failed at start, writing the update offset failed before /status was handled.
    expect((await status({ STATE_FILE: file }))[5]).toBe(`State: ${file} (2 read/write errors)`);
  });

  it("sent, failed by reason, queued and refused chats, and when the Watchdog was last seen", async () => {
    const text = await status({ REQUEST_BUDGET_MS: "50" }, async () => {
      api.script = [{ kind: "permanent", reason: "chat_not_found", detail: "400" }];
      await post(payload([alert({ fingerprint: "w", labels: { alertname: "Watchdog" } })]));
    });
    expect(text[3]).toMatch(/^Watchdog: last notification \d+s ago \(\d{4}-\d\d-\d\d \d\d:\d\d:\d\d UTC\); /);
    expect(text[4]).toBe("Bridge: 0 messages sent, failures: chat_not_found 1, 0 alerts queued, 1 chats refused by Telegram");
  });

  it("lists every failure reason that happened, in a fixed order", async () => {
    const reasons = DELIVERY_FAILURE_REASONS;
    const text = await status({}, async () => {
      reasons.forEach((reason, i) => bridge!.metrics.failed.inc({ reason }, i + 1));
    });
    expect(text[4]).toBe(
      `Bridge: 0 messages sent, failures: ${reasons.map((r, i) => `${r} ${i + 1}`).join(", ")}, 0 alerts queued, 0 chats refused by Telegram`,
    );
  });

  it("with the console on, buttons are offered on alerts", async () => {
    await status({});
    await post(payload([alert({ fingerprint: "z", labels: { alertname: "Zed" } })]));
    const sent = api.sent().find((p) => String(p.text).includes("Zed"))!;
    expect(sent.reply_markup).toBeDefined();
  });

  it("the console needs Telegram configured and enabled", async () => {
    await start({ CONSOLE_ENABLED: "true", TELEGRAM_CHAT_ID: "" });
    await bridge!.close(100);
    await start({ CONSOLE_ENABLED: "false" });
    await post(payload([alert()]));
    expect(api.calls.map((c) => c.method)).toEqual(["sendMessage"]);
    expect(api.sent()[0]).not.toHaveProperty("reply_markup");
  });

  it("a Telegram that refuses getMe is asked again after the default back-off's first second, not at once", async () => {
    api.fallback = (method) =>
      method === "getMe" ? { kind: "transient", reason: "network", detail: "ECONNREFUSED" } : { kind: "ok", result: true };
    lines = [];
    const config = loadConfig({
      TELEGRAM_BOT_TOKEN: TOKEN,
      TELEGRAM_CHAT_ID: CHAT,
      PORT: String(await freePort()),
      HOST: "127.0.0.1",
      CONSOLE_ENABLED: "true",
    });
    bridge = await startBridge(config, { log: new Logger((l) => lines.push(l)), api });
    await until("the first getMe", () => api.calls.length > 0);
    await new Promise((r) => setTimeout(r, 400));
    expect(api.calls.map((c) => c.method)).toEqual(["getMe"]);
    await until("the second getMe", () => api.calls.length === 2, 3000);
    expect(api.calls[1].at - api.calls[0].at).toBeGreaterThanOrEqual(990);
  });
});

describe("the Watchdog in a webhook", () => {
  it("a firing Watchdog counts as seen; a resolved one does not", async () => {
    await start();
    await post(payload([alert({ fingerprint: "w", status: "resolved", labels: { alertname: "Watchdog" } })]));
    expect(bridge!.store.data.watchdogLastSeen).toBeUndefined();
    const before = Date.now();
    await post(payload([alert({ fingerprint: "x" }), alert({ fingerprint: "w", labels: { alertname: "Watchdog" } })]));
    expect(bridge!.store.data.watchdogLastSeen).toBeGreaterThanOrEqual(before);
  });
});

describe("stopping", () => {
  /**
   * A request that arrives while the bridge stops: once close() runs new connections are refused,
   * so it comes on a connection opened before, its headers still incomplete (a connection
   * mid-request is not idle, and close() leaves it open). Answers status line and JSON body.
   */
  async function requestDuringClose(
    head: string,
    rest: string,
    close: () => Promise<void>,
  ): Promise<{ status: string; json: unknown; closing: Promise<void> }> {
    const socket = net.connect(Number(new URL(bridge!.url).port), "127.0.0.1");
    await new Promise((r) => socket.once("connect", r));
    socket.write(head);
    await new Promise((r) => setTimeout(r, 50));
    const closing = close();
    let answer = "";
    socket.on("data", (d: Buffer) => (answer += d.toString()));
    socket.write(rest);
    try {
      // Chunked: the size line, the JSON, the last empty chunk.
      await until("the answer", () => answer.endsWith("\r\n0\r\n\r\n"), 3000);
    } finally {
      socket.destroy();
    }
    return { status: answer.split("\r\n")[0], json: JSON.parse(answer.split("\r\n\r\n")[1].split("\r\n")[1]), closing };
  }

  it("close: /ready and /alert answer 503 stopping while in-flight deliveries finish; then the state is written", async () => {
    const file = path.join(dir, "s.json");
    await start({ STATE_FILE: file });
    api.script = ["hang"];
    const inFlight = post(payload([alert()]));
    await api.calledTimes(1);
    const ready = await requestDuringClose("GET /ready HTTP/1.1\r\n", "Host: x\r\n\r\n", () => bridge!.close(2000));
    expect([ready.status, ready.json]).toEqual(["HTTP/1.1 503 Service Unavailable", { status: "stopping" }]);
    const closing = ready.closing;
    api.release();
    expect((await inFlight).status).toBe(200);
    await closing;
    bridge = undefined;
    expect(Object.keys(JSON.parse(fs.readFileSync(file, "utf8")).delivered)).toHaveLength(1);
    expect(logged("telegram bridge stopped")).toHaveLength(1);
  });

  it("close does not wait past its grace for a delivery that hangs", async () => {
    await start();
    api.script = ["hang"];
    const inFlight = post(payload([alert()])).catch(() => undefined);
    await api.calledTimes(1);
    const t0 = Date.now();
    await bridge!.close(100);
    bridge = undefined;
    expect(Date.now() - t0).toBeLessThan(1500);
    await inFlight;
  });

  it("a webhook arriving while stopping is refused with 503, without reading it", async () => {
    await start();
    api.script = ["hang"];
    const inFlight = post(payload([alert()]));
    await api.calledTimes(1);
    const body = JSON.stringify(payload([alert({ fingerprint: "late" })]));
    const late = await requestDuringClose(
      "POST /alert HTTP/1.1\r\nHost: x\r\n",
      `Content-Type: application/json\r\nContent-Length: ${Buffer.byteLength(body)}\r\n\r\n${body}`,
      () => bridge!.close(2000),
    );
    expect([late.status, late.json]).toEqual(["HTTP/1.1 503 Service Unavailable", { error: "shutting down" }]);
    const closing = late.closing;
    expect(api.calls).toHaveLength(1);
    api.release();
    await inFlight;
    await closing;
    bridge = undefined;
  });

  it("close writes what was not yet written", async () => {
    const file = path.join(dir, "s.json");
    await start({ STATE_FILE: file });
    bridge!.store.markDelivered("late", 60_000);
    await bridge!.close(100);
    bridge = undefined;
    expect(JSON.parse(fs.readFileSync(file, "utf8")).delivered).toHaveProperty("late");
  });

  it("kill: nothing more is written, as if the process died", async () => {
    const file = path.join(dir, "s.json");
    await start({ STATE_FILE: file });
    await post(payload([alert()]));
    const before = fs.readFileSync(file, "utf8");
    const killed = bridge!;
    killed.store.markDelivered("after-kill", 60_000);
    await killed.kill();
    bridge = undefined;
    // Even an explicit commit (the delayed write firing) writes nothing.
    killed.store.commit();
    expect(fs.readFileSync(file, "utf8")).toBe(before);
  });

  it("kill: a delivery under way does not hold it, its connection is cut and nothing is sent after", async () => {
    await start();
    api.script = ["hang"];
    const inFlight = post(payload([alert()])).then(
      (r) => r.status,
      () => "cut",
    );
    await api.calledTimes(1);
    const t0 = Date.now();
    await bridge!.kill();
    expect(Date.now() - t0).toBeLessThan(1000);
    expect(await inFlight).toBe("cut");
    await expect(fetch(`${bridge!.url}/health`)).rejects.toThrow();
    bridge = undefined;
  });
});

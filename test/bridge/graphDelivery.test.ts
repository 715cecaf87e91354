/**
 * Graphs in delivery, in process against the fake Bot API and a fake Prometheus: which messages
 * go as a photo of their graph with the text as caption, and that the text's delivery never waits
 * on the graph for longer than the query timeout nor depends on it: graphs off, Prometheus hung or
 * failing, Telegram refusing or failing the photo, a busy bridge. Edits of a photo change its caption.
 */
import type { BotParams } from "../../bridge/src/botApi";
import { loadConfig } from "../../bridge/src/config";
import { DeliveryOptions, editParams } from "../../bridge/src/delivery";
import { DEFAULT_GRAPHS } from "../../bridge/src/graph/graphs";
import { GRAPH_MAX_ALERTS } from "../../bridge/src/graph/photo";
import { Logger } from "../../bridge/src/log";
import { RunningBridge, startBridge } from "../../bridge/src/server";
import { Card } from "../../bridge/src/stateStore";
import { STATUS_RESERVE } from "../../bridge/src/packing";
import { TELEGRAM_LIMITS } from "../../bridge/src/telegramLimits";
import { visibleLength } from "../../bridge/src/telegramText";
import { alert, payload } from "../support/alerts";
import { FakeTelegram, telegramCaptionRefusal } from "../support/fakeTelegram";
import { decodePng } from "../support/png";
import { until } from "./support/fakeAlertmanager";
import { FakePrometheus } from "./support/fakePrometheus";

const CHAT = "-1001";
/** The bridge's own: a loaded machine must not make a graph miss it. */
const QUERY_TIMEOUT_MS = DEFAULT_GRAPHS.queryTimeoutMs;
let telegram: FakeTelegram;
let prometheus: FakePrometheus;
let bridge: RunningBridge | undefined;
let lines: string[];

const logged = (msg: string) => lines.map((l) => JSON.parse(l) as Record<string, unknown>).filter((l) => l.msg === msg);
const generatorURL = (expr: string) => `http://prometheus.example:9090/graph?g0.expr=${encodeURIComponent(expr)}&g0.tab=1`;
const MEMORY = "node_memory_MemAvailable_bytes / node_memory_MemTotal_bytes";
const memoryLow = (fingerprint = "m1", extra: Parameters<typeof alert>[0] = {}) =>
  alert({
    fingerprint,
    labels: { alertname: "HostMemoryPressure", severity: "warning", instance: `host-0:9100` },
    generatorURL: generatorURL(`${MEMORY} < 0.1`),
    startsAt: new Date(Date.now() - 10 * 60_000).toISOString(),
    ...extra,
  });
const methods = () => telegram.calls.filter((c) => c.method.startsWith("send")).map((c) => c.method);
const graphs = (result: string) =>
  Number(new RegExp(`^telegram_bridge_graphs_total\\{result="${result}"\\} (\\d+)$`, "m").exec(bridge!.metrics.render())![1]);

async function start(env: Record<string, string> = {}, graphOptions = {}, delivery: Partial<DeliveryOptions> = {}): Promise<RunningBridge> {
  lines = [];
  bridge = await startBridge(
    loadConfig({
      TELEGRAM_BOT_TOKEN: telegram.token,
      TELEGRAM_CHAT_ID: CHAT,
      TELEGRAM_API_BASE: telegram.url,
      PROMETHEUS_URL: prometheus.url,
      PORT: "0",
      HOST: "127.0.0.1",
      MIN_SEND_INTERVAL_MS: "0",
      GROUP_MESSAGES_PER_MINUTE: "10000",
      COALESCE_MS: "0",
      REQUEST_BUDGET_MS: "5000",
      CONSOLE_ENABLED: "false",
      ...env,
    }),
    {
      log: new Logger((l) => lines.push(l)),
      delivery: { backoffMs: [5], ...delivery },
      graphs: { ...DEFAULT_GRAPHS, queryTimeoutMs: QUERY_TIMEOUT_MS, ...graphOptions },
      pollBackoffMs: [20],
    },
  );
  return bridge;
}

const post = async (body: unknown) => {
  const t0 = Date.now();
  const r = await fetch(`${bridge!.url}/alert`, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify(body),
  });
  return { status: r.status, ms: Date.now() - t0 };
};

beforeEach(async () => {
  telegram = await new FakeTelegram(undefined, { pollCapMs: 300 }).start();
  prometheus = await new FakePrometheus().start();
});
afterEach(async () => {
  await bridge?.close(500);
  bridge = undefined;
  await telegram.stop();
  await prometheus.stop();
});

describe("with graphs on", () => {
  it("a firing alert goes as one photo of its quantity over the last hour, the text as caption; answered 200 once Telegram took it", async () => {
    await start();
    const t0 = Math.floor(Date.now() / 1000);
    expect((await post(payload([memoryLow()]))).status).toBe(200);
    expect(methods()).toEqual(["sendPhoto"]);
    const [m] = telegram.messages;
    expect(m.text).toContain("<b>HostMemoryPressure</b>");
    expect(m.html).toBe(true);
    // The photo decodes, is the graph's size and has the threshold's red.
    const png = decodePng(m.photo!.png);
    expect([png.width, png.height]).toEqual([800, 400]);
    expect(png.palette.map((c) => c.join())).toContain("211,47,47");
    expect(m.photo!.png.length).toBeLessThan(100 * 1024);
    // Prometheus was asked for the quantity (the comparison split off), the last hour in 20 s steps.
    expect(prometheus.queries).toHaveLength(1);
    const q = prometheus.queries[0];
    expect(q.query).toBe(MEMORY);
    expect([q.end - q.start, q.step]).toEqual([3600, 20]);
    expect(q.end).toBeGreaterThanOrEqual(t0);
    expect(graphs("sent")).toBe(1);
    expect(bridge!.metrics.render()).toMatch(/^telegram_bridge_graph_render_seconds_count 1$/m);
  });

  it("the alert resolving replies to the photo and edits its caption (editMessageCaption), the buttons and text kept in step", async () => {
    await start();
    const firing = memoryLow();
    expect((await post(payload([firing]))).status).toBe(200);
    const photo = telegram.messages[0];
    expect((await post(payload([{ ...firing, status: "resolved", endsAt: new Date().toISOString() }]))).status).toBe(200);
    const reply = telegram.messages[1];
    expect(reply).toMatchObject({ replyToMessageId: photo.messageId });
    expect(reply.photo).toBeUndefined();
    await until("the caption edited", () => photo.edits.length > 0);
    expect(photo.currentText).toContain("RESOLVED");
    expect(telegram.calls.filter((c) => c.method.startsWith("edit")).map((c) => c.method)).toEqual(["editMessageCaption"]);
    expect(bridge!.store.card(Object.keys(bridge!.store.data.cards)[0])).toMatchObject({ photo: true, messageId: photo.messageId });
  });

  it("a press on Ack edits the photo's caption", async () => {
    await start({ CONSOLE_ENABLED: "true", POLL_TIMEOUT_SECONDS: "1" });
    expect((await post(payload([memoryLow()]))).status).toBe(200);
    const photo = telegram.messages[0];
    telegram.press(photo, "Ack");
    await until("the caption edited", () => photo.edits.length > 0, 10_000);
    expect(photo.currentText).toContain("is on it");
    expect(telegram.calls.filter((c) => c.method.startsWith("edit")).map((c) => c.method)).toEqual(["editMessageCaption"]);
  });
});

describe("the text never depends on the graph", () => {
  it("graphs off (GRAPHS_ENABLED=false): a text message, Prometheus never asked", async () => {
    await start({ GRAPHS_ENABLED: "false" });
    expect((await post(payload([memoryLow()]))).status).toBe(200);
    expect(methods()).toEqual(["sendMessage"]);
    expect(prometheus.queries).toEqual([]);
    expect(logged("telegram bridge listening")[0]).toMatchObject({ graphs: false });
  });

  it("no PROMETHEUS_URL: no graphs", async () => {
    await start({ PROMETHEUS_URL: "" });
    expect((await post(payload([memoryLow()]))).status).toBe(200);
    expect(methods()).toEqual(["sendMessage"]);
    expect(logged("telegram bridge listening")[0]).toMatchObject({ graphs: false });
  });

  it("Prometheus hung: the text goes after the query timeout, without a graph; later messages do not wait for it", async () => {
    prometheus.mode = "hang";
    await start();
    const first = await post(payload([memoryLow("h1")]));
    expect(first.status).toBe(200);
    expect(first.ms).toBeGreaterThanOrEqual(QUERY_TIMEOUT_MS - 20);
    expect(first.ms).toBeLessThan(QUERY_TIMEOUT_MS + 1500);
    expect(methods()).toEqual(["sendMessage"]);
    // Graphs pause: the next message is not held up by the same timeout.
    const second = await post(payload([memoryLow("h2")], { groupKey: "other" }));
    expect(second.status).toBe(200);
    expect(second.ms).toBeLessThan(QUERY_TIMEOUT_MS);
    expect(prometheus.queries).toHaveLength(1);
    expect(methods()).toEqual(["sendMessage", "sendMessage"]);
    expect(graphs("prometheus_failed")).toBe(2);
    expect(logged("prometheus did not answer the graph's query; messages go without graphs for a while")).toHaveLength(1);
  });

  it("Prometheus down (nothing listening): the text goes at once, without a graph; graphs pause", async () => {
    await start();
    await prometheus.stop();
    const first = await post(payload([memoryLow("d1")]));
    expect(first.status).toBe(200);
    expect(first.ms).toBeLessThan(QUERY_TIMEOUT_MS);
    expect(methods()).toEqual(["sendMessage"]);
    expect(telegram.messages[0].text).toContain("<b>HostMemoryPressure</b>");
    expect(graphs("prometheus_failed")).toBe(1);
    expect(logged("prometheus did not answer the graph's query; messages go without graphs for a while")[0].reason).toMatch(/ECONNREFUSED/);
  });

  it("Prometheus asking for credentials: the query carries PROMETHEUS_AUTH as Basic auth; without it, the text alone", async () => {
    prometheus.requiredAuthorization = `Basic ${Buffer.from("bridge:s3cret").toString("base64")}`;
    await start({ PROMETHEUS_AUTH: "bridge:s3cret" });
    expect((await post(payload([memoryLow("a1")]))).status).toBe(200);
    expect(methods()).toEqual(["sendPhoto"]);
    expect(prometheus.queries[0].authorization).toBe(prometheus.requiredAuthorization);
    await bridge!.close(500);
    await start({}, { pauseMs: 0 });
    expect((await post(payload([memoryLow("a2")]))).status).toBe(200);
    expect(methods()).toEqual(["sendPhoto", "sendMessage"]);
    expect(logged("graph query failed; the message goes without it")[0].reason).toMatch(/answered 401/);
  });

  it("Prometheus answering 500, no series or an answer over the size cap: the text alone, counted", async () => {
    await start({}, { pauseMs: 0 });
    for (const [i, mode] of (["error", "empty", "huge"] as const).entries()) {
      prometheus.mode = mode;
      expect((await post(payload([memoryLow(`e${i}`)], { groupKey: `g${i}` }))).status).toBe(200);
    }
    expect(methods()).toEqual(["sendMessage", "sendMessage", "sendMessage"]);
    expect([graphs("prometheus_failed"), graphs("no_data")]).toEqual([2, 1]);
    expect(logged("graph query failed; the message goes without it")[0].reason).toMatch(/larger than 524288 bytes/);
  });

  it("Telegram refusing the photo: the text goes at once, alone; the graph is not tried again", async () => {
    await start();
    telegram.script = [{ status: 400, description: "Bad Request: IMAGE_PROCESS_FAILED" }];
    expect((await post(payload([memoryLow()]))).status).toBe(200);
    expect(methods()).toEqual(["sendPhoto", "sendMessage"]);
    expect(telegram.messages).toHaveLength(1);
    expect(telegram.messages[0].photo).toBeUndefined();
    expect(graphs("telegram_refused")).toBe(1);
    expect(logged("telegram refused the graph; sending the text alone")[0]).toMatchObject({
      detail: "400 Bad Request: IMAGE_PROCESS_FAILED",
    });
  });

  it("the photo failing transiently: the retry is the text alone, delivered once", async () => {
    await start();
    telegram.script = ["server_error"];
    expect((await post(payload([memoryLow()]))).status).toBe(200);
    expect(methods()).toEqual(["sendPhoto", "sendMessage"]);
    expect(telegram.messages).toHaveLength(1);
    expect(prometheus.queries).toHaveLength(1);
    expect(graphs("telegram_failed")).toBe(1);
  });

  it("the photo shown but its answer lost: the text is sent again (at least once), counted as possibly duplicated", async () => {
    await start();
    telegram.script = ["accept_then_drop"];
    expect((await post(payload([memoryLow()]))).status).toBe(200);
    expect(methods()).toEqual(["sendPhoto", "sendMessage"]);
    expect(telegram.messages.map((m) => m.photo !== undefined)).toEqual([true, false]);
    expect(bridge!.metrics.possiblyDuplicated.get()).toBe(1);
  });
});

describe("captions", () => {
  const photoCard = (blocks: number): Card => ({
    id: "card0001",
    kind: "notification",
    chatId: CHAT,
    messageId: 7,
    createdAt: 0,
    updatedAt: 0,
    body: { head: "<b>FIRING</b>", blocks: Array.from({ length: blocks }, (_, i) => ({ html: `<i>${"x".repeat(99)}${i}</i>` })), foot: "" },
    subjects: [],
    buttons: false,
    photo: true,
  });
  const view = { silenceDurations: [], canSilence: false, now: 0 };

  it("a photo's edit changes its caption, kept to Telegram's 1024 characters; a text's edit may hold 4096", () => {
    // 1,500 visible characters: a text's edit keeps its HTML, a caption's goes plain and cut to 1024.
    const long = editParams(photoCard(15), CHAT, view) as BotParams<"editMessageCaption">;
    expect(long).not.toHaveProperty("text");
    expect(long).not.toHaveProperty("parse_mode");
    expect(long).not.toHaveProperty("link_preview_options");
    expect([...(long.caption as string)].length).toBeLessThanOrEqual(TELEGRAM_LIMITS.captionLength);
    expect(telegramCaptionRefusal(long.caption as string, long.parse_mode)).toBeUndefined();
    const asText = editParams({ ...photoCard(15), photo: undefined }, CHAT, view) as BotParams<"editMessageText">;
    expect(asText).toMatchObject({ parse_mode: "HTML", link_preview_options: { is_disabled: true } });
    expect(asText.text).toContain("<b>FIRING</b>");
    // Within the caption's limit, the caption keeps its HTML.
    expect(editParams(photoCard(3), CHAT, view)).toMatchObject({ caption: expect.stringContaining("<b>FIRING</b>"), parse_mode: "HTML" });
  });

  it("a text that would fit a caption only without the room later edits need goes as text, not as a photo", async () => {
    await start();
    // Under 1024 characters, but not with the status lines' room (STATUS_RESERVE) left.
    const tight = memoryLow("t1", { annotations: { description: "d".repeat(700) } });
    expect((await post(payload([tight]))).status).toBe(200);
    expect(methods()).toEqual(["sendMessage"]);
    const shown = visibleLength(telegram.messages[0].text);
    expect(shown).toBeGreaterThan(TELEGRAM_LIMITS.captionLength - STATUS_RESERVE);
    expect(shown).toBeLessThanOrEqual(TELEGRAM_LIMITS.captionLength);
    expect(graphs("caption_too_long")).toBe(1);
  });
});

describe("in a storm", () => {
  // Telegram's pace scaled 1:20 in time (3 s window, 50 ms per chat), enforced by the fake and kept by the bridge.
  const SCALED = { groupPerWindow: 20, windowMs: 3000, chatIntervalMs: 50 };
  const PACE = { chatIntervalMs: 50, groupPerMinute: 20, botPerSecond: 30, windowMs: 3000 };
  const rule = (i: number) => `up{job="svc${i}"} < 1`;

  /** One alert answered first, then 12 single alerts of 12 rules and a group of 80 alerts of one rule, all at once. */
  async function storm(graphsOn: boolean) {
    telegram.pace = SCALED;
    await start(
      { GRAPHS_ENABLED: String(graphsOn), MIN_SEND_INTERVAL_MS: "50", GROUP_MESSAGES_PER_MINUTE: "20", REQUEST_BUDGET_MS: "60000" },
      {},
      { pace: PACE },
    );
    expect(
      (
        await post(
          payload([memoryLow("first", { labels: { alertname: "HostMemoryPressure", severity: "warning", instance: "single-first" } })]),
        )
      ).status,
    ).toBe(200);
    const singles = Array.from({ length: 12 }, (_, i) =>
      post(
        payload(
          [
            alert({
              fingerprint: `s${i}`,
              labels: { alertname: `Down${i}`, severity: "warning", instance: `single-${i}` },
              generatorURL: generatorURL(rule(i)),
            }),
          ],
          { groupKey: `s${i}` },
        ),
      ),
    );
    const group = post(
      payload(
        Array.from({ length: 80 }, (_, i) =>
          memoryLow(`g${i}`, { labels: { alertname: "HostMemoryPressure", severity: "warning", instance: `storm-${i}` } }),
        ),
        { groupKey: "storm" },
      ),
    );
    expect((await Promise.all([...singles, group])).map((r) => r.status)).toEqual(Array(13).fill(200));
    const perMessage = telegram.messages.map((m) => [...new Set(m.text.match(/(?:single|storm)-(?:first|\d+)/g) ?? [])]);
    const shown = perMessage.flat();
    const result = {
      messages: telegram.messages.length,
      sendCalls: telegram.calls.filter((c) => c.method.startsWith("send")).length,
      shown: shown.length,
      distinct: new Set(shown).size,
      tooManyRequests: telegram.requests.filter((r) => r.answer === "rate_limited_by_pace").length,
      withGraph: telegram.messages.filter((m) => m.photo),
      withoutAlerts: perMessage.filter((tokens) => tokens.length === 0).length,
    };
    await bridge!.close(500);
    bridge = undefined;
    telegram.messages.length = 0;
    telegram.calls.length = 0;
    telegram.requests.length = 0;
    return result;
  }

  it("graphs add no message and no request: every message shows alerts, each alert once, within Telegram's pace", async () => {
    const without = await storm(false);
    const withGraphs = await storm(true);
    for (const run of [without, withGraphs]) {
      expect([run.shown, run.distinct]).toEqual([93, 93]);
      expect(run.tooManyRequests).toBe(0);
      // Every request was one message Telegram showed, and each shows alerts: no photo beside its text.
      expect(run.sendCalls).toBe(run.messages);
      expect(run.withoutAlerts).toBe(0);
    }
    expect(without.withGraph).toHaveLength(0);
    expect(withGraphs.withGraph.length).toBeGreaterThanOrEqual(1);
    // Storm summaries never carry one; a photo shows at most GRAPH_MAX_ALERTS alerts of one rule.
    for (const m of withGraphs.withGraph) {
      expect(m.text).not.toContain("Storm summary");
      expect((m.text.match(/(?:single|storm)-(?:first|\d+)/g) ?? []).length).toBeLessThanOrEqual(GRAPH_MAX_ALERTS);
    }
  });
});

describe("which messages get a graph", () => {
  it("not a message of two rules, nor one whose text is too long for a caption; Prometheus is asked only for those that do", async () => {
    await start();
    const other = alert({ fingerprint: "o1", labels: { alertname: "Other" }, generatorURL: generatorURL("up < 1") });
    expect((await post(payload([memoryLow("a"), other]))).status).toBe(200);
    const long = memoryLow("b", { annotations: { description: "d".repeat(900) } });
    expect((await post(payload([long], { groupKey: "long" }))).status).toBe(200);
    expect(methods()).toEqual(["sendMessage", "sendMessage"]);
    expect(prometheus.queries).toEqual([]);
    expect(graphs("caption_too_long")).toBe(1);
  });

  it("one graph at a time for the whole bridge; beyond the queue, messages go without", async () => {
    // The first query is held until every chat's message has asked for its graph.
    prometheus.mode = "hold";
    await start(
      { TELEGRAM_CHAT_ID_CRITICAL: "-2002", TELEGRAM_CHAT_ID_WARNING: "-3003", TELEGRAM_CHAT_ID_INFO: "-4004" },
      { queryTimeoutMs: 10_000 },
    );
    const bySeverity = ["critical", "warning", "info", "none"].map((severity, i) =>
      memoryLow(`c${i}`, { labels: { alertname: "HostMemoryPressure", severity, instance: "h" } }),
    );
    const answers = Promise.all(bySeverity.map((a, i) => post(payload([a], { groupKey: `s${i}` }))));
    // One being made, two waiting (DEFAULT_GRAPHS.maxWaiting): the fourth goes without at once.
    await until("a message without its graph", () => telegram.messages.length === 1 && graphs("busy") === 1);
    expect(prometheus.queries).toHaveLength(1);
    prometheus.release();
    expect((await answers).map((a) => a.status)).toEqual([200, 200, 200, 200]);
    expect(prometheus.maxInFlight).toBe(1);
    expect(prometheus.queries).toHaveLength(3);
    expect([graphs("sent"), graphs("busy")]).toEqual([3, 1]);
    expect(telegram.messages.map((m) => m.photo !== undefined).sort()).toEqual([false, true, true, true]);
  });
});

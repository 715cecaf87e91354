import * as path from "path";
import { loadConfig } from "../../bridge/src/config";
import { Logger } from "../../bridge/src/log";
import { RunningBridge, startBridge } from "../../bridge/src/server";
import { WebhookAlert } from "../../bridge/src/payload";
import { FakeTelegram, ReceivedMessage, telegramHtmlError } from "../../harness/fakeTelegram";
import { alert, payload } from "../../harness/alerts";
import { fastConsoleEnv } from "./support/consoleEnv";
import { FakeAlertmanager, until } from "./support/fakeAlertmanager";
import { useTempDirs } from "../support/tempDirs";

/**
 * The awkward values, end to end through the bridge: a prefix, label values, annotations and URLs
 * holding HTML, entities, quotes and Go-template braces. The fake Telegram parses HTML as
 * Telegram does (a bare `&` or an unknown tag is a 400), so one unescaped value fails here.
 */
const CHAT = "-1001";
const PREFIX = `<TutorDex & "ops"> &amp; {{ .Alerts }}`;
const CHANNEL = `t.me/<b>a&b</b>"x"`;
const INSTANCE = "{{ $labels.instance }}";
const SUMMARY = `Backlog <i>not</i> italic & "quoted" {{ .Value }}`;
const DESCRIPTION = "</code></b><a href=x>no link</a> &lt;kept&gt; 5 < 6 > 4";
const RUNBOOK = `https://rb.test/run?space=ops&page="Queue"<x>`;
const DASHBOARD = "https://grafana.test/d/tutordex-overview?var-channel=t.me/a&from=now-1h";
const SOURCE = "http://prometheus:9090/graph?g0.expr=up%7Bjob%3D%22x%22%7D&g0.tab=1";
const EXTERNAL = "http://am.test/#/alerts?silenced=false&inhibited=false";

let telegram: FakeTelegram;
let am: FakeAlertmanager;
let bridge: RunningBridge | undefined;
let dir: string;

const hostile = (overrides: Partial<WebhookAlert> = {}) =>
  alert({
    generatorURL: SOURCE,
    ...overrides,
    labels: { channel: CHANNEL, instance: INSTANCE, job: `a&b<c>`, ...overrides.labels },
    annotations: { summary: SUMMARY, description: DESCRIPTION, runbook_url: RUNBOOK, dashboard: DASHBOARD, ...overrides.annotations },
  });

/** What a reader sees: Telegram's entities decoded, tags gone. */
const visible = (html: string) =>
  html
    .replace(/<[^>]+>/g, "")
    .replace(/&lt;/g, "<")
    .replace(/&gt;/g, ">")
    .replace(/&quot;/g, '"')
    .replace(/&amp;/g, "&");
const hrefs = (html: string) => [...html.matchAll(/<a href="([^"]*)">/g)].map((m) => visible(m[1]));
const everyText = () => telegram.messages.flatMap((m) => [m.text, ...m.edits.map((e) => e.text)]);

async function start(env: Record<string, string> = {}): Promise<void> {
  bridge = await startBridge(
    loadConfig({
      ...fastConsoleEnv({
        telegramToken: telegram.token,
        telegramUrl: telegram.url,
        chat: CHAT,
        alertmanagerUrl: am.url,
        stateFile: path.join(dir, "state.json"),
      }),
      BRIDGE_PREFIX: PREFIX,
      ...env,
    }),
    { log: new Logger(() => undefined), pollBackoffMs: [50] },
  );
}
const post = (body: unknown) => fetch(`${bridge!.url}/alert`, { method: "POST", body: JSON.stringify(body) });

beforeEach(async () => {
  dir = tmp.make("bridge-hostile-");
  telegram = await new FakeTelegram(undefined, { pollCapMs: 1000 }).start();
  am = await new FakeAlertmanager().start();
  await start();
});
afterEach(async () => {
  await bridge?.close(1000);
  bridge = undefined;
  await telegram.stop();
  await am.stop();
});
const tmp = useTempDirs();

it("a firing alert: every part parses as Telegram HTML, and the reader sees each value exactly as it was", async () => {
  expect((await post(payload([hostile()], { externalURL: EXTERNAL }))).status).toBe(200);
  expect(telegram.messages).toHaveLength(1);
  const m = telegram.messages[0];
  expect([telegramHtmlError(m.text), m.html]).toEqual([undefined, true]);
  const seen = visible(m.text);
  expect(seen).toContain(`${PREFIX} [PROD]`);
  for (const value of [CHANNEL, INSTANCE, "a&b<c>", SUMMARY, DESCRIPTION])
    expect({ value, shown: seen.includes(value) }).toEqual({ value, shown: true });
});

it("links keep their query strings: & survives, quotes and angle brackets are percent-encoded", async () => {
  await post(payload([hostile()], { externalURL: EXTERNAL }));
  expect(hrefs(telegram.messages[0].text)).toEqual([new URL(RUNBOOK).href, DASHBOARD, SOURCE, new URL(EXTERNAL).href]);
  expect(new URL(RUNBOOK).href).toBe("https://rb.test/run?space=ops&page=%22Queue%22%3Cx%3E");
});

it("the resolved notification (an edit of the firing message, and its reply) parses too", async () => {
  await post(payload([hostile()]));
  await post(payload([hostile({ status: "resolved", endsAt: "2026-11-25T10:20:00Z" })]));
  await until("the resolved notification", () => telegram.messages.length >= 2 || telegram.messages[0].edits.length > 0);
  expect(everyText().map((t) => telegramHtmlError(t))).toEqual(everyText().map(() => undefined));
  expect(everyText().some((t) => visible(t).includes(`${PREFIX} [PROD]`) && /RESOLVED/.test(t))).toBe(true);
});

it("a storm (one group too large for one message) goes out in storm form, and parses", async () => {
  const alerts = Array.from({ length: 60 }, (_, i) =>
    hostile({ fingerprint: `fp${i}`, labels: { channel: `${CHANNEL}${i}` }, annotations: { description: DESCRIPTION.repeat(20) } }),
  );
  expect((await post(payload(alerts))).status).toBe(200);
  expect(telegram.messages.length).toBeGreaterThan(0);
  for (const m of telegram.messages)
    expect({ part: m.messageId, error: telegramHtmlError(m.text), html: m.html }).toEqual({
      part: m.messageId,
      error: undefined,
      html: true,
    });
  const seen = telegram.messages.map((m) => visible(m.text)).join("\n");
  expect(seen).toContain(`${PREFIX} [PROD]`);
  expect(seen).toMatch(/QueueStuckProcessing ×\d+/);
  for (let i = 0; i < 60; i++) expect(seen).toContain(`${CHANNEL}${i}`);
});

it("/alerts lists hostile alerts as valid HTML, and a silence button silences exactly those label values", async () => {
  am.alerts = [
    {
      fingerprint: "h",
      labels: { alertname: "QueueStuckProcessing", severity: "critical", component: "queue", channel: CHANNEL, instance: INSTANCE },
      annotations: { summary: SUMMARY },
    },
  ];
  telegram.say(CHAT, "/alerts", { id: 4242, username: "oncall" });
  const m: ReceivedMessage = await until("the /alerts answer", () => telegram.messages.find((x) => x.text.includes("now in Alertmanager")));
  expect(telegramHtmlError(m.text)).toBeUndefined();
  expect(visible(m.text)).toContain(CHANNEL);
  const pressed = telegram.press(m, /1h/);
  await until("the button answered", () => telegram.answerFor(pressed));
  expect(am.active()).toHaveLength(1);
  const matchers = Object.fromEntries(am.active()[0].matchers.map((x) => [x.name, x.value]));
  expect(matchers).toEqual(expect.objectContaining({ alertname: "QueueStuckProcessing", channel: CHANNEL }));
  await until("the overview edited", () => m.edits.length > 0);
  expect(m.edits.map((e) => telegramHtmlError(e.text))).toEqual(m.edits.map(() => undefined));
});

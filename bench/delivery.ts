/**
 * Delivery figures against the fake Bot API on loopback, which enforces Telegram's limits in its
 * words (32,768 bytes of source, 4096 visible characters): (1) a storm of 60 alerts of 20 rules
 * with runbook, dashboard and source links of 2,000 characters each, sent as Alertmanager would
 * (one webhook per rule, all at once): messages, alerts lost, refusals; (2) the duplicate window
 * with the production send timeout: an answer just within it and one just beyond it, the time
 * between the two copies Telegram shows, and what /metrics counts; (3) the crash window: how long
 * after Telegram's answer the delivery is on disk (fsynced state file). Takes about 25 s.
 * Run: npm run -s bench:delivery
 */
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { loadConfig } from "../bridge/src/config";
import { Logger } from "../bridge/src/log";
import { startBridge } from "../bridge/src/server";
import { DEFAULT_STORE_LIMITS, StateStore } from "../bridge/src/stateStore";
import { TELEGRAM_REQUEST_TIMEOUT_MS } from "../bridge/src/telegram";
import { alert, longLinkStorm, payload } from "../harness/alerts";
import { Answer, FakeTelegram } from "../harness/fakeTelegram";

const CHAT = "-100555";
const quiet = new Logger(() => undefined);
const quantile = (xs: number[], q: number) => [...xs].sort((a, b) => a - b)[Math.min(xs.length - 1, Math.floor(q * xs.length))];

async function withBridge<T>(script: Answer[], run: (url: string, telegram: FakeTelegram) => Promise<T>): Promise<T> {
  const telegram = await new FakeTelegram().start();
  telegram.script = script;
  // Production pace and coalescing; the request budget outlasts the send timeout.
  const bridge = await startBridge(
    loadConfig({
      TELEGRAM_BOT_TOKEN: telegram.token,
      TELEGRAM_CHAT_ID: CHAT,
      TELEGRAM_API_BASE: telegram.url,
      PORT: "0",
      HOST: "127.0.0.1",
      REQUEST_BUDGET_MS: "60000",
      CONSOLE_ENABLED: "false",
    }),
    { log: quiet },
  );
  try {
    return await run(bridge.url, telegram);
  } finally {
    await bridge.close(1000);
    await telegram.stop();
  }
}

const post = (url: string, body: unknown) =>
  fetch(`${url}/alert`, { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify(body) });

async function storm() {
  const alerts = longLinkStorm();
  const rules = [...new Set(alerts.map((a) => a.labels.alertname))];
  return withBridge([], async (url, telegram) => {
    const answers = await Promise.all(
      rules.map((r) =>
        post(
          url,
          payload(
            alerts.filter((a) => a.labels.alertname === r),
            { groupKey: `{}:{alertname="${r}"}` },
          ),
        ),
      ),
    );
    const shown = new Set(telegram.messages.flatMap((m) => m.text.match(/host-\d\d(?=<)/g) ?? []));
    return {
      alerts: alerts.length,
      webhooks: rules.length,
      accepted: answers.filter((r) => r.status === 200).length,
      messages: telegram.messages.length,
      largestBytes: Math.max(...telegram.messages.map((m) => Buffer.byteLength(m.text))),
      lost: alerts.length - shown.size,
      refused: telegram.requests.filter((r) => typeof r.answer === "object").length,
    };
  });
}

async function duplicateWindow(answerAfterMs: number) {
  return withBridge([{ acceptAndAnswerAfterMs: answerAfterMs }], async (url, telegram) => {
    const status = (await post(url, payload([alert({ fingerprint: `dup-${answerAfterMs}` })]))).status;
    // A late answer for the second copy would show here too.
    await new Promise((r) => setTimeout(r, 300));
    const metrics = await (await fetch(`${url}/metrics`)).text();
    return {
      status,
      copies: telegram.messages.length,
      gapMs: telegram.messages.length > 1 ? telegram.messages[1].at - telegram.messages[0].at : undefined,
      counted: Number(/^telegram_bridge_messages_possibly_duplicated_total (\d+)$/m.exec(metrics)![1]),
    };
  });
}

/** How long a delivery takes to be on disk once Telegram answered: the store's commit (write, fsync, rename, fsync). */
function crashWindow() {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "bench-state-"));
  try {
    const store = new StateStore(path.join(dir, "state.json"), quiet, DEFAULT_STORE_LIMITS);
    store.load();
    // A busy bridge's state: a few thousand remembered notifications.
    for (let i = 0; i < 5000; i++) store.markDelivered(`seed-${i}`, 3_600_000);
    store.commit();
    const ms: number[] = [];
    for (let i = 0; i < 200; i++) {
      store.markDelivered(`item-${i}`, 3_600_000);
      const t = performance.now();
      store.commit();
      ms.push(performance.now() - t);
    }
    return { bytes: fs.statSync(path.join(dir, "state.json")).size, p50: quantile(ms, 0.5), p99: quantile(ms, 0.99) };
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

async function main(): Promise<void> {
  const s = await storm();
  const within = await duplicateWindow(TELEGRAM_REQUEST_TIMEOUT_MS - 500);
  const beyond = await duplicateWindow(TELEGRAM_REQUEST_TIMEOUT_MS + 500);
  const crash = crashWindow();
  const rows: [string, string][] = [
    [`long-link storm: alerts / webhooks (one per rule) / accepted (200)`, `${s.alerts} / ${s.webhooks} / ${s.accepted}`],
    ["long-link storm: messages sent", String(s.messages)],
    ["long-link storm: largest message (bytes of source; Telegram's limit 32768)", String(s.largestBytes)],
    ["long-link storm: alerts lost / messages refused", `${s.lost} / ${s.refused}`],
    [`send timeout (ms)`, String(TELEGRAM_REQUEST_TIMEOUT_MS)],
    [
      `answer after ${TELEGRAM_REQUEST_TIMEOUT_MS - 500} ms: copies shown / counted possibly duplicated`,
      `${within.copies} / ${within.counted}`,
    ],
    [
      `answer after ${TELEGRAM_REQUEST_TIMEOUT_MS + 500} ms: copies shown / counted possibly duplicated`,
      `${beyond.copies} / ${beyond.counted}`,
    ],
    ["duplicate window: second copy after the first (ms)", beyond.gapMs === undefined ? "-" : String(beyond.gapMs)],
    [
      `crash window: answer to state on disk, p50 / p99 (ms; state file ${Math.round(crash.bytes / 1024)} KiB)`,
      `${crash.p50.toFixed(2)} / ${crash.p99.toFixed(2)}`,
    ],
  ];
  const width = Math.max(...rows.map(([k]) => k.length));
  for (const [k, v] of rows) console.log(`${k.padEnd(width)}  ${v}`);
  if (s.lost !== 0 || s.refused !== 0 || within.copies !== 1 || beyond.copies !== 2 || beyond.counted !== 1) process.exitCode = 1;
}

void main();

/**
 * Bridge benchmark: a burst of 200 Alertmanager payloads against the fake Telegram on loopback.
 * Prints throughput, handling latency without Telegram, messages sent, the largest per-chat send
 * rate seen, and messages lost. Run: npm run bench:bridge
 */
import { loadConfig } from "../bridge/src/config";
import { Logger } from "../bridge/src/log";
import { startBridge } from "../bridge/src/server";
import { ApiOutcome, TelegramApi } from "../bridge/src/telegram";
import { FakeTelegram } from "../harness/fakeTelegram";
import { alert, payload } from "../harness/alerts";

const PAYLOADS = 200;
const SEVERITIES = ["critical", "warning", "info"];
/** Telegram's limits (1 message/s per chat, 20/min per group) scaled down 20× so the burst finishes in seconds. */
const MIN_INTERVAL_MS = 50;
const GROUP_PER_MINUTE = 20 * 20;

const quantile = (xs: number[], q: number) => [...xs].sort((a, b) => a - b)[Math.min(xs.length - 1, Math.floor(q * xs.length))];

function burst(pass = 0): ReturnType<typeof payload>[] {
  return Array.from({ length: PAYLOADS }, (_, i) =>
    payload(
      Array.from({ length: 1 + (i % 5) }, (_, j) =>
        alert({
          fingerprint: `p${pass}-${i}-${j}`,
          labels: { alertname: `BenchAlert${i}`, severity: SEVERITIES[i % 3], channel: `t.me/c${j}`, instance: `bench-${pass}-${i}-${j}` },
          annotations: { description: `payload ${i} alert ${j} <&>` },
        }),
      ),
      { groupKey: `bench-${pass}-${i}` },
    ),
  );
}

async function post(url: string, body: unknown): Promise<{ status: number; ms: number }> {
  const t = performance.now();
  const r = await fetch(`${url}/alert`, { method: "POST", body: JSON.stringify(body) });
  await r.arrayBuffer();
  return { status: r.status, ms: performance.now() - t };
}

const quiet = new Logger(() => undefined);
const env = (extra: Record<string, string>) =>
  loadConfig({
    TELEGRAM_BOT_TOKEN: "1:benchbenchbenchbenchbench",
    TELEGRAM_CHAT_ID: "-100",
    TELEGRAM_CHAT_ID_CRITICAL: "-101",
    TELEGRAM_CHAT_ID_WARNING: "-102",
    TELEGRAM_CHAT_ID_INFO: "-103",
    PORT: "0",
    HOST: "127.0.0.1",
    REQUEST_BUDGET_MS: "120000",
    CONSOLE_ENABLED: "false",
    COALESCE_MS: "0",
    ...extra,
  });

/** Handling cost alone: an in-process Telegram that accepts at once, no throttle. */
async function handlingOnly(): Promise<{ burst: number[]; sequential: number[] }> {
  let messageId = 0;
  const instant: TelegramApi = { call: async <T>(): Promise<ApiOutcome<T>> => ({ kind: "ok", result: { message_id: ++messageId } as T }) };
  const unpaced = { chatIntervalMs: 0, groupPerMinute: Number.MAX_SAFE_INTEGER, botPerSecond: Number.MAX_SAFE_INTEGER };
  const bridge = await startBridge(env({}), { log: quiet, api: instant, delivery: { pace: unpaced, coalesceMs: 0 } });
  const inBurst = await Promise.all(burst(1).map((p) => post(bridge.url, p)));
  const sequential: number[] = [];
  for (const p of burst(2)) sequential.push((await post(bridge.url, p)).ms);
  await bridge.close();
  return { burst: inBurst.map((r) => r.ms), sequential };
}

async function endToEnd() {
  const telegram = await new FakeTelegram("1:benchbenchbenchbenchbench").start();
  const bridge = await startBridge(
    env({
      TELEGRAM_API_BASE: telegram.url,
      MIN_SEND_INTERVAL_MS: String(MIN_INTERVAL_MS),
      GROUP_MESSAGES_PER_MINUTE: String(GROUP_PER_MINUTE),
    }),
    { log: quiet },
  );
  const payloads = burst();
  const expectedAlerts = payloads.reduce((n, p) => n + p.alerts.length, 0);
  const t0 = performance.now();
  const results = await Promise.all(payloads.map((p) => post(bridge.url, p)));
  const seconds = (performance.now() - t0) / 1000;
  await bridge.close();
  await telegram.stop();
  const perChat = new Map<string, number[]>();
  for (const m of telegram.messages) perChat.set(m.chatId, [...(perChat.get(m.chatId) ?? []), m.at]);
  // Largest number of messages to one chat inside any 1-second window.
  let maxPerSecond = 0;
  for (const times of perChat.values()) {
    for (let i = 0, j = 0; j < times.length; j++) {
      while (times[j] - times[i] >= 1000) i++;
      maxPerSecond = Math.max(maxPerSecond, j - i + 1);
    }
  }
  const delivered = new Set(telegram.messages.flatMap((m) => m.text.match(/bench-0-\d+-\d+/g) ?? []));
  return { results, seconds, messages: telegram.messages.length, maxPerSecond, expectedAlerts, deliveredAlerts: delivered.size };
}

async function main(): Promise<void> {
  const handling = await handlingOnly();
  const e2e = await endToEnd();
  const ok = e2e.results.filter((r) => r.status === 200).length;
  const lost = e2e.expectedAlerts - e2e.deliveredAlerts;
  const rows: [string, string][] = [
    ["payloads in the burst", String(PAYLOADS)],
    ["payloads accepted (2xx)", `${ok}/${PAYLOADS}`],
    ["payloads accepted per second (end to end, throttled)", (ok / e2e.seconds).toFixed(1)],
    [
      "handling latency p50 / p99 without Telegram, one at a time (ms)",
      `${quantile(handling.sequential, 0.5).toFixed(2)} / ${quantile(handling.sequential, 0.99).toFixed(2)}`,
    ],
    [
      "handling latency p50 / p99 without Telegram, all 200 at once (ms)",
      `${quantile(handling.burst, 0.5).toFixed(2)} / ${quantile(handling.burst, 0.99).toFixed(2)}`,
    ],
    ["messages sent to Telegram", String(e2e.messages)],
    [`largest send rate to one chat (msg per 1 s window; limit ${1000 / MIN_INTERVAL_MS})`, String(e2e.maxPerSecond)],
    ["alerts in the burst / delivered", `${e2e.expectedAlerts}/${e2e.deliveredAlerts}`],
    ["messages lost", String(lost)],
  ];
  const width = Math.max(...rows.map(([k]) => k.length));
  for (const [k, v] of rows) console.log(`${k.padEnd(width)}  ${v}`);
  if (lost !== 0 || ok !== PAYLOADS || e2e.maxPerSecond > 1000 / MIN_INTERVAL_MS) process.exitCode = 1;
}

void main();

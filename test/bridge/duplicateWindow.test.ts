import { loadConfig } from "../../bridge/src/config";
import { Logger } from "../../bridge/src/log";
import { RunningBridge, startBridge } from "../../bridge/src/server";
import { alert, payload } from "../../harness/alerts";
import { FakeTelegram } from "../../harness/fakeTelegram";

/**
 * At least once, and exactly when a duplicate can happen: Telegram shows a message but its answer
 * is lost, or comes later than the send timeout. Against the fake Bot API over HTTP, with a send
 * timeout of 400 ms (production: 10 s), the window is measured: an answer within the timeout
 * never duplicates; a later or lost one duplicates once, the re-send follows the give-up after
 * the first back-off, and /metrics counts it.
 */

const CHAT = "-1001";
const TIMEOUT_MS = 400;
const BACKOFF_MS = 20;
let telegram: FakeTelegram;
let bridge: RunningBridge;

beforeEach(async () => {
  telegram = await new FakeTelegram().start();
  bridge = await startBridge(
    loadConfig({
      TELEGRAM_BOT_TOKEN: telegram.token,
      TELEGRAM_CHAT_ID: CHAT,
      TELEGRAM_API_BASE: telegram.url,
      PORT: "0",
      HOST: "127.0.0.1",
      MIN_SEND_INTERVAL_MS: "10",
      COALESCE_MS: "0",
      REQUEST_BUDGET_MS: "5000",
      CONSOLE_ENABLED: "false",
    }),
    { log: new Logger(() => undefined), delivery: { backoffMs: [BACKOFF_MS], sendTimeoutMs: TIMEOUT_MS } },
  );
});
afterEach(async () => {
  await bridge.close(1000);
  await telegram.stop();
});

const post = () =>
  fetch(`${bridge.url}/alert`, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify(payload([alert({ fingerprint: "dup" })])),
  });
const possiblyDuplicated = async () =>
  Number(/^telegram_bridge_messages_possibly_duplicated_total (\d+)$/m.exec(await (await fetch(`${bridge.url}/metrics`)).text())![1]);

it("an answer within the send timeout: shown once, nothing counted", async () => {
  telegram.script = [{ acceptAndAnswerAfterMs: TIMEOUT_MS - 250 }];
  expect((await post()).status).toBe(200);
  await new Promise((r) => setTimeout(r, TIMEOUT_MS + 200));
  expect(telegram.messages).toHaveLength(1);
  expect(await possiblyDuplicated()).toBe(0);
});

it("an answer later than the send timeout: shown twice, the second right after the give-up, counted once", async () => {
  telegram.script = [{ acceptAndAnswerAfterMs: TIMEOUT_MS + 300 }];
  expect((await post()).status).toBe(200);
  expect(telegram.messages).toHaveLength(2);
  // Seen from Telegram: the timer started when the request left the bridge, a little before it arrived.
  const window = telegram.messages[1].at - telegram.messages[0].at;
  expect(window).toBeGreaterThanOrEqual(TIMEOUT_MS - 100);
  expect(window).toBeLessThan(TIMEOUT_MS + BACKOFF_MS + 250);
  expect(await possiblyDuplicated()).toBe(1);
});

it("an answer lost on the way back (connection cut): shown twice, counted once", async () => {
  telegram.script = ["accept_then_drop"];
  expect((await post()).status).toBe(200);
  expect(telegram.messages).toHaveLength(2);
  expect(await possiblyDuplicated()).toBe(1);
});

it("a request refused before Telegram showed anything (5xx): shown once, nothing counted", async () => {
  telegram.script = ["server_error"];
  expect((await post()).status).toBe(200);
  expect(telegram.messages).toHaveLength(1);
  expect(await possiblyDuplicated()).toBe(0);
});

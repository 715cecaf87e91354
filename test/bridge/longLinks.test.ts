import { loadConfig } from "../../bridge/src/config";
import { Logger } from "../../bridge/src/log";
import { RunningBridge, startBridge } from "../../bridge/src/server";
import { sourceBytes, TELEGRAM_LIMITS } from "../../bridge/src/telegramLimits";
import { visibleLength } from "../../bridge/src/telegramText";
import { longLinkStorm, payload } from "../../harness/alerts";
import { FakeTelegram } from "../../harness/fakeTelegram";

/**
 * Alerts whose links are long (an encoded PromQL expression is 1-2 kB) against the fake Bot API,
 * which refuses a text of more than 32,768 bytes of source as Telegram does. Packing by the
 * visible length alone once made one storm message of them that Telegram refused, and every
 * alert of the storm was lost at every re-send.
 */

const CHAT = "-1001";
let telegram: FakeTelegram;
let bridge: RunningBridge;
let logs: string[];

async function start(): Promise<void> {
  logs = [];
  bridge = await startBridge(
    loadConfig({
      TELEGRAM_BOT_TOKEN: telegram.token,
      TELEGRAM_CHAT_ID: CHAT,
      TELEGRAM_API_BASE: telegram.url,
      PORT: "0",
      HOST: "127.0.0.1",
      MIN_SEND_INTERVAL_MS: "10",
      GROUP_MESSAGES_PER_MINUTE: "1000",
      // The webhooks of a storm arrive together and share messages.
      COALESCE_MS: "300",
      REQUEST_BUDGET_MS: "5000",
      CONSOLE_ENABLED: "false",
    }),
    { log: new Logger((l) => logs.push(l)), delivery: { backoffMs: [20, 40, 80] } },
  );
}

const post = (body: unknown) =>
  fetch(`${bridge.url}/alert`, { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify(body) });

beforeEach(async () => {
  telegram = await new FakeTelegram().start();
  await start();
});
afterEach(async () => {
  await bridge?.close(1000);
  await telegram.stop();
});

it("a storm of 60 alerts with 2 kB links: every alert reaches the chat, every message within Telegram's limits", async () => {
  const storm = longLinkStorm();
  // Alertmanager sends one webhook per rule (group_by alertname), all at once.
  const groups = Array.from({ length: 20 }, (_, g) => storm.filter((_, i) => i % 20 === g));
  const answers = await Promise.all(
    groups.map((alerts) => post(payload(alerts, { groupKey: `{}:{alertname="${alerts[0].labels.alertname}"}` }))),
  );
  expect(answers.map((r) => r.status)).toEqual(groups.map(() => 200));
  const shown = new Set(telegram.messages.flatMap((m) => m.text.match(/host-\d\d(?=<)/g) ?? []));
  expect(shown.size).toBe(60);
  for (const m of telegram.messages) {
    expect(sourceBytes(m.text)).toBeLessThanOrEqual(TELEGRAM_LIMITS.sourceBytes);
    expect(visibleLength(m.text)).toBeLessThanOrEqual(TELEGRAM_LIMITS.visibleLength);
  }
  // Few messages still: a storm is packed, and links only cost messages where they must.
  // Two when all 20 webhooks share the packing (packingLimits.test.ts pins that); one more if one comes late.
  expect(telegram.messages.length).toBeLessThanOrEqual(3);
  expect(telegram.requests.filter((r) => typeof r.answer === "object")).toEqual([]);
});

it("one alert with three 2 kB links keeps them all", async () => {
  const [a] = longLinkStorm();
  expect((await post(payload([a]))).status).toBe(200);
  const [m] = telegram.messages;
  for (const label of ["Runbook", "Dashboard", "Source"]) expect(m.text).toContain(`">${label}</a>`);
  expect(m.text).not.toContain("truncated");
});

import { loadConfig } from "../../bridge/src/config";
import { Logger } from "../../bridge/src/log";
import { RunningBridge, startBridge } from "../../bridge/src/server";
import { alert, payload } from "../../harness/alerts";
import { FakeTelegram } from "../../harness/fakeTelegram";

/**
 * A migration answer that cannot be followed (to the chat itself, or a second one for one
 * message) once made the bridge re-send in a tight loop, hundreds of requests a second. Over HTTP
 * against the fake Bot API, the requests are counted: one per migration followed, then none.
 */

const CHAT = "-1001";
let telegram: FakeTelegram;
let bridge: RunningBridge;
let logs: Record<string, unknown>[];

beforeEach(async () => {
  telegram = await new FakeTelegram().start();
  logs = [];
  bridge = await startBridge(
    loadConfig({
      TELEGRAM_BOT_TOKEN: telegram.token,
      TELEGRAM_CHAT_ID: CHAT,
      TELEGRAM_API_BASE: telegram.url,
      PORT: "0",
      HOST: "127.0.0.1",
      MIN_SEND_INTERVAL_MS: "10",
      COALESCE_MS: "0",
      REQUEST_BUDGET_MS: "3000",
      CONSOLE_ENABLED: "false",
    }),
    { log: new Logger((l) => logs.push(JSON.parse(l))), delivery: { backoffMs: [20] } },
  );
});
afterEach(async () => {
  await bridge.close(1000);
  await telegram.stop();
});

const post = (fp: string) =>
  fetch(`${bridge.url}/alert`, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify(payload([alert({ fingerprint: fp })])),
  });
const settle = () => new Promise((r) => setTimeout(r, 1500));

it("an answer naming the chat itself as its new id: one request, 422, one error in the log", async () => {
  telegram.migrations.set(CHAT, CHAT);
  expect((await post("a")).status).toBe(422);
  await settle();
  expect(telegram.requests.map((r) => [r.chatId, r.answer])).toEqual([[CHAT, "migrated"]]);
  expect(logs.filter((l) => l.level === "error")).toMatchObject([{ reason: "bad_migration", chat_id: CHAT }]);
  // Alertmanager's next re-send is answered at once, without a request.
  expect((await post("a")).status).toBe(422);
  expect(telegram.requests).toHaveLength(1);
});

it("a second migration for one message: two requests, then 422", async () => {
  telegram.migrations.set(CHAT, "-100200");
  telegram.migrations.set("-100200", "-100300");
  expect((await post("b")).status).toBe(422);
  await settle();
  expect(telegram.requests.map((r) => [r.chatId, r.answer])).toEqual([
    [CHAT, "migrated"],
    ["-100200", "migrated"],
  ]);
  expect(logs.filter((l) => l.level === "error")).toHaveLength(1);
});

it("one real migration is followed and delivered", async () => {
  telegram.migrations.set(CHAT, "-100200");
  expect((await post("c")).status).toBe(200);
  expect(telegram.messages.map((m) => m.chatId)).toEqual(["-100200"]);
});

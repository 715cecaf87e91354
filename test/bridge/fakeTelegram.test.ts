import { FakeTelegram, TELEGRAM_PACE } from "../support/fakeTelegram";

/** The fake Bot API keeps Telegram's rules; a lenient fake would let the bridge's tests pass for nothing. */
let tg: FakeTelegram;
const call = async (method: string, params: Record<string, unknown>) => {
  const r = await fetch(`${tg.url}/bot${tg.token}/${method}`, { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify(params) });
  return { status: r.status, body: (await r.json()) as { ok: boolean; description?: string; result?: any; parameters?: { retry_after?: number } } };
};

beforeEach(async () => {
  tg = await new FakeTelegram(undefined, { pollCapMs: 1500 }).start();
});
afterEach(() => tg.stop());

it("editing a message to identical content and buttons is 400 'message is not modified'", async () => {
  const sent = await call("sendMessage", { chat_id: "-1", text: "<b>x</b>", parse_mode: "HTML", reply_markup: { inline_keyboard: [[{ text: "A", callback_data: "a" }]] } });
  const id = sent.body.result.message_id;
  const same = await call("editMessageText", { chat_id: "-1", message_id: id, text: "<b>x</b>", parse_mode: "HTML", reply_markup: { inline_keyboard: [[{ text: "A", callback_data: "a" }]] } });
  expect([same.status, same.body.description]).toEqual([400, expect.stringContaining("message is not modified")]);
  // Without reply_markup the buttons go: that is a change.
  expect((await call("editMessageText", { chat_id: "-1", message_id: id, text: "<b>x</b>", parse_mode: "HTML" })).status).toBe(200);
  expect(tg.message("-1", id)!.currentKeyboard).toBeUndefined();
  expect((await call("editMessageReplyMarkup", { chat_id: "-1", message_id: id })).body.description).toContain("message is not modified");
  expect((await call("editMessageText", { chat_id: "-1", message_id: 999, text: "y" })).body.description).toBe("Bad Request: message to edit not found");
});

it("a reply to a missing message fails unless allow_sending_without_reply", async () => {
  expect((await call("sendMessage", { chat_id: "-1", text: "r", reply_parameters: { message_id: 999 } })).body.description).toBe("Bad Request: message to be replied not found");
  const ok = await call("sendMessage", { chat_id: "-1", text: "r", reply_parameters: { message_id: 999, allow_sending_without_reply: true } });
  expect(ok.status).toBe(200);
  expect(tg.messages[0].replyToMessageId).toBeUndefined();
});

it("counts the 4096 limit on visible text in UTF-16 units, after entity parsing", async () => {
  expect((await call("sendMessage", { chat_id: "-1", text: `<a href="https://x.test/${"y".repeat(5000)}">${"&amp;".repeat(4096)}</a>`, parse_mode: "HTML" })).status).toBe(200);
  expect((await call("sendMessage", { chat_id: "-1", text: "🔥".repeat(2049), parse_mode: "HTML" })).body.description).toBe("Bad Request: message is too long");
});

it("enforces the pace: 20 per rolling window in a group, one per interval in any chat, with retry_after", async () => {
  tg.pace = { ...TELEGRAM_PACE, windowMs: 2000, chatIntervalMs: 0 };
  for (let i = 0; i < 20; i++) expect((await call("sendMessage", { chat_id: "-5", text: String(i) })).status).toBe(200);
  const over = await call("sendMessage", { chat_id: "-5", text: "21st" });
  expect([over.status, over.body.parameters?.retry_after]).toEqual([429, expect.any(Number)]);
  tg.pace = { ...TELEGRAM_PACE, chatIntervalMs: 1000 };
  expect((await call("sendMessage", { chat_id: "77", text: "a" })).status).toBe(200);
  expect((await call("sendMessage", { chat_id: "77", text: "b" })).status).toBe(429);
});

it("getUpdates: long polling bounded by its timeout, updates confirmed by the next offset", async () => {
  const t0 = Date.now();
  expect((await call("getUpdates", { offset: 0, timeout: 30 })).body.result).toEqual([]);
  expect(Date.now() - t0).toBeGreaterThanOrEqual(1400);
  expect(Date.now() - t0).toBeLessThan(3000);
  const waiting = call("getUpdates", { offset: 0, timeout: 30 });
  tg.say("-1", "/help");
  const [u] = (await waiting).body.result;
  expect(u.message.text).toBe("/help");
  expect((await call("getUpdates", { offset: u.update_id, timeout: 0 })).body.result).toHaveLength(1);
  expect((await call("getUpdates", { offset: u.update_id + 1, timeout: 0 })).body.result).toEqual([]);
  expect(tg.unconfirmedUpdates()).toBe(0);
});

it("a callback query is answered once; a second answer or an unknown id is refused", async () => {
  const id = tg.pressButton("-1", 1, "v1:a:AAAAAAAA:0");
  expect((await call("answerCallbackQuery", { callback_query_id: id, text: "ok" })).status).toBe(200);
  expect((await call("answerCallbackQuery", { callback_query_id: id })).body.description).toContain("query is too old");
  expect((await call("answerCallbackQuery", { callback_query_id: "nope" })).status).toBe(400);
});

it("a group upgraded to a supergroup answers with migrate_to_chat_id", async () => {
  tg.migrations.set("-1", "-1009");
  const r = await call("sendMessage", { chat_id: "-1", text: "x" });
  expect([r.status, (r.body.parameters as { migrate_to_chat_id?: number }).migrate_to_chat_id]).toEqual([400, -1009]);
});

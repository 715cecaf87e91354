import { encodeIndexedPng } from "../../bridge/src/graph/png";
import { FakeTelegram, TELEGRAM_PACE } from "../../harness/fakeTelegram";

/** The fake Bot API keeps Telegram's rules; a lenient fake would let the bridge's tests pass for nothing. */
let tg: FakeTelegram;
const call = async (method: string, params: Record<string, unknown>) => {
  const r = await fetch(`${tg.url}/bot${tg.token}/${method}`, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify(params),
  });
  return {
    status: r.status,
    body: (await r.json()) as { ok: boolean; description?: string; result?: any; parameters?: { retry_after?: number } },
  };
};

beforeEach(async () => {
  tg = await new FakeTelegram(undefined, { pollCapMs: 1500 }).start();
});
afterEach(() => tg.stop());

it("editing a message to identical content and buttons is 400 'message is not modified'", async () => {
  const sent = await call("sendMessage", {
    chat_id: "-1",
    text: "<b>x</b>",
    parse_mode: "HTML",
    reply_markup: { inline_keyboard: [[{ text: "A", callback_data: "a" }]] },
  });
  const id = sent.body.result.message_id;
  const same = await call("editMessageText", {
    chat_id: "-1",
    message_id: id,
    text: "<b>x</b>",
    parse_mode: "HTML",
    reply_markup: { inline_keyboard: [[{ text: "A", callback_data: "a" }]] },
  });
  expect([same.status, same.body.description]).toEqual([400, expect.stringContaining("message is not modified")]);
  // Without reply_markup the buttons go: that is a change.
  expect((await call("editMessageText", { chat_id: "-1", message_id: id, text: "<b>x</b>", parse_mode: "HTML" })).status).toBe(200);
  expect(tg.message("-1", id)!.currentKeyboard).toBeUndefined();
  expect((await call("editMessageReplyMarkup", { chat_id: "-1", message_id: id })).body.description).toContain("message is not modified");
  expect((await call("editMessageText", { chat_id: "-1", message_id: 999, text: "y" })).body.description).toBe(
    "Bad Request: message to edit not found",
  );
});

it("a reply to a missing message fails unless allow_sending_without_reply", async () => {
  expect((await call("sendMessage", { chat_id: "-1", text: "r", reply_parameters: { message_id: 999 } })).body.description).toBe(
    "Bad Request: message to be replied not found",
  );
  const ok = await call("sendMessage", {
    chat_id: "-1",
    text: "r",
    reply_parameters: { message_id: 999, allow_sending_without_reply: true },
  });
  expect(ok.status).toBe(200);
  expect(tg.messages[0].replyToMessageId).toBeUndefined();
});

it("counts the 4096 limit on visible text in UTF-16 units, after entity parsing", async () => {
  expect(
    (
      await call("sendMessage", {
        chat_id: "-1",
        text: `<a href="https://x.test/${"y".repeat(5000)}">${"&amp;".repeat(4096)}</a>`,
        parse_mode: "HTML",
      })
    ).status,
  ).toBe(200);
  expect((await call("sendMessage", { chat_id: "-1", text: "🔥".repeat(2049), parse_mode: "HTML" })).body.description).toBe(
    "Bad Request: message is too long",
  );
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

describe("sendPhoto: an upload as multipart/form-data, with Telegram's limits and words", () => {
  const png = (w: number, h: number) =>
    encodeIndexedPng(
      w,
      h,
      [
        [255, 255, 255],
        [0, 0, 0],
      ],
      new Uint8Array(w * h),
    );
  const photo = async (file: Buffer | undefined, fields: Record<string, unknown> = {}) => {
    const form = new FormData();
    for (const [k, v] of Object.entries({ chat_id: "-1", ...fields }))
      form.append(k, typeof v === "object" ? JSON.stringify(v) : String(v));
    if (file) form.append("photo", new Blob([new Uint8Array(file)], { type: "image/png" }), "graph.png");
    const r = await fetch(`${tg.url}/bot${tg.token}/sendPhoto`, { method: "POST", body: form });
    return { status: r.status, body: (await r.json()) as { ok: boolean; description?: string; result?: any } };
  };

  it("takes a PNG with an HTML caption, buttons and a topic, records it with its size, and answers a photo message", async () => {
    const keyboard = [[{ text: "Ack", callback_data: "a" }]];
    const r = await photo(png(800, 400), {
      caption: "<b>FIRING</b> x",
      parse_mode: "HTML",
      reply_markup: { inline_keyboard: keyboard },
      message_thread_id: 7,
    });
    expect(r.status).toBe(200);
    expect(r.body.result).toMatchObject({ caption: "<b>FIRING</b> x", photo: [{ width: 800, height: 400 }] });
    expect(r.body.result).not.toHaveProperty("text");
    const [m] = tg.messages;
    expect(m).toMatchObject({
      chatId: "-1",
      text: "<b>FIRING</b> x",
      html: true,
      threadId: 7,
      keyboard,
      photo: { width: 800, height: 400 },
    });
    expect(m.photo!.png.equals(png(800, 400))).toBe(true);
  });

  it("refuses a request without a photo, a photo by id, an empty or oversized file, a file that is no image", async () => {
    expect((await photo(undefined, { caption: "x" })).body.description).toBe("Bad Request: there is no photo in the request");
    expect((await photo(undefined, { photo: "AgACAgIAAxkBAAI" })).body.description).toBe(
      "Bad Request: wrong file identifier/HTTP URL specified",
    );
    expect((await photo(Buffer.alloc(0))).body.description).toBe("Bad Request: file must be non-empty");
    const big = Buffer.concat([png(10, 10), Buffer.alloc(10 * (1 << 20))]);
    expect((await photo(big)).body.description).toBe(
      `Bad Request: file of size ${big.length} bytes is too big for a photo; the maximum size is 10485760 bytes`,
    );
    expect((await photo(Buffer.from("GIF89a not really"))).body.description).toBe("Bad Request: IMAGE_PROCESS_FAILED");
    const corrupt = png(10, 10);
    corrupt[corrupt.length - 20] ^= 0xff;
    expect((await photo(corrupt)).body.description).toBe("Bad Request: IMAGE_PROCESS_FAILED");
    expect(tg.messages).toEqual([]);
  });

  it("refuses dimensions over 10000 (width plus height) or a ratio over 20, and takes them at the limit", async () => {
    expect((await photo(png(2100, 100))).body.description).toBe("Bad Request: PHOTO_INVALID_DIMENSIONS");
    expect((await photo(png(2000, 100))).status).toBe(200);
    // The smallest images over and at the sum within the ratio: 9524 + 477 and 9523 + 477.
    expect((await photo(png(9524, 477))).body.description).toBe("Bad Request: PHOTO_INVALID_DIMENSIONS");
    expect((await photo(png(9523, 477))).status).toBe(200);
  });

  it("a caption holds 1024 characters after entity parsing, counted in code points; beyond, Telegram's words", async () => {
    expect((await photo(png(8, 4), { caption: `<b>${"x".repeat(1024)}</b>`, parse_mode: "HTML" })).status).toBe(200);
    expect((await photo(png(8, 4), { caption: "🔥".repeat(1024) })).status).toBe(200);
    expect((await photo(png(8, 4), { caption: "x".repeat(1025) })).body.description).toBe("Bad Request: message caption is too long");
    expect((await photo(png(8, 4), { caption: "<b>x", parse_mode: "HTML" })).body.description).toBe(
      'Bad Request: can\'t parse entities: unclosed tag "b"',
    );
    expect((await photo(png(8, 4), { caption: "x".repeat(40_000) })).body.description).toBe("Bad Request: text is too long");
  });

  it("a photo's caption is edited with editMessageCaption; its text cannot be edited, nor a text's caption", async () => {
    const sent = (await photo(png(8, 4), { caption: "firing" })).body.result.message_id;
    const text = (await call("sendMessage", { chat_id: "-1", text: "t" })).body.result.message_id;
    expect((await call("editMessageText", { chat_id: "-1", message_id: sent, text: "x" })).body.description).toBe(
      "Bad Request: there is no text in the message to edit",
    );
    expect((await call("editMessageCaption", { chat_id: "-1", message_id: text, caption: "x" })).body.description).toBe(
      "Bad Request: there is no caption in the message to edit",
    );
    expect((await call("editMessageCaption", { chat_id: "-1", message_id: sent, caption: "y".repeat(1025) })).body.description).toBe(
      "Bad Request: message caption is too long",
    );
    const edited = await call("editMessageCaption", { chat_id: "-1", message_id: sent, caption: "<i>resolved</i>", parse_mode: "HTML" });
    expect([edited.status, edited.body.result.caption]).toEqual([200, "<i>resolved</i>"]);
    expect(tg.message("-1", sent)!.currentText).toBe("<i>resolved</i>");
  });

  it("counts against the chat's pace as any message does", async () => {
    tg.pace = { ...TELEGRAM_PACE, chatIntervalMs: 1000 };
    expect((await photo(png(8, 4), { chat_id: "77" })).status).toBe(200);
    expect((await call("sendMessage", { chat_id: "77", text: "b" })).status).toBe(429);
  });
});

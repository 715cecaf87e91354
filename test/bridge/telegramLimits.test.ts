/**
 * Telegram's limits on one message, stated once (bridge/src/telegramLimits.ts): pinned to their
 * sources, enforced by the fake Bot API in Telegram's words and order, and kept by the bridge
 * (text made well-formed, plain text as the last resort, buttons within the markup limit).
 */
import { newCardId, renderCardKeyboard } from "../../bridge/src/cards";
import { loadConfig } from "../../bridge/src/config";
import { Logger } from "../../bridge/src/log";
import { RunningBridge, startBridge } from "../../bridge/src/server";
import { Card } from "../../bridge/src/stateStore";
import {
  hasLoneSurrogate,
  keyboardRefusal,
  photoTooBig,
  sourceBytes,
  TELEGRAM_LIMITS,
  TELEGRAM_REFUSALS,
  wellFormed,
} from "../../bridge/src/telegramLimits";
import { plainText, textFits, TELEGRAM_TEXT_LIMIT, visibleLength } from "../../bridge/src/telegramText";
import { alert, payload } from "../../harness/alerts";
import { FakeTelegram, telegramTextRefusal } from "../../harness/fakeTelegram";

const LONE_HIGH = "\uD83D";
const LONE_LOW = "\uDD25";

describe("the limits and their words", () => {
  it("are Telegram's: 4096 visible UTF-16 units, 1 << 15 bytes of source, 1-64 bytes of callback data, 1024 of caption, 10 MB and 10000 px of photo", () => {
    expect(TELEGRAM_LIMITS).toEqual({
      visibleLength: 4096,
      sourceBytes: 32_768,
      callbackDataBytes: 64,
      keyboardButtons: 100,
      replyMarkupBytes: 4096,
      captionLength: 1024,
      photoBytes: 10_485_760,
      photoSideSum: 10_000,
      photoRatio: 20,
    });
    expect(TELEGRAM_TEXT_LIMIT).toBe(TELEGRAM_LIMITS.visibleLength);
  });
  it("are refused as the Bot API words it (Client.cpp lowercases the first letter of TDLib's message)", () => {
    expect(TELEGRAM_REFUSALS).toEqual({
      textEmpty: "Bad Request: message text is empty",
      textTooLong: "Bad Request: text is too long",
      messageTooLong: "Bad Request: message is too long",
      textNotUtf8: "Bad Request: text must be encoded in UTF-8",
      stringsNotUtf8: "Bad Request: strings must be encoded in UTF-8",
      buttonDataInvalid: "Bad Request: BUTTON_DATA_INVALID",
      replyMarkupTooLong: "Bad Request: reply markup is too long",
      // TDLib's "Message caption is too long" and FileLoaderUtils.cpp's size error, lowercased by
      // Client.cpp; server errors (upper case) pass as they are.
      captionTooLong: "Bad Request: message caption is too long",
      noPhoto: "Bad Request: there is no photo in the request",
      photoEmpty: "Bad Request: file must be non-empty",
      photoInvalidDimensions: "Bad Request: PHOTO_INVALID_DIMENSIONS",
      imageProcessFailed: "Bad Request: IMAGE_PROCESS_FAILED",
      noTextToEdit: "Bad Request: there is no text in the message to edit",
      noCaptionToEdit: "Bad Request: there is no caption in the message to edit",
    });
    expect(photoTooBig(10_485_761)).toBe(
      "Bad Request: file of size 10485761 bytes is too big for a photo; the maximum size is 10485760 bytes",
    );
  });
  it("source bytes are UTF-8 as sent; a lone surrogate counts 3, as TDLib's JSON decoder writes it", () => {
    expect([sourceBytes("a"), sourceBytes("é"), sourceBytes("€"), sourceBytes("🔥"), sourceBytes(LONE_HIGH)]).toEqual([1, 2, 3, 4, 3]);
  });
});

describe("well-formed strings", () => {
  it("finds a lone surrogate of either half, and not a pair", () => {
    expect([
      hasLoneSurrogate(`a${LONE_HIGH}b`),
      hasLoneSurrogate(`${LONE_LOW}`),
      hasLoneSurrogate(`x${LONE_HIGH}`),
      hasLoneSurrogate("🔥"),
      hasLoneSurrogate("plain"),
    ]).toEqual([true, true, true, false, false]);
    // Called twice in a row: no regex state carried between calls.
    expect([hasLoneSurrogate(LONE_LOW), hasLoneSurrogate(LONE_LOW)]).toEqual([true, true]);
  });
  it("replaces every lone surrogate in every string of a request, keys too, and leaves the rest alone", () => {
    const params = {
      chat_id: -1,
      text: `a${LONE_HIGH}b🔥${LONE_LOW}`,
      reply_markup: { inline_keyboard: [[{ text: `x${LONE_LOW}`, callback_data: "d" }]] },
      flag: true,
      n: null,
      [`k${LONE_HIGH}`]: "v",
    };
    expect(wellFormed(params)).toEqual({
      chat_id: -1,
      text: "a\uFFFDb🔥\uFFFD",
      reply_markup: { inline_keyboard: [[{ text: "x\uFFFD", callback_data: "d" }]] },
      flag: true,
      n: null,
      "k\uFFFD": "v",
    });
    const text = `a${LONE_HIGH}b`;
    expect([wellFormed(text).length, sourceBytes(wellFormed(text))]).toEqual([text.length, sourceBytes(text)]);
  });
});

describe("inline keyboards", () => {
  const button = (data: string) => ({ text: "b", callback_data: data });
  it("callback data of 1 to 64 bytes; 0 or 65 is BUTTON_DATA_INVALID", () => {
    expect(keyboardRefusal([[button("x".repeat(64))]])).toBeUndefined();
    expect(keyboardRefusal([[button("x".repeat(65))]])).toBe(TELEGRAM_REFUSALS.buttonDataInvalid);
    expect(keyboardRefusal([[button("é".repeat(33))]])).toBe(TELEGRAM_REFUSALS.buttonDataInvalid);
    expect(keyboardRefusal([[button("")]])).toBe(TELEGRAM_REFUSALS.buttonDataInvalid);
  });
  it("at most 100 buttons and 4 kB of markup; beyond, the reply markup is too long", () => {
    expect(keyboardRefusal(Array.from({ length: 50 }, () => [button("a"), button("b")]))).toBeUndefined();
    expect(keyboardRefusal(Array.from({ length: 101 }, () => [button("a")]))).toBe(TELEGRAM_REFUSALS.replyMarkupTooLong);
    const row = [{ text: "t".repeat(40), callback_data: "d".repeat(40) }];
    const fits = Math.floor((4096 - '{"inline_keyboard":[]}'.length + 1) / (JSON.stringify(row).length + 1));
    expect(keyboardRefusal(Array.from({ length: fits }, () => row))).toBeUndefined();
    expect(keyboardRefusal(Array.from({ length: fits + 1 }, () => row))).toBe(TELEGRAM_REFUSALS.replyMarkupTooLong);
    expect(keyboardRefusal(undefined)).toBeUndefined();
  });
  it("the largest keyboard the settings allow on an alert message fits: six of the longest durations and Ack", () => {
    const longest = [
      "0089d0023h0059m0059s",
      "0088d0023h0059m0059s",
      "0087d0023h0059m0059s",
      "0086d0023h0059m0059s",
      "0085d0023h0059m0059s",
      "0084d0023h0059m0059s",
    ];
    const config = loadConfig({ CONSOLE_SILENCE_DURATIONS: longest.join(",") });
    expect(config.console.silenceDurations).toEqual(longest);
    const card: Card = {
      id: newCardId(),
      kind: "notification",
      chatId: "-1",
      messageId: 1,
      createdAt: 0,
      updatedAt: 0,
      body: { head: "", blocks: [], foot: "" },
      subjects: [{ title: "", alerts: [{ alertKey: "k", labels: {}, status: "firing" }] }],
      buttons: true,
    };
    const keyboard = renderCardKeyboard(card, { silenceDurations: config.console.silenceDurations, canSilence: true, now: 0 });
    expect(keyboard!.flat()).toHaveLength(7);
    expect(keyboardRefusal(keyboard)).toBeUndefined();
  });
});

describe("the fake Bot API refuses as Telegram does, in Telegram's order", () => {
  it("empty, then source bytes before any parsing, then UTF-8, then entities, then the visible length", () => {
    expect(telegramTextRefusal("", "HTML")).toBe(TELEGRAM_REFUSALS.textEmpty);
    // Over the byte limit and unparseable: the bytes are checked first.
    expect(telegramTextRefusal(`<b>${"&amp;".repeat(6554)}`, "HTML")).toBe(TELEGRAM_REFUSALS.textTooLong);
    expect(telegramTextRefusal("x".repeat(32_768), undefined)).toBe(TELEGRAM_REFUSALS.messageTooLong);
    expect(telegramTextRefusal("é".repeat(16_384), "HTML")).toBe(TELEGRAM_REFUSALS.messageTooLong);
    expect(telegramTextRefusal("é".repeat(16_385), "HTML")).toBe(TELEGRAM_REFUSALS.textTooLong);
    expect(telegramTextRefusal(`<b>${LONE_HIGH}</b`, "HTML")).toBe(TELEGRAM_REFUSALS.textNotUtf8);
    expect(telegramTextRefusal(`a${LONE_LOW}`, undefined)).toBe(TELEGRAM_REFUSALS.stringsNotUtf8);
    expect(telegramTextRefusal("<b>x", "HTML")).toBe('Bad Request: can\'t parse entities: unclosed tag "b"');
    // A link target costs bytes, not visible characters.
    expect(telegramTextRefusal(`<a href="https://x.test/${"y".repeat(28_000)}">${"z".repeat(4096)}</a>`, "HTML")).toBeUndefined();
    expect(telegramTextRefusal("z".repeat(4097), "HTML")).toBe(TELEGRAM_REFUSALS.messageTooLong);
    expect(telegramTextRefusal("🔥".repeat(2048), undefined)).toBeUndefined();
  });

  describe("over HTTP", () => {
    let tg: FakeTelegram;
    const call = async (method: string, params: Record<string, unknown>) => {
      const r = await fetch(`${tg.url}/bot${tg.token}/${method}`, {
        method: "POST",
        headers: { "content-type": "application/json" },
        body: JSON.stringify(params),
      });
      return { status: r.status, description: ((await r.json()) as { description?: string }).description };
    };
    beforeEach(async () => {
      tg = await new FakeTelegram().start();
    });
    afterEach(() => tg.stop());

    it("sendMessage and editMessageText refuse with the words and status 400; nothing is shown", async () => {
      expect(await call("sendMessage", { chat_id: "-1", text: "x".repeat(40_000) })).toEqual({
        status: 400,
        description: TELEGRAM_REFUSALS.textTooLong,
      });
      expect(await call("sendMessage", { chat_id: "-1", text: `a${LONE_HIGH}`, parse_mode: "HTML" })).toEqual({
        status: 400,
        description: TELEGRAM_REFUSALS.textNotUtf8,
      });
      expect(
        await call("sendMessage", {
          chat_id: "-1",
          text: "ok",
          reply_markup: { inline_keyboard: [[{ text: "b", callback_data: "d".repeat(65) }]] },
        }),
      ).toEqual({ status: 400, description: TELEGRAM_REFUSALS.buttonDataInvalid });
      expect(
        await call("sendMessage", {
          chat_id: "-1",
          text: "ok",
          reply_markup: { inline_keyboard: [[{ text: `b${LONE_LOW}`, callback_data: "d" }]] },
        }),
      ).toEqual({
        status: 400,
        description: "Bad Request: can't parse inline keyboard button: Inline keyboard button text must be encoded in UTF-8",
      });
      expect(tg.messages).toEqual([]);
      expect((await call("sendMessage", { chat_id: "-1", text: "ok" })).status).toBe(200);
      expect(
        await call("editMessageText", {
          chat_id: "-1",
          message_id: tg.messages[0].messageId,
          text: "é".repeat(16_385),
          parse_mode: "HTML",
        }),
      ).toEqual({ status: 400, description: TELEGRAM_REFUSALS.textTooLong });
      expect(await call("editMessageText", { chat_id: "-1", message_id: tg.messages[0].messageId, text: LONE_LOW })).toEqual({
        status: 400,
        description: TELEGRAM_REFUSALS.stringsNotUtf8,
      });
    });
  });
});

describe("plain text, the last resort", () => {
  const L = { visibleLength: 40, sourceBytes: 1000 };
  it("takes Telegram's limits as they are", () => {
    expect(textFits("x".repeat(4096))).toBe(true);
    expect(textFits("x".repeat(4097))).toBe(false);
    expect(textFits(`<a href="https://x.test/${"y".repeat(32_800)}">x</a>`)).toBe(false);
    expect(textFits(`<a href="https://x.test/${"y".repeat(32_000)}">x</a>`)).toBe(true);
  });
  it("writes links out when that fits, gives their targets up when not, then cuts at a code point with an ellipsis", () => {
    expect(plainText('<b>A</b> <a href="https://x.test/">Runbook</a>', L)).toBe("A Runbook (https://x.test/)");
    expect(plainText(`<b>A &amp; B</b> <a href="https://x.test/${"y".repeat(40)}">Runbook</a>`, L)).toBe("A & B Runbook");
    // Half the emoji would fit; the emoji is not split.
    const cut = plainText(`${"a".repeat(38)}🔥🔥`, L);
    expect(cut).toBe(`${"a".repeat(38)}…`);
    expect(visibleLength(cut)).toBeLessThanOrEqual(40);
    expect(plainText("é".repeat(30), { visibleLength: 100, sourceBytes: 20 })).toBe(`${"é".repeat(8)}…`);
  });
});

describe("through the bridge, against the fake Bot API", () => {
  let telegram: FakeTelegram;
  let bridge: RunningBridge;
  beforeEach(async () => {
    telegram = await new FakeTelegram().start();
    bridge = await startBridge(
      loadConfig({
        TELEGRAM_BOT_TOKEN: telegram.token,
        TELEGRAM_CHAT_ID: "-1001",
        TELEGRAM_API_BASE: telegram.url,
        PORT: "0",
        HOST: "127.0.0.1",
        MIN_SEND_INTERVAL_MS: "10",
        COALESCE_MS: "0",
        REQUEST_BUDGET_MS: "3000",
        CONSOLE_ENABLED: "false",
      }),
      { log: new Logger(() => undefined), delivery: { backoffMs: [20] } },
    );
  });
  afterEach(async () => {
    await bridge.close(1000);
    await telegram.stop();
  });

  it("a lone surrogate in a label, a summary and a link is delivered, shown as U+FFFD", async () => {
    const a = alert({
      labels: { instance: `db-${LONE_HIGH}` },
      annotations: { summary: `cut emoji ${LONE_LOW} here`, runbook_url: `https://rb.test/${LONE_HIGH}` },
    });
    const r = await fetch(`${bridge.url}/alert`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify(payload([a])),
    });
    expect(r.status).toBe(200);
    expect(telegram.messages).toHaveLength(1);
    expect(telegram.messages[0].text).toContain("db-\uFFFD");
    expect(telegram.messages[0].text).toContain("cut emoji \uFFFD here");
    expect(hasLoneSurrogate(telegram.messages[0].text)).toBe(false);
  });
});

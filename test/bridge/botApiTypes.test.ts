/* eslint-disable @typescript-eslint/no-unused-vars -- the schemas below exist for their types (typeof), which tsc checks */
import type { CallbackQuery, ChatMember, InlineKeyboardMarkup, Update, User } from "@grammyjs/types";
import type { BotApiView, BotParams, InlineKeyboard, ReadsBotApi } from "../../bridge/src/botApi";
import { membersSchema, updateSchema } from "../../bridge/src/console/updates";
import * as z from "../../bridge/src/zod";

/**
 * The bridge's views of Bot API objects are checked against @grammyjs/types when `tsc` runs (this
 * file is part of it): each `@ts-expect-error` below is a view the check must refuse, so a check
 * that let it through would leave the directive unused, and tsc fails.
 */

const user = z.looseObject({ id: z.number(), username: z.optional(z.string()) });
const nickname = z.looseObject({ id: z.number(), nickname: z.optional(z.string()) });
const lastNameRequired = z.looseObject({ id: z.number(), last_name: z.string() });
const idAsText = z.looseObject({ id: z.string() });
const misspeltChat = z.looseObject({
  update_id: z.number(),
  callback_query: z.optional(
    z.looseObject({ id: z.string(), message: z.optional(z.looseObject({ chat: z.looseObject({ id: z.number(), titel: z.string() }) })) }),
  ),
});
const misspeltMember = z.array(z.looseObject({ status: z.string(), user: z.looseObject({ id: z.number(), bot: z.boolean() }) }));

export type Refused = [
  // @ts-expect-error a field User does not have
  BotApiView<ReadsBotApi<typeof nickname, User>>,
  // @ts-expect-error a field Telegram may leave out (last_name), required
  BotApiView<ReadsBotApi<typeof lastNameRequired, User>>,
  // @ts-expect-error a field of another type (Telegram's ids are numbers)
  BotApiView<ReadsBotApi<typeof idAsText, User>>,
  // @ts-expect-error a misspelt field deep inside: callback_query.message.chat.titel
  BotApiView<ReadsBotApi<typeof misspeltChat, Update>>,
  // @ts-expect-error a field of an element of a list: ChatMember has no `bot`
  BotApiView<ReadsBotApi<typeof misspeltMember, ChatMember[]>>,
];
export type Accepted = [
  BotApiView<ReadsBotApi<typeof user, User>>,
  BotApiView<ReadsBotApi<typeof updateSchema, Update>>,
  BotApiView<ReadsBotApi<typeof membersSchema, ChatMember[]>>,
];

describe("the views of Telegram's objects", () => {
  it("read an update as the Bot API sends it, ignoring what they do not use", () => {
    const query: CallbackQuery = {
      id: "q1",
      from: { id: 7, is_bot: false, first_name: "Ann", language_code: "en" },
      chat_instance: "1",
      data: "ack",
      message: { message_id: 3, date: 0, chat: { id: -100, type: "supergroup", title: "alerts", is_forum: true } },
    };
    const update: Update = { update_id: 9, callback_query: query };
    expect(updateSchema.parse(update)).toEqual(update);
    const members: ChatMember[] = [{ status: "creator", user: { id: 1, is_bot: false, first_name: "Owner" }, is_anonymous: false }];
    expect(membersSchema.parse(members)).toEqual(members);
  });

  it("the bridge's keyboards and parameters are the Bot API's own", () => {
    const keyboard: InlineKeyboard = [[{ text: "👀 Ack", callback_data: "a" }]];
    const markup: InlineKeyboardMarkup = { inline_keyboard: keyboard };
    const params: BotParams<"sendMessage"> = { chat_id: -1, text: "x", reply_markup: markup };
    // @ts-expect-error sendMessage has no `caption`
    const wrong: BotParams<"sendMessage"> = { chat_id: -1, text: "x", caption: "y" };
    expect([params, wrong]).toHaveLength(2);
  });
});

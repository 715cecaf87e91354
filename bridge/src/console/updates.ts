import type { CallbackQuery, ChatMember, MaybeInaccessibleMessage, Update as BotUpdate, User } from "@grammyjs/types";
import type { BotApiView, ReadsBotApi } from "../botApi";
import * as z from "../zod";

/**
 * The parts of Telegram updates the console reads, validated at the edge; the rest is ignored.
 * Each schema is checked at compile time against the Bot API's own type (botApi.ts).
 */
const integer = () => z.number().check(z.int());
const userSchema = z.looseObject({
  id: integer(),
  is_bot: z.optional(z.boolean()),
  first_name: z.optional(z.string()),
  last_name: z.optional(z.string()),
  username: z.optional(z.string()),
});
const chatSchema = z.looseObject({ id: integer() });
const messageSchema = z.looseObject({
  message_id: integer(),
  chat: chatSchema,
  from: z.optional(userSchema),
  text: z.optional(z.string()),
  message_thread_id: z.optional(integer()),
});
const callbackQuerySchema = z.looseObject({
  id: z.string(),
  from: userSchema,
  message: z.optional(messageSchema),
  data: z.optional(z.string()),
});

export const updateSchema = z.looseObject({
  update_id: integer(),
  message: z.optional(messageSchema),
  callback_query: z.optional(callbackQuerySchema),
});

/** What getChatAdministrators answers, as far as the console reads it: each member's status and user. */
export const membersSchema = z.array(
  z.looseObject({ status: z.string(), user: z.looseObject({ id: integer(), is_bot: z.optional(z.boolean()) }) }),
);

export type BotApiViews = [
  BotApiView<ReadsBotApi<typeof userSchema, User>>,
  BotApiView<ReadsBotApi<typeof messageSchema, MaybeInaccessibleMessage>>,
  BotApiView<ReadsBotApi<typeof callbackQuerySchema, CallbackQuery>>,
  BotApiView<ReadsBotApi<typeof updateSchema, BotUpdate>>,
  BotApiView<ReadsBotApi<typeof membersSchema, ChatMember[]>>,
];

export type TelegramUser = z.infer<typeof userSchema>;
export type Update = z.infer<typeof updateSchema>;
export type IncomingMessage = z.infer<typeof messageSchema>;
/** How a person is named in messages, logs and createdBy: @username, else their name, with the id. */
export function displayName(u: TelegramUser): string {
  const name = u.username ? `@${u.username}` : [u.first_name, u.last_name].filter(Boolean).join(" ") || "someone";
  return `${name} (id ${u.id})`;
}

/** `/alerts`, `/alerts@ThisBot` → "alerts"; a command addressed to another bot → undefined. */
export function parseCommand(text: string | undefined, botUsername: string | undefined): string | undefined {
  const m = /^\/([a-z_]+)(?:@(\w+))?(?:\s|$)/i.exec(text ?? "");
  if (!m) return undefined;
  if (m[2] && botUsername && m[2].toLowerCase() !== botUsername.toLowerCase()) return undefined;
  return m[1].toLowerCase();
}

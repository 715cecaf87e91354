import { z } from "zod";

/** The parts of Telegram updates the console reads, validated at the edge; the rest is ignored. */
const userSchema = z.looseObject({
  id: z.number().int(),
  is_bot: z.boolean().optional(),
  first_name: z.string().optional(),
  last_name: z.string().optional(),
  username: z.string().optional(),
});
const chatSchema = z.looseObject({ id: z.number().int(), type: z.string().optional() });
const messageSchema = z.looseObject({
  message_id: z.number().int(),
  chat: chatSchema,
  from: userSchema.optional(),
  text: z.string().optional(),
  message_thread_id: z.number().int().optional(),
});

export const updateSchema = z.looseObject({
  update_id: z.number().int(),
  message: messageSchema.optional(),
  callback_query: z
    .looseObject({
      id: z.string(),
      from: userSchema,
      message: messageSchema.optional(),
      data: z.string().optional(),
    })
    .optional(),
});

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
  // Stryker disable next-line StringLiteral: the stand-in for a message without text only has to be no command; "Stryker was here!" does not start with "/" either
  const m = /^\/([a-z_]+)(?:@(\w+))?(?:\s|$)/i.exec(text ?? "");
  if (!m) return undefined;
  if (m[2] && botUsername && m[2].toLowerCase() !== botUsername.toLowerCase()) return undefined;
  return m[1].toLowerCase();
}

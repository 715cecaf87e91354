import { BridgeConfig, ChatDestination } from "./config";

export type ChatKind = "group" | "private";

/**
 * Telegram's pace depends on the kind of chat: negative ids are groups, supergroups and channels,
 * `@name` is a public channel, positive ids are private chats with a user.
 */
export function chatKind(chatId: string): ChatKind {
  return chatId.startsWith("-") || chatId.startsWith("@") ? "group" : "private";
}

/**
 * Where an alert goes. Lookups go through a Map, never a plain object: a severity such as
 * `constructor` or `__proto__` must find nothing and fall back to the default chat.
 */
export class ChatRouter {
  constructor(private readonly config: Pick<BridgeConfig, "defaultChat" | "severityChats">) {}

  destination(severity: string | undefined): ChatDestination | undefined {
    return (severity !== undefined ? this.config.severityChats.get(severity) : undefined) ?? this.config.defaultChat;
  }

  /** Every chat alerts are sent to: the console serves these and no others. */
  configuredChats(): string[] {
    const ids = [this.config.defaultChat?.chatId, ...[...this.config.severityChats.values()].map((d) => d.chatId)];
    return [...new Set(ids.filter((id): id is string => id !== undefined))];
  }
}

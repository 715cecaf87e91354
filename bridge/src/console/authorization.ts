import { ConsoleAllow } from "../../../config/consoleSettings";
import { chatKind } from "../chats";
import { Administrators } from "./administrators";

/**
 * Who may do what. The console serves only the chats alerts (and escalations) go to. Reading
 * (/alerts, /silences, /status, /help) and Ack are open to everyone in those chats; silencing,
 * unsilencing, expiring and fire drills change what the whole team hears, so they are open to
 * the chat's administrators by default (telegram.console.allow: admins), to an explicit list
 * (list), or to everyone (everyone, only when set so). In a private chat with the bot the one
 * person in it is its only member, and counts as its administrator.
 */
export type ConsoleAction = "silence" | "unsilence" | "expire" | "drill" | "ack" | "alerts" | "silences" | "status" | "help";

const CHANGES_NOTIFICATIONS: ReadonlySet<ConsoleAction> = new Set(["silence", "unsilence", "expire", "drill"]);

export interface AuthorizationPolicy {
  readonly servedChats: () => ReadonlySet<string>;
  readonly allow: ConsoleAllow;
  readonly allowedUserIds: ReadonlySet<number>;
  readonly administrators: (chatId: string) => Promise<Administrators>;
}

export type Decision =
  | { readonly allowed: true }
  | { readonly allowed: false; readonly reason: "chat" | "user" | "administrators_unknown"; readonly message: string };

const VERB: Partial<Record<ConsoleAction, string>> = { drill: "start a drill" };

export async function authorize(
  policy: AuthorizationPolicy,
  action: ConsoleAction,
  chatId: string,
  userId: number | undefined,
): Promise<Decision> {
  if (!policy.servedChats().has(chatId)) {
    return { allowed: false, reason: "chat", message: "Sorry, this bot only answers in the chats it sends alerts to." };
  }
  if (!CHANGES_NOTIFICATIONS.has(action) || policy.allow === "everyone") return { allowed: true };
  if (userId !== undefined && policy.allowedUserIds.has(userId)) return { allowed: true };
  const verb = VERB[action] ?? action;
  const yourId = userId !== undefined ? ` (${userId})` : "";
  if (policy.allow === "list") {
    return {
      allowed: false,
      reason: "user",
      message: `Sorry, only the on-call list may ${verb} here. Ask an admin to add your Telegram user id${yourId} to telegram.console.allowedUserIds.`,
    };
  }
  // A private chat is one person and the bot: getChatAdministrators has no answer for it.
  if (chatKind(chatId) === "private") return userId !== undefined && String(userId) === chatId ? { allowed: true } : notAdmin(verb, yourId);
  const admins = await policy.administrators(chatId);
  if (!admins.ok) {
    return {
      allowed: false,
      reason: "administrators_unknown",
      message: `Sorry, I could not check who administers this chat (${admins.said}); nothing was changed. Try again in a minute.`,
    };
  }
  return userId !== undefined && admins.ids.has(userId) ? { allowed: true } : notAdmin(verb, yourId);
}

function notAdmin(verb: string, yourId: string): Decision {
  return {
    allowed: false,
    reason: "user",
    message: `Sorry, only this chat's administrators and the on-call list may ${verb} here. Ask an admin to add your Telegram user id${yourId} to telegram.console.allowedUserIds.`,
  };
}

/**
 * Who may do what. The console serves only the chats alerts go to. Reading (/alerts, /silences,
 * /status, /help) and Ack are open to everyone in those chats; silencing, unsilencing and
 * expiring change what the whole team hears, so an optional allowlist of Telegram user ids
 * narrows them.
 */
export type ConsoleAction = "silence" | "unsilence" | "expire" | "ack" | "alerts" | "silences" | "status" | "help";

const CHANGES_NOTIFICATIONS: ReadonlySet<ConsoleAction> = new Set(["silence", "unsilence", "expire"]);

export interface AuthorizationPolicy {
  readonly servedChats: () => ReadonlySet<string>;
  readonly allowedUserIds: ReadonlySet<number> | undefined;
}

export type Decision = { readonly allowed: true } | { readonly allowed: false; readonly reason: "chat" | "user"; readonly message: string };

export function authorize(policy: AuthorizationPolicy, action: ConsoleAction, chatId: string, userId: number | undefined): Decision {
  if (!policy.servedChats().has(chatId)) {
    return { allowed: false, reason: "chat", message: "Sorry, this bot only answers in the chats it sends alerts to." };
  }
  if (CHANGES_NOTIFICATIONS.has(action) && policy.allowedUserIds && (userId === undefined || !policy.allowedUserIds.has(userId))) {
    return {
      allowed: false,
      reason: "user",
      message: `Sorry, only the on-call list may ${action} here. Ask an admin to add your Telegram user id${userId !== undefined ? ` (${userId})` : ""} to telegram.console.allowedUserIds.`,
    };
  }
  return { allowed: true };
}

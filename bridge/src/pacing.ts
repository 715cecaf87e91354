import { chatKind } from "./chats";
import { PaceLimits } from "./config";

const MINUTE_MS = 60_000;
const SECOND_MS = 1000;

/**
 * Telegram's limits as a schedule: at most one message per interval in any chat, at most
 * `groupPerMinute` in any rolling minute in a group or channel, and `botPerSecond` across all
 * chats. A 429 holds the chat until its retry_after has passed. Sends are recorded when Telegram
 * answered, which is never earlier than when Telegram counted them, so the spacing Telegram sees
 * is never shorter than ours.
 */
export class Pacer {
  private readonly sent = new Map<string, number[]>();
  private readonly heldUntil = new Map<string, number>();
  private botSends: number[] = [];

  constructor(private readonly limits: PaceLimits) {}

  /** The earliest time a message may go to the chat. */
  nextSlot(chatId: string, now: number): number {
    const history = this.prune(chatId, now);
    let at = Math.max(now, this.heldUntil.get(chatId) ?? 0);
    const last = history[history.length - 1];
    if (last !== undefined) at = Math.max(at, last + this.limits.chatIntervalMs);
    if (chatKind(chatId) === "group" && history.length >= this.limits.groupPerMinute) {
      at = Math.max(at, history[history.length - this.limits.groupPerMinute] + (this.limits.windowMs ?? MINUTE_MS));
    }
    // Stryker disable next-line MethodExpression: unpruned, the slot read at botSends[length - botPerSecond] is the same recent send, or one older than a second whose + 1000 is at most now; only memory grows
    this.botSends = this.botSends.filter((t) => t > now - SECOND_MS);
    if (this.botSends.length >= this.limits.botPerSecond)
      at = Math.max(at, this.botSends[this.botSends.length - this.limits.botPerSecond] + SECOND_MS);
    return at;
  }

  record(chatId: string, at: number): void {
    const history = this.sent.get(chatId) ?? [];
    history.push(at);
    this.sent.set(chatId, history);
    this.botSends.push(at);
  }

  /** Telegram said 429: nothing goes to this chat before `until`. */
  hold(chatId: string, until: number): void {
    this.heldUntil.set(chatId, Math.max(until, this.heldUntil.get(chatId) ?? 0));
  }

  /** Forgets sends that can no longer delay the chat: older than the window and the interval. */
  private prune(chatId: string, now: number): number[] {
    const keep = Math.max(this.limits.windowMs ?? MINUTE_MS, this.limits.chatIntervalMs);
    const history = (this.sent.get(chatId) ?? []).filter((t) => t > now - keep);
    this.sent.set(chatId, history);
    return history;
  }
}

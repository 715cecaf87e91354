import type { ChatMemberAdministrator, ChatMemberOwner } from "@grammyjs/types";
import { Logger } from "../log";
import { ApiOutcome, TelegramApi } from "../telegram";
import { membersSchema } from "./updates";

/** How long a chat's administrators are trusted before Telegram is asked again. */
export const ADMINISTRATORS_TTL_MS = 10 * 60_000;
/** A press waits at most this long for Telegram's list; the button must be answered within seconds. */
export const ADMINISTRATORS_TIMEOUT_MS = 5000;

type Administrator = Pick<ChatMemberOwner | ChatMemberAdministrator, "status" | "user">;

export type Administrators = { readonly ok: true; readonly ids: ReadonlySet<number> } | { readonly ok: false; readonly said: string };

/**
 * The administrators of each served chat, from Telegram's getChatAdministrators, kept for
 * ADMINISTRATORS_TTL_MS and then asked again; presses that arrive together share one question.
 * A list that cannot be had is said so ("Telegram could not be reached"): the caller refuses.
 */
export class ChatAdministrators {
  private readonly known = new Map<string, { ids: ReadonlySet<number>; at: number }>();
  private readonly asking = new Map<string, Promise<Administrators>>();

  constructor(
    private readonly api: TelegramApi,
    private readonly log: Logger,
    private readonly now: () => number = Date.now,
    private readonly ttlMs = ADMINISTRATORS_TTL_MS,
  ) {}

  async of(chatId: string): Promise<Administrators> {
    const cached = this.known.get(chatId);
    if (cached && this.now() - cached.at < this.ttlMs) return { ok: true, ids: cached.ids };
    let question = this.asking.get(chatId);
    if (!question) {
      question = this.ask(chatId).finally(() => this.asking.delete(chatId));
      this.asking.set(chatId, question);
    }
    return question;
  }

  private async ask(chatId: string): Promise<Administrators> {
    const outcome = await this.api.call("getChatAdministrators", { chat_id: chatId }, { timeoutMs: ADMINISTRATORS_TIMEOUT_MS });
    if (outcome.kind === "ok") {
      const members = membersSchema.safeParse(outcome.result);
      if (members.success) {
        const admins: Administrator[] = members.data.filter(
          (m): m is typeof m & Administrator => m.status === "creator" || m.status === "administrator",
        );
        const ids = new Set(admins.filter((m) => !m.user.is_bot).map((m) => m.user.id));
        this.known.set(chatId, { ids, at: this.now() });
        return { ok: true, ids };
      }
      this.log.warn("getChatAdministrators answered something else than a list of members", {
        chat_id: chatId,
        reason: members.error.issues[0].message,
      });
      return { ok: false, said: "Telegram's answer was not understood" };
    }
    this.log.warn("getChatAdministrators failed; changes are refused until Telegram answers", {
      chat_id: chatId,
      outcome: outcome.kind,
      detail: "detail" in outcome ? outcome.detail : undefined,
    });
    return { ok: false, said: saidOf(outcome) };
  }
}

function saidOf(o: Exclude<ApiOutcome, { kind: "ok" }>): string {
  switch (o.kind) {
    case "rate_limited":
      return "Telegram asked the bridge to slow down";
    case "transient":
      return "Telegram could not be reached";
    case "permanent":
      return `Telegram refused: ${o.detail.replace(/^\d{3}\s*/, "") || o.reason}`;
    default:
      return `Telegram answered ${o.kind.replace("_", " ")}`;
  }
}

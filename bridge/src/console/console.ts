import { CallbackAction, CardView, decodeCallback, newCardId, renderCardKeyboard, renderCardText } from "../cards";
import { ChatRouter } from "../chats";
import { ConsoleConfig } from "../config";
import { editParams, Outbox } from "../delivery";
import { parseDuration } from "../durations";
import { FormatOptions } from "../format";
import { describeError, Logger } from "../log";
import { BridgeMetrics } from "../metrics";
import { StateStore, Subject } from "../stateStore";
import { TelegramApi } from "../telegram";
import { AlertmanagerClient, matchersFor } from "./alertmanagerClient";
import { authorize, AuthorizationPolicy, ConsoleAction } from "./authorization";
import { helpText, overviewCard, silencesMessage, statusMessage, StatusFacts } from "./commands";
import { displayName, IncomingMessage, parseCommand, TelegramUser, Update } from "./updates";

export interface ConsoleDeps {
  readonly config: ConsoleConfig;
  readonly router: ChatRouter;
  readonly store: StateStore;
  readonly outbox: Outbox;
  readonly api: TelegramApi;
  readonly metrics: BridgeMetrics;
  readonly log: Logger;
  readonly format: FormatOptions;
  readonly status: () => Omit<StatusFacts, "prometheus" | "alertmanager" | "watchdogInAlertmanager">;
  readonly now?: () => number;
}

type Result = "ok" | "refused" | "invalid" | "stale" | "failed";

const COMMANDS: Record<string, ConsoleAction> = { alerts: "alerts", silences: "silences", status: "status", help: "help", start: "help" };

/**
 * The on-call console: commands and button presses from the served chats, each authorized,
 * carried out against Alertmanager, answered in the chat, logged (who, what, which alerts) and
 * counted. A forged or stale button changes nothing and says so.
 */
export class Console {
  private readonly am: AlertmanagerClient | undefined;
  private readonly policy: AuthorizationPolicy;
  private readonly now: () => number;
  botUsername: string | undefined;

  constructor(private readonly deps: ConsoleDeps) {
    this.am = deps.config.alertmanagerUrl ? new AlertmanagerClient(deps.config.alertmanagerUrl, undefined, deps.config.alertmanagerAuthorization) : undefined;
    this.now = deps.now ?? Date.now;
    this.policy = {
      // A chat that became a supergroup is still ours, under its new id.
      servedChats: () => new Set(deps.router.configuredChats().flatMap((id) => [id, deps.store.currentChat(id)])),
      allowedUserIds: deps.config.allowedUserIds,
    };
  }

  cardView(): Omit<CardView, "now"> {
    return { silenceDurations: this.deps.config.silenceDurations, canSilence: this.am !== undefined };
  }

  async handle(update: Update): Promise<"handled" | "ignored"> {
    if (update.callback_query) {
      await this.onButton(update.callback_query);
      return "handled";
    }
    const m = update.message;
    const command = parseCommand(m?.text, this.botUsername);
    if (!m || command === undefined) return "ignored";
    const action = COMMANDS[command];
    if (!Object.hasOwn(COMMANDS, command)) return "ignored";
    await this.onCommand(m, action);
    return "handled";
  }

  // --- commands ----------------------------------------------------------------------------------

  private async onCommand(m: IncomingMessage, action: ConsoleAction): Promise<void> {
    const chatId = String(m.chat.id);
    const decision = authorize(this.policy, action, chatId, m.from?.id);
    if (!decision.allowed) {
      this.record(action, "refused", m.from, { chat_id: chatId, reason: decision.reason });
      await this.reply(m, decision.message);
      return;
    }
    try {
      switch (action) {
        case "help":
          await this.reply(m, helpText(this.deps.format, this.deps.config.silenceDurations, this.deps.config.allowedUserIds, m.from?.id));
          break;
        case "alerts":
          await this.alerts(m);
          break;
        case "silences":
          await this.silences(m);
          break;
        case "status":
          await this.reply(m, statusMessage(await this.statusFacts(), this.deps.format, this.now()));
          break;
      }
      this.record(action, "ok", m.from, { chat_id: chatId });
    } catch (e) {
      this.record(action, "failed", m.from, { chat_id: chatId, reason: describeError(e) });
      await this.reply(m, `Sorry, that failed: ${escapeShort(describeError(e))}`);
    }
  }

  private async alerts(m: IncomingMessage): Promise<void> {
    if (!this.am) return void (await this.reply(m, "Alertmanager's address is not configured (ALERTMANAGER_URL), so I cannot list alerts."));
    const card = overviewCard(await this.am.firingAlerts(), this.deps.format, newCardId(), String(m.chat.id), this.now());
    if (!card) return void (await this.reply(m, "Nothing fires right now ✅"));
    card.threadId = m.message_thread_id;
    const view = { ...this.cardView(), now: this.now() };
    const keyboard = renderCardKeyboard(card, view);
    const outcome = await this.deps.outbox.priority(String(m.chat.id), "sendMessage", (chatId) => ({
      chat_id: chatId,
      text: renderCardText(card, view.now),
      parse_mode: "HTML",
      link_preview_options: { is_disabled: true },
      ...threadOf(m),
      ...(keyboard ? { reply_markup: { inline_keyboard: keyboard } } : {}),
    }));
    if (outcome.kind !== "ok") throw new Error(`Telegram did not take the answer: ${outcome.kind}`);
    this.deps.store.putCard({ ...card, messageId: (outcome.result as { message_id: number }).message_id });
    this.deps.store.commit();
  }

  private async silences(m: IncomingMessage): Promise<void> {
    if (!this.am) return void (await this.reply(m, "Alertmanager's address is not configured (ALERTMANAGER_URL), so I cannot list silences."));
    const { html, keyboard } = silencesMessage(await this.am.silences(), this.deps.format, this.now());
    await this.reply(m, html, keyboard);
  }

  private async statusFacts(): Promise<StatusFacts> {
    const prom = this.deps.config.prometheusUrl;
    const auth = this.deps.config.prometheusAuthorization;
    const promReady = prom ? await fetch(`${prom}/-/ready`, { signal: AbortSignal.timeout(5000), headers: auth ? { authorization: auth } : {} }).then((r) => r.ok, () => false) : undefined;
    const amReady = this.am ? await this.am.ready() : undefined;
    let watchdog = "Alertmanager not asked";
    if (this.am && amReady) {
      const w = await this.am.alertsNamed("Watchdog").catch(() => undefined);
      watchdog = w === undefined ? "Alertmanager did not answer" : w.length ? `firing in Alertmanager since ${w[0].startsAt}` : "NOT firing in Alertmanager (the alerting pipeline may be broken)";
    }
    return {
      ...this.deps.status(),
      prometheus: promReady === undefined ? "not configured" : promReady ? "ready" : "not ready",
      alertmanager: amReady === undefined ? "not configured" : amReady ? "ready" : "not ready",
      watchdogInAlertmanager: watchdog,
    };
  }

  private async reply(m: IncomingMessage, html: string, keyboard?: unknown): Promise<void> {
    const outcome = await this.deps.outbox.priority(String(m.chat.id), "sendMessage", (chatId) => ({
      chat_id: chatId,
      text: html,
      parse_mode: "HTML",
      link_preview_options: { is_disabled: true },
      ...threadOf(m),
      reply_parameters: { message_id: m.message_id, allow_sending_without_reply: true },
      ...(keyboard ? { reply_markup: { inline_keyboard: keyboard } } : {}),
    }));
    if (outcome.kind !== "ok") this.deps.log.warn("console answer not delivered", { chat_id: m.chat.id, outcome: outcome.kind, detail: "detail" in outcome ? outcome.detail : undefined });
  }

  // --- buttons -----------------------------------------------------------------------------------

  private async onButton(q: NonNullable<Update["callback_query"]>): Promise<void> {
    const answer = (text: string, alert = false) =>
      this.deps.api.call("answerCallbackQuery", { callback_query_id: q.id, text: text.slice(0, 200), show_alert: alert }).then((o) => {
        if (o.kind !== "ok") this.deps.log.warn("button press not acknowledged to Telegram", { outcome: o.kind });
      });
    const action = decodeCallback(q.data);
    const chatId = q.message ? String(q.message.chat.id) : "";
    if (!action) {
      this.record("unknown", "invalid", q.from, { chat_id: chatId, data: (q.data ?? "").slice(0, 64) });
      return answer("This button is not one I made; nothing was changed.", true);
    }
    const decision = authorize(this.policy, action.op, chatId, q.from.id);
    if (!decision.allowed) {
      this.record(action.op, "refused", q.from, { chat_id: chatId, reason: decision.reason, ...describeAction(action) });
      return answer(decision.message, true);
    }
    try {
      const [result, text, fields] = action.op === "expire" ? await this.expire(action.silenceId, q.from, chatId, q.message) : await this.onCardButton(action, q.from, q.message);
      this.record(action.op, result, q.from, { chat_id: chatId, ...describeAction(action), ...fields });
      await answer(text, result !== "ok");
    } catch (e) {
      this.record(action.op, "failed", q.from, { chat_id: chatId, ...describeAction(action), reason: describeError(e) });
      await answer(`That failed; nothing was changed: ${describeError(e)}`, true);
    }
  }

  private async onCardButton(
    action: Exclude<CallbackAction, { op: "expire" }>,
    user: TelegramUser,
    message: IncomingMessage | undefined,
  ): Promise<[Result, string, Record<string, unknown>]> {
    const card = this.deps.store.card(action.cardId);
    if (!card) return ["stale", "This button has expired: I no longer remember that message. Use /alerts for current buttons.", {}];
    const sameMessage = message && message.message_id === card.messageId && this.deps.store.currentChat(card.chatId) === this.deps.store.currentChat(String(message.chat.id));
    if (!sameMessage || action.subject >= card.subjects.length) return ["invalid", "This button does not belong to this message; nothing was changed.", { card: card.id }];
    const subject = card.subjects[action.subject];
    const firing = subject.alerts.filter((a) => a.status === "firing");
    const fields = { card: card.id, alerts: [...new Set(subject.alerts.map((a) => a.labels.alertname))].join(",") };
    const who = displayName(user);
    const now = this.now();
    switch (action.op) {
      case "ack": {
        if (subject.ack?.by === who) return ["stale", "You already acknowledged this.", fields];
        this.deps.store.updateCard(card.id, (c) => (c.subjects[action.subject].ack = { by: who, at: now }));
        break;
      }
      case "silence": {
        const ms = parseDuration(action.duration);
        if (!this.deps.config.silenceDurations.includes(action.duration) || ms === undefined) return ["stale", "That duration is no longer offered; nothing was changed.", fields];
        if (subject.silence && subject.silence.until > now) return ["stale", `Already silenced by ${subject.silence.by} until ${new Date(subject.silence.until).toISOString()}.`, fields];
        if (firing.length === 0) return ["stale", "These alerts have resolved; nothing to silence.", fields];
        const ids = await this.silenceAlerts(firing, ms, who, card.id, subject);
        this.deps.store.updateCard(card.id, (c) => {
          c.subjects[action.subject].silence = { ids, by: who, until: now + ms };
          c.subjects[action.subject].unsilenced = undefined;
        });
        Object.assign(fields, { silence_ids: ids.join(","), duration: action.duration });
        break;
      }
      case "unsilence": {
        const s = subject.silence;
        if (!s || s.until <= now) return ["stale", "Not silenced any more; nothing was changed.", fields];
        for (const id of s.ids) await this.expireQuietly(id);
        this.deps.store.updateCard(card.id, (c) => {
          c.subjects[action.subject].silence = undefined;
          c.subjects[action.subject].unsilenced = { by: who, at: now };
        });
        Object.assign(fields, { silence_ids: s.ids.join(",") });
        break;
      }
    }
    this.deps.store.commit();
    await this.editCard(card.id);
    const done = { ack: "Noted: you are on it.", silence: `Silenced ${firing.length} alert${firing.length === 1 ? "" : "s"} for ${"duration" in action ? action.duration : ""}.`, unsilence: "Silence expired; the alerts notify again." }[action.op];
    return ["ok", done, fields];
  }

  private async silenceAlerts(alerts: Subject["alerts"], ms: number, who: string, cardId: string, subject: Subject): Promise<string[]> {
    const am = this.am!;
    const start = new Date(this.now());
    const end = new Date(this.now() + ms);
    const names = [...new Set(alerts.map((a) => a.labels.alertname))].join(", ");
    const ids: string[] = [];
    // One silence per alert, matching its whole label set: exactly what the message showed.
    const seen = new Set<string>();
    for (const a of alerts) {
      const matchers = matchersFor(a.labels);
      const key = JSON.stringify(matchers);
      if (seen.has(key)) continue;
      seen.add(key);
      ids.push(
        await am.createSilence({
          matchers,
          startsAt: start,
          endsAt: end,
          createdBy: who,
          comment: `Silenced from Telegram (${this.deps.format.environment}) on ${names}${subject.title ? ` (/alerts group ${subject.title})` : ""}; card ${cardId}`,
        }),
      );
    }
    return ids;
  }

  /** Expiring a silence someone already expired (amtool, the UI) is not an error here. */
  private async expireQuietly(id: string): Promise<void> {
    const s = await this.am!.silence(id);
    if (s && s.status.state !== "expired") await this.am!.expireSilence(id);
  }

  private async expire(silenceId: string, user: TelegramUser, chatId: string, message: IncomingMessage | undefined): Promise<[Result, string, Record<string, unknown>]> {
    if (!this.am) return ["failed", "Alertmanager's address is not configured.", {}];
    const s = await this.am.silence(silenceId);
    if (!s || s.status.state !== "active") return ["stale", "That silence is already gone; nothing was changed.", { silence_id: silenceId }];
    await this.am.expireSilence(silenceId);
    const matchers = s.matchers.map((m) => `${m.name}=${m.value}`).join(", ");
    await this.deps.outbox.priority(chatId, "sendMessage", (id) => ({
      chat_id: id,
      text: `🗑 Silence expired by ${escapeShort(displayName(user))}: <code>${escapeShort(matchers)}</code>`,
      parse_mode: "HTML",
      ...(message ? { reply_parameters: { message_id: message.message_id, allow_sending_without_reply: true } } : {}),
      ...(message?.message_thread_id ? { message_thread_id: message.message_thread_id } : {}),
    }));
    return ["ok", "Silence expired.", { silence_id: silenceId, matchers }];
  }

  private async editCard(cardId: string): Promise<void> {
    const card = this.deps.store.card(cardId);
    if (!card) return;
    const outcome = await this.deps.outbox.priority(card.chatId, "editMessageText", (chatId) => editParams(card, chatId, { ...this.cardView(), now: this.now() }));
    const ok = outcome.kind === "ok" || outcome.kind === "not_modified";
    this.deps.metrics.edits.inc({ result: ok ? "ok" : "failed" });
    if (!ok) this.deps.log.warn("message edit after a button press failed", { card: cardId, outcome: outcome.kind, detail: "detail" in outcome ? outcome.detail : undefined });
  }

  private record(action: ConsoleAction | "unknown", result: Result, user: TelegramUser | undefined, fields: Record<string, unknown>): void {
    this.deps.metrics.consoleActions.inc({ action, result });
    const line = { action, result, user: user ? displayName(user) : undefined, user_id: user?.id, ...fields };
    if (result === "failed") this.deps.log.error("console action failed", line);
    else this.deps.log.info("console action", line);
  }
}

function describeAction(a: CallbackAction): Record<string, unknown> {
  return a.op === "expire" ? { silence_id: a.silenceId } : { card: a.cardId, subject: a.subject, ...(a.op === "silence" ? { duration: a.duration } : {}) };
}

function threadOf(m: IncomingMessage): Record<string, number> {
  return m.message_thread_id !== undefined ? { message_thread_id: m.message_thread_id } : {};
}

function escapeShort(s: string): string {
  return s.slice(0, 300).replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;");
}

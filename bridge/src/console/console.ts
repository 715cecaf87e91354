import {
  CallbackAction,
  CardView,
  decodeCallback,
  liveSilence,
  MAX_ACKS,
  newCardId,
  renderCardKeyboard,
  renderCardText,
  unsilencedFiring,
} from "../cards";
import { ChatRouter } from "../chats";
import { ConsoleConfig, EscalationRule } from "../config";
import { editMethod, editParams, Outbox } from "../delivery";
import { prometheusClient, PrometheusClient } from "../prometheus";
import { BRIDGE_DURATION } from "../../../config/durations";
import { FormatOptions } from "../format";
import { escapeHtml } from "../html";
import { describeError, Logger } from "../log";
import { BridgeMetrics } from "../metrics";
import { Card, StateStore } from "../stateStore";
import type { BotParams, InlineKeyboard } from "../botApi";
import { ApiOutcome, PromptCall, TelegramApi } from "../telegram";
import { ChatAdministrators } from "./administrators";
import { AlertmanagerClient, AlertmanagerError, matchersFor, SilenceRequest } from "./alertmanagerClient";
import { authorize, AuthorizationPolicy, ConsoleAction } from "./authorization";
import { CONSOLE_COMMANDS, helpText, overviewCard, silencesMessage, statusMessage, StatusFacts } from "./commands";
import { Drills, DrillTiming } from "./drill";
import { Escalator } from "./escalation";
import { AlertmanagerSync } from "./sync";
import { expireTold, Result, silenceTold, Told, unsilenceState, unsilenceTold } from "./outcomes";
import { KeyedSerial, promptly } from "./serial";
import { createSilences, expireSilences, Expiry } from "./silencing";
import { displayName, IncomingMessage, parseCommand, TelegramUser, Update } from "./updates";

export interface ConsoleTiming {
  /** A press whose outcome is not known within this is answered "working on it" at once; the outcome follows in the chat. */
  readonly answerWithinMs: number;
  /** Each Alertmanager call waits at most this long. */
  readonly alertmanagerTimeoutMs: number;
}

/** Telegram gives up on a press that is not answered within seconds; a press is answered well within that. */
export const DEFAULT_CONSOLE_TIMING: ConsoleTiming = { answerWithinMs: 1500, alertmanagerTimeoutMs: 10_000 };

export interface ConsoleDeps {
  readonly config: ConsoleConfig;
  readonly router: ChatRouter;
  readonly store: StateStore;
  readonly outbox: Outbox;
  readonly api: TelegramApi;
  readonly metrics: BridgeMetrics;
  readonly log: Logger;
  readonly format: FormatOptions;
  readonly status: () => Omit<StatusFacts, "prometheus" | "alertmanager" | "watchdogInAlertmanager" | "escalations" | "drills">;
  /** Per severity (config.escalation); none: nothing is escalated. */
  readonly escalation?: ReadonlyMap<string, EscalationRule>;
  readonly now?: () => number;
  readonly timing?: Partial<ConsoleTiming>;
  /** Shorter waits for tests. */
  readonly background?: {
    readonly escalationTickMs?: number;
    readonly escalationMinGapMs?: number;
    readonly drill?: Partial<DrillTiming>;
    readonly administratorsTtlMs?: number;
  };
}

const COMMANDS: Record<string, ConsoleAction> = {
  ...Object.fromEntries(CONSOLE_COMMANDS.map((c) => [c.command, c.action])),
  start: "help",
};

const WORKING = "⏳ Working on it: Alertmanager is slow to answer. The outcome follows in the chat.";

/** A failure the chat should read in words, with its technical detail kept for the log. */
class TelegramRefused extends Error {
  constructor(
    readonly said: string,
    detail: string,
  ) {
    super(detail);
  }
}

/** What an action did: what to tell, what to log, which card changed. */
interface Done extends Told {
  readonly fields: Record<string, unknown>;
  /** Cards whose message must be edited to show the change. */
  readonly changed: readonly string[];
  /** A notice for the chat when the action succeeded (an expiry says who expired what). */
  readonly notice?: string;
}

/**
 * The on-call console: commands and button presses from the served chats, each authorized,
 * carried out against Alertmanager, answered in the chat, logged (who, what, which alerts) and
 * counted. Every answer is true: a press that half succeeded says which alerts changed and which
 * did not; after a lost answer Alertmanager is asked what it holds before anything is said. A
 * forged, foreign or stale button changes nothing and says why.
 *
 * Updates are handled concurrently (the poller bounds how many); presses that change one
 * message's silences run one at a time, in order.
 */
export class Console {
  private readonly am: AlertmanagerClient | undefined;
  private readonly prometheus: PrometheusClient | undefined;
  private readonly policy: AuthorizationPolicy;
  private readonly now: () => number;
  private readonly timing: ConsoleTiming;
  private readonly serial = new KeyedSerial();
  private readonly stopping = new AbortController();
  readonly administrators: ChatAdministrators;
  readonly escalator: Escalator;
  readonly drills: Drills;
  readonly sync: AlertmanagerSync | undefined;
  botUsername: string | undefined;

  constructor(private readonly deps: ConsoleDeps) {
    this.timing = { ...DEFAULT_CONSOLE_TIMING, ...deps.timing };
    this.am = deps.config.alertmanagerUrl
      ? new AlertmanagerClient(
          deps.config.alertmanagerUrl,
          this.timing.alertmanagerTimeoutMs,
          this.stopping.signal,
          deps.config.alertmanagerAuthorization,
        )
      : undefined;
    this.prometheus = prometheusClient(deps.config);
    this.now = deps.now ?? Date.now;
    const bg = deps.background ?? {};
    this.administrators = new ChatAdministrators(deps.api, deps.log, this.now, bg.administratorsTtlMs);
    const escalation = deps.escalation ?? new Map<string, EscalationRule>();
    const escalationChats = [...escalation.values()].flatMap((r) => (r.chat ? [r.chat.chatId] : []));
    this.policy = {
      // A chat that became a supergroup is still ours, under its new id; escalation chats are served too.
      servedChats: () => new Set([...deps.router.configuredChats(), ...escalationChats].flatMap((id) => [id, deps.store.currentChat(id)])),
      allow: deps.config.allow,
      allowedUserIds: deps.config.allowedUserIds,
      administrators: (chatId) => this.administrators.of(chatId),
    };
    const priority: PromptCall = (chatId, method, params) => deps.outbox.priority(chatId, method, params);
    const scheduleEdit = (id: string) => deps.outbox.scheduleEdit(id);
    this.escalator = new Escalator({
      store: deps.store,
      rules: escalation,
      send: (chatId, params) => priority(chatId, "sendMessage", params),
      format: deps.format,
      metrics: deps.metrics,
      log: deps.log,
      now: this.now,
      tickMs: bg.escalationTickMs,
      minGapMs: bg.escalationMinGapMs,
    });
    this.drills = new Drills({
      am: this.am,
      store: deps.store,
      call: priority,
      scheduleEdit,
      format: deps.format,
      metrics: deps.metrics,
      log: deps.log,
      now: this.now,
      timing: bg.drill,
    });
    this.sync = this.am
      ? new AlertmanagerSync({
          am: this.am,
          store: deps.store,
          scheduleEdit,
          metrics: deps.metrics,
          log: deps.log,
          intervalMs: deps.config.syncIntervalMs,
          now: this.now,
        })
      : undefined;
  }

  /** Starts what runs beside the updates: escalation rounds and the cards' rounds with Alertmanager. */
  startBackground(): void {
    this.escalator.start();
    this.sync?.start();
  }

  /** Stops them and the drills' timers; waits for a round under way. */
  async stopBackground(): Promise<void> {
    this.drills.stop();
    await Promise.all([this.escalator.stop(), this.sync?.stop()]);
  }

  /** Puts the commands in Telegram's `/` menu; a failure is logged, the commands work all the same. */
  async registerCommands(): Promise<void> {
    const commands = CONSOLE_COMMANDS.map(({ command, description }) => ({ command, description }));
    const outcome = await this.deps.api.call("setMyCommands", { commands });
    if (outcome.kind === "ok")
      this.deps.log.info("commands registered in Telegram's menu", { commands: commands.map((c) => c.command).join(",") });
    else
      this.deps.log.warn("setMyCommands failed; the commands work, but Telegram's menu does not list them", {
        outcome: outcome.kind,
        detail: "detail" in outcome ? outcome.detail : undefined,
      });
  }

  cardView(): Omit<CardView, "now"> {
    return { silenceDurations: this.deps.config.silenceDurations, canSilence: this.am !== undefined };
  }

  /** Ends every Alertmanager call under way: the bridge is stopping. */
  stop(): void {
    this.stopping.abort();
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
    const decision = await authorize(this.policy, action, chatId, m.from?.id);
    if (!decision.allowed) {
      this.record(action, "refused", m.from, { chat_id: chatId, reason: decision.reason });
      await this.reply(m, decision.message);
      return;
    }
    try {
      switch (action) {
        case "help":
          await this.reply(
            m,
            helpText(this.deps.format, this.deps.config.silenceDurations, {
              allow: this.deps.config.allow,
              allowedUserIds: this.deps.config.allowedUserIds,
              userId: m.from?.id,
            }),
          );
          break;
        case "drill":
          await this.drills.start({
            chatId,
            threadId: m.message_thread_id,
            replyTo: m.message_id,
            by: m.from ? displayName(m.from) : "someone",
          });
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
      await this.reply(m, `Sorry, that failed: ${escapeHtml(said(e))}.`);
    }
  }

  private async alerts(m: IncomingMessage): Promise<void> {
    if (!this.am)
      return void (await this.reply(m, "Alertmanager's address is not configured (ALERTMANAGER_URL), so I cannot list alerts."));
    const card = overviewCard(await this.am.firingAlerts(), this.deps.format, newCardId(), String(m.chat.id), this.now());
    if (!card) return void (await this.reply(m, "Nothing fires right now ✅"));
    const view = { ...this.cardView(), now: this.now() };
    await this.sendCard({ ...card, threadId: m.message_thread_id }, m, renderCardText(card, view.now), renderCardKeyboard(card, view));
  }

  private async silences(m: IncomingMessage): Promise<void> {
    if (!this.am)
      return void (await this.reply(m, "Alertmanager's address is not configured (ALERTMANAGER_URL), so I cannot list silences."));
    const now = this.now();
    const id = newCardId();
    const { html, keyboard, listed } = silencesMessage(await this.am.silences(), this.deps.format, now, id);
    if (!keyboard) return void (await this.reply(m, html));
    // Remembered as a card: an Expire button acts only on the silence this answer listed.
    const card: Card = {
      id,
      kind: "silences",
      chatId: String(m.chat.id),
      messageId: 0,
      threadId: m.message_thread_id,
      createdAt: now,
      updatedAt: now,
      body: { head: "", blocks: [], foot: "" },
      subjects: [],
      buttons: false,
      listed,
    };
    await this.sendCard(card, m, html, keyboard);
  }

  /** Sends a card as the answer to a command and remembers it under its message id before the command is done. */
  private async sendCard(card: Card, m: IncomingMessage, html: string, keyboard: InlineKeyboard | undefined): Promise<void> {
    const outcome = await this.deps.outbox.priority(String(m.chat.id), "sendMessage", (chatId) => ({
      ...this.answerTo(m, chatId, html),
      ...(keyboard ? { reply_markup: { inline_keyboard: keyboard } } : {}),
    }));
    if (outcome.kind !== "ok")
      throw new TelegramRefused(
        `Telegram did not take the answer (${telegramSaid(outcome)})`,
        `Telegram did not take the answer: ${outcome.kind}${"detail" in outcome ? ` ${outcome.detail}` : ""}`,
      );
    this.deps.store.putCard({ ...card, messageId: outcome.result.message_id });
    this.deps.store.commit();
  }

  private async statusFacts(): Promise<StatusFacts> {
    // Asked at once: one that hangs does not make the other wait.
    const [promReady, amReady] = await Promise.all([this.prometheus?.ready(5000), this.am ? this.am.ready() : undefined]);
    let watchdog = "Alertmanager not asked";
    if (this.am && amReady) {
      const w = await this.am.alertsNamed("Watchdog").catch(() => undefined);
      watchdog =
        w === undefined
          ? "Alertmanager did not answer"
          : w.length
            ? `firing in Alertmanager since ${w[0].startsAt}`
            : "NOT firing in Alertmanager (the alerting pipeline may be broken)";
    }
    return {
      ...this.deps.status(),
      escalations: this.escalator.underWay(),
      drills: this.drills.overview(),
      prometheus: promReady === undefined ? "not configured" : promReady ? "ready" : "not ready",
      alertmanager: amReady === undefined ? "not configured" : amReady ? "ready" : "not ready",
      watchdogInAlertmanager: watchdog,
    };
  }

  private answerTo(m: IncomingMessage, chatId: string, html: string): BotParams<"sendMessage"> {
    return {
      chat_id: chatId,
      text: html,
      parse_mode: "HTML",
      link_preview_options: { is_disabled: true },
      ...threadOf(m),
      reply_parameters: { message_id: m.message_id, allow_sending_without_reply: true },
    };
  }

  private async reply(m: IncomingMessage, html: string, keyboard?: InlineKeyboard): Promise<void> {
    const outcome = await this.deps.outbox.priority(String(m.chat.id), "sendMessage", (chatId) => ({
      ...this.answerTo(m, chatId, html),
      ...(keyboard ? { reply_markup: { inline_keyboard: keyboard } } : {}),
    }));
    if (outcome.kind !== "ok")
      this.deps.log.warn("console answer not delivered", {
        chat_id: m.chat.id,
        outcome: outcome.kind,
        detail: "detail" in outcome ? outcome.detail : undefined,
      });
  }

  // --- buttons -----------------------------------------------------------------------------------

  private async onButton(q: NonNullable<Update["callback_query"]>): Promise<void> {
    const answer = (text: string, alert: boolean) =>
      this.deps.api.call("answerCallbackQuery", { callback_query_id: q.id, text: text.slice(0, 200), show_alert: alert }).then((o) => {
        if (o.kind !== "ok") this.deps.log.warn("button press not acknowledged to Telegram", { outcome: o.kind });
      });
    const action = decodeCallback(q.data);
    const chatId = q.message ? String(q.message.chat.id) : "";
    if (!action) {
      this.record("unknown", "invalid", q.from, { chat_id: chatId, data: (q.data ?? "").slice(0, 64) });
      return answer("This button is not one I made; nothing was changed.", true);
    }
    if (action.op === "outdated") {
      this.record("expire", "stale", q.from, { chat_id: chatId, data: (q.data ?? "").slice(0, 64) });
      return answer("This list is from an older version of the bridge; send /silences for current buttons. Nothing was changed.", true);
    }
    const decision = await authorize(this.policy, action.op, chatId, q.from.id);
    if (!decision.allowed) {
      this.record(action.op, "refused", q.from, { chat_id: chatId, reason: decision.reason, ...describeAction(action) });
      return answer(decision.message, true);
    }
    const message = q.message!;
    const base = { chat_id: chatId, ...describeAction(action) };
    let done: Done;
    let late = false;
    try {
      if (action.op === "ack") done = this.ack(action, q.from, message);
      else {
        // Changes to one message's silences run in press order; the press is answered before Telegram gives up on it.
        const work = this.serial.run(action.cardId, () =>
          action.op === "expire" ? this.expire(action, q.from, message) : this.changeSilences(action, q.from, message),
        );
        done = await promptly(work, this.timing.answerWithinMs, () => ((late = true), answer(WORKING, false)));
      }
    } catch (e) {
      this.record(action.op, "failed", q.from, { ...base, reason: describeError(e) });
      const text = `That failed: ${said(e)}. Check /silences for what Alertmanager holds.`;
      return late ? this.replyTo(message, escapeHtml(text)) : answer(text, true);
    }
    this.record(action.op, done.result, q.from, { ...base, ...done.fields });
    if (!late) await answer(done.answer, done.result !== "ok" || done.account !== undefined);
    for (const id of done.changed) await this.editCard(id);
    const told = done.account ?? done.notice ?? (late ? escapeHtml(done.answer) : undefined);
    if (told) await this.replyTo(message, told);
  }

  /** The card a button belongs to, if it is the message the button was pressed on. */
  private cardOf(cardId: string, message: IncomingMessage): { card: Card } | Done {
    const card = this.deps.store.card(cardId);
    if (!card) return refusal("stale", "This button has expired: I no longer remember that message. Use /alerts for current buttons.", {});
    const sameMessage =
      message.message_id === card.messageId &&
      this.deps.store.currentChat(card.chatId) === this.deps.store.currentChat(String(message.chat.id));
    if (!sameMessage) return refusal("invalid", "This button does not belong to this message; nothing was changed.", { card: card.id });
    return { card };
  }

  private ack(action: Extract<CallbackAction, { op: "ack" }>, user: TelegramUser, message: IncomingMessage): Done {
    const found = this.cardOf(action.cardId, message);
    if (!("card" in found)) return found;
    const { card } = found;
    const subject = card.subjects[action.subject];
    if (!subject || card.kind === "silences")
      return refusal("invalid", "This button does not belong to this message; nothing was changed.", { card: card.id });
    const fields = { card: card.id, alerts: [...new Set(subject.alerts.map((a) => a.labels.alertname))].join(",") };
    const who = displayName(user);
    const acks = subject.acks ?? [];
    if (acks.some((a) => a.by === who)) return refusal("stale", "You already acknowledged this.", fields);
    if (acks.length >= MAX_ACKS)
      return refusal("stale", `Noted, but ${MAX_ACKS} people already acknowledged this; the message does not list more.`, fields);
    const deed = { by: who, at: this.now() };
    const updated = this.deps.store.updateCard(card.id, (c) => (c.subjects[action.subject].acks = [...acks, deed]));
    if (updated) this.escalator.acknowledged(updated, action.subject, deed);
    this.deps.store.commit();
    const others = acks.length ? ` (with ${acks.length === 1 ? acks[0].by : `${acks.length} others`})` : "";
    return { result: "ok", answer: `Noted: you are on it${others}.`, fields, changed: [card.id] };
  }

  private async changeSilences(
    action: Extract<CallbackAction, { op: "silence" | "unsilence" }>,
    user: TelegramUser,
    message: IncomingMessage,
  ): Promise<Done> {
    // Read again here, not before the wait: a press ahead of this one may have changed the card.
    const found = this.cardOf(action.cardId, message);
    if (!("card" in found)) return found;
    const { card } = found;
    if (!card.subjects[action.subject] || card.kind === "silences")
      return refusal("invalid", "This button does not belong to this message; nothing was changed.", { card: card.id });
    const fields = { card: card.id, alerts: [...new Set(card.subjects[action.subject].alerts.map((a) => a.labels.alertname))].join(",") };
    if (!this.am) return refusal("failed", "Alertmanager's address is not configured; nothing was changed.", fields);
    return action.op === "silence"
      ? this.silence(card, action, displayName(user), fields, this.am)
      : this.unsilence(card, action.subject, displayName(user), fields, this.am);
  }

  private async silence(
    card: Card,
    action: Extract<CallbackAction, { op: "silence" }>,
    who: string,
    fields: Record<string, unknown>,
    am: AlertmanagerClient,
  ): Promise<Done> {
    const subject = card.subjects[action.subject];
    const now = this.now();
    const ms = BRIDGE_DURATION.parse(action.duration);
    if (!this.deps.config.silenceDurations.includes(action.duration) || ms === undefined)
      return refusal("stale", "That duration is no longer offered; nothing was changed.", fields);
    const targets = unsilencedFiring(subject, now);
    if (targets.length === 0) {
      const held = subject.alerts.map((a) => liveSilence(a, now)).find(Boolean);
      return held
        ? refusal("stale", `Already silenced by ${held.by} until ${new Date(held.until).toISOString()}.`, fields)
        : refusal("stale", "These alerts have resolved; nothing to silence.", fields);
    }
    const until = now + ms;
    // One silence per distinct label set, matching it whole: exactly what the message showed.
    const groups = new Map<string, number[]>();
    for (const a of targets) {
      const key = JSON.stringify(matchersFor(a.labels));
      groups.set(key, [...(groups.get(key) ?? []), subject.alerts.indexOf(a)]);
    }
    const names = [...new Set(targets.map((a) => a.labels.alertname))].join(", ");
    const requests: SilenceRequest[] = [...groups.values()].map((indices) => ({
      matchers: matchersFor(subject.alerts[indices[0]].labels),
      startsAt: new Date(now),
      endsAt: new Date(until),
      createdBy: who,
      comment: `Silenced from Telegram (${this.deps.format.environment}) on ${names}${subject.title ? ` (/alerts group ${subject.title})` : ""}; card ${card.id}`,
    }));
    const alertsOf = [...groups.values()];
    // Each silence goes on the card as soon as Alertmanager holds it: the card never hides a live silence.
    const created = (index: number, id: string) => {
      this.deps.store.updateCard(card.id, (c) => {
        const s = c.subjects[action.subject];
        for (const i of alertsOf[index]) s.alerts[i].silence = { ids: [id], by: who, until };
        s.unsilenced = undefined;
      });
      this.deps.store.commit();
    };
    const creations = await createSilences(am, requests, created);
    const told = silenceTold(
      alertsOf.map((indices, i) => ({ alerts: indices.map((x) => subject.alerts[x]), creation: creations[i] })),
      { duration: action.duration, by: who, until },
    );
    const ids = creations.flatMap((c) => (c.result === "silenced" ? [c.id] : []));
    return {
      ...told,
      fields: {
        ...fields,
        duration: action.duration,
        silence_ids: ids.join(","),
        ...notDone(creations.map((c, i) => ({ said: "said" in c ? c.said : undefined, alerts: alertsOf[i] }))),
      },
      changed: ids.length ? [card.id] : [],
    };
  }

  private async unsilence(
    card: Card,
    subjectIndex: number,
    who: string,
    fields: Record<string, unknown>,
    am: AlertmanagerClient,
  ): Promise<Done> {
    const subject = card.subjects[subjectIndex];
    const now = this.now();
    const held = subject.alerts.map((alert, index) => ({ alert, index, silence: liveSilence(alert, now) })).filter((x) => x.silence);
    if (held.length === 0) return refusal("stale", "Not silenced any more; nothing was changed.", fields);
    const ids = [...new Set(held.flatMap((h) => h.silence!.ids))];
    const expiries = new Map<string, Expiry>((await expireSilences(am, ids)).map((e, i) => [ids[i], e]));
    const targets = held.map((h) => ({ ...h, expiries: h.silence!.ids.map((id) => expiries.get(id)!) }));
    const freed = targets.filter((t) => unsilenceState(t.expiries).result === "expired");
    if (freed.length) {
      this.deps.store.updateCard(card.id, (c) => {
        for (const t of freed) c.subjects[subjectIndex].alerts[t.index].silence = undefined;
        c.subjects[subjectIndex].unsilenced = { by: who, at: now };
      });
    }
    const changed = new Set([
      ...(freed.length ? [card.id] : []),
      ...this.forget(ids.filter((id) => ["expired", "gone"].includes(expiries.get(id)!.result))),
    ]);
    this.deps.store.commit();
    const told = unsilenceTold(targets, who);
    return { ...told, fields: { ...fields, silence_ids: ids.join(",") }, changed: [...changed] };
  }

  private async expire(action: Extract<CallbackAction, { op: "expire" }>, user: TelegramUser, message: IncomingMessage): Promise<Done> {
    const found = this.cardOf(action.cardId, message);
    if (!("card" in found)) return found;
    const listed = found.card.kind === "silences" ? found.card.listed?.[action.index] : undefined;
    if (!listed) return refusal("invalid", "This button does not belong to this message; nothing was changed.", { card: found.card.id });
    const fields = { card: found.card.id, silence_id: listed.id, matchers: listed.matchers };
    if (!this.am) return refusal("failed", "Alertmanager's address is not configured.", fields);
    const [expiry] = await expireSilences(this.am, [listed.id]);
    const changed = expiry.result === "expired" || expiry.result === "gone" ? this.forget([listed.id]) : [];
    this.deps.store.commit();
    const told = expireTold(expiry);
    const notice =
      told.result === "ok"
        ? `🗑 Silence expired by ${escapeShort(displayName(user))}: <code>${escapeShort(listed.matchers)}</code>`
        : undefined;
    return { ...told, fields, changed, notice };
  }

  /** Silences that ended leave every card that showed them; returns the cards changed. */
  private forget(ids: readonly string[]): string[] {
    if (ids.length === 0) return [];
    const ended = new Set(ids);
    const changed: string[] = [];
    for (const card of Object.values(this.deps.store.data.cards)) {
      const hit = card.subjects.some((s) => s.alerts.some((a) => a.silence?.ids.some((id) => ended.has(id))));
      if (!hit) continue;
      this.deps.store.updateCard(card.id, (c) => {
        for (const a of c.subjects.flatMap((s) => s.alerts)) {
          if (!a.silence) continue;
          const left = a.silence.ids.filter((id) => !ended.has(id));
          a.silence = left.length ? { ...a.silence, ids: left } : undefined;
        }
      });
      changed.push(card.id);
    }
    return changed;
  }

  private async editCard(cardId: string): Promise<void> {
    const card = this.deps.store.card(cardId);
    if (!card) return;
    const outcome = await this.deps.outbox.priority(card.chatId, editMethod(card), (chatId) =>
      editParams(card, chatId, { ...this.cardView(), now: this.now() }),
    );
    const ok = outcome.kind === "ok" || outcome.kind === "not_modified";
    this.deps.metrics.edits.inc({ result: ok ? "ok" : "failed" });
    if (!ok)
      this.deps.log.warn("message edit after a button press failed", {
        card: cardId,
        outcome: outcome.kind,
        detail: "detail" in outcome ? outcome.detail : undefined,
      });
  }

  /** A message in the chat answering the pressed message: what the press's short answer could not hold. */
  private async replyTo(message: IncomingMessage, html: string): Promise<void> {
    await this.reply(message, html);
  }

  private record(action: ConsoleAction | "unknown", result: Result, user: TelegramUser | undefined, fields: Record<string, unknown>): void {
    this.deps.metrics.consoleActions.inc({ action, result });
    const line = { action, result, user: user ? displayName(user) : undefined, user_id: user?.id, ...fields };
    if (result === "failed") this.deps.log.error("console action failed", line);
    else if (result === "partial") this.deps.log.warn("console action partly done", line);
    else this.deps.log.info("console action", line);
  }
}

function refusal(result: Result, answer: string, fields: Record<string, unknown>): Done {
  return { result, answer, fields, changed: [] };
}

/** For the log: the reasons alerts were left out, each with how many. */
function notDone(items: readonly { said: string | undefined; alerts: readonly number[] }[]): Record<string, unknown> {
  const reasons = new Map<string, number>();
  for (const i of items) if (i.said) reasons.set(i.said, (reasons.get(i.said) ?? 0) + i.alerts.length);
  return reasons.size ? { not_done: [...reasons].map(([r, n]) => `${n}: ${r}`).join("; ") } : {};
}

/** A failure in the operator's words. */
function said(e: unknown): string {
  if (e instanceof AlertmanagerError || e instanceof TelegramRefused) return e.said;
  return "an internal error (the bridge's log has the details)";
}

/** What Telegram's answer means, without status codes. */
function telegramSaid(o: Exclude<ApiOutcome, { kind: "ok" }>): string {
  switch (o.kind) {
    case "rate_limited":
      return "it asked the bridge to slow down";
    case "transient":
      return "it could not be reached";
    case "permanent":
    case "unparseable":
      return o.detail.replace(/^\d{3}\s*/, "") || "it refused the message";
    default:
      return o.kind.replace("_", " ");
  }
}

function describeAction(a: Exclude<CallbackAction, { op: "outdated" }>): Record<string, unknown> {
  return a.op === "expire"
    ? { card: a.cardId, index: a.index }
    : { card: a.cardId, subject: a.subject, ...(a.op === "silence" ? { duration: a.duration } : {}) };
}

function threadOf(m: IncomingMessage): { message_thread_id?: number } {
  return m.message_thread_id !== undefined ? { message_thread_id: m.message_thread_id } : {};
}

function escapeShort(s: string): string {
  return escapeHtml(s.slice(0, 300));
}

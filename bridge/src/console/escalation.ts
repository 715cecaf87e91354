import { CardAlert, liveSilence } from "../cards";
import { ChatDestination, EscalationRule } from "../config";
import { isDrill } from "../../../shared/drillLabels";
import { escapeCapped, FormatOptions, humanDuration, utc } from "../format";
import { escapeHtml } from "../html";
import { describeError, Logger } from "../log";
import { BridgeMetrics } from "../metrics";
import { BridgeState, Card, EscalationRecord, StateStore } from "../stateStore";
import type { BotParams, BotResult } from "../botApi";
import { ApiOutcome } from "../telegram";
import { alertNames } from "./outcomes";

/**
 * Escalation: an alert of a severity with a policy that nobody acknowledged (👀 Ack) or silenced
 * within `after` of the chat being told is posted again, naming the on-call users (or into the
 * escalation chat), every `every`, at most `times` times. Ack ends it for good, a silence pauses
 * it (it resumes if the silence ends while the alert still fires unacknowledged), resolving ends
 * it. What was sent lives in the state file, so a restart neither forgets nor repeats an
 * escalation. One message per target chat per round lists every alert due there, and a chat gets
 * at most one escalation message per ESCALATION_MIN_GAP_MS: a storm never multiplies them.
 */

/** How often the escalations are reviewed. */
export const ESCALATION_TICK_MS = 5000;
/** A chat gets at most one escalation message in this time; alerts that come due meanwhile join the next one. */
export const ESCALATION_MIN_GAP_MS = 60_000;
/** Alerts named in one escalation message; the rest are counted. */
export const ESCALATION_LINES = 20;

/** An alert whose escalation is due now, and where it goes. */
export interface DueEscalation {
  readonly key: string;
  readonly record: EscalationRecord;
  readonly card: Card;
  readonly alert: CardAlert;
  readonly rule: EscalationRule;
  readonly target: ChatDestination;
}

export interface EscalationReview {
  /** Records to write (new ones, or an Ack seen on the alert's message). */
  readonly upserts: readonly [string, EscalationRecord][];
  /** Records whose alert resolved, lost its policy or is no longer shown. */
  readonly drops: readonly string[];
  readonly due: readonly DueEscalation[];
}

export const targetKey = (t: ChatDestination) => `${t.chatId}|${t.threadId ?? ""}`;

/**
 * Pure: looks at every alert shown firing (the message that shows it now, per chat) and says which
 * escalations are due. `lastSentTo` is when a target last got an escalation message.
 */
export function reviewEscalations(
  state: Pick<BridgeState, "cards" | "alertCards" | "escalations">,
  rules: ReadonlyMap<string, EscalationRule>,
  now: number,
  minGapMs = ESCALATION_MIN_GAP_MS,
): EscalationReview {
  const upserts: [string, EscalationRecord][] = [];
  const drops: string[] = [];
  const due: DueEscalation[] = [];
  const lastSent = lastSentByTarget(state, rules);
  for (const [key, cardId] of Object.entries(state.alertCards)) {
    const existing = Object.hasOwn(state.escalations, key) ? state.escalations[key] : undefined;
    const card = Object.hasOwn(state.cards, cardId) ? state.cards[cardId] : undefined;
    const alertKey = key.slice(key.indexOf("|") + 1);
    const subject = card?.subjects.find((s) => s.alerts.some((a) => a.alertKey === alertKey));
    const alert = subject?.alerts.find((a) => a.alertKey === alertKey);
    const rule = alert ? rules.get(alert.labels.severity ?? "") : undefined;
    if (!card || card.kind !== "notification" || !subject || !alert || alert.status !== "firing" || !rule || isDrill(alert.labels)) {
      if (existing) drops.push(key);
      continue;
    }
    let record = existing ?? {
      chatId: card.chatId,
      alertKey,
      severity: alert.labels.severity,
      title: alert.labels.alertname ?? "",
      since: card.createdAt,
      sent: 0,
    };
    const ack = subject.acks?.[0];
    if (ack && !record.acked) record = { ...record, acked: ack };
    if (record !== existing) upserts.push([key, record]);
    if (record.acked || liveSilence(alert, now) || record.sent >= rule.times) continue;
    const dueAt = record.lastAt !== undefined ? record.lastAt + rule.everyMs : record.since + rule.afterMs;
    const target = targetOf(rule, card);
    if (now < dueAt || now < (lastSent.get(targetKey(target)) ?? -Infinity) + minGapMs) continue;
    due.push({ key, record, card, alert, rule, target });
  }
  return { upserts, drops, due };
}

function targetOf(rule: EscalationRule, card: Card): ChatDestination {
  return rule.chat ?? { chatId: card.chatId, threadId: rule.threadId ?? card.threadId };
}

/** When each target last got an escalation message: the latest lastAt of the alerts escalated there. */
function lastSentByTarget(
  state: Pick<BridgeState, "cards" | "alertCards" | "escalations">,
  rules: ReadonlyMap<string, EscalationRule>,
): Map<string, number> {
  const out = new Map<string, number>();
  for (const [key, r] of Object.entries(state.escalations)) {
    const rule = rules.get(r.severity);
    const cardId = state.alertCards[key];
    const card = cardId !== undefined && Object.hasOwn(state.cards, cardId) ? state.cards[cardId] : undefined;
    if (!rule || !card || r.lastAt === undefined) continue;
    const k = targetKey(targetOf(rule, card));
    out.set(k, Math.max(out.get(k) ?? -Infinity, r.lastAt));
  }
  return out;
}

/** A link to the message that shows the alert, where Telegram has one: supergroups (t.me/c/…) and public channels. */
export function messageLink(chatId: string, messageId: number): string | undefined {
  if (/^-100\d+$/.test(chatId)) return `https://t.me/c/${chatId.slice(4)}/${messageId}`;
  if (/^@\w+$/.test(chatId)) return `https://t.me/${chatId.slice(1)}/${messageId}`;
  return undefined;
}

const ICON: Record<string, string> = { critical: "🔴", warning: "🟠", info: "🔵" };

/** The escalation message for one target: who is asked, then one line per alert due there. */
export function escalationMessage(due: readonly DueEscalation[], o: FormatOptions, now: number): string {
  const people = new Map(due.flatMap((d) => d.rule.mention).map((u) => [u.id, u]));
  const mentions = [...people.values()].map(
    (u) => `<a href="tg://user?id=${u.id}">${escapeCapped(u.name ?? `on-call ${u.id}`, 64).text}</a>`,
  );
  const names = alertNames(due.map((d) => d.alert));
  const shown = due.slice(0, ESCALATION_LINES).map((d, i) => {
    const link = messageLink(d.card.chatId, d.card.messageId);
    const where = link ? ` · <a href="${escapeHtml(link)}">message</a>` : "";
    return `${ICON[d.record.severity] ?? "⚪"} <b>${escapeCapped(names[i], 160).text}</b> · told ${humanDuration(now - d.record.since)} ago (${utc(d.record.since)}), no Ack · escalation ${d.record.sent + 1} of ${d.rule.times}${where}`;
  });
  const more = due.length > shown.length ? [`<i>…and ${due.length - shown.length} more</i>`] : [];
  const count = `${due.length} ${due.length === 1 ? "alert" : "alerts"} without Ack`;
  return [
    `🚨 <b>${escapeHtml(o.prefix)} [${escapeHtml(o.environment.toUpperCase())}] Escalation</b>: ${count}`,
    ...(mentions.length ? [`${mentions.join(", ")}: please look.`] : []),
    ...shown,
    ...more,
    "Press 👀 Ack on the alert's message to stop its escalation; a silence pauses it, resolving ends it.",
  ].join("\n");
}

export interface EscalatorDeps {
  readonly store: StateStore;
  readonly rules: ReadonlyMap<string, EscalationRule>;
  /** Sends within the chat's pace (the outbox's priority lane). */
  readonly send: (chatId: string, params: (chatId: string) => BotParams<"sendMessage">) => Promise<ApiOutcome<BotResult<"sendMessage">>>;
  readonly format: FormatOptions;
  readonly metrics: BridgeMetrics;
  readonly log: Logger;
  readonly now?: () => number;
  readonly tickMs?: number;
  readonly minGapMs?: number;
}

/** Reviews the escalations every tick and sends what is due, one round at a time. */
export class Escalator {
  private timer: NodeJS.Timeout | undefined;
  private running: Promise<void> | undefined;
  private stopped = false;
  private readonly failing = new Set<string>();
  private readonly now: () => number;

  constructor(private readonly deps: EscalatorDeps) {
    this.now = deps.now ?? Date.now;
  }

  start(): void {
    if (this.timer || this.stopped || this.deps.rules.size === 0) return;
    this.schedule();
  }

  async stop(): Promise<void> {
    this.stopped = true;
    clearTimeout(this.timer);
    await this.running;
  }

  private schedule(): void {
    this.timer = setTimeout(() => {
      this.running = this.round()
        .then(
          () => undefined,
          (e) => this.deps.log.error("escalation round failed", { reason: describeError(e) }),
        )
        .finally(() => {
          this.running = undefined;
          if (!this.stopped) this.schedule();
        });
    }, this.deps.tickMs ?? ESCALATION_TICK_MS);
    this.timer.unref();
  }

  /** Someone pressed Ack on a message: its alerts' escalations end, on this message or any earlier one. */
  acknowledged(card: Card, subject: number, by: { by: string; at: number }): void {
    for (const a of card.subjects[subject]?.alerts ?? []) {
      const key = `${card.chatId}|${a.alertKey}`;
      const r = this.deps.store.escalation(key);
      if (r && !r.acked) this.deps.store.putEscalation(key, { ...r, acked: by });
    }
  }

  /** Escalations under way or waiting, for /status: not acknowledged, alert still firing. */
  underWay(): {
    title: string;
    severity: string;
    chatId: string;
    sent: number;
    times: number;
    nextAt: number | undefined;
    silenced: boolean;
  }[] {
    const { store, rules } = this.deps;
    const now = this.now();
    return Object.entries(store.data.escalations).flatMap(([key, r]) => {
      const rule = rules.get(r.severity);
      if (!rule || r.acked) return [];
      const card = store.cardOfAlert(r.chatId, r.alertKey);
      const alert = card?.subjects.flatMap((s) => s.alerts).find((a) => a.alertKey === r.alertKey);
      if (!alert || alert.status !== "firing") return [];
      const done = r.sent >= rule.times;
      const nextAt = done ? undefined : r.lastAt !== undefined ? r.lastAt + rule.everyMs : r.since + rule.afterMs;
      return [
        {
          title: r.title || key,
          severity: r.severity,
          chatId: r.chatId,
          sent: r.sent,
          times: rule.times,
          nextAt,
          silenced: liveSilence(alert, now) !== undefined,
        },
      ];
    });
  }

  /** One round: records updated, then one message per target with every alert due there. Returns the messages sent. */
  async round(): Promise<number> {
    const { store, rules, metrics, log } = this.deps;
    const now = this.now();
    const review = reviewEscalations(store.data, rules, now, this.deps.minGapMs);
    for (const key of review.drops) store.dropEscalation(key);
    for (const [key, r] of review.upserts) store.putEscalation(key, r);
    if (review.drops.length || review.upserts.length) store.commit();
    const byTarget = new Map<string, DueEscalation[]>();
    for (const d of review.due) byTarget.set(targetKey(d.target), [...(byTarget.get(targetKey(d.target)) ?? []), d]);
    let sent = 0;
    for (const [key, due] of byTarget) {
      const target = due[0].target;
      const html = escalationMessage(due, this.deps.format, now);
      // Beside the alert's message when there is one to point at, in the same chat.
      const only = due.length === 1 && due[0].card.chatId === target.chatId ? due[0].card.messageId : undefined;
      const outcome = await this.deps.send(target.chatId, (chatId) => ({
        chat_id: chatId,
        text: html,
        parse_mode: "HTML",
        link_preview_options: { is_disabled: true },
        ...(target.threadId !== undefined ? { message_thread_id: target.threadId } : {}),
        ...(only !== undefined ? { reply_parameters: { message_id: only, allow_sending_without_reply: true } } : {}),
      }));
      if (outcome.kind !== "ok") {
        metrics.escalations.inc({ result: "failed" });
        if (!this.failing.has(key))
          log.warn("escalation not delivered; tried again next round", {
            chat_id: target.chatId,
            alerts: due.length,
            outcome: outcome.kind,
            detail: "detail" in outcome ? outcome.detail : undefined,
          });
        this.failing.add(key);
        continue;
      }
      this.failing.delete(key);
      const at = this.now();
      for (const d of due) {
        const r = store.escalation(d.key);
        if (r) store.putEscalation(d.key, { ...r, sent: r.sent + 1, lastAt: at });
      }
      store.commit();
      sent += 1;
      metrics.escalations.inc({ result: "sent" });
      log.info("escalated", {
        chat_id: target.chatId,
        alerts: due.map((d) => d.record.title).join(","),
        steps: due.map((d) => `${d.record.sent + 1}/${d.rule.times}`).join(","),
        mentioned: [...new Set(due.flatMap((d) => d.rule.mention.map((u) => u.id)))].join(","),
      });
    }
    return sent;
  }
}

import { randomBytes } from "crypto";
import { allResolved } from "../cards";
import { DRILL_ALERTNAME, DRILL_CHAT_LABEL, DRILL_ID_LABEL, DRILL_LABEL, DRILL_THREAD_LABEL, isDrill } from "../../../shared/drillLabels";
import { escapeCapped, FormatOptions, humanDuration } from "../format";
import { escapeHtml } from "../html";
import { describeError, Logger } from "../log";
import { BridgeMetrics } from "../metrics";
import { alertKey, WebhookAlert } from "../payload";
import { DrillRecord, StateStore } from "../stateStore";
import { PromptCall } from "../telegram";
import { AlertmanagerClient, AlertmanagerError, seconds } from "./alertmanagerClient";

/**
 * Fire drills: `/drill` posts a synthetic alert (alertname FireDrill, drill="true") to
 * Alertmanager's API, which routes it like any alert (generators/alertmanager.ts gives it its own
 * route, group and a short group_wait) to the bridge's webhook; the bridge shows it in the chat the
 * drill was started from, then ends it (endsAt now) and waits for the resolved webhook. The answer
 * to /drill is edited into the report: the time of each hop, or the hop that failed and why.
 * A drill is never escalated, never touches the heartbeat, gets no buttons, and its failures are
 * counted as drills (telegram_bridge_drills_total), not as failed deliveries.
 */

export interface DrillTiming {
  /** Alertmanager's webhook must reach the bridge within this (the drill route's group_wait is 1 s). */
  readonly webhookMs: number;
  /** Then Telegram must accept the message within this. */
  readonly telegramMs: number;
  /** The resolved webhook is waited for this long (the drill route's group_interval is 10 s). */
  readonly resolvedMs: number;
  /** The drill alert's own endsAt: should the bridge die mid-drill, Alertmanager ends it by itself. */
  readonly alertLifetimeMs: number;
}

export const DEFAULT_DRILL_TIMING: DrillTiming = { webhookMs: 90_000, telegramMs: 60_000, resolvedMs: 60_000, alertLifetimeMs: 5 * 60_000 };

export interface DrillDeps {
  readonly am: AlertmanagerClient | undefined;
  readonly store: StateStore;
  readonly call: PromptCall;
  /** Edits a card's message when the chat's pace allows. */
  readonly scheduleEdit: (cardId: string) => void;
  readonly format: FormatOptions;
  readonly metrics: BridgeMetrics;
  readonly log: Logger;
  readonly now?: () => number;
  readonly timing?: Partial<DrillTiming>;
}

export interface DrillStart {
  readonly chatId: string;
  readonly threadId: number | undefined;
  readonly replyTo: number;
  readonly by: string;
}

type Hop = keyof DrillRecord["hops"];

export class Drills {
  private readonly timers = new Map<string, NodeJS.Timeout>();
  private readonly now: () => number;
  private readonly timing: DrillTiming;
  private stopped = false;

  constructor(private readonly deps: DrillDeps) {
    this.now = deps.now ?? Date.now;
    this.timing = { ...DEFAULT_DRILL_TIMING, ...deps.timing };
    // A drill under way when the bridge stopped cannot be timed any more: it is reported so.
    for (const d of deps.store.data.drills)
      if (!d.result)
        deps.store.updateDrill(d.id, (x) =>
          Object.assign(x, { result: "interrupted", problem: "the bridge restarted during the drill", endedAt: this.now() }),
        );
  }

  stop(): void {
    this.stopped = true;
    for (const t of this.timers.values()) clearTimeout(t);
    this.timers.clear();
  }

  /** Drills not finished yet, and the last one finished. */
  overview(): { underWay: DrillRecord[]; last: DrillRecord | undefined } {
    const drills = this.deps.store.data.drills;
    return { underWay: drills.filter((d) => !d.result), last: drills.filter((d) => d.result).at(-1) };
  }

  /** Starts a drill from a command: answers at once, then posts the alert. */
  async start(s: DrillStart): Promise<DrillRecord> {
    const { store, format } = this.deps;
    const id = randomBytes(3).toString("hex");
    const record: DrillRecord = {
      id,
      by: s.by,
      chatId: s.chatId,
      ...(s.threadId !== undefined ? { threadId: s.threadId } : {}),
      startedAt: this.now(),
      hops: {},
    };
    store.addDrill(record);
    store.commit();
    const answer = await this.deps.call(s.chatId, "sendMessage", (chatId) => ({
      chat_id: chatId,
      text: `🧯 <b>${escapeHtml(format.prefix)} [${escapeHtml(format.environment.toUpperCase())}] Fire drill ${id}</b> started by ${escapeHtml(s.by)}: a test alert goes through Alertmanager's routes to this chat. Nothing to do; the report follows here.`,
      parse_mode: "HTML",
      link_preview_options: { is_disabled: true },
      ...(s.threadId !== undefined ? { message_thread_id: s.threadId } : {}),
      reply_parameters: { message_id: s.replyTo, allow_sending_without_reply: true },
    }));
    if (answer.kind === "ok") store.updateDrill(id, (d) => (d.answerMessageId = answer.result.message_id));
    if (!this.deps.am) return this.finish(id, "failed", "Alertmanager's address is not configured (ALERTMANAGER_URL)");
    const now = this.now();
    try {
      await this.deps.am.postAlerts([
        {
          labels: drillLabels(id, s),
          annotations: drillAnnotations(s.by),
          startsAt: new Date(now),
          endsAt: new Date(now + this.timing.alertLifetimeMs),
        },
      ]);
    } catch (e) {
      this.deps.log.warn("fire drill: Alertmanager did not take the alert", { drill: id, reason: describeError(e) });
      return this.finish(
        id,
        "failed",
        `Alertmanager did not take the alert: ${e instanceof AlertmanagerError ? e.said : "an internal error"}`,
      );
    }
    this.hop(id, "alertmanager");
    this.deadline(
      id,
      this.timing.webhookMs,
      () =>
        `its webhook did not reach the bridge within ${seconds(this.timing.webhookMs)}: check Alertmanager's route for it (amtool config routes test alertname=${DRILL_ALERTNAME} ${DRILL_LABEL}=true)`,
    );
    return store.drill(id)!;
  }

  /** A webhook came in: the drills it carries reached the bridge (firing) or ended (resolved). Returns the alerts to deliver. */
  webhookSeen(alerts: readonly WebhookAlert[]): WebhookAlert[] {
    const deliver: WebhookAlert[] = [];
    for (const a of alerts) {
      const id = isDrill(a.labels) ? a.labels[DRILL_ID_LABEL] : undefined;
      const known = id !== undefined ? this.deps.store.drill(id) : undefined;
      if (!isDrill(a.labels)) deliver.push(a);
      else if (a.status === "firing") {
        deliver.push(a);
        if (known && !known.result && known.hops.webhook === undefined) {
          this.hop(known.id, "webhook");
          this.deadline(
            known.id,
            this.timing.telegramMs,
            () => `Telegram did not accept its message within ${seconds(this.timing.telegramMs)}`,
          );
        }
      } else {
        // Its end is not posted to the chat: the drill's message is edited, and the report says it.
        this.resolvedCard(a);
        if (known && known.hops.resolvePosted !== undefined && known.hops.resolved === undefined && known.result === undefined) {
          this.hop(known.id, "resolved");
          void this.finish(known.id, "ok");
        }
      }
    }
    return deliver;
  }

  /** Telegram accepted the messages that show these alerts: the drill's last hop; then it is ended. */
  telegramAccepted(alerts: readonly WebhookAlert[]): void {
    for (const a of alerts) {
      if (!isDrill(a.labels) || a.status !== "firing") continue;
      const d = this.deps.store.drill(a.labels[DRILL_ID_LABEL] ?? "");
      if (!d || d.result || d.hops.telegram !== undefined) continue;
      this.hop(d.id, "telegram");
      void this.resolve(d.id, a);
    }
  }

  private async resolve(id: string, alert: WebhookAlert): Promise<void> {
    const now = this.now();
    try {
      await this.deps.am!.postAlerts([
        { labels: alert.labels, annotations: alert.annotations, startsAt: new Date(alert.startsAt ?? now), endsAt: new Date(now) },
      ]);
    } catch (e) {
      // The path was proven; the alert ends by itself with its endsAt.
      this.deps.log.warn("fire drill: Alertmanager did not take the drill's end", { drill: id, reason: describeError(e) });
      return void this.finish(
        id,
        "ok",
        `Alertmanager did not take its end (${e instanceof AlertmanagerError ? e.said : "an internal error"}); it ends by itself within ${seconds(this.timing.alertLifetimeMs)}`,
      );
    }
    this.hop(id, "resolvePosted");
    this.deadline(
      id,
      this.timing.resolvedMs,
      () => `its resolved webhook did not come within ${seconds(this.timing.resolvedMs)} (the route may not send resolved notifications)`,
      "ok",
    );
  }

  private resolvedCard(a: WebhookAlert): void {
    const { store } = this.deps;
    const chat = a.labels[DRILL_CHAT_LABEL];
    const card = chat !== undefined ? store.cardOfAlert(chat, alertKey(a)) : undefined;
    if (!card) return;
    const now = this.now();
    store.updateCard(card.id, (c) => {
      for (const x of c.subjects.flatMap((s) => s.alerts)) if (x.alertKey === alertKey(a)) x.status = "resolved";
      if (allResolved(c)) c.resolvedAt = now;
    });
    store.commit();
    this.deps.scheduleEdit(card.id);
  }

  private hop(id: string, hop: Hop): void {
    this.deps.store.updateDrill(id, (d) => (d.hops[hop] = this.now()));
    this.deps.store.commit();
  }

  /** Fails the drill (or ends it as `result`) if it is still at the same hop after `ms`. */
  private deadline(id: string, ms: number, problem: () => string, result: "ok" | "failed" = "failed"): void {
    clearTimeout(this.timers.get(id));
    if (this.stopped) return;
    const t = setTimeout(() => void this.finish(id, result, problem()), ms);
    t.unref();
    this.timers.set(id, t);
  }

  private async finish(id: string, result: "ok" | "failed", problem?: string): Promise<DrillRecord> {
    const { store, metrics, log } = this.deps;
    clearTimeout(this.timers.get(id));
    this.timers.delete(id);
    const before = store.drill(id)!;
    if (before.result) return before;
    const d = store.updateDrill(id, (x) => Object.assign(x, { result, endedAt: this.now(), ...(problem ? { problem } : {}) }))!;
    store.commit();
    metrics.drills.inc({ result });
    log.info("fire drill finished", {
      drill: id,
      result,
      by: d.by,
      chat_id: d.chatId,
      problem,
      ...Object.fromEntries(hopDurations(d).map(([h, ms]) => [`${h}_ms`, ms])),
    });
    const html = drillReport(d, this.deps.format);
    const edit = d.answerMessageId !== undefined;
    const outcome = await this.deps.call(d.chatId, edit ? "editMessageText" : "sendMessage", (chatId) => ({
      chat_id: chatId,
      ...(edit ? { message_id: d.answerMessageId } : d.threadId !== undefined ? { message_thread_id: d.threadId } : {}),
      text: html,
      parse_mode: "HTML",
      link_preview_options: { is_disabled: true },
    }));
    if (outcome.kind !== "ok")
      log.warn("fire drill report not delivered", {
        drill: id,
        outcome: outcome.kind,
        detail: "detail" in outcome ? outcome.detail : undefined,
      });
    return d;
  }
}

function drillLabels(id: string, s: DrillStart): Record<string, string> {
  return {
    alertname: DRILL_ALERTNAME,
    [DRILL_LABEL]: "true",
    [DRILL_ID_LABEL]: id,
    [DRILL_CHAT_LABEL]: s.chatId,
    ...(s.threadId !== undefined ? { [DRILL_THREAD_LABEL]: String(s.threadId) } : {}),
    severity: "info",
    component: "telegram-bridge",
  };
}

function drillAnnotations(by: string): Record<string, string> {
  return {
    summary: `Fire drill started by ${by}: a test of the alert path. Nothing to do.`,
    description: "Sent to Alertmanager's API by the Telegram bridge's /drill; it is resolved once it has reached this chat.",
  };
}

/** The hops of a drill in order, each with the time it took from the one before (milliseconds). */
export function hopDurations(d: DrillRecord): [string, number][] {
  const steps: [string, number | undefined][] = [
    ["alertmanager", d.hops.alertmanager],
    ["webhook", d.hops.webhook],
    ["telegram", d.hops.telegram],
  ];
  const out: [string, number][] = [];
  let before = d.startedAt;
  for (const [hop, at] of steps) {
    if (at === undefined) break;
    out.push([hop, at - before]);
    before = at;
  }
  if (d.hops.resolvePosted !== undefined && d.hops.resolved !== undefined) out.push(["resolved", d.hops.resolved - d.hops.resolvePosted]);
  return out;
}

const s = (ms: number) => seconds(ms);

/** The drill's report: what each hop took, and where it stopped. */
export function drillReport(d: DrillRecord, o: FormatOptions): string {
  const took = new Map(hopDurations(d));
  const line = (n: number, what: string, hop: string) => (took.has(hop) ? `${n}. ${what}: ${s(took.get(hop)!)}` : `${n}. ${what}: —`);
  const total = d.hops.telegram !== undefined ? ` (${s(d.hops.telegram - d.startedAt)} from /drill to the chat)` : "";
  const head =
    d.result === "ok"
      ? `✅ the alert path works${total}`
      : d.result === "interrupted"
        ? `⚠️ interrupted: ${escapeHtml(d.problem ?? "")}`
        : d.result === "failed"
          ? `❌ failed: ${escapeHtml(d.problem ?? "")}`
          : "⏳ under way";
  const resolved =
    d.hops.resolved !== undefined
      ? `4. resolved: Alertmanager's resolved webhook ${s(took.get("resolved")!)} after the end was posted`
      : d.result === "ok" && d.problem
        ? `4. resolved: ${escapeHtml(d.problem)}`
        : undefined;
  return [
    `🧯 <b>${escapeHtml(o.prefix)} [${escapeHtml(o.environment.toUpperCase())}] Fire drill ${escapeHtml(d.id)}</b> by ${escapeHtml(d.by)}: ${head}`,
    line(1, "sent → Alertmanager's API accepted it", "alertmanager"),
    line(2, "Alertmanager → the bridge's webhook", "webhook"),
    line(3, "webhook → Telegram accepted the message", "telegram"),
    ...(resolved ? [resolved] : []),
    "A drill is not escalated, does not touch the heartbeat and is not counted as a failed delivery.",
  ].join("\n");
}

/** One line for /status: when, who, and how it went. */
export function drillReportLine(d: DrillRecord, now: number): string {
  const took = hopDurations(d)
    .filter(([hop]) => hop !== "resolved")
    .map(([hop, ms]) => `${hop} ${s(ms)}`)
    .join(", ");
  const how =
    d.result === "ok" && d.hops.telegram !== undefined
      ? `✅ ${s(d.hops.telegram - d.startedAt)} to the chat (${took})`
      : d.result === undefined
        ? `⏳ under way${took ? ` (${took})` : ""}`
        : `${d.result === "interrupted" ? "⚠️" : "❌"} ${escapeCapped(d.problem ?? d.result, 160).text}`;
  return `${escapeHtml(d.id)} ${humanDuration(now - d.startedAt)} ago by ${escapeCapped(d.by, 60).text}: ${how}`;
}

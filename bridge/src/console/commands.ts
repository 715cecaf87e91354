import type { BotCommand } from "@grammyjs/types";
import { ConsoleAllow } from "../../../config/consoleSettings";
import { isDrill } from "../../../shared/drillLabels";
import { escapeCapped, formatAlertGroup, humanDuration, messageHeader, utc, FormatOptions } from "../format";
import { escapeHtml } from "../html";
import { visibleLength, TELEGRAM_TEXT_LIMIT } from "../telegramText";
import type { InlineKeyboard } from "../botApi";
import { encodeCallback } from "../cards";
import { alertKey } from "../payload";
import { ActiveAlert, Silence } from "./alertmanagerClient";
import { Card, DrillRecord } from "../stateStore";
import { ConsoleAction } from "./authorization";
import { drillReportLine } from "./drill";

/** Pure renderers of the console's answers: data in, HTML (and buttons) out. */

export const OVERVIEW_MAX_GROUPS = 8;
const OVERVIEW_STATUS_ROOM = 120;
const SILENCES_SHOWN = 10;

/**
 * The commands, each once: what /help lists, what the `/` menu shows (setMyCommands), and the
 * action each one is authorized as. `/start` (what Telegram sends when a private chat opens) is /help.
 */
export const CONSOLE_COMMANDS: readonly (BotCommand & { readonly action: ConsoleAction })[] = [
  { command: "alerts", action: "alerts", description: "What fires now, grouped, with buttons" },
  { command: "silences", action: "silences", description: "Active silences, each with an Expire button" },
  { command: "status", action: "status", description: "Prometheus, Alertmanager, the Watchdog, escalations, drills and this bridge" },
  { command: "drill", action: "drill", description: "Fire drill: a test alert through Alertmanager to this chat, timed hop by hop" },
  { command: "help", action: "help", description: "What this bot does and who may do what" },
];

export function helpText(
  o: FormatOptions,
  durations: readonly string[],
  who: { allow: ConsoleAllow; allowedUserIds: ReadonlySet<number>; userId: number | undefined },
): string {
  const n = who.allowedUserIds.size;
  const onList = who.userId !== undefined && who.allowedUserIds.has(who.userId) ? "you are on it" : "you are not on it";
  const rule =
    who.allow === "everyone"
      ? "Everyone in this chat may silence, unsilence, expire and start drills."
      : who.allow === "list"
        ? `Only the on-call list (${n} ${n === 1 ? "person" : "people"}) may silence, unsilence, expire and start drills; ${onList}. Everyone here may read and Ack.`
        : `This chat's administrators${n ? ` and the on-call list (${n} ${n === 1 ? "person" : "people"}; ${onList})` : ""} may silence, unsilence, expire and start drills. Everyone here may read and Ack.`;
  return [
    `<b>${escapeHtml(o.prefix)} [${escapeHtml(o.environment.toUpperCase())}]</b> alerts console`,
    ...CONSOLE_COMMANDS.map((c) => `/${c.command} — ${escapeHtml(c.description)}`),
    "",
    `Buttons on firing alerts: 🔕 silence for ${durations.map(escapeHtml).join(" / ")} (matches exactly the alerts shown), 🔔 Unsilence, 👀 Ack (says who is on it, and stops an escalation).`,
    "Resolved alerts arrive as replies to the message that showed them firing. Silences made in Alertmanager, Grafana or amtool show on the messages too.",
    rule,
  ].join("\n");
}

/** Alerts grouped by name, as one card: a row of buttons per group, at most OVERVIEW_MAX_GROUPS groups. */
export function overviewCard(alerts: readonly ActiveAlert[], o: FormatOptions, id: string, chatId: string, now: number): Card | undefined {
  const byName = new Map<string, ActiveAlert[]>();
  for (const a of alerts) {
    const name = a.labels.alertname ?? "(no alertname)";
    if (name === "Watchdog" || isDrill(a.labels)) continue;
    byName.set(name, [...(byName.get(name) ?? []), a]);
  }
  if (byName.size === 0) return undefined;
  const groups = [...byName.values()].sort((a, b) => severityRank(a[0]) - severityRank(b[0]) || b.length - a.length);
  const shown = groups.slice(0, OVERVIEW_MAX_GROUPS);
  const total = groups.reduce((n, g) => n + g.length, 0);
  const head = `${messageHeader(o, total, 0)} now in Alertmanager, ${groups.length} ${groups.length === 1 ? "group" : "groups"}`;
  const more =
    groups.length > shown.length
      ? `<i>…and ${groups.length - shown.length} more groups (${groups.slice(shown.length).reduce((n, g) => n + g.length, 0)} alerts); see Alertmanager.</i>`
      : "";
  const budget = TELEGRAM_TEXT_LIMIT - OVERVIEW_STATUS_ROOM - visibleLength(head) - visibleLength(more) - 4;
  const perGroup = Math.floor(budget / shown.length) - 4;
  const blocks = shown.map((g, i) => ({ html: `<b>#${i + 1}</b> ${fitGroup(g, perGroup)}` }));
  return {
    id,
    kind: "overview",
    chatId,
    messageId: 0,
    createdAt: now,
    updatedAt: now,
    body: { head, blocks: more ? [...blocks, { html: more }] : blocks, foot: "" },
    subjects: shown.map((g) => ({
      title: g[0].labels.alertname ?? "",
      alerts: g.slice(0, 200).map((a) => ({ alertKey: alertKey(a), labels: a.labels, status: "firing" as const })),
    })),
    buttons: true,
  };
}

function severityRank(a: ActiveAlert): number {
  return ({ critical: 0, warning: 1, info: 2 } as Record<string, number>)[a.labels.severity ?? ""] ?? 3;
}

/** A group in storm form, with as many alert lines as its share of the message allows. */
function fitGroup(group: readonly ActiveAlert[], budget: number): string {
  const asWebhook = (a: ActiveAlert) => ({ status: "firing" as const, labels: a.labels, annotations: a.annotations, startsAt: a.startsAt });
  for (let n = group.length; n >= 1; n = n > 8 ? Math.floor(n * 0.7) : n - 1) {
    const html = formatAlertGroup(group.slice(0, n).map(asWebhook)).replace(/ ×\d+ · /, ` ×${group.length} · `);
    const rest = group.length - n;
    const full = rest ? `${html}\n<i>…and ${rest} more</i>` : html;
    if (visibleLength(full) <= budget) return full;
  }
  return escapeCapped(group[0].labels.alertname ?? "(no alertname)", 60).text;
}

/** The /silences answer: the active silences, soonest ending first, each with an Expire button that names this answer's card and the silence's place in it. */
export function silencesMessage(
  silences: readonly Silence[],
  o: FormatOptions,
  now: number,
  cardId: string,
): { html: string; keyboard: InlineKeyboard | undefined; listed: { id: string; matchers: string }[] } {
  const active = silences.filter((s) => s.status.state === "active").sort((a, b) => Date.parse(a.endsAt) - Date.parse(b.endsAt));
  const head = `<b>${escapeHtml(o.prefix)} [${escapeHtml(o.environment.toUpperCase())}]</b> ${active.length} active ${active.length === 1 ? "silence" : "silences"}`;
  if (active.length === 0) return { html: `${head}\nNothing is silenced.`, keyboard: undefined, listed: [] };
  const shown = active.slice(0, SILENCES_SHOWN);
  const matchersOf = (s: Silence) =>
    s.matchers.map((m) => `${m.name}${m.isEqual === false ? "!" : ""}${m.isRegex ? "~" : "="}${m.value}`).join(", ");
  const lines = shown.map((s, i) => {
    const left = humanDuration(Date.parse(s.endsAt) - now);
    return `<b>#${i + 1}</b> ends ${escapeHtml(utc(s.endsAt) ?? s.endsAt)} (in ${left}) · by ${escapeCapped(s.createdBy, 60).text}\n<code>${escapeCapped(matchersOf(s), 300).text}</code>${s.comment ? `\n<i>${escapeCapped(s.comment, 200).text}</i>` : ""}`;
  });
  const more = active.length > shown.length ? [`<i>…and ${active.length - shown.length} more; see Alertmanager.</i>`] : [];
  const keyboard = shown.map((_, i) => [{ text: `🗑 Expire #${i + 1}`, callback_data: encodeCallback({ op: "expire", cardId, index: i }) }]);
  return { html: [head, ...lines, ...more].join("\n\n"), keyboard, listed: shown.map((s) => ({ id: s.id, matchers: matchersOf(s) })) };
}

export interface StatusFacts {
  readonly prometheus: "ready" | "not ready" | "not configured";
  readonly alertmanager: "ready" | "not ready" | "not configured";
  readonly watchdogLastSeen: number | undefined;
  readonly watchdogInAlertmanager: string;
  readonly sent: number;
  readonly failedByReason: Readonly<Record<string, number>>;
  readonly pending: number;
  readonly failingChats: number;
  readonly stateFile: string;
  readonly escalations: readonly EscalationLine[];
  readonly drills: { readonly underWay: readonly DrillRecord[]; readonly last: DrillRecord | undefined };
}

/** An escalation under way, as /status lists it. */
export interface EscalationLine {
  readonly title: string;
  readonly severity: string;
  readonly chatId: string;
  readonly sent: number;
  readonly times: number;
  readonly nextAt: number | undefined;
  readonly silenced: boolean;
}

/** Escalations listed by /status; the rest are counted. */
const ESCALATIONS_SHOWN = 5;

function escalationLines(list: readonly EscalationLine[], now: number): string[] {
  if (list.length === 0) return ["Escalations: none under way"];
  const shown = list.slice(0, ESCALATIONS_SHOWN).map((e) => {
    const state = e.silenced
      ? "paused by a silence"
      : e.nextAt === undefined
        ? "all sent, waiting for an Ack"
        : e.nextAt <= now
          ? "due now"
          : `next in ${humanDuration(e.nextAt - now)}`;
    return `• ${escapeCapped(e.title, 60).text} (${escapeHtml(e.severity)}): ${e.sent} of ${e.times} sent, ${state}`;
  });
  const more = list.length > shown.length ? [`• …and ${list.length - shown.length} more`] : [];
  return [`Escalations: ${list.length} under way`, ...shown, ...more];
}

export function statusMessage(f: StatusFacts, o: FormatOptions, now: number): string {
  const mark = (s: string) => (s === "ready" ? "✅ ready" : s === "not configured" ? "➖ not configured" : "❌ not ready");
  const failed = Object.entries(f.failedByReason).filter(([, n]) => n > 0);
  const watchdog =
    f.watchdogLastSeen !== undefined
      ? `last notification ${humanDuration(now - f.watchdogLastSeen)} ago (${utc(f.watchdogLastSeen)})`
      : "no notification since the bridge started remembering";
  return [
    `<b>${escapeHtml(o.prefix)} [${escapeHtml(o.environment.toUpperCase())}]</b> status`,
    `Prometheus: ${mark(f.prometheus)}`,
    `Alertmanager: ${mark(f.alertmanager)}`,
    `Watchdog: ${watchdog}; ${escapeHtml(f.watchdogInAlertmanager)}`,
    `Bridge: ${f.sent} messages sent, ${failed.length ? `failures: ${failed.map(([r, n]) => `${r} ${n}`).join(", ")}` : "no failures"}, ${f.pending} alerts queued, ${f.failingChats} chats refused by Telegram`,
    `State: ${escapeHtml(f.stateFile)}`,
    ...escalationLines(f.escalations, now),
    `Drills: ${f.drills.underWay.length ? `${f.drills.underWay.length} under way; ` : ""}${f.drills.last ? `last ${drillReportLine(f.drills.last, now)}` : "none yet"}`,
  ].join("\n");
}

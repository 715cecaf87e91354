import type { InlineKeyboardButton } from "@grammyjs/types";
import { randomBytes } from "crypto";
import type { InlineKeyboard } from "./botApi";
import { escapeCapped, markResolved, utc } from "./format";
import { renderBody } from "./packing";
import { Card, Subject } from "./stateStore";

/**
 * A card is a sent message the console can act on: its text in pieces, the alerts behind it
 * grouped in subjects (one for a notification, one per group for /alerts), and what people did
 * (silenced, unsilenced, acknowledged). A /silences answer is a card too: it remembers the
 * silences it offered to expire. Rendering is pure: state in, text and buttons out.
 */
export interface CardView {
  readonly silenceDurations: readonly string[];
  /** Silence buttons need Alertmanager's API. */
  readonly canSilence: boolean;
  readonly now: number;
}

export type CardAlert = Subject["alerts"][number];
export type SilenceRecord = NonNullable<CardAlert["silence"]>;

/** At most this many acknowledgements are kept per subject; the first ones stay. */
export const MAX_ACKS = 20;
const ACKS_SHOWN = 5;

export function newCardId(): string {
  return randomBytes(6).toString("base64url");
}

const who = (name: string) => escapeCapped(name, 40).text;
const when = (ms: number) => utc(ms) ?? "?";

/** The silence that holds this alert quiet now, if any. */
export function liveSilence(a: CardAlert, now: number): SilenceRecord | undefined {
  return a.silence && a.silence.until > now ? a.silence : undefined;
}

/** Alerts a Silence press would silence: firing and not held quiet by a silence the card knows. */
export function unsilencedFiring(s: Subject, now: number): CardAlert[] {
  return s.alerts.filter((a) => a.status === "firing" && !liveSilence(a, now));
}

function silenceLine(s: Subject, label: string, now: number): string | undefined {
  const silenced = s.alerts.filter((a) => liveSilence(a, now));
  if (silenced.length === 0) return undefined;
  // What the line counts: the alerts that fire or are silenced (a resolved alert nobody silenced is no longer in question).
  const relevant = s.alerts.filter((a) => a.status === "firing" || liveSilence(a, now)).length;
  const groups = new Map<string, { by: string; until: number; n: number }>();
  for (const a of silenced) {
    const x = a.silence!;
    const key = `${x.by}\u0000${x.until}`;
    groups.set(key, { by: x.by, until: x.until, n: (groups.get(key)?.n ?? 0) + 1 });
  }
  const head = silenced.length === relevant ? "Silenced" : `${silenced.length} of ${relevant} alerts silenced`;
  const list = [...groups.values()];
  if (list.length === 1) return `🔕 ${label}${head} by ${who(list[0].by)} until ${when(list[0].until)}`;
  return `🔕 ${label}${head}: ${list.map((g) => `${g.n} by ${who(g.by)} until ${when(g.until)}`).join(", ")}`;
}

function ackLine(s: Subject, label: string): string | undefined {
  const acks = s.acks ?? [];
  if (acks.length === 0) return undefined;
  const one = (a: { by: string; at: number }) => `${who(a.by)} (since ${when(a.at)})`;
  if (acks.length === 1) return `👀 ${label}${who(acks[0].by)} is on it (since ${when(acks[0].at)})`;
  const shown = acks.slice(0, ACKS_SHOWN).map(one);
  const names =
    acks.length > ACKS_SHOWN
      ? `${shown.join(", ")} and ${acks.length - ACKS_SHOWN} more`
      : `${shown.slice(0, -1).join(", ")} and ${shown.at(-1)}`;
  return `👀 ${label}${names} are on it`;
}

function subjectStatus(s: Subject, label: string, now: number): string[] {
  const silenced = silenceLine(s, label, now);
  const lines: string[] = [];
  if (silenced) lines.push(silenced);
  else if (s.unsilenced) lines.push(`🔔 ${label}Unsilenced by ${who(s.unsilenced.by)} at ${when(s.unsilenced.at)}`);
  const acked = ackLine(s, label);
  if (acked) lines.push(acked);
  return lines;
}

export function allResolved(card: Card): boolean {
  return card.subjects.every((s) => s.alerts.every((a) => a.status === "resolved"));
}

export function renderCardText(card: Card, now: number): string {
  const resolved = new Set(card.subjects.flatMap((s) => s.alerts.filter((a) => a.status === "resolved").map((a) => a.alertKey)));
  const lines: string[] = [];
  const many = card.subjects.length > 1;
  card.subjects.forEach((s, i) => lines.push(...subjectStatus(s, many ? `#${i + 1} ` : "", now)));
  const alerts = card.subjects.flatMap((s) => s.alerts);
  const done = alerts.filter((a) => a.status === "resolved").length;
  if (alerts.length && done === alerts.length)
    lines.push(
      `✅ Resolved${alerts.length > 1 ? `: all ${alerts.length} alerts` : ""}${card.resolvedAt ? ` at ${when(card.resolvedAt)}` : ""}`,
    );
  else if (done > 0) lines.push(`✅ ${done} of ${alerts.length} alerts resolved`);
  const body = renderBody(card.body, resolved, markResolved);
  return lines.length ? `${body}\n\n${lines.join("\n")}` : body;
}

/**
 * A subject offers 🔕 while some firing alert is not silenced, 🔔 Unsilence while some alert is,
 * both when a silence held only part of it, and 👀 Ack always.
 */
export function renderCardKeyboard(card: Card, view: CardView): InlineKeyboard | undefined {
  if (!card.buttons || allResolved(card)) return undefined;
  const rows: InlineKeyboard = [];
  const many = card.subjects.length > 1;
  card.subjects.forEach((s, i) => {
    if (s.alerts.every((a) => a.status === "resolved")) return;
    const tag = many ? ` #${i + 1}` : "";
    const silenceRow: InlineKeyboardButton.CallbackButton[] = [];
    if (view.canSilence) {
      if (unsilencedFiring(s, view.now).length)
        silenceRow.push(
          ...view.silenceDurations.map((d) => ({
            text: `🔕 ${d}${tag}`,
            callback_data: encodeCallback({ op: "silence", cardId: card.id, subject: i, duration: d }),
          })),
        );
      if (s.alerts.some((a) => liveSilence(a, view.now)))
        silenceRow.push({ text: `🔔 Unsilence${tag}`, callback_data: encodeCallback({ op: "unsilence", cardId: card.id, subject: i }) });
    }
    const ack = { text: `👀 Ack${tag}`, callback_data: encodeCallback({ op: "ack", cardId: card.id, subject: i }) };
    if (many) rows.push([...silenceRow, ack]);
    else rows.push(...(silenceRow.length ? [silenceRow] : []), [ack]);
  });
  return rows.length ? rows : undefined;
}

// --- callback data -----------------------------------------------------------------------------

/**
 * What a button asks for. Telegram carries at most 64 bytes of it; the card id points at the rest,
 * so every button names the message it belongs to and offers only what that message listed.
 */
export type CallbackAction =
  | { readonly op: "silence"; readonly cardId: string; readonly subject: number; readonly duration: string }
  | { readonly op: "unsilence"; readonly cardId: string; readonly subject: number }
  | { readonly op: "ack"; readonly cardId: string; readonly subject: number }
  /** Expire the `index`th silence the /silences answer `cardId` listed. */
  | { readonly op: "expire"; readonly cardId: string; readonly index: number }
  /** An Expire button of a /silences answer from before buttons named their message: it carries a bare silence id. */
  | { readonly op: "outdated" };

const OPS = { silence: "s", unsilence: "u", ack: "a", expire: "e" } as const;

export function encodeCallback(a: Exclude<CallbackAction, { op: "outdated" }>): string {
  switch (a.op) {
    case "silence":
      return `v1:${OPS.silence}:${a.cardId}:${a.subject}:${a.duration}`;
    case "unsilence":
    case "ack":
      return `v1:${OPS[a.op]}:${a.cardId}:${a.subject}`;
    case "expire":
      return `v1:${OPS.expire}:${a.cardId}:${a.index}`;
  }
}

const CARD = "([A-Za-z0-9_-]{8})";
const SUBJECT = "(\\d{1,2})";
const PATTERNS: [RegExp, (m: RegExpExecArray) => CallbackAction][] = [
  [
    new RegExp(`^v1:s:${CARD}:${SUBJECT}:(\\d{1,4}[smhdw](?:\\d{1,4}[smhdw]){0,3})$`),
    (m) => ({ op: "silence", cardId: m[1], subject: Number(m[2]), duration: m[3] }),
  ],
  [new RegExp(`^v1:u:${CARD}:${SUBJECT}$`), (m) => ({ op: "unsilence", cardId: m[1], subject: Number(m[2]) })],
  [new RegExp(`^v1:a:${CARD}:${SUBJECT}$`), (m) => ({ op: "ack", cardId: m[1], subject: Number(m[2]) })],
  [new RegExp(`^v1:e:${CARD}:${SUBJECT}$`), (m) => ({ op: "expire", cardId: m[1], index: Number(m[2]) })],
  [/^v1:x:[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/, () => ({ op: "outdated" })],
];

/** Callback data from Telegram, validated; anything not made by this bridge is undefined. */
export function decodeCallback(data: string | undefined): CallbackAction | undefined {
  if (data === undefined || data.length > 64) return undefined;
  for (const [re, make] of PATTERNS) {
    const m = re.exec(data);
    if (m) return make(m);
  }
  return undefined;
}

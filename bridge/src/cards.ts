import { randomBytes } from "crypto";
import { escapeCapped, markResolved, utc } from "./format";
import { renderBody } from "./packing";
import { Card, Subject } from "./stateStore";

/**
 * A card is a sent message the console can act on: its text in pieces, the alerts behind it
 * grouped in subjects (one for a notification, one per group for /alerts), and what people did
 * (silenced, unsilenced, acknowledged). Rendering is pure: state in, text and buttons out.
 */
export interface InlineButton {
  readonly text: string;
  readonly callback_data: string;
}
export type InlineKeyboard = InlineButton[][];

export interface CardView {
  readonly silenceDurations: readonly string[];
  /** Silence buttons need Alertmanager's API. */
  readonly canSilence: boolean;
  readonly now: number;
}

export function newCardId(): string {
  return randomBytes(6).toString("base64url");
}

const who = (name: string) => escapeCapped(name, 40).text;
const when = (ms: number) => utc(ms) ?? "?";

function subjectStatus(s: Subject, label: string, now: number): string[] {
  const lines: string[] = [];
  if (s.silence && s.silence.until > now) lines.push(`🔕 ${label}Silenced by ${who(s.silence.by)} until ${when(s.silence.until)}`);
  else if (s.unsilenced) lines.push(`🔔 ${label}Unsilenced by ${who(s.unsilenced.by)} at ${when(s.unsilenced.at)}`);
  if (s.ack) lines.push(`👀 ${label}${who(s.ack.by)} is on it (since ${when(s.ack.at)})`);
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
  if (alerts.length && done === alerts.length) lines.push(`✅ Resolved${alerts.length > 1 ? `: all ${alerts.length} alerts` : ""}${card.resolvedAt ? ` at ${when(card.resolvedAt)}` : ""}`);
  else if (done > 0) lines.push(`✅ ${done} of ${alerts.length} alerts resolved`);
  const body = renderBody(card.body, resolved, markResolved);
  return lines.length ? `${body}\n\n${lines.join("\n")}` : body;
}

export function renderCardKeyboard(card: Card, view: CardView): InlineKeyboard | undefined {
  if (!card.buttons || allResolved(card)) return undefined;
  const rows: InlineKeyboard = [];
  const many = card.subjects.length > 1;
  card.subjects.forEach((s, i) => {
    if (s.alerts.every((a) => a.status === "resolved")) return;
    const tag = many ? ` #${i + 1}` : "";
    const silenced = s.silence !== undefined && s.silence.until > view.now;
    const silenceRow: InlineButton[] = !view.canSilence
      ? []
      : silenced
        ? [{ text: `🔔 Unsilence${tag}`, callback_data: encodeCallback({ op: "unsilence", cardId: card.id, subject: i }) }]
        : view.silenceDurations.map((d) => ({ text: `🔕 ${d}${tag}`, callback_data: encodeCallback({ op: "silence", cardId: card.id, subject: i, duration: d }) }));
    const ack = { text: `👀 Ack${tag}`, callback_data: encodeCallback({ op: "ack", cardId: card.id, subject: i }) };
    if (many) rows.push([...silenceRow, ack]);
    else rows.push(...(silenceRow.length ? [silenceRow] : []), [ack]);
  });
  return rows.length ? rows : undefined;
}

// --- callback data -----------------------------------------------------------------------------

/** What a button asks for. Telegram carries at most 64 bytes of it; the card id points at the rest. */
export type CallbackAction =
  | { readonly op: "silence"; readonly cardId: string; readonly subject: number; readonly duration: string }
  | { readonly op: "unsilence"; readonly cardId: string; readonly subject: number }
  | { readonly op: "ack"; readonly cardId: string; readonly subject: number }
  | { readonly op: "expire"; readonly silenceId: string };

const OPS = { silence: "s", unsilence: "u", ack: "a", expire: "x" } as const;

export function encodeCallback(a: CallbackAction): string {
  switch (a.op) {
    case "silence":
      return `v1:${OPS.silence}:${a.cardId}:${a.subject}:${a.duration}`;
    case "unsilence":
    case "ack":
      return `v1:${OPS[a.op]}:${a.cardId}:${a.subject}`;
    case "expire":
      return `v1:${OPS.expire}:${a.silenceId}`;
  }
}

const CARD = "([A-Za-z0-9_-]{8})";
const SUBJECT = "(\\d{1,2})";
const PATTERNS: [RegExp, (m: RegExpExecArray) => CallbackAction][] = [
  [new RegExp(`^v1:s:${CARD}:${SUBJECT}:(\\d{1,4}[smhdw](?:\\d{1,4}[smhdw]){0,3})$`), (m) => ({ op: "silence", cardId: m[1], subject: Number(m[2]), duration: m[3] })],
  [new RegExp(`^v1:u:${CARD}:${SUBJECT}$`), (m) => ({ op: "unsilence", cardId: m[1], subject: Number(m[2]) })],
  [new RegExp(`^v1:a:${CARD}:${SUBJECT}$`), (m) => ({ op: "ack", cardId: m[1], subject: Number(m[2]) })],
  [/^v1:x:([0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12})$/, (m) => ({ op: "expire", silenceId: m[1] })],
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

import { createHash } from "crypto";
import { ChatDestination } from "./config";
import { alertKey, WebhookAlert } from "./payload";

/**
 * One thing to tell one chat: an alert in a given state, or a note about the notification
 * (alerts Alertmanager left out, alerts that could not be read). Items are the unit of
 * delivery and of deduplication; messages are packed from them.
 */
export interface AlertItem {
  readonly kind: "alert";
  /** Same alert, same state, same chat: the same key, whichever webhook carried it. */
  readonly key: string;
  readonly alertKey: string;
  readonly alert: WebhookAlert;
  readonly externalURL: string | undefined;
}

export interface NoteItem {
  readonly kind: "note";
  readonly key: string;
  readonly html: string;
  readonly externalURL: string | undefined;
}

export type Item = AlertItem | NoteItem;

const hash = (...parts: (string | number | undefined)[]) =>
  createHash("sha256")
    .update(parts.map((p) => String(p ?? "")).join("\u0000"))
    .digest("hex")
    .slice(0, 32);

export function alertItem(dest: ChatDestination, alert: WebhookAlert, externalURL: string | undefined): AlertItem {
  const key = alertKey(alert);
  // startsAt tells a new incident of the same alert from a re-notification of the current one.
  return { kind: "alert", key: hash(dest.chatId, dest.threadId, key, alert.status, alert.startsAt), alertKey: key, alert, externalURL };
}

export function noteItem(dest: ChatDestination, html: string, identity: string, externalURL: string | undefined): NoteItem {
  return { kind: "note", key: hash(dest.chatId, dest.threadId, "note", identity), html, externalURL };
}

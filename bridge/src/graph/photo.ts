import { Item } from "../items";
import { STATUS_RESERVE, STATUS_RESERVE_BYTES } from "../packing";
import { WebhookAlert } from "../payload";
import { sourceBytes, TELEGRAM_LIMITS } from "../telegramLimits";
import { visibleLength } from "../telegramText";
import { GraphQuery, graphQuery } from "./query";

/** A message about more firing alerts than this goes without a graph: it is no longer about one thing. */
export const GRAPH_MAX_ALERTS = 5;

export interface GraphSubject {
  readonly query: GraphQuery;
  readonly alerts: readonly WebhookAlert[];
}

/**
 * Which messages carry a graph. The graph is the message itself (a photo with the text as its
 * caption), never a second message, so graphs add nothing to Telegram's pace. A message qualifies
 * when it shows, in full form (never a storm summary), 1 to GRAPH_MAX_ALERTS firing alerts and
 * nothing else, all of one expression (one rule), taken from their generatorURL.
 */
export function graphSubject(items: readonly Item[], mode: "full" | "summary"): GraphSubject | undefined {
  if (mode !== "full" || items.length === 0 || items.length > GRAPH_MAX_ALERTS) return undefined;
  const alerts: WebhookAlert[] = [];
  for (const i of items) {
    if (i.kind !== "alert" || i.alert.status !== "firing") return undefined;
    alerts.push(i.alert);
  }
  const queries = alerts.map((a) => graphQuery(a.generatorURL));
  const first = queries[0];
  if (!first || queries.some((q) => q === undefined || JSON.stringify(q) !== JSON.stringify(first))) return undefined;
  return { query: first, alerts };
}

/**
 * Whether the message's HTML may be a photo's caption: Telegram takes 1024 characters there, not
 * 4096, and the room later edits need (the status lines) is kept as for a text.
 */
export function captionFits(html: string): boolean {
  return (
    visibleLength(html) <= TELEGRAM_LIMITS.captionLength - STATUS_RESERVE &&
    sourceBytes(html) <= TELEGRAM_LIMITS.sourceBytes - STATUS_RESERVE_BYTES
  );
}

import {
  alertmanagerLink,
  FormatOptions,
  formatAlert,
  formatAlertGroup,
  MAX_DESCRIPTION_CHARS,
  MAX_URL_CHARS,
  messageHeader,
} from "./format";
import { AlertItem, Item } from "./items";
import { sourceBytes, TELEGRAM_LIMITS, TextLimits } from "./telegramLimits";
import { visibleLength } from "./telegramText";

/** Room kept free in every message for the status lines a later edit adds (silenced, ack, resolved). */
export const STATUS_RESERVE = 200;
/** The same room in source bytes: a visible character of a status line is at most 6 bytes (`&quot;`). */
export const STATUS_RESERVE_BYTES = STATUS_RESERVE * 6;
/** A firing block marked resolved by an edit grows by at most this much, visible and in bytes. */
const RESOLVE_GROWTH = 2;
const SEPARATOR = "\n\n";
/** Header and footer of a one-alert message stay well within this, visible and in bytes. */
const BLOCK_FRAME = 300;
const BLOCK_FRAME_BYTES = BLOCK_FRAME * 6;
/**
 * The link caps tried, longest first, before a batch gives up the full form: shorter links, then
 * none. A link costs no visible character, so only the source bytes can call for this.
 */
const URL_STEPS = [MAX_URL_CHARS, MAX_URL_CHARS / 2, MAX_URL_CHARS / 4, MAX_URL_CHARS / 8, 0];

interface Size {
  readonly visible: number;
  readonly bytes: number;
}
type Budget = Size;

/** A message's text in pieces, so an edit can mark single alerts resolved without re-packing. */
export interface MessageBody {
  readonly head: string;
  readonly blocks: readonly { readonly html: string; readonly alertKey?: string }[];
  readonly foot: string;
}

export interface PackedMessage {
  readonly body: MessageBody;
  /** The items this message carries: always a prefix of the input, so order is kept. */
  readonly taken: readonly Item[];
  readonly mode: "full" | "summary";
  /** Alerts shown as one line in a storm summary instead of a full block. */
  readonly summarised: number;
  /** Alerts with a value cut to fit. */
  readonly truncated: number;
}

export function renderBody(
  b: MessageBody,
  resolved: ReadonlySet<string> = new Set(),
  markResolved: (html: string) => string = (h) => h,
): string {
  const blocks = b.blocks.map((x) => (x.alertKey !== undefined && resolved.has(x.alertKey) ? markResolved(x.html) : x.html));
  return [b.head, ...blocks, b.foot].filter((s) => s !== "").join(SEPARATOR);
}

const counts = (items: readonly Item[]) => {
  const alerts = items.filter((i): i is AlertItem => i.kind === "alert");
  const firing = alerts.filter((a) => a.alert.status === "firing").length;
  return { firing, resolved: alerts.length - firing };
};

function footFor(items: readonly Item[], summary: boolean): string {
  const am = alertmanagerLink(items.find((i) => i.externalURL)?.externalURL);
  const note = summary ? "<i>Storm summary: one line per alert; descriptions and links are in Alertmanager.</i>" : "";
  return [note, am].filter(Boolean).join("\n");
}

/** The text the parts make joined, as Telegram measures it: visible UTF-16 units and UTF-8 source bytes. */
function size(parts: readonly string[]): Size {
  const shown = parts.filter((p) => p !== "");
  const gaps = Math.max(0, shown.length - 1) * SEPARATOR.length;
  return { visible: shown.reduce((n, p) => n + visibleLength(p), gaps), bytes: shown.reduce((n, p) => n + sourceBytes(p), gaps) };
}

/** Which limit a size breaks first, if any: the visible one cannot be helped by shorter links. */
function overBy(s: Size, budget: Budget, growth = 0): "visible" | "bytes" | undefined {
  if (s.visible + growth > budget.visible) return "visible";
  if (s.bytes + growth > budget.bytes) return "bytes";
  return undefined;
}

/** Every item as a full block with links up to `urlMax` characters, if they all fit in one message. */
function packFull(items: readonly Item[], o: FormatOptions, budget: Budget, urlMax: number): PackedMessage | "visible" | "bytes" {
  const c = counts(items);
  const head = messageHeader(o, c.firing, c.resolved);
  const foot = footFor(items, false);
  const blocks: { html: string; alertKey?: string }[] = [];
  const alone = { visible: budget.visible - BLOCK_FRAME, bytes: budget.bytes - BLOCK_FRAME_BYTES };
  let truncated = 0;
  let growth = 0;
  for (const item of items) {
    if (item.kind === "note") blocks.push({ html: item.html });
    else {
      let b = formatAlert(item.alert, MAX_DESCRIPTION_CHARS, urlMax);
      // A block too big to fit even alone gives up its longest links first (the caller asks again
      // with a lower cap), then description; labels and summary are capped.
      for (let max = MAX_DESCRIPTION_CHARS, over = overBy(size([b.html]), alone); over && max > 1; over = overBy(size([b.html]), alone)) {
        if (over === "bytes" && urlMax > 0) return "bytes";
        max = Math.floor(max / 2);
        b = formatAlert(item.alert, max, urlMax);
      }
      if (b.cut) truncated += 1;
      if (item.alert.status === "firing") growth += RESOLVE_GROWTH;
      blocks.push({ html: b.html, alertKey: item.alertKey });
    }
    // Measured after every block, so a storm's thousands of alerts are not all formatted to learn they do not fit.
    const over = overBy(size([head, ...blocks.map((b) => b.html), foot]), budget, growth);
    if (over) return over;
  }
  return { body: { head, blocks, foot }, taken: items, mode: "full", summarised: 0, truncated };
}

/**
 * As many items as fit, in order, in storm form: alerts grouped by status, name, severity and
 * component, one line each. Each addition is measured exactly, since a new alert can change what
 * the group has in common and so every line of it.
 */
function packSummary(items: readonly Item[], o: FormatOptions, budget: Budget): PackedMessage {
  const groups = new Map<string, AlertItem[]>();
  const rendered = new Map<string, string>();
  const notes: string[] = [];
  const taken: Item[] = [];
  const groupKey = (a: AlertItem) =>
    JSON.stringify([a.alert.status, a.alert.labels.alertname, a.alert.labels.severity, a.alert.labels.component]);
  const total = () => {
    const c = counts(taken);
    return size([messageHeader(o, c.firing, c.resolved), ...rendered.values(), ...notes, footFor(taken, true)]);
  };
  for (const item of items) {
    if (item.kind === "note") {
      notes.push(item.html);
      taken.push(item);
      if (overBy(total(), budget) && taken.length > 1) {
        notes.pop();
        taken.pop();
        break;
      }
      continue;
    }
    const k = groupKey(item);
    const before = rendered.get(k);
    const members = [...(groups.get(k) ?? []), item];
    groups.set(k, members);
    rendered.set(k, formatAlertGroup(members.map((m) => m.alert)));
    taken.push(item);
    if (overBy(total(), budget) && taken.length > 1) {
      taken.pop();
      members.pop();
      if (members.length === 0) {
        // Stryker disable next-line CallExpression: the loop breaks right after and groups is never read again; the rendering is restored from `before`
        groups.delete(k);
        rendered.delete(k);
      } else rendered.set(k, before!);
      break;
    }
  }
  const c = counts(taken);
  const body = {
    head: messageHeader(o, c.firing, c.resolved),
    blocks: [...rendered.values(), ...notes].map((html) => ({ html })),
    foot: footFor(taken, true),
  };
  return { body, taken, mode: "summary", summarised: c.firing + c.resolved, truncated: 0 };
}

/**
 * The next message for a chat from its pending items: everything in full when it all fits in one
 * message (with links as long as fit: whole, shorter ones only, none), otherwise as many items as
 * fit in storm form. Sizes are what Telegram counts, both of them: the visible text after entity
 * parsing in UTF-16 units, and the source in UTF-8 bytes; each less room for the status lines a
 * later edit adds.
 */
export function packNext(items: readonly Item[], o: FormatOptions, limits: TextLimits = TELEGRAM_LIMITS): PackedMessage {
  if (items.length === 0) throw new Error("packNext needs at least one item");
  const budget = { visible: limits.visibleLength - STATUS_RESERVE, bytes: limits.sourceBytes - STATUS_RESERVE_BYTES };
  for (const urlMax of URL_STEPS) {
    const full = packFull(items, o, budget, urlMax);
    if (typeof full !== "string") return full;
    if (full === "visible") break;
  }
  // Storm form always takes the first item, so even an item too big alone still makes a message.
  return packSummary(items, o, budget);
}

import { CardAlert } from "../cards";
import { escapeCapped, utc } from "../format";
import { escapeHtml } from "../html";
import { Creation, Expiry } from "./silencing";

/**
 * What the chat is told after a Silence, Unsilence or Expire: a short answer for the button
 * (Telegram shows at most 200 characters) and, when that cannot say everything, an account for
 * the chat that names every alert and what became of it. Pure: outcomes in, text out.
 */

export const ANSWER_LIMIT = 200;
/** Alerts named per line of an account; the rest are counted. */
const NAMED_PER_LINE = 25;

export type Result = "ok" | "partial" | "refused" | "invalid" | "stale" | "failed";

export interface Told {
  readonly result: Result;
  /** The button's answer, at most ANSWER_LIMIT characters. */
  readonly answer: string;
  /** HTML for the chat when the answer alone would leave something out. */
  readonly account?: string;
}

/**
 * How the chat names each alert among its neighbours: its alertname and the labels whose values
 * differ between them ("DiskFull instance=b"). One alert alone is its name.
 */
export function alertNames(alerts: readonly { labels: Readonly<Record<string, string>> }[]): string[] {
  const keys = new Set(alerts.flatMap((a) => Object.keys(a.labels)));
  const varying = [...keys].filter((k) => k !== "alertname" && new Set(alerts.map((a) => a.labels[k])).size > 1).sort();
  return alerts.map((a) =>
    [a.labels.alertname ?? "(no alertname)", ...varying.filter((k) => a.labels[k] !== undefined).map((k) => `${k}=${a.labels[k]}`)].join(
      " ",
    ),
  );
}

const plural = (n: number, one: string) => `${n} ${one}${n === 1 ? "" : "s"}`;

/** A line of the account: an icon, what happened and why, then the alerts it happened to. */
function line(icon: string, what: string, names: readonly string[]): string {
  const shown = names.slice(0, NAMED_PER_LINE).map((n) => escapeCapped(n, 120).text);
  const more = names.length > shown.length ? `, and ${names.length - shown.length} more` : "";
  return `${icon} ${escapeCapped(what, 400).text}: ${shown.join(", ")}${more}`;
}

/** Groups names by what happened to them, keeping first-seen order. */
function grouped<T>(items: readonly { name: string; key: T }[]): [T, string[]][] {
  const m = new Map<string, [T, string[]]>();
  for (const { name, key } of items) {
    const k = JSON.stringify(key);
    if (!m.has(k)) m.set(k, [key, []]);
    m.get(k)![1].push(name);
  }
  return [...m.values()];
}

function cut(text: string): string {
  return text.length <= ANSWER_LIMIT ? text : `${text.slice(0, ANSWER_LIMIT - 1)}…`;
}

/** One target of a Silence press: the alerts one silence covers (identical label sets share one) and what became of it. */
export interface SilenceTarget {
  readonly alerts: readonly CardAlert[];
  readonly creation: Creation;
}

export function silenceTold(targets: readonly SilenceTarget[], f: { duration: string; by: string; until: number }): Told {
  const all = targets.flatMap((t) => t.alerts);
  const names = new Map(all.map((a, i) => [a, alertNames(all)[i]]));
  const each = targets.flatMap((t) => t.alerts.map((a) => ({ name: names.get(a)!, creation: t.creation })));
  const silenced = each.filter((e) => e.creation.result === "silenced").length;
  const unknown = each.filter((e) => e.creation.result === "unknown").length;
  const notSilenced = each.length - silenced - unknown;
  if (silenced === each.length) return { result: "ok", answer: `Silenced ${plural(silenced, "alert")} for ${f.duration}.` };
  const reasons = new Set(each.map((e) => ("said" in e.creation ? e.creation.said : "")));
  // Nothing silenced for one reason: the answer says it all.
  if (silenced === 0 && unknown === 0 && reasons.size === 1)
    return { result: "failed", answer: cut(`Nothing was silenced: ${[...reasons][0]}.`) };
  const counts = [
    silenced ? `Silenced ${silenced} of ${plural(each.length, "alert")} for ${f.duration}` : "Nothing was silenced for sure",
    notSilenced ? `${notSilenced} not silenced` : "",
    unknown ? `${unknown} unknown` : "",
  ].filter(Boolean);
  const lines = grouped(
    each.map((e) => ({ name: e.name, key: e.creation.result === "silenced" ? ["silenced", ""] : [e.creation.result, e.creation.said] })),
  )
    .sort(([a], [b]) => ORDER.indexOf(a[0]) - ORDER.indexOf(b[0]))
    .map(([[result, said], ns]) =>
      result === "silenced"
        ? line("✅", "Silenced", ns)
        : result === "unknown"
          ? line("❓", `Unknown (${said}); see /silences`, ns)
          : line("❌", `Not silenced (${said})`, ns),
    );
  const head = `🔕 <b>Silence for ${escapeHtml(f.duration)}</b> by ${escapeCapped(f.by, 60).text}: ${silenced} of ${plural(each.length, "alert")} silenced${silenced ? ` until ${utc(f.until)}` : ""}.`;
  return {
    result: silenced ? "partial" : "failed",
    answer: cut(`${counts.join("; ")}. Details in the chat.`),
    account: [head, ...lines].join("\n"),
  };
}

const ORDER = ["silenced", "expired", "not_silenced", "still_active", "unknown"];

/** One alert of an Unsilence press and what became of the silences that held it. */
export interface UnsilenceTarget {
  readonly alert: CardAlert;
  readonly expiries: readonly Expiry[];
}

/** An alert notifies again when every silence that held it ended; one still active keeps it quiet. */
export function unsilenceState(expiries: readonly Expiry[]): Expiry {
  return expiries.find((e) => e.result === "still_active") ?? expiries.find((e) => e.result === "unknown") ?? { result: "expired" };
}

export function unsilenceTold(targets: readonly UnsilenceTarget[], by: string): Told {
  const names = alertNames(targets.map((t) => t.alert));
  const each = targets.map((t, i) => ({ name: names[i], state: unsilenceState(t.expiries) }));
  const freed = each.filter((e) => e.state.result === "expired").length;
  if (freed === each.length) return { result: "ok", answer: "Silence expired; the alerts notify again." };
  const reasons = new Set(each.map((e) => ("said" in e.state ? e.state.said : "")));
  const unknown = each.filter((e) => e.state.result === "unknown").length;
  if (freed === 0 && unknown === 0 && reasons.size === 1)
    return { result: "failed", answer: cut(`Nothing was unsilenced: ${[...reasons][0]}.`) };
  const still = each.length - freed - unknown;
  const counts = [
    freed ? `Unsilenced ${freed} of ${plural(each.length, "alert")}` : "Nothing was unsilenced for sure",
    still ? `${still} still silenced` : "",
    unknown ? `${unknown} unknown` : "",
  ].filter(Boolean);
  const lines = grouped(each.map((e) => ({ name: e.name, key: [e.state.result, "said" in e.state ? e.state.said : ""] })))
    .sort(([a], [b]) => ORDER.indexOf(a[0]) - ORDER.indexOf(b[0]))
    .map(([[result, said], ns]) =>
      result === "expired"
        ? line("✅", "Notify again", ns)
        : result === "unknown"
          ? line("❓", `Unknown (${said}); see /silences`, ns)
          : line("❌", `Still silenced (${said})`, ns),
    );
  const head = `🔔 <b>Unsilence</b> by ${escapeCapped(by, 60).text}: ${freed} of ${plural(each.length, "alert")} notify again.`;
  return {
    result: freed ? "partial" : "failed",
    answer: cut(`${counts.join("; ")}. Details in the chat.`),
    account: [head, ...lines].join("\n"),
  };
}

export function expireTold(e: Expiry): Told {
  switch (e.result) {
    case "expired":
      return { result: "ok", answer: "Silence expired." };
    case "gone":
      return { result: "stale", answer: "That silence is already gone; nothing was changed." };
    case "still_active":
      return { result: "failed", answer: cut(`The silence is still active: ${e.said}.`) };
    case "unknown":
      return { result: "failed", answer: cut(`${e.said}. Whether the silence ended is unknown; see /silences.`) };
  }
}

import { escapeHtml, link, safeUrl } from "./html";
import { WebhookAlert, WebhookPayload } from "./payload";

export const TELEGRAM_MESSAGE_LIMIT = 4096;
/** Longest escaped text shown per value; larger values are cut and the alert is marked truncated. */
export const MAX_DESCRIPTION_CHARS = 1500;
const MAX_SUMMARY_CHARS = 600;
const MAX_LABEL_CHARS = 120;
const MAX_URL_CHARS = 400;

export interface FormatOptions {
  readonly prefix: string;
  readonly environment: string;
}

export interface FormattedAlerts {
  readonly messages: string[];
  /** Alerts with at least one value cut to fit. */
  readonly truncatedAlerts: number;
}

const CONTEXT_LABELS: [label: string, title: string][] = [
  ["channel", "channel"],
  ["pipeline_version", "pipeline"],
  ["schema_version", "schema"],
];

/** Escapes and cuts at `max` escaped characters, never inside an entity or a surrogate pair (emoji). */
function escapeCapped(value: string, max: number): { text: string; cut: boolean } {
  let out = "";
  for (const ch of value) {
    const e = escapeHtml(ch);
    if (out.length + e.length > max) return { text: `${out}…`, cut: true };
    out += e;
  }
  return { text: out, cut: false };
}

function utc(ts: string | undefined): string | undefined {
  if (!ts || ts.startsWith("0001-")) return undefined;
  const d = new Date(ts);
  return Number.isNaN(d.getTime()) ? undefined : d.toISOString().replace("T", " ").replace(/\.\d+Z$/, " UTC");
}

export function humanDuration(ms: number): string {
  const s = Math.max(0, Math.round(ms / 1000));
  const parts = [[Math.floor(s / 86400), "d"], [Math.floor((s % 86400) / 3600), "h"], [Math.floor((s % 3600) / 60), "m"], [s % 60, "s"]] as const;
  const shown = parts.filter(([n]) => n > 0).slice(0, 2);
  return shown.length ? shown.map(([n, u]) => `${n}${u}`).join(" ") : "0s";
}

/** One alert as an HTML block; every interpolated value is escaped. */
export function formatAlert(alert: WebhookAlert, descriptionMax = MAX_DESCRIPTION_CHARS): { html: string; cut: boolean } {
  const l = alert.labels;
  const a = alert.annotations;
  const firing = alert.status === "firing";
  const severity = l.severity ?? "unknown";
  const icon = firing ? (severity === "critical" ? "🔴" : severity === "warning" ? "🟠" : "🔵") : "✅";
  let cut = false;
  const capped = (v: string, max: number) => {
    const c = escapeCapped(v, max);
    cut ||= c.cut;
    return c.text;
  };
  const value = (v: string) => capped(v, MAX_LABEL_CHARS);
  const url = (v: string | undefined) => {
    if (v && v.length > MAX_URL_CHARS) cut = true;
    return v && v.length <= MAX_URL_CHARS ? v : undefined;
  };
  const lines = [`${icon} <b>${firing ? "FIRING" : "RESOLVED"}</b> — <b>${value(l.alertname ?? "(no alertname)")}</b>`];
  lines.push(`severity: <b>${value(severity)}</b> · component: <code>${value(l.component ?? "unknown")}</code>`);
  const context = CONTEXT_LABELS.filter(([k]) => l[k]).map(([k, title]) => `${title}: <code>${value(l[k])}</code>`);
  if (context.length) lines.push(context.join(" · "));
  if (a.summary) lines.push(`<b>${capped(a.summary, MAX_SUMMARY_CHARS)}</b>`);
  if (a.description) lines.push(capped(a.description, descriptionMax));
  const started = utc(alert.startsAt);
  if (started) lines.push(`Started: ${started}`);
  const ended = firing ? undefined : utc(alert.endsAt);
  if (ended) {
    const lasted = started ? ` (lasted ${humanDuration(Date.parse(alert.endsAt!) - Date.parse(alert.startsAt!))})` : "";
    lines.push(`Ended: ${ended}${lasted}`);
  }
  const links = [link("Runbook", url(a.runbook_url)), link("Dashboard", url(a.dashboard)), link("Source", url(alert.generatorURL))].filter(Boolean);
  if (links.length) lines.push(links.join(" · "));
  if (cut) lines.push("<i>(values truncated to fit Telegram)</i>");
  return { html: lines.join("\n"), cut };
}

function header(p: WebhookPayload, o: FormatOptions, part: number, parts: number): string {
  const firing = p.alerts.filter((a) => a.status === "firing").length;
  const resolved = p.alerts.length - firing;
  const counts = [firing ? `${firing} firing` : "", resolved ? `${resolved} resolved` : ""].filter(Boolean).join(", ");
  const env = `[${o.environment.toUpperCase()}]`;
  const of = parts > 1 ? ` (part ${part}/${parts})` : "";
  return `<b>${escapeHtml(o.prefix)} ${escapeHtml(env)}</b> ${counts || "no alerts"}${of}`;
}

function footer(p: WebhookPayload): string {
  const parts = [link("Alertmanager", p.externalURL)].filter(Boolean) as string[];
  if (p.truncatedAlerts) parts.push(`<i>${p.truncatedAlerts} more alerts not included by Alertmanager</i>`);
  return parts.join("\n");
}

/**
 * Formats a payload into messages within Telegram's limit, splitting only between alert blocks so a
 * tag is never cut. The header and footer are repeated on every part.
 */
export function formatMessages(p: WebhookPayload, o: FormatOptions, limit = TELEGRAM_MESSAGE_LIMIT): FormattedAlerts {
  const foot = footer(p);
  // Reserve room for the longest header ("part 999/999") and the footer.
  const reserve = header(p, o, 999, 999).length + foot.length + 8;
  const budget = limit - reserve;
  const blocks = p.alerts.map((alert) => {
    let b = formatAlert(alert);
    // Many long labels together can still overflow: shorten the description until the block fits.
    for (let max = MAX_DESCRIPTION_CHARS; b.html.length > budget && max > 0; max = Math.floor(max / 2)) b = formatAlert(alert, max);
    return b;
  });
  const groups: string[][] = [[]];
  let used = 0;
  for (const b of blocks) {
    const size = b.html.length + 2;
    const current = groups[groups.length - 1];
    if (current.length > 0 && used + size > budget) {
      groups.push([]);
      used = 0;
    }
    groups[groups.length - 1].push(b.html);
    used += size;
  }
  const messages = groups.map((g, i) => [header(p, o, i + 1, groups.length), ...g, foot].filter((s) => s !== "").join("\n\n"));
  return { messages, truncatedAlerts: blocks.filter((b) => b.cut).length };
}

export { safeUrl };

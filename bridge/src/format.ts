import { escapeChar, escapeHtml, link, safeUrl } from "./html";
import { WebhookAlert } from "./payload";
import { formatDuration } from "../../config/durations";

/** Longest escaped text shown per value; larger values are cut and the alert is marked truncated. */
export const MAX_DESCRIPTION_CHARS = 1500;
const MAX_SUMMARY_CHARS = 600;
const MAX_LABEL_CHARS = 120;
/**
 * Longest link kept (an encoded Prometheus expression is 1-2 kB). A link costs nothing visible but
 * its bytes count against Telegram's source limit, so packing asks for shorter caps when it must.
 */
export const MAX_URL_CHARS = 2048;
/** In a storm summary every alert gets one short line; longer values are cut. */
const SUMMARY_VALUE_CHARS = 60;
const SUMMARY_TEXT_CHARS = 160;
const SUMMARY_LABELS_PER_LINE = 4;

export interface FormatOptions {
  readonly prefix: string;
  readonly environment: string;
}

const CONTEXT_LABELS: [label: string, title: string][] = [
  ["channel", "channel"],
  ["pipeline_version", "pipeline"],
  ["schema_version", "schema"],
];
/** Shown in the first line of a block; never repeated among the other labels. */
const HEADLINE_LABELS = new Set(["alertname", "severity", "component"]);

/** Escapes and cuts at `max` escaped characters, never inside an entity or a surrogate pair (emoji). */
export function escapeCapped(value: string, max: number): { text: string; cut: boolean } {
  let out = "";
  for (const ch of value) {
    const e = escapeChar(ch);
    if (out.length + e.length > max) return { text: `${out}…`, cut: true };
    out += e;
  }
  return { text: out, cut: false };
}

export function utc(ts: string | number | undefined): string | undefined {
  if (
    ts === undefined ||
    (typeof ts === "string" &&
      // Stryker disable next-line ConditionalExpression,StringLiteral: the ts === "" short-cut only saves new Date(""), an invalid date that gives undefined too, as does "Stryker was here!" (this also disables the non-equivalent → true, and "0001-" → "")
      (ts === "" || ts.startsWith("0001-")))
  )
    return undefined;
  const d = new Date(ts);
  return Number.isNaN(d.getTime())
    ? undefined
    : d
        .toISOString()
        .replace("T", " ")
        .replace(
          // Stryker disable next-line Regex: toISOString() always ends in .sssZ and has no other .digitsZ, so the pattern without $ matches the same place (this also disables the non-equivalent \d and \D mutants)
          /\.\d+Z$/,
          " UTC",
        );
}

/** A duration for people: its two largest units, "1d 1h". */
export const humanDuration = (ms: number): string => formatDuration(ms, { units: 2, separator: " " });

function statusIcon(status: string, severity: string): string {
  if (status !== "firing") return "✅";
  return severity === "critical" ? "🔴" : severity === "warning" ? "🟠" : "🔵";
}

/**
 * One alert as an HTML block; every interpolated value is escaped. Links longer than `urlMax`
 * characters are left out (0: no links), and the alert is then marked truncated.
 */
export function formatAlert(
  alert: WebhookAlert,
  descriptionMax = MAX_DESCRIPTION_CHARS,
  urlMax = MAX_URL_CHARS,
): { html: string; cut: boolean } {
  const l = alert.labels;
  const a = alert.annotations;
  const firing = alert.status === "firing";
  const severity = l.severity ?? "unknown";
  let cut = false;
  const capped = (v: string, max: number) => {
    const c = escapeCapped(v, max);
    cut ||= c.cut;
    return c.text;
  };
  const value = (v: string) => capped(v, MAX_LABEL_CHARS);
  const url = (v: string | undefined) => {
    if (v && v.length > urlMax) cut = true;
    return v && v.length <= urlMax ? v : undefined;
  };
  const lines = [
    `${statusIcon(alert.status, severity)} <b>${firing ? "FIRING" : "RESOLVED"}</b> — <b>${value(l.alertname ?? "(no alertname)")}</b>`,
  ];
  lines.push(`severity: <b>${value(severity)}</b> · component: <code>${value(l.component ?? "unknown")}</code>`);
  const context = CONTEXT_LABELS.filter(([k]) => l[k]).map(([k, title]) => `${title}: <code>${value(l[k])}</code>`);
  if (context.length) lines.push(context.join(" · "));
  // The rest of the label set tells apart alerts that share name and context (instance, job, ...).
  // Label names are capped like values: Prometheus sets no length limit on them.
  const others = Object.keys(l)
    .filter((k) => !HEADLINE_LABELS.has(k) && !CONTEXT_LABELS.some(([c]) => c === k))
    .sort();
  if (others.length)
    lines.push(
      others
        .slice(0, SUMMARY_LABELS_PER_LINE)
        .map((k) => `${value(k)}=<code>${value(l[k])}</code>`)
        .join(" · ") + (others.length > SUMMARY_LABELS_PER_LINE ? " …" : ""),
    );
  if (a.summary) lines.push(`<b>${capped(a.summary, MAX_SUMMARY_CHARS)}</b>`);
  if (a.description) lines.push(capped(a.description, descriptionMax));
  const started = utc(alert.startsAt);
  if (started) lines.push(`Started: ${started}`);
  const ended = firing ? undefined : utc(alert.endsAt);
  if (ended) {
    const lasted = started ? ` (lasted ${humanDuration(Date.parse(alert.endsAt!) - Date.parse(alert.startsAt!))})` : "";
    lines.push(`Ended: ${ended}${lasted}`);
  }
  const links = [link("Runbook", url(a.runbook_url)), link("Dashboard", url(a.dashboard)), link("Source", url(alert.generatorURL))].filter(
    Boolean,
  );
  if (links.length) lines.push(links.join(" · "));
  if (cut) lines.push("<i>(values truncated to fit Telegram)</i>");
  return { html: lines.join("\n"), cut };
}

const FIRING_HEAD = /^(🔴|🟠|🔵) <b>FIRING<\/b>/u;

/** A firing block as it reads once its alert resolved: the edit of the firing message. */
export function markResolved(blockHtml: string): string {
  return blockHtml.replace(FIRING_HEAD, "✅ <b>RESOLVED</b>");
}

export function messageHeader(o: FormatOptions, firing: number, resolved: number): string {
  const counts = [firing ? `${firing} firing` : "", resolved ? `${resolved} resolved` : ""].filter(Boolean).join(", ");
  return `<b>${escapeHtml(o.prefix)} ${escapeHtml(`[${o.environment.toUpperCase()}]`)}</b> ${counts || "notice"}`;
}

export function alertmanagerLink(externalURL: string | undefined): string | undefined {
  return link("Alertmanager", externalURL);
}

const labelTitle = (k: string) => CONTEXT_LABELS.find(([l]) => l === k)?.[1] ?? k;

/**
 * Alerts of one name, status, severity and component in storm form: one headline, the labels
 * they share, the summary if they share it, then one line per alert with only what tells it apart.
 * The headline links the runbook they share, if its URL is at most `urlMax` characters.
 */
export function formatAlertGroup(alerts: readonly WebhookAlert[], urlMax = MAX_URL_CHARS): string {
  const first = alerts[0];
  const l = first.labels;
  const severity = l.severity ?? "unknown";
  const cap = (v: string, max = SUMMARY_VALUE_CHARS) => escapeCapped(v, max).text;
  const runbooks = new Set(alerts.map((a) => a.annotations.runbook_url));
  const shared = runbooks.size === 1 ? first.annotations.runbook_url : undefined;
  const runbook = shared !== undefined && shared.length <= urlMax ? safeUrl(shared) : undefined;
  const name = cap(l.alertname ?? "(no alertname)", MAX_LABEL_CHARS);
  const title = runbook ? `<a href="${escapeHtml(runbook)}">${name}</a>` : `<b>${name}</b>`;
  const many = alerts.length > 1 ? ` ×${alerts.length}` : "";
  const lines = [
    `${statusIcon(first.status, severity)} <b>${first.status === "firing" ? "FIRING" : "RESOLVED"}</b> — ${title}${many} · ${cap(severity)} · <code>${cap(l.component ?? "unknown")}</code>`,
  ];
  const keys = [...new Set(alerts.flatMap((a) => Object.keys(a.labels)))]
    .filter((k) => !HEADLINE_LABELS.has(k))
    .sort((a, b) => labelOrder(a) - labelOrder(b) || a.localeCompare(b));
  const common = keys.filter((k) => alerts.every((a) => a.labels[k] !== undefined && a.labels[k] === l[k]));
  const differing = keys.filter((k) => !common.includes(k));
  if (common.length)
    lines.push(
      common
        .slice(0, SUMMARY_LABELS_PER_LINE)
        .map((k) => `${cap(labelTitle(k))}: <code>${cap(l[k])}</code>`)
        .join(" · "),
    );
  const summaries = new Set(alerts.map((a) => a.annotations.summary));
  if (summaries.size === 1 && first.annotations.summary) lines.push(`<i>${cap(first.annotations.summary, SUMMARY_TEXT_CHARS)}</i>`);
  if (differing.length) {
    for (const a of alerts) {
      const shown = differing.filter((k) => a.labels[k] !== undefined).slice(0, SUMMARY_LABELS_PER_LINE);
      lines.push(`• ${shown.map((k) => `${cap(k)}=<code>${cap(a.labels[k])}</code>`).join(" ") || "(no other labels)"}`);
    }
  }
  return lines.join("\n");
}

function labelOrder(k: string): number {
  const i = CONTEXT_LABELS.findIndex(([l]) => l === k);
  return i === -1 ? CONTEXT_LABELS.length : i;
}

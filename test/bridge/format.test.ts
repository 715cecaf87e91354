import { formatAlert, formatMessages, humanDuration, TELEGRAM_MESSAGE_LIMIT } from "../../bridge/src/format";
import { escapeHtml, htmlToText, safeUrl } from "../../bridge/src/html";
import { classify } from "../../bridge/src/telegram";
import { parseWebhook } from "../../bridge/src/payload";
import { telegramHtmlError } from "../support/fakeTelegram";
import { alert, payload } from "../support/alerts";

const OPTS = { prefix: "[TutorDex]", environment: "prod" };

describe("escaping and links", () => {
  it("escapes the four characters Telegram's HTML mode reserves", () => {
    expect(escapeHtml(`<b>&"x"</b>`)).toBe("&lt;b&gt;&amp;&quot;x&quot;&lt;/b&gt;");
  });
  it("links only absolute http(s) URLs", () => {
    expect(safeUrl("https://rb.test/a.md")).toBe("https://rb.test/a.md");
    expect(safeUrl("runbooks/QueueStuckProcessing.md")).toBeUndefined();
    expect(safeUrl("javascript:alert(1)")).toBeUndefined();
    const html = formatAlert(alert({ annotations: { runbook_url: "runbooks/X.md", dashboard: "javascript:alert(1)" } })).html;
    expect(html).not.toContain("Runbook");
    expect(html).not.toContain("javascript");
  });
  it("escapes every interpolated value, including labels, annotations and URLs", () => {
    const evil = `<script>&"🔥</script>`;
    const html = formatAlert(
      alert({
        labels: { alertname: evil, component: evil, channel: evil, severity: evil },
        annotations: { summary: evil, description: evil, runbook_url: `https://rb.test/a?x="<b>"&y=1` },
      }),
    ).html;
    expect(telegramHtmlError(html)).toBeUndefined();
    expect(html).not.toContain("<script>");
    expect(html).toContain("🔥");
  });
  it("plain-text fallback keeps the content readable", () => {
    expect(htmlToText('<b>A &amp; B</b> <a href="https://x.test">Runbook</a>')).toBe("A & B Runbook (https://x.test)");
  });
});

describe("message content", () => {
  it("shows environment, status, name, severity, component, versions, summary, description, links and times", () => {
    const [msg] = formatMessages(payload([alert({ labels: { channel: "t.me/tutorsg" } })]), OPTS).messages;
    for (const part of [
      "<b>[TutorDex] [PROD]</b>",
      "FIRING",
      "<b>QueueStuckProcessing</b>",
      "severity: <b>critical</b>",
      "component: <code>queue</code>",
      "channel: <code>t.me/tutorsg</code>",
      "pipeline: <code>2026-01-02_det_time_v1</code>",
      "schema: <code>v2</code>",
      "A job is stuck in processing",
      "15m 1s",
      '<a href="https://rb.test/runbooks/QueueStuckProcessing.md">Runbook</a>',
      '<a href="https://grafana.test/d/tutordex-overview">Dashboard</a>',
      "Started: 2026-11-25 10:00:00 UTC",
      '<a href="http://localhost:9093/">Alertmanager</a>',
    ])
      expect(msg).toContain(part);
  });
  it("shows firing and resolved per alert in a mixed payload, with end time and duration", () => {
    const [msg] = formatMessages(
      payload([alert(), alert({ status: "resolved", endsAt: "2026-11-25T10:42:30Z", labels: { alertname: "HostDiskLow", severity: "warning" } })]),
      OPTS,
    ).messages;
    expect(msg).toContain("1 firing, 1 resolved");
    expect(msg).toMatch(/🔴 <b>FIRING<\/b> — <b>QueueStuckProcessing<\/b>/);
    expect(msg).toMatch(/✅ <b>RESOLVED<\/b> — <b>HostDiskLow<\/b>/);
    expect(msg).toContain("Ended: 2026-11-25 10:42:30 UTC (lasted 42m 30s)");
  });
  it("copes with missing labels and annotations", () => {
    const [msg] = formatMessages(payload([{ status: "firing", labels: {}, annotations: {} }]), OPTS).messages;
    expect(msg).toContain("(no alertname)");
    expect(msg).toContain("severity: <b>unknown</b>");
    expect(telegramHtmlError(msg)).toBeUndefined();
  });
  it("humanizes durations", () => {
    expect([humanDuration(0), humanDuration(61_000), humanDuration(90_061_000)]).toEqual(["0s", "1m 1s", "1d 1h"]);
  });
});

describe("splitting at Telegram's limit", () => {
  it("splits 150 alerts between blocks, each part valid and within the limit, none lost", () => {
    const alerts = Array.from({ length: 150 }, (_, i) => alert({ labels: { alertname: `Alert${i}`, channel: `t.me/c${i}` } }));
    const { messages } = formatMessages(payload(alerts), OPTS);
    expect(messages.length).toBeGreaterThan(1);
    messages.forEach((m, i) => {
      expect(m.length).toBeLessThanOrEqual(TELEGRAM_MESSAGE_LIMIT);
      expect(telegramHtmlError(m)).toBeUndefined();
      expect(m).toContain(`(part ${i + 1}/${messages.length})`);
    });
    const shown = messages.join("\n").match(/<b>Alert\d+<\/b>/g) ?? [];
    expect(new Set(shown).size).toBe(150);
  });
  it("caps one 10,000-character value, marks the alert truncated, and never cuts an entity", () => {
    const huge = "&<".repeat(5000);
    const f = formatMessages(payload([alert({ annotations: { description: huge } })]), OPTS);
    expect(f.messages).toHaveLength(1);
    expect(f.truncatedAlerts).toBe(1);
    expect(f.messages[0]).toContain("(values truncated to fit Telegram)");
    expect(telegramHtmlError(f.messages[0])).toBeUndefined();
  });
  it("fits an alert whose every label is huge", () => {
    const big = "x".repeat(5000);
    const a = alert({ labels: { alertname: big, component: big, channel: big, pipeline_version: big, schema_version: big, severity: big }, annotations: { summary: big, description: big, runbook_url: `https://rb.test/${big}` } });
    const f = formatMessages(payload([a]), OPTS);
    expect(f.messages[0].length).toBeLessThanOrEqual(TELEGRAM_MESSAGE_LIMIT);
    expect(telegramHtmlError(f.messages[0])).toBeUndefined();
  });
  it("never splits inside a surrogate pair (emoji)", () => {
    const f = formatMessages(payload([alert({ annotations: { description: "🔥".repeat(3000) } })]), OPTS);
    expect(f.messages[0]).not.toMatch(/[\uD800-\uDBFF](?![\uDC00-\uDFFF])/);
  });
});

describe("Telegram answers are classified for the retry policy", () => {
  it.each([
    [200, { ok: true }, "sent"],
    [429, { ok: false, parameters: { retry_after: 7 } }, "rate_limited"],
    [500, { ok: false }, "transient"],
    [502, undefined, "transient"],
    [400, { ok: false, description: "Bad Request: can't parse entities: x" }, "unparseable"],
    [400, { ok: false, description: "Bad Request: chat not found" }, "permanent"],
    [401, { ok: false, description: "Unauthorized" }, "permanent"],
    [403, { ok: false, description: "Forbidden: bot was blocked by the user" }, "permanent"],
  ])("%d %j → %s", (status, body, kind) => {
    expect(classify(status, body as never).kind).toBe(kind);
  });
  it("429 carries retry_after in milliseconds", () => {
    expect(classify(429, { parameters: { retry_after: 7 } })).toEqual({ kind: "rate_limited", retryAfterMs: 7000 });
  });
});

describe("webhook payload validation", () => {
  it("accepts unknown extra fields", () => {
    const r = parseWebhook(JSON.stringify({ ...payload([alert()]), somethingNew: 1, alerts: [{ ...alert(), extra: true }] }));
    expect(r.ok).toBe(true);
  });
  it.each([
    ["not JSON", "{", "body is not JSON"],
    ["no alerts", JSON.stringify({ status: "firing" }), "invalid Alertmanager payload at alerts"],
    ["bad status", JSON.stringify({ status: "burning", alerts: [] }), "invalid Alertmanager payload at status"],
    ["label not a string", JSON.stringify({ status: "firing", alerts: [{ status: "firing", labels: { a: 1 } }] }), "alerts.0.labels.a"],
  ])("%s is rejected with a reason", (_w, body, reason) => {
    const r = parseWebhook(body);
    expect(r.ok).toBe(false);
    if (!r.ok) expect(r.error).toContain(reason);
  });
});

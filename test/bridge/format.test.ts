import { formatAlert, formatAlertGroup, humanDuration, markResolved } from "../../bridge/src/format";
import { escapeHtml, htmlToText, safeUrl } from "../../bridge/src/html";
import { alertItem, Item } from "../../bridge/src/items";
import { packNext, renderBody, STATUS_RESERVE } from "../../bridge/src/packing";
import { classify } from "../../bridge/src/telegram";
import { parseWebhook } from "../../bridge/src/payload";
import { visibleLength } from "../../bridge/src/telegramText";
import { telegramHtmlError } from "../../harness/fakeTelegram";
import { alert, payload } from "../../harness/alerts";

const OPTS = { prefix: "[TutorDex]", environment: "prod" };
const DEST = { chatId: "-100", threadId: undefined };
const items = (alerts: ReturnType<typeof alert>[]): Item[] => alerts.map((a) => alertItem(DEST, a, "http://localhost:9093"));
const textOf = (p: ReturnType<typeof packNext>) => renderBody(p.body);

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
  it("escapes every interpolated value, including labels, annotations and URLs, in both forms", () => {
    const evil = `<script>&"🔥</script>`;
    const a = alert({
      labels: { alertname: evil, component: evil, channel: evil, severity: evil, instance: evil },
      annotations: { summary: evil, description: evil, runbook_url: `https://rb.test/a?x="<b>"&y=1` },
    });
    for (const html of [formatAlert(a).html, formatAlertGroup([a, { ...a, labels: { ...a.labels, instance: "other" } }])]) {
      expect(telegramHtmlError(html)).toBeUndefined();
      expect(html).not.toContain("<script>");
      expect(html).toContain("🔥");
    }
  });
  it("plain-text fallback keeps the content readable", () => {
    expect(htmlToText('<b>A &amp; B</b> <a href="https://x.test">Runbook</a>')).toBe("A & B Runbook (https://x.test)");
  });
});

describe("message content", () => {
  it("shows environment, status, name, severity, component, versions, other labels, summary, description, links and times", () => {
    const msg = textOf(packNext(items([alert({ labels: { channel: "t.me/tutorsg", instance: "worker-1" } })]), OPTS));
    for (const part of [
      "<b>[TutorDex] [PROD]</b>",
      "FIRING",
      "<b>QueueStuckProcessing</b>",
      "severity: <b>critical</b>",
      "component: <code>queue</code>",
      "channel: <code>t.me/tutorsg</code>",
      "pipeline: <code>2026-01-02_det_time_v1</code>",
      "schema: <code>v2</code>",
      "instance=<code>worker-1</code>",
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
    const msg = textOf(
      packNext(
        items([
          alert(),
          alert({
            fingerprint: "x",
            status: "resolved",
            endsAt: "2026-11-25T10:42:30Z",
            labels: { alertname: "HostDiskLow", severity: "warning" },
          }),
        ]),
        OPTS,
      ),
    );
    expect(msg).toContain("1 firing, 1 resolved");
    expect(msg).toMatch(/🔴 <b>FIRING<\/b> — <b>QueueStuckProcessing<\/b>/);
    expect(msg).toMatch(/✅ <b>RESOLVED<\/b> — <b>HostDiskLow<\/b>/);
    expect(msg).toContain("Ended: 2026-11-25 10:42:30 UTC (lasted 42m 30s)");
  });
  it("copes with missing labels and annotations", () => {
    const msg = textOf(packNext(items([{ status: "firing", labels: {}, annotations: {} }]), OPTS));
    expect(msg).toContain("(no alertname)");
    expect(msg).toContain("severity: <b>unknown</b>");
    expect(telegramHtmlError(msg)).toBeUndefined();
  });
  it("an edit marks a firing block resolved", () => {
    expect(markResolved(formatAlert(alert()).html)).toMatch(/^✅ <b>RESOLVED<\/b> — <b>QueueStuckProcessing<\/b>/);
  });
  it("humanizes durations", () => {
    expect([humanDuration(0), humanDuration(61_000), humanDuration(90_061_000)]).toEqual(["0s", "1m 1s", "1d 1h"]);
  });
});

describe("what Telegram counts", () => {
  it("counts visible text after entity parsing, in UTF-16 code units", () => {
    expect(visibleLength("<b>a&amp;b</b>")).toBe(3);
    expect(visibleLength('<a href="https://very.long/url">x</a>')).toBe(1);
    expect(visibleLength("🔥")).toBe(2);
    expect(visibleLength("&#128293;")).toBe(2);
  });
});

describe("packing to Telegram's limit", () => {
  it("everything in full when it fits one message", () => {
    const p = packNext(
      items(Array.from({ length: 3 }, (_, i) => alert({ fingerprint: `f${i}`, labels: { alertname: `Alert${i}` } }))),
      OPTS,
    );
    expect([p.mode, p.taken.length]).toEqual(["full", 3]);
  });
  it("150 alerts: storm form, as many per message as fit, each within the limit, none lost", () => {
    let pending = items(
      Array.from({ length: 150 }, (_, i) => alert({ fingerprint: `f${i}`, labels: { alertname: `Alert${i % 3}`, channel: `t.me/c${i}` } })),
    );
    const messages: string[] = [];
    while (pending.length) {
      const p = packNext(pending, OPTS);
      expect(p.mode).toBe("summary");
      messages.push(textOf(p));
      pending = pending.slice(p.taken.length);
    }
    for (const m of messages) {
      expect(visibleLength(m)).toBeLessThanOrEqual(4096 - STATUS_RESERVE);
      expect(telegramHtmlError(m)).toBeUndefined();
    }
    const shown = messages.join("\n").match(/t\.me\/c\d+(?=<)/g) ?? [];
    expect(new Set(shown).size).toBe(150);
    expect(shown).toHaveLength(150);
    expect(messages.length).toBeLessThanOrEqual(3);
  });
  it("storm form states once what a group shares and per alert only what differs", () => {
    const html = formatAlertGroup(
      Array.from({ length: 3 }, (_, i) =>
        alert({
          fingerprint: `s${i}`,
          labels: { alertname: "ChannelStale", severity: "warning", component: "collector", channel: `t.me/c${i}` },
        }),
      ),
    );
    expect(html).toContain("ChannelStale</a> ×3 · warning · <code>collector</code>");
    expect(html).toContain("pipeline: <code>2026-01-02_det_time_v1</code> · schema: <code>v2</code>");
    expect(html.match(/• channel=<code>t\.me\/c\d<\/code>/g)).toHaveLength(3);
    expect(html.match(/pipeline/g)).toHaveLength(1);
  });
  it("caps one 10,000-character value, marks the alert truncated, and never cuts an entity", () => {
    const p = packNext(items([alert({ annotations: { description: "&<".repeat(5000) } })]), OPTS);
    expect(p.truncated).toBe(1);
    expect(textOf(p)).toContain("(values truncated to fit Telegram)");
    expect(telegramHtmlError(textOf(p))).toBeUndefined();
  });
  it("fits an alert whose every label is huge", () => {
    const big = "x".repeat(5000);
    const a = alert({
      labels: { alertname: big, component: big, channel: big, pipeline_version: big, schema_version: big, severity: big, instance: big },
      annotations: { summary: big, description: big, runbook_url: `https://rb.test/${big}` },
    });
    const p = packNext(items([a]), OPTS);
    expect(visibleLength(textOf(p))).toBeLessThanOrEqual(4096 - STATUS_RESERVE);
    expect(telegramHtmlError(textOf(p))).toBeUndefined();
  });
  it("never splits inside a surrogate pair (emoji)", () => {
    const p = packNext(items([alert({ annotations: { description: "🔥".repeat(3000) } })]), OPTS);
    expect(textOf(p)).not.toMatch(/[\uD800-\uDBFF](?![\uDC00-\uDFFF])/);
  });
});

describe("Telegram answers are classified for the retry policy", () => {
  it.each([
    [200, { ok: true }, "ok"],
    [429, { ok: false, parameters: { retry_after: 7 } }, "rate_limited"],
    [
      400,
      { ok: false, description: "Bad Request: group chat was upgraded to a supergroup chat", parameters: { migrate_to_chat_id: -1009 } },
      "migrated",
    ],
    [400, { ok: false, description: "Bad Request: message is not modified: specified new message content" }, "not_modified"],
    [500, { ok: false }, "transient"],
    [502, undefined, "transient"],
    [400, { ok: false, description: "Bad Request: can't parse entities: x" }, "unparseable"],
    [400, { ok: false, description: "Bad Request: chat not found" }, "permanent"],
    [401, { ok: false, description: "Unauthorized" }, "permanent"],
    [403, { ok: false, description: "Forbidden: bot was blocked by the user" }, "permanent"],
  ])("%d %j → %s", (status, body, kind) => {
    expect(classify(status, body as never).kind).toBe(kind);
  });
  it("429 carries retry_after in milliseconds; a migration the new chat id", () => {
    expect(classify(429, { parameters: { retry_after: 7 } })).toEqual({ kind: "rate_limited", retryAfterMs: 7000 });
    expect(classify(400, { parameters: { migrate_to_chat_id: -1009 } })).toEqual({ kind: "migrated", toChatId: "-1009" });
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
  ])("%s is rejected with a reason", (_w, body, reason) => {
    const r = parseWebhook(body);
    expect(r.ok).toBe(false);
    if (!r.ok) expect(r.error).toContain(reason);
  });
  it("a malformed alert is set aside with where and why; the others are kept", () => {
    const r = parseWebhook(JSON.stringify({ status: "firing", alerts: [alert(), { status: "firing", labels: { a: 1 } }] }));
    expect(r.ok).toBe(true);
    if (r.ok) {
      expect(r.payload.alerts).toHaveLength(1);
      expect(r.rejected).toEqual([{ index: 1, reason: expect.stringContaining("alerts.1.labels.a") }]);
    }
  });
});

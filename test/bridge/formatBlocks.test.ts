/**
 * The HTML of one alert block, of a storm group and of the message header, pinned line by line:
 * these are the texts people read in the chat, and every value in them is escaped and capped.
 */
import {
  alertmanagerLink,
  escapeCapped,
  formatAlert,
  formatAlertGroup,
  humanDuration,
  markResolved,
  MAX_DESCRIPTION_CHARS,
  MAX_URL_CHARS,
  messageHeader,
  utc,
} from "../../bridge/src/format";
import { WebhookAlert } from "../../bridge/src/payload";
import { telegramHtmlError } from "../../harness/fakeTelegram";
import { alert } from "../../harness/alerts";

const LINKS =
  '<a href="https://rb.test/runbooks/QueueStuckProcessing.md">Runbook</a> · <a href="https://grafana.test/d/tutordex-overview">Dashboard</a> · <a href="http://prometheus:9090/graph?g0.expr=x">Source</a>';
const TRUNCATED = "<i>(values truncated to fit Telegram)</i>";
/** An alert with only what the test names: no fixture labels, annotations or times. */
const bare = (over: Partial<WebhookAlert> = {}): WebhookAlert => ({ status: "firing", labels: {}, annotations: {}, ...over });

describe("escapeCapped cuts at an exact escaped length", () => {
  it("keeps a value of exactly the maximum and cuts one character more", () => {
    expect(escapeCapped("abc", 3)).toEqual({ text: "abc", cut: false });
    expect(escapeCapped("abcd", 3)).toEqual({ text: "abc…", cut: true });
    expect(escapeCapped("", 0)).toEqual({ text: "", cut: false });
  });
  it("counts escaped characters and never cuts inside an entity or an emoji", () => {
    expect(escapeCapped("a&b", 5)).toEqual({ text: "a…", cut: true });
    expect(escapeCapped("a&b", 6)).toEqual({ text: "a&amp;…", cut: true });
    expect(escapeCapped("a&b", 7)).toEqual({ text: "a&amp;b", cut: false });
    expect(escapeCapped("🔥🔥", 3)).toEqual({ text: "🔥…", cut: true });
    expect(escapeCapped('<"x">', 100)).toEqual({ text: "&lt;&quot;x&quot;&gt;", cut: false });
  });
});

describe("times and durations as shown", () => {
  it("prints Alertmanager's times in UTC to the second", () => {
    expect(utc("2026-11-25T10:00:00.123456789Z")).toBe("2026-11-25 10:00:00 UTC");
    expect(utc("2026-11-25T12:00:00+02:00")).toBe("2026-11-25 10:00:00 UTC");
    expect(utc(0)).toBe("1970-01-01 00:00:00 UTC");
  });
  it("shows nothing for Alertmanager's zero time, an empty or unreadable time, or none", () => {
    expect([utc("0001-01-01T00:00:00Z"), utc(""), utc("soon"), utc(undefined), utc(Number.NaN)]).toEqual([
      undefined,
      undefined,
      undefined,
      undefined,
      undefined,
    ]);
  });
  it("a duration is its two largest units, rounded to the second", () => {
    expect([
      humanDuration(59_000),
      humanDuration(60_000),
      humanDuration(3_661_000),
      humanDuration(86_400_000),
      humanDuration(86_401_000),
    ]).toEqual(["59s", "1m", "1h 1m", "1d", "1d 1s"]);
    expect([humanDuration(1499), humanDuration(1500), humanDuration(-5000)]).toEqual(["1s", "2s", "0s"]);
  });
});

describe("one alert as a block", () => {
  it("a firing alert: headline, severity and component, context, other labels, summary, description, start, links", () => {
    expect(formatAlert(alert({ labels: { instance: "w-1", channel: "t.me/c" } }))).toEqual({
      html: [
        "🔴 <b>FIRING</b> — <b>QueueStuckProcessing</b>",
        "severity: <b>critical</b> · component: <code>queue</code>",
        "channel: <code>t.me/c</code> · pipeline: <code>2026-01-02_det_time_v1</code> · schema: <code>v2</code>",
        "instance=<code>w-1</code>",
        "<b>A job is stuck in processing</b>",
        "The oldest processing job has been running for 15m 1s.",
        "Started: 2026-11-25 10:00:00 UTC",
        LINKS,
      ].join("\n"),
      cut: false,
    });
  });
  it("a resolved alert adds when it ended and how long it lasted", () => {
    expect(
      formatAlert(
        alert({
          status: "resolved",
          endsAt: "2026-11-25T11:02:03Z",
          labels: { severity: "warning", pipeline_version: "", schema_version: "" },
        }),
      ).html,
    ).toBe(
      [
        "✅ <b>RESOLVED</b> — <b>QueueStuckProcessing</b>",
        "severity: <b>warning</b> · component: <code>queue</code>",
        "<b>A job is stuck in processing</b>",
        "The oldest processing job has been running for 15m 1s.",
        "Started: 2026-11-25 10:00:00 UTC",
        "Ended: 2026-11-25 11:02:03 UTC (lasted 1h 2m)",
        LINKS,
      ].join("\n"),
    );
  });
  it("a resolved alert without a start time shows its end alone; a firing one never shows an end", () => {
    expect(formatAlert(bare({ status: "resolved", endsAt: "2026-11-25T11:02:03Z" })).html).toBe(
      [
        "✅ <b>RESOLVED</b> — <b>(no alertname)</b>",
        "severity: <b>unknown</b> · component: <code>unknown</code>",
        "Ended: 2026-11-25 11:02:03 UTC",
      ].join("\n"),
    );
    expect(formatAlert(bare({ startsAt: "2026-11-25T10:00:00Z", endsAt: "2026-11-25T11:02:03Z" })).html).toBe(
      [
        "🔵 <b>FIRING</b> — <b>(no alertname)</b>",
        "severity: <b>unknown</b> · component: <code>unknown</code>",
        "Started: 2026-11-25 10:00:00 UTC",
      ].join("\n"),
    );
  });
  it.each([
    ["critical", "🔴"],
    ["warning", "🟠"],
    ["info", "🔵"],
    ["page", "🔵"],
  ])("a firing %s alert is marked %s; resolved is always ✅", (severity, icon) => {
    expect(formatAlert(bare({ labels: { severity } })).html.split("\n")[0]).toBe(`${icon} <b>FIRING</b> — <b>(no alertname)</b>`);
    expect(formatAlert(bare({ status: "resolved", labels: { severity } })).html.split("\n")[0]).toBe(
      "✅ <b>RESOLVED</b> — <b>(no alertname)</b>",
    );
  });
  it("other labels are sorted, at most four shown, and an ellipsis says there are more", () => {
    const four = { d: "4", b: "2", a: "1", c: "3" };
    expect(formatAlert(bare({ labels: four })).html.split("\n")[2]).toBe(
      "a=<code>1</code> · b=<code>2</code> · c=<code>3</code> · d=<code>4</code>",
    );
    expect(formatAlert(bare({ labels: { ...four, e: "5" } })).html.split("\n")[2]).toBe(
      "a=<code>1</code> · b=<code>2</code> · c=<code>3</code> · d=<code>4</code> …",
    );
  });
  it("headline and context labels are never repeated among the other labels", () => {
    const html = formatAlert(
      bare({ labels: { alertname: "A", severity: "info", component: "c", channel: "ch", pipeline_version: "p", schema_version: "s" } }),
    ).html;
    expect(html).toBe(
      [
        "🔵 <b>FIRING</b> — <b>A</b>",
        "severity: <b>info</b> · component: <code>c</code>",
        "channel: <code>ch</code> · pipeline: <code>p</code> · schema: <code>s</code>",
      ].join("\n"),
    );
  });
  it("label names and values are escaped", () => {
    expect(formatAlert(bare({ labels: { "a<b": "x&y" } })).html.split("\n")[2]).toBe("a&lt;b=<code>x&amp;y</code>");
  });
  it("links only what is an absolute http(s) URL, in the order runbook, dashboard, source", () => {
    const html = formatAlert(bare({ annotations: { dashboard: "https://g.test/d?a=1&b=2" }, generatorURL: "ftp://x.test/" })).html;
    expect(html.split("\n").slice(2)).toEqual(['<a href="https://g.test/d?a=1&amp;b=2">Dashboard</a>']);
    expect(
      formatAlert(bare({ generatorURL: "http://p.test/g" }))
        .html.split("\n")
        .slice(2),
    ).toEqual(['<a href="http://p.test/g">Source</a>']);
  });
  it("a URL of 2,048 characters is linked; a longer one is dropped and the alert marked truncated", () => {
    const url = (n: number) => `https://rb.test/${"a".repeat(n - 16)}`;
    expect(url(2048)).toHaveLength(MAX_URL_CHARS);
    expect(formatAlert(bare({ annotations: { runbook_url: url(2048) } }))).toEqual({
      html: [
        "🔵 <b>FIRING</b> — <b>(no alertname)</b>",
        "severity: <b>unknown</b> · component: <code>unknown</code>",
        `<a href="${url(2048)}">Runbook</a>`,
      ].join("\n"),
      cut: false,
    });
    expect(formatAlert(bare({ annotations: { runbook_url: url(2049) } }))).toEqual({
      html: ["🔵 <b>FIRING</b> — <b>(no alertname)</b>", "severity: <b>unknown</b> · component: <code>unknown</code>", TRUNCATED].join(
        "\n",
      ),
      cut: true,
    });
  });
  it("a lower link cap keeps the links within it, in their order, and marks the alert truncated; 0 keeps none", () => {
    const a = bare({
      annotations: { runbook_url: "https://rb.test/short", dashboard: `https://g.test/${"d".repeat(100)}` },
      generatorURL: "http://p.test/g",
    });
    expect(formatAlert(a, MAX_DESCRIPTION_CHARS, 21).html.split("\n").slice(2)).toEqual([
      '<a href="https://rb.test/short">Runbook</a> · <a href="http://p.test/g">Source</a>',
      TRUNCATED,
    ]);
    expect(formatAlert(a, MAX_DESCRIPTION_CHARS, 20).html.split("\n").slice(2)).toEqual([
      '<a href="http://p.test/g">Source</a>',
      TRUNCATED,
    ]);
    expect(formatAlert(a, MAX_DESCRIPTION_CHARS, 0)).toEqual({ html: formatAlert(bare({})).html + `\n${TRUNCATED}`, cut: true });
  });
  it("a storm headline links the shared runbook only within the link cap", () => {
    const a = bare({ labels: { alertname: "A" }, annotations: { runbook_url: "https://rb.test/abc" } });
    expect(formatAlertGroup([a, a], 19).split("\n")[0]).toContain('<a href="https://rb.test/abc">A</a> ×2');
    expect(formatAlertGroup([a, a], 18).split("\n")[0]).toContain("<b>A</b> ×2");
  });
  it("caps a label at 120, a summary at 600 and a description at its maximum, and says so", () => {
    const r = formatAlert(
      bare({ labels: { alertname: "n".repeat(121) }, annotations: { summary: "s".repeat(601), description: "d".repeat(11) } }),
      10,
    );
    expect(r).toEqual({
      html: [
        `🔵 <b>FIRING</b> — <b>${"n".repeat(120)}…</b>`,
        "severity: <b>unknown</b> · component: <code>unknown</code>",
        `<b>${"s".repeat(600)}…</b>`,
        `${"d".repeat(10)}…`,
        TRUNCATED,
      ].join("\n"),
      cut: true,
    });
    const exact = formatAlert(
      bare({
        labels: { alertname: "n".repeat(120) },
        annotations: { summary: "s".repeat(600), description: "d".repeat(MAX_DESCRIPTION_CHARS) },
      }),
    );
    expect(exact.cut).toBe(false);
    expect(exact.html).not.toContain("…");
    expect(MAX_DESCRIPTION_CHARS).toBe(1500);
  });
  it("a cut in a label value alone marks the alert truncated", () => {
    expect(formatAlert(bare({ labels: { instance: "i".repeat(121) } })).cut).toBe(true);
  });
});

describe("marking a block resolved by an edit", () => {
  it("rewrites the firing headline of any severity", () => {
    for (const severity of ["critical", "warning", "info"]) {
      expect(markResolved(formatAlert(bare({ labels: { alertname: "A", severity } })).html).split("\n")[0]).toBe(
        "✅ <b>RESOLVED</b> — <b>A</b>",
      );
    }
  });
  it("touches nothing but a headline at the start of the block", () => {
    expect(markResolved("note: 🔴 <b>FIRING</b> earlier")).toBe("note: 🔴 <b>FIRING</b> earlier");
    expect(markResolved("✅ <b>RESOLVED</b> — <b>A</b>")).toBe("✅ <b>RESOLVED</b> — <b>A</b>");
  });
});

describe("message header and Alertmanager link", () => {
  const o = { prefix: "<T&D>", environment: "staging" };
  it("names the stack and environment, escaped, and counts firing and resolved alerts", () => {
    expect(messageHeader(o, 2, 0)).toBe("<b>&lt;T&amp;D&gt; [STAGING]</b> 2 firing");
    expect(messageHeader(o, 0, 3)).toBe("<b>&lt;T&amp;D&gt; [STAGING]</b> 3 resolved");
    expect(messageHeader(o, 1, 1)).toBe("<b>&lt;T&amp;D&gt; [STAGING]</b> 1 firing, 1 resolved");
    expect(messageHeader(o, 0, 0)).toBe("<b>&lt;T&amp;D&gt; [STAGING]</b> notice");
  });
  it("links Alertmanager only at an http(s) URL", () => {
    expect(alertmanagerLink("http://am.test:9093")).toBe('<a href="http://am.test:9093/">Alertmanager</a>');
    expect([alertmanagerLink(undefined), alertmanagerLink("am:9093")]).toEqual([undefined, undefined]);
  });
});

describe("a storm group", () => {
  const member = (labels: Record<string, string> = {}, annotations: Record<string, string> = {}) =>
    bare({ labels: { alertname: "ChannelStale", severity: "warning", component: "collector", ...labels }, annotations });

  it("one alert: no count, no runbook link without a runbook, no lines per alert", () => {
    expect(formatAlertGroup([member({ job: "j" })])).toBe(
      ["🟠 <b>FIRING</b> — <b>ChannelStale</b> · warning · <code>collector</code>", "job: <code>j</code>"].join("\n"),
    );
  });
  it("without any labels falls back to placeholders", () => {
    expect(formatAlertGroup([bare({ status: "resolved" })])).toBe(
      "✅ <b>RESOLVED</b> — <b>(no alertname)</b> · unknown · <code>unknown</code>",
    );
  });
  it("states shared labels once, context labels first and titled, then per alert what differs", () => {
    const html = formatAlertGroup([
      member({ zone: "z", schema_version: "v2", channel: "c1", instance: "1", job: "j" }, { summary: "Stale" }),
      member({ zone: "z", schema_version: "v2", channel: "c2", instance: "2" }, { summary: "Stale" }),
    ]);
    expect(html).toBe(
      [
        "🟠 <b>FIRING</b> — <b>ChannelStale</b> ×2 · warning · <code>collector</code>",
        "schema: <code>v2</code> · zone: <code>z</code>",
        "<i>Stale</i>",
        "• channel=<code>c1</code> instance=<code>1</code> job=<code>j</code>",
        "• channel=<code>c2</code> instance=<code>2</code>",
      ].join("\n"),
    );
  });
  it("at most four shared labels and four differing labels per line, in label order", () => {
    const shared = { pipeline_version: "p", channel: "c", b: "b", a: "a", schema_version: "s" };
    const html = formatAlertGroup([
      member({ ...shared, w: "1", x: "1", y: "1", z: "1", v: "1" }),
      member({ ...shared, w: "2", x: "2", y: "2", z: "2", v: "2" }),
    ]);
    expect(html.split("\n").slice(1)).toEqual([
      "channel: <code>c</code> · pipeline: <code>p</code> · schema: <code>s</code> · a: <code>a</code>",
      "• v=<code>1</code> w=<code>1</code> x=<code>1</code> y=<code>1</code>",
      "• v=<code>2</code> w=<code>2</code> x=<code>2</code> y=<code>2</code>",
    ]);
  });
  it("an alert with none of the differing labels says so", () => {
    expect(
      formatAlertGroup([member({ instance: "1" }), member()])
        .split("\n")
        .slice(1),
    ).toEqual(["• instance=<code>1</code>", "• (no other labels)"]);
  });
  it("a label that only the first alert has is not shared", () => {
    expect(
      formatAlertGroup([member({ job: "j" }), member()])
        .split("\n")
        .slice(1),
    ).toEqual(["• job=<code>j</code>", "• (no other labels)"]);
  });
  it("links the title to the runbook only when every alert has the same safe one", () => {
    const rb = { runbook_url: "https://rb.test/x?a=1&b=2" };
    const head = (alerts: WebhookAlert[]) => formatAlertGroup(alerts).split("\n")[0];
    expect(head([member({}, rb), member({}, rb)])).toBe(
      '🟠 <b>FIRING</b> — <a href="https://rb.test/x?a=1&amp;b=2">ChannelStale</a> ×2 · warning · <code>collector</code>',
    );
    expect(head([member({}, rb), member({}, { runbook_url: "https://rb.test/y" })])).toBe(
      "🟠 <b>FIRING</b> — <b>ChannelStale</b> ×2 · warning · <code>collector</code>",
    );
    expect(head([member({}, rb), member()])).toBe("🟠 <b>FIRING</b> — <b>ChannelStale</b> ×2 · warning · <code>collector</code>");
    expect(head([member({}, { runbook_url: "runbooks/x.md" })])).toBe(
      "🟠 <b>FIRING</b> — <b>ChannelStale</b> · warning · <code>collector</code>",
    );
  });
  it("shows the summary only when every alert has the same one", () => {
    const lines = (alerts: WebhookAlert[]) => formatAlertGroup(alerts).split("\n").slice(1);
    expect(lines([member({}, { summary: "A" }), member({}, { summary: "B" })])).toEqual([]);
    expect(lines([member({}, { summary: "A" }), member()])).toEqual([]);
    expect(lines([member({}, { summary: "<A>" }), member({}, { summary: "<A>" })])).toEqual(["<i>&lt;A&gt;</i>"]);
  });
  it("caps values to one short line: 120 for the name, 60 for labels, 160 for the summary", () => {
    const html = formatAlertGroup([
      bare({
        labels: { alertname: "n".repeat(121), severity: "s".repeat(61), component: "c".repeat(61), job: "j".repeat(61), instance: "1" },
        annotations: { summary: "u".repeat(161) },
      }),
      bare({
        labels: {
          alertname: "n".repeat(121),
          severity: "s".repeat(61),
          component: "c".repeat(61),
          job: "j".repeat(61),
          instance: "i".repeat(61),
        },
        annotations: { summary: "u".repeat(161) },
      }),
    ]);
    expect(html.split("\n")).toEqual([
      `🔵 <b>FIRING</b> — <b>${"n".repeat(120)}…</b> ×2 · ${"s".repeat(60)}… · <code>${"c".repeat(60)}…</code>`,
      `job: <code>${"j".repeat(60)}…</code>`,
      `<i>${"u".repeat(160)}…</i>`,
      "• instance=<code>1</code>",
      `• instance=<code>${"i".repeat(60)}…</code>`,
    ]);
    expect(telegramHtmlError(html)).toBeUndefined();
  });
});

describe("label names are capped like values", () => {
  // Prometheus sets no length limit on label names; an uncapped one made a block too big to send.
  const long = "k".repeat(5000);
  it("in a block, at 120", () => {
    const r = formatAlert(bare({ labels: { [long]: "v" } }));
    expect([r.html.split("\n")[2], r.cut]).toEqual([`${"k".repeat(120)}…=<code>v</code>`, true]);
  });
  it("in a storm group, at 60, shared or not", () => {
    const html = formatAlertGroup([
      bare({ labels: { [long]: "v", [`x${long}`]: "1" } }),
      bare({ labels: { [long]: "v", [`x${long}`]: "2" } }),
    ]);
    expect(html.split("\n").slice(1)).toEqual([
      `${"k".repeat(60)}…: <code>v</code>`,
      `• x${"k".repeat(59)}…=<code>1</code>`,
      `• x${"k".repeat(59)}…=<code>2</code>`,
    ]);
  });
});

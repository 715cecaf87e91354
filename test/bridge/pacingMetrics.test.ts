/**
 * Pacing to Telegram's limits, both sides of each, and the bridge's /metrics text: the exact
 * Prometheus exposition the stack's rules and dashboards scrape.
 */
import { BridgeMetrics, Counter, Gauge, Histogram } from "../../bridge/src/metrics";
import { Pacer } from "../../bridge/src/pacing";

describe("pacing", () => {
  const limits = { chatIntervalMs: 1000, groupPerMinute: 2, botPerSecond: 100 };
  it("a chat that got nothing may have a message now", () => {
    expect(new Pacer(limits).nextSlot("-1", 5)).toBe(5);
  });
  it("one message per interval in any chat, counted from the last send", () => {
    const p = new Pacer(limits);
    p.record("5", 100);
    p.record("5", 300);
    expect([p.nextSlot("5", 301), p.nextSlot("5", 1300), p.nextSlot("5", 1301), p.nextSlot("6", 301)]).toEqual([1300, 1300, 1301, 301]);
  });
  it("a group gets its cap per rolling minute; the oldest send in the window sets the next slot", () => {
    const p = new Pacer({ ...limits, chatIntervalMs: 0 });
    for (const t of [0, 10, 20]) p.record("-1", t);
    // Three sends in the window, two allowed: the next slot is a minute after the second-last.
    expect(p.nextSlot("-1", 30)).toBe(60_010);
    expect(p.nextSlot("@channel", 30)).toBe(30);
    p.record("@channel", 0);
    p.record("@channel", 10);
    expect(p.nextSlot("@channel", 30)).toBe(60_000);
    // A private chat has no minute cap.
    for (const t of [0, 10, 20]) p.record("7", t);
    expect(p.nextSlot("7", 30)).toBe(30);
  });
  it("sends older than the window no longer count", () => {
    const p = new Pacer({ ...limits, chatIntervalMs: 0, windowMs: 1000 });
    p.record("-1", 0);
    p.record("-1", 500);
    expect([p.nextSlot("-1", 999), p.nextSlot("-1", 1001)]).toEqual([1000, 1001]);
  });
  it("an interval longer than the group window is kept in full", () => {
    // MIN_SEND_INTERVAL_MS may be set above a minute; a send once counted only for the minute.
    const p = new Pacer({ ...limits, chatIntervalMs: 120_000 });
    p.record("-1", 0);
    p.record("5", 0);
    expect([p.nextSlot("-1", 60_000), p.nextSlot("5", 90_000), p.nextSlot("5", 120_001)]).toEqual([120_000, 120_000, 120_001]);
  });
  it("the bot's limit counts every chat within one second", () => {
    const p = new Pacer({ ...limits, chatIntervalMs: 0, botPerSecond: 2 });
    for (const [chat, t] of [
      ["1", 0],
      ["2", 100],
      ["3", 200],
    ] as const)
      p.record(chat, t);
    expect(p.nextSlot("4", 300)).toBe(1100);
    expect(p.nextSlot("4", 1050)).toBe(1100);
    expect(p.nextSlot("4", 1150)).toBe(1150);
  });
  it("a 429 holds the chat until the latest retry_after it was given", () => {
    const p = new Pacer(limits);
    p.hold("-1", 7000);
    p.hold("-1", 3000);
    expect(p.nextSlot("-1", 0)).toBe(7000);
    p.hold("-1", 9000);
    expect([p.nextSlot("-1", 0), p.nextSlot("-1", 9500), p.nextSlot("-2", 0)]).toEqual([9000, 9500, 0]);
  });
});

describe("metrics exposition", () => {
  it("a counter starts its series at zero, sorts and escapes label values", () => {
    const c = new Counter("x_total", "Help & <text>.", [{ b: "1", a: 'q"\\\n' }]);
    c.inc({ a: 'q"\\\n', b: "1" }, 2);
    c.inc({ z: "later" });
    c.inc({ z: "later" });
    expect(c.get({ b: "1", a: 'q"\\\n' })).toBe(2);
    expect(c.get({ z: "never" })).toBe(0);
    expect(c.render()).toBe(
      ["# HELP x_total Help & <text>.", "# TYPE x_total counter", 'x_total{a="q\\"\\\\\\n",b="1"} 2', 'x_total{z="later"} 2'].join("\n"),
    );
    const plain = new Counter("y_total", "Y.");
    plain.inc();
    expect(plain.render()).toBe("# HELP y_total Y.\n# TYPE y_total counter\ny_total 1");
    expect(new Counter("n_total", "N.", []).render()).toBe("# HELP n_total N.\n# TYPE n_total counter");
  });
  it("a histogram counts each observation in every bucket at or above it", () => {
    const h = new Histogram("d_seconds", "D.", [0.1, 1]);
    for (const s of [0.1, 0.5, 2]) h.observe(s);
    expect(h.render()).toBe(
      [
        "# HELP d_seconds D.",
        "# TYPE d_seconds histogram",
        'd_seconds_bucket{le="0.1"} 1',
        'd_seconds_bucket{le="1"} 2',
        'd_seconds_bucket{le="+Inf"} 3',
        "d_seconds_sum 2.6",
        "d_seconds_count 3",
      ].join("\n"),
    );
  });
  it("a gauge is read when scraped", () => {
    let v = 1;
    const g = new Gauge("g", "G.", () => v);
    v = 5;
    expect(g.render()).toBe("# HELP g G.\n# TYPE g gauge\ng 5");
  });
  it("the bridge exports every series from the start, then its gauges", () => {
    const m = new BridgeMetrics();
    expect(m.render()).toBe(GOLDEN);
    m.gauge("telegram_bridge_pending_items", "Items waiting.", () => 3);
    m.gauge("telegram_bridge_cards", "Cards kept.", () => 4);
    expect(m.render()).toBe(
      `${GOLDEN}# HELP telegram_bridge_pending_items Items waiting.\n# TYPE telegram_bridge_pending_items gauge\ntelegram_bridge_pending_items 3\n# HELP telegram_bridge_cards Cards kept.\n# TYPE telegram_bridge_cards gauge\ntelegram_bridge_cards 4\n`,
    );
  });
  it("records into the series it exports", () => {
    const m = new BridgeMetrics();
    m.received.inc({ endpoint: "/alert", result: "ok" });
    m.failed.inc({ reason: "network" });
    m.sendLatency.observe(0.3);
    const text = m.render();
    expect(text).toContain('\ntelegram_bridge_webhooks_received_total{endpoint="/alert",result="ok"} 1\n');
    expect(text).toContain('\ntelegram_bridge_messages_failed_total{reason="network"} 1\n');
    expect(text).toContain(
      '\ntelegram_bridge_send_duration_seconds_bucket{le="0.25"} 0\ntelegram_bridge_send_duration_seconds_bucket{le="0.5"} 1\n',
    );
  });
});

/** What a fresh bridge answers on /metrics. */
const GOLDEN = `# HELP telegram_bridge_webhooks_received_total Webhook requests received, by endpoint and result.
# TYPE telegram_bridge_webhooks_received_total counter
# HELP telegram_bridge_messages_sent_total Messages Telegram accepted.
# TYPE telegram_bridge_messages_sent_total counter
telegram_bridge_messages_sent_total 0
# HELP telegram_bridge_messages_failed_total Message send attempts that failed, by reason.
# TYPE telegram_bridge_messages_failed_total counter
telegram_bridge_messages_failed_total{reason="bad_token"} 0
telegram_bridge_messages_failed_total{reason="forbidden"} 0
telegram_bridge_messages_failed_total{reason="chat_not_found"} 0
telegram_bridge_messages_failed_total{reason="bad_request"} 0
telegram_bridge_messages_failed_total{reason="rate_limited"} 0
telegram_bridge_messages_failed_total{reason="server_error"} 0
telegram_bridge_messages_failed_total{reason="network"} 0
telegram_bridge_messages_failed_total{reason="unparseable"} 0
telegram_bridge_messages_failed_total{reason="too_long"} 0
telegram_bridge_messages_failed_total{reason="bad_migration"} 0
# HELP telegram_bridge_retries_total Send attempts repeated after a transient failure or 429.
# TYPE telegram_bridge_retries_total counter
telegram_bridge_retries_total 0
# HELP telegram_bridge_messages_possibly_duplicated_total Messages sent again after an attempt whose answer was lost or came later than the send timeout: Telegram may have shown them twice.
# TYPE telegram_bridge_messages_possibly_duplicated_total counter
telegram_bridge_messages_possibly_duplicated_total 0
# HELP telegram_bridge_duplicate_parts_skipped_total Alert notifications already delivered to the chat and not sent again (Alertmanager retries and re-sent groups).
# TYPE telegram_bridge_duplicate_parts_skipped_total counter
telegram_bridge_duplicate_parts_skipped_total 0
# HELP telegram_bridge_truncated_alerts_total Alerts with a value cut to fit Telegram's limit.
# TYPE telegram_bridge_truncated_alerts_total counter
telegram_bridge_truncated_alerts_total 0
# HELP telegram_bridge_alerts_summarised_total Alerts shown as one line of a storm summary instead of a full block.
# TYPE telegram_bridge_alerts_summarised_total counter
telegram_bridge_alerts_summarised_total 0
# HELP telegram_bridge_alerts_rejected_total Alerts of a webhook that could not be read; the rest of the webhook is delivered.
# TYPE telegram_bridge_alerts_rejected_total counter
telegram_bridge_alerts_rejected_total 0
# HELP telegram_bridge_alerts_not_included_total Alerts Alertmanager left out of a webhook (max_alerts), reported in the chat as a count.
# TYPE telegram_bridge_alerts_not_included_total counter
telegram_bridge_alerts_not_included_total 0
# HELP telegram_bridge_message_edits_total Edits of sent messages (resolved, silenced, acknowledged), by result.
# TYPE telegram_bridge_message_edits_total counter
telegram_bridge_message_edits_total{result="ok"} 0
telegram_bridge_message_edits_total{result="failed"} 0
# HELP telegram_bridge_heartbeats_total Dead-man's switch pings, by result.
# TYPE telegram_bridge_heartbeats_total counter
telegram_bridge_heartbeats_total{result="ok"} 0
telegram_bridge_heartbeats_total{result="failed"} 0
# HELP telegram_bridge_console_actions_total Console commands and button presses, by action and result (ok, refused, invalid, failed).
# TYPE telegram_bridge_console_actions_total counter
telegram_bridge_console_actions_total{action="silence",result="ok"} 0
telegram_bridge_console_actions_total{action="unsilence",result="ok"} 0
telegram_bridge_console_actions_total{action="ack",result="ok"} 0
telegram_bridge_console_actions_total{action="expire",result="ok"} 0
telegram_bridge_console_actions_total{action="drill",result="ok"} 0
telegram_bridge_console_actions_total{action="alerts",result="ok"} 0
telegram_bridge_console_actions_total{action="silences",result="ok"} 0
telegram_bridge_console_actions_total{action="status",result="ok"} 0
telegram_bridge_console_actions_total{action="help",result="ok"} 0
# HELP telegram_bridge_updates_total Telegram updates received by long polling, by result.
# TYPE telegram_bridge_updates_total counter
telegram_bridge_updates_total{result="handled"} 0
telegram_bridge_updates_total{result="ignored"} 0
telegram_bridge_updates_total{result="failed"} 0
# HELP telegram_bridge_escalations_total Escalation messages (each lists every alert due in its chat), by result.
# TYPE telegram_bridge_escalations_total counter
telegram_bridge_escalations_total{result="sent"} 0
telegram_bridge_escalations_total{result="failed"} 0
# HELP telegram_bridge_drills_total Fire drills (/drill), by result; a failed drill is not a failed delivery.
# TYPE telegram_bridge_drills_total counter
telegram_bridge_drills_total{result="ok"} 0
telegram_bridge_drills_total{result="failed"} 0
# HELP telegram_bridge_alertmanager_syncs_total Rounds that brought the cards in line with Alertmanager's silences, by result.
# TYPE telegram_bridge_alertmanager_syncs_total counter
telegram_bridge_alertmanager_syncs_total{result="ok"} 0
telegram_bridge_alertmanager_syncs_total{result="failed"} 0
# HELP telegram_bridge_cards_synced_total Messages edited because a silence was made, changed or ended outside the chat.
# TYPE telegram_bridge_cards_synced_total counter
telegram_bridge_cards_synced_total 0
# HELP telegram_bridge_state_errors_total State file reads or writes that failed (the bridge went on in memory).
# TYPE telegram_bridge_state_errors_total counter
telegram_bridge_state_errors_total 0
# HELP telegram_bridge_graphs_total Graphs for firing messages, by result: sent with the message, or why it went without.
# TYPE telegram_bridge_graphs_total counter
telegram_bridge_graphs_total{result="sent"} 0
telegram_bridge_graphs_total{result="caption_too_long"} 0
telegram_bridge_graphs_total{result="busy"} 0
telegram_bridge_graphs_total{result="prometheus_failed"} 0
telegram_bridge_graphs_total{result="no_data"} 0
telegram_bridge_graphs_total{result="telegram_refused"} 0
telegram_bridge_graphs_total{result="telegram_failed"} 0
telegram_bridge_graphs_total{result="failed"} 0
# HELP telegram_bridge_graph_render_seconds Time to draw and encode one graph, the Prometheus query left out.
# TYPE telegram_bridge_graph_render_seconds histogram
telegram_bridge_graph_render_seconds_bucket{le="0.01"} 0
telegram_bridge_graph_render_seconds_bucket{le="0.025"} 0
telegram_bridge_graph_render_seconds_bucket{le="0.05"} 0
telegram_bridge_graph_render_seconds_bucket{le="0.1"} 0
telegram_bridge_graph_render_seconds_bucket{le="0.25"} 0
telegram_bridge_graph_render_seconds_bucket{le="0.5"} 0
telegram_bridge_graph_render_seconds_bucket{le="1"} 0
telegram_bridge_graph_render_seconds_bucket{le="+Inf"} 0
telegram_bridge_graph_render_seconds_sum 0
telegram_bridge_graph_render_seconds_count 0
# HELP telegram_bridge_send_duration_seconds Latency of Telegram sendMessage calls.
# TYPE telegram_bridge_send_duration_seconds histogram
telegram_bridge_send_duration_seconds_bucket{le="0.05"} 0
telegram_bridge_send_duration_seconds_bucket{le="0.1"} 0
telegram_bridge_send_duration_seconds_bucket{le="0.25"} 0
telegram_bridge_send_duration_seconds_bucket{le="0.5"} 0
telegram_bridge_send_duration_seconds_bucket{le="1"} 0
telegram_bridge_send_duration_seconds_bucket{le="2.5"} 0
telegram_bridge_send_duration_seconds_bucket{le="5"} 0
telegram_bridge_send_duration_seconds_bucket{le="10"} 0
telegram_bridge_send_duration_seconds_bucket{le="+Inf"} 0
telegram_bridge_send_duration_seconds_sum 0
telegram_bridge_send_duration_seconds_count 0
# HELP telegram_bridge_request_duration_seconds Webhook handling time, including throttling and Telegram.
# TYPE telegram_bridge_request_duration_seconds histogram
telegram_bridge_request_duration_seconds_bucket{le="0.05"} 0
telegram_bridge_request_duration_seconds_bucket{le="0.1"} 0
telegram_bridge_request_duration_seconds_bucket{le="0.5"} 0
telegram_bridge_request_duration_seconds_bucket{le="1"} 0
telegram_bridge_request_duration_seconds_bucket{le="5"} 0
telegram_bridge_request_duration_seconds_bucket{le="10"} 0
telegram_bridge_request_duration_seconds_bucket{le="30"} 0
telegram_bridge_request_duration_seconds_bucket{le="60"} 0
telegram_bridge_request_duration_seconds_bucket{le="+Inf"} 0
telegram_bridge_request_duration_seconds_sum 0
telegram_bridge_request_duration_seconds_count 0
`;

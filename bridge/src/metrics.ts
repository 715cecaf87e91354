import { familyHeader, histogramSamples, Labels, labelSet, sample, sortedLabels } from "../../shared/exposition";

export { EXPOSITION_CONTENT_TYPE } from "../../shared/exposition";

/** The bridge's /metrics: counters with labels, histograms and gauges, in shared/exposition.ts's text format. */
export class Counter {
  private readonly values = new Map<string, { readonly labels: Labels; value: number }>();
  constructor(
    readonly name: string,
    readonly help: string,
    initial: Labels[] = [{}],
  ) {
    for (const l of initial) this.inc(l, 0);
  }
  inc(labels: Labels = {}, by = 1): void {
    const sorted = sortedLabels(labels);
    const key = labelSet(sorted);
    const entry = this.values.get(key);
    if (entry) entry.value += by;
    else this.values.set(key, { labels: sorted, value: by });
  }
  get(labels: Labels = {}): number {
    return this.values.get(labelSet(sortedLabels(labels)))?.value ?? 0;
  }
  render(): string {
    return [
      ...familyHeader(this.name, "counter", this.help),
      ...[...this.values.values()].map((e) => sample(this.name, e.labels, e.value)),
    ].join("\n");
  }
}

export class Histogram {
  private readonly counts: number[];
  private sum = 0;
  private count = 0;
  constructor(
    readonly name: string,
    readonly help: string,
    readonly buckets: readonly number[],
  ) {
    this.counts = buckets.map(() => 0);
  }
  observe(seconds: number): void {
    this.sum += seconds;
    this.count += 1;
    this.buckets.forEach((b, i) => {
      if (seconds <= b) this.counts[i] += 1;
    });
  }
  render(): string {
    return [
      ...familyHeader(this.name, "histogram", this.help),
      ...histogramSamples(this.name, {}, this.buckets, this.counts, this.sum, this.count),
    ].join("\n");
  }
}

/** A value read when scraped. */
export class Gauge {
  constructor(
    readonly name: string,
    readonly help: string,
    private readonly read: () => number,
  ) {}
  render(): string {
    return [...familyHeader(this.name, "gauge", this.help), sample(this.name, {}, this.read())].join("\n");
  }
}

/**
 * Why a message was not delivered: the `reason` label of telegram_bridge_messages_failed_total
 * (each series starts at 0, so TelegramBridgeDeliveryFailing sees the first failure), the
 * failures /status lists, in this order, and what the runbook of TelegramBridgeDeliveryFailing
 * explains (test/bridge/failureReasons.test.ts holds the Bot API client, the outbox and the
 * runbook to this list).
 */
export const DELIVERY_FAILURE_REASONS = [
  "bad_token",
  "forbidden",
  "chat_not_found",
  "bad_request",
  "rate_limited",
  "server_error",
  "network",
  "unparseable",
  "too_long",
  "bad_migration",
] as const;
export type DeliveryFailureReason = (typeof DELIVERY_FAILURE_REASONS)[number];
/**
 * What became of a graph a message qualified for: sent with it, or why the message went without
 * (its text too long for a caption, the queue of graphs full, Prometheus failing or paused, no
 * data, Telegram refusing or failing the photo, an error drawing it).
 */
export const GRAPH_RESULTS = [
  "sent",
  "caption_too_long",
  "busy",
  "prometheus_failed",
  "no_data",
  "telegram_refused",
  "telegram_failed",
  "failed",
];
const CONSOLE_ACTIONS = ["silence", "unsilence", "ack", "expire", "drill", "alerts", "silences", "status", "help"];

export class BridgeMetrics {
  readonly received = new Counter("telegram_bridge_webhooks_received_total", "Webhook requests received, by endpoint and result.", []);
  readonly sent = new Counter("telegram_bridge_messages_sent_total", "Messages Telegram accepted.");
  readonly failed = new Counter(
    "telegram_bridge_messages_failed_total",
    "Message send attempts that failed, by reason.",
    DELIVERY_FAILURE_REASONS.map((reason) => ({ reason })),
  );
  readonly retries = new Counter("telegram_bridge_retries_total", "Send attempts repeated after a transient failure or 429.");
  readonly possiblyDuplicated = new Counter(
    "telegram_bridge_messages_possibly_duplicated_total",
    "Messages sent again after an attempt whose answer was lost or came later than the send timeout: Telegram may have shown them twice.",
  );
  readonly duplicates = new Counter(
    "telegram_bridge_duplicate_parts_skipped_total",
    "Alert notifications already delivered to the chat and not sent again (Alertmanager retries and re-sent groups).",
  );
  readonly truncated = new Counter("telegram_bridge_truncated_alerts_total", "Alerts with a value cut to fit Telegram's limit.");
  readonly summarised = new Counter(
    "telegram_bridge_alerts_summarised_total",
    "Alerts shown as one line of a storm summary instead of a full block.",
  );
  readonly rejectedAlerts = new Counter(
    "telegram_bridge_alerts_rejected_total",
    "Alerts of a webhook that could not be read; the rest of the webhook is delivered.",
  );
  readonly notIncluded = new Counter(
    "telegram_bridge_alerts_not_included_total",
    "Alerts Alertmanager left out of a webhook (max_alerts), reported in the chat as a count.",
  );
  readonly edits = new Counter(
    "telegram_bridge_message_edits_total",
    "Edits of sent messages (resolved, silenced, acknowledged), by result.",
    [{ result: "ok" }, { result: "failed" }],
  );
  readonly heartbeats = new Counter("telegram_bridge_heartbeats_total", "Dead-man's switch pings, by result.", [
    { result: "ok" },
    { result: "failed" },
  ]);
  readonly consoleActions = new Counter(
    "telegram_bridge_console_actions_total",
    "Console commands and button presses, by action and result (ok, refused, invalid, failed).",
    CONSOLE_ACTIONS.map((action) => ({ action, result: "ok" })),
  );
  readonly updates = new Counter("telegram_bridge_updates_total", "Telegram updates received by long polling, by result.", [
    { result: "handled" },
    { result: "ignored" },
    { result: "failed" },
  ]);
  readonly escalations = new Counter(
    "telegram_bridge_escalations_total",
    "Escalation messages (each lists every alert due in its chat), by result.",
    [{ result: "sent" }, { result: "failed" }],
  );
  readonly drills = new Counter(
    "telegram_bridge_drills_total",
    "Fire drills (/drill), by result; a failed drill is not a failed delivery.",
    [{ result: "ok" }, { result: "failed" }],
  );
  readonly syncs = new Counter(
    "telegram_bridge_alertmanager_syncs_total",
    "Rounds that brought the cards in line with Alertmanager's silences, by result.",
    [{ result: "ok" }, { result: "failed" }],
  );
  readonly cardsSynced = new Counter(
    "telegram_bridge_cards_synced_total",
    "Messages edited because a silence was made, changed or ended outside the chat.",
  );
  readonly stateErrors = new Counter(
    "telegram_bridge_state_errors_total",
    "State file reads or writes that failed (the bridge went on in memory).",
  );
  readonly graphs = new Counter(
    "telegram_bridge_graphs_total",
    "Graphs for firing messages, by result: sent with the message, or why it went without.",
    GRAPH_RESULTS.map((result) => ({ result })),
  );
  readonly graphRender = new Histogram(
    "telegram_bridge_graph_render_seconds",
    "Time to draw and encode one graph, the Prometheus query left out.",
    [0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1],
  );
  readonly sendLatency = new Histogram(
    "telegram_bridge_send_duration_seconds",
    "Latency of Telegram sendMessage calls.",
    [0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
  );
  readonly handling = new Histogram(
    "telegram_bridge_request_duration_seconds",
    "Webhook handling time, including throttling and Telegram.",
    [0.05, 0.1, 0.5, 1, 5, 10, 30, 60],
  );
  private readonly gauges: Gauge[] = [];

  gauge(name: string, help: string, read: () => number): void {
    this.gauges.push(new Gauge(name, help, read));
  }

  render(): string {
    return [
      this.received,
      this.sent,
      this.failed,
      this.retries,
      this.possiblyDuplicated,
      this.duplicates,
      this.truncated,
      this.summarised,
      this.rejectedAlerts,
      this.notIncluded,
      this.edits,
      this.heartbeats,
      this.consoleActions,
      this.updates,
      this.escalations,
      this.drills,
      this.syncs,
      this.cardsSynced,
      this.stateErrors,
      this.graphs,
      this.graphRender,
      this.sendLatency,
      this.handling,
      ...this.gauges,
    ]
      .map((m) => m.render())
      .join("\n")
      .concat("\n");
  }
}

import { annotations, counter, Deployment, ExpectedAlert, firing, gauge, OLD, PV, PVL, PVSV, quiet, RuleTestCase, WIN, WINL, WINSV } from "./model";

/**
 * The four 5m rate alerts (threshold 0.2/s = 12 per minute) share one shape of input:
 * - PV starts failing at 12.3/min at 11m: the 5m window is full of it at 14m (0.205/s), so the
 *   alert fires at 19m; a 4m or 6m window would fire a minute earlier or later;
 * - OLD fails at 11.7/min (0.195/s) all along and never fires;
 * - WIN fails at 33/min until 30m and then stops: the rate over the window decays to 0.275/s at
 *   32m and 0.1375/s at 33m, so it still fires at 32m and is gone at 33m; a 4m window would have
 *   let it go at 32m, a 6m window would keep it at 33m.
 */
interface RateAlert {
  alert: string;
  metric: string;
  /** extra labels of every series, e.g. operation="upsert" */
  extra: string;
  extraLabels: Record<string, string>;
  component: string;
  dashboard: string;
  summary: string;
  /** description for a value humanized as e.g. "205m" and the pipeline labels as printed */
  description: (value: string, pvsv: string) => string;
}

function rateAlertCase(d: Deployment, a: RateAlert): RuleTestCase {
  const sel = (pv: string) => `${a.metric}{${a.extra ? `${a.extra},` : ""}${pv}}`;
  const alert = (pvl: Record<string, string>, pvsv: string, value: string): ExpectedAlert => ({
    exp_labels: { ...a.extraLabels, ...pvl, severity: "warning", component: a.component },
    exp_annotations: annotations(d, a.alert, a.summary, a.description(value, pvsv), a.dashboard),
  });
  return {
    name: `${a.alert}: 0.205/s fires 5m after the 5m window fills, 0.195/s never; the 5m window decides when a stopped failure resolves`,
    input_series: [
      { series: sel(PV), values: counter(1000, [0, 10], [12.3, 40]) },
      { series: sel(OLD), values: counter(1000, [11.7, 50]) },
      { series: sel(WIN), values: counter(1000, [33, 30], [0, 20]) },
    ],
    alert_rule_test: [
      firing(a.alert, "18m45s", [alert(WINL, WINSV, "550m")], "for:before"),
      firing(a.alert, "19m", [alert(PVL, PVSV, "205m"), alert(WINL, WINSV, "550m")], "for:after", "threshold:firing-side"),
      firing(a.alert, "32m", [alert(PVL, PVSV, "205m"), alert(WINL, WINSV, "275m")], "window"),
      firing(a.alert, "33m", [alert(PVL, PVSV, "205m")], "window", "threshold:quiet-side"),
    ],
  };
}

export function pipelineCases(d: Deployment): RuleTestCase[] {
  const ann = (alert: string, summary: string, description: string, dashboard: string) => annotations(d, alert, summary, description, dashboard);
  const backlog = (pending: number, pvsv = PVSV) =>
    ann("QueueBacklogGrowingNoThroughput", "Queue backlog growing with zero throughput", `${pending} jobs pending and growing over 15m while the worker processes nothing (${pvsv}).`, "tutordex-overview");

  return [
    {
      // Messages keep arriving, 901 s (or exactly 900 s) late: the age is constant at every
      // evaluation because the samples come every 15 s.
      name: "CollectorStalled: 901 s since the last message fires after 10m; exactly 900 s never",
      interval: "15s",
      input_series: [
        { series: `collector_last_message_timestamp_seconds{channel="t.me/tutorsg",${PV}}`, values: counter(-901, [15, 80]) },
        { series: `collector_last_message_timestamp_seconds{channel="t.me/other",${PV}}`, values: counter(-900, [15, 80]) },
      ],
      alert_rule_test: [
        quiet("CollectorStalled", "9m45s", "for:before"),
        firing(
          "CollectorStalled",
          "10m",
          [
            {
              exp_labels: { channel: "t.me/tutorsg", ...PVL, severity: "warning", component: "collector" },
              exp_annotations: ann("CollectorStalled", "Collector stalled on t.me/tutorsg", `No message from t.me/tutorsg for 15m 1s (${PVSV}).`, "tutordex-channel-health"),
            },
          ],
          "for:after",
          "threshold:firing-side",
          "threshold:quiet-side",
        ),
      ],
    },
    {
      // Pending steps from 10 to 11 at 20m and stays: higher than 15 minutes earlier from 20m
      // until 35m exactly, when the offset reaches the step.
      name: "QueueBacklogGrowingNoThroughput: a backlog compared with 15 minutes earlier, no worker series",
      input_series: [{ series: `queue_pending{${PV}}`, values: gauge([10, 20], [11, 40]) }],
      alert_rule_test: [
        quiet("QueueBacklogGrowingNoThroughput", "29m45s", "for:before"),
        firing("QueueBacklogGrowingNoThroughput", "30m", [{ exp_labels: { ...PVL, severity: "critical", component: "queue" }, exp_annotations: backlog(11) }], "for:after"),
        firing("QueueBacklogGrowingNoThroughput", "34m45s", [{ exp_labels: { ...PVL, severity: "critical", component: "queue" }, exp_annotations: backlog(11) }], "window"),
        quiet("QueueBacklogGrowingNoThroughput", "35m", "window"),
      ],
    },
    {
      // PV's worker processes its last job at 24m: the 5m rate is 0 from 28m, the alert fires
      // 10m later. OLD's worker processes one job a minute (1/60 per second) and keeps it quiet.
      name: "QueueBacklogGrowingNoThroughput: throughput 0 over 5m with a growing backlog fires; any throughput keeps it quiet",
      input_series: [
        { series: `queue_pending{${PV}}`, values: counter(0, [1, 60]) },
        { series: `worker_jobs_processed_total{status="ok",${PV}}`, values: counter(1000, [10, 24], [0, 40]) },
        { series: `queue_pending{${OLD}}`, values: counter(0, [1, 60]) },
        { series: `worker_jobs_processed_total{status="ok",${OLD}}`, values: counter(1000, [1, 60]) },
      ],
      alert_rule_test: [
        quiet("QueueBacklogGrowingNoThroughput", "37m45s", "for:before", "window"),
        firing(
          "QueueBacklogGrowingNoThroughput",
          "38m",
          [{ exp_labels: { ...PVL, severity: "critical", component: "queue" }, exp_annotations: backlog(38) }],
          "for:after",
          "window",
          "threshold:firing-side",
          "threshold:quiet-side",
        ),
      ],
    },
    {
      name: "QueueOldestPendingTooOld: 1845 s for 10m fires; exactly 1800 s stays quiet",
      input_series: [
        { series: `queue_oldest_pending_age_seconds{${PV}}`, values: gauge([0, 5], [1845, 20]) },
        { series: `queue_oldest_pending_age_seconds{${OLD}}`, values: gauge([1800, 25]) },
      ],
      alert_rule_test: [
        quiet("QueueOldestPendingTooOld", "14m45s", "for:before"),
        firing(
          "QueueOldestPendingTooOld",
          "15m",
          [
            {
              exp_labels: { ...PVL, severity: "warning", component: "queue" },
              exp_annotations: ann("QueueOldestPendingTooOld", "Oldest pending job is too old", `The oldest pending job has waited 30m 45s (${PVSV}).`, "tutordex-overview"),
            },
          ],
          "for:after",
          "threshold:firing-side",
          "threshold:quiet-side",
        ),
      ],
    },
    {
      name: "QueueStuckProcessing: 922 s for 5m fires; exactly 900 s stays quiet",
      input_series: [
        { series: `queue_oldest_processing_age_seconds{${PV}}`, values: gauge([0, 5], [922, 20]) },
        { series: `queue_oldest_processing_age_seconds{${OLD}}`, values: gauge([900, 25]) },
      ],
      alert_rule_test: [
        quiet("QueueStuckProcessing", "9m45s", "for:before"),
        firing(
          "QueueStuckProcessing",
          "10m",
          [
            {
              exp_labels: { ...PVL, severity: "critical", component: "queue" },
              exp_annotations: ann("QueueStuckProcessing", "A job is stuck in processing", `The oldest processing job has been running for 15m 22s (${PVSV}).`, "tutordex-overview"),
            },
          ],
          "for:after",
          "threshold:firing-side",
          "threshold:quiet-side",
        ),
      ],
    },
    rateAlertCase(d, {
      alert: "LLMFailureSpike",
      metric: "worker_llm_fail_total",
      extra: "",
      extraLabels: {},
      component: "worker",
      dashboard: "tutordex-llm-supabase",
      summary: "LLM calls failing",
      description: (v, pvsv) => `LLM failures at ${v}/s (${pvsv}).`,
    }),
    rateAlertCase(d, {
      alert: "SupabaseFailureSpike",
      metric: "worker_supabase_fail_total",
      extra: 'operation="upsert"',
      extraLabels: { operation: "upsert" },
      component: "worker",
      dashboard: "tutordex-llm-supabase",
      summary: "Supabase upsert failing",
      description: (v, pvsv) => `Supabase upsert failures at ${v}/s (${pvsv}).`,
    }),
    {
      name: "SupabaseFailureSpike counts each operation on its own: two operations at 0.195/s each stay quiet",
      input_series: [
        { series: `worker_supabase_fail_total{operation="upsert",${PV}}`, values: counter(1000, [11.7, 30]) },
        { series: `worker_supabase_fail_total{operation="select",${PV}}`, values: counter(1000, [11.7, 30]) },
      ],
      alert_rule_test: [quiet("SupabaseFailureSpike", "25m", "threshold:quiet-side")],
    },
    rateAlertCase(d, {
      alert: "BroadcastFailureSpike",
      metric: "broadcast_fail_total",
      extra: "",
      extraLabels: {},
      component: "broadcast",
      dashboard: "tutordex_matching",
      summary: "Broadcasts failing",
      description: (v, pvsv) => `Broadcast failures at ${v}/s (${pvsv}).`,
    }),
    rateAlertCase(d, {
      alert: "DMFailureSpike",
      metric: "dm_fail_total",
      extra: "",
      extraLabels: {},
      component: "dm",
      dashboard: "tutordex_matching",
      summary: "Direct messages failing",
      description: (v, pvsv) => `DM failures at ${v}/s (${pvsv}).`,
    }),
    {
      // One rate-limited DM at 11m keeps the 5m rate above 0 until 15m.
      name: "DMRateLimited: a single rate-limited DM fires after 2m and clears when it leaves the 5m window; a flat counter stays quiet",
      input_series: [
        { series: `dm_rate_limited_total{${PV}}`, values: gauge([100, 11], [101, 30]) },
        { series: `dm_rate_limited_total{${OLD}}`, values: gauge([7, 41]) },
      ],
      alert_rule_test: [
        quiet("DMRateLimited", "12m45s", "for:before", "threshold:quiet-side"),
        firing(
          "DMRateLimited",
          "13m",
          [
            {
              exp_labels: { ...PVL, severity: "warning", component: "dm" },
              exp_annotations: ann("DMRateLimited", "Telegram is rate-limiting DMs", `DMs rate-limited at 4.167m/s (${PVSV}).`, "tutordex_matching"),
            },
          ],
          "for:after",
          "threshold:firing-side",
        ),
        firing(
          "DMRateLimited",
          "14m45s",
          [
            {
              exp_labels: { ...PVL, severity: "warning", component: "dm" },
              exp_annotations: ann("DMRateLimited", "Telegram is rate-limiting DMs", `DMs rate-limited at 4.167m/s (${PVSV}).`, "tutordex_matching"),
            },
          ],
          "window",
        ),
        quiet("DMRateLimited", "15m", "window"),
      ],
    },
  ];
}

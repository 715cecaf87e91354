import { dashboard, instant, panel, prom, stat, timeseries } from "./builder";
import { increaseBy, STALENESS_THRESHOLDS } from "./queries";

export const channelHealth = dashboard({
  uid: "tutordex-channel-health",
  title: "Channel Health",
  description: "Per-channel staleness, parse success and volume over the last day.",
  refresh: "1m",
  from: "now-24h",
  panels: [
    stat("Staleness per channel", [instant("max by (channel) (tutordex:collector:seconds_since_last_message)", "{{channel}}")], {
      unit: "s",
      width: 24,
      thresholds: STALENESS_THRESHOLDS,
    }),
    timeseries("Parse success by channel", [prom("tutordex:channel:parse_success_fraction", "{{channel}}")], {
      unit: "percentunit",
      min: 0,
      max: 1,
    }),
    timeseries("Message volume", [prom("sum by (channel) (tutordex:channel:messages_seen_increase_1h)", "{{channel}}")], {
      description: "Messages each channel posted in the hour before each point.",
    }),
    panel(
      "table",
      "Week-over-week change",
      [
        instant(
          `${increaseBy("collector_messages_seen_total", "1d", "channel")} / sum by (channel) (increase(collector_messages_seen_total[1d] offset 1w)) - 1`,
          "{{channel}}",
        ),
      ],
      { unit: "percentunit" },
    ),
    timeseries("Parse failures by channel", [prom("sum by (channel) (tutordex:channel:parse_failure_rate_per_s)", "{{channel}}")], {
      unit: "ops",
    }),
    panel(
      "piechart",
      "Message distribution (24h)",
      [instant(increaseBy("collector_messages_seen_total", "24h", "channel"), "{{channel}}")],
      { width: 24 },
    ),
  ],
});

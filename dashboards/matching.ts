import { dashboard, instant, prom, stat, timeseries } from "./builder";
import { fraction } from "../rules/expressions";
import { increaseBy, rateBy, zeroIfAbsent } from "./queries";

export const matching = dashboard({
  uid: "tutordex_matching",
  title: "Matching & Notifications",
  description: "Broadcasts and direct messages to matched tutors: volume, delivery and failures.",
  panels: [
    stat(
      "DMs per assignment (1h)",
      [instant(`${zeroIfAbsent(increaseBy("dm_sent_total", "1h", ""))} / clamp_min(${increaseBy("broadcast_sent_total", "1h", "")}, 1)`)],
      { width: 6 },
    ),
    stat("Tutors matched (DMs sent, 1h)", [instant(increaseBy("dm_sent_total", "1h", ""))], { width: 6 }),
    stat(
      "Notifications (24h)",
      [instant(`${zeroIfAbsent(increaseBy("broadcast_sent_total", "24h", ""))} + ${zeroIfAbsent(increaseBy("dm_sent_total", "24h", ""))}`)],
      {
        width: 6,
      },
    ),
    stat("DM delivery rate (1h)", [instant(fraction(increaseBy("dm_sent_total", "1h", ""), increaseBy("dm_fail_total", "1h", "")))], {
      unit: "percentunit",
      width: 6,
    }),
    timeseries(
      "Delivery success by kind and pipeline",
      [
        prom(
          fraction(rateBy("broadcast_sent_total", "pipeline_version"), rateBy("broadcast_fail_total", "pipeline_version")),
          "broadcast {{pipeline_version}}",
        ),
        prom(fraction(rateBy("dm_sent_total", "pipeline_version"), rateBy("dm_fail_total", "pipeline_version")), "DM {{pipeline_version}}"),
      ],
      { unit: "percentunit", min: 0, max: 1 },
    ),
    timeseries("DM rate limiting", [prom(rateBy("dm_rate_limited_total", ""), "rate-limited")], { unit: "ops" }),
    timeseries(
      "Failure reasons",
      [
        prom(rateBy("broadcast_fail_reason_total", "reason"), "broadcast {{reason}}"),
        prom(rateBy("dm_fail_reason_total", "reason"), "DM {{reason}}"),
      ],
      { unit: "ops", width: 24 },
    ),
  ],
});

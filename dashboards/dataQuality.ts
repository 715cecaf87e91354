import { dashboard, instant, panel, prom, stat, timeseries } from "./builder";
import { increaseBy, zeroIfAbsent } from "./queries";

/** Fields the quality counter tracks: completeness is the share of them present per parsed assignment. */
const TRACKED_FIELDS = 4;

export const dataQuality = dashboard({
  uid: "tutordex_data_quality",
  title: "Data Quality & Completeness",
  description: "Which fields are missing, how complete assignments are, and where issues come from.",
  panels: [
    stat("Missing fields (24h)", [instant(increaseBy("assignment_quality_missing_field_total", "24h", ""))], { width: 8 }),
    stat("Inconsistencies (24h)", [instant(increaseBy("assignment_quality_inconsistency_total", "24h", ""))], { width: 8 }),
    stat("Parse failures (24h)", [instant(increaseBy("worker_parse_failure_total", "24h", ""))], { width: 8 }),
    timeseries("Missing fields by type", [prom("sum by (field) (tutordex:quality:missing_field_rate_per_s)", "{{field}}")], {
      unit: "ops",
    }),
    timeseries(
      "Missing subjects rate",
      [prom('sum(tutordex:quality:missing_field_rate_per_s{field="signals_subjects"})', "signals_subjects")],
      { unit: "ops" },
    ),
    panel(
      "gauge",
      "Completeness score (1h)",
      [
        instant(
          `1 - ${zeroIfAbsent(increaseBy("assignment_quality_missing_field_total", "1h", ""))} / clamp_min(${increaseBy("worker_parse_success_total", "1h", "")} * ${TRACKED_FIELDS}, 1)`,
        ),
      ],
      {
        unit: "percentunit",
        min: 0,
        max: 1,
        thresholds: [
          { value: null, color: "red" },
          { value: 0.8, color: "yellow" },
          { value: 0.95, color: "green" },
        ],
      },
    ),
    timeseries("Inconsistencies by kind", [prom("sum by (kind) (tutordex:quality:inconsistency_rate_per_s)", "{{kind}}")], { unit: "ops" }),
    timeseries("Parse failure reasons", [prom("sum by (reason) (tutordex:worker:parse_failure_rate_per_s)", "{{reason}}")], {
      unit: "ops",
    }),
    panel("bargauge", "Issues by channel (24h)", [
      instant(
        // `or`, not `+`: a channel with only one kind of issue has no series of the other counter,
        // and a sum would drop it. The two counters' series never share a label set (field, kind).
        `sum by (channel) (increase(assignment_quality_missing_field_total[24h]) or increase(assignment_quality_inconsistency_total[24h]))`,
        "{{channel}}",
      ),
    ]),
  ],
});

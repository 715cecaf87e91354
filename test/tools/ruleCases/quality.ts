import { annotations, counter, Deployment, ExpectedAlert, firing, gauge, OLD, PV, PVL, PVSV, quiet, RuleTestCase, WIN, WINL, WINSV } from "./model";

/** A fourth pipeline version, for the second window of a ratio. */
const WIN2 = 'pipeline_version="window2",schema_version="v2"';
const WIN2L = { pipeline_version: "window2", schema_version: "v2" };
const WIN2SV = "pipeline_version=window2 schema_version=v2";

export function qualityCases(d: Deployment): RuleTestCase[] {
  const ann = (alert: string, summary: string, description: string, dashboard: string) => annotations(d, alert, summary, description, dashboard);
  const warning = (pvl: Record<string, string>, component: string, a: Record<string, string>): ExpectedAlert => ({
    exp_labels: { ...pvl, severity: "warning", component },
    exp_annotations: a,
  });
  const parseSpike = (v: string, pvsv: string) => ann("ParseFailureSpike", "Parse failures spiking", `Parse failures at ${v}/s over 10m (${pvsv}).`, "tutordex-quality");
  const subjects = (v: string, pvsv: string) => ann("MissingSubjectsHigh", "Many assignments without subjects", `Assignments missing subjects at ${v}/s over 30m (${pvsv}).`, "tutordex_data_quality");
  const coverage = ann("TutorTypesExtractionLowCoverage", "Tutor types are no longer extracted", `No tutor types extracted in 30m although parses succeed (${PVSV}).`, "tutordex-quality");
  const unmapped = (pvl: Record<string, string>, v: string, pvsv: string): ExpectedAlert => ({
    exp_labels: { ...pvl, severity: "critical", component: "worker" },
    exp_annotations: ann("TutorTypesHighUnmappedRate", "Many tutor types cannot be mapped", `${v} of extracted tutor types are unmapped (${pvsv}).`, "tutordex-quality"),
  });

  return [
    {
      // Threshold 0.5/s = 30 per minute, over 10m (9 one-minute steps in the window).
      // PV: two reasons, 16 + 14.75 = 30.75/min from 11m, each alone far below: the window is
      // full of it at 19m, so it fires at 24m. OLD: 29.25/min. WIN: 78/min until 40m, then
      // nothing: 4 of 9 steps at 45m (0.578/s), 3 of 9 at 46m (0.433/s).
      name: "ParseFailureSpike: 0.5125/s summed over reasons fires 5m after the 10m window fills; 0.4875/s never; the 10m window decides when it resolves",
      input_series: [
        { series: `worker_parse_failure_total{channel="t.me/a",reason="invalid_json",${PV}}`, values: counter(1000, [0, 10], [16, 50]) },
        { series: `worker_parse_failure_total{channel="t.me/b",reason="missing_field",${PV}}`, values: counter(1000, [0, 10], [14.75, 50]) },
        { series: `worker_parse_failure_total{channel="t.me/a",reason="invalid_json",${OLD}}`, values: counter(1000, [29.25, 60]) },
        { series: `worker_parse_failure_total{channel="t.me/a",reason="invalid_json",${WIN}}`, values: counter(1000, [78, 40], [0, 20]) },
      ],
      alert_rule_test: [
        firing("ParseFailureSpike", "23m45s", [warning(WINL, "worker", parseSpike("1.3", WINSV))], "for:before"),
        firing(
          "ParseFailureSpike",
          "24m",
          [warning(PVL, "worker", parseSpike("512.5m", PVSV)), warning(WINL, "worker", parseSpike("1.3", WINSV))],
          "for:after",
          "threshold:firing-side",
        ),
        firing(
          "ParseFailureSpike",
          "45m",
          [warning(PVL, "worker", parseSpike("512.5m", PVSV)), warning(WINL, "worker", parseSpike("577.8m", WINSV))],
          "window",
        ),
        firing("ParseFailureSpike", "46m", [warning(PVL, "worker", parseSpike("512.5m", PVSV))], "window", "threshold:quiet-side"),
      ],
    },
    {
      // From 11m on: PV fails 2.05 of 10 parses a minute (20.5%), OLD 1.95 of 10 (19.5%).
      name: "ParseErrorFractionHigh: 20.5% failing for 10m fires; 19.5% never",
      input_series: [
        { series: `worker_parse_failure_total{channel="t.me/a",reason="invalid_json",${PV}}`, values: counter(1000, [0, 10], [2.05, 30]) },
        { series: `worker_parse_success_total{channel="t.me/a",${PV}}`, values: counter(1000, [0, 10], [7.95, 30]) },
        { series: `worker_parse_failure_total{channel="t.me/a",reason="invalid_json",${OLD}}`, values: counter(1000, [0, 10], [1.95, 30]) },
        { series: `worker_parse_success_total{channel="t.me/a",${OLD}}`, values: counter(1000, [0, 10], [8.05, 30]) },
      ],
      alert_rule_test: [
        quiet("ParseErrorFractionHigh", "20m45s", "for:before"),
        firing(
          "ParseErrorFractionHigh",
          "21m",
          [warning(PVL, "worker", ann("ParseErrorFractionHigh", "High share of parses failing", `20.5% of parses fail (${PVSV}).`, "tutordex-quality"))],
          "for:after",
          "threshold:firing-side",
          "threshold:quiet-side",
        ),
      ],
    },
    {
      // Threshold 0.2/s = 12 per minute over 30m (29 steps). PV: 12.3/min from 11m, the window
      // full of it at 39m, fires at 54m. OLD: 11.7/min. WIN: 25.8/min until 40m: 14 of 29
      // steps at 55m (0.2076/s), 13 at 56m (0.1928/s). Other fields do not count.
      name: "MissingSubjectsHigh: 0.205/s over 30m fires after 15m; 0.195/s never; the 30m window decides when it resolves",
      input_series: [
        { series: `assignment_quality_missing_field_total{field="signals_subjects",channel="t.me/a",${PV}}`, values: counter(1000, [0, 10], [12.3, 60]) },
        { series: `assignment_quality_missing_field_total{field="postal_code",channel="t.me/a",${PV}}`, values: counter(1000, [600, 70]) },
        { series: `assignment_quality_missing_field_total{field="signals_subjects",channel="t.me/a",${OLD}}`, values: counter(1000, [11.7, 70]) },
        { series: `assignment_quality_missing_field_total{field="signals_subjects",channel="t.me/a",${WIN}}`, values: counter(1000, [25.8, 40], [0, 30]) },
      ],
      alert_rule_test: [
        firing("MissingSubjectsHigh", "53m45s", [warning(WINL, "quality", subjects("237.2m", WINSV))], "for:before"),
        firing(
          "MissingSubjectsHigh",
          "54m",
          [warning(PVL, "quality", subjects("205m", PVSV)), warning(WINL, "quality", subjects("222.4m", WINSV))],
          "for:after",
          "threshold:firing-side",
        ),
        firing(
          "MissingSubjectsHigh",
          "55m",
          [warning(PVL, "quality", subjects("205m", PVSV)), warning(WINL, "quality", subjects("207.6m", WINSV))],
          "window",
        ),
        firing("MissingSubjectsHigh", "56m", [warning(PVL, "quality", subjects("205m", PVSV))], "window", "threshold:quiet-side"),
      ],
    },
    {
      // Extraction stops at 20m while parses go on: the 30m increase is 0 from 49m (the window
      // no longer holds the last step), so the alert fires at 59m. OLD is idle: no parses either.
      name: "TutorTypesExtractionLowCoverage: extraction stalled for 30m while parses succeed fires 10m later; an idle pipeline stays quiet",
      input_series: [
        { series: `worker_tutor_types_extracted_total{channel="t.me/a",${PV}}`, values: counter(1000, [1, 20], [0, 60]) },
        { series: `worker_parse_success_total{channel="t.me/a",${PV}}`, values: counter(1000, [10, 80]) },
        { series: `worker_tutor_types_extracted_total{channel="t.me/a",${OLD}}`, values: gauge([5, 81]) },
        { series: `worker_parse_success_total{channel="t.me/a",${OLD}}`, values: gauge([9, 81]) },
      ],
      alert_rule_test: [
        quiet("TutorTypesExtractionLowCoverage", "58m45s", "for:before", "window"),
        firing("TutorTypesExtractionLowCoverage", "59m", [warning(PVL, "worker", coverage)], "for:after", "window"),
      ],
    },
    {
      // A pipeline version whose extractor never worked: no extraction series at all, parses
      // succeeding from the start. Their 30m increase exists from 1m (two samples), so it fires 10m later.
      name: "TutorTypesExtractionLowCoverage: a pipeline version that never extracted a tutor type fires too",
      input_series: [{ series: `worker_parse_success_total{channel="t.me/a",${PV}}`, values: counter(1000, [10, 30]) }],
      alert_rule_test: [
        quiet("TutorTypesExtractionLowCoverage", "10m45s", "for:before"),
        firing("TutorTypesExtractionLowCoverage", "11m", [warning(PVL, "worker", coverage)], "for:after"),
      ],
    },
    {
      // No extraction at all while parses succeed until 30m: the parses' 30m increase is above
      // 0 until 59m, when the window no longer holds their last step.
      name: "TutorTypesExtractionLowCoverage: clears when parses stop, as the 30m window empties",
      input_series: [
        { series: `worker_tutor_types_extracted_total{channel="t.me/a",${PV}}`, values: gauge([5, 71]) },
        { series: `worker_parse_success_total{channel="t.me/a",${PV}}`, values: counter(1000, [10, 30], [0, 40]) },
      ],
      alert_rule_test: [
        firing("TutorTypesExtractionLowCoverage", "58m45s", [warning(PVL, "worker", coverage)], "window"),
        quiet("TutorTypesExtractionLowCoverage", "59m", "window"),
      ],
    },
    {
      // From 11m on: PV 1.025 unmapped per 10 extracted (10.25%), OLD 0.975 (9.75%).
      name: "TutorTypesHighUnmappedRate: 10.25% unmapped for 15m fires; 9.75% never",
      input_series: [
        { series: `worker_tutor_types_unmapped_total{channel="t.me/a",${PV}}`, values: counter(1000, [0, 10], [1.025, 30]) },
        { series: `worker_tutor_types_extracted_total{channel="t.me/a",${PV}}`, values: counter(1000, [0, 10], [10, 30]) },
        { series: `worker_tutor_types_unmapped_total{channel="t.me/a",${OLD}}`, values: counter(1000, [0, 10], [0.975, 30]) },
        { series: `worker_tutor_types_extracted_total{channel="t.me/a",${OLD}}`, values: counter(1000, [0, 10], [10, 30]) },
      ],
      alert_rule_test: [
        quiet("TutorTypesHighUnmappedRate", "25m45s", "for:before"),
        firing("TutorTypesHighUnmappedRate", "26m", [unmapped(PVL, "10.25%", PVSV)], "for:after", "threshold:firing-side", "threshold:quiet-side"),
      ],
    },
    {
      // Both 30m windows, each on its own pipeline version (29 steps per window):
      // WIN: 10 extracted a minute; 2.15 unmapped a minute until 40m, then none: 14 steps of it
      // at 55m (10.38%), 13 at 56m (9.64%).
      // WIN2: 1 unmapped a minute; 5 extracted a minute until 40m, then 13.3: the mean over the
      // window passes 10 (under 10% unmapped) after 18 fast steps, at 58m (10.14% at 57m45s).
      name: "TutorTypesHighUnmappedRate: the 30m windows of both rates decide when it resolves",
      input_series: [
        { series: `worker_tutor_types_unmapped_total{channel="t.me/a",${WIN}}`, values: counter(1000, [2.15, 40], [0, 30]) },
        { series: `worker_tutor_types_extracted_total{channel="t.me/a",${WIN}}`, values: counter(1000, [10, 70]) },
        { series: `worker_tutor_types_unmapped_total{channel="t.me/a",${WIN2}}`, values: counter(1000, [1, 70]) },
        { series: `worker_tutor_types_extracted_total{channel="t.me/a",${WIN2}}`, values: counter(1000, [5, 40], [13.3, 30]) },
      ],
      alert_rule_test: [
        firing("TutorTypesHighUnmappedRate", "55m", [unmapped(WINL, "10.38%", WINSV), unmapped(WIN2L, "10.76%", WIN2SV)], "window"),
        firing("TutorTypesHighUnmappedRate", "56m", [unmapped(WIN2L, "10.44%", WIN2SV)], "window"),
        firing("TutorTypesHighUnmappedRate", "57m45s", [unmapped(WIN2L, "10.14%", WIN2SV)], "window"),
        quiet("TutorTypesHighUnmappedRate", "58m", "window"),
      ],
    },
  ];
}

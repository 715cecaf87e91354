import { PV_SV, PVSV, rateAbove } from "../expressions";
import { AlertDefinition } from "../model";

/** docs/spec.md §3 quality alerts: is what flows through the pipeline correct? */
export const QUALITY_ALERTS = [
  {
    alert: "ParseFailureSpike",
    group: "quality",
    threshold: 0.5,
    expr: rateAbove("worker_parse_failure_total", PVSV, "10m"),
    for: "5m",
    severity: "warning",
    component: "worker",
    summary: "Parse failures spiking",
    description: "Parse failures at {{ $value | humanize }}/s over 10m (" + PV_SV + ").",
    dashboard: "tutordex-quality",
  },
  {
    alert: "ParseErrorFractionHigh",
    group: "quality",
    threshold: 0.2,
    expr: (t) => `tutordex:worker:parse_error_fraction > ${t}`,
    for: "10m",
    severity: "warning",
    component: "worker",
    summary: "High share of parses failing",
    description: "{{ $value | humanizePercentage }} of parses fail (" + PV_SV + ").",
    dashboard: "tutordex-quality",
  },
  {
    alert: "MissingSubjectsHigh",
    group: "quality",
    threshold: 0.2,
    expr: (t) => `sum by (${PVSV}) (rate(assignment_quality_missing_field_total{field="signals_subjects"}[30m])) > ${t}`,
    for: "15m",
    severity: "warning",
    component: "quality",
    summary: "Many assignments without subjects",
    description: "Assignments missing subjects at {{ $value | humanize }}/s over 30m (" + PV_SV + ").",
    dashboard: "tutordex_data_quality",
  },
  {
    alert: "TutorTypesExtractionLowCoverage",
    group: "quality",
    // Parses succeed, unless tutor types were extracted: an idle pipeline is not a coverage
    // problem, and a pipeline version that never extracted one has no extraction series at all
    // (a counter with labels appears at its first increment), which `extracted == 0` never matches.
    expr: () =>
      `sum by (${PVSV}) (increase(worker_parse_success_total[30m])) > 0 ` +
      `unless on (${PVSV}) sum by (${PVSV}) (increase(worker_tutor_types_extracted_total[30m])) > 0`,
    for: "10m",
    severity: "warning",
    component: "worker",
    summary: "Tutor types are no longer extracted",
    description: "No tutor types extracted in 30m although parses succeed (" + PV_SV + ").",
    dashboard: "tutordex-quality",
  },
  {
    alert: "TutorTypesHighUnmappedRate",
    group: "quality",
    threshold: 0.1,
    expr: (t) =>
      `sum by (${PVSV}) (rate(worker_tutor_types_unmapped_total[30m])) / ` +
      `sum by (${PVSV}) (rate(worker_tutor_types_extracted_total[30m])) > ${t}`,
    for: "15m",
    severity: "critical",
    component: "worker",
    summary: "Many tutor types cannot be mapped",
    description: "{{ $value | humanizePercentage }} of extracted tutor types are unmapped (" + PV_SV + ").",
    dashboard: "tutordex-quality",
  },
] as const satisfies readonly AlertDefinition[];

import { inlineRecorded } from "../../bench/recorded";
import { DASHBOARDS } from "../../dashboards";
import { RECORDING_RULES } from "../../rules/catalog";
import { dashboardTargets, interpolate, parsePromql } from "../../harness/queries";

/** The bench's "raw" column: a panel on recorded series, computed from the raw series instead. */
describe("inlineRecorded", () => {
  it("replaces a recorded series by its rule's expression; a variable at All keeps every series and is dropped", () => {
    expect(inlineRecorded('sum(tutordex:worker:llm_fail_rate_per_s{pipeline_version=~".*"})')).toBe(
      "sum((rate(worker_llm_fail_total[5m])))",
    );
  });

  it("pushes a narrowing matcher down to every raw selector of the rule", () => {
    expect(inlineRecorded('sum(tutordex:quality:missing_field_rate_per_s{field="signals_subjects"})')).toBe(
      'sum((sum by (field, pipeline_version, schema_version) (rate(assignment_quality_missing_field_total{field="signals_subjects"}[10m]))))',
    );
  });

  it("leaves queries on raw series alone", () => {
    expect(inlineRecorded("sum(rate(worker_parse_success_total[5m]))")).toBeUndefined();
  });

  it("turns every dashboard query on a recorded series into a valid query on raw series only", () => {
    const recorded = new Set(RECORDING_RULES.map((r) => r.record));
    const inlined = dashboardTargets(DASHBOARDS)
      .filter((t) => t.datasource === "prometheus")
      .flatMap((t) => inlineRecorded(interpolate(t.expr)) ?? []);
    expect(inlined.length).toBeGreaterThan(10);
    for (const expr of inlined) {
      const { errors, metrics } = parsePromql(expr);
      expect({ expr, errors, recorded: metrics.filter((m) => recorded.has(m)) }).toEqual({ expr, errors: 0, recorded: [] });
    }
  });
});

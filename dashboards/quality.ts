import { dashboard, logs, prom, timeseries } from "./builder";
import { CHANNEL, PIPELINE, sel, VARIABLES } from "./queries";

export const quality = dashboard({
  uid: "tutordex-quality",
  title: "TutorDex Quality",
  description: "Is what flows correct? Parse errors, missing fields and inconsistencies.",
  variables: [VARIABLES.channel, VARIABLES.pipelineVersion],
  panels: [
    timeseries("Parse error fraction", [prom(`tutordex:worker:parse_error_fraction${sel(PIPELINE)}`, "{{pipeline_version}}")], {
      unit: "percentunit",
      min: 0,
      max: 1,
    }),
    timeseries(
      "Parse failures by reason",
      [prom(`sum by (reason) (tutordex:worker:parse_failure_rate_per_s${sel(PIPELINE)})`, "{{reason}}")],
      { unit: "ops" },
    ),
    timeseries(
      "Parse failures by channel",
      [prom(`sum by (channel) (tutordex:channel:parse_failure_rate_per_s${sel(CHANNEL, PIPELINE)})`, "{{channel}}")],
      { unit: "ops" },
    ),
    timeseries("Missing-field rate", [prom(`sum by (field) (tutordex:quality:missing_field_rate_per_s${sel(PIPELINE)})`, "{{field}}")], {
      unit: "ops",
    }),
    timeseries("Inconsistency rate", [prom(`sum by (kind) (tutordex:quality:inconsistency_rate_per_s${sel(PIPELINE)})`, "{{kind}}")], {
      unit: "ops",
      width: 24,
    }),
    {
      type: "logs",
      title: "Recent worker failures",
      queries: [logs('{compose_service="aggregator-worker", level=~"error|critical", channel=~"$channel"} | json')],
      height: 10,
    },
  ],
});

import { dashboard, instant, panel, prom, stat, timeseries } from "./builder";
import { fraction } from "../rules/expressions";

const up = (job: string, title: string) =>
  stat(title, [instant(`max(up{job="${job}"}) or vector(0)`)], {
    width: 4,
    thresholds: [
      { value: null, color: "red" },
      { value: 1, color: "green" },
    ],
  });
const firing = (severity: string, color: string) =>
  stat(`Firing ${severity} alerts`, [instant(`count(ALERTS{alertstate="firing",severity="${severity}"}) or vector(0)`)], {
    width: 4,
    thresholds: [
      { value: null, color: "green" },
      { value: 1, color },
    ],
  });

export const home = dashboard({
  uid: "tutordex-home",
  title: "TutorDex Home",
  description: "Is TutorDex healthy right now? Start here.",
  panels: [
    up("tutordex_collector", "Collector up"),
    up("tutordex_worker", "Worker up"),
    up("tutordex_backend", "Backend up"),
    firing("critical", "red"),
    firing("warning", "orange"),
    stat("Assignments per hour", [instant('sum(increase(worker_jobs_processed_total{status="ok"}[1h]))')], { width: 4 }),
    panel(
      "gauge",
      "Parse success (1h)",
      [instant(fraction("sum(increase(worker_parse_success_total[1h]))", "sum(increase(worker_parse_failure_total[1h]))"))],
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
    timeseries("Queue pending and processing", [prom("sum(queue_pending)", "pending"), prom("sum(queue_processing)", "processing")], {
      width: 18,
    }),
    panel("alertlist", "Firing alerts", [], { width: 12 }),
    panel("table", "Health of every target", [instant("up", "{{job}} {{instance}}"), instant("probe_success", "{{job}} {{instance}}")], {
      width: 12,
    }),
  ],
});

/**
 * The simulated TutorDex's scenarios by name: the stack's `demoWorkload.scenario` setting
 * (config/schema.ts) and the simulator (simulator/src/scenarios.ts, which must define each one)
 * read this list, so the stack layer never imports the simulator. Import-free, like all of shared/.
 */
export const SCENARIO_NAMES = [
  "steady",
  "queue_backlog_no_throughput",
  "llm_failure_spike",
  "parse_error_high",
  "service_down",
  "backend_down",
  "stuck_processing",
  "recovery",
] as const;
export type ScenarioName = (typeof SCENARIO_NAMES)[number];

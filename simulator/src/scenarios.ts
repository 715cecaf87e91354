import { ScenarioName } from "../../shared/scenarioNames";

export { SCENARIO_NAMES } from "../../shared/scenarioNames";
export type { ScenarioName } from "../../shared/scenarioNames";

/**
 * What the simulated application does each second, per scenario. Rates are per second; the
 * steady state fires no TutorDex alert and gives every recording rule a series.
 */
export interface Behaviour {
  readonly messagesPerChannel: number;
  readonly jobsOk: number;
  readonly llmFail: number;
  readonly parseOk: number;
  readonly parseFail: number;
  readonly pendingDelta: number;
  readonly workerUp: boolean;
  readonly backendHealthy: boolean;
  readonly dmSent: number;
  readonly dmFail: number;
  /** A job hangs: the oldest processing job's age jumps past QueueStuckProcessing's 900s. */
  readonly stuckProcessing: boolean;
}

const STEADY: Behaviour = {
  messagesPerChannel: 1,
  jobsOk: 2,
  llmFail: 0,
  parseOk: 2,
  parseFail: 0.1,
  pendingDelta: 0,
  workerUp: true,
  backendHealthy: true,
  dmSent: 3,
  dmFail: 0.05,
  stuckProcessing: false,
};

export const SCENARIOS = {
  steady: STEADY,
  /** Work arrives, the worker takes none: QueueBacklogGrowingNoThroughput. */
  queue_backlog_no_throughput: { ...STEADY, jobsOk: 0, pendingDelta: 1, parseOk: 0, parseFail: 0 },
  llm_failure_spike: { ...STEADY, llmFail: 1 },
  parse_error_high: { ...STEADY, parseOk: 1, parseFail: 1 },
  /** The worker process is gone: its port refuses connections. */
  service_down: { ...STEADY, workerUp: false },
  /** The backend answers 503 on /health: internal and public probes fail. */
  backend_down: { ...STEADY, backendHealthy: false },
  /** A job hangs in processing (a gauge condition: no rate window between cause and alert). */
  stuck_processing: { ...STEADY, stuckProcessing: true },
  recovery: STEADY,
} as const satisfies Record<ScenarioName, Behaviour>;

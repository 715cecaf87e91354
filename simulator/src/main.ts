import { startSimulator } from "./app";
import { SCENARIO_NAMES, ScenarioName } from "./scenarios";

/** Container entry point of the demo workload: SCENARIO picks the behaviour (default steady). */
async function main(): Promise<void> {
  const scenario = (process.env.SCENARIO ?? "steady") as ScenarioName;
  if (!SCENARIO_NAMES.includes(scenario)) {
    process.stderr.write(`unknown SCENARIO ${scenario}; expected one of ${SCENARIO_NAMES.join(", ")}\n`);
    process.exit(2);
  }
  const sim = await startSimulator({
    host: "0.0.0.0",
    scenario,
    ports: {
      collector: Number(process.env.COLLECTOR_PORT ?? 9001),
      worker: Number(process.env.WORKER_PORT ?? 9002),
      backend: Number(process.env.BACKEND_PORT ?? 8000),
    },
  });
  process.once("SIGTERM", () => void sim.close().then(() => process.exit(0)));
}

void main();

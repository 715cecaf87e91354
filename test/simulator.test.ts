import { spawn } from "child_process";
import * as fs from "fs";
import * as path from "path";
import { bundle } from "../components/bundle";
import { SIMULATOR_ENTRY } from "../components/demoWorkload";
import { APPLICATION_METRICS } from "../rules/metrics";
import { Simulator, startSimulator } from "../simulator/src/app";
import { freePort } from "../harness/ports";
import { useTempDirs } from "./support/tempDirs";

let sim: Simulator;
const logs: string[] = [];
beforeAll(async () => {
  sim = await startSimulator({ ports: { collector: 0, worker: 0, backend: 0 }, tickMs: 100, log: (l) => logs.push(l) });
  await new Promise((r) => setTimeout(r, 400));
});
afterAll(() => sim.close());
const tmp = useTempDirs();

const get = (port: number, p: string) => fetch(`http://127.0.0.1:${port}${p}`);
const exposition = async () =>
  (await Promise.all([sim.ports.collector, sim.ports.worker, sim.ports.backend].map(async (p) => (await get(p, "/metrics")).text()))).join(
    "\n",
  );

it("exposes every metric of the application catalog (SPEC §10)", async () => {
  const text = await exposition();
  const names = new Set([...text.matchAll(/^([a-z_:]+)(\{|\s)/gm)].map((m) => m[1]));
  expect(APPLICATION_METRICS.filter((m) => !names.has(m))).toEqual([]);
});

it("answers the health endpoints of SPEC §2", async () => {
  const { collector, worker, backend } = sim.ports;
  for (const [port, p] of [
    [collector, "/health"],
    [collector, "/healthz"],
    [collector, "/health/collector"],
    [worker, "/health/worker"],
    [worker, "/health/dependencies"],
    [backend, "/health"],
  ] as const)
    expect({ p, status: (await get(port, p)).status }).toEqual({ p, status: 200 });
  expect(await (await get(backend, "/health/dependencies")).json()).toEqual(expect.objectContaining({ ok: true }));
});

it("writes JSON log lines with the SPEC §7 keys", () => {
  const backendLine = logs.map((l) => JSON.parse(l)).find((l) => l.logger === "tutordex.backend")!;
  for (const k of [
    "ts",
    "level",
    "logger",
    "msg",
    "component",
    "assignment_id",
    "channel",
    "pipeline_version",
    "schema_version",
    "trace_id",
    "span_id",
    "exc",
    "request_id",
    "method",
    "path",
    "status_code",
    "latency_ms",
    "client_ip",
  ])
    expect(backendLine).toHaveProperty(k);
});

it("scenarios change what the application reports", async () => {
  await sim.setScenario("backend_down");
  expect((await get(sim.ports.backend, "/health")).status).toBe(503);
  await sim.setScenario("service_down");
  await expect(get(sim.ports.worker, "/metrics")).rejects.toThrow();
  await sim.setScenario("recovery");
  expect((await get(sim.ports.worker, "/metrics")).status).toBe(200);
});

it("the bundled simulator runs as the demo container runs it", async () => {
  const dir = tmp.make("sim-");
  const file = path.join(dir, "simulator.js");
  fs.writeFileSync(file, bundle(SIMULATOR_ENTRY));
  const [c, w, b] = [await freePort(), await freePort(), await freePort()];
  const child = spawn(process.execPath, [file], {
    env: { PATH: process.env.PATH, COLLECTOR_PORT: String(c), WORKER_PORT: String(w), BACKEND_PORT: String(b) },
    stdio: "ignore",
  });
  try {
    const deadline = Date.now() + 10_000;
    let status = 0;
    while (Date.now() < deadline && status !== 200) {
      status = await get(w, "/health/worker")
        .then((r) => r.status)
        .catch(() => 0);
      if (status !== 200) await new Promise((r) => setTimeout(r, 100));
    }
    expect(status).toBe(200);
    const exited = new Promise<number | null>((resolve) => child.once("exit", resolve));
    child.kill("SIGTERM");
    expect(await exited).toBe(0);
  } finally {
    child.kill("SIGKILL");
  }
});

import * as path from "path";
import { containersOf, executeProgram, ProgramRun, runProgram } from "../support/program";
import { pulumiConfigMap, TEST_SECRETS } from "../../harness/stackFiles";

/**
 * Prometheus and Alertmanager read their configuration from a volume their config-sync one-shot
 * fills. On a first deployment they must not start before it did, or they start without a config
 * and crash-loop until it comes (test/docker/lifecycle.test.ts sees that on a real engine). Under
 * Pulumi's mocks: the dependency is in their containers' resource options, and the engine only
 * registers them once the config-sync run is done.
 */

let run: ProgramRun;
beforeAll(async () => {
  run = await runProgram("prod", pulumiConfigMap("prod"), Object.keys(TEST_SECRETS));
});

it.each(["prometheus", "alertmanager"])("the %s container depends on its config sync", (service) => {
  const container = containersOf(run).find((c) => c.name === `tutordex-${service}`)!;
  expect(container.options.dependsOn).toContain(`tutordex-${service}-config-sync`);
});

it("while the config syncs run, neither Prometheus nor Alertmanager reaches the engine", async () => {
  const RUN_MS = 400;
  // When the engine was asked for each resource; each one-shot container takes RUN_MS to run.
  const asked = new Map<string, number>();
  await executeProgram(
    "prod",
    pulumiConfigMap("prod"),
    Object.keys(TEST_SECRETS),
    { oneShotRunMs: RUN_MS },
    async () => {
      let exported: Record<string, unknown> = {};
      await jest.isolateModulesAsync(async () => {
        exported = require(path.join("..", "..", "index"));
      });
      return exported;
    },
    (key) => asked.set(key, Date.now()),
  );
  const at = (name: string) => asked.get(`docker:index/container:Container::${name}`)!;
  for (const service of ["prometheus", "alertmanager"]) {
    expect(at(`tutordex-${service}-config-sync`)).toBeDefined();
    // Asked for only once its config sync had run (a little timer slack allowed).
    expect(at(`tutordex-${service}`) - at(`tutordex-${service}-config-sync`)).toBeGreaterThanOrEqual(RUN_MS - 20);
  }
});

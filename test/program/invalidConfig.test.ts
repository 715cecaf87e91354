import * as pulumi from "@pulumi/pulumi";
import { pulumiConfigMap, PROJECT, TEST_SECRETS } from "../../harness/stackFiles";

/** Loads index.ts under mocks and returns how many resources it registered before failing. */
async function loadProgram(config: Record<string, string>, secretKeys: string[]): Promise<{ error: unknown; registered: number }> {
  let registered = 0;
  await pulumi.runtime.setMocks(
    {
      newResource: (args) => {
        registered += 1;
        return { id: `${args.name}-id`, state: args.inputs };
      },
      call: (args) => args.inputs,
    },
    PROJECT,
    "prod",
  );
  pulumi.runtime.setAllConfig(
    config,
    secretKeys.map((k) => `${PROJECT}:${k}`),
  );
  let error: unknown;
  jest.isolateModules(() => {
    try {
      require("../../index");
    } catch (e) {
      error = e;
    }
  });
  return { error, registered };
}

it("invalid configuration fails before any resource is registered", async () => {
  const config = pulumiConfigMap("prod");
  config[`${PROJECT}:bindAddress`] = "everywhere";
  const { error, registered } = await loadProgram(config, Object.keys(TEST_SECRETS));
  expect(String(error)).toContain('bindAddress: expected an IPv4 address such as 127.0.0.1, got "everywhere"');
  expect(registered).toBe(0);
});

it("prod refuses secrets that were not set with --secret", async () => {
  const { error, registered } = await loadProgram(pulumiConfigMap("prod"), []);
  expect(String(error)).toContain("grafanaAdminPassword: prod refuses a plain-text value");
  expect(registered).toBe(0);
});

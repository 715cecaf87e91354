import * as yaml from "js-yaml";
import { isOneShot, labelOf, violations } from "../../policy/guardrails";
import { renderStack } from "../../generators/stackFiles";
import { stackConfig } from "../../harness/fixtures";
import { containerNamed, containersOf, ProgramRun, runProgram } from "../support/program";
import { pulumiConfigMap, PROJECT, TEST_SECRETS } from "../../harness/stackFiles";

/** prod with `logAgent: alloy`: Grafana Alloy ships the logs, Promtail does not run. */
let run: ProgramRun;
const rendered = renderStack(stackConfig("prod", { logAgent: "alloy" }));
beforeAll(async () => {
  run = await runProgram("prod", { ...pulumiConfigMap("prod"), [`${PROJECT}:logAgent`]: "alloy" }, Object.keys(TEST_SECRETS));
});

const services = () =>
  containersOf(run)
    .filter((c) => !isOneShot(c))
    .map((c) => labelOf(c, "tutordex.observability.service"));
const alloy = () => containerNamed(run, "tutordex-alloy");

it("runs Alloy instead of Promtail, within the guardrails", () => {
  expect(services()).toContain("alloy");
  expect(services()).not.toContain("promtail");
  expect(
    run.resources
      .filter((r) => r.type === "docker:index/volume:Volume")
      .map((v) => v.inputs.name)
      .filter((n: string) => /promtail/.test(n)),
  ).toEqual([]);
  expect(violations(containersOf(run), { stack: "prod", bindAddress: "127.0.0.1" })).toEqual([]);
});

it("Alloy gets its rendered config, the Docker socket read-only, positions on a volume, a memory limit, and publishes nothing", () => {
  const c = alloy();
  expect(c.inputs.uploads).toEqual([{ file: "/etc/alloy/tutordex.alloy", content: rendered.alloy }]);
  expect(c.inputs.command).toEqual([
    "run",
    "/etc/alloy/tutordex.alloy",
    "--storage.path=/var/lib/alloy/data",
    "--server.http.listen-addr=0.0.0.0:12345",
    "--disable-reporting",
  ]);
  expect(c.inputs.volumes.map((v: any) => `${v.volumeName ?? v.hostPath}:${v.containerPath}:${v.readOnly ? "ro" : "rw"}`)).toEqual([
    "tutordex-obs-prod-alloy-positions:/var/lib/alloy/data:rw",
    "/var/run/docker.sock:/var/run/docker.sock:ro",
  ]);
  expect(c.inputs.memory).toBe(256);
  expect(c.inputs.ports ?? []).toEqual([]);
});

it("its readiness is a one-shot gate on /-/ready (the Ubuntu image has no wget or curl)", () => {
  const gate = containersOf(run).find((c) => isOneShot(c) && labelOf(c, "tutordex.observability.service") === "alloy");
  expect(gate).toBeDefined();
  expect(JSON.stringify(gate!.inputs)).toContain("until wget -q -O /dev/null http://alloy:12345/-/ready");
  expect(alloy().inputs.healthcheck).toBeUndefined();
});

it("Prometheus scrapes job alloy, not promtail", () => {
  const sync = containersOf(run).find((c) => c.name === "tutordex-prometheus-config-sync")!;
  const doc = yaml.load(sync.inputs.uploads.find((u: { file: string }) => u.file === "/staging/prometheus.yml").content) as {
    scrape_configs: { job_name: string; static_configs?: { targets: string[] }[] }[];
  };
  const jobs = doc.scrape_configs.map((j) => j.job_name);
  expect(jobs).not.toContain("promtail");
  expect(doc.scrape_configs.find((j) => j.job_name === "alloy")?.static_configs).toEqual([{ targets: ["alloy:12345"] }]);
});

import * as yaml from "js-yaml";
import { SERVICE_NAMES, SERVICES } from "../../config/services";
import { containersOf, ProgramRun, RecordedResource, runProgram } from "../support/program";
import { committedStacks, pulumiConfigMap, PROJECT, TEST_SECRETS } from "../support/stackFiles";
import { EXTERNAL_READINESS, GUARDRAILS, isOneShot, violations } from "../support/guardrails";
import { stackConfig } from "../support/fixtures";

const SECRET_NAMES = Object.keys(TEST_SECRETS);
const serviceOf = (c: RecordedResource) => (c.inputs.labels ?? []).find((l: { label: string }) => l.label === "tutordex.observability.service")?.value;
/** Containers of the eleven services (not one-shot syncs, not the optional demo workload). */
const services = (run: ProgramRun) => containersOf(run).filter((c) => !isOneShot(c) && serviceOf(c) !== "demoWorkload");
const serviceContainer = (run: ProgramRun, service: string) => {
  const c = services(run).find((x) => serviceOf(x) === service);
  if (!c) throw new Error(`no container for ${service}`);
  return c;
};
const uploaded = (c: RecordedResource, file: string) => c.inputs.uploads.find((u: { file: string }) => u.file === file)?.content as string;

const runs = new Map<string, ProgramRun>();
beforeAll(async () => {
  for (const stack of committedStacks()) runs.set(stack, await runProgram(stack, pulumiConfigMap(stack), SECRET_NAMES));
});

describe.each(committedStacks())("stack %s under mocks", (stack) => {
  const run = () => runs.get(stack)!;
  const config = stackConfig(stack);

  it("has a container for each of the eleven services", () => {
    expect(services(run()).map(serviceOf).sort()).toEqual([...SERVICE_NAMES].sort());
  });

  it("pulls exactly the pinned image of every service", () => {
    for (const service of SERVICE_NAMES) {
      const image = run().resources.find((r) => r.type === "docker:index/remoteImage:RemoteImage" && r.name === `tutordex-${SERVICES[service].alias}-image`);
      expect({ service, image: image?.inputs.name }).toEqual({ service, image: config.images[service] });
    }
  });

  it("passes every container guardrail", () => {
    expect(violations(containersOf(run()), { stack, bindAddress: config.bindAddress })).toEqual([]);
  });

  it("joins every container to the stack network under its alias", () => {
    for (const c of services(run())) {
      const alias = SERVICES[serviceOf(c) as keyof typeof SERVICES].alias;
      expect(c.inputs.networksAdvanced[0]).toEqual({ name: `tutordex-obs-${stack}-net`, aliases: [alias] });
    }
  });

  it("keeps the state of every stateful service on a named volume", () => {
    for (const service of SERVICE_NAMES.filter((s) => SERVICES[s].stateful)) {
      const volumes: string[] = serviceContainer(run(), service).inputs.volumes.map((v: { volumeName?: string }) => v.volumeName).filter(Boolean);
      expect(volumes.some((v) => v.startsWith(`tutordex-obs-${stack}-${SERVICES[service].alias}-`))).toBe(true);
    }
  });

  it("protects data volumes exactly when protectData is on", () => {
    const data = run().resources.filter((r) => r.type === "docker:index/volume:Volume" && r.inputs.name.endsWith("-data"));
    expect(data.length).toBe(5);
    for (const v of data) expect({ volume: v.inputs.name, protect: v.options.protect }).toEqual({ volume: v.inputs.name, protect: config.protectData });
  });

  it("publishes the configured host ports and nothing else", () => {
    const published = services(run()).flatMap((c) => (c.inputs.ports ?? []).map((p: { external: number }) => p.external));
    expect(published.sort()).toEqual(Object.values(config.hostPorts).sort());
  });

  it("keeps secrets secret: container envs are secret and no secret value appears in clear", () => {
    expect(serviceContainer(run(), "grafana").secretInputs).toContain("envs");
    if (config.telegramBotToken) expect(serviceContainer(run(), "telegramBridge").secretInputs).toContain("envs");
    for (const r of run().resources) {
      const clear = Object.fromEntries(Object.entries(r.inputs).filter(([k]) => !r.secretInputs.includes(k)));
      const text = JSON.stringify(clear);
      for (const secret of Object.values(TEST_SECRETS)) expect({ resource: r.name, leaks: text.includes(secret) }).toEqual({ resource: r.name, leaks: false });
    }
    expect(JSON.stringify(run().outputs)).not.toContain(TEST_SECRETS.grafanaAdminPassword);
  });

  it("checks the readiness of shell-less images from Prometheus", () => {
    const sync = containersOf(run()).find((c) => isOneShot(c) && serviceOf(c) === "prometheus")!;
    const prom = yaml.load(uploaded(sync, "/staging/prometheus.yml")) as { scrape_configs: { job_name: string; static_configs: { targets: string[] }[] }[] };
    for (const [service, check] of EXTERNAL_READINESS) {
      expect(serviceContainer(run(), service).inputs.healthcheck).toBeUndefined();
      const job = prom.scrape_configs.find((j) => j.job_name === check.job);
      expect({ service, job: job?.job_name }).toEqual({ service, job: check.job });
      if (check.url) expect(job!.static_configs.flatMap((s) => s.targets)).toContain(check.url);
    }
  });

  it("exports the URLs operators need", () => {
    expect(run().outputs.urls.grafana).toBe(config.grafanaExternalUrl);
    expect(run().outputs.urls.prometheus).toBe(`http://${config.bindAddress}:${config.hostPorts.prometheus}`);
  });
});

describe("the demo workload (dev)", () => {
  it("runs the bundled simulator under the application's default names, only where configured", () => {
    const demo = containersOf(runs.get("dev")!).find((c) => serviceOf(c) === "demoWorkload")!;
    expect(demo.inputs.networksAdvanced[0]).toEqual({ name: "tutordex-obs-dev-net", aliases: ["demo-app", "collector-tail", "aggregator-worker", "backend"] });
    expect(demo.inputs.uploads[0].file).toBe("/app/simulator.js");
    expect(demo.inputs.envs).toContain("SCENARIO=steady");
    expect(containersOf(runs.get("prod")!).some((c) => serviceOf(c) === "demoWorkload")).toBe(false);
  });
});

describe("environments differ where they should", () => {
  it("prod protects data, dev does not; prod joins the application network", () => {
    const volumeProtect = (stack: string) =>
      runs.get(stack)!.resources.filter((r) => r.type === "docker:index/volume:Volume" && r.inputs.name.endsWith("-data")).every((v) => v.options.protect);
    expect(volumeProtect("prod")).toBe(true);
    expect(volumeProtect("dev")).toBe(false);
    const networks = (stack: string) => serviceContainer(runs.get(stack)!, "prometheus").inputs.networksAdvanced.map((n: { name: string }) => n.name);
    expect(networks("prod")).toEqual(["tutordex-obs-prod-net", "tutordex-prod_default"]);
    expect(networks("dev")).toEqual(["tutordex-obs-dev-net"]);
  });

  it("a staging stack on the prod host shares no Docker name and no host port with prod", async () => {
    const staging = pulumiConfigMap("prod");
    staging[`${PROJECT}:environment`] = "staging";
    const stagingRun = await runProgram("staging", staging, SECRET_NAMES);
    const names = (r: ProgramRun) =>
      r.resources.filter((x) => x.type.startsWith("docker:index/") && x.type !== "docker:index/remoteImage:RemoteImage").map((x) => x.inputs.name as string);
    const ports = (r: ProgramRun) => services(r).flatMap((c) => (c.inputs.ports ?? []).map((p: { external: number }) => p.external));
    const prod = runs.get("prod")!;
    expect(names(stagingRun).filter((n) => names(prod).includes(n))).toEqual([]);
    expect(ports(stagingRun).filter((p) => ports(prod).includes(p))).toEqual([]);
    expect(stagingRun.resources.filter((r) => r.options.protect)).toEqual([]);
  });
});

describe("guardrails catch what they guard", () => {
  const base = () => serviceContainer(runs.get("dev")!, "grafana");
  const broken: Record<string, (c: RecordedResource) => RecordedResource> = {
    "image is a RemoteImage id, so a second up replaces nothing": (c) => ({ ...c, inputs: { ...c.inputs, image: "grafana/grafana:12.3.1" } }),
    "restart unless-stopped (one-shot config sync: no)": (c) => ({ ...c, inputs: { ...c.inputs, restart: "always" } }),
    "has a memory limit": (c) => ({ ...c, inputs: { ...c.inputs, memory: undefined } }),
    "labels name the stack and the service": (c) => ({ ...c, inputs: { ...c.inputs, labels: [] } }),
    "Docker name carries the stack": (c) => ({ ...c, inputs: { ...c.inputs, name: "grafana" } }),
    "ports published only on the bind address": (c) => ({ ...c, inputs: { ...c.inputs, ports: [{ internal: 3000, external: 3300 }] } }),
    "no privileged container but cAdvisor": (c) => ({ ...c, inputs: { ...c.inputs, privileged: true } }),
    "host paths mounted read-only": (c) => ({ ...c, inputs: { ...c.inputs, volumes: [{ hostPath: "/", containerPath: "/rootfs", readOnly: false }] } }),
    "fixed names replace delete-before-replace (one-shots carry a content hash instead)": (c) => ({ ...c, options: { ...c.options, deleteBeforeReplace: false } }),
    "readiness: image healthcheck, or an external check Prometheus runs": (c) => ({ ...c, inputs: { ...c.inputs, healthcheck: undefined } }),
  };
  it("has a broken example for every guardrail", () => expect(Object.keys(broken).sort()).toEqual(Object.keys(GUARDRAILS).sort()));
  it.each(Object.keys(broken))("%s", (rule) => {
    expect(violations([base()], { stack: "dev", bindAddress: "127.0.0.1" })).toEqual([]);
    expect(violations([broken[rule](base())], { stack: "dev", bindAddress: "127.0.0.1" }).join("\n")).toContain(rule);
  });
});

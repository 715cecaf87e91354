import { SERVICE_NAMES, SERVICES, ServiceName } from "../../config/services";
import { GUARDRAILS, isOneShot, labelOf, violations } from "../../policy/guardrails";
import { containersOf, MOCK_GATEWAY, ProgramRun, RecordedResource, runProgram } from "../support/program";
import { committedStacks, pulumiConfigMap, PROJECT, TEST_SECRETS } from "../../harness/stackFiles";
import { stackConfig } from "../../harness/fixtures";
import { BROKEN_EXAMPLES } from "../support/brokenContainers";

const SECRET_NAMES = Object.keys(TEST_SECRETS);
const serviceOf = (c: RecordedResource) => labelOf(c, "tutordex.observability.service");
/** Containers of the services (not one-shots, not the optional demo workload). */
const services = (run: ProgramRun) => containersOf(run).filter((c) => !isOneShot(c) && serviceOf(c) !== "demoWorkload");
const serviceContainer = (run: ProgramRun, service: string) => {
  const c = services(run).find((x) => serviceOf(x) === service);
  if (!c) throw new Error(`no container for ${service}`);
  return c;
};

const runs = new Map<string, ProgramRun>();
beforeAll(async () => {
  for (const stack of committedStacks()) runs.set(stack, await runProgram(stack, pulumiConfigMap(stack), SECRET_NAMES));
});

describe.each(committedStacks())("stack %s under mocks", (stack) => {
  const run = () => runs.get(stack)!;
  const config = stackConfig(stack);
  const running = SERVICE_NAMES.filter((s) => config.services[s]);

  it("has a container for each running service", () => {
    expect(services(run()).map(serviceOf).sort()).toEqual([...running].sort());
  });

  it("pulls each pinned image exactly once, and every container runs its pinned image", () => {
    const images = run()
      .resources.filter((r) => r.type === "docker:index/remoteImage:RemoteImage")
      .map((r) => r.inputs.name as string);
    expect(images.length).toBe(new Set(images).size);
    expect([...images].sort()).toEqual([...new Set(running.map((s) => config.images[s]))].sort());
    const idOf = (name: string) => `sha256:${Buffer.from(name).toString("hex").slice(0, 64).padEnd(64, "0")}`;
    for (const s of running) expect({ s, image: serviceContainer(run(), s).inputs.image }).toEqual({ s, image: idOf(config.images[s]) });
  });

  it("passes every container guardrail", () => {
    expect(violations(containersOf(run()), { stack, bindAddress: config.bindAddress })).toEqual([]);
  });

  it("joins every container but node_exporter to the stack network under its alias", () => {
    for (const c of services(run()).filter((x) => serviceOf(x) !== "nodeExporter")) {
      const alias = SERVICES[serviceOf(c) as ServiceName].alias;
      expect(c.inputs.networksAdvanced[0]).toEqual({ name: `tutordex-obs-${stack}-net`, aliases: [alias] });
    }
  });

  it("keeps the state of every stateful service on a named volume", () => {
    for (const service of running.filter((s) => SERVICES[s].stateVolume)) {
      const volumes: string[] = serviceContainer(run(), service)
        .inputs.volumes.map((v: { volumeName?: string }) => v.volumeName)
        .filter(Boolean);
      expect({ service, volumes }).toEqual({
        service,
        volumes: expect.arrayContaining([`tutordex-obs-${stack}-${SERVICES[service].alias}-${SERVICES[service].stateVolume}`]),
      });
    }
  });

  it("protects data volumes exactly when protectData is on, and never config volumes", () => {
    const volumes = run().resources.filter((r) => r.type === "docker:index/volume:Volume");
    const data = volumes.filter((v) => /-(data|state)$/.test(v.inputs.name));
    expect(data.map((v) => v.inputs.name).sort()).toEqual(
      running
        .filter((s) => SERVICES[s].stateVolume && SERVICES[s].stateVolume !== "positions")
        .map((s) => `tutordex-obs-${stack}-${SERVICES[s].alias}-${SERVICES[s].stateVolume}`)
        .sort(),
    );
    for (const v of data)
      expect({ volume: v.inputs.name, protect: v.options.protect }).toEqual({ volume: v.inputs.name, protect: config.protectData });
    for (const v of volumes.filter((x) => /-(config|positions)$/.test(x.inputs.name)))
      expect({ volume: v.inputs.name, protect: v.options.protect }).toEqual({ volume: v.inputs.name, protect: false });
  });

  it("publishes the configured host ports of the running services and nothing else", () => {
    const published = services(run()).flatMap((c) => (c.inputs.ports ?? []).map((p: { external: number }) => p.external));
    const expected = Object.entries(config.hostPorts)
      .filter(([key]) => (key.startsWith("otlp") ? config.services.otelCollector : config.services[key as ServiceName]))
      .map(([, p]) => p);
    expect(published.sort()).toEqual(expected.sort());
  });

  it("keeps secrets secret: container envs are secret and no secret value appears in clear", () => {
    expect(serviceContainer(run(), "grafana").secretInputs).toContain("envs");
    if (config.telegramBotToken) expect(serviceContainer(run(), "telegramBridge").secretInputs).toContain("envs");
    for (const r of run().resources) {
      const clear = Object.fromEntries(Object.entries(r.inputs).filter(([k]) => !r.secretInputs.includes(k)));
      const text = JSON.stringify(clear);
      for (const secret of Object.values(TEST_SECRETS))
        expect({ resource: r.name, leaks: text.includes(secret) }).toEqual({ resource: r.name, leaks: false });
    }
    expect(JSON.stringify(run().outputs)).not.toContain(TEST_SECRETS.grafanaAdminPassword);
  });

  it("exports the URLs operators need, the images it pulls and the outcome of every run-once check", () => {
    expect(run().outputs.urls.grafana).toBe(config.grafanaExternalUrl);
    expect(run().outputs.urls.grafanaApi).toBe(config.grafanaApiUrl);
    expect(run().outputs.urls.prometheus).toBe(`http://${config.bindAddress}:${config.hostPorts.prometheus}`);
    expect(run().outputs.images).toEqual([...new Set(running.map((s) => config.images[s]))].sort());
    expect(run().outputs.deployChecks).toEqual([
      "config-sync of prometheus: done",
      "config-sync of alertmanager: done",
      "readiness-gate of loki: done",
      "readiness-gate of alloy: done",
      "readiness-gate of tempo: done",
      "readiness-gate of otelCollector: done",
    ]);
  });
});

describe("the deployed command line of every container (prod)", () => {
  const cmd = (service: string) => serviceContainer(runs.get("prod")!, service).inputs.command;
  it.each<[string, string[]]>([
    [
      "prometheus",
      [
        "--config.file=/etc/prometheus/prometheus.yml",
        "--storage.tsdb.path=/prometheus",
        "--storage.tsdb.retention.time=15d",
        "--config.auto-reload",
        "--config.auto-reload-interval=5s",
        "--web.config.file=/etc/prometheus-secrets/web.yml",
        "--web.enable-otlp-receiver",
        "--web.enable-remote-write-receiver",
        "--enable-feature=exemplar-storage,memory-snapshot-on-shutdown",
      ],
    ],
    [
      "alertmanager",
      [
        "--config.file=/etc/alertmanager/alertmanager.yml",
        "--storage.path=/alertmanager",
        "--web.external-url=https://alertmanager.tutordex.sg",
        "--web.config.file=/etc/alertmanager-secrets/web.yml",
        "--cluster.listen-address=",
      ],
    ],
    [
      "nodeExporter",
      [
        "--path.rootfs=/host",
        `--web.listen-address=${MOCK_GATEWAY}:9100`,
        "--no-collector.netstat",
        "--no-collector.softnet",
        "--collector.netdev.device-exclude=^(?:veth.+)$",
        "--collector.netclass.ignored-devices=^(?:veth.+)$",
        "--collector.textfile.directory=/textfile",
      ],
    ],
    ["blackboxExporter", ["--config.file=/etc/blackbox_exporter/tutordex.yml", "--web.config.file=/etc/blackbox-exporter-secrets/web.yml"]],
    ["otelCollector", ["--config=/etc/otelcol/tutordex.yml"]],
    ["loki", ["-config.file=/etc/loki/tutordex.yml"]],
    [
      "alloy",
      [
        "run",
        "/etc/alloy/tutordex.alloy",
        "--storage.path=/var/lib/alloy/data",
        "--server.http.listen-addr=0.0.0.0:12345",
        "--disable-reporting",
      ],
    ],
    ["tempo", ["-config.file=/etc/tempo/tutordex.yml"]],
    [
      "cadvisor",
      [
        "-docker_only",
        "-disable_metrics=advtcp,cpu_topology,cpuset,disk,hugetlb,memory_numa,process,referenced_memory,resctrl,sched,tcp,udp",
        "-store_container_labels=false",
        "-whitelisted_container_labels=com.docker.compose.project",
      ],
    ],
    ["telegramBridge", ["node", "/app/bridge.js"]],
    ["grafana", undefined as unknown as string[]],
  ])("%s", (service, expected) => {
    expect(cmd(service)).toEqual(expected);
  });
});

describe("the demo workload (dev)", () => {
  it("runs the bundled simulator under the application's default names, only where configured", () => {
    const demo = containersOf(runs.get("dev")!).find((c) => serviceOf(c) === "demoWorkload")!;
    expect(demo.inputs.networksAdvanced[0]).toEqual({
      name: "tutordex-obs-dev-net",
      aliases: ["demo-app", "collector-tail", "aggregator-worker", "backend"],
    });
    expect(demo.inputs.uploads[0].file).toBe("/app/simulator.js");
    expect(demo.inputs.envs).toContain("SCENARIO=steady");
    expect(containersOf(runs.get("prod")!).some((c) => serviceOf(c) === "demoWorkload")).toBe(false);
  });
});

describe("environments differ where they should", () => {
  it("prod protects data, dev does not; prod joins the application network", () => {
    const volumeProtect = (stack: string) =>
      runs
        .get(stack)!
        .resources.filter((r) => r.type === "docker:index/volume:Volume" && r.inputs.name.endsWith("-data"))
        .every((v) => v.options.protect);
    expect(volumeProtect("prod")).toBe(true);
    expect(volumeProtect("dev")).toBe(false);
    const networks = (stack: string) =>
      serviceContainer(runs.get(stack)!, "prometheus").inputs.networksAdvanced.map((n: { name: string }) => n.name);
    expect(networks("prod")).toEqual(["tutordex-obs-prod-net", "tutordex-prod_tutordex"]);
    expect(networks("dev")).toEqual(["tutordex-obs-dev-net"]);
  });

  it("the committed staging stack shares no Docker name, host port or Grafana API with prod", () => {
    const names = (r: ProgramRun) =>
      r.resources
        .filter((x) => x.type.startsWith("docker:index/") && x.type !== "docker:index/remoteImage:RemoteImage")
        .map((x) => x.inputs.name as string);
    const ports = (r: ProgramRun) => services(r).flatMap((c) => (c.inputs.ports ?? []).map((p: { external: number }) => p.external));
    const [prod, staging] = [runs.get("prod")!, runs.get("staging")!];
    expect(names(staging).filter((n) => names(prod).includes(n))).toEqual([]);
    expect(ports(staging).filter((p) => ports(prod).includes(p))).toEqual([]);
    expect(staging.resources.filter((r) => r.options.protect)).toEqual([]);
    const grafanaUrl = (r: ProgramRun) => r.resources.find((x) => x.type === "pulumi:providers:grafana")!.inputs.url;
    expect([grafanaUrl(prod), grafanaUrl(staging)]).toEqual(["http://127.0.0.1:3300", "http://127.0.0.1:3301"]);
  });

  it("a copy of the prod file renamed to staging still gets its own names and ports", async () => {
    const copied = pulumiConfigMap("prod");
    copied[`${PROJECT}:environment`] = "staging";
    const copy = await runProgram("staging", copied, SECRET_NAMES);
    const grafanaUrl = copy.resources.find((x) => x.type === "pulumi:providers:grafana")!.inputs.url;
    expect(grafanaUrl).toBe("http://127.0.0.1:3301");
    expect(containersOf(copy).every((c) => String(c.inputs.name).startsWith("tutordex-obs-staging-"))).toBe(true);
  });
});

describe("guardrails catch what they guard", () => {
  const base = () => serviceContainer(runs.get("dev")!, "grafana");
  const broken = BROKEN_EXAMPLES;
  it("has a broken example for every guardrail", () => expect(Object.keys(broken).sort()).toEqual(Object.keys(GUARDRAILS).sort()));
  it.each(Object.keys(broken))("%s", (rule) => {
    expect(violations([base()], { stack: "dev", bindAddress: "127.0.0.1" })).toEqual([]);
    expect(violations([broken[rule](base())], { stack: "dev", bindAddress: "127.0.0.1" }).join("\n")).toContain(rule);
  });
  it("a shell-less service without its readiness gate is caught", () => {
    const run = runs.get("dev")!;
    const withoutGates = containersOf(run).filter((c) => labelOf(c, "tutordex.observability.role") !== "readiness-gate");
    expect(violations(withoutGates, { stack: "dev", bindAddress: "127.0.0.1" }).join("\n")).toMatch(
      /tutordex-obs-dev-otel-collector: readiness.*no readiness check/,
    );
  });
});

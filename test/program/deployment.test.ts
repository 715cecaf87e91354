import { missingNetworkMessage } from "../../components/appNetworks";
import { oneShotFailure } from "../../components/oneShot";
import { containerNamed, containersOf, MOCK_GATEWAY, ProgramRun, runFailingProgram, runProgram } from "../support/program";
import { pulumiConfigMap, PROJECT, TEST_SECRETS } from "../../harness/stackFiles";

const SECRETS = Object.keys(TEST_SECRETS);
let prod: ProgramRun;
beforeAll(async () => {
  prod = await runProgram("prod", pulumiConfigMap("prod"), SECRETS);
});
const container = (name: string, run = prod) => containerNamed(run, name);
const binds = (name: string) => [
  ...(container(name).inputs.volumes ?? []).map((v: any) => `${v.volumeName ?? v.hostPath}:${v.containerPath}:${v.readOnly ? "ro" : "rw"}`),
  ...(container(name).inputs.mounts ?? []).map(
    (m: any) => `${m.source}:${m.target}:${m.readOnly ? "ro" : "rw"}:${m.bindOptions?.propagation ?? ""}`,
  ),
];

describe("application networks", () => {
  it("Prometheus, blackbox and the collector join tutordex-prod_tutordex; the collector answers there as otel-collector", () => {
    const joined = (name: string) => container(name).inputs.networksAdvanced.slice(1);
    expect(joined("tutordex-prometheus")).toEqual([{ name: "tutordex-prod_tutordex" }]);
    expect(joined("tutordex-blackbox-exporter")).toEqual([{ name: "tutordex-prod_tutordex" }]);
    expect(joined("tutordex-otel-collector")).toEqual([{ name: "tutordex-prod_tutordex", aliases: ["otel-collector"] }]);
  });

  it("a missing network stops the program before anything is created, naming it", () => {
    const r = runFailingProgram("prod", pulumiConfigMap("prod"), SECRETS, { networks: ["bridge", "tutordex-prod_default"] });
    expect(r.error).toContain('appNetworks: Docker network "tutordex-prod_tutordex" does not exist');
    expect(
      r.created.filter(
        (k) => k.startsWith("docker:index/container") || k.startsWith("docker:index/network") || k.startsWith("docker:index/volume"),
      ),
    ).toEqual([]);
  });

  it("the message lists the host's networks and explains compose's naming", () => {
    const text = missingNetworkMessage("tutordex-prod_default", "ssh://ops@prod", { names: ["bridge", "host", "tutordex-prod_tutordex"] });
    expect(text).toBe(
      'appNetworks: Docker network "tutordex-prod_default" does not exist on ssh://ops@prod; networks there: bridge, host, tutordex-prod_tutordex. ' +
        "Compose names a project's networks <project>_<network> (a network declared as `tutordex` in project tutordex-prod is tutordex-prod_tutordex).",
    );
    expect(missingNetworkMessage("x", undefined, { error: "connection refused" })).toContain(
      "the networks there could not be listed: connection refused",
    );
  });
});

describe("the Docker provider", () => {
  const provider = (run: ProgramRun) => run.resources.find((r) => r.type === "pulumi:providers:docker")!;
  it("leaves the host to DOCKER_HOST when the stack file sets none", () => {
    expect(provider(prod).inputs.host).toBeUndefined();
  });
  it("takes the stack file's host, and registry credentials with the password as a secret, so pulls are not anonymous", async () => {
    const config = {
      ...pulumiConfigMap("prod"),
      [`${PROJECT}:dockerHost`]: "ssh://ops@docker.test",
      [`${PROJECT}:registryAuth`]: JSON.stringify({ username: "tutordexops" }),
      [`${PROJECT}:registryPassword`]: "dckr_pat_not-a-real-token",
    };
    const run = await runProgram("prod", config, [...SECRETS, "registryPassword"]);
    expect(provider(run).inputs.host).toBe("ssh://ops@docker.test");
    const auth = JSON.stringify(provider(run).inputs.registryAuth).replace(/\\"/g, '"');
    expect(auth).toContain('{"address":"registry-1.docker.io","username":"tutordexops","password":"dckr_pat_not-a-real-token"}');
    expect(provider(run).secretInputs).toContain("registryAuth");
  });
});

describe("services that used to break quietly", () => {
  it("cAdvisor runs the ghcr.io release that reads containerd's store, with containerd's socket read-only and no DOCKER_API_VERSION", () => {
    const c = container("tutordex-cadvisor");
    expect(c.inputs.envs).toBeUndefined();
    expect(binds("tutordex-cadvisor")).toContain("/run/containerd/containerd.sock:/run/containerd/containerd.sock:ro");
    expect(binds("tutordex-cadvisor").every((b: string) => b.endsWith(":ro"))).toBe(true);
  });

  it("node_exporter runs in the host's network and pid namespaces with / mounted rslave, listening only on the stack network's gateway", () => {
    const c = container("tutordex-node-exporter");
    expect([c.inputs.networkMode, c.inputs.pidMode, c.inputs.networksAdvanced]).toEqual(["host", "host", undefined]);
    expect(binds("tutordex-node-exporter")).toEqual(["/var/lib/node_exporter/textfile_collector:/textfile:ro", "/:/host:ro:rslave"]);
    expect(c.inputs.command).toContain(`--web.listen-address=${MOCK_GATEWAY}:9100`);
    // Its default mount-point exclusions stay: no --collector.filesystem.mount-points-exclude.
    expect(c.inputs.command.some((a: string) => a.includes("mount-points-exclude"))).toBe(false);
    expect(container("tutordex-prometheus").inputs.hosts).toEqual([{ host: "node-exporter", ip: MOCK_GATEWAY }]);
  });

  it("services that keep data stop gracefully instead of being killed at once", () => {
    const grace = (name: string) => [
      container(name).inputs.stopTimeout,
      container(name).inputs.destroyGraceSeconds,
      container(name).inputs.stopSignal,
    ];
    expect(grace("tutordex-prometheus")).toEqual([120, 120, "SIGTERM"]);
    expect(grace("tutordex-alertmanager")).toEqual([30, 30, "SIGTERM"]);
    expect(grace("tutordex-loki")).toEqual([60, 60, "SIGTERM"]);
    expect(grace("tutordex-tempo")).toEqual([60, 60, "SIGTERM"]);
    expect(grace("tutordex-grafana")).toEqual([30, 30, "SIGTERM"]);
  });

  it("Loki, Tempo, the log agent and the collector have readiness gates, not healthchecks (their images have no wget, or will not)", () => {
    for (const name of ["tutordex-loki", "tutordex-tempo", "tutordex-alloy", "tutordex-otel-collector"]) {
      expect(container(name).inputs.healthcheck).toBeUndefined();
      expect(container(name).inputs.wait).toBe(false);
    }
    const gates = containersOf(prod).filter((c) =>
      (c.inputs.labels ?? []).some((l: any) => l.label === "tutordex.observability.role" && l.value === "readiness-gate"),
    );
    // The name carries the gated container's id (the mocks' ids are `<name>-id`): a new container is gated again.
    const gate = (s: string) => [`tutordex-${s}-ready-probe`, `tutordex-obs-prod-${s}-ready-${`tutordex-${s}-id`.slice(0, 12)}`];
    expect(gates.map((g) => [g.name, g.inputs.name]).sort()).toEqual([gate("alloy"), gate("loki"), gate("otel-collector"), gate("tempo")]);
    expect(gates.find((g) => g.name.startsWith("tutordex-loki"))!.inputs.entrypoints[2]).toContain(
      "until wget -q -O /dev/null http://loki:3100/ready;",
    );
    expect(gates.find((g) => g.name.startsWith("tutordex-tempo"))!.inputs.entrypoints[2]).toContain(
      "until wget -q -O /dev/null http://tempo:3200/ready;",
    );
    expect(gates.find((g) => g.name.startsWith("tutordex-tempo"))!.options.dependsOn).toEqual(["tutordex-tempo"]);
    expect(gates.find((g) => g.name.startsWith("tutordex-otel"))!.inputs.entrypoints[2]).toContain("http://otel-collector:13133/");
    expect(gates.find((g) => g.name.startsWith("tutordex-otel"))!.options.dependsOn).toEqual(["tutordex-otel-collector"]);
  });

  it("a failed config sync fails `pulumi up` with the checker's own message", () => {
    const logs =
      'Checking prometheus.yml\n  FAILED: parsing YAML file rules/alert_rules.yml: 1:2: group "x": unknown field\nthe new configuration is invalid; nothing was changed';
    const r = runFailingProgram("prod", pulumiConfigMap("prod"), SECRETS, {
      failures: [{ namePrefix: "tutordex-obs-prod-prometheus-config-sync", exitCode: 1, logs }],
    });
    expect(r.error).toBe(oneShotFailure("config-sync of prometheus", 1, logs));
  });

  it("a collector that never gets ready fails `pulumi up`", () => {
    const logs = "http://otel-collector:13133/ did not answer 2xx within 180s";
    const r = runFailingProgram("prod", pulumiConfigMap("prod"), SECRETS, {
      failures: [{ namePrefix: "tutordex-obs-prod-otel-collector-ready", exitCode: 1, logs }],
    });
    expect(r.error).toBe(`readiness-gate of otelCollector failed (exit code 1):\n${logs}`);
  });
});

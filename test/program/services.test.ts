import * as yaml from "js-yaml";
import { isOneShot, labelOf, violations } from "../../policy/guardrails";
import { containersOf, ProgramRun, runProgram, uploadsOf } from "../support/program";
import { pulumiConfigMap, PROJECT, TEST_SECRETS } from "../../harness/stackFiles";

/** dev with Grafana, Loki, Promtail and Tempo switched off, as a small host (and the docker tier) runs it. */
let run: ProgramRun;
beforeAll(async () => {
  const config = {
    ...pulumiConfigMap("dev"),
    [`${PROJECT}:services`]: JSON.stringify({ grafana: false, loki: false, alloy: false, tempo: false }),
  };
  run = await runProgram("dev", config, Object.keys(TEST_SECRETS));
});
const services = () =>
  containersOf(run)
    .filter((c) => !isOneShot(c))
    .map((c) => labelOf(c, "tutordex.observability.service"));
const prometheusYml = () => {
  const sync = containersOf(run).find((c) => c.name === "tutordex-prometheus-config-sync")!;
  return yaml.load(sync.inputs.uploads.find((u: { file: string }) => u.file === "/staging/prometheus.yml").content) as {
    scrape_configs: { job_name: string; static_configs?: { targets: string[] }[] }[];
  };
};

it("runs no container, volume or Grafana resource of a switched-off service", () => {
  expect(services().sort()).toEqual([
    "alertmanager",
    "blackboxExporter",
    "cadvisor",
    "demoWorkload",
    "nodeExporter",
    "otelCollector",
    "prometheus",
    "telegramBridge",
  ]);
  expect(run.resources.filter((r) => r.type.startsWith("grafana:") || r.type === "pulumi:providers:grafana")).toEqual([]);
  expect(
    run.resources
      .filter((r) => r.type === "docker:index/volume:Volume")
      .map((v) => v.inputs.name)
      .filter((n: string) => /grafana|loki|tempo|promtail/.test(n)),
  ).toEqual([]);
  expect(violations(containersOf(run), { stack: "dev", bindAddress: "127.0.0.1" })).toEqual([]);
});

it("Prometheus neither scrapes nor probes what is not there", () => {
  const jobs = prometheusYml().scrape_configs.map((j) => j.job_name);
  for (const gone of ["grafana", "loki", "promtail", "tempo"]) expect(jobs).not.toContain(gone);
  const ready = prometheusYml().scrape_configs.find((j) => j.job_name === "blackbox_stack_ready")!;
  expect(ready.static_configs!.flatMap((s) => s.targets)).toEqual(["http://otel-collector:13133/"]);
});

it("the collector forwards only metrics (to Prometheus), and no alert links a dashboard", () => {
  const collector = containersOf(run).find((c) => c.name === "tutordex-otel-collector")!;
  const otel = yaml.load(uploadsOf(collector)[0].content) as { service: { pipelines: Record<string, unknown> } };
  expect(Object.keys(otel.service.pipelines)).toEqual(["metrics"]);
  const sync = containersOf(run).find((c) => c.name === "tutordex-prometheus-config-sync")!;
  expect(sync.inputs.uploads.find((u: { file: string }) => u.file === "/staging/rules/alert_rules.yml").content).not.toContain(
    "dashboard:",
  );
  expect(run.outputs.urls).toEqual({
    prometheus: "http://127.0.0.1:19090",
    alertmanager: "http://127.0.0.1:19093",
    otlpHttp: "http://127.0.0.1:14318",
    otlpGrpc: "127.0.0.1:14317",
  });
});

it("Prometheus runs without the remote-write receiver when no Tempo writes to it", () => {
  const prometheus = containersOf(run).find((c) => c.name === "tutordex-prometheus")!;
  expect(prometheus.inputs.command).not.toContain("--web.enable-remote-write-receiver");
});

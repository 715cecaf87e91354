import { ProgramRun, runProgram } from "../support/program";
import { pulumiConfigMap, TEST_SECRETS } from "../../harness/stackFiles";

/**
 * What each component of a committed stack registers as its outputs (registerOutputs): the state
 * file keeps them, `pulumi stack export` and the Pulumi console show them, and an operator finds
 * a component's container, config volume or dashboard there. Under the mocks a container's id is
 * `<resource name>-id` and Grafana answers a dashboard's address as http://grafana.mock/d/<uid>.
 */
const prefix = "tutordex-obs-prod";
let prod: ProgramRun;
let dev: ProgramRun;
beforeAll(async () => {
  prod = await runProgram("prod", pulumiConfigMap("prod"), Object.keys(TEST_SECRETS));
  dev = await runProgram("dev", pulumiConfigMap("dev"), Object.keys(TEST_SECRETS));
});

const service = (s: string) => ({ containerName: `${prefix}-${s}` });

it("each service's component: its container; Prometheus and Alertmanager also their config volume", () => {
  const o = prod.componentOutputs;
  expect(o["tutordex:observability:Prometheus::tutordex-prometheus"]).toEqual({
    ...service("prometheus"),
    configVolume: `${prefix}-prometheus-config`,
  });
  expect(o["tutordex:observability:Alertmanager::tutordex-alertmanager"]).toEqual({
    ...service("alertmanager"),
    configVolume: `${prefix}-alertmanager-config`,
  });
  expect(o["tutordex:observability:TelegramBridge::tutordex-telegram-bridge"]).toEqual({
    ...service("telegram-bridge"),
    stateVolume: `${prefix}-telegram-bridge-state`,
  });
  expect(o["tutordex:observability:OtelCollector::tutordex-otel-collector"]).toEqual({ ...service("otel-collector"), healthPort: 13133 });
  for (const [type, s] of [
    ["Grafana", "grafana"],
    ["Loki", "loki"],
    ["Alloy", "alloy"],
    ["Tempo", "tempo"],
    ["Cadvisor", "cadvisor"],
    ["NodeExporter", "node-exporter"],
    ["BlackboxExporter", "blackbox-exporter"],
  ]) {
    expect({ type, outputs: o[`tutordex:observability:${type}::tutordex-${s}`] }).toEqual({ type, outputs: service(s) });
  }
});

it("every ServiceContainer: the Docker name and id of its container", () => {
  const containers = Object.entries(prod.componentOutputs).filter(([k]) => k.startsWith("tutordex:docker:ServiceContainer::"));
  expect(containers.length).toBe(11);
  for (const [key, outputs] of containers) {
    const name = key.split("::")[1];
    expect({ key, outputs }).toEqual({
      key,
      outputs: { containerName: `${prefix}-${name.replace(/^tutordex-/, "")}`, containerId: `${name}-id` },
    });
  }
});

it("config syncs, readiness gates and one-shots: the volume, the probe, the container each made", () => {
  const o = prod.componentOutputs;
  expect(o["tutordex:docker:ConfigSync::tutordex-prometheus-config-sync"]).toEqual({ volumeName: `${prefix}-prometheus-config` });
  expect(o["tutordex:docker:ConfigSync::tutordex-alertmanager-config-sync"]).toEqual({ volumeName: `${prefix}-alertmanager-config` });
  for (const s of ["loki", "alloy", "tempo", "otel-collector"]) {
    expect(o[`tutordex:docker:ReadinessGate::tutordex-${s}-ready`]).toEqual({
      probe: o[`tutordex:docker:OneShot::tutordex-${s}-ready-probe`].containerName,
    });
    expect(o[`tutordex:docker:OneShot::tutordex-${s}-ready-probe`].containerName).toMatch(new RegExp(`^${prefix}-${s}-ready-`));
  }
  expect(o["tutordex:docker:OneShot::tutordex-prometheus-config-sync"].containerName).toMatch(
    new RegExp(`^${prefix}-prometheus-config-sync-[0-9a-f]{10}$`),
  );
});

it("Grafana's provisioning: the datasource uids and one address per dashboard, in order", () => {
  expect(prod.componentOutputs["tutordex:grafana:Provisioning::tutordex-grafana-api"]).toEqual({
    datasourceUids: ["prometheus", "alertmanager", "loki", "tempo"],
    dashboardUrls: [
      "tutordex-home",
      "tutordex-overview",
      "tutordex-infra",
      "tutordex-llm-supabase",
      "tutordex-quality",
      "tutordex-channel-health",
      "tutordex_data_quality",
      "tutordex_matching",
      "tutordex-realtime",
      "tutordex-stack",
    ].map((uid) => `http://grafana.mock/d/${uid}`),
  });
});

it("the stack: every public address, the network, the image of each service", () => {
  const stack = prod.componentOutputs["tutordex:observability:Stack::tutordex"];
  // The same values the program exports (their own tests pin them), under the component too.
  expect({ urls: stack.urls, networkName: stack.networkName, images: stack.images }).toEqual({
    urls: prod.outputs.urls,
    networkName: `${prefix}-net`,
    images: prod.outputs.images,
  });
  expect(stack.urls.grafana).toBe("https://grafana.tutordex.sg");
  expect(stack.images).toHaveLength(11);
});

it("the demo workload of the dev stack: its container", () => {
  const key = Object.keys(dev.componentOutputs).find((k) => k.startsWith("tutordex:observability:DemoWorkload::"));
  expect(key && dev.componentOutputs[key]).toEqual({ containerName: "tutordex-obs-dev-demo-app" });
});

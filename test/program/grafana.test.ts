import { dockerNetworkPeers } from "../../config/services";
import { DASHBOARDS } from "../../dashboards";
import { GRAFANA_START } from "../../components/grafana";
import { grafanaDatasources } from "../../generators/grafanaDatasources";
import { containerNamed, ProgramRun, runProgram } from "../support/program";
import { pulumiConfigMap, PROJECT, TEST_SECRETS } from "../../harness/stackFiles";
import { stackConfig } from "../../harness/fixtures";

let run: ProgramRun;
beforeAll(async () => {
  run = await runProgram("prod", pulumiConfigMap("prod"), Object.keys(TEST_SECRETS));
});
const ofType = (suffix: string, r = run) => r.resources.filter((x) => x.type.startsWith("grafana:") && x.type.endsWith(suffix));

it("provisions four datasources, the TutorDex folder and ten dashboards through the API", () => {
  expect(ofType("DataSource").map((d) => d.inputs.uid)).toEqual(["prometheus", "alertmanager", "loki", "tempo"]);
  expect(ofType("Folder").map((f) => [f.inputs.uid, f.inputs.title])).toEqual([["tutordex", "TutorDex"]]);
  expect(ofType("Dashboard")).toHaveLength(10);
});

it("every Grafana resource waits for the Grafana container and uses the Grafana provider", () => {
  for (const r of [...ofType("DataSource"), ...ofType("Folder"), ...ofType("Dashboard")]) {
    expect({ name: r.name, dependsOn: r.options.dependsOn }).toEqual({ name: r.name, dependsOn: ["tutordex-grafana"] });
    expect({ name: r.name, provider: r.options.provider }).toEqual({ name: r.name, provider: "tutordex-grafana-api-provider" });
  }
});

it("the provider talks to the stack's own published Grafana, not the public name, with secret basic auth and retries", () => {
  const provider = run.resources.find((r) => r.type === "pulumi:providers:grafana")!;
  expect(provider.inputs.url).toBe("http://127.0.0.1:3300");
  expect(provider.inputs.url).toBe(stackConfig("prod").grafanaApiUrl);
  expect(provider.secretInputs).toContain("auth");
  expect(Number(provider.inputs.retries)).toBeGreaterThanOrEqual(10);
});

it("dashboard JSON is exactly the builder output, in the folder, overwriting UI drift", () => {
  const byUid = new Map(ofType("Dashboard").map((d) => [JSON.parse(d.inputs.configJson).uid, d]));
  for (const d of DASHBOARDS) {
    const r = byUid.get(d.uid)!;
    expect(r.inputs.configJson).toBe(JSON.stringify(d));
    expect(r.inputs.folder).toBe("tutordex");
    expect(r.inputs.overwrite).toBe(true);
  }
});

it("datasource JSON is the generator's, with every cross-link", () => {
  const expected = grafanaDatasources(dockerNetworkPeers(), stackConfig("prod"));
  for (const r of ofType("DataSource")) {
    const spec = expected.find((e) => e.uid === r.inputs.uid)!;
    expect(JSON.parse(r.inputs.jsonDataEncoded)).toEqual(spec.jsonData);
    expect([r.inputs.url, r.inputs.isDefault, r.inputs.name, r.inputs.type]).toEqual([spec.url, spec.isDefault, spec.name, spec.type]);
  }
});

it("every Grafana start sets the admin password to the configured secret before Grafana's own entrypoint", () => {
  const grafana = containerNamed(run, "tutordex-grafana");
  expect(grafana.inputs.entrypoints).toEqual(["/bin/sh", "-c", GRAFANA_START]);
  expect(GRAFANA_START).toMatch(/^grafana cli admin reset-admin-password "\$GF_SECURITY_ADMIN_PASSWORD" .*; exec \/run\.sh$/);
  expect(grafana.secretInputs).toContain("envs");
});

it("grafanaApiUrl overrides the provider URL; the external URL stays for links", async () => {
  const config = { ...pulumiConfigMap("prod"), [`${PROJECT}:grafanaApiUrl`]: "http://10.0.0.5:3300" };
  const other = await runProgram("prod", config, Object.keys(TEST_SECRETS));
  expect(other.resources.find((r) => r.type === "pulumi:providers:grafana")!.inputs.url).toBe("http://10.0.0.5:3300");
  expect(JSON.stringify(containerNamed(other, "tutordex-grafana").inputs.envs)).toContain("GF_SERVER_ROOT_URL=https://grafana.tutordex.sg");
});

import { DASHBOARDS } from "../../dashboards";
import { dockerNetworkPeers } from "../../config/services";
import { grafanaDatasources } from "../../generators/grafanaDatasources";
import { ProgramRun, runProgram } from "../support/program";
import { pulumiConfigMap, TEST_SECRETS } from "../support/stackFiles";

let run: ProgramRun;
beforeAll(async () => {
  run = await runProgram("prod", pulumiConfigMap("prod"), Object.keys(TEST_SECRETS));
});
const ofType = (suffix: string) => run.resources.filter((r) => r.type.startsWith("grafana:") && r.type.endsWith(suffix));

it("provisions three datasources, the TutorDex folder and ten dashboards through the API", () => {
  expect(ofType("DataSource").map((d) => d.inputs.uid)).toEqual(["prometheus", "loki", "tempo"]);
  expect(ofType("Folder").map((f) => [f.inputs.uid, f.inputs.title])).toEqual([["tutordex", "TutorDex"]]);
  expect(ofType("Dashboard")).toHaveLength(10);
});

it("every Grafana resource waits for the Grafana container and uses the Grafana provider", () => {
  const grafanaResources = [...ofType("DataSource"), ...ofType("Folder"), ...ofType("Dashboard")];
  for (const r of grafanaResources) {
    expect({ name: r.name, dependsOn: r.options.dependsOn }).toEqual({ name: r.name, dependsOn: ["tutordex-grafana"] });
    expect({ name: r.name, provider: r.options.provider }).toEqual({ name: r.name, provider: "tutordex-grafana-api-provider" });
  }
});

it("the provider talks to Grafana's external URL with secret basic auth and retries", () => {
  const provider = run.resources.find((r) => r.type === "pulumi:providers:grafana")!;
  expect(provider.inputs.url).toBe("https://grafana.tutordex.sg");
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
  const expected = grafanaDatasources(dockerNetworkPeers());
  for (const r of ofType("DataSource")) {
    const spec = expected.find((e) => e.uid === r.inputs.uid)!;
    expect(JSON.parse(r.inputs.jsonDataEncoded)).toEqual(spec.jsonData);
    expect([r.inputs.url, r.inputs.isDefault]).toEqual([spec.url, spec.isDefault]);
  }
});

import { stackConfigFromFile } from "../../config/stackFile";
import { renderStackFiles } from "../../generators/stackFiles";
import { containersOf, ProgramRun, runProgram, uploadsOf } from "../support/program";
import { pulumiConfigMap, ROOT, TEST_SECRETS } from "../../harness/stackFiles";

let run: ProgramRun;
beforeAll(async () => {
  run = await runProgram("prod", pulumiConfigMap("prod"), Object.keys(TEST_SECRETS));
});

it("what obs render writes (from the committed file, without secrets) is exactly what pulumi up delivers", () => {
  const files = renderStackFiles(stackConfigFromFile(ROOT, "prod"));
  const delivered: Record<string, string> = {};
  const uploads = (name: string) => uploadsOf(containersOf(run).find((c) => c.name === name)!);
  for (const u of uploads("tutordex-prometheus-config-sync")) delivered[`prometheus/${u.file.replace("/staging/", "")}`] = u.content;
  for (const u of uploads("tutordex-alertmanager-config-sync")) delivered[`alertmanager/${u.file.replace("/staging/", "")}`] = u.content;
  delivered["blackbox/blackbox.yml"] = uploads("tutordex-blackbox-exporter")[0].content;
  delivered["loki/loki.yml"] = uploads("tutordex-loki")[0].content;
  delivered["alloy/config.alloy"] = uploads("tutordex-alloy")[0].content;
  delivered["tempo/tempo.yml"] = uploads("tutordex-tempo")[0].content;
  delivered["otel-collector/otel-collector.yml"] = uploads("tutordex-otel-collector")[0].content;
  for (const [rel, text] of Object.entries(delivered)) expect({ rel, same: files[rel] === text }).toEqual({ rel, same: true });
  const dashboards = run.resources.filter((r) => r.type === "grafana:oss/dashboard:Dashboard");
  for (const d of dashboards) {
    const json = JSON.parse(d.inputs.configJson);
    expect(JSON.parse(files[`grafana/dashboards/${json.uid}.json`])).toEqual(json);
  }
  const datasources = run.resources
    .filter((r) => r.type === "grafana:oss/dataSource:DataSource")
    .map((r) => ({ uid: r.inputs.uid, jsonData: JSON.parse(r.inputs.jsonDataEncoded) }));
  expect(
    JSON.parse(files["grafana/datasources.json"]).map((d: { uid: string; jsonData: unknown }) => ({ uid: d.uid, jsonData: d.jsonData })),
  ).toEqual(datasources);
  expect(Object.keys(delivered).length + dashboards.length + 1).toBe(Object.keys(files).length);
});

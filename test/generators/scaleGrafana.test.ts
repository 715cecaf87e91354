import { parseStackConfig, rawConfigFromPulumi, StackConfig } from "../../config/schema";
import { dockerNetworkPeers } from "../../config/services";
import { DASHBOARDS } from "../../dashboards";
import { DATASOURCE_VARIABLE, LOKI, METRICS } from "../../dashboards/builder";
import { DATASOURCE_NAMES, grafanaDatasources } from "../../generators/grafanaDatasources";
import { renderStackFiles } from "../../generators/stackFiles";
import { PROJECT, pulumiConfigMap, secretKeySet } from "../../harness/stackFiles";

/** The long-term store in Grafana: a second Prometheus-type datasource, and dashboards that read either. */

const TOKEN = "glc_eyJrIjoi-read-write-9e1";
const PASSWORD = "mimir-basic-password-44";

function withStores(stores: Record<string, unknown>[], credentials: Record<string, string>): StackConfig {
  const raw = { ...rawConfigFromPulumi(PROJECT, pulumiConfigMap("prod")), remoteWrite: { stores }, remoteWriteCredentials: credentials };
  return parseStackConfig("prod", raw, new Set([...secretKeySet(), "remoteWriteCredentials"]));
}

const MIMIR = {
  name: "mimir",
  url: "https://mimir.internal/api/v1/push",
  auth: { type: "basic", username: "tutordex" },
  headers: { "X-Scope-OrgID": "tutordex-prod" },
  queryUrl: "https://mimir.internal/prometheus/",
};
const CLOUD = {
  name: "cloud",
  url: "https://prometheus-prod-01-eu-west-0.grafana.net/api/prom/push",
  auth: { type: "bearer" },
  queryUrl: "https://prometheus-prod-01-eu-west-0.grafana.net/api/prom",
};

describe("the long-term datasource", () => {
  it("exists only when a store names where Grafana queries it", () => {
    const plain = parseStackConfig("prod", rawConfigFromPulumi(PROJECT, pulumiConfigMap("prod")), secretKeySet());
    expect(grafanaDatasources(dockerNetworkPeers(), plain).map((d) => d.uid)).toEqual(["prometheus", "alertmanager", "loki", "tempo"]);
    const writeOnly = withStores([{ ...MIMIR, queryUrl: undefined }], { mimir: PASSWORD });
    expect(grafanaDatasources(dockerNetworkPeers(), writeOnly).map((d) => d.uid)).toEqual(["prometheus", "alertmanager", "loki", "tempo"]);
  });

  it("sits next to the local Prometheus with a fixed uid, the store's read path, its tenant and a reference to its credential", () => {
    const ds = grafanaDatasources(dockerNetworkPeers(), withStores([MIMIR], { mimir: PASSWORD }));
    expect(ds.map((d) => d.uid)).toEqual(["prometheus", "longterm", "alertmanager", "loki", "tempo"]);
    expect(ds[1]).toEqual({
      uid: "longterm",
      name: DATASOURCE_NAMES.longterm,
      type: "prometheus",
      url: "https://mimir.internal/prometheus",
      isDefault: false,
      jsonData: { httpMethod: "POST", timeInterval: "15s", manageAlerts: false },
      credentials: { store: "mimir", auth: { type: "basic", username: "tutordex" } },
      httpHeaders: { "X-Scope-OrgID": "tutordex-prod" },
    });
    expect(ds.filter((d) => d.isDefault).map((d) => d.uid)).toEqual(["prometheus"]);
  });

  it("a bearer store is read with its token; the datasources file holds neither token nor password", () => {
    const c = withStores([{ ...MIMIR, queryUrl: undefined }, CLOUD], { mimir: PASSWORD, cloud: TOKEN });
    expect(grafanaDatasources(dockerNetworkPeers(), c).find((d) => d.uid === "longterm")!.credentials).toEqual({
      store: "cloud",
      auth: { type: "bearer" },
    });
    const json = renderStackFiles(c)["grafana/datasources.json"];
    expect(JSON.parse(json).map((d: { uid: string }) => d.uid)).toContain("longterm");
    expect([json.includes(TOKEN), json.includes(PASSWORD)]).toEqual([false, false]);
  });
});

describe("every dashboard reads the local Prometheus or the long-term store", () => {
  it.each(DASHBOARDS.map((d) => [d.uid, d] as const))(
    "%s: a $datasource picker of Prometheus-type datasources, the local one by default",
    (_uid, d) => {
      const list = (d.templating as { list: Record<string, any>[] }).list;
      expect(list[0]).toEqual(DATASOURCE_VARIABLE);
      expect([list[0].name, list[0].type, list[0].query, list[0].current.value]).toEqual([
        "datasource",
        "datasource",
        "prometheus",
        "prometheus",
      ]);
      // The picker offers exactly the datasources of that type: both the local and the long-term one.
      const types = grafanaDatasources(dockerNetworkPeers(), withStores([MIMIR], { mimir: PASSWORD }))
        .filter((x) => x.type === list[0].query)
        .map((x) => x.uid);
      expect(types).toEqual(["prometheus", "longterm"]);
      // Query variables list their values from the chosen source too.
      for (const v of list.slice(1))
        expect({ variable: v.name, datasource: v.datasource }).toEqual({ variable: v.name, datasource: METRICS });
    },
  );

  it("every PromQL panel and target queries ${datasource}; log panels stay on Loki", () => {
    const panels = DASHBOARDS.flatMap((d) => d.panels.map((p) => ({ dashboard: d.uid, ...p })));
    const targets = panels.flatMap((p) => (p.targets ?? []).map((t) => ({ dashboard: p.dashboard, panel: p.title, ...t.datasource })));
    const fixed = targets.filter((t) => t.type === "prometheus" && t.uid !== METRICS.uid);
    expect(fixed).toEqual([]);
    expect(targets.filter((t) => t.uid === METRICS.uid).length).toBeGreaterThan(80);
    expect(targets.filter((t) => t.type === "loki").every((t) => t.uid === LOKI.uid)).toBe(true);
    expect(panels.filter((p) => p.datasource?.type === "prometheus" && p.datasource.uid !== METRICS.uid)).toEqual([]);
  });
});

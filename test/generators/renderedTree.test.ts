import { SERVICE_NAMES } from "../../config/services";
import { renderStack, renderStackFiles } from "../../generators/stackFiles";
import { stackConfig } from "../../harness/fixtures";

/**
 * The folder `obs render` writes (and reviewers diff): which file holds which render, under which
 * path, in which text form. The contents are checked by the other generator tests.
 */
const DASHBOARD_FILES = [
  "grafana/dashboards/tutordex-channel-health.json",
  "grafana/dashboards/tutordex-home.json",
  "grafana/dashboards/tutordex-infra.json",
  "grafana/dashboards/tutordex-llm-supabase.json",
  "grafana/dashboards/tutordex-overview.json",
  "grafana/dashboards/tutordex-quality.json",
  "grafana/dashboards/tutordex-realtime.json",
  "grafana/dashboards/tutordex-stack.json",
  "grafana/dashboards/tutordex_data_quality.json",
  "grafana/dashboards/tutordex_matching.json",
];
const FULL_TREE = [
  "alertmanager/alertmanager.yml",
  "blackbox/blackbox.yml",
  ...DASHBOARD_FILES,
  "grafana/datasources.json",
  "loki/loki.yml",
  "otel-collector/otel-collector.yml",
  "prometheus/prometheus.yml",
  "prometheus/rules/alert_rules.yml",
  "prometheus/rules/recording_rules.yml",
  "promtail/promtail.yml",
  "tempo/tempo.yml",
];
const servicesOff = (...off: string[]) => ({
  services: Object.fromEntries(SERVICE_NAMES.filter((s) => s !== "promtail").map((s) => [s, !off.includes(s)])),
});

describe.each(["dev", "staging", "prod"])("the rendered folder of stack %s", (stack) => {
  // With Promtail, the agent SPEC names; with Alloy, the default, below.
  const render = renderStack(stackConfig(stack, { logAgent: "promtail" }));
  const files = renderStackFiles(stackConfig(stack, { logAgent: "promtail" }));

  it("holds one file per service config, rule file, datasource list and dashboard, under SPEC's service names", () => {
    expect(Object.keys(files).sort()).toEqual(FULL_TREE);
  });

  it("each file is its render, byte for byte; JSON indented by two spaces and ending in a newline", () => {
    expect(files["prometheus/prometheus.yml"]).toBe(render.prometheus["prometheus.yml"]);
    expect(files["prometheus/rules/alert_rules.yml"]).toBe(render.prometheus["rules/alert_rules.yml"]);
    expect(files["alertmanager/alertmanager.yml"]).toBe(render.alertmanager["alertmanager.yml"]);
    expect([
      files["blackbox/blackbox.yml"],
      files["loki/loki.yml"],
      files["promtail/promtail.yml"],
      files["tempo/tempo.yml"],
      files["otel-collector/otel-collector.yml"],
    ]).toEqual([render.blackboxExporter, render.loki, render.promtail, render.tempo, render.otelCollector]);
    expect(files["grafana/datasources.json"]).toBe(`${JSON.stringify(render.grafana!.datasources, null, 2)}\n`);
    expect(files["grafana/datasources.json"].startsWith('[\n  {\n    "uid": "prometheus",\n')).toBe(true);
    const home = render.grafana!.dashboards.find((d) => d.uid === "tutordex-home")!;
    expect(files["grafana/dashboards/tutordex-home.json"]).toBe(`${JSON.stringify(home, null, 2)}\n`);
  });
});

describe("a smaller stack renders a smaller folder", () => {
  it("with Alloy, the default log agent: alloy/config.alloy instead of promtail/promtail.yml", () => {
    const files = Object.keys(renderStackFiles(stackConfig("dev"))).sort();
    expect(files).toEqual([...FULL_TREE.filter((f) => f !== "promtail/promtail.yml"), "alloy/config.alloy"].sort());
  });

  it("without Grafana, blackbox, Loki, Tempo and the collector: only Prometheus and Alertmanager files", () => {
    const files = Object.keys(
      renderStackFiles(stackConfig("dev", servicesOff("grafana", "blackboxExporter", "loki", "alloy", "tempo", "otelCollector"))),
    ).sort();
    expect(files).toEqual([
      "alertmanager/alertmanager.yml",
      "prometheus/prometheus.yml",
      "prometheus/rules/alert_rules.yml",
      "prometheus/rules/recording_rules.yml",
    ]);
  });
});

import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { renderStack } from "../../generators/stackFiles";
import { ALERTS } from "../../rules/catalog";
import { stackConfig } from "../../harness/fixtures";
import { promtoolTest } from "./ruleCases/promtool";

/**
 * Runbook and Grafana URLs end up inside alert annotations, which Prometheus expands as Go
 * templates; label values are expanded into them. Awkward characters must come out of the real
 * promtool exactly as written; `{{`, which would make the annotation a different template (or
 * fail config-sync at deploy), is refused when the stack is validated.
 */
const tmp = fs.mkdtempSync(path.join(os.tmpdir(), "hostile-urls-"));
afterAll(() => fs.rmSync(tmp, { recursive: true, force: true }));

// In the path: paths are appended to both, so the stack refuses a ?query or #fragment in them.
const RUNBOOKS = `https://wiki.test/ops/space=on-call&page="runbooks"&x='1'<%41>`;
const GRAFANA = "https://grafana.test/g/orgId=1&kiosk";
/** Label values are data to Prometheus's templates, never template text. */
const INSTANCE = `prometheus:9090/{{ .Bad }}&<b>"x"`;

const rules = () => renderStack(stackConfig("prod", { runbookBaseUrl: RUNBOOKS, grafanaExternalUrl: GRAFANA })).prometheus;
const ruleFiles = () => Object.fromEntries(Object.entries(rules()).flatMap(([rel, text]) => (rel.startsWith("rules/") ? [[rel.slice("rules/".length), text]] : [])));

it("promtool expands runbook, dashboard and label values character for character", () => {
  const reload = ALERTS.find((a) => a.alert === "PrometheusConfigReloadFailed")!;
  const r = promtoolTest(path.join(tmp, "expand"), ruleFiles(), [
    {
      name: "awkward URLs and label values",
      input_series: [{ series: `prometheus_config_last_reload_successful{job="prometheus",instance=${JSON.stringify(INSTANCE)}}`, values: "0x15" }],
      alert_rule_test: [
        { eval_time: "0m", alertname: "Watchdog", pins: [], exp_alerts: [{ exp_labels: { severity: "none", component: "observability" }, exp_annotations: { summary: ALERTS.find((a) => a.alert === "Watchdog")!.summary, description: ALERTS.find((a) => a.alert === "Watchdog")!.description, runbook_url: `${RUNBOOKS}/Watchdog.md` } }] },
        {
          eval_time: "6m",
          alertname: reload.alert,
          pins: [],
          exp_alerts: [
            {
              exp_labels: { severity: reload.severity, component: reload.component, job: "prometheus", instance: INSTANCE },
              exp_annotations: {
                summary: reload.summary,
                description: reload.description.replace("{{ $labels.instance }}", INSTANCE),
                runbook_url: `${RUNBOOKS}/${reload.alert}.md`,
                dashboard: `${GRAFANA}/d/${reload.dashboard}`,
              },
            },
          ],
        },
      ],
    },
  ]);
  expect({ status: r.status, output: r.output }).toEqual({ status: 0, output: expect.stringContaining("SUCCESS") });
});

it.each([
  ["runbookBaseUrl", { runbookBaseUrl: "https://wiki.test/{{ team }}/runbooks" }],
  ["grafanaExternalUrl", { grafanaExternalUrl: "https://grafana.test/?q={{x}}" }],
  ["alertmanagerExternalUrl", { alertmanagerExternalUrl: "https://am.test/}}" }],
])("%s holding template braces is refused when the stack is validated, naming the key", (key, patch) => {
  expect(() => stackConfig("prod", patch)).toThrow(new RegExp(`${key}.*\\{\\{ or \\}\\}`));
});

import * as yaml from "js-yaml";
import { dockerNetworkPeers, SERVICE_NAMES } from "../../config/services";
import { renderPrometheusConfig } from "../../generators/prometheus";
import { renderStack } from "../../generators/stackFiles";
import { stackConfig } from "../support/fixtures";

/**
 * prometheus.yml as committed stacks render it, the parts test/generators/prometheus.test.ts
 * leaves open: every job as a whole object (nothing added, nothing missing), what switching a
 * service off removes, native histograms, peer Alertmanagers, and the timings the live tier
 * shortens. Values are docs/spec.md §2 literals, not read back from generators/prometheus.ts.
 */
interface Job {
  job_name: string;
  [key: string]: unknown;
}
type Doc = Record<string, any> & { scrape_configs: Job[] };

const load = (text: string) => yaml.load(text) as Doc;
const deployed = (stack: string, patch: Record<string, unknown> = {}) =>
  load(renderStack(stackConfig(stack, patch)).prometheus["prometheus.yml"]);
const jobOf = (doc: Doc, name: string) => doc.scrape_configs.find((j) => j.job_name === name);
const names = (doc: Doc) => doc.scrape_configs.map((j) => j.job_name);
/** Every service on but the ones named (the services' own dependencies are the caller's business). */
const servicesOff = (...off: string[]) => ({
  services: Object.fromEntries(SERVICE_NAMES.filter((s) => s !== "promtail").map((s) => [s, !off.includes(s)])),
});

/** docs/spec.md §2: a probe job asks blackbox for `?target=<url>&module=<module>` and keeps the URL as `instance`. */
const PROBE_RELABELING = [
  { source_labels: ["__address__"], target_label: "__param_target" },
  { source_labels: ["__param_target"], target_label: "instance" },
  { source_labels: ["module"], target_label: "__param_module" },
  { target_label: "__address__", replacement: "blackbox-exporter:9115" },
];

/** The credentials Prometheus sends to a protected API (docs/threat-model.md): user and the file components/prometheus.ts uploads. */
const basicAuth = (api: string) => ({ basic_auth: { username: "tutordex-obs", password_file: `/etc/prometheus-secrets/${api}-password` } });

describe("prometheus.yml of the committed prod stack, job by job", () => {
  const doc = deployed("prod");

  it.each([
    ["prometheus", "prometheus:9090"],
    ["alertmanager", "alertmanager:9093"],
    ["blackbox_exporter", "blackbox-exporter:9115"],
  ])("%s scrapes %s with the global interval, timeout and /metrics, sending that API's password", (name, target) => {
    expect(jobOf(doc, name)).toEqual({ job_name: name, ...basicAuth(target.split(":")[0]), static_configs: [{ targets: [target] }] });
  });

  it.each([
    ["cadvisor", "cadvisor:8080"],
    ["node_exporter", "node-exporter:9100"],
    ["grafana", "grafana:3000"],
    ["loki", "loki:3100"],
    ["alloy", "alloy:12345"],
    ["tempo", "tempo:3200"],
    ["otel_collector", "otel-collector:8888"],
    ["telegram_bridge", "telegram-bridge:8080"],
  ])("%s scrapes %s with the global interval, timeout and /metrics (nothing else set)", (name, target) => {
    expect(jobOf(doc, name)).toEqual({ job_name: name, static_configs: [{ targets: [target] }] });
  });

  it("blackbox_stack_ready probes Loki's and Tempo's /ready and the collector's health port, each labelled with its service", () => {
    expect(jobOf(doc, "blackbox_stack_ready")).toEqual({
      job_name: "blackbox_stack_ready",
      metrics_path: "/probe",
      scrape_timeout: "15s",
      ...basicAuth("blackbox-exporter"),
      static_configs: [
        { targets: ["http://loki:3100/ready"], labels: { module: "http_2xx", service: "loki" } },
        { targets: ["http://tempo:3200/ready"], labels: { module: "http_2xx", service: "tempo" } },
        { targets: ["http://otel-collector:13133/"], labels: { module: "http_2xx", service: "otel_collector" } },
      ],
      relabel_configs: PROBE_RELABELING,
    });
  });

  it("blackbox_http is the internal probe job and nothing more: /probe, 15 s, the global interval", () => {
    const { static_configs: _targets, ...rest } = jobOf(doc, "blackbox_http")!;
    expect(rest).toEqual({
      job_name: "blackbox_http",
      metrics_path: "/probe",
      scrape_timeout: "15s",
      ...basicAuth("blackbox-exporter"),
      relabel_configs: PROBE_RELABELING,
    });
  });

  it("blackbox_http_public probes each public URL through blackbox every 60 s within 20 s, instance rewritten to the URL", () => {
    expect(jobOf(doc, "blackbox_http_public")).toEqual({
      job_name: "blackbox_http_public",
      metrics_path: "/probe",
      scrape_interval: "60s",
      scrape_timeout: "20s",
      ...basicAuth("blackbox-exporter"),
      static_configs: [
        {
          targets: ["https://api.tutordex.sg/health"],
          labels: { module: "http_2xx_sni", public_host: "api.tutordex.sg", probe_route: "/health" },
        },
        {
          targets: ["https://api.tutordex.sg/health/dependencies"],
          labels: { module: "http_2xx_sni", public_host: "api.tutordex.sg", probe_route: "/health/dependencies" },
        },
      ],
      relabel_configs: PROBE_RELABELING,
    });
  });

  it("has the top-level sections SPEC §2 and the OTLP receiver need, and no others (no remote_write without stores)", () => {
    expect(Object.keys(doc)).toEqual(["global", "alerting", "rule_files", "otlp", "storage", "scrape_configs"]);
  });

  it("the public probe's route label is the URL's path, query left out, whatever host is probed", () => {
    const doc2 = deployed("prod", { publicProbes: { host: "api.tutordex.sg", urls: ["https://10.0.0.9:8443/health?deep=1&x=<y>"] } });
    expect((jobOf(doc2, "blackbox_http_public")!.static_configs as unknown[])[0]).toEqual({
      targets: ["https://10.0.0.9:8443/health?deep=1&x=<y>"],
      labels: { module: "http_2xx_sni", public_host: "api.tutordex.sg", probe_route: "/health" },
    });
  });
});

describe("a switched-off service takes its jobs with it", () => {
  it("without cAdvisor and node_exporter their jobs are gone and everything else stays", () => {
    const all = names(deployed("prod"));
    expect(names(deployed("prod", servicesOff("cadvisor", "nodeExporter")))).toEqual(
      all.filter((n) => n !== "cadvisor" && n !== "node_exporter"),
    );
  });

  it("each stack service's self-scrape job follows its switch", () => {
    const doc = deployed("dev", servicesOff("grafana", "tempo"));
    expect(names(doc)).not.toContain("grafana");
    expect(names(doc)).not.toContain("tempo");
    expect(names(doc)).toContain("loki");
  });

  it("the readiness probe job lists only the running Loki, Tempo and collector", () => {
    const targets = (patch: Record<string, unknown>) =>
      ((jobOf(deployed("dev", patch), "blackbox_stack_ready")?.static_configs ?? []) as { labels: { service: string } }[]).map(
        (s) => s.labels.service,
      );
    expect(targets(servicesOff("tempo"))).toEqual(["loki", "otel_collector"]);
    expect(targets(servicesOff("loki", "alloy"))).toEqual(["tempo", "otel_collector"]);
    // Tempo receives traces only through the collector, so it goes with it.
    expect(targets(servicesOff("otelCollector", "tempo"))).toEqual(["loki"]);
  });

  it("with none of Loki, Tempo and the collector there is no readiness probe job at all", () => {
    const doc = deployed("dev", servicesOff("loki", "alloy", "tempo", "otelCollector"));
    expect(names(doc)).not.toContain("blackbox_stack_ready");
    expect(names(doc)).toContain("blackbox_http");
  });

  it("without blackbox_exporter there is no probe job and no blackbox_exporter self-scrape", () => {
    const doc = deployed("dev", servicesOff("blackboxExporter"));
    expect(names(doc).filter((n) => n.startsWith("blackbox"))).toEqual([]);
  });
});

describe("stack-level settings in prometheus.yml", () => {
  it("nativeHistograms: true scrapes native histograms and keeps the classic buckets beside them, in the global section only", () => {
    const doc = deployed("dev", { nativeHistograms: true });
    expect(doc.global).toEqual({
      scrape_interval: "15s",
      evaluation_interval: "15s",
      external_labels: { stack: "dev", environment: "dev" },
      scrape_native_histograms: true,
      always_scrape_classic_histograms: true,
    });
    const plain = deployed("dev");
    expect({ ...doc, global: plain.global }).toEqual(plain);
  });

  it("nativeHistograms off (every committed stack) leaves both settings out", () => {
    for (const stack of ["dev", "staging", "prod"])
      expect(Object.keys(deployed(stack).global)).toEqual(["scrape_interval", "evaluation_interval", "external_labels"]);
  });

  it("the staging stack labels its series as staging", () => {
    expect(deployed("staging").global.external_labels).toEqual({ stack: "staging", environment: "staging" });
  });
});

describe("the timings and paths the live tier passes (same renderer, shorter clocks)", () => {
  const config = stackConfig("prod");
  const doc = load(
    renderPrometheusConfig(config, dockerNetworkPeers(), {
      rulesDir: "/tmp/r",
      scrapeInterval: "1s",
      evaluationInterval: "2s",
      publicProbeInterval: "3s",
      publicProbeTimeout: "4s",
      probeScrapeTimeout: "5s",
    }),
  );

  it("every override lands where it belongs and nowhere else", () => {
    expect([doc.global.scrape_interval, doc.global.evaluation_interval]).toEqual(["1s", "2s"]);
    expect(doc.rule_files).toEqual(["/tmp/r/alert_rules.yml", "/tmp/r/recording_rules.yml"]);
    expect([jobOf(doc, "blackbox_http")!.scrape_timeout, jobOf(doc, "blackbox_stack_ready")!.scrape_timeout]).toEqual(["5s", "5s"]);
    const pub = jobOf(doc, "blackbox_http_public")!;
    expect([pub.scrape_interval, pub.scrape_timeout]).toEqual(["3s", "4s"]);
    expect(jobOf(doc, "tutordex_backend")!.scrape_timeout).toBe("10s");
  });
});

describe("remote_write in prometheus.yml", () => {
  // Dev accepts the credential in plain text; prometheus.yml names only its file.
  const PATCH = {
    remoteWrite: { stores: [{ name: "mimir", url: "https://mimir.test/api/v1/push", auth: { type: "basic", username: "u" } }] },
    remoteWriteCredentials: { mimir: "dev-password-1234" },
  };

  it("sits between the rule files and the OTLP section, its credential file in the container's secrets folder", () => {
    const doc = deployed("dev", PATCH);
    expect(Object.keys(doc)).toEqual(["global", "alerting", "rule_files", "remote_write", "otlp", "storage", "scrape_configs"]);
    expect(doc.remote_write[0].basic_auth).toEqual({ username: "u", password_file: "/etc/prometheus-secrets/remote-write-mimir" });
  });

  it("reads its credential files from the folder the live tier passes", () => {
    const doc = load(
      renderPrometheusConfig(stackConfig("dev", PATCH), dockerNetworkPeers(), { rulesDir: "rules", secretsDir: "/tmp/secrets" }),
    );
    expect(doc.remote_write[0].basic_auth).toEqual({ username: "u", password_file: "/tmp/secrets/remote-write-mimir" });
  });
});

import * as yaml from "js-yaml";
import { dockerNetworkPeers } from "../../config/services";
import { INTERNAL_PROBE_TIMEOUT, renderBlackboxConfig } from "../../generators/blackbox";
import { renderStack } from "../../generators/stackFiles";
import { stackConfig } from "../support/fixtures";

interface Job {
  job_name: string;
  scrape_interval?: string;
  scrape_timeout?: string;
  metrics_path?: string;
  static_configs: { targets: string[]; labels?: Record<string, string> }[];
  relabel_configs?: { source_labels?: string[]; target_label?: string; replacement?: string }[];
}

/** What each committed stack really deploys: prometheus.yml from the stack's one render. */
// docs/spec.md §2 names a promtail job: the committed stacks with Promtail (Alloy, the default, scrapes as job alloy).
const deployed = (stack: string) =>
  yaml.load(renderStack(stackConfig(stack, { logAgent: "promtail" })).prometheus["prometheus.yml"]) as Record<string, any> & {
    scrape_configs: Job[];
  };

describe.each(["dev", "staging", "prod"])("prometheus.yml of stack %s, field by field against SPEC §2", (stack) => {
  const doc = deployed(stack);
  const job = (name: string) => {
    const j = doc.scrape_configs.find((x) => x.job_name === name);
    if (!j) throw new Error(`no job ${name}`);
    return j;
  };

  it("scrapes and evaluates every 15 s, labels the stack and environment, alerts the stack's Alertmanager", () => {
    expect(doc.global).toEqual({ scrape_interval: "15s", evaluation_interval: "15s", external_labels: { stack, environment: stack } });
    expect(doc.alerting).toEqual({
      alertmanagers: [
        {
          basic_auth: { username: "tutordex-obs", password_file: "/etc/prometheus-secrets/alertmanager-password" },
          static_configs: [{ targets: ["alertmanager:9093"] }],
        },
      ],
    });
    expect(doc.rule_files).toEqual(["rules/alert_rules.yml", "rules/recording_rules.yml"]);
  });

  it("has exactly the SPEC jobs and the stack's own, by name", () => {
    expect(doc.scrape_configs.map((j) => j.job_name)).toEqual([
      "prometheus",
      "cadvisor",
      "node_exporter",
      "tutordex_collector",
      "tutordex_worker",
      "tutordex_backend",
      "blackbox_http",
      "blackbox_stack_ready",
      "alertmanager",
      "grafana",
      "loki",
      "promtail",
      "tempo",
      "otel_collector",
      "blackbox_exporter",
      "telegram_bridge",
      ...(stackConfig(stack).publicProbes ? ["blackbox_http_public"] : []),
    ]);
  });

  it.each([
    ["tutordex_collector", "collector-tail:9001", "collector"],
    ["tutordex_worker", "aggregator-worker:9002", "worker"],
    ["tutordex_backend", "backend:8000", "backend"],
  ])("%s scrapes %s /metrics within 10 s with component=%s", (name, target, component) => {
    expect(job(name)).toEqual({
      job_name: name,
      metrics_path: "/metrics",
      scrape_timeout: "10s",
      static_configs: [{ targets: [target], labels: { component } }],
    });
  });

  it("probes the application's health endpoints through blackbox, checking the backend's dependency report by its body", () => {
    expect(job("blackbox_http").static_configs).toEqual([
      {
        targets: [
          "http://collector-tail:9001/health/collector",
          "http://aggregator-worker:9002/health/worker",
          "http://backend:8000/health",
        ],
        labels: { module: "http_2xx" },
      },
      { targets: ["http://backend:8000/health/dependencies"], labels: { module: "http_2xx_json_ok" } },
    ]);
    expect(job("blackbox_http").metrics_path).toBe("/probe");
    expect(job("blackbox_http").relabel_configs).toEqual([
      { source_labels: ["__address__"], target_label: "__param_target" },
      { source_labels: ["__param_target"], target_label: "instance" },
      { source_labels: ["module"], target_label: "__param_module" },
      { target_label: "__address__", replacement: "blackbox-exporter:9115" },
    ]);
  });

  it("gives internal probes the whole 15 s interval, which leaves their modules 14.5 s after blackbox's 0.5 s offset", () => {
    for (const name of ["blackbox_http", "blackbox_stack_ready"])
      expect({ name, timeout: job(name).scrape_timeout }).toEqual({ name, timeout: "15s" });
    const modules = (yaml.load(renderBlackboxConfig(stackConfig(stack))) as { modules: Record<string, { timeout: string }> }).modules;
    expect(INTERNAL_PROBE_TIMEOUT).toBe("14.5s");
    expect([modules.http_2xx.timeout, modules.http_2xx_json_ok.timeout, modules.http_2xx_sni.timeout, modules.tcp_connect.timeout]).toEqual(
      ["14.5s", "14.5s", "15s", "5s"],
    );
  });

  it("watches the stack's own services at their in-network addresses", () => {
    const peers = dockerNetworkPeers();
    const targets = (name: string) => job(name).static_configs.flatMap((s) => s.targets);
    expect(targets("prometheus")).toEqual(["prometheus:9090"]);
    expect(targets("otel_collector")).toEqual([peers.otelCollectorMetrics]);
    expect(targets("telegram_bridge")).toEqual(["telegram-bridge:8080"]);
    expect(targets("blackbox_stack_ready")).toEqual(["http://loki:3100/ready", "http://tempo:3200/ready", "http://otel-collector:13133/"]);
  });

  it("accepts OTLP metrics with the identifying resource attributes as labels, and their small disorder", () => {
    expect(doc.otlp).toEqual({
      promote_resource_attributes: [
        "service.name",
        "service.namespace",
        "service.instance.id",
        "service.version",
        "deployment.environment.name",
      ],
    });
    expect(doc.storage).toEqual({ tsdb: { out_of_order_time_window: "30m" } });
  });
});

describe.each(["staging", "prod"])("public probes of stack %s", (stack) => {
  it("probe every configured URL every 60 s within 20 s with the host and route labels, instance rewritten to the URL", () => {
    const pub = deployed(stack).scrape_configs.find((j) => j.job_name === "blackbox_http_public")!;
    const config = stackConfig(stack);
    expect([pub.scrape_interval, pub.scrape_timeout]).toEqual(["60s", "20s"]);
    expect(pub.static_configs).toEqual(
      config.publicProbes!.urls.map((url) => ({
        targets: [url],
        labels: { module: "http_2xx_sni", public_host: config.publicProbes!.host, probe_route: new URL(url).pathname },
      })),
    );
    expect(pub.relabel_configs![1]).toEqual({ source_labels: ["__param_target"], target_label: "instance" });
  });
});

it("a stack without public probes has no public probe job", () => {
  expect(deployed("dev").scrape_configs.map((j) => j.job_name)).not.toContain("blackbox_http_public");
});

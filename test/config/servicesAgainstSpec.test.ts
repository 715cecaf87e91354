import { DEFAULT_HOST_PORTS, ENVIRONMENTS } from "../../config/defaults";
import { dockerNetworkPeers } from "../../config/services";

/**
 * The service table and default host ports against docs/spec.md §1: container ports
 * as the table lists them, prod's published ports, staging's offsets, and dev's +10000 that keeps
 * a dev stack off both on a shared host.
 */

describe("addresses on the stack network", () => {
  it("each service answers at its alias on the SPEC's container port", () => {
    expect(dockerNetworkPeers()).toStrictEqual({
      prometheus: "prometheus:9090",
      alertmanager: "alertmanager:9093",
      telegramBridge: "telegram-bridge:8080",
      grafana: "grafana:3000",
      loki: "loki:3100",
      promtail: "promtail:9080",
      alloy: "alloy:12345",
      tempo: "tempo:3200",
      otelCollector: "otel-collector:4318",
      cadvisor: "cadvisor:8080",
      nodeExporter: "node-exporter:9100",
      blackboxExporter: "blackbox-exporter:9115",
      otelCollectorMetrics: "otel-collector:8888",
      otelCollectorHealth: "otel-collector:13133",
      tempoOtlpGrpc: "tempo:4317",
    });
  });
});

describe("default host ports", () => {
  it("prod publishes on the SPEC's ports; staging on the offsets compose uses", () => {
    expect(DEFAULT_HOST_PORTS.prod).toEqual({
      prometheus: 9090,
      alertmanager: 9093,
      grafana: 3300,
      loki: 3100,
      tempo: 3200,
      otlpGrpc: 4317,
      otlpHttp: 4318,
    });
    const s = DEFAULT_HOST_PORTS.staging;
    expect([s.prometheus, s.alertmanager, s.grafana, s.tempo]).toEqual([9091, 9094, 3301, 3201]);
  });

  it("dev takes prod's numbers plus 10000", () => {
    for (const [key, port] of Object.entries(DEFAULT_HOST_PORTS.prod))
      expect({ key, dev: DEFAULT_HOST_PORTS.dev[key as keyof typeof DEFAULT_HOST_PORTS.dev] }).toEqual({ key, dev: port + 10000 });
  });

  it("no two environments, and no two services of one, share a host port", () => {
    const all = ENVIRONMENTS.flatMap((env) => Object.values(DEFAULT_HOST_PORTS[env]));
    expect(new Set(all).size).toBe(all.length);
  });
});

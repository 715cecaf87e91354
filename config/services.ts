/**
 * The services of the stack (one of the two log agents runs) and the facts about them that do not vary per stack:
 * the DNS alias each answers to on the stack network and the ports it listens on inside it.
 * Generators and components both read this table, so an address is spelled in one place.
 */
export const SERVICE_NAMES = [
  "prometheus",
  "alertmanager",
  "telegramBridge",
  "grafana",
  "loki",
  "promtail",
  "alloy",
  "tempo",
  "otelCollector",
  "cadvisor",
  "nodeExporter",
  "blackboxExporter",
] as const;

export type ServiceName = (typeof SERVICE_NAMES)[number];

export interface ServiceFacts {
  /** Network alias on the stack-scoped network; also the suffix of Docker names. */
  readonly alias: string;
  /** The port other services use to reach it (HTTP API or metrics). */
  readonly port: number;
  /** Suffix of the named volume its state lives on (`tutordex-obs-<stack>-<alias>-<suffix>`), if any. */
  readonly stateVolume?: "data" | "state" | "positions";
}

export const SERVICES: Readonly<Record<ServiceName, ServiceFacts>> = {
  prometheus: { alias: "prometheus", port: 9090, stateVolume: "data" },
  alertmanager: { alias: "alertmanager", port: 9093, stateVolume: "data" },
  telegramBridge: { alias: "telegram-bridge", port: 8080, stateVolume: "state" },
  grafana: { alias: "grafana", port: 3000, stateVolume: "data" },
  loki: { alias: "loki", port: 3100, stateVolume: "data" },
  promtail: { alias: "promtail", port: 9080, stateVolume: "positions" },
  // Grafana Alloy, Promtail's successor (`logAgent: alloy`): UI, /-/ready and /metrics on one port.
  alloy: { alias: "alloy", port: 12345, stateVolume: "positions" },
  tempo: { alias: "tempo", port: 3200, stateVolume: "data" },
  otelCollector: { alias: "otel-collector", port: 4318 },
  cadvisor: { alias: "cadvisor", port: 8080 },
  nodeExporter: { alias: "node-exporter", port: 9100 },
  blackboxExporter: { alias: "blackbox-exporter", port: 9115 },
};

/**
 * Containers a stack may add beyond the eleven: the simulated TutorDex (`demoWorkload`), answering
 * on the network under the application's own default DNS names so the default targets resolve.
 */
export const DEMO_WORKLOAD = {
  alias: "demo-app",
  appAliases: ["collector-tail", "aggregator-worker", "backend"],
  ports: { collector: 9001, worker: 9002, backend: 8000 },
} as const;

export type ContainerService = ServiceName | "demoWorkload";

/** Ports of the OTLP receivers and the collector's own endpoints (docs/spec.md §1). */
export const OTLP_GRPC_PORT = 4317;
export const OTLP_HTTP_PORT = 4318;
export const OTEL_HEALTH_PORT = 13133;
export const OTEL_METRICS_PORT = 8888;

/** Host:port addresses of every service as seen by its peers. */
export type PeerAddresses = Readonly<Record<ServiceName, string>> & {
  readonly otelCollectorMetrics: string;
  readonly otelCollectorHealth: string;
  readonly tempoOtlpGrpc: string;
};

/** Addresses on the stack's Docker network: the aliases, which never change between stacks. */
export function dockerNetworkPeers(): PeerAddresses {
  const entries = Object.entries(SERVICES).map(([name, s]) => [name, `${s.alias}:${s.port}`]);
  return {
    ...(Object.fromEntries(entries) as Record<ServiceName, string>),
    otelCollectorMetrics: `${SERVICES.otelCollector.alias}:${OTEL_METRICS_PORT}`,
    otelCollectorHealth: `${SERVICES.otelCollector.alias}:${OTEL_HEALTH_PORT}`,
    tempoOtlpGrpc: `${SERVICES.tempo.alias}:${OTLP_GRPC_PORT}`,
  };
}

import { ServiceName } from "./services";
import { imageOf, RELEASES } from "./versions";

/**
 * Pinned images, derived from the release table in config/versions.ts (the one place versions
 * live). Exact tags only; a stack overrides any of them with `images.<service>`.
 */
export const DEFAULT_IMAGES: Readonly<Record<ServiceName, string>> = Object.fromEntries(
  Object.entries(RELEASES).map(([service, release]) => [service, imageOf(release)]),
) as Record<ServiceName, string>;

/** Memory limits in MiB, sized for one host at 1–10k assignments/day. */
export const DEFAULT_MEMORY_MB: Readonly<Record<ServiceName, number>> = {
  prometheus: 2048,
  alertmanager: 256,
  // A storm with graphs on peaked at 126 MB resident outside a container (bench:graph's storm):
  // 128 left no room, so the bridge gets twice that.
  telegramBridge: 256,
  grafana: 512,
  loki: 1024,
  promtail: 256,
  alloy: 256,
  tempo: 1024,
  otelCollector: 640,
  cadvisor: 256,
  nodeExporter: 128,
  blackboxExporter: 128,
};

/**
 * The log agent when `logAgent` is unset: Grafana Alloy. Promtail reached end of life on 2026-03-02
 * and its code is gone from Loki 3.7; it stays selectable with `logAgent: promtail` until removed.
 */
export const DEFAULT_LOG_AGENT = "alloy" as const;

export const ENVIRONMENTS = ["dev", "staging", "prod"] as const;
export type Environment = (typeof ENVIRONMENTS)[number];

/** Services published on the host and the config key of each published port. */
export const PUBLISHED_PORT_KEYS = ["prometheus", "alertmanager", "grafana", "loki", "tempo", "otlpGrpc", "otlpHttp"] as const;
export type PublishedPortKey = (typeof PUBLISHED_PORT_KEYS)[number];

/**
 * Host ports per environment. Staging follows the offsets compose uses today (9091, 9094, 3301,
 * 3201) so it can run beside prod on one host; dev takes the same numbers plus 10000, so a dev
 * stack started on a shared host can never take prod's ports or provision into prod's Grafana.
 */
export const DEFAULT_HOST_PORTS: Readonly<Record<Environment, Record<PublishedPortKey, number>>> = {
  prod: { prometheus: 9090, alertmanager: 9093, grafana: 3300, loki: 3100, tempo: 3200, otlpGrpc: 4317, otlpHttp: 4318 },
  dev: { prometheus: 19090, alertmanager: 19093, grafana: 13300, loki: 13100, tempo: 13200, otlpGrpc: 14317, otlpHttp: 14318 },
  staging: { prometheus: 9091, alertmanager: 9094, grafana: 3301, loki: 3101, tempo: 3201, otlpGrpc: 4327, otlpHttp: 4328 },
};

/**
 * The application's compose project per environment: TutorDex runs `docker compose -p
 * tutordex-prod` and `-p tutordex-staging` (docs/operating.md, cut-over). Dev follows the same pattern, so
 * a dev stack on a shared host never watches or ships prod's or staging's containers.
 */
export const DEFAULT_APP_COMPOSE_PROJECT: Readonly<Record<Environment, string>> = {
  prod: "tutordex-prod",
  staging: "tutordex-staging",
  dev: "tutordex-dev",
};

export const DEFAULT_RETENTION = { prometheus: "15d", loki: "336h", tempo: "72h" } as const;

export const DEFAULT_APP_TARGETS = {
  collector: "collector-tail:9001",
  worker: "aggregator-worker:9002",
  backend: "backend:8000",
} as const;

/** Single settings' defaults (docs/settings.md shows them). */
export const DEFAULT_BIND_ADDRESS = "127.0.0.1";
export const DEFAULT_REGISTRY = "registry-1.docker.io";
export const DEFAULT_GRAFANA_ADMIN_USER = "admin";
export const DEFAULT_TEXTFILE_DIR = "/var/lib/node_exporter/textfile_collector";

import { ServiceName } from "./services";
import { GoBuild } from "./versions";

/**
 * The pins of the previous release (main at de7b6c5, before the bumps of issue 24): what a stack
 * deployed before this release runs. An upgrade is rehearsed from these to config/versions.ts,
 * and test/versions.test.ts checks that the two tables differ only in versions and tags, each tag
 * written the same way from its version. Refresh it with each release: copy the pins being
 * replaced here before bumping them.
 */
export interface PreviousPin {
  readonly repository: string;
  readonly version: string;
  readonly tag: string;
}

export const PREVIOUS_RELEASES: Readonly<Record<ServiceName, PreviousPin>> = {
  prometheus: { repository: "prom/prometheus", version: "3.16.0", tag: "v3.16.0" },
  alertmanager: { repository: "prom/alertmanager", version: "0.35.0", tag: "v0.35.0" },
  nodeExporter: { repository: "prom/node-exporter", version: "1.12.1", tag: "v1.12.1" },
  blackboxExporter: { repository: "prom/blackbox-exporter", version: "0.28.0", tag: "v0.28.0" },
  otelCollector: { repository: "otel/opentelemetry-collector-contrib", version: "0.165.0", tag: "0.165.0" },
  telegramBridge: { repository: "node", version: "22.23.3", tag: "22.23.3-alpine" },
  cadvisor: { repository: "ghcr.io/google/cadvisor", version: "0.60.5", tag: "v0.60.5" },
  grafana: { repository: "grafana/grafana", version: "12.3.1", tag: "12.3.1" },
  loki: { repository: "grafana/loki", version: "3.5.3", tag: "3.5.3" },
  promtail: { repository: "grafana/promtail", version: "3.5.3", tag: "3.5.3" },
  alloy: { repository: "grafana/alloy", version: "1.18.1", tag: "v1.18.1" },
  tempo: { repository: "grafana/tempo", version: "2.8.2", tag: "2.8.2" },
};

export const previousImageOf = (p: PreviousPin): string => `${p.repository}:${p.tag}`;

/**
 * How `npm run tools` gets the previous release of each service the docker tier's upgrade rehearsal
 * runs on the previous pins (test/docker/upgrade.test.ts): Prometheus built from its Go module as
 * today's is (tools/prometheus-previous, the go.mod and go.sum of that release, binaries linked
 * under other names beside today's), the bridge's Node release as the npm `node` package. A bump
 * of a service the tier runs needs its previous release here, or the rehearsal fails naming it.
 */
export const PREVIOUS_BUILDS: Readonly<
  Partial<Record<ServiceName, { readonly by: "go"; readonly build: GoBuild } | { readonly by: "node" }>>
> = {
  prometheus: {
    by: "go",
    build: {
      dir: "prometheus-previous",
      module: "github.com/prometheus/prometheus",
      binaries: {
        "prometheus-previous": "github.com/prometheus/prometheus/cmd/prometheus",
        "promtool-previous": "github.com/prometheus/prometheus/cmd/promtool",
      },
    },
  },
  telegramBridge: { by: "node" },
};

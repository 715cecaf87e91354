import { ServiceName } from "./services";

/**
 * Pinned releases: the one table that both the deployed image tags and the programs the tests run
 * come from, so they cannot drift. `npm run tools` refuses to build when a go.mod under tools/
 * pins another module version than this table implies, and a test fails when a built binary
 * reports another version than the image it stands for.
 *
 * Go module versions of Prometheus: the module github.com/prometheus/prometheus is tagged
 * v0.3NN.P for Prometheus 3.NN.P (v0.313.5 is Prometheus 3.13.5), because the module never
 * took a /v3 path. The other Prometheus projects use their release tags as module versions.
 * The OpenTelemetry Collector: core modules are v0.NNN.P (beta) or v1.MM.P (stable, released
 * together), contrib modules v0.NNN.P; the contrib image is tagged NNN.P without the "v".
 */
export interface GoBuild {
  /** Folder under tools/ holding the go.mod (and go.sum) that pins the module. */
  readonly dir: string;
  /** The module whose release this is, as required in that go.mod. */
  readonly module: string;
  /** Binaries built from it, by name, with their main package (or "." for the folder's own). */
  readonly binaries: Readonly<Record<string, string>>;
}

/**
 * What a pinned image has on its PATH that the stack runs inside that image: `wget` for a Docker
 * healthcheck, `sh` for a CMD-SHELL healthcheck or a one-shot script, `nc` and `base64` for the
 * authenticated calls of components/apiShell.ts (the password never on a command line).
 * test/readiness.test.ts checks every container of the program against this record, so a bump to
 * an image without them fails a test instead of a deploy that never turns healthy.
 */
export const IMAGE_TOOLS = ["sh", "wget", "nc", "base64"] as const;
export type ImageTool = (typeof IMAGE_TOOLS)[number];

export interface PinnedRelease {
  /** Image repository, without tag. */
  readonly repository: string;
  /** The upstream release, as the program itself reports it (`prometheus --version`). */
  readonly version: string;
  /** How the image tags that release. */
  readonly tag: string;
  /** How the tests get the same release: a Go build, the npm `node` package, or nothing. */
  readonly tested:
    { readonly by: "go"; readonly build: GoBuild } | { readonly by: "node" } | { readonly by: "none"; readonly reason: string };
  /**
   * The tools the image at this tag contains, and where that was read (the release's Dockerfile).
   * Update it deliberately with every bump: read the new release's Dockerfile again.
   */
  readonly image: { readonly tools: readonly ImageTool[]; readonly per: string };
  /** Which release line the pin follows and until when it gets fixes, where that was decided (docs/upgrades.md). */
  readonly line?: string;
}

const AGPL = (what: string) =>
  `${what} is AGPL-3.0; its Go module is not used here, so its config is checked field by field against the upstream reference instead`;

/** The Go module version of a Prometheus 3.x release (3.13.5 → v0.313.5). */
export function prometheusModuleVersion(release: string): string {
  const m = /^3\.(\d+)\.(\d+)$/.exec(release);
  if (!m) throw new Error(`not a Prometheus 3.x release: ${release}`);
  return `v0.${300 + Number(m[1])}.${m[2]}`;
}

/** The Go module version each Go-built release is pinned to in its tools/<dir>/go.mod. */
export function moduleVersionOf(service: ServiceName, release: Pick<PinnedRelease, "version"> = RELEASES[service]): string {
  return service === "prometheus" ? prometheusModuleVersion(release.version) : `v${release.version}`;
}

export const RELEASES: Readonly<Record<ServiceName, PinnedRelease>> = {
  prometheus: {
    repository: "prom/prometheus",
    // The LTS line (docs/upgrades.md: why, and when it moves).
    version: "3.13.5",
    tag: "v3.13.5",
    line: "3.13 LTS, fixes to 2027-07-31",
    image: {
      tools: ["sh", "wget", "nc", "base64"],
      per: "prometheus v3.13.5: Dockerfile FROM quay.io/prometheus/busybox (busybox applets in /bin)",
    },
    tested: {
      by: "go",
      build: {
        dir: "prometheus",
        module: "github.com/prometheus/prometheus",
        binaries: {
          prometheus: "github.com/prometheus/prometheus/cmd/prometheus",
          promtool: "github.com/prometheus/prometheus/cmd/promtool",
        },
      },
    },
  },
  alertmanager: {
    repository: "prom/alertmanager",
    version: "0.35.0",
    tag: "v0.35.0",
    image: {
      tools: ["sh", "wget", "nc", "base64"],
      per: "alertmanager v0.35.0: Dockerfile FROM quay.io/prometheus/busybox (busybox applets in /bin)",
    },
    tested: {
      by: "go",
      build: {
        dir: "alertmanager",
        module: "github.com/prometheus/alertmanager",
        binaries: {
          alertmanager: "github.com/prometheus/alertmanager/cmd/alertmanager",
          amtool: "github.com/prometheus/alertmanager/cmd/amtool",
        },
      },
    },
  },
  nodeExporter: {
    repository: "prom/node-exporter",
    version: "1.12.1",
    tag: "v1.12.1",
    image: {
      tools: ["sh", "wget", "nc", "base64"],
      per: "node_exporter v1.12.1: Dockerfile FROM quay.io/prometheus/busybox (busybox applets in /bin)",
    },
    tested: {
      by: "go",
      build: {
        dir: "node_exporter",
        module: "github.com/prometheus/node_exporter",
        binaries: { node_exporter: "github.com/prometheus/node_exporter" },
      },
    },
  },
  blackboxExporter: {
    repository: "prom/blackbox-exporter",
    version: "0.28.0",
    tag: "v0.28.0",
    image: {
      tools: ["sh", "wget", "nc", "base64"],
      per: "blackbox_exporter v0.28.0: Dockerfile FROM quay.io/prometheus/busybox (busybox applets in /bin)",
    },
    tested: {
      by: "go",
      build: {
        dir: "blackbox_exporter",
        module: "github.com/prometheus/blackbox_exporter",
        binaries: { blackbox_exporter: "github.com/prometheus/blackbox_exporter" },
      },
    },
  },
  otelCollector: {
    repository: "otel/opentelemetry-collector-contrib",
    version: "0.165.0",
    tag: "0.165.0",
    image: {
      tools: [],
      per: "otelcol-contrib 0.165.0: opentelemetry-collector-releases distributions/otelcol-contrib/Dockerfile, FROM scratch (the binary and CA bundle only)",
    },
    tested: { by: "go", build: { dir: "otelcol", module: "go.opentelemetry.io/collector/otelcol", binaries: { otelcol: "." } } },
  },
  // The bridge and the demo workload are bundles run by this Node release, the one the tests run on.
  telegramBridge: {
    repository: "node",
    version: "24.21.0",
    tag: "24.21.0-alpine",
    tested: { by: "node" },
    line: "24 LTS, fixes to 2028-04-30",
    image: {
      tools: ["sh", "wget"],
      per: "node 24.21.0-alpine: docker-node 24/alpine3.24/Dockerfile, FROM alpine (busybox applets in /bin, /usr/bin)",
    },
  },
  cadvisor: {
    repository: "ghcr.io/google/cadvisor",
    // v0.57+ reports container_start_time_seconds as the runtime start (Docker's State.StartedAt),
    // so a restart changes it; v0.54+ reads Docker 29's containerd image store.
    version: "0.61.1",
    tag: "v0.61.1",
    image: { tools: ["sh", "wget"], per: "cadvisor v0.61.1 deploy/Dockerfile: FROM alpine:3.23 (busybox applets)" },
    tested: {
      by: "none",
      reason:
        "its main package is the separate module github.com/google/cadvisor/cmd, which the Go module proxy does not serve (403 for every version)",
    },
  },
  grafana: {
    repository: "grafana/grafana",
    version: "12.3.7",
    tag: "12.3.7",
    tested: { by: "none", reason: AGPL("Grafana") },
    line: "12.3, patches ended 2026-08; 13 planned",
    image: {
      tools: ["sh", "wget"],
      per: "grafana/grafana 12.3.7: the plain tag is the Alpine image (the -ubuntu tags are not), busybox applets",
    },
  },
  loki: {
    repository: "grafana/loki",
    version: "3.5.12",
    tag: "3.5.12",
    tested: { by: "none", reason: AGPL("Loki") },
    // From 3.6.0 on (cmd/loki/Dockerfile) the image is gcr.io/distroless/static:nonroot, with no shell and no wget.
    image: {
      tools: ["sh", "wget"],
      per: "loki v3.5.12 cmd/loki/Dockerfile: FROM gcr.io/distroless/static:debug (busybox in /busybox, /bin/sh linked)",
    },
  },
  promtail: {
    repository: "grafana/promtail",
    version: "3.5.12",
    tag: "3.5.12",
    tested: { by: "none", reason: AGPL("Promtail (part of Loki)") },
    line: "end of life 2026-03-02",
    image: { tools: ["sh"], per: "loki v3.5.12 clients/cmd/promtail/Dockerfile: FROM ubuntu:noble, no wget or curl installed" },
  },
  alloy: {
    repository: "grafana/alloy",
    version: "1.21.0",
    tag: "v1.21.0",
    image: {
      tools: ["sh"],
      per: "alloy v1.21.0: Dockerfile FROM ubuntu:noble without wget or curl (read at main of 2026-08-21; the same at v1.18.1)",
    },
    tested: {
      by: "none",
      reason:
        "the module github.com/grafana/alloy is served by the Go module proxy only at some versions (v1.10.0, v1.11.0 seen), and its go.mod requires github.com/grafana/loki/v3 (AGPL, a fork pinned by pseudo-version) and carries replace directives, so it cannot be built here without the AGPL module",
    },
  },
  tempo: {
    repository: "grafana/tempo",
    version: "2.8.4",
    tag: "2.8.4",
    tested: { by: "none", reason: AGPL("Tempo") },
    // From 2.9.3 on (cmd/tempo/Dockerfile) the image is gcr.io/distroless/static-debian12, with no shell and no wget.
    image: {
      tools: ["sh", "wget"],
      per: "tempo v2.8.4 cmd/tempo/Dockerfile: FROM gcr.io/distroless/static-debian12:debug (busybox in /busybox)",
    },
  },
};

export const imageOf = (r: PinnedRelease): string => `${r.repository}:${r.tag}`;

/**
 * The Docker engine the docker tier runs the stack on (docs/spec.md §15: Docker 29 is the engine the stack
 * is proven on), built by `npm run tools` like the programs above: Docker Engine with its userland
 * proxy, and the containerd and runc releases that Docker release's Dockerfile pins
 * (`ARG CONTAINERD_VERSION`, `ARG RUNC_VERSION`). No image: these run on the machine.
 */
export interface EngineRelease {
  /** The release, as the program itself reports it (`dockerd --version`). */
  readonly version: string;
  /**
   * The Go module version of that release. Docker Engine 29.x is the module github.com/moby/moby/v2,
   * tagged v2.0.0-beta.N (no formula from 29.x.y to N); containerd and runc use their release tags.
   */
  readonly moduleVersion: string;
  readonly build: GoBuild;
}

export const ENGINE_RELEASES = {
  docker: {
    version: "29.8.1",
    moduleVersion: "v2.0.0-beta.24",
    build: {
      dir: "dockerd",
      module: "github.com/moby/moby/v2",
      binaries: { dockerd: "github.com/moby/moby/v2/cmd/dockerd", "docker-proxy": "github.com/moby/moby/v2/cmd/docker-proxy" },
    },
  },
  containerd: {
    version: "2.3.5",
    moduleVersion: "v2.3.5",
    build: {
      dir: "containerd",
      module: "github.com/containerd/containerd/v2",
      binaries: {
        containerd: "github.com/containerd/containerd/v2/cmd/containerd",
        "containerd-shim-runc-v2": "github.com/containerd/containerd/v2/cmd/containerd-shim-runc-v2",
      },
    },
  },
  runc: {
    version: "1.5.1",
    moduleVersion: "v1.5.1",
    build: { dir: "runc", module: "github.com/opencontainers/runc", binaries: { runc: "github.com/opencontainers/runc" } },
  },
} as const satisfies Record<string, EngineRelease>;

export type EngineProgram = keyof typeof ENGINE_RELEASES;

import { spawnSync } from "child_process";
import * as fs from "fs";
import * as path from "path";
import { reportedVersion } from "../cli/builtTools";
import { engineRows, rowInOrder, versionRows } from "../cli/versions";
import { DEFAULT_IMAGES } from "../config/defaults";
import { dockerNetworkPeers, ServiceName } from "../config/services";
import { PREVIOUS_BUILDS, PREVIOUS_RELEASES } from "../config/previousVersions";
import { ENGINE_RELEASES, imageOf, moduleVersionOf, RELEASES } from "../config/versions";
import { BUILD_RECIPES, checkCLibrary, goBuilds, goRelease, pinProblems, previousGoBuilds } from "../scripts/tools";
import { previousNodePath } from "../cli/builtTools";
import { enginePrograms, releaseOfEngineProgram, reportedEngineVersion, runtimeProblems } from "../harness/docker/engineBinaries";
import * as yaml from "js-yaml";
import { renderPrometheusConfig } from "../generators/prometheus";
import { stackConfig } from "../harness/fixtures";
import { committedStacks, ROOT } from "../harness/stackFiles";

/**
 * The deployed images and the programs the tests run come from one table; these tests fail when
 * the two drift apart (a bumped tag with a stale build, a go.mod moved without the table).
 */
const goMod = (dir: string) => fs.readFileSync(path.join(ROOT, "tools", dir, "go.mod"), "utf8");

const isService = (name: string): name is ServiceName => name in RELEASES;

describe("each built program is the release its image pins", () => {
  const services = goBuilds().flatMap(({ name }) => (isService(name) ? [name] : []));
  const programs = services.flatMap((service) => Object.keys(goRelease(service).build.binaries).map((tool) => [tool, service] as const));
  it("covers every Go-built service", () =>
    expect(services.sort()).toEqual((Object.keys(RELEASES) as ServiceName[]).filter((s) => RELEASES[s].tested.by === "go").sort()));
  it.each(programs)("%s reports the version of the %s image", (tool, service) => {
    expect({ tool, version: reportedVersion(tool) }).toEqual({ tool, version: RELEASES[service].version });
    expect(DEFAULT_IMAGES[service]).toBe(imageOf(RELEASES[service]));
  });
});

describe("each program of the docker tier's engine is the release config/versions.ts pins", () => {
  it("the engine releases are all built", () =>
    expect(
      goBuilds()
        .filter(({ name }) => !isService(name))
        .map(({ name }) => name),
    ).toEqual(Object.keys(ENGINE_RELEASES)));
  it.each(enginePrograms().map((binary) => [binary, releaseOfEngineProgram(binary)] as const))(
    "%s reports the %s release",
    (binary, program) => {
      expect({ binary, version: reportedEngineVersion(binary) }).toEqual({ binary, version: ENGINE_RELEASES[program].version });
    },
  );
  it("a started engine that runs another containerd or runc than the built ones (the PATH's order) is named, with both versions", () => {
    const built = {
      ContainerdCommit: { ID: "github.com/containerd/containerd/v2@v2.3.5" },
      RuncCommit: { ID: "github.com/opencontainers/runc@v1.5.1" },
    };
    expect(runtimeProblems({ Version: ENGINE_RELEASES.docker.version }, built)).toEqual([]);
    // What Docker 29 reports with Debian 12's containerd and runc first on its PATH (seen here).
    const debian = { ContainerdCommit: { ID: "1.6.20~ds1-1+deb12u3" }, RuncCommit: { ID: "1.1.5+ds1-1+deb12u1" } };
    expect(runtimeProblems({ Version: ENGINE_RELEASES.docker.version }, debian)).toEqual([
      `containerd's revision is "1.6.20~ds1-1+deb12u3", the built one is "${built.ContainerdCommit.ID}"`,
      `runc's commit is "1.1.5+ds1-1+deb12u1", the built one is "${built.RuncCommit.ID}"`,
    ]);
    expect(runtimeProblems({ Version: "20.10.24+dfsg1" }, built)).toEqual([
      `the engine's version is "20.10.24+dfsg1", the built one is "${ENGINE_RELEASES.docker.version}"`,
    ]);
  });
});

describe("tools/<dir>/go.mod pins the module version the table implies", () => {
  it.each(goBuilds().map((r) => [r.build.dir, r.name, r] as const))("tools/%s (%s)", (dir, _name, release) => {
    expect(pinProblems(release, goMod(dir))).toEqual([]);
  });
  it("a go.mod at another version is a problem that names the file, both versions and the fix", () => {
    const want = moduleVersionOf("alertmanager");
    const moved = goMod("alertmanager").replace(`github.com/prometheus/alertmanager ${want}`, "github.com/prometheus/alertmanager v0.34.0");
    expect(moved).not.toBe(goMod("alertmanager"));
    const [problem] = pinProblems(goRelease("alertmanager"), moved);
    expect(problem).toContain(
      `tools/alertmanager/go.mod pins github.com/prometheus/alertmanager v0.34.0, but config/versions.ts pins alertmanager ${RELEASES.alertmanager.version}`,
    );
    expect(problem).toContain(`go get github.com/prometheus/alertmanager@${want}`);
  });
  it("runc's cgo build checks for libseccomp first, and a missing C library names the package to install", () => {
    expect(BUILD_RECIPES.runc.cLibrary).toEqual({ pkgConfig: "libseccomp", install: "apt-get install -y libseccomp-dev" });
    expect(() => checkCLibrary(goRelease("runc"), BUILD_RECIPES.runc)).not.toThrow();
    const missing = {
      ...BUILD_RECIPES.runc,
      cLibrary: { pkgConfig: "tdx-no-such-library", install: "apt-get install -y tdx-no-such-library-dev" },
    };
    expect(() => checkCLibrary(goRelease("runc"), missing)).toThrow(
      `runc ${ENGINE_RELEASES.runc.version} links the C library tdx-no-such-library (cgo), which pkg-config does not find: apt-get install -y tdx-no-such-library-dev`,
    );
  });
  it("the engine's module is pinned by its own version: Docker 29.8.1 is moby/moby/v2 v2.0.0-beta.24, not the next beta", () => {
    const { moduleVersion, version } = ENGINE_RELEASES.docker;
    const moved = goMod("dockerd").replace(`github.com/moby/moby/v2 ${moduleVersion}`, "github.com/moby/moby/v2 v2.0.0-beta.25");
    expect(moved).not.toBe(goMod("dockerd"));
    expect(pinProblems(goRelease("docker"), moved)).toEqual([
      `tools/dockerd/go.mod pins github.com/moby/moby/v2 v2.0.0-beta.25, but config/versions.ts pins docker ${version} (module ${moduleVersion}); run: cd tools/dockerd && go get github.com/moby/moby/v2@${moduleVersion} && go mod tidy`,
    ]);
  });
});

describe("the bridge runs on the Node release the tests run on", () => {
  it("process.version, the pinned node package and the bridge image agree", () => {
    const pkg = JSON.parse(fs.readFileSync(path.join(ROOT, "package.json"), "utf8"));
    expect(process.version).toBe(`v${RELEASES.telegramBridge.version}`);
    expect(pkg.devDependencies.node).toBe(RELEASES.telegramBridge.version);
  });
  it("engines and @types/node name the same major", () => {
    const pkg = JSON.parse(fs.readFileSync(path.join(ROOT, "package.json"), "utf8"));
    const major = RELEASES.telegramBridge.version.split(".")[0];
    expect({ engines: pkg.engines.node, types: pkg.devDependencies["@types/node"].split(".")[0] }).toEqual({
      engines: `>=${major}`,
      types: major,
    });
  });
});

describe("each image's tools record was read for the pinned release", () => {
  it.each(Object.keys(RELEASES) as ServiceName[])("%s", (service) => {
    const r = RELEASES[service];
    // A bump that leaves the record naming another release fails here: re-read the new Dockerfile.
    expect(r.image.per.includes(r.version) || r.image.per.includes(r.tag)).toBe(true);
  });
});

describe("the previous release's pins (config/previousVersions.ts)", () => {
  /** The services whose pins this release moved (issue 24); the rest must be the same pin. */
  const BUMPED: ServiceName[] = ["prometheus", "telegramBridge", "cadvisor", "grafana", "loki", "promtail", "alloy", "tempo"];
  const services = Object.keys(RELEASES) as ServiceName[];

  it("names the same services and images, each tag written from its version as today's is", () => {
    expect(Object.keys(PREVIOUS_RELEASES).sort()).toEqual([...services].sort());
    for (const s of services) {
      const [now, before] = [RELEASES[s], PREVIOUS_RELEASES[s]];
      expect({ s, repository: before.repository, tag: before.tag }).toEqual({
        s,
        repository: now.repository,
        tag: now.tag.replace(now.version, before.version),
      });
    }
  });
  it("differs from today's pins exactly where this release bumped one", () => {
    expect(services.filter((s) => PREVIOUS_RELEASES[s].version !== RELEASES[s].version)).toEqual(BUMPED);
  });
  it("each previous build is of a bumped service and made as today's is (Go module, or the npm node package)", () => {
    for (const s of Object.keys(PREVIOUS_BUILDS) as ServiceName[])
      expect({ s, bumped: BUMPED.includes(s), by: PREVIOUS_BUILDS[s]!.by }).toEqual({ s, bumped: true, by: RELEASES[s].tested.by });
  });
  it.each(previousGoBuilds().flatMap((r) => Object.keys(r.build.binaries).map((tool) => [tool, r.name, r] as const)))(
    "%s reports the previous %s release",
    (tool, service, release) => {
      expect({ tool, version: reportedVersion(tool) }).toEqual({ tool, version: PREVIOUS_RELEASES[service as ServiceName].version });
      expect(pinProblems(release, goMod(release.build.dir))).toEqual([]);
    },
  );
  it("the previous Node the bridge image of the rehearsal carries is that release", () => {
    const r = spawnSync(previousNodePath(), ["--version"], { encoding: "utf8" });
    expect(r.stdout.trim()).toBe(`v${PREVIOUS_RELEASES.telegramBridge.version}`);
  });
});

describe("obs versions", () => {
  const rows = versionRows();
  it("has one row per service, each tested at the pinned version or saying why not", () => {
    expect(rows.map((r) => r.service).sort()).toEqual(Object.keys(RELEASES).sort());
    for (const r of rows) {
      const expected =
        RELEASES[r.service].tested.by === "none"
          ? { tested: null, reason: expect.any(String) }
          : { tested: RELEASES[r.service].version, reason: null };
      expect({ service: r.service, image: r.image, tested: r.tested, reason: r.reason }).toEqual({
        service: r.service,
        image: DEFAULT_IMAGES[r.service],
        ...expected,
      });
    }
    expect(rows.every(rowInOrder)).toBe(true);
  });
  it("has one row per program of the docker tier's engine, each at its built version", () => {
    const engine = engineRows();
    expect(engine).toEqual(
      (Object.keys(ENGINE_RELEASES) as (keyof typeof ENGINE_RELEASES)[]).map((p) => ({
        service: `engine:${p}`,
        image: `${ENGINE_RELEASES[p].build.module}@${ENGINE_RELEASES[p].moduleVersion}`,
        line: null,
        tested: ENGINE_RELEASES[p].version,
        reason: null,
      })),
    );
    expect(engine.every(rowInOrder)).toBe(true);
  });
  it("a Node release other than the bridge image's is out of order, with the reason", () => {
    const bridge = versionRows("v24.0.0").find((r) => r.service === ("telegramBridge" as ServiceName))!;
    expect(bridge).toEqual(
      expect.objectContaining({
        tested: "24.0.0",
        reason: `the tests run on Node 24.0.0, the image pins ${RELEASES.telegramBridge.version}`,
      }),
    );
    expect(rowInOrder(bridge)).toBe(false);
  });
});

describe("Prometheus is built without the service discoveries no stack uses", () => {
  it("its build leaves them out (file and HTTP discovery are always in)", () => {
    expect(BUILD_RECIPES.prometheus.tags).toContain("remove_all_sd");
    expect(BUILD_RECIPES["prometheus-previous"].tags).toEqual(BUILD_RECIPES.prometheus.tags);
  });

  /** Every `<mechanism>_sd_configs` key anywhere in a document. */
  const discoveries = (doc: unknown): string[] =>
    doc && typeof doc === "object"
      ? Object.entries(doc).flatMap(([k, v]) => [...(/_sd_configs$/.test(k) ? [k] : []), ...discoveries(v)])
      : [];

  it.each(committedStacks())("stack %s's prometheus.yml, in every variant the tests render, uses none of them", (stack) => {
    const variants = [stackConfig(stack), stackConfig(stack, { nativeHistograms: true })];
    for (const config of variants) {
      const doc = yaml.load(renderPrometheusConfig(config, dockerNetworkPeers(), { rulesDir: "/etc/prometheus/rules" }));
      expect(discoveries(doc).filter((k) => k !== "file_sd_configs" && k !== "http_sd_configs")).toEqual([]);
      expect(JSON.stringify(doc)).toContain('"static_configs"');
    }
  });

  it("the check sees a discovery where there is one", () => {
    expect(discoveries({ scrape_configs: [{ job_name: "k", kubernetes_sd_configs: [{ role: "pod" }] }] })).toEqual([
      "kubernetes_sd_configs",
    ]);
  });
});

import * as fs from "fs";
import * as path from "path";
import { reportedVersion } from "../cli/builtTools";
import { rowInOrder, versionRows } from "../cli/versions";
import { DEFAULT_IMAGES } from "../config/defaults";
import { ServiceName } from "../config/services";
import { PREVIOUS_RELEASES } from "../config/previousVersions";
import { imageOf, moduleVersionOf, RELEASES } from "../config/versions";
import { goBuilds, pinProblems } from "../scripts/tools";
import { ROOT } from "./support/stackFiles";

/**
 * The deployed images and the programs the tests run come from one table; these tests fail when
 * the two drift apart (a bumped tag with a stale build, a go.mod moved without the table).
 */
const goMod = (dir: string) => fs.readFileSync(path.join(ROOT, "tools", dir, "go.mod"), "utf8");

describe("each built program is the release its image pins", () => {
  const programs = goBuilds().flatMap(({ service, build }) => Object.keys(build.binaries).map((tool) => [tool, service] as const));
  it("covers every Go-built release", () => expect(new Set(programs.map(([, s]) => s)).size).toBe(goBuilds().length));
  it.each(programs)("%s reports the version of the %s image", (tool, service) => {
    expect({ tool, version: reportedVersion(tool) }).toEqual({ tool, version: RELEASES[service].version });
    expect(DEFAULT_IMAGES[service]).toBe(imageOf(RELEASES[service]));
  });
});

describe("tools/<dir>/go.mod pins the module version the table implies", () => {
  it.each(goBuilds().map(({ service, build }) => [build.dir, service] as const))("tools/%s (%s)", (dir, service) => {
    expect(pinProblems(service, goMod(dir))).toEqual([]);
  });
  it("a go.mod at another version is a problem that names the file, both versions and the fix", () => {
    const want = moduleVersionOf("alertmanager");
    const moved = goMod("alertmanager").replace(`github.com/prometheus/alertmanager ${want}`, "github.com/prometheus/alertmanager v0.34.0");
    expect(moved).not.toBe(goMod("alertmanager"));
    const [problem] = pinProblems("alertmanager", moved);
    expect(problem).toContain(`tools/alertmanager/go.mod pins github.com/prometheus/alertmanager v0.34.0, but config/versions.ts pins alertmanager ${RELEASES.alertmanager.version}`);
    expect(problem).toContain(`go get github.com/prometheus/alertmanager@${want}`);
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
    expect({ engines: pkg.engines.node, types: pkg.devDependencies["@types/node"].split(".")[0] }).toEqual({ engines: `>=${major}`, types: major });
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
      expect({ s, repository: before.repository, tag: before.tag }).toEqual({ s, repository: now.repository, tag: now.tag.replace(now.version, before.version) });
    }
  });
  it("differs from today's pins exactly where this release bumped one", () => {
    expect(services.filter((s) => PREVIOUS_RELEASES[s].version !== RELEASES[s].version)).toEqual(BUMPED);
  });
});

describe("obs versions", () => {
  const rows = versionRows();
  it("has one row per service, each tested at the pinned version or saying why not", () => {
    expect(rows.map((r) => r.service).sort()).toEqual(Object.keys(RELEASES).sort());
    for (const r of rows) {
      const expected = RELEASES[r.service].tested.by === "none" ? { tested: null, reason: expect.any(String) } : { tested: RELEASES[r.service].version, reason: null };
      expect({ service: r.service, image: r.image, tested: r.tested, reason: r.reason }).toEqual({ service: r.service, image: DEFAULT_IMAGES[r.service], ...expected });
    }
    expect(rows.every(rowInOrder)).toBe(true);
  });
  it("a Node release other than the bridge image's is out of order, with the reason", () => {
    const bridge = versionRows("v24.0.0").find((r) => r.service === ("telegramBridge" as ServiceName))!;
    expect(bridge).toEqual(expect.objectContaining({ tested: "24.0.0", reason: `the tests run on Node 24.0.0, the image pins ${RELEASES.telegramBridge.version}` }));
    expect(rowInOrder(bridge)).toBe(false);
  });
});

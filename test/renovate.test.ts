import Ajv from "ajv";
import { spawnSync } from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { ServiceName } from "../config/services";
import { ENGINE_RELEASES, EngineProgram, RELEASES } from "../config/versions";
import { goBuilds } from "../scripts/tools";
import { ROOT } from "../harness/stackFiles";

/**
 * .github/renovate.json proposes the version bumps. Renovate's own validator (the npm package
 * `renovate`, `renovate-config-validator --strict`) accepts it, but the package installs 621
 * packages and 364 MB in about 4 minutes, too heavy for every CI run. So CI validates the file
 * against the JSON schema that the package publishes (renovate-schema.json, taken from the
 * package's tarball with `npm pack`, about 3 MB, and cached), and runs the regex managers over the
 * files they read, as Renovate would.
 */
const RENOVATE_VERSION = "44.121.2";
const CONFIG_FILE = path.join(ROOT, ".github", "renovate.json");
const CACHE = path.join(
  process.env.XDG_CACHE_HOME ?? path.join(os.homedir(), ".cache"),
  "tutordex-observability",
  `renovate-${RENOVATE_VERSION}`,
);

/** renovate-schema.json of the pinned Renovate release, from the npm registry through npm itself. */
function renovateSchema(): object {
  const file = path.join(CACHE, "renovate-schema.json");
  if (!fs.existsSync(file)) {
    fs.mkdirSync(CACHE, { recursive: true });
    const pack = spawnSync("npm", ["pack", `renovate@${RENOVATE_VERSION}`, "--pack-destination", CACHE, "--silent"], { encoding: "utf8" });
    if (pack.status !== 0) throw new Error(`npm pack renovate@${RENOVATE_VERSION} failed:\n${pack.stderr}`);
    const tgz = path.join(CACHE, pack.stdout.trim().split("\n").at(-1)!);
    const untar = spawnSync("tar", ["-xzf", tgz, "-C", CACHE, "--strip-components=1", "package/renovate-schema.json"], {
      encoding: "utf8",
    });
    if (untar.status !== 0) throw new Error(`tar could not take renovate-schema.json out of ${tgz}:\n${untar.stderr}`);
    fs.rmSync(tgz);
  }
  return JSON.parse(fs.readFileSync(file, "utf8"));
}

interface RegexManager {
  readonly managerFilePatterns: string[];
  readonly matchStrings: string[];
  readonly depNameTemplate?: string;
  readonly datasourceTemplate?: string;
  readonly depTypeTemplate?: string;
}
interface PackageRule {
  readonly groupName?: string;
  readonly matchPackageNames?: string[];
  readonly matchFileNames?: string[];
  readonly matchDepTypes?: string[];
  readonly matchManagers?: string[];
  readonly enabled?: boolean;
}
const config = JSON.parse(fs.readFileSync(CONFIG_FILE, "utf8")) as { customManagers: RegexManager[]; packageRules: PackageRule[] };

/** A Renovate pattern (`/regex/` or a glob) as a predicate; globs here are only `**` suffixes or exact names. */
function matcher(pattern: string): (s: string) => boolean {
  const re = /^\/(.*)\/$/.exec(pattern);
  if (re) return (s) => new RegExp(re[1]).test(s);
  if (pattern.endsWith("/**")) return (s) => s.startsWith(pattern.slice(0, -2));
  return (s) => s === pattern;
}

export interface FoundDep {
  readonly depName: string;
  readonly currentValue: string;
  readonly depType?: string;
}

/** What Renovate's regex managers extract from a file of the repository (matchStringsStrategy "any"). */
export function extract(file: string, text: string): FoundDep[] {
  return config.customManagers
    .filter((m) => m.managerFilePatterns.some((p) => matcher(p)(file)))
    .flatMap((m) =>
      m.matchStrings.flatMap((s) =>
        [...text.matchAll(new RegExp(s, "g"))].map((hit) => ({
          depName: hit.groups?.depName ?? m.depNameTemplate!,
          currentValue: hit.groups!.currentValue,
          depType: m.depTypeTemplate,
        })),
      ),
    );
}

type Schema = {
  properties: Record<string, unknown>;
  definitions: Record<string, { items: { allOf: { properties?: Record<string, unknown> }[] } }>;
};
const keysOf = (items: { allOf: { properties?: Record<string, unknown> }[] }) =>
  items.allOf.flatMap((x) => Object.keys(x.properties ?? {}));

/**
 * The published schema checks the types of known options but lets unknown ones through, which
 * Renovate's own validator refuses ("Invalid configuration option"): so are they here. Inside a
 * package rule any option may appear beside the rule's own match* keys.
 */
export function unknownOptions(c: Record<string, unknown>, schema: Schema): string[] {
  const options = new Set(Object.keys(schema.properties));
  const inRule = new Set([...options, ...keysOf(schema.definitions.packageRules.items)]);
  const inManager = new Set(keysOf(schema.definitions.customManagers.items));
  const list = (key: string) => (Array.isArray(c[key]) ? (c[key] as Record<string, unknown>[]) : []);
  return [
    ...Object.keys(c).filter((k) => k !== "$schema" && !options.has(k)),
    ...list("packageRules").flatMap((r, i) =>
      Object.keys(r)
        .filter((k) => !inRule.has(k))
        .map((k) => `packageRules[${i}].${k}`),
    ),
    ...list("customManagers").flatMap((m, i) =>
      Object.keys(m)
        .filter((k) => !inManager.has(k))
        .map((k) => `customManagers[${i}].${k}`),
    ),
  ];
}

const groupOf = (name: string) =>
  config.packageRules.filter((r) => r.groupName && r.matchPackageNames?.some((p) => matcher(p)(name))).map((r) => r.groupName);

describe(".github/renovate.json", () => {
  it(`is valid against the schema Renovate ${RENOVATE_VERSION} publishes`, () => {
    const schema = renovateSchema() as Schema;
    const ajv = new Ajv({ strict: false, allErrors: true }).addFormat("regex", (re: string) => {
      try {
        new RegExp(re);
        return true;
      } catch {
        return false;
      }
    });
    const validate = ajv.compile(schema);
    expect({ valid: validate(config), errors: validate.errors ?? null, unknown: unknownOptions(config, schema) }).toEqual({
      valid: true,
      errors: null,
      unknown: [],
    });
    // Each way a config can be wrong is seen: a value of the wrong type, an unknown option.
    expect(validate({ ...config, packageRules: [{ matchPackageNames: ["prom/alertmanager"], allowedVersions: 5 }] })).toBe(false);
    const typos = {
      ...config,
      dependencyDashbord: true,
      packageRules: [{ groupNam: "Alertmanager" }],
      customManagers: [{ ...config.customManagers[0], matchString: [] }],
    };
    expect(unknownOptions(typos, schema)).toEqual(["dependencyDashbord", "packageRules[0].groupNam", "customManagers[0].matchString"]);
  }, 120_000);

  const versionsTs = fs.readFileSync(path.join(ROOT, "config", "versions.ts"), "utf8");
  const found = extract("config/versions.ts", versionsTs);

  it.each(Object.keys(RELEASES) as ServiceName[])("reads %s's version and tag from config/versions.ts", (service) => {
    const r = RELEASES[service];
    expect(found.filter((d) => d.depName === r.repository)).toEqual([
      { depName: r.repository, currentValue: r.version, depType: "release version" },
      { depName: r.repository, currentValue: r.tag, depType: "image tag" },
    ]);
  });

  it.each(Object.keys(ENGINE_RELEASES) as EngineProgram[])("reads the module %s is built from in config/versions.ts", (program) => {
    const r = ENGINE_RELEASES[program];
    expect(found.filter((d) => d.depName === r.build.module)).toEqual([
      { depName: r.build.module, currentValue: r.moduleVersion, depType: "engine module" },
    ]);
  });

  it("finds nothing in config/versions.ts that is not a pin", () => {
    expect(found.length).toBe(2 * Object.keys(RELEASES).length + Object.keys(ENGINE_RELEASES).length);
  });

  it.each(goBuilds().map(({ name, build }) => [name, build.dir, build.module] as const))(
    "%s's pin and the module tools/%s builds (%s) move in one group, the module enabled where it is indirect",
    (name, dir, module) => {
      // A service's pin is its image; an engine program's pin is the module itself.
      const pin = name in RELEASES ? RELEASES[name as ServiceName].repository : module;
      expect(groupOf(pin)).toHaveLength(1);
      expect(groupOf(module)).toEqual(groupOf(pin));
      const goMod = fs.readFileSync(path.join(ROOT, "tools", dir, "go.mod"), "utf8");
      if (new RegExp(`^\\s*${module.replace(/\./g, "\\.")} \\S+ // indirect$`, "m").test(goMod)) {
        const enabling = config.packageRules.filter(
          (r) =>
            r.enabled &&
            r.matchDepTypes?.includes("indirect") &&
            r.matchFileNames?.includes(`tools/${dir}/go.mod`) &&
            r.matchPackageNames?.includes(module),
        );
        expect(enabling).toHaveLength(1);
      }
    },
  );

  it("the reproduced images' version mentions are read, and each names its image's pin", () => {
    const pins: Record<string, string> = {
      "prometheus/prometheus": `v${RELEASES.prometheus.version}`,
      "prometheus/alertmanager": `v${RELEASES.alertmanager.version}`,
      "prometheus/node_exporter": `v${RELEASES.nodeExporter.version}`,
      "prometheus/blackbox_exporter": `v${RELEASES.blackboxExporter.version}`,
      node: RELEASES.telegramBridge.version,
    };
    const dirs = fs.readdirSync(path.join(ROOT, "images"));
    const mentions = dirs.flatMap((d) =>
      extract(`images/${d}/Dockerfile`, fs.readFileSync(path.join(ROOT, "images", d, "Dockerfile"), "utf8")),
    );
    expect(mentions.map((m) => ({ ...m, pinned: pins[m.depName] })).filter((m) => m.currentValue !== m.pinned)).toEqual([]);
    expect(new Set(mentions.map((m) => m.depName))).toEqual(new Set(Object.keys(pins)));
    for (const name of Object.keys(pins)) expect(groupOf(name)).toHaveLength(1);
  });

  it("the bridge image and the Node the tests run on move in one group", () => {
    expect(groupOf(RELEASES.telegramBridge.repository)).toEqual(["Node"]);
    expect(groupOf("node")).toEqual(["Node"]);
  });
});

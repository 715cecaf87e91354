/**
 * `npm run tools`: builds the programs the tests run — Prometheus and promtool, Alertmanager and
 * amtool, node_exporter, blackbox_exporter, the OpenTelemetry Collector distribution, and the
 * docker tier's engine (dockerd and docker-proxy, containerd and its runc shim, runc) — from the
 * Go modules pinned under tools/, at the releases of config/versions.ts. Binaries land in a
 * cache keyed by everything that decides their bytes, and .tools/bin links to them. Nothing is
 * downloaded but Go modules through the ordinary go command; nothing falls back to another version.
 */
import { createHash } from "crypto";
import { spawnSync } from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { ServiceName } from "../config/services";
import { ENGINE_RELEASES, EngineProgram, GoBuild, moduleVersionOf, RELEASES } from "../config/versions";
import { PREVIOUS_BUILDS, PREVIOUS_RELEASES } from "../config/previousVersions";
import { previousNodePath, TOOLS_BIN } from "../cli/builtTools";

export const ROOT = path.resolve(__dirname, "..");
export const TOOLS_SRC = path.join(ROOT, "tools");
export { TOOLS_BIN };
export const TOOLS_CACHE =
  process.env.TUTORDEX_TOOLS_CACHE ??
  path.join(process.env.XDG_CACHE_HOME ?? path.join(os.homedir(), ".cache"), "tutordex-observability", "tools");

/** Bumped when the way binaries are built changes beyond their tags and cgo (those are hashed), so cached builds made the old way are not reused. */
const RECIPE = "2";

/**
 * Alertmanager embeds its web UI (ui/app/dist), which its release process builds with npm and Elm
 * and which is therefore absent from the Go module. The build supplies a placeholder page there;
 * every line of Go, the API and amtool are the release's own.
 */
const EMBEDDED_UI_PLACEHOLDERS: Readonly<Record<string, readonly string[]>> = {
  alertmanager: ["ui/app/dist/elm/index.html", "ui/app/dist/mantine/index.html"],
};

/** How a program is compiled: what upstream's release build sets, as far as it changes the program. */
export interface BuildRecipe {
  readonly cgo: boolean;
  /** Build tags of every binary, then extra ones per binary. */
  readonly tags: readonly string[];
  readonly binaryTags?: Readonly<Record<string, readonly string[]>>;
  /** Upstream's -X version flags (and strip flags), from the release and its module's source folder. */
  readonly ldflags: (release: GoRelease, moduleDir: string) => string;
  /** A C library a cgo build links, found with pkg-config before building, and the package that has it. */
  readonly cLibrary?: { readonly pkgConfig: string; readonly install: string };
}

/** What a build stamps as its revision (no git checkout here): the module and version it was built from. */
export const revisionOf = (r: GoRelease) => `${r.build.module}@${r.moduleVersion}`;

/** The -ldflags the upstream release process (promu) sets, from the module's own VERSION file. */
function promuLdflags(release: GoRelease, moduleDir: string): string {
  const version = fs.readFileSync(path.join(moduleDir, "VERSION"), "utf8").trim();
  const v = "github.com/prometheus/common/version";
  return [
    `-X ${v}.Version=${version}`,
    `-X ${v}.Revision=${revisionOf(release)}`,
    `-X ${v}.Branch=release`,
    `-X ${v}.BuildUser=tutordex-observability`,
  ].join(" ");
}

const PROMU: BuildRecipe = { cgo: false, tags: ["netgo"], ldflags: promuLdflags };

/**
 * Prometheus and promtool as promu builds them, less the service-discovery mechanisms (Kubernetes,
 * the clouds' and the rest; file and HTTP discovery are always in): every prometheus.yml a stack
 * renders scrapes static targets (test/versions.test.ts holds that), so nothing here can reach
 * them, and their SDKs were most of a cold build (docs/upgrades.md). promtool then refuses a
 * config that names one, which no stack renders.
 */
const PROMETHEUS: BuildRecipe = { ...PROMU, tags: [...PROMU.tags, "remove_all_sd"] };

/**
 * By tools/ folder. The engine follows moby's Dockerfile for its static binaries: dockerd with
 * hack/make.sh's tags and `-w`, containerd `make STATIC=1` (no cgo; the shim adds no_grpc), runc
 * with cgo for seccomp but without its `libpathrs` tag (a Rust library Debian does not package).
 */
export const BUILD_RECIPES: Readonly<Record<string, BuildRecipe>> = {
  prometheus: PROMETHEUS,
  "prometheus-previous": PROMETHEUS,
  alertmanager: PROMU,
  node_exporter: PROMU,
  blackbox_exporter: PROMU,
  otelcol: { cgo: false, tags: ["netgo"], ldflags: (r) => `-X main.version=${r.moduleVersion.replace(/^v/, "")}` },
  dockerd: {
    cgo: false,
    tags: ["netgo", "osusergo", "static_build", "nri_no_wasm"],
    // Without Version the engine reports "library-import" (dockerversion/version_lib.go).
    ldflags: (r) =>
      `-w -X ${r.build.module}/dockerversion.Version=${r.version} -X ${r.build.module}/dockerversion.GitCommit=${revisionOf(r)}`,
  },
  containerd: {
    cgo: false,
    tags: ["urfave_cli_no_docs", "osusergo", "netgo", "static_build"],
    binaryTags: { "containerd-shim-runc-v2": ["no_grpc"] },
    ldflags: (r) => {
      const v = `${r.build.module}/version`;
      return `-s -w -X ${v}.Version=${r.moduleVersion} -X ${v}.Revision=${revisionOf(r)} -X ${v}.Package=${r.build.module}`;
    },
  },
  runc: {
    cgo: true,
    tags: ["seccomp", "urfave_cli_no_docs"],
    // The version comes from the module's VERSION file (go:embed).
    ldflags: (r) => `-X main.gitCommit=${revisionOf(r)}`,
    cLibrary: { pkgConfig: "libseccomp", install: "apt-get install -y libseccomp-dev" },
  },
};

export class ToolsError extends Error {}

interface Command {
  readonly cwd: string;
  readonly args: readonly string[];
  readonly env?: Record<string, string>;
}

function go(cmd: Command): string {
  const r = spawnSync("go", cmd.args, { cwd: cmd.cwd, encoding: "utf8", env: { ...process.env, ...cmd.env }, maxBuffer: 64 * 1024 * 1024 });
  if (r.error && (r.error as NodeJS.ErrnoException).code === "ENOENT") throw new ToolsError(missingGo());
  if (r.status !== 0) {
    const env = Object.entries(cmd.env ?? {})
      .map(([k, v]) => `${k}=${v} `)
      .join("");
    throw new ToolsError(
      `command failed (exit ${r.status}) in ${path.relative(ROOT, cmd.cwd) || "."}:\n  ${env}go ${cmd.args.join(" ")}\n${r.stderr || r.stdout}`,
    );
  }
  return r.stdout;
}

function missingGo(): string {
  return (
    `go is not on the PATH. The tools need Go ${requiredGo()} or newer: install the Go toolchain ` +
    `(Debian: apt-get install golang-go gives an older Go, so use the go${requiredGo()} toolchain from https://go.dev/dl or your machine image), then run npm run tools again.`
  );
}

/** The highest `go` directive of the pinned modules: the oldest toolchain that builds them all. */
export function requiredGo(): string {
  const versions = [...goBuilds(), ...previousGoBuilds()].map(({ build }) => /^go (\S+)$/m.exec(readGoMod(build))?.[1] ?? "1.0");
  return versions.sort(compareVersions).at(-1)!;
}

function compareVersions(a: string, b: string): number {
  const pa = a.split(".").map(Number);
  const pb = b.split(".").map(Number);
  for (let i = 0; i < Math.max(pa.length, pb.length); i++) if ((pa[i] ?? 0) !== (pb[i] ?? 0)) return (pa[i] ?? 0) - (pb[i] ?? 0);
  return 0;
}

/** A release built from its Go module: a service's (RELEASES) or a program of the engine (ENGINE_RELEASES). */
export interface GoRelease {
  readonly name: ServiceName | EngineProgram;
  /** As the program reports it. */
  readonly version: string;
  /** As tools/<dir>/go.mod must require build.module. */
  readonly moduleVersion: string;
  readonly build: GoBuild;
}

export function goBuilds(): GoRelease[] {
  const services = (Object.entries(RELEASES) as [ServiceName, (typeof RELEASES)[ServiceName]][]).flatMap(([name, r]) =>
    r.tested.by === "go" ? [{ name, version: r.version, moduleVersion: moduleVersionOf(name), build: r.tested.build }] : [],
  );
  const engine = (Object.entries(ENGINE_RELEASES) as [EngineProgram, (typeof ENGINE_RELEASES)[EngineProgram]][]).map(([name, r]) => ({
    name,
    version: r.version,
    moduleVersion: r.moduleVersion,
    build: r.build,
  }));
  return [...services, ...engine];
}

/** The previous release of each service the upgrade rehearsal builds from Go (config/previousVersions.ts). */
export function previousGoBuilds(): GoRelease[] {
  return (Object.entries(PREVIOUS_BUILDS) as [ServiceName, NonNullable<(typeof PREVIOUS_BUILDS)[ServiceName]>][]).flatMap(([name, how]) =>
    how.by === "go"
      ? [
          {
            name,
            version: PREVIOUS_RELEASES[name].version,
            moduleVersion: moduleVersionOf(name, PREVIOUS_RELEASES[name]),
            build: how.build,
          },
        ]
      : [],
  );
}

/** The release a name of RELEASES or ENGINE_RELEASES stands for, when it is built from Go. */
export function goRelease(name: ServiceName | EngineProgram): GoRelease {
  const r = goBuilds().find((b) => b.name === name);
  if (!r) throw new ToolsError(`${name} is not built from a Go module`);
  return r;
}

function readGoMod(build: GoBuild): string {
  return fs.readFileSync(path.join(TOOLS_SRC, build.dir, "go.mod"), "utf8");
}

/** Module → version for every `require` of a go.mod (direct and indirect). */
export function requiredModules(goMod: string): Map<string, string> {
  const out = new Map<string, string>();
  const line = /^\s*(?:require\s+)?([\w.\-/]+\.[\w.\-/]+)\s+(v\S+)/;
  let inRequire = false;
  for (const raw of goMod.split("\n")) {
    const text = raw.replace(/\/\/.*$/, "").trim();
    if (/^require\s*\($/.test(text)) inRequire = true;
    else if (inRequire && text === ")") inRequire = false;
    else if (inRequire || text.startsWith("require ")) {
      const m = line.exec(text);
      if (m) out.set(m[1], m[2]);
    }
  }
  return out;
}

/**
 * Problems between a go.mod and the release table: the module must be pinned at the version the
 * table implies, and (for the collector) every collector module at that one release.
 */
export function pinProblems(release: GoRelease, goMod: string): string[] {
  const { build } = release;
  const required = requiredModules(goMod);
  const want = release.moduleVersion;
  const got = required.get(build.module);
  const where = `tools/${build.dir}/go.mod`;
  const problems: string[] = [];
  if (got !== want) {
    problems.push(
      `${where} pins ${build.module} ${got ?? "(not at all)"}, but config/versions.ts pins ${release.name} ${release.version} (module ${want}); ` +
        `run: cd tools/${build.dir} && go get ${build.module}@${want} && go mod tidy`,
    );
  }
  if (release.name === "otelCollector") {
    const direct = goMod.split("\n").filter((l) => !l.includes("// indirect"));
    for (const [mod, version] of required) {
      const isDirect = direct.some((l) => l.trim().startsWith(`${mod} `) || l.trim().startsWith(`require ${mod} `));
      const contrib = mod.startsWith("github.com/open-telemetry/opentelemetry-collector-contrib/");
      const coreBeta = mod.startsWith("go.opentelemetry.io/collector/") && version.startsWith("v0.");
      if (isDirect && (contrib || coreBeta) && version !== want)
        problems.push(`${where} pins ${mod} ${version}; every collector module must be at the one release ${want}`);
    }
  }
  return problems;
}

interface BuiltTool {
  readonly name: ServiceName | EngineProgram;
  readonly dir: string;
  readonly cached: boolean;
  readonly seconds: number;
}

function filesHash(build: GoBuild, goVersion: string): string {
  const { cgo, tags, binaryTags } = BUILD_RECIPES[build.dir];
  const h = createHash("sha256").update(`${RECIPE}\0${goVersion}\0${JSON.stringify({ cgo, tags, binaryTags })}\0`);
  const dir = path.join(TOOLS_SRC, build.dir);
  for (const f of fs.readdirSync(dir).sort()) {
    if (f === "go.mod" || f === "go.sum" || f.endsWith(".go"))
      h.update(`${f}\0`)
        .update(fs.readFileSync(path.join(dir, f)))
        .update("\0");
  }
  return h.digest("hex").slice(0, 12);
}

/** A cgo build's C library, asked of pkg-config first so that its absence names the package to install. */
export function checkCLibrary(release: GoRelease, recipe: BuildRecipe): void {
  if (!recipe.cLibrary) return;
  const r = spawnSync("pkg-config", ["--exists", recipe.cLibrary.pkgConfig]);
  if (r.status !== 0) {
    throw new ToolsError(
      `${release.build.dir} ${release.version} links the C library ${recipe.cLibrary.pkgConfig} (cgo), which pkg-config does not find${r.error ? ` (${r.error.message})` : ""}: ${recipe.cLibrary.install}`,
    );
  }
}

function buildOne(release: GoRelease, goVersion: string): BuiltTool {
  const { build } = release;
  const started = Date.now();
  const src = path.join(TOOLS_SRC, build.dir);
  const recipe = BUILD_RECIPES[build.dir];
  if (!recipe) throw new ToolsError(`tools/${build.dir} has no build recipe in scripts/tools.ts`);
  const out = path.join(TOOLS_CACHE, `${build.dir}-${release.version}-${filesHash(build, goVersion)}`);
  const link = () => {
    fs.mkdirSync(TOOLS_BIN, { recursive: true });
    for (const name of Object.keys(build.binaries)) {
      const target = path.join(TOOLS_BIN, name);
      fs.rmSync(target, { force: true });
      fs.symlinkSync(path.join(out, name), target);
    }
  };
  if (fs.existsSync(path.join(out, ".complete"))) {
    link();
    return { name: release.name, dir: build.dir, cached: true, seconds: 0 };
  }
  checkCLibrary(release, recipe);
  // Keep the caller's GOFLAGS (CI adds -modcacherw); the committed go.sum must suffice (-mod=readonly).
  const env = { CGO_ENABLED: recipe.cgo ? "1" : "0", GOFLAGS: [process.env.GOFLAGS?.trim(), "-mod=readonly"].filter(Boolean).join(" ") };
  // `go mod download` (not `go list -m`): on a cold module cache only download reports a Dir.
  const moduleDir = (JSON.parse(go({ cwd: src, args: ["mod", "download", "-json", build.module], env })) as { Dir?: string }).Dir;
  if (!moduleDir) throw new ToolsError(`go mod download ${build.module} (in tools/${build.dir}) reported no source folder`);
  const staging = `${out}.partial`;
  fs.rmSync(staging, { recursive: true, force: true });
  fs.mkdirSync(staging, { recursive: true });

  let modfileArgs: string[] = [];
  const placeholders = EMBEDDED_UI_PLACEHOLDERS[build.dir];
  if (placeholders) {
    // A writable copy of the module with the placeholder pages, used through -modfile so the
    // committed go.mod and go.sum still decide every other dependency.
    const copy = path.join(staging, "src");
    fs.cpSync(moduleDir, copy, { recursive: true });
    spawnSync("chmod", ["-R", "u+w", copy]);
    for (const rel of placeholders) {
      fs.mkdirSync(path.dirname(path.join(copy, rel)), { recursive: true });
      fs.writeFileSync(
        path.join(copy, rel),
        "<!doctype html><title>Alertmanager</title><p>The web UI is not part of this build; the API is.</p>\n",
      );
    }
    const modfile = path.join(staging, "go.mod");
    fs.writeFileSync(modfile, `${readGoMod(build)}\nreplace ${build.module} => ${copy}\n`);
    fs.copyFileSync(path.join(src, "go.sum"), path.join(staging, "go.sum"));
    modfileArgs = [`-modfile=${modfile}`];
  }

  const ldflags = recipe.ldflags(release, moduleDir);
  for (const [name, pkg] of Object.entries(build.binaries)) {
    const tags = [...recipe.tags, ...(recipe.binaryTags?.[name] ?? [])].join(" ");
    go({
      cwd: src,
      args: ["build", ...modfileArgs, "-trimpath", "-tags", tags, "-ldflags", ldflags, "-o", path.join(staging, name), pkg],
      env,
    });
  }
  if (placeholders) fs.rmSync(path.join(staging, "src"), { recursive: true, force: true });
  fs.writeFileSync(path.join(staging, ".complete"), `${new Date().toISOString()}\n`);
  fs.rmSync(out, { recursive: true, force: true });
  fs.renameSync(staging, out);
  link();
  return { name: release.name, dir: build.dir, cached: false, seconds: (Date.now() - started) / 1000 };
}

/**
 * The previous release's Node for the rehearsal's bridge image: the npm `node` package at that
 * version (the build the registry ships, as .ci/run installs today's), installed once into the
 * tools cache by the ordinary npm client and linked as .tools/bin/node-<version>.
 */
function installPreviousNode(): BuiltTool | undefined {
  if (PREVIOUS_BUILDS.telegramBridge?.by !== "node") return undefined;
  const version = PREVIOUS_RELEASES.telegramBridge.version;
  const started = Date.now();
  const prefix = path.join(TOOLS_CACHE, `node-${version}`);
  const binary = path.join(prefix, "node_modules", "node", "bin", "node");
  const cached = fs.existsSync(path.join(prefix, ".complete"));
  if (!cached) {
    fs.rmSync(prefix, { recursive: true, force: true });
    fs.mkdirSync(prefix, { recursive: true });
    const r = spawnSync(
      "npm",
      ["install", "--prefix", prefix, "--no-save", "--no-audit", "--no-fund", "--no-package-lock", `node@${version}`],
      { encoding: "utf8", maxBuffer: 16 * 1024 * 1024 },
    );
    if (r.status !== 0 || !fs.existsSync(binary))
      throw new ToolsError(
        `npm install node@${version} (the previous release's Node, for the upgrade rehearsal) failed: ${r.error?.message ?? r.stderr}`,
      );
    fs.writeFileSync(path.join(prefix, ".complete"), `${new Date().toISOString()}\n`);
  }
  const link = previousNodePath();
  fs.mkdirSync(TOOLS_BIN, { recursive: true });
  fs.rmSync(link, { force: true });
  fs.symlinkSync(binary, link);
  return { name: "telegramBridge", dir: `node-${version}`, cached, seconds: (Date.now() - started) / 1000 };
}

export function buildTools(log: (line: string) => void = console.log): BuiltTool[] {
  const goVersionText = (() => {
    try {
      return go({ cwd: ROOT, args: ["version"] });
    } catch (e) {
      if (e instanceof ToolsError) throw e;
      throw new ToolsError(missingGo());
    }
  })();
  const goVersion = /go(\d+\.\d+(?:\.\d+)?)/.exec(goVersionText)?.[1] ?? "0";
  if (compareVersions(goVersion, requiredGo()) < 0) {
    throw new ToolsError(`go ${goVersion} is too old: the pinned modules need Go ${requiredGo()} or newer (${goVersionText.trim()})`);
  }
  const problems = [...goBuilds(), ...previousGoBuilds()].flatMap((r) => pinProblems(r, readGoMod(r.build)));
  if (problems.length) throw new ToolsError(`the pins disagree with config/versions.ts:\n  - ${problems.join("\n  - ")}`);
  const built: BuiltTool[] = [];
  for (const release of goBuilds()) {
    const t = buildOne(release, goVersion);
    log(
      `${release.build.dir} ${release.version}: ${t.cached ? "cached" : `built in ${t.seconds.toFixed(0)} s`} (${Object.keys(release.build.binaries).join(", ")})`,
    );
    built.push(t);
  }
  for (const release of previousGoBuilds()) {
    const t = buildOne(release, goVersion);
    log(
      `${release.build.dir} ${release.version} (the previous release, for the upgrade rehearsal): ${t.cached ? "cached" : `built in ${t.seconds.toFixed(0)} s`} (${Object.keys(release.build.binaries).join(", ")})`,
    );
    built.push(t);
  }
  const node = installPreviousNode();
  if (node) {
    log(
      `node ${PREVIOUS_RELEASES.telegramBridge.version} (the previous release, for the upgrade rehearsal): ${node.cached ? "cached" : `installed in ${node.seconds.toFixed(0)} s`}`,
    );
    built.push(node);
  }
  log(`tools in ${path.relative(ROOT, TOOLS_BIN)} → ${TOOLS_CACHE}`);
  return built;
}

if (require.main === module) {
  try {
    buildTools();
  } catch (e) {
    console.error(e instanceof ToolsError ? `npm run tools: ${e.message}` : e);
    process.exit(1);
  }
}

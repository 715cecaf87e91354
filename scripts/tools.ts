/**
 * `npm run tools`: builds the programs the tests run — Prometheus and promtool, Alertmanager and
 * amtool, node_exporter, blackbox_exporter and the OpenTelemetry Collector distribution — from
 * the Go modules pinned under tools/, at the releases of config/versions.ts. Binaries land in a
 * cache keyed by everything that decides their bytes, and .tools/bin links to them. Nothing is
 * downloaded but Go modules through the ordinary go command; nothing falls back to another version.
 */
import { createHash } from "crypto";
import { spawnSync } from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { ServiceName } from "../config/services";
import { GoBuild, moduleVersionOf, RELEASES } from "../config/versions";
import { TOOLS_BIN } from "../cli/builtTools";

export const ROOT = path.resolve(__dirname, "..");
export const TOOLS_SRC = path.join(ROOT, "tools");
export { TOOLS_BIN };
export const TOOLS_CACHE =
  process.env.TUTORDEX_TOOLS_CACHE ?? path.join(process.env.XDG_CACHE_HOME ?? path.join(os.homedir(), ".cache"), "tutordex-observability", "tools");

/** Bumped when the way binaries are built changes, so cached builds made the old way are not reused. */
const RECIPE = "2";

/**
 * Alertmanager embeds its web UI (ui/app/dist), which its release process builds with npm and Elm
 * and which is therefore absent from the Go module. The build supplies a placeholder page there;
 * every line of Go, the API and amtool are the release's own.
 */
const EMBEDDED_UI_PLACEHOLDERS: Readonly<Record<string, readonly string[]>> = {
  alertmanager: ["ui/app/dist/elm/index.html", "ui/app/dist/mantine/index.html"],
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
    const env = Object.entries(cmd.env ?? {}).map(([k, v]) => `${k}=${v} `).join("");
    throw new ToolsError(`command failed (exit ${r.status}) in ${path.relative(ROOT, cmd.cwd) || "."}:\n  ${env}go ${cmd.args.join(" ")}\n${r.stderr || r.stdout}`);
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
  const versions = goBuilds().map(({ build }) => /^go (\S+)$/m.exec(readGoMod(build))?.[1] ?? "1.0");
  return versions.sort(compareVersions).at(-1)!;
}

function compareVersions(a: string, b: string): number {
  const pa = a.split(".").map(Number);
  const pb = b.split(".").map(Number);
  for (let i = 0; i < Math.max(pa.length, pb.length); i++) if ((pa[i] ?? 0) !== (pb[i] ?? 0)) return (pa[i] ?? 0) - (pb[i] ?? 0);
  return 0;
}

export function goBuilds(): { service: ServiceName; build: GoBuild }[] {
  return (Object.entries(RELEASES) as [ServiceName, (typeof RELEASES)[ServiceName]][]).flatMap(([service, r]) =>
    r.tested.by === "go" ? [{ service, build: r.tested.build }] : [],
  );
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
export function pinProblems(service: ServiceName, goMod: string): string[] {
  const r = RELEASES[service];
  if (r.tested.by !== "go") return [];
  const { build } = r.tested;
  const required = requiredModules(goMod);
  const want = moduleVersionOf(service);
  const got = required.get(build.module);
  const where = `tools/${build.dir}/go.mod`;
  const problems: string[] = [];
  if (got !== want) {
    problems.push(
      `${where} pins ${build.module} ${got ?? "(not at all)"}, but config/versions.ts pins ${service} ${r.version} (module ${want}); ` +
        `run: cd tools/${build.dir} && go get ${build.module}@${want} && go mod tidy`,
    );
  }
  if (service === "otelCollector") {
    const direct = goMod.split("\n").filter((l) => !l.includes("// indirect"));
    for (const [mod, version] of required) {
      const isDirect = direct.some((l) => l.trim().startsWith(`${mod} `) || l.trim().startsWith(`require ${mod} `));
      const contrib = mod.startsWith("github.com/open-telemetry/opentelemetry-collector-contrib/");
      const coreBeta = mod.startsWith("go.opentelemetry.io/collector/") && version.startsWith("v0.");
      if (isDirect && (contrib || coreBeta) && version !== want) problems.push(`${where} pins ${mod} ${version}; every collector module must be at the one release ${want}`);
    }
  }
  return problems;
}

interface BuiltTool {
  readonly service: ServiceName;
  readonly dir: string;
  readonly cached: boolean;
  readonly seconds: number;
}

function filesHash(build: GoBuild, goVersion: string): string {
  const h = createHash("sha256").update(`${RECIPE}\0${goVersion}\0`);
  const dir = path.join(TOOLS_SRC, build.dir);
  for (const f of fs.readdirSync(dir).sort()) {
    if (f === "go.mod" || f === "go.sum" || f.endsWith(".go")) h.update(`${f}\0`).update(fs.readFileSync(path.join(dir, f))).update("\0");
  }
  return h.digest("hex").slice(0, 12);
}

/** The -ldflags the upstream release process (promu) sets, from the module's own VERSION file. */
function promuLdflags(moduleDir: string, module: string, moduleVersion: string): string {
  const version = fs.readFileSync(path.join(moduleDir, "VERSION"), "utf8").trim();
  const v = "github.com/prometheus/common/version";
  return [`-X ${v}.Version=${version}`, `-X ${v}.Revision=${module}@${moduleVersion}`, `-X ${v}.Branch=release`, `-X ${v}.BuildUser=tutordex-observability`].join(" ");
}

function buildOne(service: ServiceName, build: GoBuild, goVersion: string): BuiltTool {
  const started = Date.now();
  const src = path.join(TOOLS_SRC, build.dir);
  const moduleVersion = moduleVersionOf(service);
  const out = path.join(TOOLS_CACHE, `${build.dir}-${RELEASES[service].version}-${filesHash(build, goVersion)}`);
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
    return { service, dir: build.dir, cached: true, seconds: 0 };
  }
  // Keep the caller's GOFLAGS (CI adds -modcacherw); the committed go.sum must suffice (-mod=readonly).
  const env = { CGO_ENABLED: "0", GOFLAGS: [process.env.GOFLAGS?.trim(), "-mod=readonly"].filter(Boolean).join(" ") };
  // `go mod download` (not `go list -m`): on a cold module cache only download reports a Dir.
  const moduleDir = JSON.parse(go({ cwd: src, args: ["mod", "download", "-json", build.module], env })).Dir as string;
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
      fs.writeFileSync(path.join(copy, rel), "<!doctype html><title>Alertmanager</title><p>The web UI is not part of this build; the API is.</p>\n");
    }
    const modfile = path.join(staging, "go.mod");
    fs.writeFileSync(modfile, `${readGoMod(build)}\nreplace ${build.module} => ${copy}\n`);
    fs.copyFileSync(path.join(src, "go.sum"), path.join(staging, "go.sum"));
    modfileArgs = [`-modfile=${modfile}`];
  }

  const ldflags =
    service === "otelCollector"
      ? `-X main.version=${requiredModules(readGoMod(build)).get(build.module)!.replace(/^v/, "")}`
      : promuLdflags(moduleDir, build.module, moduleVersion);
  for (const [name, pkg] of Object.entries(build.binaries)) {
    go({ cwd: src, args: ["build", ...modfileArgs, "-trimpath", "-tags", "netgo", "-ldflags", ldflags, "-o", path.join(staging, name), pkg], env });
  }
  if (placeholders) fs.rmSync(path.join(staging, "src"), { recursive: true, force: true });
  fs.writeFileSync(path.join(staging, ".complete"), `${new Date().toISOString()}\n`);
  fs.rmSync(out, { recursive: true, force: true });
  fs.renameSync(staging, out);
  link();
  return { service, dir: build.dir, cached: false, seconds: (Date.now() - started) / 1000 };
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
  const problems = goBuilds().flatMap(({ service, build }) => pinProblems(service, readGoMod(build)));
  if (problems.length) throw new ToolsError(`the pins disagree with config/versions.ts:\n  - ${problems.join("\n  - ")}`);
  const built: BuiltTool[] = [];
  for (const { service, build } of goBuilds()) {
    const t = buildOne(service, build, goVersion);
    log(`${build.dir} ${RELEASES[service].version}: ${t.cached ? "cached" : `built in ${t.seconds.toFixed(0)} s`} (${Object.keys(build.binaries).join(", ")})`);
    built.push(t);
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

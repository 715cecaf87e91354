/**
 * The images of the docker tier, reproduced locally (no registry is reachable here). Each recipe is
 * a folder under images/ whose Dockerfile names the official Dockerfile it follows; this file
 * assembles its build context in a temporary folder from committed text files and programs present
 * on this machine (the binaries `npm run tools` builds, Debian's static busybox, the npm `node`
 * package and the shared libraries it needs), builds it on the engine and tags it with exactly the
 * name the stack pins (config/defaults.ts), so the program's image names are used unchanged.
 *
 * Builds are cached outside the repository: an image is saved (`docker save`) under
 * ~/.cache/tutordex-observability/images, keyed by the hash of its recipe and of every input's
 * bytes and by the engine's version, and a later run loads that archive into its fresh engine
 * instead of building again. An archive is loaded only by the engine release that built and saved
 * it: `docker save` writes another layout from Docker 25 on (OCI, from the containerd image store),
 * and an engine bump must build the images itself once rather than take an older engine's build.
 */
import { spawnSync } from "child_process";
import { createHash } from "crypto";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import Docker from "dockerode";
import { previousNodePath, toolPath } from "../../cli/builtTools";
import { DEFAULT_IMAGES } from "../../config/defaults";
import { PREVIOUS_RELEASES, previousImageOf } from "../../config/previousVersions";
import { RELEASES } from "../../config/versions";

export const ROOT = path.resolve(__dirname, "..", "..");
export const IMAGES_DIR = path.join(ROOT, "images");
export const IMAGE_CACHE =
  process.env.TUTORDEX_IMAGE_CACHE ??
  path.join(process.env.XDG_CACHE_HOME ?? path.join(os.homedir(), ".cache"), "tutordex-observability", "images");
/** Bumped when the way contexts are assembled changes. */
const BUILDER_VERSION = "1";
export const RECIPE_LABEL = "org.tutordex.recipe";
export const BUSYBOX = process.env.TUTORDEX_BUSYBOX ?? "/bin/busybox";
export const NODE_BINARY = path.join(ROOT, "node_modules", "node", "bin", "node");
const BUSYBOX_HINT = "apt-get install -y busybox-static";

export class ImageError extends Error {}

/** Files of a build context: context-relative path → host file, or literal content. */
type ContextFiles = Record<string, { readonly from: string } | { readonly text: string; readonly mode?: number }>;

export interface Recipe {
  /** Folder under images/ with the Dockerfile. */
  readonly dir: string;
  /** Tag the image gets (for stack images, the pinned name). */
  readonly tag: string;
  /** Another recipe this one is built FROM (passed as build arg BASE). */
  readonly base?: string;
  /** The context, besides the committed files of the folder. */
  readonly inputs: () => ContextFiles;
  /** Name of its cache archives, when another recipe shares its folder (default: the folder). */
  readonly cacheName?: string;
}

function requireFile(file: string, hint: string): string {
  if (!fs.existsSync(file)) throw new ImageError(`${file} is missing: ${hint}`);
  return file;
}

function committed(dir: string, files: Record<string, string>): ContextFiles {
  return Object.fromEntries(Object.entries(files).map(([to, from]) => [to, { from: path.join(IMAGES_DIR, dir, from) }]));
}

/** Debian files the Prometheus busybox base adds to busybox:uclibc. */
function debianBaseFiles(): ContextFiles {
  const out: ContextFiles = {
    "rootfs/etc/ssl/certs/ca-certificates.crt": {
      from: requireFile("/etc/ssl/certs/ca-certificates.crt", "apt-get install -y ca-certificates"),
    },
    "rootfs/etc/nsswitch.conf": { from: requireFile("/etc/nsswitch.conf", "part of Debian's base-files/libc-bin") },
    "rootfs/etc/services": { from: requireFile("/etc/services", "apt-get install -y netbase") },
  };
  const zoneinfo = "/usr/share/zoneinfo";
  if (fs.existsSync(zoneinfo)) {
    for (const f of walk(zoneinfo)) out[`rootfs/usr/share/zoneinfo/${path.relative(zoneinfo, f)}`] = { from: fs.realpathSync(f) };
  }
  return out;
}

function walk(dir: string): string[] {
  return fs.readdirSync(dir, { withFileTypes: true }).flatMap((e) => {
    const p = path.join(dir, e.name);
    if (e.isDirectory()) return walk(p);
    if (e.isFile()) return [p];
    if (e.isSymbolicLink()) {
      try {
        if (fs.statSync(p).isFile()) return [p];
      } catch {
        return [];
      }
    }
    return [];
  });
}

/** The glibc shared objects the npm node binary loads, at the paths ldd reports. */
export function nodeLibraries(node = NODE_BINARY): ContextFiles {
  const r = spawnSync("ldd", [node], { encoding: "utf8" });
  if (r.status !== 0) throw new ImageError(`ldd ${node} failed: ${r.stderr}`);
  const out: ContextFiles = {};
  for (const line of r.stdout.split("\n")) {
    const m = /(?:=>\s*)?(\/\S+)\s+\(0x/.exec(line);
    if (!m) continue;
    const lib = m[1];
    out[`rootfs${lib}`] = { from: fs.realpathSync(lib) };
  }
  if (!Object.keys(out).some((k) => k.includes("ld-linux"))) throw new ImageError(`ldd ${node} named no dynamic loader:\n${r.stdout}`);
  return out;
}

const PROM_BASE = "prom-busybox";

export const RECIPES: Readonly<Record<string, Recipe>> = {
  [PROM_BASE]: {
    dir: "prom-busybox",
    tag: "tutordex-local/prom-busybox:base",
    inputs: () => ({
      "rootfs/bin/busybox": {
        from: requireFile(BUSYBOX, `the docker tier builds its busybox images from Debian's static busybox: ${BUSYBOX_HINT}`),
      },
      ...committed("prom-busybox", { "rootfs/etc/passwd": "passwd", "rootfs/etc/group": "group" }),
      ...debianBaseFiles(),
    }),
  },
  prometheus: {
    dir: "prometheus",
    tag: DEFAULT_IMAGES.prometheus,
    base: PROM_BASE,
    inputs: () => ({
      prometheus: { from: toolPath("prometheus") },
      promtool: { from: toolPath("promtool") },
      ...committed("prometheus", { "prometheus.yml": "prometheus.yml" }),
    }),
  },
  alertmanager: {
    dir: "alertmanager",
    tag: DEFAULT_IMAGES.alertmanager,
    base: PROM_BASE,
    inputs: () => ({
      alertmanager: { from: toolPath("alertmanager") },
      amtool: { from: toolPath("amtool") },
      ...committed("alertmanager", { "alertmanager.yml": "alertmanager.yml" }),
    }),
  },
  nodeExporter: {
    dir: "node-exporter",
    tag: DEFAULT_IMAGES.nodeExporter,
    base: PROM_BASE,
    inputs: () => ({ node_exporter: { from: toolPath("node_exporter") } }),
  },
  blackboxExporter: {
    dir: "blackbox-exporter",
    tag: DEFAULT_IMAGES.blackboxExporter,
    base: PROM_BASE,
    inputs: () => ({
      blackbox_exporter: { from: toolPath("blackbox_exporter") },
      ...committed("blackbox-exporter", { "config.yml": "config.yml" }),
    }),
  },
  otelCollector: {
    dir: "otel-collector-contrib",
    tag: DEFAULT_IMAGES.otelCollector,
    inputs: () => ({
      "otelcol-contrib": { from: toolPath("otelcol") },
      "ca-certificates.crt": { from: requireFile("/etc/ssl/certs/ca-certificates.crt", "apt-get install -y ca-certificates") },
      ...committed("otel-collector-contrib", { "config.yaml": "config.yaml" }),
    }),
  },
  node: {
    dir: "node-alpine",
    tag: DEFAULT_IMAGES.telegramBridge,
    inputs: () => ({
      "rootfs/bin/busybox": { from: requireFile(BUSYBOX, `the node image carries Debian's static busybox: ${BUSYBOX_HINT}`) },
      "rootfs/usr/local/bin/node": { from: requireFile(NODE_BINARY, "run npm ci (the node package is a devDependency)") },
      ...committed("node-alpine", {
        "rootfs/etc/passwd": "passwd",
        "rootfs/etc/group": "group",
        "rootfs/usr/local/bin/docker-entrypoint.sh": "docker-entrypoint.sh",
      }),
      ...nodeLibraries(),
    }),
  },
};

/**
 * The previous release's images (config/previousVersions.ts) that the upgrade rehearsal starts
 * from, for the services it runs whose pin this release moved: today's recipe with the previous
 * release's program, tagged as the previous release pinned it. The node image's Dockerfile is
 * today's with the previous NODE_VERSION (the only line that names the release).
 */
export const PREVIOUS_RECIPES: Readonly<Record<string, Recipe>> = {
  "prometheus-previous": {
    dir: "prometheus",
    cacheName: "prometheus-previous",
    tag: previousImageOf(PREVIOUS_RELEASES.prometheus),
    base: PROM_BASE,
    inputs: () => ({
      prometheus: { from: toolPath("prometheus-previous") },
      promtool: { from: toolPath("promtool-previous") },
      ...committed("prometheus", { "prometheus.yml": "prometheus.yml" }),
    }),
  },
  "node-previous": {
    dir: "node-alpine",
    cacheName: "node-alpine-previous",
    tag: previousImageOf(PREVIOUS_RELEASES.telegramBridge),
    inputs: () => {
      const node = requireFile(
        previousNodePath(),
        `the previous release's Node (${PREVIOUS_RELEASES.telegramBridge.version}): run npm run tools`,
      );
      const dockerfile = fs.readFileSync(path.join(IMAGES_DIR, "node-alpine", "Dockerfile"), "utf8");
      const today = `ENV NODE_VERSION=${RELEASES.telegramBridge.version}\n`;
      if (!dockerfile.includes(today))
        throw new ImageError(
          `images/node-alpine/Dockerfile has no line ${today.trim()}: the previous node image is that Dockerfile with the previous NODE_VERSION`,
        );
      return {
        Dockerfile: { text: dockerfile.replace(today, `ENV NODE_VERSION=${PREVIOUS_RELEASES.telegramBridge.version}\n`) },
        "rootfs/bin/busybox": { from: requireFile(BUSYBOX, `the node image carries Debian's static busybox: ${BUSYBOX_HINT}`) },
        "rootfs/usr/local/bin/node": { from: node },
        ...committed("node-alpine", {
          "rootfs/etc/passwd": "passwd",
          "rootfs/etc/group": "group",
          "rootfs/usr/local/bin/docker-entrypoint.sh": "docker-entrypoint.sh",
        }),
        ...nodeLibraries(node),
      };
    },
  },
};

const ALL_RECIPES: Readonly<Record<string, Recipe>> = { ...RECIPES, ...PREVIOUS_RECIPES };

/** The recipes that give the stack's own images (the base is built on the way). */
export const STACK_IMAGE_RECIPES = ["prometheus", "alertmanager", "nodeExporter", "blackboxExporter", "otelCollector", "node"] as const;

const fileHashes = new Map<string, string>();
function hashFile(file: string): string {
  const st = fs.statSync(file);
  const memo = `${file}\0${st.size}\0${st.mtimeMs}\0${st.ino}`;
  const known = fileHashes.get(memo);
  if (known) return known;
  const h = createHash("sha256");
  const fd = fs.openSync(file, "r");
  const buf = Buffer.allocUnsafe(4 << 20);
  try {
    for (let n = fs.readSync(fd, buf, 0, buf.length, null); n > 0; n = fs.readSync(fd, buf, 0, buf.length, null))
      h.update(buf.subarray(0, n));
  } finally {
    fs.closeSync(fd);
  }
  const digest = h.digest("hex");
  fileHashes.set(memo, digest);
  return digest;
}

interface Planned {
  readonly name: string;
  readonly recipe: Recipe;
  readonly key: string;
  readonly files: ContextFiles;
}

const planned = new Map<string, Planned>();

/** The recipe with its inputs resolved and its cache key: the recipe folder, every input's bytes and modes, the base's key. */
export function plan(name: string): Planned {
  const cached = planned.get(name);
  if (cached) return cached;
  const recipe = ALL_RECIPES[name];
  if (!recipe) throw new ImageError(`no image recipe ${name}`);
  const dir = path.join(IMAGES_DIR, recipe.dir);
  const files: ContextFiles = { Dockerfile: { from: path.join(dir, "Dockerfile") }, ...recipe.inputs() };
  const h = createHash("sha256").update(`builder ${BUILDER_VERSION}\0tag ${recipe.tag}\0`);
  if (recipe.base) h.update(`base ${plan(recipe.base).key}\0`);
  for (const k of Object.keys(files).sort()) {
    const f = files[k];
    h.update(`${k}\0`);
    if ("text" in f) h.update(`${f.text}\0${f.mode ?? 0o644}\0`);
    else h.update(`${hashFile(f.from)}\0${fs.statSync(f.from).mode & 0o777}\0`);
  }
  const p = { name, recipe, key: h.digest("hex").slice(0, 16), files };
  planned.set(name, p);
  return p;
}

async function followBuild(docker: Docker, stream: NodeJS.ReadableStream): Promise<string> {
  const log: string[] = [];
  await new Promise<void>((resolve, reject) =>
    docker.modem.followProgress(
      stream,
      (err: Error | null, output: { error?: string; errorDetail?: { message: string } }[]) => {
        const failed = err?.message ?? output.find((o) => o.error)?.error;
        if (failed) reject(new ImageError(`${failed}\n${log.slice(-20).join("")}`));
        else resolve();
      },
      (event: { stream?: string }) => {
        if (event.stream) log.push(event.stream);
      },
    ),
  );
  return log.join("");
}

function assembleContext(p: Planned): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), `tdx-ctx-${p.recipe.dir}-`));
  for (const [rel, f] of Object.entries(p.files)) {
    const target = path.join(dir, rel);
    fs.mkdirSync(path.dirname(target), { recursive: true });
    if ("text" in f) {
      fs.writeFileSync(target, f.text, { mode: f.mode ?? 0o644 });
    } else {
      const real = fs.realpathSync(f.from);
      try {
        fs.linkSync(real, target);
      } catch {
        fs.copyFileSync(real, target);
      }
    }
  }
  return dir;
}

/** `prometheus-<key>-docker29.8.1.tar`: one recipe's build by one engine release. */
export function cacheFile(p: Planned, engineVersion: string): string {
  return path.join(IMAGE_CACHE, `${p.recipe.cacheName ?? p.recipe.dir}-${p.key}-docker${engineVersion}.tar`);
}

const engineVersions = new WeakMap<Docker, Promise<string>>();
function engineVersion(docker: Docker): Promise<string> {
  let v = engineVersions.get(docker);
  if (!v) {
    v = docker.version().then((r) => r.Version);
    engineVersions.set(docker, v);
  }
  return v;
}

async function hasCurrent(docker: Docker, p: Planned): Promise<boolean> {
  try {
    const info = await docker.getImage(p.recipe.tag).inspect();
    return info.Config?.Labels?.[RECIPE_LABEL] === p.key;
  } catch {
    return false;
  }
}

export interface EnsureReport {
  readonly name: string;
  readonly tag: string;
  readonly how: "present" | "loaded" | "built";
  readonly ms: number;
}

/**
 * Makes the image of a recipe present on the engine: already there with the same key, loaded from
 * the cache, or built (then saved to the cache for the next engine).
 */
export async function ensureImage(docker: Docker, name: string, report: EnsureReport[] = []): Promise<EnsureReport[]> {
  const p = plan(name);
  if (p.recipe.base) await ensureImage(docker, p.recipe.base, report);
  if (report.some((r) => r.name === name)) return report;
  const started = Date.now();
  if (await hasCurrent(docker, p)) {
    report.push({ name, tag: p.recipe.tag, how: "present", ms: Date.now() - started });
    return report;
  }
  const cached = cacheFile(p, await engineVersion(docker));
  if (fs.existsSync(cached)) {
    const stream = await docker.loadImage(fs.createReadStream(cached), { quiet: true });
    await new Promise<void>((resolve, reject) =>
      docker.modem.followProgress(stream, (err: Error | null) => (err ? reject(err) : resolve())),
    );
    if (await hasCurrent(docker, p)) {
      report.push({ name, tag: p.recipe.tag, how: "loaded", ms: Date.now() - started });
      return report;
    }
  }
  const context = assembleContext(p);
  try {
    const base = p.recipe.base ? plan(p.recipe.base).recipe.tag : undefined;
    const stream = await docker.buildImage(
      { context, src: fs.readdirSync(context) },
      { t: p.recipe.tag, labels: { [RECIPE_LABEL]: p.key }, buildargs: base ? { BASE: base } : {}, rm: true, forcerm: true },
    );
    await followBuild(docker, stream);
  } catch (e) {
    throw new ImageError(`building ${p.recipe.tag} from images/${p.recipe.dir} failed: ${(e as Error).message}`);
  } finally {
    fs.rmSync(context, { recursive: true, force: true });
  }
  fs.mkdirSync(IMAGE_CACHE, { recursive: true });
  const tmp = `${cached}.${process.pid}.tmp`;
  const out = await docker.getImage(p.recipe.tag).get();
  await new Promise<void>((resolve, reject) => {
    const w = fs.createWriteStream(tmp);
    out.on("error", reject);
    w.on("error", reject);
    w.on("finish", () => resolve());
    out.pipe(w);
  });
  fs.renameSync(tmp, cached);
  pruneCache(p, cached);
  report.push({ name, tag: p.recipe.tag, how: "built", ms: Date.now() - started });
  return report;
}

/** Older archives of the same recipe (other inputs, or another engine's) are removed, so the cache holds one per recipe. */
function pruneCache(p: Planned, kept: string): void {
  const stem = p.recipe.cacheName ?? p.recipe.dir;
  for (const f of fs.readdirSync(IMAGE_CACHE)) {
    if (f.startsWith(`${stem}-`) && f !== path.basename(kept) && /^[0-9a-f]{16}(-docker[^/]+)?\.tar$/.test(f.slice(stem.length + 1))) {
      fs.rmSync(path.join(IMAGE_CACHE, f), { force: true });
    }
  }
}

/** Every image the docker tier runs: the stack's pinned ones and the node image for test containers. */
export async function ensureStackImages(docker: Docker): Promise<EnsureReport[]> {
  const report: EnsureReport[] = [];
  for (const name of STACK_IMAGE_RECIPES) await ensureImage(docker, name, report);
  return report;
}

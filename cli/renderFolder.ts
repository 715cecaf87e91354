import * as fs from "fs";
import * as path from "path";
import { UsageError } from "./io";

/**
 * The file `obs render` leaves in every folder it writes, listing the files it wrote there. Only a
 * folder that carries it is ever cleared, and then only of the files it lists: `--out .` in a
 * checkout, or any folder of someone else's, loses nothing.
 */
export const RENDER_MARKER = ".obs-render.json";

const MARKER_KIND = "tutordex-observability obs render";

interface Marker {
  readonly writtenBy: typeof MARKER_KIND;
  readonly stack: string;
  /** Paths relative to the folder, `/`-separated. */
  readonly files: readonly string[];
}

/** A path the marker may name: relative, inside the folder, and not the marker itself. */
function isInside(rel: unknown): boolean {
  if (typeof rel !== "string" || rel === "" || rel.includes("\\") || rel.includes("\0") || path.posix.isAbsolute(rel)) return false;
  const parts = rel.split("/");
  return parts.every((p) => p !== "" && p !== "." && p !== "..") && rel !== RENDER_MARKER;
}

function readMarker(dir: string): Marker {
  const file = path.join(dir, RENDER_MARKER);
  const refuse = (why: string) =>
    new UsageError(
      `${dir} carries ${RENDER_MARKER}, but ${why}: nothing was deleted; remove the folder yourself if it holds nothing you need, or choose another --out`,
    );
  let marker: unknown;
  try {
    marker = JSON.parse(fs.readFileSync(file, "utf8"));
  } catch (e) {
    throw refuse(`it cannot be read (${(e as Error).message})`);
  }
  const m = marker as Partial<Marker>;
  if (m?.writtenBy !== MARKER_KIND || !Array.isArray(m.files)) throw refuse("it is not one obs render wrote");
  const outside = m.files.filter((f) => !isInside(f));
  if (outside.length)
    throw refuse(
      `it lists paths outside the folder (${outside
        .slice(0, 3)
        .map((f) => JSON.stringify(f))
        .join(", ")})`,
    );
  return m as Marker;
}

/** Whether any folder between `dir` and `rel` (or `rel` itself) is a symbolic link: deleting or writing through one would leave the folder. */
function throughLink(dir: string, rel: string): boolean {
  let at = dir;
  for (const part of rel.split("/")) {
    at = path.join(at, part);
    let stat: fs.Stats;
    try {
      stat = fs.lstatSync(at);
    } catch {
      return false;
    }
    if (stat.isSymbolicLink()) return true;
  }
  return false;
}

/** Whether writing `rel` would replace something: the file is there, or a file stands where one of its folders goes. */
function occupied(dir: string, rel: string): boolean {
  const parts = rel.split("/");
  return parts.some((_, i) => {
    const at = path.join(dir, ...parts.slice(0, i + 1));
    return fs.existsSync(at) && (i === parts.length - 1 || !fs.statSync(at).isDirectory());
  });
}

/** What is in the folder now: nothing (or no folder), or the files a marker says obs render wrote. */
function previousRender(dir: string): readonly string[] {
  let stat: fs.Stats;
  try {
    stat = fs.statSync(dir);
  } catch {
    return [];
  }
  if (!stat.isDirectory()) throw new UsageError(`${dir} exists and is not a folder: nothing was written`);
  const entries = fs.readdirSync(dir);
  if (entries.length === 0) return [];
  if (!entries.includes(RENDER_MARKER)) {
    throw new UsageError(
      `${dir} is not empty and obs render did not write it (no ${RENDER_MARKER}): it deletes only what it wrote, so nothing was deleted or written; ` +
        "choose a new or empty folder for --out (a folder an older obs render wrote has no marker: remove it yourself)",
    );
  }
  return readMarker(dir).files;
}

/**
 * Writes a render into `dir`: creates it, or fills it when empty, or replaces the files its
 * marker lists (removing the folders that leaves empty, so a file the render no longer has
 * disappears). Everything is checked before anything is touched: a folder with other contents
 * and no marker, a new file that would overwrite one obs render did not write, or a path through
 * a symbolic link is a UsageError, and the folder is left as it was.
 */
export function writeRenderFolder(dir: string, stack: string, files: Readonly<Record<string, string>>): void {
  const previous = previousRender(dir);
  const names = Object.keys(files).sort();
  const linked = [...previous, ...names].filter((rel) => throughLink(dir, rel));
  if (linked.length)
    throw new UsageError(
      `${dir}: ${linked[0]} goes through a symbolic link, so obs render will not delete or write it: nothing was changed`,
    );
  const ours = new Set(previous);
  const foreign = names.filter((rel) => !ours.has(rel) && occupied(dir, rel));
  if (foreign.length)
    throw new UsageError(
      `${dir}: ${foreign[0]} is there and obs render did not write it, so it will not overwrite it: nothing was changed`,
    );

  const folders = new Set<string>();
  for (const rel of previous) {
    const file = path.join(dir, rel);
    if (fs.existsSync(file) && fs.lstatSync(file).isFile()) fs.unlinkSync(file);
    for (let d = path.posix.dirname(rel); d !== "."; d = path.posix.dirname(d)) folders.add(d);
  }
  // Deepest first, and only the ones left empty: a file someone added keeps its folder.
  for (const d of [...folders].sort((a, b) => b.split("/").length - a.split("/").length)) {
    const folder = path.join(dir, d);
    if (fs.existsSync(folder) && fs.lstatSync(folder).isDirectory() && fs.readdirSync(folder).length === 0) fs.rmdirSync(folder);
  }
  // The marker first: a render cut short still says which files are obs render's.
  fs.mkdirSync(dir, { recursive: true });
  const marker: Marker = { writtenBy: MARKER_KIND, stack, files: names };
  fs.writeFileSync(path.join(dir, RENDER_MARKER), `${JSON.stringify(marker, null, 2)}\n`);
  for (const rel of names) {
    const file = path.join(dir, rel);
    fs.mkdirSync(path.dirname(file), { recursive: true });
    fs.writeFileSync(file, files[rel]);
  }
}

import { spawnSync } from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { main } from "../../cli/main";
import { RENDER_MARKER } from "../../cli/renderFolder";
import { capture } from "../support/io";
import { ROOT } from "../../harness/stackFiles";

/**
 * `obs render --out <dir>` deletes only what it wrote: a checkout (with .git) given as --out is
 * refused and left byte for byte as it was; a folder it wrote before loses only its own files.
 */

const tmp = (prefix: string) => fs.mkdtempSync(path.join(os.tmpdir(), prefix));

/** Every file and folder under `dir` with its content, to compare before and after. */
function snapshot(dir: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const e of fs.readdirSync(dir, { recursive: true, withFileTypes: true })) {
    const rel = path.relative(dir, path.join(e.parentPath, e.name));
    out[rel] = e.isSymbolicLink()
      ? `link → ${fs.readlinkSync(path.join(dir, rel))}`
      : e.isDirectory()
        ? "dir"
        : fs.readFileSync(path.join(dir, rel), "utf8");
  }
  return out;
}

/** A git checkout holding a stack file and some work of its own. */
function checkout(): string {
  const dir = tmp("render-checkout-");
  fs.copyFileSync(path.join(ROOT, "Pulumi.dev.yaml"), path.join(dir, "Pulumi.dev.yaml"));
  fs.writeFileSync(path.join(dir, "notes.md"), "uncommitted work\n");
  fs.mkdirSync(path.join(dir, "prometheus"));
  fs.writeFileSync(path.join(dir, "prometheus", "my-rules.yml"), "groups: []\n");
  const git = (...args: string[]) => expect(spawnSync("git", args, { cwd: dir, encoding: "utf8" }).status).toBe(0);
  git("init", "-q");
  git("add", ".");
  git("-c", "user.email=t@t.test", "-c", "user.name=t", "commit", "-qm", "work");
  return dir;
}

const render = async (root: string, out: string, stack = "dev") => {
  const io = capture();
  return { code: await main(["render", "--stack", stack, "--out", out], io, root), text: io.text() };
};

describe("obs render into a folder it did not write", () => {
  it.each([
    ["the checkout itself (--out .)", (dir: string) => dir],
    ["a folder of the checkout with files of its own", (dir: string) => path.join(dir, "prometheus")],
    ["the checkout's .git", (dir: string) => path.join(dir, ".git")],
  ])("refuses %s with exit 2 and changes nothing", async (_name, outOf) => {
    const dir = checkout();
    try {
      const before = snapshot(dir);
      expect(before[".git/HEAD"]).toBeDefined();
      const r = await render(dir, outOf(dir));
      expect(r.code).toBe(2);
      expect(r.text).toContain(
        `is not empty and obs render did not write it (no ${RENDER_MARKER}): it deletes only what it wrote, so nothing was deleted or written`,
      );
      expect(snapshot(dir)).toEqual(before);
      expect(spawnSync("git", ["status", "--porcelain"], { cwd: dir, encoding: "utf8" }).stdout).toBe("");
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });

  it("refuses a file given as the folder", async () => {
    const dir = checkout();
    try {
      const r = await render(dir, path.join(dir, "notes.md"));
      expect(r).toEqual({ code: 2, text: `obs render: ${path.join(dir, "notes.md")} exists and is not a folder: nothing was written` });
      expect(fs.readFileSync(path.join(dir, "notes.md"), "utf8")).toBe("uncommitted work\n");
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });

  it("the --help says so", async () => {
    const io = capture();
    expect(await main(["render", "--help"], io, ROOT)).toBe(0);
    expect(io.text()).toContain("It never deletes what it did not write");
    expect(io.text()).toContain(RENDER_MARKER);
  });
});

describe("obs render into a folder it wrote", () => {
  let root: string;
  let out: string;
  beforeEach(async () => {
    root = checkout();
    out = path.join(root, "rendered", "dev");
    expect((await render(root, out)).code).toBe(0);
  });
  afterEach(() => fs.rmSync(root, { recursive: true, force: true }));

  const marker = () =>
    JSON.parse(fs.readFileSync(path.join(out, RENDER_MARKER), "utf8")) as { writtenBy: string; stack: string; files: string[] };

  it("leaves a marker listing exactly the files it wrote", () => {
    const files = Object.keys(snapshot(out)).filter((f) => fs.statSync(path.join(out, f)).isFile() && f !== RENDER_MARKER);
    expect(marker()).toEqual({ writtenBy: "tutordex-observability obs render", stack: "dev", files: files.sort() });
  });

  it("renders again over it: its own files replaced, a removed one gone, a file someone added kept", async () => {
    const m = marker();
    fs.mkdirSync(path.join(out, "retired"));
    fs.writeFileSync(path.join(out, "retired", "old.yml"), "from an earlier render\n");
    fs.writeFileSync(path.join(out, RENDER_MARKER), JSON.stringify({ ...m, files: [...m.files, "retired/old.yml"] }));
    fs.writeFileSync(path.join(out, "prometheus", "prometheus.yml"), "edited by hand\n");
    fs.writeFileSync(path.join(out, "prometheus", "mine.txt"), "added by someone\n");
    expect((await render(root, out)).code).toBe(0);
    expect(fs.existsSync(path.join(out, "retired"))).toBe(false);
    expect(fs.readFileSync(path.join(out, "prometheus", "prometheus.yml"), "utf8")).toContain("external_labels:");
    expect(fs.readFileSync(path.join(out, "prometheus", "mine.txt"), "utf8")).toBe("added by someone\n");
    expect(marker().files).toEqual(m.files);
  });

  it.each([
    ["a path outside the folder", ["../../notes.md"], "it lists paths outside the folder"],
    ["an absolute path", ["/etc/hostname"], "it lists paths outside the folder"],
    ["the .git of the checkout", ["../../.git/HEAD"], "it lists paths outside the folder"],
  ])("a marker that lists %s is refused, nothing deleted", async (_name, files, why) => {
    fs.writeFileSync(path.join(out, RENDER_MARKER), JSON.stringify({ ...marker(), files }));
    const before = snapshot(root);
    const r = await render(root, out);
    expect(r.code).toBe(2);
    expect(r.text).toContain(why);
    expect(snapshot(root)).toEqual(before);
  });

  it.each([
    ["not JSON", "{ no", "it cannot be read"],
    ["another program's", JSON.stringify({ writtenBy: "someone else", files: [] }), "it is not one obs render wrote"],
  ])("a marker that is %s is refused, nothing deleted", async (_name, text, why) => {
    fs.writeFileSync(path.join(out, RENDER_MARKER), text);
    const before = snapshot(root);
    const r = await render(root, out);
    expect(r.code).toBe(2);
    expect(r.text).toContain(why);
    expect(snapshot(root)).toEqual(before);
  });

  it("will not overwrite a file it did not write where the render puts one", async () => {
    const m = marker();
    fs.writeFileSync(path.join(out, RENDER_MARKER), JSON.stringify({ ...m, files: m.files.filter((f) => f !== "loki/loki.yml") }));
    fs.writeFileSync(path.join(out, "loki", "loki.yml"), "someone's own Loki config\n");
    const before = snapshot(root);
    const r = await render(root, out);
    expect(r).toEqual({
      code: 2,
      text: `obs render: ${out}: loki/loki.yml is there and obs render did not write it, so it will not overwrite it: nothing was changed`,
    });
    expect(snapshot(root)).toEqual(before);
  });

  it("will not delete or write through a symbolic link", async () => {
    const elsewhere = tmp("render-elsewhere-");
    try {
      fs.writeFileSync(path.join(elsewhere, "loki.yml"), "not the render's\n");
      fs.rmSync(path.join(out, "loki"), { recursive: true });
      fs.symlinkSync(elsewhere, path.join(out, "loki"));
      const r = await render(root, out);
      expect(r.code).toBe(2);
      expect(r.text).toContain("loki/loki.yml goes through a symbolic link");
      expect(fs.readFileSync(path.join(elsewhere, "loki.yml"), "utf8")).toBe("not the render's\n");
    } finally {
      fs.rmSync(elsewhere, { recursive: true, force: true });
    }
  });
});

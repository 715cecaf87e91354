import * as fs from "fs";
import * as path from "path";
import { anchorOf, docPages, headings, readDoc } from "./support/docs";

/**
 * The documentation stays usable: a README a newcomer reads to the end, links that lead somewhere,
 * and a specification inside the repository that every "docs/spec.md §N" of the code can be found in.
 */

const ROOT = path.resolve(__dirname, "..");
const README_MAX_LINES = 220;

it(`the README stays short: at most ${README_MAX_LINES} lines (the rest is under docs/)`, () => {
  expect(readDoc("README.md").split("\n").length).toBeLessThanOrEqual(README_MAX_LINES);
});

/** Markdown links `[text](target)` outside code, with the page they are on. */
function links(page: string): { page: string; target: string }[] {
  const text = readDoc(page)
    .replace(/```[\s\S]*?```/g, "")
    .replace(/`[^`\n]*`/g, "");
  return [...text.matchAll(/\]\(([^)\s]+)\)/g)].map((m) => ({ page, target: m[1] }));
}

const relative = docPages()
  .flatMap(links)
  .filter((l) => !/^[a-z][a-z0-9+.-]*:/i.test(l.target));

it("the pages have relative links to check", () => {
  expect(relative.length).toBeGreaterThan(20);
});

it.each(relative.map((l) => [l.page, l.target]))("%s links to %s, which exists", (page, target) => {
  const [file, anchor] = target.split("#");
  const resolved = file === "" ? page : path.posix.normalize(path.posix.join(path.posix.dirname(page), file));
  expect({ target, inRepository: !resolved.startsWith("..") }).toEqual({ target, inRepository: true });
  expect({ target, exists: fs.existsSync(path.join(ROOT, resolved)) }).toEqual({ target, exists: true });
  if (anchor !== undefined && resolved.endsWith(".md")) {
    const anchors = headings(readDoc(resolved)).map((h) => anchorOf(h.text));
    expect({ target, anchor: anchors.includes(anchor) }).toEqual({ target, anchor: true });
  }
});

/** Every source file of the repository that may cite the specification. */
function sources(dir = ROOT): string[] {
  return fs.readdirSync(dir, { withFileTypes: true }).flatMap((e) => {
    if (e.name.startsWith(".") || e.name === "node_modules" || e.name === "reports") return [];
    const full = path.join(dir, e.name);
    if (e.isDirectory()) return sources(full);
    return /\.(ts|js|cjs|md|json|ya?ml)$/.test(e.name) ? [full] : [];
  });
}

it("every section of the specification the code cites (SPEC §N, docs/spec.md §N) is in docs/spec.md", () => {
  const numbered = new Set(headings(readDoc("docs/spec.md")).flatMap((h) => (h.level === 2 ? (/^(\d+)\. /.exec(h.text)?.[1] ?? []) : [])));
  const cited = sources().flatMap((file) =>
    [...fs.readFileSync(file, "utf8").matchAll(/(?:\bSPEC|docs\/spec\.md) §(\d+)/g)].map((m) => ({
      file: path.relative(ROOT, file),
      section: m[1],
    })),
  );
  expect(cited.length).toBeGreaterThan(40);
  expect(cited.filter((c) => !numbered.has(c.section))).toEqual([]);
});

it("nothing cites a specification or design file outside the repository", () => {
  const outside = /\bSPEC\.md\b|\bDESIGN\.md\b|observability-architecture\.md|\.\.\/shared\/SPEC/;
  const citing = sources()
    .filter((file) => outside.test(fs.readFileSync(file, "utf8")))
    .map((file) => path.relative(ROOT, file));
  expect(citing).toEqual([]);
});

import * as fs from "fs";
import * as path from "path";

/**
 * The documentation as committed: README.md and the pages under docs/ and runbooks/. Tests that hold a page to
 * the code read it through here, so a section that moves to another page moves one argument.
 */

const ROOT = path.resolve(__dirname, "..", "..");

/** README.md, every docs/*.md and every runbooks/*.md, as paths relative to the repository. */
export function docPages(): string[] {
  const docs = fs
    .readdirSync(path.join(ROOT, "docs"))
    .filter((f) => f.endsWith(".md"))
    .sort()
    .map((f) => `docs/${f}`);
  const runbooks = fs
    .readdirSync(path.join(ROOT, "runbooks"))
    .filter((f) => f.endsWith(".md"))
    .sort()
    .map((f) => `runbooks/${f}`);
  return ["README.md", ...docs, ...runbooks];
}

export function readDoc(page: string): string {
  return fs.readFileSync(path.join(ROOT, page), "utf8");
}

export interface Heading {
  readonly level: number;
  readonly text: string;
  /** Offset of the heading line in the page. */
  readonly at: number;
}

/** The page's Markdown headings, in order; `#` lines inside fenced code blocks are not headings. */
export function headings(markdown: string): Heading[] {
  const out: Heading[] = [];
  let fenced = false;
  let at = 0;
  for (const line of markdown.split("\n")) {
    if (/^\s*```/.test(line)) fenced = !fenced;
    const m = fenced ? null : /^(#{1,6}) (.+?)\s*$/.exec(line);
    if (m) out.push({ level: m[1].length, text: m[2], at });
    at += line.length + 1;
  }
  return out;
}

/**
 * The section of `page` under the heading `title` (at any level), from that heading up to the next
 * heading of the same or a higher level, or the end of the page. Throws when the page has no such
 * heading, so a test never passes on an empty section.
 */
export function docSection(page: string, title: string): string {
  const text = readDoc(page);
  const all = headings(text);
  const i = all.findIndex((h) => h.text === title);
  if (i < 0) throw new Error(`${page} has no heading "${title}"`);
  const next = all.slice(i + 1).find((h) => h.level <= all[i].level);
  return text.slice(all[i].at, next?.at ?? text.length);
}

/** GitHub's anchor for a heading: lower case, punctuation dropped, spaces to dashes. */
export function anchorOf(heading: string): string {
  return heading
    .toLowerCase()
    .replace(/[^\p{L}\p{N}\s_-]/gu, "")
    .replace(/ /g, "-");
}

import * as path from "path";
import { buildSync, Metafile } from "esbuild";
import { RELEASES } from "../config/versions";

const PROJECT_ROOT = path.resolve(__dirname, "..");

/**
 * One TypeScript entry point of this repository bundled into a single file for a stock Node image:
 * no image is built or pushed, and the bytes are stable, so an unchanged source shows no diff.
 */
export function bundle(entry: string): string {
  return bundleWithMeta(entry).text;
}

/**
 * The bundle and esbuild's account of it (bytes each source contributes), built from `root`:
 * this repository, or another revision of it checked out elsewhere (the graph bench compares
 * sizes), whose packages still come from this checkout's node_modules.
 */
export function bundleWithMeta(entry: string, root = PROJECT_ROOT): { text: string; metafile: Metafile } {
  const out = buildSync({
    absWorkingDir: root,
    entryPoints: [entry],
    bundle: true,
    platform: "node",
    // The Node major the bridge image runs (config/versions.ts).
    target: `node${RELEASES.telegramBridge.version.split(".")[0]}`,
    format: "cjs",
    write: false,
    legalComments: "none",
    // Every stack's Pulumi state keeps an uploaded bundle (twice: the container's inputs and its
    // outputs), so whitespace and redundant syntax go. Names stay: a stack trace still names functions.
    minifyWhitespace: true,
    minifySyntax: true,
    logLevel: "silent",
    metafile: true,
    ...(root === PROJECT_ROOT ? {} : { nodePaths: [path.join(PROJECT_ROOT, "node_modules")] }),
  });
  return { text: out.outputFiles[0].text, metafile: out.metafile };
}

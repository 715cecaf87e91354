import * as path from "path";
import { buildSync } from "esbuild";
import { RELEASES } from "../config/versions";

const PROJECT_ROOT = path.resolve(__dirname, "..");

/**
 * One TypeScript entry point of this repository bundled into a single file for a stock Node image:
 * no image is built or pushed, and the bytes are stable, so an unchanged source shows no diff.
 */
export function bundle(entry: string): string {
  const out = buildSync({
    absWorkingDir: PROJECT_ROOT,
    entryPoints: [entry],
    bundle: true,
    platform: "node",
    // The Node major the bridge image runs (config/versions.ts).
    target: `node${RELEASES.telegramBridge.version.split(".")[0]}`,
    format: "cjs",
    write: false,
    legalComments: "none",
    logLevel: "silent",
  });
  return out.outputFiles[0].text;
}

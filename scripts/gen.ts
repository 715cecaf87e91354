/**
 * `npm run gen`: writes the files generated from the stack schema (config/generatedFiles.ts):
 * Pulumi.yaml, docs/settings.md and schema/stack-config.schema.json. `--check` writes nothing and
 * exits 1 naming every committed copy that differs (test/config/generatedFiles.test.ts does the
 * same in the test run).
 */
import * as fs from "fs";
import * as path from "path";
import { GENERATED_FILES } from "../config/generatedFiles";

const ROOT = path.resolve(__dirname, "..");

function main(argv: readonly string[]): number {
  const check = argv.includes("--check");
  const stale: string[] = [];
  for (const file of GENERATED_FILES) {
    const full = path.join(ROOT, file.path);
    const text = file.render();
    const committed = fs.existsSync(full) ? fs.readFileSync(full, "utf8") : undefined;
    if (committed === text) continue;
    stale.push(file.path);
    if (!check) {
      fs.mkdirSync(path.dirname(full), { recursive: true });
      fs.writeFileSync(full, text);
    }
  }
  if (check && stale.length) {
    console.error(`out of date: ${stale.join(", ")}; run \`npm run gen\``);
    return 1;
  }
  console.log(stale.length ? `${check ? "would write" : "wrote"} ${stale.join(", ")}` : "generated files are up to date");
  return 0;
}

process.exitCode = main(process.argv.slice(2));

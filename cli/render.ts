import * as path from "path";
import { parseArgs } from "util";
import { stackConfigFromFile } from "../config/stackFile";
import { renderStackFiles } from "../generators/stackFiles";
import { EXIT, Io, UsageError } from "./io";
import { RENDER_MARKER, writeRenderFolder } from "./renderFolder";

export const RENDER_HELP = `usage: obs render --stack <name> [--out <dir>]

Writes every generated file of the stack (Prometheus, rules, Alertmanager, blackbox, Loki,
Promtail, Tempo, OTEL Collector, Grafana datasources and dashboards) into <dir>, exactly as
\`pulumi up\` delivers them. Needs no Pulumi CLI and no secrets. Default <dir>: rendered/<name>.

It never deletes what it did not write: <dir> must be new, empty, or a folder obs render wrote
before (it leaves ${RENDER_MARKER} there, listing its files). Rendering again replaces only
those files; a file someone added stays. A non-empty folder without that file is refused
(exit 2) and left untouched.`;

/**
 * Writes the files and returns their paths relative to `out`. The files of a previous render there
 * are removed first, so a file the stack no longer has disappears from the diff.
 */
export function renderTo(root: string, stack: string, out: string): string[] {
  const files = renderStackFiles(stackConfigFromFile(root, stack));
  writeRenderFolder(out, stack, files);
  return Object.keys(files).sort();
}

export function render(argv: string[], root: string, io: Io): number {
  const { values } = parseArgs({
    args: argv,
    options: { stack: { type: "string" }, out: { type: "string" }, help: { type: "boolean" } },
    strict: true,
  });
  if (values.help) {
    io.out(RENDER_HELP);
    return EXIT.ok;
  }
  if (!values.stack) throw new UsageError("render needs --stack <name>");
  const out = path.resolve(values.out ?? path.join(root, "rendered", values.stack));
  const files = renderTo(root, values.stack, out);
  io.out(`rendered ${files.length} files for stack ${values.stack} into ${out}`);
  return EXIT.ok;
}

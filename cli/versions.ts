import { parseArgs } from "util";
import { ServiceName } from "../config/services";
import { ENGINE_RELEASES, EngineProgram, imageOf, RELEASES } from "../config/versions";
import { MissingToolError, reportedVersion } from "./builtTools";
import { EngineError, reportedEngineVersion } from "./engineReleases";
import { EXIT, Io, table } from "./io";

export const VERSIONS_HELP = `usage: obs versions [--json]

One line per service: the pinned image, the release line it follows where one was chosen (the
Prometheus LTS line, the Node LTS line; docs/upgrades.md), and the version the tests ran
of it — what the programs built by npm run tools report (--version), the Node release the tests
run on for the bridge, or why the tests cannot run that service here. Then one line per program
of the Docker Engine the docker tier runs (engine:docker, engine:containerd, engine:runc): the Go
module it is built from and what its binaries report. --json prints an array of
{ "service", "image", "line", "tested", "reason" } (an engine row's image is module@version).
Exits 1 when a built program reports another version than its pin, or is not built.`;

export interface VersionRow {
  /** A service of the stack, or `engine:<program>` for the docker tier's engine. */
  readonly service: ServiceName | `engine:${EngineProgram}`;
  readonly image: string;
  /** The release line the pin follows and until when it gets fixes; null where none was chosen. */
  readonly line: string | null;
  /** The version the tests ran; null when they do not run this service. */
  readonly tested: string | null;
  /** Why nothing was run (or what disagrees with the pin); null when tested matches the pin. */
  readonly reason: string | null;
}

/** `v22.23.3` → `22.23.3`, as release versions are written in config/versions.ts. */
const bare = (v: string) => v.replace(/^v/, "");

function goRow(service: ServiceName, tools: readonly string[]): Pick<VersionRow, "tested" | "reason"> {
  const pinned = RELEASES[service].version;
  const reported: { tool: string; version: string }[] = [];
  for (const tool of tools) {
    try {
      reported.push({ tool, version: reportedVersion(tool) });
    } catch (e) {
      if (e instanceof MissingToolError) return { tested: null, reason: `not built: ${e.message}` };
      return { tested: null, reason: `${tool} --version failed: ${(e as Error).message}` };
    }
  }
  const off = reported.filter((r) => r.version !== pinned);
  if (off.length)
    return {
      tested: reported[0].version,
      reason: `${off.map((r) => `${r.tool} reports ${r.version}`).join(", ")}, the image pins ${pinned}: run npm run tools`,
    };
  return { tested: pinned, reason: null };
}

/** What the tests run of each pinned release, asked of the built programs themselves. */
export function versionRows(nodeVersion: string = process.version): (VersionRow & { readonly service: ServiceName })[] {
  return (Object.keys(RELEASES) as ServiceName[]).map((service) => {
    const release = RELEASES[service];
    const image = imageOf(release);
    const line = release.line ?? null;
    const how = release.tested;
    if (how.by === "none") return { service, image, line, tested: null, reason: how.reason };
    if (how.by === "node") {
      const tested = bare(nodeVersion);
      return {
        service,
        image,
        line,
        tested,
        reason: tested === release.version ? null : `the tests run on Node ${tested}, the image pins ${release.version}`,
      };
    }
    return { service, image, line, ...goRow(service, Object.keys(how.build.binaries)) };
  });
}

/** The docker tier's engine: each program's binaries asked their version, against ENGINE_RELEASES. */
export function engineRows(): VersionRow[] {
  return (Object.keys(ENGINE_RELEASES) as EngineProgram[]).map((program) => {
    const release = ENGINE_RELEASES[program];
    const row = { service: `engine:${program}` as const, image: `${release.build.module}@${release.moduleVersion}`, line: null };
    const reported: { binary: string; version: string }[] = [];
    for (const binary of Object.keys(release.build.binaries)) {
      try {
        reported.push({ binary, version: reportedEngineVersion(binary) });
      } catch (e) {
        if (e instanceof EngineError) return { ...row, tested: null, reason: e.message };
        throw e;
      }
    }
    const off = reported.filter((r) => r.version !== release.version);
    if (off.length)
      return {
        ...row,
        tested: reported[0].version,
        reason: `${off.map((r) => `${r.binary} reports ${r.version}`).join(", ")}, the pin is ${release.version}: run npm run tools`,
      };
    return { ...row, tested: release.version, reason: null };
  });
}

const notRunByDesign = (r: VersionRow) => !r.service.startsWith("engine:") && RELEASES[r.service as ServiceName].tested.by === "none";

/** A row is in order when the tests ran the pinned version, or say why they run nothing. */
export const rowInOrder = (r: VersionRow) => (r.tested === null ? notRunByDesign(r) : r.reason === null);

export function versions(argv: string[], _root: string, io: Io): number {
  const { values } = parseArgs({ args: argv, options: { json: { type: "boolean" }, help: { type: "boolean" } }, strict: true });
  if (values.help) {
    io.out(VERSIONS_HELP);
    return EXIT.ok;
  }
  const rows = [...versionRows(), ...engineRows()];
  if (values.json) io.out(JSON.stringify(rows, null, 2));
  else {
    const tested = (r: VersionRow) => {
      if (r.tested === null) return notRunByDesign(r) ? `not run here: ${r.reason}` : `${r.reason}`;
      return r.reason === null ? r.tested : `${r.tested} (${r.reason})`;
    };
    for (const line of table([["SERVICE", "IMAGE", "LINE", "TESTED"], ...rows.map((r) => [r.service, r.image, r.line ?? "", tested(r)])]))
      io.out(line);
  }
  return rows.every(rowInOrder) ? EXIT.ok : EXIT.failed;
}

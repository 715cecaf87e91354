import { spawnSync } from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { parseArgs } from "util";
import { COLLISION_KINDS, stackCollisions } from "../config/collisions";
import { ConfigError, StackConfig } from "../config/schema";
import { orList } from "../config/settingDocs";
import { listStacks, stackConfigFromFile, StackFileError, stackFileName } from "../config/stackFile";
import { MissingToolError, toolPath } from "./builtTools";
import { renderTo } from "./render";
import { EXIT, Io, table, UsageError } from "./io";

/** What stacks may not share, in words, from COLLISION_KINDS. */
const sharedKinds = orList(Object.values(COLLISION_KINDS));

export const CHECK_HELP = `usage: obs check (--dir <rendered dir> | --stack <name>)

Runs the programs of the pinned releases over a rendered folder: promtool check config (which
also checks the rule files it names) and check rules, amtool check-config, blackbox_exporter
--config.check, otelcol validate, and a JSON parse of every Grafana file. With --stack it renders
first. The programs are the ones npm run tools builds into .tools/bin, never a copy on the PATH
(that would be another version). It also refuses committed stacks that would interfere by sharing
${sharedKinds}.
Exits 1 when a check fails or a program is not built.`;

export interface Step {
  readonly name: string;
  readonly ok: boolean;
  readonly detail: string;
}

/** Finds a built program; tests pass their own to simulate a missing one. */
export type Locate = (tool: string) => string;

const SUCCESS_LINE = /SUCCESS|is ok|valid/i;

function runTool(label: string, tool: string, args: string[], locate: Locate): Step {
  let file: string;
  try {
    file = locate(tool);
  } catch (e) {
    if (e instanceof MissingToolError) return { name: label, ok: false, detail: e.message };
    throw e;
  }
  const r = spawnSync(file, args, { encoding: "utf8", timeout: 60_000 });
  if (r.error) return { name: label, ok: false, detail: `${file} did not run: ${r.error.message}` };
  const lines = `${r.stdout}${r.stderr}`
    .trim()
    .split("\n")
    .map((l) => l.trim())
    .filter(Boolean);
  if (r.status === 0) {
    const said = lines.filter((l) => SUCCESS_LINE.test(l)).map((l) => l.replace(/^.*msg="([^"]*)".*$/, "$1").replace(/^SUCCESS: /, ""));
    return { name: label, ok: true, detail: said.join("; ") || "valid (exit 0)" };
  }
  return { name: label, ok: false, detail: lines.slice(-3).join(" | ") || `exit ${r.status}` };
}

/** A step for a file of an optional service: absent means the service is switched off in this render. */
function optional(dir: string, rel: string, what: string, run: (file: string) => Step, label: string): Step {
  const file = path.join(dir, rel);
  return fs.existsSync(file) ? run(file) : { name: label, ok: true, detail: `no ${rel}: ${what} is switched off in this render` };
}

function grafanaJson(dir: string): Step {
  const folder = path.join(dir, "grafana");
  if (!fs.existsSync(folder)) return { name: "grafana json", ok: true, detail: "no grafana/: Grafana is switched off in this render" };
  const dashboards = path.join(folder, "dashboards");
  const files = [
    path.join(folder, "datasources.json"),
    ...(fs.existsSync(dashboards) ? fs.readdirSync(dashboards).map((f) => path.join(dashboards, f)) : []),
  ];
  const bad = files.filter((f) => {
    try {
      JSON.parse(fs.readFileSync(f, "utf8"));
      return false;
    } catch {
      return true;
    }
  });
  return {
    name: "grafana json",
    ok: bad.length === 0,
    detail: bad.length ? `not JSON: ${bad.map((f) => path.relative(dir, f)).join(", ")}` : `${files.length} files parse`,
  };
}

export function checkDir(dir: string, locate: Locate = toolPath): Step[] {
  const need = (rel: string) => {
    const f = path.join(dir, rel);
    if (!fs.existsSync(f)) throw new UsageError(`${dir} is not a rendered folder: ${rel} is missing (run obs render first)`);
    return f;
  };
  const prometheusYml = need("prometheus/prometheus.yml");
  const rulesDir = path.join(dir, "prometheus/rules");
  const rules = fs.existsSync(rulesDir)
    ? fs
        .readdirSync(rulesDir)
        .sort()
        .map((f) => path.join(rulesDir, f))
    : [];
  const steps: Step[] = [
    // rule_files are relative (rules/…), so checking the config checks the rules it loads, as Prometheus would.
    runTool("promtool check config", "promtool", ["check", "config", prometheusYml], locate),
    rules.length
      ? runTool("promtool check rules", "promtool", ["check", "rules", ...rules], locate)
      : { name: "promtool check rules", ok: false, detail: "no rule files under prometheus/rules" },
    runTool("amtool check-config", "amtool", ["check-config", need("alertmanager/alertmanager.yml")], locate),
    optional(
      dir,
      "blackbox/blackbox.yml",
      "blackbox_exporter",
      (f) => runTool("blackbox_exporter --config.check", "blackbox_exporter", ["--config.check", `--config.file=${f}`], locate),
      "blackbox_exporter --config.check",
    ),
    optional(
      dir,
      "otel-collector/otel-collector.yml",
      "the OTEL Collector",
      (f) => runTool("otelcol validate", "otelcol", ["validate", `--config=${f}`], locate),
      "otelcol validate",
    ),
    grafanaJson(dir),
  ];
  // Paths inside the folder read better (and stay the same between runs) without the folder.
  return steps.map((s) => ({ ...s, detail: s.detail.split(`${dir}/`).join("") }));
}

/** Every committed stack, validated; a bad file names its stack (a file that does not parse names itself). */
export function committedStackConfigs(root: string): StackConfig[] {
  return listStacks(root).map((stack) => {
    try {
      return stackConfigFromFile(root, stack);
    } catch (e) {
      if (e instanceof ConfigError) throw new StackFileError(`${stackFileName(stack)}: ${e.message}`);
      throw e;
    }
  });
}

export function collisionStep(root: string): Step {
  const configs = committedStackConfigs(root);
  const found = stackCollisions(configs);
  return {
    name: "stack collisions",
    ok: found.length === 0,
    detail: found.length
      ? found.map((c) => c.message).join("\n")
      : `${configs.length} committed stacks (${configs.map((c) => c.stack).join(", ")}) do not interfere: none shares ${sharedKinds}`,
  };
}

export function check(argv: string[], root: string, io: Io, locate: Locate = toolPath): number {
  const { values } = parseArgs({
    args: argv,
    options: { dir: { type: "string" }, stack: { type: "string" }, help: { type: "boolean" } },
    strict: true,
  });
  if (values.help) {
    io.out(CHECK_HELP);
    return EXIT.ok;
  }
  if (!values.dir === !values.stack) throw new UsageError("check needs exactly one of --dir <rendered dir> or --stack <name>");
  let dir = values.dir ? path.resolve(values.dir) : "";
  let temp: string | undefined;
  if (values.stack) {
    temp = fs.mkdtempSync(path.join(os.tmpdir(), "obs-check-"));
    dir = temp;
  }
  try {
    // Inside the try: a stack that does not render must not leave its temporary folder behind.
    if (values.stack) renderTo(root, values.stack, dir);
    const steps = [...checkDir(dir, locate), collisionStep(root)];
    const rows = steps.flatMap((s) =>
      s.detail.split("\n").map((line, i) => (i === 0 ? [s.name, s.ok ? "ok" : "FAILED", line] : ["", "", line])),
    );
    for (const line of table([["CHECK", "RESULT", "DETAIL"], ...rows])) io.out(line);
    return steps.every((s) => s.ok) ? EXIT.ok : EXIT.failed;
  } finally {
    if (temp) fs.rmSync(temp, { recursive: true, force: true });
  }
}

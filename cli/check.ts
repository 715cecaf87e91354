import { spawnSync } from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { parseArgs } from "util";
import { renderTo } from "./render";
import { EXIT, Io, table, UsageError } from "./io";

export const CHECK_HELP = `usage: obs check (--dir <rendered dir> | --stack <name>)

Runs the real tools over a rendered folder: promtool check config (syntax) and check rules,
amtool check-config, and a JSON parse of every Grafana file. With --stack it renders first.
Needs promtool (apt-get install prometheus) and amtool (apt-get install prometheus-alertmanager).`;

interface Step {
  readonly name: string;
  readonly ok: boolean;
  readonly detail: string;
}

function tool(label: string, name: string, pkg: string, args: string[]): Step {
  const r = spawnSync(name, args, { encoding: "utf8", timeout: 60_000 });
  if (r.error && (r.error as NodeJS.ErrnoException).code === "ENOENT") return { name: label, ok: false, detail: `${name} is not installed: apt-get install -y ${pkg}` };
  const text = `${r.stdout}${r.stderr}`.trim().split("\n").filter(Boolean);
  return { name: label, ok: r.status === 0, detail: r.status === 0 ? (text.find((l) => /SUCCESS/.test(l)) ?? "ok").trim() : text.slice(-3).join(" | ") };
}

export function checkDir(dir: string): Step[] {
  const need = (rel: string) => {
    const f = path.join(dir, rel);
    if (!fs.existsSync(f)) throw new UsageError(`${dir} is not a rendered folder: ${rel} is missing (run obs render first)`);
    return f;
  };
  const rules = fs.readdirSync(path.dirname(need("prometheus/rules/alert_rules.yml"))).map((f) => path.join(dir, "prometheus/rules", f));
  const steps = [
    // --syntax-only: the file names rule files by their path inside the container.
    tool("promtool check config", "promtool", "prometheus", ["check", "config", "--syntax-only", need("prometheus/prometheus.yml")]),
    tool("promtool check rules", "promtool", "prometheus", ["check", "rules", ...rules]),
    tool("amtool check-config", "amtool", "prometheus-alertmanager", ["check-config", need("alertmanager/alertmanager.yml")]),
  ];
  const grafanaFiles = [need("grafana/datasources.json"), ...fs.readdirSync(path.join(dir, "grafana/dashboards")).map((f) => path.join(dir, "grafana/dashboards", f))];
  const bad = grafanaFiles.filter((f) => {
    try {
      JSON.parse(fs.readFileSync(f, "utf8"));
      return false;
    } catch {
      return true;
    }
  });
  steps.push({ name: "grafana json", ok: bad.length === 0, detail: bad.length ? `not JSON: ${bad.join(", ")}` : `${grafanaFiles.length} files parse` });
  return steps;
}

export function check(argv: string[], root: string, io: Io): number {
  const { values } = parseArgs({ args: argv, options: { dir: { type: "string" }, stack: { type: "string" }, help: { type: "boolean" } }, strict: true });
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
    renderTo(root, values.stack, dir);
  }
  try {
    const steps = checkDir(dir);
    for (const line of table([["CHECK", "RESULT", "DETAIL"], ...steps.map((s) => [s.name, s.ok ? "ok" : "FAILED", s.detail])])) io.out(line);
    return steps.every((s) => s.ok) ? EXIT.ok : EXIT.failed;
  } finally {
    if (temp) fs.rmSync(temp, { recursive: true, force: true });
  }
}

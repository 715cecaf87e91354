import { ChildProcess, spawn } from "child_process";
import * as fs from "fs";
import * as path from "path";
import * as yaml from "js-yaml";
import { toolPath } from "../../cli/builtTools";
import { confirmReload, reloadState } from "../../cli/configReload";
import { StackConfig } from "../../config/schema";
import { dockerNetworkPeers } from "../../config/services";
import { prometheusArgs } from "../../generators/commandLines";
import { renderPrometheusConfig } from "../../generators/prometheus";
import { ruleSettings } from "../../rules/context";
import { renderRuleFiles } from "../../rules/render";
import { freePort } from "../../test/support/ports";

/**
 * Flags the bench adds to the deployed command line: a loopback address, and the remote-write
 * receiver through which it writes the live head (deployed only when Tempo runs). Nothing else differs.
 */
export const BENCH_ONLY_FLAGS = ["--web.listen-address", "--web.enable-remote-write-receiver"];

export interface BenchPrometheus {
  readonly url: string;
  readonly pid: number;
  readonly argv: readonly string[];
  /** The process's memory from /proc: resident now, its peak, and the anonymous part of it. */
  memory(): { rss: number; peak: number; anon: number; file: number };
  /** CPU seconds the process has used (user and system), at the kernel's 10 ms tick. */
  cpuSeconds(): number;
  /** The last lines it wrote to stderr. */
  log(): string;
  /**
   * Loads the deployed rule files: rewrites the config and waits for Prometheus's own
   * --config.auto-reload to take it, confirmed from its reload metrics as config-sync does (the
   * deployed command line has no lifecycle API). Not at start: the rules write at the wall clock,
   * and the head then refuses the older samples of the replayed hours.
   */
  loadRules(): Promise<void>;
  stop(): Promise<void>;
}

/**
 * The built Prometheus with the stack's deployed command line and prometheus.yml on `dataDir`.
 * The scrape jobs and Alertmanager are left out: their targets do not exist here, and the
 * history already holds what they would scrape.
 */
export async function startPrometheus(config: StackConfig, dataDir: string, workDir: string): Promise<BenchPrometheus> {
  fs.mkdirSync(workDir, { recursive: true });
  const rulesDir = path.join(workDir, "rules");
  fs.mkdirSync(rulesDir, { recursive: true });
  const doc = yaml.load(renderPrometheusConfig(config, dockerNetworkPeers(), { rulesDir })) as Record<string, unknown>;
  delete doc.scrape_configs;
  delete doc.alerting;
  const ruleFiles = doc.rule_files;
  delete doc.rule_files;
  const configFile = path.join(workDir, "prometheus.yml");
  fs.writeFileSync(configFile, yaml.dump(doc, { lineWidth: -1 }));
  const port = await freePort();
  // The deployed flags with a web config that asks no password: the bench times queries, and its
  // Prometheus listens on loopback only for the length of the run.
  const webConfig = path.join(workDir, "web.yml");
  fs.writeFileSync(webConfig, "{}\n");
  const deployed = prometheusArgs({
    configFile,
    storagePath: dataDir,
    retention: config.retention.prometheus,
    remoteWriteReceiver: config.services.tempo,
    webConfigFile: webConfig,
  });
  const argv = [
    ...deployed,
    `--web.listen-address=127.0.0.1:${port}`,
    ...(deployed.includes("--web.enable-remote-write-receiver") ? [] : ["--web.enable-remote-write-receiver"]),
  ];
  const child: ChildProcess = spawn(toolPath("prometheus"), argv, { stdio: ["ignore", "ignore", "pipe"], cwd: workDir });
  let stderr = "";
  child.stderr!.on("data", (d: Buffer) => (stderr = (stderr + d.toString()).slice(-8000)));
  const url = `http://127.0.0.1:${port}`;
  const stop = () =>
    new Promise<void>((resolve) => {
      if (child.exitCode !== null || child.signalCode !== null) return resolve();
      const force = setTimeout(() => child.kill("SIGKILL"), 60_000);
      child.once("exit", () => {
        clearTimeout(force);
        resolve();
      });
      child.kill("SIGTERM");
    });
  const status = (field: string) => {
    const m = new RegExp(`^${field}:\\s+(\\d+) kB`, "m").exec(fs.readFileSync(`/proc/${child.pid}/status`, "utf8"));
    return m ? Number(m[1]) * 1024 : NaN;
  };
  const deadline = Date.now() + 10 * 60_000;
  for (;;) {
    if (child.exitCode !== null) throw new Error(`prometheus exited with ${child.exitCode}:\n${stderr}`);
    try {
      if ((await fetch(`${url}/-/ready`, { signal: AbortSignal.timeout(2000) })).ok) break;
    } catch {
      // not listening yet
    }
    if (Date.now() > deadline) {
      await stop();
      throw new Error(`prometheus not ready after 10 minutes:\n${stderr}`);
    }
    await new Promise((r) => setTimeout(r, 500));
  }
  return {
    url,
    pid: child.pid!,
    argv,
    memory: () => ({ rss: status("VmRSS"), peak: status("VmHWM"), anon: status("RssAnon"), file: status("RssFile") }),
    cpuSeconds: () => {
      // Fields 14 and 15 of /proc/<pid>/stat, after the parenthesised command name, in USER_HZ (100 on Linux).
      const fields = fs.readFileSync(`/proc/${child.pid}/stat`, "utf8").split(") ")[1].split(" ");
      return (Number(fields[11]) + Number(fields[12])) / 100;
    },
    log: () => stderr,
    async loadRules() {
      const before = await reloadState("prometheus", url, 5000);
      for (const [f, text] of Object.entries(renderRuleFiles(ruleSettings(config)))) fs.writeFileSync(path.join(rulesDir, f), text);
      fs.writeFileSync(configFile, yaml.dump({ ...doc, rule_files: ruleFiles }, { lineWidth: -1 }));
      const outcome = await confirmReload("prometheus", url, before, 120_000, 500);
      if (!outcome.took) throw new Error(`loading the rule files into Prometheus: ${outcome.detail}\n${stderr}`);
    },
    stop,
  };
}

/** Values of a metric family on Prometheus's own /metrics (the bench's Prometheus scrapes nothing, itself included). */
export async function ownMetric(url: string, name: string): Promise<number[]> {
  const text = await (await fetch(`${url}/metrics`)).text();
  return text
    .split("\n")
    .filter((l) => l.startsWith(`${name} `) || l.startsWith(`${name}{`))
    .map((l) => Number(l.slice(l.lastIndexOf(" ") + 1)));
}

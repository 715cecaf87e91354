/**
 * A private Docker engine for the docker tier: the Docker Engine, containerd and runc that
 * `npm run tools` builds at config/versions.ts's ENGINE_RELEASES, started with its own data root,
 * exec root, socket, pid file and default bridge under a temporary folder, so it never touches
 * another engine on the machine. With DOCKER_HOST set, that engine is used instead and nothing is
 * started. Everything the tests create is tracked by id and removed by id.
 */
import { ChildProcess, spawn, spawnSync } from "child_process";
import { randomBytes } from "crypto";
import * as fs from "fs";
import * as path from "path";
import Docker from "dockerode";
import { EngineError, enginePrograms, engineProgramPath, runtimeProblems } from "./engineBinaries";

export { EngineError };

type Kind = "container" | "network" | "volume";

export interface Engine {
  readonly docker: Docker;
  /** Host path of the engine's unix socket, when it has one (bind-mounted into the cAdvisor stand-in). */
  readonly socketPath: string | undefined;
  /** Where the engine is, for messages. */
  readonly description: string;
  /** Remembers something the tests made, so `cleanup` removes it by id even when a test fails. */
  track(kind: Kind, id: string): void;
  forget(kind: Kind, id: string): void;
  /** A scratch folder on the machine, removed when the engine stops. */
  tempDir(prefix: string): string;
  /** Removes every tracked container, network and volume by id (containers first). */
  cleanup(): Promise<string[]>;
  /** cleanup, then stops the engine we started (by its pid) and deletes its folder. */
  stop(): Promise<void>;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

function dockerFromHost(host: string): Docker {
  const u = new URL(host);
  if (u.protocol === "unix:") return new Docker({ socketPath: u.pathname });
  if (u.protocol === "tcp:" || u.protocol === "http:")
    return new Docker({ host: u.hostname, port: Number(u.port || 2375), protocol: "http" });
  if (u.protocol === "https:") return new Docker({ host: u.hostname, port: Number(u.port || 2376), protocol: "https" });
  throw new EngineError(`DOCKER_HOST=${host}: the docker tier reaches an engine over unix:// or tcp:// only`);
}

async function waitForPing(docker: Docker, boundMs: number, alive: () => string | undefined): Promise<void> {
  const deadline = Date.now() + boundMs;
  let last = "";
  while (Date.now() < deadline) {
    const dead = alive();
    if (dead) throw new EngineError(dead);
    try {
      await docker.ping();
      return;
    } catch (e) {
      last = String((e as Error).message ?? e);
    }
    await sleep(200);
  }
  throw new EngineError(`the engine did not answer /_ping within ${boundMs / 1000}s (last error: ${last})`);
}

function tracker(docker: Docker) {
  const tracked: { kind: Kind; id: string }[] = [];
  const scratch: string[] = [];
  const order: Record<Kind, number> = { container: 0, network: 1, volume: 2 };
  return {
    track(kind: Kind, id: string) {
      if (!tracked.some((t) => t.kind === kind && t.id === id)) tracked.push({ kind, id });
    },
    forget(kind: Kind, id: string) {
      const i = tracked.findIndex((t) => t.kind === kind && t.id === id);
      if (i >= 0) tracked.splice(i, 1);
    },
    tempDir(prefix: string): string {
      const d = fs.mkdtempSync(path.join("/tmp", prefix));
      scratch.push(d);
      return d;
    },
    async cleanup(): Promise<string[]> {
      const problems: string[] = [];
      const todo = [...tracked].sort((a, b) => order[a.kind] - order[b.kind]);
      for (const t of todo) {
        try {
          if (t.kind === "container") await docker.getContainer(t.id).remove({ force: true, v: false });
          if (t.kind === "network") await docker.getNetwork(t.id).remove();
          if (t.kind === "volume") await docker.getVolume(t.id).remove({ force: true } as object);
        } catch (e) {
          const code = (e as { statusCode?: number }).statusCode;
          if (code !== 404) problems.push(`${t.kind} ${t.id}: ${(e as Error).message}`);
        }
        const i = tracked.indexOf(t);
        if (i >= 0) tracked.splice(i, 1);
      }
      for (const d of scratch.splice(0)) fs.rmSync(d, { recursive: true, force: true });
      return problems;
    },
  };
}

/** A unix socket path must stay under ~108 bytes; the folder is kept short on purpose. */
function shortTempDir(): string {
  return fs.mkdtempSync(path.join("/tmp", "tdx-"));
}

function ipCommand(args: string[]): boolean {
  const r = spawnSync("ip", args, { encoding: "utf8" });
  return r.status === 0;
}

/**
 * Starts a private engine, or connects to DOCKER_HOST. The bound covers dockerd's start; a missing
 * docker.io fails with the command that installs it.
 */
export async function startEngine(opts: { readonly startBoundMs?: number } = {}): Promise<Engine> {
  const host = process.env.DOCKER_HOST;
  if (host) {
    const docker = dockerFromHost(host);
    await waitForPing(docker, 10_000, () => undefined);
    const t = tracker(docker);
    return {
      docker,
      socketPath: host.startsWith("unix://") ? new URL(host).pathname : undefined,
      description: `DOCKER_HOST=${host}`,
      ...t,
      async stop() {
        const problems = await t.cleanup();
        if (problems.length) throw new EngineError(`could not remove what the tests made:\n  ${problems.join("\n  ")}`);
      },
    };
  }

  const dockerd = engineProgramPath("dockerd");
  if (process.getuid?.() !== 0) throw new EngineError("dockerd needs root: run the docker tier as root, or point DOCKER_HOST at an engine");

  const dir = shortTempDir();
  // dockerd starts containerd, containerd the shim, the shim runc, each found on the PATH: a folder
  // of exactly the built programs comes first, so no other copy on the machine is picked (Debian's
  // runc 1.1 fails every container of Docker 29 with `namespace {"time" ""} does not exist`).
  const bin = path.join(dir, "bin");
  fs.mkdirSync(bin);
  for (const program of enginePrograms()) fs.symlinkSync(engineProgramPath(program), path.join(bin, program));
  const env = { ...process.env, PATH: [bin, process.env.PATH].filter(Boolean).join(":") };
  const socketPath = path.join(dir, "docker.sock");
  const pidFile = path.join(dir, "docker.pid");
  // Its own default bridge, so two private engines never share docker0.
  const bridge = `tdx${randomBytes(4).toString("hex")}`;
  const ownBridge = ipCommand(["link", "add", "name", bridge, "type", "bridge"]);
  const args = [
    "--data-root",
    path.join(dir, "data"),
    "--exec-root",
    path.join(dir, "x"),
    "-H",
    `unix://${socketPath}`,
    "--pidfile",
    pidFile,
    // No rules in the host's iptables: published ports go through the userland proxy.
    "--iptables=false",
    "--userland-proxy-path",
    path.join(bin, "docker-proxy"),
    ...(ownBridge ? ["--bridge", bridge] : []),
  ];
  const log = fs.openSync(path.join(dir, "dockerd.log"), "a");
  // Its own mount namespace in which / is a shared mount, as systemd sets it up on a Docker host:
  // node_exporter's documented `rslave` root mount needs that, and this machine's / is private.
  // `unshare` execs dockerd, so the pid is dockerd's own.
  const unshare = ["/usr/bin/unshare", "/bin/unshare"].find((p) => fs.existsSync(p));
  let child: ChildProcess;
  try {
    child = unshare
      ? spawn(unshare, ["--mount", "--propagation", "shared", dockerd, ...args], { stdio: ["ignore", log, log], detached: false, env })
      : spawn(dockerd, args, { stdio: ["ignore", log, log], detached: false, env });
  } finally {
    fs.closeSync(log);
  }
  let exited: string | undefined;
  child.once(
    "exit",
    (code, signal) =>
      (exited = `dockerd exited (${signal ?? code}) before it answered; its log:\n${readTail(path.join(dir, "dockerd.log"))}`),
  );
  child.once("error", (e) => (exited = `dockerd could not start: ${e.message}`));
  const docker = new Docker({ socketPath });
  const pid = child.pid!;
  const t = tracker(docker);

  const shutdown = async () => {
    if (child.exitCode === null && child.signalCode === null) {
      process.kill(pid, "SIGTERM");
      const deadline = Date.now() + 30_000;
      while (child.exitCode === null && child.signalCode === null && Date.now() < deadline) await sleep(100);
      if (child.exitCode === null && child.signalCode === null) process.kill(pid, "SIGKILL");
      while (child.exitCode === null && child.signalCode === null) await sleep(100);
    }
    unmountUnder(dir);
    if (ownBridge) ipCommand(["link", "del", bridge]);
    fs.rmSync(dir, { recursive: true, force: true });
  };

  try {
    await waitForPing(docker, opts.startBoundMs ?? 60_000, () => exited);
    const problems = runtimeProblems(await docker.version(), await docker.info());
    if (problems.length) throw new EngineError(`the private engine does not run the built programs:\n  ${problems.join("\n  ")}`);
  } catch (e) {
    await shutdown().catch(() => undefined);
    throw e;
  }
  return {
    docker,
    socketPath,
    description: `private dockerd (pid ${pid}) at ${socketPath}`,
    ...t,
    async stop() {
      const problems = await t.cleanup().catch((e) => [String(e)]);
      await shutdown();
      if (problems.length) throw new EngineError(`could not remove what the tests made:\n  ${problems.join("\n  ")}`);
    },
  };
}

function readTail(file: string): string {
  try {
    return fs.readFileSync(file, "utf8").split("\n").slice(-15).join("\n");
  } catch {
    return "(no log)";
  }
}

/** Mounts dockerd left behind under our folder (only after a hard kill), innermost first. */
function unmountUnder(dir: string): void {
  const mounts = fs
    .readFileSync("/proc/self/mounts", "utf8")
    .split("\n")
    .map((l) => l.split(" ")[1])
    .filter((m): m is string => !!m && m.startsWith(dir + "/"))
    .sort((a, b) => b.length - a.length);
  for (const m of mounts) spawnSync("umount", ["-l", m]);
}

import { spawnSync } from "child_process";
import * as fs from "fs";
import { parseArgs } from "util";
import Docker from "dockerode";
import { missingNetworkMessage } from "../components/appNetworks";
import { publishedPorts } from "../config/collisions";
import { StackConfig } from "../config/schema";
import { SERVICE_NAMES } from "../config/services";
import { configKeyLocation, stackConfigFromFile, stackFileInput } from "../config/stackFile";
import { ROLE_LABEL, SERVICE_LABEL, STACK_LABEL } from "../config/labels";
import type { Finding } from "./doctor";
import { reachableAddress } from "./endpoints";
import { EngineAddress, engineAddress, EngineAddressError, engineClient, engineMessage, isLoopbackHost, within } from "./engine";
import { processesListeningOn, tryBind } from "./hostPorts";
import { EXIT, Io, table, UsageError } from "./io";

export const PREFLIGHT_HELP = `usage: obs preflight --stack <name> [--json] [--timeout <ms>] [--min-free-gb <n>]

Checks, before a first (or any) pulumi up, that the stack can be deployed where it is going:
  engine          the Docker engine answers (the stack's dockerHost, else DOCKER_HOST, else the
                  local socket: the provider's order)
  host port       each published port of the services that run is free, or already published by
                  this stack's container; otherwise names the container (and its compose project)
                  or, for a local engine, the process holding it
  network         each application network exists (lists the existing ones when one is missing)
  grafana api     Grafana's API answers at grafanaApiUrl, or will once pulumi up creates Grafana;
                  a loopback URL with a remote engine needs an SSH tunnel, and says so
  image           each image is on the engine or pullable (with registryAuth: the password comes
                  from REGISTRY_PASSWORD or \`pulumi config get registryPassword\`; never printed)
  disk            free space of the engine's data root (local engines; a remote one is shown as
                  not measurable from here)
Exits 1 when anything is wrong, 2 on bad usage or configuration. --timeout bounds each engine
and HTTP call (default 15000 ms); --min-free-gb is the least free space that passes (default 5).`;

export interface PreflightOptions {
  readonly timeoutMs: number;
  readonly minFreeGb: number;
  readonly env: NodeJS.ProcessEnv;
}

interface Engine {
  readonly address: EngineAddress;
  readonly docker: Docker;
  readonly info: { DockerRootDir?: string; ServerVersion?: string; Name?: string };
  /** Every container, running or not. */
  readonly containers: Docker.ContainerInfo[];
}

const labelOf = (c: Docker.ContainerInfo, label: string): string | undefined => c.Labels?.[label];
const nameOf = (c: Docker.ContainerInfo) => (c.Names?.[0] ?? c.Id.slice(0, 12)).replace(/^\//, "");
const isWildcard = (ip: string | undefined) => !ip || ip === "0.0.0.0" || ip === "::";
const overlaps = (a: string | undefined, b: string) => isWildcard(a) || isWildcard(b) || a === b;

/** A container as an operator recognises it: name, image, and the compose project/service that started it. */
function describeContainer(c: Docker.ContainerInfo): string {
  const project = labelOf(c, "com.docker.compose.project");
  const service = labelOf(c, "com.docker.compose.service");
  const compose = project ? `, compose project ${project} service ${service ?? "?"}` : "";
  return `container ${nameOf(c)} (${c.Image}${compose})`;
}

// ---------------------------------------------------------------------------------------------
// Engine

async function connect(c: StackConfig, o: PreflightOptions): Promise<{ engine?: Engine; finding: Finding }> {
  const address = engineAddress(c.dockerHost, o.env);
  const where = `${address.host} (${address.source})`;
  try {
    const docker = engineClient(address, o.env);
    const info = (await within(o.timeoutMs, `the engine at ${address.host}`, docker.info())) as Engine["info"];
    const containers = await within(o.timeoutMs, "listing containers", docker.listContainers({ all: true }));
    return {
      engine: { address, docker, info, containers },
      finding: {
        check: "engine",
        ok: true,
        detail: `${where} answers: Docker ${info.ServerVersion ?? "?"} on ${info.Name ?? "?"}${address.local ? "" : " (remote)"}`,
      },
    };
  } catch (e) {
    return { finding: { check: "engine", ok: false, detail: `${where} does not answer: ${engineMessage(e)}` } };
  }
}

// ---------------------------------------------------------------------------------------------
// Host ports

async function portFindings(c: StackConfig, engine: Engine): Promise<Finding[]> {
  const running = engine.containers.filter((x) => x.State === "running");
  const findings: Finding[] = [];
  for (const p of publishedPorts(c)) {
    const check = `host port ${p.port} (${p.setting})`;
    const at = `${p.address}:${p.port}`;
    const holders = running.filter((x) =>
      (x.Ports ?? []).some((q) => q.PublicPort === p.port && q.Type === "tcp" && overlaps(q.IP, p.address)),
    );
    const foreign = holders.filter((x) => labelOf(x, STACK_LABEL) !== c.stack);
    if (foreign.length) {
      findings.push({
        check,
        ok: false,
        detail: `${at} is held by ${foreign.map(describeContainer).join(" and ")}: stop it before pulumi up (docs/operating.md "First deployment on the prod host")`,
      });
    } else if (holders.length) {
      findings.push({ check, ok: true, detail: `${at} is already this stack's: ${holders.map(nameOf).join(", ")}` });
    } else if (engine.address.local) {
      findings.push({ check, ...(await localPortVerdict(p.address, p.port)) });
    } else {
      findings.push({
        check,
        ok: true,
        detail: `no container on ${engine.address.host} publishes ${at}; a listener outside Docker there cannot be seen from here (on the host: ss -ltnp 'sport = :${p.port}')`,
      });
    }
  }
  return findings;
}

/** No container holds the port: bind it here to see whether anything else does. */
async function localPortVerdict(address: string, port: number): Promise<Omit<Finding, "check">> {
  const at = `${address}:${port}`;
  const bound = await tryBind(address, port);
  if (bound.free) return { ok: true, detail: `${at} is free` };
  if (bound.code === "EADDRINUSE") {
    const who = processesListeningOn(port);
    return {
      ok: false,
      detail: `${at} is held by a process on this host, not a container: ${who.length ? who.join(", ") : `run ss -ltnp 'sport = :${port}' as root to see which`}`,
    };
  }
  if (bound.code === "EADDRNOTAVAIL")
    return { ok: false, detail: `bindAddress ${address} is not an address of this host (binding ${at}: EADDRNOTAVAIL)` };
  return {
    ok: true,
    detail: `no container publishes ${at}; binding it from here was refused (${bound.code}), so a listener outside Docker is not ruled out`,
  };
}

// ---------------------------------------------------------------------------------------------
// Application networks

async function networkFindings(c: StackConfig, engine: Engine, timeoutMs: number): Promise<Finding[]> {
  if (c.appNetworks.length === 0)
    return [
      {
        check: "application networks",
        ok: true,
        detail: "none configured (appNetworks is empty): the stack will not reach the application's containers",
      },
    ];
  const names = (await within(timeoutMs, "listing networks", engine.docker.listNetworks())).map((n) => n.Name).sort();
  return c.appNetworks.map((n) =>
    names.includes(n)
      ? { check: `network ${n}`, ok: true, detail: `exists on ${engine.address.host}` }
      : { check: `network ${n}`, ok: false, detail: missingNetworkMessage(n, engine.address.host, { names }) },
  );
}

// ---------------------------------------------------------------------------------------------
// Grafana API

export interface GrafanaProbe {
  /** The HTTP status of GET <url>/api/health, or undefined when nothing answered. */
  readonly status?: number;
  readonly version?: string;
  /** Why nothing answered: ECONNREFUSED, a timeout, a reset. */
  readonly error?: string;
}

export interface GrafanaSituation {
  readonly url: string;
  readonly probe: GrafanaProbe;
  /** This stack's Grafana container and its state, when it exists. */
  readonly container?: { readonly name: string; readonly state: string };
  readonly engine: EngineAddress;
  /** Where the tunnel must lead on the Docker host: Grafana's published address there. */
  readonly publishedAt: string;
}

/** The `ssh` arguments that reach the engine's host, for the tunnel command in messages. */
function sshTarget(host: string): string {
  if (!host.startsWith("ssh://")) return "<user>@<docker host>";
  const u = new URL(host);
  return `${u.port ? `-p ${u.port} ` : ""}${u.username ? `${decodeURIComponent(u.username)}@` : ""}${u.hostname}`;
}

/**
 * The `ssh -L` forward pulumi up needs when Grafana's API URL is loopback but Grafana runs on a
 * remote engine: this machine's port to Grafana's published address on the Docker host.
 */
export function grafanaTunnel(url: string, engine: EngineAddress, publishedAt: string): string | undefined {
  const u = new URL(url);
  if (engine.local || !isLoopbackHost(u.hostname)) return undefined;
  return `${u.port || (u.protocol === "https:" ? "443" : "80")}:${publishedAt}`;
}

/** Where Grafana's host port answers on the Docker host itself. */
export const grafanaPublishedAt = (c: Pick<StackConfig, "bindAddress" | "hostPorts">) =>
  `${reachableAddress(c.bindAddress)}:${c.hostPorts.grafana}`;

/** What the Grafana API's answer (or silence) means for pulumi up. Pure, so each case is tested. */
export function grafanaVerdict(s: GrafanaSituation): Omit<Finding, "check"> {
  const remoteLoopback = isLoopbackHost(new URL(s.url).hostname) && !s.engine.local;
  const answered = s.probe.status === 200;
  if (answered && s.container) {
    return {
      ok: true,
      detail: `${s.url} answers (Grafana ${s.probe.version ?? "?"})${remoteLoopback ? `, through a tunnel to ${s.engine.host}` : ""}`,
    };
  }
  if (answered) {
    return {
      ok: false,
      detail:
        `${s.url} already answers (Grafana ${s.probe.version ?? "?"}), but this stack has no Grafana container yet: that is another Grafana ` +
        `(the compose one?), and pulumi up would provision its datasources and dashboards into it. Stop it first, or set grafanaApiUrl to this stack's Grafana`,
    };
  }
  const why = s.probe.status !== undefined ? `HTTP ${s.probe.status}` : (s.probe.error ?? "no answer");
  const tunnel = grafanaTunnel(s.url, s.engine, s.publishedAt);
  if (tunnel && s.probe.error === "ECONNREFUSED") {
    return {
      ok: false,
      detail:
        `grafanaApiUrl ${s.url} is a loopback address, but the engine is remote (${s.engine.host}): pulumi up runs on this machine and calls ` +
        `Grafana's API from here, where nothing listens (${why}). Open a tunnel first: ssh -N -L ${tunnel} ${sshTarget(s.engine.host)} ` +
        `(or set grafanaApiUrl to an address this machine reaches)`,
    };
  }
  if (!s.container) {
    return {
      ok: true,
      detail: `nothing answers at ${s.url} yet (${why}) and this stack has no Grafana container: pulumi up creates it, then provisions through ${s.url}`,
    };
  }
  return {
    ok: false,
    detail: `${s.url} does not answer (${why}) although this stack's Grafana container ${s.container.name} exists (${s.container.state}): pulumi up could not provision datasources and dashboards; start it or fix grafanaApiUrl`,
  };
}

async function probeGrafana(url: string, timeoutMs: number): Promise<GrafanaProbe> {
  try {
    const r = await fetch(`${url}/api/health`, { signal: AbortSignal.timeout(timeoutMs) });
    const body = await r.text();
    let version: string | undefined;
    try {
      version = (JSON.parse(body) as { version?: string }).version;
    } catch {
      // Not Grafana's JSON: the status alone decides.
    }
    return { status: r.status, version };
  } catch (e) {
    const err = e as Error & { cause?: { code?: string } };
    return { error: err.cause?.code ?? (err.name === "TimeoutError" ? `timed out after ${timeoutMs} ms` : err.message) };
  }
}

async function grafanaFinding(c: StackConfig, engine: Engine, timeoutMs: number): Promise<Finding> {
  const check = "grafana api";
  if (!c.services.grafana) return { check, ok: true, detail: "Grafana is switched off (services.grafana: false): nothing to provision" };
  const ours = engine.containers.find(
    (x) => labelOf(x, STACK_LABEL) === c.stack && labelOf(x, SERVICE_LABEL) === "grafana" && labelOf(x, ROLE_LABEL) === undefined,
  );
  const publishedAt = grafanaPublishedAt(c);
  const probe = await probeGrafana(c.grafanaApiUrl, timeoutMs);
  return {
    check,
    ...grafanaVerdict({
      url: c.grafanaApiUrl,
      probe,
      container: ours ? { name: nameOf(ours), state: ours.State } : undefined,
      engine: engine.address,
      publishedAt,
    }),
  };
}

// ---------------------------------------------------------------------------------------------
// Images

/** The registry an image comes from, as Docker resolves it (docker.io for bare names). */
export function registryOf(image: string): string {
  const first = image.split("/")[0];
  const explicit = image.includes("/") && (first.includes(".") || first.includes(":") || first === "localhost");
  return normalizeRegistry(explicit ? first : "docker.io");
}

const normalizeRegistry = (r: string) => (["registry-1.docker.io", "index.docker.io", "docker.io"].includes(r) ? "docker.io" : r);

/** Distinct images of the services that run; the demo workload and probes reuse two of them. */
export const imagesOf = (c: StackConfig): string[] => [...new Set(SERVICE_NAMES.filter((s) => c.services[s]).map((s) => c.images[s]))];

/** registryAuth is configured, but its password could not be had here: pulls are checked anonymously. */
export interface MissingRegistryPassword {
  readonly registry: string;
}

async function imageFinding(
  image: string,
  c: StackConfig,
  engine: Engine,
  timeoutMs: number,
  missing: MissingRegistryPassword | undefined,
): Promise<Finding> {
  const check = `image ${image}`;
  try {
    const found = await within(timeoutMs, `inspecting ${image}`, engine.docker.getImage(image).inspect());
    return { check, ok: true, detail: `on the engine (${found.Id.slice(0, 19)})` };
  } catch (e) {
    if ((e as { statusCode?: number }).statusCode !== 404) return { check, ok: false, detail: `could not inspect it: ${engineMessage(e)}` };
  }
  const registry = registryOf(image);
  const auth = c.registryAuth && normalizeRegistry(c.registryAuth.address) === registry ? c.registryAuth : undefined;
  const authconfig = auth ? { username: auth.username, password: auth.password, serveraddress: auth.address } : undefined;
  const as = auth
    ? ` as ${auth.username}`
    : missing && normalizeRegistry(missing.registry) === registry
      ? " anonymously (registryAuth is set, but its password is not available here: set REGISTRY_PASSWORD or install the Pulumi CLI)"
      : "";
  try {
    const d = (await within(timeoutMs, `asking ${registry} for ${image}`, engine.docker.getImage(image).distribution({ authconfig }))) as {
      Descriptor?: { digest?: string };
    };
    return {
      check,
      ok: true,
      detail: `not on the engine; pullable from ${registry}${as} (${d.Descriptor?.digest?.slice(0, 19) ?? "digest unknown"})`,
    };
  } catch (e) {
    return { check, ok: false, detail: `${image} is not on the engine, and pulling it from ${registry}${as} fails: ${engineMessage(e)}` };
  }
}

// ---------------------------------------------------------------------------------------------
// Disk

export function diskFinding(engine: Pick<Engine, "address" | "info">, minFreeGb: number): Finding {
  const root = engine.info.DockerRootDir ?? "/var/lib/docker";
  if (!engine.address.local) {
    return {
      check: "disk",
      ok: true,
      detail: `not measured: the engine is remote (${engine.address.host}); its data root is ${root} there (df -h ${root} on the host)`,
    };
  }
  try {
    const s = fs.statfsSync(root);
    const freeGb = (s.bavail * s.bsize) / 1e9;
    const totalGb = (s.blocks * s.bsize) / 1e9;
    const detail = `${freeGb.toFixed(1)} GB free of ${totalGb.toFixed(1)} GB on the data root ${root}`;
    return freeGb >= minFreeGb
      ? { check: "disk", ok: true, detail }
      : { check: "disk", ok: false, detail: `${detail}: below the ${minFreeGb} GB the images and the first days of data need` };
  } catch (e) {
    return {
      check: "disk",
      ok: true,
      detail: `not measured: the data root ${root} cannot be read from here (${(e as NodeJS.ErrnoException).code ?? (e as Error).message})`,
    };
  }
}

// ---------------------------------------------------------------------------------------------

export async function preflightFindings(c: StackConfig, o: PreflightOptions, missing?: MissingRegistryPassword): Promise<Finding[]> {
  const { engine, finding } = await connect(c, o);
  if (!engine) {
    const skipped = ["host ports", "application networks", "grafana api", "images", "disk"].map((check) => ({
      check,
      ok: false,
      detail: "not checked: the engine does not answer",
    }));
    return [finding, ...skipped];
  }
  const guard = async (check: string, work: () => Promise<Finding[]>): Promise<Finding[]> => {
    try {
      return await work();
    } catch (e) {
      return [{ check, ok: false, detail: engineMessage(e) }];
    }
  };
  return [
    finding,
    ...(await guard("host ports", () => portFindings(c, engine))),
    ...(await guard("application networks", () => networkFindings(c, engine, o.timeoutMs))),
    ...(await guard("grafana api", async () => [await grafanaFinding(c, engine, o.timeoutMs)])),
    ...(
      await Promise.all(
        imagesOf(c).map((image) => guard(`image ${image}`, async () => [await imageFinding(image, c, engine, o.timeoutMs, missing)])),
      )
    ).flat(),
    diskFinding(engine, o.minFreeGb),
  ];
}

/**
 * The stack's configuration as pulumi up will see it, except secrets. The registry password is
 * the one secret preflight needs: from REGISTRY_PASSWORD, else from the Pulumi CLI if present.
 */
export function preflightConfig(
  root: string,
  stack: string,
  env: NodeJS.ProcessEnv,
): { config: StackConfig; missing?: MissingRegistryPassword } {
  const { raw } = stackFileInput(root, stack);
  const registryAuth = raw.registryAuth as { address?: string } | undefined;
  const secrets: Record<string, string> = {};
  let missing: MissingRegistryPassword | undefined;
  if (registryAuth) {
    const password = env.REGISTRY_PASSWORD ?? pulumiConfigSecret(root, stack, "registryPassword");
    if (password) secrets.registryPassword = password;
    else missing = { registry: registryAuth.address ?? "docker.io" };
  }
  // As obs check reads it: prod refuses a secret written in plain text in the file, as pulumi up does.
  return { config: stackConfigFromFile(root, stack, secrets), missing };
}

/** The engine address, or a usage error that says where the address is written when it cannot be read. */
function engineOf(root: string, c: StackConfig, env: NodeJS.ProcessEnv): EngineAddress {
  try {
    return engineAddress(c.dockerHost, env);
  } catch (e) {
    if (e instanceof EngineAddressError && c.dockerHost !== undefined)
      throw new EngineAddressError(`${configKeyLocation(root, c.stack, "dockerHost")}: ${e.message}`);
    throw e;
  }
}

function pulumiConfigSecret(root: string, stack: string, key: string): string | undefined {
  const r = spawnSync("pulumi", ["config", "get", key, "--stack", stack], { cwd: root, encoding: "utf8", timeout: 30_000 });
  return r.status === 0 && r.stdout.trim() ? r.stdout.replace(/\n$/, "") : undefined;
}

export async function preflight(argv: string[], root: string, io: Io, env: NodeJS.ProcessEnv = process.env): Promise<number> {
  const { values } = parseArgs({
    args: argv,
    options: {
      stack: { type: "string" },
      json: { type: "boolean" },
      timeout: { type: "string" },
      "min-free-gb": { type: "string" },
      help: { type: "boolean" },
    },
    strict: true,
  });
  if (values.help) {
    io.out(PREFLIGHT_HELP);
    return EXIT.ok;
  }
  if (!values.stack) throw new UsageError("preflight needs --stack <name>");
  const timeoutMs = values.timeout ? Number(values.timeout) : 15_000;
  if (!Number.isInteger(timeoutMs) || timeoutMs <= 0) throw new UsageError(`--timeout expects milliseconds, got "${values.timeout}"`);
  const minFreeGb = values["min-free-gb"] ? Number(values["min-free-gb"]) : 5;
  if (!Number.isFinite(minFreeGb) || minFreeGb < 0)
    throw new UsageError(`--min-free-gb expects a number of gigabytes, got "${values["min-free-gb"]}"`);

  const { config, missing } = preflightConfig(root, values.stack, env);
  const engine = engineOf(root, config, env);
  const findings = await preflightFindings(config, { timeoutMs, minFreeGb, env }, missing);
  const ok = findings.every((f) => f.ok);
  // The tunnel spec lets automation (the deploy workflow) open exactly the forward pulumi up needs.
  const tunnel = config.services.grafana ? (grafanaTunnel(config.grafanaApiUrl, engine, grafanaPublishedAt(config)) ?? null) : null;
  if (values.json) io.out(JSON.stringify({ ok, stack: config.stack, engine, grafanaTunnel: tunnel, findings }, null, 2));
  else
    for (const line of table([["CHECK", "STATUS", "DETAIL"], ...findings.map((f) => [f.check, f.ok ? "ok" : "FAIL", f.detail])]))
      io.out(line);
  return ok ? EXIT.ok : EXIT.failed;
}

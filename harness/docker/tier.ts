/**
 * Shared pieces of the docker tier's scenarios: the test stack's configuration, the services this
 * tier cannot run, test containers on the stack network (fake Telegram, the cAdvisor stand-in, a
 * crash loop), and bounded waits against the engine and the stack's published APIs.
 */
import * as http from "http";
import { PassThrough } from "stream";
import Docker from "dockerode";
import { bundle } from "../../components/bundle";
import { DEFAULT_IMAGES } from "../../config/defaults";
import { PUBLISHED_PORT_KEYS } from "../../config/defaults";
import { PROJECT, readStackFile } from "../../config/stackFile";
import { RELEASES } from "../../config/versions";
import { PROTECTED_APIS, ProtectedApi, userColonPassword } from "../../generators/apiAuth";
import { SERVICES } from "../../config/services";
import { freePort } from "../ports";
import { RANDOM_PASSWORD } from "../randomPassword";
import { TEST_SECRETS } from "../stackFiles";
import { AbsentServices, StackState } from "./apply";
import { Engine } from "./engine";
import { singleFileTar } from "./engineOps";

export const TIER_DIR = __dirname;
export const TEST_STACK = "docker";
export const NODE_IMAGE = DEFAULT_IMAGES.telegramBridge;

/**
 * Not made on the engine: cAdvisor has no image we can build (its main package is the module
 * github.com/google/cadvisor/cmd, which the Go module proxy does not serve); the test runs a
 * stand-in under its name instead. Grafana, Loki, Promtail and Tempo are switched off in the test
 * stack (`services`); they are listed here too so a stack file that runs them still applies.
 */
export const ABSENT: AbsentServices = {
  services: {
    cadvisor: `no cAdvisor image can be built here (${RELEASES.cadvisor.tested.by === "none" ? RELEASES.cadvisor.tested.reason : "not built"}); the test runs a stand-in under the cadvisor alias`,
    grafana: "Grafana is AGPL; its module is not used here, so no image",
    loki: "Loki is AGPL; its module is not used here, so no image",
    promtail: "Promtail is part of Loki (AGPL); no image",
    tempo: "Tempo is AGPL; its module is not used here, so no image",
  },
  images: [DEFAULT_IMAGES.cadvisor, DEFAULT_IMAGES.grafana, DEFAULT_IMAGES.loki, DEFAULT_IMAGES.promtail, DEFAULT_IMAGES.tempo],
};

export type HostPorts = Record<(typeof PUBLISHED_PORT_KEYS)[number], number>;

/** Free loopback ports for every published port of a stack. */
export async function freeHostPorts(): Promise<HostPorts> {
  // freePort never hands a port out twice in one process, so the ports are distinct.
  const out: Partial<HostPorts> = {};
  for (const k of PUBLISHED_PORT_KEYS) out[k] = await freePort();
  return out as HostPorts;
}

/**
 * Pulumi's flat config map of a stack file (the test stack by default), with test secrets, the
 * given host ports, a temporary textfile folder and any overrides (keys without the project).
 */
export function stackConfig(opts: {
  readonly hostPorts: HostPorts;
  readonly textfileDir: string;
  readonly file?: { readonly root: string; readonly stack: string };
  readonly overrides?: Record<string, unknown>;
}): { config: Record<string, string>; secretKeys: string[] } {
  const file = opts.file ?? { root: TIER_DIR, stack: TEST_STACK };
  const config = readStackFile(file.root, file.stack);
  const set = (k: string, v: unknown) => (config[`${PROJECT}:${k}`] = typeof v === "string" ? v : JSON.stringify(v));
  for (const [k, v] of Object.entries(TEST_SECRETS)) set(k, v);
  set("hostPorts", opts.hostPorts);
  set("nodeExporterTextfileDir", opts.textfileDir);
  for (const [k, v] of Object.entries(opts.overrides ?? {})) {
    if (v === undefined) delete config[`${PROJECT}:${k}`];
    else set(k, v);
  }
  return { config, secretKeys: Object.keys(TEST_SECRETS) };
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Polls `probe` until it returns a value (not undefined), at most `boundMs`; the error says what was awaited and the last answer. */
export async function waitFor<T>(what: string, boundMs: number, probe: () => Promise<T | undefined>, everyMs = 1000): Promise<T> {
  const deadline = Date.now() + boundMs;
  let last: unknown;
  for (;;) {
    try {
      const v = await probe();
      if (v !== undefined) return v;
      last = "not yet";
    } catch (e) {
      last = (e as Error).message;
    }
    if (Date.now() >= deadline)
      throw new Error(`waited ${boundMs / 1000}s for ${what}; last: ${typeof last === "string" ? last : JSON.stringify(last)}`);
    await sleep(everyMs);
  }
}

// --- the stack's API credentials --------------------------------------------------------------------

/** Each protected API's password, from the state's RandomPassword resources (what `pulumi stack output --show-secrets` gives). */
export function apiPasswords(state: StackState): Record<ProtectedApi, string> {
  const out: Partial<Record<ProtectedApi, string>> = {};
  for (const api of PROTECTED_APIS) {
    const r = state.resources.find((e) => e.type === RANDOM_PASSWORD && e.name.endsWith(`-${SERVICES[api].alias}`));
    if (!r?.outputs.result) throw new Error(`no RandomPassword for ${api} in stack ${state.stack}'s state`);
    out[api] = r.outputs.result;
  }
  return out as Record<ProtectedApi, string>;
}

export const basicAuthHeader = (password: string) => `Basic ${Buffer.from(userColonPassword(password)).toString("base64")}`;

/** Base URL → Authorization header: getJson and postJson send it to that API, as the stack's own clients do. */
const trusted = new Map<string, string>();
const authorizationFor = (url: string) => [...trusted].find(([base]) => url === base || url.startsWith(`${base}/`))?.[1];

/** The operator's side: getJson/postJson to the stack's published Prometheus and Alertmanager send their passwords. */
export function trustStack(state: StackState, hostPorts: Pick<HostPorts, "prometheus" | "alertmanager">): void {
  const p = apiPasswords(state);
  trusted.set(`http://127.0.0.1:${hostPorts.prometheus}`, basicAuthHeader(p.prometheus));
  trusted.set(`http://127.0.0.1:${hostPorts.alertmanager}`, basicAuthHeader(p.alertmanager));
}

/** GET a JSON document from a published port on loopback (with the stack's credentials where trustStack set them). */
export function getJson<T = any>(url: string, timeoutMs = 10_000): Promise<T> {
  return new Promise((resolve, reject) => {
    const auth = authorizationFor(url);
    const req = http.get(url, { timeout: timeoutMs, headers: auth ? { authorization: auth } : {} }, (res) => {
      const chunks: Buffer[] = [];
      res.on("data", (c: Buffer) => chunks.push(c));
      res.on("end", () => {
        const text = Buffer.concat(chunks).toString("utf8");
        if ((res.statusCode ?? 500) >= 400) return reject(new Error(`${url}: HTTP ${res.statusCode} ${text.slice(0, 300)}`));
        try {
          resolve(JSON.parse(text) as T);
        } catch {
          reject(new Error(`${url}: not JSON: ${text.slice(0, 200)}`));
        }
      });
    });
    req.on("timeout", () => req.destroy(new Error(`${url}: timeout`)));
    req.on("error", reject);
  });
}

export function postJson<T = any>(url: string, body: unknown, timeoutMs = 10_000): Promise<T> {
  return new Promise((resolve, reject) => {
    const data = Buffer.from(JSON.stringify(body));
    const u = new URL(url);
    const auth = authorizationFor(url);
    const headers = { "content-type": "application/json", "content-length": data.length, ...(auth ? { authorization: auth } : {}) };
    const req = http.request(
      { host: u.hostname, port: u.port, path: u.pathname + u.search, method: "POST", timeout: timeoutMs, headers },
      (res) => {
        const chunks: Buffer[] = [];
        res.on("data", (c: Buffer) => chunks.push(c));
        res.on("end", () => {
          const text = Buffer.concat(chunks).toString("utf8");
          if ((res.statusCode ?? 500) >= 400) return reject(new Error(`${url}: HTTP ${res.statusCode} ${text.slice(0, 300)}`));
          try {
            resolve((text ? JSON.parse(text) : {}) as T);
          } catch {
            resolve(text as unknown as T);
          }
        });
      },
    );
    req.on("timeout", () => req.destroy(new Error(`${url}: timeout`)));
    req.on("error", reject);
    req.end(data);
  });
}

/** Prometheus's HTTP API on its published port. */
export class PrometheusApi {
  constructor(readonly base: string) {}
  async query(expr: string): Promise<{ metric: Record<string, string>; value: [number, string] }[]> {
    const r = await getJson(`${this.base}/api/v1/query?query=${encodeURIComponent(expr)}`);
    return r.data.result;
  }
  async targets(): Promise<{ labels: Record<string, string>; health: string; lastError: string; scrapeUrl: string }[]> {
    return (await getJson(`${this.base}/api/v1/targets?state=active`)).data.activeTargets;
  }
  async ruleGroups(): Promise<
    {
      name: string;
      file: string;
      rules: { name: string; health: string; lastError?: string; query: string; state?: string; type: string }[];
    }[]
  > {
    return (await getJson(`${this.base}/api/v1/rules`)).data.groups;
  }
  async alerts(): Promise<{ labels: Record<string, string>; state: string }[]> {
    return (await getJson(`${this.base}/api/v1/alerts`)).data.alerts;
  }
}

// --- test containers on the stack network ----------------------------------------------------------

export interface TestContainer {
  readonly id: string;
  readonly name: string;
}

/** Creates, uploads into and starts a container the test owns; tracked for removal by id. */
export async function runTestContainer(
  engine: Engine,
  spec: {
    readonly name: string;
    readonly image: string;
    readonly cmd?: string[];
    readonly entrypoint?: string[];
    readonly env?: string[];
    readonly network: string;
    readonly aliases?: string[];
    readonly files?: Record<string, string>;
    readonly binds?: string[];
    readonly ports?: Record<number, number>;
    readonly user?: string;
    readonly restart?: string;
    readonly labels?: Record<string, string>;
  },
): Promise<TestContainer> {
  const docker = engine.docker;
  const exposed: Record<string, object> = {};
  const bindings: Record<string, { HostIp: string; HostPort: string }[]> = {};
  for (const [inner, outer] of Object.entries(spec.ports ?? {})) {
    exposed[`${inner}/tcp`] = {};
    bindings[`${inner}/tcp`] = [{ HostIp: "127.0.0.1", HostPort: String(outer) }];
  }
  const c = await docker.createContainer({
    name: spec.name,
    Image: spec.image,
    Cmd: spec.cmd,
    Entrypoint: spec.entrypoint,
    Env: spec.env,
    User: spec.user,
    Labels: { "tutordex.docker-tier": "test", ...(spec.labels ?? {}) },
    ExposedPorts: exposed,
    HostConfig: {
      NetworkMode: spec.network,
      Binds: spec.binds,
      PortBindings: bindings,
      RestartPolicy: { Name: spec.restart ?? "no", MaximumRetryCount: 0 },
      Memory: 256 * 1024 * 1024,
      MemorySwap: 256 * 1024 * 1024,
    },
    ...(spec.network === "none" ? {} : { NetworkingConfig: { EndpointsConfig: { [spec.network]: { Aliases: spec.aliases ?? [] } } } }),
  });
  engine.track("container", c.id);
  for (const [file, content] of Object.entries(spec.files ?? {}))
    await c.putArchive(singleFileTar(file, Buffer.from(content), 0o644), { path: "/" });
  await c.start();
  return { id: c.id, name: spec.name };
}

/** The fake Telegram Bot API on the stack network (alias fake-telegram), its control port on loopback. */
export async function startFakeTelegram(
  engine: Engine,
  stackNetwork: string,
  stack: string,
): Promise<{ container: TestContainer; messages: () => Promise<{ chatId: string; text: string; at: number }[]> }> {
  const control = await freePort();
  const container = await runTestContainer(engine, {
    name: `tdx-test-${stack}-fake-telegram`,
    image: NODE_IMAGE,
    cmd: ["node", "/app/fake-telegram.js"],
    user: "node",
    env: [`TELEGRAM_BOT_TOKEN=${TEST_SECRETS.telegramBotToken}`],
    network: stackNetwork,
    aliases: ["fake-telegram"],
    files: { "/app/fake-telegram.js": bundle("harness/docker/standins/fakeTelegramMain.ts") },
    ports: { 8082: control },
  });
  const base = `http://127.0.0.1:${control}`;
  await waitFor("the fake Telegram", 30_000, async () => ((await getJson(`${base}/messages`)) ? true : undefined), 500);
  return { container, messages: () => getJson(`${base}/messages`) };
}

/** The cAdvisor stand-in (see standins/cadvisorStandIn.ts) under the cadvisor alias, with cAdvisor's recorded flags. */
export async function startCadvisorStandIn(
  engine: Engine,
  stackNetwork: string,
  stack: string,
  cadvisorArgs: string[],
): Promise<TestContainer> {
  if (!engine.socketPath)
    throw new Error("the cAdvisor stand-in reads the engine through its unix socket; DOCKER_HOST is not a unix socket");
  return runTestContainer(engine, {
    name: `tdx-test-${stack}-cadvisor-standin`,
    image: NODE_IMAGE,
    cmd: ["node", "/app/cadvisor-standin.js", ...cadvisorArgs],
    user: "0",
    network: stackNetwork,
    aliases: ["cadvisor"],
    binds: [`${engine.socketPath}:/var/run/docker.sock:ro`],
    files: { "/app/cadvisor-standin.js": bundle("harness/docker/standins/cadvisorStandIn.ts") },
  });
}

/** Runs a command inside a running container as its own user; the output is stdout and stderr together. */
export async function exec(
  docker: Docker,
  id: string,
  cmd: string[],
  opts: { readonly user?: string; readonly timeoutMs?: number } = {},
): Promise<{ code: number; output: string }> {
  const e = await docker
    .getContainer(id)
    .exec({ Cmd: cmd, AttachStdout: true, AttachStderr: true, ...(opts.user ? { User: opts.user } : {}) });
  const stream = await e.start({ hijack: true, stdin: false });
  const chunks: Buffer[] = [];
  const sink = new PassThrough();
  sink.on("data", (c: Buffer) => chunks.push(c));
  docker.modem.demuxStream(stream, sink, sink);
  let timer: NodeJS.Timeout | undefined;
  try {
    await Promise.race([
      new Promise<void>((resolve) => {
        stream.on("end", () => resolve());
        stream.on("close", () => resolve());
      }),
      new Promise<never>((_, reject) => {
        timer = setTimeout(
          () => reject(new Error(`exec ${cmd.join(" ")} did not finish within ${(opts.timeoutMs ?? 30_000) / 1000}s`)),
          opts.timeoutMs ?? 30_000,
        );
      }),
    ]);
  } finally {
    clearTimeout(timer);
  }
  const info = await e.inspect();
  return { code: info.ExitCode ?? -1, output: Buffer.concat(chunks).toString("utf8") };
}

/** Container state by Docker's own inspect. */
export async function inspectByName(docker: Docker, name: string): Promise<Docker.ContainerInspectInfo> {
  return docker.getContainer(name).inspect();
}

import { spawnSync } from "child_process";
import * as fs from "fs";
import * as http from "http";
import * as net from "net";
import * as path from "path";
import * as yaml from "js-yaml";
import { main } from "../../cli/main";
import { diskFinding, grafanaTunnel, grafanaVerdict, GrafanaSituation, imagesOf, registryOf } from "../../cli/preflight";
import { engineAddress } from "../../cli/engine";
import { DEFAULT_IMAGES } from "../../config/defaults";
import { PUBLISHED_PORT_KEYS } from "../../config/defaults";
import { stackConfigFromFile } from "../../config/stackFile";
import { SERVICE_LABEL, STACK_LABEL } from "../../config/labels";
import { BUSYBOX } from "../../harness/docker/images";
import { Engine, startEngine } from "../../harness/docker/engine";
import { capture } from "../support/io";
import { useTempDirs } from "../support/tempDirs";
import { freePort } from "../../harness/ports";
import { runProgram } from "../support/program";
import { committedStacks, pulumiConfigMap, ROOT, TEST_SECRETS } from "../../harness/stackFiles";

/**
 * `obs preflight` against a real, private Docker engine (harness/docker/engine.ts): its own data
 * root and socket, loopback ports the kernel just handed out, everything removed by id.
 */
const STACK = "pf";
const PROJECT = "tutordex-observability";
const APP_NETWORK = "tdx-pf-app_tutordex";
const LOCAL_IMAGE = "tdx-preflight/busybox:1";

let engine: Engine;
let root: string;
let ports: Record<string, number>;
let grafanaPort: number;
const madeImages: string[] = [];

/** A minimal image (static busybox) tagged under every pinned name, so the stack's images are "present". */
async function importBusybox(): Promise<void> {
  const dir = tmp.makeForFile("tdx-pf-img-");
  fs.mkdirSync(path.join(dir, "rootfs/bin"), { recursive: true });
  fs.copyFileSync(BUSYBOX, path.join(dir, "rootfs/bin/busybox"));
  fs.chmodSync(path.join(dir, "rootfs/bin/busybox"), 0o755);
  const tar = path.join(dir, "rootfs.tar");
  const r = spawnSync("tar", ["-C", path.join(dir, "rootfs"), "-cf", tar, "."], { encoding: "utf8" });
  if (r.status !== 0) throw new Error(`tar failed: ${r.stderr}`);
  const [repo, tag] = LOCAL_IMAGE.split(":");
  const stream = await engine.docker.importImage(tar, { repo, tag });
  await new Promise((resolve, reject) =>
    engine.docker.modem.followProgress(stream, (err: Error | null) => (err ? reject(err) : resolve(undefined))),
  );
  madeImages.push(LOCAL_IMAGE);
  for (const image of new Set(Object.values(DEFAULT_IMAGES))) {
    const at = image.lastIndexOf(":");
    await engine.docker.getImage(LOCAL_IMAGE).tag({ repo: image.slice(0, at), tag: image.slice(at + 1) });
    madeImages.push(image);
  }
}

function dockerHostOfEngine(): string {
  return engine.socketPath ? `unix://${engine.socketPath}` : process.env.DOCKER_HOST!;
}

/** Writes Pulumi.pf.yaml: the test's free ports, the private engine, the app network. */
function writeStack(patch: Record<string, unknown> = {}): void {
  const config: Record<string, unknown> = {
    environment: "staging",
    runbookBaseUrl: "https://runbooks.test",
    dockerHost: dockerHostOfEngine(),
    hostPorts: ports,
    appNetworks: [APP_NETWORK],
    grafanaApiUrl: `http://127.0.0.1:${grafanaPort}`,
    ...patch,
  };
  const doc = { config: Object.fromEntries(Object.entries(config).map(([k, v]) => [`${PROJECT}:${k}`, v])) };
  fs.writeFileSync(path.join(root, `Pulumi.${STACK}.yaml`), yaml.dump(doc));
}

async function preflight(): Promise<{ code: number; findings: { check: string; ok: boolean; detail: string }[]; text: string }> {
  const io = capture();
  const code = await main(["preflight", "--stack", STACK, "--json", "--timeout", "20000", "--min-free-gb", "0.1"], io, root);
  const text = io.text();
  const out = code === 2 ? undefined : JSON.parse(text);
  // A local engine needs no tunnel to reach Grafana's API.
  if (out) expect(out.grafanaTunnel).toBeNull();
  return { code, findings: out?.findings ?? [], text };
}

const failed = (r: Awaited<ReturnType<typeof preflight>>) => r.findings.filter((f) => !f.ok);

async function runContainer(
  name: string,
  labels: Record<string, string>,
  publish?: { port: number; internal: number },
  start = true,
): Promise<string> {
  const c = await engine.docker.createContainer({
    name,
    Image: LOCAL_IMAGE,
    Cmd: ["/bin/busybox", "sleep", "600"],
    Labels: labels,
    ...(publish ? { ExposedPorts: { [`${publish.internal}/tcp`]: {} } } : {}),
    HostConfig: publish ? { PortBindings: { [`${publish.internal}/tcp`]: [{ HostIp: "127.0.0.1", HostPort: String(publish.port) }] } } : {},
  });
  engine.track("container", c.id);
  if (start) await c.start();
  return c.id;
}

async function removeContainer(id: string): Promise<void> {
  await engine.docker.getContainer(id).remove({ force: true });
  engine.forget("container", id);
}

function listen(server: net.Server, port: number): Promise<void> {
  return new Promise((resolve, reject) => {
    server.once("error", reject);
    server.listen(port, "127.0.0.1", () => resolve());
  });
}
const close = (server: net.Server) => new Promise<void>((resolve) => server.close(() => resolve()));

beforeAll(async () => {
  engine = await startEngine();
  root = tmp.makeForFile("obs-preflight-");
  ports = {};
  for (const key of PUBLISHED_PORT_KEYS) ports[key] = await freePort();
  grafanaPort = await freePort();
  await importBusybox();
  const network = await engine.docker.createNetwork({ Name: APP_NETWORK });
  engine.track("network", network.id);
}, 180_000);

afterAll(async () => {
  try {
    for (const image of madeImages.reverse())
      await engine?.docker
        .getImage(image)
        .remove({ noprune: false })
        .catch(() => undefined);
  } finally {
    await engine?.stop();
  }
}, 120_000);
// Its own hook: the folders go even if the engine's stop above fails or times out.
const tmp = useTempDirs();

describe("obs preflight against a private engine", () => {
  it("passes a clean stack: engine, every port free, network present, Grafana to be created, images present, disk measured", async () => {
    writeStack();
    const r = await preflight();
    expect(failed(r)).toEqual([]);
    expect(r.code).toBe(0);
    const detail = (check: string) => r.findings.find((f) => f.check === check)?.detail;
    expect(detail("engine")).toContain(`${dockerHostOfEngine()} (stack dockerHost) answers: Docker`);
    for (const [key, port] of Object.entries(ports))
      expect(detail(`host port ${port} (hostPorts.${key})`)).toBe(`127.0.0.1:${port} is free`);
    expect(detail(`network ${APP_NETWORK}`)).toContain("exists on");
    expect(detail("grafana api")).toContain("this stack has no Grafana container: pulumi up creates it");
    const config = stackConfigFromFile(root, STACK);
    for (const image of imagesOf(config)) expect(detail(`image ${image}`)).toMatch(/^on the engine \(sha256:/);
    expect(detail("disk")).toMatch(/GB free of .* on the data root \//);
  });

  it("fails a port held by a foreign container, naming the container and its compose project; a port of our own stack passes", async () => {
    writeStack();
    const foreign = await runContainer(
      "tdx-pf-compose-prometheus",
      { "com.docker.compose.project": "tutordex-prod", "com.docker.compose.service": "prometheus" },
      { port: ports.prometheus, internal: 9090 },
    );
    const ours = await runContainer(
      "tdx-pf-ours-alertmanager",
      { [STACK_LABEL]: STACK, [SERVICE_LABEL]: "alertmanager" },
      { port: ports.alertmanager, internal: 9093 },
    );
    try {
      const r = await preflight();
      expect(r.code).toBe(1);
      expect(failed(r)).toEqual([
        {
          check: `host port ${ports.prometheus} (hostPorts.prometheus)`,
          ok: false,
          detail: `127.0.0.1:${ports.prometheus} is held by container tdx-pf-compose-prometheus (${LOCAL_IMAGE}, compose project tutordex-prod service prometheus): stop it before pulumi up (docs/operating.md "First deployment on the prod host")`,
        },
      ]);
      expect(r.findings.find((f) => f.check.startsWith(`host port ${ports.alertmanager}`))!.detail).toBe(
        `127.0.0.1:${ports.alertmanager} is already this stack's: tdx-pf-ours-alertmanager`,
      );
    } finally {
      await removeContainer(foreign);
      await removeContainer(ours);
    }
  });

  it("fails a port held by a plain process, naming the process", async () => {
    writeStack();
    const server = net.createServer();
    await listen(server, ports.loki);
    try {
      const r = await preflight();
      expect(r.code).toBe(1);
      expect(failed(r).map((f) => f.check)).toEqual([`host port ${ports.loki} (hostPorts.loki)`]);
      expect(failed(r)[0].detail).toContain(
        `127.0.0.1:${ports.loki} is held by a process on this host, not a container: pid ${process.pid} (`,
      );
    } finally {
      await close(server);
    }
  });

  it("fails a missing application network, naming it and listing the existing ones", async () => {
    writeStack({ appNetworks: [APP_NETWORK, "tutordex-prod_default"] });
    const r = await preflight();
    expect(r.code).toBe(1);
    expect(failed(r).map((f) => f.check)).toEqual(["network tutordex-prod_default"]);
    expect(failed(r)[0].detail).toContain('Docker network "tutordex-prod_default" does not exist');
    expect(failed(r)[0].detail).toContain(APP_NETWORK);
    expect(failed(r)[0].detail).toContain("<project>_<network>");
  });

  it("fails an image that is neither on the engine nor pullable, naming it", async () => {
    const missing = "registry.invalid/tutordex/nothing:1.0";
    writeStack({ images: { loki: missing } });
    const r = await preflight();
    expect(r.code).toBe(1);
    expect(failed(r).map((f) => f.check)).toEqual([`image ${missing}`]);
    expect(failed(r)[0].detail).toContain(`${missing} is not on the engine, and pulling it from registry.invalid fails: `);
  });

  it("fails when this stack's Grafana exists but its API does not answer at grafanaApiUrl", async () => {
    writeStack();
    const grafana = await runContainer("tdx-pf-grafana", { [STACK_LABEL]: STACK, [SERVICE_LABEL]: "grafana" }, undefined, false);
    try {
      const r = await preflight();
      expect(r.code).toBe(1);
      expect(failed(r)).toEqual([
        {
          check: "grafana api",
          ok: false,
          detail: `http://127.0.0.1:${grafanaPort} does not answer (ECONNREFUSED) although this stack's Grafana container tdx-pf-grafana exists (created): pulumi up could not provision datasources and dashboards; start it or fix grafanaApiUrl`,
        },
      ]);
    } finally {
      await removeContainer(grafana);
    }
  });

  it("fails when another Grafana answers at grafanaApiUrl before this stack has one, and passes once it is ours", async () => {
    writeStack();
    const server = http.createServer((_, res) =>
      res.writeHead(200, { "content-type": "application/json" }).end('{"database":"ok","version":"12.3.1"}'),
    );
    await listen(server, grafanaPort);
    try {
      const before = await preflight();
      expect(before.code).toBe(1);
      expect(failed(before).map((f) => f.detail)).toEqual([
        expect.stringContaining(
          `http://127.0.0.1:${grafanaPort} already answers (Grafana 12.3.1), but this stack has no Grafana container yet: that is another Grafana`,
        ),
      ]);
      const grafana = await runContainer("tdx-pf-grafana", { [STACK_LABEL]: STACK, [SERVICE_LABEL]: "grafana" }, undefined, false);
      try {
        const after = await preflight();
        expect(failed(after)).toEqual([]);
        expect(after.findings.find((f) => f.check === "grafana api")!.detail).toBe(
          `http://127.0.0.1:${grafanaPort} answers (Grafana 12.3.1)`,
        );
      } finally {
        await removeContainer(grafana);
      }
    } finally {
      await close(server);
    }
  });
});

describe("preflight decisions that need a remote engine", () => {
  const remote = engineAddress("ssh://ops@prod.example");
  const situation = (s: Partial<GrafanaSituation>): GrafanaSituation => ({
    url: "http://127.0.0.1:3301",
    probe: { error: "ECONNREFUSED" },
    engine: remote,
    publishedAt: "127.0.0.1:3301",
    ...s,
  });

  it("a loopback grafanaApiUrl with a remote engine and nothing listening here needs a tunnel, and says which", () => {
    const v = grafanaVerdict(situation({}));
    expect(v.ok).toBe(false);
    expect(v.detail).toContain(
      "grafanaApiUrl http://127.0.0.1:3301 is a loopback address, but the engine is remote (ssh://ops@prod.example): pulumi up runs on this machine",
    );
    expect(v.detail).toContain("ssh -N -L 3301:127.0.0.1:3301 ops@prod.example");
  });

  it("the forward it needs is given to automation (preflight --json grafanaTunnel) only for a loopback URL and a remote engine", () => {
    expect(grafanaTunnel("http://127.0.0.1:3301", remote, "127.0.0.1:3301")).toBe("3301:127.0.0.1:3301");
    expect(grafanaTunnel("http://localhost:3300/", remote, "10.0.0.5:3300")).toBe("3300:10.0.0.5:3300");
    expect(grafanaTunnel("https://grafana.example", remote, "127.0.0.1:3301")).toBeUndefined();
    expect(grafanaTunnel("http://127.0.0.1:3301", engineAddress("unix:///var/run/docker.sock"), "127.0.0.1:3301")).toBeUndefined();
  });

  it("with a tunnel open (the connection is accepted, then dropped) and no Grafana yet, pulumi up will create it", () => {
    expect(grafanaVerdict(situation({ probe: { error: "ECONNRESET" } }))).toEqual({
      ok: true,
      detail: expect.stringContaining("pulumi up creates it"),
    });
  });

  it("an answering Grafana through the tunnel passes once it is ours", () => {
    expect(
      grafanaVerdict(
        situation({ probe: { status: 200, version: "12.3.1" }, container: { name: "tutordex-obs-staging-grafana", state: "running" } }),
      ),
    ).toEqual({
      ok: true,
      detail: "http://127.0.0.1:3301 answers (Grafana 12.3.1), through a tunnel to ssh://ops@prod.example",
    });
  });

  it("a remote engine's free disk is shown as not measurable from here", () => {
    expect(diskFinding({ address: remote, info: { DockerRootDir: "/var/lib/docker" } }, 5)).toEqual({
      check: "disk",
      ok: true,
      detail:
        "not measured: the engine is remote (ssh://ops@prod.example); its data root is /var/lib/docker there (df -h /var/lib/docker on the host)",
    });
  });

  it("the engine is the stack's dockerHost, else DOCKER_HOST, else the local socket; only unix and loopback tcp are local", () => {
    expect(engineAddress("ssh://a@b", { DOCKER_HOST: "unix:///x.sock" })).toEqual({
      host: "ssh://a@b",
      source: "stack dockerHost",
      local: false,
    });
    expect(engineAddress(undefined, { DOCKER_HOST: "tcp://127.0.0.1:2375" })).toEqual({
      host: "tcp://127.0.0.1:2375",
      source: "DOCKER_HOST",
      local: true,
    });
    expect(engineAddress(undefined, {})).toEqual(expect.objectContaining({ host: "unix:///var/run/docker.sock", local: true }));
    expect(engineAddress(undefined, { DOCKER_HOST: "tcp://10.0.0.5:2376" }).local).toBe(false);
  });

  it("images are resolved to the registry Docker pulls them from", () => {
    expect(registryOf("prom/prometheus:v3.16.0")).toBe("docker.io");
    expect(registryOf("ghcr.io/google/cadvisor:v0.60.5")).toBe("ghcr.io");
    expect(registryOf("node:22-alpine")).toBe("docker.io");
    expect(registryOf("localhost:5000/x:1")).toBe("localhost:5000");
  });
});

describe("preflight checks what the program deploys", () => {
  it.each(committedStacks())("stack %s: the images preflight checks are the ones the program pulls", async (stack) => {
    const run = await runProgram(stack, pulumiConfigMap(stack), Object.keys(TEST_SECRETS));
    const pulled = run.resources.filter((r) => r.type === "docker:index/remoteImage:RemoteImage").map((r) => r.inputs.name as string);
    expect(pulled.length).toBeGreaterThan(0);
    expect(imagesOf(stackConfigFromFile(ROOT, stack)).sort()).toEqual([...new Set(pulled)].sort());
  });
});

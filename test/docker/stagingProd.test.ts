/**
 * The docker tier: the committed prod and staging stacks side by side on one private engine, as on
 * the prod host. Their application networks must exist first (the program looks them up before
 * creating anything); no Docker name or host port collides; destroying staging leaves prod
 * untouched; prod's protected volumes survive `pulumi destroy`. Host ports keep the stacks'
 * defaults, shifted together to free loopback ports; public probes and the real Telegram API are
 * taken out so no test traffic leaves the machine; Grafana, Loki, Promtail and Tempo (AGPL, no
 * image here) are switched off, cAdvisor is absent (no image).
 */
import * as fs from "fs";
import * as net from "net";
import Docker from "dockerode";
import { DEFAULT_HOST_PORTS, PUBLISHED_PORT_KEYS } from "../../config/defaults";
import { dockerName } from "../../components/serviceContainer";
import {
  CONTAINER,
  containersOf,
  destroy,
  dockerNameOf,
  ProtectedError,
  StackState,
  summarize,
  up,
  UpResult,
  VOLUME,
} from "../../harness/docker/apply";
import { Engine, startEngine } from "../../harness/docker/engine";
import { ensureStackImages } from "../../harness/docker/images";
import { ABSENT, exec, HostPorts, NODE_IMAGE, runTestContainer, stackConfig, waitFor } from "../../harness/docker/tier";
import { ROOT } from "../../harness/docker/apply";

jest.setTimeout(15 * 60_000);

const SWITCHED_OFF = { grafana: false, loki: false, alloy: false, tempo: false };
const APP_NETWORK = { prod: "tutordex-prod_tutordex", staging: "tutordex-staging_tutordex" } as const;

let engine: Engine;
let docker: Docker;
const states: Partial<Record<"prod" | "staging", StackState>> = {};
let ports: Record<"prod" | "staging", HostPorts>;
let textfileDir: string;

function portFree(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const s = net.createServer();
    s.once("error", () => resolve(false));
    s.listen(port, "127.0.0.1", () => s.close(() => resolve(true)));
  });
}

/** Both stacks' default host ports, shifted by one offset so that all of them are free here. */
async function shiftedDefaults(): Promise<Record<"prod" | "staging", HostPorts>> {
  for (let offset = 20000; offset < 40000; offset += 137) {
    const shifted = (env: "prod" | "staging") =>
      Object.fromEntries(PUBLISHED_PORT_KEYS.map((k) => [k, DEFAULT_HOST_PORTS[env][k] + offset])) as HostPorts;
    const both = { prod: shifted("prod"), staging: shifted("staging") };
    const all = [...Object.values(both.prod), ...Object.values(both.staging)];
    if ((await Promise.all(all.map(portFree))).every(Boolean)) return both;
  }
  throw new Error("no free offset for the prod and staging host ports");
}

async function apply(stack: "prod" | "staging"): Promise<UpResult> {
  const { config, secretKeys } = stackConfig({
    hostPorts: ports[stack],
    textfileDir,
    file: { root: ROOT, stack },
    overrides: {
      services: SWITCHED_OFF,
      // No probe of the public API and no call to api.telegram.org from a test.
      publicProbes: undefined,
      telegram: { chatId: stack === "prod" ? "-1001234567890" : "-1001234567891", apiBaseUrl: "http://fake-telegram.invalid:8081" },
    },
  });
  const r = await up(engine, { stack, config, secretKeys, prev: states[stack], absent: ABSENT, attachTimeoutMs: 5 * 60_000 });
  states[stack] = r.state;
  return r;
}

function expectOk(r: UpResult): void {
  if (!r.ok) throw new Error(`pulumi up failed: ${r.error}\n${summarize(r)}\n--- harness log ---\n${r.log.slice(-3000)}`);
}

const label = (stack: string) => `tutordex.observability.stack=${stack}`;

async function snapshot(stack: string) {
  const containers = await docker.listContainers({ all: true, filters: { label: [label(stack)] } });
  const details = await Promise.all(containers.map((c) => docker.getContainer(c.Id).inspect()));
  const volumes = ((await docker.listVolumes({ filters: { label: [label(stack)] } })).Volumes ?? []).map((v) => v.Name).sort();
  const networks = (await docker.listNetworks({ filters: { label: [label(stack)] } })).map((n) => `${n.Name} ${n.Id}`).sort();
  return {
    containers: details.map((d) => `${d.Name} ${d.Id} ${d.State.StartedAt} ${d.State.Status}`).sort(),
    volumes,
    networks,
  };
}

beforeAll(async () => {
  engine = await startEngine();
  docker = engine.docker;
  await ensureStackImages(docker);
  ports = await shiftedDefaults();
  textfileDir = engine.tempDir("tdx-textfile-");
  fs.chmodSync(textfileDir, 0o755);
}, 10 * 60_000);

afterAll(async () => {
  if (engine) await engine.stop();
}, 5 * 60_000);

describe("staging and prod on one engine", () => {
  test("a missing application network stops the program before any container is created", async () => {
    const r = await apply("prod");
    expect(r.ok).toBe(false);
    expect(r.error).toContain(APP_NETWORK.prod);
    expect(r.steps.filter((s) => s.type === CONTAINER && s.op !== "absent")).toEqual([]);
    expect(await docker.listContainers({ all: true, filters: { label: [label("prod")] } })).toEqual([]);
  });

  test("with the application networks present, both stacks come up side by side", async () => {
    for (const name of Object.values(APP_NETWORK)) {
      const n = (await docker.createNetwork({
        Name: name,
        Driver: "bridge",
        Labels: { "com.docker.compose.network": "tutordex" },
      })) as unknown as { id: string };
      engine.track("network", n.id);
    }
    expectOk(await apply("prod"));
    expectOk(await apply("staging"));
    for (const stack of ["prod", "staging"] as const) {
      for (const c of containersOf(states[stack]!)) {
        const info = await docker.getContainer(c.id!).inspect();
        if (!c.outputs.attach) expect(`${dockerNameOf(c)} ${info.State.Status}`).toBe(`${dockerNameOf(c)} running`);
      }
    }
  });

  test("no Docker name or host port collides", async () => {
    const all = await docker.listContainers({ all: true });
    const names = all.flatMap((c) => c.Names);
    expect(new Set(names).size).toBe(names.length);
    const published = all.flatMap((c) => c.Ports.filter((p) => p.PublicPort).map((p) => `${p.IP}:${p.PublicPort}/${p.Type}`));
    expect(new Set(published).size).toBe(published.length);
    for (const stack of ["prod", "staging"] as const) {
      for (const c of containersOf(states[stack]!)) expect(dockerNameOf(c)).toMatch(new RegExp(`^tutordex-obs-${stack}-`));
    }
    const volumes = (stack: string) => states[stack as "prod"]!.resources.filter((r) => r.type === VOLUME).map(dockerNameOf);
    expect(volumes("prod").filter((v) => volumes("staging").includes(v))).toEqual([]);
  });

  test("the OTEL Collector answers to otel-collector on the application network", async () => {
    const probe = await runTestContainer(engine, {
      name: "tdx-test-app-probe",
      image: NODE_IMAGE,
      entrypoint: ["/bin/sh", "-c", "sleep 600"],
      network: APP_NETWORK.prod,
    });
    const r = await waitFor("otel-collector's health endpoint from the application network", 60_000, async () => {
      const x = await exec(docker, probe.id, ["wget", "-q", "-O", "-", "http://otel-collector:13133/"]);
      return x.code === 0 ? x : undefined;
    });
    expect(r.code).toBe(0);
    await docker.getContainer(probe.id).remove({ force: true });
    engine.forget("container", probe.id);
  });

  test("destroying staging removes staging and leaves every prod container, volume and network untouched", async () => {
    const before = await snapshot("prod");
    expect(before.containers.length).toBeGreaterThan(0);
    const d = await destroy(engine, states.staging!);
    states.staging = d.state;
    const left = await snapshot("staging");
    expect(left).toEqual({ containers: [], volumes: [], networks: [] });
    expect(await snapshot("prod")).toEqual(before);
  });

  test("prod's protected data volumes are not deleted: destroy refuses, and --exclude-protected keeps them with their data", async () => {
    const prod = states.prod!;
    const protectedVolumes = prod.resources.filter((r) => r.type === VOLUME && r.options.protect).map((r) => dockerNameOf(r)!);
    expect(protectedVolumes).toEqual(
      expect.arrayContaining([dockerName("prod", "prometheus-data"), dockerName("prod", "alertmanager-data")]),
    );
    const before = await snapshot("prod");
    await expect(destroy(engine, prod)).rejects.toThrow(ProtectedError);
    expect(await snapshot("prod")).toEqual(before);
    const d = await destroy(engine, prod, { excludeProtected: true });
    states.prod = d.state;
    const after = await snapshot("prod");
    expect(after.containers).toEqual([]);
    expect(after.volumes).toEqual(expect.arrayContaining(protectedVolumes));
    // The TSDB is still in its volume.
    const reader = await runTestContainer(engine, {
      name: "tdx-test-volume-reader",
      image: NODE_IMAGE,
      entrypoint: ["/bin/sh", "-c", "sleep 600"],
      network: "none",
      binds: [`${dockerName("prod", "prometheus-data")}:/data:ro`],
    });
    const ls = await exec(docker, reader.id, ["/bin/sh", "-c", "ls /data"]);
    expect(ls.output).toMatch(/wal/);
  });
});

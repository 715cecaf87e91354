/**
 * Facts of the engine and of the provider's operations that the stack's design rests on, checked
 * on a private engine with the harness's own provider operations (engineOps.ts), so that a change
 * of the engine or of the mapping shows here first:
 * - with only `memory`, the engine allows as much swap again, and raising `memory` past that
 *   fails in place; with `memorySwap` equal to `memory` the raise works (issue 13, point 5);
 * - the provider's delete stops a container with `destroyGraceSeconds` (0 unless set), whatever
 *   its `stopTimeout`: without it a SIGTERM handler never runs to completion (point 10);
 * - a healthcheck edit is planned as an in-place update, which leaves the engine's healthcheck
 *   as it was (point 16);
 * - an attached one-shot that exits non-zero is a successful create with `exitCode` set: the
 *   provider never fails on it (point 9);
 * - the engine is Docker 29 as a current host runs it: images in containerd's store (which cAdvisor
 *   v0.54+ reads), `docker save` in the OCI layout (the image cache of images.ts stores that), and
 *   a container's network names in DNSNames, its Aliases only the configured ones.
 */
import Docker from "dockerode";
import { ENGINE_RELEASES } from "../../config/versions";
import { Engine, startEngine } from "../../harness/docker/engine";
import { createContainer, createVolume, deleteContainer, updateContainer } from "../../harness/docker/engineOps";
import { ensureImage, RECIPES } from "../../harness/docker/images";
import { CONTAINER_ATTRS, diffAttrs } from "../../harness/docker/providerMapping";
import { exec, runTestContainer } from "../../harness/docker/tier";

jest.setTimeout(5 * 60_000);

let engine: Engine;
let docker: Docker;
const IMAGE = RECIPES["prom-busybox"].tag;
const MiB = 1024 * 1024;

beforeAll(async () => {
  engine = await startEngine();
  docker = engine.docker;
  await ensureImage(docker, "prom-busybox");
}, 5 * 60_000);

afterAll(async () => {
  if (engine) await engine.stop();
}, 2 * 60_000);

/** The names of the entries of a tar stream (ustar headers; no long names in an image archive). */
async function tarNames(stream: NodeJS.ReadableStream): Promise<string[]> {
  const chunks: Buffer[] = [];
  for await (const c of stream) chunks.push(c as Buffer);
  const tar = Buffer.concat(chunks);
  const names: string[] = [];
  for (let at = 0; at + 512 <= tar.length && tar[at] !== 0;) {
    const field = (from: number, len: number) =>
      tar
        .subarray(at + from, at + from + len)
        .toString("utf8")
        .replace(/\0.*$/s, "");
    names.push(field(0, 100));
    at += 512 + Math.ceil(parseInt(field(124, 12).trim() || "0", 8) / 512) * 512;
  }
  return names;
}

async function make(inputs: Record<string, unknown>) {
  const r = await createContainer(
    docker,
    { image: IMAGE, networkMode: "none", ...inputs },
    { onCreated: (id) => engine.track("container", id) },
  );
  return r;
}

describe("engine and provider facts", () => {
  test("only memory: swap is twice memory and a raise past it fails in place; memorySwap = memory raises cleanly", async () => {
    const only = await make({ name: "tdx-fact-memory-only", entrypoints: ["sleep", "600"], memory: 64 });
    const info = await docker.getContainer(only.id).inspect();
    expect(info.HostConfig.Memory).toBe(64 * MiB);
    expect(info.HostConfig.MemorySwap).toBe(128 * MiB);
    // The provider's read-back stores that swap, so the next plan shows a change nobody made.
    expect(only.outputs.memorySwap).toBe(128);
    expect(
      diffAttrs(CONTAINER_ATTRS, only.outputs, {
        image: IMAGE,
        name: "tdx-fact-memory-only",
        networkMode: "none",
        entrypoints: ["sleep", "600"],
        memory: 64,
      }).map((d) => `${d.input}:${d.change}`),
    ).toEqual(["memorySwap:update"]);
    const raise = { image: IMAGE, name: "tdx-fact-memory-only", networkMode: "none", entrypoints: ["sleep", "600"], memory: 200 };
    const diffs = diffAttrs(CONTAINER_ATTRS, only.outputs, raise);
    await expect(updateContainer(docker, only.id, only.outputs, raise, diffs)).rejects.toThrow(
      /Memory limit should be smaller than already set memoryswap limit/,
    );

    const pinned = await make({ name: "tdx-fact-memory-swap", entrypoints: ["sleep", "600"], memory: 64, memorySwap: 64 });
    expect((await docker.getContainer(pinned.id).inspect()).HostConfig.MemorySwap).toBe(64 * MiB);
    const raise2 = {
      image: IMAGE,
      name: "tdx-fact-memory-swap",
      networkMode: "none",
      entrypoints: ["sleep", "600"],
      memory: 200,
      memorySwap: 200,
    };
    await updateContainer(docker, pinned.id, pinned.outputs, raise2, diffAttrs(CONTAINER_ATTRS, pinned.outputs, raise2));
    const after = await docker.getContainer(pinned.id).inspect();
    expect([after.HostConfig.Memory, after.HostConfig.MemorySwap]).toEqual([200 * MiB, 200 * MiB]);
  });

  test("the provider's delete waits destroyGraceSeconds, not stopTimeout: without it the SIGTERM handler is cut off", async () => {
    const vol = await createVolume(docker, { name: "tdx-fact-flush", labels: [] });
    engine.track("volume", vol.id);
    // On SIGTERM: take a second to "flush", then write the proof and exit cleanly.
    const script = 'trap "sleep 1; echo flushed > /data/$NAME; exit 0" TERM; echo up; while true; do sleep 0.2; done';
    const run = async (name: string, extra: Record<string, unknown>) => {
      const c = await make({
        name,
        entrypoints: ["/bin/sh", "-c", script],
        envs: [`NAME=${name}`],
        volumes: [{ volumeName: vol.id, containerPath: "/data" }],
        ...extra,
      });
      await new Promise((r) => setTimeout(r, 1000));
      const t0 = Date.now();
      await deleteContainer(docker, c.id, c.outputs);
      engine.forget("container", c.id);
      return Date.now() - t0;
    };
    await run("tdx-fact-stop-timeout-only", { stopSignal: "SIGTERM", stopTimeout: 30 });
    await run("tdx-fact-destroy-grace", { stopSignal: "SIGTERM", stopTimeout: 30, destroyGraceSeconds: 30 });
    const reader = await runTestContainer(engine, {
      name: "tdx-fact-reader",
      image: IMAGE,
      entrypoint: ["sleep", "600"],
      network: "none",
      binds: [`${vol.id}:/data`],
    });
    const ls = await exec(docker, reader.id, ["ls", "/data"]);
    expect(ls.output.split(/\s+/).filter(Boolean).sort()).toEqual(["tdx-fact-destroy-grace"]);
  });

  test("a healthcheck edit is an in-place update that leaves the engine's healthcheck unchanged", async () => {
    const base = {
      name: "tdx-fact-health",
      entrypoints: ["sleep", "600"],
      healthcheck: { tests: ["CMD", "true"], interval: "15s", timeout: "5s", retries: 5, startPeriod: "30s" },
    };
    const c = await make(base);
    const edited = {
      ...base,
      image: IMAGE,
      networkMode: "none",
      healthcheck: { ...base.healthcheck, tests: ["CMD", "false"], interval: "5s" },
    };
    const diffs = diffAttrs(CONTAINER_ATTRS, c.outputs, edited);
    expect(diffs.map((d) => `${d.input}:${d.change}`)).toEqual(["healthcheck:state"]);
    await updateContainer(docker, c.id, c.outputs, edited, diffs);
    const info = await docker.getContainer(c.id).inspect();
    expect(info.Config.Healthcheck?.Test).toEqual(["CMD", "true"]);
    // replaceOnChanges: ["healthcheck"] turns the same edit into a replacement.
    expect(diffAttrs(CONTAINER_ATTRS, c.outputs, edited, { replaceOnChanges: ["healthcheck"] }).map((d) => d.change)).toEqual(["replace"]);
  });

  test("an attached one-shot that exits non-zero is a successful create with its exit code recorded", async () => {
    const c = await make({
      name: "tdx-fact-one-shot",
      entrypoints: ["/bin/sh", "-c", "echo checking; exit 3"],
      mustRun: false,
      attach: true,
      logs: true,
      restart: "no",
    });
    expect(c.outputs.exitCode).toBe(3);
    expect(c.outputs.containerLogs).toContain("checking");
    // With must_run left at its default (true), Read flips it to false: every later plan shows an update.
    const d = await make({ name: "tdx-fact-one-shot-must-run", entrypoints: ["/bin/sh", "-c", "exit 0"], attach: true, restart: "no" });
    expect(d.outputs.mustRun).toBe(false);
    expect(
      diffAttrs(CONTAINER_ATTRS, d.outputs, {
        name: "tdx-fact-one-shot-must-run",
        image: IMAGE,
        networkMode: "none",
        entrypoints: ["/bin/sh", "-c", "exit 0"],
        attach: true,
        restart: "no",
      }).map((x) => `${x.input}:${x.change}`),
    ).toEqual(["mustRun:update"]);
  });

  test("Docker 29 as a current host runs it: containerd's image store, an OCI-layout save, network names in DNSNames", async () => {
    const [version, info] = await Promise.all([docker.version(), docker.info()]);
    expect({ version: version.Version, driver: info.Driver }).toEqual({ version: ENGINE_RELEASES.docker.version, driver: "overlayfs" });
    expect(info.DriverStatus).toContainEqual(["driver-type", "io.containerd.snapshotter.v1"]);
    // 20.10 wrote repositories and <layer>/layer.tar; from 25 on an OCI layout, with manifest.json kept for older loaders.
    const names = await tarNames(await docker.getImage(IMAGE).get());
    expect(names).toEqual(expect.arrayContaining(["oci-layout", "index.json", "manifest.json"]));
    expect(names.filter((n) => n.endsWith("/layer.tar") || n === "repositories")).toEqual([]);

    const net = (await docker.createNetwork({ Name: "tdx-fact-net" })) as unknown as { id: string };
    engine.track("network", net.id);
    const c = await runTestContainer(engine, {
      name: "tdx-fact-dns",
      image: IMAGE,
      entrypoint: ["sleep", "600"],
      network: "tdx-fact-net",
      aliases: ["fact-alias"],
    });
    const endpoint = (await docker.getContainer(c.id).inspect()).NetworkSettings.Networks["tdx-fact-net"] as Docker.NetworkInfo & {
      DNSNames?: string[];
    };
    // 20.10 listed the short container id among the Aliases; 29 keeps Aliases as configured.
    expect(endpoint.Aliases).toEqual(["fact-alias"]);
    expect(endpoint.DNSNames).toEqual(["tdx-fact-dns", "fact-alias", c.id.slice(0, 12)]);
    const lookup = await exec(docker, c.id, ["nslookup", "fact-alias"]);
    expect({ code: lookup.code, resolves: lookup.output.includes(endpoint.IPAddress) }).toEqual({ code: 0, resolves: true });
  });
});

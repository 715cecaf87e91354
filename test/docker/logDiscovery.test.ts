import Docker from "dockerode";
import { dockerNetworkPeers } from "../../config/services";
import { renderAlloyConfig } from "../../generators/alloy";
import { LogAgent } from "../../config/schema";
import { DockerFilter } from "../../generators/logLabelContract";
import { renderPromtailConfig } from "../../generators/promtail";
import { alloyPipelineOf, dockerLists, DockerContainer, promtailPipelineOf } from "../support/logPipelines";
import { Engine, startEngine } from "../../harness/docker/engine";

/**
 * The log agents' discovery step on a real engine: the Docker filters each agent's rendered file
 * hands to the engine's container list (Promtail's docker_sd_configs `filters`, Alloy's
 * discovery.docker `filter` blocks) run as that list call against containers made like prod's and
 * staging's side by side, and the engine's answer must be the model's (test/support/logPipelines.ts,
 * which the label-contract tests use) and exactly this environment's containers but the agent's.
 * Containers are only created, never started: the list filters do not depend on the state, and
 * the image is an empty layer imported on the spot, so nothing is pulled or built.
 */
const STACK = { stack: "prod", appComposeProject: "tutordex-prod" };
const MARK = "tutordex.docker-tier-discovery";

const composed = (project: string, service: string): DockerContainer => ({
  name: `/${project}-${service}-1`,
  labels: { "com.docker.compose.project": project, "com.docker.compose.service": service },
});
const own = (stack: string, service: string, name = `tutordex-obs-${stack}-${service}`): DockerContainer => ({
  name: `/${name}`,
  labels: { "tutordex.observability.stack": stack, "tutordex.observability.service": service },
});
const HOST: readonly DockerContainer[] = [
  composed("tutordex-prod", "aggregator-worker"),
  composed("tutordex-prod", "backend"),
  composed("tutordex-staging", "aggregator-worker"),
  composed("tutordex-prod-canary", "backend"),
  own("prod", "grafana"),
  own("prod", "prometheus"),
  own("prod", "alertmanager", "tutordex-obs-prod-alertmanager-config-sync-3f2a"),
  own("prod", "promtail"),
  own("prod", "promtail", "tutordex-obs-prod-promtail-ready"),
  own("prod", "alloy"),
  own("staging", "grafana"),
  own("staging", "promtail"),
  { name: "/someone-elses-app", labels: {} },
];

/** One empty tar archive: two 512-byte zero blocks. */
const EMPTY_TAR = Buffer.alloc(1024);

let engine: Engine;
let docker: Docker;
let image: string;

beforeAll(async () => {
  engine = await startEngine();
  docker = engine.docker;
  const out = await new Promise<string>((resolve, reject) => {
    // POST /images/create?fromSrc=- with the archive as the body (`docker import`).
    docker.modem.dial(
      {
        path: "/images/create?",
        method: "POST",
        options: { fromSrc: "-", repo: "tutordex-discovery-empty", tag: "1" },
        file: EMPTY_TAR,
        isStream: false,
        statusCodes: { 200: true, 500: "server error" },
      },
      (err: Error | null, data: unknown) => (err ? reject(err) : resolve(String(data))),
    );
  });
  if (/error/i.test(out) && !/"status"/.test(out)) throw new Error(`import failed: ${out}`);
  image = "tutordex-discovery-empty:1";
  for (const c of HOST) {
    const made = await docker.createContainer({
      name: c.name.slice(1),
      Image: image,
      Cmd: ["/none"],
      Labels: { ...c.labels, [MARK]: "yes" },
    });
    engine.track("container", made.id);
  }
}, 120_000);

afterAll(async () => {
  await engine?.stop();
}, 120_000);

/** What the engine lists for one discovery's filters, among the containers this test made. */
async function engineLists(filters: readonly DockerFilter[]): Promise<string[]> {
  const byName: Record<string, string[]> = { label: [MARK] };
  for (const f of filters) byName[f.name] = [...(byName[f.name] ?? []), ...f.values];
  const listed = await docker.listContainers({ all: true, filters: byName });
  return listed.map((c) => c.Names[0]).sort();
}

const rendered: Record<LogAgent, readonly (readonly DockerFilter[])[]> = {
  promtail: promtailPipelineOf(renderPromtailConfig(STACK, dockerNetworkPeers())).discovery,
  alloy: alloyPipelineOf(renderAlloyConfig(STACK, dockerNetworkPeers())).discovery,
};

describe.each(["promtail", "alloy"] as const)("%s's discovery on a real engine, prod and staging side by side", (agent) => {
  it("the engine lists what the model says, for each discovery of the rendered file", async () => {
    for (const filters of rendered[agent]) {
      expect(await engineLists(filters)).toEqual(
        HOST.filter((c) => dockerLists(filters, c))
          .map((c) => c.name)
          .sort(),
      );
    }
  });

  it("lists prod's application and prod's own containers but the agent's, each once", async () => {
    const all = (await Promise.all(rendered[agent].map(engineLists))).flat().sort();
    const expected = [
      "/tutordex-prod-aggregator-worker-1",
      "/tutordex-prod-backend-1",
      "/tutordex-obs-prod-grafana",
      "/tutordex-obs-prod-prometheus",
      "/tutordex-obs-prod-alertmanager-config-sync-3f2a",
      // The other agent is not running in this stack; its name is only left out by the agent that runs.
      ...(agent === "promtail" ? ["/tutordex-obs-prod-alloy"] : ["/tutordex-obs-prod-promtail", "/tutordex-obs-prod-promtail-ready"]),
    ].sort();
    expect(all).toEqual(expected);
  });
});

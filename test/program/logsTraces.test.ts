import { dockerNetworkPeers } from "../../config/services";
import { renderLokiConfig } from "../../generators/loki";
import { renderOtelCollectorConfig } from "../../generators/otelCollector";
import { renderPromtailConfig } from "../../generators/promtail";
import { renderTempoConfig } from "../../generators/tempo";
import { renderBlackboxConfig } from "../../generators/blackbox";
import { containerNamed, ProgramRun, runProgram } from "../support/program";
import { pulumiConfigMap, TEST_SECRETS } from "../support/stackFiles";
import { stackConfig } from "../support/fixtures";

let run: ProgramRun;
const config = stackConfig("prod");
const peers = dockerNetworkPeers();
beforeAll(async () => {
  run = await runProgram("prod", pulumiConfigMap("prod"), Object.keys(TEST_SECRETS));
});

const container = (name: string) => containerNamed(run, name);
const upload = (name: string) => container(name).inputs.uploads[0];
const mounts = (name: string) => container(name).inputs.volumes.map((v: any) => `${v.volumeName ?? v.hostPath}:${v.containerPath}:${v.readOnly ? "ro" : "rw"}`);
const ports = (name: string) => (container(name).inputs.ports ?? []).map((p: any) => `${p.ip}:${p.external}->${p.internal}`);

it("Loki gets exactly its generated file, its data volume and its published port", () => {
  expect(upload("tutordex-loki")).toEqual({ file: "/etc/loki/tutordex.yml", content: renderLokiConfig(config.retention.loki) });
  expect(container("tutordex-loki").inputs.command).toEqual(["-config.file=/etc/loki/tutordex.yml"]);
  expect(mounts("tutordex-loki")).toEqual(["tutordex-obs-prod-loki-data:/loki:rw"]);
  expect(ports("tutordex-loki")).toEqual(["127.0.0.1:3100->3100"]);
});

it("Promtail reads the Docker socket read-only and keeps positions on a volume; it publishes nothing", () => {
  expect(upload("tutordex-promtail")).toEqual({ file: "/etc/promtail/tutordex.yml", content: renderPromtailConfig(config, peers) });
  expect(mounts("tutordex-promtail")).toEqual(["tutordex-obs-prod-promtail-positions:/promtail:rw", "/var/run/docker.sock:/var/run/docker.sock:ro"]);
  expect(ports("tutordex-promtail")).toEqual([]);
});

it("Tempo gets its file, keeps traces on its volume and publishes its API", () => {
  expect(upload("tutordex-tempo")).toEqual({ file: "/etc/tempo/tutordex.yml", content: renderTempoConfig(config.retention.tempo, peers) });
  expect(mounts("tutordex-tempo")).toEqual(["tutordex-obs-prod-tempo-data:/var/tempo:rw"]);
  expect(ports("tutordex-tempo")).toEqual(["127.0.0.1:3200->3200"]);
});

it("the OTEL Collector publishes OTLP gRPC and HTTP and joins the application network", () => {
  expect(upload("tutordex-otel-collector")).toEqual({ file: "/etc/otelcol/tutordex.yml", content: renderOtelCollectorConfig(config, peers) });
  expect(ports("tutordex-otel-collector")).toEqual(["127.0.0.1:4317->4317", "127.0.0.1:4318->4318"]);
  expect(container("tutordex-otel-collector").inputs.networksAdvanced.map((n: any) => n.name)).toEqual(["tutordex-obs-prod-net", "tutordex-prod_default"]);
});

it("blackbox gets its modules with the public host for SNI", () => {
  expect(upload("tutordex-blackbox-exporter").content).toBe(renderBlackboxConfig(config));
  expect(upload("tutordex-blackbox-exporter").content).toContain("server_name: api.tutordex.sg");
});

it("cAdvisor and node_exporter mount the host read-only with the SPEC flags", () => {
  expect(mounts("tutordex-cadvisor").every((m: string) => m.endsWith(":ro"))).toBe(true);
  expect(container("tutordex-cadvisor").inputs.envs).toEqual(["DOCKER_API_VERSION=1.44"]);
  expect(container("tutordex-cadvisor").inputs.command).toContain("-docker_only");
  expect(container("tutordex-node-exporter").inputs.command).toContain("--collector.textfile.directory=/textfile");
  expect(mounts("tutordex-node-exporter")).toContain("/var/lib/node_exporter/textfile_collector:/textfile:ro");
});

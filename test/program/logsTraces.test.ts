import { renderStack } from "../../generators/stackFiles";
import { containerNamed, ProgramRun, runProgram, uploadsOf } from "../support/program";
import { pulumiConfigMap, PROJECT, TEST_SECRETS } from "../../harness/stackFiles";
import { stackConfig } from "../../harness/fixtures";

/** prod with `logAgent: promtail`, the agent a stack still selects (Alloy, the default: test/program/alloy.test.ts). */
let run: ProgramRun;
const rendered = renderStack(stackConfig("prod", { logAgent: "promtail" }));
beforeAll(async () => {
  run = await runProgram("prod", { ...pulumiConfigMap("prod"), [`${PROJECT}:logAgent`]: "promtail" }, Object.keys(TEST_SECRETS));
});

const container = (name: string) => containerNamed(run, name);
/** The container's config file (its first upload; a password file may follow). */
const upload = (name: string) => uploadsOf(container(name))[0];
const mounts = (name: string) =>
  container(name).inputs.volumes.map((v: any) => `${v.volumeName ?? v.hostPath}:${v.containerPath}:${v.readOnly ? "ro" : "rw"}`);
const ports = (name: string) => (container(name).inputs.ports ?? []).map((p: any) => `${p.ip}:${p.external}->${p.internal}`);

it("Loki gets its rendered file, its data volume and its published port", () => {
  expect(upload("tutordex-loki")).toEqual({ file: "/etc/loki/tutordex.yml", content: rendered.loki });
  expect(mounts("tutordex-loki")).toEqual(["tutordex-obs-prod-loki-data:/loki:rw"]);
  expect(ports("tutordex-loki")).toEqual(["127.0.0.1:3100->3100"]);
});

it("Promtail reads the Docker socket read-only and keeps positions on a volume; it publishes nothing", () => {
  expect(upload("tutordex-promtail")).toEqual({ file: "/etc/promtail/tutordex.yml", content: rendered.promtail });
  expect(mounts("tutordex-promtail")).toEqual([
    "tutordex-obs-prod-promtail-positions:/promtail:rw",
    "/var/run/docker.sock:/var/run/docker.sock:ro",
  ]);
  expect(ports("tutordex-promtail")).toEqual([]);
});

it("Tempo gets its file, keeps traces on its volume and publishes its API", () => {
  expect(upload("tutordex-tempo")).toEqual({ file: "/etc/tempo/tutordex.yml", content: rendered.tempo });
  expect(mounts("tutordex-tempo")).toEqual(["tutordex-obs-prod-tempo-data:/var/tempo:rw"]);
  expect(ports("tutordex-tempo")).toEqual(["127.0.0.1:3200->3200"]);
});

it("the OTEL Collector gets its file and publishes OTLP gRPC and HTTP", () => {
  expect(upload("tutordex-otel-collector")).toEqual({ file: "/etc/otelcol/tutordex.yml", content: rendered.otelCollector });
  expect(ports("tutordex-otel-collector")).toEqual(["127.0.0.1:4317->4317", "127.0.0.1:4318->4318"]);
});

it("blackbox gets its modules with the public host for SNI", () => {
  expect(upload("tutordex-blackbox-exporter")).toEqual({ file: "/etc/blackbox_exporter/tutordex.yml", content: rendered.blackboxExporter });
  expect(rendered.blackboxExporter).toContain("server_name: api.tutordex.sg");
});

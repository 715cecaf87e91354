import { ALERTMANAGER_GOSSIP_PORT } from "../../config/scale";
import { parseStackConfig, rawConfigFromPulumi } from "../../config/schema";
import { EXPAND_ENV_FLAG, LOKI_SECRET_ENV, TEMPO_SECRET_ENV } from "../../generators/objectStorage";
import { credentialsFile } from "../../generators/remoteWrite";
import { renderStack } from "../../generators/stackFiles";
import { violations } from "../../policy/guardrails";
import { containerNamed, containersOf, ProgramRun, RecordedResource, runProgram, secretValue, uploadsOf } from "../support/program";
import { PROJECT, pulumiConfigMap, TEST_SECRETS } from "../../harness/stackFiles";

/**
 * The real index.ts under mocks with every scale-out option on (prod): how the secrets travel
 * (Pulumi secrets into a file, an environment variable, a Grafana datasource; in clear nowhere),
 * and how the containers are wired.
 */

const CREDENTIALS = { mimir: "mimir-password-91c2e7", cloud: "glc_token_5d0f8a33" };
const S3_SECRET = "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLE9";
const ALL_SECRETS = [...Object.values(TEST_SECRETS), ...Object.values(CREDENTIALS), S3_SECRET];

const SCALE = {
  bindAddress: "10.0.0.5",
  remoteWrite: {
    localRetention: "2d",
    stores: [
      {
        name: "mimir",
        url: "https://mimir.internal/api/v1/push",
        auth: { type: "basic", username: "tutordex" },
        headers: { "X-Scope-OrgID": "tutordex-prod" },
        queryUrl: "https://mimir.internal/prometheus",
      },
      { name: "cloud", url: "https://prometheus-prod-01-eu-west-0.grafana.net/api/prom/push", auth: { type: "bearer" } },
    ],
  },
  remoteWriteCredentials: CREDENTIALS,
  alertmanagerCluster: { listenAddress: "10.0.1.5", port: 9094, peers: [{ gossip: "10.0.1.6:9094", api: "10.0.0.6:9093" }] },
  objectStorage: {
    endpoint: "https://minio.internal:9000",
    region: "us-east-1",
    accessKeyId: "tutordex-obs",
    loki: { bucket: "tutordex-prod-logs", since: "2026-06-01" },
    tempo: { bucket: "tutordex-prod-traces" },
  },
  objectStorageSecretKey: S3_SECRET,
};
const SECRET_KEYS = [...Object.keys(TEST_SECRETS), "remoteWriteCredentials", "objectStorageSecretKey"];

/** Pulumi's flat config map: objects arrive as JSON text, as `pulumi config set --path` stores them. */
function configMap(scale: Record<string, unknown>): Record<string, string> {
  const map = pulumiConfigMap("prod");
  for (const [k, v] of Object.entries(scale)) map[`${PROJECT}:${k}`] = typeof v === "string" ? v : JSON.stringify(v);
  return map;
}
const config = parseStackConfig("prod", rawConfigFromPulumi(PROJECT, configMap(SCALE)), new Set(SECRET_KEYS));
const rendered = renderStack(config);

let run: ProgramRun;
let bearerRun: ProgramRun;
beforeAll(async () => {
  run = await runProgram("prod", configMap(SCALE), SECRET_KEYS);
  // The same stack with Grafana reading the bearer-token store instead.
  const stores = SCALE.remoteWrite.stores.map((s) => ({
    ...s,
    queryUrl: s.name === "cloud" ? "https://prometheus-prod-01-eu-west-0.grafana.net/api/prom" : undefined,
  }));
  bearerRun = await runProgram("prod", configMap({ ...SCALE, remoteWrite: { ...SCALE.remoteWrite, stores } }), SECRET_KEYS);
}, 120_000);

const container = (name: string) => containerNamed(run, name);
const datasource = (r: ProgramRun, uid: string) =>
  r.resources.find((x) => x.type === "grafana:oss/dataSource:DataSource" && x.inputs.uid === uid)!;

describe("no secret in clear anywhere Pulumi records it", () => {
  const clearInputs = (r: RecordedResource) =>
    JSON.stringify(Object.fromEntries(Object.entries(r.inputs).filter(([k]) => !r.secretInputs.includes(k))));

  it.each(["with Grafana reading the basic-auth store", "with Grafana reading the bearer store"])(
    "every input that holds a credential, password, token or key is a Pulumi secret (%s)",
    (which) => {
      const r = which.includes("bearer") ? bearerRun : run;
      expect(r.resources.length).toBeGreaterThan(40);
      for (const resource of r.resources) {
        const text = clearInputs(resource);
        for (const secret of ALL_SECRETS)
          expect({ resource: resource.name, leaks: text.includes(secret) }).toEqual({ resource: resource.name, leaks: false });
      }
      expect(ALL_SECRETS.filter((s) => JSON.stringify(r.outputs).includes(s))).toEqual([]);
    },
  );

  it("and every one of them is delivered somewhere: the test above is not vacuous", () => {
    const everything = JSON.stringify(run.resources.map((r) => r.inputs));
    expect(ALL_SECRETS.filter((s) => !everything.includes(s))).toEqual([]);
  });

  it("the rendered files the program hands out hold none of them", () => {
    const files = [
      ...Object.values(rendered.prometheus),
      ...Object.values(rendered.alertmanager),
      rendered.loki!,
      rendered.tempo!,
      JSON.stringify(rendered.grafana),
    ];
    for (const secret of ALL_SECRETS) expect(files.some((f) => f.includes(secret))).toBe(false);
  });
});

describe("remote_write credentials reach Prometheus as secret files", () => {
  it("one file per store with auth, uploaded into the container as a secret", () => {
    const prometheus = container("tutordex-prometheus");
    const remoteWrite = (secretValue(prometheus.inputs.uploads) as { file: string }[]).filter((u) => u.file.includes("/remote-write-"));
    expect(remoteWrite).toEqual([
      { file: credentialsFile("mimir"), content: CREDENTIALS.mimir },
      { file: credentialsFile("cloud"), content: CREDENTIALS.cloud },
    ]);
    expect(prometheus.secretInputs).toContain("uploads");
  });

  it("prometheus.yml in the config sync names the files, and the local retention is remoteWrite.localRetention", () => {
    const sync = containersOf(run).find((c) => String(c.inputs.name).startsWith("tutordex-obs-prod-prometheus-config-sync-"))!;
    const yml = sync.inputs.uploads.find((u: { file: string }) => u.file.endsWith("/prometheus.yml")).content as string;
    expect(yml).toBe(rendered.prometheus["prometheus.yml"]);
    expect(yml).toContain(`password_file: ${credentialsFile("mimir")}`);
    expect(yml).toContain(`credentials_file: ${credentialsFile("cloud")}`);
    expect(container("tutordex-prometheus").inputs.command).toContain("--storage.tsdb.retention.time=2d");
  });
});

describe("Loki and Tempo read the S3 secret key from a secret environment variable", () => {
  it.each([
    ["tutordex-loki", LOKI_SECRET_ENV, () => rendered.loki!],
    ["tutordex-tempo", TEMPO_SECRET_ENV, () => rendered.tempo!],
  ])("%s: expand-env on, the key in a secret env, the file only names it", (name, variable, file) => {
    const c = container(name);
    expect(c.inputs.command).toContain(EXPAND_ENV_FLAG);
    expect(secretValue(c.inputs.envs)).toEqual([`${variable}=${S3_SECRET}`]);
    expect(c.secretInputs).toContain("envs");
    expect(uploadsOf(c)[0].content).toBe(file());
    expect(uploadsOf(c)[0].content).toContain(`"\${${variable}}"`);
  });
});

describe("the clustered Alertmanager", () => {
  const ports = () => container("tutordex-alertmanager").inputs.ports.map((p: any) => `${p.ip}:${p.external}->${p.internal}/${p.protocol}`);

  it("gossips inside its container, advertises this host's cluster address and dials its peer", () => {
    expect(container("tutordex-alertmanager").inputs.command.filter((a: string) => a.startsWith("--cluster."))).toEqual([
      `--cluster.listen-address=0.0.0.0:${ALERTMANAGER_GOSSIP_PORT}`,
      "--cluster.advertise-address=10.0.1.5:9094",
      "--cluster.peer-name=prod",
      "--cluster.peer-timeout=15s",
      "--cluster.peer=10.0.1.6:9094",
    ]);
  });

  it("asks for no API password (the peers' Prometheus share none yet: docs/threat-model.md), while its own Prometheus still sends one", () => {
    const am = container("tutordex-alertmanager");
    expect(am.inputs.command.filter((a: string) => a.startsWith("--web.config.file"))).toEqual([]);
    expect(uploadsOf(am).map((u) => u.file)).toEqual(["/etc/alertmanager-secrets/alertmanager-password"]);
  });

  it("publishes gossip (TCP and UDP) only on the cluster address, its API on the bind address", () => {
    expect(ports()).toEqual(["10.0.0.5:9093->9093/tcp", "10.0.1.5:9094->9094/tcp", "10.0.1.5:9094->9094/udp"]);
  });

  it("passes the port guardrail with the cluster address, and would not without it", () => {
    const records = containersOf(run).map((c) => ({ name: c.name, inputs: c.inputs, options: c.options }));
    expect(violations(records, { stack: "prod", bindAddress: "10.0.0.5", clusterAddress: "10.0.1.5" })).toEqual([]);
    expect(violations(records, { stack: "prod", bindAddress: "10.0.0.5" })).toEqual([
      "tutordex-obs-prod-alertmanager: ports published only on the bind address: ports on 10.0.1.5,10.0.1.5",
    ]);
  });
});

describe("Grafana reads the long-term store with its credentials, kept secret", () => {
  it("basic auth: user in clear, password in secure JSON data, tenant header secret", () => {
    const ds = datasource(run, "longterm");
    expect([ds.inputs.type, ds.inputs.url, ds.inputs.isDefault, ds.inputs.basicAuthEnabled, ds.inputs.basicAuthUsername]).toEqual([
      "prometheus",
      "https://mimir.internal/prometheus",
      false,
      true,
      "tutordex",
    ]);
    expect(JSON.parse(secretValue(ds.inputs.secureJsonDataEncoded))).toEqual({ basicAuthPassword: CREDENTIALS.mimir });
    expect(secretValue(ds.inputs.httpHeaders)).toEqual({ "X-Scope-OrgID": "tutordex-prod" });
    expect(ds.secretInputs).toEqual(expect.arrayContaining(["secureJsonDataEncoded", "httpHeaders"]));
  });

  it("bearer: the token as a secret Authorization header, no basic auth", () => {
    const ds = datasource(bearerRun, "longterm");
    expect(ds.inputs.url).toBe("https://prometheus-prod-01-eu-west-0.grafana.net/api/prom");
    expect(secretValue(ds.inputs.httpHeaders)).toEqual({ Authorization: `Bearer ${CREDENTIALS.cloud}` });
    expect(ds.inputs.basicAuthEnabled).toBeUndefined();
    expect(ds.secretInputs).toContain("httpHeaders");
  });

  it("the local Prometheus stays the default datasource", () => {
    expect(
      run.resources.filter((x) => x.type === "grafana:oss/dataSource:DataSource" && x.inputs.isDefault).map((x) => x.inputs.uid),
    ).toEqual(["prometheus"]);
  });
});

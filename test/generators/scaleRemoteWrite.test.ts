import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import * as yaml from "js-yaml";
import { parseStackConfig, rawConfigFromPulumi, StackConfig } from "../../config/schema";
import { alertmanagerArgs } from "../../generators/commandLines";
import { ALWAYS_DROPPED_METRICS, credentialsFile, REMOTE_WRITE_SECRETS_DIR } from "../../generators/remoteWrite";
import { renderStack, renderStackFiles } from "../../generators/stackFiles";
import { PROJECT, pulumiConfigMap, secretKeySet } from "../../harness/stackFiles";
import { run } from "../../harness/tools";

/**
 * remote_write and the Alertmanager cluster as prometheus.yml renders them, checked by the
 * promtool of the pinned Prometheus; and no credential in any rendered file.
 */

const CREDENTIALS = { mimir: "mimir-password-7f3a9c", cloud: "glc_eyJrIjoi-token-51bd" };
const SCALE = {
  bindAddress: "10.0.0.5",
  remoteWrite: {
    localRetention: "2d",
    stores: [
      {
        name: "mimir",
        url: "https://mimir.internal:8080/api/v1/push",
        auth: { type: "basic", username: "tutordex" },
        headers: { "X-Scope-OrgID": "tutordex-prod" },
        dropMetrics: ["node_.*", "container_tasks_state"],
        queryUrl: "https://mimir.internal:8080/prometheus",
      },
      {
        name: "cloud",
        url: "https://prometheus-prod-01-eu-west-0.grafana.net/api/prom/push",
        auth: { type: "bearer" },
        queue: { maxShards: 4, batchSendDeadline: "10s" },
      },
      { name: "victoria", url: "http://victoria.internal:8428/api/v1/write" },
    ],
  },
  remoteWriteCredentials: CREDENTIALS,
  alertmanagerCluster: {
    listenAddress: "10.0.0.5",
    peers: [
      { gossip: "10.0.0.6:9094", api: "10.0.0.6:9093" },
      { gossip: "10.0.0.7:9094", api: "10.0.0.7:9093" },
    ],
  },
};

/** A committed stack with the scale-out settings, its secrets set with --secret as prod requires. */
function scaled(stack: string): StackConfig {
  // Staging publishes its Alertmanager on 9094, Alertmanager's default gossip port (refused: test/generators/scaleSettings.test.ts).
  const cluster = stack === "staging" ? { ...SCALE.alertmanagerCluster, port: 9095 } : SCALE.alertmanagerCluster;
  const raw = { ...rawConfigFromPulumi(PROJECT, pulumiConfigMap(stack)), ...SCALE, alertmanagerCluster: cluster };
  return parseStackConfig(stack, raw, new Set([...secretKeySet(), "remoteWriteCredentials"]));
}

describe.each(["prod", "staging"])("prometheus.yml of stack %s with three long-term stores and two peer Alertmanagers", (stack) => {
  const config = scaled(stack);
  const files = renderStack(config).prometheus;
  const doc = yaml.load(files["prometheus.yml"]) as Record<string, any>;
  const store = (name: string) => (doc.remote_write as Record<string, any>[]).find((s) => s.name === name)!;

  it("every series leaves with the stack and environment as external labels", () => {
    expect(doc.global.external_labels).toEqual({ stack, environment: stack });
    // Relabelling drops whole series by name and never touches the labels that tell hosts apart.
    for (const s of doc.remote_write)
      for (const r of s.write_relabel_configs)
        expect(r).toEqual({ source_labels: ["__name__"], regex: expect.any(String), action: "drop" });
  });

  it("basic auth and bearer read their secret from a file; prometheus.yml names only the path", () => {
    expect(store("mimir").basic_auth).toEqual({ username: "tutordex", password_file: `${REMOTE_WRITE_SECRETS_DIR}/remote-write-mimir` });
    expect(store("cloud").authorization).toEqual({ type: "Bearer", credentials_file: `${REMOTE_WRITE_SECRETS_DIR}/remote-write-cloud` });
    expect(store("victoria")).not.toHaveProperty("basic_auth");
    expect(store("victoria")).not.toHaveProperty("authorization");
    expect(credentialsFile("mimir")).toBe(store("mimir").basic_auth.password_file);
  });

  it("the tenant header, the queue settings and their defaults", () => {
    expect(store("mimir").headers).toEqual({ "X-Scope-OrgID": "tutordex-prod" });
    expect(store("mimir").queue_config).toEqual({ capacity: 10000, max_shards: 10, max_samples_per_send: 2000, batch_send_deadline: "5s" });
    expect(store("cloud").queue_config).toEqual({ capacity: 10000, max_shards: 4, max_samples_per_send: 2000, batch_send_deadline: "10s" });
    expect(store("mimir").url).toBe("https://mimir.internal:8080/api/v1/push");
  });

  it("drops the always-dropped series everywhere and each store's own list only there", () => {
    expect(store("victoria").write_relabel_configs).toEqual([
      { source_labels: ["__name__"], regex: "ALERTS_FOR_STATE|go_.*", action: "drop" },
    ]);
    expect(store("mimir").write_relabel_configs.map((r: { regex: string }) => r.regex)).toEqual([
      "ALERTS_FOR_STATE|go_.*",
      "node_.*|container_tasks_state",
    ]);
    // Prometheus anchors relabel regexes: the same test here decides which names leave.
    const dropped = (regex: string, name: string) => new RegExp(`^(?:${regex})$`).test(name);
    const always = ALWAYS_DROPPED_METRICS.join("|");
    expect(["ALERTS_FOR_STATE", "go_gc_duration_seconds", "go_goroutines"].filter((n) => dropped(always, n))).toHaveLength(3);
    expect(
      [
        "ALERTS",
        "tutordex:assignments_processed:rate5m",
        "up",
        "process_resident_memory_bytes",
        "prometheus_go_info_x",
        "algo_total",
      ].filter((n) => dropped(always, n)),
    ).toEqual([]);
  });

  it("alerts go to the stack's own Alertmanager and to every peer's, with the Alertmanager API's password", () => {
    expect(doc.alerting).toEqual({
      alertmanagers: [
        {
          basic_auth: { username: "tutordex-obs", password_file: `${REMOTE_WRITE_SECRETS_DIR}/alertmanager-password` },
          static_configs: [{ targets: ["alertmanager:9093", "10.0.0.6:9093", "10.0.0.7:9093"] }],
        },
      ],
    });
  });

  it("the local retention is the shorter one of remoteWrite.localRetention", () => {
    expect(config.retention.prometheus).toBe("2d");
  });

  it("the pinned promtool accepts prometheus.yml with its rule files", () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "scale-promtool-"));
    try {
      for (const [rel, text] of Object.entries(files)) {
        fs.mkdirSync(path.dirname(path.join(dir, rel)), { recursive: true });
        fs.writeFileSync(path.join(dir, rel), text);
      }
      const r = run("promtool", ["check", "config", path.join(dir, "prometheus.yml")]);
      expect(r.output).toMatch(/SUCCESS: 2 rule files found/);
      expect(r.status).toBe(0);
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });

  it("a store's credential appears in no rendered file (obs render writes the same files)", () => {
    const rendered = Object.entries(renderStackFiles(config));
    expect(rendered.length).toBeGreaterThan(15);
    for (const [file, text] of rendered)
      for (const secret of Object.values(CREDENTIALS)) expect({ file, leaks: text.includes(secret) }).toEqual({ file, leaks: false });
  });
});

describe("the headers the schema reserves are the pinned release's", () => {
  it("a header Prometheus reserves is a promtool error too, so the schema's refusal matches the release", () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "scale-promtool-"));
    try {
      const file = path.join(dir, "p.yml");
      fs.writeFileSync(file, yaml.dump({ remote_write: [{ url: "https://x.test/api/v1/push", headers: { "User-Agent": "x" } }] }));
      const r = run("promtool", ["check", "config", "--syntax-only", file]);
      expect(r.status).not.toBe(0);
      expect(r.output).toContain("User-Agent is a reserved header");
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe("Alertmanager's cluster flags", () => {
  it("a single instance switches gossip off", () => {
    expect(alertmanagerArgs({ configFile: "/c/am.yml", storagePath: "/d", externalUrl: "http://am.test" })).toContain(
      "--cluster.listen-address=",
    );
  });

  it("a clustered one listens, advertises, names itself and dials every peer", () => {
    const c = scaled("prod").alertmanagerCluster!;
    const args = alertmanagerArgs({
      configFile: "/c/am.yml",
      storagePath: "/d",
      externalUrl: "http://am.test",
      cluster: {
        listenAddress: "0.0.0.0:9094",
        advertiseAddress: c.advertiseAddress,
        peerName: c.peerName,
        peerTimeout: c.peerTimeout,
        peers: c.peers.map((p) => p.gossip),
      },
    });
    expect(args.filter((a) => a.startsWith("--cluster."))).toEqual([
      "--cluster.listen-address=0.0.0.0:9094",
      "--cluster.advertise-address=10.0.0.5:9094",
      "--cluster.peer-name=prod",
      "--cluster.peer-timeout=15s",
      "--cluster.peer=10.0.0.6:9094",
      "--cluster.peer=10.0.0.7:9094",
    ]);
  });
});

import { QUEUE_DEFAULTS } from "../../config/scale";
import { credentialsFile, remoteWriteConfigs } from "../../generators/remoteWrite";

/**
 * Each remote_write entry as one whole object: nothing but what the store configures is sent
 * (no empty headers, no auth block for a store without auth), and credential files sit where
 * components/prometheus.ts delivers them, or in the folder the live tier passes.
 */
const store = (name: string, extra: Record<string, unknown> = {}) => ({
  name,
  url: `https://${name}.test/api/v1/push?a=1&b=<2>`,
  headers: {},
  dropMetrics: [],
  queue: QUEUE_DEFAULTS,
  ...extra,
});
const QUEUE = { capacity: 10000, max_shards: 10, max_samples_per_send: 2000, batch_send_deadline: "5s" };
const ALWAYS = { source_labels: ["__name__"], regex: "ALERTS_FOR_STATE|go_.*", action: "drop" };

describe("remote_write entries", () => {
  it("a store without auth, headers or drops gets its URL, the default queue and the always-dropped series only", () => {
    expect(remoteWriteConfigs([store("victoria")] as never)).toEqual([
      { name: "victoria", url: "https://victoria.test/api/v1/push?a=1&b=<2>", queue_config: QUEUE, write_relabel_configs: [ALWAYS] },
    ]);
  });

  it("basic and bearer auth read their secret from the store's file in the given folder", () => {
    const [basic, bearer] = remoteWriteConfigs(
      [
        store("mimir", { auth: { type: "basic", username: "tenant ü" } }),
        store("cloud", { auth: { type: "bearer" }, headers: { "X-Scope-OrgID": "t&1" } }),
      ] as never,
      "/run/secrets dir",
    );
    expect(basic).toEqual({
      name: "mimir",
      url: "https://mimir.test/api/v1/push?a=1&b=<2>",
      basic_auth: { username: "tenant ü", password_file: "/run/secrets dir/remote-write-mimir" },
      queue_config: QUEUE,
      write_relabel_configs: [ALWAYS],
    });
    expect(bearer).toEqual({
      name: "cloud",
      url: "https://cloud.test/api/v1/push?a=1&b=<2>",
      headers: { "X-Scope-OrgID": "t&1" },
      authorization: { type: "Bearer", credentials_file: "/run/secrets dir/remote-write-cloud" },
      queue_config: QUEUE,
      write_relabel_configs: [ALWAYS],
    });
  });

  it("credential files default to the folder the Prometheus container gets them in", () => {
    expect(credentialsFile("mimir")).toBe("/etc/prometheus-secrets/remote-write-mimir");
    expect(remoteWriteConfigs([store("m", { auth: { type: "bearer" } })] as never)[0].authorization).toEqual({
      type: "Bearer",
      credentials_file: "/etc/prometheus-secrets/remote-write-m",
    });
  });

  it("a store's own drop list is one more rule after the always-dropped one, its names joined as alternatives", () => {
    const [s] = remoteWriteConfigs([
      store("m", { dropMetrics: ["node_.*", "up"], queue: { capacity: 1, maxShards: 2, maxSamplesPerSend: 3, batchSendDeadline: "4s" } }),
    ] as never);
    expect([s.write_relabel_configs, s.queue_config]).toEqual([
      [ALWAYS, { source_labels: ["__name__"], regex: "node_.*|up", action: "drop" }],
      { capacity: 1, max_shards: 2, max_samples_per_send: 3, batch_send_deadline: "4s" },
    ]);
  });
});

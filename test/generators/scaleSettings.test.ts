import { ConfigError, parseStackConfig } from "../../config/schema";
import { DEFAULT_HOST_PORTS } from "../../config/defaults";
import { durationSeconds } from "../../config/durations";
import { CLUSTER_DEFAULTS, LOCAL_RETENTION_FLOOR, QUEUE_DEFAULTS } from "../../config/scale";
import { renderRuleFiles } from "../../rules/render";
import { ruleSettings } from "../../rules/context";
import { stackConfig } from "../../harness/fixtures";

/**
 * The scale-out settings (config/scale.ts through config/schema.ts): defaults, and every refusal
 * naming its key and the bad value, with secrets hidden.
 */

const BASE = { environment: "dev", runbookBaseUrl: "https://runbooks.test/rb", grafanaAdminPassword: "a-long-password-1" };
const PROD = {
  ...BASE,
  environment: "prod",
  telegramBotToken: "123:abcdefghijklmnopqrstuvwxyz",
  telegram: { chatId: "-100123" },
  grafanaExternalUrl: "https://grafana.example.test",
  alertmanagerExternalUrl: "https://alertmanager.example.test",
};
const PROD_SECRETS = ["telegramBotToken", "grafanaAdminPassword"];
const DEV_PROMETHEUS_PORT = DEFAULT_HOST_PORTS.dev.prometheus;

const MIMIR = {
  name: "mimir",
  url: "https://mimir.example.test/api/v1/push",
  auth: { type: "basic", username: "tenant-1" },
  queryUrl: "https://mimir.example.test/prometheus",
};
const CLOUD = { name: "cloud", url: "https://prometheus-prod.grafana.net/api/prom/push", auth: { type: "bearer" } };
const CREDENTIALS = { mimir: "mimir-password-0001", cloud: "glc_token_0002" };
const CLUSTER = { listenAddress: "10.0.0.5", peers: [{ gossip: "10.0.0.6:9094", api: "10.0.0.6:9093" }] };
const STORAGE = {
  endpoint: "http://minio.internal:9000",
  region: "us-east-1",
  accessKeyId: "tutordex",
  loki: { bucket: "tutordex-logs" },
  tempo: { bucket: "tutordex-traces" },
};

function problemsOf(raw: Record<string, unknown>, secrets: readonly string[] = [], requireSecrets = true): string {
  try {
    parseStackConfig("t", raw, new Set(secrets), { requireSecrets });
  } catch (e) {
    expect(e).toBeInstanceOf(ConfigError);
    return (e as Error).message;
  }
  throw new Error("configuration was accepted");
}

describe("defaults of the scale-out settings", () => {
  it("a stack without them has none of them", () => {
    const c = stackConfig("prod");
    expect([c.remoteWrite, c.alertmanagerCluster, c.objectStorage, c.objectStorageSecretKey]).toEqual([
      undefined,
      undefined,
      undefined,
      undefined,
    ]);
    expect(c.remoteWriteCredentials).toEqual({});
  });

  it("remote_write stores take the queue defaults, no drops of their own, and localRetention becomes the local retention", () => {
    const c = parseStackConfig("t", {
      ...BASE,
      remoteWrite: { localRetention: "2d", stores: [MIMIR, { ...CLOUD, queue: { maxShards: 4 } }] },
      remoteWriteCredentials: CREDENTIALS,
    });
    expect(c.remoteWrite!.stores.map((s) => [s.name, s.auth, s.queue, s.dropMetrics, s.queryUrl])).toEqual([
      ["mimir", { type: "basic", username: "tenant-1" }, QUEUE_DEFAULTS, [], "https://mimir.example.test/prometheus"],
      ["cloud", { type: "bearer" }, { ...QUEUE_DEFAULTS, maxShards: 4 }, [], undefined],
    ]);
    expect(QUEUE_DEFAULTS).toEqual({ capacity: 10_000, maxShards: 10, maxSamplesPerSend: 2000, batchSendDeadline: "5s" });
    expect(c.retention.prometheus).toBe("2d");
    expect(c.remoteWriteCredentials).toEqual(CREDENTIALS);
  });

  it("the local retention floor outlasts every window an alert or recording rule reads", () => {
    const rules = Object.values(renderRuleFiles(ruleSettings(stackConfig("prod")))).join("\n");
    const windows = [...rules.matchAll(/\[(\d+[smhdw])(?::\d+[smhdw])?\]|offset (\d+[smhdw])/g)].map((m) => durationSeconds(m[1] ?? m[2]));
    expect(windows.length).toBeGreaterThan(10);
    // A range with an offset reads as far back as both together.
    expect(Math.max(...windows) * 2).toBeLessThanOrEqual(durationSeconds(LOCAL_RETENTION_FLOOR));
  });

  it("a cluster defaults to Alertmanager's gossip port and peer timeout, advertises its own address and names itself after the stack", () => {
    const c = parseStackConfig("prod-a", { ...BASE, bindAddress: "10.0.0.5", alertmanagerCluster: CLUSTER });
    expect(c.alertmanagerCluster).toEqual({
      listenAddress: "10.0.0.5",
      port: CLUSTER_DEFAULTS.port,
      advertiseAddress: "10.0.0.5:9094",
      peerName: "prod-a",
      peerTimeout: "15s",
      peers: CLUSTER.peers,
    });
  });

  it("object storage splits the endpoint into host and TLS, and chooses path style for anything but AWS", () => {
    const minio = parseStackConfig("t", { ...BASE, objectStorage: STORAGE, objectStorageSecretKey: "minio-secret" }).objectStorage;
    expect(minio).toEqual({
      endpoint: "minio.internal:9000",
      insecure: true,
      region: "us-east-1",
      accessKeyId: "tutordex",
      forcePathStyle: true,
      loki: { bucket: "tutordex-logs", since: undefined },
      tempo: { bucket: "tutordex-traces" },
    });
    const aws = parseStackConfig("t", {
      ...BASE,
      objectStorage: { ...STORAGE, endpoint: "https://s3.eu-central-1.amazonaws.com" },
      objectStorageSecretKey: "aws-secret",
    }).objectStorage;
    expect([aws!.endpoint, aws!.insecure, aws!.forcePathStyle]).toEqual(["s3.eu-central-1.amazonaws.com", false, false]);
  });

  it("obs render needs no secrets: the settings parse without them when secrets are not required", () => {
    const c = parseStackConfig("t", { ...BASE, remoteWrite: { stores: [MIMIR] }, objectStorage: STORAGE }, new Set(), {
      requireSecrets: false,
    });
    expect([c.remoteWriteCredentials, c.objectStorageSecretKey]).toEqual([{}, undefined]);
  });
});

const RW = (store: Record<string, unknown>, extra: Record<string, unknown> = {}) => ({
  ...BASE,
  remoteWrite: { stores: [store] },
  remoteWriteCredentials: { mimir: "pw-000000" },
  ...extra,
});
const AMC = (cluster: Record<string, unknown>, extra: Record<string, unknown> = {}) => ({
  ...BASE,
  bindAddress: "10.0.0.5",
  alertmanagerCluster: { ...CLUSTER, ...cluster },
  ...extra,
});
const OS = (storage: Record<string, unknown>, extra: Record<string, unknown> = {}) => ({
  ...BASE,
  objectStorage: { ...STORAGE, ...storage },
  objectStorageSecretKey: "minio-secret",
  ...extra,
});

const INVALID: [string, Record<string, unknown>, string, string[]?][] = [
  [
    "remote_write URL without a scheme",
    RW({ ...MIMIR, url: "mimir.example.test/api/v1/push" }),
    'remoteWrite.stores.0.url: expected an absolute URL with its scheme, such as https://mimir.example.com/api/v1/push, got "mimir.example.test/api/v1/push"',
  ],
  [
    "query URL without a scheme",
    RW({ ...MIMIR, queryUrl: "mimir:9009/prometheus" }),
    "remoteWrite.stores.0.queryUrl: expected an absolute URL with its scheme",
  ],
  [
    "credentials in the URL (password hidden)",
    RW({ ...MIMIR, url: "https://tenant:hunter2-pw@mimir.example.test/api/v1/push" }),
    'remoteWrite.stores.0.url: credentials go in remoteWriteCredentials (a Pulumi secret), never in the URL, got "https://tenant:<secret>@mimir.example.test/api/v1/push"',
  ],
  [
    "basic auth without user",
    RW({ ...MIMIR, auth: { type: "basic" } }),
    "remoteWrite.stores.0.auth.username: basic auth needs the user name (the password is the secret remoteWriteCredentials.mimir), got nothing",
  ],
  [
    "bearer with a user",
    RW({ ...MIMIR, auth: { type: "bearer", username: "u" } }),
    'remoteWrite.stores.0.auth.username: a bearer token has no user name, got "u"',
  ],
  [
    "unknown auth type",
    RW({ ...MIMIR, auth: { type: "digest", username: "u" } }),
    'remoteWrite.stores.0.auth.type: expected basic or bearer, got "digest"',
  ],
  [
    "Authorization as a header",
    RW({ ...MIMIR, headers: { Authorization: "Bearer x" } }),
    "remoteWrite.stores.0.headers.Authorization: credentials go in auth with remoteWriteCredentials.mimir (a Pulumi secret), never in a header",
  ],
  [
    "a header Prometheus reserves",
    RW({ ...MIMIR, headers: { "User-Agent": "x" } }),
    "remoteWrite.stores.0.headers.User-Agent: Prometheus reserves this header for itself",
  ],
  ["a password field in a store", RW({ ...MIMIR, password: "plain" }), "remoteWrite.stores.0.password: unknown key"],
  [
    "capacity below one request",
    RW({ ...MIMIR, queue: { capacity: 500 } }),
    "remoteWrite.stores.0.queue.capacity: a shard must buffer at least one request (maxSamplesPerSend 2000), got 500",
  ],
  ["zero shards", RW({ ...MIMIR, queue: { maxShards: 0 } }), "remoteWrite.stores.0.queue.maxShards: "],
  [
    "a deadline that is not a duration",
    RW({ ...MIMIR, queue: { batchSendDeadline: "soon" } }),
    'remoteWrite.stores.0.queue.batchSendDeadline: expected a duration such as 30s, 15m, 72h or 15d (units y, w, d, h, m, s, ms, each once, largest first), got "soon"',
  ],
  [
    "a drop regex RE2 cannot run",
    RW({ ...MIMIR, dropMetrics: ["go_.*", "(?!tutordex).*"] }),
    `remoteWrite.stores.0.dropMetrics.1: lookaround and backreferences are not RE2 (Prometheus's regex engine), got "(?!tutordex).*"`,
  ],
  ["a drop regex that does not compile", RW({ ...MIMIR, dropMetrics: ["node_(cpu"] }), "remoteWrite.stores.0.dropMetrics.0: "],
  [
    "two stores of one name",
    { ...BASE, remoteWrite: { stores: [CLOUD, CLOUD] }, remoteWriteCredentials: { cloud: "t" } },
    'remoteWrite.stores.1.name: two stores are named "cloud"; names must differ',
  ],
  [
    "a name that is not a file-safe word",
    RW({ ...MIMIR, name: "Mimir Prod" }),
    'remoteWrite.stores.0.name: expected a short name of lower-case letters, digits and dashes, such as mimir, got "Mimir Prod"',
  ],
  ["no stores", { ...BASE, remoteWrite: { stores: [] } }, "remoteWrite.stores: expected at least one store, got []"],
  [
    "two stores for Grafana to read",
    { ...BASE, remoteWrite: { stores: [MIMIR, { ...CLOUD, queryUrl: "https://x.test/api/prom" }] }, remoteWriteCredentials: CREDENTIALS },
    "remoteWrite.stores: Grafana reads one long-term store, but mimir and cloud both set queryUrl",
  ],
  [
    "a query URL without Grafana",
    RW(MIMIR, { services: { grafana: false } }),
    "remoteWrite.stores: queryUrl of mimir is for Grafana, which is switched off (services.grafana: false)",
  ],
  [
    "auth without its credential",
    { ...BASE, remoteWrite: { stores: [MIMIR] } },
    `remoteWriteCredentials.mimir: store mimir uses basic auth; set its password in the secret map: \`pulumi config set --secret remoteWriteCredentials '{"mimir": "..."}'\` (every store's in one JSON object)`,
  ],
  [
    "a credential of no store",
    RW(MIMIR, { remoteWriteCredentials: { mimir: "pw", mimr: "typo" } }),
    'remoteWriteCredentials.mimr: no remoteWrite store is named "mimr"',
  ],
  [
    "a credential of a store without auth",
    RW({ ...MIMIR, auth: undefined }),
    "remoteWriteCredentials.mimir: store mimir has no auth to use it; set remoteWrite auth or remove the credential",
  ],
  [
    "an empty credential (hidden)",
    RW(MIMIR, { remoteWriteCredentials: { mimir: "" } }),
    "remoteWriteCredentials.mimir: expected the password or token, got <secret>",
  ],
  [
    "local retention below the floor",
    { ...RW(MIMIR), remoteWrite: { localRetention: "6h", stores: [MIMIR] } },
    'remoteWrite.localRetention: alerts evaluate on the local TSDB, so keep at least 24h, got "6h"',
  ],
  [
    "local retention beside retention.prometheus",
    { ...RW(MIMIR), retention: { prometheus: "3d" }, remoteWrite: { localRetention: "2d", stores: [MIMIR] } },
    'remoteWrite.localRetention: retention.prometheus is set too ("3d"); keep one, got "2d"',
  ],

  [
    "a peer without a port",
    AMC({ peers: [{ gossip: "10.0.0.6", api: "10.0.0.6:9093" }] }),
    'alertmanagerCluster.peers.0.gossip: expected host:port with the port, such as 10.0.0.6:9094, got "10.0.0.6"',
  ],
  [
    "a peer API without a port",
    AMC({ peers: [{ gossip: "10.0.0.6:9094", api: "http://10.0.0.6" }] }),
    'alertmanagerCluster.peers.0.api: expected host:port with the port, such as 10.0.0.6:9094, got "http://10.0.0.6"',
  ],
  ["no peers", AMC({ peers: [] }), "alertmanagerCluster.peers: expected at least one peer, got []"],
  [
    "no wait between peers (Alertmanager refuses it)",
    AMC({ peerTimeout: "0s" }),
    'alertmanagerCluster.peerTimeout: a later peer must wait for the first one\'s notification to be gossiped, at least 1s, got "0s"',
  ],
  [
    "a wait shorter than gossip takes",
    AMC({ peerTimeout: "500ms" }),
    'alertmanagerCluster.peerTimeout: a later peer must wait for the first one\'s notification to be gossiped, at least 1s, got "500ms"',
  ],
  [
    "gossip on every interface",
    AMC({ listenAddress: "0.0.0.0" }),
    'alertmanagerCluster.listenAddress: gossip is published on one address, the one the peers reach (0.0.0.0 publishes it everywhere), got "0.0.0.0"',
  ],
  [
    "gossip on loopback",
    AMC({ listenAddress: "127.0.0.1" }),
    'alertmanagerCluster.listenAddress: peers on other hosts cannot reach a loopback address, got "127.0.0.1"',
  ],
  [
    "a listen address that is not one",
    AMC({ listenAddress: "10.0.0.300" }),
    'alertmanagerCluster.listenAddress: expected an IPv4 address, got "10.0.0.300"',
  ],
  [
    "a cluster behind a loopback bindAddress",
    AMC({}, { bindAddress: "127.0.0.1" }),
    "bindAddress: the peers' Prometheus send alerts to this Alertmanager's published port, which a loopback bindAddress hides from them; set the address they reach, got \"127.0.0.1\"",
  ],
  [
    "the gossip port on a published port",
    AMC({ port: DEV_PROMETHEUS_PORT }),
    `alertmanagerCluster.port: hostPorts.prometheus already publishes ${DEV_PROMETHEUS_PORT} on 10.0.0.5, got ${DEV_PROMETHEUS_PORT}`,
  ],
  [
    "itself as a peer",
    AMC({ peers: [{ gossip: "10.0.0.5:9094", api: "10.0.0.5:9093" }] }),
    'alertmanagerCluster.peers.0.gossip: that is this Alertmanager\'s own address, got "10.0.0.5:9094"',
  ],
  [
    "a peer twice",
    AMC({ peers: [CLUSTER.peers[0], CLUSTER.peers[0]] }),
    'alertmanagerCluster.peers.1.gossip: listed twice, got "10.0.0.6:9094"',
  ],

  [
    "an S3 endpoint without a scheme",
    OS({ endpoint: "s3.eu-central-1.amazonaws.com" }),
    'objectStorage.endpoint: expected an absolute URL with its scheme, such as https://mimir.example.com/api/v1/push, got "s3.eu-central-1.amazonaws.com"',
  ],
  [
    "an S3 endpoint with the bucket in its path",
    OS({ endpoint: "https://minio.internal:9000/tutordex-logs" }),
    'objectStorage.endpoint: expected the store\'s scheme, host and port only (the bucket is a setting of its own), got "https://minio.internal:9000/tutordex-logs"',
  ],
  [
    "keys in the S3 endpoint (hidden)",
    OS({ endpoint: "https://AKIA:wJalr-secret@minio.internal:9000" }),
    'objectStorage.endpoint: the keys are accessKeyId and the secret objectStorageSecretKey, never the URL, got "https://AKIA:<secret>@minio.internal:9000"',
  ],
  [
    "no bucket",
    OS({ loki: undefined, tempo: undefined }),
    "objectStorage: name a bucket for loki, tempo or both (objectStorage.loki.bucket, objectStorage.tempo.bucket), got neither",
  ],
  [
    "a bucket that S3 would refuse",
    OS({ loki: { bucket: "Tutordex_Logs" } }),
    'objectStorage.loki.bucket: expected an S3 bucket name (3-63 lower-case letters, digits, dots, dashes), got "Tutordex_Logs"',
  ],
  [
    "one bucket for both",
    OS({ tempo: { bucket: "tutordex-logs" } }),
    'objectStorage.tempo.bucket: Loki and Tempo each lay out a bucket of their own; use two buckets, got "tutordex-logs" twice',
  ],
  [
    "a bucket for a switched-off Loki",
    OS({}, { services: { loki: false, alloy: false } }),
    'objectStorage.loki: Loki is switched off (services.loki: false), got {"bucket":"tutordex-logs"}',
  ],
  [
    "a switch day that is no date",
    OS({ loki: { bucket: "tutordex-logs", since: "2026-02-30" } }),
    'objectStorage.loki.since: expected a calendar date, got "2026-02-30"',
  ],
  [
    "a switch day inside the filesystem period's first day",
    OS({ loki: { bucket: "tutordex-logs", since: "2024-01-01" } }),
    'objectStorage.loki.since: the filesystem period starts 2024-01-01; the bucket\'s must start after it, got "2024-01-01"',
  ],
  [
    "no secret key",
    OS({}, { objectStorageSecretKey: undefined }),
    "objectStorageSecretKey: objectStorage needs the secret access key; set it with `pulumi config set --secret objectStorageSecretKey ...`",
  ],
  [
    "a secret key without object storage",
    { ...BASE, objectStorageSecretKey: "orphan-secret" },
    "objectStorage: objectStorageSecretKey is set but objectStorage is not, got nothing",
  ],
  [
    "a secret key that would break out of its YAML string (hidden)",
    OS({}, { objectStorageSecretKey: 'ab"cd\\ef' }),
    "objectStorageSecretKey: expected no quote, backslash or control character, got <secret>",
    ['ab"cd'],
  ],
  [
    "an empty secret key (hidden)",
    OS({}, { objectStorageSecretKey: "" }),
    "objectStorageSecretKey: expected the secret access key, got <secret>",
  ],
];

describe("refused with the key and the value", () => {
  it.each(INVALID)("%s", (_name, raw, message, neverShown = []) => {
    const text = problemsOf(raw);
    expect(text).toContain(message);
    for (const secret of ["hunter2-pw", "wJalr-secret", "pw-000000", ...neverShown]) expect(text).not.toContain(secret);
  });
});

describe("prod refuses credentials not set as secrets", () => {
  const raw = {
    ...PROD,
    bindAddress: "10.0.0.5",
    remoteWrite: { stores: [MIMIR, CLOUD] },
    remoteWriteCredentials: CREDENTIALS,
    objectStorage: STORAGE,
    objectStorageSecretKey: "minio-secret-plain",
  };

  it("plain-text remote_write credentials and S3 key are refused, their values never shown", () => {
    const text = problemsOf(raw, PROD_SECRETS);
    expect(text).toContain(
      "remoteWriteCredentials: prod refuses a plain-text value; set it with `pulumi config set --secret remoteWriteCredentials ...`",
    );
    expect(text).toContain(
      "objectStorageSecretKey: prod refuses a plain-text value; set it with `pulumi config set --secret objectStorageSecretKey ...`",
    );
    for (const v of [...Object.values(CREDENTIALS), "minio-secret-plain"]) expect(text).not.toContain(v);
  });

  it("the same values set with --secret are accepted", () => {
    const c = parseStackConfig("prod", raw, new Set([...PROD_SECRETS, "remoteWriteCredentials", "objectStorageSecretKey"]));
    expect(c.remoteWrite!.stores.map((s) => s.name)).toEqual(["mimir", "cloud"]);
  });
});

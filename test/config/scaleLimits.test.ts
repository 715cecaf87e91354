import { parseStackConfig } from "../../config/schema";
import { durationSeconds, GO_DURATION as GO } from "../../config/durations";
import { CLUSTER_DEFAULTS, PEER_TIMEOUT_FLOOR, QUEUE_DEFAULTS } from "../../config/scale";
import { hideUrlPassword } from "../../config/sharedValidators";
import { problemList, VALID } from "./rawFixtures";

/**
 * config/scale.ts from both sides of each limit: the last value accepted, the first refused with
 * its exact message, and the settings it resolves to. (test/generators/scaleSettings.test.ts has
 * the refusals of whole features; these are the boundaries inside them.)
 */

const STORE = { name: "mimir", url: "https://mimir.test/api/v1/push" };
const rw = (store: Record<string, unknown>, extra: Record<string, unknown> = {}) => ({
  ...VALID,
  remoteWrite: { stores: [{ ...STORE, ...store }] },
  ...extra,
});
const CLUSTER = { listenAddress: "10.0.0.5", peers: [{ gossip: "10.0.0.6:9094", api: "10.0.0.6:9093" }] };
const amc = (cluster: Record<string, unknown>, extra: Record<string, unknown> = {}) => ({
  ...VALID,
  bindAddress: "10.0.0.5",
  alertmanagerCluster: { ...CLUSTER, ...cluster },
  ...extra,
});
const STORAGE = { endpoint: "http://minio.test:9000", region: "us-east-1", accessKeyId: "tutordex", loki: { bucket: "logs" } };
const os = (storage: Record<string, unknown>, extra: Record<string, unknown> = {}) => ({
  ...VALID,
  objectStorage: { ...STORAGE, ...storage },
  objectStorageSecretKey: "s3-secret",
  ...extra,
});

type Row = readonly [what: string, raw: Record<string, unknown>, problems: readonly string[]];
const ok = (what: string, raw: Record<string, unknown>): Row => [what, raw, []];
const refused = (what: string, raw: Record<string, unknown>, ...problems: string[]): Row => [what, raw, problems];

const STORE_NAME = "expected a short name of lower-case letters, digits and dashes, such as mimir";
const BUCKET = "expected an S3 bucket name (3-63 lower-case letters, digits, dots, dashes)";
const RW_DURATION = "expected a duration such as 30s, 15m, 72h or 15d (units y, w, d, h, m, s, ms, each once, largest first)";
const GO_DURATION = "expected a Go duration such as 90s, 15m or 72h (units h, m, s, ms; no d, w or y)";
const HOST_AND_PORT = "expected host:port with the port, such as 10.0.0.6:9094";
const capacityMessage = (samples: number, capacity: number, store = 0) =>
  `remoteWrite.stores.${store}.queue.capacity: a shard must buffer at least one request (maxSamplesPerSend ${samples}), got ${capacity}`;
const localRetentionMessage = (got: string) =>
  `remoteWrite.localRetention: alerts evaluate on the local TSDB, so keep at least 24h, got "${got}"`;
const peerTimeoutMessage = (got: string) =>
  `alertmanagerCluster.peerTimeout: a later peer must wait for the first one's notification to be gossiped, at least 1s, got "${got}"`;

const ROWS: Row[] = [
  // Store names: a lower-case letter, then up to 30 more letters, digits or dashes.
  ok("a one-letter store name", rw({ name: "m" })),
  ok("a store name of 31 characters", rw({ name: "m" + "-0".repeat(15) })),
  refused(
    "a store name of 32 characters",
    rw({ name: "m" + "-0".repeat(15) + "x" }),
    `remoteWrite.stores.0.name: ${STORE_NAME}, got "${"m" + "-0".repeat(15) + "x"}"`,
  ),
  refused("a store name starting with a digit", rw({ name: "1mimir" }), `remoteWrite.stores.0.name: ${STORE_NAME}, got "1mimir"`),
  refused("a store name with an underscore", rw({ name: "mi_mir" }), `remoteWrite.stores.0.name: ${STORE_NAME}, got "mi_mir"`),

  // The queue: shards 1-200, samples per send 1-100 000, capacity up to 1 000 000 and at least one send.
  ok("the smallest queue", rw({ queue: { capacity: 1, maxShards: 1, maxSamplesPerSend: 1 } })),
  ok("the largest queue", rw({ queue: { capacity: 1_000_000, maxShards: 200, maxSamplesPerSend: 100_000 } })),
  ok("capacity exactly one default send", rw({ queue: { capacity: 2000 } })),
  refused("capacity one short of a default send", rw({ queue: { capacity: 1999 } }), capacityMessage(2000, 1999)),
  refused("capacity one short of a chosen send", rw({ queue: { capacity: 499, maxSamplesPerSend: 500 } }), capacityMessage(500, 499)),
  refused(
    "201 shards",
    rw({ queue: { maxShards: 201 } }),
    "remoteWrite.stores.0.queue.maxShards: Too big: expected number to be <=200, got 201",
  ),
  refused(
    "capacity over a million",
    rw({ queue: { capacity: 1_000_001 } }),
    "remoteWrite.stores.0.queue.capacity: Too big: expected number to be <=1000000, got 1000001",
  ),
  refused(
    "capacity 0",
    rw({ queue: { capacity: 0, maxSamplesPerSend: 1 } }),
    "remoteWrite.stores.0.queue.capacity: Too small: expected number to be >=1, got 0",
  ),
  refused(
    "100 001 samples per send",
    rw({ queue: { capacity: 200_000, maxSamplesPerSend: 100_001 } }),
    "remoteWrite.stores.0.queue.maxSamplesPerSend: Too big: expected number to be <=100000, got 100001",
  ),
  refused(
    "0 samples per send",
    rw({ queue: { maxSamplesPerSend: 0 } }),
    "remoteWrite.stores.0.queue.maxSamplesPerSend: Too small: expected number to be >=1, got 0",
  ),
  refused("a fractional shard count", rw({ queue: { maxShards: 1.5 } }), "remoteWrite.stores.0.queue.maxShards: expected int, got 1.5"),
  ok("a compound deadline", rw({ queue: { batchSendDeadline: "1m30s" } })),
  ok("a deadline of 1s", rw({ queue: { batchSendDeadline: "1s" } })),
  refused(
    "a deadline of 999ms",
    rw({ queue: { batchSendDeadline: "999ms" } }),
    'remoteWrite.stores.0.queue.batchSendDeadline: expected at least 1s (shorter sends a request for every few samples), got "999ms"',
  ),
  refused(
    "a deadline of 0s",
    rw({ queue: { batchSendDeadline: "0s" } }),
    'remoteWrite.stores.0.queue.batchSendDeadline: expected at least 1s (shorter sends a request for every few samples), got "0s"',
  ),
  refused(
    "a deadline with its units smallest first",
    rw({ queue: { batchSendDeadline: "30s1m" } }),
    `remoteWrite.stores.0.queue.batchSendDeadline: ${RW_DURATION}, got "30s1m"`,
  ),
  refused(
    "text after a deadline",
    rw({ queue: { batchSendDeadline: "5s!" } }),
    `remoteWrite.stores.0.queue.batchSendDeadline: ${RW_DURATION}, got "5s!"`,
  ),
  refused(
    "a fractional deadline",
    rw({ queue: { batchSendDeadline: "1.5s" } }),
    `remoteWrite.stores.0.queue.batchSendDeadline: ${RW_DURATION}, got "1.5s"`,
  ),

  // Headers and drops.
  ok("a tenant header", rw({ headers: { "X-Scope-OrgID": "tutordex" } })),
  ok("a tab inside a header value (HTTP allows it)", rw({ headers: { "X-Note": "a\tb" } })),
  ...["t\r\nX-Evil: 1", "t\n", "t\u0000"].map((value) =>
    refused(
      `a control character in a header value: ${JSON.stringify(value)}`,
      rw({ headers: { "X-Scope-OrgID": value } }),
      `remoteWrite.stores.0.headers.X-Scope-OrgID: expected a header value without control characters (CR or LF would split the request), got ${JSON.stringify(value)}`,
    ),
  ),
  refused(
    "a header name with a space",
    rw({ headers: { "X Scope": "t" } }),
    'remoteWrite.stores.0.headers.X Scope: expected an HTTP header name, got "X Scope"',
  ),
  refused(
    "an empty header value",
    rw({ headers: { "X-Scope-OrgID": "" } }),
    'remoteWrite.stores.0.headers.X-Scope-OrgID: Too small: expected string to have >=1 characters, got ""',
  ),
  refused(
    "Authorization in capitals",
    rw({ headers: { AUTHORIZATION: "Bearer x" } }),
    "remoteWrite.stores.0.headers.AUTHORIZATION: credentials go in auth with remoteWriteCredentials.mimir (a Pulumi secret), never in a header",
  ),
  refused(
    "a reserved header in another case",
    rw({ headers: { "content-type": "x" } }),
    "remoteWrite.stores.0.headers.content-type: Prometheus reserves this header for itself",
  ),
  ok("drop regexes RE2 runs", rw({ dropMetrics: ["go_.*", "node_(cpu|memory)_.+", "a{2,3}"] })),
  refused(
    "an empty drop regex",
    rw({ dropMetrics: [""] }),
    'remoteWrite.stores.0.dropMetrics.0: Too small: expected string to have >=1 characters, got ""',
  ),
  refused(
    "a lookbehind",
    rw({ dropMetrics: ["(?<=go_)gc"] }),
    `remoteWrite.stores.0.dropMetrics.0: lookaround and backreferences are not RE2 (Prometheus's regex engine), got "(?<=go_)gc"`,
  ),
  refused(
    "a positive lookahead",
    rw({ dropMetrics: ["ok", "go_(?=gc)"] }),
    `remoteWrite.stores.0.dropMetrics.1: lookaround and backreferences are not RE2 (Prometheus's regex engine), got "go_(?=gc)"`,
  ),
  refused(
    "a backreference",
    rw({ dropMetrics: ["(a)\\1"] }),
    `remoteWrite.stores.0.dropMetrics.0: lookaround and backreferences are not RE2 (Prometheus's regex engine), got "(a)\\\\1"`,
  ),
  // The regex is compiled as Prometheus anchors it; the message is the engine's, without its prefix.
  refused(
    "a regex that does not compile",
    rw({ dropMetrics: ["node_(cpu"] }),
    'remoteWrite.stores.0.dropMetrics.0: /^(?:node_(cpu)$/: Unterminated group, got "node_(cpu"',
  ),

  // URLs, auth and credentials.
  refused(
    "a query URL with credentials",
    rw({ queryUrl: "https://u:pw-secret@mimir.test/prometheus" }),
    'remoteWrite.stores.0.queryUrl: credentials go in remoteWriteCredentials (a Pulumi secret), never in the URL, got "https://u:<secret>@mimir.test/prometheus"',
  ),
  refused(
    "a URL with a user only",
    rw({ url: "https://tenant@mimir.test/push" }),
    'remoteWrite.stores.0.url: credentials go in remoteWriteCredentials (a Pulumi secret), never in the URL, got "https://tenant@mimir.test/push"',
  ),
  refused(
    "a scheme after other text",
    rw({ url: "xhttps://mimir.test/push" }),
    'remoteWrite.stores.0.url: expected an absolute URL with its scheme, such as https://mimir.example.com/api/v1/push, got "xhttps://mimir.test/push"',
  ),
  refused(
    "a URL without a host",
    rw({ queryUrl: "https:///prometheus" }),
    'remoteWrite.stores.0.queryUrl: expected an absolute URL with its scheme, such as https://mimir.example.com/api/v1/push, got "https:///prometheus"',
  ),
  refused(
    "a URL that does not parse",
    rw({ url: "https://mi mir.test/push" }),
    'remoteWrite.stores.0.url: expected an absolute URL with its scheme, such as https://mimir.example.com/api/v1/push, got "https://mi mir.test/push"',
  ),
  refused(
    "a bearer store without its token",
    rw({ auth: { type: "bearer" } }),
    `remoteWriteCredentials.mimir: store mimir uses bearer auth; set its token in the secret map: \`pulumi config set --secret remoteWriteCredentials '{"mimir": "..."}'\` (every store's in one JSON object)`,
  ),
  ok("a bearer store with its token", rw({ auth: { type: "bearer" } }, { remoteWriteCredentials: { mimir: "tok" } })),
  refused(
    "an empty basic-auth user",
    rw({ auth: { type: "basic", username: "" } }, { remoteWriteCredentials: { mimir: "pw" } }),
    'remoteWrite.stores.0.auth.username: Too small: expected string to have >=1 characters, got ""',
  ),
  ok("one store for Grafana with Grafana on", rw({ queryUrl: "https://mimir.test/prometheus" })),

  // Local retention: at least 24h, however it is written.
  ok("24h of local retention", rw({}, { remoteWrite: { localRetention: "24h", stores: [STORE] } })),
  ok("1d of local retention", rw({}, { remoteWrite: { localRetention: "1d", stores: [STORE] } })),
  refused("a minute short of 24h", rw({}, { remoteWrite: { localRetention: "23h59m", stores: [STORE] } }), localRetentionMessage("23h59m")),
  refused(
    "a second short of a day",
    rw({}, { remoteWrite: { localRetention: "86399s", stores: [STORE] } }),
    localRetentionMessage("86399s"),
  ),
  refused(
    "a retention in words",
    rw({}, { remoteWrite: { localRetention: "a day", stores: [STORE] } }),
    `remoteWrite.localRetention: ${RW_DURATION}, got "a day"`,
  ),

  // The Alertmanager cluster.
  ok("a wait of 1s between peers", amc({ peerTimeout: "1s" })),
  ok("a wait of 1000ms between peers", amc({ peerTimeout: "1000ms" })),
  refused("a wait of 999ms", amc({ peerTimeout: "999ms" }), peerTimeoutMessage("999ms")),
  refused("a wait in words", amc({ peerTimeout: "soon" }), `alertmanagerCluster.peerTimeout: ${GO_DURATION}, got "soon"`),
  // A flag of Alertmanager's, read by Go: fractions and any order, but no days.
  ok("a fractional wait, units in any order", amc({ peerTimeout: "1.5s" })),
  ok("seconds before minutes", amc({ peerTimeout: "30s1m" })),
  refused("a wait in days", amc({ peerTimeout: "1d" }), `alertmanagerCluster.peerTimeout: ${GO_DURATION}, got "1d"`),
  ok("gossip port 1 and 65535", amc({ port: 65535, peers: [{ gossip: "10.0.0.6:1", api: "10.0.0.6:9093" }] })),
  refused("gossip port 65536", amc({ port: 65536 }), "alertmanagerCluster.port: Too big: expected number to be <=65535, got 65536"),
  refused("gossip port 0", amc({ port: 0 }), "alertmanagerCluster.port: Too small: expected number to be >=1, got 0"),
  ok("an address with 127 inside it", amc({ listenAddress: "10.127.0.1" })),
  refused(
    "a loopback address other than 127.0.0.1",
    amc({ listenAddress: "127.8.8.8" }),
    'alertmanagerCluster.listenAddress: peers on other hosts cannot reach a loopback address, got "127.8.8.8"',
  ),
  refused(
    "a listen address that is no address",
    amc({ listenAddress: "10.0.0" }),
    'alertmanagerCluster.listenAddress: expected an IPv4 address such as 10.0.0.5, got "10.0.0"',
  ),
  refused(
    "a listen address with a leading zero",
    amc({ listenAddress: "10.0.0.05" }),
    'alertmanagerCluster.listenAddress: expected an IPv4 address without leading zeros, such as 10.0.0.5, got "10.0.0.05"',
  ),
  refused(
    "a peer on gossip port 0",
    amc({ peers: [{ gossip: "10.0.0.6:0", api: "10.0.0.6:9093" }] }),
    `alertmanagerCluster.peers.0.gossip: ${HOST_AND_PORT}, got "10.0.0.6:0"`,
  ),
  refused(
    "an advertised port beyond 65535",
    amc({ advertiseAddress: "203.0.113.5:70000" }),
    `alertmanagerCluster.advertiseAddress: ${HOST_AND_PORT}, got "203.0.113.5:70000"`,
  ),
  ok("255 in a listen address", amc({ listenAddress: "10.0.0.255" })),
  refused(
    "256 in a listen address",
    amc({ listenAddress: "10.0.256.5" }),
    'alertmanagerCluster.listenAddress: expected an IPv4 address, got "10.0.256.5"',
  ),
  ok("a cluster on a stack bound to every address", amc({}, { bindAddress: "0.0.0.0" })),
  refused(
    "a cluster on a stack bound to 127.0.0.2",
    amc({}, { bindAddress: "127.0.0.2" }),
    "bindAddress: the peers' Prometheus send alerts to this Alertmanager's published port, which a loopback bindAddress hides from them; set the address they reach, got \"127.0.0.2\"",
  ),
  // Staging publishes Alertmanager's HTTP API on 9094, the default gossip port.
  refused(
    "the default gossip port on a published port of 0.0.0.0",
    amc({}, { environment: "staging", bindAddress: "0.0.0.0" }),
    "alertmanagerCluster.port: hostPorts.alertmanager already publishes 9094 on 0.0.0.0, got 9094",
  ),
  ok("the same port on another address of the host", amc({}, { environment: "staging", bindAddress: "10.0.0.7" })),
  ok("another port on the same address", amc({ port: 9095 }, { environment: "staging" })),
  ok("a peer at this host's address on another port", amc({ peers: [{ gossip: "10.0.0.5:9095", api: "10.0.0.5:9193" }] })),
  refused(
    "itself as a peer on a chosen port",
    amc({ port: 9095, peers: [{ gossip: "10.0.0.5:9095", api: "10.0.0.5:9093" }] }),
    'alertmanagerCluster.peers.0.gossip: that is this Alertmanager\'s own address, got "10.0.0.5:9095"',
  ),
  refused(
    "itself at its advertised address",
    amc({ advertiseAddress: "203.0.113.5:19094", peers: [{ gossip: "203.0.113.5:19094", api: "10.0.0.6:9093" }] }),
    'alertmanagerCluster.peers.0.gossip: that is this Alertmanager\'s own address, got "203.0.113.5:19094"',
  ),
  ok(
    "its listen address when it advertises another",
    amc({ advertiseAddress: "203.0.113.5:19094", peers: [{ gossip: "10.0.0.5:9094", api: "10.0.0.6:9093" }] }),
  ),
  refused(
    "an advertised address without a port",
    amc({ advertiseAddress: "203.0.113.5" }),
    `alertmanagerCluster.advertiseAddress: ${HOST_AND_PORT}, got "203.0.113.5"`,
  ),
  refused(
    "one peer's API twice",
    amc({
      peers: [
        { gossip: "10.0.0.6:9094", api: "10.0.0.6:9093" },
        { gossip: "10.0.0.7:9094", api: "10.0.0.6:9093" },
      ],
    }),
    'alertmanagerCluster.peers.1.api: listed twice, got "10.0.0.6:9093"',
  ),
  ok(
    "two peers",
    amc({
      peers: [
        { gossip: "10.0.0.6:9094", api: "10.0.0.6:9093" },
        { gossip: "10.0.0.7:9094", api: "10.0.0.7:9093" },
      ],
    }),
  ),

  // Object storage.
  ok("an endpoint with a trailing slash", os({ endpoint: "https://minio.test:9000/" })),
  refused(
    "an endpoint with a query",
    os({ endpoint: "https://minio.test:9000?region=x" }),
    'objectStorage.endpoint: expected the store\'s scheme, host and port only (the bucket is a setting of its own), got "https://minio.test:9000?region=x"',
  ),
  refused(
    "an endpoint with a user only",
    os({ endpoint: "https://AKIA@minio.test:9000" }),
    'objectStorage.endpoint: the keys are accessKeyId and the secret objectStorageSecretKey, never the URL, got "https://AKIA@minio.test:9000"',
  ),
  ok("a Tempo bucket only", os({ loki: undefined, tempo: { bucket: "traces" } })),
  refused(
    "a bucket for a switched-off Tempo",
    os({ tempo: { bucket: "traces" } }, { services: { tempo: false } }),
    'objectStorage.tempo: Tempo is switched off (services.tempo: false), got {"bucket":"traces"}',
  ),
  ok("buckets of 3 and 63 characters, with dots", os({ loki: { bucket: "a.b" }, tempo: { bucket: "t" + "-".repeat(61) + "9" } })),
  refused("a bucket of 2 characters", os({ loki: { bucket: "ab" } }), `objectStorage.loki.bucket: ${BUCKET}, got "ab"`),
  refused(
    "a bucket of 64 characters",
    os({ tempo: { bucket: "t" + "-".repeat(62) + "9" } }),
    `objectStorage.tempo.bucket: ${BUCKET}, got "${"t" + "-".repeat(62) + "9"}"`,
  ),
  refused("a bucket ending with a dash", os({ loki: { bucket: "logs-" } }), `objectStorage.loki.bucket: ${BUCKET}, got "logs-"`),
  // The rest of AWS's naming rules, which MinIO and Ceph follow.
  ...(
    [
      ["my..logs", "expected an S3 bucket name without two dots in a row"],
      ["192.168.5.4", "expected an S3 bucket name that is not shaped like an IP address"],
      ["xn--logs", "expected an S3 bucket name not starting with xn-- (reserved by S3)"],
      ["sthree-logs", "expected an S3 bucket name not starting with sthree- (reserved by S3)"],
      ["amzn-s3-demo-logs", "expected an S3 bucket name not starting with amzn-s3-demo- (reserved by S3)"],
      ["logs-s3alias", "expected an S3 bucket name not ending with -s3alias (reserved by S3)"],
      ["logs--ol-s3", "expected an S3 bucket name not ending with --ol-s3 (reserved by S3)"],
      ["logs.mrap", "expected an S3 bucket name not ending with .mrap (reserved by S3)"],
      ["logs--x-s3", "expected an S3 bucket name not ending with --x-s3 (reserved by S3)"],
      ["logs--table-s3", "expected an S3 bucket name not ending with --table-s3 (reserved by S3)"],
    ] as const
  ).map(([bucket, message]) =>
    refused(`the bucket ${bucket}`, os({ loki: { bucket } }), `objectStorage.loki.bucket: ${message}, got "${bucket}"`),
  ),
  ok("a bucket with an IP address inside a longer name", os({ loki: { bucket: "192.168.5.4-logs" } })),
  // Virtual-hosted requests put the bucket in the host name, which the store's wildcard certificate covers only without dots.
  refused(
    "a dotted bucket on AWS over https",
    os({ endpoint: "https://s3.eu-central-1.amazonaws.com", loki: { bucket: "tutordex.logs" } }),
    'objectStorage.loki.bucket: with virtual-hosted requests over https a dotted bucket fails TLS (*.s3.eu-central-1.amazonaws.com does not cover it); pick a name without dots or set forcePathStyle: true, got "tutordex.logs"',
  ),
  ok(
    "a dotted bucket on AWS with path-style requests",
    os({ endpoint: "https://s3.eu-central-1.amazonaws.com", forcePathStyle: true, loki: { bucket: "tutordex.logs" } }),
  ),
  ok(
    "a dotted bucket on MinIO over https (path style by default)",
    os({ endpoint: "https://minio.test:9000", tempo: { bucket: "tutordex.traces" } }),
  ),
  refused(
    "a region in capitals",
    os({ region: "EU-CENTRAL-1" }),
    'objectStorage.region: expected a region such as eu-central-1 (S3-compatible stores take any, e.g. us-east-1), got "EU-CENTRAL-1"',
  ),
  ok("an access key id with every allowed sign", os({ accessKeyId: "AKIA+/=._-z9" })),
  refused(
    "an access key id with a space",
    os({ accessKeyId: "AKIA 1" }),
    'objectStorage.accessKeyId: expected an access key id, got "AKIA 1"',
  ),
  ok("the first day after the filesystem period", os({ loki: { bucket: "logs", since: "2024-01-02" } })),
  ok("a leap day", os({ loki: { bucket: "logs", since: "2028-02-29" } })),
  refused(
    "a day that is not in the calendar",
    os({ loki: { bucket: "logs", since: "2027-02-29" } }),
    'objectStorage.loki.since: expected a calendar date, got "2027-02-29"',
  ),
  refused(
    "a thirteenth month",
    os({ loki: { bucket: "logs", since: "2026-13-01" } }),
    'objectStorage.loki.since: expected a calendar date, got "2026-13-01"',
  ),
  refused(
    "a day before the filesystem period",
    os({ loki: { bucket: "logs", since: "2023-12-31" } }),
    'objectStorage.loki.since: the filesystem period starts 2024-01-01; the bucket\'s must start after it, got "2023-12-31"',
  ),
  refused(
    "a date without leading zeros",
    os({ loki: { bucket: "logs", since: "2026-1-2" } }),
    'objectStorage.loki.since: expected a date YYYY-MM-DD, got "2026-1-2"',
  ),
  ok("a secret key with spaces and signs", os({}, { objectStorageSecretKey: "a b+/=~'!" })),
  refused(
    "a secret key with a newline",
    os({}, { objectStorageSecretKey: "abc\ndef" }),
    "objectStorageSecretKey: expected no quote, backslash or control character, got <secret>",
  ),
  refused(
    "a secret key with the last control character",
    os({}, { objectStorageSecretKey: "abc\u001fdef" }),
    "objectStorageSecretKey: expected no quote, backslash or control character, got <secret>",
  ),
  refused(
    "a secret key with a backslash",
    os({}, { objectStorageSecretKey: "abc\\def" }),
    "objectStorageSecretKey: expected no quote, backslash or control character, got <secret>",
  ),
];

describe("each limit of the scale-out settings, from both sides", () => {
  it.each(ROWS)("%s", (_what, raw, problems) => {
    expect(problemList(raw)).toEqual(problems);
  });

  it("for render, stores and buckets need no secrets", () => {
    expect(problemList(rw({ auth: { type: "basic", username: "u" } }), new Set(), { requireSecrets: false })).toEqual([]);
    expect(problemList(os({}, { objectStorageSecretKey: undefined }), new Set(), { requireSecrets: false })).toEqual([]);
  });

  it("the problems of several stores each name their store", () => {
    const stores = [
      { ...STORE, auth: { type: "basic" } },
      { name: "cloud", url: "https://cloud.test/push", queue: { capacity: 10 } },
    ];
    expect(problemList({ ...VALID, remoteWrite: { stores }, remoteWriteCredentials: { mimir: "pw" } })).toEqual([
      "remoteWrite.stores.0.auth.username: basic auth needs the user name (the password is the secret remoteWriteCredentials.mimir), got nothing",
      capacityMessage(2000, 10, 1),
    ]);
  });
});

describe("the resolved scale-out settings", () => {
  it("stores keep what they set; query URLs lose trailing slashes", () => {
    const c = parseStackConfig("t", {
      ...VALID,
      remoteWrite: {
        stores: [
          {
            name: "mimir",
            url: "https://mimir.test/api/v1/push",
            auth: { type: "basic", username: "tenant-<&>" },
            headers: { "X-Scope-OrgID": "tutordex" },
            queue: { capacity: 5000, batchSendDeadline: "10s" },
            dropMetrics: ["go_.*"],
            queryUrl: "https://mimir.test/prometheus//",
          },
          { name: "plain", url: "http://plain.test/push" },
        ],
      },
      remoteWriteCredentials: { mimir: "pw-ünï" },
    });
    expect(c.remoteWrite).toStrictEqual({
      localRetention: undefined,
      stores: [
        {
          name: "mimir",
          url: "https://mimir.test/api/v1/push",
          auth: { type: "basic", username: "tenant-<&>" },
          headers: { "X-Scope-OrgID": "tutordex" },
          queue: { capacity: 5000, maxShards: 10, maxSamplesPerSend: 2000, batchSendDeadline: "10s" },
          dropMetrics: ["go_.*"],
          queryUrl: "https://mimir.test/prometheus",
        },
        {
          name: "plain",
          url: "http://plain.test/push",
          auth: undefined,
          headers: {},
          queue: { capacity: 10_000, maxShards: 10, maxSamplesPerSend: 2000, batchSendDeadline: "5s" },
          dropMetrics: [],
          queryUrl: undefined,
        },
      ],
    });
    expect(c.remoteWriteCredentials).toStrictEqual({ mimir: "pw-ünï" });
  });

  it("a cluster on a chosen port advertises that port unless it advertises another address", () => {
    const onPort = parseStackConfig("east", amc({ port: 9095, peerTimeout: "3s" })).alertmanagerCluster;
    expect(onPort).toStrictEqual({
      listenAddress: "10.0.0.5",
      port: 9095,
      advertiseAddress: "10.0.0.5:9095",
      peerName: "east",
      peerTimeout: "3s",
      peers: [{ gossip: "10.0.0.6:9094", api: "10.0.0.6:9093" }],
    });
    const behindNat = parseStackConfig("east", amc({ advertiseAddress: "203.0.113.5:19094" })).alertmanagerCluster;
    expect([behindNat!.port, behindNat!.advertiseAddress]).toEqual([9094, "203.0.113.5:19094"]);
  });

  it.each([
    ["https://s3.amazonaws.com", "s3.amazonaws.com", false, false],
    ["https://s3.eu-central-1.amazonaws.com:443", "s3.eu-central-1.amazonaws.com", false, false],
    ["https://notamazonaws.com", "notamazonaws.com", false, true],
    ["https://s3.amazonaws.com.example.test", "s3.amazonaws.com.example.test", false, true],
    ["http://minio.test:9000/", "minio.test:9000", true, true],
  ])("endpoint %s: host %s, insecure %s, path style %s", (endpoint, host, insecure, pathStyle) => {
    const o = parseStackConfig("t", os({ endpoint })).objectStorage!;
    expect([o.endpoint, o.insecure, o.forcePathStyle]).toEqual([host, insecure, pathStyle]);
  });

  it("a chosen path style wins over the guess, both ways; a switch day and a Tempo bucket are kept", () => {
    const minio = parseStackConfig(
      "t",
      os({ forcePathStyle: false, loki: { bucket: "logs", since: "2026-03-01" }, tempo: { bucket: "traces" } }),
    ).objectStorage;
    expect(minio).toStrictEqual({
      endpoint: "minio.test:9000",
      insecure: true,
      region: "us-east-1",
      accessKeyId: "tutordex",
      forcePathStyle: false,
      loki: { bucket: "logs", since: "2026-03-01" },
      tempo: { bucket: "traces" },
    });
    expect(parseStackConfig("t", os({ endpoint: "https://s3.amazonaws.com", forcePathStyle: true })).objectStorage!.forcePathStyle).toBe(
      true,
    );
    const tempoOnly = parseStackConfig("t", os({ loki: undefined, tempo: { bucket: "traces" } }));
    expect([tempoOnly.objectStorage!.loki, tempoOnly.objectStorageSecretKey]).toEqual([undefined, "s3-secret"]);
  });
});

describe("defaults against the floors the checks hold settings to", () => {
  // The checks see only what a stack sets; a default below its floor would pass unseen.
  it("the default wait between peers is at least the floor", () => {
    expect(durationSeconds(CLUSTER_DEFAULTS.peerTimeout, GO)).toBeGreaterThanOrEqual(durationSeconds(PEER_TIMEOUT_FLOOR, GO));
  });
  it("a default queue buffers at least one default send per shard", () => {
    expect(QUEUE_DEFAULTS.capacity).toBeGreaterThanOrEqual(QUEUE_DEFAULTS.maxSamplesPerSend);
  });
});

describe("helpers", () => {
  it.each([
    ["500ms", 0.5],
    ["45s", 45],
    ["2m", 120],
    ["3h", 10_800],
    ["2d", 172_800],
    ["1w", 604_800],
    ["1y", 31_536_000],
    ["1h30m15s", 5415],
  ])("durationSeconds(%s) = %s", (d, s) => {
    expect(durationSeconds(d)).toBe(s);
  });

  it.each([
    ["https://user:pw@host.test/x", "https://user:<secret>@host.test/x"],
    ["HTTPS://user:pw@host.test", "HTTPS://user:<secret>@host.test"],
    ["https://user:@host.test", "https://user:<secret>@host.test"],
    ["https://user@host.test", "https://user@host.test"],
    ["https://host.test/a:b@c", "https://host.test/a:b@c"],
    ["see https://user:pw@host.test", "see https://user:pw@host.test"],
  ])("hideUrlPassword(%s) = %s", (url, shown) => {
    expect(hideUrlPassword(url)).toBe(shown);
  });
});

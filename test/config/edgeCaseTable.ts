import { PROJECT } from "../../config/schema";

/**
 * Mistaken and hostile stack files, each with its expected outcome: refused with a clear error
 * (naming the key, the value as shown and the expected form), or accepted by design (with why).
 * Each case is the `config:` block of a Pulumi.<stack>.yaml as Pulumi writes it (full
 * `project:key` names, `--path` values as YAML numbers and booleans, secrets as `secure:`);
 * test/config/edgeCases.test.ts runs every one through what `obs check` and `obs render` run.
 * Families of cases are generated (each duration setting with each grammar's mistakes, …).
 */

export interface Refusal {
  /** The problem line starts with `<key>:`. */
  readonly key: string;
  /** The value as the message shows it (JSON, passwords hidden); null for a secret, never shown. */
  readonly shown: string | null;
  /** Words of the expected form or the fix the message must carry. */
  readonly says: string;
}

export interface EdgeCase {
  readonly name: string;
  readonly config: Readonly<Record<string, unknown>>;
  readonly refused?: Refusal;
  /** Why it is accepted: the reader takes it as meant, or the setting is a deliberate choice. */
  readonly acceptedBecause?: string;
}

const SECURE = { secure: "v1:AAAAencrypted-by-pulumi" };
const full = (patch: Record<string, unknown>) =>
  Object.fromEntries(Object.entries(patch).map(([k, v]) => [k.includes(":") ? k : `${PROJECT}:${k}`, v]));

export const BASES = {
  dev: { environment: "dev", runbookBaseUrl: "https://runbooks.test/rb", grafanaAdminPassword: SECURE },
  staging: { environment: "staging", runbookBaseUrl: "https://runbooks.test/rb", grafanaAdminPassword: SECURE },
  prod: {
    environment: "prod",
    runbookBaseUrl: "https://runbooks.test/rb",
    grafanaExternalUrl: "https://grafana.example.test",
    alertmanagerExternalUrl: "https://alertmanager.example.test",
    telegram: { chatId: "-1001234567890" },
    telegramBotToken: SECURE,
    grafanaAdminPassword: SECURE,
  },
} as const;
type Env = keyof typeof BASES;

/** A stack file: the environment's base with the patch on top (an undefined value removes a key). */
export function stackFile(env: Env, patch: Record<string, unknown> = {}): Record<string, unknown> {
  const merged: Record<string, unknown> = { ...BASES[env], ...patch };
  for (const [k, v] of Object.entries(merged)) if (v === undefined) delete merged[k];
  return full(merged);
}

const refuse = (name: string, env: Env, patch: Record<string, unknown>, key: string, shown: unknown, says: string): EdgeCase => ({
  name,
  config: stackFile(env, patch),
  refused: { key, shown: shown === null ? null : JSON.stringify(shown), says },
});
const accept = (name: string, env: Env, patch: Record<string, unknown>, because: string): EdgeCase => ({
  name,
  config: stackFile(env, patch),
  acceptedBecause: because,
});

const PROM = "units y, w, d, h, m, s, ms, each once, largest first";
const GO = "no d, w or y";

/** Every duration setting, its reader's grammar and its floor. */
const DURATION_SETTINGS: readonly {
  readonly key: string;
  readonly patch: (d: string) => Record<string, unknown>;
  readonly env?: Env;
}[] = [
  { key: "retention.prometheus", patch: (d) => ({ retention: { prometheus: d } }) },
  { key: "retention.loki", patch: (d) => ({ retention: { loki: d } }) },
  { key: "retention.tempo", patch: (d) => ({ retention: { tempo: d } }) },
  { key: "alertOverrides.HostDiskLow.for", patch: (d) => ({ alertOverrides: { HostDiskLow: { for: d } } }) },
  {
    key: "remoteWrite.localRetention",
    patch: (d) => ({ remoteWrite: { localRetention: d, stores: [{ name: "mimir", url: "https://mimir.test/api/v1/push" }] } }),
  },
  {
    key: "remoteWrite.stores.0.queue.batchSendDeadline",
    patch: (d) => ({
      remoteWrite: { stores: [{ name: "mimir", url: "https://mimir.test/api/v1/push", queue: { batchSendDeadline: d } }] },
    }),
  },
  {
    key: "alertmanagerCluster.peerTimeout",
    patch: (d) => ({
      bindAddress: "10.0.0.5",
      alertmanagerCluster: { listenAddress: "10.0.0.5", peerTimeout: d, peers: [{ gossip: "10.0.0.6:9094", api: "10.0.0.6:9093" }] },
    }),
  },
];
const isGo = (key: string) => key === "retention.tempo" || key === "alertmanagerCluster.peerTimeout";

const durationCases: EdgeCase[] = [
  // Mistakes every reader refuses: words, a missing unit, spaces, capitals.
  ...DURATION_SETTINGS.flatMap(({ key, patch }) =>
    ["two weeks", "15", "15 m", "15M", ""].map((d) =>
      refuse(`${key}: ${JSON.stringify(d)}`, "dev", patch(d), key, d, isGo(key) ? GO : PROM),
    ),
  ),
  // Prometheus's grammar (Prometheus, Loki's retention): units largest first, each once, whole numbers.
  ...DURATION_SETTINGS.filter(({ key }) => !isGo(key)).flatMap(({ key, patch }) =>
    ["1m1h", "1d1d", "1.5d"].map((d) => refuse(`${key}: ${d} (Prometheus's grammar)`, "dev", patch(d), key, d, PROM)),
  ),
  // Go's grammar (Tempo, Alertmanager's flags): no days or weeks.
  ...DURATION_SETTINGS.filter(({ key }) => isGo(key)).flatMap(({ key, patch }) =>
    ["3d", "1w"].map((d) => refuse(`${key}: ${d} (Go has no ${d.slice(-1)})`, "dev", patch(d), key, d, GO)),
  ),
  ...DURATION_SETTINGS.filter(({ key }) => isGo(key)).map(({ key, patch }) =>
    accept(`${key}: 1.5h (Go reads fractions)`, "dev", patch("1.5h"), "Go's time.ParseDuration reads fractions and units in any order"),
  ),
  // Floors: zero means "default" or "forever" to the readers.
  refuse(
    "retention.prometheus: 0s, which Prometheus reads as its default 15d",
    "dev",
    { retention: { prometheus: "0s" } },
    "retention.prometheus",
    "0s",
    "at least 24h",
  ),
  refuse(
    "retention.prometheus: 12h, below the rule windows",
    "dev",
    { retention: { prometheus: "12h" } },
    "retention.prometheus",
    "12h",
    "at least 24h",
  ),
  refuse("retention.loki: 0s, which Loki reads as forever", "dev", { retention: { loki: "0s" } }, "retention.loki", "0s", "at least 24h"),
  refuse("retention.loki: 12h, below Loki's index period", "dev", { retention: { loki: "12h" } }, "retention.loki", "12h", "at least 24h"),
  refuse("retention.tempo: 0s", "dev", { retention: { tempo: "0s" } }, "retention.tempo", "0s", "at least 1h"),
  refuse("retention.tempo: 30m", "dev", { retention: { tempo: "30m" } }, "retention.tempo", "30m", "at least 1h"),
  refuse(
    "remoteWrite.localRetention: 12h",
    "dev",
    DURATION_SETTINGS[4].patch("12h"),
    "remoteWrite.localRetention",
    "12h",
    "keep at least 24h",
  ),
  refuse(
    "batchSendDeadline: 0s",
    "dev",
    DURATION_SETTINGS[5].patch("0s"),
    "remoteWrite.stores.0.queue.batchSendDeadline",
    "0s",
    "at least 1s",
  ),
  refuse("peerTimeout: 500ms", "dev", DURATION_SETTINGS[6].patch("500ms"), "alertmanagerCluster.peerTimeout", "500ms", "at least 1s"),
  refuse(
    "retention.prometheus: 293y, beyond Go's durations",
    "dev",
    { retention: { prometheus: "293y" } },
    "retention.prometheus",
    "293y",
    PROM,
  ),
  accept("retention.prometheus: 1y2w3d", "dev", { retention: { prometheus: "1y2w3d" } }, "units largest first, each once"),
  accept(
    "an alert's for: 0s (no wait)",
    "dev",
    { alertOverrides: { HostDiskLow: { for: "0s" } } },
    "0s renders no `for`: the alert fires on the first evaluation",
  ),
  // The bridge's silence buttons.
  refuse(
    "silence button 30s",
    "dev",
    { telegram: { console: { silenceDurations: ["30s"] } } },
    "telegram.console.silenceDurations.0",
    "30s",
    "at least 1m",
  ),
  refuse(
    "silence button 91d",
    "dev",
    { telegram: { console: { silenceDurations: ["1h", "91d"] } } },
    "telegram.console.silenceDurations.1",
    "91d",
    "at most 90d",
  ),
  refuse(
    "silence button in words",
    "dev",
    { telegram: { console: { silenceDurations: ["forever"] } } },
    "telegram.console.silenceDurations.0",
    "forever",
    "units w, d, h, m, s",
  ),
  refuse(
    "seven silence buttons",
    "dev",
    { telegram: { console: { silenceDurations: ["1m", "5m", "1h", "4h", "1d", "7d", "30d"] } } },
    "telegram.console.silenceDurations",
    ["1m", "5m", "1h", "4h", "1d", "7d", "30d"],
    "at most 6",
  ),
  accept(
    "silence buttons 1w and 30m1h",
    "dev",
    { telegram: { console: { silenceDurations: ["1w", "30m1h"] } } },
    "the bridge reads w and units in any order",
  ),
];

const plainSecretCases: EdgeCase[] = [
  ...(
    [
      ["telegramBotToken", "123456:abcdefghijklmnopqrstuvwxyz", {}],
      ["grafanaAdminPassword", "a-long-password-1", {}],
      ["registryPassword", "registry-token", { registryAuth: { username: "ops" } }],
      [
        "remoteWriteCredentials",
        { mimir: "mimir-token" },
        { remoteWrite: { stores: [{ name: "mimir", url: "https://mimir.test/push", auth: { type: "bearer" } }] } },
      ],
      [
        "objectStorageSecretKey",
        "s3-secret",
        {
          objectStorage: { endpoint: "https://minio.test:9000", region: "us-east-1", accessKeyId: "tutordex", tempo: { bucket: "traces" } },
        },
      ],
    ] as const
  ).map(([key, value, extra]) =>
    refuse(`prod: ${key} in plain text`, "prod", { ...extra, [key]: value }, key, null, `pulumi config set --secret ${key}`),
  ),
  accept(
    "dev: the Grafana password in plain text",
    "dev",
    { grafanaAdminPassword: "a-long-password-1" },
    "pulumi up takes plain-text secrets outside prod (a developer's machine); only prod refuses them",
  ),
  accept(
    "staging: the bot token in plain text",
    "staging",
    { telegramBotToken: "123456:abcdefghijklmnopqrstuvwxyz" },
    "as pulumi up: only prod refuses a plain-text secret",
  ),
  accept(
    "prod: every secret encrypted",
    "prod",
    { registryAuth: { username: "ops" }, registryPassword: SECURE },
    "secure: values are what pulumi config set --secret writes",
  ),
  refuse(
    "a secret map with one encrypted leaf (--secret --path)",
    "dev",
    { remoteWriteCredentials: { mimir: SECURE } },
    "remoteWriteCredentials.mimir",
    null,
    "expected string",
  ),
];

const urlCases: EdgeCase[] = [
  ...(
    [
      ["runbookBaseUrl", "https://ops:hunter2@runbooks.test/rb", "https://ops:<secret>@runbooks.test/rb"],
      ["grafanaExternalUrl", "https://ops:hunter2@grafana.test", "https://ops:<secret>@grafana.test"],
      ["alertmanagerExternalUrl", "https://ops@am.test", "https://ops@am.test"],
      ["grafanaApiUrl", "http://admin:admin@127.0.0.1:13300", "http://admin:<secret>@127.0.0.1:13300"],
      ["heartbeatUrl", "https://ops:hunter2@hc.test/ping", "https://ops:<secret>@hc.test/ping"],
    ] as const
  ).map(([key, url, shown]) => refuse(`credentials in ${key}`, "dev", { [key]: url }, key, shown, "must not carry user:password")),
  refuse(
    "credentials in a public probe",
    "dev",
    { publicProbes: { urls: ["https://ops:pw@api.test/health"] } },
    "publicProbes.urls.0",
    "https://ops:<secret>@api.test/health",
    "must not carry user:password",
  ),
  refuse(
    "credentials in the Bot API URL",
    "dev",
    { telegram: { apiBaseUrl: "https://bot:pw@tg.test" } },
    "telegram.apiBaseUrl",
    "https://bot:<secret>@tg.test",
    "must not carry user:password",
  ),
  refuse(
    "credentials in a remote_write URL",
    "dev",
    { remoteWrite: { stores: [{ name: "mimir", url: "https://u:pw@mimir.test/push" }] } },
    "remoteWrite.stores.0.url",
    "https://u:<secret>@mimir.test/push",
    "remoteWriteCredentials",
  ),
  refuse(
    "credentials in the S3 endpoint",
    "dev",
    { objectStorage: { endpoint: "https://AKIA:pw@s3.test", region: "us-east-1", accessKeyId: "AKIA", tempo: { bucket: "traces" } } },
    "objectStorage.endpoint",
    "https://AKIA:<secret>@s3.test",
    "objectStorageSecretKey",
  ),
  refuse(
    "a query in the runbook base (copied before /<Alert>.md)",
    "dev",
    { runbookBaseUrl: "https://runbooks.test/rb?ref=main" },
    "runbookBaseUrl",
    "https://runbooks.test/rb?ref=main",
    "without ?query or #fragment",
  ),
  refuse(
    "a fragment in the Grafana link base",
    "dev",
    { grafanaExternalUrl: "https://grafana.test/#home" },
    "grafanaExternalUrl",
    "https://grafana.test/#home",
    "without ?query or #fragment",
  ),
  refuse(
    "a Go template in the runbook base",
    "dev",
    { runbookBaseUrl: "https://runbooks.test/{{ $labels.job }}" },
    "runbookBaseUrl",
    "https://runbooks.test/{{ $labels.job }}",
    "must not contain {{",
  ),
  refuse(
    "ftp for a heartbeat",
    "dev",
    { heartbeatUrl: "ftp://hc.test/ping" },
    "heartbeatUrl",
    "ftp://hc.test/ping",
    "expected an absolute http(s) URL",
  ),
  refuse(
    "port 0 in a URL",
    "dev",
    { heartbeatUrl: "https://hc.test:0/ping" },
    "heartbeatUrl",
    "https://hc.test:0/ping",
    "expected an absolute http(s) URL",
  ),
  refuse(
    "port 65536 in a URL",
    "dev",
    { alertmanagerExternalUrl: "https://am.test:65536" },
    "alertmanagerExternalUrl",
    "https://am.test:65536",
    "expected an absolute http(s) URL",
  ),
  refuse(
    "a relative runbook URL",
    "dev",
    { runbookBaseUrl: "runbooks/" },
    "runbookBaseUrl",
    "runbooks/",
    "expected an absolute http(s) URL",
  ),
  refuse(
    "prod linking to localhost",
    "prod",
    { grafanaExternalUrl: "http://localhost:3300" },
    "grafanaExternalUrl",
    "http://localhost:3300",
    "set the URL operators open",
  ),
  accept(
    "a query in a heartbeat URL",
    "dev",
    { heartbeatUrl: "https://hc.test/ping/uuid?rid=1" },
    "the URL is called as written; nothing is appended to it",
  ),
  accept(
    "a user name in the ssh Docker host",
    "dev",
    { dockerHost: "ssh://ops@docker.test" },
    "ssh logs in as that user with its key; no password is in the setting",
  ),
];

const demoCases: EdgeCase[] = [
  refuse(
    "the demo workload in prod",
    "prod",
    { demoWorkload: { scenario: "steady" } },
    "demoWorkload",
    { scenario: "steady" },
    "prod watches the real application",
  ),
  refuse(
    "the demo workload beside staging's application",
    "staging",
    { appNetworks: ["tutordex-staging_tutordex"], demoWorkload: {} },
    "demoWorkload",
    {},
    "remove one of them",
  ),
  refuse(
    "the demo workload beside a dev application",
    "dev",
    { appNetworks: ["tutordex_default"], demoWorkload: { scenario: "backend_down" } },
    "demoWorkload",
    { scenario: "backend_down" },
    "remove one of them",
  ),
  accept(
    "the demo workload in dev alone",
    "dev",
    { demoWorkload: { scenario: "steady" } },
    "a fresh dev stack gets live dashboards; nothing else answers under those names",
  ),
  accept(
    "the demo workload in staging without the application",
    "staging",
    { demoWorkload: {} },
    "a staging stack without appNetworks has no application to hide",
  ),
];

const pulumiFormCases: EdgeCase[] = [
  accept(
    "a chat id set with --path (a YAML number)",
    "dev",
    { telegram: { chatId: -1001234567890 } },
    "pulumi config set --path stores digits as a number; it is the chat id meant",
  ),
  accept(
    "severity chats set with --path (numbers)",
    "dev",
    { telegram: { chatIdsBySeverity: { critical: -100111, info: 42 } } },
    "as for chatId",
  ),
  refuse(
    "a fractional number as a chat",
    "dev",
    { telegram: { chatId: -100.5 } },
    "telegram.chatId",
    -100.5,
    "expected a numeric chat id or @channel",
  ),
  refuse(
    "a chat id beyond exact integers",
    "dev",
    // eslint-disable-next-line no-loss-of-precision -- the number as a stack file writes it; JavaScript reads 9007199254740992
    { telegram: { chatId: 9007199254740993 } },
    "telegram.chatId",
    9007199254740992,
    "expected a numeric chat id or @channel",
  ),
  refuse(
    "telegram.chatId set without --path",
    "dev",
    { "telegram.chatId": "-100123" },
    "telegram.chatId",
    "-100123",
    "pulumi config set --path",
  ),
  refuse(
    "hostPorts.grafana set without --path",
    "dev",
    { "hostPorts.grafana": "3999" },
    "hostPorts.grafana",
    "3999",
    "pulumi config set --path",
  ),
  refuse(
    "publicProbes.urls[0] set without --path",
    "dev",
    { "publicProbes.urls[0]": "https://api.test/health" },
    "publicProbes.urls[0]",
    "https://api.test/health",
    "pulumi config set --path",
  ),
  refuse(
    "a secret map's entry set without --path",
    "dev",
    { "remoteWriteCredentials.mimir": "mimir-token" },
    "remoteWriteCredentials.mimir",
    null,
    "pulumi config set --path",
  ),
  refuse(
    "a misspelt project namespace",
    "dev",
    { "tutordex-observabilty:retention": { prometheus: "3d" } },
    "tutordex-observabilty:retention",
    null,
    `write ${PROJECT}:retention`,
  ),
  refuse(
    "the project namespace in capitals",
    "dev",
    { "Tutordex-Observability:bindAddress": "0.0.0.0" },
    "Tutordex-Observability:bindAddress",
    null,
    `write ${PROJECT}:bindAddress`,
  ),
  refuse(
    "docker:host, which the program's own provider never reads",
    "dev",
    { "docker:host": "ssh://ops@box.test" },
    "docker:host",
    null,
    `set ${PROJECT}:dockerHost instead`,
  ),
  refuse(
    "grafana:url, which the program's own provider never reads",
    "dev",
    { "grafana:url": "http://grafana.test" },
    "grafana:url",
    null,
    `set ${PROJECT}:grafanaApiUrl instead`,
  ),
  refuse("aws:region, read by nothing here", "dev", { "aws:region": "eu-central-1" }, "aws:region", null, "remove it"),
  accept(
    "pulumi:disable-default-providers",
    "dev",
    { "pulumi:disable-default-providers": ["*"] },
    "the engine's own namespace; the program makes its providers explicitly anyway",
  ),
  refuse(
    "a topic id quoted as text",
    "dev",
    { telegram: { messageThreadId: "7" } },
    "telegram.messageThreadId",
    "7",
    "expected a positive forum topic id",
  ),
  refuse(
    "a prefix set with --path as digits (a number)",
    "dev",
    { telegram: { prefix: 2024 } },
    "telegram.prefix",
    2024,
    "quote it in the stack file",
  ),
  refuse("a port quoted as text", "dev", { hostPorts: { grafana: "3999" } }, "hostPorts.grafana", "3999", "expected number"),
  refuse("a boolean in words", "dev", { nativeHistograms: "yes" }, "nativeHistograms", "yes", "expected boolean"),
  accept(
    "a boolean as pulumi config set writes it",
    "dev",
    { nativeHistograms: "true", protectData: "false" },
    "Pulumi hands booleans over as true/false text",
  ),
  accept(
    "an admin user that looks like JSON",
    "dev",
    { grafanaAdminUser: "[ops]" },
    "a string setting stays a string whatever it looks like",
  ),
  refuse("an unknown key at the top", "dev", { bindAdress: "0.0.0.0" }, "bindAdress", null, "unknown key"),
  refuse("an unknown key in a section", "dev", { retention: { promethus: "3d" } }, "retention.promethus", null, "unknown key"),
];

const sharedRuleCases: EdgeCase[] = [
  ...["@abc", "@1abcd", "@ab-cd", "0", "--100", "12a", "x@chan", ""].map((id) =>
    refuse(
      `a chat the bridge refuses at start: ${JSON.stringify(id)}`,
      "dev",
      { telegram: { chatId: id } },
      "telegram.chatId",
      id,
      "expected a numeric chat id or @channel",
    ),
  ),
  accept(
    "a @channel of 4 characters",
    "dev",
    { telegram: { chatId: "@abcd" } },
    "Telegram's shortest (auctioned) usernames; the bridge takes them too",
  ),
  refuse("forum topic 0", "dev", { telegram: { messageThreadId: 0 } }, "telegram.messageThreadId", 0, "expected a positive forum topic id"),
  refuse(
    "a forum topic beyond 32 bits",
    "dev",
    { telegram: { threadIdsBySeverity: { critical: 2147483648 } } },
    "telegram.threadIdsBySeverity.critical",
    2147483648,
    "expected a positive forum topic id",
  ),
  refuse(
    "user id 0 in the console",
    "dev",
    { telegram: { console: { allowedUserIds: [0] } } },
    "telegram.console.allowedUserIds.0",
    0,
    "expected a numeric Telegram user id",
  ),
  refuse(
    "a newline in the prefix",
    "dev",
    { telegram: { prefix: "[TD]\nurgent" } },
    "telegram.prefix",
    "[TD]\nurgent",
    "no control characters",
  ),
  refuse(
    "an escape sequence in the prefix",
    "dev",
    { telegram: { prefix: "\u001b[31m[TD]" } },
    "telegram.prefix",
    "\u001b[31m[TD]",
    "no control characters",
  ),
  refuse("a bell in the prefix", "dev", { telegram: { prefix: "[TD]\u0007" } }, "telegram.prefix", "[TD]\u0007", "no control characters"),
  refuse(
    "a prefix of 65 characters",
    "dev",
    { telegram: { prefix: "p".repeat(65) } },
    "telegram.prefix",
    "p".repeat(65),
    "at most 64 characters",
  ),
  accept("an empty prefix", "dev", { telegram: { prefix: "" } }, "a deployment may want no prefix; the bridge takes it as written"),
  accept("a prefix with HTML and emoji", "dev", { telegram: { prefix: "<b>[TD] 🚨</b>" } }, "the bridge escapes it for Telegram's HTML"),
];

const imageCases: EdgeCase[] = [
  ...["latest", "latest-alpine", "3-latest", "main", "master", "nightly", "edge", "dev", "stable", "beta", "alpine"].map((tag) =>
    refuse(
      `the moving tag ${tag}`,
      "dev",
      { images: { grafana: `grafana/grafana:${tag}` } },
      "images.grafana",
      `grafana/grafana:${tag}`,
      "pin an exact",
    ),
  ),
  refuse("no tag at all", "dev", { images: { loki: "grafana/loki" } }, "images.loki", "grafana/loki", "exact tag or digest"),
  refuse("an empty tag", "dev", { images: { loki: "grafana/loki:" } }, "images.loki", "grafana/loki:", "exact tag or digest"),
  refuse(
    "an upper-case repository",
    "dev",
    { images: { prometheus: "Prom/prometheus:v3.5.0" } },
    "images.prometheus",
    "Prom/prometheus:v3.5.0",
    "lower-case repository",
  ),
  refuse(
    "an upper-case image name",
    "dev",
    { images: { loki: "grafana/Loki:3.5.3" } },
    "images.loki",
    "grafana/Loki:3.5.3",
    "lower-case repository",
  ),
  refuse(
    "a registry on port 0",
    "dev",
    { images: { tempo: "registry.local:0/tempo:2.8.2" } },
    "images.tempo",
    "registry.local:0/tempo:2.8.2",
    "registry port from 1 to 65535",
  ),
  refuse(
    "a registry on port 99999",
    "dev",
    { images: { tempo: "registry.local:99999/tempo:2.8.2" } },
    "images.tempo",
    "registry.local:99999/tempo:2.8.2",
    "registry port from 1 to 65535",
  ),
  refuse(
    "a digest that is too short",
    "dev",
    { images: { loki: "grafana/loki@sha256:abc" } },
    "images.loki",
    "grafana/loki@sha256:abc",
    "exact tag or digest",
  ),
  accept(
    "a branch tag pinned by a digest",
    "dev",
    { images: { grafana: `grafana/grafana:main@sha256:${"0123456789abcdef".repeat(4)}` } },
    "the digest pins the image whatever the tag says",
  ),
  accept(
    "a release line tag (v3)",
    "dev",
    { images: { prometheus: "prom/prometheus:v3" } },
    "a version number names a release line an operator chose; only tags without one (branches, channels) are refused",
  ),
  accept(
    "a branch build with its commit",
    "dev",
    { images: { tempo: "grafana/tempo:main-1a2b3c4" } },
    "a build of one commit, re-pushed under the same name only by mistake",
  ),
  accept(
    "a registry with a port",
    "dev",
    { images: { tempo: "registry.local:5000/team/tempo:2.8.2" } },
    "Docker's reference grammar: registry host and port, then the repository",
  ),
];

const textCases: EdgeCase[] = [
  ...["ops\nadmin", "ops:admin", " admin", "admin\t"].map((user) =>
    refuse(
      `Grafana admin user ${JSON.stringify(user)}`,
      "dev",
      { grafanaAdminUser: user },
      "grafanaAdminUser",
      user,
      "without colon, control characters or surrounding spaces",
    ),
  ),
  refuse("an empty Grafana admin user", "dev", { grafanaAdminUser: "" }, "grafanaAdminUser", "", "expected string to have >=1"),
  ...["tutordex\r\nX-Evil: 1", "tutordex\n", "tutor\u0000dex"].map((value) =>
    refuse(
      `a control character in a remote_write header: ${JSON.stringify(value)}`,
      "dev",
      { remoteWrite: { stores: [{ name: "mimir", url: "https://mimir.test/push", headers: { "X-Scope-OrgID": value } }] } },
      "remoteWrite.stores.0.headers.X-Scope-OrgID",
      value,
      "without control characters",
    ),
  ),
  accept(
    "a tab in a remote_write header",
    "dev",
    { remoteWrite: { stores: [{ name: "mimir", url: "https://mimir.test/push", headers: { "X-Note": "a\tb" } }] } },
    "HTTP allows a tab inside a field value",
  ),
  refuse(
    "an Authorization header",
    "dev",
    { remoteWrite: { stores: [{ name: "mimir", url: "https://mimir.test/push", headers: { Authorization: "Bearer x" } }] } },
    "remoteWrite.stores.0.headers.Authorization",
    null,
    "remoteWriteCredentials",
  ),
];

const portAndAddressCases: EdgeCase[] = [
  refuse("host port 0", "dev", { hostPorts: { grafana: 0 } }, "hostPorts.grafana", 0, "expected number to be >=1"),
  refuse("host port 65536", "dev", { hostPorts: { grafana: 65536 } }, "hostPorts.grafana", 65536, "expected number to be <=65535"),
  refuse("a negative host port", "dev", { hostPorts: { loki: -1 } }, "hostPorts.loki", -1, "expected number to be >=1"),
  refuse("two services on one port", "dev", { hostPorts: { grafana: 19090 } }, "hostPorts", null, "both use port 19090"),
  refuse(
    "an app target on port 0",
    "dev",
    { appTargets: { backend: "backend:0" } },
    "appTargets.backend",
    "backend:0",
    "expected host:port",
  ),
  refuse(
    "an app target on port 65536",
    "dev",
    { appTargets: { backend: "backend:65536" } },
    "appTargets.backend",
    "backend:65536",
    "expected host:port",
  ),
  refuse(
    "gossip port 0",
    "dev",
    {
      bindAddress: "10.0.0.5",
      alertmanagerCluster: { listenAddress: "10.0.0.5", port: 0, peers: [{ gossip: "10.0.0.6:9094", api: "10.0.0.6:9093" }] },
    },
    "alertmanagerCluster.port",
    0,
    "expected number to be >=1",
  ),
  refuse(
    "a peer on port 70000",
    "dev",
    {
      bindAddress: "10.0.0.5",
      alertmanagerCluster: { listenAddress: "10.0.0.5", peers: [{ gossip: "10.0.0.6:70000", api: "10.0.0.6:9093" }] },
    },
    "alertmanagerCluster.peers.0.gossip",
    "10.0.0.6:70000",
    "expected host:port",
  ),
  refuse(
    "a Docker host on tcp port 0",
    "dev",
    { dockerHost: "tcp://docker.test:0" },
    "dockerHost",
    "tcp://docker.test:0",
    "tcp://host:port",
  ),
  refuse(
    "a Docker host on tcp without a port",
    "dev",
    { dockerHost: "tcp://docker.test" },
    "dockerHost",
    "tcp://docker.test",
    "tcp://host:port",
  ),
  refuse(
    "a registry login on port 0",
    "dev",
    { registryAuth: { address: "ghcr.io:0", username: "ops" } },
    "registryAuth.address",
    "ghcr.io:0",
    "expected a registry host",
  ),
  ...["127.000.0.1", "010.0.0.1", "127.0.0.01"].map((a) =>
    refuse(`bind address ${a} (leading zeros)`, "dev", { bindAddress: a }, "bindAddress", a, "without leading zeros"),
  ),
  refuse("bind address 256.0.0.1", "dev", { bindAddress: "256.0.0.1" }, "bindAddress", "256.0.0.1", "expected an IPv4 address"),
  refuse(
    "bind address localhost",
    "dev",
    { bindAddress: "localhost" },
    "bindAddress",
    "localhost",
    "expected an IPv4 address such as 127.0.0.1",
  ),
  refuse("bind address ::1", "dev", { bindAddress: "::1" }, "bindAddress", "::1", "expected an IPv4 address such as 127.0.0.1"),
  refuse(
    "bind address 255.255.255.255",
    "dev",
    { bindAddress: "255.255.255.255" },
    "bindAddress",
    "255.255.255.255",
    "address of this host",
  ),
  refuse("bind address 224.0.0.1 (multicast)", "dev", { bindAddress: "224.0.0.1" }, "bindAddress", "224.0.0.1", "address of this host"),
  refuse(
    "a cluster listen address with a leading zero",
    "dev",
    {
      bindAddress: "10.0.0.5",
      alertmanagerCluster: { listenAddress: "10.0.0.05", peers: [{ gossip: "10.0.0.6:9094", api: "10.0.0.6:9093" }] },
    },
    "alertmanagerCluster.listenAddress",
    "10.0.0.05",
    "without leading zeros",
  ),
  accept(
    "bind address 0.0.0.0",
    "dev",
    { bindAddress: "0.0.0.0" },
    "every address, on purpose (docs/spec.md §1: Docker bypasses host firewalls)",
  ),
];

const storage = (loki: Record<string, unknown> | undefined, extra: Record<string, unknown> = {}) => ({
  objectStorage: {
    endpoint: "https://minio.test:9000",
    region: "us-east-1",
    accessKeyId: "tutordex",
    ...(loki ? { loki } : { tempo: { bucket: "traces" } }),
    ...extra,
  },
});
const bucketCases: EdgeCase[] = [
  ...[
    "ab",
    "a".repeat(64),
    "Tutordex-Logs",
    "tutordex_logs",
    "-logs",
    "logs.",
    "my..logs",
    "192.168.5.4",
    "xn--logs",
    "sthree-logs",
    "amzn-s3-demo-logs",
    "logs-s3alias",
    "logs--ol-s3",
    "logs.mrap",
    "logs--x-s3",
    "logs--table-s3",
  ].map((bucket) =>
    refuse(
      `the bucket ${bucket.length > 20 ? `${bucket.slice(0, 8)}… (${bucket.length})` : bucket}`,
      "dev",
      storage({ bucket }),
      "objectStorage.loki.bucket",
      bucket,
      "expected an S3 bucket name",
    ),
  ),
  refuse(
    "a dotted bucket on AWS over https",
    "dev",
    {
      objectStorage: {
        endpoint: "https://s3.eu-central-1.amazonaws.com",
        region: "eu-central-1",
        accessKeyId: "AKIA",
        loki: { bucket: "tutordex.logs" },
      },
    },
    "objectStorage.loki.bucket",
    "tutordex.logs",
    "forcePathStyle: true",
  ),
  accept(
    "a bucket of 63 characters with dots on MinIO",
    "dev",
    storage({ bucket: `a.${"b".repeat(59)}.c` }),
    "AWS's rules allow it; path-style requests keep dots out of the host name",
  ),
  refuse(
    "a since that is no date",
    "dev",
    storage({ bucket: "logs", since: "2027-02-29" }),
    "objectStorage.loki.since",
    "2027-02-29",
    "calendar date",
  ),
  refuse(
    "a since in another format",
    "dev",
    storage({ bucket: "logs", since: "01/07/2027" }),
    "objectStorage.loki.since",
    "01/07/2027",
    "YYYY-MM-DD",
  ),
  refuse(
    "a since on the filesystem period's first day",
    "dev",
    storage({ bucket: "logs", since: "2024-01-01" }),
    "objectStorage.loki.since",
    "2024-01-01",
    "must start after it",
  ),
  accept(
    "a since that has begun",
    "dev",
    storage({ bucket: "logs", since: "2025-06-01" }),
    "a stack that switched on that day keeps this date for good; validation cannot know whether Loki already ran with it, and refusing it would fail every correct stack from its switch day on (docs/scale.md: pick a day that has not begun when deploying)",
  ),
  accept(
    "a since in the future",
    "dev",
    storage({ bucket: "logs", since: "2099-01-01" }),
    "the documented way to switch: Loki writes to the bucket from that day",
  ),
  refuse(
    "the same bucket for Loki and Tempo",
    "dev",
    storage({ bucket: "data" }, { tempo: { bucket: "data" } }),
    "objectStorage.tempo.bucket",
    "data",
    "use two buckets",
  ),
];

const ruleCases: EdgeCase[] = [
  refuse(
    "the Watchdog disabled",
    "dev",
    { alertOverrides: { Watchdog: { disabled: true } } },
    "alertOverrides.Watchdog.disabled",
    true,
    "dead man's switch",
  ),
  refuse(
    "the Watchdog delayed",
    "dev",
    { alertOverrides: { Watchdog: { for: "1h" } } },
    "alertOverrides.Watchdog.for",
    "1h",
    "fires at once",
  ),
  refuse(
    "a threshold for the Watchdog",
    "dev",
    { alertOverrides: { Watchdog: { threshold: 3 } } },
    "alertOverrides.Watchdog.threshold",
    3,
    "no threshold to change",
  ),
  accept("the Watchdog explicitly enabled", "dev", { alertOverrides: { Watchdog: { disabled: false } } }, "the default, said out loud"),
  accept(
    "the Watchdog's severity changed",
    "dev",
    { alertOverrides: { Watchdog: { severity: "info" } } },
    "Alertmanager routes the Watchdog by its name, before severities",
  ),
  refuse(
    "an alert that does not exist",
    "dev",
    { alertOverrides: { CollectorStaled: { disabled: true } } },
    "alertOverrides.CollectorStaled",
    null,
    "no alert of that name",
  ),
  refuse(
    "a severity that does not exist",
    "dev",
    { alertOverrides: { HostDiskLow: { severity: "page" } } },
    "alertOverrides.HostDiskLow.severity",
    "page",
    "expected one of critical, warning, info",
  ),
];

const switchCases: EdgeCase[] = [
  accept(
    "no Loki and no log agent",
    "dev",
    { services: { loki: false, promtail: false } },
    "nothing ships logs; with Pulumi.yaml's former logAgent default this stack failed",
  ),
  accept(
    "Loki off and nothing said of the agent",
    "dev",
    { services: { loki: false } },
    "the default agent follows Loki: without Loki there is nothing to ship logs to",
  ),
  refuse(
    "the default agent switched on without Loki",
    "dev",
    { services: { loki: false, alloy: true } },
    "services.alloy",
    true,
    "switch alloy off or remove it",
  ),
  refuse(
    "a chosen agent without Loki",
    "dev",
    { logAgent: "alloy", services: { loki: false } },
    "logAgent",
    "alloy",
    "switch loki on or remove logAgent",
  ),
  refuse("Prometheus switched off", "dev", { services: { prometheus: false } }, "services.prometheus", null, "cannot be switched off"),
  refuse(
    "public probes without blackbox_exporter",
    "dev",
    { services: { blackboxExporter: false }, publicProbes: { urls: ["https://api.test/health"] } },
    "services.blackboxExporter",
    null,
    "switch it on or remove publicProbes",
  ),
  refuse("prod without a chat", "prod", { telegram: undefined }, "telegram.chatId", null, "prod needs the chat"),
  refuse("an unknown environment", "dev", { environment: "production" }, "environment", "production", "expected one of dev, staging, prod"),
  refuse("no runbook URL", "dev", { runbookBaseUrl: undefined }, "runbookBaseUrl", null, "expected an absolute http(s) URL"),
  refuse(
    "a relative textfile directory",
    "dev",
    { nodeExporterTextfileDir: "var/lib/textfile" },
    "nodeExporterTextfileDir",
    "var/lib/textfile",
    "absolute host path",
  ),
  refuse("a network name with a space", "dev", { appNetworks: ["my net"] }, "appNetworks.0", "my net", "Docker network name"),
  refuse("16 MiB for Loki", "dev", { memoryMb: { loki: 16 } }, "memoryMb.loki", 16, "expected number to be >=32"),
];

export const EDGE_CASES: readonly EdgeCase[] = [
  ...durationCases,
  ...plainSecretCases,
  ...urlCases,
  ...demoCases,
  ...pulumiFormCases,
  ...sharedRuleCases,
  ...imageCases,
  ...textCases,
  ...portAndAddressCases,
  ...bucketCases,
  ...ruleCases,
  ...switchCases,
];

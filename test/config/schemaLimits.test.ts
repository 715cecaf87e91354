import { problemList, VALID } from "./rawFixtures";

/**
 * Both sides of every limit config/schema.ts puts on a single value: the last value accepted and
 * the first refused, each refusal with its exact message (key, expected form, the value given).
 * A limit pinned from one side only survives being moved the other way.
 */

const DIGEST = "sha256:" + "0123456789abcdef".repeat(4);
const TAG_128 = "v" + "1".repeat(127);
const TOKEN_SECRET = "abcdefghijklmnopqrst"; // 20 characters: the shortest secret part of a bot token

type Row = readonly [what: string, patch: Record<string, unknown>, problems: readonly string[]];

const ok = (what: string, patch: Record<string, unknown>): Row => [what, patch, []];
const refused = (what: string, patch: Record<string, unknown>, ...problems: string[]): Row => [what, patch, problems];

const PROMETHEUS_FORM = "expected a duration such as 30s, 15m, 72h or 15d (units y, w, d, h, m, s, ms, each once, largest first)";
const GO_FORM = "expected a Go duration such as 90s, 15m or 72h (units h, m, s, ms; no d, w or y)";
const BRIDGE_FORM = "expected a duration such as 30m, 1h, 4h or 2d (units w, d, h, m, s)";
const form = (key: string, expected: string, got: string) => `${key}: ${expected}, got ${JSON.stringify(got)}`;
const PROMETHEUS_FLOOR = "expected at least 24h (alerts evaluate on the local TSDB; 0s would mean Prometheus's default 15d)";
const LOKI_FLOOR = "expected at least 24h (Loki's compactor applies retention per 24h index period; 0s would mean forever)";
const TEMPO_FLOOR = "expected at least 1h (Tempo flushes a block about every 30m; less would delete traces as they become searchable)";
const SILENCE_FLOOR = "expected at least 1m (a shorter silence ends before anyone reads it)";
const SILENCE_CEILING = "expected at most 90d (a longer one is forgotten, not silenced)";
const HOST_PORT = "expected host:port with a stable DNS name (for example backend:8000)";
const HTTP_URL = "expected an absolute http(s) URL";
const IMAGE = "expected an image with an exact tag or digest (repository:tag)";
const CHAT = "expected a numeric chat id or @channel";
const TOPIC = "expected a positive forum topic id";
const USER = "expected a numeric Telegram user id";
const DOCKER_HOST = "expected unix:///path/docker.sock, ssh://user@host[:port] or tcp://host:port";

const ROWS: Row[] = [
  // Durations, each in the grammar of its reader. Prometheus (retention.prometheus, rule `for`)
  // and Loki (retention.loki): whole numbers, units y w d h m s ms once each, largest first.
  ...["24h", "1d", "15d", "2w", "1y", "1d12h", "1w2d3h4m5s6ms", "292y"].map((d) =>
    ok(`Prometheus reads ${d}`, { retention: { prometheus: d } }),
  ),
  refused("units smallest first", { retention: { prometheus: "1m1h" } }, form("retention.prometheus", PROMETHEUS_FORM, "1m1h")),
  refused("a unit twice", { retention: { prometheus: "1d1d" } }, form("retention.prometheus", PROMETHEUS_FORM, "1d1d")),
  refused("a fractional duration", { retention: { prometheus: "1.5d" } }, form("retention.prometheus", PROMETHEUS_FORM, "1.5d")),
  refused("a unit in capitals", { retention: { prometheus: "15D" } }, form("retention.prometheus", PROMETHEUS_FORM, "15D")),
  refused("longer than Go's durations hold", { retention: { prometheus: "293y" } }, form("retention.prometheus", PROMETHEUS_FORM, "293y")),
  refused("an empty duration", { retention: { prometheus: "" } }, form("retention.prometheus", PROMETHEUS_FORM, "")),
  refused("a number without a unit", { retention: { loki: "15" } }, form("retention.loki", PROMETHEUS_FORM, "15")),
  refused("text before a duration", { retention: { loki: "x15d" } }, form("retention.loki", PROMETHEUS_FORM, "x15d")),
  refused("text after a duration", { retention: { loki: "15dx" } }, form("retention.loki", PROMETHEUS_FORM, "15dx")),
  // The floors: zero means another thing to each reader (Prometheus: 15 days; Loki: forever).
  refused(
    "Prometheus: a second short of a day",
    { retention: { prometheus: "23h59m59s" } },
    form("retention.prometheus", PROMETHEUS_FLOOR, "23h59m59s"),
  ),
  refused("Prometheus: 0s", { retention: { prometheus: "0s" } }, form("retention.prometheus", PROMETHEUS_FLOOR, "0s")),
  refused("Prometheus: a bare 0", { retention: { prometheus: "0" } }, form("retention.prometheus", PROMETHEUS_FLOOR, "0")),
  ok("Loki: 24h", { retention: { loki: "24h" } }),
  refused("Loki: an hour short of a day", { retention: { loki: "23h" } }, form("retention.loki", LOKI_FLOOR, "23h")),
  refused("Loki: 0s", { retention: { loki: "0s" } }, form("retention.loki", LOKI_FLOOR, "0s")),
  // Tempo reads Go durations: fractions, any order, no d or w; at least an hour.
  ...["1h", "1.5h", "72h", "90m", "30m1h", "3600s"].map((d) => ok(`Tempo reads ${d}`, { retention: { tempo: d } })),
  refused("Tempo: days", { retention: { tempo: "3d" } }, form("retention.tempo", GO_FORM, "3d")),
  refused("Tempo: weeks", { retention: { tempo: "1w" } }, form("retention.tempo", GO_FORM, "1w")),
  refused("Tempo: a unit without a number", { retention: { tempo: "h" } }, form("retention.tempo", GO_FORM, "h")),
  refused("Tempo: a minute short of an hour", { retention: { tempo: "59m" } }, form("retention.tempo", TEMPO_FLOOR, "59m")),
  refused("Tempo: a negative duration", { retention: { tempo: "-72h" } }, form("retention.tempo", TEMPO_FLOOR, "-72h")),
  refused("Tempo: a bare 0", { retention: { tempo: "0" } }, form("retention.tempo", TEMPO_FLOOR, "0")),
  ok("an alert's for as a compound duration, or none", {
    alertOverrides: { HostDiskLow: { for: "1h30m" }, CollectorStalled: { for: "0s" } },
  }),
  refused(
    "an alert's for smallest unit first",
    { alertOverrides: { HostDiskLow: { for: "30m1h" } } },
    form("alertOverrides.HostDiskLow.for", PROMETHEUS_FORM, "30m1h"),
  ),

  // Host ports: 1 to 65535, whole numbers.
  ok("the lowest port", { hostPorts: { grafana: 1 } }),
  ok("the highest port", { hostPorts: { grafana: 65535 } }),
  refused("port 0", { hostPorts: { grafana: 0 } }, "hostPorts.grafana: Too small: expected number to be >=1, got 0"),
  refused("port 65536", { hostPorts: { loki: 65536 } }, "hostPorts.loki: Too big: expected number to be <=65535, got 65536"),
  refused("a fractional port", { hostPorts: { tempo: 3200.5 } }, "hostPorts.tempo: expected int, got 3200.5"),

  // Memory: 32 MiB to 64 GiB, whole MiB.
  ok("the least memory", { memoryMb: { loki: 32 } }),
  ok("the most memory", { memoryMb: { loki: 65536 } }),
  refused("31 MiB", { memoryMb: { loki: 31 } }, "memoryMb.loki: Too small: expected number to be >=32, got 31"),
  refused("65537 MiB", { memoryMb: { prometheus: 65537 } }, "memoryMb.prometheus: Too big: expected number to be <=65536, got 65537"),
  refused("fractional MiB", { memoryMb: { grafana: 512.5 } }, "memoryMb.grafana: expected int, got 512.5"),

  // IPv4 bind address: four dotted groups of up to three digits, each at most 255.
  ok("255 in the last octets", { bindAddress: "10.255.255.255" }),
  ok("every address", { bindAddress: "0.0.0.0" }),
  ok("the last unicast block", { bindAddress: "223.255.255.254" }),
  refused(
    "a multicast address",
    { bindAddress: "224.0.0.1" },
    'bindAddress: expected an address of this host (a multicast, broadcast or reserved address is never one), got "224.0.0.1"',
  ),
  refused(
    "the broadcast address",
    { bindAddress: "255.255.255.255" },
    'bindAddress: expected an address of this host (a multicast, broadcast or reserved address is never one), got "255.255.255.255"',
  ),
  refused(
    "an address in 0/8 other than 0.0.0.0",
    { bindAddress: "0.0.0.1" },
    'bindAddress: expected an address of this host (0.x.x.x is not one; 0.0.0.0 means every address), got "0.0.0.1"',
  ),
  refused(
    "a leading zero",
    { bindAddress: "010.0.0.1" },
    'bindAddress: expected an IPv4 address without leading zeros, such as 127.0.0.1, got "010.0.0.1"',
  ),
  refused(
    "zeros padding an octet",
    { bindAddress: "127.000.0.1" },
    'bindAddress: expected an IPv4 address without leading zeros, such as 127.0.0.1, got "127.000.0.1"',
  ),
  refused("256 in the first octet", { bindAddress: "256.0.0.1" }, 'bindAddress: expected an IPv4 address, got "256.0.0.1"'),
  refused("256 in the last octet", { bindAddress: "10.0.0.256" }, 'bindAddress: expected an IPv4 address, got "10.0.0.256"'),
  refused("three octets", { bindAddress: "10.0.1" }, 'bindAddress: expected an IPv4 address such as 127.0.0.1, got "10.0.1"'),
  refused("five octets", { bindAddress: "10.0.0.1.2" }, 'bindAddress: expected an IPv4 address such as 127.0.0.1, got "10.0.0.1.2"'),
  refused("a four-digit octet", { bindAddress: "1000.0.0.1" }, 'bindAddress: expected an IPv4 address such as 127.0.0.1, got "1000.0.0.1"'),

  // App targets: host:port, the host starting and ending with a letter or digit.
  ok("one-letter hosts and the longest port", {
    appTargets: { collector: "c:9", worker: "my_worker.internal-1:65535", backend: "10.0.0.9:8000" },
  }),
  refused("a host starting with a dash", { appTargets: { worker: "-worker:9002" } }, `appTargets.worker: ${HOST_PORT}, got "-worker:9002"`),
  refused(
    "a host ending with a dash",
    { appTargets: { collector: "collector-:9001" } },
    `appTargets.collector: ${HOST_PORT}, got "collector-:9001"`,
  ),
  refused("a six-digit port", { appTargets: { backend: "backend:123456" } }, `appTargets.backend: ${HOST_PORT}, got "backend:123456"`),
  refused("port 65536", { appTargets: { backend: "backend:65536" } }, `appTargets.backend: ${HOST_PORT}, got "backend:65536"`),
  refused("port 0", { appTargets: { backend: "backend:0" } }, `appTargets.backend: ${HOST_PORT}, got "backend:0"`),
  refused(
    "a port that is not a number",
    { appTargets: { backend: "backend:http" } },
    `appTargets.backend: ${HOST_PORT}, got "backend:http"`,
  ),
  refused("text before the host", { appTargets: { backend: " backend:8000" } }, `appTargets.backend: ${HOST_PORT}, got " backend:8000"`),

  // http(s) URLs: a scheme, a host, parseable, and no Go template braces.
  ok("http and https, with paths and ports", {
    runbookBaseUrl: "http://runbooks.test:8080/rb",
    heartbeatUrl: "https://hc.test/ping/uuid?x=1",
  }),
  refused("a URL without a host", { runbookBaseUrl: "https:///rb" }, `runbookBaseUrl: ${HTTP_URL}, got "https:///rb"`),
  refused("a scheme in capitals", { heartbeatUrl: "HTTPS://hc.test" }, `heartbeatUrl: ${HTTP_URL}, got "HTTPS://hc.test"`),
  refused("a scheme after other text", { heartbeatUrl: "xhttps://hc.test" }, `heartbeatUrl: ${HTTP_URL}, got "xhttps://hc.test"`),
  refused(
    "a URL that does not parse",
    { grafanaExternalUrl: "http://graf ana.test" },
    `grafanaExternalUrl: ${HTTP_URL}, got "http://graf ana.test"`,
  ),
  refused(
    "an opening Go template",
    { runbookBaseUrl: "https://rb.test/{{ $labels.job }}" },
    'runbookBaseUrl: must not contain {{ or }} (alert annotations that carry it are Go templates), got "https://rb.test/{{ $labels.job }}"',
  ),
  refused(
    "a closing Go template",
    { alertmanagerExternalUrl: "https://am.test/x}}" },
    'alertmanagerExternalUrl: must not contain {{ or }} (alert annotations that carry it are Go templates), got "https://am.test/x}}"',
  ),
  ok("single braces are not a template", { runbookBaseUrl: "https://rb.test/{a}" }),
  // Credentials are refused in every URL setting: each ends up in alerts, messages or logs.
  ...(
    [
      ["runbookBaseUrl", "https://ops:hunter2@rb.test/rb", "https://ops:<secret>@rb.test/rb"],
      ["heartbeatUrl", "https://ops:hunter2@hc.test/ping", "https://ops:<secret>@hc.test/ping"],
      ["grafanaExternalUrl", "https://ops@grafana.test", "https://ops@grafana.test"],
      ["grafanaApiUrl", "http://admin:hunter2@grafana.test:3000", "http://admin:<secret>@grafana.test:3000"],
      ["alertmanagerExternalUrl", "https://:hunter2@am.test", "https://:<secret>@am.test"],
    ] as const
  ).map(([key, url, shown]) =>
    refused(
      `credentials in ${key}`,
      { [key]: url },
      `${key}: must not carry user:password (URLs are shown in alerts, messages, generated files and logs), got "${shown}"`,
    ),
  ),
  refused(
    "credentials in a public probe",
    { publicProbes: { urls: ["https://ops:hunter2@api.test/health"] } },
    'publicProbes.urls.0: must not carry user:password (URLs are shown in alerts, messages, generated files and logs), got "https://ops:<secret>@api.test/health"',
  ),
  refused(
    "credentials in the Bot API URL",
    { telegram: { apiBaseUrl: "https://bot:hunter2@tg.test" } },
    'telegram.apiBaseUrl: must not carry user:password (URLs are shown in alerts, messages, generated files and logs), got "https://bot:<secret>@tg.test"',
  ),
  refused("port 0 in a URL", { heartbeatUrl: "https://hc.test:0/ping" }, `heartbeatUrl: ${HTTP_URL}, got "https://hc.test:0/ping"`),
  // Paths are appended to base URLs (runbooks, Bot API methods, links): a query or fragment would end up in the middle.
  ok("a query in URLs used as they are", {
    heartbeatUrl: "https://hc.test/ping?rid=1",
    publicProbes: { urls: ["https://api.test/health?deep=1"] },
    grafanaApiUrl: "http://grafana.test/?orgId=1",
  }),
  refused(
    "a query in the runbook base",
    { runbookBaseUrl: "https://rb.test/rb?ref=main" },
    'runbookBaseUrl: expected a base URL without ?query or #fragment (paths are appended to it), got "https://rb.test/rb?ref=main"',
  ),
  refused(
    "a fragment in a link base",
    { grafanaExternalUrl: "https://grafana.test/#x" },
    'grafanaExternalUrl: expected a base URL without ?query or #fragment (paths are appended to it), got "https://grafana.test/#x"',
  ),
  refused(
    "an empty query in the Bot API base",
    { telegram: { apiBaseUrl: "https://tg.test/?" } },
    'telegram.apiBaseUrl: expected a base URL without ?query or #fragment (paths are appended to it), got "https://tg.test/?"',
  ),

  // Images: an exact tag (up to 128 characters) and/or a sha256 digest; never latest.
  ok("a tag of one character", { images: { loki: "grafana/loki:3" } }),
  ok("a tag of 128 characters", { images: { grafana: `grafana/grafana:${TAG_128}` } }),
  ok("a digest without a tag", { images: { loki: `grafana/loki@${DIGEST}` } }),
  ok("a tag and a digest", { images: { loki: `grafana/loki:3.5.3@${DIGEST}` } }),
  ok("a registry with a port and a tag", { images: { tempo: "registry.local:5000/team/tempo:2.8.2" } }),
  refused(
    "a tag of 129 characters",
    { images: { grafana: `grafana/grafana:${TAG_128}1` } },
    `images.grafana: ${IMAGE}, got ${JSON.stringify(`grafana/grafana:${TAG_128}1`)}`,
  ),
  refused(
    "a registry port taken for a tag",
    { images: { tempo: "registry.local:5000/team/tempo" } },
    `images.tempo: ${IMAGE}, got "registry.local:5000/team/tempo"`,
  ),
  refused(
    "a digest one digit short",
    { images: { loki: `grafana/loki@${DIGEST.slice(0, -1)}` } },
    `images.loki: ${IMAGE}, got ${JSON.stringify(`grafana/loki@${DIGEST.slice(0, -1)}`)}`,
  ),
  refused("a tag starting with a dot", { images: { loki: "grafana/loki:.3" } }, `images.loki: ${IMAGE}, got "grafana/loki:.3"`),
  refused("a space in the repository", { images: { loki: "grafana /loki:3" } }, `images.loki: ${IMAGE}, got "grafana /loki:3"`),
  refused(
    "latest",
    { images: { prometheus: "prom/prometheus:latest" } },
    'images.prometheus: `latest` is not a version; pin an exact tag, got "prom/prometheus:latest"',
  ),
  // A tag with latest as one of its words floats too; a digest pins whatever the tag says.
  refused(
    "latest with a variant",
    { images: { grafana: "grafana/grafana:latest-ubuntu" } },
    'images.grafana: `latest` is not a version; pin an exact tag, got "grafana/grafana:latest-ubuntu"',
  ),
  refused(
    "a version line's latest",
    { images: { loki: "registry.local:5000/grafana/loki:3.5.latest" } },
    'images.loki: `latest` is not a version; pin an exact tag, got "registry.local:5000/grafana/loki:3.5.latest"',
  ),
  refused(
    "latest for one platform",
    { images: { tempo: "grafana/tempo:latest_amd64" } },
    'images.tempo: `latest` is not a version; pin an exact tag, got "grafana/tempo:latest_amd64"',
  ),
  ok("latest inside a word, in a repository name, or pinned by a digest", {
    images: { loki: "grafana/loki:3-latestfix", tempo: "latest/tempo:2.8.2", grafana: `grafana/grafana:latest-ubuntu@${DIGEST}` },
  }),
  ok("latest as a word of a registry path, not of the tag", { images: { loki: "registry.local:5000/x-latest-y/loki:3.5.3" } }),
  refused(
    "an official image's latest (no repository path)",
    { images: { telegramBridge: "node:latest" } },
    'images.telegramBridge: `latest` is not a version; pin an exact tag, got "node:latest"',
  ),
  refused(
    "a repository named latest without a tag: one problem, the missing tag",
    { images: { loki: "grafana/latest" } },
    `images.loki: ${IMAGE}, got "grafana/latest"`,
  ),
  // A tag without a version number moves too: a branch, a channel or a distribution.
  ...["main", "master", "nightly", "edge", "dev", "stable", "alpine"].map((tag) =>
    refused(
      `the moving tag ${tag}`,
      { images: { grafana: `grafana/grafana:${tag}` } },
      `images.grafana: \`${tag}\` names a branch or channel, not a version (it moves); pin an exact version tag or a digest, got "grafana/grafana:${tag}"`,
    ),
  ),
  ok("a release line, a build of a branch, a channel pinned by a digest", {
    images: { loki: "grafana/loki:3", tempo: "grafana/tempo:main-1a2b3c4", grafana: `grafana/grafana:main@${DIGEST}` },
  }),
  refused(
    "an upper-case repository",
    { images: { prometheus: "Prom/prometheus:v3.5.0" } },
    'images.prometheus: expected a lower-case repository (Docker refuses upper case in repository names), got "Prom/prometheus:v3.5.0"',
  ),
  refused(
    "an upper-case image name",
    { images: { prometheus: "prom/Prometheus:v3.5.0" } },
    'images.prometheus: expected a lower-case repository (Docker refuses upper case in repository names), got "prom/Prometheus:v3.5.0"',
  ),
  ok("a registry host in capitals (host names are case-insensitive) and an upper-case tag", {
    images: { tempo: "Registry.Example.test/team/tempo:V2.8.2-RC1" },
  }),
  refused(
    "a registry on port 0",
    { images: { tempo: "registry.local:0/team/tempo:2.8.2" } },
    'images.tempo: expected a registry port from 1 to 65535, got "registry.local:0/team/tempo:2.8.2"',
  ),
  refused(
    "three underscores in a repository",
    { images: { tempo: "team___x/tempo:2.8.2" } },
    `images.tempo: ${IMAGE}, got "team___x/tempo:2.8.2"`,
  ),
  ok("two underscores and several dashes in a repository", { images: { tempo: "team__x/tem--po:2.8.2" } }),
  refused(
    "a repository name over 255 characters",
    { images: { tempo: `${"a".repeat(250)}/tempo:2.8.2` } },
    `images.tempo: expected a repository name of at most 255 characters (Docker's limit), got "${"a".repeat(250)}/tempo:2.8.2"`,
  ),

  // Telegram chats and topics.
  ok("numeric and @channel chats per severity", {
    telegram: { chatIdsBySeverity: { critical: "-100123", warning: "@ops_chan", info: "42" } },
  }),
  refused(
    "a chat id with a letter",
    { telegram: { chatIdsBySeverity: { warning: "12a" } } },
    `telegram.chatIdsBySeverity.warning: ${CHAT}, got "12a"`,
  ),
  refused("a bare @", { telegram: { chatIdsBySeverity: { info: "@" } } }, `telegram.chatIdsBySeverity.info: ${CHAT}, got "@"`),
  refused(
    "a channel after other text",
    { telegram: { chatIdsBySeverity: { critical: "x@ops" } } },
    `telegram.chatIdsBySeverity.critical: ${CHAT}, got "x@ops"`,
  ),
  refused(
    "two minus signs",
    { telegram: { chatIdsBySeverity: { critical: "--100" } } },
    `telegram.chatIdsBySeverity.critical: ${CHAT}, got "--100"`,
  ),
  refused(
    "a channel name with a dash",
    { telegram: { chatIdsBySeverity: { warning: "@ops-chan" } } },
    `telegram.chatIdsBySeverity.warning: ${CHAT}, got "@ops-chan"`,
  ),
  // The default chat takes the same ids, and a number as YAML writes it.
  ok("a private chat's positive id as the default chat", { telegram: { chatId: "42" } }),
  ok("a @channel as the default chat", { telegram: { chatId: "@tutordex_alerts" } }),
  refused("a default chat with a letter after the id", { telegram: { chatId: "12a" } }, `telegram.chatId: ${CHAT}, got "12a"`),
  refused("a default chat with text before the id", { telegram: { chatId: "x12" } }, `telegram.chatId: ${CHAT}, got "x12"`),
  refused("a default chat with text before the channel", { telegram: { chatId: "x@chan" } }, `telegram.chatId: ${CHAT}, got "x@chan"`),
  refused("a default chat of one character after @", { telegram: { chatId: "@-" } }, `telegram.chatId: ${CHAT}, got "@-"`),
  // One rule with the bridge (config/sharedValidators.ts): a @username of 4 to 32 characters, starting with a letter.
  ok("a @channel of 4 and of 32 characters", { telegram: { chatId: "@abcd", chatIdsBySeverity: { info: `@a${"b".repeat(31)}` } } }),
  refused("a @channel of 3 characters", { telegram: { chatId: "@abc" } }, `telegram.chatId: ${CHAT}, got "@abc"`),
  refused(
    "a @channel of 33 characters",
    { telegram: { chatId: `@a${"b".repeat(32)}` } },
    `telegram.chatId: ${CHAT}, got "@a${"b".repeat(32)}"`,
  ),
  refused("a @channel starting with a digit", { telegram: { chatId: "@1abcd" } }, `telegram.chatId: ${CHAT}, got "@1abcd"`),
  refused("chat 0", { telegram: { chatId: "0" } }, `telegram.chatId: ${CHAT}, got "0"`),
  // `pulumi config set --path` stores digits as a number: read as the chat id it is.
  ok("chat ids as numbers, for every chat", {
    telegram: { chatId: -1001234567890, chatIdsBySeverity: { critical: -100987, warning: 42 } },
  }),
  refused(
    "a fractional number as a chat",
    { telegram: { chatIdsBySeverity: { critical: -100.5 } } },
    `telegram.chatIdsBySeverity.critical: ${CHAT}, got -100.5`,
  ),
  refused("a number beyond exact integers as a chat", { telegram: { chatId: 2 ** 53 } }, `telegram.chatId: ${CHAT}, got ${2 ** 53}`),
  refused("a boolean as a chat", { telegram: { chatId: true } }, `telegram.chatId: ${CHAT}, got true`),
  ok("the first forum topic", { telegram: { messageThreadId: 1, threadIdsBySeverity: { critical: 1, warning: 2, info: 3 } } }),
  refused("topic 0", { telegram: { threadIdsBySeverity: { critical: 0 } } }, `telegram.threadIdsBySeverity.critical: ${TOPIC}, got 0`),
  refused(
    "a fractional topic",
    { telegram: { threadIdsBySeverity: { info: 1.5 } } },
    `telegram.threadIdsBySeverity.info: ${TOPIC}, got 1.5`,
  ),
  refused("the default chat's topic 0", { telegram: { messageThreadId: 0 } }, `telegram.messageThreadId: ${TOPIC}, got 0`),
  ok("the largest forum topic", { telegram: { messageThreadId: 2 ** 31 - 1 } }),
  refused("a topic beyond 32 bits", { telegram: { messageThreadId: 2 ** 31 } }, `telegram.messageThreadId: ${TOPIC}, got ${2 ** 31}`),
  ok("a prefix of 64 characters", { telegram: { prefix: "p".repeat(64) } }),
  refused(
    "a prefix of 65 characters",
    { telegram: { prefix: "p".repeat(65) } },
    `telegram.prefix: expected at most 64 characters, got "${"p".repeat(65)}"`,
  ),
  refused(
    "a newline in the prefix",
    { telegram: { prefix: "[TD]\nurgent" } },
    'telegram.prefix: expected no control characters (newline, tab, escape…), got "[TD]\\nurgent"',
  ),

  // The console: allowlisted users and the silence buttons (1m to 90d, at most six).
  ok("user id 1", { telegram: { console: { allowedUserIds: [1] } } }),
  refused("user id 0", { telegram: { console: { allowedUserIds: [0] } } }, `telegram.console.allowedUserIds.0: ${USER}, got 0`),
  refused(
    "a fractional user id",
    { telegram: { console: { allowedUserIds: [7, 1.5] } } },
    `telegram.console.allowedUserIds.1: ${USER}, got 1.5`,
  ),
  ok("1m, 90d and the same 90 days in hours and minutes", {
    telegram: { console: { silenceDurations: ["1m", "90d", "2160h", "129600m", "89d23h60m", "1h30m"] } },
  }),
  ok("the bridge's own grammar: seconds and weeks, any order", { telegram: { console: { silenceDurations: ["60s", "1w", "30m1h"] } } }),
  refused("0m", { telegram: { console: { silenceDurations: ["0m"] } } }, form("telegram.console.silenceDurations.0", SILENCE_FLOOR, "0m")),
  refused(
    "one minute over 90 days",
    { telegram: { console: { silenceDurations: ["1h", "90d1m"] } } },
    form("telegram.console.silenceDurations.1", SILENCE_CEILING, "90d1m"),
  ),
  refused(
    "seconds short of a minute",
    { telegram: { console: { silenceDurations: ["59s"] } } },
    form("telegram.console.silenceDurations.0", SILENCE_FLOOR, "59s"),
  ),
  refused(
    "text after a silence",
    { telegram: { console: { silenceDurations: ["1hx"] } } },
    form("telegram.console.silenceDurations.0", BRIDGE_FORM, "1hx"),
  ),
  refused(
    "text before a silence",
    { telegram: { console: { silenceDurations: ["x1h"] } } },
    form("telegram.console.silenceDurations.0", BRIDGE_FORM, "x1h"),
  ),
  ok("six silence buttons", { telegram: { console: { silenceDurations: ["1m", "5m", "1h", "4h", "1d", "7d"] } } }),
  refused(
    "seven silence buttons",
    { telegram: { console: { silenceDurations: ["1m", "5m", "1h", "4h", "1d", "7d", "30d"] } } },
    'telegram.console.silenceDurations: expected at most 6 durations, got ["1m","5m","1h","4h","1d","7d","30d"]',
  ),

  // Secrets and credentials: lengths and forms, values never shown.
  ok("a bot token with the shortest secret part", { telegramBotToken: `1:${TOKEN_SECRET}` }),
  ok("a bot token with dashes and underscores", { telegramBotToken: `123456:${TOKEN_SECRET.slice(2)}_-` }),
  refused(
    "a bot token one character short",
    { telegramBotToken: `1:${TOKEN_SECRET.slice(1)}` },
    "telegramBotToken: expected a bot token of the form 123456:ABC..., got <secret>",
  ),
  refused(
    "a bot token without the bot id",
    { telegramBotToken: `:${TOKEN_SECRET}` },
    "telegramBotToken: expected a bot token of the form 123456:ABC..., got <secret>",
  ),
  refused(
    "a bot token with a space",
    { telegramBotToken: `1:${TOKEN_SECRET} x` },
    "telegramBotToken: expected a bot token of the form 123456:ABC..., got <secret>",
  ),
  ok("a Grafana password of 12 characters", { grafanaAdminPassword: "123456789012" }),
  refused(
    "a Grafana password of 11 characters",
    { grafanaAdminPassword: "12345678901" },
    "grafanaAdminPassword: expected at least 12 characters, got <secret>",
  ),
  ok("a one-letter Grafana admin", { grafanaAdminUser: "a" }),
  refused(
    "an empty Grafana admin",
    { grafanaAdminUser: "" },
    'grafanaAdminUser: Too small: expected string to have >=1 characters, got ""',
  ),
  ok("a Grafana admin with dots, dashes and an inner space", { grafanaAdminUser: "ops team.lead-1" }),
  ...["ops\nadmin", "ops:admin", " admin", "admin ", "ad\tmin"].map((user) =>
    refused(
      `the Grafana admin ${JSON.stringify(user)}`,
      { grafanaAdminUser: user },
      `grafanaAdminUser: expected a login without colon, control characters or surrounding spaces, got ${JSON.stringify(user)}`,
    ),
  ),
  ok("a registry with a port", { registryAuth: { address: "registry.local:5000", username: "u" }, registryPassword: "p" }),
  refused(
    "a registry with an empty port",
    { registryAuth: { address: "ghcr.io:", username: "u" }, registryPassword: "p" },
    'registryAuth.address: expected a registry host such as registry-1.docker.io or ghcr.io, got "ghcr.io:"',
  ),
  refused(
    "a registry on port 0",
    { registryAuth: { address: "ghcr.io:0", username: "u" }, registryPassword: "p" },
    'registryAuth.address: expected a registry host such as registry-1.docker.io or ghcr.io, got "ghcr.io:0"',
  ),
  refused(
    "a registry on port 65536",
    { registryAuth: { address: "ghcr.io:65536", username: "u" }, registryPassword: "p" },
    'registryAuth.address: expected a registry host such as registry-1.docker.io or ghcr.io, got "ghcr.io:65536"',
  ),
  refused(
    "an empty registry user",
    { registryAuth: { username: "" }, registryPassword: "p" },
    'registryAuth.username: expected the registry user name, got ""',
  ),
  refused(
    "an empty registry password",
    { registryAuth: { username: "u" }, registryPassword: "" },
    "registryPassword: expected the registry password or access token, got <secret>",
  ),

  // Docker host and host paths.
  ok("a unix socket", { dockerHost: "unix:///var/run/docker.sock" }),
  ok("ssh", { dockerHost: "ssh://ops@docker.test" }),
  ok("tcp", { dockerHost: "tcp://docker.test:2376" }),
  refused(
    "a unix socket with two slashes",
    { dockerHost: "unix://var/run/docker.sock" },
    `dockerHost: ${DOCKER_HOST}; this one names host "var" where the socket path starts (a unix socket takes three slashes), got "unix://var/run/docker.sock"`,
  ),
  refused(
    "a unix socket without a path",
    { dockerHost: "unix:///" },
    `dockerHost: ${DOCKER_HOST}; this one names no socket path, got "unix:///"`,
  ),
  refused("ssh without a host", { dockerHost: "ssh://" }, `dockerHost: ${DOCKER_HOST}; this one names no host, got "ssh://"`),
  refused(
    "tcp with a space",
    { dockerHost: "tcp://docker.test :2376" },
    `dockerHost: ${DOCKER_HOST}; this one contains white space, got "tcp://docker.test :2376"`,
  ),
  refused(
    "a scheme after other text",
    { dockerHost: "xtcp://docker.test" },
    `dockerHost: ${DOCKER_HOST}; this one uses xtcp://, which is none of them, got "xtcp://docker.test"`,
  ),
  ok("ssh with a port, tcp on the last port", { dockerHost: "ssh://ops@docker.test:2222" }),
  ok("tcp on port 65535", { dockerHost: "tcp://10.0.0.9:65535" }),
  refused(
    "tcp without a port",
    { dockerHost: "tcp://docker.test" },
    `dockerHost: ${DOCKER_HOST}; this one names no port (tcp://host:port), got "tcp://docker.test"`,
  ),
  refused(
    "tcp on port 0",
    { dockerHost: "tcp://docker.test:0" },
    `dockerHost: ${DOCKER_HOST}; this one names port 0 (1 to 65535), got "tcp://docker.test:0"`,
  ),
  refused(
    "tcp on port 65536",
    { dockerHost: "tcp://docker.test:65536" },
    `dockerHost: ${DOCKER_HOST}; this one is not an address, got "tcp://docker.test:65536"`,
  ),
  refused(
    "tcp with a path",
    { dockerHost: "tcp://docker.test:2376/v1" },
    `dockerHost: ${DOCKER_HOST}; this one names a path (/v1), which an engine address has not, got "tcp://docker.test:2376/v1"`,
  ),
  refused(
    "ssh with a password",
    { dockerHost: "ssh://ops:hunter2@docker.test" },
    `dockerHost: ${DOCKER_HOST}; this one carries a password (it would be shown in logs; use an SSH key or agent), got "ssh://ops:<secret>@docker.test"`,
  ),
  refused(
    "a unix socket that is a directory",
    { dockerHost: "unix:///var/run/" },
    `dockerHost: ${DOCKER_HOST}; this one names a folder, not a socket, got "unix:///var/run/"`,
  ),
  ok("the root as textfile directory", { nodeExporterTextfileDir: "/" }),
  refused(
    "a relative textfile directory",
    { nodeExporterTextfileDir: "var/lib/textfile" },
    'nodeExporterTextfileDir: expected an absolute host path, got "var/lib/textfile"',
  ),
  refused(
    "a textfile directory with a space",
    { nodeExporterTextfileDir: "/var/lib/text file" },
    'nodeExporterTextfileDir: expected an absolute host path, got "/var/lib/text file"',
  ),

  // Networks and public probes.
  ok("network names with dots, dashes and underscores", { appNetworks: ["tutordex_default", "a", "net-1.x"] }),
  ok("a compose project name as compose writes it", { appComposeProject: "tutordex_prod-2" }),
  refused(
    "a compose project with capitals (compose lower-cases project names)",
    { appComposeProject: "TutorDex" },
    'appComposeProject: expected a compose project name (lower-case letters, digits, - and _) such as tutordex-prod, got "TutorDex"',
  ),
  refused(
    "an empty compose project",
    { appComposeProject: "" },
    'appComposeProject: expected a compose project name (lower-case letters, digits, - and _) such as tutordex-prod, got ""',
  ),
  refused("a network starting with a dash", { appNetworks: ["ok", "-net"] }, 'appNetworks.1: expected a Docker network name, got "-net"'),
  refused("a network with a space", { appNetworks: ["my net"] }, 'appNetworks.0: expected a Docker network name, got "my net"'),
  ok("a probe host", { publicProbes: { host: "api.example.com", urls: ["https://api.example.com/health"] } }),
  refused(
    "a probe host that is a URL",
    { publicProbes: { host: "https://api.example.com", urls: ["https://api.example.com/health"] } },
    'publicProbes.host: expected a host name such as api.example.com, got "https://api.example.com"',
  ),
  refused("no probe URLs", { publicProbes: { urls: [] } }, "publicProbes.urls: Too small: expected array to have >=1 items, got []"),
];

describe("each limit of a single value, from both sides", () => {
  it.each(ROWS)("%s", (_what, patch, problems) => {
    expect(problemList({ ...VALID, ...patch })).toEqual(problems);
  });
});

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

const durationMessage = (key: string, got: string) => `${key}: expected a duration such as 30s, 15m, 72h or 15d for ${key}, got ${JSON.stringify(got)}`;
const silenceMessage = (i: number, got: string) => `telegram.console.silenceDurations.${i}: expected a duration from 1m to 90d such as 1h, 4h or 24h, got ${JSON.stringify(got)}`;
const HOST_PORT = "expected host:port with a stable DNS name (for example backend:8000)";
const HTTP_URL = "expected an absolute http(s) URL";
const IMAGE = "expected an image with an exact tag or digest (repository:tag)";
const CHAT = "expected a numeric chat id or @channel";
const TOPIC = "expected a positive forum topic id";
const USER = "expected a numeric Telegram user id";
const DOCKER_HOST = "expected unix:///path/docker.sock, ssh://user@host or tcp://host:port";

const ROWS: Row[] = [
  // Durations (retention, alert `for`): digits then a unit, repeated; every unit Prometheus reads.
  ...["500ms", "30s", "15m", "72h", "15d", "2w", "1y", "1h30m"].map((d) => ok(`duration ${d}`, { retention: { prometheus: d } })),
  refused("a fractional duration", { retention: { prometheus: "1.5h" } }, durationMessage("retention.prometheus", "1.5h")),
  refused("a unit without a number", { retention: { tempo: "h" } }, durationMessage("retention.tempo", "h")),
  refused("a number without a unit", { retention: { loki: "15" } }, durationMessage("retention.loki", "15")),
  refused("text before a duration", { retention: { loki: "x15d" } }, durationMessage("retention.loki", "x15d")),
  refused("text after a duration", { retention: { loki: "15dx" } }, durationMessage("retention.loki", "15dx")),
  ok("an alert's for as a compound duration", { alertOverrides: { HostDiskLow: { for: "1h30m" } } }),

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
  ok("255 in every octet", { bindAddress: "255.255.255.255" }),
  refused("256 in the first octet", { bindAddress: "256.0.0.1" }, 'bindAddress: expected an IPv4 address, got "256.0.0.1"'),
  refused("256 in the last octet", { bindAddress: "10.0.0.256" }, 'bindAddress: expected an IPv4 address, got "10.0.0.256"'),
  refused("three octets", { bindAddress: "10.0.1" }, 'bindAddress: expected an IPv4 address such as 127.0.0.1, got "10.0.1"'),
  refused("five octets", { bindAddress: "10.0.0.1.2" }, 'bindAddress: expected an IPv4 address such as 127.0.0.1, got "10.0.0.1.2"'),
  refused("a four-digit octet", { bindAddress: "1000.0.0.1" }, 'bindAddress: expected an IPv4 address such as 127.0.0.1, got "1000.0.0.1"'),

  // App targets: host:port, the host starting and ending with a letter or digit.
  ok("one-letter hosts and the longest port", { appTargets: { collector: "c:9", worker: "my_worker.internal-1:65535", backend: "10.0.0.9:8000" } }),
  refused("a host starting with a dash", { appTargets: { worker: "-worker:9002" } }, `appTargets.worker: ${HOST_PORT}, got "-worker:9002"`),
  refused("a host ending with a dash", { appTargets: { collector: "collector-:9001" } }, `appTargets.collector: ${HOST_PORT}, got "collector-:9001"`),
  refused("a six-digit port", { appTargets: { backend: "backend:123456" } }, `appTargets.backend: ${HOST_PORT}, got "backend:123456"`),
  refused("a port that is not a number", { appTargets: { backend: "backend:http" } }, `appTargets.backend: ${HOST_PORT}, got "backend:http"`),
  refused("text before the host", { appTargets: { backend: " backend:8000" } }, `appTargets.backend: ${HOST_PORT}, got " backend:8000"`),

  // http(s) URLs: a scheme, a host, parseable, and no Go template braces.
  ok("http and https, with paths and ports", { runbookBaseUrl: "http://runbooks.test:8080/rb", heartbeatUrl: "https://hc.test/ping/uuid?x=1" }),
  refused("a URL without a host", { runbookBaseUrl: "https:///rb" }, `runbookBaseUrl: ${HTTP_URL}, got "https:///rb"`),
  refused("a scheme in capitals", { heartbeatUrl: "HTTPS://hc.test" }, `heartbeatUrl: ${HTTP_URL}, got "HTTPS://hc.test"`),
  refused("a scheme after other text", { heartbeatUrl: "xhttps://hc.test" }, `heartbeatUrl: ${HTTP_URL}, got "xhttps://hc.test"`),
  refused("a URL that does not parse", { grafanaExternalUrl: "http://graf ana.test" }, `grafanaExternalUrl: ${HTTP_URL}, got "http://graf ana.test"`),
  refused("an opening Go template", { runbookBaseUrl: "https://rb.test/{{ $labels.job }}" }, 'runbookBaseUrl: must not contain {{ or }} (alert annotations that carry it are Go templates), got "https://rb.test/{{ $labels.job }}"'),
  refused("a closing Go template", { alertmanagerExternalUrl: "https://am.test/x}}" }, 'alertmanagerExternalUrl: must not contain {{ or }} (alert annotations that carry it are Go templates), got "https://am.test/x}}"'),
  ok("single braces are not a template", { runbookBaseUrl: "https://rb.test/{a}" }),

  // Images: an exact tag (up to 128 characters) and/or a sha256 digest; never latest.
  ok("a tag of one character", { images: { loki: "grafana/loki:3" } }),
  ok("a tag of 128 characters", { images: { grafana: `grafana/grafana:${TAG_128}` } }),
  ok("a digest without a tag", { images: { loki: `grafana/loki@${DIGEST}` } }),
  ok("a tag and a digest", { images: { loki: `grafana/loki:3.5.3@${DIGEST}` } }),
  ok("a registry with a port and a tag", { images: { tempo: "registry.local:5000/team/tempo:2.8.2" } }),
  refused("a tag of 129 characters", { images: { grafana: `grafana/grafana:${TAG_128}1` } }, `images.grafana: ${IMAGE}, got ${JSON.stringify(`grafana/grafana:${TAG_128}1`)}`),
  refused("a registry port taken for a tag", { images: { tempo: "registry.local:5000/team/tempo" } }, `images.tempo: ${IMAGE}, got "registry.local:5000/team/tempo"`),
  refused("a digest one digit short", { images: { loki: `grafana/loki@${DIGEST.slice(0, -1)}` } }, `images.loki: ${IMAGE}, got ${JSON.stringify(`grafana/loki@${DIGEST.slice(0, -1)}`)}`),
  refused("a tag starting with a dot", { images: { loki: "grafana/loki:.3" } }, `images.loki: ${IMAGE}, got "grafana/loki:.3"`),
  refused("a space in the repository", { images: { loki: "grafana /loki:3" } }, `images.loki: ${IMAGE}, got "grafana /loki:3"`),
  refused("latest", { images: { prometheus: "prom/prometheus:latest" } }, 'images.prometheus: `latest` is not a version; pin an exact tag, got "prom/prometheus:latest"'),
  // A tag with latest as one of its words floats too; a digest pins whatever the tag says.
  refused("latest with a variant", { images: { grafana: "grafana/grafana:latest-ubuntu" } }, 'images.grafana: `latest` is not a version; pin an exact tag, got "grafana/grafana:latest-ubuntu"'),
  refused("a version line's latest", { images: { loki: "registry.local:5000/grafana/loki:3.5.latest" } }, 'images.loki: `latest` is not a version; pin an exact tag, got "registry.local:5000/grafana/loki:3.5.latest"'),
  refused("latest for one platform", { images: { tempo: "grafana/tempo:latest_amd64" } }, 'images.tempo: `latest` is not a version; pin an exact tag, got "grafana/tempo:latest_amd64"'),
  ok("latest inside a word, in a repository name, or pinned by a digest", { images: { loki: "grafana/loki:3-latestfix", tempo: "latest/tempo:2.8.2", grafana: `grafana/grafana:latest-ubuntu@${DIGEST}` } }),
  ok("latest as a word of a registry path, not of the tag", { images: { loki: "registry.local:5000/x-latest-y/loki:3.5.3" } }),
  refused("an official image's latest (no repository path)", { images: { telegramBridge: "node:latest" } }, 'images.telegramBridge: `latest` is not a version; pin an exact tag, got "node:latest"'),
  refused("a repository named latest without a tag: one problem, the missing tag", { images: { loki: "grafana/latest" } }, `images.loki: ${IMAGE}, got "grafana/latest"`),

  // Telegram chats and topics.
  ok("numeric and @channel chats per severity", { telegram: { chatIdsBySeverity: { critical: "-100123", warning: "@ops_chan", info: "42" } } }),
  refused("a chat id with a letter", { telegram: { chatIdsBySeverity: { warning: "12a" } } }, `telegram.chatIdsBySeverity.warning: ${CHAT}, got "12a"`),
  refused("a bare @", { telegram: { chatIdsBySeverity: { info: "@" } } }, `telegram.chatIdsBySeverity.info: ${CHAT}, got "@"`),
  refused("a channel after other text", { telegram: { chatIdsBySeverity: { critical: "x@ops" } } }, `telegram.chatIdsBySeverity.critical: ${CHAT}, got "x@ops"`),
  refused("two minus signs", { telegram: { chatIdsBySeverity: { critical: "--100" } } }, `telegram.chatIdsBySeverity.critical: ${CHAT}, got "--100"`),
  refused("a channel name with a dash", { telegram: { chatIdsBySeverity: { warning: "@ops-chan" } } }, `telegram.chatIdsBySeverity.warning: ${CHAT}, got "@ops-chan"`),
  // The default chat takes the same ids, and a number as YAML writes it.
  ok("a private chat's positive id as the default chat", { telegram: { chatId: "42" } }),
  ok("a @channel as the default chat", { telegram: { chatId: "@tutordex_alerts" } }),
  refused("a default chat with a letter after the id", { telegram: { chatId: "12a" } }, `telegram.chatId: ${CHAT}, got "12a"`),
  refused("a default chat with text before the id", { telegram: { chatId: "x12" } }, `telegram.chatId: ${CHAT}, got "x12"`),
  refused("a default chat with text before the channel", { telegram: { chatId: "x@chan" } }, `telegram.chatId: ${CHAT}, got "x@chan"`),
  refused("a default chat of one character after @", { telegram: { chatId: "@-" } }, `telegram.chatId: ${CHAT}, got "@-"`),
  ok("the first forum topic", { telegram: { messageThreadId: 1, threadIdsBySeverity: { critical: 1, warning: 2, info: 3 } } }),
  refused("topic 0", { telegram: { threadIdsBySeverity: { critical: 0 } } }, `telegram.threadIdsBySeverity.critical: ${TOPIC}, got 0`),
  refused("a fractional topic", { telegram: { threadIdsBySeverity: { info: 1.5 } } }, `telegram.threadIdsBySeverity.info: ${TOPIC}, got 1.5`),
  refused("the default chat's topic 0", { telegram: { messageThreadId: 0 } }, `telegram.messageThreadId: ${TOPIC}, got 0`),
  ok("a prefix of 64 characters", { telegram: { prefix: "p".repeat(64) } }),
  refused("a prefix of 65 characters", { telegram: { prefix: "p".repeat(65) } }, `telegram.prefix: Too big: expected string to have <=64 characters, got "${"p".repeat(65)}"`),

  // The console: allowlisted users and the silence buttons (1m to 90d, at most six).
  ok("user id 1", { telegram: { console: { allowedUserIds: [1] } } }),
  refused("user id 0", { telegram: { console: { allowedUserIds: [0] } } }, `telegram.console.allowedUserIds.0: ${USER}, got 0`),
  refused("a fractional user id", { telegram: { console: { allowedUserIds: [7, 1.5] } } }, `telegram.console.allowedUserIds.1: ${USER}, got 1.5`),
  ok("1m, 90d and the same 90 days in hours and minutes", { telegram: { console: { silenceDurations: ["1m", "90d", "2160h", "129600m", "89d23h60m", "1h30m"] } } }),
  refused("0m", { telegram: { console: { silenceDurations: ["0m"] } } }, silenceMessage(0, "0m")),
  refused("one minute over 90 days", { telegram: { console: { silenceDurations: ["1h", "90d1m"] } } }, silenceMessage(1, "90d1m")),
  refused("seconds", { telegram: { console: { silenceDurations: ["30s"] } } }, silenceMessage(0, "30s")),
  refused("text after a silence", { telegram: { console: { silenceDurations: ["1hx"] } } }, silenceMessage(0, "1hx")),
  refused("text before a silence", { telegram: { console: { silenceDurations: ["x1h"] } } }, silenceMessage(0, "x1h")),
  ok("six silence buttons", { telegram: { console: { silenceDurations: ["1m", "5m", "1h", "4h", "1d", "7d"] } } }),
  refused("seven silence buttons", { telegram: { console: { silenceDurations: ["1m", "5m", "1h", "4h", "1d", "7d", "30d"] } } }, 'telegram.console.silenceDurations: expected at most 6 durations, got ["1m","5m","1h","4h","1d","7d","30d"]'),

  // Secrets and credentials: lengths and forms, values never shown.
  ok("a bot token with the shortest secret part", { telegramBotToken: `1:${TOKEN_SECRET}` }),
  ok("a bot token with dashes and underscores", { telegramBotToken: `123456:${TOKEN_SECRET.slice(2)}_-` }),
  refused("a bot token one character short", { telegramBotToken: `1:${TOKEN_SECRET.slice(1)}` }, "telegramBotToken: expected a bot token of the form 123456:ABC..., got <secret>"),
  refused("a bot token without the bot id", { telegramBotToken: `:${TOKEN_SECRET}` }, "telegramBotToken: expected a bot token of the form 123456:ABC..., got <secret>"),
  refused("a bot token with a space", { telegramBotToken: `1:${TOKEN_SECRET} x` }, "telegramBotToken: expected a bot token of the form 123456:ABC..., got <secret>"),
  ok("a Grafana password of 12 characters", { grafanaAdminPassword: "123456789012" }),
  refused("a Grafana password of 11 characters", { grafanaAdminPassword: "12345678901" }, "grafanaAdminPassword: expected at least 12 characters, got <secret>"),
  ok("a one-letter Grafana admin", { grafanaAdminUser: "a" }),
  refused("an empty Grafana admin", { grafanaAdminUser: "" }, 'grafanaAdminUser: Too small: expected string to have >=1 characters, got ""'),
  ok("a registry with a port", { registryAuth: { address: "registry.local:5000", username: "u" }, registryPassword: "p" }),
  refused("a registry with an empty port", { registryAuth: { address: "ghcr.io:", username: "u" }, registryPassword: "p" }, 'registryAuth.address: expected a registry host such as registry-1.docker.io or ghcr.io, got "ghcr.io:"'),
  refused("an empty registry user", { registryAuth: { username: "" }, registryPassword: "p" }, 'registryAuth.username: expected the registry user name, got ""'),
  refused("an empty registry password", { registryAuth: { username: "u" }, registryPassword: "" }, "registryPassword: expected the registry password or access token, got <secret>"),

  // Docker host and host paths.
  ok("a unix socket", { dockerHost: "unix:///var/run/docker.sock" }),
  ok("ssh", { dockerHost: "ssh://ops@docker.test" }),
  ok("tcp", { dockerHost: "tcp://docker.test:2376" }),
  refused("a unix socket with two slashes", { dockerHost: "unix://var/run/docker.sock" }, `dockerHost: ${DOCKER_HOST}, got "unix://var/run/docker.sock"`),
  refused("a unix socket without a path", { dockerHost: "unix:///" }, `dockerHost: ${DOCKER_HOST}, got "unix:///"`),
  refused("ssh without a host", { dockerHost: "ssh://" }, `dockerHost: ${DOCKER_HOST}, got "ssh://"`),
  refused("tcp with a space", { dockerHost: "tcp://docker.test :2376" }, `dockerHost: ${DOCKER_HOST}, got "tcp://docker.test :2376"`),
  refused("a scheme after other text", { dockerHost: "xtcp://docker.test" }, `dockerHost: ${DOCKER_HOST}, got "xtcp://docker.test"`),
  ok("the root as textfile directory", { nodeExporterTextfileDir: "/" }),
  refused("a relative textfile directory", { nodeExporterTextfileDir: "var/lib/textfile" }, 'nodeExporterTextfileDir: expected an absolute host path, got "var/lib/textfile"'),
  refused("a textfile directory with a space", { nodeExporterTextfileDir: "/var/lib/text file" }, 'nodeExporterTextfileDir: expected an absolute host path, got "/var/lib/text file"'),

  // Networks and public probes.
  ok("network names with dots, dashes and underscores", { appNetworks: ["tutordex_default", "a", "net-1.x"] }),
  ok("a compose project name as compose writes it", { appComposeProject: "tutordex_prod-2" }),
  refused("a compose project with capitals (compose lower-cases project names)", { appComposeProject: "TutorDex" }, 'appComposeProject: expected a compose project name (lower-case letters, digits, - and _) such as tutordex-prod, got "TutorDex"'),
  refused("an empty compose project", { appComposeProject: "" }, 'appComposeProject: expected a compose project name (lower-case letters, digits, - and _) such as tutordex-prod, got ""'),
  refused("a network starting with a dash", { appNetworks: ["ok", "-net"] }, 'appNetworks.1: expected a Docker network name, got "-net"'),
  refused("a network with a space", { appNetworks: ["my net"] }, 'appNetworks.0: expected a Docker network name, got "my net"'),
  ok("a probe host", { publicProbes: { host: "api.example.com", urls: ["https://api.example.com/health"] } }),
  refused("a probe host that is a URL", { publicProbes: { host: "https://api.example.com", urls: ["https://api.example.com/health"] } }, 'publicProbes.host: expected a host name such as api.example.com, got "https://api.example.com"'),
  refused("no probe URLs", { publicProbes: { urls: [] } }, "publicProbes.urls: Too small: expected array to have >=1 items, got []"),
];

describe("each limit of a single value, from both sides", () => {
  it.each(ROWS)("%s", (_what, patch, problems) => {
    expect(problemList({ ...VALID, ...patch })).toEqual(problems);
  });
});

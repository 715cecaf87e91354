import { parseStackConfig } from "../../config/schema";
import { DEFAULT_IMAGES } from "../../config/defaults";
import { PROD, PROD_SECRETS, problems, VALID } from "./rawFixtures";

describe("valid configuration", () => {
  it("fills per-environment defaults", () => {
    const c = parseStackConfig("dev", VALID);
    expect(c.bindAddress).toBe("127.0.0.1");
    expect(c.hostPorts.grafana).toBe(13300);
    expect(c.protectData).toBe(false);
    expect(c.images).toEqual(DEFAULT_IMAGES);
    expect(c.retention).toEqual({ prometheus: "15d", loki: "336h", tempo: "72h" });
    expect(c.appTargets.collector).toBe("collector-tail:9001");
    expect(c.grafanaExternalUrl).toBe("http://localhost:13300");
  });
  it("staging takes the offset ports compose uses and protects nothing", () => {
    const c = parseStackConfig("staging", { ...VALID, environment: "staging" });
    expect([c.hostPorts.prometheus, c.hostPorts.alertmanager, c.hostPorts.grafana, c.hostPorts.tempo]).toEqual([9091, 9094, 3301, 3201]);
    expect(c.protectData).toBe(false);
  });
  it("prod protects data by default and accepts secrets set as secrets", () => {
    expect(parseStackConfig("prod", PROD, PROD_SECRETS).protectData).toBe(true);
  });
  it("the Telegram console is on by default, open to the chats' administrators, offering 1h, 4h and 24h silences; no escalation", () => {
    const c = parseStackConfig("dev", VALID);
    expect(c.telegram.console).toEqual({ enabled: true, allow: "admins", allowedUserIds: [], silenceDurations: ["1h", "4h", "24h"] });
    expect(c.telegram.escalation).toEqual({});
    expect(c.telegram.threadIdsBySeverity).toEqual({});
    const set = parseStackConfig("dev", {
      ...VALID,
      telegram: { console: { enabled: false, allowedUserIds: [11, 22], silenceDurations: ["30m", "2h"] } },
    });
    // A list without `allow` keeps what it meant before `allow` existed: only those users.
    expect(set.telegram.console).toEqual({ enabled: false, allow: "list", allowedUserIds: [11, 22], silenceDurations: ["30m", "2h"] });
  });
  it("graphs with firing messages are on unless the stack says `telegram.graphs: false`", () => {
    expect(parseStackConfig("dev", VALID).telegram.graphs).toBe(true);
    expect(parseStackConfig("dev", { ...VALID, telegram: { graphs: false } }).telegram.graphs).toBe(false);
  });
  it("every image pinned by default has an exact tag", () => {
    for (const image of Object.values(DEFAULT_IMAGES)) expect(image).toMatch(/:[^:]*\d[^:]*$/);
  });
});

// [what is wrong, raw config, the message must contain]
const INVALID: [string, Record<string, unknown>, string, ReadonlySet<string>?][] = [
  [
    "missing environment",
    { runbookBaseUrl: "https://x.test", grafanaAdminPassword: "a-long-password-1" },
    "environment: expected one of dev, staging, prod, got nothing",
  ],
  ["unknown environment", { ...VALID, environment: "production" }, 'environment: expected one of dev, staging, prod, got "production"'],
  ["misspelt key", { ...VALID, bindAdress: "0.0.0.0" }, "bindAdress: unknown key"],
  ["bad bind address", { ...VALID, bindAddress: "localhost" }, 'bindAddress: expected an IPv4 address such as 127.0.0.1, got "localhost"'],
  ["bind address out of range", { ...VALID, bindAddress: "300.1.1.1" }, 'bindAddress: expected an IPv4 address, got "300.1.1.1"'],
  ["port out of range", { ...VALID, hostPorts: { grafana: 70000 } }, "hostPorts.grafana: Too big"],
  ["port as text", { ...VALID, hostPorts: { grafana: "3300" } }, 'hostPorts.grafana: expected number, got "3300"'],
  ["two services on one port", { ...VALID, hostPorts: { grafana: 19090 } }, "hostPorts: prometheus and grafana both use port 19090"],
  ["unknown service in images", { ...VALID, images: { prometheos: "prom/prometheus:v3.5.0" } }, "images.prometheos: unknown key"],
  [
    "image without a tag",
    { ...VALID, images: { grafana: "grafana/grafana" } },
    'images.grafana: expected an image with an exact tag or digest (repository:tag), got "grafana/grafana"',
  ],
  ["latest image", { ...VALID, images: { loki: "grafana/loki:latest" } }, "images.loki: `latest` is not a version"],
  [
    "bad retention",
    { ...VALID, retention: { loki: "two weeks" } },
    'retention.loki: expected a duration such as 30s, 15m, 72h or 15d (units y, w, d, h, m, s, ms, each once, largest first), got "two weeks"',
  ],
  [
    "Tempo retention in days, which Go cannot read",
    { ...VALID, retention: { tempo: "3d" } },
    'retention.tempo: expected a Go duration such as 90s, 15m or 72h (units h, m, s, ms; no d, w or y), got "3d"',
  ],
  [
    "Prometheus retention 0s, which means 15 days to Prometheus",
    { ...VALID, retention: { prometheus: "0s" } },
    "retention.prometheus: expected at least 24h",
  ],
  [
    "app target without port",
    { ...VALID, appTargets: { backend: "backend" } },
    'appTargets.backend: expected host:port with a stable DNS name (for example backend:8000), got "backend"',
  ],
  ["relative runbook URL", { ...VALID, runbookBaseUrl: "runbooks/" }, 'runbookBaseUrl: expected an absolute http(s) URL, got "runbooks/"'],
  [
    "public probe not http",
    { ...VALID, publicProbes: { urls: ["ftp://api.test/health"] } },
    'publicProbes.urls.0: expected an absolute http(s) URL, got "ftp://api.test/health"',
  ],
  [
    "bad docker host",
    { ...VALID, dockerHost: "/var/run/docker.sock" },
    'dockerHost: expected unix:///path/docker.sock, ssh://user@host[:port] or tcp://host:port; this one names no scheme (a bare host:port is tcp://host:port), got "/var/run/docker.sock"',
  ],
  ["memory too small", { ...VALID, memoryMb: { loki: 8 } }, "memoryMb.loki: Too small"],
  [
    "override of an alert that does not exist",
    { ...VALID, alertOverrides: { CollectorStaled: { disabled: true } } },
    "alertOverrides.CollectorStaled: no alert of that name",
  ],
  [
    "threshold on an alert without one",
    { ...VALID, alertOverrides: { Watchdog: { threshold: 3 } } },
    "alertOverrides.Watchdog.threshold: Watchdog has no threshold to change, got 3",
  ],
  [
    "bad severity override",
    { ...VALID, alertOverrides: { HostDiskLow: { severity: "page" } } },
    'alertOverrides.HostDiskLow.severity: expected one of critical, warning, info, got "page"',
  ],
  [
    "bad for override",
    { ...VALID, alertOverrides: { HostDiskLow: { for: "soon" } } },
    'alertOverrides.HostDiskLow.for: expected a duration such as 30s, 15m, 72h or 15d (units y, w, d, h, m, s, ms, each once, largest first), got "soon"',
  ],
  [
    "no Grafana password anywhere",
    { environment: "dev", runbookBaseUrl: "https://x.test" },
    "grafanaAdminPassword: there is no default password",
  ],
  [
    "short Grafana password, value hidden",
    { ...VALID, grafanaAdminPassword: "short" },
    "grafanaAdminPassword: expected at least 12 characters, got <secret>",
  ],
  ["prod without the bot token", { ...PROD, telegramBotToken: undefined }, "telegramBotToken: prod needs it", PROD_SECRETS],
  ["prod with a plain-text password", PROD, "grafanaAdminPassword: prod refuses a plain-text value", new Set(["telegramBotToken"])],
  ["prod without a chat", { ...PROD, telegram: {} }, "telegram.chatId: prod needs the chat that receives alerts", PROD_SECRETS],
  [
    "a log agent that is neither Promtail nor Alloy",
    { ...VALID, logAgent: "fluentbit" },
    'logAgent: expected promtail or alloy, got "fluentbit"',
  ],
  ["native histograms as a word", { ...VALID, nativeHistograms: "yes" }, 'nativeHistograms: expected boolean, got "yes"'],
  [
    "an unknown demo scenario",
    { ...VALID, demoWorkload: { scenario: "chaos" } },
    'demoWorkload.scenario: expected one of steady, queue_backlog_no_throughput, llm_failure_spike, parse_error_high, service_down, backend_down, stuck_processing, recovery, got "chaos"',
  ],
  [
    "malformed bot token, value hidden",
    { ...VALID, telegramBotToken: "not-a-token" },
    "telegramBotToken: expected a bot token of the form 123456:ABC..., got <secret>",
  ],
  [
    "severity chat that is not a chat id",
    { ...VALID, telegram: { chatIdsBySeverity: { critical: "oncall" } } },
    'telegram.chatIdsBySeverity.critical: expected a numeric chat id or @channel, got "oncall"',
  ],
  [
    "negative forum topic of a severity chat",
    { ...VALID, telegram: { threadIdsBySeverity: { warning: -3 } } },
    "telegram.threadIdsBySeverity.warning: expected a positive forum topic id, got -3",
  ],
  [
    "console switch that is not a boolean",
    { ...VALID, telegram: { console: { enabled: "yes" } } },
    'telegram.console.enabled: expected boolean, got "yes"',
  ],
  ["graphs switch that is not a boolean", { ...VALID, telegram: { graphs: "off" } }, 'telegram.graphs: expected boolean, got "off"'],
  [
    "allowlisted user as a name",
    { ...VALID, telegram: { console: { allowedUserIds: [123, "@alice"] } } },
    'telegram.console.allowedUserIds.1: expected a numeric Telegram user id, got "@alice"',
  ],
  [
    "negative user id",
    { ...VALID, telegram: { console: { allowedUserIds: [-5] } } },
    "telegram.console.allowedUserIds.0: expected a numeric Telegram user id, got -5",
  ],
  [
    "silence duration in words",
    { ...VALID, telegram: { console: { silenceDurations: ["1h", "a day"] } } },
    'telegram.console.silenceDurations.1: expected a duration such as 30m, 1h, 4h or 2d (units w, d, h, m, s), got "a day"',
  ],
  [
    "silence duration too long",
    { ...VALID, telegram: { console: { silenceDurations: ["365d"] } } },
    'telegram.console.silenceDurations.0: expected at most 90d (a longer one is forgotten, not silenced), got "365d"',
  ],
  [
    "no silence durations",
    { ...VALID, telegram: { console: { silenceDurations: [] } } },
    "telegram.console.silenceDurations: expected at least one duration, got []",
  ],
  ["misspelt console key", { ...VALID, telegram: { console: { allowedUsers: [1] } } }, "telegram.console.allowedUsers: unknown key"],
];

describe("invalid configuration is rejected with the key, the bad value and the expected form", () => {
  // Every row gets four cells: with three, Jest would take the fourth parameter for a `done` callback.
  it.each(
    INVALID.map(([what, raw, message, secrets]) => [what, raw, message, secrets ?? (new Set<string>() as ReadonlySet<string>)] as const),
  )("%s", (_what, raw, message, secrets) => {
    expect(problems(raw, secrets)).toContain(message);
  });

  it("reports every problem at once", () => {
    const msg = problems({ ...VALID, bindAddress: "x", retention: { loki: "y" } });
    expect(msg).toContain("bindAddress");
    expect(msg).toContain("retention.loki");
  });

  it("never echoes a secret value", () => {
    expect(problems({ ...VALID, grafanaAdminPassword: "tiny-secret" })).not.toContain("tiny-secret");
  });
});

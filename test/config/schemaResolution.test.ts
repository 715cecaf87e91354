import { ConfigError, parseStackConfig, rawConfigFromPulumi, StackConfig } from "../../config/schema";
import { DEFAULT_IMAGES, DEFAULT_MEMORY_MB } from "../../config/defaults";
import { ALERT_NAMES } from "../../rules/catalog";
import { PROD, PROD_SECRETS, problemList, VALID } from "./rawFixtures";

/**
 * What parseStackConfig makes of a whole configuration: every default and every value carried
 * through (the complete object, so a dropped or swapped key fails), the exact wording of its
 * refusals, and the rules that tie one key to another, each from the side that is accepted and
 * the side that is refused.
 */

describe("the resolved configuration", () => {
  it("a minimal dev stack gets every default", () => {
    const expected: StackConfig = {
      stack: "dev",
      environment: "dev",
      dockerHost: undefined,
      bindAddress: "127.0.0.1",
      hostPorts: { prometheus: 19090, alertmanager: 19093, grafana: 13300, loki: 13100, tempo: 13200, otlpGrpc: 14317, otlpHttp: 14318 },
      services: {
        prometheus: true,
        alertmanager: true,
        telegramBridge: true,
        grafana: true,
        loki: true,
        promtail: false,
        alloy: true,
        tempo: true,
        otelCollector: true,
        cadvisor: true,
        nodeExporter: true,
        blackboxExporter: true,
      },
      registryAuth: undefined,
      images: DEFAULT_IMAGES,
      memoryMb: DEFAULT_MEMORY_MB,
      retention: { prometheus: "15d", loki: "336h", tempo: "72h" },
      appTargets: { collector: "collector-tail:9001", worker: "aggregator-worker:9002", backend: "backend:8000" },
      appComposeProject: "tutordex-dev",
      appNetworks: [],
      publicProbes: undefined,
      telegram: {
        chatId: undefined,
        chatIdsBySeverity: {},
        messageThreadId: undefined,
        threadIdsBySeverity: {},
        prefix: "[TutorDex]",
        apiBaseUrl: "https://api.telegram.org",
        console: { enabled: true, allow: "admins", allowedUserIds: [], silenceDurations: ["1h", "4h", "24h"] },
        escalation: {},
        graphs: true,
      },
      telegramBotToken: undefined,
      grafanaAdminUser: "admin",
      grafanaAdminPassword: "a-long-password-1",
      grafanaExternalUrl: "http://localhost:13300",
      grafanaApiUrl: "http://127.0.0.1:13300",
      alertmanagerExternalUrl: "http://localhost:19093",
      nodeExporterTextfileDir: "/var/lib/node_exporter/textfile_collector",
      runbookBaseUrl: "https://runbooks.test/rb",
      heartbeatUrl: undefined,
      protectData: false,
      logAgent: "alloy",
      nativeHistograms: false,
      demoWorkload: undefined,
      alertOverrides: {},
      remoteWrite: undefined,
      remoteWriteCredentials: {},
      alertmanagerCluster: undefined,
      objectStorage: undefined,
      objectStorageSecretKey: undefined,
    };
    const c = parseStackConfig("dev", VALID);
    expect(c).toStrictEqual(expected);
  });

  it("every setting given is carried through; trailing slashes of URLs are cut, however many", () => {
    const c = parseStackConfig("qa", {
      environment: "staging",
      dockerHost: "ssh://ops@docker.test",
      bindAddress: "10.1.2.3",
      hostPorts: { grafana: 3999, otlpHttp: 4999 },
      services: { cadvisor: false },
      registryAuth: { address: "ghcr.io", username: "ops" },
      registryPassword: "tok",
      images: { loki: "grafana/loki:3.5.4" },
      memoryMb: { loki: 2048 },
      retention: { tempo: "48h" },
      appTargets: { worker: "worker.internal:9102" },
      appNetworks: ["tutordex_default", "tutordex-jobs"],
      publicProbes: { urls: ["https://api.example.test/health", "https://www.example.test/"] },
      telegram: {
        chatId: -100123,
        chatIdsBySeverity: { critical: "@oncall" },
        messageThreadId: 7,
        threadIdsBySeverity: { critical: 3 },
        prefix: "",
        apiBaseUrl: "http://telegram-fake.test:8081//",
        console: { enabled: false, allowedUserIds: [11], silenceDurations: ["30m"] },
        escalation: { critical: { after: "15m", mention: [42, { id: 43, name: " Bo " }], chatId: -100777 } },
        graphs: false,
      },
      telegramBotToken: "123:abcdefghijklmnopqrstuvwxyz",
      grafanaAdminUser: "root",
      grafanaAdminPassword: '<&"ünïcode"&>',
      grafanaExternalUrl: "https://grafana.example.test/sub//",
      grafanaApiUrl: "http://grafana.internal:3000///",
      alertmanagerExternalUrl: "https://am.example.test/",
      nodeExporterTextfileDir: "/srv/textfile",
      runbookBaseUrl: "https://runbooks.test/rb//",
      heartbeatUrl: "https://hc.test/ping/abc",
      protectData: true,
      logAgent: "alloy",
      nativeHistograms: true,
      alertOverrides: { HostDiskLow: { threshold: 5, for: "10m", severity: "critical" }, CollectorStalled: { disabled: true } },
    });
    expect(c).toStrictEqual({
      ...parseStackConfig("qa", { ...VALID, environment: "staging" }),
      grafanaAdminPassword: '<&"ünïcode"&>',
      dockerHost: "ssh://ops@docker.test",
      bindAddress: "10.1.2.3",
      hostPorts: { prometheus: 9091, alertmanager: 9094, grafana: 3999, loki: 3101, tempo: 3201, otlpGrpc: 4327, otlpHttp: 4999 },
      services: { ...parseStackConfig("qa", VALID).services, cadvisor: false, promtail: false, alloy: true },
      registryAuth: { address: "ghcr.io", username: "ops", password: "tok" },
      images: { ...DEFAULT_IMAGES, loki: "grafana/loki:3.5.4" },
      memoryMb: { ...DEFAULT_MEMORY_MB, loki: 2048 },
      retention: { prometheus: "15d", loki: "336h", tempo: "48h" },
      appTargets: { collector: "collector-tail:9001", worker: "worker.internal:9102", backend: "backend:8000" },
      appNetworks: ["tutordex_default", "tutordex-jobs"],
      // The probe host defaults to the first URL's.
      publicProbes: { host: "api.example.test", urls: ["https://api.example.test/health", "https://www.example.test/"] },
      telegram: {
        chatId: "-100123",
        chatIdsBySeverity: { critical: "@oncall" },
        messageThreadId: 7,
        threadIdsBySeverity: { critical: 3 },
        prefix: "",
        apiBaseUrl: "http://telegram-fake.test:8081",
        console: { enabled: false, allow: "list", allowedUserIds: [11], silenceDurations: ["30m"] },
        // every defaults to after, times to 3; a chat id stored as a number is read as the id it is.
        escalation: {
          critical: { after: "15m", every: "15m", times: 3, mention: [{ id: 42 }, { id: 43, name: "Bo" }], chatId: "-100777" },
        },
        graphs: false,
      },
      telegramBotToken: "123:abcdefghijklmnopqrstuvwxyz",
      grafanaAdminUser: "root",
      grafanaExternalUrl: "https://grafana.example.test/sub",
      grafanaApiUrl: "http://grafana.internal:3000",
      alertmanagerExternalUrl: "https://am.example.test",
      nodeExporterTextfileDir: "/srv/textfile",
      runbookBaseUrl: "https://runbooks.test/rb",
      heartbeatUrl: "https://hc.test/ping/abc",
      protectData: true,
      logAgent: "alloy",
      nativeHistograms: true,
      alertOverrides: { HostDiskLow: { threshold: 5, for: "10m", severity: "critical" }, CollectorStalled: { disabled: true } },
    });
  });

  it("a probe host given is kept; a demo workload takes steady unless a scenario is chosen", () => {
    expect(parseStackConfig("d", { ...VALID, demoWorkload: {} }).demoWorkload).toEqual({ scenario: "steady" });
    const c = parseStackConfig("d", {
      ...VALID,
      publicProbes: { host: "edge.example.test", urls: ["https://api.example.test/health"] },
      demoWorkload: { scenario: "backend_down" },
    });
    expect(c.publicProbes).toEqual({ host: "edge.example.test", urls: ["https://api.example.test/health"] });
    expect(c.demoWorkload).toEqual({ scenario: "backend_down" });
  });

  it("Grafana's API follows a non-loopback bind address only when it is not 0.0.0.0", () => {
    expect(parseStackConfig("d", { ...VALID, bindAddress: "0.0.0.0" }).grafanaApiUrl).toBe("http://127.0.0.1:13300");
    expect(parseStackConfig("d", { ...VALID, bindAddress: "100.0.0.0" }).grafanaApiUrl).toBe("http://100.0.0.0:13300");
  });

  it("prod protects data unless told not to; dev only when told to", () => {
    expect(parseStackConfig("prod", { ...PROD, protectData: false }, PROD_SECRETS).protectData).toBe(false);
    expect(parseStackConfig("prod", PROD, PROD_SECRETS).protectData).toBe(true);
    expect(parseStackConfig("staging", { ...VALID, environment: "staging" }).protectData).toBe(false);
  });

  it("remote_write's local retention replaces retention.prometheus only when set", () => {
    const store = { name: "mimir", url: "https://mimir.test/api/v1/push" };
    expect(parseStackConfig("d", { ...VALID, remoteWrite: { stores: [store] } }).retention).toEqual({
      prometheus: "15d",
      loki: "336h",
      tempo: "72h",
    });
    expect(parseStackConfig("d", { ...VALID, remoteWrite: { localRetention: "36h", stores: [store] } }).retention).toEqual({
      prometheus: "36h",
      loki: "336h",
      tempo: "72h",
    });
  });
});

describe("how a refusal is worded", () => {
  it("the error lists each problem on its own line, all at once", () => {
    let error: unknown;
    try {
      parseStackConfig("t", { ...VALID, bindAddress: "x", retention: { loki: "y" } });
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(ConfigError);
    const e = error as ConfigError;
    expect(e.name).toBe("ConfigError");
    expect(e.problems).toEqual([
      'bindAddress: expected an IPv4 address such as 127.0.0.1, got "x"',
      'retention.loki: expected a duration such as 30s, 15m, 72h or 15d (units y, w, d, h, m, s, ms, each once, largest first), got "y"',
    ]);
    expect(e.message).toBe(`invalid stack configuration:\n  - ${e.problems[0]}\n  - ${e.problems[1]}`);
  });

  it.each([
    ["no object at all", null, ["(root): expected object, got null"]],
    ["text instead of an object", "environment: dev", ['(root): expected object, got "environment: dev"']],
    ["nothing", undefined, ["(root): expected object, got nothing"]],
    ["a section that is not an object", { ...VALID, telegram: null }, ["telegram: expected object, got null"]],
    ["a list that is not a list", { ...VALID, appNetworks: "net" }, ['appNetworks: expected array, got "net"']],
    [
      "two unknown keys at the top",
      { ...VALID, bindAdress: "0.0.0.0", colour: 1 },
      ['bindAdress, colour: unknown key (check the spelling; see README "Stack settings")'],
    ],
    [
      "two unknown keys in a section",
      { ...VALID, retention: { promethus: "1d", lokki: "1d" } },
      ['retention.promethus, retention.lokki: unknown key (check the spelling; see README "Stack settings")'],
    ],
    [
      "an unknown key in an alert override",
      { ...VALID, alertOverrides: { HostDiskLow: { thresold: 5 } } },
      ['alertOverrides.HostDiskLow.thresold: unknown key (check the spelling; see README "Stack settings")'],
    ],
    [
      "a value not in an enum, in zod's words replaced",
      { ...VALID, alertOverrides: { HostDiskLow: { severity: "page" } } },
      ['alertOverrides.HostDiskLow.severity: expected one of critical, warning, info, got "page"'],
    ],
    [
      "a value not in an enum with the schema's own words",
      { ...VALID, logAgent: "vector" },
      ['logAgent: expected promtail or alloy, got "vector"'],
    ],
    ["a number where a boolean belongs", { ...VALID, protectData: 1 }, ["protectData: expected boolean, got 1"]],
    [
      "a number field with the schema's own words",
      { ...VALID, telegram: { threadIdsBySeverity: { critical: "3" } } },
      ['telegram.threadIdsBySeverity.critical: expected a positive forum topic id, got "3"'],
    ],
    [
      "a URL's password is hidden",
      { ...VALID, heartbeatUrl: "ftp://user:hunter2@hc.test/ping" },
      ['heartbeatUrl: expected an absolute http(s) URL, got "ftp://user:<secret>@hc.test/ping"'],
    ],
    [
      "a secret's value is hidden whatever is wrong with it",
      { ...VALID, telegramBotToken: 12345 },
      ["telegramBotToken: expected string, got <secret>"],
    ],
    [
      "a secret map's value is hidden",
      { ...VALID, remoteWriteCredentials: { mimir: 7 } },
      ["remoteWriteCredentials.mimir: expected string, got <secret>"],
    ],
    ["the S3 secret's value is hidden", { ...VALID, objectStorageSecretKey: 7 }, ["objectStorageSecretKey: expected string, got <secret>"]],
  ] as const)("%s", (_what, raw, problems) => {
    expect(problemList(raw)).toEqual(problems);
  });
});

type Row = readonly [
  what: string,
  raw: Record<string, unknown>,
  problems: readonly string[],
  secrets?: ReadonlySet<string>,
  requireSecrets?: boolean,
  plainTextSecrets?: ReadonlySet<string>,
];
const NO_PASSWORD = { environment: "dev", runbookBaseUrl: "https://runbooks.test/rb" };
const { grafanaAdminPassword: _password, grafanaExternalUrl: _grafanaUrl, ...PROD_NO_GRAFANA } = PROD;
const needsSecret = (key: string) => `${key}: prod needs it; set it with \`pulumi config set --secret ${key} ...\``;
const plainText = (key: string) => `${key}: prod refuses a plain-text value; set it with \`pulumi config set --secret ${key} ...\``;

const RULES: Row[] = [
  // Log agents.
  [
    "Promtail switched on beside the default Alloy",
    { ...VALID, services: { promtail: true } },
    ["services.promtail: only the agent logAgent names runs (alloy), got true"],
  ],
  ["Promtail switched off explicitly beside the default Alloy", { ...VALID, services: { promtail: false, alloy: true } }, []],
  [
    "Promtail chosen and switched off",
    { ...VALID, logAgent: "promtail", services: { promtail: false } },
    ['logAgent: names promtail, which services.promtail switches off; remove logAgent or switch promtail on, got "promtail"'],
  ],
  [
    "Promtail chosen without Loki",
    { ...VALID, logAgent: "promtail", services: { loki: false } },
    [
      'logAgent: promtail ships logs to Loki, which is switched off (services.loki: false); switch loki on or remove logAgent, got "promtail"',
    ],
  ],
  ["no agent chosen, Alloy and Loki both off", { ...VALID, services: { loki: false, alloy: false } }, []],
  // The alerting path.
  [
    "Prometheus off",
    { ...VALID, services: { prometheus: false } },
    ["services.prometheus: cannot be switched off, it is part of the alerting path, got false"],
  ],
  [
    "the bridge off",
    { ...VALID, services: { telegramBridge: false } },
    ["services.telegramBridge: cannot be switched off, it is part of the alerting path, got false"],
  ],
  ["Tempo and the collector both off", { ...VALID, services: { tempo: false, otelCollector: false } }, []],
  [
    "public probes with blackbox on",
    { ...VALID, services: { blackboxExporter: true }, publicProbes: { urls: ["https://api.test/health"] } },
    [],
  ],
  ["blackbox off without public probes", { ...VALID, services: { blackboxExporter: false } }, []],

  // Secrets: prod needs them as secrets; render and check (requireSecrets off) need none.
  ["prod with every secret set as a secret", PROD, [], PROD_SECRETS],
  [
    "prod without the bot token and without the Grafana password",
    { ...PROD, telegramBotToken: undefined, grafanaAdminPassword: undefined },
    [needsSecret("telegramBotToken"), needsSecret("grafanaAdminPassword")],
    PROD_SECRETS,
  ],
  ["prod with every secret in plain text", PROD, [plainText("telegramBotToken"), plainText("grafanaAdminPassword")], new Set()],
  [
    "prod without Grafana needs no Grafana password or URL",
    { ...PROD_NO_GRAFANA, services: { grafana: false } },
    [],
    new Set(["telegramBotToken"]),
  ],
  [
    "prod without Grafana still refuses a plain-text Grafana password",
    { ...PROD_NO_GRAFANA, grafanaAdminPassword: "a-long-password-1", services: { grafana: false } },
    [plainText("grafanaAdminPassword")],
    new Set(["telegramBotToken"]),
  ],
  [
    "prod for render: no secrets needed, plain text not refused",
    { ...PROD, telegramBotToken: undefined, grafanaAdminPassword: undefined, registryAuth: { username: "ops" } },
    [],
    new Set(),
    false,
  ],
  [
    "prod for render: a secret written in plain text in the stack file",
    { ...PROD, grafanaAdminPassword: undefined, registryAuth: { username: "ops" }, registryPassword: "tok" },
    [plainText("telegramBotToken"), plainText("registryPassword")],
    new Set(),
    false,
    new Set(["telegramBotToken", "registryPassword"]),
  ],
  [
    "dev for render: plain text in the stack file is pulumi up's business outside prod",
    { ...VALID, telegramBotToken: "123:abcdefghijklmnopqrstuvwxyz" },
    [],
    new Set(),
    false,
    new Set(["telegramBotToken", "grafanaAdminPassword"]),
  ],
  [
    "prod for render still needs the chat",
    { ...PROD, telegram: {} },
    ["telegram.chatId: prod needs the chat that receives alerts, got nothing"],
    new Set(),
    false,
  ],
  ["prod with a numeric chat", { ...PROD, telegram: { chatId: -100123 } }, [], PROD_SECRETS],
  [
    "staging without a Grafana password",
    { ...NO_PASSWORD, environment: "staging" },
    ["grafanaAdminPassword: there is no default password; set one with `pulumi config set --secret grafanaAdminPassword ...`"],
  ],
  ["dev for render without a Grafana password", NO_PASSWORD, [], new Set(), false],
  ["dev without Grafana without a Grafana password", { ...NO_PASSWORD, services: { grafana: false } }, []],
  ["a registry user without a password, for render", { ...VALID, registryAuth: { username: "ops" } }, [], new Set(), false],

  // Links prod messages carry.
  [
    "prod linking at [::1]",
    { ...PROD, alertmanagerExternalUrl: "http://[::1]:9093" },
    ['alertmanagerExternalUrl: prod messages link to it and "http://[::1]:9093" only works on the host itself; set the URL operators open'],
    PROD_SECRETS,
  ],
  [
    "prod linking anywhere in 127/8",
    { ...PROD, grafanaExternalUrl: "http://127.10.0.1:3300" },
    ['grafanaExternalUrl: prod messages link to it and "http://127.10.0.1:3300" only works on the host itself; set the URL operators open'],
    PROD_SECRETS,
  ],
  [
    "prod linking a host that merely starts with localhost",
    { ...PROD, grafanaExternalUrl: "https://localhost.example.test" },
    [],
    PROD_SECRETS,
  ],
  ["prod linking an address with 127 inside it", { ...PROD, alertmanagerExternalUrl: "http://10.127.0.1:9093" }, [], PROD_SECRETS],
  [
    "prod without a Grafana URL",
    { ...PROD, grafanaExternalUrl: undefined },
    ["grafanaExternalUrl: prod messages link to it, so it must be the URL operators open (behind your VPN or proxy), got nothing"],
    PROD_SECRETS,
  ],
  [
    "staging linking at localhost",
    { ...VALID, environment: "staging", grafanaExternalUrl: "http://localhost:3301", alertmanagerExternalUrl: "http://127.0.0.1:9094" },
    [],
  ],

  // Alert overrides.
  ["a threshold for an alert that has one", { ...VALID, alertOverrides: { HostDiskLow: { threshold: 5 } } }, []],
  [
    "an unknown alert, naming every known one",
    { ...VALID, alertOverrides: { HostDiskLw: { disabled: true } } },
    [`alertOverrides.HostDiskLw: no alert of that name (known: ${ALERT_NAMES.join(", ")})`],
  ],

  // Host ports on one number.
  [
    "three services on one port",
    { ...VALID, hostPorts: { grafana: 19090, otlpHttp: 19090 } },
    ["hostPorts: prometheus and grafana and otlpHttp both use port 19090"],
  ],
  [
    "two pairs on two ports",
    { ...VALID, hostPorts: { alertmanager: 19090, tempo: 13100 } },
    ["hostPorts: prometheus and alertmanager both use port 19090", "hostPorts: loki and tempo both use port 13100"],
  ],
];

describe("rules between keys, from the side accepted and the side refused", () => {
  it.each(
    RULES.map(
      ([what, raw, problems, secrets, requireSecrets, plainTextSecrets]) =>
        [what, raw, problems, secrets ?? new Set<string>(), requireSecrets ?? true, plainTextSecrets] as const,
    ),
  )("%s", (_what, raw, problems, secrets, requireSecrets, plainTextSecrets) => {
    expect(problemList(raw, secrets, { requireSecrets, plainTextSecrets })).toEqual(problems);
  });

  it("a registry user without a password, for render, deploys without registry credentials", () => {
    expect(
      parseStackConfig("d", { ...VALID, registryAuth: { username: "ops" } }, new Set(), { requireSecrets: false }).registryAuth,
    ).toBeUndefined();
  });
});

describe("Pulumi's flat config map into the raw object", () => {
  it("decodes each value as the schema types its key: JSON objects and arrays, booleans, other text as written", () => {
    const raw = rawConfigFromPulumi("tutordex-observability", {
      "tutordex-observability:environment": "dev",
      "tutordex-observability:hostPorts": ' {"grafana": 3999} ',
      "tutordex-observability:appNetworks": '["a","b"]',
      "tutordex-observability:protectData": "true",
      "tutordex-observability:nativeHistograms": " false ",
      "tutordex-observability:grafanaAdminUser": "True",
      // A string setting that happens to look like JSON or a boolean stays the string it is.
      "tutordex-observability:grafanaAdminPassword": '["a-long-password"]',
      "tutordex-observability:runbookBaseUrl": " {not json",
      "tutordex-observability:heartbeatUrl": "true",
      "tutordex-observability:telegram": "{broken",
      "tutordex-observability:prefix": "[broken",
      "tutordex-observability:memory": "3300",
      "tutordex-observability:flag": "false",
      "tutordex-observability:list": "[1]",
      "tutordex-observability:empty": "",
    });
    expect(raw).toStrictEqual({
      environment: "dev",
      hostPorts: { grafana: 3999 },
      appNetworks: ["a", "b"],
      protectData: true,
      nativeHistograms: false,
      grafanaAdminUser: "True",
      grafanaAdminPassword: '["a-long-password"]',
      runbookBaseUrl: " {not json",
      heartbeatUrl: "true",
      telegram: "{broken",
      // Unknown keys are decoded by the look of their text, for the message that names them.
      prefix: "[broken",
      memory: "3300",
      flag: false,
      list: [1],
      empty: "",
    });
  });

  it("keeps keys of other namespaces under their full name, for the schema to refuse; Pulumi's own are left to Pulumi", () => {
    const raw = rawConfigFromPulumi("tutordex-observability", {
      "tutordex-observability:environment": "dev",
      "tutordex-observabilty:environment": "prod",
      "docker:host": "ssh://ops@box.test",
      "aws:tags": '{"team":"ops"}',
      "pulumi:disable-default-providers": '["*"]',
    });
    expect(raw).toStrictEqual({
      environment: "dev",
      "tutordex-observabilty:environment": "prod",
      "docker:host": "ssh://ops@box.test",
      "aws:tags": { team: "ops" },
    });
  });
});

import { BridgeConfig, isConfigured, loadConfig } from "../../bridge/src/config";

/**
 * The bridge's environment, parsed in process: every default as the bridge starts with an empty
 * environment, every variable's accepted and refused values from both sides of its bounds, and
 * the start-up error naming the variable and the value it got.
 */

/** The shortest token the bridge and the stack take: a bot id, a colon and 20 characters. */
const TOKEN = "1:abcdefghijklmnopqrst";

const error = (env: Record<string, string | undefined>): string => {
  try {
    loadConfig(env);
  } catch (e) {
    return (e as Error).message;
  }
  throw new Error(`accepted ${JSON.stringify(env)}`);
};

describe("defaults of an empty environment", () => {
  it("every setting has its documented default", () => {
    const c = loadConfig({});
    const expected: BridgeConfig = {
      token: undefined,
      defaultChat: undefined,
      severityChats: new Map(),
      apiBase: "https://api.telegram.org",
      prefix: "[TutorDex]",
      environment: "dev",
      heartbeatUrl: undefined,
      port: 8080,
      host: "0.0.0.0",
      pace: { chatIntervalMs: 1000, groupPerMinute: 20, botPerSecond: 30 },
      coalesceMs: 1000,
      requestBudgetMs: 60_000,
      dedupeWindowMs: 1_200_000,
      dedupeWindowsByReceiver: new Map(),
      maxBodyBytes: 16 * 1024 * 1024,
      requestBodyTimeoutMs: 20_000,
      keepAliveTimeoutMs: 310_000,
      stateFile: undefined,
      stateMaxCards: 500,
      cardRetentionMs: 168 * 3_600_000,
      console: {
        enabled: true,
        allow: "admins",
        allowedUserIds: new Set(),
        silenceDurations: ["1h", "4h", "24h"],
        alertmanagerUrl: undefined,
        prometheusUrl: undefined,
        pollTimeoutSeconds: 25,
        syncIntervalMs: 30_000,
      },
      escalation: new Map(),
      graphs: true,
    };
    expect(c).toEqual(expected);
    expect(isConfigured(c)).toBe(false);
  });

  it("blank values (spaces, as compose leaves an unset ${VAR}) mean the default", () => {
    const blank = "  ";
    const c = loadConfig({
      TELEGRAM_BOT_TOKEN: blank,
      TELEGRAM_CHAT_ID: blank,
      TELEGRAM_MESSAGE_THREAD_ID: blank,
      TELEGRAM_API_BASE: blank,
      BRIDGE_ENVIRONMENT: blank,
      HEARTBEAT_URL: blank,
      PORT: blank,
      HOST: blank,
      MIN_SEND_INTERVAL_MS: blank,
      DEDUPE_WINDOWS: blank,
      STATE_FILE: blank,
      CONSOLE_ENABLED: blank,
      CONSOLE_ALLOWED_USER_IDS: blank,
      CONSOLE_SILENCE_DURATIONS: blank,
      ALERTMANAGER_URL: blank,
      GRAPHS_ENABLED: blank,
    });
    expect(c).toEqual(loadConfig({}));
  });

  it("BRIDGE_PREFIX is taken as written, even empty (a deployment may want no prefix)", () => {
    expect(loadConfig({ BRIDGE_PREFIX: "" }).prefix).toBe("");
    expect(loadConfig({ BRIDGE_PREFIX: " <b>&" }).prefix).toBe(" <b>&");
  });
});

describe("a full environment", () => {
  const env = {
    TELEGRAM_BOT_TOKEN: " 123456:ABCdef_-ghijklmnopqrst ",
    TELEGRAM_CHAT_ID: " -1001 ",
    TELEGRAM_MESSAGE_THREAD_ID: "7",
    TELEGRAM_CHAT_ID_CRITICAL: "-2002",
    TELEGRAM_MESSAGE_THREAD_ID_CRITICAL: "11",
    TELEGRAM_CHAT_ID_WARNING: "-1001",
    TELEGRAM_CHAT_ID_INFO: "@tutordex_info",
    TELEGRAM_API_BASE: " http://proxy.test:8081/tg/// ",
    BRIDGE_PREFIX: "[TD]",
    BRIDGE_ENVIRONMENT: "prod",
    HEARTBEAT_URL: " https://hc.test/ping/abc ",
    PORT: "9087",
    HOST: "127.0.0.1",
    MIN_SEND_INTERVAL_MS: "0",
    GROUP_MESSAGES_PER_MINUTE: "19",
    BOT_MESSAGES_PER_SECOND: "29",
    COALESCE_MS: "0",
    REQUEST_BUDGET_MS: "45000",
    DEDUPE_WINDOW_SECONDS: "600",
    DEDUPE_WINDOWS: " telegram-critical=240, telegram.info-x=3600 ",
    MAX_BODY_BYTES: "2048",
    REQUEST_BODY_TIMEOUT_MS: "1500",
    KEEP_ALIVE_TIMEOUT_MS: "320000",
    STATE_FILE: " /data/state.json ",
    STATE_MAX_CARDS: "42",
    STATE_CARD_RETENTION_HOURS: "2",
    CONSOLE_ENABLED: "false",
    CONSOLE_ALLOWED_USER_IDS: " 12345, 67890 ,5 ",
    CONSOLE_SILENCE_DURATIONS: " 30m , 2h,1d ",
    ALERTMANAGER_URL: "http://alertmanager:9093/",
    PROMETHEUS_URL: "https://prometheus.test",
    POLL_TIMEOUT_SECONDS: "50",
    ALERTMANAGER_SYNC_SECONDS: " 15 ",
    TELEGRAM_ESCALATION: JSON.stringify({
      critical: { after: "10m", every: "5m", times: 2, mention: [{ id: 11, name: "Alice" }, 12], chatId: "-1009", threadId: 3 },
      warning: { after: "1h", mention: [13] },
    }),
    GRAPHS_ENABLED: "off",
  };

  it("is parsed value by value: trimmed, converted to ms, trailing slashes dropped", () => {
    const c = loadConfig(env);
    expect(c).toEqual({
      token: "123456:ABCdef_-ghijklmnopqrst",
      defaultChat: { chatId: "-1001", threadId: 7 },
      severityChats: new Map([
        ["critical", { chatId: "-2002", threadId: 11 }],
        // Routed to the default chat without a topic of its own: the default chat's topic.
        ["warning", { chatId: "-1001", threadId: 7 }],
        // Another chat without a topic: none (the default chat's topic does not exist there).
        ["info", { chatId: "@tutordex_info", threadId: undefined }],
      ]),
      apiBase: "http://proxy.test:8081/tg",
      prefix: "[TD]",
      environment: "prod",
      heartbeatUrl: "https://hc.test/ping/abc",
      port: 9087,
      host: "127.0.0.1",
      pace: { chatIntervalMs: 0, groupPerMinute: 19, botPerSecond: 29 },
      coalesceMs: 0,
      requestBudgetMs: 45_000,
      dedupeWindowMs: 600_000,
      dedupeWindowsByReceiver: new Map([
        ["telegram-critical", 240_000],
        ["telegram.info-x", 3_600_000],
      ]),
      maxBodyBytes: 2048,
      requestBodyTimeoutMs: 1500,
      keepAliveTimeoutMs: 320_000,
      stateFile: "/data/state.json",
      stateMaxCards: 42,
      cardRetentionMs: 7_200_000,
      console: {
        enabled: false,
        allow: "list",
        allowedUserIds: new Set([12345, 67890, 5]),
        silenceDurations: ["30m", "2h", "1d"],
        alertmanagerUrl: "http://alertmanager:9093",
        prometheusUrl: "https://prometheus.test",
        pollTimeoutSeconds: 50,
        syncIntervalMs: 15_000,
      },
      escalation: new Map([
        [
          "critical",
          {
            afterMs: 600_000,
            everyMs: 300_000,
            times: 2,
            mention: [{ id: 11, name: "Alice" }, { id: 12 }],
            chat: { chatId: "-1009", threadId: 3 },
            threadId: undefined,
          },
        ],
        ["warning", { afterMs: 3_600_000, everyMs: 3_600_000, times: 3, mention: [{ id: 13 }], chat: undefined, threadId: undefined }],
      ]),
      graphs: false,
    });
    expect(isConfigured(c)).toBe(true);
  });

  it("a severity routed to the default chat may name its own topic", () => {
    const c = loadConfig({
      TELEGRAM_CHAT_ID: "-1",
      TELEGRAM_MESSAGE_THREAD_ID: "5",
      TELEGRAM_CHAT_ID_INFO: "-1",
      TELEGRAM_MESSAGE_THREAD_ID_INFO: "8",
      TELEGRAM_MESSAGE_THREAD_ID_WARNING: "9",
    });
    // A topic without a chat routes nothing.
    expect([...c.severityChats]).toEqual([["info", { chatId: "-1", threadId: 8 }]]);
  });

  it("is configured only with both a token and a default chat", () => {
    expect(isConfigured(loadConfig({ TELEGRAM_BOT_TOKEN: TOKEN }))).toBe(false);
    expect(isConfigured(loadConfig({ TELEGRAM_CHAT_ID: "-1" }))).toBe(false);
    expect(isConfigured(loadConfig({ TELEGRAM_CHAT_ID: "-1", TELEGRAM_BOT_TOKEN: TOKEN }))).toBe(true);
  });
});

describe("each variable from both sides of what it accepts", () => {
  it.each([
    ["true", true],
    ["1", true],
    ["yes", true],
    ["on", true],
    ["false", false],
    ["0", false],
    ["no", false],
    ["off", false],
  ])("CONSOLE_ENABLED and GRAPHS_ENABLED set to %s are %s", (v, on) => {
    expect(loadConfig({ CONSOLE_ENABLED: v }).console.enabled).toBe(on);
    expect(loadConfig({ GRAPHS_ENABLED: v }).graphs).toBe(on);
  });

  it("GRAPHS_ENABLED other than a boolean stops the bridge, naming it", () => {
    expect(error({ GRAPHS_ENABLED: "sometimes" })).toBe(
      'invalid bridge configuration: GRAPHS_ENABLED: expected true or false, got "sometimes"',
    );
  });

  it("TELEGRAM_ESCALATION's problems name their place in the JSON and the value there, nothing when the key is missing", () => {
    const escalation = (critical: object) => error({ TELEGRAM_ESCALATION: JSON.stringify({ critical }) });
    const expected = "expected a duration such as 30m, 1h, 4h or 2d (units w, d, h, m, s)";
    expect(escalation({ mention: [11] })).toBe(
      `invalid bridge configuration: TELEGRAM_ESCALATION.critical.after: ${expected}, got nothing`,
    );
    expect(escalation({ after: "soon", mention: [11] })).toBe(
      `invalid bridge configuration: TELEGRAM_ESCALATION.critical.after: ${expected}, got "soon"`,
    );
  });

  it("chat ids: numbers, negative numbers and @channels of 4+ characters", () => {
    for (const id of ["5551234", "-1001234", "@abcd", "@tutordex_alerts"])
      expect(loadConfig({ TELEGRAM_CHAT_ID: id }).defaultChat?.chatId).toBe(id);
    for (const id of ["@abc", "12a", "--1", "a-1", "@ab cd", "x@abcd", "@abcd!"])
      expect(error({ TELEGRAM_CHAT_ID: id })).toBe(
        `invalid bridge configuration: TELEGRAM_CHAT_ID: expected a numeric chat id or @channel, got ${JSON.stringify(id)}`,
      );
  });

  // The stack's rule (config/sharedValidators.ts isBotToken): a token the stack takes starts the bridge, and one it refuses does not.
  it("bot token: digits, a colon and at least 20 more characters", () => {
    expect(loadConfig({ TELEGRAM_BOT_TOKEN: TOKEN }).token).toBe(TOKEN);
    for (const t of [TOKEN.slice(0, -1), `x${TOKEN}`, `${TOKEN}!`, TOKEN.slice(1), "1:abcdefgh"])
      expect(error({ TELEGRAM_BOT_TOKEN: t })).toBe(
        "invalid bridge configuration: TELEGRAM_BOT_TOKEN: expected a bot token of the form 123456:ABC..., got <secret>",
      );
  });

  it.each(["0", "1.5", "x", "-3"])("thread id %j is refused", (v) => {
    expect(error({ TELEGRAM_MESSAGE_THREAD_ID: v })).toBe(
      `invalid bridge configuration: TELEGRAM_MESSAGE_THREAD_ID: expected a positive whole number, got ${JSON.stringify(v)}`,
    );
  });

  it("PORT from 0 to 65535", () => {
    expect([loadConfig({ PORT: "0" }).port, loadConfig({ PORT: "65535" }).port]).toEqual([0, 65535]);
    expect(error({ PORT: "65536" })).toBe('invalid bridge configuration: PORT: expected a port 0-65535, got "65536"');
    expect(error({ PORT: "-1" })).toBe('invalid bridge configuration: PORT: expected a port 0-65535, got "-1"');
    expect(error({ PORT: "80.5" })).toBe('invalid bridge configuration: PORT: expected a port number, got "80.5"');
  });

  it("counts: whole numbers from their least value up", () => {
    expect(loadConfig({ GROUP_MESSAGES_PER_MINUTE: "1" }).pace.groupPerMinute).toBe(1);
    expect(error({ GROUP_MESSAGES_PER_MINUTE: "0" })).toBe(
      'invalid bridge configuration: GROUP_MESSAGES_PER_MINUTE: expected at least 1, got "0"',
    );
    expect(error({ MIN_SEND_INTERVAL_MS: "-1" })).toBe('invalid bridge configuration: MIN_SEND_INTERVAL_MS: expected at least 0, got "-1"');
    expect(error({ REQUEST_BUDGET_MS: "1.5" })).toBe('invalid bridge configuration: REQUEST_BUDGET_MS: expected a whole number, got "1.5"');
    expect(error({ STATE_MAX_CARDS: "many" })).toBe('invalid bridge configuration: STATE_MAX_CARDS: expected a whole number, got "many"');
  });

  it("service URLs: absolute http(s) only, never with credentials", () => {
    expect(loadConfig({ PROMETHEUS_URL: "https://p.test//" }).console.prometheusUrl).toBe("https://p.test");
    expect(error({ ALERTMANAGER_URL: "ftp://am.test" })).toBe(
      'invalid bridge configuration: ALERTMANAGER_URL: expected an absolute http(s) URL, got "ftp://am.test"',
    );
    expect(error({ PROMETHEUS_URL: "not a url" })).toBe(
      'invalid bridge configuration: PROMETHEUS_URL: expected an absolute http(s) URL, got "not a url"',
    );
    // A user name alone, or a password alone, is a credential too; the message shows neither.
    expect(error({ ALERTMANAGER_URL: "http://admin@am.test" })).toBe(
      'invalid bridge configuration: ALERTMANAGER_URL: must not carry user:password (it would be logged), got "http://***@am.test/"',
    );
    expect(error({ ALERTMANAGER_URL: "http://:pw@am.test" })).toBe(
      'invalid bridge configuration: ALERTMANAGER_URL: must not carry user:password (it would be logged), got "http://:***@am.test/"',
    );
  });

  it("PROMETHEUS_AUTH: user:password becomes a Basic header; a malformed one stops the bridge without showing it", () => {
    expect(loadConfig({ PROMETHEUS_AUTH: "bridge:pa:ss" }).console.prometheusAuthorization).toBe(
      `Basic ${Buffer.from("bridge:pa:ss").toString("base64")}`,
    );
    expect(loadConfig({ PROMETHEUS_AUTH: " " }).console.prometheusAuthorization).toBeUndefined();
    for (const v of ["bridge", "bridge:", ":pw", "a b:pw"])
      expect(error({ PROMETHEUS_AUTH: v })).toBe("invalid bridge configuration: PROMETHEUS_AUTH: expected user:password, got <secret>");
  });

  it("HEARTBEAT_URL: http or https", () => {
    expect(loadConfig({ HEARTBEAT_URL: "http://hc.test/x" }).heartbeatUrl).toBe("http://hc.test/x");
    expect(error({ HEARTBEAT_URL: "ftp://hc.test" })).toBe(
      'invalid bridge configuration: HEARTBEAT_URL: expected an absolute http(s) URL, got "ftp://hc.test"',
    );
    expect(error({ HEARTBEAT_URL: "xhttp://hc.test" })).toContain("HEARTBEAT_URL: expected an absolute http(s) URL");
  });

  it("silence durations: 1m to 90d, at most 6", () => {
    expect(loadConfig({ CONSOLE_SILENCE_DURATIONS: "1m,90d" }).console.silenceDurations).toEqual(["1m", "90d"]);
    expect(loadConfig({ CONSOLE_SILENCE_DURATIONS: "1m,2m,3m,4m,5m,6m" }).console.silenceDurations).toHaveLength(6);
    expect(error({ CONSOLE_SILENCE_DURATIONS: "59s" })).toBe(
      'invalid bridge configuration: CONSOLE_SILENCE_DURATIONS: expected durations between 1m and 90d such as 1h,4h,24h (bad: "59s"), got "59s"',
    );
    expect(error({ CONSOLE_SILENCE_DURATIONS: "1h,91d" })).toContain('(bad: "91d")');
    expect(error({ CONSOLE_SILENCE_DURATIONS: "1h,forever" })).toContain('(bad: "forever")');
    expect(error({ CONSOLE_SILENCE_DURATIONS: "1m,2m,3m,4m,5m,6m,7m" })).toBe(
      'invalid bridge configuration: CONSOLE_SILENCE_DURATIONS: expected at most 6 durations, got "1m,2m,3m,4m,5m,6m,7m"',
    );
  });

  it("user ids and receiver windows: comma lists of the right shape", () => {
    expect(error({ CONSOLE_ALLOWED_USER_IDS: "1,,2" })).toContain(
      "CONSOLE_ALLOWED_USER_IDS: expected Telegram user ids separated by commas",
    );
    expect(error({ DEDUPE_WINDOWS: "a=1,b" })).toContain("DEDUPE_WINDOWS: expected receiver=seconds pairs");
    expect(error({ DEDUPE_WINDOWS: "a=1x" })).toContain("DEDUPE_WINDOWS: expected receiver=seconds pairs");
    expect(error({ DEDUPE_WINDOWS: "!a=1" })).toContain("DEDUPE_WINDOWS: expected receiver=seconds pairs");
    // Spaces around the commas are fine, on either side or none.
    expect([...loadConfig({ DEDUPE_WINDOWS: "a=1 ,b=2,c=3" }).dedupeWindowsByReceiver]).toEqual([
      ["a", 1000],
      ["b", 2000],
      ["c", 3000],
    ]);
  });

  it("STATE_FILE must be absolute", () => {
    expect(loadConfig({ STATE_FILE: "/s.json" }).stateFile).toBe("/s.json");
    expect(error({ STATE_FILE: "data/state.json" })).toBe(
      'invalid bridge configuration: STATE_FILE: expected an absolute file path, got "data/state.json"',
    );
  });

  it("CONSOLE_ENABLED: one of the usual spellings", () => {
    expect(error({ CONSOLE_ENABLED: "maybe" })).toBe('invalid bridge configuration: CONSOLE_ENABLED: expected true or false, got "maybe"');
  });

  it("every bad variable is named in one error, in the order of the schema", () => {
    expect(error({ PORT: "x", TELEGRAM_CHAT_ID: "alerts" })).toBe(
      'invalid bridge configuration: TELEGRAM_CHAT_ID: expected a numeric chat id or @channel, got "alerts"; PORT: expected a port number, got "x"',
    );
  });
});

describe("PROMETHEUS_AUTH and ALERTMANAGER_AUTH", () => {
  it("become Basic Authorization headers", () => {
    const c = loadConfig({ PROMETHEUS_AUTH: "u:p@ss", ALERTMANAGER_AUTH: "u:q" });
    expect(c.console.prometheusAuthorization).toBe(`Basic ${Buffer.from("u:p@ss").toString("base64")}`);
    expect(c.console.alertmanagerAuthorization).toBe(`Basic ${Buffer.from("u:q").toString("base64")}`);
  });
  it("a value that is not user:password is refused, and the message never shows it", () => {
    expect(() => loadConfig({ ALERTMANAGER_AUTH: "no-colon-secret-value" })).toThrow(
      /ALERTMANAGER_AUTH: expected user:password, got <secret>/,
    );
  });
});

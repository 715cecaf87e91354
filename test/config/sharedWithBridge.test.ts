import * as fs from "fs";
import * as path from "path";
import { loadConfig } from "../../bridge/src/config";
import { bridgeEnv } from "../../components/telegramBridge";
import { dockerNetworkPeers } from "../../config/services";
import { parseStackConfig, StackConfig } from "../../config/schema";
import { VALID } from "./rawFixtures";

/**
 * One rule per fact: a value the stack schema accepts is one the bridge accepts at start (or
 * `pulumi up` would wait out the bridge's healthcheck and fail), and for the values both read the
 * same way, the bridge refuses what the schema refuses. The rules live in config/sharedValidators.ts
 * and config/durations.ts, which the bridge's bundle imports.
 */

function stack(telegram: Record<string, unknown>, extra: Record<string, unknown> = {}): StackConfig | undefined {
  try {
    return parseStackConfig("t", { ...VALID, telegram, ...extra });
  } catch {
    return undefined;
  }
}

/** The bridge's environment as the program renders it from the stack (components/stack.ts's mapping). */
async function envFrom(c: StackConfig): Promise<Record<string, string>> {
  const out = bridgeEnv({
    environment: c.environment,
    prefix: c.telegram.prefix,
    botToken: undefined,
    chatId: c.telegram.chatId,
    chatIdsBySeverity: c.telegram.chatIdsBySeverity,
    messageThreadId: c.telegram.messageThreadId,
    threadIdsBySeverity: c.telegram.threadIdsBySeverity,
    heartbeatUrl: c.heartbeatUrl,
    apiBaseUrl: c.telegram.apiBaseUrl,
    console: c.telegram.console,
    graphs: c.telegram.graphs,
    peers: dockerNetworkPeers(),
    prometheusPassword: "prometheus-password-0123",
    alertmanagerPassword: "alertmanager-password-0123",
  });
  const list = await (out as unknown as { promise(): Promise<string[]> }).promise();
  return Object.fromEntries(list.map((kv) => [kv.slice(0, kv.indexOf("=")), kv.slice(kv.indexOf("=") + 1)]));
}

const bridgeStarts = (env: Record<string, string>) => {
  try {
    loadConfig(env);
    return true;
  } catch {
    return false;
  }
};

const CHATS = [
  "-1001234567890",
  "42",
  "-1",
  "0",
  "-0",
  "007",
  "--1",
  "1e5",
  "12a",
  "@abcd",
  "@abc",
  "@tutordex_alerts",
  "@1abcd",
  "@_abcd",
  "@ab-cd",
  "@abcd!",
  "@a" + "b".repeat(31),
  "@a" + "b".repeat(32),
  "",
  "@",
  "9".repeat(16),
  "9".repeat(17),
];
const TOPICS = [1, 7, 2 ** 31 - 1, 2 ** 31, 0, -3, 1.5];
const USERS = [1, 123456789, 2 ** 52, 0, -5, 1.5];
const PREFIXES = ["", "[TutorDex]", "<b>&</b> 🚨", "p".repeat(64), "p".repeat(65), "a\nb", "a\tb", "\u001b[31m", "a\u007fb", "a\u0085b"];
const SILENCES = ["1m", "60s", "59s", "90d", "2160h", "90d1s", "1w", "30m1h", "0m", "1.5h", "forever", "1H"];
const TOKENS = [
  "123456:abcdefghijklmnopqrst",
  `1:${"a".repeat(35)}`,
  "123456:ABC-def_ghi-jkl_mno-p",
  "1:abcdefgh",
  "123456:abcdefghijklmnopqrs",
  "123456:abcdefghijklmnopqrs!",
  ":abcdefghijklmnopqrstu",
  "x1:abcdefghijklmnopqrst",
  "123456",
];
const URLS = [
  "https://api.telegram.org",
  "http://tg.test:8081/x",
  "https://u:p@tg.test",
  "https://u@tg.test",
  "ftp://tg.test",
  "HTTPS://tg.test",
  "https://tg.test:0",
  "https://tg.test/?a=1",
  "https://tg.test/{{x}}",
];

describe("every value the stack accepts starts the bridge, and both refuse the same", () => {
  it.each(CHATS)("chat id %j", async (id) => {
    const c = stack({ chatId: id, chatIdsBySeverity: { critical: id } });
    if (c) expect(bridgeStarts(await envFrom(c))).toBe(true);
    expect(c !== undefined).toBe(bridgeStarts({ TELEGRAM_CHAT_ID: id, TELEGRAM_CHAT_ID_CRITICAL: id }) && id !== "");
  });

  it.each(TOPICS)("forum topic %j", async (topic) => {
    const c = stack({ messageThreadId: topic, threadIdsBySeverity: { warning: topic } });
    if (c) expect(bridgeStarts(await envFrom(c))).toBe(true);
    expect(c !== undefined).toBe(
      bridgeStarts({ TELEGRAM_MESSAGE_THREAD_ID: String(topic), TELEGRAM_MESSAGE_THREAD_ID_WARNING: String(topic) }),
    );
  });

  it.each(USERS)("console user %j", async (user) => {
    const c = stack({ console: { allowedUserIds: [user] } });
    if (c) expect(bridgeStarts(await envFrom(c))).toBe(true);
    expect(c !== undefined).toBe(bridgeStarts({ CONSOLE_ALLOWED_USER_IDS: String(user) }));
  });

  it.each(PREFIXES)("prefix %j", async (prefix) => {
    const c = stack({ prefix });
    if (c) expect(bridgeStarts(await envFrom(c))).toBe(true);
    expect(c !== undefined).toBe(bridgeStarts({ BRIDGE_PREFIX: prefix }));
  });

  it.each(TOKENS)("bot token %j", (token) => {
    const c = stack({}, { telegramBotToken: token });
    expect(c !== undefined).toBe(bridgeStarts({ TELEGRAM_BOT_TOKEN: token }));
  });

  it.each(SILENCES)("silence button %j", async (d) => {
    const c = stack({ console: { silenceDurations: [d] } });
    if (c) expect(bridgeStarts(await envFrom(c))).toBe(true);
    expect(c !== undefined).toBe(bridgeStarts({ CONSOLE_SILENCE_DURATIONS: d }));
  });

  it.each([true, false])("graphs %j", async (graphs) => {
    const c = stack({ graphs })!;
    expect(loadConfig(await envFrom(c)).graphs).toBe(graphs);
  });

  // URLs: the stack refuses more (Go templates, a query in a base URL), never less.
  it.each(URLS)("Bot API and heartbeat URL %j", async (url) => {
    const api = stack({ apiBaseUrl: url });
    if (api) expect(bridgeStarts(await envFrom(api))).toBe(true);
    else expect(url).not.toBe("https://api.telegram.org");
    const heartbeat = stack({}, { heartbeatUrl: url });
    if (heartbeat) expect(bridgeStarts(await envFrom(heartbeat))).toBe(true);
    if (!bridgeStarts({ HEARTBEAT_URL: url })) expect(heartbeat).toBeUndefined();
  });
});

describe("the modules the bridge shares with the stack", () => {
  // esbuild bundles bridge/src with whatever it imports into a stock Node image.
  it.each(["config/durations.ts", "config/sharedValidators.ts", "config/dockerHost.ts"])(
    "%s imports nothing, so the bridge's bundle pulls in nothing of the program",
    (file) => {
      const text = fs.readFileSync(path.join(__dirname, "..", "..", file), "utf8");
      expect(text).not.toMatch(/^\s*import\s|\brequire\(/m);
    },
  );

  it("the bridge takes its chat, topic, URL, prefix and duration rules from them", () => {
    const text = fs.readFileSync(path.join(__dirname, "..", "..", "bridge", "src", "config.ts"), "utf8");
    for (const rule of [
      "isBotToken",
      "isChatId",
      "isThreadId",
      "isTelegramUserId",
      "isHttpUrl",
      "hasUrlCredentials",
      "prefixProblem",
      "BRIDGE_DURATION",
      "SILENCE_LIMITS",
      "DEFAULT_SILENCE_DURATIONS",
      "DEFAULT_PREFIX",
      "TELEGRAM_API_BASE",
    ])
      expect(text).toContain(rule);
  });
});

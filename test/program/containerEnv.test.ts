import { containersOf, MOCK_GATEWAY, ProgramRun, runProgram, secretValue } from "../support/program";
import { loadConfig } from "../../bridge/src/config";
import { mockRandomPassword } from "../../harness/randomPassword";
import { pulumiConfigMap, TEST_SECRETS } from "../../harness/stackFiles";

/** The API credentials the mocks' random provider gives the prod stack, as the bridge gets them. */
const apiAuth = (alias: string) => `tutordex-obs:${mockRandomPassword(`tutordex-api-credentials-${alias}`, { length: 32 }).result}`;

/**
 * The environment every container of the committed prod stack starts with, whole: a setting
 * dropped or changed here changes the running service (Grafana open to sign-up, the bridge's
 * dedupe windows, where it keeps its state) without any file or command line changing. Values are
 * the deployed ones, secrets the test stack's (harness/stackFiles.ts TEST_SECRETS).
 */
let run: ProgramRun;
beforeAll(async () => {
  run = await runProgram("prod", pulumiConfigMap("prod"), Object.keys(TEST_SECRETS));
});

const envOf = (name: string) => {
  const c = containersOf(run).find((x) => x.inputs.name === name);
  if (!c) throw new Error(`no container ${name}`);
  return c.inputs.envs;
};

it("Grafana: admin from the stack's secret, no anonymous access, no sign-up, its public URL, no phoning home; all of it secret", () => {
  expect(secretValue(envOf("tutordex-obs-prod-grafana"))).toEqual([
    "GF_SECURITY_ADMIN_USER=admin",
    `GF_SECURITY_ADMIN_PASSWORD=${TEST_SECRETS.grafanaAdminPassword}`,
    "GF_AUTH_ANONYMOUS_ENABLED=false",
    "GF_USERS_ALLOW_SIGN_UP=false",
    "GF_SERVER_ROOT_URL=https://grafana.tutordex.sg",
    // Its public URL is https, so the session cookie never goes over plain http.
    "GF_SECURITY_COOKIE_SECURE=true",
    "GF_ANALYTICS_REPORTING_ENABLED=false",
    "GF_ANALYTICS_CHECK_FOR_UPDATES=false",
  ]);
});

it("the Telegram bridge: port, prefix, chat, state file on its volume, dedupe windows under each receiver's repeat, the console; the token last and secret", () => {
  expect(secretValue(envOf("tutordex-obs-prod-telegram-bridge"))).toEqual([
    "PORT=8080",
    "BRIDGE_ENVIRONMENT=prod",
    "BRIDGE_PREFIX=[TutorDex]",
    "TELEGRAM_CHAT_ID=-1001234567890",
    "TELEGRAM_API_BASE=https://api.telegram.org",
    "STATE_FILE=/home/node/telegram-bridge-state.json",
    "DEDUPE_WINDOWS=telegram-default=13800,telegram-watchdog=82800,telegram-probes=2700,telegram-critical=1680,telegram-warning=20700,telegram-drill=3480",
    "CONSOLE_ENABLED=true",
    "CONSOLE_ALLOW=admins",
    "CONSOLE_SILENCE_DURATIONS=1h,4h,24h",
    "ALERTMANAGER_URL=http://alertmanager:9093",
    "PROMETHEUS_URL=http://prometheus:9090",
    "GRAPHS_ENABLED=true",
    `TELEGRAM_BOT_TOKEN=${TEST_SECRETS.telegramBotToken}`,
    `PROMETHEUS_AUTH=${apiAuth("prometheus")}`,
    `ALERTMANAGER_AUTH=${apiAuth("alertmanager")}`,
  ]);
});

it("node_exporter listens on the host's gateway address only (the mocks' gateway); no other container gets an environment", () => {
  expect(envOf("tutordex-obs-prod-node-exporter")).toEqual([`NODE_EXPORTER_ADDRESS=${MOCK_GATEWAY}:9100`]);
  const others = containersOf(run).filter((c) => !/-(grafana|telegram-bridge|node-exporter)$/.test(c.inputs.name));
  expect(others.length).toBeGreaterThan(10);
  expect(others.filter((c) => (c.inputs.envs ?? []).length > 0).map((c) => c.inputs.name)).toEqual([]);
});

describe("the Telegram bridge with every optional setting", () => {
  // The committed stacks set none of these, so only a stack that sets them shows each reaches the
  // container under its own name (the bridge reads them by name; a misspelt one is silently unset).
  let full: ProgramRun;
  beforeAll(async () => {
    const telegram = {
      chatId: "-1001234567890",
      chatIdsBySeverity: { critical: "-1001", warning: "-1002", info: "@tutordex_info" },
      messageThreadId: 7,
      threadIdsBySeverity: { critical: 11, warning: 12, info: 13 },
      prefix: "<TD>",
      apiBaseUrl: "http://telegram-bot-api:8081",
      console: { enabled: false, allowedUserIds: [42, 43], silenceDurations: ["30m", "2h"] },
      escalation: { critical: { after: "10m", mention: [42, { id: 43, name: "Bo" }] } },
      graphs: false,
    };
    full = await runProgram(
      "prod",
      {
        ...pulumiConfigMap("prod"),
        "tutordex-observability:telegram": JSON.stringify(telegram),
        "tutordex-observability:heartbeatUrl": "https://hc.example.com/ping/abc?x=1&y=2",
      },
      Object.keys(TEST_SECRETS),
    );
  });

  it("each setting under the name the bridge reads, in a fixed order; the token last and secret", () => {
    const c = containersOf(full).find((x) => x.inputs.name === "tutordex-obs-prod-telegram-bridge");
    expect(secretValue(c?.inputs.envs)).toEqual([
      "PORT=8080",
      "BRIDGE_ENVIRONMENT=prod",
      "BRIDGE_PREFIX=<TD>",
      "TELEGRAM_CHAT_ID=-1001234567890",
      "TELEGRAM_CHAT_ID_CRITICAL=-1001",
      "TELEGRAM_CHAT_ID_WARNING=-1002",
      "TELEGRAM_CHAT_ID_INFO=@tutordex_info",
      "TELEGRAM_MESSAGE_THREAD_ID=7",
      "TELEGRAM_MESSAGE_THREAD_ID_CRITICAL=11",
      "TELEGRAM_MESSAGE_THREAD_ID_WARNING=12",
      "TELEGRAM_MESSAGE_THREAD_ID_INFO=13",
      "HEARTBEAT_URL=https://hc.example.com/ping/abc?x=1&y=2",
      "TELEGRAM_API_BASE=http://telegram-bot-api:8081",
      "STATE_FILE=/home/node/telegram-bridge-state.json",
      "DEDUPE_WINDOWS=telegram-default=13800,telegram-watchdog=82800,telegram-probes=2700,telegram-critical=1680,telegram-warning=20700,telegram-drill=3480",
      "CONSOLE_ENABLED=false",
      "CONSOLE_ALLOW=list",
      "CONSOLE_ALLOWED_USER_IDS=42,43",
      "CONSOLE_SILENCE_DURATIONS=30m,2h",
      "ALERTMANAGER_URL=http://alertmanager:9093",
      "PROMETHEUS_URL=http://prometheus:9090",
      'TELEGRAM_ESCALATION={"critical":{"after":"10m","every":"10m","times":3,"mention":[{"id":42},{"id":43,"name":"Bo"}]}}',
      "GRAPHS_ENABLED=false",
      `TELEGRAM_BOT_TOKEN=${TEST_SECRETS.telegramBotToken}`,
      `PROMETHEUS_AUTH=${apiAuth("prometheus")}`,
      `ALERTMANAGER_AUTH=${apiAuth("alertmanager")}`,
    ]);
  });

  it("the bridge's own loader reads that environment back to the stack's settings", () => {
    const c = containersOf(full).find((x) => x.inputs.name === "tutordex-obs-prod-telegram-bridge");
    const env = Object.fromEntries(
      (secretValue(c?.inputs.envs) as string[]).map((e) => [e.slice(0, e.indexOf("=")), e.slice(e.indexOf("=") + 1)]),
    );
    const read = loadConfig(env);
    expect(read.defaultChat).toEqual({ chatId: "-1001234567890", threadId: 7 });
    expect(Object.fromEntries(read.severityChats)).toEqual({
      critical: { chatId: "-1001", threadId: 11 },
      warning: { chatId: "-1002", threadId: 12 },
      info: { chatId: "@tutordex_info", threadId: 13 },
    });
    expect([read.prefix, read.environment, read.apiBase, read.heartbeatUrl, read.token]).toEqual([
      "<TD>",
      "prod",
      "http://telegram-bot-api:8081",
      "https://hc.example.com/ping/abc?x=1&y=2",
      TEST_SECRETS.telegramBotToken,
    ]);
    expect(read.escalation.get("critical")).toEqual({
      afterMs: 600_000,
      everyMs: 600_000,
      times: 3,
      mention: [{ id: 42 }, { id: 43, name: "Bo" }],
      chat: undefined,
      threadId: undefined,
    });
    expect(read.console).toMatchObject({
      enabled: false,
      allow: "list",
      allowedUserIds: new Set([42, 43]),
      silenceDurations: ["30m", "2h"],
      alertmanagerUrl: "http://alertmanager:9093",
      prometheusUrl: "http://prometheus:9090",
    });
    expect(read.graphs).toBe(false);
  });
});

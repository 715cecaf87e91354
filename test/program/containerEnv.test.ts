import { containersOf, MOCK_GATEWAY, ProgramRun, runProgram, secretValue } from "../support/program";
import { pulumiConfigMap, TEST_SECRETS } from "../support/stackFiles";

/**
 * The environment every container of the committed prod stack starts with, whole: a setting
 * dropped or changed here changes the running service (Grafana open to sign-up, the bridge's
 * dedupe windows, where it keeps its state) without any file or command line changing. Values are
 * the deployed ones, secrets the test stack's (test/support/stackFiles.ts TEST_SECRETS).
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
    "DEDUPE_WINDOWS=telegram-default=13800,telegram-watchdog=82800,telegram-probes=2700,telegram-critical=1680,telegram-warning=20700",
    "CONSOLE_ENABLED=true",
    "CONSOLE_SILENCE_DURATIONS=1h,4h,24h",
    "ALERTMANAGER_URL=http://alertmanager:9093",
    "PROMETHEUS_URL=http://prometheus:9090",
    `TELEGRAM_BOT_TOKEN=${TEST_SECRETS.telegramBotToken}`,
  ]);
});

it("node_exporter listens on the host's gateway address only (the mocks' gateway); no other container gets an environment", () => {
  expect(envOf("tutordex-obs-prod-node-exporter")).toEqual([`NODE_EXPORTER_ADDRESS=${MOCK_GATEWAY}:9100`]);
  const others = containersOf(run).filter((c) => !/-(grafana|telegram-bridge|node-exporter)$/.test(c.inputs.name));
  expect(others.length).toBeGreaterThan(10);
  expect(others.filter((c) => (c.inputs.envs ?? []).length > 0).map((c) => c.inputs.name)).toEqual([]);
});

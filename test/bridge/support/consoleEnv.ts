/**
 * The bridge's environment for tests of the console and the webhook against a fake Telegram and a
 * fake Alertmanager: pacing and coalescing shortened so a test waits only for what it checks, and
 * state kept in the test's own folder.
 */
export function fastConsoleEnv(f: {
  telegramToken: string;
  telegramUrl: string;
  chat: string;
  alertmanagerUrl: string;
  stateFile: string;
}): Record<string, string> {
  return {
    TELEGRAM_BOT_TOKEN: f.telegramToken,
    TELEGRAM_CHAT_ID: f.chat,
    TELEGRAM_API_BASE: f.telegramUrl,
    BRIDGE_ENVIRONMENT: "prod",
    PORT: "0",
    HOST: "127.0.0.1",
    MIN_SEND_INTERVAL_MS: "10",
    GROUP_MESSAGES_PER_MINUTE: "10000",
    COALESCE_MS: "0",
    REQUEST_BUDGET_MS: "5000",
    ALERTMANAGER_URL: f.alertmanagerUrl,
    PROMETHEUS_URL: f.alertmanagerUrl,
    POLL_TIMEOUT_SECONDS: "1",
    STATE_FILE: f.stateFile,
    // PROMETHEUS_URL is the fake Alertmanager, which has no query_range: graphs have tests of their own.
    GRAPHS_ENABLED: "false",
  };
}

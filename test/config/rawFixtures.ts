import { ConfigError, ParseOptions, parseStackConfig } from "../../config/schema";

/** The smallest valid raw configurations, for tests that change one key at a time. */
export const VALID = {
  environment: "dev",
  runbookBaseUrl: "https://runbooks.test/rb",
  grafanaAdminPassword: "a-long-password-1",
};

export const PROD = {
  ...VALID,
  environment: "prod",
  telegramBotToken: "123:abcdefghijklmnopqrstuvwxyz",
  telegram: { chatId: "-100123" },
  grafanaExternalUrl: "https://grafana.example.test",
  alertmanagerExternalUrl: "https://alertmanager.example.test",
};

/** The keys PROD sets as `pulumi config set --secret` would. */
export const PROD_SECRETS: ReadonlySet<string> = new Set(["telegramBotToken", "grafanaAdminPassword"]);

/** The message a configuration is refused with; fails the test if it is accepted. */
export function problems(raw: Record<string, unknown>, secrets: ReadonlySet<string> = new Set()): string {
  try {
    parseStackConfig("t", raw, secrets);
  } catch (e) {
    expect(e).toBeInstanceOf(ConfigError);
    return (e as Error).message;
  }
  throw new Error("configuration was accepted");
}

/**
 * Every problem a configuration is refused with, one per entry (the ConfigError's list), so a
 * test can pin the exact set and catch a problem that appears where none should.
 */
export function problemList(raw: unknown, secrets: ReadonlySet<string> = new Set(), options: ParseOptions = {}): readonly string[] {
  try {
    parseStackConfig("t", raw, secrets, options);
  } catch (e) {
    expect(e).toBeInstanceOf(ConfigError);
    return (e as ConfigError).problems;
  }
  return [];
}

import { z } from "zod";

const int = (def: number) => z.coerce.number().int().positive().default(def);
const optionalText = z.string().trim().min(1).optional().or(z.literal("").transform(() => undefined));

/** The bridge's environment, validated once at start-up; a bad value stops it with a clear message. */
const envSchema = z.object({
  TELEGRAM_BOT_TOKEN: optionalText,
  TELEGRAM_CHAT_ID: optionalText,
  TELEGRAM_CHAT_ID_CRITICAL: optionalText,
  TELEGRAM_CHAT_ID_WARNING: optionalText,
  TELEGRAM_CHAT_ID_INFO: optionalText,
  TELEGRAM_MESSAGE_THREAD_ID: z.coerce.number().int().positive().optional().or(z.literal("").transform(() => undefined)),
  TELEGRAM_API_BASE: z.url().default("https://api.telegram.org"),
  BRIDGE_PREFIX: z.string().default("[TutorDex]"),
  BRIDGE_ENVIRONMENT: z.string().min(1).default("dev"),
  HEARTBEAT_URL: z.url().optional().or(z.literal("").transform(() => undefined)),
  PORT: z.coerce.number().int().min(0).max(65535).default(8080),
  HOST: z.string().default("0.0.0.0"),
  MIN_SEND_INTERVAL_MS: int(1000),
  REQUEST_BUDGET_MS: int(60_000),
  DEDUPE_WINDOW_SECONDS: int(600),
  MAX_BODY_BYTES: int(1024 * 1024),
});

export interface BridgeConfig {
  readonly token: string | undefined;
  readonly defaultChat: string | undefined;
  readonly chatBySeverity: Readonly<Record<string, string | undefined>>;
  readonly messageThreadId: number | undefined;
  readonly apiBase: string;
  readonly prefix: string;
  readonly environment: string;
  readonly heartbeatUrl: string | undefined;
  readonly port: number;
  readonly host: string;
  readonly minSendIntervalMs: number;
  readonly requestBudgetMs: number;
  readonly dedupeWindowMs: number;
  readonly maxBodyBytes: number;
}

export function loadConfig(env: Readonly<Record<string, string | undefined>>): BridgeConfig {
  const r = envSchema.safeParse(env);
  if (!r.success) {
    const problems = r.error.issues.map((i) => `${i.path.join(".")}: ${i.message}`);
    throw new Error(`invalid bridge configuration: ${problems.join("; ")}`);
  }
  const e = r.data;
  return {
    token: e.TELEGRAM_BOT_TOKEN,
    defaultChat: e.TELEGRAM_CHAT_ID,
    chatBySeverity: { critical: e.TELEGRAM_CHAT_ID_CRITICAL, warning: e.TELEGRAM_CHAT_ID_WARNING, info: e.TELEGRAM_CHAT_ID_INFO },
    messageThreadId: e.TELEGRAM_MESSAGE_THREAD_ID,
    apiBase: e.TELEGRAM_API_BASE.replace(/\/+$/, ""),
    prefix: e.BRIDGE_PREFIX,
    environment: e.BRIDGE_ENVIRONMENT,
    heartbeatUrl: e.HEARTBEAT_URL,
    port: e.PORT,
    host: e.HOST,
    minSendIntervalMs: e.MIN_SEND_INTERVAL_MS,
    requestBudgetMs: e.REQUEST_BUDGET_MS,
    dedupeWindowMs: e.DEDUPE_WINDOW_SECONDS * 1000,
    maxBodyBytes: e.MAX_BODY_BYTES,
  };
}

/** The chat an alert goes to: its severity's chat when configured, else the default chat. */
export function chatFor(config: BridgeConfig, severity: string | undefined): string | undefined {
  return (severity ? config.chatBySeverity[severity] : undefined) ?? config.defaultChat;
}

export function isConfigured(config: BridgeConfig): boolean {
  return config.token !== undefined && config.defaultChat !== undefined;
}

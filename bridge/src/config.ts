import * as z from "./zod";
import { durationProblem, BRIDGE_DURATION, DEFAULT_SILENCE_DURATIONS, MAX_SILENCE_BUTTONS, SILENCE_LIMITS } from "../../config/durations";
import {
  DEFAULT_PREFIX,
  hasUrlCredentials,
  isBotToken,
  isChatId,
  isHttpUrl,
  isTelegramUserId,
  isThreadId,
  prefixProblem,
  TELEGRAM_API_BASE,
} from "../../config/sharedValidators";
import {
  consoleAllow,
  ConsoleAllow,
  CONSOLE_ALLOW_MODES,
  escalationMs,
  EscalationSeverity,
  OnCallUser,
  readEscalation,
} from "../../config/consoleSettings";
import { withoutCredentials } from "./redact";

const SEVERITIES = ["critical", "warning", "info"] as const;
export type RoutedSeverity = (typeof SEVERITIES)[number];

const blankToUndefined = (v: unknown) => (typeof v === "string" && v.trim() === "" ? undefined : v);
/** An unset or blank variable is the schema's default (or nothing). */
const unlessBlank = <T extends z.ZodMiniType>(schema: T) => z.pipe(z.transform(blankToUndefined), schema);
const optional = <T extends z.ZodMiniType>(schema: T) => unlessBlank(z.optional(schema));
const count = (def: number, min = 1) =>
  unlessBlank(
    z._default(
      z.coerce
        .number({ message: "expected a whole number" })
        .check(z.int({ message: "expected a whole number" }), z.minimum(min, { message: `expected at least ${min}` })),
      def,
    ),
  );
// The token, chat ids, topics, user ids, the prefix and URLs follow config/sharedValidators.ts, the rules the stack schema applies too.
const chatId = z.string().check(z.trim(), z.refine(isChatId, { message: "expected a numeric chat id or @channel" }));
const threadId = z.coerce
  .number({ message: "expected a positive whole number" })
  .check(z.refine(isThreadId, { message: "expected a positive whole number" }));
const bool = (def: boolean) =>
  z.pipe(
    unlessBlank(
      z._default(
        z.enum(["true", "false", "1", "0", "yes", "no", "on", "off"], { message: "expected true or false" }),
        def ? "true" : "false",
      ),
    ),
    z.transform((v) => ["true", "1", "yes", "on"].includes(v)),
  );

/** http(s) URL without user:password: the URL is logged, and credentials belong in no log. */
const httpUrl = z.string().check(
  z.trim(),
  z.refine(isHttpUrl, { message: "expected an absolute http(s) URL" }),
  z.refine((v) => !hasUrlCredentials(v), { message: "must not carry user:password (it would be logged)" }),
);
const serviceUrl = z.pipe(
  httpUrl,
  z.transform((v) => v.replace(/\/+$/, "")),
);

/** user:password of the stack's Prometheus or Alertmanager API; becomes a Basic Authorization header. */
const basicCredentials = z.pipe(
  z.string().check(z.regex(/^[^:\s]+:\S+$/, { message: "expected user:password" })),
  z.transform((v) => `Basic ${Buffer.from(v).toString("base64")}`),
);

const USER_IDS = "expected Telegram user ids separated by commas, such as 12345,67890";
const userIds = z
  .pipe(
    z.string().check(z.trim(), z.regex(/^\d+(\s*,\s*\d+)*$/, { message: USER_IDS })),
    z.transform((v) => v.split(",").map((s) => Number(s.trim()))),
  )
  .check(z.refine((ids) => ids.every(isTelegramUserId), { message: USER_IDS }));

const durations = z.pipe(
  z.string().check(z.trim()),
  z.transform((v, ctx) => {
    const list = v.split(",").map((s) => s.trim());
    const bad = list.find((d) => durationProblem(d, BRIDGE_DURATION, SILENCE_LIMITS) !== undefined);
    if (bad !== undefined || list.length > MAX_SILENCE_BUTTONS) {
      const range = `${SILENCE_LIMITS.min!.value} and ${SILENCE_LIMITS.max!.value}`;
      ctx.issues.push({
        code: "custom",
        input: v,
        message:
          bad !== undefined
            ? `expected durations between ${range} such as 1h,4h,24h (bad: "${bad}")`
            : `expected at most ${MAX_SILENCE_BUTTONS} durations`,
      });
      return z.NEVER;
    }
    return list;
  }),
);

/** receiver=seconds pairs: how long a delivered alert is remembered, per Alertmanager receiver. */
const windows = z.pipe(
  z.string().check(
    z.trim(),
    z.regex(/^[\w.-]+=\d+(\s*,\s*[\w.-]+=\d+)*$/, {
      message: "expected receiver=seconds pairs separated by commas, such as telegram-critical=240",
    }),
  ),
  z.transform(
    (v) =>
      new Map(
        v
          .split(",")
          .map((p) => p.trim().split("="))
          .map(([k, s]) => [k, Number(s) * 1000] as const),
      ),
  ),
);

/**
 * TELEGRAM_ESCALATION: the stack's telegram.escalation as JSON, read with the stack's own reader
 * (config/consoleSettings.ts), so a value the stack accepts starts the bridge and the bridge refuses
 * what the stack refuses. Problems keep their place below the variable (TELEGRAM_ESCALATION.critical.after).
 */
const escalation = z.pipe(
  z.string(),
  z.transform((v, ctx) => {
    let raw: unknown;
    try {
      raw = JSON.parse(v);
    } catch {
      ctx.issues.push({ code: "custom", input: v, message: 'expected JSON such as {"critical":{"after":"10m","mention":[123456789]}}' });
      return z.NEVER;
    }
    const { settings, problems } = readEscalation(raw);
    for (const p of problems) ctx.issues.push({ code: "custom", input: v, path: [...p.path], message: p.message });
    return problems.length ? z.NEVER : settings;
  }),
);

/** The bridge's environment, validated once at start-up; a bad value stops it naming the variable and the value. */
const envSchema = z
  .object({
    TELEGRAM_BOT_TOKEN: optional(
      z.string().check(z.trim(), z.refine(isBotToken, { message: "expected a bot token of the form 123456:ABC..." })),
    ),
    TELEGRAM_CHAT_ID: optional(chatId),
    TELEGRAM_CHAT_ID_CRITICAL: optional(chatId),
    TELEGRAM_CHAT_ID_WARNING: optional(chatId),
    TELEGRAM_CHAT_ID_INFO: optional(chatId),
    TELEGRAM_MESSAGE_THREAD_ID: optional(threadId),
    TELEGRAM_MESSAGE_THREAD_ID_CRITICAL: optional(threadId),
    TELEGRAM_MESSAGE_THREAD_ID_WARNING: optional(threadId),
    TELEGRAM_MESSAGE_THREAD_ID_INFO: optional(threadId),
    TELEGRAM_API_BASE: unlessBlank(z._default(serviceUrl, TELEGRAM_API_BASE)),
    BRIDGE_PREFIX: z._default(
      z.string().check(
        z.superRefine((v, ctx) => {
          const problem = prefixProblem(v);
          if (problem) ctx.addIssue({ code: "custom", message: problem });
        }),
      ),
      DEFAULT_PREFIX,
    ),
    BRIDGE_ENVIRONMENT: unlessBlank(z._default(z.string().check(z.minLength(1)), "dev")),
    HEARTBEAT_URL: optional(httpUrl),
    PORT: unlessBlank(
      z._default(
        z.coerce
          .number({ message: "expected a port number" })
          .check(
            z.int({ message: "expected a port number" }),
            z.minimum(0, { message: "expected a port 0-65535" }),
            z.maximum(65535, { message: "expected a port 0-65535" }),
          ),
        8080,
      ),
    ),
    HOST: unlessBlank(z._default(z.string(), "0.0.0.0")),
    MIN_SEND_INTERVAL_MS: count(1000, 0),
    GROUP_MESSAGES_PER_MINUTE: count(20),
    BOT_MESSAGES_PER_SECOND: count(30),
    COALESCE_MS: count(1000, 0),
    REQUEST_BUDGET_MS: count(60_000),
    DEDUPE_WINDOW_SECONDS: count(1200),
    DEDUPE_WINDOWS: optional(windows),
    MAX_BODY_BYTES: count(16 * 1024 * 1024),
    REQUEST_BODY_TIMEOUT_MS: count(20_000),
    KEEP_ALIVE_TIMEOUT_MS: count(310_000),
    STATE_FILE: optional(z.string().check(z.trim(), z.regex(/^\//, { message: "expected an absolute file path" }))),
    STATE_MAX_CARDS: count(500),
    STATE_CARD_RETENTION_HOURS: count(168),
    CONSOLE_ENABLED: bool(true),
    CONSOLE_ALLOWED_USER_IDS: optional(userIds),
    CONSOLE_ALLOW: optional(z.enum(CONSOLE_ALLOW_MODES, { message: `expected one of ${CONSOLE_ALLOW_MODES.join(", ")}` })),
    CONSOLE_SILENCE_DURATIONS: unlessBlank(z._default(durations, [...DEFAULT_SILENCE_DURATIONS])),
    ALERTMANAGER_URL: optional(serviceUrl),
    PROMETHEUS_URL: optional(serviceUrl),
    ALERTMANAGER_AUTH: optional(basicCredentials),
    PROMETHEUS_AUTH: optional(basicCredentials),
    POLL_TIMEOUT_SECONDS: count(25),
    ALERTMANAGER_SYNC_SECONDS: count(30, 5),
    TELEGRAM_ESCALATION: optional(escalation),
    GRAPHS_ENABLED: bool(true),
  })
  .check(
    z.superRefine((e, ctx) => {
      const allow = consoleAllow(e.CONSOLE_ALLOW, e.CONSOLE_ALLOWED_USER_IDS ?? []);
      if ("problem" in allow) ctx.addIssue({ code: "custom", path: ["CONSOLE_ALLOW"], message: allow.problem });
    }),
  );

export interface ChatDestination {
  readonly chatId: string;
  readonly threadId: number | undefined;
}

export interface BridgeConfig {
  readonly token: string | undefined;
  readonly defaultChat: ChatDestination | undefined;
  /** Chats (and their forum topics) that override the default per severity. */
  readonly severityChats: ReadonlyMap<string, ChatDestination>;
  readonly apiBase: string;
  readonly prefix: string;
  readonly environment: string;
  readonly heartbeatUrl: string | undefined;
  readonly port: number;
  readonly host: string;
  readonly pace: PaceLimits;
  readonly coalesceMs: number;
  readonly requestBudgetMs: number;
  readonly dedupeWindowMs: number;
  readonly dedupeWindowsByReceiver: ReadonlyMap<string, number>;
  readonly maxBodyBytes: number;
  readonly requestBodyTimeoutMs: number;
  readonly keepAliveTimeoutMs: number;
  readonly stateFile: string | undefined;
  readonly stateMaxCards: number;
  readonly cardRetentionMs: number;
  readonly console: ConsoleConfig;
  /** Per severity; a severity without a policy is never escalated. */
  readonly escalation: ReadonlyMap<string, EscalationRule>;
  /** A graph of the expression with firing messages that qualify (graph/photo.ts); needs PROMETHEUS_URL. */
  readonly graphs: boolean;
}

/** An escalation policy as the bridge runs it (config/consoleSettings.ts says what each part means). */
export interface EscalationRule {
  readonly afterMs: number;
  readonly everyMs: number;
  readonly times: number;
  readonly mention: readonly OnCallUser[];
  readonly chat: ChatDestination | undefined;
  /** A topic in the alert's own chat, when no escalation chat is named. */
  readonly threadId: number | undefined;
}

export interface PaceLimits {
  /** Telegram: about one message per second in any one chat. */
  readonly chatIntervalMs: number;
  /** Telegram: at most 20 messages per minute in a group, supergroup or channel. */
  readonly groupPerMinute: number;
  /** Telegram: about 30 messages per second for one bot across all chats. */
  readonly botPerSecond: number;
  /** The group limit's window, one minute; tests scale it down. */
  readonly windowMs?: number;
}

export interface ConsoleConfig {
  readonly enabled: boolean;
  /** Who may silence, unsilence, expire and start drills (config/consoleSettings.ts). */
  readonly allow: ConsoleAllow;
  /** Telegram user ids allowed besides (admins) or instead of (list) the chats' administrators. */
  readonly allowedUserIds: ReadonlySet<number>;
  readonly silenceDurations: readonly string[];
  readonly alertmanagerUrl: string | undefined;
  readonly prometheusUrl: string | undefined;
  /** The Authorization header each API wants (both answer only with credentials in the stack; PROMETHEUS_AUTH / ALERTMANAGER_AUTH=user:password). */
  readonly alertmanagerAuthorization?: string;
  readonly prometheusAuthorization?: string;
  readonly pollTimeoutSeconds: number;
  /** How often the cards are brought in line with Alertmanager's silences (one query each time). */
  readonly syncIntervalMs: number;
}

const SECRET_VARIABLES = new Set(["TELEGRAM_BOT_TOKEN", "ALERTMANAGER_AUTH", "PROMETHEUS_AUTH"]);

function shown(key: string, value: unknown): string {
  if (value === undefined) return "nothing";
  if (value === "") return '""';
  if (SECRET_VARIABLES.has(key)) return "<secret>";
  return JSON.stringify(typeof value === "string" ? withoutCredentials(value) : value);
}

export function loadConfig(env: Readonly<Record<string, string | undefined>>): BridgeConfig {
  const r = envSchema.safeParse(env);
  if (!r.success) {
    const problems = r.error.issues.map((i) => {
      const key = i.path.join(".");
      const variable = String(i.path[0]);
      // Below a JSON variable (TELEGRAM_ESCALATION.critical.after), the value at that place.
      const value = i.path.length > 1 ? valueAt(JSON.parse(env[variable] ?? "null"), i.path.slice(1)) : env[key];
      return `${key}: ${i.message}, got ${shown(variable, value)}`;
    });
    throw new Error(`invalid bridge configuration: ${problems.join("; ")}`);
  }
  const e = r.data;
  const severityChats = new Map<string, ChatDestination>();
  const byUpper = { critical: "CRITICAL", warning: "WARNING", info: "INFO" } as const;
  for (const s of SEVERITIES) {
    const id = e[`TELEGRAM_CHAT_ID_${byUpper[s]}`];
    const thread = e[`TELEGRAM_MESSAGE_THREAD_ID_${byUpper[s]}`];
    // A severity routed to the default chat keeps the default chat's topic unless it names its own.
    if (id)
      severityChats.set(s, { chatId: id, threadId: thread ?? (id === e.TELEGRAM_CHAT_ID ? e.TELEGRAM_MESSAGE_THREAD_ID : undefined) });
  }
  return {
    token: e.TELEGRAM_BOT_TOKEN,
    defaultChat: e.TELEGRAM_CHAT_ID ? { chatId: e.TELEGRAM_CHAT_ID, threadId: e.TELEGRAM_MESSAGE_THREAD_ID } : undefined,
    severityChats,
    apiBase: e.TELEGRAM_API_BASE,
    prefix: e.BRIDGE_PREFIX,
    environment: e.BRIDGE_ENVIRONMENT,
    heartbeatUrl: e.HEARTBEAT_URL,
    port: e.PORT,
    host: e.HOST,
    pace: { chatIntervalMs: e.MIN_SEND_INTERVAL_MS, groupPerMinute: e.GROUP_MESSAGES_PER_MINUTE, botPerSecond: e.BOT_MESSAGES_PER_SECOND },
    coalesceMs: e.COALESCE_MS,
    requestBudgetMs: e.REQUEST_BUDGET_MS,
    dedupeWindowMs: e.DEDUPE_WINDOW_SECONDS * 1000,
    dedupeWindowsByReceiver: e.DEDUPE_WINDOWS ?? new Map(),
    maxBodyBytes: e.MAX_BODY_BYTES,
    requestBodyTimeoutMs: e.REQUEST_BODY_TIMEOUT_MS,
    keepAliveTimeoutMs: e.KEEP_ALIVE_TIMEOUT_MS,
    stateFile: e.STATE_FILE,
    stateMaxCards: e.STATE_MAX_CARDS,
    cardRetentionMs: e.STATE_CARD_RETENTION_HOURS * 3_600_000,
    console: {
      enabled: e.CONSOLE_ENABLED,
      allow: (consoleAllow(e.CONSOLE_ALLOW, e.CONSOLE_ALLOWED_USER_IDS ?? []) as { mode: ConsoleAllow }).mode,
      allowedUserIds: new Set(e.CONSOLE_ALLOWED_USER_IDS ?? []),
      silenceDurations: e.CONSOLE_SILENCE_DURATIONS,
      alertmanagerUrl: e.ALERTMANAGER_URL,
      prometheusUrl: e.PROMETHEUS_URL,
      alertmanagerAuthorization: e.ALERTMANAGER_AUTH,
      prometheusAuthorization: e.PROMETHEUS_AUTH,
      pollTimeoutSeconds: e.POLL_TIMEOUT_SECONDS,
      syncIntervalMs: e.ALERTMANAGER_SYNC_SECONDS * 1000,
    },
    escalation: new Map(
      Object.entries(e.TELEGRAM_ESCALATION ?? {}).map(([severity, p]) => [
        severity as EscalationSeverity,
        {
          afterMs: escalationMs(p.after),
          everyMs: escalationMs(p.every),
          times: p.times,
          mention: p.mention,
          chat: p.chatId !== undefined ? { chatId: p.chatId, threadId: p.threadId } : undefined,
          threadId: p.chatId === undefined ? p.threadId : undefined,
        },
      ]),
    ),
    graphs: e.GRAPHS_ENABLED,
  };
}

function valueAt(root: unknown, path: readonly PropertyKey[]): unknown {
  let v = root;
  for (const k of path) v = typeof v === "object" && v !== null ? (v as Record<PropertyKey, unknown>)[k] : undefined;
  return v;
}

export function isConfigured(config: BridgeConfig): boolean {
  return config.token !== undefined && config.defaultChat !== undefined;
}

import { BRIDGE_DURATION, DurationLimits, durationProblem } from "./durations";
import { chatIdFromNumber, isChatId, isTelegramUserId, isThreadId, prefixProblem } from "./sharedValidators";

/**
 * The on-call console's settings that the stack schema (telegram.console.allow,
 * telegram.escalation) and the Telegram bridge (CONSOLE_ALLOW, TELEGRAM_ESCALATION) both read, each
 * rule written once: the schema reads the stack file with these functions, the program passes what
 * they returned to the bridge, and the bridge reads it again with the same functions at start.
 *
 * The bridge is bundled with esbuild from bridge/src into a stock Node image: this module imports
 * only the other shared modules, which import nothing.
 */

/** Where a problem is, below the setting (["critical", "after"]), and what is wrong, as "expected …". */
export interface SettingProblem {
  readonly path: readonly (string | number)[];
  readonly message: string;
}

// --- who may silence ---------------------------------------------------------------------------

/**
 * Who may change what the team hears (silence, unsilence, expire, start a drill):
 * - admins: the chat's administrators (Telegram's getChatAdministrators), and the allowedUserIds;
 * - list: only the allowedUserIds;
 * - everyone: everyone in the chats the alerts go to.
 */
export const CONSOLE_ALLOW_MODES = ["admins", "list", "everyone"] as const;
export type ConsoleAllow = (typeof CONSOLE_ALLOW_MODES)[number];

/**
 * The mode in force, or why the pair is refused. Unset, a list of user ids means what it meant
 * before `allow` existed (only them); no list means the chats' administrators.
 */
export function consoleAllow(
  allow: unknown,
  allowedUserIds: readonly number[],
): { readonly mode: ConsoleAllow } | { readonly problem: string } {
  if (allow === undefined) return { mode: allowedUserIds.length ? "list" : "admins" };
  if (typeof allow !== "string" || !(CONSOLE_ALLOW_MODES as readonly string[]).includes(allow))
    return { problem: `expected one of ${CONSOLE_ALLOW_MODES.join(", ")}` };
  if (allow === "list" && allowedUserIds.length === 0)
    return { problem: "list allows only allowedUserIds, and none is set: add the on-call users' ids, or choose admins" };
  if (allow === "everyone" && allowedUserIds.length)
    return { problem: "everyone already includes the allowedUserIds; remove them, or choose list or admins" };
  return { mode: allow as ConsoleAllow };
}

// --- escalation --------------------------------------------------------------------------------

export const ESCALATION_SEVERITIES = ["critical", "warning", "info"] as const;
export type EscalationSeverity = (typeof ESCALATION_SEVERITIES)[number];

/** A person the escalation names: Telegram notifies them by id; `name` is the link's text. */
export interface OnCallUser {
  readonly id: number;
  readonly name?: string;
}

export interface EscalationPolicy {
  /** Unacknowledged and unsilenced this long after the chat was told, the alert is escalated. */
  readonly after: string;
  /** Then again at this interval … */
  readonly every: string;
  /** … this many times at most. */
  readonly times: number;
  readonly mention: readonly OnCallUser[];
  /** An escalation chat; unset, the alert's own chat. */
  readonly chatId?: string;
  /** The forum topic the escalation goes to (of chatId, or of the alert's own chat). */
  readonly threadId?: number;
}

export type EscalationSettings = Readonly<Partial<Record<EscalationSeverity, EscalationPolicy>>>;

/**
 * Sooner than a minute nobody has had the time to read the alert and press Ack; later than a day
 * the incident is over. At most 10 escalations of one alert, 10 people named in one message.
 */
export const ESCALATION_LIMITS = {
  after: {
    min: { value: "1m", why: "sooner, nobody has had the time to read the alert and press Ack" },
    max: { value: "24h", why: "an escalation a day later comes after the incident" },
  },
  every: {
    min: { value: "1m", why: "more often is noise, not escalation" },
    max: { value: "24h", why: "an escalation a day later comes after the incident" },
  },
  times: { min: 1, max: 10 },
  mentions: 10,
} as const satisfies { after: DurationLimits; every: DurationLimits; times: { min: number; max: number }; mentions: number };

export const ESCALATION_DEFAULT_TIMES = 3;
const POLICY_KEYS = ["after", "every", "times", "mention", "chatId", "threadId"];
const USER = "expected a Telegram user id or { id, name }";

/**
 * Reads `telegram.escalation` (or the bridge's TELEGRAM_ESCALATION, the same object as JSON):
 * a policy per severity; `every` defaults to `after`, `times` to 3. Every problem is returned, each
 * with its place, so a stack file is corrected in one go.
 */
export function readEscalation(raw: unknown): { readonly settings: EscalationSettings; readonly problems: readonly SettingProblem[] } {
  const problems: SettingProblem[] = [];
  const settings: Partial<Record<EscalationSeverity, EscalationPolicy>> = {};
  if (raw === undefined || raw === null) return { settings, problems };
  if (!isRecord(raw))
    return {
      settings,
      problems: [{ path: [], message: `expected an object with a policy per severity (${ESCALATION_SEVERITIES.join(", ")})` }],
    };
  for (const [severity, value] of Object.entries(raw)) {
    if (!(ESCALATION_SEVERITIES as readonly string[]).includes(severity)) {
      problems.push({ path: [severity], message: `unknown severity; expected ${ESCALATION_SEVERITIES.join(", ")}` });
      continue;
    }
    const policy = readPolicy(value, (path, message) => problems.push({ path: [severity, ...path], message }));
    if (policy) settings[severity as EscalationSeverity] = policy;
  }
  return { settings, problems };
}

function readPolicy(raw: unknown, report: (path: (string | number)[], message: string) => void): EscalationPolicy | undefined {
  if (!isRecord(raw)) return void report([], "expected an object such as { after: 10m, mention: [123456789] }");
  let problems = 0;
  const fail = (path: (string | number)[], message: string) => {
    problems += 1;
    report(path, message);
  };
  for (const key of Object.keys(raw)) if (!POLICY_KEYS.includes(key)) fail([key], `unknown key; expected ${POLICY_KEYS.join(", ")}`);
  const duration = (key: "after" | "every") => {
    const problem = durationProblem(raw[key], BRIDGE_DURATION, ESCALATION_LIMITS[key]);
    if (problem) fail([key], problem);
    return typeof raw[key] === "string" ? raw[key].trim() : "";
  };
  const after = duration("after");
  const every = raw.every === undefined ? after : duration("every");
  const times = raw.times === undefined ? ESCALATION_DEFAULT_TIMES : raw.times;
  const { min, max } = ESCALATION_LIMITS.times;
  if (typeof times !== "number" || !Number.isInteger(times) || times < min || times > max)
    fail(["times"], `expected a whole number from ${min} to ${max}`);
  const mention = readMentions(raw.mention, fail);
  let chatId: string | undefined;
  if (raw.chatId !== undefined) {
    chatId =
      typeof raw.chatId === "string" && isChatId(raw.chatId)
        ? raw.chatId
        : typeof raw.chatId === "number"
          ? chatIdFromNumber(raw.chatId)
          : undefined;
    if (chatId === undefined) fail(["chatId"], "expected a numeric chat id or @channel");
  }
  if (raw.threadId !== undefined && !(typeof raw.threadId === "number" && isThreadId(raw.threadId)))
    fail(["threadId"], "expected a positive forum topic id");
  if (mention.length === 0 && chatId === undefined) {
    fail(
      [],
      "expected mention (the on-call users' ids) or chatId (an escalation chat): posted again in the same chat without either, it wakes nobody Alertmanager's repeat_interval would not",
    );
  }
  if (problems > 0) return undefined;
  return {
    after,
    every,
    times: times as number,
    mention,
    ...(chatId !== undefined ? { chatId } : {}),
    ...(raw.threadId !== undefined ? { threadId: raw.threadId as number } : {}),
  };
}

function readMentions(raw: unknown, fail: (path: (string | number)[], message: string) => void): OnCallUser[] {
  if (raw === undefined) return [];
  if (!Array.isArray(raw)) return (fail(["mention"], "expected a list of Telegram user ids or { id, name }"), []);
  if (raw.length > ESCALATION_LIMITS.mentions)
    fail(["mention"], `expected at most ${ESCALATION_LIMITS.mentions} people (one message names them all)`);
  const out: OnCallUser[] = [];
  raw.forEach((u, i) => {
    if (typeof u === "number") return isTelegramUserId(u) ? void out.push({ id: u }) : fail(["mention", i], USER);
    if (!isRecord(u) || typeof u.id !== "number" || !isTelegramUserId(u.id)) return fail(["mention", i], USER);
    for (const key of Object.keys(u)) if (key !== "id" && key !== "name") fail(["mention", i, key], "unknown key; expected id, name");
    if (u.name === undefined) return void out.push({ id: u.id });
    const problem = typeof u.name === "string" && u.name.trim() !== "" ? prefixProblem(u.name) : "expected a name to show, such as Alice";
    if (problem) return fail(["mention", i, "name"], problem);
    out.push({ id: u.id, name: (u.name as string).trim() });
  });
  return out;
}

function isRecord(v: unknown): v is Record<string, unknown> {
  return typeof v === "object" && v !== null && !Array.isArray(v);
}

/** Milliseconds of a duration readEscalation accepted. */
export function escalationMs(duration: string): number {
  return BRIDGE_DURATION.parse(duration) ?? 0;
}

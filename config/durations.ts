/**
 * Durations, each checked with the grammar of the program that reads it. One module for the stack
 * schema (config/schema.ts, config/scale.ts), the generators and rules (seconds of a route timing
 * or a rule window) and the Telegram bridge (bridge/src: its silences, and how it shows a
 * duration), so a duration the stack accepts is one its reader accepts.
 *
 * The bridge is bundled with esbuild from bridge/src into a stock Node image: this module must
 * stay free of imports, or the bundle would pull in whatever they reach.
 */

export interface DurationGrammar {
  /** Who reads durations of this grammar, for messages. */
  readonly reader: string;
  /** The form in words, for messages: "a duration such as …". */
  readonly form: string;
  /**
   * The grammar's form as a regular expression (JavaScript and JSON Schema read it alike): the
   * parser's own, so the JSON Schema for editors (schema/) refuses what the reader refuses, bar
   * the overflow and limits only the parser sees.
   */
  readonly pattern: RegExp;
  /** Milliseconds, or undefined when the reader would refuse the text. */
  parse(text: string): number | undefined;
}

const MS = { ms: 1, s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000, w: 604_800_000, y: 31_536_000_000 } as const;

/** time.Duration is an int64 of nanoseconds: about 292 years; longer overflows in Go. */
const GO_MAX_MS = Number((2n ** 63n - 1n) / 1_000_000n);

/**
 * prometheus/common model.ParseDuration: whole numbers, units y w d h m s ms, each at most once and
 * largest first (`1m1h` and `1h1h` are refused), or a bare `0`. Read by Prometheus (flags and
 * config: retention, rule `for`, remote_write's batch_send_deadline), Alertmanager's config file
 * and Loki's limits_config.retention_period.
 */
export const PROMETHEUS_DURATION: DurationGrammar = {
  reader: "Prometheus",
  form: "a duration such as 30s, 15m, 72h or 15d (units y, w, d, h, m, s, ms, each once, largest first)",
  pattern: /^(?:0|(?=\d)(?:(\d+)y)?(?:(\d+)w)?(?:(\d+)d)?(?:(\d+)h)?(?:(\d+)m)?(?:(\d+)s)?(?:(\d+)ms)?)$/,
  parse(text) {
    if (text === "0") return 0;
    const m = PROMETHEUS_DURATION.pattern.exec(text);
    if (!m) return undefined;
    const units = [MS.y, MS.w, MS.d, MS.h, MS.m, MS.s, MS.ms];
    const ms = units.reduce((sum, size, i) => sum + (m[i + 1] === undefined ? 0 : Number(m[i + 1]) * size), 0);
    return ms > GO_MAX_MS ? undefined : ms;
  },
};

/**
 * Go's time.ParseDuration: decimal numbers with units h m s ms us µs ns, in any order, an optional
 * sign, or a bare `0`; no d, w or y. Read by Tempo (its YAML durations, e.g. block_retention) and
 * by kingpin flags such as Alertmanager's --cluster.peer-timeout.
 */
export const GO_DURATION: DurationGrammar = {
  reader: "Go",
  form: "a Go duration such as 90s, 15m or 72h (units h, m, s, ms; no d, w or y)",
  pattern: /^(?:0|([-+]?)((?:(?:\d+\.?\d*|\.\d+)(?:h|m|s|ms|us|µs|μs|ns))+))$/,
  parse(text) {
    if (text === "0") return 0;
    const m = GO_DURATION.pattern.exec(text);
    if (!m) return undefined;
    const size: Record<string, number> = { h: MS.h, m: MS.m, s: MS.s, ms: 1, us: 1e-3, µs: 1e-3, μs: 1e-3, ns: 1e-6 };
    let ms = 0;
    for (const [, n, unit] of m[2].matchAll(/(\d+\.?\d*|\.\d+)(h|ms|m|s|us|µs|μs|ns)/g)) ms += Number(n) * size[unit];
    if (ms > GO_MAX_MS) return undefined;
    return m[1] === "-" ? -ms : ms;
  },
};

/**
 * The bridge's own durations (silence buttons and commands of the on-call console): whole numbers
 * with units s m h d w, in any order (1h30m, 90m, 2d), spaces around allowed.
 */
export const BRIDGE_DURATION: DurationGrammar = {
  reader: "the Telegram bridge",
  form: "a duration such as 30m, 1h, 4h or 2d (units w, d, h, m, s)",
  pattern: /^\s*(?:\d+[smhdw])+\s*$/,
  parse(text) {
    if (!BRIDGE_DURATION.pattern.test(text)) return undefined;
    let ms = 0;
    for (const [, n, unit] of text.matchAll(/(\d+)([smhdw])/g)) ms += Number(n) * MS[unit as keyof typeof MS];
    return ms;
  },
};

/**
 * Seconds of a duration its reader reads (Prometheus's grammar unless another is named): route
 * timings, rule windows, defaults. Text no reader takes is a mistake of the program, so it throws.
 */
export function durationSeconds(text: string, grammar: DurationGrammar = PROMETHEUS_DURATION): number {
  const ms = grammar.parse(text);
  if (ms === undefined) throw new Error(`expected ${grammar.form}, got ${JSON.stringify(text)}`);
  return ms / 1000;
}

/**
 * A duration in days, hours, minutes and seconds, largest first, rounded to the second: exact by
 * default, in the bridge's grammar (5400000 → "1h30m"), or only its largest `units` for people
 * (`{ units: 2, separator: " " }`: 90061000 → "1d 1h"). Nothing (or less than half a second) is "0s".
 */
export function formatDuration(ms: number, options: { readonly units?: number; readonly separator?: string } = {}): string {
  let rest = Math.max(0, Math.round(ms / 1000));
  const parts: string[] = [];
  for (const unit of ["d", "h", "m", "s"] as const) {
    const size = MS[unit] / 1000;
    const n = Math.floor(rest / size);
    if (n > 0) parts.push(`${n}${unit}`);
    rest -= n * size;
  }
  return parts.slice(0, options.units ?? parts.length).join(options.separator ?? "") || "0s";
}

export interface DurationLimits {
  /** Inclusive bounds, written in the grammar's own form, with why they are there. */
  readonly min?: { readonly value: string; readonly why: string };
  readonly max?: { readonly value: string; readonly why: string };
}

/**
 * Why a duration is refused by its reader or by a limit of the stack, as the tail of a message
 * ("expected …"); undefined when it is fine.
 */
export function durationProblem(text: unknown, grammar: DurationGrammar, limits: DurationLimits = {}): string | undefined {
  const ms = typeof text === "string" ? grammar.parse(text) : undefined;
  if (ms === undefined) return `expected ${grammar.form}`;
  if (limits.min && ms < grammar.parse(limits.min.value)!) return `expected at least ${limits.min.value} (${limits.min.why})`;
  if (limits.max && ms > grammar.parse(limits.max.value)!) return `expected at most ${limits.max.value} (${limits.max.why})`;
  return undefined;
}

/**
 * The silence lengths the on-call console offers as buttons: from a minute (Alertmanager ends a
 * shorter silence before anyone reads it) to 90 days (longer is forgetting, not silencing), at
 * most six buttons (one row of a Telegram keyboard).
 */
export const SILENCE_LIMITS: DurationLimits = {
  min: { value: "1m", why: "a shorter silence ends before anyone reads it" },
  max: { value: "90d", why: "a longer one is forgotten, not silenced" },
};
export const MAX_SILENCE_BUTTONS = 6;
/** The buttons when the stack names none: the stack's default and the bridge's alike. */
export const DEFAULT_SILENCE_DURATIONS: readonly string[] = ["1h", "4h", "24h"];

import * as fs from "fs";
import * as path from "path";
import * as z from "./zod";
import { describeError, Logger } from "./log";

/**
 * The bridge's memory that must outlive the process: which alert notifications each chat already
 * got (so Alertmanager's retries after a restart send only what is missing), the message of each
 * firing alert (for replies, edits and buttons), the getUpdates offset (so no update is handled
 * twice) and chat migrations. One JSON file, replaced atomically (write a temporary file, fsync,
 * rename, fsync the directory), so a crash leaves the old or the new state, never half of one.
 */

const silenceRecord = z.object({ ids: z.array(z.string()), by: z.string(), until: z.number() });
const deed = z.object({ by: z.string(), at: z.number() });
const subjectSchema = z.pipe(
  z.transform(upgradeSubject),
  z.object({
    title: z.string(),
    /** Each alert with the silences that hold it quiet, as far as the console knows. */
    alerts: z.array(
      z.object({
        alertKey: z.string(),
        labels: z.record(z.string(), z.string()),
        status: z.enum(["firing", "resolved"]),
        silence: z.optional(silenceRecord),
      }),
    ),
    unsilenced: z.optional(deed),
    /** Everyone who acknowledged, in order. */
    acks: z.optional(z.array(deed)),
  }),
);

/** State written before silences were kept per alert and acks as a list: one silence and one ack per subject. */
function upgradeSubject(raw: unknown): unknown {
  if (typeof raw !== "object" || raw === null) return raw;
  const { silence, ack, ...s } = raw as Record<string, unknown>;
  const alerts =
    silence !== undefined && Array.isArray(s.alerts)
      ? s.alerts.map((a: unknown) => (typeof a === "object" && a !== null ? { silence, ...a } : a))
      : s.alerts;
  return { ...s, alerts, ...(ack !== undefined && s.acks === undefined ? { acks: [ack] } : {}) };
}

const cardSchema = z.object({
  id: z.string(),
  /** A notification shows alerts as they fired (replies and edits follow it); an overview answers /alerts; silences answers /silences. */
  kind: z._default(z.enum(["notification", "overview", "silences"]), "notification"),
  chatId: z.string(),
  messageId: z.number().check(z.int()),
  threadId: z.optional(z.number().check(z.int())),
  createdAt: z.number(),
  updatedAt: z.number(),
  body: z.object({
    head: z.string(),
    blocks: z.array(z.object({ html: z.string(), alertKey: z.optional(z.string()) })),
    foot: z.string(),
  }),
  subjects: z.array(subjectSchema),
  /** A /silences answer: the silences it offers to expire, by button. */
  listed: z.optional(z.array(z.object({ id: z.string(), matchers: z.string() }))),
  /** Buttons offered: alert notifications get silence and ack; the Watchdog gets none. */
  buttons: z.boolean(),
  /** The message is a photo (a graph) with the text as its caption: edits change the caption. */
  photo: z.optional(z.boolean()),
  resolvedAt: z.optional(z.number()),
});

/**
 * An alert the escalation watches in one chat: when the chat was first shown it firing, how many
 * escalation messages went out for it and when the last did, and who acknowledged it (which ends
 * the escalation for good, whichever of the alert's messages the Ack was pressed on).
 */
const escalationSchema = z.object({
  chatId: z.string(),
  alertKey: z.string(),
  severity: z.string(),
  title: z.string(),
  since: z.number(),
  sent: z.number().check(z.int(), z.nonnegative()),
  lastAt: z.optional(z.number()),
  acked: z.optional(deed),
});

/** A fire drill: who started it where, the time of each hop, and how it ended. */
const drillSchema = z.object({
  id: z.string(),
  by: z.string(),
  chatId: z.string(),
  threadId: z.optional(z.number().check(z.int())),
  /** The answer to /drill, edited into the report. */
  answerMessageId: z.optional(z.number().check(z.int())),
  startedAt: z.number(),
  hops: z.object({
    /** Alertmanager's API accepted the alert. */
    alertmanager: z.optional(z.number()),
    /** Its webhook reached the bridge. */
    webhook: z.optional(z.number()),
    /** Telegram accepted the message that shows it. */
    telegram: z.optional(z.number()),
    /** Alertmanager accepted its end (endsAt now). */
    resolvePosted: z.optional(z.number()),
    /** The resolved webhook reached the bridge. */
    resolved: z.optional(z.number()),
  }),
  result: z.optional(z.enum(["ok", "failed", "interrupted"])),
  problem: z.optional(z.string()),
  endedAt: z.optional(z.number()),
});

const stateSchema = z.object({
  version: z.literal(1),
  updateOffset: z.optional(z.number().check(z.int())),
  /** item key → time until which it counts as delivered (sliding: every retry that asks for it extends it). */
  delivered: z.record(z.string(), z.number()),
  cards: z.record(z.string(), cardSchema),
  /** `${chatId}|${alertKey}` → id of the card that shows the alert firing. */
  alertCards: z.record(z.string(), z.string()),
  /** Old chat id → the supergroup it became. */
  migrations: z.record(z.string(), z.string()),
  watchdogLastSeen: z.optional(z.number()),
  /** `${chatId}|${alertKey}` → the escalation of that alert in that chat (state from before escalation has none). */
  escalations: z._default(z.record(z.string(), escalationSchema), {}),
  /** The latest fire drills, newest last, at most MAX_DRILLS_KEPT. */
  drills: z._default(z.array(drillSchema), []),
});

export type EscalationRecord = z.infer<typeof escalationSchema>;
export type DrillRecord = z.infer<typeof drillSchema>;
/** Drills remembered for /status and for hops that arrive after a restart. */
export const MAX_DRILLS_KEPT = 10;

/** How long a change that may wait (a sliding window extended, a timestamp) waits before it is written. */
export const STATE_WRITE_DELAY_MS = 1000;

export type Card = z.infer<typeof cardSchema>;
export type Subject = z.infer<typeof subjectSchema>;
export type BridgeState = z.infer<typeof stateSchema>;

export interface StoreLimits {
  readonly maxCards: number;
  readonly cardRetentionMs: number;
  /** A resolved card is kept this long for late button presses, then dropped. */
  readonly resolvedCardRetentionMs: number;
  readonly maxDelivered: number;
}

export const DEFAULT_STORE_LIMITS: StoreLimits = {
  maxCards: 500,
  cardRetentionMs: 7 * 86_400_000,
  resolvedCardRetentionMs: 86_400_000,
  maxDelivered: 50_000,
};

/** The filesystem calls the store makes; injected so a test can watch their order. */
export type StateFs = Pick<typeof fs, "readFileSync" | "renameSync" | "mkdirSync" | "openSync" | "writeSync" | "fsyncSync" | "closeSync">;

/** Records without a prototype, so no key (not even `__proto__`) reaches Object.prototype. */
const emptyRecord = <T>(): Record<string, T> => Object.create(null) as Record<string, T>;

const fresh = (): BridgeState => ({
  version: 1,
  delivered: emptyRecord(),
  cards: emptyRecord(),
  alertCards: emptyRecord(),
  migrations: emptyRecord(),
  escalations: emptyRecord(),
  drills: [],
});

export class StateStore {
  private state: BridgeState = fresh();
  private dirty = false;
  private timer: NodeJS.Timeout | undefined;
  private lastErrorLogAt = 0;
  private frozen = false;
  errors = 0;

  constructor(
    private readonly file: string | undefined,
    private readonly log: Logger,
    private readonly limits: StoreLimits = DEFAULT_STORE_LIMITS,
    private readonly now: () => number = Date.now,
    private readonly io: StateFs = fs,
  ) {}

  /** Reads the file; anything wrong with it is logged and the bridge starts afresh, never crashes. */
  load(): void {
    if (!this.file) {
      this.log.warn("STATE_FILE is not set: delivery memory lives in RAM and a restart forgets it");
      return;
    }
    let text: string;
    try {
      text = this.io.readFileSync(this.file, "utf8");
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code === "ENOENT") {
        this.log.info("no state file yet; starting afresh", { state_file: this.file });
        return;
      }
      this.errors += 1;
      this.log.error("state file unreadable; starting afresh", { state_file: this.file, reason: describeError(e) });
      return;
    }
    let parsed: BridgeState;
    try {
      const r = stateSchema.safeParse(JSON.parse(text));
      if (!r.success) throw new Error(`${r.error.issues[0].path.join(".") || "(root)"}: ${r.error.issues[0].message}`);
      parsed = r.data;
    } catch (e) {
      this.errors += 1;
      const aside = `${this.file}.corrupt`;
      try {
        this.io.renameSync(this.file, aside);
      } catch {
        // Kept where it is: the next commit replaces it.
      }
      this.log.error("state file corrupt; kept aside and starting afresh", {
        state_file: this.file,
        kept_as: aside,
        reason: describeError(e),
      });
      return;
    }
    // Records from JSON get a null prototype too.
    const nullProto = <T>(o: Record<string, T>) => Object.assign(emptyRecord<T>(), o);
    this.state = {
      ...parsed,
      delivered: nullProto(parsed.delivered),
      cards: nullProto(parsed.cards),
      alertCards: nullProto(parsed.alertCards),
      migrations: nullProto(parsed.migrations),
      escalations: nullProto(parsed.escalations),
    };
    this.prune();
    this.log.info("state loaded", {
      state_file: this.file,
      delivered: Object.keys(this.state.delivered).length,
      cards: Object.keys(this.state.cards).length,
      update_offset: this.state.updateOffset,
    });
  }

  get data(): Readonly<BridgeState> {
    return this.state;
  }

  // --- delivered items -------------------------------------------------------------------------

  /** Whether the item was delivered and is still remembered; asking again extends the memory. */
  wasDelivered(key: string, windowMs: number): boolean {
    const until = this.state.delivered[key];
    if (until === undefined || until < this.now()) return false;
    this.state.delivered[key] = Math.max(until, this.now() + windowMs);
    this.touch();
    return true;
  }

  markDelivered(key: string, windowMs: number): void {
    this.state.delivered[key] = this.now() + windowMs;
    this.dirty = true;
  }

  // --- cards -----------------------------------------------------------------------------------

  putCard(card: Card): void {
    this.state.cards[card.id] = card;
    if (card.kind !== "notification") return void (this.dirty = true);
    for (const s of card.subjects)
      for (const a of s.alerts) if (a.status === "firing") this.state.alertCards[`${card.chatId}|${a.alertKey}`] = card.id;
    this.dirty = true;
  }

  card(id: string): Card | undefined {
    return Object.hasOwn(this.state.cards, id) ? this.state.cards[id] : undefined;
  }

  /** The card that shows this alert firing in this chat, if the bridge still remembers it. */
  cardOfAlert(chatId: string, alertKey: string): Card | undefined {
    const id = this.state.alertCards[`${chatId}|${alertKey}`];
    // Stryker disable next-line ConditionalExpression: card(undefined) looks up "undefined", never a card id (8 base64url characters), so the answer is undefined either way (this also disables the non-equivalent → true)
    return id === undefined ? undefined : this.card(id);
  }

  updateCard(id: string, change: (c: Card) => void): Card | undefined {
    const c = this.card(id);
    if (!c) return undefined;
    change(c);
    c.updatedAt = this.now();
    this.dirty = true;
    return c;
  }

  // --- offset, migrations, watchdog --------------------------------------------------------------

  setUpdateOffset(offset: number): void {
    this.state.updateOffset = offset;
    this.dirty = true;
  }

  migrate(from: string, to: string): void {
    this.state.migrations[from] = to;
    this.dirty = true;
  }

  /** Where a configured chat lives now (a group upgraded to a supergroup changes its id). */
  currentChat(chatId: string): string {
    let id = chatId;
    for (let hops = 0; hops < 5 && Object.hasOwn(this.state.migrations, id); hops++) id = this.state.migrations[id];
    return id;
  }

  // --- escalations and drills -------------------------------------------------------------------

  escalation(key: string): EscalationRecord | undefined {
    return Object.hasOwn(this.state.escalations, key) ? this.state.escalations[key] : undefined;
  }

  putEscalation(key: string, record: EscalationRecord): void {
    this.state.escalations[key] = record;
    this.dirty = true;
  }

  dropEscalation(key: string): void {
    if (!Object.hasOwn(this.state.escalations, key)) return;
    delete this.state.escalations[key];
    this.dirty = true;
  }

  drill(id: string): DrillRecord | undefined {
    return this.state.drills.find((d) => d.id === id);
  }

  /** Remembers a new drill; the oldest beyond MAX_DRILLS_KEPT are forgotten. */
  addDrill(record: DrillRecord): void {
    this.state.drills.push(record);
    this.state.drills.splice(0, Math.max(0, this.state.drills.length - MAX_DRILLS_KEPT));
    this.dirty = true;
  }

  updateDrill(id: string, change: (d: DrillRecord) => void): DrillRecord | undefined {
    const d = this.drill(id);
    if (!d) return undefined;
    change(d);
    this.dirty = true;
    return d;
  }

  sawWatchdog(at: number): void {
    this.state.watchdogLastSeen = at;
    this.touch();
  }

  // --- persistence -----------------------------------------------------------------------------

  /** Writes now if anything changed. Called after every send Telegram accepted, before answering. */
  commit(): void {
    // Stryker disable next-line ConditionalExpression: → true: clearTimeout(undefined) does nothing (this also disables the non-equivalent → false)
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
    if (!this.dirty || !this.file || this.frozen) return;
    this.prune();
    const tmp = `${this.file}.tmp-${process.pid}`;
    const io = this.io;
    try {
      io.mkdirSync(path.dirname(this.file), { recursive: true });
      const fd = io.openSync(tmp, "w", 0o600);
      try {
        io.writeSync(fd, JSON.stringify(this.state));
        // On disk before the rename makes it the state: a crash after the rename cannot leave an empty file.
        io.fsyncSync(fd);
      } finally {
        io.closeSync(fd);
      }
      io.renameSync(tmp, this.file);
      // The rename itself on disk: without it a crash can bring back the old state after we answered.
      fsyncDirectory(io, path.dirname(this.file));
      this.dirty = false;
    } catch (e) {
      this.errors += 1;
      // Once a minute at most: a full or read-only volume must not flood the log.
      if (this.now() - this.lastErrorLogAt > 60_000) {
        this.lastErrorLogAt = this.now();
        this.log.error("state file not written; delivery memory is only in RAM until it can be", {
          state_file: this.file,
          reason: describeError(e),
        });
      }
    }
  }

  /** Changes that may wait a moment: written within STATE_WRITE_DELAY_MS. */
  private touch(): void {
    this.dirty = true;
    if (this.timer || !this.file) return;
    this.timer = setTimeout(() => this.commit(), STATE_WRITE_DELAY_MS);
    // Stryker disable next-line CallExpression: unref only decides whether the pending 1 s write keeps an idle process alive; the write happens either way
    this.timer.unref();
  }

  /** Stops all writes, as if the process had died here; used to simulate a crash. */
  freeze(): void {
    this.frozen = true;
    // Stryker disable next-line ConditionalExpression: → true: clearTimeout(undefined) does nothing; → false: after freeze every commit returns before writing, so a delayed write writes nothing
    if (this.timer) clearTimeout(this.timer);
  }

  /** Keeps the state bounded: expired items and cards go, then the oldest beyond the caps. */
  prune(): void {
    const now = this.now();
    const s = this.state;
    for (const [k, until] of Object.entries(s.delivered)) if (until < now) delete s.delivered[k];
    const deliveredKeys = Object.keys(s.delivered);
    // Stryker disable next-line EqualityOperator: >=: at exactly the cap the slice of items to drop is slice(0, 0) (this also disables the non-equivalent <=)
    if (deliveredKeys.length > this.limits.maxDelivered) {
      deliveredKeys.sort((a, b) => s.delivered[a] - s.delivered[b]);
      for (const k of deliveredKeys.slice(0, deliveredKeys.length - this.limits.maxDelivered)) delete s.delivered[k];
    }
    for (const [id, c] of Object.entries(s.cards)) {
      const expired =
        c.resolvedAt !== undefined
          ? c.resolvedAt + this.limits.resolvedCardRetentionMs < now
          : c.updatedAt + this.limits.cardRetentionMs < now;
      if (expired) delete s.cards[id];
    }
    const ids = Object.keys(s.cards);
    // Stryker disable next-line EqualityOperator: >=: at exactly the cap the slice of cards to drop is slice(0, 0) (this also disables the non-equivalent <=)
    if (ids.length > this.limits.maxCards) {
      ids.sort((a, b) => s.cards[a].updatedAt - s.cards[b].updatedAt);
      for (const id of ids.slice(0, ids.length - this.limits.maxCards)) delete s.cards[id];
    }
    for (const [k, id] of Object.entries(s.alertCards)) if (!Object.hasOwn(s.cards, id)) delete s.alertCards[k];
    // An escalation lives as long as the message that shows its alert firing.
    for (const k of Object.keys(s.escalations)) if (!Object.hasOwn(s.alertCards, k)) delete s.escalations[k];
  }
}

function fsyncDirectory(io: StateFs, dir: string): void {
  let fd: number | undefined;
  try {
    fd = io.openSync(dir, "r");
    io.fsyncSync(fd);
  } catch {
    // Some filesystems refuse fsync on a directory; the rename is still atomic.
  } finally {
    if (fd !== undefined) io.closeSync(fd);
  }
}

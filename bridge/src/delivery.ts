import type { BotMethod, BotParams, BotResult, InlineKeyboard } from "./botApi";
import { CardView, newCardId, renderCardKeyboard, renderCardText, allResolved } from "./cards";
import { ChatDestination, PaceLimits } from "./config";
import { isDrill } from "../../shared/drillLabels";
import { FormatOptions } from "./format";
import { Graphs } from "./graph/graphs";
import { captionFits, graphSubject } from "./graph/photo";
import { AlertItem, Item } from "./items";
import { Logger } from "./log";
import { BridgeMetrics } from "./metrics";
import { packNext, PackedMessage } from "./packing";
import { Pacer } from "./pacing";
import { Card, StateStore } from "./stateStore";
import { ApiOutcome, PermanentReason, TELEGRAM_REQUEST_TIMEOUT_MS, TelegramApi } from "./telegram";
import { keyboardRefusal } from "./telegramLimits";
import { TELEGRAM_LIMITS } from "./telegramLimits";
import { plainText, textFits } from "./telegramText";

/** One item a webhook asks to have delivered, with where and how long it is remembered once sent. */
export interface Delivery {
  readonly item: Item;
  readonly dest: ChatDestination;
  readonly windowMs: number;
}

export type DeliveryResult =
  | { readonly status: "delivered"; readonly sent: number; readonly skipped: number }
  | { readonly status: "transient"; readonly reason: string; readonly retryAfterMs?: number }
  | { readonly status: "permanent"; readonly reason: ItemFailure; readonly chats: readonly string[] };

/** Why items failed for good: the chat's refusal, or Telegram refusing the message even as plain text. */
type ItemFailure = PermanentReason | "unparseable" | "too_long";

export interface DeliveryOptions {
  readonly pace: PaceLimits;
  /** An idle chat waits this long after the first item, so webhooks arriving together share messages. */
  readonly coalesceMs: number;
  readonly backoffMs: readonly number[];
  /** Back-off of a chat Telegram refused permanently, growing with each new refusal. */
  readonly permanentBackoffMs: readonly number[];
  /** Items no request waits for any more are dropped after this; Alertmanager sends them again if still due. */
  readonly orphanTtlMs: number;
  /** How long one Bot API call may take; an answer later than this counts as lost (see TELEGRAM_REQUEST_TIMEOUT_MS). */
  readonly sendTimeoutMs: number;
  readonly now: () => number;
}

export const DEFAULT_DELIVERY: DeliveryOptions = {
  pace: { chatIntervalMs: 1000, groupPerMinute: 20, botPerSecond: 30 },
  coalesceMs: 1000,
  backoffMs: [500, 1000, 2000, 4000, 8000, 15_000, 30_000],
  permanentBackoffMs: [60_000, 5 * 60_000, 15 * 60_000, 60 * 60_000],
  orphanTtlMs: 10 * 60_000,
  sendTimeoutMs: TELEGRAM_REQUEST_TIMEOUT_MS,
  now: () => Date.now(),
};

export interface OutboxDeps {
  readonly api: TelegramApi;
  readonly store: StateStore;
  readonly metrics: BridgeMetrics;
  readonly log: Logger;
  readonly format: FormatOptions;
  readonly cardView: () => Omit<CardView, "now">;
  /** Buttons are offered only while the console runs. */
  readonly buttons: boolean;
  /** Graphs for firing messages; undefined when they are off (the setting, or no Prometheus). */
  readonly graphs?: Graphs;
}

interface Waiter {
  readonly remaining: Set<Pending>;
  readonly failures: Map<string, ItemFailure>;
  sent: number;
  settle(): void;
}

interface Pending {
  readonly item: Item;
  readonly threadId: number | undefined;
  readonly windowMs: number;
  readonly since: number;
  readonly waiters: Set<Waiter>;
  lastWanted: number;
  /** A message with a graph was tried for it: any later attempt is text only, so a graph is never retried. */
  graphTried?: boolean;
}

interface ChatFailure {
  reason: PermanentReason;
  detail: string;
  since: number;
  until: number;
  step: number;
  lastLogAt: number;
  refusedSinceLog: number;
}

/** A call that must go out promptly (a console answer, an edit after a button press). */
interface PriorityTask {
  readonly method: BotMethod;
  readonly params: (chatId: string) => BotParams<BotMethod>;
  readonly deadline: number;
  readonly done: (o: ApiOutcome) => void;
  /** A migration was followed for this call; a second one is not. */
  migrated?: boolean;
}

const PER_CHAT_FAILURES: ReadonlySet<PermanentReason> = new Set(["bad_token", "forbidden", "chat_not_found", "bad_migration"]);
/** What the log says the first time a chat is refused, by reason. */
const REFUSED_CHAT_ADVICE: Partial<Record<PermanentReason, string>> = {
  bad_migration:
    "telegram named a chat migration the bridge cannot follow (to the chat itself, or a second one for one message); the chat is refused. Check the chat id in the stack settings",
};
const DEFAULT_REFUSED_CHAT_ADVICE =
  "telegram refused the chat permanently; fix the bot token or chat id. Alertmanager re-sends every group_interval; the bridge answers 422 at once until the next try";
const WATCHDOG = "Watchdog";

/**
 * Per chat, one sender: it waits for Telegram's pace for that kind of chat, then sends the next
 * message packed from everything pending for the chat (so webhooks that arrive together share
 * messages), then tells every waiting request which of its items went out. A 429 holds the chat;
 * items stay queued and requests wait until their own deadline. Delivered items are remembered in
 * the state store, per chat, before any request hears of them.
 */
export class Outbox {
  private readonly lanes = new Map<string, Lane>();
  readonly pacer: Pacer;
  private closed = false;

  constructor(
    private readonly deps: OutboxDeps,
    private readonly opts: DeliveryOptions = DEFAULT_DELIVERY,
  ) {
    this.pacer = new Pacer(opts.pace);
  }

  submit(deliveries: readonly Delivery[], deadline: number): Promise<DeliveryResult> {
    const { store, metrics } = this.deps;
    const now = this.opts.now();
    return new Promise<DeliveryResult>((resolve) => {
      let skipped = 0;
      const remaining = new Set<Pending>();
      const failures = new Map<string, ItemFailure>();
      const touched = new Set<Lane>();
      let timer: NodeJS.Timeout | undefined;
      let settled = false;
      const finish = (r: DeliveryResult) => {
        if (settled) return;
        settled = true;
        if (timer) clearTimeout(timer);
        resolve(r);
      };
      const waiter: Waiter = {
        remaining,
        failures,
        sent: 0,
        settle: () => {
          // Called for every item that ends; only the last one decides.
          if (remaining.size > 0) return;
          if (failures.size > 0) finish({ status: "permanent", reason: [...failures.values()][0], chats: [...failures.keys()] });
          else finish({ status: "delivered", sent: waiter.sent, skipped });
        },
      };
      // A refused chat counts once per webhook, not once per alert.
      const refusals = new Map<Lane, PermanentReason | undefined>();
      for (const d of deliveries) {
        const lane = this.lane(d.dest.chatId);
        if (store.wasDelivered(d.item.key, d.windowMs)) {
          skipped += 1;
          metrics.duplicates.inc();
          continue;
        }
        if (!refusals.has(lane)) refusals.set(lane, lane.refusal(now));
        const refusal = refusals.get(lane);
        if (refusal) {
          failures.set(d.dest.chatId, refusal);
          continue;
        }
        let p = lane.pending.get(d.item.key);
        if (!p) {
          p = { item: d.item, threadId: d.dest.threadId, windowMs: d.windowMs, since: now, waiters: new Set(), lastWanted: now };
          lane.pending.set(d.item.key, p);
        }
        p.waiters.add(waiter);
        p.lastWanted = now;
        remaining.add(p);
        touched.add(lane);
      }
      for (const lane of touched) lane.poke();
      if (remaining.size === 0) return waiter.settle();
      timer = setTimeout(
        () => {
          const t = this.opts.now();
          for (const p of remaining) {
            p.waiters.delete(waiter);
            p.lastWanted = t;
          }
          const lanes = [...touched];
          const retryAfterMs = Math.max(0, ...lanes.map((l) => l.nextSlot(t) - t));
          finish({
            status: "transient",
            reason: lanes.map((l) => l.lastTransient).find(Boolean) ?? "out_of_time",
            retryAfterMs: retryAfterMs || undefined,
          });
        },
        Math.max(0, deadline - now),
      );
    });
  }

  /** Sends or edits promptly, ahead of queued alerts but within the chat's pace. */
  priority<M extends BotMethod>(
    chatId: string,
    method: M,
    params: (chatId: string) => BotParams<M>,
    timeoutMs = 30_000,
  ): Promise<ApiOutcome<BotResult<M>>> {
    if (this.closed) return Promise.resolve({ kind: "transient", reason: "network", detail: "bridge is stopping" });
    return new Promise((done) => {
      const lane = this.lane(chatId);
      // The lane holds calls of every method; each outcome is the answer to its own task's method.
      lane.priority.push({ method, params, deadline: this.opts.now() + timeoutMs, done: done as (o: ApiOutcome) => void });
      lane.poke();
    });
  }

  /** Re-renders a card's message (resolved, silenced, acknowledged) when the chat's pace allows. */
  scheduleEdit(cardId: string): void {
    const card = this.deps.store.card(cardId);
    if (!card) return;
    const lane = this.lane(card.chatId);
    lane.edits.add(cardId);
    lane.poke();
  }

  pendingCount(): number {
    let n = 0;
    for (const l of this.lanes.values()) n += l.pending.size;
    return n;
  }

  failingChats(): number {
    const now = this.opts.now();
    return [...this.lanes.values()].filter((l) => l.failure && l.failure.until > now).length;
  }

  close(): void {
    this.closed = true;
    for (const l of this.lanes.values()) l.stop();
  }

  private lane(chatId: string): Lane {
    let l = this.lanes.get(chatId);
    if (!l) {
      l = new Lane(chatId, this.deps, this.opts, this.pacer);
      this.lanes.set(chatId, l);
    }
    return l;
  }
}

class Lane {
  readonly pending = new Map<string, Pending>();
  readonly priority: PriorityTask[] = [];
  readonly edits = new Set<string>();
  failure: ChatFailure | undefined;
  lastTransient = "";
  private attempt = 0;
  /**
   * A migration was followed and the message it was for has not been answered otherwise yet:
   * a second one for it is not followed (a chat cannot move twice; following would loop).
   */
  private followedMigration = false;
  /** Edits that followed a migration once. */
  private readonly migratedEdits = new Set<string>();
  /** Items whose last send may have reached the chat though its answer did not reach the bridge. */
  private readonly unsure = new Set<string>();
  private running = false;
  private stopped = false;
  private wake: (() => void) | undefined;

  constructor(
    private readonly configuredChatId: string,
    private readonly deps: OutboxDeps,
    private readonly opts: DeliveryOptions,
    private readonly pacer: Pacer,
  ) {}

  private get chatId(): string {
    return this.deps.store.currentChat(this.configuredChatId);
  }

  /** The earliest time the chat may get a message, as of `now` (one reading of the clock per decision). */
  nextSlot(now: number): number {
    return this.pacer.nextSlot(this.chatId, now);
  }

  /** The reason to refuse at once, without calling Telegram, while the chat is in its back-off. */
  refusal(now: number): PermanentReason | undefined {
    const f = this.failure;
    if (!f || f.until <= now) return undefined;
    f.refusedSinceLog += 1;
    this.deps.metrics.failed.inc({ reason: f.reason });
    if (now - f.lastLogAt >= 10 * 60_000) {
      this.deps.log.warn("chat still refused by Telegram; not retrying until the back-off ends", {
        chat_id: this.configuredChatId,
        reason: f.reason,
        refused_notifications: f.refusedSinceLog,
        failing_since: new Date(f.since).toISOString(),
        next_try: new Date(f.until).toISOString(),
      });
      f.lastLogAt = now;
      f.refusedSinceLog = 0;
    }
    return f.reason;
  }

  poke(): void {
    const w = this.wake;
    this.wake = undefined;
    w?.();
    if (!this.running && !this.stopped) void this.run();
  }

  stop(): void {
    this.stopped = true;
    this.poke();
    for (const t of this.priority.splice(0)) t.done({ kind: "transient", reason: "network", detail: "bridge is stopping" });
  }

  private waitUntil(t: number): Promise<void> {
    const ms = t - this.opts.now();
    if (ms <= 0) return Promise.resolve();
    return new Promise((resolve) => {
      const timer = setTimeout(() => {
        this.wake = undefined;
        resolve();
      }, ms);
      this.wake = () => {
        clearTimeout(timer);
        resolve();
      };
    });
  }

  private async run(): Promise<void> {
    this.running = true;
    try {
      while (!this.stopped) {
        const now = this.opts.now();
        this.dropOrphans(now);
        if (this.failure && this.failure.until > now && this.pending.size) this.failAllPending();
        const hasWork = this.priority.length > 0 || this.pending.size > 0 || this.edits.size > 0;
        if (!hasWork) break;
        let slot = this.nextSlot(now);
        if (this.priority.length === 0 && this.pending.size > 0) {
          const first = this.pending.values().next().value as Pending;
          slot = Math.max(slot, first.since + this.opts.coalesceMs);
        }
        if (slot > now) {
          await this.waitUntil(slot);
          continue;
        }
        const task = this.priority.shift();
        if (task) await this.runPriority(task);
        else if (this.pending.size) await this.sendNextMessage();
        else await this.sendNextEdit();
      }
    } catch (e) {
      this.deps.log.error("chat sender failed; restarting it", { chat_id: this.configuredChatId, reason: (e as Error).stack ?? String(e) });
      setTimeout(() => this.poke(), 1000).unref();
    } finally {
      this.running = false;
    }
  }

  private dropOrphans(now: number): void {
    for (const [k, p] of this.pending) {
      if (p.waiters.size === 0 && now - p.lastWanted > this.opts.orphanTtlMs) {
        this.pending.delete(k);
        this.unsure.delete(k);
      }
    }
  }

  private failAllPending(): void {
    const f = this.failure!;
    this.followedMigration = false;
    this.unsure.clear();
    for (const p of this.pending.values()) {
      for (const w of p.waiters) {
        w.remaining.delete(p);
        w.failures.set(this.configuredChatId, f.reason);
        w.settle();
      }
    }
    this.pending.clear();
  }

  private resolvedReplyTarget(p: Pending): number | undefined {
    if (p.item.kind !== "alert" || p.item.alert.status !== "resolved") return undefined;
    return this.deps.store.cardOfAlert(this.configuredChatId, p.item.alertKey)?.messageId;
  }

  /** The items the next message may carry: same topic and same message to reply to as the oldest. */
  private nextBatch(): Pending[] {
    const all = [...this.pending.values()];
    const first = all[0];
    const target = this.resolvedReplyTarget(first);
    return all.filter((p) => p.threadId === first.threadId && this.resolvedReplyTarget(p) === target);
  }

  private async call<M extends BotMethod>(method: M, params: BotParams<M>): Promise<ApiOutcome<BotResult<M>>> {
    const started = this.opts.now();
    const outcome = await this.deps.api.call(method, params, { timeoutMs: this.opts.sendTimeoutMs });
    if (method === "sendMessage") this.deps.metrics.sendLatency.observe((this.opts.now() - started) / 1000);
    if (outcome.kind === "ok" || outcome.kind === "not_modified") this.pacer.record(this.chatId, this.opts.now());
    return outcome;
  }

  private async sendNextMessage(): Promise<void> {
    const batch = this.nextBatch();
    const packed = packNext(
      batch.map((p) => p.item),
      this.deps.format,
    );
    const taken = batch.slice(0, packed.taken.length);
    const replyTo = this.resolvedReplyTarget(taken[0]);
    const card = this.cardFor(packed, taken);
    const view = { ...this.deps.cardView(), now: this.opts.now() };
    const keyboard = card ? this.sendableKeyboard(card, view) : undefined;
    const rendered = renderCardText(card ?? this.bodyOnlyCard(packed), view.now);
    // Packing keeps within Telegram's limits; a text that still is not (one item too big even
    // alone) goes as plain text at once rather than be refused.
    let html = textFits(rendered);
    if (!html)
      this.deps.log.warn("message over Telegram's limits even packed alone; sending it as plain text", {
        chat_id: this.chatId,
        items: taken.length,
      });
    const graph = html && card ? await this.graphFor(packed, taken, rendered) : undefined;
    if (graph && card && (await this.sendWithGraph(graph, rendered, taken, packed, card, keyboard))) return;
    for (;;) {
      const params: BotParams<"sendMessage"> = {
        chat_id: this.chatId,
        text: html ? rendered : plainText(rendered),
        ...(html ? { parse_mode: "HTML" } : {}),
        link_preview_options: { is_disabled: true },
        ...(taken[0].threadId !== undefined ? { message_thread_id: taken[0].threadId } : {}),
        ...(replyTo !== undefined ? { reply_parameters: { message_id: replyTo, allow_sending_without_reply: true } } : {}),
        ...(keyboard ? { reply_markup: { inline_keyboard: keyboard } } : {}),
      };
      const outcome = await this.call("sendMessage", params);
      if (outcome.kind === "ok") return this.delivered(taken, packed, card, outcome.result?.message_id);
      if ((outcome.kind === "unparseable" || outcome.kind === "too_long") && html) {
        // Our escaping and measuring should make this impossible; if Telegram still refuses, plain text beats silence.
        this.deps.metrics.failed.inc({ reason: outcome.kind });
        const what = outcome.kind === "unparseable" ? "telegram could not parse the HTML" : "telegram found the message too long";
        this.deps.log.error(`${what}; resending as plain text`, { chat_id: this.chatId, detail: outcome.detail });
        html = false;
        continue;
      }
      if (outcome.kind === "unparseable" || outcome.kind === "too_long") return this.failItems(taken, outcome.kind, outcome.detail);
      return this.handleFailure(outcome, taken);
    }
  }

  /** The graph this message may carry (photo.ts says which do), made now; undefined to send the text alone. */
  private async graphFor(packed: PackedMessage, taken: readonly Pending[], caption: string): Promise<Buffer | undefined> {
    const graphs = this.deps.graphs;
    if (!graphs || taken.some((p) => p.graphTried)) return undefined;
    const subject = graphSubject(
      taken.map((p) => p.item),
      packed.mode,
    );
    if (!subject) return undefined;
    for (const p of taken) p.graphTried = true;
    if (!captionFits(caption)) {
      this.deps.metrics.graphs.inc({ result: "caption_too_long" });
      return undefined;
    }
    return graphs.render(subject);
  }

  /**
   * The message as a photo of its graph with the text as caption, tried once. True when that
   * settled the batch: Telegram took it, or failed it in a way that holds for the text as well
   * (pace, chat, network), handled as for the text, whose retry then goes without the graph.
   * False when Telegram refused the photo itself: the text goes alone at once.
   */
  private async sendWithGraph(
    png: Buffer,
    caption: string,
    taken: readonly Pending[],
    packed: PackedMessage,
    card: Card,
    keyboard: InlineKeyboard | undefined,
  ): Promise<boolean> {
    const params: BotParams<"sendPhoto"> = {
      chat_id: this.chatId,
      photo: new Blob([new Uint8Array(png)], { type: "image/png" }),
      caption,
      parse_mode: "HTML",
      ...(taken[0].threadId !== undefined ? { message_thread_id: taken[0].threadId } : {}),
      ...(keyboard ? { reply_markup: { inline_keyboard: keyboard } } : {}),
    };
    const outcome = await this.call("sendPhoto", params);
    if (outcome.kind === "ok") {
      this.deps.metrics.graphs.inc({ result: "sent" });
      this.delivered(taken, packed, { ...card, photo: true }, outcome.result?.message_id);
      return true;
    }
    const detail = "detail" in outcome ? outcome.detail : outcome.kind;
    const refused =
      outcome.kind === "unparseable" || outcome.kind === "too_long" || (outcome.kind === "permanent" && outcome.reason === "bad_request");
    this.deps.metrics.graphs.inc({ result: refused ? "telegram_refused" : "telegram_failed" });
    this.deps.log.warn(
      refused ? "telegram refused the graph; sending the text alone" : "sending the graph failed; the text is sent alone",
      { chat_id: this.chatId, outcome: outcome.kind, detail },
    );
    if (refused) return false;
    await this.handleFailure(outcome, taken);
    return true;
  }

  /** The card's buttons if Telegram takes them; otherwise the message goes without (and the card says so). */
  private sendableKeyboard(card: Card, view: CardView): InlineKeyboard | undefined {
    const keyboard = renderCardKeyboard(card, view);
    const refusal = keyboardRefusal(keyboard);
    if (!refusal) return keyboard;
    this.deps.log.error("buttons over Telegram's limits; sending the message without them", { chat_id: this.chatId, refusal });
    card.buttons = false;
    return undefined;
  }

  private bodyOnlyCard(packed: PackedMessage): Card {
    const now = this.opts.now();
    return {
      id: "",
      kind: "notification",
      chatId: this.configuredChatId,
      messageId: 0,
      createdAt: now,
      updatedAt: now,
      body: packed.body as Card["body"],
      subjects: [],
      buttons: false,
    };
  }

  /** A card for a message that shows firing alerts: they get buttons, replies and edits. */
  private cardFor(packed: PackedMessage, taken: readonly Pending[]): Card | undefined {
    const firing = taken.map((p) => p.item).filter((i): i is AlertItem => i.kind === "alert" && i.alert.status === "firing");
    // The Watchdog fires all the time on purpose: no buttons (silencing it blinds the dead-man's switch).
    const shown = firing.filter((i) => i.alert.labels.alertname !== WATCHDOG);
    // A fire drill gets a message that follows it (its end edits it) but no buttons: nothing to silence or acknowledge.
    const real = shown.filter((i) => !isDrill(i.alert.labels));
    const actionable = real.length ? real : shown;
    if (actionable.length === 0) return undefined;
    const now = this.opts.now();
    return {
      id: newCardId(),
      kind: "notification",
      chatId: this.configuredChatId,
      messageId: 0,
      threadId: taken[0].threadId,
      createdAt: now,
      updatedAt: now,
      body: { head: packed.body.head, blocks: packed.body.blocks.map((b) => ({ ...b })), foot: packed.body.foot },
      subjects: [
        { title: "", alerts: actionable.map((i) => ({ alertKey: i.alertKey, labels: i.alert.labels, status: "firing" as const })) },
      ],
      buttons: this.deps.buttons && real.length > 0,
    };
  }

  private delivered(taken: readonly Pending[], packed: PackedMessage, card: Card | undefined, messageId: number | undefined): void {
    const { store, metrics } = this.deps;
    this.attempt = 0;
    this.lastTransient = "";
    this.followedMigration = false;
    if (this.failure) {
      this.deps.log.info("chat reachable again", {
        chat_id: this.configuredChatId,
        failing_since: new Date(this.failure.since).toISOString(),
      });
      this.failure = undefined;
    }
    metrics.sent.inc();
    if (taken.some((p) => this.unsure.has(p.item.key))) {
      // At least once: a message whose earlier attempt may have been shown went out again.
      metrics.possiblyDuplicated.inc();
      this.deps.log.warn("sent again after an attempt whose answer was lost or late; the chat may show it twice", {
        chat_id: this.chatId,
        items: taken.length,
      });
    }
    for (const p of taken) this.unsure.delete(p.item.key);
    if (packed.summarised) metrics.summarised.inc({}, packed.summarised);
    if (packed.truncated) metrics.truncated.inc({}, packed.truncated);
    for (const p of taken) store.markDelivered(p.item.key, p.windowMs);
    if (card && messageId !== undefined) store.putCard({ ...card, messageId });
    const now = this.opts.now();
    for (const p of taken) {
      if (p.item.kind !== "alert" || p.item.alert.status !== "resolved") continue;
      const key = p.item.alertKey;
      const firingCard = store.cardOfAlert(this.configuredChatId, key);
      if (!firingCard) continue;
      store.updateCard(firingCard.id, (c) => {
        for (const s of c.subjects) for (const a of s.alerts) if (a.alertKey === key) a.status = "resolved";
        if (allResolved(c)) c.resolvedAt = now;
      });
      this.edits.add(firingCard.id);
    }
    // Durable before any request hears of it: a crash now cannot make the retry send it again.
    store.commit();
    for (const p of taken) {
      this.pending.delete(p.item.key);
      for (const w of p.waiters) {
        w.remaining.delete(p);
        w.sent += 1;
        w.settle();
      }
    }
  }

  private failItems(taken: readonly Pending[], reason: ItemFailure, detail: string): void {
    this.followedMigration = false;
    for (const p of taken) this.unsure.delete(p.item.key);
    this.deps.log.error("telegram refused a message permanently; its alerts are reported as failed", {
      chat_id: this.chatId,
      reason,
      detail,
    });
    for (const p of taken) {
      this.pending.delete(p.item.key);
      for (const w of p.waiters) {
        w.remaining.delete(p);
        w.failures.set(this.configuredChatId, reason);
        w.settle();
      }
    }
  }

  private async handleFailure(outcome: Exclude<ApiOutcome, { kind: "ok" }>, taken: readonly Pending[]): Promise<void> {
    const { metrics, log, store } = this.deps;
    const now = this.opts.now();
    switch (outcome.kind) {
      case "rate_limited":
        metrics.failed.inc({ reason: "rate_limited" });
        metrics.retries.inc();
        this.lastTransient = "rate_limited";
        this.pacer.hold(this.chatId, now + outcome.retryAfterMs);
        log.warn("telegram rate limit; the chat's queue waits retry_after", {
          chat_id: this.chatId,
          retry_after_ms: outcome.retryAfterMs,
          queued: this.pending.size,
        });
        return;
      case "migrated": {
        const detail = `migrate_to_chat_id ${outcome.toChatId} for chat ${this.chatId}${this.followedMigration ? ", a second migration for one message" : ""}`;
        if (this.followedMigration || !this.followable(outcome.toChatId)) {
          return this.handleFailure({ kind: "permanent", reason: "bad_migration", detail }, taken);
        }
        log.warn("chat was upgraded to a supergroup; following it (update the chat id in the stack settings)", {
          chat_id: this.chatId,
          new_chat_id: outcome.toChatId,
        });
        this.followedMigration = true;
        store.migrate(this.chatId, outcome.toChatId);
        store.commit();
        return;
      }
      case "not_modified":
        return;
      case "transient": {
        metrics.failed.inc({ reason: outcome.reason });
        this.lastTransient = outcome.reason;
        const backoff = this.opts.backoffMs[Math.min(this.attempt, this.opts.backoffMs.length - 1)];
        this.attempt += 1;
        metrics.retries.inc();
        if (outcome.maybeDelivered) for (const p of taken) this.unsure.add(p.item.key);
        const fields = {
          chat_id: this.chatId,
          reason: outcome.reason,
          detail: outcome.detail,
          backoff_ms: backoff,
          queued: this.pending.size,
        };
        log.warn("telegram send failed; retrying", outcome.maybeDelivered ? { ...fields, may_have_been_shown: true } : fields);
        await this.waitUntil(now + backoff);
        return;
      }
      case "unparseable":
      case "too_long":
        return this.failItems(taken, outcome.kind, outcome.detail);
      case "permanent": {
        metrics.failed.inc({ reason: outcome.reason });
        if (!PER_CHAT_FAILURES.has(outcome.reason)) return this.failItems(taken, outcome.reason, outcome.detail);
        const step = this.failure ? this.failure.step + 1 : 0;
        const backoff = this.opts.permanentBackoffMs[Math.min(step, this.opts.permanentBackoffMs.length - 1)];
        const first = !this.failure;
        this.failure = {
          reason: outcome.reason,
          detail: outcome.detail,
          since: this.failure?.since ?? now,
          until: now + backoff,
          step,
          lastLogAt: now,
          refusedSinceLog: 0,
        };
        const fields = {
          chat_id: this.chatId,
          reason: outcome.reason,
          detail: outcome.detail,
          next_try: new Date(now + backoff).toISOString(),
        };
        if (first) log.error(REFUSED_CHAT_ADVICE[outcome.reason] ?? DEFAULT_REFUSED_CHAT_ADVICE, fields);
        else log.warn("telegram still refuses the chat", fields);
        this.failAllPending();
        return;
      }
    }
  }

  private async sendNextEdit(): Promise<void> {
    const id = this.edits.values().next().value as string;
    this.edits.delete(id);
    const card = this.deps.store.card(id);
    if (!card) return;
    const outcome = await this.call(editMethod(card), editParams(card, this.chatId, { ...this.deps.cardView(), now: this.opts.now() }));
    this.recordEdit(outcome, card.id);
    if (outcome.kind === "rate_limited") {
      this.pacer.hold(this.chatId, this.opts.now() + outcome.retryAfterMs);
      this.edits.add(id);
    } else if (outcome.kind === "migrated" && !this.migratedEdits.has(id) && this.followable(outcome.toChatId)) {
      this.migratedEdits.add(id);
      this.deps.store.migrate(this.chatId, outcome.toChatId);
      this.edits.add(id);
      return;
    } else if (outcome.kind === "migrated") {
      this.deps.log.error("message edit dropped: telegram named a chat migration the bridge cannot follow", {
        chat_id: this.chatId,
        card: id,
        new_chat_id: outcome.toChatId,
      });
    }
    this.migratedEdits.delete(id);
  }

  /** A migration can be followed only to another chat, one the configured chat has not already been. */
  private followable(toChatId: string): boolean {
    return toChatId !== this.chatId && toChatId !== this.configuredChatId;
  }

  private recordEdit(outcome: ApiOutcome, cardId: string): void {
    const ok = outcome.kind === "ok" || outcome.kind === "not_modified";
    this.deps.metrics.edits.inc({ result: ok ? "ok" : "failed" });
    if (!ok && outcome.kind !== "rate_limited")
      this.deps.log.warn("message edit failed", {
        chat_id: this.chatId,
        card: cardId,
        outcome: outcome.kind,
        detail: "detail" in outcome ? outcome.detail : undefined,
      });
  }

  private async runPriority(task: PriorityTask): Promise<void> {
    const outcome = await this.call(task.method, task.params(this.chatId));
    const now = this.opts.now();
    if (outcome.kind === "rate_limited") {
      this.pacer.hold(this.chatId, now + outcome.retryAfterMs);
      if (now + outcome.retryAfterMs < task.deadline) return void this.priority.unshift(task);
    } else if (outcome.kind === "migrated" && !task.migrated && this.followable(outcome.toChatId)) {
      task.migrated = true;
      this.deps.store.migrate(this.chatId, outcome.toChatId);
      this.deps.store.commit();
      return void this.priority.unshift(task);
    } else if (outcome.kind === "migrated") {
      const detail = `migrate_to_chat_id ${outcome.toChatId} for chat ${this.chatId}`;
      this.deps.log.error("telegram named a chat migration the bridge cannot follow; the call is given up", {
        chat_id: this.chatId,
        method: task.method,
        detail,
      });
      return task.done({ kind: "permanent", reason: "bad_migration", detail });
    }
    task.done(outcome);
  }
}

/** How a card's message is edited: its text, or the caption of its graph. */
export function editMethod(card: Card): "editMessageText" | "editMessageCaption" {
  return card.photo ? "editMessageCaption" : "editMessageText";
}

/**
 * The editMethod call for a card as it reads now; without reply_markup Telegram removes the buttons.
 * Text or buttons over Telegram's limits go as plain text or without buttons, not refused.
 */
export function editParams(card: Card, chatId: string, view: CardView): BotParams<"editMessageText"> | BotParams<"editMessageCaption"> {
  const rendered = renderCardKeyboard(card, view);
  const keyboard = keyboardRefusal(rendered) ? undefined : rendered;
  const text = renderCardText(card, view.now);
  const limits = card.photo ? { ...TELEGRAM_LIMITS, visibleLength: TELEGRAM_LIMITS.captionLength } : TELEGRAM_LIMITS;
  const html = textFits(text, limits);
  const shown = html ? text : plainText(text, limits);
  return {
    chat_id: chatId,
    message_id: card.messageId,
    ...(card.photo ? { caption: shown } : { text: shown, link_preview_options: { is_disabled: true } }),
    ...(html ? { parse_mode: "HTML" } : {}),
    ...(keyboard ? { reply_markup: { inline_keyboard: keyboard } } : {}),
  };
}

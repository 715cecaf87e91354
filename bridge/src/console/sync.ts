import { allResolved, CardAlert, SilenceRecord } from "../cards";
import { describeError, Logger } from "../log";
import { BridgeMetrics } from "../metrics";
import { Card, StateStore } from "../stateStore";
import { ActiveAlert, AlertmanagerClient, Silence } from "./alertmanagerClient";

/**
 * One truth with Alertmanager: the cards follow the silences it holds, whoever made them
 * (amtool, Grafana, the API, another bridge). Each round asks Alertmanager twice, whatever the
 * number of cards: its silences (who made each, until when) and its alerts (which silences hold
 * each alert quiet, by fingerprint, as Alertmanager itself matched them). Only cards whose
 * silences changed are edited, through the chat's pace; each card at most once per round.
 */

/** What Alertmanager held when it was asked. */
export interface AlertmanagerSnapshot {
  readonly silences: readonly Silence[];
  readonly alerts: readonly ActiveAlert[];
  /** When the question was asked: a card changed after this knows better than the answer. */
  readonly at: number;
}

/** A change the snapshot makes to one alert of a card. */
export interface SilenceChange {
  readonly subject: number;
  readonly alert: number;
  readonly silence: SilenceRecord | undefined;
}

/** Cards that may show a silence: the console's messages with buttons, while some alert of them is firing. */
export function followedCards(cards: Iterable<Card>): Card[] {
  return [...cards].filter((c) => c.kind !== "silences" && c.buttons && !allResolved(c));
}

/**
 * What each alert of the card should show, by what Alertmanager holds: the silences that hold it
 * quiet (by Alertmanager's own matching when it still holds the alert; for an alert it no longer
 * holds, those the card knew that are still active), named by the one that ends last. Returns
 * only the alerts that change. A card changed after the snapshot was taken is left for the next
 * round: a silence made or expired from the chat meanwhile must not be undone by an older answer.
 */
export function silenceChanges(card: Card, snapshot: AlertmanagerSnapshot): SilenceChange[] {
  if (card.updatedAt > snapshot.at) return [];
  const { active, silencedBy } = indexOf(snapshot);
  const out: SilenceChange[] = [];
  card.subjects.forEach((subject, si) =>
    subject.alerts.forEach((alert, ai) => {
      const ids = (silencedBy.get(alert.alertKey) ?? alert.silence?.ids ?? []).filter((id) => active.has(id));
      const silence = recordOf(ids.map((id) => active.get(id)!));
      if (!sameSilence(alert.silence, silence)) out.push({ subject: si, alert: ai, silence });
    }),
  );
  return out;
}

/** The snapshot's silences and alerts by id, built once per snapshot: a round over every card stays linear in the cards. */
const indexes = new WeakMap<AlertmanagerSnapshot, { active: Map<string, Silence>; silencedBy: Map<string, readonly string[]> }>();
function indexOf(snapshot: AlertmanagerSnapshot): { active: Map<string, Silence>; silencedBy: Map<string, readonly string[]> } {
  let index = indexes.get(snapshot);
  if (!index) {
    index = {
      active: new Map(snapshot.silences.filter((s) => s.status.state === "active").map((s) => [s.id, s])),
      silencedBy: new Map(snapshot.alerts.map((a) => [a.fingerprint, a.status.silencedBy])),
    };
    indexes.set(snapshot, index);
  }
  return index;
}

function recordOf(silences: readonly Silence[]): SilenceRecord | undefined {
  if (silences.length === 0) return undefined;
  const last = silences.reduce((a, b) => (Date.parse(b.endsAt) > Date.parse(a.endsAt) ? b : a));
  return { ids: silences.map((s) => s.id).sort(), by: last.createdBy, until: Date.parse(last.endsAt) };
}

function sameSilence(a: CardAlert["silence"], b: SilenceRecord | undefined): boolean {
  if (!a || !b) return a === b;
  return a.by === b.by && a.until === b.until && a.ids.length === b.ids.length && [...a.ids].sort().every((id, i) => id === b.ids[i]);
}

export interface SyncDeps {
  readonly am: AlertmanagerClient;
  readonly store: StateStore;
  /** Edits a card's message when the chat's pace allows (the outbox's edit queue, one entry per card). */
  readonly scheduleEdit: (cardId: string) => void;
  readonly metrics: BridgeMetrics;
  readonly log: Logger;
  readonly intervalMs: number;
  readonly now?: () => number;
}

/** Runs a round every interval while the bridge runs; a failed round is logged once per streak and tried again next interval. */
export class AlertmanagerSync {
  private timer: NodeJS.Timeout | undefined;
  private running: Promise<void> | undefined;
  private stopped = false;
  private failing = false;
  private readonly now: () => number;

  constructor(private readonly deps: SyncDeps) {
    this.now = deps.now ?? Date.now;
  }

  start(): void {
    if (this.timer || this.stopped) return;
    this.schedule();
  }

  async stop(): Promise<void> {
    this.stopped = true;
    clearTimeout(this.timer);
    await this.running;
  }

  private schedule(): void {
    this.timer = setTimeout(() => {
      this.running = this.round()
        .then(
          () => undefined,
          () => undefined,
        )
        .finally(() => {
          this.running = undefined;
          if (!this.stopped) this.schedule();
        });
    }, this.deps.intervalMs);
    this.timer.unref();
  }

  /** One round: asks Alertmanager (nothing when no card could show a silence), applies what changed, queues the edits. Returns the cards edited. */
  async round(): Promise<string[]> {
    const { store, am, metrics, log } = this.deps;
    if (followedCards(Object.values(store.data.cards)).length === 0) return [];
    let snapshot: AlertmanagerSnapshot;
    try {
      const at = this.now();
      const [silences, alerts] = await Promise.all([am.silences(), am.alerts()]);
      snapshot = { silences, alerts, at };
    } catch (e) {
      metrics.syncs.inc({ result: "failed" });
      if (!this.failing)
        log.warn("cards not brought in line with Alertmanager's silences; trying again next round", {
          reason: describeError(e),
          every_ms: this.deps.intervalMs,
        });
      this.failing = true;
      return [];
    }
    if (this.failing) log.info("cards follow Alertmanager's silences again");
    this.failing = false;
    metrics.syncs.inc({ result: "ok" });
    const edited: string[] = [];
    // Cards are read again here: presses may have changed them while Alertmanager answered.
    for (const card of followedCards(Object.values(store.data.cards))) {
      const changes = silenceChanges(card, snapshot);
      if (changes.length === 0) continue;
      store.updateCard(card.id, (c) => {
        for (const ch of changes) c.subjects[ch.subject].alerts[ch.alert].silence = ch.silence;
      });
      edited.push(card.id);
    }
    if (edited.length === 0) return edited;
    store.commit();
    metrics.cardsSynced.inc({}, edited.length);
    log.info("cards follow silences changed in Alertmanager", { cards: edited.length });
    for (const id of edited) this.deps.scheduleEdit(id);
    return edited;
  }
}

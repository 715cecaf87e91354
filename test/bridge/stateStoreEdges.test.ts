import * as fs from "fs";
import * as path from "path";
import { Logger } from "../../bridge/src/log";
import { Card, DEFAULT_STORE_LIMITS, STATE_WRITE_DELAY_MS, StateStore, StoreLimits } from "../../bridge/src/stateStore";
import { useTempDirs } from "../support/tempDirs";

/**
 * The state store in process, on a clock the test moves: what each load outcome logs and counts,
 * the sliding delivery window at its exact edges, the delayed write of small changes, the rate of
 * write-error lines, and pruning at the boundaries of each limit.
 */

let dir: string;
let lines: string[];
let now: number;
const T0 = 1_700_000_000_000;

const file = () => path.join(dir, "state.json");
const logged = () => lines.map((l) => JSON.parse(l) as Record<string, unknown>);
// Flushed before the folder goes: a small change left for the delayed write would create it again.
const storeAt = (f: string | undefined, limits: StoreLimits = DEFAULT_STORE_LIMITS) =>
  tmp.flushes(new StateStore(f, new Logger((l) => lines.push(l)), limits, () => now));
const store = (limits?: StoreLimits) => storeAt(file(), limits);
const onDisk = () => JSON.parse(fs.readFileSync(file(), "utf8"));

const card = (id: string, extra: Partial<Card> = {}): Card => ({
  id,
  kind: "notification",
  chatId: "-1",
  messageId: 10,
  createdAt: now,
  updatedAt: now,
  body: { head: "h", blocks: [{ html: "b" }], foot: "" },
  subjects: [{ title: "", alerts: [{ alertKey: `k-${id}`, labels: { alertname: "A" }, status: "firing" }] }],
  buttons: true,
  ...extra,
});

beforeEach(() => {
  dir = tmp.make("bridge-state-edges-");
  lines = [];
  now = T0;
});
afterEach(() => jest.useRealTimers());
const tmp = useTempDirs({ settleMs: STATE_WRITE_DELAY_MS });

describe("loading", () => {
  it("without STATE_FILE: a warning, memory only, nothing written", () => {
    const s = storeAt(undefined);
    s.load();
    expect(logged()).toMatchObject([
      { level: "warning", msg: "STATE_FILE is not set: delivery memory lives in RAM and a restart forgets it" },
    ]);
    s.markDelivered("k", 1000);
    s.commit();
    expect(s.wasDelivered("k", 1000)).toBe(true);
    expect(s.errors).toBe(0);
  });

  it("no file yet: an info line, no error counted", () => {
    const s = store();
    s.load();
    expect(logged()).toMatchObject([{ level: "info", msg: "no state file yet; starting afresh", state_file: file() }]);
    expect(s.errors).toBe(0);
  });

  it("an unreadable path (a directory): one error counted, its reason logged", () => {
    fs.mkdirSync(file());
    const s = store();
    s.load();
    expect(s.errors).toBe(1);
    expect(logged()).toMatchObject([
      { level: "error", msg: "state file unreadable; starting afresh", state_file: file(), reason: expect.stringContaining("EISDIR") },
    ]);
  });

  it.each([
    [
      "the wrong shape names the field",
      JSON.stringify({ version: 1, delivered: { a: "soon" }, cards: {}, alertCards: {}, migrations: {} }),
      /^delivered\.a: /,
    ],
    ["a root that is no object says (root)", "[]", /^\(root\): /],
    ["not JSON gives the parser's reason", "{", /JSON/],
  ])("a corrupt file: %s", (_what, text, reason) => {
    fs.writeFileSync(file(), text);
    const s = store();
    s.load();
    expect(s.errors).toBe(1);
    const [line] = logged();
    expect(line).toMatchObject({
      level: "error",
      msg: "state file corrupt; kept aside and starting afresh",
      state_file: file(),
      kept_as: `${file()}.corrupt`,
    });
    expect(line.reason).toMatch(reason);
    expect(fs.existsSync(file())).toBe(false);
  });

  it("a good file: the counts are logged and what expired while the bridge was down is gone", () => {
    const a = store();
    a.load();
    a.markDelivered("stays", 10_000);
    a.markDelivered("goes", 1000);
    a.putCard(card("c1"));
    a.setUpdateOffset(77);
    a.commit();
    now += 5000;
    lines = [];
    const b = store();
    b.load();
    expect(logged()).toMatchObject([{ level: "info", msg: "state loaded", state_file: file(), delivered: 1, cards: 1, update_offset: 77 }]);
    expect(Object.keys(b.data.delivered)).toEqual(["stays"]);
    expect(b.errors).toBe(0);
  });

  it("a card written without a kind is a notification", () => {
    const { kind: _kind, ...old } = card("c1");
    fs.writeFileSync(
      file(),
      JSON.stringify({ version: 1, delivered: {}, cards: { c1: old }, alertCards: { "-1|k-c1": "c1" }, migrations: {} }),
    );
    const s = store();
    s.load();
    expect(s.card("c1")?.kind).toBe("notification");
    expect(s.cardOfAlert("-1", "k-c1")?.id).toBe("c1");
  });
});

describe("the delivery window", () => {
  it("counts up to and including its last millisecond, then forgets", () => {
    const s = store();
    s.markDelivered("k", 1000);
    expect(s.data.delivered.k).toBe(T0 + 1000);
    now = T0 + 1000;
    expect(s.wasDelivered("k", 0)).toBe(true);
    now = T0 + 1001;
    expect(s.wasDelivered("k", 1000)).toBe(false);
    expect(s.wasDelivered("never", 1000)).toBe(false);
  });

  it("slides: asking again extends it to a full window from now, never shortens it", () => {
    const s = store();
    s.markDelivered("k", 1000);
    now = T0 + 500;
    expect(s.wasDelivered("k", 2000)).toBe(true);
    expect(s.data.delivered.k).toBe(T0 + 2500);
    expect(s.wasDelivered("k", 10)).toBe(true);
    expect(s.data.delivered.k).toBe(T0 + 2500);
  });
});

describe("writing", () => {
  it("commit writes only what changed, once, as an owner-only file in a folder it creates", () => {
    const nested = path.join(dir, "sub", "state.json");
    const s = storeAt(nested);
    s.commit();
    expect(fs.existsSync(nested)).toBe(false);
    s.markDelivered("k", 1000);
    s.commit();
    expect(JSON.parse(fs.readFileSync(nested, "utf8"))).toEqual({
      version: 1,
      delivered: { k: T0 + 1000 },
      cards: {},
      alertCards: {},
      migrations: {},
      escalations: {},
      drills: [],
    });
    expect(fs.statSync(nested).mode & 0o777).toBe(0o600);
    fs.rmSync(nested);
    s.commit();
    expect(fs.existsSync(nested)).toBe(false);
  });

  it.each([
    ["the update offset", (s: StateStore) => s.setUpdateOffset(5), { updateOffset: 5 }],
    ["a migration", (s: StateStore) => s.migrate("-1", "-100"), { migrations: { "-1": "-100" } }],
    [
      "an overview card",
      (s: StateStore) => s.putCard(card("ov", { kind: "overview" })),
      { cards: { ov: expect.objectContaining({ kind: "overview" }) } },
    ],
  ])("%s is written by the next commit", (_what, change, expected) => {
    const s = store();
    change(s);
    s.commit();
    expect(onDisk()).toMatchObject(expected);
  });

  it("an overview card's alerts do not point at it: resolved notifications never reply to /alerts", () => {
    const s = store();
    s.putCard(card("ov", { kind: "overview" }));
    expect(s.cardOfAlert("-1", "k-ov")).toBeUndefined();
    s.commit();
    expect(onDisk().alertCards).toEqual({});
  });

  it("a delivery window extended by a retry alone is written within a second", () => {
    jest.useFakeTimers();
    const s = store();
    s.markDelivered("k", 60_000);
    s.commit();
    now = T0 + 10;
    expect(s.wasDelivered("k", 120_000)).toBe(true);
    jest.advanceTimersByTime(1000);
    expect(onDisk().delivered).toEqual({ k: T0 + 120_010 });
  });

  it("writes leave no file descriptor open", () => {
    const s = store();
    const open = () => fs.readdirSync("/proc/self/fd").length;
    s.markDelivered("warm-up", 1000);
    s.commit();
    const before = open();
    for (let i = 0; i < 20; i++) {
      s.markDelivered(`k${i}`, 1000);
      s.commit();
    }
    expect(open()).toBe(before);
  });

  it("small changes (a window extended, the Watchdog seen) are written within a second, not at once", () => {
    jest.useFakeTimers();
    const s = store();
    s.markDelivered("k", 60_000);
    s.commit();
    now = T0 + 10;
    expect(s.wasDelivered("k", 120_000)).toBe(true);
    s.sawWatchdog(T0 + 5);
    expect(jest.getTimerCount()).toBe(1);
    jest.advanceTimersByTime(999);
    expect(onDisk()).toMatchObject({ delivered: { k: T0 + 60_000 } });
    expect(onDisk().watchdogLastSeen).toBeUndefined();
    jest.advanceTimersByTime(1);
    expect(onDisk()).toMatchObject({ delivered: { k: T0 + 120_010 }, watchdogLastSeen: T0 + 5 });
    expect(jest.getTimerCount()).toBe(0);
  });

  it("a commit before the second is up writes at once and cancels the delayed write", () => {
    jest.useFakeTimers();
    const s = store();
    s.sawWatchdog(T0);
    s.commit();
    expect(jest.getTimerCount()).toBe(0);
    expect(onDisk().watchdogLastSeen).toBe(T0);
  });

  it("without a file, small changes start no timer", () => {
    jest.useFakeTimers();
    const s = storeAt(undefined);
    s.sawWatchdog(T0);
    expect(s.data.watchdogLastSeen).toBe(T0);
    expect(jest.getTimerCount()).toBe(0);
  });

  it("after freeze nothing more is written, as after a crash", () => {
    jest.useFakeTimers();
    const s = store();
    s.markDelivered("k", 1000);
    s.commit();
    s.sawWatchdog(T0);
    s.freeze();
    jest.advanceTimersByTime(2000);
    s.markDelivered("j", 1000);
    s.commit();
    expect(onDisk()).toEqual({
      version: 1,
      delivered: { k: T0 + 1000 },
      cards: {},
      alertCards: {},
      migrations: {},
      escalations: {},
      drills: [],
    });
  });

  it("write errors are each counted but logged at most once a minute", () => {
    fs.mkdirSync(file());
    const s = store();
    const attempt = () => {
      s.markDelivered(`k${now}`, 1000);
      s.commit();
    };
    // Logged at T0; not at T0+60 s (a minute is not more than a minute); at T0+120 s; not at +1 ms.
    attempt();
    now += 60_000;
    attempt();
    now += 60_000;
    attempt();
    now += 1;
    attempt();
    expect(s.errors).toBe(4);
    const errors = logged().filter((l) => l.level === "error");
    expect(errors).toHaveLength(2);
    expect(errors[0]).toMatchObject({
      msg: "state file not written; delivery memory is only in RAM until it can be",
      state_file: file(),
      reason: expect.stringContaining("EISDIR"),
    });
    // The rename over the directory failed: the complete temporary file is left beside it.
    expect(JSON.parse(fs.readFileSync(`${file()}.tmp-${process.pid}`, "utf8")).delivered).toHaveProperty(`k${now}`);
    // Memory still answers: the first item's window is over, the last one's is not.
    expect(s.wasDelivered(`k${T0}`, 1000)).toBe(false);
    expect(s.wasDelivered(`k${now}`, 1000)).toBe(true);
  });
});

describe("cards and chats", () => {
  it("only firing alerts of a notification point at its card; unknown ids and prototype names find nothing", () => {
    const s = store();
    s.putCard(
      card("c1", {
        subjects: [
          {
            title: "",
            alerts: [
              { alertKey: "f", labels: {}, status: "firing" },
              { alertKey: "r", labels: {}, status: "resolved" },
            ],
          },
        ],
      }),
    );
    expect(s.cardOfAlert("-1", "f")?.id).toBe("c1");
    expect(s.cardOfAlert("-1", "r")).toBeUndefined();
    expect(s.cardOfAlert("-2", "f")).toBeUndefined();
    for (const id of ["nope", "__proto__", "toString", "constructor"]) expect(s.card(id)).toBeUndefined();
  });

  it("updateCard changes a known card and stamps it; an unknown card is not touched", () => {
    const s = store();
    s.putCard(card("c1"));
    s.commit();
    now = T0 + 42;
    const change = jest.fn((c: Card) => (c.buttons = false));
    expect(s.updateCard("c1", change)).toMatchObject({ id: "c1", buttons: false, updatedAt: T0 + 42 });
    expect(s.updateCard("nope", change)).toBeUndefined();
    expect(change).toHaveBeenCalledTimes(1);
    s.commit();
    expect(onDisk().cards.c1).toMatchObject({ buttons: false, updatedAt: T0 + 42 });
  });

  it("follows chat migrations at most five hops (a cycle cannot hang it)", () => {
    const s = store();
    const chain = ["-1", "-2", "-3", "-4", "-5", "-6", "-7"];
    for (let i = 0; i + 1 < chain.length; i++) s.migrate(chain[i], chain[i + 1]);
    expect(s.currentChat("-1")).toBe("-6");
    expect(s.currentChat("-3")).toBe("-7");
    expect(s.currentChat("-9")).toBe("-9");
    s.migrate("-7", "-3");
    expect(s.currentChat("-7")).toBe("-7");
  });
});

describe("pruning at the edges of each limit", () => {
  const limits: StoreLimits = { maxCards: 2, cardRetentionMs: 1000, resolvedCardRetentionMs: 100, maxDelivered: 2 };

  it("an item expiring this millisecond is kept; the earliest-expiring go beyond the cap", () => {
    const s = store(limits);
    s.markDelivered("now", 0);
    s.markDelivered("late", 300);
    s.markDelivered("later", 200);
    s.markDelivered("latest", 400);
    s.prune();
    expect(Object.keys(s.data.delivered).sort()).toEqual(["late", "latest"]);
    const t = store({ ...limits, maxDelivered: 4 });
    t.markDelivered("now", 0);
    t.markDelivered("a", 10);
    t.markDelivered("b", 20);
    t.prune();
    // Below the cap nothing is dropped.
    expect(Object.keys(t.data.delivered).sort()).toEqual(["a", "b", "now"]);
  });

  it("a card is kept through its last millisecond of retention, resolved or not", () => {
    const s = store({ ...limits, maxCards: 10 });
    s.putCard(card("open", { updatedAt: T0 }));
    s.putCard(card("resolved", { updatedAt: T0 + 5000, resolvedAt: T0 }));
    now = T0 + 100;
    s.prune();
    expect(Object.keys(s.data.cards).sort()).toEqual(["open", "resolved"]);
    now = T0 + 101;
    s.prune();
    expect(Object.keys(s.data.cards)).toEqual(["open"]);
    now = T0 + 1000;
    s.prune();
    expect(Object.keys(s.data.cards)).toEqual(["open"]);
    now = T0 + 1001;
    s.prune();
    expect(Object.keys(s.data.cards)).toEqual([]);
  });

  it("below the card cap every card stays", () => {
    const s = store({ ...limits, maxCards: 4 });
    for (const id of ["a", "b", "c"]) s.putCard(card(id));
    s.prune();
    expect(Object.keys(s.data.cards).sort()).toEqual(["a", "b", "c"]);
  });

  it("beyond the card cap the least recently updated go, with their alerts' pointers", () => {
    const s = store(limits);
    s.putCard(card("new", { updatedAt: T0 + 3 }));
    s.putCard(card("old", { updatedAt: T0 + 1 }));
    s.putCard(card("mid", { updatedAt: T0 + 2 }));
    s.prune();
    expect(Object.keys(s.data.cards).sort()).toEqual(["mid", "new"]);
    expect(Object.keys(s.data.alertCards).sort()).toEqual(["-1|k-mid", "-1|k-new"]);
  });

  it("commit prunes before it writes", () => {
    const s = store(limits);
    s.markDelivered("short", 10);
    s.markDelivered("long", 1000);
    now = T0 + 11;
    s.commit();
    expect(Object.keys(onDisk().delivered)).toEqual(["long"]);
  });
});

import { getEventListeners } from "events";
import * as fs from "fs";
import * as path from "path";
import { Console } from "../../bridge/src/console/console";
import { Poller } from "../../bridge/src/console/poller";
import { Update } from "../../bridge/src/console/updates";
import { Logger } from "../../bridge/src/log";
import { BridgeMetrics } from "../../bridge/src/metrics";
import { STATE_WRITE_DELAY_MS, StateStore } from "../../bridge/src/stateStore";
import { until } from "./support/fakeAlertmanager";
import { ScriptedApi } from "./support/scriptedApi";
import { useTempDirs } from "../support/tempDirs";

/**
 * Long polling in process: getMe until it answers, then getUpdates with the stored offset; the
 * offset written before each update is handled; failures waited out on the back-off schedule (or
 * Telegram's retry_after); stop aborting a poll under way. The console is a stand-in that records
 * what it is handed.
 */

let api: ScriptedApi;
let store: StateStore;
let metrics: BridgeMetrics;
let lines: string[];
let handled: { update: Update; offsetOnDisk: number | undefined }[];
let console_: Console;
let poller: Poller;
let dir: string;

/** Handlings of updates that wait until the test releases them (by the update's text). */
const held = new Map<string, () => void>();
const logged = (msg: string) => lines.map((l) => JSON.parse(l) as Record<string, unknown>).filter((l) => l.msg === msg);
const stateFile = () => path.join(dir, "state.json");

/** Answers getMe and getUpdates from `updates` (one batch per poll); later polls hang until stopped. */
function bot(batches: unknown[][], me: { username?: string } = { username: "td_bot" }) {
  api.fallback = (method) => {
    if (method === "getMe") return { kind: "ok", result: me };
    if (method === "getUpdates") {
      const batch = batches.shift();
      return batch ? { kind: "ok", result: batch } : "hang";
    }
    return { kind: "ok", result: true };
  };
}

function start(backoffMs: number[] = [5]): Poller {
  poller = new Poller(api, console_, store, metrics, new Logger((l) => lines.push(l)), { timeoutSeconds: 7, backoffMs });
  poller.start();
  return poller;
}

beforeEach(() => {
  dir = tmp.make("bridge-poller-");
  api = new ScriptedApi();
  store = tmp.flushes(new StateStore(stateFile(), new Logger(() => undefined)));
  metrics = new BridgeMetrics();
  lines = [];
  handled = [];
  console_ = {
    botUsername: undefined,
    stopped: false,
    stop() {
      (this as { stopped: boolean }).stopped = true;
    },
    registerCommands: async () => undefined,
    handle: async (update: Update) => {
      const onDisk = fs.existsSync(stateFile())
        ? (JSON.parse(fs.readFileSync(stateFile(), "utf8")) as { updateOffset?: number }).updateOffset
        : undefined;
      handled.push({ update, offsetOnDisk: onDisk });
      if (update.message?.text === "boom") throw new Error("handler exploded");
      return update.message?.text === "ignore me" ? "ignored" : "handled";
    },
  } as unknown as Console;
});
afterEach(async () => {
  const stopped = poller?.stop();
  // What a failed test left waiting must not hold up the stop.
  for (const release of held.values()) release();
  await stopped;
});
// Its own hook: the folder goes even when the stop above fails or times out.
const tmp = useTempDirs({ settleMs: STATE_WRITE_DELAY_MS });

const message = (update_id: number, text: string) => ({ update_id, message: { message_id: update_id, chat: { id: -1 }, text } });

describe("getMe", () => {
  it("is asked until it answers, on the back-off schedule, then the bot's name is known", async () => {
    api.script = [
      { kind: "transient", reason: "network", detail: "ECONNREFUSED" },
      { kind: "permanent", reason: "bad_token", detail: "401" },
    ];
    bot([]);
    start([20, 150]);
    await until("polling", () => api.calls.some((c) => c.method === "getUpdates"));
    expect(api.calls.slice(0, 3).map((c) => c.method)).toEqual(["getMe", "getMe", "getMe"]);
    expect(api.calls[1].at - api.calls[0].at).toBeGreaterThanOrEqual(19);
    expect(api.calls[2].at - api.calls[1].at).toBeGreaterThanOrEqual(149);
    expect(logged("getMe failed; asking Telegram again")).toMatchObject([
      { level: "warning", outcome: "transient", detail: "ECONNREFUSED", retry_in_ms: 20 },
    ]);
    expect(
      logged(
        "Telegram refuses the bot token: TELEGRAM_BOT_TOKEN is wrong or was revoked (a new one comes from @BotFather); the bridge is not ready (/ready answers 503) and cannot deliver",
      ),
    ).toMatchObject([{ level: "error", detail: "401", retry_in_ms: 150 }]);
    expect(console_.botUsername).toBe("td_bot");
    expect(logged("console listening for commands and buttons")).toMatchObject([{ level: "info", bot: "td_bot" }]);
  });

  it("a bot without a username is known by an empty name", async () => {
    bot([], {});
    start();
    await until("polling", () => api.calls.some((c) => c.method === "getUpdates"));
    expect(console_.botUsername).toBe("");
  });

  it("a 429 is logged without detail", async () => {
    api.script = [{ kind: "rate_limited", retryAfterMs: 1000 }];
    bot([]);
    start();
    await until("polling", () => api.calls.some((c) => c.method === "getUpdates"));
    expect(logged("getMe failed; asking Telegram again")[0]).toEqual(
      expect.objectContaining({ outcome: "rate_limited", retry_in_ms: 1000 }),
    );
    expect(logged("getMe failed; asking Telegram again")[0]).not.toHaveProperty("detail");
  });

  it("stopped while getMe is under way: no failure logged, no poll", async () => {
    api.script = ["hang"];
    start();
    await api.calledTimes(1);
    await poller.stop();
    expect(lines).toEqual([]);
    expect(api.calls.map((c) => c.method)).toEqual(["getMe"]);
  });

  it("start twice: one loop", async () => {
    bot([]);
    start();
    poller.start();
    await until("polling", () => api.calls.some((c) => c.method === "getUpdates"));
    expect(api.calls.filter((c) => c.method === "getMe")).toHaveLength(1);
  });
});

describe("getUpdates", () => {
  it("asks from the stored offset, with the long-poll timeout and a client timeout 10 s longer", async () => {
    store.setUpdateOffset(55);
    bot([]);
    start();
    await until("polling", () => api.calls.find((c) => c.method === "getUpdates"));
    const poll = api.calls.find((c) => c.method === "getUpdates")!;
    expect(poll.params).toEqual({ offset: 55, limit: 16, timeout: 7, allowed_updates: ["message", "callback_query"] });
    expect(poll.opts?.timeoutMs).toBe(17_000);
    expect(poll.opts?.signal).toBeInstanceOf(AbortSignal);
  });

  it("without a stored offset asks from 0", async () => {
    bot([]);
    start();
    await until("polling", () => api.calls.find((c) => c.method === "getUpdates"));
    expect(api.calls.find((c) => c.method === "getUpdates")!.params.offset).toBe(0);
  });

  it("stores and writes the offset past a batch before handling any of it, and counts each result", async () => {
    bot([[message(10, "/help"), message(11, "ignore me"), message(12, "boom")], [message(13, "/status")]]);
    start();
    await until("four updates handled", () => handled.length === 4);
    expect(handled.map((h) => [h.update.update_id, h.offsetOnDisk])).toEqual([
      [10, 13],
      [11, 13],
      [12, 13],
      [13, 14],
    ]);
    await until("the next poll", () => api.calls.filter((c) => c.method === "getUpdates").length === 3);
    expect(api.calls.filter((c) => c.method === "getUpdates").map((c) => c.params.offset)).toEqual([0, 13, 14]);
    expect([
      metrics.updates.get({ result: "handled" }),
      metrics.updates.get({ result: "ignored" }),
      metrics.updates.get({ result: "failed" }),
    ]).toEqual([2, 1, 1]);
    expect(logged("update handling failed")).toMatchObject([{ level: "error", update_id: 12, reason: "handler exploded" }]);
  });

  it("an update it cannot read is skipped, its offset still stored; one without an id is only skipped", async () => {
    bot([[{ update_id: 20, message: { chat: "nope" } }, { no_id: true }, null, message(21, "/help")]]);
    start();
    await until("the good update", () => handled.length === 1);
    expect(handled[0]).toMatchObject({ update: { update_id: 21 }, offsetOnDisk: 22 });
    const skipped = logged("update not understood; skipped");
    expect(skipped).toHaveLength(3);
    expect(skipped[0]).toMatchObject({ level: "warning", update_id: 20, reason: expect.any(String) });
    expect(skipped[1].update_id).toBeNull();
    expect(metrics.updates.get({ result: "ignored" })).toBe(3);
    expect(store.data.updateOffset).toBe(22);
  });

  it("an id in an unreadable update that is no integer sets no offset", async () => {
    bot([[{ update_id: "7" }, { update_id: 1.5 }, { no_id: true }]]);
    start();
    await until("all three skipped", () => logged("update not understood; skipped").length === 3);
    expect(store.data.updateOffset).toBe(8);
    await until("the next poll", () => api.calls.filter((c) => c.method === "getUpdates").length === 2);
    expect(api.calls.filter((c) => c.method === "getUpdates")[1].params.offset).toBe(8);
  });

  it("a result that is no list is taken as no updates", async () => {
    bot([{ not: "a list" } as unknown as unknown[]]);
    start();
    await until("the next poll", () => api.calls.filter((c) => c.method === "getUpdates").length === 2);
    expect(handled).toEqual([]);
    expect(lines.filter((l) => l.includes("skipped"))).toEqual([]);
  });

  it("failures wait on the back-off schedule (reset by a good poll); a 429 waits its retry_after", async () => {
    const failure = { kind: "transient", reason: "server_error", detail: "502 Bad Gateway" } as const;
    const outcomes: unknown[] = [
      failure,
      failure,
      { kind: "ok", result: [] },
      failure,
      { kind: "rate_limited", retryAfterMs: 120 },
      { kind: "permanent", reason: "bad_request", detail: "409 Conflict" },
      failure,
    ];
    api.fallback = (method) => (method === "getMe" ? { kind: "ok", result: { username: "b" } } : ((outcomes.shift() as never) ?? "hang"));
    start([30, 90]);
    await until("eight polls", () => api.calls.filter((c) => c.method === "getUpdates").length === 8, 5000);
    // Past the end of the schedule its last step repeats.
    expect(logged("getUpdates failed; the console retries").map((l) => [l.outcome, l.detail, l.retry_in_ms])).toEqual([
      ["transient", "502 Bad Gateway", 30],
      ["transient", "502 Bad Gateway", 90],
      ["transient", "502 Bad Gateway", 30],
      ["rate_limited", undefined, 120],
      ["conflict", "409 Conflict", 90],
      ["transient", "502 Bad Gateway", 90],
    ]);
    const at = api.calls.filter((c) => c.method === "getUpdates").map((c) => c.at);
    expect(at[1] - at[0]).toBeGreaterThanOrEqual(29);
    expect(at[2] - at[1]).toBeGreaterThanOrEqual(89);
    expect(at[5] - at[4]).toBeGreaterThanOrEqual(119);
  });

  it("a 409 (a webhook is set, or another bridge polls) is logged as a conflict the console retries, with what causes it", async () => {
    const outcomes: unknown[] = [
      { kind: "permanent", reason: "bad_request", detail: "409 Conflict: terminated by other getUpdates request" },
    ];
    api.fallback = (method) => (method === "getMe" ? { kind: "ok", result: { username: "b" } } : ((outcomes.shift() as never) ?? "hang"));
    start([30]);
    await until("the second poll", () => api.calls.filter((c) => c.method === "getUpdates").length === 2);
    expect(logged("getUpdates failed; the console retries")).toEqual([
      expect.objectContaining({
        level: "warning",
        outcome: "conflict",
        reason: "another getUpdates poller or a webhook takes this bot's updates",
        detail: "409 Conflict: terminated by other getUpdates request",
        retry_in_ms: 30,
      }),
    ]);
  });

  it("stop aborts the poll under way and ends the loop without a failure line", async () => {
    bot([]);
    start();
    await until("polling", () => api.calls.some((c) => c.method === "getUpdates"));
    await poller.stop();
    const calls = api.calls.length;
    expect(api.calls.at(-1)!.opts?.signal?.aborted).toBe(true);
    expect(logged("getUpdates failed; the console retries")).toEqual([]);
    await new Promise((r) => setTimeout(r, 20));
    expect(api.calls).toHaveLength(calls);
  });

  it("a long outage leaves no abort listener behind per back-off pause", async () => {
    api.fallback = (method) =>
      method === "getMe" ? { kind: "ok", result: { username: "b" } } : { kind: "transient", reason: "network", detail: "down" };
    start([1]);
    await until("25 failures", () => logged("getUpdates failed; the console retries").length >= 25);
    const signal = (poller as unknown as { abort: AbortController }).abort.signal;
    // At most the pause under way holds one.
    expect(getEventListeners(signal, "abort").length).toBeLessThanOrEqual(1);
  });

  it("stop during a back-off pause ends it at once", async () => {
    api.fallback = (method) =>
      method === "getMe" ? { kind: "ok", result: { username: "b" } } : { kind: "transient", reason: "network", detail: "down" };
    start([60_000]);
    await until("the first failure", () => logged("getUpdates failed; the console retries").length === 1);
    const t0 = Date.now();
    await poller.stop();
    expect(Date.now() - t0).toBeLessThan(1000);
    expect(api.calls.filter((c) => c.method === "getUpdates")).toHaveLength(1);
  });
});

describe("updates handled concurrently", () => {
  beforeEach(() => {
    held.clear();
    console_.handle = async (update: Update) => {
      const text = update.message?.text ?? "";
      if (text.startsWith("hold")) await new Promise<void>((r) => held.set(text, r));
      handled.push({ update, offsetOnDisk: undefined });
      return "handled";
    };
  });

  it("an update that waits (Alertmanager hangs) holds up none after it", async () => {
    bot([[message(30, "hold 1"), message(31, "/help")]]);
    start();
    await until("/help handled", () => handled.some((h) => h.update.update_id === 31));
    expect(handled.map((h) => h.update.update_id)).toEqual([31]);
    held.get("hold 1")!();
    await until("both handled", () => handled.length === 2);
  });

  it("at most maxInFlight at once: no more is asked of Telegram than there is room for", async () => {
    bot([[message(40, "hold a"), message(41, "hold b")], [message(42, "/help")]]);
    poller = new Poller(api, console_, store, metrics, new Logger((l) => lines.push(l)), {
      timeoutSeconds: 7,
      backoffMs: [5],
      maxInFlight: 2,
    });
    poller.start();
    await until("two under way", () => held.size === 2);
    const polls = () => api.calls.filter((c) => c.method === "getUpdates");
    expect(polls().map((c) => c.params.limit)).toEqual([2]);
    await new Promise((r) => setTimeout(r, 50));
    // Full: no poll until one is done.
    expect(polls()).toHaveLength(1);
    held.get("hold a")!();
    await until("the next poll", () => polls().length >= 2);
    expect(polls()[1].params).toMatchObject({ offset: 42, limit: 1 });
    await until("/help handled", () => handled.some((h) => h.update.update_id === 42));
    held.get("hold b")!();
  });

  it("the offset past a batch is on disk while its updates are under way, so a restart handles none of them again", async () => {
    bot([[message(50, "hold x"), message(51, "hold y")]]);
    start();
    await until("both under way", () => held.size === 2);
    expect((JSON.parse(fs.readFileSync(stateFile(), "utf8")) as { updateOffset?: number }).updateOffset).toBe(52);
    // Stop waits for what is under way and tells the console to end its Alertmanager calls.
    const stopping = poller.stop();
    expect((console_ as unknown as { stopped: boolean }).stopped).toBe(true);
    for (const r of held.values()) r();
    await stopping;
    expect(handled).toHaveLength(2);
    // A new poller on the same state asks from past the batch.
    const again = tmp.flushes(new StateStore(stateFile(), new Logger(() => undefined)));
    again.load();
    api.calls.length = 0;
    bot([]);
    poller = new Poller(api, console_, again, metrics, new Logger((l) => lines.push(l)), { timeoutSeconds: 7, backoffMs: [5] });
    poller.start();
    await until("polling", () => api.calls.find((c) => c.method === "getUpdates"));
    expect(api.calls.find((c) => c.method === "getUpdates")!.params.offset).toBe(52);
  });
});

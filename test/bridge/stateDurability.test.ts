import * as fs from "fs";
import * as path from "path";
import { Logger } from "../../bridge/src/log";
import { DEFAULT_STORE_LIMITS, STATE_WRITE_DELAY_MS, StateFs, StateStore } from "../../bridge/src/stateStore";
import { useTempDirs } from "../support/tempDirs";

/**
 * The state file is replaced so that a crash at any moment leaves the old state or the new one:
 * the temporary file is written and fsynced before the rename makes it the state, and the
 * directory is fsynced after the rename so the rename itself survives a power cut. Neither fsync
 * changes what a test reads back, so the store's filesystem calls are watched in order.
 */

let dir: string;
let calls: string[];
let lines: Record<string, unknown>[];

const file = () => path.join(dir, "state.json");
const tmp = `state.json.tmp-${process.pid}`;

/** The real filesystem, every call the store makes written down with the file it is about. */
function watchedFs(fail: { fsync?: (name: string) => Error | undefined } = {}): StateFs {
  const names = new Map<number, string>();
  const name = (p: unknown) => (path.resolve(String(p)) === dir ? "<dir>" : path.basename(String(p)));
  return new Proxy(fs, {
    get(target, prop: string) {
      const real = (target as unknown as Record<string, unknown>)[prop];
      if (typeof real !== "function") return real;
      return (...args: unknown[]) => {
        const about =
          prop === "renameSync" ? `${name(args[0])} -> ${name(args[1])}` : typeof args[0] === "number" ? names.get(args[0]) : name(args[0]);
        calls.push(`${prop.replace(/Sync$/, "")} ${about}`);
        if (prop === "fsyncSync") {
          const e = fail.fsync?.(names.get(args[0] as number)!);
          if (e) throw e;
        }
        const result = (real as (...a: unknown[]) => unknown).apply(target, args);
        if (prop === "openSync") names.set(result as number, name(args[0]));
        return result;
      };
    },
  });
}

const store = (io: StateFs) =>
  temp.flushes(new StateStore(file(), new Logger((l) => lines.push(JSON.parse(l))), DEFAULT_STORE_LIMITS, Date.now, io));

const temp = useTempDirs({ settleMs: STATE_WRITE_DELAY_MS });
beforeEach(() => {
  dir = temp.make("bridge-state-durable-");
  calls = [];
  lines = [];
});

it("writes and fsyncs the temporary file, renames it over the state, then fsyncs the directory", () => {
  const s = store(watchedFs());
  s.markDelivered("k", 60_000);
  s.commit();
  expect(calls).toEqual([
    "mkdir <dir>",
    `open ${tmp}`,
    `write ${tmp}`,
    `fsync ${tmp}`,
    `close ${tmp}`,
    `rename ${tmp} -> state.json`,
    "open <dir>",
    "fsync <dir>",
    "close <dir>",
  ]);
  expect(Object.keys(JSON.parse(fs.readFileSync(file(), "utf8")).delivered)).toEqual(["k"]);
});

it("a temporary file that cannot be fsynced is never renamed over the state; the change stays to be written", () => {
  let failing = true;
  const s = store(
    watchedFs({ fsync: (n) => (failing && n === tmp ? Object.assign(new Error("EIO: i/o error, fsync"), { code: "EIO" }) : undefined) }),
  );
  s.markDelivered("k", 60_000);
  s.commit();
  expect(calls.filter((c) => c.startsWith("rename"))).toEqual([]);
  expect(fs.existsSync(file())).toBe(false);
  expect(s.errors).toBe(1);
  expect(lines).toMatchObject([
    {
      level: "error",
      msg: "state file not written; delivery memory is only in RAM until it can be",
      reason: expect.stringContaining("EIO"),
    },
  ]);
  // Still to be written: the next commit, with nothing new, writes it.
  failing = false;
  s.commit();
  expect(Object.keys(JSON.parse(fs.readFileSync(file(), "utf8")).delivered)).toEqual(["k"]);
});

it("a directory that refuses fsync (some filesystems do) still gets the state, without an error", () => {
  const s = store(
    watchedFs({
      fsync: (n) => (n === "<dir>" ? Object.assign(new Error("EINVAL: invalid argument, fsync"), { code: "EINVAL" }) : undefined),
    }),
  );
  s.markDelivered("k", 60_000);
  s.commit();
  expect(calls.slice(-3)).toEqual(["open <dir>", "fsync <dir>", "close <dir>"]);
  expect(Object.keys(JSON.parse(fs.readFileSync(file(), "utf8")).delivered)).toEqual(["k"]);
  expect([s.errors, lines]).toEqual([0, []]);
});

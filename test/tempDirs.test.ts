import * as fs from "fs";
import * as path from "path";
import { Logger } from "../bridge/src/log";
import { STATE_WRITE_DELAY_MS, StateStore } from "../bridge/src/stateStore";
import { TempDirRegistry } from "./support/tempDirs";

/**
 * The guard every suite with temporary folders relies on (test/support/tempDirs.ts): a folder a
 * state store writes into after its test removed it is reported and removed again; a store handed
 * to flushes() is committed first, so its folder stays gone. The store's delayed write runs on
 * Jest's fake clock here, so each case is decided by the order of events, not by timing.
 */

let registry: TempDirRegistry;
beforeEach(() => {
  registry = new TempDirRegistry();
  jest.useFakeTimers();
});
afterEach(() => {
  jest.useRealTimers();
  registry.clear("test");
  registry.clear("file");
  registry.cameBack();
});

/** A store on a file in a new folder, left with a small change waiting for the delayed write. */
function storeWithDelayedWrite(): { dir: string; store: StateStore } {
  const dir = registry.make("tempdirs-guard-", "test", "this test");
  const store = new StateStore(path.join(dir, "state.json"), new Logger(() => undefined));
  store.sawWatchdog(1);
  expect(jest.getTimerCount()).toBe(1);
  return { dir, store };
}

it("removes a test's folders and reports nothing when nothing wrote into them afterwards", () => {
  const dir = registry.make("tempdirs-guard-", "test", "this test");
  fs.writeFileSync(path.join(dir, "f"), "x");
  registry.clear("test");
  expect(fs.existsSync(dir)).toBe(false);
  expect(registry.cameBack()).toBeUndefined();
});

it("reports, and removes again, a folder a store's delayed write created after its removal", () => {
  const { dir } = storeWithDelayedWrite();
  registry.clear("test");
  jest.advanceTimersByTime(STATE_WRITE_DELAY_MS);
  expect(fs.existsSync(dir)).toBe(true);
  expect(registry.cameBack()).toBe(
    `temporary folders came back after they were removed (something wrote into them late):\n  ${dir} (made for this test)`,
  );
  expect(fs.existsSync(dir)).toBe(false);
});

it("commits a store handed to flushes before the folder goes, so nothing brings it back", () => {
  const { dir, store } = storeWithDelayedWrite();
  registry.flushes(store);
  registry.clear("test");
  expect(jest.getTimerCount()).toBe(0);
  jest.advanceTimersByTime(STATE_WRITE_DELAY_MS);
  expect(fs.existsSync(dir)).toBe(false);
  expect(registry.cameBack()).toBeUndefined();
});

it("removes the folders even when a commit throws, and keeps a file's folders until the file ends", () => {
  const mine = registry.make("tempdirs-guard-", "test", "this test");
  const shared = registry.make("tempdirs-guard-", "file", "the whole file");
  registry.flushes({
    commit() {
      throw new Error("disk full");
    },
  });
  expect(() => registry.clear("test")).toThrow("disk full");
  expect([fs.existsSync(mine), fs.existsSync(shared)]).toEqual([false, true]);
  registry.clear("file");
  expect(fs.existsSync(shared)).toBe(false);
});

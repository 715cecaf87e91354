import * as fs from "fs";
import * as os from "os";
import * as path from "path";

/** A test file's temporary folders (see useTempDirs). */
export interface TempDirs {
  /** A new empty folder for the current test (call it in the test or a beforeEach), e.g. /tmp/bridge-state-Ab12Cd. */
  make(prefix: string): string;
  /** A new empty folder the file's tests share (call it at load or in a beforeAll); removed when the file ends. */
  makeForFile(prefix: string): string;
  /** The store, committed just before the current test's folders go, so no delayed write of it comes after. */
  flushes<T extends { commit(): void }>(store: T): T;
}

export interface TempDirOptions {
  /** How long after a removal a late write may still land, e.g. the state store's STATE_WRITE_DELAY_MS. */
  readonly settleMs?: number;
}

interface Made {
  readonly dir: string;
  /** The test it was made for, named in the message when it comes back. */
  readonly by: string;
}

interface Scope {
  readonly dirs: Made[];
  readonly stores: { commit(): void }[];
}

/** The bookkeeping behind useTempDirs, without Jest's hooks, so that it can be tested on its own. */
export class TempDirRegistry {
  private readonly scopes: Record<"test" | "file", Scope> = { test: { dirs: [], stores: [] }, file: { dirs: [], stores: [] } };
  private readonly removed: Made[] = [];
  /** When a folder was last removed (Date.now()), for how long a late write may still come. */
  lastRemovalAt = 0;

  make(prefix: string, scope: "test" | "file", by: string): string {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), prefix));
    this.scopes[scope].dirs.push({ dir, by });
    return dir;
  }

  flushes<T extends { commit(): void }>(store: T): T {
    this.scopes.test.stores.push(store);
    return store;
  }

  /** Commits the scope's stores, then removes its folders: all of them, even when a commit throws. */
  clear(scope: "test" | "file"): void {
    const { dirs, stores } = this.scopes[scope];
    try {
      for (const store of stores.splice(0)) store.commit();
    } finally {
      for (const m of dirs.splice(0)) {
        fs.rmSync(m.dir, { recursive: true, force: true });
        this.removed.push(m);
        this.lastRemovalAt = Date.now();
      }
    }
  }

  /** The removed folders that exist again, each removed once more; a message naming them, or undefined. */
  cameBack(): string | undefined {
    const back = this.removed.filter((m) => fs.existsSync(m.dir));
    for (const m of back) fs.rmSync(m.dir, { recursive: true, force: true });
    if (!back.length) return undefined;
    return `temporary folders came back after they were removed (something wrote into them late):\n${back.map((m) => `  ${m.dir} (made for ${m.by})`).join("\n")}`;
  }
}

/**
 * Temporary folders for one test file: each is removed after the test that made it, pass or fail,
 * or when the file ends for one its tests share. Removing is not the whole story: the bridge's
 * state store creates its folder again when it writes, so a delayed write, or a send that finishes
 * after its outbox closed, brings a removed folder back for good. So when the file ends, after
 * waiting out `settleMs` since the last removal, it fails naming each folder that came back.
 *
 * Call it at the top of the file, or of the describe whose tests use it, AFTER that block's own
 * afterEach/afterAll that stop servers, pollers and outboxes: Jest runs an inner describe's hooks
 * first, then each block's in the order they were declared, so the folders go once whatever writes
 * into them has stopped.
 */
export function useTempDirs(options: TempDirOptions = {}): TempDirs {
  const registry = new TempDirRegistry();
  afterEach(() => registry.clear("test"));
  afterAll(async () => {
    registry.clear("file");
    const wait = registry.lastRemovalAt + (options.settleMs ?? 0) - Date.now();
    // One millisecond more: a late write's timer due at the same moment as ours may run after it.
    if (options.settleMs && wait > 0) await new Promise((r) => setTimeout(r, wait + 1));
    const message = registry.cameBack();
    if (message) throw new Error(message);
  });
  return {
    make: (prefix) => registry.make(prefix, "test", `"${expect.getState().currentTestName}"`),
    makeForFile: (prefix) => registry.make(prefix, "file", "the whole file"),
    flushes: (store) => registry.flushes(store),
  };
}

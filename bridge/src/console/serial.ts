/**
 * Runs work one at a time per key and concurrently across keys: presses that change the same
 * message's silences happen in the order they were made; everything else does not wait for them.
 */
export class KeyedSerial {
  private readonly tails = new Map<string, Promise<unknown>>();

  run<T>(key: string, work: () => Promise<T>): Promise<T> {
    const before = this.tails.get(key) ?? Promise.resolve();
    const mine = before.then(work, work);
    const tail = mine.then(
      () => undefined,
      () => undefined,
    );
    this.tails.set(key, tail);
    // The last one out removes the key, so the map holds only keys with work under way.
    void tail.then(() => {
      if (this.tails.get(key) === tail) this.tails.delete(key);
    });
    return mine;
  }
}

/**
 * Waits for `work`; if it is not done within `ms`, calls `slow` once (the press is answered
 * "working on it") and still waits. Returns only after `slow` finished, so what follows comes after it.
 */
export async function promptly<T>(work: Promise<T>, ms: number, slow: () => Promise<void>): Promise<T> {
  let slowDone: Promise<void> | undefined;
  const timer = setTimeout(() => {
    slowDone = slow();
  }, ms);
  try {
    return await work;
  } finally {
    clearTimeout(timer);
    await slowDone;
  }
}

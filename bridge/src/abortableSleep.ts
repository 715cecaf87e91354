/**
 * A back-off wait that `signal` ends at once. Its abort listener goes when it ends, or hours of
 * failures would pile listeners up on the one signal.
 */
export async function abortableSleep(ms: number, signal: AbortSignal): Promise<void> {
  await new Promise<void>((resolve) => {
    const end = () => {
      // Stryker disable next-line CallExpression: a timer left after the signal ended the wait only calls end() again: removing the listener twice and resolving a settled promise do nothing
      clearTimeout(t);
      signal.removeEventListener("abort", end);
      resolve();
    };
    const t = setTimeout(end, ms);
    signal.addEventListener("abort", end);
  });
}

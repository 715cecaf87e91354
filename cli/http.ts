/** Bounded HTTP calls of the commands that talk to a deployed stack, and what a failed one means. */

export interface Answer {
  readonly status: number;
  readonly body: string;
}

export async function httpGet(url: string, timeoutMs: number, headers: Record<string, string> = {}): Promise<Answer> {
  const r = await fetch(url, { signal: AbortSignal.timeout(timeoutMs), headers });
  return { status: r.status, body: await r.text() };
}

export async function httpPost(url: string, timeoutMs: number, headers: Record<string, string> = {}): Promise<Answer> {
  const r = await fetch(url, { method: "POST", signal: AbortSignal.timeout(timeoutMs), headers });
  return { status: r.status, body: (await r.text()).trim() };
}

/** An answer other than the one expected, with its status (401: the credentials are missing or wrong). */
export class HttpStatusError extends Error {
  constructor(
    message: string,
    readonly status: number,
  ) {
    super(message);
  }
}

/** The JSON body of a 200 answer; anything else is an error that says what came back. */
export async function httpJson<T>(url: string, timeoutMs: number, headers: Record<string, string> = {}): Promise<T> {
  const r = await httpGet(url, timeoutMs, headers);
  if (r.status !== 200)
    throw new HttpStatusError(`${url} answered ${r.status}${r.body.trim() ? `: ${r.body.trim().slice(0, 120)}` : ""}`, r.status);
  try {
    return JSON.parse(r.body) as T;
  } catch {
    throw new Error(`${url} answered 200, but not with JSON: ${r.body.trim().slice(0, 120)}`);
  }
}

/** Why a call got no answer: the socket error's code, a timeout, or the error's own words. */
export const unreachable = (e: unknown): string => {
  const err = e as Error & { cause?: { code?: string } };
  return err.cause?.code ? `unreachable (${err.cause.code})` : err.name === "TimeoutError" ? "timed out" : `unreachable (${err.message})`;
};

/** An error's message, or why nothing answered. */
export const failure = (e: unknown): string => {
  const err = e as Error & { cause?: unknown };
  return err.cause !== undefined || err.name === "TimeoutError" ? unreachable(e) : err.message;
};

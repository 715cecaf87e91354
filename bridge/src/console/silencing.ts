import { AlertmanagerClient, AlertmanagerError, Matcher, Silence, SilenceRequest } from "./alertmanagerClient";

/**
 * Changing silences one call at a time, and saying for each exactly what Alertmanager holds
 * afterwards. A call whose answer was lost (timeout, connection reset, an unreadable answer) may
 * have taken effect, so before anything is reported Alertmanager is asked once what it holds; only
 * when that question fails too is the outcome "unknown". After a call that got no answer at all the
 * rest are not tried: each would wait as long again.
 */

/** What became of one silence the console meant to create. */
export type Creation =
  | { readonly result: "silenced"; readonly id: string }
  | { readonly result: "not_silenced"; readonly said: string }
  | { readonly result: "unknown"; readonly said: string };

/** What became of one silence the console meant to expire. */
export type Expiry =
  | { readonly result: "expired" }
  /** It was no longer active when asked (expired elsewhere, or unknown to Alertmanager). */
  | { readonly result: "gone" }
  | { readonly result: "still_active"; readonly said: string }
  | { readonly result: "unknown"; readonly said: string };

const NOT_TRIED = (e: AlertmanagerError) => `not tried: ${e.said}`;

/** Creates the silences in turn; `created` hears of each one Alertmanager holds as soon as that is known. */
export async function createSilences(
  am: AlertmanagerClient,
  requests: readonly SilenceRequest[],
  created: (index: number, id: string) => void,
): Promise<Creation[]> {
  const out: Creation[] = [];
  const uncertain: { index: number; error: AlertmanagerError }[] = [];
  let gaveUp: AlertmanagerError | undefined;
  for (const [index, request] of requests.entries()) {
    if (gaveUp) {
      out[index] = { result: "not_silenced", said: NOT_TRIED(gaveUp) };
      continue;
    }
    try {
      const id = await am.createSilence(request);
      out[index] = { result: "silenced", id };
      created(index, id);
    } catch (e) {
      const error = asAlertmanagerError(e);
      if (error.mayHaveApplied) uncertain.push({ index, error });
      else out[index] = { result: "not_silenced", said: error.said };
      if (error.gaveUp) gaveUp = error;
    }
  }
  if (uncertain.length === 0) return out;
  const held = await heldSilences(am);
  for (const { index, error } of uncertain) {
    if (held instanceof AlertmanagerError) {
      out[index] = { result: "unknown", said: askedAgain(error, held) };
      continue;
    }
    const match = held.find((s) => isActive(s) && madeBy(s, requests[index]));
    if (match) {
      out[index] = { result: "silenced", id: match.id };
      created(index, match.id);
    } else out[index] = { result: "not_silenced", said: `${error.said}; it holds no such silence` };
  }
  return out;
}

/** Expires the silences in turn; one already expired or unknown to Alertmanager is "gone", which is fine. */
export async function expireSilences(am: AlertmanagerClient, ids: readonly string[]): Promise<Expiry[]> {
  const out: Expiry[] = [];
  const uncertain: { index: number; error: AlertmanagerError }[] = [];
  let gaveUp: AlertmanagerError | undefined;
  for (const [index, id] of ids.entries()) {
    if (gaveUp) {
      out[index] = { result: "still_active", said: NOT_TRIED(gaveUp) };
      continue;
    }
    try {
      await am.expireSilence(id);
      out[index] = { result: "expired" };
    } catch (e) {
      const error = asAlertmanagerError(e);
      if (error.status === 404) out[index] = { result: "gone" };
      // Alertmanager answers 500 for a silence already expired: asking tells that apart from a real failure.
      else if (error.mayHaveApplied || error.kind === "refused") uncertain.push({ index, error });
      else out[index] = { result: "still_active", said: error.said };
      if (error.gaveUp) gaveUp = error;
    }
  }
  if (uncertain.length === 0) return out;
  const held = await heldSilences(am);
  for (const { index, error } of uncertain) {
    if (held instanceof AlertmanagerError) {
      out[index] = error.mayHaveApplied
        ? { result: "unknown", said: askedAgain(error, held) }
        : { result: "still_active", said: error.said };
      continue;
    }
    const s = held.find((x) => x.id === ids[index]);
    // Ended: by this call when its answer was lost; before it when Alertmanager answered with a failure (500 "already expired").
    if (!s || !isActive(s)) out[index] = error.kind === "failed" || error.kind === "refused" ? { result: "gone" } : { result: "expired" };
    else out[index] = { result: "still_active", said: error.said };
  }
  return out;
}

/** The first failure and the failed question that followed it, in one sentence. */
function askedAgain(first: AlertmanagerError, again: AlertmanagerError): string {
  return first.said === again.said ? `${first.said}, nor when asked again` : `${first.said}; asked again: ${again.said}`;
}

async function heldSilences(am: AlertmanagerClient): Promise<Silence[] | AlertmanagerError> {
  try {
    return await am.silences();
  } catch (e) {
    return asAlertmanagerError(e);
  }
}

function asAlertmanagerError(e: unknown): AlertmanagerError {
  if (e instanceof AlertmanagerError) return e;
  throw e;
}

/** Active or pending (starts later): either way it holds or will hold the alerts quiet. */
function isActive(s: Silence): boolean {
  return s.status.state === "active" || s.status.state === "pending";
}

/** The silence this request made: same author, comment, end and matchers (Alertmanager moves a start in the past to now). */
function madeBy(s: Silence, r: SilenceRequest): boolean {
  return (
    s.createdBy === r.createdBy &&
    s.comment === r.comment &&
    Date.parse(s.endsAt) === r.endsAt.getTime() &&
    sameMatchers(s.matchers, r.matchers)
  );
}

function sameMatchers(a: readonly Matcher[], b: readonly Matcher[]): boolean {
  const key = (m: Matcher) => JSON.stringify([m.name, m.value, m.isRegex, m.isEqual !== false]);
  const ka = a.map(key).sort();
  const kb = b.map(key).sort();
  return ka.length === kb.length && ka.every((k, i) => k === kb[i]);
}

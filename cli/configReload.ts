import { Reloadable, reloadMetrics } from "../generators/reloadMetrics";
import { httpGet, HttpStatusError } from "./http";

/**
 * Whether a configuration reload took, from the program's own metrics. An HTTP 2xx from
 * /-/reload is not proof (a proxy, another program, a reload that reported success while keeping
 * the old configuration); Prometheus and Alertmanager both publish whether their last reload
 * succeeded and when the last successful one was. This is the one place that reads them, whatever
 * triggered the reload (Alertmanager's /-/reload, Prometheus's own file watch with --config.auto-reload).
 */

export { reloadMetrics };
export type { Reloadable };

export interface ReloadState {
  readonly successful: boolean;
  /** Unix seconds of the last successful reload (or the load at start). */
  readonly at: number;
}

/** A sample without labels from the text exposition format. */
function sample(text: string, name: string): number | undefined {
  const line = text.split("\n").find((l) => l.startsWith(`${name} `) || l.startsWith(`${name}{}`));
  if (line === undefined) return undefined;
  const value = Number(line.trim().split(/\s+/)[1]);
  return Number.isFinite(value) ? value : undefined;
}

export async function reloadState(
  service: Reloadable,
  url: string,
  timeoutMs: number,
  headers: Record<string, string> = {},
): Promise<ReloadState> {
  const r = await httpGet(`${url}/metrics`, timeoutMs, headers);
  const names = reloadMetrics(service);
  if (r.status !== 200)
    throw new HttpStatusError(`${url}/metrics answered ${r.status}, so whether a reload takes cannot be seen`, r.status);
  const successful = sample(r.body, names.successful);
  const at = sample(r.body, names.timestamp);
  if (successful === undefined || at === undefined)
    throw new Error(`${url}/metrics has no ${names.successful} and ${names.timestamp}: is this ${service}?`);
  return { successful: successful === 1, at };
}

export interface ReloadOutcome {
  readonly took: boolean;
  readonly detail: string;
}

const iso = (seconds: number) => new Date(seconds * 1000).toISOString();

/**
 * Waits (up to `waitMs`) for the reload that followed `before` to show in the metrics: taken when
 * the last successful reload is newer than before and the last reload succeeded; failed as soon as
 * the last reload turns unsuccessful; not taken when neither happens in time.
 */
export async function confirmReload(
  service: Reloadable,
  url: string,
  before: ReloadState,
  waitMs: number,
  pollMs = 200,
  headers: Record<string, string> = {},
): Promise<ReloadOutcome> {
  const names = reloadMetrics(service);
  const deadline = Date.now() + waitMs;
  for (;;) {
    const now = await reloadState(service, url, Math.max(1, Math.min(5000, deadline - Date.now())), headers);
    if (now.successful && now.at > before.at) return { took: true, detail: `reloaded: configuration loaded at ${iso(now.at)}` };
    if (!now.successful && before.successful) {
      return {
        took: false,
        detail: `the reload failed: ${names.successful} is 0, so ${service} still runs the configuration it loaded at ${iso(now.at)} (its log says why)`,
      };
    }
    if (Date.now() + pollMs > deadline) {
      return {
        took: false,
        detail: now.successful
          ? `the reload did not take: ${names.timestamp} stayed at ${iso(now.at)}`
          : `the reload did not take: ${names.successful} is 0 (the last reload failed) and the last successful one is still ${iso(now.at)}`,
      };
    }
    await new Promise((r) => setTimeout(r, pollMs));
  }
}

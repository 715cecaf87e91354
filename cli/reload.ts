import { parseArgs } from "util";
import { PROMETHEUS_AUTO_RELOAD_INTERVAL } from "../generators/commandLines";
import { authHeadersFor, authHint } from "./apiAuth";
import { confirmReload, Reloadable, reloadState } from "./configReload";
import { targetsFor } from "./endpoints";
import { failure, httpPost, HttpStatusError } from "./http";
import {
  alertmanagerAlertStacks,
  alertmanagerPeerName,
  alertmanagerVerdict,
  IdentityVerdict,
  prometheusExternalLabels,
  prometheusVerdict,
  StackIdentity,
} from "./identity";
import { EXIT, Io, UsageError } from "./io";

export const RELOAD_HELP = `usage: obs reload [--stack <name>] [--prometheus URL] [--alertmanager URL] [--timeout <ms>]

Alertmanager: asks it to reload its configuration (POST /-/reload) without a restart, and reports
"reloaded" only when the reload took: its own metrics must show a successful reload newer than
the one before (alertmanager_config_last_reload_successful and _success_timestamp_seconds).
Prometheus has no reload endpoint (nothing on its network may reload or stop it): it reloads its
files by itself within ${PROMETHEUS_AUTO_RELOAD_INTERVAL} of a change (--config.auto-reload), so reload reports whether its last
reload succeeded, from the same metrics.
Both answer only with credentials: PROMETHEUS_AUTH and ALERTMANAGER_AUTH=user:password
(pulumi stack output prometheusAuth --show-secrets, alertmanagerAuth likewise).
With --stack, a service that shows it is another stack's (Prometheus's external labels, the
alerts Alertmanager holds or its cluster peer name) is not reloaded. --timeout bounds each call
and the wait for the reload to show (default 10000 ms). Exits 1 if either refused, failed, did
not take, is another stack's or could not be reached.`;

/** Whose the service is, before asking it anything; undefined without --stack. */
async function identify(
  service: Reloadable,
  url: string,
  identity: StackIdentity | undefined,
  timeoutMs: number,
  headers: Record<string, string>,
): Promise<IdentityVerdict | undefined> {
  if (!identity) return undefined;
  if (service === "prometheus") return prometheusVerdict(await prometheusExternalLabels(url, timeoutMs, headers), identity);
  const peer = identity.alertmanagerPeerName === undefined ? undefined : await alertmanagerPeerName(url, timeoutMs, headers);
  return alertmanagerVerdict(await alertmanagerAlertStacks(url, timeoutMs, headers), peer, identity);
}

const iso = (seconds: number) => new Date(seconds * 1000).toISOString();

/** One service: its identity, its reload state, the reload (Alertmanager only), and whether it took. */
async function reloadOne(
  service: Reloadable,
  url: string,
  identity: StackIdentity | undefined,
  timeoutMs: number,
  headers: Record<string, string>,
): Promise<{ ok: boolean; line: string }> {
  const verdict = await identify(service, url, identity, timeoutMs, headers);
  if (verdict?.whose === "foreign") return { ok: false, line: `not reloaded: ${url} is ${verdict.detail}` };
  const before = await reloadState(service, url, timeoutMs, headers);
  if (service === "prometheus") {
    const auto = `reloads its files by itself (--config.auto-reload, every ${PROMETHEUS_AUTO_RELOAD_INTERVAL})`;
    return before.successful
      ? { ok: true, line: `${auto}; its last reload succeeded: configuration loaded at ${iso(before.at)}` }
      : {
          ok: false,
          line: `${auto}; its last reload FAILED (prometheus_config_last_reload_successful is 0): it still runs the configuration it loaded at ${iso(before.at)} (its log says why)`,
        };
  }
  const r = await httpPost(`${url}/-/reload`, timeoutMs, headers);
  if (r.status < 200 || r.status > 299) return { ok: false, line: `refused (${r.status}${r.body ? `: ${r.body}` : ""})` };
  const outcome = await confirmReload(service, url, before, timeoutMs, 200, headers);
  // An Alertmanager that holds no alert of the stack may still be its own (Prometheus's alerts may be what is being fixed).
  const unconfirmed = verdict?.whose === "unknown" ? `; whose it is is not confirmed: it ${verdict.detail}` : "";
  return { ok: outcome.took, line: `${outcome.took ? "" : `answered ${r.status}, but `}${outcome.detail}${unconfirmed}` };
}

export async function reload(argv: string[], root: string, io: Io, env: NodeJS.ProcessEnv = process.env): Promise<number> {
  const { values } = parseArgs({
    args: argv,
    options: {
      stack: { type: "string" },
      prometheus: { type: "string" },
      alertmanager: { type: "string" },
      timeout: { type: "string" },
      help: { type: "boolean" },
    },
    strict: true,
  });
  if (values.help) {
    io.out(RELOAD_HELP);
    return EXIT.ok;
  }
  const timeoutMs = values.timeout ? Number(values.timeout) : 10_000;
  if (!Number.isInteger(timeoutMs) || timeoutMs <= 0) throw new UsageError(`--timeout expects milliseconds, got "${values.timeout}"`);
  const t = targetsFor(root, values.stack, { prometheus: values.prometheus, alertmanager: values.alertmanager });
  const services = (["prometheus", "alertmanager"] as const).filter((s) => t.endpoints[s] !== undefined);
  if (services.length === 0) throw new UsageError("reload needs --stack <name> or --prometheus/--alertmanager URLs");
  let ok = true;
  for (const service of services) {
    const url = t.endpoints[service]!;
    try {
      const r = await reloadOne(service, url, t.identity, timeoutMs, authHeadersFor(service, env));
      ok &&= r.ok;
      io.out(`${service}: ${r.line}`);
    } catch (err) {
      ok = false;
      const hint = err instanceof HttpStatusError && err.status === 401 ? `; ${authHint(service, env)}` : "";
      io.out(`${service}: not reloaded: ${url} ${failure(err)}${hint}`);
    }
  }
  return ok ? EXIT.ok : EXIT.failed;
}

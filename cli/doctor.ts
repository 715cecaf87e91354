import { parseArgs } from "util";
import { ENDPOINT_FLAGS, Targets, targetsFor } from "./endpoints";
import { authHeadersFor, authHint } from "./apiAuth";
import { httpGet as get, unreachable as reason, failure, HttpStatusError } from "./http";
import {
  alertmanagerAlertStacks,
  alertmanagerPeerName,
  alertmanagerVerdict,
  IdentityVerdict,
  lokiContainers,
  lokiVerdict,
  prometheusExternalLabels,
  prometheusVerdict,
  StackIdentity,
} from "./identity";
import { EXIT, Io, table, UsageError } from "./io";

export const DOCTOR_HELP = `usage: obs doctor [--stack <name>] [--prometheus URL] [--alertmanager URL] [--grafana URL]
                  [--loki URL] [--tempo URL] [--json] [--timeout <ms>]

Checks a deployed stack: readiness of Prometheus, Alertmanager, Grafana, Loki and Tempo; down
scrape targets; rule groups that fail to evaluate; the Telegram bridge and the collector (through
Prometheus); Grafana's datasources when GRAFANA_AUTH=user:password is set. Prometheus and
Alertmanager answer only with credentials: PROMETHEUS_AUTH and ALERTMANAGER_AUTH=user:password
(pulumi stack output prometheusAuth --show-secrets, alertmanagerAuth likewise). --stack takes the URLs
from the committed stack file (bind address and host ports; Grafana at grafanaApiUrl, as pulumi up
reaches it); flags override or choose them. With --stack, each service must also show it is that
stack's: Prometheus by its external labels (stack, environment), Alertmanager by the alerts it
holds (the stack's Watchdog) and, in a cluster, its peer name, Loki by the logs of the stack's
containers, Grafana (with GRAFANA_AUTH) by the Prometheus its datasource reaches; another stack's
service fails. Services the stack switches off are shown as off and not probed.
Exits 1 when anything is wrong.`;

export interface Finding {
  readonly check: string;
  readonly ok: boolean;
  readonly detail: string;
  /** The stack switched the service off: nothing was probed. */
  readonly off?: true;
}

async function ready(name: string, url: string, timeoutMs: number, headers: Record<string, string> = {}, on401 = ""): Promise<Finding> {
  try {
    const r = await get(url, timeoutMs, headers);
    return {
      check: `${name} ready`,
      ok: r.status === 200,
      detail: `${url} → ${r.status}${r.status === 401 && on401 ? ` (${on401})` : ""}`,
    };
  } catch (e) {
    return { check: `${name} ready`, ok: false, detail: `${url} ${reason(e)}` };
  }
}

/** Whose the service is, as a finding: ok only when it shows it is the stack's. */
async function whose(name: string, url: string, verdict: () => Promise<IdentityVerdict>): Promise<Finding> {
  const check = `${name} is the stack's`;
  try {
    const v = await verdict();
    return { check, ok: v.whose === "ours", detail: `${url}: ${v.detail}` };
  } catch (e) {
    return {
      check,
      ok: false,
      detail: `${url}: cannot tell whose it is: ${failure(e)}${e instanceof HttpStatusError && e.status === 401 ? " (the credentials were refused)" : ""}`,
    };
  }
}

/** The `data` of a Prometheus API answer, as the caller expects it to be shaped. */
const apiData = <T>(body: string): T => (JSON.parse(body) as { data: T }).data;

interface InstantSample {
  metric: Record<string, string>;
  value: [number, string];
}

async function promQuery(prom: string, q: string, timeoutMs: number, headers: Record<string, string>): Promise<InstantSample[]> {
  const r = await get(`${prom}/api/v1/query?query=${encodeURIComponent(q)}`, timeoutMs, headers);
  return apiData<{ result: InstantSample[] }>(r.body).result;
}

async function prometheusFindings(
  prom: string,
  timeoutMs: number,
  identity: StackIdentity | undefined,
  env: NodeJS.ProcessEnv,
): Promise<Finding[]> {
  const headers = authHeadersFor("prometheus", env);
  const findings = [await ready("prometheus", `${prom}/-/ready`, timeoutMs, headers, authHint("prometheus", env))];
  if (!findings[0].ok) return findings;
  if (identity) {
    const mine = await whose("prometheus", prom, async () =>
      prometheusVerdict(await prometheusExternalLabels(prom, timeoutMs, headers), identity),
    );
    // Another stack's targets and rules would be reported as this stack's: stop here.
    if (!mine.ok) return [...findings, { ...mine, detail: `${mine.detail}; its targets and rules are not checked` }];
    findings.push(mine);
  }
  const targets = apiData<{ activeTargets: { health: string; labels: Record<string, string>; lastError: string }[] }>(
    (await get(`${prom}/api/v1/targets?state=active`, timeoutMs, headers)).body,
  ).activeTargets;
  const down = targets.filter((t) => t.health !== "up");
  findings.push({
    check: "scrape targets",
    ok: down.length === 0,
    detail: down.length
      ? `down: ${down.map((t) => `${t.labels.job}/${t.labels.instance}${t.lastError ? ` (${t.lastError})` : ""}`).join("; ")}`
      : `${targets.length} up`,
  });
  const groups = apiData<{ groups: { name: string; rules: { name: string; health: string; lastError?: string }[] }[] }>(
    (await get(`${prom}/api/v1/rules`, timeoutMs, headers)).body,
  ).groups;
  const bad = groups.flatMap((g) => g.rules.filter((r) => r.health === "err").map((r) => `${g.name}/${r.name}: ${r.lastError}`));
  findings.push({ check: "rule groups", ok: bad.length === 0, detail: bad.length ? bad.join("; ") : `${groups.length} groups healthy` });
  for (const [check, job] of [
    ["telegram bridge", "telegram_bridge"],
    ["collector", "tutordex_collector"],
  ] as const) {
    const up = await promQuery(prom, `up{job="${job}"}`, timeoutMs, headers);
    const ok = up.length > 0 && up.every((s) => s.value[1] === "1");
    findings.push({
      check,
      ok,
      detail: up.length ? `up{job="${job}"} = ${up.map((s) => s.value[1]).join(",")}` : `no ${job} target in Prometheus`,
    });
  }
  const permanent = await promQuery(
    prom,
    'sum(increase(telegram_bridge_messages_failed_total{reason=~"bad_token|forbidden|chat_not_found|bad_request"}[1h]))',
    timeoutMs,
    headers,
  );
  const n = permanent.length ? Number(permanent[0].value[1]) : 0;
  findings.push({
    check: "bridge deliveries",
    ok: n === 0,
    detail: n ? `${n} messages refused by Telegram in 1h (token or chat)` : "no permanent failures in 1h",
  });
  return findings;
}

async function alertmanagerFindings(
  am: string,
  timeoutMs: number,
  identity: StackIdentity | undefined,
  env: NodeJS.ProcessEnv,
): Promise<Finding[]> {
  const headers = authHeadersFor("alertmanager", env);
  const findings = [await ready("alertmanager", `${am}/-/ready`, timeoutMs, headers, authHint("alertmanager", env))];
  if (!findings[0].ok || !identity) return findings;
  const verdict = async () =>
    alertmanagerVerdict(
      await alertmanagerAlertStacks(am, timeoutMs, headers),
      identity.alertmanagerPeerName === undefined ? undefined : await alertmanagerPeerName(am, timeoutMs, headers),
      identity,
    );
  return [...findings, await whose("alertmanager", am, verdict)];
}

/** The Grafana datasources a stack provisions with fixed uids, and the service behind each. */
const DATASOURCES = ["prometheus", "loki", "tempo"] as const;

async function grafanaFindings(
  grafana: string,
  timeoutMs: number,
  auth: string | undefined,
  identity: StackIdentity | undefined,
  off: Targets["off"],
): Promise<Finding[]> {
  const health = await ready("grafana", `${grafana}/api/health`, timeoutMs);
  if (!health.ok) return [health];
  if (!auth)
    return [
      identity ? { ...health, detail: `${health.detail} (whose Grafana it is is checked with GRAFANA_AUTH=user:password set)` } : health,
    ];
  const headers = { authorization: `Basic ${Buffer.from(auth).toString("base64")}` };
  const findings = [health];
  if (identity) {
    // Through Grafana's own datasource: the Prometheus it queries must be the stack's.
    const proxied = `${grafana}/api/datasources/proxy/uid/prometheus`;
    const verdict = async () => {
      const labels = await prometheusExternalLabels(proxied, timeoutMs, headers).catch((e: unknown) => {
        throw new Error(`asking its Prometheus datasource: ${failure(e)}`);
      });
      const v = prometheusVerdict(labels, identity);
      return { ...v, detail: `its Prometheus datasource reaches a Prometheus that is ${v.detail}` };
    };
    findings.push(await whose("grafana", grafana, verdict));
  }
  for (const uid of DATASOURCES.filter((d) => !off.includes(d))) {
    try {
      const r = await get(`${grafana}/api/datasources/uid/${uid}/health`, timeoutMs, headers);
      findings.push({ check: `grafana datasource ${uid}`, ok: r.status === 200, detail: `${r.status} ${r.body.slice(0, 120)}` });
    } catch (e) {
      findings.push({ check: `grafana datasource ${uid}`, ok: false, detail: reason(e) });
    }
  }
  return findings;
}

async function lokiFindings(loki: string, timeoutMs: number, identity: StackIdentity | undefined): Promise<Finding[]> {
  const findings = [await ready("loki", `${loki}/ready`, timeoutMs)];
  if (!findings[0].ok || !identity) return findings;
  return [...findings, await whose("loki", loki, async () => lokiVerdict(await lokiContainers(loki, timeoutMs), identity))];
}

/** Credentials from the operator's environment: GRAFANA_AUTH, PROMETHEUS_AUTH, ALERTMANAGER_AUTH. */
export async function diagnose(t: Targets, timeoutMs: number, env: NodeJS.ProcessEnv = {}): Promise<Finding[]> {
  const e = t.endpoints;
  const parts: Promise<Finding[]>[] = [];
  if (e.prometheus)
    parts.push(
      prometheusFindings(e.prometheus, timeoutMs, t.identity, env).catch((err) => [
        { check: "prometheus", ok: false, detail: failure(err) },
      ]),
    );
  if (e.alertmanager) parts.push(alertmanagerFindings(e.alertmanager, timeoutMs, t.identity, env));
  if (e.grafana) parts.push(grafanaFindings(e.grafana, timeoutMs, env.GRAFANA_AUTH, t.identity, t.off));
  if (e.loki) parts.push(lokiFindings(e.loki, timeoutMs, t.identity));
  // Tempo's answers carry nothing of the stack's (its configuration is the same in every stack).
  if (e.tempo) parts.push(ready("tempo", `${e.tempo}/ready`, timeoutMs).then((f) => [f]));
  const off: Finding[] = t.off.map((s) => ({ check: s, ok: true, off: true, detail: `switched off (services.${s}: false): not probed` }));
  return [...(await Promise.all(parts)).flat(), ...off];
}

export async function doctor(argv: string[], root: string, io: Io, env: NodeJS.ProcessEnv = process.env): Promise<number> {
  const { values } = parseArgs({
    args: argv,
    options: {
      stack: { type: "string" },
      json: { type: "boolean" },
      timeout: { type: "string" },
      help: { type: "boolean" },
      ...Object.fromEntries(ENDPOINT_FLAGS.map((f) => [f, { type: "string" as const }])),
    },
    strict: true,
  });
  if (values.help) {
    io.out(DOCTOR_HELP);
    return EXIT.ok;
  }
  const targets = targetsFor(root, values.stack, values as Record<string, string>);
  if (Object.keys(targets.endpoints).length === 0)
    throw new UsageError("doctor needs --stack <name> or at least one service URL (see --help)");
  const timeoutMs = values.timeout ? Number(values.timeout) : 5000;
  if (!Number.isInteger(timeoutMs) || timeoutMs <= 0) throw new UsageError(`--timeout expects milliseconds, got "${values.timeout}"`);
  const findings = await diagnose(targets, timeoutMs, env);
  if (values.json) io.out(JSON.stringify({ ok: findings.every((f) => f.ok), findings }, null, 2));
  else
    for (const line of table([
      ["CHECK", "STATUS", "DETAIL"],
      ...findings.map((f) => [f.check, f.off ? "off" : f.ok ? "ok" : "FAIL", f.detail]),
    ]))
      io.out(line);
  return findings.every((f) => f.ok) ? EXIT.ok : EXIT.failed;
}

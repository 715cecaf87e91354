import { parseArgs } from "util";
import { Endpoints, endpointsFor, ENDPOINT_FLAGS } from "./endpoints";
import { EXIT, Io, table, UsageError } from "./io";

export const DOCTOR_HELP = `usage: obs doctor [--stack <name>] [--prometheus URL] [--alertmanager URL] [--grafana URL]
                  [--loki URL] [--tempo URL] [--json] [--timeout <ms>]

Checks a deployed stack: readiness of Prometheus, Alertmanager, Grafana, Loki and Tempo; down
scrape targets; rule groups that fail to evaluate; the Telegram bridge and the collector (through
Prometheus); Grafana's datasources when GRAFANA_AUTH=user:password is set. --stack takes the URLs
from the committed stack file (bind address and host ports); flags override or choose them.
Exits 1 when anything is wrong.`;

export interface Finding {
  readonly check: string;
  readonly ok: boolean;
  readonly detail: string;
}

async function get(url: string, timeoutMs: number, headers: Record<string, string> = {}): Promise<{ status: number; body: string }> {
  const r = await fetch(url, { signal: AbortSignal.timeout(timeoutMs), headers });
  return { status: r.status, body: await r.text() };
}

const reason = (e: unknown) => {
  const err = e as Error & { cause?: { code?: string } };
  return err.cause?.code ? `unreachable (${err.cause.code})` : err.name === "TimeoutError" ? "timed out" : `unreachable (${err.message})`;
};

async function ready(name: string, url: string, timeoutMs: number): Promise<Finding> {
  try {
    const r = await get(url, timeoutMs);
    return { check: `${name} ready`, ok: r.status === 200, detail: `${url} → ${r.status}` };
  } catch (e) {
    return { check: `${name} ready`, ok: false, detail: `${url} ${reason(e)}` };
  }
}

async function promQuery(prom: string, q: string, timeoutMs: number): Promise<{ metric: Record<string, string>; value: [number, string] }[]> {
  const r = await get(`${prom}/api/v1/query?query=${encodeURIComponent(q)}`, timeoutMs);
  return JSON.parse(r.body).data.result;
}

async function prometheusFindings(prom: string, timeoutMs: number): Promise<Finding[]> {
  const findings = [await ready("prometheus", `${prom}/-/ready`, timeoutMs)];
  if (!findings[0].ok) return findings;
  const targets = JSON.parse((await get(`${prom}/api/v1/targets?state=active`, timeoutMs)).body).data.activeTargets as { health: string; labels: Record<string, string>; lastError: string }[];
  const down = targets.filter((t) => t.health !== "up");
  findings.push({
    check: "scrape targets",
    ok: down.length === 0,
    detail: down.length ? `down: ${down.map((t) => `${t.labels.job}/${t.labels.instance}${t.lastError ? ` (${t.lastError})` : ""}`).join("; ")}` : `${targets.length} up`,
  });
  const groups = JSON.parse((await get(`${prom}/api/v1/rules`, timeoutMs)).body).data.groups as { name: string; rules: { name: string; health: string; lastError?: string }[] }[];
  const bad = groups.flatMap((g) => g.rules.filter((r) => r.health === "err").map((r) => `${g.name}/${r.name}: ${r.lastError}`));
  findings.push({ check: "rule groups", ok: bad.length === 0, detail: bad.length ? bad.join("; ") : `${groups.length} groups healthy` });
  for (const [check, job] of [["telegram bridge", "telegram_bridge"], ["collector", "tutordex_collector"]] as const) {
    const up = await promQuery(prom, `up{job="${job}"}`, timeoutMs);
    const ok = up.length > 0 && up.every((s) => s.value[1] === "1");
    findings.push({ check, ok, detail: up.length ? `up{job="${job}"} = ${up.map((s) => s.value[1]).join(",")}` : `no ${job} target in Prometheus` });
  }
  const permanent = await promQuery(prom, 'sum(increase(telegram_bridge_messages_failed_total{reason=~"bad_token|forbidden|chat_not_found|bad_request"}[1h]))', timeoutMs);
  const n = permanent.length ? Number(permanent[0].value[1]) : 0;
  findings.push({ check: "bridge deliveries", ok: n === 0, detail: n ? `${n} messages refused by Telegram in 1h (token or chat)` : "no permanent failures in 1h" });
  return findings;
}

async function grafanaFindings(grafana: string, timeoutMs: number, auth: string | undefined): Promise<Finding[]> {
  const findings = [await ready("grafana", `${grafana}/api/health`, timeoutMs)];
  if (!findings[0].ok || !auth) return findings;
  const headers = { authorization: `Basic ${Buffer.from(auth).toString("base64")}` };
  for (const uid of ["prometheus", "loki", "tempo"]) {
    try {
      const r = await get(`${grafana}/api/datasources/uid/${uid}/health`, timeoutMs, headers);
      findings.push({ check: `grafana datasource ${uid}`, ok: r.status === 200, detail: `${r.status} ${r.body.slice(0, 120)}` });
    } catch (e) {
      findings.push({ check: `grafana datasource ${uid}`, ok: false, detail: reason(e) });
    }
  }
  return findings;
}

export async function diagnose(e: Endpoints, timeoutMs: number, grafanaAuth?: string): Promise<Finding[]> {
  const parts: Promise<Finding[]>[] = [];
  if (e.prometheus) parts.push(prometheusFindings(e.prometheus, timeoutMs).catch((err) => [{ check: "prometheus", ok: false, detail: reason(err) }]));
  if (e.alertmanager) parts.push(ready("alertmanager", `${e.alertmanager}/-/ready`, timeoutMs).then((f) => [f]));
  if (e.grafana) parts.push(grafanaFindings(e.grafana, timeoutMs, grafanaAuth));
  if (e.loki) parts.push(ready("loki", `${e.loki}/ready`, timeoutMs).then((f) => [f]));
  if (e.tempo) parts.push(ready("tempo", `${e.tempo}/ready`, timeoutMs).then((f) => [f]));
  return (await Promise.all(parts)).flat();
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
  const endpoints = endpointsFor(root, values.stack as string | undefined, values as Record<string, string>);
  if (Object.keys(endpoints).length === 0) throw new UsageError("doctor needs --stack <name> or at least one service URL (see --help)");
  const timeoutMs = values.timeout ? Number(values.timeout) : 5000;
  if (!Number.isInteger(timeoutMs) || timeoutMs <= 0) throw new UsageError(`--timeout expects milliseconds, got "${values.timeout}"`);
  const findings = await diagnose(endpoints, timeoutMs, env.GRAFANA_AUTH);
  if (values.json) io.out(JSON.stringify({ ok: findings.every((f) => f.ok), findings }, null, 2));
  else for (const line of table([["CHECK", "STATUS", "DETAIL"], ...findings.map((f) => [f.check, f.ok ? "ok" : "FAIL", f.detail])])) io.out(line);
  return findings.every((f) => f.ok) ? EXIT.ok : EXIT.failed;
}

import * as yaml from "js-yaml";
import { DASHBOARDS } from "../../dashboards";
import { ALERTS } from "../../rules/catalog";
import { interpolate } from "../../harness/queries";
import { getJson, LiveStack, recordingRulesFed, startLiveStack, waitFor } from "../../harness/liveStack";
import { main } from "../../cli/main";
import { capture } from "../support/io";
import { ROOT } from "../../harness/stackFiles";

jest.setTimeout(120_000);
let live: LiveStack;
beforeAll(async () => {
  live = await startLiveStack();
}, 60_000);
afterAll(async () => {
  await live?.stop();
});

const query = (q: string) => getJson(`${live.prometheus}/api/v1/query?query=${encodeURIComponent(q)}`);
const messagesAbout = (text: string) => live.telegram.messages.filter((m) => m.text.includes(text));
const firingFor = (alert: string) => messagesAbout(`<b>FIRING</b> — <b>${alert}</b>`);
const resolvedFor = (alert: string) => messagesAbout(`<b>RESOLVED</b> — <b>${alert}</b>`);
const amAlerts = (alert: string) =>
  getJson<any[]>(`${live.alertmanager}/api/v2/alerts?filter=${encodeURIComponent(`alertname="${alert}"`)}`);
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/**
 * "Nothing more happens" is waited for as long as the mechanism that would make it happen takes:
 * the route's group_wait or next group_interval, read from the alertmanager.yml the running
 * Alertmanager loaded, plus one webhook's way through the bridge (coalescing, pacing) on loopback.
 */
const DELIVERY_MARGIN_MS = 1500;
interface AmRoute {
  matchers?: string[];
  continue?: boolean;
  group_wait?: string;
  group_interval?: string;
  routes?: AmRoute[];
}
const ms = (d: string) =>
  [...d.matchAll(/(\d+)(ms|s|m|h)/g)].reduce((n, [, k, u]) => n + Number(k) * { ms: 1, s: 1000, m: 60_000, h: 3_600_000 }[u as "s"], 0);
async function routeTiming(alert: string): Promise<{ groupWaitMs: number; groupIntervalMs: number }> {
  const labels: Record<string, string> = { alertname: alert, severity: ALERTS.find((a) => a.alert === alert)!.severity };
  const root = (yaml.load((await getJson(`${live.alertmanager}/api/v2/status`)).config.original) as { route: AmRoute }).route;
  const matches = (m: string) => {
    const [, name, op, value] = /^(\w+)(=~|=)"(.*)"$/.exec(m)!;
    return op === "=" ? (labels[name] ?? "") === value : new RegExp(`^(?:${value})$`).test(labels[name] ?? "");
  };
  // First match wins among the Telegram routes; the heartbeat route continues and is not one.
  const route = (root.routes ?? []).find((r) => !r.continue && (r.matchers ?? []).every(matches)) ?? root;
  return { groupWaitMs: ms(route.group_wait ?? root.group_wait!), groupIntervalMs: ms(route.group_interval ?? root.group_interval!) };
}
/** Webhook notifications Alertmanager counted as failed, from its own /metrics. */
async function amFailedWebhooks(): Promise<number> {
  const text = await (await live.request(`${live.alertmanager}/metrics`)).text();
  return [...text.matchAll(/^alertmanager_notifications_failed_total\{[^}]*integration="webhook"[^}]*\} (\S+)$/gm)].reduce(
    (n, m) => n + Number(m[1]),
    0,
  );
}

describe("steady state", () => {
  it("every scrape target is up", async () => {
    const targets = await waitFor(
      "all targets up",
      async () => {
        const t = (await getJson(`${live.prometheus}/api/v1/targets`)).data.activeTargets as { health: string; labels: { job: string } }[];
        return t.length > 0 && t.every((x) => x.health === "up") ? t : undefined;
      },
      30_000,
    );
    expect([...new Set(targets.map((t) => t.labels.job))].sort()).toEqual(
      [
        "alertmanager",
        "blackbox_exporter",
        "blackbox_http",
        "blackbox_http_public",
        "blackbox_stack_ready",
        "node_exporter",
        "otel_collector",
        "prometheus",
        "telegram_bridge",
        "tutordex_backend",
        "tutordex_collector",
        "tutordex_worker",
      ].sort(),
    );
  });

  it("every rule group evaluates with health ok", async () => {
    const groups = await waitFor("rules evaluated", async () => {
      const g = (await getJson(`${live.prometheus}/api/v1/rules`)).data.groups as {
        name: string;
        rules: { name: string; health: string; lastError?: string }[];
      }[];
      return g.every((x) => x.rules.every((r) => r.health !== "unknown")) ? g : undefined;
    });
    expect(groups.map((g) => g.name).sort()).toEqual([
      "tutordex_deadman",
      "tutordex_infra",
      "tutordex_pipeline",
      "tutordex_quality",
      "tutordex_recording",
      "tutordex_stack",
    ]);
    const unhealthy = groups.flatMap((g) => g.rules.filter((r) => r.health !== "ok").map((r) => `${g.name}/${r.name}: ${r.lastError}`));
    expect(unhealthy).toEqual([]);
  });

  it("every recording rule produces series", async () => {
    for (const r of recordingRulesFed(["cadvisor"])) {
      await waitFor(`${r.record} has series`, async () => ((await query(r.record)).data.result.length > 0 ? true : undefined), 30_000);
    }
  });

  it("every dashboard query executes against the live Prometheus without error", async () => {
    const exprs = DASHBOARDS.flatMap((d) => d.panels.flatMap((p) => p.targets ?? []))
      .filter((t) => t.datasource?.type === "prometheus")
      .map((t) => t.expr);
    const failures: string[] = [];
    for (const expr of exprs) {
      const r = await live.request(`${live.prometheus}/api/v1/query?query=${encodeURIComponent(interpolate(expr))}`);
      const body = (await r.json()) as { status: string; error?: string };
      if (body.status !== "success") failures.push(`${expr}: ${body.error}`);
    }
    expect(failures).toEqual([]);
    expect(exprs.length).toBeGreaterThan(80);
  });

  it("the Watchdog reaches Telegram on its own route", async () => {
    await waitFor("Watchdog message", async () => (firingFor("Watchdog").length ? true : undefined));
    const [watchdog] = await amAlerts("Watchdog");
    expect(watchdog.receivers.map((r: { name: string }) => r.name)).toEqual(["telegram-watchdog"]);
    expect(firingFor("Watchdog")[0].text).toContain("severity: <b>none</b>");
  });
});

describe("operator commands against the running programs", () => {
  // The operator's credentials (pulumi stack output prometheusAuth / alertmanagerAuth), as obs reads them.
  const saved = { PROMETHEUS_AUTH: process.env.PROMETHEUS_AUTH, ALERTMANAGER_AUTH: process.env.ALERTMANAGER_AUTH };
  beforeAll(() => {
    process.env.PROMETHEUS_AUTH = `tutordex-obs:${live.passwords.prometheus}`;
    process.env.ALERTMANAGER_AUTH = `tutordex-obs:${live.passwords.alertmanager}`;
  });
  afterAll(() => {
    for (const [k, v] of Object.entries(saved)) {
      if (v === undefined) delete process.env[k];
      else process.env[k] = v;
    }
  });

  it("obs doctor finds everything healthy and exits 0", async () => {
    const io = capture();
    const code = await main(["doctor", "--prometheus", live.prometheus, "--alertmanager", live.alertmanager, "--json"], io, ROOT);
    const report = JSON.parse(io.text());
    expect(report.findings.filter((f: { ok: boolean }) => !f.ok)).toEqual([]);
    expect(report.findings.map((f: { check: string }) => f.check)).toEqual(
      expect.arrayContaining([
        "prometheus ready",
        "scrape targets",
        "rule groups",
        "telegram bridge",
        "collector",
        "bridge deliveries",
        "alertmanager ready",
      ]),
    );
    expect(code).toBe(0);
  });

  it("obs doctor lists a down target and exits 1", async () => {
    await live.sim.setScenario("service_down");
    try {
      await waitFor("worker target down", async () => {
        const t = (await getJson(`${live.prometheus}/api/v1/targets`)).data.activeTargets as { health: string; labels: { job: string } }[];
        return t.some((x) => x.labels.job === "tutordex_worker" && x.health === "down") ? true : undefined;
      });
      const io = capture();
      expect(await main(["doctor", "--prometheus", live.prometheus], io, ROOT)).toBe(1);
      expect(io.text()).toMatch(/scrape targets\s+FAIL\s+down: tutordex_worker\//);
    } finally {
      await live.sim.setScenario("recovery");
    }
  });

  it("obs reload reloads Alertmanager and shows Prometheus's own last reload took", async () => {
    const io = capture();
    expect(await main(["reload", "--prometheus", live.prometheus, "--alertmanager", live.alertmanager], io, ROOT)).toBe(0);
    expect(io.text()).toMatch(
      /^prometheus: reloads its files by itself \(--config.auto-reload, every 5s\); its last reload succeeded: configuration loaded at \d{4}-\d\d-\d\dT[\d:.]+Z\nalertmanager: reloaded: configuration loaded at \d{4}-\d\d-\d\dT[\d:.]+Z$/,
    );
    const reloads = await getJson(`${live.prometheus}/api/v1/query?query=prometheus_config_last_reload_successful`);
    expect(reloads.data.result[0].value[1]).toBe("1");
  });
});

describe("incidents", () => {
  afterEach(async () => {
    await live.sim.setScenario("recovery");
    live.telegram.fallback = "ok";
    live.telegram.script = [];
  });

  it("QueueBacklogGrowingNoThroughput fires with its fields and runbook, then resolves", async () => {
    await live.sim.setScenario("queue_backlog_no_throughput");
    const [msg] = await waitFor(
      "backlog alert in Telegram",
      async () => (firingFor("QueueBacklogGrowingNoThroughput").length ? firingFor("QueueBacklogGrowingNoThroughput") : undefined),
      60_000,
    );
    for (const part of [
      "<b>[TutorDex] [DEV]</b>",
      "severity: <b>critical</b>",
      "component: <code>queue</code>",
      "pipeline: <code>2026-01-02_det_time_v1</code>",
      "schema: <code>v2</code>",
      "Queue backlog growing with zero throughput",
      'QueueBacklogGrowingNoThroughput.md">Runbook</a>',
    ])
      expect(msg.text).toContain(part);
    await live.sim.setScenario("recovery");
    await waitFor(
      "backlog resolved in Telegram",
      async () => (resolvedFor("QueueBacklogGrowingNoThroughput").length ? true : undefined),
      60_000,
    );
    expect(firingFor("QueueBacklogGrowingNoThroughput")).toHaveLength(1);
    expect(resolvedFor("QueueBacklogGrowingNoThroughput")).toHaveLength(1);
  });

  it("PublicApiDown inhibits BlackboxProbeFailed for the same instance", async () => {
    await live.sim.setScenario("backend_down");
    await waitFor("PublicApiDown in Telegram", async () => (firingFor("PublicApiDown").length ? true : undefined), 60_000);
    const probes = await waitFor("probe alerts in Alertmanager", async () => {
      const a = await amAlerts("BlackboxProbeFailed");
      return a.some((x) => x.labels.instance === live.publicUrl) ? a : undefined;
    });
    const same = probes.filter((a) => a.labels.instance === live.publicUrl);
    expect(same.length).toBeGreaterThan(0);
    for (const a of same) expect(a.status.inhibitedBy.length).toBeGreaterThan(0);
    // Not inhibited, it would go out after its route's group_wait (a new group) or at the next group_interval.
    const probeRoute = await routeTiming("BlackboxProbeFailed");
    await sleep(probeRoute.groupWaitMs + probeRoute.groupIntervalMs + DELIVERY_MARGIN_MS);
    expect(messagesAbout(`Probe of ${live.publicUrl} failing`)).toEqual([]);
  });

  /** Messages that arrived since `from`, about the backlog alert, by status. */
  const backlogSince = (from: number) => {
    const recent = live.telegram.messages.slice(from);
    return {
      firing: recent.filter((m) => m.text.includes("<b>FIRING</b> — <b>QueueBacklogGrowingNoThroughput</b>")).length,
      resolved: recent.filter((m) => m.text.includes("<b>RESOLVED</b> — <b>QueueBacklogGrowingNoThroughput</b>")).length,
    };
  };
  const backlogResolvedInAlertmanager = () =>
    waitFor(
      "backlog resolved in Alertmanager",
      async () => ((await amAlerts("QueueBacklogGrowingNoThroughput")).length === 0 ? true : undefined),
      60_000,
    );

  it("Telegram answering 500 and then 429 for a while loses and duplicates nothing", async () => {
    await backlogResolvedInAlertmanager();
    const from = live.telegram.messages.length;
    live.telegram.fallback = "server_error";
    await live.sim.setScenario("queue_backlog_no_throughput");
    await waitFor(
      "bridge saw Telegram fail",
      async () => (live.bridge.metrics.failed.get({ reason: "server_error" }) > 0 ? true : undefined),
      60_000,
    );
    const backlog = await routeTiming("QueueBacklogGrowingNoThroughput");
    // Still failing through Alertmanager's next re-send, one group_interval later.
    await sleep(backlog.groupIntervalMs + DELIVERY_MARGIN_MS);
    live.telegram.script = [{ rateLimit: 1 }, { rateLimit: 1 }];
    live.telegram.fallback = "ok";
    await waitFor("backlog delivered", async () => (backlogSince(from).firing ? true : undefined), 60_000);
    await live.sim.setScenario("recovery");
    await waitFor("backlog resolved", async () => (backlogSince(from).resolved ? true : undefined), 60_000);
    // A late duplicate would come with Alertmanager's next flush of the group, one group_interval on.
    await sleep(backlog.groupIntervalMs + DELIVERY_MARGIN_MS);
    expect(backlogSince(from)).toEqual({ firing: 1, resolved: 1 });
    expect(live.bridge.metrics.failed.get({ reason: "rate_limited" })).toBeGreaterThan(0);
  });

  it("the bridge restarted mid-incident loses nothing", async () => {
    await backlogResolvedInAlertmanager();
    const from = live.telegram.messages.length;
    await live.stopBridge();
    const failedBefore = await amFailedWebhooks();
    await live.sim.setScenario("queue_backlog_no_throughput");
    await waitFor(
      "Alertmanager has the alert",
      async () => ((await amAlerts("QueueBacklogGrowingNoThroughput")).length ? true : undefined),
      60_000,
    );
    // Until Alertmanager has tried to notify the stopped bridge, not a guessed number of seconds.
    await waitFor(
      "Alertmanager tried the stopped bridge",
      async () => ((await amFailedWebhooks()) > failedBefore ? true : undefined),
      60_000,
    );
    expect(backlogSince(from).firing).toBe(0);
    await live.startBridge();
    await waitFor("delivered after the restart", async () => (backlogSince(from).firing ? true : undefined), 60_000);
    await live.sim.setScenario("recovery");
    await waitFor("resolved after the restart", async () => (backlogSince(from).resolved ? true : undefined), 60_000);
    await sleep((await routeTiming("QueueBacklogGrowingNoThroughput")).groupIntervalMs + DELIVERY_MARGIN_MS);
    expect(backlogSince(from)).toEqual({ firing: 1, resolved: 1 });
  });
});

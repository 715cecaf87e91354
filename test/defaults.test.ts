import * as yaml from "js-yaml";
import { BridgeConfig, loadConfig } from "../bridge/src/config";
import { STOP_DRAIN_MS } from "../bridge/src/server";
import { containerNamed, ProgramRun, runProgram, uploadNamed } from "./support/program";
import { pulumiConfigMap, TEST_SECRETS } from "../harness/stackFiles";

/**
 * Defaults that must stay below (or above) something else, read from what prod really deploys:
 * the program's containers under mocks, the alertmanager.yml and prometheus.yml it uploads, and
 * the bridge configuration its environment parses to. A default moved past its bound fails here
 * even when every test of the default alone still passes.
 *
 * Facts of the pinned releases this relies on (config/versions.ts):
 * - Alertmanager 0.35 gives each notification of a group a deadline of max(group_interval, 10 s)
 *   (app/app.go timeoutFunc with notify.MinTimeout) and sets no per-webhook timeout unless the
 *   receiver says `timeout`.
 * - Its webhook client is prometheus/common's (v0.72.1) with defaultHTTPClientOptions: keep-alive
 *   on, idle connections kept 5 minutes (app/reloader.go passes no options).
 * - Docker's default stop timeout is 10 s; Prometheus's probe request tells blackbox_exporter the
 *   scrape timeout, from which blackbox subtracts its --timeout-offset of 0.5 s.
 */
const ALERTMANAGER_MIN_NOTIFY_TIMEOUT_S = 10;
const ALERTMANAGER_IDLE_CONN_TIMEOUT_S = 300;
const DOCKER_DEFAULT_STOP_TIMEOUT_S = 10;
const BLACKBOX_TIMEOUT_OFFSET_S = 0.5;

const UNIT: Record<string, number> = { ms: 0.001, s: 1, m: 60, h: 3600, d: 86400 };
/** Seconds of a Prometheus/Alertmanager duration such as 14.5s, 1h30m or 24h. */
function seconds(d: string): number {
  const parts = [...d.matchAll(/(\d+(?:\.\d+)?)(ms|s|m|h|d)/g)];
  if (parts.length === 0 || parts.map((p) => p[0]).join("") !== d) throw new Error(`not a duration: ${d}`);
  return parts.reduce((n, [, k, u]) => n + Number(k) * UNIT[u], 0);
}

interface AmRoute {
  receiver: string;
  group_interval: string;
  repeat_interval: string;
  routes?: AmRoute[];
}
interface AmDoc {
  route: AmRoute & { group_by: string[] };
  receivers: { name: string; webhook_configs: { url: string; max_alerts?: number; timeout?: string }[] }[];
}

let run: ProgramRun;
let am: AmDoc;
let prom: {
  scrape_configs: {
    job_name: string;
    scrape_interval?: string;
    scrape_timeout?: string;
    static_configs: { labels?: Record<string, string> }[];
  }[];
  global: { scrape_interval: string };
};
let blackbox: { modules: Record<string, { timeout: string }> };
let bridge: BridgeConfig;

const upload = (container: string, file: string) => uploadNamed(containerNamed(run, container), file);

beforeAll(async () => {
  run = await runProgram("prod", pulumiConfigMap("prod"), Object.keys(TEST_SECRETS));
  am = yaml.load(upload("tutordex-alertmanager-config-sync", "/staging/alertmanager.yml")) as AmDoc;
  prom = yaml.load(upload("tutordex-prometheus-config-sync", "/staging/prometheus.yml")) as typeof prom;
  blackbox = yaml.load(upload("tutordex-blackbox-exporter", "/etc/blackbox_exporter/tutordex.yml")) as typeof blackbox;
  // The token makes the bridge's environment a secret: the mocks see it wrapped.
  const envs = containerNamed(run, "tutordex-telegram-bridge").inputs.envs as string[] | { value: string[] };
  const env = Array.isArray(envs) ? envs : envs.value;
  bridge = loadConfig(Object.fromEntries(env.map((kv) => [kv.slice(0, kv.indexOf("=")), kv.slice(kv.indexOf("=") + 1)])));
});

/** Every route that ends at the bridge's /alert, with the timings it inherits from the root. */
function alertRoutes(): { receiver: string; groupInterval: number; repeatInterval: number }[] {
  const toBridge = new Set(am.receivers.filter((r) => r.webhook_configs.some((w) => w.url.endsWith("/alert"))).map((r) => r.name));
  const walk = (r: AmRoute, parent?: AmRoute): { receiver: string; groupInterval: number; repeatInterval: number }[] => {
    const gi = r.group_interval ?? parent?.group_interval;
    const ri = r.repeat_interval ?? parent?.repeat_interval;
    const here = toBridge.has(r.receiver) ? [{ receiver: r.receiver, groupInterval: seconds(gi), repeatInterval: seconds(ri) }] : [];
    return [...here, ...(r.routes ?? []).flatMap((c) => walk(c, { ...r, group_interval: gi, repeat_interval: ri }))];
  };
  return walk(am.route);
}

describe("the bridge's dedupe memory against Alertmanager's routes", () => {
  it("every route to the bridge has a window of its own", () => {
    const routes = alertRoutes();
    expect(routes.length).toBeGreaterThanOrEqual(5);
    expect(routes.filter((r) => !bridge.dedupeWindowsByReceiver.has(r.receiver)).map((r) => r.receiver)).toEqual([]);
  });

  it("outlasts a re-send one group_interval later (a retried or regrouped notification is not shown twice)", () => {
    const budget = bridge.requestBudgetMs / 1000;
    for (const r of alertRoutes()) {
      const window = bridge.dedupeWindowsByReceiver.get(r.receiver)! / 1000;
      expect({ receiver: r.receiver, outlastsResend: window > r.groupInterval + budget }).toEqual({
        receiver: r.receiver,
        outlastsResend: true,
      });
    }
  });

  it("ends before the reminder repeat_interval later, even when the first delivery took the whole request budget", () => {
    const budget = bridge.requestBudgetMs / 1000;
    for (const r of alertRoutes()) {
      const window = bridge.dedupeWindowsByReceiver.get(r.receiver)! / 1000;
      expect({ receiver: r.receiver, window, endsBeforeReminder: window + budget <= r.repeatInterval }).toEqual({
        receiver: r.receiver,
        window,
        endsBeforeReminder: true,
      });
    }
  });

  it("the window for receivers it does not know ends before the shortest reminder of any route (the critical 30 m)", () => {
    const shortest = Math.min(...alertRoutes().map((r) => r.repeatInterval));
    expect(shortest).toBe(30 * 60);
    expect(bridge.dedupeWindowMs / 1000 + bridge.requestBudgetMs / 1000).toBeLessThanOrEqual(shortest);
  });
});

describe("the bridge answers within Alertmanager's deadlines", () => {
  /**
   * A fire drill's end must come back within seconds (its report times every hop), so its route's
   * deadline is shorter than the bridge's worst case on purpose. A drill notification Alertmanager
   * gives up on is sent again one group_interval later, and the dedupe window skips what the first
   * request delivered: it must outlast that whole worst case too.
   */
  const DEADLINE_SHORTER_BY_DESIGN = new Set(["telegram-drill"]);

  it("its request budget (and a slow body on top) ends before Alertmanager gives up on a notification of any route", () => {
    const worst = (bridge.requestBudgetMs + bridge.requestBodyTimeoutMs) / 1000;
    for (const r of alertRoutes().filter((x) => !DEADLINE_SHORTER_BY_DESIGN.has(x.receiver))) {
      const deadline = Math.max(r.groupInterval, ALERTMANAGER_MIN_NOTIFY_TIMEOUT_S);
      expect({ receiver: r.receiver, deadline, answersInTime: worst < deadline }).toEqual({
        receiver: r.receiver,
        deadline,
        answersInTime: true,
      });
    }
  });

  it("a drill Alertmanager gave up on and sent again is not shown twice, however long the first request took", () => {
    const worst = (bridge.requestBudgetMs + bridge.requestBodyTimeoutMs) / 1000;
    const drills = alertRoutes().filter((x) => DEADLINE_SHORTER_BY_DESIGN.has(x.receiver));
    expect(drills.map((r) => r.receiver)).toEqual([...DEADLINE_SHORTER_BY_DESIGN]);
    for (const r of drills) {
      const window = bridge.dedupeWindowsByReceiver.get(r.receiver)! / 1000;
      expect({ receiver: r.receiver, window, coversRetry: window > r.groupInterval + worst }).toEqual({
        receiver: r.receiver,
        window,
        coversRetry: true,
      });
    }
  });

  it("no webhook sets a timeout shorter than the bridge's request budget", () => {
    const timeouts = am.receivers.flatMap((r) => r.webhook_configs.map((w) => w.timeout)).filter((t): t is string => t !== undefined);
    expect(timeouts.filter((t) => seconds(t) * 1000 <= bridge.requestBudgetMs)).toEqual([]);
  });

  it("keeps idle connections longer than Alertmanager's client does, so it never closes one Alertmanager is about to reuse", () => {
    expect(bridge.keepAliveTimeoutMs).toBeGreaterThan(ALERTMANAGER_IDLE_CONN_TIMEOUT_S * 1000);
  });
});

describe("webhook size: max_alerts against the bridge's body limit", () => {
  it("every webhook to the bridge caps its alerts (0 or unset would send a whole storm in one body)", () => {
    const caps = am.receivers.flatMap((r) => r.webhook_configs.map((w) => ({ receiver: r.name, maxAlerts: w.max_alerts })));
    for (const c of caps) expect({ ...c, capped: (c.maxAlerts ?? 0) >= 1 }).toEqual({ ...c, capped: true });
  });

  it("a full webhook of absurdly large alerts (20 labels and 4 annotations of 1 KiB each) fits the body limit with room to spare", () => {
    const kib = "x".repeat(1024);
    const alert = {
      status: "firing",
      labels: Object.fromEntries(Array.from({ length: 20 }, (_, i) => [`label_${i}`, kib])),
      annotations: { summary: kib, description: kib, runbook_url: kib, dashboard: kib },
      startsAt: "2026-11-25T10:00:00.000Z",
      endsAt: "0001-01-01T00:00:00Z",
      generatorURL: kib,
      fingerprint: "0123456789abcdef",
    };
    const maxAlerts = Math.max(...am.receivers.flatMap((r) => r.webhook_configs.map((w) => w.max_alerts ?? Infinity)));
    const body = Buffer.byteLength(
      JSON.stringify({ version: "4", status: "firing", alerts: Array.from({ length: maxAlerts }, () => alert) }),
    );
    expect(body * 2).toBeLessThanOrEqual(bridge.maxBodyBytes);
  });
});

describe("stopping", () => {
  it.each([
    ["tutordex-prometheus"],
    ["tutordex-alertmanager"],
    ["tutordex-loki"],
    ["tutordex-tempo"],
    ["tutordex-grafana"],
    ["tutordex-telegram-bridge"],
  ])("%s, which keeps state, gets more than Docker's default 10 s between SIGTERM and the kill, on stop and on replacement", (name) => {
    const c = containerNamed(run, name).inputs;
    expect(c.stopSignal).toBe("SIGTERM");
    expect(c.stopTimeout).toBeGreaterThan(DOCKER_DEFAULT_STOP_TIMEOUT_S);
    expect(c.destroyGraceSeconds).toBe(c.stopTimeout);
  });

  it("the bridge finishes in-flight deliveries and saves its state before its stop grace runs out", () => {
    expect(STOP_DRAIN_MS).toBeGreaterThan(0);
    // The drain, then the state write and closing the server: at least 5 s of the grace left for them.
    expect(STOP_DRAIN_MS + 5000).toBeLessThanOrEqual(containerNamed(run, "tutordex-telegram-bridge").inputs.stopTimeout * 1000);
  });
});

describe("probe timeouts against the scrape timeouts that carry them", () => {
  it("every module a probe job uses fits within that job's scrape timeout less blackbox's offset", () => {
    const probeJobs = prom.scrape_configs.filter((j) => j.static_configs.some((s) => s.labels?.module));
    expect(probeJobs.map((j) => j.job_name).sort()).toEqual(["blackbox_http", "blackbox_http_public", "blackbox_stack_ready"]);
    for (const j of probeJobs) {
      const scrapeTimeout = seconds(j.scrape_timeout ?? "10s");
      for (const module of new Set(j.static_configs.map((s) => s.labels!.module))) {
        const t = seconds(blackbox.modules[module].timeout);
        expect({ job: j.job_name, module, fits: t <= scrapeTimeout - BLACKBOX_TIMEOUT_OFFSET_S }).toEqual({
          job: j.job_name,
          module,
          fits: true,
        });
      }
    }
  });

  it("no scrape timeout exceeds its job's interval", () => {
    for (const j of prom.scrape_configs) {
      const interval = seconds(j.scrape_interval ?? prom.global.scrape_interval);
      expect({ job: j.job_name, fits: seconds(j.scrape_timeout ?? "10s") <= interval }).toEqual({ job: j.job_name, fits: true });
    }
  });
});

import { stackConfig } from "../harness/fixtures";
import { KNOWN_METRICS } from "../rules/metrics";
import { dockerNetworkPeers } from "../config/services";
import { DASHBOARDS, FOLDER } from "../dashboards";
import { grafanaDatasources } from "../generators/grafanaDatasources";
import { JSON_LABELS } from "../generators/logLabelContract";
import { ALERTS, RECORDING_RULES } from "../rules/catalog";
import { parseLogql, parsePromql } from "../harness/queries";

const panelsOf = (uid: string) => DASHBOARDS.find((d) => d.uid === uid)!.panels;
const allTargets = DASHBOARDS.flatMap((d) =>
  d.panels.flatMap((p) => (p.targets ?? []).map((t) => ({ dashboard: d.uid, panel: p.title, ...t }))),
);
const promTargets = allTargets.filter((t) => t.datasource?.type === "prometheus");
const lokiTargets = allTargets.filter((t) => t.datasource?.type === "loki");
const LOKI_LABELS = new Set(["container", "compose_service", "compose_project", ...JSON_LABELS]);

describe("the ten dashboards of SPEC §9", () => {
  const SPEC: [uid: string, title: string, refresh: string, from: string, vars: string[]][] = [
    ["tutordex-home", "TutorDex Home", "30s", "now-6h", []],
    ["tutordex-overview", "TutorDex Overview", "30s", "now-6h", ["channel", "pipeline_version"]],
    ["tutordex-infra", "TutorDex Infra", "30s", "now-6h", ["service"]],
    ["tutordex-llm-supabase", "TutorDex LLM + Supabase", "30s", "now-6h", []],
    ["tutordex-quality", "TutorDex Quality", "30s", "now-6h", ["channel", "pipeline_version"]],
    ["tutordex-channel-health", "Channel Health", "1m", "now-24h", []],
    ["tutordex_data_quality", "Data Quality & Completeness", "30s", "now-6h", []],
    ["tutordex_matching", "Matching & Notifications", "30s", "now-6h", []],
    ["tutordex-realtime", "Real-Time Operations", "5s", "now-15m", []],
    ["tutordex-stack", "Observability Stack", "30s", "now-6h", []],
  ];
  it("has exactly these uids and titles", () => {
    expect(DASHBOARDS.map((d) => [d.uid, d.title])).toEqual(SPEC.map(([uid, title]) => [uid, title]));
  });
  it.each(SPEC)("%s: refresh, time range, variables, tag, links, read-only", (uid, _title, refresh, from, vars) => {
    const d = DASHBOARDS.find((x) => x.uid === uid)! as any;
    expect([d.refresh, d.time.from]).toEqual([refresh, from]);
    expect(d.templating.list.map((v: { name: string }) => v.name)).toEqual(["datasource", ...vars]);
    expect(d.tags).toEqual(["tutordex"]);
    expect(d.editable).toBe(false);
    // One menu of every TutorDex dashboard, keeping the time range and the variables picked.
    expect(d.links).toEqual([
      { type: "dashboards", tags: ["tutordex"], asDropdown: true, title: "TutorDex dashboards", includeVars: true, keepTime: true },
    ]);
    expect(d.panels.length).toBeGreaterThan(3);
  });

  const PANELS: Record<string, string[]> = {
    "tutordex-home": [
      "Collector up",
      "Worker up",
      "Backend up",
      "Firing critical alerts",
      "Firing warning alerts",
      "Assignments per hour",
      "Parse success (1h)",
      "Queue pending and processing",
      "Firing alerts",
      "Health of every target",
    ],
    "tutordex-overview": [
      "Seconds since last message per channel",
      "Queue",
      "Worker throughput",
      "Job latency p95",
      "LLM latency p95",
      "Failure rates",
      "Parse failures by channel",
      "Recent error logs",
    ],
    "tutordex-infra": [
      "Scrape health",
      "Probe success",
      "Host disk free",
      "Container CPU",
      "Container memory",
      "Container network",
      "Container disk I/O",
      "Host CPU busy",
      "Host memory used",
      "Host load",
      "Host network",
      "Disk forecast: free in 24h",
      "Container memory vs limit",
      "Container starts seen (15m)",
      "Container OOM kills (15m)",
      "Public TLS certificate expires in",
    ],
    "tutordex-llm-supabase": [
      "LLM requests by model",
      "LLM latency p95 / p99",
      "Supabase operations by operation",
      "Supabase failures by operation",
    ],
    "tutordex-quality": [
      "Parse error fraction",
      "Parse failures by reason",
      "Missing-field rate",
      "Inconsistency rate",
      "Recent worker failures",
    ],
    "tutordex-channel-health": [
      "Staleness per channel",
      "Parse success by channel",
      "Message volume",
      "Week-over-week change",
      "Parse failures by channel",
      "Message distribution (24h)",
    ],
    tutordex_data_quality: [
      "Missing fields by type",
      "Missing subjects rate",
      "Completeness score (1h)",
      "Inconsistencies by kind",
      "Parse failure reasons",
      "Issues by channel (24h)",
      "Missing fields (24h)",
    ],
    tutordex_matching: [
      "DMs per assignment (1h)",
      "Tutors matched (DMs sent, 1h)",
      "Notifications (24h)",
      "DM delivery rate (1h)",
      "Delivery success by kind and pipeline",
      "DM rate limiting",
      "Failure reasons",
    ],
    "tutordex-realtime": [
      "Ingestion rate",
      "Queue depth",
      "Error rates",
      "Service status",
      "Throughput",
      "Firing alerts",
      "Parse failures by reason",
    ],
    "tutordex-stack": [
      "Stack services up",
      "Rule evaluation failures",
      "Alertmanager notifications",
      "Telegram bridge deliveries",
      "Loki ingestion",
      "Tempo and OTEL Collector spans",
      "Loki ingestion failures",
      "Tempo ingestion failures",
      "Prometheus storage failures (1h)",
    ],
  };
  it.each(Object.entries(PANELS))("%s has the panels SPEC lists", (uid, titles) => {
    const have = panelsOf(uid).map((p) => p.title);
    expect(titles.filter((t) => !have.includes(t))).toEqual([]);
  });
  it("staleness turns yellow at 1800s and red at 3600s", () => {
    const p = panelsOf("tutordex-channel-health").find((x) => x.title === "Staleness per channel") as any;
    expect(p.fieldConfig.defaults.thresholds.steps).toEqual([
      { value: null, color: "green" },
      { value: 1800, color: "yellow" },
      { value: 3600, color: "red" },
    ]);
  });
  it("has unique panel ids and no overlapping grid positions", () => {
    for (const d of DASHBOARDS) {
      const cells = new Set<string>();
      for (const p of d.panels) {
        for (let x = p.gridPos.x; x < p.gridPos.x + p.gridPos.w; x++)
          for (let y = p.gridPos.y; y < p.gridPos.y + p.gridPos.h; y++) {
            expect(cells.has(`${x},${y}`)).toBe(false);
            cells.add(`${x},${y}`);
          }
      }
    }
  });
});

describe("every query", () => {
  it("exists (the dashboards query something)", () => expect(promTargets.length).toBeGreaterThan(80));

  it.each(promTargets.map((t) => [`${t.dashboard} / ${t.panel}`, t.expr]))(
    "%s parses as PromQL and uses only metrics that exist",
    (_where, expr) => {
      const parsed = parsePromql(expr);
      expect({ expr, errors: parsed.errors }).toEqual({ expr, errors: 0 });
      expect(parsed.metrics.length).toBeGreaterThan(0);
      expect({ expr, unknown: parsed.metrics.filter((m) => !KNOWN_METRICS.has(m)) }).toEqual({ expr, unknown: [] });
    },
  );

  it.each(lokiTargets.map((t) => [`${t.dashboard} / ${t.panel}`, t.expr]))(
    "%s parses as LogQL and selects only labels Promtail sets",
    (_where, expr) => {
      const parsed = parseLogql(expr);
      expect(parsed.errors).toBe(0);
      expect(parsed.selectorLabels.filter((l) => !LOKI_LABELS.has(l))).toEqual([]);
    },
  );

  it("rates use $__rate_interval", () => {
    const fixed = promTargets.filter((t) => /\brate\([^[]*\[(?!\$__rate_interval\])/.test(t.expr));
    expect(fixed.map((t) => t.expr)).toEqual([]);
  });

  it("uses the recorded series instead of recomputing a recording rule", () => {
    const normalize = (s: string) => s.replace(/\s+/g, "").replace(/\[\$__rate_interval\]/g, "[5m]");
    const recomputed = RECORDING_RULES.flatMap((r) =>
      promTargets.filter((t) => normalize(t.expr).includes(normalize(r.expr))).map((t) => `${t.panel}: ${r.record}`),
    );
    expect(recomputed).toEqual([]);
    expect(promTargets.some((t) => t.expr.includes("time() - collector_last_message_timestamp_seconds"))).toBe(false);
  });

  it("a query on a metric nobody emits would fail", () => {
    expect(parsePromql("rate(worker_made_up_total[5m])").metrics.filter((m) => !KNOWN_METRICS.has(m))).toEqual(["worker_made_up_total"]);
    expect(parsePromql("sum(rate(x[5m]").errors).toBeGreaterThan(0);
  });
});

describe("alert rules reference only metrics that exist", () => {
  it.each(
    ALERTS.map((a) => [
      a.alert,
      a.expr(a.threshold ?? 0, { watchedContainers: ['name=~"x"'], backlogLookback: "15m", throughputWindow: "5m" }),
    ]),
  )("%s", (_alert, expr) => {
    const parsed = parsePromql(expr);
    expect(parsed.errors).toBe(0);
    expect(parsed.metrics.filter((m) => !KNOWN_METRICS.has(m))).toEqual([]);
  });
});

describe("datasources", () => {
  const uids = grafanaDatasources(dockerNetworkPeers(), stackConfig("prod")).map((d) => d.uid);
  it("every dashboard query uses a datasource that exists", () => {
    // ${datasource} picks among the Prometheus-type datasources and defaults to the local one.
    const resolved = (uid: string) => (uid === "${datasource}" ? "prometheus" : uid);
    expect(allTargets.filter((t) => !uids.includes(resolved(t.datasource?.uid ?? "") as never))).toEqual([]);
  });
  it("the folder is TutorDex", () => expect(FOLDER).toEqual({ uid: "tutordex", title: "TutorDex" }));
});

it("dashboard JSON is deterministic: building twice gives the same bytes", () => {
  let a = "";
  let b = "";
  jest.isolateModules(() => (a = JSON.stringify(require("../dashboards").DASHBOARDS)));
  jest.isolateModules(() => (b = JSON.stringify(require("../dashboards").DASHBOARDS)));
  expect(a).toBe(b);
  expect(a).toBe(JSON.stringify(DASHBOARDS));
});

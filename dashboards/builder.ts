import { DATASOURCE_NAMES } from "../config/datasources";
/**
 * A small typed model of the Grafana dashboard JSON this project uses. Builders return plain
 * objects with a fixed key order, so the JSON is byte-stable and a second `pulumi up` shows no diff.
 */
export const PROMETHEUS = { type: "prometheus", uid: "prometheus" } as const;
export const LOKI = { type: "loki", uid: "loki" } as const;
/**
 * What PromQL panels and variables query: the dashboard's `$datasource` picker of Prometheus-type
 * datasources, the local Prometheus by default or the long-term store when one is configured
 * (generators/grafanaDatasources.ts `longterm`).
 */
export const METRICS = { type: "prometheus", uid: "${datasource}" } as const;
export const DATASOURCE_VARIABLE = {
  name: "datasource",
  label: "Metrics from",
  type: "datasource",
  query: "prometheus",
  current: { selected: true, text: DATASOURCE_NAMES.prometheus, value: PROMETHEUS.uid },
  refresh: 1,
  hide: 0,
  includeAll: false,
  multi: false,
} as const;
export const DASHBOARD_TAG = "tutordex";

/**
 * Options of Grafana's (unified) alert list panel. Without `datasource` it lists Grafana-managed
 * rules only, and the stack has none: the alerts are Prometheus's, so the panel filters on the
 * Prometheus datasource by its name (the panel compares names, not uids), which Grafana reads
 * through that datasource's rules API (`manageAlerts` in generators/grafanaDatasources.ts).
 */
export const ALERT_LIST_OPTIONS = {
  viewMode: "list",
  groupMode: "default",
  groupBy: [],
  maxItems: 20,
  sortOrder: 3,
  dashboardAlerts: false,
  alertName: "",
  alertInstanceLabelFilter: "",
  datasource: DATASOURCE_NAMES.prometheus,
  showInstances: true,
  showInactiveAlerts: false,
  stateFilter: { firing: true, pending: true, recovering: true, noData: false, normal: false, error: true },
} as const;

export type Query =
  | { readonly kind: "promql"; readonly expr: string; readonly legend?: string; readonly instant?: boolean }
  | { readonly kind: "logql"; readonly expr: string };

export const prom = (expr: string, legend?: string): Query => ({ kind: "promql", expr, legend });
export const instant = (expr: string, legend?: string): Query => ({ kind: "promql", expr, legend, instant: true });
export const logs = (expr: string): Query => ({ kind: "logql", expr });

export type PanelType = "timeseries" | "stat" | "gauge" | "bargauge" | "table" | "logs" | "alertlist" | "piechart";

export interface Threshold {
  readonly value: number | null;
  readonly color: string;
}

export interface PanelSpec {
  readonly type: PanelType;
  readonly title: string;
  readonly queries: readonly Query[];
  readonly unit?: string;
  readonly width?: number;
  readonly height?: number;
  readonly thresholds?: readonly Threshold[];
  readonly min?: number;
  readonly max?: number;
  readonly description?: string;
  readonly options?: Record<string, unknown>;
}

export interface VariableSpec {
  readonly name: string;
  readonly label: string;
  readonly query: string;
}

export interface DashboardSpec {
  readonly uid: string;
  readonly title: string;
  readonly description: string;
  readonly refresh?: string;
  readonly from?: string;
  readonly variables?: readonly VariableSpec[];
  readonly panels: readonly PanelSpec[];
}

export interface DashboardJson {
  uid: string;
  title: string;
  [key: string]: unknown;
}

const GRID_WIDTH = 24;
const DEFAULT_WIDTH: Record<PanelType, number> = {
  timeseries: 12,
  stat: 6,
  gauge: 6,
  bargauge: 12,
  table: 12,
  logs: 24,
  alertlist: 12,
  piechart: 8,
};

export const panel = (
  type: PanelType,
  title: string,
  queries: readonly Query[],
  extra: Omit<PanelSpec, "type" | "title" | "queries"> = {},
): PanelSpec => ({ type, title, queries, ...extra });
export const timeseries = (title: string, queries: readonly Query[], extra: Omit<PanelSpec, "type" | "title" | "queries"> = {}) =>
  panel("timeseries", title, queries, extra);
export const stat = (title: string, queries: readonly Query[], extra: Omit<PanelSpec, "type" | "title" | "queries"> = {}) =>
  panel("stat", title, queries, extra);

function target(q: Query, i: number): Record<string, unknown> {
  const refId = String.fromCharCode(65 + i);
  return q.kind === "promql"
    ? { refId, datasource: METRICS, expr: q.expr, legendFormat: q.legend ?? "__auto", range: !q.instant, instant: q.instant === true }
    : { refId, datasource: LOKI, expr: q.expr, queryType: "range" };
}

function panelJson(p: PanelSpec, id: number, gridPos: { h: number; w: number; x: number; y: number }): Record<string, unknown> {
  const usesLoki = p.queries.some((q) => q.kind === "logql");
  const base: Record<string, unknown> = { id, type: p.type, title: p.title, gridPos };
  if (p.description) base.description = p.description;
  if (p.type === "alertlist") return { ...base, options: { ...ALERT_LIST_OPTIONS, ...p.options } };
  return {
    ...base,
    datasource: usesLoki ? LOKI : METRICS,
    targets: p.queries.map(target),
    fieldConfig: {
      defaults: {
        ...(p.unit ? { unit: p.unit } : {}),
        ...(p.min !== undefined ? { min: p.min } : {}),
        ...(p.max !== undefined ? { max: p.max } : {}),
        thresholds: { mode: "absolute", steps: p.thresholds ?? [{ value: null, color: "green" }] },
      },
      overrides: [],
    },
    options: p.options ?? {},
  };
}

/** Lays panels out left to right on Grafana's 24-column grid and wraps. */
export function layout(panels: readonly PanelSpec[]): Record<string, unknown>[] {
  let x = 0;
  let y = 0;
  let rowHeight = 0;
  return panels.map((p, i) => {
    const w = p.width ?? DEFAULT_WIDTH[p.type];
    const h = p.height ?? (p.type === "stat" || p.type === "gauge" ? 5 : 8);
    if (x + w > GRID_WIDTH) {
      x = 0;
      y += rowHeight;
      rowHeight = 0;
    }
    const json = panelJson(p, i + 1, { h, w, x, y });
    x += w;
    rowHeight = Math.max(rowHeight, h);
    return json;
  });
}

function variable(v: VariableSpec): Record<string, unknown> {
  return {
    name: v.name,
    label: v.label,
    type: "query",
    datasource: METRICS,
    query: { qryType: 1, query: v.query, refId: "PrometheusVariableQueryEditor-VariableQuery" },
    definition: v.query,
    refresh: 2,
    includeAll: true,
    multi: true,
    allValue: ".*",
    current: { selected: true, text: ["All"], value: ["$__all"] },
    sort: 1,
  };
}

export function dashboard(spec: DashboardSpec): DashboardJson {
  return {
    uid: spec.uid,
    title: spec.title,
    description: spec.description,
    tags: [DASHBOARD_TAG],
    editable: false,
    timezone: "browser",
    schemaVersion: 39,
    refresh: spec.refresh ?? "30s",
    time: { from: spec.from ?? "now-6h", to: "now" },
    // Every TutorDex dashboard links to the others through the shared tag.
    links: [
      { type: "dashboards", tags: [DASHBOARD_TAG], asDropdown: true, title: "TutorDex dashboards", includeVars: true, keepTime: true },
    ],
    templating: { list: [DATASOURCE_VARIABLE, ...(spec.variables ?? []).map(variable)] },
    panels: layout(spec.panels),
  };
}

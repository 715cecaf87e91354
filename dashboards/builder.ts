import type {
  Dashboard,
  DashboardLink,
  DataQuery,
  FieldConfig,
  GridPos,
  Panel,
  Threshold as SchemaThreshold,
  ThresholdsMode,
  VariableModel,
} from "@grafana/schema";
import type { QueryVariableSpec } from "@grafana/schema/dist/types/schema/dashboard/v2.d.ts";
import { DATASOURCE_NAMES } from "../config/datasources";
/**
 * A small typed model of the Grafana dashboard JSON this project uses. Builders return plain
 * objects with a fixed key order, so the JSON is byte-stable and a second `pulumi up` shows no diff.
 * What they return is checked against Grafana's published dashboard schema (`@grafana/schema`, types
 * only): a key Grafana's dashboard model does not declare is a compile error, not a field Grafana
 * silently drops (test/dashboards/schemaTypes.test.ts proves the check bites).
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
} as const satisfies VariableModel;
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

/** A threshold step as the schema types it. */
export type Threshold = Readonly<SchemaThreshold>;

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

/**
 * The schema's own types are interfaces, which TypeScript does not let into the schema's open
 * `Record<string, unknown>` slots (panel targets); the same keys as a plain object type fit.
 */
type Plain<T> = { [K in keyof T]: T[K] };

/**
 * Panel targets are the datasource plugin's query model, which the dashboard schema leaves open
 * (`targets: Record<string, unknown>[]`) and `@grafana/schema` publishes only the base of
 * (`DataQuery`: refId, datasource, queryType, hide); the Prometheus and Loki plugins' own keys
 * are declared here, named as those plugins' query editors save them.
 */
export type PrometheusQuery = Plain<DataQuery> & { expr: string; legendFormat: string; range: boolean; instant: boolean };
export type LokiQuery = Plain<DataQuery> & { expr: string };
export type Target = PrometheusQuery | LokiQuery;

/** A panel as Grafana's schema types it, with the keys every panel of ours sets made required. */
export interface PanelJson extends Panel {
  id: number;
  type: PanelType;
  title: string;
  gridPos: GridPos;
  targets?: Target[];
}

/**
 * A query variable: the schema's variable model, plus `definition` (the query as the variable list
 * shows it), which Grafana's classic model leaves undeclared and its v2 schema declares (the
 * package exports that schema only under its dist/ path).
 */
export type QueryVariableJson = VariableModel & Pick<QueryVariableSpec, "definition">;

/** A dashboard as Grafana's schema types it, with the keys every dashboard of ours sets made required. */
export interface DashboardJson extends Dashboard {
  uid: string;
  title: string;
  templating: { list: VariableModel[] };
  panels: PanelJson[];
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

function target(q: Query, i: number): Target {
  const refId = String.fromCharCode(65 + i);
  if (q.kind === "logql") return { refId, datasource: LOKI, expr: q.expr, queryType: "range" } satisfies LokiQuery;
  return {
    refId,
    datasource: METRICS,
    expr: q.expr,
    legendFormat: q.legend ?? "__auto",
    range: !q.instant,
    instant: q.instant === true,
  } satisfies PrometheusQuery;
}

/**
 * The schema types the threshold mode as an enum, a runtime object this types-only import does not
 * bring in; its string value is checked against the enum's values instead.
 */
const ABSOLUTE = "absolute" satisfies `${ThresholdsMode}` as ThresholdsMode;

/** Keys set one by one, so that each is checked against the schema and an unset one stays out of the JSON. */
function fieldDefaults(p: PanelSpec): FieldConfig {
  const defaults: FieldConfig = {};
  if (p.unit) defaults.unit = p.unit;
  if (p.min !== undefined) defaults.min = p.min;
  if (p.max !== undefined) defaults.max = p.max;
  defaults.thresholds = { mode: ABSOLUTE, steps: [...(p.thresholds ?? [{ value: null, color: "green" }])] };
  return defaults;
}

function panelJson(p: PanelSpec, id: number, gridPos: GridPos): PanelJson {
  const usesLoki = p.queries.some((q) => q.kind === "logql");
  const base: PanelJson = { id, type: p.type, title: p.title, gridPos };
  if (p.description) base.description = p.description;
  if (p.type === "alertlist") return { ...base, options: { ...ALERT_LIST_OPTIONS, ...p.options } };
  return {
    ...base,
    datasource: usesLoki ? LOKI : METRICS,
    targets: p.queries.map(target),
    fieldConfig: { defaults: fieldDefaults(p), overrides: [] },
    options: p.options ?? {},
  };
}

/** Lays panels out left to right on Grafana's 24-column grid and wraps. */
export function layout(panels: readonly PanelSpec[]): PanelJson[] {
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

function variable(v: VariableSpec): QueryVariableJson {
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
    // Every TutorDex dashboard links to the others through the shared tag. The schema requires
    // `icon`, `targetBlank` and `tooltip` on every link, which a menu of tagged dashboards does
    // without (Grafana draws icon and tooltip for `link`-type links only; `targetBlank` defaults to
    // false in the schema's `defaultDashboardLink`): the link is checked against every other key,
    // then cast for those three, so the JSON stays as Grafana has always been sent it.
    links: [
      {
        type: "dashboards",
        tags: [DASHBOARD_TAG],
        asDropdown: true,
        title: "TutorDex dashboards",
        includeVars: true,
        keepTime: true,
      } satisfies Omit<DashboardLink, "icon" | "targetBlank" | "tooltip"> as DashboardLink,
    ],
    templating: { list: [DATASOURCE_VARIABLE, ...(spec.variables ?? []).map(variable)] },
    panels: layout(spec.panels),
  };
}

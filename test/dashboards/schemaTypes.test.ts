import type { Dashboard, DashboardLink, FieldConfig, GridPos, Panel, VariableModel } from "@grafana/schema";
import * as fs from "fs";
import * as path from "path";
import { RELEASES } from "../../config/versions";
import { DASHBOARDS } from "../../dashboards";
import type { DashboardJson, LokiQuery, PanelJson, PrometheusQuery, QueryVariableJson } from "../../dashboards/builder";

/**
 * The builder's output is typed by Grafana's published dashboard schema (`@grafana/schema`, types
 * only): a key the schema does not declare is a compile error. `npm test` runs tsc over test/ first,
 * and an `@ts-expect-error` that meets no error is an error itself, so each one below fails the
 * suite the day its check is lost (an index signature, a `Record<string, unknown>`, an `any`).
 */

it("the schema is that of the Grafana release line the stack runs (npm has no patch of it past 12.3.3)", () => {
  const pkg = JSON.parse(fs.readFileSync(path.join(__dirname, "..", "..", "package.json"), "utf8"));
  const line = (version: string) => version.split(".").slice(0, 2).join(".");
  expect(line(pkg.devDependencies["@grafana/schema"])).toBe(line(RELEASES.grafana.version));
});

const gridPos: GridPos = { h: 5, w: 6, x: 0, y: 0 };

describe("a key Grafana's dashboard schema does not declare does not compile", () => {
  it("on a dashboard", () => {
    const d: DashboardJson = {
      ...DASHBOARDS[0],
      // @ts-expect-error Grafana's dashboard has `refresh`, no `refreshInterval`
      refreshInterval: "30s",
    };
    // @ts-expect-error nor can one be read: the dashboard is no open record
    expect(d.refreshInterval).toBe("30s");
  });

  it("on a panel, its field defaults and its targets", () => {
    const p: PanelJson = {
      id: 1,
      type: "stat",
      title: "Collector up",
      gridPos,
      // @ts-expect-error Grafana's panel has no `colour`
      colour: "red",
    };
    const defaults: FieldConfig = {
      // @ts-expect-error the unit is `unit`
      units: "s",
    };
    const target = {
      refId: "A",
      expr: "up",
      // @ts-expect-error the Prometheus query's legend is `legendFormat`
      legend: "{{job}}",
      range: true,
      instant: false,
    } satisfies PrometheusQuery;
    const logs = {
      refId: "A",
      // @ts-expect-error the Loki query's LogQL is `expr`
      query: '{level="error"}',
    } satisfies LokiQuery;
    expect([p.title, defaults, target.refId, logs.refId]).toEqual(["Collector up", { units: "s" }, "A", "A"]);
  });

  it("on a variable, and a value outside the schema's enums", () => {
    const v: QueryVariableJson = {
      name: "channel",
      type: "query",
      definition: "label_values(up, job)",
      // @ts-expect-error the flag is `includeAll`
      includeALL: true,
    };
    const hidden: VariableModel = {
      name: "channel",
      type: "query",
      // @ts-expect-error VariableHide is 0 to 3
      hide: 7,
    };
    expect([v.name, hidden.name]).toEqual(["channel", "channel"]);
  });

  it("on the dashboards menu link (all but the three keys the schema defaults)", () => {
    const link = {
      type: "dashboards",
      tags: ["tutordex"],
      // @ts-expect-error the flag is `asDropdown`
      asDropDown: true,
      title: "TutorDex dashboards",
      includeVars: true,
      keepTime: true,
    } satisfies Omit<DashboardLink, "icon" | "targetBlank" | "tooltip">;
    expect(link.title).toBe("TutorDex dashboards");
  });
});

// What the builder returns is assignable to the schema's own types, not to a look-alike of ours.
const asSchema: readonly Dashboard[] = DASHBOARDS;
const panelsAsSchema: readonly Panel[] = DASHBOARDS.flatMap((d) => d.panels);

/**
 * TypeScript does not check the keys an object spread brings in, so the JSON itself is checked too:
 * each level holds exactly these keys, and each list compiles only if the schema declares its keys.
 */
const KEYS = {
  dashboard: [
    "uid",
    "title",
    "description",
    "tags",
    "editable",
    "timezone",
    "schemaVersion",
    "refresh",
    "time",
    "links",
    "templating",
    "panels",
  ] satisfies (keyof DashboardJson)[],
  link: ["type", "tags", "asDropdown", "title", "includeVars", "keepTime"] satisfies (keyof DashboardLink)[],
  variable: [
    "name",
    "label",
    "type",
    "datasource",
    "query",
    "definition",
    "refresh",
    "hide",
    "includeAll",
    "multi",
    "allValue",
    "current",
    "sort",
  ] satisfies (keyof QueryVariableJson)[],
  panel: ["id", "type", "title", "gridPos", "description", "datasource", "targets", "fieldConfig", "options"] satisfies (keyof PanelJson)[],
  fieldDefaults: ["unit", "min", "max", "thresholds"] satisfies (keyof FieldConfig)[],
  target: ["refId", "datasource", "expr", "legendFormat", "range", "instant", "queryType"] satisfies (keyof (PrometheusQuery &
    LokiQuery))[],
};

const keysOf = (objects: readonly object[]) => [...new Set(objects.flatMap((o) => Object.keys(o)))].sort();

it("the dashboards' JSON uses exactly the keys listed, each one declared by Grafana's schema", () => {
  const panels = asSchema.flatMap((d) => d.panels ?? []) as PanelJson[];
  expect(panelsAsSchema).toHaveLength(panels.length);
  expect({
    dashboard: keysOf(DASHBOARDS),
    link: keysOf(DASHBOARDS.flatMap((d) => d.links ?? [])),
    variable: keysOf(DASHBOARDS.flatMap((d) => d.templating.list)),
    panel: keysOf(panels),
    fieldDefaults: keysOf(panels.flatMap((p) => p.fieldConfig?.defaults ?? [])),
    target: keysOf(panels.flatMap((p) => p.targets ?? [])),
  }).toEqual(Object.fromEntries(Object.entries(KEYS).map(([level, keys]) => [level, [...keys].sort()])));
});

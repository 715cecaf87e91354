/**
 * The shape of promtool's rule unit tests, plus what each check pins. Cases are literal: input
 * series, evaluation instants and the exact labels and annotations Prometheus must produce.
 */

/** Which side of an alert's definition a check holds in place (see pinsOf in ../ruleCases). */
export type Pin =
  /** quiet although the input sits just on the quiet side of the threshold */
  | "threshold:quiet-side"
  /** firing although the input sits just past the threshold */
  | "threshold:firing-side"
  /** quiet one evaluation (15s) before `for:` has elapsed since the condition became true */
  | "for:before"
  /** firing the evaluation `for:` elapses (for `for: 0m`, the evaluation the condition becomes true) */
  | "for:after"
  /** the answer at this instant depends on a range window or offset of the expression */
  | "window";

export interface ExpectedAlert {
  exp_labels: Record<string, string>;
  exp_annotations: Record<string, string>;
}

export interface AlertCheck {
  eval_time: string;
  alertname: string;
  exp_alerts: ExpectedAlert[];
  pins: readonly Pin[];
}

export interface ExprCheck {
  expr: string;
  eval_time: string;
  exp_samples: { labels: string; value: number }[];
}

export interface RuleTestCase {
  name: string;
  /** Spacing of input samples: 1m unless a case needs the 15s scrape or coarser steps. */
  interval?: string;
  input_series: { series: string; values: string }[];
  alert_rule_test?: AlertCheck[];
  promql_expr_test?: ExprCheck[];
}

/**
 * What a committed stack puts into rendered rules, written out by hand so a changed URL or stack
 * name shows up as a failing expectation instead of being recomputed.
 */
export interface Deployment {
  readonly stack: string;
  readonly runbooks: string;
  readonly grafana: string;
  /** The application's compose project: the only application containers its rules watch. */
  readonly appProject: string;
  /**
   * Cases for alerts whose threshold, `for` or severity this stack overrides: the shared cases pin
   * the catalog's defaults, so an override needs its own before it can be committed.
   */
  readonly overrideCases?: readonly RuleTestCase[];
}

export const quiet = (alertname: string, eval_time: string, ...pins: Pin[]): AlertCheck => ({ alertname, eval_time, exp_alerts: [], pins });

export const firing = (alertname: string, eval_time: string, alerts: ExpectedAlert[], ...pins: Pin[]): AlertCheck => ({ alertname, eval_time, exp_alerts: alerts, pins });

/** The annotations every alert carries; runbook and dashboard links are built from the deployment's literal bases. */
export function annotations(d: Deployment, alert: string, summary: string, description: string, dashboard?: string): Record<string, string> {
  return { summary, description, runbook_url: `${d.runbooks}/${alert}.md`, ...(dashboard ? { dashboard: `${d.grafana}/d/${dashboard}` } : {}) };
}

/**
 * A counter in promtool's notation: `base`, then for each [step, count] `count` samples, each
 * `step` higher than the last. counter(1000, [0, 10], [12.3, 30]) is flat for 10 samples, then
 * rises by 12.3 per sample. A negative step makes a falling gauge.
 *
 * promtool expands "a+bxn" by adding b n times in float64; the next segment starts from exactly
 * that sum (JavaScript adds the same way), printed in full: starting it from the rounded value
 * could step the counter down by 1e-12, which rate() takes for a counter reset.
 */
export function counter(base: number, ...segments: [step: number, count: number][]): string {
  const out = [String(base)];
  let v = base;
  for (const [step, count] of segments) {
    if (count < 1) continue;
    const first = v + step;
    out.push(step === 0 ? `${first}x${count - 1}` : `${first}${step < 0 ? "-" : "+"}${Math.abs(step)}x${count - 1}`);
    v = first;
    for (let i = 1; i < count; i++) v += step;
  }
  return out.join(" ");
}

/** A gauge: each [value, count] holds `value` for `count` samples. */
export const gauge = (...segments: [value: number, count: number][]) => segments.map(([v, n]) => `${v}x${n - 1}`).join(" ");

/** The application's compose projects of every environment, side by side on one host. */
export const APP_PROJECTS = ["tutordex-prod", "tutordex-staging", "tutordex-dev"] as const;
/** A compose project whose name starts like prod's: a name prefix would take it for prod's. */
export const LOOKALIKE_PROJECT = "tutordex-prod-canary";

/** cAdvisor's labels of a container compose made in `project`: compose's name, and the project label cAdvisor keeps. */
export const appContainer = (project: string, service: string, id: string) =>
  `name="${project}-${service}-1",container_label_com_docker_compose_project="${project}",id="/system.slice/docker-${id}.scope",image="img:1"`;

/** Labels of the pipeline the cases watch, and how descriptions print them. */
export const PV = 'pipeline_version="2026-01-02_det_time_v1",schema_version="v2"';
export const PVL = { pipeline_version: "2026-01-02_det_time_v1", schema_version: "v2" };
export const PVSV = "pipeline_version=2026-01-02_det_time_v1 schema_version=v2";
/** A second pipeline version, for inputs that must stay quiet beside the one that fires. */
export const OLD = 'pipeline_version="old",schema_version="v1"';
export const OLDL = { pipeline_version: "old", schema_version: "v1" };
export const OLDSV = "pipeline_version=old schema_version=v1";
/** A third, for the window probes. */
export const WIN = 'pipeline_version="window",schema_version="v2"';
export const WINL = { pipeline_version: "window", schema_version: "v2" };
export const WINSV = "pipeline_version=window schema_version=v2";

/** Typed rule data. Expressions are functions of the threshold so overrides never edit strings. */
export type Severity = "critical" | "warning" | "info" | "none";

export type AlertGroup = "infra" | "deadman" | "pipeline" | "quality" | "stack";

export interface AlertDefinition {
  readonly alert: string;
  readonly group: AlertGroup;
  /** The default threshold; undefined for rules whose condition has no number to tune. */
  readonly threshold?: number;
  readonly expr: (threshold: number, ctx: RuleContext) => string;
  readonly for: string;
  readonly severity: Severity;
  readonly component: string;
  readonly summary: string;
  readonly description: string;
  /** uid of the Grafana dashboard to open first. */
  readonly dashboard?: string;
}

export interface RecordingDefinition {
  readonly record: string;
  readonly expr: string;
}

/** Stack facts some expressions need (which containers count as "ours"). */
export interface RuleContext {
  /** cAdvisor label matchers (`name=~"…"`), one per set of watched containers: the stack's own, the application's. */
  readonly watchedContainers: readonly string[];
  /** How far back QueueBacklogGrowingNoThroughput compares the backlog (SPEC: 15m). */
  readonly backlogLookback: string;
  /** Rate window of its throughput check (SPEC: 5m). */
  readonly throughputWindow: string;
}

/** A rule as Prometheus loads it. */
export interface RenderedAlertRule {
  alert: string;
  expr: string;
  for?: string;
  labels: Record<string, string>;
  annotations: Record<string, string>;
}

import { LATENCY_BUCKETS } from "../../simulator/src/exposition";
import { Release, releases } from "./releases";
import { ALWAYS, keyOf, SeriesContext, seriesOf, SeriesSpec } from "./series";
import { Target, targetOf } from "./targets";
import { constant, counter, fractionOf, lastEvery, logNormalShares, ShareStep, ValueAt, wave } from "./values";
import { sampleValue } from "../../shared/exposition";

/**
 * The application's series (docs/spec.md §10) at TutorDex's size. Rates follow from assignments a day:
 * messages are 1.5 per assignment (not every post is one), 95 % parse, a broadcast per assignment
 * and eight DMs to matched tutors. Label values are the simulator's where it has them, plus the
 * ones a busy pipeline sees that it does not (more failure reasons, models, operations).
 */
const STATUSES: Record<string, number> = { ok: 0.93, failed: 0.02, skipped: 0.03, requeued: 0.01, error: 0.01 };
const PARSE_FAILURES: Record<string, number> = { invalid_json: 0.5, missing_field: 0.35, schema_validation: 0.15 };
const MISSING_FIELDS: Record<string, number> = {
  signals_subjects: 0.04,
  signals_levels: 0.03,
  postal_code: 0.1,
  academic_display_text: 0.02,
};
const INCONSISTENCIES: Record<string, number> = { level_subject_mismatch: 0.02, rate_out_of_range: 0.01, location_conflict: 0.005 };
const STAGES: Record<string, number> = { parse: 0.05, llm: 3, persist: 0.2 };
const MODELS: Record<string, number> = { "gpt-4o-mini": 0.95, "gpt-4o": 0.05 };
const OPERATIONS: Record<string, number> = { upsert: 1, select: 3, update: 0.5, rpc: 0.2 };
const COLLECTOR_ERRORS = ["flood_wait", "connection_reset"];
const BROADCAST_FAILURES = ["chat_write_forbidden", "flood_wait", "timeout"];
const DM_FAILURES = ["bot_blocked", "user_deactivated", "flood_wait", "timeout"];
/** The backend's routes and their share of ~3 requests a second (the site, the bot, and the probes). */
const ROUTES: [method: string, path: string, perSecond: number][] = [
  ["GET", "/assignments", 1.5],
  ["GET", "/assignments/{assignment_id}", 0.8],
  ["GET", "/health", 0.1],
  ["GET", "/health/dependencies", 0.08],
  ["GET", "/tutors/me", 0.3],
  ["POST", "/tutors/me/preferences", 0.05],
  ["POST", "/auth/telegram", 0.05],
  ["GET", "/stats", 0.1],
];
const STATUS_CODES: Record<string, Record<string, number>> = {
  GET: { "200": 0.97, "404": 0.02, "500": 0.01 },
  POST: { "200": 0.95, "400": 0.04, "500": 0.01 },
};

/** Channel names and their share of the messages: Zipf-like, the biggest ~11x the smallest of 40. */
export function channels(count: number): { channel: string; share: number }[] {
  const weights = Array.from({ length: count }, (_, i) => 1 / Math.pow(i + 1, 0.65));
  const total = weights.reduce((a, b) => a + b, 0);
  return weights.map((w, i) => ({ channel: `t.me/tuition_agency_${String(i + 1).padStart(2, "0")}`, share: w / total }));
}

/** Classic histogram series (buckets, sum, count) of `count` observations with a log-normal latency. */
function histogram(
  ctx: SeriesContext,
  target: Target,
  name: string,
  labels: Record<string, string>,
  count: ValueAt,
  median: number,
  life: { from: number; to: number },
): SeriesSpec[] {
  const shares = logNormalShares(LATENCY_BUCKETS, median, 0.6);
  const mean = median * Math.exp(0.18);
  return [
    ...LATENCY_BUCKETS.map((le, i) =>
      seriesOf(ctx, target, `${name}_bucket`, { ...labels, le: String(le) }, fractionOf(count, shares[i]), life),
    ),
    seriesOf(ctx, target, `${name}_bucket`, { ...labels, le: sampleValue(Infinity) }, count, life),
    seriesOf(ctx, target, `${name}_sum`, labels, (t) => count(t) * mean, life),
    seriesOf(ctx, target, `${name}_count`, labels, count, life),
  ];
}

function collectorSeries(ctx: SeriesContext, r: Release, perSecond: number): SeriesSpec[] {
  const target = targetOf(ctx.targets, "tutordex_collector");
  const life = { from: r.promotedAt, to: r.retiredAt };
  const pv = { pipeline_version: r.pipelineVersion, schema_version: r.schemaVersion };
  const steps = r.collectorShare;
  return [
    seriesOf(ctx, target, "collector_pipeline_version", { version: r.pipelineVersion }, constant(1), life),
    ...channels(ctx.shape.channels).flatMap(({ channel, share }) => {
      const messages = 1.5 * perSecond * share;
      const l = { channel, ...pv };
      return [
        seriesOf(ctx, target, "collector_messages_seen_total", l, counter(messages, steps), life),
        seriesOf(ctx, target, "collector_messages_upserted_total", l, counter(messages * 0.97, steps), life),
        seriesOf(
          ctx,
          target,
          "collector_last_message_timestamp_seconds",
          l,
          lastEvery(Math.round(1 / messages), keyOf(channel, pv) % 600),
          life,
        ),
        ...COLLECTOR_ERRORS.map((reason) =>
          seriesOf(ctx, target, "collector_errors_total", { ...l, reason }, counter(messages * 0.005, steps), life),
        ),
      ];
    }),
  ];
}

function workerSeries(ctx: SeriesContext, r: Release, perSecond: number): SeriesSpec[] {
  const target = targetOf(ctx.targets, "tutordex_worker");
  const life = { from: r.canaryFrom, to: r.retiredAt };
  const pv = { pipeline_version: r.pipelineVersion, schema_version: r.schemaVersion };
  const steps: readonly ShareStep[] = r.workerShare;
  const c = (rate: number) => counter(rate, steps);
  const s = (name: string, labels: Record<string, string>, value: ValueAt) =>
    seriesOf(ctx, target, name, { ...labels, ...pv }, value, life);
  const g = (name: string, base: number, noise: number) => s(name, {}, wave(base, 0.5, noise, keyOf(name, pv)));
  const jobs = c(perSecond);
  const dms = 8 * perSecond;
  return [
    seriesOf(ctx, target, "worker_pipeline_version", { version: r.pipelineVersion }, constant(1), life),
    g("queue_pending", 20, 0.4),
    g("queue_processing", 2, 0.5),
    s("queue_failed", {}, c(perSecond * 0.02)),
    s("queue_ok", {}, c(perSecond * 0.93)),
    g("queue_oldest_pending_age_seconds", 60, 0.5),
    g("queue_oldest_processing_age_seconds", 8, 0.5),
    ...Object.entries(STATUSES).map(([status, f]) => s("worker_jobs_processed_total", { status }, fractionOf(jobs, f))),
    ...histogram(ctx, target, "worker_job_latency_seconds", pv, jobs, 4, life),
    ...Object.entries(STAGES).flatMap(([stage, median]) =>
      histogram(ctx, target, "worker_job_stage_latency_seconds", { stage, ...pv }, jobs, median, life),
    ),
    ...histogram(ctx, target, "worker_llm_call_latency_seconds", pv, c(perSecond * 1.1), 2.5, life),
    ...Object.entries(OPERATIONS).flatMap(([operation, n]) => [
      ...histogram(ctx, target, "worker_supabase_latency_seconds", { operation, ...pv }, c(perSecond * n), 0.04, life),
      s("worker_supabase_requests_total", { operation }, c(perSecond * n)),
      s("worker_supabase_fail_total", { operation }, c(perSecond * n * 0.001)),
    ]),
    ...Object.entries(MODELS).map(([model, f]) => s("worker_llm_requests_total", { model }, c(perSecond * 1.1 * f))),
    s("worker_llm_fail_total", {}, c(perSecond * 0.005)),
    s("worker_requeued_stale_jobs_total", {}, c(perSecond * 0.001)),
    s("broadcast_sent_total", {}, c(perSecond * 0.93)),
    s("broadcast_fail_total", {}, c(perSecond * 0.002)),
    s("dm_sent_total", {}, c(dms)),
    s("dm_fail_total", {}, c(dms * 0.01)),
    s("dm_rate_limited_total", {}, c(dms * 0.002)),
    ...BROADCAST_FAILURES.map((reason) => s("broadcast_fail_reason_total", { reason }, c((perSecond * 0.002) / BROADCAST_FAILURES.length))),
    ...DM_FAILURES.map((reason) => s("dm_fail_reason_total", { reason }, c((dms * 0.01) / DM_FAILURES.length))),
    ...channels(ctx.shape.channels).flatMap(({ channel, share }) => {
      const ok = perSecond * share * 0.95;
      const l = { channel };
      return [
        s("worker_parse_success_total", l, c(ok)),
        ...Object.entries(PARSE_FAILURES).map(([reason, f]) =>
          s("worker_parse_failure_total", { ...l, reason }, c(perSecond * share * 0.05 * f)),
        ),
        s("worker_tutor_types_extracted_total", l, c(ok * 2)),
        s("worker_tutor_types_low_confidence_total", l, c(ok * 0.1)),
        s("worker_tutor_types_unmapped_total", l, c(ok * 0.05)),
        ...Object.entries(MISSING_FIELDS).map(([field, f]) => s("assignment_quality_missing_field_total", { ...l, field }, c(ok * f))),
        ...Object.entries(INCONSISTENCIES).map(([kind, f]) => s("assignment_quality_inconsistency_total", { ...l, kind }, c(ok * f))),
      ];
    }),
  ];
}

function backendSeries(ctx: SeriesContext): SeriesSpec[] {
  const target = targetOf(ctx.targets, "tutordex_backend");
  const since: ShareStep[] = [{ from: ctx.start - 86400, share: 1 }];
  return ROUTES.flatMap(([method, path, perSecond]) => [
    ...Object.entries(STATUS_CODES[method]).map(([status_code, f]) =>
      seriesOf(ctx, target, "backend_http_requests_total", { method, path, status_code }, counter(perSecond * f, since)),
    ),
    ...histogram(ctx, target, "backend_http_request_latency_seconds", { method, path }, counter(perSecond, since), 0.03, ALWAYS),
  ]);
}

export function applicationSeries(ctx: SeriesContext): SeriesSpec[] {
  const perSecond = ctx.shape.assignmentsPerDay / 86400;
  const rs = releases(ctx.shape);
  const always = (job: string, name: string) =>
    seriesOf(ctx, targetOf(ctx.targets, job), name, { version: rs[0].schemaVersion }, constant(1));
  return [
    ...rs.flatMap((r) => [...collectorSeries(ctx, r, perSecond), ...workerSeries(ctx, r, perSecond)]),
    always("tutordex_collector", "collector_schema_version"),
    always("tutordex_worker", "worker_schema_version"),
    ...backendSeries(ctx),
  ];
}

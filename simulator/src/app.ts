import * as http from "http";
import { AddressInfo } from "net";
import { Labels, Registry } from "./exposition";
import { PROTOBUF_CONTENT_TYPE, renderProtobuf } from "./protobufExposition";
import { Behaviour, SCENARIOS, ScenarioName } from "./scenarios";
import { EXPOSITION_CONTENT_TYPE } from "../../shared/exposition";

export const PIPELINE_VERSION = "2026-01-02_det_time_v1";
export const SCHEMA_VERSION = "v2";
export const CHANNELS = ["t.me/tuitionsg", "t.me/hometutorsg"];
/** A second, canary pipeline whose version string needs HTML escaping, as label values sometimes do. */
export const CANARY: Labels = { pipeline_version: "canary<3&beta>", schema_version: "v2" };
const PVSV: Labels = { pipeline_version: PIPELINE_VERSION, schema_version: SCHEMA_VERSION };

export interface SimulatorOptions {
  readonly ports: { readonly collector: number; readonly worker: number; readonly backend: number };
  readonly host?: string;
  readonly scenario?: ScenarioName;
  readonly tickMs?: number;
  /** Where JSON log lines go (stdout in a container). */
  readonly log?: (line: string) => void;
  /**
   * Also answer in the protobuf format, with native histograms, when the scraper asks for it
   * (Prometheus does when `scrape_native_histograms` is on); the text format otherwise.
   */
  readonly nativeHistograms?: boolean;
}

export interface Simulator {
  readonly ports: { collector: number; worker: number; backend: number };
  scenario(): ScenarioName;
  setScenario(name: ScenarioName): Promise<void>;
  close(): Promise<void>;
}

/**
 * The monitored application, simulated: three listeners with the docs/spec.md §10 metrics, the docs/spec.md §2
 * health endpoints and docs/spec.md §7 JSON logs. Values move every tick according to the scenario.
 */
export async function startSimulator(opts: SimulatorOptions): Promise<Simulator> {
  const host = opts.host ?? "127.0.0.1";
  const log = opts.log ?? ((l: string) => process.stdout.write(`${l}\n`));
  const collector = new Registry();
  const worker = new Registry();
  const backend = new Registry();
  let name: ScenarioName = opts.scenario ?? "steady";
  let b: Behaviour = SCENARIOS[name];
  let pending = 5;
  let now = () => Date.now() / 1000;
  const lastMessage = new Map(CHANNELS.map((c) => [c, now()]));

  const aggLog = (level: string, component: string, event: string, msg: string, extra: Record<string, unknown> = {}) =>
    log(
      JSON.stringify({
        ts: new Date().toISOString(),
        level,
        logger: `tutordex.${component}`,
        component,
        event,
        msg,
        cid: "-",
        message_id: "-",
        channel: "-",
        step: "-",
        assignment_id: "-",
        ...PVSV,
        trace_id: "-",
        span_id: "-",
        ...extra,
      }),
    );

  function initialise(): void {
    for (const channel of CHANNELS) {
      const l = { channel, ...PVSV };
      for (const m of [
        "collector_messages_seen_total",
        "collector_messages_upserted_total",
        "worker_tutor_types_extracted_total",
        "worker_tutor_types_low_confidence_total",
        "worker_tutor_types_unmapped_total",
        "worker_parse_success_total",
      ])
        (m.startsWith("collector") ? collector : worker).inc(m, l, 0);
      collector.inc("collector_errors_total", { channel, reason: "flood_wait", ...PVSV }, 0);
      worker.inc("worker_parse_failure_total", { channel, reason: "invalid_json", ...PVSV }, 0);
      worker.inc("worker_parse_failure_total", { channel, reason: "missing_field", ...PVSV }, 0);
      for (const field of ["signals_subjects", "signals_levels", "postal_code", "academic_display_text"])
        worker.inc("assignment_quality_missing_field_total", { field, ...l }, 0);
      worker.inc("assignment_quality_inconsistency_total", { kind: "level_subject_mismatch", ...l }, 0);
    }
    collector.set("collector_pipeline_version", { version: PIPELINE_VERSION }, 1);
    collector.set("collector_schema_version", { version: SCHEMA_VERSION }, 1);
    worker.set("worker_pipeline_version", { version: PIPELINE_VERSION }, 1);
    worker.set("worker_schema_version", { version: SCHEMA_VERSION }, 1);
    for (const status of ["ok", "failed", "skipped", "requeued", "error"])
      worker.inc("worker_jobs_processed_total", { status, ...PVSV }, 0);
    for (const m of [
      "worker_llm_fail_total",
      "worker_requeued_stale_jobs_total",
      "broadcast_sent_total",
      "broadcast_fail_total",
      "dm_sent_total",
      "dm_fail_total",
      "dm_rate_limited_total",
    ])
      worker.inc(m, PVSV, 0);
    for (const model of ["gpt-4o-mini"]) worker.inc("worker_llm_requests_total", { model, ...PVSV }, 0);
    for (const operation of ["upsert", "select"]) {
      worker.inc("worker_supabase_requests_total", { operation, ...PVSV }, 0);
      worker.inc("worker_supabase_fail_total", { operation, ...PVSV }, 0);
      worker.observe("worker_supabase_latency_seconds", { operation, ...PVSV }, 0.05, 0);
    }
    worker.inc("broadcast_fail_reason_total", { reason: "chat_write_forbidden", ...PVSV }, 0);
    worker.inc("dm_fail_reason_total", { reason: "bot_blocked", ...PVSV }, 0);
    for (const stage of ["parse", "llm", "persist"]) worker.observe("worker_job_stage_latency_seconds", { stage, ...PVSV }, 0.1, 0);
    worker.observe("worker_job_latency_seconds", PVSV, 0.5, 0);
    worker.observe("worker_llm_call_latency_seconds", PVSV, 1, 0);
  }

  // Fractional rates accumulate so 0.1/s means one event every ten ticks.
  const carry = new Map<string, number>();
  const whole = (key: string, rate: number) => {
    const total = (carry.get(key) ?? 0) + rate;
    const n = Math.floor(total);
    carry.set(key, total - n);
    return n;
  };

  function tick(): void {
    const t = now();
    for (const channel of CHANNELS) {
      const l = { channel, ...PVSV };
      const seen = whole(`seen ${channel}`, b.messagesPerChannel);
      if (seen > 0) {
        collector.inc("collector_messages_seen_total", l, seen);
        collector.inc("collector_messages_upserted_total", l, seen);
        lastMessage.set(channel, t);
      }
      collector.set("collector_last_message_timestamp_seconds", l, lastMessage.get(channel)!);
      const ok = whole(`ok ${channel}`, b.parseOk / CHANNELS.length);
      worker.inc("worker_parse_success_total", l, ok);
      worker.inc("worker_tutor_types_extracted_total", l, ok * 2);
      worker.inc("worker_tutor_types_unmapped_total", l, whole(`unmapped ${channel}`, ok * 0.1));
      worker.inc("assignment_quality_missing_field_total", { field: "postal_code", ...l }, whole(`missing ${channel}`, ok * 0.1));
      worker.inc("assignment_quality_inconsistency_total", { kind: "level_subject_mismatch", ...l }, whole(`incons ${channel}`, ok * 0.05));
      const fail = whole(`fail ${channel}`, b.parseFail / CHANNELS.length);
      if (fail > 0) {
        worker.inc("worker_parse_failure_total", { channel, reason: "invalid_json", ...PVSV }, fail);
        aggLog("warning", "worker", "parse_failed", "could not parse assignment", {
          channel,
          step: "parse",
          assignment_id: `a-${Math.floor(t)}`,
        });
      }
    }
    const jobs = whole("jobs", b.jobsOk);
    worker.inc("worker_jobs_processed_total", { status: "ok", ...PVSV }, jobs);
    worker.observe("worker_job_latency_seconds", PVSV, 0.5, jobs);
    worker.observe("worker_llm_call_latency_seconds", PVSV, 1, jobs);
    worker.inc("worker_llm_requests_total", { model: "gpt-4o-mini", ...PVSV }, jobs);
    worker.inc("worker_supabase_requests_total", { operation: "upsert", ...PVSV }, jobs);
    worker.observe("worker_supabase_latency_seconds", { operation: "upsert", ...PVSV }, 0.05, jobs);
    worker.inc("broadcast_sent_total", PVSV, jobs);
    const llmFail = whole("llm", b.llmFail);
    worker.inc("worker_llm_fail_total", PVSV, llmFail);
    if (llmFail > 0) aggLog("error", "worker", "llm_failed", "LLM call failed", { step: "llm", exc: "TimeoutError" });
    worker.inc("dm_sent_total", PVSV, whole("dm", b.dmSent));
    worker.inc("dm_fail_total", PVSV, whole("dmfail", b.dmFail));
    pending = b.pendingDelta > 0 ? pending + b.pendingDelta : Math.max(5, pending - 5);
    worker.set("queue_pending", PVSV, pending);
    worker.set("queue_processing", PVSV, b.jobsOk > 0 ? 1 : 0);
    worker.set("queue_failed", PVSV, 0);
    worker.set("queue_ok", PVSV, 1000);
    worker.set("queue_oldest_pending_age_seconds", PVSV, b.jobsOk > 0 ? 30 : 60);
    worker.set("queue_oldest_processing_age_seconds", PVSV, b.stuckProcessing ? 1000 : b.jobsOk > 0 ? 5 : 0);
    worker.set("queue_oldest_processing_age_seconds", CANARY, b.stuckProcessing ? 1000 : 5);
    backend.inc("backend_http_requests_total", { method: "GET", path: "/assignments", status_code: "200" }, 3);
    backend.observe("backend_http_request_latency_seconds", { method: "GET", path: "/assignments" }, 0.05, 3);
    log(
      JSON.stringify({
        ts: new Date().toISOString(),
        level: "info",
        logger: "tutordex.backend",
        msg: "request",
        component: "backend",
        assignment_id: "-",
        channel: "-",
        ...PVSV,
        trace_id: "-",
        span_id: "-",
        exc: "-",
        request_id: `r-${Math.floor(t)}`,
        method: "GET",
        path: "/assignments",
        status_code: 200,
        latency_ms: 12.5,
        client_ip: "10.0.0.9",
      }),
    );
  }

  const json = (res: http.ServerResponse, status: number, body: unknown) => {
    res.writeHead(status, { "content-type": "application/json" });
    res.end(JSON.stringify(body));
  };
  const metrics = (req: http.IncomingMessage, res: http.ServerResponse, r: Registry) => {
    if (opts.nativeHistograms && (req.headers.accept ?? "").includes("application/vnd.google.protobuf")) {
      res.writeHead(200, { "content-type": PROTOBUF_CONTENT_TYPE });
      res.end(renderProtobuf(r));
      return;
    }
    res.writeHead(200, { "content-type": EXPOSITION_CONTENT_TYPE });
    res.end(r.render());
  };

  const handlers = {
    collector: (req: http.IncomingMessage, res: http.ServerResponse) => {
      if (req.url === "/metrics") return metrics(req, res, collector);
      if (["/health", "/healthz", "/health/collector"].includes(req.url ?? "")) return json(res, 200, { ok: true });
      if (req.url === "/health/dependencies") return json(res, 200, { ok: true, telegram: "ok" });
      return json(res, 404, { error: "not found" });
    },
    worker: (req: http.IncomingMessage, res: http.ServerResponse) => {
      if (req.url === "/metrics") return metrics(req, res, worker);
      if (["/health", "/healthz", "/health/worker"].includes(req.url ?? "")) return json(res, 200, { ok: true });
      if (req.url === "/health/dependencies") return json(res, 200, { ok: true, supabase: "ok", llm: "ok" });
      return json(res, 404, { error: "not found" });
    },
    backend: (req: http.IncomingMessage, res: http.ServerResponse) => {
      if (req.url === "/metrics") return metrics(req, res, backend);
      if (req.url === "/health") return json(res, b.backendHealthy ? 200 : 503, { ok: b.backendHealthy });
      if (req.url === "/health/dependencies") return json(res, 200, { ok: b.backendHealthy, supabase: b.backendHealthy ? "ok" : "down" });
      return json(res, 404, { error: "not found" });
    },
  };

  const servers: Partial<Record<keyof typeof handlers, http.Server>> = {};
  const ports = { ...opts.ports };
  async function listen(which: keyof typeof handlers): Promise<void> {
    const s = http.createServer(handlers[which]);
    await new Promise<void>((r) => s.listen(ports[which], host, r));
    ports[which] = (s.address() as AddressInfo).port;
    servers[which] = s;
  }
  async function unlisten(which: keyof typeof handlers): Promise<void> {
    const s = servers[which];
    if (!s) return;
    delete servers[which];
    s.closeAllConnections();
    await new Promise<void>((r) => s.close(() => r()));
  }

  initialise();
  await Promise.all([listen("collector"), listen("worker"), listen("backend")]);
  tick();
  const timer = setInterval(tick, opts.tickMs ?? 1000);
  return {
    ports,
    scenario: () => name,
    async setScenario(next) {
      name = next;
      b = SCENARIOS[next];
      if (!b.workerUp) await unlisten("worker");
      else if (!servers.worker) await listen("worker");
      aggLog("info", "simulator", "scenario", `scenario ${next}`);
    },
    async close() {
      clearInterval(timer);
      now = () => 0;
      await Promise.all([unlisten("collector"), unlisten("worker"), unlisten("backend")]);
    },
  };
}

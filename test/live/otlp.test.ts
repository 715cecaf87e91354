import * as fs from "fs";
import * as path from "path";
import { KNOWN_METRICS } from "../../rules/metrics";
import { DASHBOARDS } from "../../dashboards";
import { alertmanagerArgs, blackboxArgs, nodeExporterArgs, otelCollectorArgs, prometheusArgs } from "../../generators/commandLines";
import { OTLP_SOURCE_ATTRIBUTES, STREAM_LABELS } from "../../generators/logLabelContract";
import { renderLokiConfig } from "../../generators/loki";
import { ENVIRONMENT_ATTRIBUTE } from "../../generators/otelCollector";
import { logsRequest, metricsRequest, newSpanId, newTraceId, OTLP_SERVICE_NAMES, sendOtlp, tracesRequest } from "../../simulator/src/otlp";
import { lokiOtlpEntries } from "../support/logPipelines";
import { interpolate } from "../../harness/queries";
import { getJson, LIVE_ONLY_FLAGS, LiveProgram, livePrometheusFlags, LiveStack, startLiveStack, waitFor } from "../../harness/liveStack";

/**
 * The built OpenTelemetry Collector with the stack's generated config, between the simulated
 * TutorDex and the built Prometheus, with a second built collector standing in for Tempo and Loki.
 * This stack also runs with `nativeHistograms: true`, so the latency panels are proven live over
 * native histograms here and over classic ones in stack.test.ts.
 */
jest.setTimeout(120_000);
let live: LiveStack;
beforeAll(async () => {
  live = await startLiveStack({ nativeHistograms: true });
}, 90_000);
afterAll(async () => {
  await live?.stop();
});

const query = async (q: string) =>
  (await getJson(`${live.prometheus}/api/v1/query?query=${encodeURIComponent(q)}`)).data.result as {
    metric: Record<string, string>;
    value?: [number, string];
    histogram?: unknown;
  }[];
const attr = (attrs: { key: string; value: { stringValue?: string } }[] | undefined, key: string) =>
  attrs?.find((a) => a.key === key)?.value.stringValue;

describe("the programs run the deployed command lines (generators/commandLines.ts) with local paths", () => {
  const argvOf = (pid: number) => fs.readFileSync(`/proc/${pid}/cmdline`, "utf8").split("\0").slice(0, -1);
  const started = (name: LiveProgram) => {
    const p = live.programs.find((x) => x.name === name);
    if (!p) throw new Error(`${name} was not started by the harness`);
    return { ...p, argv: argvOf(p.pid) };
  };
  /** The flag's value in an argv (`--name=value`), for the paths the harness chose. */
  const flag = (argv: readonly string[], name: string) => argv.find((a) => a.startsWith(`${name}=`))?.slice(name.length + 1) ?? "";
  /** Only the listen address and the named speed-ups may be added to the deployed command line. */
  const expectDeployedPlusLiveOnly = (name: LiveProgram, deployed: string[]) => {
    const { argv } = started(name);
    expect(argv.slice(1, 1 + deployed.length)).toEqual(deployed);
    const extra = argv.slice(1 + deployed.length).map((a) => a.split("=")[0]);
    expect(LIVE_ONLY_FLAGS[name]).toEqual(expect.arrayContaining(extra));
  };

  it("Prometheus: exactly prometheusArgs, plus its listen address and the alert resend delay", async () => {
    const { argv } = started("prometheus");
    const dir = path.dirname(flag(argv, "--config.file"));
    expectDeployedPlusLiveOnly("prometheus", prometheusArgs(livePrometheusFlags(dir, live.config)));
    // And the running server says so: it reloads its own files, has no lifecycle API, and the OTLP receiver is on.
    const flags = (await getJson(`${live.prometheus}/api/v1/status/flags`)).data as Record<string, string>;
    expect(flags["config.auto-reload"]).toBe("true");
    expect(flags["web.enable-lifecycle"]).toBe("false");
    expect(flags["web.enable-otlp-receiver"]).toBe("true");
    expect((await live.request(`${live.prometheus}/-/reload`, { method: "POST" })).status).toBe(403);
  });

  it("Alertmanager, blackbox_exporter, node_exporter and the stack's collector likewise", () => {
    const am = started("alertmanager").argv;
    expectDeployedPlusLiveOnly(
      "alertmanager",
      alertmanagerArgs({
        configFile: flag(am, "--config.file"),
        storagePath: flag(am, "--storage.path"),
        externalUrl: live.config.alertmanagerExternalUrl,
        webConfigFile: flag(am, "--web.config.file"),
      }),
    );
    const bb = started("blackbox_exporter").argv;
    expectDeployedPlusLiveOnly(
      "blackbox_exporter",
      blackboxArgs({ configFile: flag(bb, "--config.file"), webConfigFile: flag(bb, "--web.config.file") }),
    );
    const ne = started("node_exporter").argv;
    expectDeployedPlusLiveOnly(
      "node_exporter",
      nodeExporterArgs({
        rootfs: "/",
        textfileDir: flag(ne, "--collector.textfile.directory"),
        listenAddress: live.nodeExporter.replace("http://", ""),
      }),
    );
    expectDeployedPlusLiveOnly("otelcol", otelCollectorArgs({ configFile: flag(started("otelcol").argv, "--config") }));
  });
});

describe("the collector answers as the stack's probes and scrape jobs expect", () => {
  it("its health endpoint answers 200, and Prometheus's readiness probe of it succeeds", async () => {
    expect((await fetch(live.collector.health)).status).toBe(200);
    const probe = await waitFor("blackbox_stack_ready probe of the collector", async () => {
      const r = await query('probe_success{job="blackbox_stack_ready", service="otel_collector"}');
      return r.length && r[0].value![1] === "1" ? r : undefined;
    });
    expect(probe).toHaveLength(1);
  });

  it("its own metrics are scraped by job otel_collector under the names the stack's dashboards query, and its log shows no deprecated component name", async () => {
    await waitFor("otel_collector target up", async () => {
      const r = await query('up{job="otel_collector"}');
      return r.length === 1 && r[0].value![1] === "1" ? true : undefined;
    });
    await sendOtlp(
      live.collector.otlpHttp,
      "traces",
      tracesRequest({ service: "collector", instanceId: "collector-tail-1" }, [{ name: "poll", startMs: Date.now() - 10, durationMs: 5 }]),
    );
    const queried = [...KNOWN_METRICS].filter((m) => m.startsWith("otelcol_"));
    expect(queried.length).toBeGreaterThan(0);
    for (const m of queried)
      await waitFor(
        `${m} scraped from the collector`,
        async () => ((await query(`${m}{job="otel_collector"}`)).length ? true : undefined),
        20_000,
      );
    expect(live.processLogs()).not.toMatch(/deprecated/i);
  });
});

describe("OTLP from the simulated TutorDex through the built collector", () => {
  it("a span arrives at the Tempo side with its service and the stack's environment", async () => {
    const traceId = newTraceId();
    await sendOtlp(
      live.collector.otlpHttp,
      "traces",
      tracesRequest({ service: "worker", instanceId: "aggregator-worker-1" }, [
        { name: "process_assignment", traceId, startMs: Date.now() - 30, durationMs: 25, attributes: { channel: "t.me/tuitionsg" } },
      ]),
    );
    const rs = await waitFor("the span at the sink", async () =>
      live.sink
        .requests("traces")
        .flatMap((r) => r.resourceSpans)
        .find((x: any) => x.scopeSpans.some((s: any) => s.spans.some((sp: any) => sp.traceId === traceId))),
    );
    expect(attr(rs.resource.attributes, "service.name")).toBe(OTLP_SERVICE_NAMES.worker);
    expect(attr(rs.resource.attributes, ENVIRONMENT_ATTRIBUTE)).toBe(live.config.environment);
  });

  it("a metric is queryable in Prometheus with its service labels and the promoted attributes", async () => {
    const id = { service: "backend" as const, instanceId: "backend-1", version: "2026.11.1" };
    const at = Date.now();
    await sendOtlp(
      live.collector.otlpHttp,
      "metrics",
      metricsRequest(id, [
        {
          kind: "counter",
          name: "tutordex_otlp_test_requests",
          points: [{ attributes: { route: "/assignments" }, value: 42 }],
          startMs: at - 60_000,
          atMs: at,
        },
      ]),
    );
    const [series] = await waitFor("the OTLP counter in Prometheus", async () => {
      const r = await query("tutordex_otlp_test_requests_total");
      return r.length ? r : undefined;
    });
    expect(series.metric).toMatchObject({
      job: OTLP_SERVICE_NAMES.backend,
      instance: "backend-1",
      route: "/assignments",
      service_name: OTLP_SERVICE_NAMES.backend,
      service_instance_id: "backend-1",
      service_version: "2026.11.1",
      deployment_environment_name: live.config.environment,
    });
    expect(series.value![1]).toBe("42");
  });

  it("the same OTLP straight to Prometheus, without its password, is refused and never lands; the collector's basicauth is what let it in", async () => {
    const id = { service: "backend" as const, instanceId: "backend-2", version: "x" };
    const at = Date.now();
    const body = metricsRequest(id, [
      { kind: "counter", name: "tutordex_otlp_direct_write", points: [{ attributes: {}, value: 1 }], startMs: at - 60_000, atMs: at },
    ]);
    const r = await fetch(`${live.prometheus}/api/v1/otlp/v1/metrics`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify(body),
    });
    expect(r.status).toBe(401);
    await new Promise((done) => setTimeout(done, 2000));
    expect(await query("tutordex_otlp_direct_write_total")).toEqual([]);
  });

  it("log records reach the Loki side in the streams of the label contract (the real collector's processors, then Loki's OTLP ingestion)", async () => {
    const traceId = newTraceId();
    const spanId = newSpanId();
    const container = {
      [OTLP_SOURCE_ATTRIBUTES.container]: "tutordex-dev-aggregator-worker-1",
      [OTLP_SOURCE_ATTRIBUTES.compose_service]: "aggregator-worker",
      [OTLP_SOURCE_ATTRIBUTES.compose_project]: "tutordex-dev",
    };
    const fields = {
      level: "error",
      component: "worker",
      event: "parse_failed",
      channel: "t.me/tuitionsg",
      step: "parse",
      assignment_id: "a-77",
      pipeline_version: "2026-01-02_det_time_v1",
      schema_version: "v2",
      trace_id: traceId,
      span_id: spanId,
    };
    await sendOtlp(
      live.collector.otlpHttp,
      "logs",
      logsRequest({ service: "worker", instanceId: "aggregator-worker-1", extra: container }, [
        { atMs: Date.now(), severityText: "ERROR", body: "could not parse assignment", attributes: fields, traceId, spanId },
        {
          atMs: Date.now(),
          severityText: "INFO",
          body: "parsed",
          attributes: { ...fields, level: "info", event: "parsed" },
          traceId,
          spanId,
        },
      ]),
    );
    const requests = await waitFor("both records at the sink", async () => {
      const got = live.sink.requests("logs").filter((r) => JSON.stringify(r).includes(traceId));
      return got
        .flatMap((r) => r.resourceLogs)
        .flatMap((rl: any) => rl.scopeLogs)
        .flatMap((s: any) => s.logRecords).length >= 2
        ? got
        : undefined;
    });
    const entries = requests.flatMap((r) => lokiOtlpEntries(renderLokiConfig(live.config.retention.loki), r));
    expect(entries.map((e) => e.labels).sort((a, b) => a.level.localeCompare(b.level))).toEqual(
      ["error", "info"].map((level) => ({
        container: "tutordex-dev-aggregator-worker-1",
        compose_service: "aggregator-worker",
        compose_project: "tutordex-dev",
        level,
        component: "worker",
        channel: "t.me/tuitionsg",
        pipeline_version: "2026-01-02_det_time_v1",
        schema_version: "v2",
      })),
    );
    for (const e of entries) {
      expect(Object.keys(e.labels).sort()).toEqual([...STREAM_LABELS].sort());
      expect(e.structuredMetadata).toMatchObject({
        assignment_id: "a-77",
        trace_id: traceId,
        span_id: spanId,
        deployment_environment_name: live.config.environment,
      });
    }
  });

  it('a record sent without the label contract reaches the Loki side filed under compose_service="unknown", and Prometheus counts it per sender', async () => {
    const marker = `no-contract-${newTraceId()}`;
    await sendOtlp(
      live.collector.otlpHttp,
      "logs",
      logsRequest({ service: "backend", instanceId: "backend-7" }, [
        { atMs: Date.now(), severityText: "WARN", body: marker, attributes: {} },
        { atMs: Date.now(), severityText: "WARN", body: marker, attributes: {} },
      ]),
    );
    const requests = await waitFor("the records at the sink", async () => {
      const got = live.sink.requests("logs").filter((r) => JSON.stringify(r).includes(marker));
      return got.length ? got : undefined;
    });
    const entries = requests.flatMap((r) => lokiOtlpEntries(renderLokiConfig(live.config.retention.loki), r));
    expect(entries.map((e) => e.labels)).toEqual([{ compose_service: "unknown" }, { compose_service: "unknown" }]);
    const [series] = await waitFor("the count of records without the contract in Prometheus", async () => {
      const r = await query(`tutordex_otlp_log_records_unlabelled_total{instance="backend-7"}`);
      return r.length && r[0].value?.[1] === "2" ? r : undefined;
    });
    expect(series.metric).toMatchObject({
      job: OTLP_SERVICE_NAMES.backend,
      service_name: OTLP_SERVICE_NAMES.backend,
      deployment_environment_name: live.config.environment,
    });
  });
});

describe("native histograms (nativeHistograms: true) against the simulator's protobuf exposition", () => {
  const latencyPanels = () =>
    DASHBOARDS.flatMap((d) => d.panels.flatMap((p) => p.targets ?? []))
      .map((t) => t.expr)
      .filter((e) => e.includes("histogram_quantile(") && /worker_/.test(e));

  it("Prometheus stores the worker latency both as a native histogram and as classic buckets", async () => {
    const native = await waitFor("a native worker_job_latency_seconds", async () => {
      const r = await query("worker_job_latency_seconds");
      return r.length && r[0].histogram ? r : undefined;
    });
    expect(native.length).toBeGreaterThan(0);
    expect((await query("worker_job_latency_seconds_bucket")).length).toBeGreaterThan(0);
  });

  it("every latency panel answers, and its native half alone answers too", async () => {
    const panels = latencyPanels();
    expect(panels.length).toBeGreaterThanOrEqual(3);
    for (const expr of panels) {
      const whole = interpolate(expr);
      const nativeHalf = whole.split(" or ")[1];
      expect(nativeHalf).toMatch(/^histogram_quantile\(/);
      await waitFor(`${expr} answers`, async () => ((await query(whole)).length ? true : undefined), 30_000);
      await waitFor(`native half of ${expr} answers`, async () => ((await query(nativeHalf)).length ? true : undefined), 30_000);
      const groups = (await query(whole)).map((s) => JSON.stringify(s.metric));
      expect(new Set(groups).size).toBe(groups.length);
    }
  });
});

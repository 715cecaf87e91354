import { randomBytes } from "crypto";

/**
 * The simulated TutorDex as an OpenTelemetry-instrumented application: spans, metrics and logs
 * sent as OTLP/HTTP JSON (the protobuf messages' JSON mapping, which every OTLP/HTTP receiver
 * accepts) to a collector's `http://<collector>:4318`. No SDK: the requests are small enough to
 * write out, and what is sent is exactly what the tests read.
 */

/** The service names in use (docs/spec.md §8). */
export const OTLP_SERVICE_NAMES = {
  collector: "tutordex-collector",
  worker: "tutordex-aggregator-worker",
  backend: "tutordex-backend",
  telegramLinkBot: "tutordex-telegram-link-bot",
} as const;
export type OtlpService = keyof typeof OTLP_SERVICE_NAMES;

export interface AnyValue {
  readonly stringValue?: string;
  readonly intValue?: string;
  readonly doubleValue?: number;
  readonly boolValue?: boolean;
}
export interface KeyValue {
  readonly key: string;
  readonly value: AnyValue;
}
type Attributes = Readonly<Record<string, string | number | boolean>>;

/** OTLP attributes from a plain object: integers as intValue (a decimal string in JSON), other numbers as doubles. */
export function attributes(a: Attributes): KeyValue[] {
  return Object.entries(a).map(([key, v]) => ({
    key,
    value:
      typeof v === "string"
        ? { stringValue: v }
        : typeof v === "boolean"
          ? { boolValue: v }
          : Number.isInteger(v)
            ? { intValue: String(v) }
            : { doubleValue: v },
  }));
}

export interface ServiceIdentity {
  readonly service: OtlpService;
  /** service.instance.id: Prometheus makes it the `instance` label. */
  readonly instanceId: string;
  readonly namespace?: string;
  readonly version?: string;
  /** Further resource attributes, e.g. container.name and container.label.* for the log contract. */
  readonly extra?: Attributes;
}

export function resource(id: ServiceIdentity): { attributes: KeyValue[] } {
  return {
    attributes: attributes({
      "service.name": OTLP_SERVICE_NAMES[id.service],
      "service.instance.id": id.instanceId,
      ...(id.namespace ? { "service.namespace": id.namespace } : {}),
      ...(id.version ? { "service.version": id.version } : {}),
      ...id.extra,
    }),
  };
}

const SCOPE = { name: "tutordex.simulator", version: "1" };
const nanos = (ms: number) => `${BigInt(Math.round(ms)) * 1_000_000n}`;
export const newTraceId = () => randomBytes(16).toString("hex");
export const newSpanId = () => randomBytes(8).toString("hex");

export interface SpanSpec {
  readonly name: string;
  readonly traceId?: string;
  readonly spanId?: string;
  readonly parentSpanId?: string;
  readonly startMs: number;
  readonly durationMs: number;
  readonly attributes?: Attributes;
  readonly error?: boolean;
}

export function tracesRequest(id: ServiceIdentity, spans: readonly SpanSpec[]) {
  return {
    resourceSpans: [
      {
        resource: resource(id),
        scopeSpans: [
          {
            scope: SCOPE,
            spans: spans.map((s) => ({
              traceId: s.traceId ?? newTraceId(),
              spanId: s.spanId ?? newSpanId(),
              ...(s.parentSpanId ? { parentSpanId: s.parentSpanId } : {}),
              name: s.name,
              kind: 2, // SPAN_KIND_SERVER
              startTimeUnixNano: nanos(s.startMs),
              endTimeUnixNano: nanos(s.startMs + s.durationMs),
              attributes: attributes(s.attributes ?? {}),
              status: { code: s.error ? 2 : 1 },
            })),
          },
        ],
      },
    ],
  };
}

/** A cumulative monotonic sum (a counter), a gauge, or an exponential histogram (native in Prometheus). */
export type MetricSpec =
  | {
      readonly kind: "counter";
      readonly name: string;
      readonly unit?: string;
      readonly points: readonly { attributes: Attributes; value: number }[];
      readonly startMs: number;
      readonly atMs: number;
    }
  | {
      readonly kind: "gauge";
      readonly name: string;
      readonly unit?: string;
      readonly points: readonly { attributes: Attributes; value: number }[];
      readonly atMs: number;
    };

export function metricsRequest(id: ServiceIdentity, metrics: readonly MetricSpec[]) {
  return {
    resourceMetrics: [
      {
        resource: resource(id),
        scopeMetrics: [
          {
            scope: SCOPE,
            metrics: metrics.map((m) => {
              const base = { name: m.name, ...(m.unit ? { unit: m.unit } : {}) };
              if (m.kind === "gauge")
                return {
                  ...base,
                  gauge: {
                    dataPoints: m.points.map((p) => ({
                      attributes: attributes(p.attributes),
                      timeUnixNano: nanos(m.atMs),
                      asDouble: p.value,
                    })),
                  },
                };
              return {
                ...base,
                sum: {
                  aggregationTemporality: 2, // AGGREGATION_TEMPORALITY_CUMULATIVE
                  isMonotonic: true,
                  dataPoints: m.points.map((p) => ({
                    attributes: attributes(p.attributes),
                    startTimeUnixNano: nanos(m.startMs),
                    timeUnixNano: nanos(m.atMs),
                    asDouble: p.value,
                  })),
                },
              };
            }),
          },
        ],
      },
    ],
  };
}

export interface LogSpec {
  readonly atMs: number;
  readonly severityText: string;
  readonly body: string;
  /** The structured logger's keys (docs/spec.md §7) as record attributes. */
  readonly attributes: Attributes;
  readonly traceId?: string;
  readonly spanId?: string;
}

/** OpenTelemetry severity numbers for the docs/spec.md §7 levels. */
const SEVERITY: Readonly<Record<string, number>> = { debug: 5, info: 9, warning: 13, warn: 13, error: 17, critical: 21 };

export function logsRequest(id: ServiceIdentity, records: readonly LogSpec[]) {
  return {
    resourceLogs: [
      {
        resource: resource(id),
        scopeLogs: [
          {
            scope: SCOPE,
            logRecords: records.map((r) => ({
              timeUnixNano: nanos(r.atMs),
              severityText: r.severityText,
              severityNumber: SEVERITY[r.severityText.toLowerCase()] ?? 0,
              body: { stringValue: r.body },
              attributes: attributes(r.attributes),
              ...(r.traceId ? { traceId: r.traceId } : {}),
              ...(r.spanId ? { spanId: r.spanId } : {}),
            })),
          },
        ],
      },
    ],
  };
}

export type OtlpSignal = "traces" | "metrics" | "logs";

/**
 * POSTs one request to `<endpoint>/v1/<signal>` (the OTLP/HTTP exporter paths). A refusal is an
 * error with the status and the receiver's answer; a partial success is returned for the caller to judge.
 */
export async function sendOtlp(
  endpoint: string,
  signal: OtlpSignal,
  body: unknown,
  timeoutMs = 5000,
): Promise<{ partialSuccess?: Record<string, unknown> }> {
  const url = `${endpoint.replace(/\/+$/, "")}/v1/${signal}`;
  const r = await fetch(url, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify(body),
    signal: AbortSignal.timeout(timeoutMs),
  });
  const text = await r.text();
  if (!r.ok) throw new Error(`OTLP ${signal} to ${url}: ${r.status} ${text.slice(0, 300)}`);
  return text ? (JSON.parse(text) as { partialSuccess?: Record<string, unknown> }) : {};
}

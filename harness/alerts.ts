import { WebhookAlert, WebhookPayload } from "../bridge/src/payload";

export function alert(
  overrides: Partial<WebhookAlert> & { labels?: Record<string, string>; annotations?: Record<string, string> } = {},
): WebhookAlert {
  return {
    status: "firing",
    startsAt: "2026-11-25T10:00:00Z",
    endsAt: "0001-01-01T00:00:00Z",
    generatorURL: "http://prometheus:9090/graph?g0.expr=x",
    fingerprint: "abc",
    ...overrides,
    labels: {
      alertname: "QueueStuckProcessing",
      severity: "critical",
      component: "queue",
      pipeline_version: "2026-01-02_det_time_v1",
      schema_version: "v2",
      ...overrides.labels,
    },
    annotations: {
      summary: "A job is stuck in processing",
      description: "The oldest processing job has been running for 15m 1s.",
      runbook_url: "https://rb.test/runbooks/QueueStuckProcessing.md",
      dashboard: "https://grafana.test/d/tutordex-overview",
      ...overrides.annotations,
    },
  };
}

export function payload(alerts: WebhookAlert[], extra: Partial<WebhookPayload> = {}): WebhookPayload {
  return {
    version: "4",
    groupKey: '{}:{alertname="QueueStuckProcessing"}',
    truncatedAlerts: 0,
    status: alerts.some((a) => a.status === "firing") ? "firing" : "resolved",
    receiver: "telegram-critical",
    groupLabels: {},
    commonLabels: {},
    commonAnnotations: {},
    externalURL: "http://localhost:9093",
    alerts,
    ...extra,
  };
}

/** A link of about `chars` characters whose tail is an encoded expression, as Prometheus and Grafana make them. */
export const longUrl = (base: string, tag: string, chars: number) =>
  `${base}?tag=${tag}&expr=${encodeURIComponent(`sum by (instance) (rate(http_requests_total{job="api",instance=~"${tag}.*"}[5m]))`.repeat(40))}`.slice(
    0,
    chars,
  );

/** A storm of 60 alerts of 20 rules (3 hosts each), each with runbook, dashboard and source links of 2,000 characters. */
export function longLinkStorm(): WebhookAlert[] {
  return Array.from({ length: 60 }, (_, i) => {
    const rule = `LinkStorm${String(i % 20).padStart(2, "0")}`;
    return alert({
      fingerprint: `ls${i}`,
      labels: { alertname: rule, severity: "warning", component: "api", instance: `host-${String(i).padStart(2, "0")}` },
      annotations: {
        summary: `${rule} on host-${i}`,
        description: "Requests fail above the objective.",
        runbook_url: longUrl(`https://runbooks.test/${rule}.md`, rule, 2000),
        dashboard: longUrl("https://grafana.test/d/api", rule, 2000),
      },
      generatorURL: longUrl("http://prometheus:9090/graph", `host-${i}`, 2000),
    });
  });
}

/**
 * Which messages get a graph, and of what: the query derived from the alert's generatorURL (the
 * quantity and its threshold split off the rule's expression as Prometheus prints it), the series
 * ranked and named from Prometheus's answer, and the messages that qualify.
 */
import { GRAPH_MAX_ALERTS, captionFits, graphSubject } from "../../bridge/src/graph/photo";
import { graphQuery, MAX_EXPR_CHARS } from "../../bridge/src/graph/query";
import { graphSpec } from "../../bridge/src/graph/spec";
import { alertItem, noteItem } from "../../bridge/src/items";
import { STATUS_RESERVE } from "../../bridge/src/packing";
import { matrixSeries } from "../../bridge/src/prometheus";
import { alert } from "../../harness/alerts";

/** A generatorURL as Prometheus makes one: its external URL, then /graph?g0.expr=<query-escaped expression>&g0.tab=1. */
const url = (expr: string, base = "http://prometheus:9090") =>
  `${base}/graph?g0.expr=${new URLSearchParams({ x: expr }).toString().slice(2)}&g0.tab=1`;

describe("the query from a generatorURL", () => {
  it.each([
    // Expressions as Prometheus 3.16 printed our rules (its /api/v1/rules `query`).
    [
      "node_memory_MemAvailable_bytes / node_memory_MemTotal_bytes < 0.1",
      "node_memory_MemAvailable_bytes / node_memory_MemTotal_bytes",
      "<",
      0.1,
    ],
    [
      'probe_ssl_earliest_cert_expiry{job="blackbox_http_public"} - time() < 1209600',
      'probe_ssl_earliest_cert_expiry{job="blackbox_http_public"} - time()',
      "<",
      1209600,
    ],
    ["(time() - collector_last_message_timestamp_seconds) > 900", "(time() - collector_last_message_timestamp_seconds)", ">", 900],
    [
      "sum by (pipeline_version, schema_version) (rate(worker_llm_fail_total[5m])) > 0.2",
      "sum by (pipeline_version, schema_version) (rate(worker_llm_fail_total[5m]))",
      ">",
      0.2,
    ],
    ["up >= 1e-7", "up", ">=", 1e-7],
    ["x <= -5", "x", "<=", -5],
    ["x == 0", "x", "==", 0],
    ["x != 3", "x", "!=", 3],
  ])("%s: the quantity and its threshold", (expr, quantity, op, value) => {
    expect(graphQuery(url(expr))).toEqual({ expr: quantity, threshold: { op, value } });
  });

  it.each([
    [
      "a set operator at the top: the samples of the whole expression, no line",
      'sum by (name) (increase(container_oom_events_total{name=~"a|b"}[15m])) > 0 and on (name) vector(1) > bool 0.25',
    ],
    ["`unless`", "queue_pending > (queue_pending offset 15m) unless on (pipeline_version) (sum by (pipeline_version) (rate(w[5m])) > 0)"],
    ["`or`", "vector(0.0000002) > 0.000001 or vector(1) > 1000000000000000000000"],
    ["a 0/1 comparison (bool)", "up > bool 0.5"],
    ["a vector on the right", "a > b"],
    ["a comparison only inside brackets", "max_over_time((x > 5)[5m:])"],
    ["comparison characters inside strings and matchers", 'up{job!="a>b",instance=~"<x>"}'],
    ["no comparison at all", "vector(1)"],
    ["a threshold that is not finite", "x > Inf"],
  ])("%s: drawn as it is", (_why, expr) => {
    expect(graphQuery(url(expr))).toEqual({ expr });
  });

  it("keeps brackets, strings and `bool` out of the split, and finds the last top-level comparison", () => {
    expect(graphQuery(url('count(up{job=~"a|b"} > 0) > 2'))).toEqual({
      expr: 'count(up{job=~"a|b"} > 0)',
      threshold: { op: ">", value: 2 },
    });
    expect(graphQuery(url('label_replace(x, "a", "<", "", "") < 0.5'))).toEqual({
      expr: 'label_replace(x, "a", "<", "", "")',
      threshold: { op: "<", value: 0.5 },
    });
  });

  it("takes only the expression: no generatorURL, none in it, an unbalanced or overlong one, nothing", () => {
    expect(graphQuery(undefined)).toBeUndefined();
    expect(graphQuery("")).toBeUndefined();
    expect(graphQuery("not a url")).toBeUndefined();
    expect(graphQuery("http://prometheus.test/graph")).toBeUndefined();
    expect(graphQuery("http://prometheus.test/graph?g0.expr=&g0.tab=1")).toBeUndefined();
    expect(graphQuery(url("sum(rate(x[5m]) > 1"))).toEqual({ expr: "sum(rate(x[5m]) > 1" });
    expect(graphQuery(url(`x > ${"1".repeat(MAX_EXPR_CHARS)}`))).toBeUndefined();
    // Behind a path prefix (--web.external-url with a path) too.
    expect(graphQuery(url("up < 1", "https://ops.example.com/prometheus"))).toEqual({ expr: "up", threshold: { op: "<", value: 1 } });
  });
});

describe("what the graph draws from Prometheus's answer", () => {
  const window = { startS: 1000, endS: 4600, stepS: 20 };
  const series = (metric: Record<string, string>, ...values: number[]) => ({
    metric,
    values: values.map((v, i) => [1000 + i * 20, String(v)] as [number, string]),
  });

  it("puts the alert's own series first, then the highest last values for '>', drawing at most 3 and counting the rest", () => {
    const result = [
      series({ name: "a", job: "c" }, 0.1, 0.2),
      series({ name: "b", job: "c" }, 0.9, 0.5),
      series({ name: "c", job: "c" }, 0.3, 0.95),
      series({ name: "d", job: "c" }, 0.6, 0.6),
      series({ name: "e", job: "c" }, 0.7, 0.7),
    ];
    const own = alert({ labels: { alertname: "X", name: "a", job: "c" }, startsAt: "1970-01-01T00:50:00Z" });
    const spec = graphSpec(result, { expr: "x", threshold: { op: ">", value: 0.8 } }, [own], window);
    // `job` is the same everywhere: the legend leaves it out.
    expect(spec.series.map((s) => s.name)).toEqual(["name=a", "name=c", "name=e"]);
    expect(spec.hidden).toBe(2);
    expect(spec).toMatchObject({ ...window, threshold: { op: ">", value: 0.8 }, firingSinceS: 3000 });
    expect(spec.series[0].points).toEqual([
      [1000, 0.1],
      [1020, 0.2],
    ]);
  });

  it("ranks by the lowest last value when the alert fires below its threshold; no-value samples are gaps", () => {
    const result = [
      series({ i: "1" }, 0.5, 0.5),
      series({ i: "2" }, 0.5, 0.05),
      {
        metric: { i: "3" },
        values: [
          [1000, "NaN"],
          [1020, "0.3"],
        ] as [number, string][],
      },
    ];
    const spec = graphSpec(result, { expr: "x", threshold: { op: "<", value: 0.1 } }, [], window);
    expect(spec.series.map((s) => s.name)).toEqual(["i=2", "i=3", "i=1"]);
    expect(spec.series[1].points).toEqual([[1020, 0.3]]);
    expect(spec).not.toHaveProperty("firingSinceS");
  });

  it("names a single series by all its labels, or by the expression when it has none", () => {
    expect(graphSpec([series({ __name__: "up", job: "p", instance: "h:9090" }, 1)], { expr: "up" }, [], window).series[0].name).toBe(
      "instance=h:9090 job=p",
    );
    expect(graphSpec([series({}, 1)], { expr: "sum(up)" }, [], window).series[0].name).toBe("sum(up)");
    expect(graphSpec([], { expr: "up" }, [], window).series).toEqual([]);
  });
});

describe("which messages carry a graph", () => {
  const dest = { chatId: "-1", threadId: undefined };
  const firing = (fp: string, expr = "up < 1") => alertItem(dest, alert({ fingerprint: fp, generatorURL: url(expr) }), undefined);

  it(`a full message of 1 to ${GRAPH_MAX_ALERTS} firing alerts of one expression`, () => {
    expect(graphSubject([firing("a")], "full")).toEqual({
      query: { expr: "up", threshold: { op: "<", value: 1 } },
      alerts: [firing("a").alert],
    });
    const five = Array.from({ length: GRAPH_MAX_ALERTS }, (_, i) => firing(`f${i}`));
    expect(graphSubject(five, "full")?.alerts).toHaveLength(GRAPH_MAX_ALERTS);
  });

  it("never a storm summary, more alerts, a resolved alert, a note, mixed expressions or an alert without one", () => {
    const six = Array.from({ length: GRAPH_MAX_ALERTS + 1 }, (_, i) => firing(`f${i}`));
    expect(graphSubject([firing("a")], "summary")).toBeUndefined();
    expect(graphSubject(six, "full")).toBeUndefined();
    expect(graphSubject([alertItem(dest, alert({ status: "resolved", generatorURL: url("up < 1") }), undefined)], "full")).toBeUndefined();
    expect(graphSubject([firing("a"), noteItem(dest, "note", "n", undefined)], "full")).toBeUndefined();
    expect(graphSubject([firing("a"), firing("b", "up < 2")], "full")).toBeUndefined();
    expect(graphSubject([alertItem(dest, alert({ generatorURL: "http://prometheus.test/graph" }), undefined)], "full")).toBeUndefined();
    expect(graphSubject([], "full")).toBeUndefined();
  });

  it("only when the text fits a caption (1024 characters) with the room edits need", () => {
    expect(captionFits("x".repeat(1024 - STATUS_RESERVE))).toBe(true);
    expect(captionFits("x".repeat(1024 - STATUS_RESERVE + 1))).toBe(false);
    // Tags cost nothing visible.
    expect(captionFits(`<b>${"x".repeat(1024 - STATUS_RESERVE)}</b>`)).toBe(true);
  });
});

describe("Prometheus's query_range answer", () => {
  const answer = (result: unknown) => ({ status: "success", data: { resultType: "matrix", result } });

  it("is checked in place, its series returned as they are: a large answer is not copied", () => {
    const result = Array.from({ length: 250 }, (_, i) => ({
      metric: { instance: `h${i}` },
      values: Array.from({ length: 181 }, (_, j) => [1_800_000_000 + j * 20, "0.5"]),
    }));
    const json = answer(result);
    expect(matrixSeries(json)).toBe(result);
    expect(matrixSeries(answer([]))).toEqual([]);
  });

  it.each([
    [{ status: "error", error: "bad" }, "status is not success"],
    [{ status: "success", data: { resultType: "vector", result: [] } }, "data.resultType is not matrix"],
    [{ status: "success", data: { resultType: "matrix" } }, "data.result is not a list"],
    [answer([{ metric: { a: 1 }, values: [] }]), "data.result.0.metric is not a map of labels"],
    [answer([{ metric: {}, values: [] }, { values: [] }]), "data.result.1.metric is not a map of labels"],
    [answer([{ metric: {}, values: {} }]), "data.result.0.values is not a list"],
    [
      answer([
        {
          metric: {},
          values: [
            [1, "2"],
            [1, 2],
          ],
        },
      ]),
      'data.result.0.values.1 is not [time, "value"]',
    ],
    [answer([{ metric: {}, values: [[1, "2", 3]] }]), 'data.result.0.values.0 is not [time, "value"]'],
    [null, "status is not success"],
  ])("not a matrix: %j is refused, saying where (%s)", (json, reason) => {
    expect(matrixSeries(json)).toBe(reason);
  });
});

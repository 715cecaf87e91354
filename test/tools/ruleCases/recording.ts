import { counter, ExprCheck, OLD, PV, RuleTestCase } from "./model";

const sample = (record: string, labels: string, value: number) => ({ labels: `${record}{${labels}}`, value });
const check = (expr: string, eval_time: string, ...exp_samples: { labels: string; value: number }[]): ExprCheck => ({ expr, eval_time, exp_samples });

/**
 * Every recording rule with its value at 13m, two minutes after its counters start rising at
 * 11m, so a window one minute shorter or longer holds a different share of the rise:
 * a 5m rate there is (3 steps) / 240 s, a 10m rate (3 steps) / 540 s.
 */
export function recordingCases(): RuleTestCase[] {
  return [
    {
      name: "recording: collector staleness, 5m throughput and failure rates",
      input_series: [
        { series: `collector_last_message_timestamp_seconds{channel="t.me/a",${PV}}`, values: "100x20" },
        { series: `worker_jobs_processed_total{status="ok",${PV}}`, values: counter(1000, [0, 10], [30, 10]) },
        { series: `worker_jobs_processed_total{status="failed",${PV}}`, values: counter(1000, [0, 10], [30, 10]) },
        { series: `worker_llm_fail_total{${PV}}`, values: counter(1000, [0, 10], [20, 10]) },
        { series: `worker_supabase_fail_total{operation="upsert",${PV}}`, values: counter(1000, [0, 10], [10, 10]) },
        { series: `worker_supabase_fail_total{operation="select",${PV}}`, values: counter(1000, [0, 10], [10, 10]) },
      ],
      promql_expr_test: [
        check("tutordex:collector:seconds_since_last_message", "13m", sample("tutordex:collector:seconds_since_last_message", `channel="t.me/a",${PV}`, 680)),
        // 3 × 60 jobs / 240 s; a 4m window would say 1, a 6m window 0.6.
        check("tutordex:worker:throughput_jobs_per_s", "13m", sample("tutordex:worker:throughput_jobs_per_s", PV, 0.75)),
        check("tutordex:worker:llm_fail_rate_per_s", "13m", sample("tutordex:worker:llm_fail_rate_per_s", PV, 0.25)),
        check("tutordex:worker:supabase_fail_rate_per_s", "13m", sample("tutordex:worker:supabase_fail_rate_per_s", PV, 0.25)),
      ],
    },
    {
      // PV fails 45 + 45 (invalid_json) and 45 (missing_field) a minute from 11m (3 steps by
      // 13m) and succeeds 81 a minute from 9m (5 steps): 0.75/s failing against 0.75/s
      // succeeding over 10m, so half fail. A 9m window on either side would divide by 480 s
      // instead of 540 s and tip the fraction. "ok-only" succeeds from 11m only, "fail-only"
      // fails from 11m only: an absent side counts as 0.
      name: "recording: 10m parse rates and error fraction, with an absent side counting as zero",
      input_series: [
        { series: `worker_parse_failure_total{channel="t.me/a",reason="invalid_json",${PV}}`, values: counter(1000, [0, 10], [45, 10]) },
        { series: `worker_parse_failure_total{channel="t.me/b",reason="invalid_json",${PV}}`, values: counter(1000, [0, 10], [45, 10]) },
        { series: `worker_parse_failure_total{channel="t.me/a",reason="missing_field",${PV}}`, values: counter(1000, [0, 10], [45, 10]) },
        { series: `worker_parse_success_total{channel="t.me/a",${PV}}`, values: counter(1000, [0, 8], [81, 12]) },
        { series: 'worker_parse_success_total{channel="t.me/a",pipeline_version="ok-only",schema_version="v2"}', values: counter(1000, [0, 10], [90, 10]) },
        { series: 'worker_parse_failure_total{channel="t.me/a",reason="invalid_json",pipeline_version="fail-only",schema_version="v2"}', values: counter(1000, [0, 10], [180, 10]) },
      ],
      promql_expr_test: [
        check(
          "tutordex:worker:parse_failure_rate_per_s",
          "13m",
          sample("tutordex:worker:parse_failure_rate_per_s", `reason="invalid_json",${PV}`, 0.5),
          sample("tutordex:worker:parse_failure_rate_per_s", `reason="missing_field",${PV}`, 0.25),
          sample("tutordex:worker:parse_failure_rate_per_s", 'reason="invalid_json",pipeline_version="fail-only",schema_version="v2"', 1),
        ),
        check(
          "tutordex:worker:parse_success_rate_per_s",
          "13m",
          sample("tutordex:worker:parse_success_rate_per_s", PV, 0.75),
          sample("tutordex:worker:parse_success_rate_per_s", 'pipeline_version="ok-only",schema_version="v2"', 0.5),
        ),
        check(
          "tutordex:worker:parse_error_fraction",
          "13m",
          sample("tutordex:worker:parse_error_fraction", PV, 0.5),
          sample("tutordex:worker:parse_error_fraction", 'pipeline_version="ok-only",schema_version="v2"', 0),
          sample("tutordex:worker:parse_error_fraction", 'pipeline_version="fail-only",schema_version="v2"', 1),
        ),
      ],
    },
    {
      name: "recording: 10m quality rates by field and kind",
      input_series: [
        { series: `assignment_quality_missing_field_total{field="postal_code",channel="t.me/a",${PV}}`, values: counter(1000, [0, 10], [22.5, 10]) },
        { series: `assignment_quality_missing_field_total{field="postal_code",channel="t.me/b",${PV}}`, values: counter(1000, [0, 10], [22.5, 10]) },
        { series: `assignment_quality_inconsistency_total{kind="level_subject_mismatch",channel="t.me/a",${PV}}`, values: counter(1000, [0, 10], [90, 10]) },
      ],
      promql_expr_test: [
        check("tutordex:quality:missing_field_rate_per_s", "13m", sample("tutordex:quality:missing_field_rate_per_s", `field="postal_code",${PV}`, 0.25)),
        check("tutordex:quality:inconsistency_rate_per_s", "13m", sample("tutordex:quality:inconsistency_rate_per_s", `kind="level_subject_mismatch",${PV}`, 0.5)),
      ],
    },
    {
      // The per-channel rules of issue 28. Parse rates: as above, summed per channel over the
      // reasons (t.me/a fails 45 + 45 a minute from 11m, t.me/b 45). Messages: t.me/a sees 60 a
      // minute from 31m, so the 1h increase at 100m is 3600; a window 6 minutes off says 3240 or 3960.
      name: "recording: per-channel parse rates and hourly messages",
      input_series: [
        { series: `worker_parse_failure_total{channel="t.me/a",reason="invalid_json",${PV}}`, values: counter(1000, [0, 10], [45, 10]) },
        { series: `worker_parse_failure_total{channel="t.me/a",reason="missing_field",${PV}}`, values: counter(1000, [0, 10], [45, 10]) },
        { series: `worker_parse_failure_total{channel="t.me/b",reason="invalid_json",${PV}}`, values: counter(1000, [0, 10], [45, 10]) },
        { series: `worker_parse_success_total{channel="t.me/a",${PV}}`, values: counter(1000, [0, 8], [81, 12]) },
        { series: `worker_parse_success_total{channel="t.me/b",${OLD}}`, values: counter(1000, [0, 10], [90, 10]) },
        { series: `collector_messages_seen_total{channel="t.me/a",${PV}}`, values: counter(1000, [0, 30], [60, 80]) },
      ],
      promql_expr_test: [
        check(
          "tutordex:channel:parse_failure_rate_per_s",
          "13m",
          sample("tutordex:channel:parse_failure_rate_per_s", `channel="t.me/a",${PV}`, 0.5),
          sample("tutordex:channel:parse_failure_rate_per_s", `channel="t.me/b",${PV}`, 0.25),
        ),
        check(
          "tutordex:channel:parse_success_rate_per_s",
          "13m",
          sample("tutordex:channel:parse_success_rate_per_s", `channel="t.me/a",${PV}`, 0.75),
          sample("tutordex:channel:parse_success_rate_per_s", `channel="t.me/b",${OLD}`, 0.5),
        ),
        check("tutordex:channel:messages_seen_increase_1h", "100m", sample("tutordex:channel:messages_seen_increase_1h", `channel="t.me/a",${PV}`, 3600)),
      ],
    },
    {
      // The collector's rules: 5m rates at 13m, 3 steps of the rise from 11m over 240 s. t.me/a
      // errors 20 a minute for two reasons (summed per channel), t.me/b 20 on the old pipeline;
      // two channels see 60 and 30 a minute and upsert 30 and 30 (summed over channels).
      name: "recording: the collector's errors per channel and its messages per pipeline",
      input_series: [
        { series: `collector_errors_total{channel="t.me/a",reason="flood_wait",${PV}}`, values: counter(1000, [0, 10], [20, 10]) },
        { series: `collector_errors_total{channel="t.me/a",reason="timeout",${PV}}`, values: counter(1000, [0, 10], [20, 10]) },
        { series: `collector_errors_total{channel="t.me/b",reason="flood_wait",${OLD}}`, values: counter(1000, [0, 10], [20, 10]) },
        { series: `collector_messages_seen_total{channel="t.me/a",${PV}}`, values: counter(1000, [0, 10], [60, 10]) },
        { series: `collector_messages_seen_total{channel="t.me/b",${PV}}`, values: counter(1000, [0, 10], [30, 10]) },
        { series: `collector_messages_upserted_total{channel="t.me/a",${PV}}`, values: counter(1000, [0, 10], [30, 10]) },
        { series: `collector_messages_upserted_total{channel="t.me/b",${PV}}`, values: counter(1000, [0, 10], [30, 10]) },
      ],
      promql_expr_test: [
        // 3 × 40 / 240 s; a 4m window would say 2/3, a 6m window 0.4.
        check(
          "tutordex:channel:collector_error_rate_per_s",
          "13m",
          sample("tutordex:channel:collector_error_rate_per_s", `channel="t.me/a",${PV}`, 0.5),
          sample("tutordex:channel:collector_error_rate_per_s", `channel="t.me/b",${OLD}`, 0.25),
        ),
        check("tutordex:collector:messages_seen_rate_per_s", "13m", sample("tutordex:collector:messages_seen_rate_per_s", PV, 1.125)),
        check("tutordex:collector:messages_upserted_rate_per_s", "13m", sample("tutordex:collector:messages_upserted_rate_per_s", PV, 0.75)),
      ],
    },
    {
      // Infra's rules: 5m rates at 13m (3 steps over 240 s) per device or per named container.
      // "lo" and cAdvisor's nameless cgroup series rise too and must stay out; two CPUs of one
      // container sum into it.
      name: "recording: host network per device and container CPU, network and disk per named container",
      input_series: [
        ...["receive", "transmit"].flatMap((way) => [
          { series: `node_network_${way}_bytes_total{device="eth0"}`, values: counter(1000, [0, 10], [1200, 10]) },
          { series: `node_network_${way}_bytes_total{device="lo"}`, values: counter(1000, [0, 10], [1200, 10]) },
        ]),
        ...["cpu_usage_seconds_total", "network_receive_bytes_total", "network_transmit_bytes_total", "fs_reads_bytes_total", "fs_writes_bytes_total"].flatMap(
          (m) => [
            { series: `container_${m}{name="bridge",cpu="0"}`, values: counter(1000, [0, 10], [1200, 10]) },
            { series: `container_${m}{name="bridge",cpu="1"}`, values: counter(1000, [0, 10], [1200, 10]) },
            { series: `container_${m}{name="",id="/system.slice"}`, values: counter(1000, [0, 10], [1200, 10]) },
          ],
        ),
      ],
      promql_expr_test: [
        // 3 × 1200 / 240 s = 15 per second on eth0; lo left out.
        ...["receive", "transmit"].map((way) =>
          check(`tutordex:host:network_${way}_bytes_per_s`, "13m", sample(`tutordex:host:network_${way}_bytes_per_s`, 'device="eth0"', 15)),
        ),
        // 2 × 3 × 1200 / 240 s = 30 per second for the named container; the nameless cgroup left out.
        ...["cpu_usage_per_s", "network_receive_bytes_per_s", "network_transmit_bytes_per_s", "fs_reads_bytes_per_s", "fs_writes_bytes_per_s"].map(
          (r) => check(`tutordex:container:${r}`, "13m", sample(`tutordex:container:${r}`, 'name="bridge"', 30)),
        ),
      ],
    },
  ];
}

import { counter, ExprCheck, OLD, PV, RuleTestCase } from "./model";

const sample = (record: string, labels: string, value: number) => ({ labels: `${record}{${labels}}`, value });
const check = (expr: string, eval_time: string, ...exp_samples: { labels: string; value: number }[]): ExprCheck => ({ expr, eval_time, exp_samples });

/**
 * Every recording rule with its value at 13m, two minutes after its counters start rising at
 * 11m, so a window one minute shorter or longer holds a different share of the rise:
 * a 5m rate there is (3 steps) / 240 s, a 10m rate (3 steps) / 540 s.
 */
/**
 * 1,000,000 falling 600 a sample, plus 6,000 at samples 10, 13 and 48 and minus 6,000 at 30 and
 * 31: inside the 6 h window (13 to 48) the bump is symmetric and sums to zero, so the regression
 * there is the line's; a shorter window loses sample 13, a longer one gains sample 10.
 */
const FORECAST_INPUT = Array.from({ length: 49 }, (_, k) => 1_000_000 - 600 * k + ([10, 13, 48].includes(k) ? 6000 : [30, 31].includes(k) ? -6000 : 0)).join(" ");

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
          // Loopback, Docker's bridges and a container's veth carry traffic too, and must stay out.
          ...["lo", "docker0", "br-52e4b82f51e4", "veth0106a26"].map((device) => ({
            series: `node_network_${way}_bytes_total{device="${device}"}`,
            values: counter(1000, [0, 10], [1200, 10]),
          })),
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
        // 3 × 1200 / 240 s = 15 per second on eth0; the virtual devices left out.
        ...["receive", "transmit"].map((way) =>
          check(`tutordex:host:network_${way}_bytes_per_s`, "13m", sample(`tutordex:host:network_${way}_bytes_per_s`, 'device="eth0"', 15)),
        ),
        // 2 × 3 × 1200 / 240 s = 30 per second for the named container; the nameless cgroup left out.
        ...["cpu_usage_per_s", "network_receive_bytes_per_s", "network_transmit_bytes_per_s", "fs_reads_bytes_per_s", "fs_writes_bytes_per_s"].map(
          (r) => check(`tutordex:container:${r}`, "13m", sample(`tutordex:container:${r}`, 'name="bridge"', 30)),
        ),
      ],
    },
    {
      // Infra's gauges and windows per named container, with cAdvisor's nameless cgroup in each
      // (it must stay out). "grafana" started an hour before the series begin. OOM kills: 7 a minute from 11m, so at 20m a 15m window holds 10 of the
      // 14 steps it spans and extrapolates them to 15 minutes (a 10m window would say 70).
      name: "recording: container memory, memory against its limit, starts and OOM kills per named container",
      input_series: [
        { series: 'container_memory_working_set_bytes{name="bridge"}', values: "150x20" },
        { series: 'container_memory_working_set_bytes{name="grafana"}', values: "100x20" },
        { series: 'container_memory_working_set_bytes{name="",id="/system.slice"}', values: "1000x20" },
        // grafana has no limit (cAdvisor reports 0) and is left out of the share.
        { series: 'container_spec_memory_limit_bytes{name="bridge"}', values: "300x20" },
        { series: 'container_spec_memory_limit_bytes{name="grafana"}', values: "0x20" },
        { series: 'container_spec_memory_limit_bytes{name="",id="/system.slice"}', values: "2000x20" },
        { series: 'container_start_time_seconds{name="bridge"}', values: "0x7 420x13" },
        { series: 'container_start_time_seconds{name="worker"}', values: "0x6 450x14" },
        { series: 'container_start_time_seconds{name="grafana"}', values: "-3600x21" },
        { series: 'container_start_time_seconds{name="",id="/system.slice"}', values: "0x7 420x13" },
        { series: 'container_oom_events_total{name="bridge"}', values: counter(1000, [0, 10], [7, 10]) },
        { series: 'container_oom_events_total{name="",id="/system.slice"}', values: counter(1000, [0, 10], [7, 10]) },
      ],
      promql_expr_test: [
        check(
          "tutordex:container:memory_working_set_bytes",
          "13m",
          sample("tutordex:container:memory_working_set_bytes", 'name="bridge"', 150),
          sample("tutordex:container:memory_working_set_bytes", 'name="grafana"', 100),
        ),
        check("tutordex:container:memory_limit_fraction", "13m", sample("tutordex:container:memory_limit_fraction", 'name="bridge"', 0.5)),
        // At 13m both starts of bridge (0 s, 420 s) and of worker (0 s, 450 s) are inside 15 minutes; grafana's is not.
        check(
          "tutordex:container:starts_seen_15m",
          "13m",
          sample("tutordex:container:starts_seen_15m", 'name="bridge"', 2),
          sample("tutordex:container:starts_seen_15m", 'name="worker"', 2),
          sample("tutordex:container:starts_seen_15m", 'name="grafana"', 0),
        ),
        // At 21m (1,260 s) only the second starts are: bridge's is counted as a change inside the
        // window (a 14m window starts after it), worker's as the window's first value (a 16m
        // window sees the start at 0 s first, which is older than 15 minutes).
        check(
          "tutordex:container:starts_seen_15m",
          "21m",
          sample("tutordex:container:starts_seen_15m", 'name="bridge"', 1),
          sample("tutordex:container:starts_seen_15m", 'name="worker"', 1),
          sample("tutordex:container:starts_seen_15m", 'name="grafana"', 0),
        ),
        check("tutordex:container:oom_events_increase_15m", "20m", sample("tutordex:container:oom_events_increase_15m", 'name="bridge"', 75)),
      ],
    },
    {
      // The disk forecast at 8h over 6 h of 10-minute samples (13 to 48): "/" loses 1 byte a
      // second, with bumps that the 6 h regression cancels and any other window does not
      // (FORECAST_INPUT); the tmpfs mount is left out.
      name: "recording: free space forecast 24 h ahead per real file system",
      interval: "10m",
      input_series: [
        { series: 'node_filesystem_avail_bytes{mountpoint="/",fstype="ext4",device="/dev/vda1"}', values: FORECAST_INPUT },
        { series: 'node_filesystem_avail_bytes{mountpoint="/run",fstype="tmpfs",device="tmpfs"}', values: FORECAST_INPUT },
      ],
      promql_expr_test: [
        // On the line at 8h: 1,000,000 − 48 · 600 = 971,200; 24 h more at 1 byte a second takes 86,400.
        check(
          "tutordex:host:filesystem_avail_bytes_forecast_24h",
          "8h",
          sample("tutordex:host:filesystem_avail_bytes_forecast_24h", 'mountpoint="/",fstype="ext4",device="/dev/vda1"', 884800),
        ),
      ],
    },
    {
      // Parse success per channel over 10m at 13m (summed over pipeline versions): t.me/a fails
      // 10 a minute until 10m and succeeds 60 a minute (two versions) from 11m, so its 10m window
      // holds 6 steps of failures and 3 of successes, 180 of 240; a 5m window would hold 1 step of
      // failures (180 of 190). t.me/b never failed (1, not absent) and t.me/c never succeeded (0).
      name: "recording: parse success share per channel",
      input_series: [
        { series: `worker_parse_failure_total{channel="t.me/a",reason="llm_error",${PV}}`, values: counter(1000, [10, 10], [0, 10]) },
        { series: `worker_parse_success_total{channel="t.me/a",${PV}}`, values: counter(1000, [0, 10], [30, 10]) },
        { series: `worker_parse_success_total{channel="t.me/a",${OLD}}`, values: counter(1000, [0, 10], [30, 10]) },
        { series: `worker_parse_success_total{channel="t.me/b",${PV}}`, values: counter(1000, [0, 10], [30, 10]) },
        { series: `worker_parse_failure_total{channel="t.me/c",reason="llm_error",${PV}}`, values: counter(1000, [0, 10], [30, 10]) },
      ],
      promql_expr_test: [
        check(
          "tutordex:channel:parse_success_fraction",
          "13m",
          sample("tutordex:channel:parse_success_fraction", 'channel="t.me/a"', 0.75),
          sample("tutordex:channel:parse_success_fraction", 'channel="t.me/b"', 1),
          sample("tutordex:channel:parse_success_fraction", 'channel="t.me/c"', 0),
        ),
      ],
    },
    {
      // Supabase's p95 per operation over 5m at 13m: every observation up to 10m falls at or
      // below 0.5 s (30 a minute), every one from 11m in (0.5, 1] (40 a minute). The 5m window
      // holds 30 of the first and 120 of the second: the 142.5th of 150 is 0.5 + 0.5 · 112.5/120.
      // A 10m window (180 and 120) would say 0.9375. Mixed classic and native series are checked in
      // test/tools/nativeHistograms.test.ts.
      name: "recording: Supabase latency p95 per operation",
      input_series: [
        { series: `worker_supabase_latency_seconds_bucket{operation="upsert",le="0.5",${PV}}`, values: counter(1000, [30, 10], [0, 10]) },
        { series: `worker_supabase_latency_seconds_bucket{operation="upsert",le="1",${PV}}`, values: counter(1000, [30, 10], [40, 10]) },
        { series: `worker_supabase_latency_seconds_bucket{operation="upsert",le="+Inf",${PV}}`, values: counter(1000, [30, 10], [40, 10]) },
        // The same observations as a native histogram (schema 0: bucket 0 is (0.5, 1], bucket 1 (1, 2]) for "select".
        {
          series: `worker_supabase_latency_seconds{operation="select",${PV}}`,
          values:
            "{{schema:0 sum:0 count:0 buckets:[0 0]}}+{{schema:0 sum:22.5 count:30 buckets:[30 0]}}x10 " +
            "{{schema:0 sum:285 count:340 buckets:[300 40]}}+{{schema:0 sum:60 count:40 buckets:[0 40]}}x9",
        },
      ],
      promql_expr_test: [
        // Native buckets interpolate exponentially: 2^0.9375 in (1, 2] (a 10m window: 2^0.875).
        check(
          "tutordex:worker:supabase_latency_p95_seconds",
          "13m",
          sample("tutordex:worker:supabase_latency_p95_seconds", 'operation="upsert"', 0.96875),
          sample("tutordex:worker:supabase_latency_p95_seconds", 'operation="select"', Math.pow(2, 0.9375)),
        ),
      ],
    },
    {
      // Alertmanager's notifications per integration, 5m rates at 13m (3 steps over 240 s): the
      // failures carry a reason, summed away.
      name: "recording: Alertmanager notifications and failures per integration",
      input_series: [
        { series: 'alertmanager_notifications_total{integration="webhook",instance="alertmanager:9093"}', values: counter(1000, [0, 10], [40, 10]) },
        { series: 'alertmanager_notifications_total{integration="email",instance="alertmanager:9093"}', values: "0x20" },
        { series: 'alertmanager_notifications_failed_total{integration="webhook",reason="serverError"}', values: counter(1000, [0, 10], [20, 10]) },
        { series: 'alertmanager_notifications_failed_total{integration="webhook",reason="clientError"}', values: counter(1000, [0, 10], [20, 10]) },
      ],
      promql_expr_test: [
        check(
          "tutordex:alertmanager:notifications_per_s",
          "13m",
          sample("tutordex:alertmanager:notifications_per_s", 'integration="webhook"', 0.5),
          sample("tutordex:alertmanager:notifications_per_s", 'integration="email"', 0),
        ),
        check("tutordex:alertmanager:notifications_failed_per_s", "13m", sample("tutordex:alertmanager:notifications_failed_per_s", 'integration="webhook"', 0.5)),
      ],
    },
  ];
}

import { annotations, APP_PROJECTS, appContainer, counter, Deployment, firing, gauge, LOOKALIKE_PROJECT, quiet, RuleTestCase } from "./model";

const NODE = 'instance="node-exporter:9100",job="node_exporter"';
const OTHER_NODE = 'instance="other:9100",job="node_exporter"';
const DISK_BOUND_NODE = 'instance="disk-bound:9100",job="node_exporter"';
const PUBLIC = 'job="blackbox_http_public",module="http_2xx_sni",public_host="api.test"';

export function hostCases(d: Deployment): RuleTestCase[] {
  const ann = (alert: string, summary: string, description: string) => annotations(d, alert, summary, description, "tutordex-infra");
  const loki = `tutordex-obs-${d.stack}-loki`;
  const container = (name: string, id: string) => `name="${name}",id="/system.slice/docker-${id}.scope",image="img:1"`;
  const worker = `${d.appProject}-aggregator-worker-1`;
  /** Every environment's application container (and a look-alike project's), one input series each. */
  const everyApp = (metric: string, service: string, values: string) =>
    [...APP_PROJECTS, LOOKALIKE_PROJECT].map((p, i) => ({ series: `${metric}{${appContainer(p, service, `p${i}`)}}`, values }));
  const oom = (name: string, v: string) => ({
    exp_labels: { name, severity: "warning", component: "infra" },
    exp_annotations: ann("ContainerOomKilled", `Container ${name} had a process OOM-killed`, `The kernel killed ${v} process(es) for lack of memory in ${name} in the last 15 minutes.`),
  });

  return [
    {
      // Free space flat for 7h, then falling 1.5 per 5 minutes (0.005/s): the 6h regression
      // first predicts an empty disk 24h ahead at 640m, so the alert fires an hour later. A 23h
      // or 25h horizon, or a window 36 minutes shorter or longer, moves that instant.
      name: "HostDiskFillingUp: free space falling for 3h40m fires after 1h of forecast; a disk over 40% free or excluded stays quiet",
      interval: "5m",
      input_series: [
        { series: 'node_filesystem_avail_bytes{device="/dev/sda1",fstype="ext4",mountpoint="/"}', values: counter(350, [0, 83], [-1.5, 60]) },
        { series: 'node_filesystem_size_bytes{device="/dev/sda1",fstype="ext4",mountpoint="/"}', values: gauge([1000, 144]) },
        // The same fall on a disk that is still 53% free: the forecast alone does not fire.
        { series: 'node_filesystem_avail_bytes{device="/dev/sdb1",fstype="ext4",mountpoint="/data"}', values: counter(350, [0, 83], [-1.5, 60]) },
        { series: 'node_filesystem_size_bytes{device="/dev/sdb1",fstype="ext4",mountpoint="/data"}', values: gauge([500, 144]) },
        { series: 'node_filesystem_avail_bytes{device="tmpfs",fstype="tmpfs",mountpoint="/run"}', values: counter(350, [0, 83], [-1.5, 60]) },
        { series: 'node_filesystem_size_bytes{device="tmpfs",fstype="tmpfs",mountpoint="/run"}', values: gauge([1000, 144]) },
      ],
      alert_rule_test: [
        quiet("HostDiskFillingUp", "699m45s", "for:before", "threshold:quiet-side", "window"),
        firing(
          "HostDiskFillingUp",
          "700m",
          [
            {
              exp_labels: { device: "/dev/sda1", fstype: "ext4", mountpoint: "/", severity: "warning", component: "infra" },
              exp_annotations: ann(
                "HostDiskFillingUp",
                "Disk / is predicted to fill up",
                "26.45% free on / (/dev/sda1) and falling fast enough, at the rate of the last 6 hours, to run out within the alert's horizon (24h unless overridden).",
              ),
            },
          ],
          "for:after",
          "threshold:firing-side",
          "window",
        ),
      ],
    },
    {
      name: "HostMemoryPressure: 9.75% available for 10m fires; exactly 10% stays quiet",
      input_series: [
        { series: `node_memory_MemAvailable_bytes{${NODE}}`, values: gauge([50, 5], [9.75, 30]) },
        { series: `node_memory_MemTotal_bytes{${NODE}}`, values: gauge([100, 35]) },
        { series: `node_memory_MemAvailable_bytes{${OTHER_NODE}}`, values: gauge([10, 35]) },
        { series: `node_memory_MemTotal_bytes{${OTHER_NODE}}`, values: gauge([100, 35]) },
      ],
      alert_rule_test: [
        quiet("HostMemoryPressure", "14m45s", "for:before"),
        firing(
          "HostMemoryPressure",
          "15m",
          [
            {
              exp_labels: { instance: "node-exporter:9100", job: "node_exporter", severity: "warning", component: "infra" },
              exp_annotations: ann(
                "HostMemoryPressure",
                "Host node-exporter:9100 is running out of memory",
                "Only 9.75% of the host's memory is available on node-exporter:9100; the kernel will soon OOM-kill containers.",
              ),
            },
          ],
          "for:after",
          "threshold:firing-side",
          "threshold:quiet-side",
        ),
      ],
    },
    {
      // Idle and iowait seconds per minute: 60 until 10m, then 2.65 idle + 1 iowait and 5.65
      // idle on two CPUs, 92.25% busy on average once the 5m window holds only the busy minutes
      // (14m); without the iowait it would read 93.08%. The disk-bound host waits on its disk
      // 55 s a minute with 2 s idle: 96.67% busy if iowait counted as busy, 5% as it is.
      name: "HostCpuSaturated: 92.25% busy for 15m fires; 87.75% stays quiet; idle and iowait time are not busy, so a slow disk stays quiet",
      input_series: [
        { series: `node_cpu_seconds_total{cpu="0",mode="idle",${NODE}}`, values: counter(100000, [60, 10], [2.65, 40]) },
        { series: `node_cpu_seconds_total{cpu="0",mode="iowait",${NODE}}`, values: counter(100000, [0, 10], [1, 40]) },
        { series: `node_cpu_seconds_total{cpu="1",mode="idle",${NODE}}`, values: counter(100000, [60, 10], [5.65, 40]) },
        { series: `node_cpu_seconds_total{cpu="0",mode="user",${NODE}}`, values: counter(100000, [56, 50]) },
        { series: `node_cpu_seconds_total{cpu="0",mode="idle",${OTHER_NODE}}`, values: counter(100000, [60, 10], [7.35, 40]) },
        { series: `node_cpu_seconds_total{cpu="0",mode="idle",${DISK_BOUND_NODE}}`, values: counter(100000, [60, 10], [2, 40]) },
        { series: `node_cpu_seconds_total{cpu="0",mode="iowait",${DISK_BOUND_NODE}}`, values: counter(100000, [0, 10], [55, 40]) },
        { series: `node_cpu_seconds_total{cpu="0",mode="system",${DISK_BOUND_NODE}}`, values: counter(100000, [0, 10], [3, 40]) },
      ],
      alert_rule_test: [
        quiet("HostCpuSaturated", "28m45s", "for:before", "window"),
        firing(
          "HostCpuSaturated",
          "29m",
          [
            {
              exp_labels: { instance: "node-exporter:9100", severity: "warning", component: "infra" },
              exp_annotations: ann(
                "HostCpuSaturated",
                "Host node-exporter:9100 CPU is saturated",
                "The host's CPUs on node-exporter:9100 have been 92.25% busy for 15 minutes; every container is slowed down.",
              ),
            },
          ],
          "for:after",
          "window",
          "threshold:firing-side",
          "threshold:quiet-side",
        ),
      ],
    },
    {
      name: "ContainerOomKilled: one OOM kill fires at once and for 15 minutes, for this environment's application and the stack; other environments, unwatched containers and flat counters stay quiet",
      input_series: [
        { series: `container_oom_events_total{${container(loki, "a1")}}`, values: gauge([0, 5], [1, 30]) },
        ...everyApp("container_oom_events_total", "aggregator-worker", gauge([0, 5], [1, 30])),
        ...everyApp("container_oom_events_total", "backend", gauge([0, 35])),
        { series: `container_oom_events_total{${container("someone-elses-app", "f1")}}`, values: gauge([0, 5], [1, 30]) },
      ],
      alert_rule_test: [
        quiet("ContainerOomKilled", "4m45s", "threshold:quiet-side"),
        firing("ContainerOomKilled", "5m", [oom(loki, "1"), oom(worker, "1")], "for:after", "threshold:firing-side"),
        firing("ContainerOomKilled", "18m45s", [oom(loki, "1.054"), oom(worker, "1.054")], "window"),
        quiet("ContainerOomKilled", "19m", "window"),
      ],
    },
    {
      name: "ContainerMemoryNearLimit: 92.25% of the limit for 10m fires, for this environment's application and the stack; exactly 90%, no limit, another environment or not ours stays quiet",
      input_series: [
        { series: `container_memory_working_set_bytes{${container(loki, "a1")}}`, values: gauge([50, 5], [92.25, 30]) },
        { series: `container_spec_memory_limit_bytes{${container(loki, "a1")}}`, values: gauge([100, 35]) },
        ...everyApp("container_memory_working_set_bytes", "aggregator-worker", gauge([50, 5], [92.25, 30])),
        ...everyApp("container_spec_memory_limit_bytes", "aggregator-worker", gauge([100, 35])),
        { series: `container_memory_working_set_bytes{${container(`tutordex-obs-${d.stack}-grafana`, "c1")}}`, values: gauge([90, 35]) },
        { series: `container_spec_memory_limit_bytes{${container(`tutordex-obs-${d.stack}-grafana`, "c1")}}`, values: gauge([100, 35]) },
        // cAdvisor reports an unlimited container's limit as 0.
        ...everyApp("container_memory_working_set_bytes", "backend", gauge([1000, 35])),
        ...everyApp("container_spec_memory_limit_bytes", "backend", gauge([0, 35])),
        { series: `container_memory_working_set_bytes{${container("someone-elses-app", "f1")}}`, values: gauge([99, 35]) },
        { series: `container_spec_memory_limit_bytes{${container("someone-elses-app", "f1")}}`, values: gauge([100, 35]) },
      ],
      alert_rule_test: [
        quiet("ContainerMemoryNearLimit", "14m45s", "for:before"),
        firing(
          "ContainerMemoryNearLimit",
          "15m",
          [loki, worker].map((name) => ({
            exp_labels: { name, severity: "warning", component: "infra" },
            exp_annotations: ann("ContainerMemoryNearLimit", `Container ${name} is close to its memory limit`, `${name} uses 92.25% of its memory limit; at the limit the kernel OOM-kills it.`),
          })),
          "for:after",
          "threshold:firing-side",
          "threshold:quiet-side",
        ),
      ],
    },
    {
      // Expiry 14 days and 30 minutes after time 0: under 14 days left from 30m15s on.
      name: "PublicCertExpiringSoon: under 14 days left for 10m fires; a later expiry or an internal probe stays quiet",
      input_series: [
        { series: `probe_ssl_earliest_cert_expiry{${PUBLIC},instance="https://api.test/health",probe_route="/health"}`, values: gauge([1211400, 50]) },
        { series: `probe_ssl_earliest_cert_expiry{${PUBLIC},instance="https://api.test/health/dependencies",probe_route="/health/dependencies"}`, values: gauge([7776000, 50]) },
        { series: 'probe_ssl_earliest_cert_expiry{job="blackbox_http",instance="https://backend:8000/health"}', values: gauge([1211400, 50]) },
      ],
      alert_rule_test: [
        quiet("PublicCertExpiringSoon", "40m", "for:before", "threshold:quiet-side"),
        firing(
          "PublicCertExpiringSoon",
          "40m15s",
          [
            {
              exp_labels: { job: "blackbox_http_public", module: "http_2xx_sni", public_host: "api.test", instance: "https://api.test/health", probe_route: "/health", severity: "warning", component: "infra" },
              exp_annotations: ann(
                "PublicCertExpiringSoon",
                "TLS certificate of https://api.test/health expires soon",
                "The certificate served for api.test (https://api.test/health) expires in 13d 23h 49m 45s.",
              ),
            },
          ],
          "for:after",
          "threshold:firing-side",
        ),
      ],
    },
    {
      // Expiry 3 days and 30 minutes after time 0.
      name: "PublicCertExpiryImminent: under 3 days left for 10m is critical; 14 days left is not",
      input_series: [
        { series: `probe_ssl_earliest_cert_expiry{${PUBLIC},instance="https://api.test/health",probe_route="/health"}`, values: gauge([261000, 50]) },
        { series: `probe_ssl_earliest_cert_expiry{${PUBLIC},instance="https://api.test/health/dependencies",probe_route="/health/dependencies"}`, values: gauge([1209600, 50]) },
      ],
      alert_rule_test: [
        quiet("PublicCertExpiryImminent", "40m", "for:before", "threshold:quiet-side"),
        firing(
          "PublicCertExpiryImminent",
          "40m15s",
          [
            {
              exp_labels: { job: "blackbox_http_public", module: "http_2xx_sni", public_host: "api.test", instance: "https://api.test/health", probe_route: "/health", severity: "critical", component: "infra" },
              exp_annotations: ann(
                "PublicCertExpiryImminent",
                "TLS certificate of https://api.test/health is about to expire",
                "The certificate served for api.test (https://api.test/health) expires in 2d 23h 49m 45s; clients will refuse the API after that.",
              ),
            },
          ],
          "for:after",
          "threshold:firing-side",
        ),
      ],
    },
  ];
}

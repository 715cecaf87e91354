import { crashLoop, Run, scrapedStarts } from "./cadvisor";
import { annotations, APP_PROJECTS, appContainer, Deployment, firing, gauge, LOOKALIKE_PROJECT, quiet, RuleTestCase } from "./model";

const FS = (device: string, fstype: string, mountpoint: string) => `{device="${device}",fstype="${fstype}",mountpoint="${mountpoint}"}`;

/** A filesystem with `free` out of 100 from the start. */
const disk = (labels: string, free: [value: number, count: number][]) => [
  { series: `node_filesystem_avail_bytes${labels}`, values: gauge(...free) },
  { series: `node_filesystem_size_bytes${labels}`, values: gauge([100, 40]) },
];

export function infraCases(d: Deployment): RuleTestCase[] {
  const ann = (alert: string, summary: string, description: string, dashboard?: string) => annotations(d, alert, summary, description, dashboard);
  const stackContainer = (service: string) => `tutordex-obs-${d.stack}-${service}`;
  const starts = (name: string, id: string, runs: readonly Run[], until: number) => ({
    series: `container_start_time_seconds{name="${name}",id="/system.slice/docker-${id}.scope",image="img:1"}`,
    values: scrapedStarts(runs, until),
  });
  const appStarts = (project: string, service: string, id: string, runs: readonly Run[], until: number) => ({
    series: `container_start_time_seconds{${appContainer(project, service, id)}}`,
    values: scrapedStarts(runs, until),
  });
  const ourApp = (service: string) => `${d.appProject}-${service}-1`;
  const loop = crashLoop(300, 8, 1200);
  const restarted = (name: string, count: number) => ({
    exp_labels: { name, severity: "warning", component: "infra" },
    exp_annotations: ann("ContainerRestarted", `Container ${name} is restarting`, `Container ${name} was seen starting ${count} times in the last 15 minutes.`, "tutordex-infra"),
  });

  return [
    {
      name: "PrometheusTargetDown: 5m after up turns 0, not 15s earlier; targets that are up stay quiet",
      input_series: [
        { series: 'up{job="tutordex_worker",instance="aggregator-worker:9002"}', values: gauge([1, 5], [0, 30]) },
        { series: 'up{job="prometheus",instance="prometheus:9090"}', values: gauge([1, 35]) },
      ],
      alert_rule_test: [
        quiet("PrometheusTargetDown", "9m45s", "for:before"),
        firing(
          "PrometheusTargetDown",
          "10m",
          [
            {
              exp_labels: { job: "tutordex_worker", instance: "aggregator-worker:9002", severity: "warning", component: "observability" },
              exp_annotations: ann("PrometheusTargetDown", "Scrape target tutordex_worker is down", "Prometheus cannot scrape aggregator-worker:9002 (job tutordex_worker) for 5 minutes.", "tutordex-infra"),
            },
          ],
          "for:after",
        ),
      ],
    },
    {
      name: "BlackboxProbeFailed: 2m after an internal probe fails; PublicApiDown is only for public probes",
      input_series: [{ series: 'probe_success{job="blackbox_http",instance="http://backend:8000/health"}', values: gauge([1, 5], [0, 20]) }],
      alert_rule_test: [
        quiet("BlackboxProbeFailed", "6m45s", "for:before"),
        firing(
          "BlackboxProbeFailed",
          "7m",
          [
            {
              exp_labels: { job: "blackbox_http", instance: "http://backend:8000/health", severity: "warning", component: "observability" },
              exp_annotations: ann("BlackboxProbeFailed", "Probe of http://backend:8000/health failing", "The blackbox probe of http://backend:8000/health (job blackbox_http) has failed for 2 minutes.", "tutordex-infra"),
            },
          ],
          "for:after",
        ),
        quiet("PublicApiDown", "20m"),
      ],
    },
    {
      name: "PublicApiDown: critical 2m after a public probe fails; a succeeding public probe stays quiet",
      input_series: [
        { series: 'probe_success{job="blackbox_http_public",instance="https://api.test/health",public_host="api.test",probe_route="/health"}', values: gauge([1, 5], [0, 20]) },
        { series: 'probe_success{job="blackbox_http_public",instance="https://api.test/health/dependencies",public_host="api.test",probe_route="/health/dependencies"}', values: gauge([1, 25]) },
      ],
      alert_rule_test: [
        quiet("PublicApiDown", "6m45s", "for:before"),
        firing(
          "PublicApiDown",
          "7m",
          [
            {
              exp_labels: { job: "blackbox_http_public", instance: "https://api.test/health", public_host: "api.test", probe_route: "/health", severity: "critical", component: "backend" },
              exp_annotations: ann("PublicApiDown", "Public API https://api.test/health is down", "The public probe of https://api.test/health (host api.test, route /health) has failed for 2 minutes.", "tutordex-home"),
            },
          ],
          "for:after",
        ),
      ],
    },
    {
      name: "HostDiskLow: 9.75% free fires 15m after it starts; exactly 10% free stays quiet",
      input_series: [...disk(FS("/dev/sda1", "ext4", "/"), [[50, 5], [9.75, 30]]), ...disk(FS("/dev/sdb1", "ext4", "/data"), [[10, 35]])],
      alert_rule_test: [
        quiet("HostDiskLow", "19m45s", "for:before"),
        firing(
          "HostDiskLow",
          "20m",
          [
            {
              exp_labels: { device: "/dev/sda1", fstype: "ext4", mountpoint: "/", severity: "warning", component: "infra" },
              exp_annotations: ann("HostDiskLow", "Disk almost full on /", "Only 9.75% free on / (/dev/sda1).", "tutordex-infra"),
            },
          ],
          "for:after",
          "threshold:firing-side",
          "threshold:quiet-side",
        ),
      ],
    },
    {
      name: "HostDiskLow ignores each excluded fstype and mount point, but not mount points that only look alike",
      input_series: [
        ...disk(FS("tmpfs", "tmpfs", "/run"), [[1, 20]]),
        ...disk(FS("overlay", "overlay", "/var/lib/containers/storage/overlay/l/merged"), [[1, 20]]),
        ...disk(FS("/dev/loop3", "squashfs", "/media/cdrom"), [[1, 20]]),
        ...disk(FS("snapfuse", "fuse.snapfuse", "/opt/snapfuse"), [[1, 20]]),
        ...disk(FS("nsfs", "nsfs", "/run/netns/cni-1"), [[1, 20]]),
        ...disk(FS("/dev/sda1", "ext4", "/snap"), [[1, 20]]),
        ...disk(FS("/dev/loop4", "ext4", "/snap/core22/1380"), [[1, 20]]),
        ...disk(FS("/dev/sda1", "ext4", "/var/lib/docker/overlay2/abc/merged"), [[1, 20]]),
        ...disk(FS("/dev/sda1", "ext4", "/run/docker/netns/default"), [[1, 20]]),
        ...disk(FS("/dev/sdd", "ext4", "/mnt/wsl/docker-desktop"), [[1, 20]]),
        // Not excluded: a directory named like /snap, Docker's volumes (real data), WSLg.
        ...disk(FS("/dev/sdc1", "ext4", "/snapshots"), [[1, 20]]),
        ...disk(FS("/dev/sda1", "ext4", "/var/lib/docker/volumes"), [[1, 20]]),
        ...disk(FS("/dev/sde", "ext4", "/mnt/wslg"), [[1, 20]]),
      ],
      alert_rule_test: [
        firing(
          "HostDiskLow",
          "15m",
          [
            ["/dev/sdc1", "/snapshots"],
            ["/dev/sda1", "/var/lib/docker/volumes"],
            ["/dev/sde", "/mnt/wslg"],
          ].map(([device, mountpoint]) => ({
            exp_labels: { device, fstype: "ext4", mountpoint, severity: "warning", component: "infra" },
            exp_annotations: ann("HostDiskLow", `Disk almost full on ${mountpoint}`, `Only 1% free on ${mountpoint} (${device}).`, "tutordex-infra"),
          })),
        ),
      ],
    },
    {
      // The shape cAdvisor v0.60 gives a crash loop at a 15 s scrape: runs of 8 s, Docker's
      // doubling restart delay, most runs never scraped, a gap (stale, then nothing) between the
      // ones that are. The second run seen (at 5m30s, start 325 after 308) makes two starts.
      name: "ContainerRestarted: a crash loop of a stack and an app container, seen through the gaps of a 15 s scrape; only this environment's application",
      interval: "15s",
      input_series: [
        starts(stackContainer("loki"), "a1", loop, 1200),
        // prod's, staging's and dev's application on one host, all crash-looping, and a project
        // whose name starts like prod's: each stack watches its own environment's project only.
        ...APP_PROJECTS.map((p, i) => appStarts(p, "aggregator-worker", `b${i}`, loop, 1200)),
        appStarts(LOOKALIKE_PROJECT, "aggregator-worker", "b9", loop, 1200),
        // A single restart (down for 2 s) is one start in the window.
        starts(stackContainer("grafana"), "c1", [{ start: -86400, end: 400 }, { start: 402, end: Infinity }], 1200),
        // A `pulumi up` replacement: a new container (new id) started once, the old one gone.
        starts(stackContainer("prometheus"), "d1", [{ start: -86400, end: 600 }], 1200),
        starts(stackContainer("prometheus"), "d2", [{ start: 610, end: Infinity }], 1200),
        // Another stack's container on the same host, and a container that is not ours.
        starts("tutordex-obs-other-loki", "e1", loop, 1200),
        starts("someone-elses-app", "f1", loop, 1200),
      ],
      alert_rule_test: [
        quiet("ContainerRestarted", "7m15s", "for:before", "threshold:quiet-side"),
        firing("ContainerRestarted", "7m30s", [restarted(stackContainer("loki"), 3), restarted(ourApp("aggregator-worker"), 3)], "for:after", "threshold:firing-side"),
        firing("ContainerRestarted", "20m", [restarted(stackContainer("loki"), 9), restarted(ourApp("aggregator-worker"), 9)], "threshold:quiet-side"),
      ],
    },
    {
      // a: the long run (seen until 8m); b: a run started at 8m30s and seen once, at 9m; c: the
      // run since 9m30s. Two changes until the sample at 8m leaves the window (23m); then b,
      // started inside the window, still counts until 15m after its start (23m30s).
      name: "ContainerRestarted: a run seen by one scrape counts until 15 minutes after it started, no longer (a stack and an app container)",
      input_series: [
        { series: `container_start_time_seconds{name="${stackContainer("tempo")}",id="/system.slice/docker-t1.scope",image="img:1"}`, values: `${gauge([-86400, 9])} 510 ${gauge([570, 30])}` },
        { series: `container_start_time_seconds{${appContainer(d.appProject, "backend", "t2")}}`, values: `${gauge([-86400, 9])} 510 ${gauge([570, 30])}` },
      ],
      alert_rule_test: [
        firing("ContainerRestarted", "22m45s", [restarted(stackContainer("tempo"), 2), restarted(ourApp("backend"), 2)], "window"),
        firing("ContainerRestarted", "23m15s", [restarted(stackContainer("tempo"), 2), restarted(ourApp("backend"), 2)], "window"),
        quiet("ContainerRestarted", "23m30s", "window"),
      ],
    },
    {
      name: "Watchdog fires from the first evaluation with severity none",
      input_series: [],
      alert_rule_test: [
        firing(
          "Watchdog",
          "0m",
          [
            {
              exp_labels: { severity: "none", component: "observability" },
              exp_annotations: ann("Watchdog", "Alerting pipeline heartbeat", "Always firing. If this stops arriving, Prometheus, Alertmanager or the Telegram bridge is broken."),
            },
          ],
          "for:after",
        ),
      ],
    },
  ];
}

import { durationSeconds } from "../../config/durations";
import { FS_FILTER, overWatched } from "../expressions";
import { AlertDefinition } from "../model";

/** docs/spec.md §3: "started more than once in 15m". */
const RESTART_WINDOW = "15m";

/**
 * Starts of one container seen in the window, per cAdvisor series (one per container id, so a
 * `pulumi up` replacement, which makes a new container, is a new series and never a restart).
 * One series per container id holds only while cAdvisor stores no container labels but the
 * compose project (`cadvisorArgs`): its `restartcount` label would make every restart a series of its own.
 *
 * cAdvisor ≥ v0.57 reports Docker's State.StartedAt, so every restart changes the value; while
 * the container is down between restarts its series is absent (Prometheus marks it stale and
 * range functions skip the gap). `changes()` alone counts value changes between samples: once
 * a loop has run for 15 minutes it needs three runs scraped in the window to say "more than
 * once", and a container that lives a few seconds per run is scraped rarely (with runs of 3 s
 * and Docker's restart back-off at its 60 s cap, a 15 s scrape sees one run in five). So every start seen counts:
 * each change of value in the window is a start inside it, and so is the earliest value seen
 * when that start time itself lies inside the window. Two runs seen in 15 minutes are enough.
 * The price: a container that crashes once within 15 minutes of being created has started
 * twice and fires too (a deploy that crashes deserves a look).
 */
export const containerStartsSeen = (watched: readonly string[]) =>
  overWatched(watched, (m) => {
    const starts = `container_start_time_seconds{${m}}`;
    return `changes(${starts}[${RESTART_WINDOW}]) + (min_over_time(${starts}[${RESTART_WINDOW}]) > bool (time() - ${durationSeconds(RESTART_WINDOW)}))`;
  });

export const INFRA_ALERTS = [
  {
    alert: "PrometheusTargetDown",
    group: "infra",
    expr: () => "up == 0",
    for: "5m",
    severity: "warning",
    component: "observability",
    summary: "Scrape target {{ $labels.job }} is down",
    description: "Prometheus cannot scrape {{ $labels.instance }} (job {{ $labels.job }}) for 5 minutes.",
    dashboard: "tutordex-infra",
  },
  {
    alert: "BlackboxProbeFailed",
    group: "infra",
    expr: () => "probe_success == 0",
    for: "2m",
    severity: "warning",
    component: "observability",
    summary: "Probe of {{ $labels.instance }} failing",
    description: "The blackbox probe of {{ $labels.instance }} (job {{ $labels.job }}) has failed for 2 minutes.",
    dashboard: "tutordex-infra",
  },
  {
    alert: "PublicApiDown",
    group: "infra",
    expr: () => 'probe_success{job="blackbox_http_public"} == 0',
    for: "2m",
    severity: "critical",
    component: "backend",
    summary: "Public API {{ $labels.instance }} is down",
    description:
      "The public probe of {{ $labels.instance }} (host {{ $labels.public_host }}, route {{ $labels.probe_route }}) has failed for 2 minutes.",
    dashboard: "tutordex-home",
  },
  {
    alert: "HostDiskLow",
    group: "infra",
    threshold: 0.1,
    expr: (t) => `node_filesystem_avail_bytes{${FS_FILTER}} / node_filesystem_size_bytes{${FS_FILTER}} < ${t}`,
    for: "15m",
    severity: "warning",
    component: "infra",
    summary: "Disk almost full on {{ $labels.mountpoint }}",
    description: "Only {{ $value | humanizePercentage }} free on {{ $labels.mountpoint }} ({{ $labels.device }}).",
    dashboard: "tutordex-infra",
  },
  {
    alert: "ContainerRestarted",
    group: "infra",
    threshold: 1,
    expr: (t, ctx) => `max by (name) (${containerStartsSeen(ctx.watchedContainers)}) > ${t}`,
    for: "2m",
    severity: "warning",
    component: "infra",
    summary: "Container {{ $labels.name }} is restarting",
    description: "Container {{ $labels.name }} was seen starting {{ $value }} times in the last 15 minutes.",
    dashboard: "tutordex-infra",
  },
] as const satisfies readonly AlertDefinition[];

import { DEFAULT_IMAGES, DEFAULT_MEMORY_MB } from "../../config/defaults";
import { dockerName } from "../../config/names";
import { SERVICE_NAMES, SERVICES, ServiceName } from "../../config/services";
import { DEFAULT_APP_COMPOSE_PROJECT, DEFAULT_APP_TARGETS } from "../../config/defaults";
import { cadvisorContainerLabel, COMPOSE_PROJECT_LABEL } from "../../config/labels";
import { releases } from "./releases";
import { ALWAYS, keyOf, SeriesContext, seriesOf, SeriesSpec } from "./series";
import { targetOf } from "./targets";
import { constant, counter, fillingDisk, hashOf, mostlyOne, wave } from "./values";

const GiB = 1024 ** 3;
const MiB = 1024 ** 2;
const CPU_MODES: Record<string, number> = {
  idle: 0.78,
  user: 0.12,
  system: 0.05,
  iowait: 0.02,
  irq: 0.002,
  softirq: 0.006,
  steal: 0.01,
  nice: 0.002,
};
const HOST_MOUNTS = [
  { mountpoint: "/", device: "/dev/vda1", fstype: "ext4", size: 200 * GiB, free: 120 * GiB },
  { mountpoint: "/boot", device: "/dev/vda16", fstype: "ext4", size: 881 * MiB, free: 700 * MiB },
  { mountpoint: "/boot/efi", device: "/dev/vda15", fstype: "vfat", size: 105 * MiB, free: 99 * MiB },
  { mountpoint: "/data", device: "/dev/vdb", fstype: "ext4", size: 500 * GiB, free: 300 * GiB },
];
const hex = (text: string, n: number) =>
  Array.from({ length: Math.ceil(n / 8) }, (_, i) => hashOf(`${text}/${i}`).toString(16).padStart(8, "0"))
    .join("")
    .slice(0, n);

/** A container on the host, one generation of it: a recreate gives it a new id (and new cAdvisor series). */
interface Container {
  readonly name: string;
  readonly id: string;
  readonly image: string;
  readonly startedAt: number;
  readonly until: number;
  readonly memoryLimit: number;
  readonly cpu: number;
  readonly memory: number;
  /** The compose project of the application's containers; the stacks' containers are not compose's and have none. */
  readonly composeProject?: string;
}

/**
 * Every container cAdvisor sees on the prod host: the prod and staging stacks (docs/spec.md §1: they share
 * a host) and each environment's application. Prod's application is recreated at every promotion,
 * staging's at every canary; the stacks run through the window.
 */
export function containers(ctx: SeriesContext): Container[] {
  const on = (Object.keys(ctx.config.services) as ServiceName[]).filter((s) => ctx.config.services[s]);
  const stackOf = (stack: string): Container[] =>
    SERVICE_NAMES.filter((s) => on.includes(s)).map((s) => ({
      name: dockerName(stack, SERVICES[s].alias),
      id: hex(`${stack}/${s}`, 64),
      image: DEFAULT_IMAGES[s],
      startedAt: ctx.start - 3 * 86400,
      until: Infinity,
      memoryLimit: DEFAULT_MEMORY_MB[s] * MiB,
      cpu: s === "prometheus" || s === "loki" ? 0.15 : 0.02,
      memory: Math.min(0.4 * DEFAULT_MEMORY_MB[s] * MiB, 600 * MiB),
    }));
  const rs = releases(ctx.shape);
  const appOf = (env: "prod" | "staging", at: (r: (typeof rs)[number]) => number): Container[] =>
    Object.values(DEFAULT_APP_TARGETS).flatMap((address) => {
      const service = address.split(":")[0];
      return rs.map((r, i) => ({
        name: `tutordex-${env}-${service}-1`,
        id: hex(`${env}/${service}/${r.pipelineVersion}`, 64),
        image: `ghcr.io/tutordex/${service}:${r.pipelineVersion}`,
        startedAt: at(r),
        until: i + 1 < rs.length ? at(rs[i + 1]) : Infinity,
        memoryLimit: 0,
        cpu: service === "aggregator-worker" ? 0.3 : 0.05,
        memory: 300 * MiB,
        composeProject: DEFAULT_APP_COMPOSE_PROJECT[env],
      }));
    });
  return [...stackOf("prod"), ...stackOf("staging"), ...appOf("prod", (r) => r.promotedAt), ...appOf("staging", (r) => r.canaryFrom)];
}

function nodeSeries(ctx: SeriesContext, list: readonly Container[]): SeriesSpec[] {
  const target = targetOf(ctx.targets, "node_exporter");
  const boot: [{ from: number; share: number }] = [{ from: ctx.start - 30 * 86400, share: 1 }];
  const s = (name: string, labels: Record<string, string>, value: (k: number) => ReturnType<typeof constant>, life = ALWAYS) =>
    seriesOf(ctx, target, name, labels, value(keyOf(name, labels)), life);
  const { cpus, disks, nics } = ctx.shape.host;
  const root = HOST_MOUNTS[0];
  const mounts = [
    ...HOST_MOUNTS.slice(0, disks).map((m) => ({ ...m, life: ALWAYS })),
    // Docker's overlay mounts are file systems too (the stack's queries filter them out).
    ...list.map((c) => ({
      ...root,
      mountpoint: `/var/lib/docker/overlay2/${hex(`overlay/${c.id}`, 64)}/merged`,
      device: "overlay",
      fstype: "overlay",
      life: { from: c.startedAt, to: c.until },
    })),
  ];
  const devices = [
    { device: "lo", rate: 50_000, life: ALWAYS },
    ...Array.from({ length: nics }, (_, i) => ({ device: `eth${i}`, rate: i === 0 ? 400_000 : 20_000, life: ALWAYS })),
    { device: "docker0", rate: 1000, life: ALWAYS },
    ...["prod", "staging", "tutordex-prod", "tutordex-staging"].map((n) => ({
      device: `br-${hex(`net/${n}`, 12)}`,
      rate: 100_000,
      life: ALWAYS,
    })),
    // The deployed node_exporter leaves veths out (generators/commandLines.ts); the history keeps
    // them, as one without that flag reports them, so the host rules' filter is measured against them.
    ...list.map((c) => ({ device: `veth${hex(`veth/${c.id}`, 7)}`, rate: 10_000, life: { from: c.startedAt, to: c.until } })),
  ];
  return [
    ...Array.from({ length: cpus }, (_, cpu) =>
      Object.entries(CPU_MODES).map(([mode, share]) =>
        s("node_cpu_seconds_total", { cpu: String(cpu), mode }, () => counter(share, boot, mode === "idle" ? 0 : 0.4, 0.01)),
      ),
    ).flat(),
    s("node_memory_MemTotal_bytes", {}, () => constant(16 * GiB)),
    s("node_memory_MemAvailable_bytes", {}, (k) => wave(9 * GiB, 0.1, 0.02, k)),
    s("node_load1", {}, (k) => wave(0.8, 0.5, 0.4, k, 0.01)),
    s("node_load5", {}, (k) => wave(0.8, 0.5, 0.2, k, 0.01)),
    s("node_load15", {}, (k) => wave(0.8, 0.5, 0.1, k, 0.01)),
    ...mounts.flatMap((m) => {
      const l = { device: m.device, fstype: m.fstype, mountpoint: m.mountpoint };
      return [
        s("node_filesystem_size_bytes", l, () => constant(m.size), m.life),
        s("node_filesystem_avail_bytes", l, (k) => fillingDisk(m.free, m.size * 0.002, k), m.life),
      ];
    }),
    ...devices.flatMap((d) => [
      s("node_network_receive_bytes_total", { device: d.device }, () => counter(d.rate, boot), d.life),
      s("node_network_transmit_bytes_total", { device: d.device }, () => counter(d.rate * 0.6, boot), d.life),
    ]),
  ];
}

function cadvisorSeries(ctx: SeriesContext, list: readonly Container[]): SeriesSpec[] {
  const target = targetOf(ctx.targets, "cadvisor");
  const root = {
    id: "/",
    name: "",
    image: "",
    startedAt: ctx.start - 30 * 86400,
    until: Infinity,
    memoryLimit: 0,
    cpu: 1.2,
    memory: 6 * GiB,
  };
  return [root, ...list].flatMap((c) => {
    const life = { from: c.startedAt, to: c.until };
    const since = [{ from: c.startedAt, share: 1 }];
    // cAdvisor leaves out empty labels: the root cgroup has an id only, a container compose did not make no project.
    const project: Record<string, string> =
      "composeProject" in c && c.composeProject ? { [cadvisorContainerLabel(COMPOSE_PROJECT_LABEL)]: c.composeProject } : {};
    const l: Record<string, string> = c.name ? { id: `/docker/${c.id}`, image: c.image, name: c.name, ...project } : { id: c.id };
    const s = (name: string, extra: Record<string, string>, value: ReturnType<typeof constant>) =>
      seriesOf(ctx, target, name, { ...l, ...extra }, value, life);
    return [
      s("container_cpu_usage_seconds_total", { cpu: "total" }, counter(c.cpu, since, 0.5, 0.000001)),
      s("container_memory_working_set_bytes", {}, wave(c.memory, 0.1, 0.03, keyOf(c.id, {}), 4096)),
      s("container_network_receive_bytes_total", { interface: "eth0" }, counter(c.cpu * 200_000, since)),
      s("container_network_transmit_bytes_total", { interface: "eth0" }, counter(c.cpu * 100_000, since)),
      s("container_fs_reads_bytes_total", { device: "/dev/vda" }, counter(c.cpu * 50_000, since)),
      s("container_fs_writes_bytes_total", { device: "/dev/vda" }, counter(c.cpu * 300_000, since)),
      s("container_start_time_seconds", {}, constant(c.startedAt)),
      s("container_oom_events_total", {}, constant(0)),
      s("container_spec_memory_limit_bytes", {}, constant(c.memoryLimit)),
    ];
  });
}

/** Every probe target: success nearly always; the public HTTPS ones also report their certificate's expiry. */
function probeSeries(ctx: SeriesContext): SeriesSpec[] {
  return ctx.targets
    .filter((t) => t.job.startsWith("blackbox_") && t.job !== "blackbox_exporter")
    .flatMap((t) => [
      seriesOf(ctx, t, "probe_success", {}, mostlyOne(5000, keyOf("probe", t.labels))),
      ...(t.labels.instance.startsWith("https://")
        ? [seriesOf(ctx, t, "probe_ssl_earliest_cert_expiry", {}, constant(ctx.end + 40 * 86400))]
        : []),
    ]);
}

export function exporterSeries(ctx: SeriesContext): SeriesSpec[] {
  const list = containers(ctx);
  return [...nodeSeries(ctx, list), ...cadvisorSeries(ctx, list), ...probeSeries(ctx)];
}

/**
 * `npm run -s bench:footprint`: the stack's footprint on a real engine. The docker tier's test
 * stack (harness/docker/Pulumi.docker.yaml: the demo workload in its steady scenario, Grafana, Loki,
 * Promtail and Tempo switched off, the cAdvisor stand-in) is applied to a private engine; after
 * FOOTPRINT_MINUTES (5) of the demo workload, each container's memory and CPU from the engine's
 * stats API stand beside its configured limit, with the total. Figures, not a pass/fail.
 */
import Docker from "dockerode";
import { containersOf, dockerNameOf, summarize, up } from "../harness/docker/apply";
import { startEngine } from "../harness/docker/engine";
import { ensureStackImages } from "../harness/docker/images";
import { ABSENT, freeHostPorts, stackConfig, startCadvisorStandIn, startFakeTelegram, TEST_STACK } from "../harness/docker/tier";
import { dockerName } from "../components/serviceContainer";

const MINUTES = Number(process.env.FOOTPRINT_MINUTES ?? 5);
const CPU_WINDOW_S = 30;
const MiB = 1024 * 1024;

interface Sample {
  readonly at: number;
  readonly cpuNs: number;
  readonly memory: number;
  readonly peak: number | undefined;
  /** Anonymous memory (cgroup v1 rss, v2 anon): what the process itself holds, without page cache. */
  readonly rss: number | undefined;
}

/** The fields read from the engine's stats: cgroup v1 and v2 name the memory ones differently, and any may be missing. */
interface EngineStats {
  readonly memory_stats?: {
    readonly usage?: number;
    readonly max_usage?: number;
    readonly stats?: Partial<Record<"total_inactive_file" | "inactive_file" | "total_rss" | "rss" | "anon", number>>;
  };
  readonly cpu_stats?: { readonly cpu_usage?: { readonly total_usage?: number } };
}

async function sample(docker: Docker, id: string): Promise<Sample> {
  const s: EngineStats = await docker.getContainer(id).stats({ stream: false });
  const m: NonNullable<EngineStats["memory_stats"]> = s.memory_stats ?? {};
  const inactive = m.stats?.total_inactive_file ?? m.stats?.inactive_file ?? 0;
  return {
    at: Date.now(),
    cpuNs: s.cpu_stats?.cpu_usage?.total_usage ?? 0,
    memory: Math.max(0, (m.usage ?? 0) - inactive),
    peak: m.max_usage,
    rss: m.stats?.total_rss ?? m.stats?.rss ?? m.stats?.anon,
  };
}

const pad = (s: string, n: number) => (s.length >= n ? s : s + " ".repeat(n - s.length));
const lpad = (s: string, n: number) => (s.length >= n ? s : " ".repeat(n - s.length) + s);

async function main(): Promise<void> {
  const engine = await startEngine();
  try {
    const docker = engine.docker;
    await ensureStackImages(docker);
    const { config, secretKeys } = stackConfig({ hostPorts: await freeHostPorts(), textfileDir: engine.tempDir("tdx-textfile-") });
    const applied = await up(engine, { stack: TEST_STACK, config, secretKeys, absent: ABSENT });
    if (!applied.ok) throw new Error(`pulumi up failed: ${applied.error}\n${summarize(applied)}`);
    const net = dockerName(TEST_STACK, "net");
    await startFakeTelegram(engine, net, TEST_STACK);
    const cadvisor = applied.state.resources.find((e) => e.absent && /cadvisor/.test(e.name) && e.type.includes("container"));
    await startCadvisorStandIn(engine, net, TEST_STACK, (cadvisor?.inputs.command as string[]) ?? []);
    process.stderr.write(`stack up in ${(applied.ms / 1000).toFixed(0)}s; running the demo workload for ${MINUTES} min\n`);
    await new Promise((r) => setTimeout(r, MINUTES * 60_000));

    const running = containersOf(applied.state).filter((c) => !c.outputs.attach);
    const test = (await docker.listContainers({ filters: { label: ["tutordex.docker-tier=test"] } })).map((c) => ({
      id: c.Id,
      name: c.Names[0].replace(/^\//, ""),
      limit: undefined as number | undefined,
    }));
    const rows = [...running.map((c) => ({ id: c.id!, name: dockerNameOf(c)!, limit: c.inputs.memory as number | undefined })), ...test];
    const first = await Promise.all(rows.map((r) => sample(docker, r.id)));
    await new Promise((r) => setTimeout(r, CPU_WINDOW_S * 1000));
    const second = await Promise.all(rows.map((r) => sample(docker, r.id)));

    const header = `${pad("container", 46)} ${lpad("memory MiB", 10)} ${lpad("rss MiB", 8)} ${lpad("peak MiB", 9)} ${lpad("limit MiB", 9)} ${lpad("% limit", 8)} ${lpad("CPU %", 7)}`;
    const lines = [header, "-".repeat(header.length)];
    let total = { memory: 0, rss: 0, limit: 0, cpu: 0 };
    rows.forEach((r, i) => {
      const a = first[i];
      const b = second[i];
      const cpu = ((b.cpuNs - a.cpuNs) / ((b.at - a.at) * 1e6)) * 100;
      const mem = b.memory / MiB;
      const peak = b.peak !== undefined ? (b.peak / MiB).toFixed(1) : "n/a";
      const rss = b.rss !== undefined ? (b.rss / MiB).toFixed(1) : "n/a";
      const isStack = r.limit !== undefined;
      if (isStack)
        total = { memory: total.memory + mem, rss: total.rss + (b.rss ?? 0) / MiB, limit: total.limit + r.limit!, cpu: total.cpu + cpu };
      lines.push(
        `${pad(isStack ? r.name : `${r.name} (test)`, 46)} ${lpad(mem.toFixed(1), 10)} ${lpad(rss, 8)} ${lpad(peak, 9)} ${lpad(isStack ? String(r.limit) : "-", 9)} ${lpad(isStack ? ((mem / r.limit!) * 100).toFixed(1) : "-", 8)} ${lpad(cpu.toFixed(2), 7)}`,
      );
    });
    lines.push("-".repeat(header.length));
    lines.push(
      `${pad("total (stack containers)", 46)} ${lpad(total.memory.toFixed(1), 10)} ${lpad(total.rss.toFixed(1), 8)} ${lpad("", 9)} ${lpad(String(total.limit), 9)} ${lpad(((total.memory / total.limit) * 100).toFixed(1), 8)} ${lpad(total.cpu.toFixed(2), 7)}`,
    );
    process.stdout.write(
      `Footprint after ${MINUTES} min of the demo workload (steady) on ${engine.description.replace(/ at .*/, "")}; CPU is the average over ${CPU_WINDOW_S}s, in % of one core; memory is usage less inactive file cache (shared image pages count for the container that read them first); rss is anonymous memory; peak is the cgroup's max usage.\n` +
        `Not running here: Grafana, Loki, Promtail, Tempo (AGPL, no image) and cAdvisor (a stand-in runs in its place).\n\n${lines.join("\n")}\n`,
    );
  } finally {
    await engine.stop();
  }
}

main().catch((e) => {
  process.stderr.write(`${(e as Error).stack ?? e}\n`);
  process.exit(1);
});

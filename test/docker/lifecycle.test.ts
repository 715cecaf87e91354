/**
 * The docker tier: the real program applied to a private Docker engine (harness/docker/engine.ts)
 * with locally reproduced images (images/), through a harness that does what @pulumi/docker does
 * (apply.ts, providerMapping.ts). One stack (harness/docker/Pulumi.docker.yaml) goes through its
 * life: from nothing, a no-op apply, an incident, a rule edit, an invalid rule, a memory raise,
 * the replacement of Prometheus and Alertmanager, a crash loop, and destroy. The scenarios run in
 * order and share the stack; every wait is bounded and everything started is removed by id.
 *
 * cAdvisor is a STAND-IN here (standins/cadvisorStandIn.ts): no cAdvisor image can be built (its
 * main package is the module github.com/google/cadvisor/cmd, which the Go module proxy does not
 * serve). It publishes container_start_time_seconds as cAdvisor v0.57+ does, from the engine's
 * own inspect data. Grafana, Loki, Promtail and Tempo (AGPL, no image) are switched off.
 */
import * as fs from "fs";
import Docker from "dockerode";
import { dockerName } from "../../components/serviceContainer";
import { DEFAULT_IMAGES } from "../../config/defaults";
import { ALERT_RULES_FILE } from "../../rules/render";
import { CONTAINER, containersOf, destroy, dockerNameOf, StackState, summarize, up, UpRequest, UpResult } from "../../harness/docker/apply";
import { Engine, startEngine } from "../../harness/docker/engine";
import { ensureStackImages } from "../../harness/docker/images";
import {
  ABSENT,
  exec,
  freeHostPorts,
  getJson,
  HostPorts,
  NODE_IMAGE,
  postJson,
  PrometheusApi,
  runTestContainer,
  stackConfig,
  startCadvisorStandIn,
  startFakeTelegram,
  TEST_STACK,
  trustStack,
  waitFor,
} from "../../harness/docker/tier";

jest.setTimeout(20 * 60_000);

const STACK = TEST_STACK;
const NET = dockerName(STACK, "net");
const NAME = (alias: string) => dockerName(STACK, alias);
const CRASH_LOOP = NAME("crashloop");

let engine: Engine;
let docker: Docker;
let ports: HostPorts;
let textfileDir: string;
let state: StackState | undefined;
let prom: PrometheusApi;
let amBase: string;
let telegram: Awaited<ReturnType<typeof startFakeTelegram>> | undefined;
let crashLoopStarted = 0;
const overrides: Record<string, unknown> = {};

function request(extra: Partial<UpRequest> = {}): UpRequest {
  const { config, secretKeys } = stackConfig({ hostPorts: ports, textfileDir, overrides });
  return { stack: STACK, config, secretKeys, prev: state, absent: ABSENT, attachTimeoutMs: 5 * 60_000, ...extra };
}

/** `pulumi up`; keeps the state (also of a failed run, as Pulumi does). */
async function apply(extra: Partial<UpRequest> = {}): Promise<UpResult> {
  const r = await up(engine, request(extra));
  state = r.state;
  // Prometheus and Alertmanager answer only with the stack's passwords (docs/threat-model.md).
  if (r.ok) trustStack(state, ports);
  return r;
}

function expectOk(r: UpResult): void {
  if (!r.ok) throw new Error(`pulumi up failed: ${r.error}\n${summarize(r)}\n--- harness log ---\n${r.log.slice(-3000)}`);
}

const containerIds = () => new Map(containersOf(state!).map((c) => [dockerNameOf(c)!, c.id!]));
const changedSteps = (r: UpResult) => r.steps.filter((s) => s.op !== "same" && s.op !== "absent");
const describeSteps = (r: UpResult) =>
  changedSteps(r).map((s) => `${s.op} ${s.dockerName ?? s.key}${s.diffs?.length ? ` [${s.diffs.map((d) => d.input).join(", ")}]` : ""}`);

beforeAll(async () => {
  engine = await startEngine();
  docker = engine.docker;
  await ensureStackImages(docker);
  ports = await freeHostPorts();
  textfileDir = engine.tempDir("tdx-textfile-");
  // As an operator sets it up: node_exporter runs as nobody and must read the host scripts' gauges.
  fs.chmodSync(textfileDir, 0o755);
  fs.writeFileSync(`${textfileDir}/backup.prom`, "tutordex_supabase_backup_fresh 1\n", { mode: 0o644 });
  prom = new PrometheusApi(`http://127.0.0.1:${ports.prometheus}`);
  amBase = `http://127.0.0.1:${ports.alertmanager}`;
}, 10 * 60_000);

afterAll(async () => {
  if (engine) await engine.stop();
}, 5 * 60_000);

describe("the stack on a real Docker engine", () => {
  test("from nothing: every container runs, healthy by Docker's own health status", async () => {
    const r = await apply();
    expectOk(r);
    expect(r.steps.filter((s) => s.type === CONTAINER && s.op === "create").length).toBeGreaterThanOrEqual(8);
    const problems: string[] = [];
    for (const c of containersOf(state!)) {
      const info = await docker.getContainer(c.id!).inspect();
      const name = dockerNameOf(c);
      if (c.outputs.attach) {
        if (info.State.Running || info.State.ExitCode !== 0)
          problems.push(`${name}: one-shot ${info.State.Status} exit ${info.State.ExitCode}`);
      } else if (!info.State.Running || info.State.Restarting) problems.push(`${name}: ${info.State.Status}`);
      else if (c.inputs.healthcheck && info.State.Health?.Status !== "healthy")
        problems.push(`${name}: health ${info.State.Health?.Status}`);
    }
    expect(problems).toEqual([]);
    // Prometheus and Alertmanager start once, after their config sync has written their files:
    // started before it, they find no config, exit, and Docker restarts them until it comes.
    const starts: string[] = [];
    for (const service of ["prometheus", "alertmanager"]) {
      const main = containersOf(state!).find((c) => dockerNameOf(c) === NAME(service))!;
      const sync = containersOf(state!).find((c) => dockerNameOf(c)!.startsWith(NAME(`${service}-config-sync-`)))!;
      const [m, s] = await Promise.all([docker.getContainer(main.id!).inspect(), docker.getContainer(sync.id!).inspect()]);
      const after = Date.parse(m.State.StartedAt) >= Date.parse(s.State.FinishedAt);
      starts.push(`${service}: restarts ${m.RestartCount}, started ${after ? "after" : "before"} its config sync finished`);
    }
    expect(starts).toEqual([
      "prometheus: restarts 0, started after its config sync finished",
      "alertmanager: restarts 0, started after its config sync finished",
    ]);
    // The test's own containers on the stack network: the fake Telegram and the cAdvisor stand-in.
    telegram = await startFakeTelegram(engine, NET, STACK);
    const cadvisor = state!.resources.find((e) => e.type === CONTAINER && e.absent && /cadvisor/.test(e.name));
    await startCadvisorStandIn(engine, NET, STACK, (cadvisor?.inputs.command as string[]) ?? []);
  });

  test("Prometheus sees every target up through the Docker DNS names, and every rule group evaluates healthy", async () => {
    const targets = await waitFor(
      "every scrape target up",
      120_000,
      async () => {
        const t = await prom.targets();
        return t.length > 0 && t.every((x) => x.health === "up") ? t : undefined;
      },
      3000,
    ).catch(async (e) => {
      const t = await prom.targets().catch(() => []);
      throw new Error(
        `${e.message}\ndown: ${t
          .filter((x) => x.health !== "up")
          .map((x) => `${x.labels.job} ${x.scrapeUrl} ${x.lastError}`)
          .join("\n  ")}`,
      );
    });
    const jobs = new Set(targets.map((t) => t.labels.job));
    for (const job of ["prometheus", "alertmanager", "telegram_bridge", "otel_collector", "blackbox_exporter", "cadvisor", "node_exporter"])
      expect(jobs).toContain(job);
    // The application targets are the demo workload, reached under the application's own names.
    const urls = targets.map((t) => t.scrapeUrl).join("\n");
    for (const host of [
      "collector-tail:9001",
      "aggregator-worker:9002",
      "backend:8000",
      "alertmanager:9093",
      "telegram-bridge:8080",
      "cadvisor:8080",
    ])
      expect(urls).toContain(host);
    const groups = await waitFor(
      "every rule evaluated and healthy",
      120_000,
      async () => {
        const g = await prom.ruleGroups();
        const rules = g.flatMap((x) => x.rules);
        return rules.length > 0 && rules.every((x) => x.health === "ok") ? g : undefined;
      },
      3000,
    ).catch(async (e) => {
      const g = await prom.ruleGroups().catch(() => []);
      throw new Error(
        `${e.message}\n${g
          .flatMap((x) => x.rules)
          .filter((x) => x.health !== "ok")
          .map((x) => `${x.name}: ${x.health} ${x.lastError ?? ""}`)
          .join("\n  ")}`,
      );
    });
    expect(groups.length).toBeGreaterThan(0);
    // node_exporter reads the host's textfile folder (a gauge a host script would write).
    const gauge = await waitFor(
      "the textfile gauge through node_exporter",
      60_000,
      async () => {
        const x = await prom.query('tutordex_supabase_backup_fresh{job="node_exporter"}');
        return x.length ? x : undefined;
      },
      3000,
    );
    expect(gauge[0].value[1]).toBe("1");
  });

  test("every file a container reads is readable by its user, and every volume it writes is writable", async () => {
    const problems: string[] = [];
    const checked: string[] = [];
    for (const c of containersOf(state!)) {
      if (c.outputs.attach) continue;
      const name = dockerNameOf(c)!;
      const info = await docker.getContainer(c.id!).inspect();
      // FROM scratch (the collector): no shell to look with; its start and its readiness gate are the proof.
      if (info.Config.Image === (await docker.getImage(DEFAULT_IMAGES.otelCollector).inspect()).Id) {
        const gate = containersOf(state!).find((g) => g.outputs.attach && /otel-collector-ready/.test(dockerNameOf(g)!));
        if (!info.State.Running || gate?.outputs.exitCode !== 0)
          problems.push(`${name}: running ${info.State.Running}, readiness gate exit ${gate?.outputs.exitCode}`);
        continue;
      }
      const who = (await exec(docker, c.id!, ["id"])).output.trim();
      checked.push(`${name} as ${who}`);
      const checks: string[] = [];
      for (const u of (c.inputs.uploads ?? []) as { file: string }[]) checks.push(`test -r '${u.file}' || echo "cannot read ${u.file}"`);
      for (const v of (c.inputs.volumes ?? []) as { containerPath: string; readOnly?: boolean; hostPath?: string }[]) {
        if (v.readOnly)
          checks.push(
            `find '${v.containerPath}' -type f | while read f; do test -r "$f" || echo "cannot read $f"; done; test -x '${v.containerPath}' || echo "cannot enter ${v.containerPath}"`,
          );
        else
          checks.push(
            `f='${v.containerPath}/.docker-tier-write-test'; (echo x > "$f" && rm -f "$f") 2>/dev/null || echo "cannot write ${v.containerPath}"`,
          );
      }
      for (const m of (c.inputs.mounts ?? []) as { target: string }[])
        checks.push(`test -r '${m.target}' -a -x '${m.target}' || echo "cannot read ${m.target}"`);
      const r = await exec(docker, c.id!, ["/bin/sh", "-c", checks.join("\n") || "true"]);
      const bad = r.output.split("\n").filter((l) => /^cannot /.test(l));
      if (r.code !== 0) problems.push(`${name} (${who}): the checks did not run: ${r.output.trim()}`);
      for (const b of bad) problems.push(`${name} (${who}): ${b}`);
    }
    expect(problems).toEqual([]);
    expect(checked.length).toBeGreaterThanOrEqual(6);
  });

  test("every container runs without new privileges, and every unprivileged one without raw sockets, as the kernel holds its first process", async () => {
    // CAP_NET_RAW is capability 13 (linux/capability.h); the kernel's own view of the process is read from the host.
    const NET_RAW_BIT = 1n << 13n;
    const rows: string[] = [];
    for (const c of containersOf(state!)) {
      if (c.outputs.attach) continue;
      const info = await docker.getContainer(c.id!).inspect();
      const status = fs.readFileSync(`/proc/${info.State.Pid}/status`, "utf8");
      const field = (key: string) => new RegExp(`^${key}:\\s*(\\S+)`, "m").exec(status)?.[1];
      const rawSockets = (BigInt(`0x${field("CapBnd")}`) & NET_RAW_BIT) !== 0n;
      rows.push(`${dockerNameOf(c)}: NoNewPrivs ${field("NoNewPrivs")}, raw sockets ${rawSockets ? "allowed" : "refused"}`);
    }
    const privileged = new Set(
      containersOf(state!)
        .filter((c) => c.inputs.privileged)
        .map((c) => dockerNameOf(c)),
    );
    expect(rows.length).toBeGreaterThanOrEqual(6);
    expect(rows).toEqual(
      rows.map((r) => {
        const name = r.slice(0, r.indexOf(":"));
        return `${name}: NoNewPrivs 1, raw sockets ${privileged.has(name) ? "allowed" : "refused"}`;
      }),
    );
  });

  test("a crash-looping container is started (ContainerRestarted is checked at the end)", async () => {
    await runTestContainer(engine, {
      name: CRASH_LOOP,
      image: NODE_IMAGE,
      entrypoint: ["/bin/sh", "-c", "echo started; sleep 12; exit 1"],
      network: NET,
      restart: "unless-stopped",
    });
    crashLoopStarted = Date.now();
  });

  test("a second apply with no change replaces nothing, and changes nothing", async () => {
    const before = containerIds();
    const r = await apply();
    expectOk(r);
    // `pulumi preview` after `up` must be empty: no replacement, and no planned update either (a read-back drift shows here).
    expect(describeSteps(r)).toEqual([]);
    expect(containerIds()).toEqual(before);
  });

  test("an incident from a demo scenario reaches Telegram through Alertmanager and the bridge, and resolves", async () => {
    overrides.demoWorkload = { scenario: "stuck_processing" };
    const fired = await apply();
    expectOk(fired);
    expect(describeSteps(fired)).toEqual([`replace ${NAME("demo-app")} [envs]`]);
    const about = (m: unknown) => JSON.stringify(m).includes("QueueStuckProcessing");
    await waitFor(
      "a FIRING QueueStuckProcessing message in the fake Telegram",
      180_000,
      async () => {
        const msgs = await telegram!.messages();
        return msgs.find((m) => about(m) && /FIRING/.test(JSON.stringify(m)));
      },
      2000,
    );
    overrides.demoWorkload = { scenario: "steady" };
    const resolved = await apply();
    expectOk(resolved);
    await waitFor(
      "QueueStuckProcessing resolved in the fake Telegram",
      240_000,
      async () => {
        const msgs = await telegram!.messages();
        return msgs.find((m) => about(m) && /RESOLVED|Resolved/.test(JSON.stringify(m)));
      },
      3000,
    );
  });

  let ruleEditAt = 0;
  test("a rule edit replaces only config-sync: Prometheus keeps its container and its series, and the new rule is live", async () => {
    const before = containerIds();
    const promId = before.get(NAME("prometheus"));
    await waitFor("a first sample of Prometheus scraping itself", 60_000, async () =>
      (await prom.query(`up{job="prometheus"}`)).length === 1 ? true : undefined,
    );
    ruleEditAt = Math.floor(Date.now() / 1000);
    overrides.alertOverrides = { QueueStuckProcessing: { for: "0m" }, QueueOldestPendingTooOld: { threshold: 4321 } };
    const r = await apply();
    expectOk(r);
    const changed = describeSteps(r);
    expect(changed).toHaveLength(1);
    expect(changed[0]).toMatch(new RegExp(`^replace ${NAME("prometheus-config-sync")}-\\w+ \\[name, uploads\\]$`));
    expect(containerIds().get(NAME("prometheus"))).toBe(promId);
    // The series written before the edit are still there (same TSDB, same process).
    const old = await getJson(`${prom.base}/api/v1/query?query=${encodeURIComponent('up{job="prometheus"}')}&time=${ruleEditAt}`);
    expect(old.data.result.length).toBe(1);
    await waitFor("the edited threshold live in Prometheus", 60_000, async () => {
      const rules = (await prom.ruleGroups()).flatMap((g) => g.rules);
      return rules.find((x) => x.name === "QueueOldestPendingTooOld" && / > 4321\b/.test(x.query));
    });
  });

  test("an invalid rule fails the apply loudly, and Prometheus keeps serving the previous rules", async () => {
    const promId = containerIds().get(NAME("prometheus"));
    const r = await apply({
      injections: [
        {
          kind: "addInvalidRuleGroup",
          resource: "prometheus-config-sync$",
          fileSuffix: ALERT_RULES_FILE,
          reason: "a broken rule as a catalog edit could make it",
        },
      ],
    });
    expect(r.ok).toBe(false);
    expect(r.error).toMatch(/config-sync/);
    expect(r.error).toMatch(/DockerTierInjectedInvalid|docker-tier-injected|parse error|unclosed/i);
    expect(containerIds().get(NAME("prometheus"))).toBe(promId);
    const groups = await prom.ruleGroups();
    expect(groups.map((g) => g.name)).not.toContain("docker-tier-injected");
    expect(groups.flatMap((g) => g.rules).find((x) => x.name === "QueueOldestPendingTooOld")?.query).toMatch(/ > 4321\b/);
    expect((await prom.query("prometheus_config_last_reload_successful"))[0]?.value[1]).toBe("1");
    // The next `up` without the broken rule succeeds again.
    expectOk(await apply());
  });

  test("raising a memory limit applies in place, without swap", async () => {
    const id = containerIds().get(NAME("prometheus"))!;
    const before = await docker.getContainer(id).inspect();
    const raised =
      Math.ceil((before.HostConfig.MemorySwap! > 0 ? before.HostConfig.MemorySwap! : before.HostConfig.Memory! * 2) / 1048576) + 512;
    overrides.memoryMb = { prometheus: raised };
    const r = await apply();
    expectOk(r);
    expect(describeSteps(r)).toEqual([`update ${NAME("prometheus")} [memory, memorySwap]`]);
    expect(containerIds().get(NAME("prometheus"))).toBe(id);
    const after = await docker.getContainer(id).inspect();
    expect(after.HostConfig.Memory).toBe(raised * 1048576);
    expect(after.HostConfig.MemorySwap).toBe(raised * 1048576);
    // And the state matches the engine: the next apply plans nothing.
    const again = await apply();
    expectOk(again);
    expect(describeSteps(again)).toEqual([]);
  });

  test("replacing Prometheus and Alertmanager keeps their data: TSDB series and silences", async () => {
    const before = containerIds();
    await waitFor("a first sample of Prometheus scraping itself", 60_000, async () =>
      (await prom.query(`up{job="prometheus"}`)).length === 1 ? true : undefined,
    );
    const mark = Math.floor(Date.now() / 1000);
    expect(
      (await getJson(`${prom.base}/api/v1/query?query=${encodeURIComponent('up{job="prometheus"}')}&time=${mark}`)).data.result.length,
    ).toBe(1);
    const now = Date.now();
    const silence = await postJson(`${amBase}/api/v2/silences`, {
      matchers: [{ name: "alertname", value: "DockerTierSilenceProbe", isRegex: false, isEqual: true }],
      startsAt: new Date(now).toISOString(),
      endsAt: new Date(now + 3600_000).toISOString(),
      createdBy: "docker-tier",
      comment: "must survive the replacement",
    });
    expect(silence.silenceID).toBeTruthy();
    overrides.retention = { prometheus: "4d" };
    overrides.alertmanagerExternalUrl = "http://alertmanager.docker-tier.test:9093";
    const r = await apply();
    expectOk(r);
    const replaced = changedSteps(r).filter((s) => s.op === "replace");
    expect(replaced.map((s) => s.dockerName)).toEqual(expect.arrayContaining([NAME("prometheus"), NAME("alertmanager")]));
    // The stop grace let both shut down cleanly (137 would be the provider's SIGKILL).
    expect(
      replaced
        .filter((s) => s.dockerName === NAME("prometheus") || s.dockerName === NAME("alertmanager"))
        .map((s) => `${s.dockerName} exit ${s.stoppedExitCode}`)
        .sort(),
    ).toEqual([`${NAME("alertmanager")} exit 0`, `${NAME("prometheus")} exit 0`]);
    expect(containerIds().get(NAME("prometheus"))).not.toBe(before.get(NAME("prometheus")));
    expect(containerIds().get(NAME("alertmanager"))).not.toBe(before.get(NAME("alertmanager")));
    const kept = await waitFor("the sample from before the replacement", 60_000, async () => {
      const x = await getJson(`${prom.base}/api/v1/query?query=${encodeURIComponent('up{job="prometheus"}')}&time=${mark}`);
      return x.data.result.length ? x.data.result : undefined;
    });
    expect(kept.length).toBe(1);
    const after = await waitFor("the silence after the replacement", 60_000, () =>
      getJson(`${amBase}/api/v2/silence/${silence.silenceID}`).catch(() => undefined),
    );
    expect(after.status.state).toBe("active");
  });

  test("a crash-looping container changes container_start_time_seconds on each restart and fires ContainerRestarted", async () => {
    expect(crashLoopStarted).toBeGreaterThan(0);
    const info = await docker.getContainer(CRASH_LOOP).inspect();
    expect(info.RestartCount).toBeGreaterThan(1);
    const range = await getJson(
      `${prom.base}/api/v1/query_range?query=${encodeURIComponent(`container_start_time_seconds{name="${CRASH_LOOP}"}`)}&start=${Math.floor(crashLoopStarted / 1000)}&end=${Math.floor(Date.now() / 1000)}&step=15`,
    );
    const starts = new Set<string>((range.data.result as { values: [number, string][] }[]).flatMap((s) => s.values.map((v) => v[1])));
    expect(starts.size).toBeGreaterThanOrEqual(3);
    // At least the rule's `for` (2m) and a minute more from now: on a loaded host the expression may only just have turned pending.
    const alert = await waitFor(
      `ContainerRestarted firing for ${CRASH_LOOP}`,
      Math.max(3 * 60_000, crashLoopStarted + 8 * 60_000 - Date.now()),
      async () => {
        const alerts = await prom.alerts();
        return alerts.find((a) => a.labels.alertname === "ContainerRestarted" && a.labels.name === CRASH_LOOP && a.state === "firing");
      },
      5000,
    ).catch(async (e) => {
      const rule = (await prom.ruleGroups()).flatMap((g) => g.rules).find((x) => x.name === "ContainerRestarted");
      const series = await prom.query(`container_start_time_seconds{name="${CRASH_LOOP}"}`);
      throw new Error(`${e.message}\nrule: ${rule?.query} (${rule?.state})\nseries now: ${JSON.stringify(series.map((s) => s.metric))}`);
    });
    expect(alert.labels.name).toBe(CRASH_LOOP);
  });

  test("destroy removes every container, volume and the network of the stack", async () => {
    // The test's own containers leave the stack network first (Docker refuses to remove a network in use).
    for (const c of await docker.listContainers({ all: true, filters: { label: ["tutordex.docker-tier=test"] } })) {
      await docker.getContainer(c.Id).remove({ force: true });
      engine.forget("container", c.Id);
    }
    const d = await destroy(engine, state!);
    state = d.state;
    expect(state.resources.filter((r) => r.custom && !r.absent && !r.type.startsWith("pulumi:"))).toEqual([]);
    const label = `tutordex.observability.stack=${STACK}`;
    expect((await docker.listContainers({ all: true, filters: { label: [label] } })).map((c) => c.Names[0])).toEqual([]);
    expect(((await docker.listVolumes({ filters: { label: [label] } })).Volumes ?? []).map((v) => v.Name)).toEqual([]);
    expect((await docker.listNetworks({ filters: { name: [NET] } })).map((n) => n.Name)).toEqual([]);
  });
});

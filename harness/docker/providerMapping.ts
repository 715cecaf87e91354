/**
 * How `@pulumi/docker` 5.2.0 (terraform-provider-docker, bridged) turns the inputs the program
 * registers into Engine API calls, and how it decides what a change replaces. The docker tier's
 * harness (apply.ts, engineOps.ts) does exactly what this table says; an input that is not in it
 * is an error, never dropped.
 *
 * Source: kreuzwerker/terraform-provider-docker at tag v4.5.0 (commit 5074970c, the upstream
 * submodule of pulumi-docker v5.1.0/main), read from
 *   internal/provider/resource_docker_container.go        (schema: ForceNew, Default, Computed)
 *   internal/provider/resource_docker_container_funcs.go  (Create, Read, Update, Delete)
 *   internal/provider/resource_docker_container_structures.go
 *   internal/provider/resource_docker_network.go, resource_docker_network_funcs.go
 *   internal/provider/resource_docker_volume.go
 *   internal/provider/resource_docker_image.go, resource_docker_image_funcs.go (RemoteImage)
 *   internal/provider/data_source_docker_network.go     (getNetwork)
 * and pulumi-docker provider/resources.go (`docker_container`: DeleteBeforeReplace: true).
 * Line numbers below are of those files at v4.5.0 ("c" = resource_docker_container.go,
 * "f" = resource_docker_container_funcs.go).
 *
 * @pulumi/docker 5.2.0's schema also has `deviceCgroupRules` and upload `owner`/`group`, which
 * v4.5.0 lacks: it was bridged from a later upstream (v4.6.0) whose source is not readable here.
 * Those inputs are not mapped (an error if a program uses them).
 */

/** What a changed input does: `replace` (ForceNew), `update` (ContainerUpdate), `state` (stored; the engine is not touched). */
export type Change = "replace" | "update" | "state";

export interface Attr {
  /** Pulumi input name. */
  readonly input: string;
  /** Terraform attribute and where its schema is. */
  readonly tf: string;
  readonly line: string;
  readonly change: Change;
  /** Optional+Computed: an input left out keeps whatever the state holds (no diff). */
  readonly computed?: boolean;
  readonly default?: unknown;
  /** How values compare: sets ignore order, `ports` follows the provider's DiffSuppressFunc. */
  readonly shape?: "scalar" | "list" | "set" | "map" | "block" | "ports";
  /** Allowed keys of list/set/block elements (Pulumi names). */
  readonly fields?: readonly string[];
  /** Schema defaults of the fields of list/set/block elements. */
  readonly fieldDefaults?: Readonly<Record<string, unknown>>;
  /** DiffSuppressFunc: a new "" means "unchanged" (user, working_dir). */
  readonly emptyMeansUnchanged?: boolean;
  /** Where the value reaches the engine. */
  readonly engine: string;
}

const forceNew = (input: string, tf: string, line: number, engine: string, extra: Partial<Attr> = {}): Attr => ({
  input,
  tf,
  line: `c:${line}`,
  change: "replace",
  engine,
  ...extra,
});
const state = (input: string, tf: string, line: number, engine: string, extra: Partial<Attr> = {}): Attr => ({
  input,
  tf,
  line: `c:${line}`,
  change: "state",
  engine,
  ...extra,
});
const update = (input: string, tf: string, line: number, engine: string, extra: Partial<Attr> = {}): Attr => ({
  input,
  tf,
  line: `c:${line}`,
  change: "update",
  engine,
  ...extra,
});

export const CONTAINER_ATTRS: readonly Attr[] = [
  forceNew("name", "name", 50, "ContainerCreate name (f:456)"),
  forceNew("image", "image", 141, "Config.Image (f:69); must exist locally or be pulled (f:51 findImage)"),
  state("rm", "rm", 57, "HostConfig.AutoRemove (f:259)", { default: false }),
  forceNew("readOnly", "read_only", 64, "HostConfig.ReadonlyRootfs (f:260)", { default: false }),
  state("start", "start", 72, "ContainerStart after uploads (f:584-588)", { default: true }),
  state("wait", "wait", 79, "polls ContainerInspect until State.Health.Status == healthy, error without a healthcheck (f:590-627)", {
    default: false,
  }),
  state("waitTimeout", "wait_timeout", 86, "bound of `wait`, seconds (f:614); timeout → 'container failed to be in healthy state'", {
    default: 60,
  }),
  state(
    "attach",
    "attach",
    93,
    "ContainerWait(not-running) after start; exit code not checked (f:631-672); no ContainerStop on delete (f:1085)",
    { default: false },
  ),
  state("logs", "logs", 100, "with attach: ContainerLogs(follow) demuxed into containerLogs (f:634-668)", { default: false }),
  {
    input: "mustRun",
    tf: "must_run",
    line: "c:122",
    change: "update",
    default: true,
    engine: "Read sets it false when the container is not running (f:813-823); Update false→true starts it (f:998-1013)",
  },
  forceNew("hostname", "hostname", 148, "Config.Hostname (f:70)", { computed: true }),
  forceNew("domainname", "domainname", 156, "Config.Domainname (f:71)"),
  forceNew("command", "command", 163, "Config.Cmd; empty strings refused (f:83-90)", { computed: true, shape: "list" }),
  forceNew("entrypoints", "entrypoint", 172, "Config.Entrypoint (f:92-94)", { computed: true, shape: "list" }),
  forceNew("user", "user", 181, "Config.User (f:96-98)", { emptyMeansUnchanged: true }),
  forceNew("dns", "dns", 196, "HostConfig.DNS (f:315)", { shape: "set" }),
  forceNew("dnsOpts", "dns_opts", 205, "HostConfig.DNSOptions (f:319)", { shape: "set" }),
  forceNew("dnsSearches", "dns_search", 214, "HostConfig.DNSSearch (f:323)", { shape: "set" }),
  forceNew("publishAllPorts", "publish_all_ports", 223, "HostConfig.PublishAllPorts (f:252)"),
  update("restart", "restart", 230, "HostConfig.RestartPolicy.Name (f:254); ContainerUpdate (f:1016-1070)", { default: "no" }),
  update("maxRetryCount", "max_retry_count", 238, "RestartPolicy.MaximumRetryCount (f:255); ContainerUpdate"),
  forceNew("workingDir", "working_dir", 243, "Config.WorkingDir (f:109)", { emptyMeansUnchanged: true }),
  state("removeVolumes", "remove_volumes", 256, "ContainerRemove RemoveVolumes (f:1101-1104)", { default: true }),
  forceNew("capabilities", "capabilities", 262, "HostConfig.CapAdd/CapDrop (f:286-293); read back when either is set (f:870-877)", {
    shape: "block",
    fields: ["adds", "drops"],
  }),
  forceNew("securityOpts", "security_opts", 291, "HostConfig.SecurityOpt (f:327-329); read back (f:854)", {
    computed: true,
    shape: "set",
  }),
  forceNew("stopSignal", "stop_signal", 314, "Config.StopSignal (f:75)", { computed: true }),
  forceNew(
    "stopTimeout",
    "stop_timeout",
    321,
    "Config.StopTimeout (f:55-58); not used by the provider's own delete (f:1093 passes destroyGraceSeconds)",
    { computed: true },
  ),
  forceNew("mounts", "mounts", 328, "HostConfig.Mounts with bind/volume/tmpfs options (f:168-249)", {
    shape: "set",
    fields: [
      "type",
      "source",
      "target",
      "readOnly",
      "bindOptions",
      "bindOptions.propagation",
      "volumeOptions",
      "volumeOptions.noCopy",
      "tmpfsOptions",
      "tmpfsOptions.sizeBytes",
      "tmpfsOptions.mode",
    ],
  }),
  forceNew(
    "volumes",
    "volumes",
    434,
    "Config.Volumes + HostConfig.Binds name-or-path:container_path:rw|ro (structures volumeSetToDockerVolumes)",
    {
      shape: "set",
      fields: ["volumeName", "hostPath", "containerPath", "readOnly", "fromContainer"],
    },
  ),
  state("tmpfs", "tmpfs", 482, "HostConfig.Tmpfs (f:266)", { shape: "map" }),
  forceNew(
    "ports",
    "ports",
    487,
    "ExposedPorts + PortBindings {HostIP, HostPort} (structures portSetToDockerPorts); read back while running or must_run (f:797-804)",
    {
      shape: "ports",
      fields: ["internal", "external", "ip", "protocol"],
    },
  ),
  forceNew("hosts", "host", 537, "HostConfig.ExtraHosts host:ip (f:113); read back (f:884)", { shape: "set", fields: ["host", "ip"] }),
  forceNew("envs", "env", 590, "Config.Env (f:79); not read back", { computed: true, shape: "set" }),
  forceNew("privileged", "privileged", 656, "HostConfig.Privileged (f:251)", { default: false }),
  state(
    "destroyGraceSeconds",
    "destroy_grace_seconds",
    827,
    "ContainerStop timeout on delete; 0 when unset, i.e. SIGKILL at once (f:1087-1096)",
  ),
  forceNew("labels", "labels", 833, "Config.Labels (f:135); not read back", { computed: true, shape: "set", fields: ["label", "value"] }),
  update("memory", "memory", 842, "HostConfig.Memory = MiB × 1048576 (f:334); ContainerUpdate"),
  update("memoryReservation", "memory_reservation", 848, "HostConfig.MemoryReservation (f:338); ContainerUpdate", { default: 0 }),
  update(
    "memorySwap",
    "memory_swap",
    856,
    "HostConfig.MemorySwap = MiB × 1048576 when > 0 (f:342-348); ContainerUpdate only when set (f:1059-1066)",
  ),
  forceNew("shmSize", "shm_size", 863, "HostConfig.ShmSize (f:350)", { computed: true }),
  update("cpuShares", "cpu_shares", 872, "HostConfig.CPUShares (f:379); ContainerUpdate"),
  update("cpuSet", "cpu_set", 879, "HostConfig.CpusetCpus (f:383); ContainerUpdate"),
  forceNew("logDriver", "log_driver", 886, "HostConfig.LogConfig.Type (f:262)", { computed: true }),
  forceNew("logOpts", "log_opts", 894, "HostConfig.LogConfig.Config (f:387)", { shape: "map" }),
  forceNew("networkMode", "network_mode", 901, "HostConfig.NetworkMode (f:392-399)", { default: "bridge" }),
  forceNew(
    "networksAdvanced",
    "networks_advanced",
    909,
    "after create: NetworkDisconnect bridge, NetworkConnect each with Aliases (f:463-503)",
    {
      shape: "set",
      fields: ["name", "aliases", "ipv4Address", "ipv6Address"],
    },
  ),
  forceNew("pidMode", "pid_mode", 974, "HostConfig.PidMode (f:404); read back only when set (f:955)"),
  forceNew(
    "uploads",
    "upload",
    987,
    'tar {Name: file, Mode: permissions|0744 if executable|0644} → CopyToContainer("/") before start (f:505-582)',
    {
      shape: "set",
      fields: ["file", "content", "contentBase64", "executable", "permissions", "source", "sourceHash"],
      fieldDefaults: { executable: false },
    },
  ),
  state(
    "healthcheck",
    "healthcheck",
    1045,
    "Config.Healthcheck {Test, Interval, Timeout, StartPeriod, StartInterval, Retries} (f:139-161); not ForceNew and not in Update: an edit is stored, the engine keeps the old one",
    {
      computed: true,
      shape: "block",
      fields: ["tests", "interval", "timeout", "startPeriod", "startInterval", "retries"],
      fieldDefaults: { interval: "0s", timeout: "0s", startPeriod: "0s", startInterval: "0s", retries: 0 },
    },
  ),
  state(
    "containerReadRefreshTimeoutMilliseconds",
    "container_read_refresh_timeout_milliseconds",
    1098,
    "Read's wait for `running` (f:751-757)",
    { default: 15000 },
  ),
  forceNew("sysctls", "sysctls", 1105, "HostConfig.Sysctls (f:408)", { shape: "map" }),
  forceNew("ipcMode", "ipc_mode", 1111, "HostConfig.IpcMode (f:411)", { computed: true }),
  forceNew("groupAdds", "group_add", 1118, "HostConfig.GroupAdd (f:414)", { shape: "set" }),
  state("init", "init", 1126, "HostConfig.Init = &init, false when unset (f:447-448)", { computed: true }),
  forceNew("tty", "tty", 1132, "Config.Tty (f:73)", { default: false }),
  forceNew("stdinOpen", "stdin_open", 1139, "Config.OpenStdin (f:74)", { default: false }),
];

export const CONTAINER_ATTR = new Map(CONTAINER_ATTRS.map((a) => [a.input, a]));

/** The attributes whose change makes Update call ContainerUpdate (f:1016-1019). */
export const CONTAINER_UPDATE_ATTRS = [
  "restart",
  "maxRetryCount",
  "cpuShares",
  "memory",
  "memoryReservation",
  "cpuSet",
  "memorySwap",
] as const;

export const NETWORK_ATTRS: readonly Attr[] = [
  { input: "name", tf: "name", line: "network:25", change: "replace", engine: "NetworkCreate name (network_funcs:75)" },
  {
    input: "labels",
    tf: "labels",
    line: "network:32",
    change: "replace",
    shape: "set",
    fields: ["label", "value"],
    engine: "Labels (network_funcs:33); read back (network_funcs:176)",
  },
  { input: "driver", tf: "driver", line: "network:40", change: "replace", computed: true, engine: "Driver (network_funcs:36)" },
  {
    input: "options",
    tf: "options",
    line: "network:48",
    change: "replace",
    computed: true,
    shape: "map",
    engine: "Options (network_funcs:39)",
  },
  { input: "internal", tf: "internal", line: "network:56", change: "replace", computed: true, engine: "Internal (network_funcs:42)" },
  { input: "attachable", tf: "attachable", line: "network:64", change: "replace", engine: "Attachable (network_funcs:45)" },
  { input: "ipv6", tf: "ipv6", line: "network:78", change: "replace", engine: "EnableIPv6 (network_funcs:51)" },
  {
    input: "ipamDriver",
    tf: "ipam_driver",
    line: "network:85",
    change: "replace",
    default: "default",
    engine: "IPAM.Driver (network_funcs:58)",
  },
];

export const VOLUME_ATTRS: readonly Attr[] = [
  { input: "name", tf: "name", line: "volume:41", change: "replace", computed: true, engine: "VolumeCreate Name (volume:174)" },
  {
    input: "labels",
    tf: "labels",
    line: "volume:48",
    change: "replace",
    shape: "set",
    fields: ["label", "value"],
    engine: "Labels (volume:177); read back (volume:309)",
  },
  { input: "driver", tf: "driver", line: "volume:55", change: "replace", computed: true, engine: "Driver (volume:180)" },
  { input: "driverOpts", tf: "driver_opts", line: "volume:62", change: "replace", shape: "map", engine: "DriverOpts (volume:183)" },
];

export const REMOTE_IMAGE_ATTRS: readonly Attr[] = [
  {
    input: "name",
    tf: "name",
    line: "image:36",
    change: "replace",
    engine: "ImageInspect(name); pull when absent (image_funcs:343-378); imageId = the image's Id (image_funcs:129)",
  },
  {
    input: "keepLocally",
    tf: "keep_locally",
    line: "image:55",
    change: "update",
    engine: "delete leaves the image when true (image_funcs:190)",
  },
  { input: "forceRemove", tf: "force_remove", line: "image:70", change: "update", engine: "ImageRemove Force (image_funcs:210)" },
  {
    input: "pullTriggers",
    tf: "pull_triggers",
    line: "image:61",
    change: "replace",
    shape: "set",
    engine: "a change replaces the image resource",
  },
  { input: "triggers", tf: "triggers", line: "image:84", change: "replace", shape: "map", engine: "a change replaces the image resource" },
  { input: "platform", tf: "platform", line: "image:90", change: "replace", default: "", engine: "pull platform" },
];

/** The provider resource: the harness always talks to the test engine instead. */
export const PROVIDER_INPUTS: Readonly<Record<string, string>> = {
  host: "replaced by the test engine (private dockerd or DOCKER_HOST)",
  version: "ignored (SDK bookkeeping)",
};

export class UnmappedInputError extends Error {}

const isObject = (v: unknown): v is Record<string, unknown> => v !== null && typeof v === "object" && !Array.isArray(v);

/** Every input (and every key inside list/set/block elements) must be in the table. */
export function checkMapped(
  resource: string,
  attrs: readonly Attr[],
  inputs: Record<string, unknown>,
  ignore: readonly string[] = ["__defaults"],
): void {
  const byInput = new Map(attrs.map((a) => [a.input, a]));
  const problems: string[] = [];
  for (const [key, value] of Object.entries(inputs)) {
    if (ignore.includes(key) || value === undefined || value === null) continue;
    const attr = byInput.get(key);
    if (!attr) {
      problems.push(`${key} (not in the mapping table)`);
      continue;
    }
    if (!attr.fields) continue;
    const elements = Array.isArray(value) ? value : [value];
    for (const el of elements) {
      if (!isObject(el)) continue;
      for (const [k, v] of Object.entries(el)) {
        if (v === undefined || v === null) continue;
        if (!attr.fields.includes(k)) {
          problems.push(`${key}.${k}`);
          continue;
        }
        if (isObject(v))
          for (const kk of Object.keys(v))
            if (v[kk] !== undefined && !attr.fields.includes(`${k}.${kk}`)) problems.push(`${key}.${k}.${kk}`);
      }
    }
  }
  if (problems.length) {
    throw new UnmappedInputError(
      `${resource}: inputs the docker-tier harness does not map (see harness/docker/providerMapping.ts): ${problems.join(", ")}`,
    );
  }
}

// --- value comparison, as the provider's SDKv2 schema compares them -------------------------------

function canonical(v: unknown): string {
  if (Array.isArray(v)) return `[${v.map(canonical).join(",")}]`;
  if (isObject(v)) {
    return `{${Object.keys(v)
      .filter((k) => v[k] !== undefined && v[k] !== null)
      .sort()
      .map((k) => `${JSON.stringify(k)}:${canonical(v[k])}`)
      .join(",")}}`;
  }
  return JSON.stringify(v);
}

const isZero = (v: unknown) =>
  v === undefined ||
  v === null ||
  v === "" ||
  v === 0 ||
  v === false ||
  (Array.isArray(v) && v.length === 0) ||
  (isObject(v) && Object.keys(v).every((k) => v[k] === undefined || v[k] === null));

/** A port as the schema stores it: ip defaults to 0.0.0.0 (StateFunc), protocol to tcp. */
function normPort(p: Record<string, unknown>): Record<string, unknown> {
  return { internal: p.internal, external: p.external, ip: p.ip ? p.ip : "0.0.0.0", protocol: p.protocol ?? "tcp" };
}

/** suppressIfPortsDidNotChangeForMigrationV0ToV1 (c:1195-1240): same ports by internal port, in any order. */
function portsEqual(a: unknown, b: unknown): boolean {
  const la = ((a as Record<string, unknown>[]) ?? []).map(normPort);
  const lb = ((b as Record<string, unknown>[]) ?? []).map(normPort);
  if (la.length !== lb.length) return false;
  const key = (p: Record<string, unknown>) => canonical(p);
  const sa = la.map(key).sort();
  const sb = lb.map(key).sort();
  return sa.every((k, i) => k === sb[i]);
}

/** An element as the schema stores it: field defaults filled in, zero values dropped (SDKv2 does not tell them from unset). */
function normElement(attr: Attr, v: unknown): unknown {
  if (!isObject(v)) return v;
  const filled: Record<string, unknown> = {
    ...(attr.fieldDefaults ?? {}),
    ...Object.fromEntries(Object.entries(v).filter(([, x]) => x !== undefined && x !== null)),
  };
  return Object.fromEntries(Object.entries(filled).filter(([, x]) => !isZero(x)));
}

function valuesEqual(attr: Attr, oldV: unknown, newV: unknown): boolean {
  if (attr.shape === "ports") return portsEqual(oldV, newV);
  if (isZero(oldV) && isZero(newV)) return true;
  if (attr.shape === "block" || attr.shape === "set" || attr.shape === "list") {
    const norm = (x: unknown) => (Array.isArray(x) ? x.map((e) => normElement(attr, e)) : normElement(attr, x));
    oldV = norm(oldV);
    newV = norm(newV);
  }
  if (attr.shape === "set" && Array.isArray(oldV) && Array.isArray(newV)) {
    const sa = oldV.map(canonical).sort();
    const sb = newV.map(canonical).sort();
    return sa.length === sb.length && sa.every((k, i) => k === sb[i]);
  }
  return canonical(oldV) === canonical(newV);
}

export interface AttrDiff {
  readonly input: string;
  readonly change: Change;
  readonly old: unknown;
  readonly new: unknown;
}

export interface DiffOptions {
  readonly ignoreChanges?: readonly string[];
  readonly replaceOnChanges?: readonly string[];
}

/** The configured value with the schema default in place of an absent one. */
export function withDefault(attr: Attr, value: unknown): unknown {
  return value === undefined || value === null ? attr.default : value;
}

/**
 * The diff SDKv2 plans between the prior state (what the provider stored, with read-back values)
 * and the new configuration, attribute by attribute.
 */
export function diffAttrs(
  attrs: readonly Attr[],
  oldState: Record<string, unknown>,
  newInputs: Record<string, unknown>,
  opts: DiffOptions = {},
): AttrDiff[] {
  const out: AttrDiff[] = [];
  for (const attr of attrs) {
    if (opts.ignoreChanges?.includes(attr.input)) continue;
    const raw = newInputs[attr.input];
    if ((raw === undefined || raw === null) && attr.computed) continue;
    let newV = withDefault(attr, raw);
    const oldV = oldState[attr.input];
    if (attr.emptyMeansUnchanged && (newV === "" || newV === undefined)) newV = oldV;
    if (valuesEqual(attr, oldV, newV)) continue;
    const forced = opts.replaceOnChanges?.includes(attr.input) || opts.replaceOnChanges?.includes("*");
    out.push({ input: attr.input, change: forced ? "replace" : attr.change, old: oldV, new: newV });
  }
  return out;
}

// --- Go formatting the provider's Read uses ------------------------------------------------------

/** time.ParseDuration for the units the schema accepts (ms|s|m|h, also us/ns), in nanoseconds. */
export function parseGoDuration(s: string): number {
  if (s === "0" || s === "") return 0;
  const re = /(\d+(?:\.\d+)?)(ns|us|µs|ms|s|m|h)/g;
  let total = 0;
  let seen = "";
  for (let m = re.exec(s); m; m = re.exec(s)) {
    seen += m[0];
    const n = Number(m[1]);
    const unit = { ns: 1, us: 1e3, µs: 1e3, ms: 1e6, s: 1e9, m: 60e9, h: 3600e9 }[m[2]]!;
    total += n * unit;
  }
  if (seen !== s) throw new Error(`not a Go duration: ${s}`);
  return Math.round(total);
}

/** time.Duration.String(): 15s, 1m30s, 2m0s, 500ms, 0s. */
export function formatGoDuration(ns: number): string {
  if (ns === 0) return "0s";
  if (ns < 1e9) {
    if (ns % 1e6 === 0) return `${ns / 1e6}ms`;
    if (ns % 1e3 === 0) return `${ns / 1e3}µs`;
    return `${ns}ns`;
  }
  const h = Math.floor(ns / 3600e9);
  const m = Math.floor((ns % 3600e9) / 60e9);
  const s = (ns % 60e9) / 1e9;
  const sec = `${Number.isInteger(s) ? s : Number(s.toFixed(9))}s`;
  if (h) return `${h}h${m}m${sec}`;
  if (m) return `${m}m${sec}`;
  return sec;
}

// --- inputs → Engine API -------------------------------------------------------------------------

export interface UploadSpec {
  readonly file: string;
  readonly content: Buffer;
  readonly mode: number;
}

export interface ContainerCreateSpec {
  readonly name: string;
  readonly body: Record<string, unknown>;
  readonly networks: { readonly name: string; readonly aliases?: string[]; readonly ipv4Address?: string; readonly ipv6Address?: string }[];
  readonly uploads: UploadSpec[];
  readonly start: boolean;
  readonly wait: boolean;
  readonly waitTimeoutS: number;
  readonly attach: boolean;
  readonly logs: boolean;
  readonly mustRun: boolean;
}

/** A list input; anything else but absent is refused, so a value the harness cannot read is never dropped. */
const list = <T>(v: unknown): T[] => {
  if (v === undefined || v === null) return [];
  if (!Array.isArray(v)) throw new UnmappedInputError(`expected a list, got ${JSON.stringify(v).slice(0, 120)}`);
  return v as T[];
};
const MiB = 1024 * 1024;

/** resourceDockerContainerCreate (f:43-675) as an Engine API request. */
export function containerCreateSpec(inputs: Record<string, any>): ContainerCreateSpec {
  checkMapped(`docker.Container ${inputs.name}`, CONTAINER_ATTRS, inputs);
  const config: Record<string, unknown> = {
    Image: inputs.image,
    Hostname: inputs.hostname ?? "",
    Domainname: inputs.domainname ?? "",
    Tty: inputs.tty ?? false,
    OpenStdin: inputs.stdinOpen ?? false,
    StopSignal: inputs.stopSignal ?? "",
  };
  if (inputs.stopTimeout !== undefined && inputs.stopTimeout !== 0) config.StopTimeout = inputs.stopTimeout;
  if (list(inputs.envs).length) config.Env = list<string>(inputs.envs);
  if (list(inputs.command).length) {
    if (list<string>(inputs.command).some((c) => c === "")) throw new Error("values for command may not be empty");
    config.Cmd = list<string>(inputs.command);
  }
  if (list(inputs.entrypoints).length) config.Entrypoint = list<string>(inputs.entrypoints);
  if (inputs.user) config.User = inputs.user;
  const exposed: Record<string, object> = {};
  const bindings: Record<string, { HostIp?: string; HostPort?: string }[]> = {};
  for (const p of list<Record<string, any>>(inputs.ports)) {
    const key = `${p.internal}/${p.protocol ?? "tcp"}`;
    exposed[key] = {};
    (bindings[key] ??= []).push({ HostIp: p.ip ?? "0.0.0.0", HostPort: p.external === undefined ? "" : String(p.external) });
  }
  if (Object.keys(exposed).length) config.ExposedPorts = exposed;
  if (inputs.workingDir) config.WorkingDir = inputs.workingDir;
  const binds: string[] = [];
  const volumesFrom: string[] = [];
  const anon: Record<string, object> = {};
  for (const v of list<Record<string, any>>(inputs.volumes)) {
    const source = v.hostPath || v.volumeName || "";
    if (!v.fromContainer && !v.containerPath)
      throw new Error("Unable to parse volumes: volume entry without container path or source container");
    if (v.fromContainer && v.containerPath)
      throw new Error("Unable to parse volumes: both a container and a path specified in a volume entry");
    if (v.fromContainer) volumesFrom.push(v.fromContainer);
    else {
      anon[v.containerPath] = {};
      if (source) binds.push(`${source}:${v.containerPath}:${v.readOnly ? "ro" : "rw"}`);
    }
  }
  if (Object.keys(anon).length) config.Volumes = anon;
  if (list(inputs.labels).length)
    config.Labels = Object.fromEntries(list<{ label: string; value: string }>(inputs.labels).map((l) => [l.label, l.value]));
  if (inputs.healthcheck) {
    const h = inputs.healthcheck as Record<string, any>;
    config.Healthcheck = {
      Test: list<string>(h.tests),
      Interval: parseGoDuration(h.interval ?? "0s"),
      Timeout: parseGoDuration(h.timeout ?? "0s"),
      StartPeriod: parseGoDuration(h.startPeriod ?? "0s"),
      StartInterval: parseGoDuration(h.startInterval ?? "0s"),
      Retries: h.retries ?? 0,
    };
  }
  const mounts = list<Record<string, any>>(inputs.mounts).map((m) => {
    const out: Record<string, unknown> = { Type: m.type, Target: m.target, Source: m.source ?? "", ReadOnly: m.readOnly ?? false };
    if (m.type === "bind" && m.bindOptions) out.BindOptions = { Propagation: m.bindOptions.propagation ?? "" };
    if (m.type === "volume" && m.volumeOptions) out.VolumeOptions = { NoCopy: m.volumeOptions.noCopy ?? false };
    if (m.type === "tmpfs" && m.tmpfsOptions)
      out.TmpfsOptions = { SizeBytes: m.tmpfsOptions.sizeBytes ?? 0, Mode: m.tmpfsOptions.mode ?? 0 };
    return out;
  });
  const host: Record<string, unknown> = {
    Privileged: inputs.privileged ?? false,
    PublishAllPorts: inputs.publishAllPorts ?? false,
    RestartPolicy: { Name: inputs.restart ?? "no", MaximumRetryCount: inputs.maxRetryCount ?? 0 },
    Mounts: mounts,
    AutoRemove: inputs.rm ?? false,
    ReadonlyRootfs: inputs.readOnly ?? false,
    LogConfig: { Type: inputs.logDriver ?? "", ...(inputs.logOpts ? { Config: inputs.logOpts } : {}) },
    NetworkMode: inputs.networkMode ?? "bridge",
    Init: inputs.init ?? false,
  };
  if (inputs.tmpfs) host.Tmpfs = inputs.tmpfs;
  if (Object.keys(bindings).length) host.PortBindings = bindings;
  if (list(inputs.hosts).length) host.ExtraHosts = list<{ host: string; ip: string }>(inputs.hosts).map((h) => `${h.host}:${h.ip}`);
  if (binds.length) host.Binds = binds;
  if (volumesFrom.length) host.VolumesFrom = volumesFrom;
  if (inputs.capabilities) {
    host.CapAdd = list(inputs.capabilities.adds);
    host.CapDrop = list(inputs.capabilities.drops);
  }
  if (list(inputs.securityOpts).length) host.SecurityOpt = list(inputs.securityOpts);
  if (list(inputs.dns).length) host.Dns = list(inputs.dns);
  if (list(inputs.dnsOpts).length) host.DnsOptions = list(inputs.dnsOpts);
  if (list(inputs.dnsSearches).length) host.DnsSearch = list(inputs.dnsSearches);
  if (inputs.memory) host.Memory = inputs.memory * MiB;
  if (inputs.memoryReservation) host.MemoryReservation = inputs.memoryReservation * MiB;
  if (inputs.memorySwap) host.MemorySwap = inputs.memorySwap > 0 ? inputs.memorySwap * MiB : inputs.memorySwap;
  if (inputs.shmSize) host.ShmSize = inputs.shmSize * MiB;
  if (inputs.cpuShares) host.CpuShares = inputs.cpuShares;
  if (inputs.cpuSet) host.CpusetCpus = inputs.cpuSet;
  if (inputs.pidMode) host.PidMode = inputs.pidMode;
  if (inputs.sysctls) host.Sysctls = inputs.sysctls;
  if (inputs.ipcMode) host.IpcMode = inputs.ipcMode;
  if (list(inputs.groupAdds).length) host.GroupAdd = list(inputs.groupAdds);

  const uploads = list<Record<string, any>>(inputs.uploads).map((u) => {
    const given = [u.content, u.contentBase64, u.source].filter((x) => x !== undefined && x !== "").length;
    if (given === 0) throw new Error("error with upload content: one of 'content', 'content_base64', or 'source' must be set");
    if (given > 1) throw new Error("error with upload content: only one of 'content', 'content_base64', or 'source' can be set");
    const content =
      u.content !== undefined && u.content !== ""
        ? Buffer.from(u.content, "utf8")
        : u.contentBase64
          ? Buffer.from(u.contentBase64, "base64")
          : require("fs").readFileSync(u.source);
    const mode = u.permissions ? parseInt(u.permissions, 8) : u.executable ? 0o744 : 0o644;
    return { file: u.file as string, content, mode };
  });

  return {
    name: inputs.name,
    body: { ...config, HostConfig: host, NetworkingConfig: {} },
    networks: list<Record<string, any>>(inputs.networksAdvanced).map((n) => ({
      name: n.name,
      aliases: n.aliases,
      ipv4Address: n.ipv4Address,
      ipv6Address: n.ipv6Address,
    })),
    uploads,
    start: inputs.start ?? true,
    wait: inputs.wait ?? false,
    waitTimeoutS: inputs.waitTimeout ?? 60,
    attach: inputs.attach ?? false,
    logs: inputs.logs ?? false,
    mustRun: inputs.mustRun ?? true,
  };
}

/** What resourceDockerContainerRead (f:750-981) writes into the state, from ContainerInspect. */
export function containerReadBack(inputs: Record<string, any>, inspect: any): Record<string, unknown> {
  const hc = inspect.HostConfig ?? {};
  const cfg = inspect.Config ?? {};
  const st = inspect.State ?? {};
  const out: Record<string, unknown> = {};
  const mustRun = inputs.mustRun ?? true;
  if ((st.Running || mustRun) && list(inputs.ports).length) {
    const ports: Record<string, unknown>[] = [];
    const map = (inspect.NetworkSettings?.Ports ?? {}) as Record<string, { HostIp: string; HostPort: string }[] | null>;
    for (const key of Object.keys(map).sort()) {
      const [internal, protocol] = key.split("/");
      for (const b of map[key] ?? []) ports.push({ internal: Number(internal), external: Number(b.HostPort), ip: b.HostIp, protocol });
    }
    out.ports = ports;
  }
  if (!st.Running) {
    out.exitCode = st.ExitCode;
    if (mustRun) out.mustRun = false;
  }
  out.name = String(inspect.Name ?? "").replace(/^\/+/, "");
  out.rm = hc.AutoRemove ?? false;
  out.readOnly = hc.ReadonlyRootfs ?? false;
  out.image = String(inputs.image ?? "").startsWith("sha256:") ? inspect.Image : cfg.Image;
  out.hostname = cfg.Hostname;
  out.domainname = cfg.Domainname;
  out.command = cfg.Cmd ?? undefined;
  out.entrypoints = cfg.Entrypoint ?? undefined;
  out.user = cfg.User;
  out.publishAllPorts = hc.PublishAllPorts ?? false;
  out.restart = hc.RestartPolicy?.Name;
  out.maxRetryCount = hc.RestartPolicy?.MaximumRetryCount ?? 0;
  out.init = hc.Init ?? false;
  out.workingDir = cfg.WorkingDir;
  out.privileged = hc.Privileged ?? false;
  out.securityOpts = hc.SecurityOpt ?? [];
  if ((hc.CapAdd ?? []).length || (hc.CapDrop ?? []).length) out.capabilities = { adds: hc.CapAdd ?? [], drops: hc.CapDrop ?? [] };
  out.memory = Math.trunc((hc.Memory ?? 0) / MiB);
  out.memoryReservation = hc.MemoryReservation > 0 ? Math.trunc(hc.MemoryReservation / MiB) : (hc.MemoryReservation ?? 0);
  out.memorySwap = hc.MemorySwap > 0 ? Math.trunc(hc.MemorySwap / MiB) : (hc.MemorySwap ?? 0);
  out.shmSize = Math.trunc((hc.ShmSize ?? 0) / MiB);
  out.cpuShares = hc.CpuShares ?? 0;
  out.cpuSet = hc.CpusetCpus ?? "";
  out.logDriver = hc.LogConfig?.Type;
  out.logOpts = inputs.logOpts ? (hc.LogConfig?.Config ?? {}) : undefined;
  out.networkMode = hc.NetworkMode;
  if (inputs.pidMode) out.pidMode = hc.PidMode;
  if (cfg.Healthcheck) {
    const h = cfg.Healthcheck;
    out.healthcheck = {
      tests: h.Test ?? [],
      interval: formatGoDuration(h.Interval ?? 0),
      timeout: formatGoDuration(h.Timeout ?? 0),
      startPeriod: formatGoDuration(h.StartPeriod ?? 0),
      startInterval: formatGoDuration(h.StartInterval ?? 0),
      retries: h.Retries ?? 0,
    };
  }
  out.mounts = (hc.Mounts ?? []).map((m: any) => ({
    target: m.Target,
    source: m.Source,
    type: m.Type,
    readOnly: m.ReadOnly ?? false,
    ...(m.BindOptions ? { bindOptions: { propagation: m.BindOptions.Propagation } } : {}),
  }));
  out.hosts = (hc.ExtraHosts ?? []).map((h: string) => {
    const i = h.indexOf(":");
    return { host: h.slice(0, i), ip: h.slice(i + 1) };
  });
  out.tty = cfg.Tty ?? false;
  out.stdinOpen = cfg.OpenStdin ?? false;
  out.stopSignal = cfg.StopSignal ?? "";
  out.stopTimeout = cfg.StopTimeout ?? 0;
  out.ipcMode = hc.IpcMode;
  return out;
}

import { z } from "zod";
import { GO_DURATION, PROMETHEUS_DURATION } from "./durations";
import { durationField, hostAndPortField, ipv4Field } from "./fields";
import { setting } from "./settingDocs";
import { hideUrlPassword, isHttpUrl } from "./sharedValidators";

/**
 * The scale-out settings of issue 15, each opt-in per stack: remote_write to long-term stores,
 * Alertmanager clustering across hosts, and Loki and Tempo on S3-compatible object storage.
 * config/schema.ts owns the stack's one schema and hands these keys here for their checks and
 * defaults, so every rule about them lives in one place. Durations, addresses and URLs are built
 * from config/fields.ts, which config/schema.ts uses too.
 */

/**
 * The first (and, on the filesystem, only) period of Loki's schema: a bucket's period must start
 * after it (checked here), and generators/objectStorage.ts writes both periods.
 */
export const LOKI_FILESYSTEM_PERIOD_START = "2024-01-01";

const absoluteUrl = z.string().refine(isHttpUrl, {
  message: "expected an absolute URL with its scheme, such as https://mimir.example.com/api/v1/push",
});
const hostAndPort = hostAndPortField("expected host:port with the port, such as 10.0.0.6:9094");
const ipv4 = ipv4Field("10.0.0.5");
const count = (max: number) => z.number().int().min(1).max(max);

/** A store's name: Prometheus's `remote_name` label on the queue metrics and part of a file name. */
const storeName = z
  .string()
  .regex(/^[a-z][a-z0-9-]{0,30}$/, { message: "expected a short name of lower-case letters, digits and dashes, such as mimir" });

const BUCKET_FORM = "expected an S3 bucket name (3-63 lower-case letters, digits, dots, dashes)";
/**
 * AWS's naming rules for general purpose buckets (docs.aws.amazon.com/AmazonS3/latest/userguide/
 * bucketnamingrules.html), which MinIO and Ceph follow: a name S3 refuses cannot be created, and
 * Loki or Tempo fail on their first write.
 */
function bucketProblem(name: string): string | undefined {
  if (!/^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$/.test(name)) return BUCKET_FORM;
  if (name.includes("..")) return "expected an S3 bucket name without two dots in a row";
  if (/^\d+\.\d+\.\d+\.\d+$/.test(name)) return "expected an S3 bucket name that is not shaped like an IP address";
  const prefix = ["xn--", "sthree-", "amzn-s3-demo-"].find((p) => name.startsWith(p));
  if (prefix) return `expected an S3 bucket name not starting with ${prefix} (reserved by S3)`;
  const suffix = ["-s3alias", "--ol-s3", ".mrap", "--x-s3", "--table-s3"].find((p) => name.endsWith(p));
  if (suffix) return `expected an S3 bucket name not ending with ${suffix} (reserved by S3)`;
  return undefined;
}
const bucketName = z.string().superRefine((v, ctx) => {
  const problem = bucketProblem(v);
  if (problem) ctx.addIssue({ code: "custom", message: problem });
});

/**
 * A remote_write header value: Go's HTTP client refuses control characters other than tab, and a
 * CR or LF would end the header early.
 */
const headerValue = z
  .string()
  .min(1)
  .refine((v) => !/[\u0000-\u0008\u000a-\u001f\u007f]/.test(v), {
    message: "expected a header value without control characters (CR or LF would split the request)",
  });

/**
 * The shortest batch deadline: below a second a shard sends a request for every few samples at
 * this stack's volume (and 0 makes Prometheus send each sample on its own).
 */
export const BATCH_DEADLINE_FLOOR = "1s";

export const remoteWriteSchema = z
  .object({
    // Local TSDB retention while remote_write is on (instead of retention.prometheus).
    localRetention: durationField(PROMETHEUS_DURATION).optional(),
    stores: z
      .array(
        z
          .object({
            name: storeName,
            url: absoluteUrl,
            auth: z
              .object({
                type: z.enum(["basic", "bearer"], { message: "expected basic or bearer" }),
                username: z.string().min(1).optional(),
              })
              .strict()
              .optional(),
            headers: z.record(z.string().regex(/^[A-Za-z0-9-]+$/, { message: "expected an HTTP header name" }), headerValue).optional(),
            queue: z
              .object({
                capacity: count(1_000_000),
                maxShards: count(200),
                maxSamplesPerSend: count(100_000),
                batchSendDeadline: durationField(PROMETHEUS_DURATION, {
                  min: { value: BATCH_DEADLINE_FLOOR, why: "shorter sends a request for every few samples" },
                }),
              })
              .partial()
              .strict()
              .optional(),
            dropMetrics: z.array(z.string().min(1)).optional(),
            queryUrl: absoluteUrl.optional(),
          })
          .strict(),
      )
      .min(1, { message: "expected at least one store" }),
  })
  .strict();

/**
 * Store name → basic-auth password or bearer token; one Pulumi secret holding a JSON map
 * (`pulumi config set --secret remoteWriteCredentials '{"mimir": "..."}'`). Not one `--path`
 * secret per store: the stack file would then hold a plain object with encrypted leaves, which
 * the commands that read stack files without Pulumi (obs render, check, doctor) cannot leave out.
 */
export const remoteWriteCredentialsSchema = z.record(z.string(), z.string().min(1, { message: "expected the password or token" }));

export const alertmanagerClusterSchema = z
  .object({
    listenAddress: ipv4,
    port: z.number().int().min(1).max(65535).optional(),
    advertiseAddress: hostAndPort.optional(),
    // A flag of Alertmanager's (kingpin): Go's grammar, no d.
    peerTimeout: durationField(GO_DURATION).optional(),
    peers: z.array(z.object({ gossip: hostAndPort, api: hostAndPort }).strict()).min(1, { message: "expected at least one peer" }),
  })
  .strict();

export const objectStorageSchema = z
  .object({
    endpoint: absoluteUrl,
    region: z
      .string()
      .regex(/^[a-z0-9-]+$/, { message: "expected a region such as eu-central-1 (S3-compatible stores take any, e.g. us-east-1)" }),
    accessKeyId: z.string().regex(/^[A-Za-z0-9+/=._-]+$/, { message: "expected an access key id" }),
    forcePathStyle: z.boolean().optional(),
    loki: z
      .object({
        bucket: bucketName,
        since: z
          .string()
          .regex(/^\d{4}-\d{2}-\d{2}$/, { message: "expected a date YYYY-MM-DD" })
          .optional(),
      })
      .strict()
      .optional(),
    tempo: z.object({ bucket: bucketName }).strict().optional(),
  })
  .strict();

export const objectStorageSecretKeySchema = z.string().min(1, { message: "expected the secret access key" });

const SCALE_PATH = "see docs/scale.md";

export const SCALE_RAW_SHAPE = {
  remoteWrite: setting(
    remoteWriteSchema.optional(),
    { title: "long-term stores Prometheus remote-writes to", description: SCALE_PATH },
    { default: "none" },
  ),
  remoteWriteCredentials: setting(
    remoteWriteCredentialsSchema.optional(),
    {
      title: "password or token of each remoteWrite store with auth, as one JSON map",
      description: `\`pulumi config set --secret remoteWriteCredentials '{"<store>": "..."}'\`: every store's in one map, not one \`--path\` secret per store, so commands that read stack files without Pulumi can leave it out`,
    },
    { default: "none", each: "<store>" },
  ),
  alertmanagerCluster: setting(
    alertmanagerClusterSchema.optional(),
    { title: "gossip with Alertmanagers on other hosts (high availability)", description: SCALE_PATH },
    { default: "none" },
  ),
  objectStorage: setting(
    objectStorageSchema.optional(),
    { title: "Loki and/or Tempo on an S3-compatible bucket", description: SCALE_PATH },
    { default: "none" },
  ),
  objectStorageSecretKey: setting(
    objectStorageSecretKeySchema.optional(),
    { title: "the secret access key of objectStorage", description: "needed with `objectStorage`" },
    { default: "none" },
  ),
};

/** The secrets these settings bring (`pulumi config set --secret`). */
export const SCALE_SECRET_KEYS = ["remoteWriteCredentials", "objectStorageSecretKey"] as const;

type RawRemoteWrite = z.infer<typeof remoteWriteSchema>;
type RawCluster = z.infer<typeof alertmanagerClusterSchema>;
type RawObjectStorage = z.infer<typeof objectStorageSchema>;

export interface ScaleRaw {
  readonly remoteWrite?: RawRemoteWrite;
  readonly remoteWriteCredentials?: Record<string, string>;
  readonly alertmanagerCluster?: RawCluster;
  readonly objectStorage?: RawObjectStorage;
  readonly objectStorageSecretKey?: string;
  readonly retention?: { readonly prometheus?: string };
}

export interface RemoteWriteQueue {
  readonly capacity: number;
  readonly maxShards: number;
  readonly maxSamplesPerSend: number;
  readonly batchSendDeadline: string;
}

export interface RemoteWriteStore {
  readonly name: string;
  readonly url: string;
  /** The password or token is not here: it reaches Prometheus as a secret file (generators/remoteWrite.ts). */
  readonly auth: { readonly type: "basic"; readonly username: string } | { readonly type: "bearer" } | undefined;
  /** Plain headers, e.g. Mimir's tenant (X-Scope-OrgID); never credentials. */
  readonly headers: Readonly<Record<string, string>>;
  readonly queue: RemoteWriteQueue;
  /** Metric name regexes this store must not get, on top of ALWAYS_DROPPED_METRICS. */
  readonly dropMetrics: readonly string[];
  /** Where Grafana queries the store (the `longterm` datasource); its read path differs per store. */
  readonly queryUrl: string | undefined;
}

export interface RemoteWriteSettings {
  readonly stores: readonly RemoteWriteStore[];
  /** Set: Prometheus keeps only this much locally (it is the stack's retention.prometheus). */
  readonly localRetention: string | undefined;
}

export interface AlertmanagerClusterSettings {
  /** The host address gossip is published on (TCP and UDP) and, by default, advertised at. */
  readonly listenAddress: string;
  readonly port: number;
  /** host:port the peers dial; listenAddress:port unless behind NAT. */
  readonly advertiseAddress: string;
  /** Fixed, so cluster positions (who notifies first) survive restarts and read well in /api/v2/status. */
  readonly peerName: string;
  /** How long each later peer waits for the earlier ones' notification (Alertmanager's --cluster.peer-timeout). */
  readonly peerTimeout: string;
  readonly peers: readonly { readonly gossip: string; readonly api: string }[];
}

export interface ObjectStorageSettings {
  /** host[:port], as Loki's and Tempo's S3 clients take it; `insecure` says plain HTTP. */
  readonly endpoint: string;
  readonly insecure: boolean;
  readonly region: string;
  readonly accessKeyId: string;
  readonly forcePathStyle: boolean;
  /** `since`: the first day (UTC) Loki writes to the bucket; earlier days stay readable on the volume. */
  readonly loki: { readonly bucket: string; readonly since: string | undefined } | undefined;
  readonly tempo: { readonly bucket: string } | undefined;
}

/**
 * Sized for one host at 1–10k assignments a day (a few thousand active series, well under 1k
 * samples/s): one shard sends 2000 samples per request; 10 shards are ample headroom and, with
 * 10 000 samples buffered per shard, bound the memory a long outage of the store can take.
 */
export const QUEUE_DEFAULTS: RemoteWriteQueue = { capacity: 10_000, maxShards: 10, maxSamplesPerSend: 2000, batchSendDeadline: "5s" };

/** Alertmanager's own defaults: the gossip port and the wait between peers. */
export const CLUSTER_DEFAULTS = { port: 9094, peerTimeout: "15s" } as const;

/**
 * The shortest wait between peers allowed: a later peer checks the notification log after it, and
 * below a second the first peer's entry may not have crossed the network yet (duplicates; the live
 * test sees one at 1ms). Alertmanager itself refuses zero.
 */
export const PEER_TIMEOUT_FLOOR = "1s";

/** The gossip port inside Alertmanager's container; the host publishes it on the cluster address and port. */
export const ALERTMANAGER_GOSSIP_PORT = 9094;

/**
 * The shortest local retention allowed with remote_write: alerts always evaluate on the local
 * TSDB (the longest rule window is 6h, plus offsets), and a day keeps every dashboard's default
 * range answerable when the store is unreachable. A test keeps it above every rule's window.
 */
export const LOCAL_RETENTION_FLOOR = "24h";

/**
 * Headers Prometheus refuses in remote_write (config.reservedHeaders of the pinned release) and
 * Authorization, which must come from `auth` so its value stays a secret.
 */
const RESERVED_HEADERS = new Set(
  [
    "authorization",
    "host",
    "content-encoding",
    "content-length",
    "content-type",
    "user-agent",
    "connection",
    "keep-alive",
    "proxy-authenticate",
    "proxy-authorization",
    "www-authenticate",
    "accept-encoding",
    "x-prometheus-remote-write-version",
    "x-prometheus-remote-read-version",
    "x-amz-date",
    "x-amz-security-token",
    "x-amz-content-sha256",
  ].map((h) => h.toLowerCase()),
);

const isLoopback = (ip: string) => /^127\./.test(ip);
const quoted = (v: unknown) => JSON.stringify(v);

/** RE2 (Prometheus's regex engine) has no lookaround and no backreferences. */
function regexProblem(re: string): string | undefined {
  if (/\(\?[=!<]|\\[1-9]/.test(re)) return "lookaround and backreferences are not RE2 (Prometheus's regex engine)";
  try {
    new RegExp(`^(?:${re})$`);
    return undefined;
  } catch (e) {
    return (e as Error).message.replace(/^Invalid regular expression: /, "");
  }
}

export interface ScaleContext {
  readonly bindAddress: string;
  readonly hostPorts: Readonly<Record<string, number>>;
  readonly services: { readonly loki: boolean; readonly tempo: boolean; readonly grafana: boolean };
  readonly requireSecrets: boolean;
}

/** Every problem of the scale-out settings, each naming the key and the value (secrets hidden). */
export function scaleProblems(raw: ScaleRaw, ctx: ScaleContext): string[] {
  return [...remoteWriteProblems(raw, ctx), ...clusterProblems(raw.alertmanagerCluster, ctx), ...objectStorageProblems(raw, ctx)];
}

function urlWithoutCredentials(key: string, url: string): string[] {
  const u = new URL(url);
  return u.username || u.password
    ? [`${key}: credentials go in remoteWriteCredentials (a Pulumi secret), never in the URL, got ${quoted(hideUrlPassword(url))}`]
    : [];
}

function remoteWriteProblems(raw: ScaleRaw, ctx: ScaleContext): string[] {
  const problems: string[] = [];
  const rw = raw.remoteWrite;
  const credentials = raw.remoteWriteCredentials ?? {};
  const stores = rw?.stores ?? [];
  const seen = new Set<string>();
  stores.forEach((s, i) => {
    const key = `remoteWrite.stores.${i}`;
    if (seen.has(s.name)) problems.push(`${key}.name: two stores are named ${quoted(s.name)}; names must differ`);
    seen.add(s.name);
    problems.push(...urlWithoutCredentials(`${key}.url`, s.url));
    if (s.queryUrl !== undefined) problems.push(...urlWithoutCredentials(`${key}.queryUrl`, s.queryUrl));
    if (s.auth?.type === "basic" && s.auth.username === undefined)
      problems.push(
        `${key}.auth.username: basic auth needs the user name (the password is the secret remoteWriteCredentials.${s.name}), got nothing`,
      );
    if (s.auth?.type === "bearer" && s.auth.username !== undefined)
      problems.push(`${key}.auth.username: a bearer token has no user name, got ${quoted(s.auth.username)}`);
    for (const header of Object.keys(s.headers ?? {})) {
      if (RESERVED_HEADERS.has(header.toLowerCase())) {
        problems.push(
          header.toLowerCase() === "authorization"
            ? `${key}.headers.${header}: credentials go in auth with remoteWriteCredentials.${s.name} (a Pulumi secret), never in a header`
            : `${key}.headers.${header}: Prometheus reserves this header for itself`,
        );
      }
    }
    const queue = { ...QUEUE_DEFAULTS, ...s.queue };
    if (queue.capacity < queue.maxSamplesPerSend) {
      problems.push(
        `${key}.queue.capacity: a shard must buffer at least one request (maxSamplesPerSend ${queue.maxSamplesPerSend}), got ${queue.capacity}`,
      );
    }
    (s.dropMetrics ?? []).forEach((re, j) => {
      const problem = regexProblem(re);
      if (problem) problems.push(`${key}.dropMetrics.${j}: ${problem}, got ${quoted(re)}`);
    });
    const secret = credentials[s.name];
    if (s.auth && secret === undefined && ctx.requireSecrets) {
      problems.push(
        `remoteWriteCredentials.${s.name}: store ${s.name} uses ${s.auth.type} auth; set its ${s.auth.type === "basic" ? "password" : "token"} in the secret map: \`pulumi config set --secret remoteWriteCredentials '{"${s.name}": "..."}'\` (every store's in one JSON object)`,
      );
    }
  });
  const withQuery = stores.filter((s) => s.queryUrl !== undefined);
  if (withQuery.length > 1)
    problems.push(
      `remoteWrite.stores: Grafana reads one long-term store, but ${withQuery.map((s) => s.name).join(" and ")} both set queryUrl`,
    );
  if (withQuery.length === 1 && !ctx.services.grafana)
    problems.push(`remoteWrite.stores: queryUrl of ${withQuery[0].name} is for Grafana, which is switched off (services.grafana: false)`);
  for (const name of Object.keys(credentials)) {
    const store = stores.find((s) => s.name === name);
    if (!store) problems.push(`remoteWriteCredentials.${name}: no remoteWrite store is named ${quoted(name)}`);
    else if (!store.auth)
      problems.push(`remoteWriteCredentials.${name}: store ${name} has no auth to use it; set remoteWrite auth or remove the credential`);
  }
  if (rw?.localRetention !== undefined) {
    if (raw.retention?.prometheus !== undefined) {
      problems.push(
        `remoteWrite.localRetention: retention.prometheus is set too (${quoted(raw.retention.prometheus)}); keep one, got ${quoted(rw.localRetention)}`,
      );
    }
    if (PROMETHEUS_DURATION.parse(rw.localRetention)! < PROMETHEUS_DURATION.parse(LOCAL_RETENTION_FLOOR)!) {
      problems.push(
        `remoteWrite.localRetention: alerts evaluate on the local TSDB, so keep at least ${LOCAL_RETENTION_FLOOR}, got ${quoted(rw.localRetention)}`,
      );
    }
  }
  return problems;
}

function clusterProblems(c: RawCluster | undefined, ctx: ScaleContext): string[] {
  if (!c) return [];
  const problems: string[] = [];
  const port = c.port ?? CLUSTER_DEFAULTS.port;
  const advertise = c.advertiseAddress ?? `${c.listenAddress}:${port}`;
  if (c.listenAddress === "0.0.0.0")
    problems.push(
      `alertmanagerCluster.listenAddress: gossip is published on one address, the one the peers reach (0.0.0.0 publishes it everywhere), got "0.0.0.0"`,
    );
  else if (isLoopback(c.listenAddress))
    problems.push(
      `alertmanagerCluster.listenAddress: peers on other hosts cannot reach a loopback address, got ${quoted(c.listenAddress)}`,
    );
  if (ctx.bindAddress !== "0.0.0.0" && isLoopback(ctx.bindAddress)) {
    problems.push(
      `bindAddress: the peers' Prometheus send alerts to this Alertmanager's published port, which a loopback bindAddress hides from them; set the address they reach, got ${quoted(ctx.bindAddress)}`,
    );
  }
  if (c.listenAddress === ctx.bindAddress || ctx.bindAddress === "0.0.0.0") {
    const clash = Object.entries(ctx.hostPorts).find(([, p]) => p === port);
    if (clash)
      problems.push(`alertmanagerCluster.port: hostPorts.${clash[0]} already publishes ${port} on ${ctx.bindAddress}, got ${port}`);
  }
  if (c.peerTimeout !== undefined && GO_DURATION.parse(c.peerTimeout)! < GO_DURATION.parse(PEER_TIMEOUT_FLOOR)!) {
    problems.push(
      `alertmanagerCluster.peerTimeout: a later peer must wait for the first one's notification to be gossiped, at least ${PEER_TIMEOUT_FLOOR}, got ${quoted(c.peerTimeout)}`,
    );
  }
  const gossip = new Set<string>();
  const apis = new Set<string>();
  c.peers.forEach((p, i) => {
    if (p.gossip === advertise)
      problems.push(`alertmanagerCluster.peers.${i}.gossip: that is this Alertmanager's own address, got ${quoted(p.gossip)}`);
    if (gossip.has(p.gossip)) problems.push(`alertmanagerCluster.peers.${i}.gossip: listed twice, got ${quoted(p.gossip)}`);
    if (apis.has(p.api)) problems.push(`alertmanagerCluster.peers.${i}.api: listed twice, got ${quoted(p.api)}`);
    gossip.add(p.gossip);
    apis.add(p.api);
  });
  return problems;
}

function objectStorageProblems(raw: ScaleRaw, ctx: ScaleContext): string[] {
  const problems: string[] = [];
  const o = raw.objectStorage;
  if (!o) {
    if (raw.objectStorageSecretKey !== undefined)
      problems.push("objectStorage: objectStorageSecretKey is set but objectStorage is not, got nothing");
    return problems;
  }
  const u = new URL(o.endpoint);
  if (u.username || u.password)
    problems.push(
      `objectStorage.endpoint: the keys are accessKeyId and the secret objectStorageSecretKey, never the URL, got ${quoted(hideUrlPassword(o.endpoint))}`,
    );
  if ((u.pathname !== "/" && u.pathname !== "") || u.search)
    problems.push(
      `objectStorage.endpoint: expected the store's scheme, host and port only (the bucket is a setting of its own), got ${quoted(o.endpoint)}`,
    );
  if (!o.loki && !o.tempo)
    problems.push(
      "objectStorage: name a bucket for loki, tempo or both (objectStorage.loki.bucket, objectStorage.tempo.bucket), got neither",
    );
  if (o.loki && !ctx.services.loki) problems.push(`objectStorage.loki: Loki is switched off (services.loki: false), got ${quoted(o.loki)}`);
  if (o.tempo && !ctx.services.tempo)
    problems.push(`objectStorage.tempo: Tempo is switched off (services.tempo: false), got ${quoted(o.tempo)}`);
  // Virtual-hosted style over TLS puts the bucket in the host name: a dotted one is not covered by the store's wildcard certificate.
  if (u.protocol === "https:" && !pathStyle(o, u)) {
    for (const [service, bucket] of [
      ["loki", o.loki?.bucket],
      ["tempo", o.tempo?.bucket],
    ] as const) {
      if (bucket?.includes("."))
        problems.push(
          `objectStorage.${service}.bucket: with virtual-hosted requests over https a dotted bucket fails TLS (*.${u.hostname} does not cover it); pick a name without dots or set forcePathStyle: true, got ${quoted(bucket)}`,
        );
    }
  }
  if (o.loki && o.tempo && o.loki.bucket === o.tempo.bucket)
    problems.push(
      `objectStorage.tempo.bucket: Loki and Tempo each lay out a bucket of their own; use two buckets, got ${quoted(o.tempo.bucket)} twice`,
    );
  if (o.loki?.since !== undefined) {
    const since = o.loki.since;
    const day = new Date(`${since}T00:00:00Z`);
    if (Number.isNaN(day.getTime()) || day.toISOString().slice(0, 10) !== since)
      problems.push(`objectStorage.loki.since: expected a calendar date, got ${quoted(since)}`);
    else if (since <= LOKI_FILESYSTEM_PERIOD_START) {
      problems.push(
        `objectStorage.loki.since: the filesystem period starts ${LOKI_FILESYSTEM_PERIOD_START}; the bucket's must start after it, got ${quoted(since)}`,
      );
    }
  }
  const secret = raw.objectStorageSecretKey;
  if (secret === undefined && ctx.requireSecrets)
    problems.push(
      "objectStorageSecretKey: objectStorage needs the secret access key; set it with `pulumi config set --secret objectStorageSecretKey ...`",
    );
  // It is substituted into a double-quoted YAML string by -config.expand-env: these would break out of it.
  if (secret !== undefined && /["\\\u0000-\u001f]/.test(secret))
    problems.push("objectStorageSecretKey: expected no quote, backslash or control character, got <secret>");
  return problems;
}

/** AWS serves buckets by virtual host; MinIO, Ceph and most S3-compatible stores need path style. */
function pathStyle(o: RawObjectStorage, endpoint: URL): boolean {
  return o.forcePathStyle ?? !/(^|\.)amazonaws\.com$/.test(endpoint.hostname);
}

/** The validated settings with their defaults; call only after scaleProblems found nothing. */
export function resolveScale(raw: ScaleRaw, stack: string) {
  const rw = raw.remoteWrite;
  const cluster = raw.alertmanagerCluster;
  const o = raw.objectStorage;
  const remoteWrite: RemoteWriteSettings | undefined = rw
    ? {
        localRetention: rw.localRetention,
        stores: rw.stores.map((s) => ({
          name: s.name,
          url: s.url,
          auth:
            s.auth === undefined
              ? undefined
              : s.auth.type === "basic"
                ? { type: "basic" as const, username: s.auth.username! }
                : { type: "bearer" as const },
          headers: s.headers ?? {},
          queue: { ...QUEUE_DEFAULTS, ...s.queue },
          dropMetrics: s.dropMetrics ?? [],
          queryUrl: s.queryUrl?.replace(/\/+$/, ""),
        })),
      }
    : undefined;
  const port = cluster?.port ?? CLUSTER_DEFAULTS.port;
  const alertmanagerCluster: AlertmanagerClusterSettings | undefined = cluster
    ? {
        listenAddress: cluster.listenAddress,
        port,
        advertiseAddress: cluster.advertiseAddress ?? `${cluster.listenAddress}:${port}`,
        peerName: stack,
        peerTimeout: cluster.peerTimeout ?? CLUSTER_DEFAULTS.peerTimeout,
        peers: cluster.peers.map((p) => ({ gossip: p.gossip, api: p.api })),
      }
    : undefined;
  let objectStorage: ObjectStorageSettings | undefined;
  if (o) {
    const u = new URL(o.endpoint);
    objectStorage = {
      endpoint: u.host,
      insecure: u.protocol === "http:",
      region: o.region,
      accessKeyId: o.accessKeyId,
      forcePathStyle: pathStyle(o, u),
      loki: o.loki ? { bucket: o.loki.bucket, since: o.loki.since } : undefined,
      tempo: o.tempo ? { bucket: o.tempo.bucket } : undefined,
    };
  }
  return {
    remoteWrite,
    remoteWriteCredentials: raw.remoteWriteCredentials ?? {},
    alertmanagerCluster,
    objectStorage,
    objectStorageSecretKey: raw.objectStorageSecretKey,
  };
}

import { z } from "zod";
import {
  DEFAULT_APP_COMPOSE_PROJECT,
  DEFAULT_APP_TARGETS,
  DEFAULT_HOST_PORTS,
  DEFAULT_IMAGES,
  DEFAULT_MEMORY_MB,
  DEFAULT_RETENTION,
  ENVIRONMENTS,
  Environment,
  PUBLISHED_PORT_KEYS,
  PublishedPortKey,
} from "./defaults";
import { SERVICE_NAMES, ServiceName } from "./services";
import { ALERT_NAMES, thresholdOf } from "../rules/catalog";
import { SCENARIO_NAMES, ScenarioName } from "../simulator/src/scenarios";
import { AlertmanagerClusterSettings, hideUrlPassword, ObjectStorageSettings, RemoteWriteSettings, resolveScale, SCALE_RAW_SHAPE, SCALE_SECRET_KEYS, scaleProblems } from "./scale";

/** Prometheus-style duration (15s, 5m, 72h, 15d, 1h30m). */
const DURATION = /^(\d+(ms|s|m|h|d|w|y))+$/;
const duration = (what: string) =>
  z.string().regex(DURATION, { message: `expected a duration such as 30s, 15m, 72h or 15d for ${what}` });

const hostPort = z
  .string()
  .regex(/^[A-Za-z0-9]([A-Za-z0-9_.-]*[A-Za-z0-9])?:\d{1,5}$/, {
    message: "expected host:port with a stable DNS name (for example backend:8000)",
  });

const httpUrl = z.string().refine((v) => /^https?:\/\/[^\s/]+/.test(v) && URL.canParse(v), {
  message: "expected an absolute http(s) URL",
}).refine((v) => !/\{\{|\}\}/.test(v), { message: "must not contain {{ or }} (alert annotations that carry it are Go templates)" });

const port = z.number().int().min(1).max(65535);

/**
 * A tag that moves: `latest` alone or as a word of the tag (latest-alpine, 3-latest). A digest
 * pins the image whatever its tag says.
 */
function floatingTag(image: string): boolean {
  if (image.includes("@")) return false;
  const name = image.slice(image.lastIndexOf("/") + 1);
  const tag = name.includes(":") ? name.slice(name.indexOf(":") + 1) : "";
  return tag.split(/[-._]/).includes("latest");
}

/** An image reference with an explicit tag or digest; `latest` is refused because it moves. */
const image = z
  .string()
  // A registry may carry a port (registry.local:5000/team/app:1.0); the tag or digest is still required.
  .refine((v) => /^([^\s/:@]+:\d+\/)?[^\s:@]+(:[\w][\w.-]{0,127})?(@sha256:[a-f0-9]{64})?$/.test(v) && /[:@]/.test(v.replace(/^[^/]*:\d+\//, "")), {
    message: "expected an image with an exact tag or digest (repository:tag)",
  })
  .refine((v) => !floatingTag(v), { message: "`latest` is not a version; pin an exact tag" });

const ipv4 = z.string().regex(/^(\d{1,3})\.(\d{1,3})\.(\d{1,3})\.(\d{1,3})$/, {
  message: "expected an IPv4 address such as 127.0.0.1",
});

const severity = z.enum(["critical", "warning", "info"]);

/** The log agents a stack can run: Promtail (SPEC's, end-of-life 2026-03-02) or Grafana Alloy. */
export const LOG_AGENTS = ["promtail", "alloy"] as const;
export type LogAgent = (typeof LOG_AGENTS)[number];

const telegramChatId = z.string().regex(/^-?\d+$|^@\w+$/, { message: "expected a numeric chat id or @channel" });
const threadId = z.number({ message: "expected a positive forum topic id" }).int({ message: "expected a positive forum topic id" }).positive({ message: "expected a positive forum topic id" });
/** Silence lengths offered as buttons: 1m to 90d, written like 1h, 4h, 24h, 1h30m. */
const silenceDuration = z.string().refine(
  (v) => {
    if (!/^(\d+[mhd])+$/.test(v)) return false;
    const minutes = [...v.matchAll(/(\d+)([mhd])/g)].reduce((n, [, k, u]) => n + Number(k) * ({ m: 1, h: 60, d: 1440 } as Record<string, number>)[u], 0);
    return minutes >= 1 && minutes <= 90 * 1440;
  },
  { message: "expected a duration from 1m to 90d such as 1h, 4h or 24h" },
);

const alertOverride = z
  .object({
    disabled: z.boolean().optional(),
    threshold: z.number().optional(),
    for: duration("for").optional(),
    severity: severity.optional(),
  })
  .strict();

const perService = <T extends z.ZodType>(value: T) =>
  z.object(Object.fromEntries(SERVICE_NAMES.map((s) => [s, value.optional()])) as Record<ServiceName, z.ZodOptional<T>>).strict();

const perPublishedPort = z
  .object(Object.fromEntries(PUBLISHED_PORT_KEYS.map((k) => [k, port.optional()])) as Record<PublishedPortKey, z.ZodOptional<typeof port>>)
  .strict();

/** The raw stack configuration, as written in Pulumi.<stack>.yaml (without the project prefix). */
export const rawConfigSchema = z
  .object({
    environment: z.enum(ENVIRONMENTS),
    dockerHost: z
      .string()
      .regex(/^(unix:\/\/\/\S+|ssh:\/\/\S+|tcp:\/\/\S+)$/, {
        message: "expected unix:///path/docker.sock, ssh://user@host or tcp://host:port",
      })
      .optional(),
    bindAddress: ipv4.optional(),
    hostPorts: perPublishedPort.optional(),
    // false switches a service off; the rest of the stack adapts (see SWITCHABLE below).
    services: perService(z.boolean()).optional(),
    registryAuth: z
      .object({
        address: z.string().regex(/^[A-Za-z0-9.-]+(:\d+)?$/, { message: "expected a registry host such as registry-1.docker.io or ghcr.io" }).optional(),
        username: z.string().min(1, { message: "expected the registry user name" }),
      })
      .strict()
      .optional(),
    registryPassword: z.string().min(1, { message: "expected the registry password or access token" }).optional(),
    images: perService(image).optional(),
    memoryMb: perService(z.number().int().min(32).max(65536)).optional(),
    retention: z
      .object({ prometheus: duration("retention.prometheus").optional(), loki: duration("retention.loki").optional(), tempo: duration("retention.tempo").optional() })
      .strict()
      .optional(),
    appTargets: z.object({ collector: hostPort.optional(), worker: hostPort.optional(), backend: hostPort.optional() }).strict().optional(),
    appComposeProject: z.string().regex(/^[a-z0-9][a-z0-9_-]*$/, { message: "expected a compose project name (lower-case letters, digits, - and _) such as tutordex-prod" }).optional(),
    appNetworks: z.array(z.string().regex(/^[A-Za-z0-9][A-Za-z0-9_.-]*$/, { message: "expected a Docker network name" })).optional(),
    publicProbes: z
      .object({
        host: z.string().regex(/^[A-Za-z0-9.-]+$/, { message: "expected a host name such as api.example.com" }).optional(),
        urls: z.array(httpUrl).min(1),
      })
      .strict()
      .optional(),
    telegram: z
      .object({
        chatId: z.union([telegramChatId, z.number().int()]).optional(),
        chatIdsBySeverity: z
          .object({ critical: telegramChatId.optional(), warning: telegramChatId.optional(), info: telegramChatId.optional() })
          .strict()
          .optional(),
        messageThreadId: threadId.optional(),
        // A forum topic exists in one chat only: each severity chat names its own.
        threadIdsBySeverity: z
          .object({ critical: threadId.optional(), warning: threadId.optional(), info: threadId.optional() })
          .strict()
          .optional(),
        prefix: z.string().max(64).optional(),
        apiBaseUrl: httpUrl.optional(),
        console: z
          .object({
            enabled: z.boolean().optional(),
            allowedUserIds: z.array(z.number({ message: "expected a numeric Telegram user id" }).int({ message: "expected a numeric Telegram user id" }).positive({ message: "expected a numeric Telegram user id" })).optional(),
            silenceDurations: z.array(silenceDuration).min(1, { message: "expected at least one duration" }).max(6, { message: "expected at most 6 durations" }).optional(),
          })
          .strict()
          .optional(),
        /** A graph of the alert's expression with firing messages (the bridge's README section says which). */
        graphs: z.boolean().optional(),
      })
      .strict()
      .optional(),
    telegramBotToken: z.string().regex(/^\d+:[A-Za-z0-9_-]{20,}$/, { message: "expected a bot token of the form 123456:ABC..." }).optional(),
    grafanaAdminUser: z.string().min(1).optional(),
    grafanaAdminPassword: z.string().min(12, { message: "expected at least 12 characters" }).optional(),
    grafanaExternalUrl: httpUrl.optional(),
    grafanaApiUrl: httpUrl.optional(),
    alertmanagerExternalUrl: httpUrl.optional(),
    nodeExporterTextfileDir: z.string().regex(/^\/[^\s]*$/, { message: "expected an absolute host path" }).optional(),
    runbookBaseUrl: httpUrl,
    heartbeatUrl: httpUrl.optional(),
    protectData: z.boolean().optional(),
    demoWorkload: z
      .object({ scenario: z.enum(SCENARIO_NAMES as [ScenarioName, ...ScenarioName[]], { message: `expected one of ${SCENARIO_NAMES.join(", ")}` }).optional() })
      .strict()
      .optional(),
    // Promtail is end-of-life (2026-03-02) and stays the default; Grafana Alloy is its successor.
    logAgent: z.enum(LOG_AGENTS, { message: "expected promtail or alloy" }).optional(),
    // Scrape (and so store) native histograms where targets expose them; classic buckets are kept too.
    nativeHistograms: z.boolean().optional(),
    alertOverrides: z.record(z.string(), alertOverride).optional(),
    // Beyond one host (config/scale.ts): remote_write, Alertmanager cluster, object storage.
    ...SCALE_RAW_SHAPE,
  })
  .strict();

export type RawConfig = z.infer<typeof rawConfigSchema>;

export interface AlertOverride {
  readonly disabled?: boolean;
  readonly threshold?: number;
  readonly for?: string;
  readonly severity?: "critical" | "warning" | "info";
}

/** Fully defaulted, validated configuration: what components and generators receive. */
export interface StackConfig {
  readonly stack: string;
  readonly environment: Environment;
  /** undefined: the provider uses DOCKER_HOST, else the local socket. */
  readonly dockerHost: string | undefined;
  readonly bindAddress: string;
  readonly hostPorts: Readonly<Record<PublishedPortKey, number>>;
  /** Which services run; a switched-off one has no container, scrape job, datasource or link. */
  readonly services: Readonly<Record<ServiceName, boolean>>;
  readonly registryAuth: { readonly address: string; readonly username: string; readonly password: string } | undefined;
  readonly images: Readonly<Record<ServiceName, string>>;
  readonly memoryMb: Readonly<Record<ServiceName, number>>;
  readonly retention: { readonly prometheus: string; readonly loki: string; readonly tempo: string };
  readonly appTargets: { readonly collector: string; readonly worker: string; readonly backend: string };
  /** The application's compose project: its containers are the ones this stack watches and ships logs of. */
  readonly appComposeProject: string;
  readonly appNetworks: readonly string[];
  readonly publicProbes: { readonly host: string; readonly urls: readonly string[] } | undefined;
  readonly telegram: {
    readonly chatId: string | undefined;
    readonly chatIdsBySeverity: { readonly critical?: string; readonly warning?: string; readonly info?: string };
    readonly messageThreadId: number | undefined;
    readonly threadIdsBySeverity: { readonly critical?: number; readonly warning?: number; readonly info?: number };
    readonly prefix: string;
    /** Bot API server; a self-hosted one (telegram-bot-api) or the test fake. */
    readonly apiBaseUrl: string;
    /** The on-call console in the chat (buttons, commands); off, the bridge only delivers. */
    readonly console: { readonly enabled: boolean; readonly allowedUserIds: readonly number[]; readonly silenceDurations: readonly string[] };
    /** Firing messages that qualify go as a photo of the expression's last hour; off, as text only. */
    readonly graphs: boolean;
  };
  readonly telegramBotToken: string | undefined;
  readonly grafanaAdminUser: string;
  readonly grafanaAdminPassword: string | undefined;
  readonly grafanaExternalUrl: string;
  /** Where `pulumi up` reaches Grafana's HTTP API; the stack's own published Grafana by default. */
  readonly grafanaApiUrl: string;
  readonly alertmanagerExternalUrl: string;
  readonly nodeExporterTextfileDir: string;
  readonly runbookBaseUrl: string;
  readonly heartbeatUrl: string | undefined;
  readonly protectData: boolean;
  /** The log agent that ships the containers' logs to Loki; the other one does not run. */
  readonly logAgent: LogAgent;
  /** Prometheus scrapes native histograms (and keeps the classic buckets beside them). */
  readonly nativeHistograms: boolean;
  /** The simulated TutorDex runs in the stack, under the application's default names. */
  readonly demoWorkload: { readonly scenario: ScenarioName } | undefined;
  readonly alertOverrides: Readonly<Record<string, AlertOverride>>;
  /** Long-term stores Prometheus remote-writes to; undefined: none. */
  readonly remoteWrite: RemoteWriteSettings | undefined;
  /** Store name → password or token (secret; only config/load.ts reads it). */
  readonly remoteWriteCredentials: Readonly<Record<string, string>>;
  /** Alertmanager gossips with its peers on other hosts; undefined: a single instance. */
  readonly alertmanagerCluster: AlertmanagerClusterSettings | undefined;
  /** Loki and/or Tempo on an S3-compatible bucket; undefined: on their volumes. */
  readonly objectStorage: ObjectStorageSettings | undefined;
  readonly objectStorageSecretKey: string | undefined;
}

/** Keys whose values must come from `pulumi config set --secret` in prod. */
export const SECRET_KEYS = ["telegramBotToken", "grafanaAdminPassword", "registryPassword", ...SCALE_SECRET_KEYS] as const;

/** Services a stack cannot run without: they are the alerting path itself. */
export const REQUIRED_SERVICES: readonly ServiceName[] = ["prometheus", "alertmanager", "telegramBridge"];

export class ConfigError extends Error {
  constructor(readonly problems: readonly string[]) {
    super(`invalid stack configuration:\n  - ${problems.join("\n  - ")}`);
    this.name = "ConfigError";
  }
}

function valueAt(input: unknown, path: readonly PropertyKey[]): unknown {
  return path.reduce<unknown>((v, k) => (v !== null && typeof v === "object" ? (v as Record<PropertyKey, unknown>)[k] : undefined), input);
}

function show(value: unknown, key: string): string {
  if ((SECRET_KEYS as readonly string[]).includes(key)) return "<secret>";
  // A URL may carry user:password; a message never shows the password.
  return value === undefined ? "nothing" : JSON.stringify(typeof value === "string" ? hideUrlPassword(value) : value);
}

/**
 * Validates the raw configuration and applies per-environment defaults.
 * Every problem names the key, the bad value and the expected form; all are reported at once.
 */
export interface ParseOptions {
  /**
   * Off for `render` and `check`: generated files never contain the secrets, and the CLI cannot
   * decrypt them without Pulumi. `pulumi up` always requires them.
   */
  readonly requireSecrets?: boolean;
}

export function parseStackConfig(stack: string, raw: unknown, secretKeys: ReadonlySet<string> = new Set(), options: ParseOptions = {}): StackConfig {
  const requireSecrets = options.requireSecrets ?? true;
  const parsed = rawConfigSchema.safeParse(raw);
  if (!parsed.success) {
    throw new ConfigError(
      parsed.error.issues.map((issue) => {
        if (issue.code === "unrecognized_keys") {
          const where = issue.path.length ? `${issue.path.join(".")}.` : "";
          return `${issue.keys.map((k) => where + k).join(", ")}: unknown key (check the spelling; see README "Stack settings")`;
        }
        const key = issue.path.join(".") || "(root)";
        // A record key the schema refuses (one check per key schema): zod says only "Invalid key in record"; give the check's message and the key.
        if (issue.code === "invalid_key") return `${key}: ${issue.issues[0].message}, got ${show(issue.path[issue.path.length - 1], String(issue.path[0]))}`;
        const got = valueAt(raw, issue.path);
        let message = issue.message;
        if (issue.code === "invalid_value" && "values" in issue && !/^expected/.test(issue.message)) message = `expected one of ${issue.values.map(String).join(", ")}`;
        // zod's own wording ("Invalid input: expected number, received string") is shortened; a message the schema wrote is kept.
        if (issue.code === "invalid_type" && !/^expected/.test(issue.message)) message = `expected ${issue.expected}`;
        return `${key}: ${message}, got ${show(got, String(issue.path[0]))}`;
      }),
    );
  }
  const c = parsed.data;
  const problems: string[] = [];
  const env = c.environment;

  const agent = c.logAgent ?? "promtail";
  const services = { ...Object.fromEntries(SERVICE_NAMES.map((s) => [s, true])), ...c.services } as Record<ServiceName, boolean>;
  // Only the chosen log agent runs; asking for the other one as well is a mistake worth naming.
  for (const other of LOG_AGENTS.filter((a) => a !== agent)) {
    if (c.services?.[other] === true) problems.push(`services.${other}: only the agent logAgent names runs (${agent}), got true`);
    services[other] = false;
  }
  problems.push(...serviceProblems(services, c));

  if (env === "prod" && requireSecrets) {
    const needed: (typeof SECRET_KEYS)[number][] = ["telegramBotToken"];
    if (services.grafana) needed.push("grafanaAdminPassword");
    for (const key of needed) if (c[key] === undefined) problems.push(`${key}: prod needs it; set it with \`pulumi config set --secret ${key} ...\``);
    for (const key of SECRET_KEYS) {
      if (c[key] !== undefined && !secretKeys.has(key)) problems.push(`${key}: prod refuses a plain-text value; set it with \`pulumi config set --secret ${key} ...\``);
    }
  }
  if (env === "prod" && c.telegram?.chatId === undefined) problems.push("telegram.chatId: prod needs the chat that receives alerts, got nothing");
  if (c.grafanaAdminPassword === undefined && env !== "prod" && requireSecrets && services.grafana) {
    problems.push("grafanaAdminPassword: there is no default password; set one with `pulumi config set --secret grafanaAdminPassword ...`");
  }
  if (c.registryAuth && c.registryPassword === undefined && requireSecrets) {
    problems.push(`registryPassword: registryAuth names user ${JSON.stringify(c.registryAuth.username)} but no password; set it with \`pulumi config set --secret registryPassword ...\``);
  }
  if (c.registryPassword !== undefined && !c.registryAuth) problems.push("registryAuth: registryPassword is set but registryAuth.username is not, got nothing");
  if (env === "prod") {
    // Prod links are opened from a phone in Telegram: a loopback URL is a dead link there.
    const linked: [string, string | undefined][] = [["alertmanagerExternalUrl", c.alertmanagerExternalUrl]];
    if (services.grafana) linked.push(["grafanaExternalUrl", c.grafanaExternalUrl]);
    for (const [key, url] of linked) {
      if (url === undefined) problems.push(`${key}: prod messages link to it, so it must be the URL operators open (behind your VPN or proxy), got nothing`);
      else if (isLoopbackUrl(url)) problems.push(`${key}: prod messages link to it and ${JSON.stringify(url)} only works on the host itself; set the URL operators open`);
    }
  }

  for (const [name, override] of Object.entries(c.alertOverrides ?? {})) {
    if (!ALERT_NAMES.includes(name)) {
      problems.push(`alertOverrides.${name}: no alert of that name (known: ${ALERT_NAMES.join(", ")})`);
    } else if (override.threshold !== undefined && thresholdOf(name) === undefined) {
      problems.push(`alertOverrides.${name}.threshold: ${name} has no threshold to change, got ${override.threshold}`);
    }
  }

  const hostPorts = { ...DEFAULT_HOST_PORTS[env], ...c.hostPorts };
  const byPort = new Map<number, string[]>();
  for (const [k, p] of Object.entries(hostPorts)) byPort.set(p, [...(byPort.get(p) ?? []), k]);
  for (const [p, keys] of byPort) if (keys.length > 1) problems.push(`hostPorts: ${keys.join(" and ")} both use port ${p}`);

  const bindAddress = c.bindAddress ?? "127.0.0.1";
  if (bindAddress.split(".").some((o) => Number(o) > 255)) problems.push(`bindAddress: expected an IPv4 address, got "${bindAddress}"`);
  problems.push(...scaleProblems(c, { bindAddress, hostPorts, services, requireSecrets }));

  if (problems.length) throw new ConfigError(problems);

  const grafanaApiUrl = (c.grafanaApiUrl ?? `http://${bindAddress === "0.0.0.0" ? "127.0.0.1" : bindAddress}:${hostPorts.grafana}`).replace(/\/+$/, "");
  const publicHost = c.publicProbes ? (c.publicProbes.host ?? new URL(c.publicProbes.urls[0]).hostname) : undefined;
  return {
    stack,
    environment: env,
    dockerHost: c.dockerHost,
    bindAddress,
    hostPorts,
    services,
    registryAuth:
      c.registryAuth && c.registryPassword !== undefined
        ? { address: c.registryAuth.address ?? "registry-1.docker.io", username: c.registryAuth.username, password: c.registryPassword }
        : undefined,
    images: { ...DEFAULT_IMAGES, ...c.images },
    memoryMb: { ...DEFAULT_MEMORY_MB, ...c.memoryMb },
    // remoteWrite.localRetention is the local retention while the store keeps the history.
    retention: { ...DEFAULT_RETENTION, ...c.retention, ...(c.remoteWrite?.localRetention ? { prometheus: c.remoteWrite.localRetention } : {}) },
    appTargets: { ...DEFAULT_APP_TARGETS, ...c.appTargets },
    appComposeProject: c.appComposeProject ?? DEFAULT_APP_COMPOSE_PROJECT[env],
    appNetworks: c.appNetworks ?? [],
    publicProbes: c.publicProbes && publicHost ? { host: publicHost, urls: c.publicProbes.urls } : undefined,
    telegram: {
      chatId: c.telegram?.chatId === undefined ? undefined : String(c.telegram.chatId),
      chatIdsBySeverity: c.telegram?.chatIdsBySeverity ?? {},
      messageThreadId: c.telegram?.messageThreadId,
      threadIdsBySeverity: c.telegram?.threadIdsBySeverity ?? {},
      prefix: c.telegram?.prefix ?? "[TutorDex]",
      apiBaseUrl: (c.telegram?.apiBaseUrl ?? "https://api.telegram.org").replace(/\/+$/, ""),
      console: {
        enabled: c.telegram?.console?.enabled ?? true,
        allowedUserIds: c.telegram?.console?.allowedUserIds ?? [],
        silenceDurations: c.telegram?.console?.silenceDurations ?? ["1h", "4h", "24h"],
      },
      graphs: c.telegram?.graphs ?? true,
    },
    telegramBotToken: c.telegramBotToken,
    grafanaAdminUser: c.grafanaAdminUser ?? "admin",
    grafanaAdminPassword: c.grafanaAdminPassword,
    grafanaExternalUrl: (c.grafanaExternalUrl ?? `http://localhost:${hostPorts.grafana}`).replace(/\/+$/, ""),
    grafanaApiUrl,
    alertmanagerExternalUrl: (c.alertmanagerExternalUrl ?? `http://localhost:${hostPorts.alertmanager}`).replace(/\/+$/, ""),
    nodeExporterTextfileDir: c.nodeExporterTextfileDir ?? "/var/lib/node_exporter/textfile_collector",
    runbookBaseUrl: c.runbookBaseUrl.replace(/\/+$/, ""),
    heartbeatUrl: c.heartbeatUrl,
    protectData: c.protectData ?? env === "prod",
    logAgent: c.logAgent ?? "promtail",
    nativeHistograms: c.nativeHistograms ?? false,
    demoWorkload: c.demoWorkload ? { scenario: c.demoWorkload.scenario ?? "steady" } : undefined,
    alertOverrides: c.alertOverrides ?? {},
    ...resolveScale(c, stack),
  };
}

function isLoopbackUrl(url: string): boolean {
  const host = new URL(url).hostname;
  return host === "localhost" || host === "[::1]" || /^127\./.test(host);
}

/**
 * What a switched-off service takes with it. Services that only feed another one cannot run
 * without it, and the alerting path itself cannot be switched off.
 */
function serviceProblems(on: Readonly<Record<ServiceName, boolean>>, c: RawConfig): string[] {
  const problems: string[] = [];
  for (const s of REQUIRED_SERVICES) if (!on[s]) problems.push(`services.${s}: cannot be switched off, it is part of the alerting path, got false`);
  if (c.logAgent !== undefined) {
    // An explicit choice of agent is a promise that logs are shipped: it needs the agent and Loki.
    if (c.services?.[c.logAgent] === false) problems.push(`logAgent: names ${c.logAgent}, which services.${c.logAgent} switches off; remove logAgent or switch ${c.logAgent} on, got ${JSON.stringify(c.logAgent)}`);
    else if (!on.loki) problems.push(`logAgent: ${c.logAgent} ships logs to Loki, which is switched off (services.loki: false); switch loki on or remove logAgent, got ${JSON.stringify(c.logAgent)}`);
  } else if (on.promtail && !on.loki) {
    problems.push("services.promtail: Promtail ships logs to Loki, which is switched off (services.loki: false); switch promtail off too");
  }
  if (on.tempo && !on.otelCollector) problems.push("services.tempo: Tempo receives traces only through the OTEL Collector, which is switched off; switch tempo off too");
  if (c.publicProbes && !on.blackboxExporter) problems.push("services.blackboxExporter: publicProbes are probed through blackbox_exporter; switch it on or remove publicProbes");
  return problems;
}

/**
 * Turns Pulumi's flat `project:key → string` map into the raw object the schema reads.
 * Structured values arrive as JSON text; scalars arrive as strings and are coerced where the
 * schema expects numbers or booleans.
 */
export function rawConfigFromPulumi(project: string, all: Readonly<Record<string, string>>): Record<string, unknown> {
  const prefix = `${project}:`;
  const out: Record<string, unknown> = {};
  for (const [fullKey, text] of Object.entries(all)) {
    if (!fullKey.startsWith(prefix)) continue;
    const key = fullKey.slice(prefix.length);
    out[key] = decodeScalar(text);
  }
  return out;
}

function decodeScalar(text: string): unknown {
  const t = text.trim();
  if (t.startsWith("{") || t.startsWith("[")) {
    try {
      return JSON.parse(t);
    } catch {
      return text;
    }
  }
  if (t === "true" || t === "false") return t === "true";
  return text;
}

import { z } from "zod";
import {
  DEFAULT_APP_COMPOSE_PROJECT,
  DEFAULT_APP_TARGETS,
  DEFAULT_BIND_ADDRESS,
  DEFAULT_GRAFANA_ADMIN_USER,
  DEFAULT_HOST_PORTS,
  DEFAULT_IMAGES,
  DEFAULT_LOG_AGENT,
  DEFAULT_MEMORY_MB,
  DEFAULT_REGISTRY,
  DEFAULT_RETENTION,
  DEFAULT_TEXTFILE_DIR,
  ENVIRONMENTS,
  Environment,
  PUBLISHED_PORT_KEYS,
  PublishedPortKey,
} from "./defaults";
import { SERVICE_NAMES, ServiceName } from "./services";
import { ALERT_NAMES, thresholdOf, WATCHDOG_ALERT as WATCHDOG } from "../rules/catalog";
import { SCENARIO_NAMES, ScenarioName } from "../shared/scenarioNames";
import {
  AlertmanagerClusterSettings,
  LOCAL_RETENTION_FLOOR,
  ObjectStorageSettings,
  RemoteWriteSettings,
  resolveScale,
  SCALE_RAW_SHAPE,
  SCALE_SECRET_KEYS,
  scaleProblems,
} from "./scale";
import {
  BRIDGE_DURATION,
  DEFAULT_SILENCE_DURATIONS,
  DurationLimits,
  GO_DURATION,
  MAX_SILENCE_BUTTONS,
  PROMETHEUS_DURATION,
  SILENCE_LIMITS,
} from "./durations";
import { durationField, hostAndPortField, httpUrlField, ipv4Field, isPort } from "./fields";
import { DOCKER_HOST_FORMS, dockerHostProblem } from "./dockerHost";
import { orList, setting } from "./settingDocs";
import {
  BOT_TOKEN,
  CHAT_ID,
  chatIdFromNumber,
  DEFAULT_PREFIX,
  hideUrlPassword,
  isBotToken,
  isChatId,
  isTelegramUserId,
  isThreadId,
  MAX_PREFIX_LENGTH,
  MAX_THREAD_ID,
  prefixProblem,
  TELEGRAM_API_BASE,
} from "./sharedValidators";
import { consoleAllow, ConsoleAllow, CONSOLE_ALLOW_MODES, EscalationSettings, readEscalation } from "./consoleSettings";

/**
 * Retention floors, each with why. Prometheus: alerts evaluate on the local TSDB, the same floor as
 * remote_write's local retention (and `0s` would silently mean 15 days). Loki: its compactor works
 * in 24h index periods, its documented minimum (`0s` would mean forever). Tempo: a block is cut
 * and flushed about every half hour; less than an hour deletes traces as they become searchable.
 */
const RETENTION_LIMITS = {
  prometheus: { min: { value: LOCAL_RETENTION_FLOOR, why: "alerts evaluate on the local TSDB; 0s would mean Prometheus's default 15d" } },
  loki: { min: { value: "24h", why: "Loki's compactor applies retention per 24h index period; 0s would mean forever" } },
  tempo: { min: { value: "1h", why: "Tempo flushes a block about every 30m; less would delete traces as they become searchable" } },
} as const satisfies Record<string, DurationLimits>;

const hostPort = hostAndPortField("expected host:port with a stable DNS name (for example backend:8000)");

const httpUrl = httpUrlField();
/** A URL paths are appended to (runbooks, Bot API methods, dashboard links). */
const baseUrl = httpUrlField({ base: true });

const port = z.number().int().min(1).max(65535);

/**
 * A tag that moves: `latest` alone or as a word of the tag (latest-alpine, 3-latest), or a tag
 * with no version number at all: a branch or channel (main, master, nightly, edge, dev, stable,
 * beta) or a distribution (alpine, bookworm), each re-pushed under the same name. A tag with a
 * number (3.5.3, v3, main-1a2b3c4) names a release or build. A digest pins the image whatever its
 * tag says.
 */
function floatingTag(tag: string | undefined, digest: string | undefined): string | undefined {
  if (digest !== undefined || tag === undefined) return undefined;
  if (tag.split(/[-._]/).includes("latest")) return "`latest` is not a version; pin an exact tag";
  if (!/\d/.test(tag)) return `\`${tag}\` names a branch or channel, not a version (it moves); pin an exact version tag or a digest`;
  return undefined;
}

// Docker's reference grammar (distribution/reference): a registry host (with a dot or a port, or
// localhost) and lower-case path components; a tag of up to 128 characters; a sha256 digest.
const DOMAIN_COMPONENT = "(?:[a-zA-Z0-9]|[a-zA-Z0-9][a-zA-Z0-9-]*[a-zA-Z0-9])";
const PATH_COMPONENT = "[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*";
const IMAGE_REFERENCE = new RegExp(
  `^(?:(${DOMAIN_COMPONENT}(?:\\.${DOMAIN_COMPONENT})*)(?::(\\d+))?/)?(${PATH_COMPONENT}(?:/${PATH_COMPONENT})*)(?::([\\w][\\w.-]{0,127}))?(?:@(sha256:[a-f0-9]{64}))?$`,
);
const IMAGE_FORM = "expected an image with an exact tag or digest (repository:tag)";

/** Why Docker would refuse or not pin an image reference; undefined when it is an exact one. */
function imageProblem(image: string): string | undefined {
  const m = IMAGE_REFERENCE.exec(image);
  // The first part is a registry only with a dot or a port or as localhost; otherwise it belongs to the repository.
  const registry = m?.[1] !== undefined && (m[1].includes(".") || m[2] !== undefined || m[1] === "localhost");
  if (m === null || (m[1] !== undefined && !registry && m[1] !== m[1].toLowerCase())) {
    return image !== image.toLowerCase() && IMAGE_REFERENCE.test(image.toLowerCase())
      ? "expected a lower-case repository (Docker refuses upper case in repository names)"
      : IMAGE_FORM;
  }
  if (m[4] === undefined && m[5] === undefined) return IMAGE_FORM;
  if (m[2] !== undefined && !isPort(Number(m[2]))) return "expected a registry port from 1 to 65535";
  const name = image.length - (m[4] === undefined ? 0 : m[4].length + 1) - (m[5] === undefined ? 0 : m[5].length + 1);
  if (name > 255) return "expected a repository name of at most 255 characters (Docker's limit)";
  return floatingTag(m[4], m[5]);
}

/** An image reference with an explicit tag or digest; a tag that moves is refused. */
const image = z
  .string()
  .superRefine((v, ctx) => {
    const problem = imageProblem(v);
    if (problem) ctx.addIssue({ code: "custom", message: problem });
  })
  .meta({ pattern: IMAGE_REFERENCE.source });

const ipv4 = ipv4Field("127.0.0.1");

const severity = z.enum(["critical", "warning", "info"]);

/** The log agents a stack can run: Promtail (SPEC's, end-of-life 2026-03-02) or Grafana Alloy. */
export const LOG_AGENTS = ["promtail", "alloy"] as const;
export type LogAgent = (typeof LOG_AGENTS)[number];
const DEFAULT_SCENARIO: ScenarioName = "steady";

const CHAT_ID_FORM = "expected a numeric chat id or @channel";
/** `pulumi config set --path telegram.chatId -100…` stores a number: read as the id it is. */
const telegramChatId = z
  .unknown()
  .transform((v, ctx) => {
    const id = typeof v === "string" && isChatId(v) ? v : typeof v === "number" ? chatIdFromNumber(v) : undefined;
    if (id === undefined) ctx.addIssue({ code: "custom", message: CHAT_ID_FORM });
    return id ?? "";
  })
  .meta({ type: ["string", "integer"], pattern: CHAT_ID.source });
const threadId = z
  .number({ message: "expected a positive forum topic id" })
  .refine(isThreadId, { message: "expected a positive forum topic id" })
  .meta({ type: "integer", minimum: 1, maximum: MAX_THREAD_ID });
const USER_ID = "expected a numeric Telegram user id";
/** Silence lengths offered as buttons, as the bridge reads them: 1m to 90d, written like 1h, 4h, 24h, 1h30m. */
const silenceDuration = durationField(BRIDGE_DURATION, SILENCE_LIMITS);

/** Free text that ends up on one line (a message's first line, an HTTP header, a login). */
const noControl = (v: string) => !/[\u0000-\u001f\u007f]/.test(v);

const alertOverride = z
  .object({
    disabled: z.boolean().optional(),
    threshold: z.number().optional(),
    for: durationField(PROMETHEUS_DURATION).optional(),
    severity: severity.optional(),
  })
  .strict();

const perService = <T extends z.ZodType>(value: T) =>
  z.object(Object.fromEntries(SERVICE_NAMES.map((s) => [s, value.optional()])) as Record<ServiceName, z.ZodOptional<T>>).strict();

const perPublishedPort = z
  .object(Object.fromEntries(PUBLISHED_PORT_KEYS.map((k) => [k, port.optional()])) as Record<PublishedPortKey, z.ZodOptional<typeof port>>)
  .strict();

const code = (v: unknown) => `\`${String(v)}\``;

/** The raw stack configuration, as written in Pulumi.<stack>.yaml (without the project prefix). */
export const rawConfigSchema = z
  .object({
    environment: setting(
      z.enum(ENVIRONMENTS),
      {
        title: `${orList(ENVIRONMENTS)}; picks the per-environment defaults (host ports, appComposeProject, protectData)`,
      },
      { default: "— (required)" },
    ),
    dockerHost: setting(
      z
        .string()
        .superRefine((v, ctx) => {
          const problem = dockerHostProblem(v);
          if (problem) ctx.addIssue({ code: "custom", message: `${DOCKER_HOST_FORMS}; this one ${problem}` });
        })
        .optional(),
      {
        title: "the Docker engine the stack is deployed to",
        description: "`unix:///path`, `ssh://user@host[:port]` or `tcp://host:port` (no password, no path)",
      },
      { default: "unset: `DOCKER_HOST`, else the local socket" },
    ),
    bindAddress: setting(
      ipv4.optional(),
      {
        title: "host address the published ports bind to (Docker bypasses host firewalls)",
        description:
          "IPv4 without leading zeros (`010.0.0.1` is refused, as Docker does); never multicast, broadcast or `0.x` other than `0.0.0.0` (every address)",
      },
      { default: code(DEFAULT_BIND_ADDRESS) },
    ),
    hostPorts: setting(
      perPublishedPort.optional(),
      {
        title: "published host port per service",
        description: "two services on one port is an error, and so are two committed stacks on one port of one host",
      },
      { default: ENVIRONMENTS.map((env) => `${env}: ${PUBLISHED_PORT_KEYS.map((k) => DEFAULT_HOST_PORTS[env][k]).join(", ")}`).join("; ") },
    ),
    // false switches a service off; the rest of the stack adapts (see SWITCHABLE below).
    services: setting(
      perService(z.boolean()).optional(),
      { title: "per-service on/off switches", description: "`false` switches a service off; see docs/operating.md" },
      { default: "every service on", each: "<service>" },
    ),
    registryAuth: setting(
      z
        .object({
          address: z
            .string()
            .refine((v) => /^[A-Za-z0-9.-]+(:\d+)?$/.test(v) && (!v.includes(":") || isPort(Number(v.split(":")[1]))), {
              message: "expected a registry host such as registry-1.docker.io or ghcr.io",
            })
            .optional(),
          username: z.string().min(1, { message: "expected the registry user name" }),
        })
        .strict()
        .optional(),
      {
        title: "registry login for image pulls; the password is registryPassword",
        description: `pulls log in, so a fresh host does not hit Docker Hub's anonymous limit; \`address\` defaults to ${code(DEFAULT_REGISTRY)}`,
      },
      { default: "none" },
    ),
    registryPassword: setting(
      z.string().min(1, { message: "expected the registry password or access token" }).optional(),
      { title: "the registry password or access token for registryAuth" },
      { default: "none" },
    ),
    images: setting(
      perService(image).optional(),
      {
        title: "exact image per service",
        description:
          "in Docker's reference grammar (lower-case repository); untagged images and moving tags are refused unless pinned by a digest: `latest` as a word of the tag (`latest-alpine`, `3-latest`) and any tag without a version number (`main`, `master`, `nightly`, `edge`, `dev`, `stable`, `alpine`). A tag with a number (`v3`, `main-1a2b3c4`) names a release line or a build and is taken",
      },
      { default: "`config/versions.ts`", each: "<service>" },
    ),
    memoryMb: setting(
      perService(z.number().int().min(32).max(65536)).optional(),
      { title: "memory limit per container in MiB (no swap beyond it)" },
      { default: "`config/defaults.ts`", each: "<service>" },
    ),
    retention: setting(
      z
        .object({
          prometheus: durationField(PROMETHEUS_DURATION, RETENTION_LIMITS.prometheus).optional(),
          // Loki reads retention_period with Prometheus's grammar; Tempo reads block_retention with Go's (no d).
          loki: durationField(PROMETHEUS_DURATION, RETENTION_LIMITS.loki).optional(),
          tempo: durationField(GO_DURATION, RETENTION_LIMITS.tempo).optional(),
        })
        .strict()
        .optional(),
      {
        title: "retention per store",
        description: `in its reader's grammar: Prometheus's for \`prometheus\` and \`loki\`, Go's for \`tempo\` (\`72h\`, not \`3d\`). At least ${Object.entries(
          RETENTION_LIMITS,
        )
          .map(([store, l]) => `${l.min.value} for ${store} (${l.min.why})`)
          .join(", ")}`,
      },
      { default: `${code(DEFAULT_RETENTION.prometheus)}, ${code(DEFAULT_RETENTION.loki)}, ${code(DEFAULT_RETENTION.tempo)}` },
    ),
    appTargets: setting(
      z.object({ collector: hostPort.optional(), worker: hostPort.optional(), backend: hostPort.optional() }).strict().optional(),
      { title: "stable DNS names (host:port) of the application's services" },
      { default: Object.values(DEFAULT_APP_TARGETS).map(code).join(", ") },
    ),
    appComposeProject: setting(
      z
        .string()
        .regex(/^[a-z0-9][a-z0-9_-]*$/, {
          message: "expected a compose project name (lower-case letters, digits, - and _) such as tutordex-prod",
        })
        .optional(),
      {
        title: "the application's compose project (docker compose -p …), whose containers the stack watches and ships logs of",
        description:
          "its containers are the ones this stack's container alerts watch and its log agent ships, so prod and staging on one host never report or store each other's",
      },
      { default: ENVIRONMENTS.map((env) => `${code(DEFAULT_APP_COMPOSE_PROJECT[env])} in ${env}`).join(", ") },
    ),
    appNetworks: setting(
      z.array(z.string().regex(/^[A-Za-z0-9][A-Za-z0-9_.-]*$/, { message: "expected a Docker network name" })).optional(),
      {
        title: "Docker networks of the application that Prometheus, blackbox_exporter and the OTEL Collector join",
        description:
          "compose names them `<project>_<network>` (TutorDex's prod network is `tutordex-prod_tutordex`); looked up before anything is created, so a missing one stops `up` with the host's networks listed",
      },
      { default: "none" },
    ),
    publicProbes: setting(
      z
        .object({
          host: z
            .string()
            .regex(/^[A-Za-z0-9.-]+$/, { message: "expected a host name such as api.example.com" })
            .optional(),
          urls: z.array(httpUrl).min(1),
        })
        .strict()
        .optional(),
      {
        title: "public URLs probed through blackbox_exporter",
        description: "with the Host header and TLS SNI `host` (by default the first URL's host)",
      },
      { default: "none" },
    ),
    telegram: setting(
      z
        .object({
          chatId: setting(
            telegramChatId.optional(),
            {
              description:
                "chat that receives alerts: a numeric id (a `--path` number is read as the id) or a `@username` of 4–32 letters, digits and underscores starting with a letter",
            },
            { default: "— (required in prod)" },
          ),
          chatIdsBySeverity: setting(
            z
              .object({ critical: telegramChatId.optional(), warning: telegramChatId.optional(), info: telegramChatId.optional() })
              .strict()
              .optional(),
            { description: "chats that override `chatId` per severity" },
            { default: "none" },
          ),
          messageThreadId: setting(
            threadId.optional(),
            { description: `forum topic to post in (1 to ${MAX_THREAD_ID})` },
            { default: "none" },
          ),
          // A forum topic exists in one chat only: each severity chat names its own.
          threadIdsBySeverity: setting(
            z.object({ critical: threadId.optional(), warning: threadId.optional(), info: threadId.optional() }).strict().optional(),
            { description: "forum topic of each severity's chat" },
            { default: "none" },
          ),
          prefix: setting(
            z
              .string()
              .superRefine((v, ctx) => {
                const problem = prefixProblem(v);
                if (problem) ctx.addIssue({ code: "custom", message: problem });
              })
              .meta({ maxLength: MAX_PREFIX_LENGTH })
              .optional(),
            { description: `prefix of every message: at most ${MAX_PREFIX_LENGTH} characters, no control characters` },
            { default: code(DEFAULT_PREFIX) },
          ),
          apiBaseUrl: setting(
            baseUrl.optional(),
            { description: "Bot API server (a self-hosted `telegram-bot-api`, or a test fake)" },
            { default: code(TELEGRAM_API_BASE) },
          ),
          console: setting(
            z
              .object({
                enabled: z.boolean().optional(),
                // Who may silence: the chats' administrators, a list, or everyone (config/consoleSettings.ts, which the bridge reads with too).
                allow: z
                  .unknown()
                  .meta({ enum: [...CONSOLE_ALLOW_MODES] })
                  .optional(),
                allowedUserIds: z
                  .array(
                    z.number({ message: USER_ID }).refine(isTelegramUserId, { message: USER_ID }).meta({ type: "integer", minimum: 1 }),
                  )
                  .optional(),
                silenceDurations: z
                  .array(silenceDuration)
                  .min(1, { message: "expected at least one duration" })
                  .max(MAX_SILENCE_BUTTONS, { message: `expected at most ${MAX_SILENCE_BUTTONS} durations` })
                  .optional(),
              })
              .strict()
              .superRefine((v, ctx) => {
                const allow = consoleAllow(v.allow, v.allowedUserIds ?? []);
                if ("problem" in allow) ctx.addIssue({ code: "custom", path: ["allow"], message: allow.problem });
              })
              .optional(),
            {
              description: `the on-call console (docs/on-call-console.md): \`enabled\`, \`allow\` (who may silence: ${CONSOLE_ALLOW_MODES.map(code).join(", ")}; the chats' administrators unless \`allowedUserIds\` is set), \`allowedUserIds\` and \`silenceDurations\` (the buttons, ${SILENCE_LIMITS.min!.value} to ${SILENCE_LIMITS.max!.value}, at most ${MAX_SILENCE_BUTTONS})`,
            },
            { default: `on, the chats' administrators, ${DEFAULT_SILENCE_DURATIONS.map(code).join(", ")}` },
          ),
          // Re-posting unacknowledged alerts with the on-call users named, per severity (config/consoleSettings.ts).
          escalation: setting(
            z
              .unknown()
              .superRefine((v, ctx) => {
                for (const p of readEscalation(v).problems) ctx.addIssue({ code: "custom", path: [...p.path], message: p.message });
              })
              .optional(),
            {
              description:
                "`{critical, warning, info}` → `{after, every, times, mention, chatId?, threadId?}`: unacknowledged alerts posted again, naming the on-call users (docs/on-call-console.md)",
            },
            { default: "none" },
          ),
          graphs: setting(
            z.boolean().optional(),
            {
              description:
                'a graph of the alert\'s expression with firing messages (docs/telegram-bridge.md, "Graphs"); `false`: text only',
            },
            { default: "`true`" },
          ),
        })
        .strict()
        .optional(),
      { title: "where alerts go and the on-call console" },
    ),
    telegramBotToken: setting(
      z
        .string()
        .refine(isBotToken, { message: "expected a bot token of the form 123456:ABC..." })
        .meta({ pattern: BOT_TOKEN.source })
        .optional(),
      { title: "the bot token; required in prod, optional elsewhere", description: "only the bridge ever sees it" },
      { default: "— (required in prod)" },
    ),
    // Grafana's login, sent with basic auth (user:password) by the provisioning: no colon, no control character, no edge spaces.
    grafanaAdminUser: setting(
      z
        .string()
        .min(1)
        .refine((v) => noControl(v) && !v.includes(":") && v.trim() === v, {
          message: "expected a login without colon, control characters or surrounding spaces",
        })
        .optional(),
      {
        title: "Grafana's admin user, which the provisioning through Grafana's API signs in as",
        description: "sent with basic auth: no colon, control character or surrounding space",
      },
      { default: code(DEFAULT_GRAFANA_ADMIN_USER) },
    ),
    grafanaAdminPassword: setting(
      z.string().min(12, { message: "expected at least 12 characters" }).optional(),
      {
        title: "Grafana's admin password, needed while Grafana runs",
        description:
          "at least 12 characters; there is no default password. Rotate it with `pulumi config set --secret` + `pulumi up`: every Grafana start resets the admin password to this value",
      },
      { default: "— (required while Grafana runs)" },
    ),
    grafanaExternalUrl: setting(
      baseUrl.optional(),
      {
        title: "Grafana URL operators open (alert links)",
        description: "alert `dashboard` links and Grafana's root URL; prod refuses a loopback URL",
      },
      { default: "`http://localhost:<grafana port>`; required in prod" },
    ),
    grafanaApiUrl: setting(
      httpUrl.optional(),
      {
        title: "where `pulumi up` reaches Grafana's API",
        description:
          "the stack's own Grafana by default, so a copied stack file can never provision into (or destroy) another stack's dashboards",
      },
      { default: "`http://<bindAddress>:<grafana port>` (0.0.0.0 → 127.0.0.1)" },
    ),
    alertmanagerExternalUrl: setting(
      baseUrl.optional(),
      { title: "Alertmanager URL in messages", description: "prod refuses a loopback URL" },
      { default: "`http://localhost:<alertmanager port>`; required in prod" },
    ),
    nodeExporterTextfileDir: setting(
      z
        .string()
        .regex(/^\/[^\s]*$/, { message: "expected an absolute host path" })
        .optional(),
      { title: "host directory of textfile-collector gauges that node_exporter publishes" },
      { default: code(DEFAULT_TEXTFILE_DIR) },
    ),
    runbookBaseUrl: setting(
      baseUrl,
      { title: "absolute URL under which runbooks/<AlertName>.md is served; alerts link there" },
      { default: "— (required)" },
    ),
    heartbeatUrl: setting(
      httpUrl.optional(),
      { title: "dead-man's switch URL the bridge pings while the Watchdog fires" },
      { default: "none" },
    ),
    protectData: setting(
      z.boolean().optional(),
      { title: "Pulumi-protects data volumes so `pulumi destroy` cannot delete them" },
      { default: "on in prod, off elsewhere" },
    ),
    demoWorkload: setting(
      z
        .object({ scenario: z.enum(SCENARIO_NAMES, { message: `expected one of ${SCENARIO_NAMES.join(", ")}` }).optional() })
        .strict()
        .optional(),
      {
        title: "the simulated TutorDex inside the stack",
        description: `runs \`simulator/src\` in the stack under the application's default names, so a fresh stack has live dashboards. Refused in prod and beside \`appNetworks\`, where it would answer for the real application and hide an outage; scenarios ${SCENARIO_NAMES.map(code).join(", ")} (default ${code(DEFAULT_SCENARIO)})`,
      },
      { default: "off" },
    ),
    // Grafana Alloy is the default; Promtail (end-of-life 2026-03-02) stays selectable.
    logAgent: setting(
      z.enum(LOG_AGENTS, { message: "expected promtail or alloy" }).optional(),
      {
        title: "alloy (Grafana Alloy) or promtail (end-of-life since 2026-03-02); only that one runs",
        description:
          'set without Loki, or with `services.<agent>: false`, it is an error — see docs/signals.md "Logs, OTLP and native histograms"',
      },
      { default: `${code(DEFAULT_LOG_AGENT)}, where Loki runs` },
    ),
    // Scrape (and so store) native histograms where targets expose them; classic buckets are kept too.
    nativeHistograms: setting(
      z.boolean().optional(),
      {
        title: "Prometheus also scrapes native histograms where targets expose them",
        description: "the classic buckets are kept beside them",
      },
      { default: "`false`" },
    ),
    alertOverrides: setting(
      z.record(z.string(), alertOverride).optional(),
      {
        title: "per-alert changes",
        description: "an unknown alert name is an error. The Watchdog (the dead man's switch) cannot be disabled or given a `for`",
      },
      { default: "none", each: "<Alert>" },
    ),
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
    readonly console: {
      readonly enabled: boolean;
      readonly allow: ConsoleAllow;
      readonly allowedUserIds: readonly number[];
      readonly silenceDurations: readonly string[];
    };
    /** Unacknowledged alerts posted again naming the on-call users, per severity; none: no escalation. */
    readonly escalation: EscalationSettings;
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
  /**
   * Secret settings written in plain text in the stack file (config/stackFile.ts reads files
   * without Pulumi and leaves the encrypted ones out). Prod refuses them as `pulumi up` does, so
   * `obs check` says so before the file is committed.
   */
  readonly plainTextSecrets?: ReadonlySet<string>;
}

export function parseStackConfig(
  stack: string,
  raw: unknown,
  secretKeys: ReadonlySet<string> = new Set(),
  options: ParseOptions = {},
): StackConfig {
  const requireSecrets = options.requireSecrets ?? true;
  const parsed = rawConfigSchema.safeParse(raw);
  if (!parsed.success) {
    throw new ConfigError(
      parsed.error.issues.flatMap((issue) => {
        if (issue.code === "unrecognized_keys") {
          if (issue.path.length === 0) return unknownTopLevelKeys(issue.keys, raw);
          return `${issue.keys.map((k) => `${issue.path.join(".")}.${k}`).join(", ")}: unknown key (check the spelling; see README "Stack settings")`;
        }
        const key = issue.path.join(".") || "(root)";
        // A record key the schema refuses (one check per key schema): zod says only "Invalid key in record"; give the check's message and the key.
        if (issue.code === "invalid_key")
          return `${key}: ${issue.issues[0].message}, got ${show(issue.path[issue.path.length - 1], String(issue.path[0]))}`;
        const got = valueAt(raw, issue.path);
        let message = issue.message;
        // Stryker disable next-line ConditionalExpression: issue.code === "invalid_value" → true: only invalid_value issues carry values, which the next test checks (this also disables the whole condition's non-equivalent mutants)
        if (issue.code === "invalid_value" && "values" in issue && !/^expected/.test(issue.message))
          message = `expected one of ${issue.values.map(String).join(", ")}`;
        // zod's own wording ("Invalid input: expected number, received string") is shortened; a message the schema wrote is kept.
        if (issue.code === "invalid_type" && !/^expected/.test(issue.message)) message = `expected ${issue.expected}`;
        // `pulumi config set --path` stores digits as a number and true/false as a boolean.
        const secret = (SECRET_KEYS as readonly PropertyKey[]).includes(issue.path[0]);
        if (
          issue.code === "invalid_type" &&
          issue.expected === "string" &&
          issue.path.length > 1 &&
          !secret &&
          (typeof got === "number" || typeof got === "boolean")
        ) {
          message += " (pulumi config set --path stores it as a number or boolean; quote it in the stack file)";
        }
        return `${key}: ${message}, got ${show(got, String(issue.path[0]))}`;
      }),
    );
  }
  const c = parsed.data;
  const problems: string[] = [];
  const env = c.environment;

  const agent = c.logAgent ?? DEFAULT_LOG_AGENT;
  const services = { ...Object.fromEntries(SERVICE_NAMES.map((s) => [s, true])), ...c.services } as Record<ServiceName, boolean>;
  // Only the chosen log agent runs; asking for the other one as well is a mistake worth naming.
  for (const other of LOG_AGENTS.filter((a) => a !== agent)) {
    if (c.services?.[other] === true) problems.push(`services.${other}: only the agent logAgent names runs (${agent}), got true`);
    services[other] = false;
  }
  // The default agent follows Loki: a stack without Loki has nothing to ship logs to, and a stack
  // written when Promtail was the default (`loki: false, promtail: false`) stays valid after the switch.
  if (c.logAgent === undefined && c.services?.loki === false && c.services?.[DEFAULT_LOG_AGENT] === undefined)
    services[DEFAULT_LOG_AGENT] = false;
  problems.push(...serviceProblems(services, c));

  if (env === "prod" && requireSecrets) {
    const needed: (typeof SECRET_KEYS)[number][] = ["telegramBotToken"];
    if (services.grafana) needed.push("grafanaAdminPassword");
    for (const key of needed)
      if (c[key] === undefined) problems.push(`${key}: prod needs it; set it with \`pulumi config set --secret ${key} ...\``);
  }
  if (env === "prod") {
    // Under Pulumi: a value it did not decrypt. From a stack file (obs check, render): one written in plain text.
    const plainText = (key: (typeof SECRET_KEYS)[number]) =>
      requireSecrets ? c[key] !== undefined && !secretKeys.has(key) : options.plainTextSecrets?.has(key) === true;
    for (const key of SECRET_KEYS)
      if (plainText(key)) problems.push(`${key}: prod refuses a plain-text value; set it with \`pulumi config set --secret ${key} ...\``);
  }
  if (env === "prod" && c.telegram?.chatId === undefined)
    problems.push("telegram.chatId: prod needs the chat that receives alerts, got nothing");
  if (c.grafanaAdminPassword === undefined && env !== "prod" && requireSecrets && services.grafana) {
    problems.push("grafanaAdminPassword: there is no default password; set one with `pulumi config set --secret grafanaAdminPassword ...`");
  }
  if (c.registryAuth && c.registryPassword === undefined && requireSecrets) {
    problems.push(
      `registryPassword: registryAuth names user ${JSON.stringify(c.registryAuth.username)} but no password; set it with \`pulumi config set --secret registryPassword ...\``,
    );
  }
  if (c.registryPassword !== undefined && !c.registryAuth)
    problems.push("registryAuth: registryPassword is set but registryAuth.username is not, got nothing");
  if (env === "prod") {
    // Prod links are opened from a phone in Telegram: a loopback URL is a dead link there.
    const linked: [string, string | undefined][] = [["alertmanagerExternalUrl", c.alertmanagerExternalUrl]];
    if (services.grafana) linked.push(["grafanaExternalUrl", c.grafanaExternalUrl]);
    for (const [key, url] of linked) {
      if (url === undefined)
        problems.push(`${key}: prod messages link to it, so it must be the URL operators open (behind your VPN or proxy), got nothing`);
      else if (isLoopbackUrl(url))
        problems.push(
          `${key}: prod messages link to it and ${JSON.stringify(url)} only works on the host itself; set the URL operators open`,
        );
    }
  }

  for (const [name, override] of Object.entries(c.alertOverrides ?? {})) {
    if (!ALERT_NAMES.includes(name)) {
      problems.push(`alertOverrides.${name}: no alert of that name (known: ${ALERT_NAMES.join(", ")})`);
    } else if (override.threshold !== undefined && thresholdOf(name) === undefined) {
      problems.push(`alertOverrides.${name}.threshold: ${name} has no threshold to change, got ${override.threshold}`);
    }
    // The dead man's switch: its silence is the alarm (heartbeatUrl, the bridge's check), so it cannot be switched off or delayed.
    if (name === WATCHDOG && override.disabled === true)
      problems.push(
        `alertOverrides.${WATCHDOG}.disabled: the Watchdog is the dead man's switch; without it a broken alert path looks like a quiet one, got true`,
      );
    if (name === WATCHDOG && override.for !== undefined && PROMETHEUS_DURATION.parse(override.for) !== 0) {
      problems.push(
        `alertOverrides.${WATCHDOG}.for: the Watchdog fires at once so the heartbeat never pauses; a \`for\` silences it after every Prometheus restart, got ${JSON.stringify(override.for)}`,
      );
    }
  }

  if (c.demoWorkload) {
    // It answers as collector-tail, aggregator-worker and backend: beside the real application they
    // share names, so Prometheus may scrape the simulation and a real outage never alerts.
    if (env === "prod")
      problems.push(
        `demoWorkload: prod watches the real application; the simulation answers under its names and can hide an outage, got ${JSON.stringify(c.demoWorkload)}`,
      );
    else if ((c.appNetworks ?? []).length > 0) {
      problems.push(
        `demoWorkload: the stack joins the application's networks (appNetworks), where the simulation would answer under the application's own names; remove one of them, got ${JSON.stringify(c.demoWorkload)}`,
      );
    }
  }

  const hostPorts = { ...DEFAULT_HOST_PORTS[env], ...c.hostPorts };
  const byPort = new Map<number, string[]>();
  for (const [k, p] of Object.entries(hostPorts)) byPort.set(p, [...(byPort.get(p) ?? []), k]);
  for (const [p, keys] of byPort) if (keys.length > 1) problems.push(`hostPorts: ${keys.join(" and ")} both use port ${p}`);

  const bindAddress = c.bindAddress ?? DEFAULT_BIND_ADDRESS;
  problems.push(...scaleProblems(c, { bindAddress, hostPorts, services, requireSecrets }));

  if (problems.length) throw new ConfigError(problems);

  const grafanaApiUrl = (c.grafanaApiUrl ?? `http://${bindAddress === "0.0.0.0" ? "127.0.0.1" : bindAddress}:${hostPorts.grafana}`).replace(
    /\/+$/,
    "",
  );
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
        ? { address: c.registryAuth.address ?? DEFAULT_REGISTRY, username: c.registryAuth.username, password: c.registryPassword }
        : undefined,
    images: { ...DEFAULT_IMAGES, ...c.images },
    memoryMb: { ...DEFAULT_MEMORY_MB, ...c.memoryMb },
    // remoteWrite.localRetention is the local retention while the store keeps the history.
    retention: {
      ...DEFAULT_RETENTION,
      ...c.retention,
      ...(c.remoteWrite?.localRetention ? { prometheus: c.remoteWrite.localRetention } : {}),
    },
    appTargets: { ...DEFAULT_APP_TARGETS, ...c.appTargets },
    appComposeProject: c.appComposeProject ?? DEFAULT_APP_COMPOSE_PROJECT[env],
    appNetworks: c.appNetworks ?? [],
    publicProbes: c.publicProbes && publicHost ? { host: publicHost, urls: c.publicProbes.urls } : undefined,
    telegram: {
      chatId: c.telegram?.chatId === undefined ? undefined : String(c.telegram.chatId),
      chatIdsBySeverity: c.telegram?.chatIdsBySeverity ?? {},
      messageThreadId: c.telegram?.messageThreadId,
      threadIdsBySeverity: c.telegram?.threadIdsBySeverity ?? {},
      prefix: c.telegram?.prefix ?? DEFAULT_PREFIX,
      apiBaseUrl: (c.telegram?.apiBaseUrl ?? TELEGRAM_API_BASE).replace(/\/+$/, ""),
      console: {
        enabled: c.telegram?.console?.enabled ?? true,
        allow: (consoleAllow(c.telegram?.console?.allow, c.telegram?.console?.allowedUserIds ?? []) as { mode: ConsoleAllow }).mode,
        allowedUserIds: c.telegram?.console?.allowedUserIds ?? [],
        silenceDurations: c.telegram?.console?.silenceDurations ?? DEFAULT_SILENCE_DURATIONS,
      },
      escalation: readEscalation(c.telegram?.escalation).settings,
      graphs: c.telegram?.graphs ?? true,
    },
    telegramBotToken: c.telegramBotToken,
    grafanaAdminUser: c.grafanaAdminUser ?? DEFAULT_GRAFANA_ADMIN_USER,
    grafanaAdminPassword: c.grafanaAdminPassword,
    grafanaExternalUrl: (c.grafanaExternalUrl ?? `http://localhost:${hostPorts.grafana}`).replace(/\/+$/, ""),
    grafanaApiUrl,
    alertmanagerExternalUrl: (c.alertmanagerExternalUrl ?? `http://localhost:${hostPorts.alertmanager}`).replace(/\/+$/, ""),
    nodeExporterTextfileDir: c.nodeExporterTextfileDir ?? DEFAULT_TEXTFILE_DIR,
    runbookBaseUrl: c.runbookBaseUrl.replace(/\/+$/, ""),
    heartbeatUrl: c.heartbeatUrl,
    protectData: c.protectData ?? env === "prod",
    logAgent: agent,
    nativeHistograms: c.nativeHistograms ?? false,
    demoWorkload: c.demoWorkload ? { scenario: c.demoWorkload.scenario ?? DEFAULT_SCENARIO } : undefined,
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
  for (const s of REQUIRED_SERVICES)
    if (!on[s]) problems.push(`services.${s}: cannot be switched off, it is part of the alerting path, got false`);
  if (c.logAgent !== undefined) {
    // An explicit choice of agent is a promise that logs are shipped: it needs the agent and Loki.
    if (c.services?.[c.logAgent] === false)
      problems.push(
        `logAgent: names ${c.logAgent}, which services.${c.logAgent} switches off; remove logAgent or switch ${c.logAgent} on, got ${JSON.stringify(c.logAgent)}`,
      );
    else if (!on.loki)
      problems.push(
        `logAgent: ${c.logAgent} ships logs to Loki, which is switched off (services.loki: false); switch loki on or remove logAgent, got ${JSON.stringify(c.logAgent)}`,
      );
  } else if (on[DEFAULT_LOG_AGENT] && !on.loki) {
    problems.push(
      `services.${DEFAULT_LOG_AGENT}: ${DEFAULT_LOG_AGENT} ships logs to Loki, which is switched off (services.loki: false); switch ${DEFAULT_LOG_AGENT} off or remove it, got true`,
    );
  }
  if (on.tempo && !on.otelCollector)
    problems.push("services.tempo: Tempo receives traces only through the OTEL Collector, which is switched off; switch tempo off too");
  if (c.publicProbes && !on.blackboxExporter)
    problems.push("services.blackboxExporter: publicProbes are probed through blackbox_exporter; switch it on or remove publicProbes");
  return problems;
}

/** The Pulumi project (Pulumi.yaml's `name`): the namespace of every stack setting. */
export const PROJECT = "tutordex-observability";

/** Namespaces Pulumi itself reads (e.g. pulumi:disable-default-providers); every other one but the project's reaches nothing. */
const ENGINE_NAMESPACE = "pulumi";

/**
 * Turns Pulumi's flat `project:key → string` map into the raw object the schema reads. Values
 * arrive as text: objects and arrays as JSON, booleans as true/false; each is decoded as the
 * schema types its key, so a string setting that looks like JSON stays a string. Keys of other
 * namespaces are kept under their full name (pulumi:… aside) so the schema refuses them: a
 * misspelt project namespace would otherwise leave its setting at the default without a word.
 */
export function rawConfigFromPulumi(project: string, all: Readonly<Record<string, string>>): Record<string, unknown> {
  const prefix = `${project}:`;
  const out: Record<string, unknown> = {};
  for (const [fullKey, text] of Object.entries(all)) {
    if (fullKey.startsWith(prefix)) {
      const key = fullKey.slice(prefix.length);
      out[key] = decodeValue(key, text);
    } else if (!fullKey.startsWith(`${ENGINE_NAMESPACE}:`)) {
      out[fullKey] = decodeValue(fullKey, text);
    }
  }
  return out;
}

function baseType(key: string): string | undefined {
  let schema = (rawConfigSchema.shape as Record<string, z.ZodType | undefined>)[key];
  while (schema && (schema.def.type === "optional" || schema.def.type === "default"))
    schema = (schema.def as unknown as { innerType: z.ZodType }).innerType;
  return schema?.def.type;
}

function decodeValue(key: string, text: string): unknown {
  const t = text.trim();
  const type = baseType(key);
  const structured = type === undefined || type === "object" || type === "record" || type === "array";
  if (structured && (t.startsWith("{") || t.startsWith("["))) {
    try {
      return JSON.parse(t);
    } catch {
      return text;
    }
  }
  if ((type === undefined || type === "boolean") && (t === "true" || t === "false")) return t === "true";
  return text;
}

/** Unknown top-level keys: a flat key that wanted --path, another namespace, or a misspelling. */
function unknownTopLevelKeys(keys: readonly string[], raw: unknown): string[] {
  const problems: string[] = [];
  const unknown: string[] = [];
  for (const key of keys) {
    const value = valueAt(raw, [key]);
    const namespace = /^([^:]+):(.+)$/.exec(key);
    const root = key.split(/[.[]/)[0];
    if (namespace) {
      const [, ns, name] = namespace;
      problems.push(
        similar(ns, PROJECT)
          ? `${key}: the namespace "${ns}" is a misspelling of this project's, so nothing reads the setting; write ${PROJECT}:${name}`
          : `${key}: nothing reads settings of namespace "${ns}" (the program configures its Docker and Grafana providers from its own settings); ${insteadOf(key, name)}`,
      );
    } else if (root !== key && root in rawConfigSchema.shape) {
      problems.push(
        `${key}: a nested setting written as one flat key (\`pulumi config set\` without --path); set it with \`pulumi config set --path '${key}' ...\` so it lands under ${root}, got ${show(value, root)}`,
      );
    } else unknown.push(key);
  }
  if (unknown.length) problems.push(`${unknown.join(", ")}: unknown key (check the spelling; see README "Stack settings")`);
  return problems;
}

/** Provider settings people reach for, and the stack setting that does the job. */
const NAMESPACE_HINTS: Readonly<Record<string, string>> = {
  "docker:host": "dockerHost",
  "grafana:url": "grafanaApiUrl",
  "grafana:auth": "grafanaAdminPassword",
};

function insteadOf(key: string, name: string): string {
  const setting = NAMESPACE_HINTS[key] ?? (name in rawConfigSchema.shape ? name : undefined);
  return setting === undefined ? "remove it" : `set ${PROJECT}:${setting} instead`;
}

/** Within three edits of the project's name, or naming TutorDex: a misspelt project namespace. */
function similar(a: string, b: string): boolean {
  if (/tutordex/i.test(a)) return true;
  const row = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    let diagonal = row[0];
    row[0] = i;
    for (let j = 1; j <= b.length; j++) {
      const above = row[j];
      row[j] = Math.min(row[j] + 1, row[j - 1] + 1, diagonal + (a[i - 1].toLowerCase() === b[j - 1] ? 0 : 1));
      diagonal = above;
    }
  }
  return row[b.length] <= 3;
}

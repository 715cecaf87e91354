import * as http from "http";
import { AddressInfo } from "net";
import { ChatRouter } from "./chats";
import { BridgeConfig, ChatDestination, isConfigured } from "./config";
import { Console, ConsoleDeps } from "./console/console";
import { Poller } from "./console/poller";
import { Delivery, DEFAULT_DELIVERY, DeliveryOptions, DeliveryResult, Outbox } from "./delivery";
import { DRILL_CHAT_LABEL, DRILL_THREAD_LABEL, isDrill } from "../../shared/drillLabels";
import { BotIdentity } from "./identity";
import { escapeCapped } from "./format";
import { DEFAULT_GRAPHS, GraphOptions, Graphs } from "./graph/graphs";
import { alertItem, noteItem } from "./items";
import { describeError, Logger } from "./log";
import { BridgeMetrics, DELIVERY_FAILURE_REASONS, EXPOSITION_CONTENT_TYPE } from "./metrics";
import { parseWebhook, RejectedAlert, WebhookPayload } from "./payload";
import { prometheusClient } from "./prometheus";
import { DEFAULT_STORE_LIMITS, StateStore } from "./stateStore";
import { BotApiClient, TelegramApi } from "./telegram";

export interface BridgeDeps {
  readonly log?: Logger;
  readonly api?: TelegramApi;
  readonly delivery?: Partial<DeliveryOptions>;
  readonly pollBackoffMs?: readonly number[];
  /** Graph timing and bounds; shorter in tests. */
  readonly graphs?: Partial<GraphOptions>;
  /** How long a heartbeat ping may take (HEARTBEAT_TIMEOUT_MS); shorter in tests. */
  readonly heartbeatTimeoutMs?: number;
  /** The console's background waits (escalation rounds, drill deadlines), shorter in tests. */
  readonly console?: ConsoleDeps["background"];
}

export interface RunningBridge {
  readonly server: http.Server;
  readonly metrics: BridgeMetrics;
  readonly store: StateStore;
  readonly url: string;
  /** Stops accepting, lets in-flight deliveries finish (up to graceMs), then closes. */
  close(graceMs?: number): Promise<void>;
  /** Stops at once as a killed process would: nothing more is sent or written. For tests. */
  kill(): Promise<void>;
}

/** A heartbeat endpoint that hangs must not hold Alertmanager's Watchdog notification open. */
export const HEARTBEAT_TIMEOUT_MS = 10_000;

/** How long a SIGTERM lets in-flight deliveries finish; the container's stop grace must be longer. */
export const STOP_DRAIN_MS = 10_000;

class BodyTooLarge extends Error {}

function readBody(req: http.IncomingMessage, limit: number): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    req.on("data", (c: Buffer) => {
      size += c.length;
      if (size > limit) {
        reject(new BodyTooLarge(`body larger than ${limit} bytes`));
        // Stryker disable next-line StringLiteral: the promise is already rejected; a data listener left in place only counts bytes and rejects it again: same 413, log and metrics
        req.removeAllListeners("data");
        // Stryker disable next-line CallExpression: the request is in flowing mode (a data listener was attached), so the rest of the body is read and dropped either way
        req.resume();
      } else chunks.push(c);
    });
    req.on("end", () => resolve(Buffer.concat(chunks).toString("utf8")));
    req.on("error", reject);
    // Stryker disable next-line StringLiteral,ArrowFunction: Node ends a body with 'end' or 'error' before 'close', so the promise is settled by then; the listener only guards a body that would never settle
    req.on("close", () => reject(new Error("request closed before its body was complete")));
  });
}

/** What the chat is told about a notification besides its alerts. */
function notes(payload: WebhookPayload, rejected: readonly RejectedAlert[]): { html: string; identity: string }[] {
  const out: { html: string; identity: string }[] = [];
  if (payload.truncatedAlerts) {
    out.push({
      html: `ℹ️ <i>${payload.truncatedAlerts} more alerts of this group were left out by Alertmanager (max_alerts); see Alertmanager for all of them.</i>`,
      identity: `truncated|${payload.groupKey}|${payload.truncatedAlerts}|${payload.alerts.map((a) => a.fingerprint).join(",")}`,
    });
  }
  if (rejected.length) {
    out.push({
      html: `⚠️ <i>${rejected.length} ${rejected.length === 1 ? "alert" : "alerts"} of this notification could not be read (${escapeCapped(rejected[0].reason, 160).text}); the rest is shown. The bridge log has the details.</i>`,
      identity: `rejected|${payload.groupKey}|${rejected.map((r) => r.reason).join("|")}`,
    });
  }
  return out;
}

/** A fire drill goes to the chat it was started from, if the bridge serves that chat. */
function drillDestination(config: BridgeConfig, router: ChatRouter, labels: Readonly<Record<string, string>>): ChatDestination | undefined {
  const chatId = labels[DRILL_CHAT_LABEL];
  const served = [...router.configuredChats(), ...[...config.escalation.values()].flatMap((r) => (r.chat ? [r.chat.chatId] : []))];
  if (!isDrill(labels) || chatId === undefined || !served.includes(chatId)) return undefined;
  const thread = Number(labels[DRILL_THREAD_LABEL]);
  return { chatId, threadId: Number.isInteger(thread) && thread > 0 ? thread : undefined };
}

/** Every alert of the payload for the chat of its severity (a drill: the chat it came from), plus notes for the default chat. */
export function deliveriesFor(
  config: BridgeConfig,
  router: ChatRouter,
  payload: WebhookPayload,
  rejected: readonly RejectedAlert[] = [],
): Delivery[] {
  const windowMs =
    (payload.receiver !== undefined ? config.dedupeWindowsByReceiver.get(payload.receiver) : undefined) ?? config.dedupeWindowMs;
  const out: Delivery[] = [];
  const used = new Map<string, ChatDestination>();
  for (const a of payload.alerts) {
    const dest = drillDestination(config, router, a.labels) ?? router.destination(a.labels.severity);
    if (!dest) continue;
    // Stryker disable next-line StringLiteral: "": a main thread keyed chat|Stryker was here! is as distinct from topics (chat|4) as chat| is (this also disables the non-equivalent empty key ``)
    used.set(`${dest.chatId}|${dest.threadId ?? ""}`, dest);
    out.push({ item: alertItem(dest, a, payload.externalURL), dest, windowMs });
  }
  const noteDests = used.size ? [...used.values()] : [router.destination(undefined)].filter((d): d is ChatDestination => d !== undefined);
  for (const n of notes(payload, rejected))
    for (const dest of noteDests) out.push({ item: noteItem(dest, n.html, n.identity, payload.externalURL), dest, windowMs });
  return out;
}

export function startBridge(config: BridgeConfig, deps: BridgeDeps = {}): Promise<RunningBridge> {
  const log = deps.log ?? new Logger();
  log.redact(config.token);
  const metrics = new BridgeMetrics();
  const router = new ChatRouter(config);
  const store = new StateStore(config.stateFile, log, {
    ...DEFAULT_STORE_LIMITS,
    maxCards: config.stateMaxCards,
    cardRetentionMs: config.cardRetentionMs,
  });
  store.load();
  metrics.stateErrors.inc({}, store.errors);
  const api = deps.api ?? (config.token ? new BotApiClient(config.token, config.apiBase) : undefined);
  const format = { prefix: config.prefix, environment: config.environment };
  const consoleOn =
    config.console.enabled &&
    // Stryker disable next-line ConditionalExpression: isConfigured(config) requires a bot token, and with a token api is always set (deps.api or a BotApiClient)
    api !== undefined &&
    isConfigured(config);
  const backoffMs = deps.pollBackoffMs ?? [1000, 2000, 5000, 15_000, 30_000];
  // Asked at start whatever the console: a token Telegram refuses makes the bridge not ready.
  const identity = api && isConfigured(config) ? new BotIdentity(api, log, backoffMs) : undefined;
  let console_: Console | undefined;
  const prometheus = prometheusClient(config.console);
  const graphs = config.graphs && prometheus ? new Graphs({ prometheus, metrics, log }, { ...DEFAULT_GRAPHS, ...deps.graphs }) : undefined;
  const outbox = api
    ? new Outbox(
        {
          api,
          store,
          metrics,
          log,
          format,
          buttons: consoleOn,
          graphs,
          // Stryker disable next-line ArrayDeclaration,BooleanLiteral: the outbox asks for a view only when buttons are on, which is only when the console exists, so the fallback is never read
          cardView: () => console_?.cardView() ?? { silenceDurations: [], canSilence: false },
        },
        { ...DEFAULT_DELIVERY, pace: config.pace, coalesceMs: config.coalesceMs, ...deps.delivery },
      )
    : undefined;
  const failedByReason = () => Object.fromEntries(DELIVERY_FAILURE_REASONS.map((r) => [r, metrics.failed.get({ reason: r })]));
  if (consoleOn && api && outbox) {
    console_ = new Console({
      config: config.console,
      router,
      store,
      outbox,
      api,
      metrics,
      log,
      format,
      escalation: config.escalation,
      background: deps.console,
      status: () => ({
        watchdogLastSeen: store.data.watchdogLastSeen,
        sent: metrics.sent.get(),
        failedByReason: failedByReason(),
        pending: outbox.pendingCount(),
        failingChats: outbox.failingChats(),
        stateFile: config.stateFile
          ? `${config.stateFile}${store.errors ? ` (${store.errors} read/write errors)` : ", healthy"}`
          : "in memory only (STATE_FILE not set)",
      }),
    });
  }
  const poller =
    console_ && api
      ? new Poller(api, console_, store, metrics, log, { timeoutSeconds: config.console.pollTimeoutSeconds, backoffMs, identity })
      : undefined;
  metrics.gauge("telegram_bridge_pending_alerts", "Alert notifications waiting for Telegram.", () => outbox?.pendingCount() ?? 0);
  metrics.gauge(
    "telegram_bridge_chats_refused",
    "Chats Telegram refuses permanently (bad token, blocked, not found), in back-off.",
    () => outbox?.failingChats() ?? 0,
  );
  metrics.gauge(
    "telegram_bridge_state_cards",
    "Messages the bridge remembers for replies, edits and buttons.",
    () => Object.keys(store.data.cards).length,
  );
  let stopping = false;
  const inFlight = new Set<Promise<void>>();

  function reply(res: http.ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}): void {
    // Answers go to Alertmanager, which logs them: no secret may be in them.
    const text = log.redactor.apply(typeof body === "string" ? body : JSON.stringify(body));
    res.writeHead(status, { "content-type": typeof body === "string" ? EXPOSITION_CONTENT_TYPE : "application/json", ...headers });
    res.end(text);
  }

  async function handleAlert(req: http.IncomingMessage, res: http.ServerResponse): Promise<void> {
    const started = Date.now();
    let body: string;
    try {
      body = await readBody(req, config.maxBodyBytes);
    } catch (e) {
      metrics.received.inc({ endpoint: "alert", result: "rejected" });
      log.warn("webhook rejected", { reason: (e as Error).message });
      res.setHeader("connection", "close");
      return reply(res, e instanceof BodyTooLarge ? 413 : 400, { error: (e as Error).message });
    }
    const parsed = parseWebhook(body);
    if (!parsed.ok) {
      metrics.received.inc({ endpoint: "alert", result: "rejected" });
      log.warn("webhook rejected", { reason: parsed.error });
      return reply(res, 400, { error: parsed.error });
    }
    const { payload, rejected } = parsed;
    if (rejected.length) {
      metrics.rejectedAlerts.inc({}, rejected.length);
      log.warn("alerts of a webhook could not be read; delivering the rest", {
        group_key: payload.groupKey,
        rejected: rejected.length,
        reasons: rejected.slice(0, 5).map((r) => r.reason),
      });
    }
    if (payload.truncatedAlerts) metrics.notIncluded.inc({}, payload.truncatedAlerts);
    if (payload.alerts.some((a) => a.labels.alertname === "Watchdog" && a.status === "firing")) store.sawWatchdog(Date.now());
    if (!outbox || !isConfigured(config)) {
      metrics.received.inc({ endpoint: "alert", result: "unconfigured" });
      log.error("alert not delivered: TELEGRAM_BOT_TOKEN and TELEGRAM_CHAT_ID are not configured", { alerts: payload.alerts.length });
      return reply(res, 503, { error: "telegram is not configured" });
    }
    // Drills: their hops are timed; a drill's end edits its message rather than posting another.
    const shown = console_ ? console_.drills.webhookSeen(payload.alerts) : payload.alerts;
    const deliveries = deliveriesFor(config, router, { ...payload, alerts: shown }, rejected);
    const result: DeliveryResult = await outbox.submit(deliveries, started + config.requestBudgetMs);
    if (result.status === "delivered") console_?.drills.telegramAccepted(shown);
    metrics.handling.observe((Date.now() - started) / 1000);
    metrics.received.inc({ endpoint: "alert", result: result.status });
    const fields = { group_key: payload.groupKey, receiver: payload.receiver, alerts: payload.alerts.length };
    if (result.status === "delivered") {
      log.info("alerts delivered", { ...fields, sent: result.sent, skipped_duplicates: result.skipped });
      return reply(res, 200, { ...result, rejected_alerts: rejected.length });
    }
    if (result.status === "transient") {
      log.warn("delivery incomplete; Alertmanager will retry", { ...fields, reason: result.reason });
      const retryAfter = result.retryAfterMs ? { "retry-after": String(Math.ceil(result.retryAfterMs / 1000)) } : undefined;
      return reply(res, 503, result, retryAfter);
    }
    // Permanent: 4xx, so Alertmanager does not retry within this flush. It sends the group again at
    // the next group_interval; the chat's back-off answers those at once without calling Telegram.
    return reply(res, 422, result);
  }

  async function handleHeartbeat(req: http.IncomingMessage, res: http.ServerResponse): Promise<void> {
    // Stryker disable next-line ArrowFunction,StringLiteral: the heartbeat's body is read only to drain it; the value is not used
    await readBody(req, config.maxBodyBytes).catch(() => "");
    store.sawWatchdog(Date.now());
    if (!config.heartbeatUrl) return reply(res, 404, { error: "HEARTBEAT_URL is not configured" });
    try {
      const r = await fetch(config.heartbeatUrl, { signal: AbortSignal.timeout(deps.heartbeatTimeoutMs ?? HEARTBEAT_TIMEOUT_MS) });
      if (!r.ok) throw new Error(`heartbeat answered ${r.status}`);
      metrics.heartbeats.inc({ result: "ok" });
      return reply(res, 200, { status: "pinged" });
    } catch (e) {
      metrics.heartbeats.inc({ result: "failed" });
      log.error("heartbeat ping failed", { reason: describeError(e) });
      return reply(res, 502, { error: "heartbeat ping failed" });
    }
  }

  // requestTimeout cuts off a client that sends its body too slowly (Node's default is 300 s).
  // keepAliveTimeout outlives Alertmanager's idle connections (prometheus/common keeps them 5 min),
  // so Node never closes a connection Alertmanager is about to reuse.
  const server = http.createServer(
    {
      requestTimeout: config.requestBodyTimeoutMs,
      headersTimeout: Math.min(10_000, config.requestBodyTimeoutMs),
      connectionsCheckingInterval: Math.min(1000, config.requestBodyTimeoutMs),
    },
    (req, res) => {
      // Stryker disable next-line StringLiteral: unreachable: Node's HTTP server always sets req.url on a request it hands to the handler
      const url = req.url ?? "/";
      const path = url.split("?")[0];
      const route = `${req.method} ${path}`;
      const work = (async () => {
        switch (route) {
          case "POST /alert":
            if (stopping) return reply(res, 503, { error: "shutting down" });
            return handleAlert(req, res);
          case "POST /heartbeat":
            return handleHeartbeat(req, res);
          case "GET /health":
            return reply(res, 200, { status: "ok" });
          case "GET /ready":
            if (stopping) return reply(res, 503, { status: "stopping" });
            if (!isConfigured(config)) return reply(res, 503, { status: "telegram not configured" });
            if (identity?.state.kind === "refused")
              return reply(res, 503, { status: "telegram refuses the bot token", detail: identity.state.detail });
            return reply(res, 200, { status: "ready" });
          case "GET /metrics":
            return reply(res, 200, metrics.render());
          default:
            return reply(res, ["/alert", "/heartbeat", "/health", "/ready", "/metrics"].includes(path) ? 405 : 404, {
              error: `no route ${route}`,
            });
        }
      })().catch((e: unknown) => {
        log.error("request failed", { route, reason: describeError(e) });
        // Stryker disable next-line ConditionalExpression: → true: every route answers with reply() as its last step, so a route's error comes before its headers are sent (this also disables the non-equivalent → false)
        if (!res.headersSent) reply(res, 500, { error: "internal error" });
      });
      inFlight.add(work);
      // Stryker disable next-line ArrowFunction: only memory: close() alone reads the set, with allSettled, and a finished request's promise is settled
      void work.finally(() => inFlight.delete(work));
    },
  );
  server.keepAliveTimeout = config.keepAliveTimeoutMs;

  return new Promise((resolve, reject) => {
    server.once("error", reject);
    server.listen(config.port, config.host, () => {
      const { port } = server.address() as AddressInfo;
      const host = config.host === "0.0.0.0" ? "127.0.0.1" : config.host;
      log.info("telegram bridge listening", {
        port,
        environment: config.environment,
        telegram_configured: isConfigured(config),
        console: consoleOn,
        state_file: config.stateFile ?? null,
        alertmanager: config.console.alertmanagerUrl ?? null,
        graphs: graphs !== undefined,
      });
      identity?.start();
      poller?.start();
      console_?.startBackground();
      resolve({
        server,
        metrics,
        store,
        url: `http://${host}:${port}`,
        async close(graceMs = STOP_DRAIN_MS) {
          stopping = true;
          const closed = new Promise<void>((r) => server.close(() => r()));
          const polling = poller?.stop();
          let timer: NodeJS.Timeout | undefined;
          const graceOver = new Promise((r) => (timer = setTimeout(r, graceMs)));
          await Promise.race([Promise.allSettled([...inFlight]), graceOver]);
          // Stryker disable next-line CallExpression: the grace timer only resolves a promise nothing waits on any more, and main.ts exits right after close() returns
          clearTimeout(timer);
          outbox?.close();
          await polling;
          await console_?.stopBackground();
          await identity?.stop();
          store.commit();
          server.closeAllConnections();
          await closed;
          log.info("telegram bridge stopped");
        },
        async kill() {
          // Stryker disable next-line BooleanLiteral: kill() closes the listener and cuts every connection at once, so no handler runs afterwards to read the flag
          stopping = true;
          store.freeze();
          outbox?.close();
          const polling = poller?.stop();
          await console_?.stopBackground();
          await identity?.stop();
          server.closeAllConnections();
          await new Promise<void>((r) => server.close(() => r()));
          await polling;
        },
      });
    });
  });
}

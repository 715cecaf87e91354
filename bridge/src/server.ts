import * as http from "http";
import { AddressInfo } from "net";
import { BridgeConfig, chatFor, isConfigured } from "./config";
import { Deliverer, DEFAULT_DELIVERY, DeliveryOptions, Part } from "./delivery";
import { formatMessages } from "./format";
import { Logger } from "./log";
import { BridgeMetrics } from "./metrics";
import { parseWebhook, WebhookPayload } from "./payload";
import { BotApiClient, TelegramApi } from "./telegram";

export interface BridgeDeps {
  readonly log?: Logger;
  readonly api?: TelegramApi;
  readonly delivery?: Partial<DeliveryOptions>;
}

export interface RunningBridge {
  readonly server: http.Server;
  readonly metrics: BridgeMetrics;
  readonly url: string;
  /** Stops accepting, lets in-flight deliveries finish (up to graceMs), then closes. */
  close(graceMs?: number): Promise<void>;
}

class BodyTooLarge extends Error {}

function readBody(req: http.IncomingMessage, limit: number): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    req.on("data", (c: Buffer) => {
      size += c.length;
      if (size > limit) {
        reject(new BodyTooLarge(`body larger than ${limit} bytes`));
        req.removeAllListeners("data");
        req.resume();
      } else chunks.push(c);
    });
    req.on("end", () => resolve(Buffer.concat(chunks).toString("utf8")));
    req.on("error", reject);
  });
}

function reply(res: http.ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}): void {
  const text = typeof body === "string" ? body : JSON.stringify(body);
  res.writeHead(status, { "content-type": typeof body === "string" ? "text/plain; version=0.0.4" : "application/json", ...headers });
  res.end(text);
}

/** Alerts split by destination chat, each formatted into messages within Telegram's limit. */
export function partsFor(config: BridgeConfig, payload: WebhookPayload): { parts: Part[]; truncated: number } {
  const byChat = new Map<string, WebhookPayload["alerts"]>();
  for (const a of payload.alerts) {
    const chat = chatFor(config, a.labels.severity);
    if (chat) byChat.set(chat, [...(byChat.get(chat) ?? []), a]);
  }
  const parts: Part[] = [];
  let truncated = 0;
  // Alertmanager never sends an empty list, but a hand-made request might: nothing to say.
  for (const [chatId, alerts] of byChat) {
    const f = formatMessages({ ...payload, alerts }, { prefix: config.prefix, environment: config.environment });
    truncated += f.truncatedAlerts;
    for (const html of f.messages) parts.push({ chatId, html, messageThreadId: config.messageThreadId });
  }
  return { parts, truncated };
}

export function startBridge(config: BridgeConfig, deps: BridgeDeps = {}): Promise<RunningBridge> {
  const log = deps.log ?? new Logger();
  log.redact(config.token);
  const metrics = new BridgeMetrics();
  const api = deps.api ?? (config.token ? new BotApiClient(config.token, config.apiBase) : undefined);
  const deliverer = api
    ? new Deliverer(api, metrics, log, { ...DEFAULT_DELIVERY, minIntervalMs: config.minSendIntervalMs, dedupeWindowMs: config.dedupeWindowMs, ...deps.delivery })
    : undefined;
  let stopping = false;
  const inFlight = new Set<Promise<void>>();

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
    if (!deliverer || !isConfigured(config)) {
      metrics.received.inc({ endpoint: "alert", result: "unconfigured" });
      log.error("alert not delivered: TELEGRAM_BOT_TOKEN and TELEGRAM_CHAT_ID are not configured", { alerts: parsed.payload.alerts.length });
      return reply(res, 503, { error: "telegram is not configured" });
    }
    const { parts, truncated } = partsFor(config, parsed.payload);
    if (truncated) metrics.truncated.inc({}, truncated);
    const result = await deliverer.deliver(parts, started + config.requestBudgetMs);
    metrics.handling.observe((Date.now() - started) / 1000);
    metrics.received.inc({ endpoint: "alert", result: result.status });
    const fields = { group_key: parsed.payload.groupKey, alerts: parsed.payload.alerts.length, parts: parts.length };
    if (result.status === "delivered") {
      log.info("alerts delivered", { ...fields, sent: result.sent, skipped_duplicates: result.skipped });
      return reply(res, 200, result);
    }
    if (result.status === "transient") {
      log.warn("delivery incomplete; Alertmanager will retry", { ...fields, reason: result.reason });
      const retryAfter = result.retryAfterMs ? { "retry-after": String(Math.ceil(result.retryAfterMs / 1000)) } : undefined;
      return reply(res, 503, result, retryAfter);
    }
    // Permanent: Alertmanager must not retry (4xx); the log line and metric make it loud.
    return reply(res, 422, result);
  }

  async function handleHeartbeat(req: http.IncomingMessage, res: http.ServerResponse): Promise<void> {
    await readBody(req, config.maxBodyBytes).catch(() => "");
    if (!config.heartbeatUrl) return reply(res, 404, { error: "HEARTBEAT_URL is not configured" });
    try {
      const r = await fetch(config.heartbeatUrl, { signal: AbortSignal.timeout(10_000) });
      if (!r.ok) throw new Error(`heartbeat answered ${r.status}`);
      metrics.heartbeats.inc({ result: "ok" });
      return reply(res, 200, { status: "pinged" });
    } catch (e) {
      metrics.heartbeats.inc({ result: "failed" });
      log.error("heartbeat ping failed", { reason: (e as Error).message });
      return reply(res, 502, { error: "heartbeat ping failed" });
    }
  }

  const server = http.createServer((req, res) => {
    const path = (req.url ?? "/").split("?")[0];
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
          return isConfigured(config) && !stopping ? reply(res, 200, { status: "ready" }) : reply(res, 503, { status: stopping ? "stopping" : "telegram not configured" });
        case "GET /metrics":
          return reply(res, 200, metrics.render());
        default:
          return reply(res, ["/alert", "/heartbeat", "/health", "/ready", "/metrics"].includes(path) ? 405 : 404, { error: `no route ${route}` });
      }
    })().catch((e: unknown) => {
      log.error("request failed", { route, reason: (e as Error).message });
      if (!res.headersSent) reply(res, 500, { error: "internal error" });
    });
    inFlight.add(work);
    void work.finally(() => inFlight.delete(work));
  });

  return new Promise((resolve, reject) => {
    server.once("error", reject);
    server.listen(config.port, config.host, () => {
      const { port } = server.address() as AddressInfo;
      const host = config.host === "0.0.0.0" ? "127.0.0.1" : config.host;
      log.info("telegram bridge listening", { port, environment: config.environment, telegram_configured: isConfigured(config) });
      resolve({
        server,
        metrics,
        url: `http://${host}:${port}`,
        async close(graceMs = 10_000) {
          stopping = true;
          const closed = new Promise<void>((r) => server.close(() => r()));
          let timer: NodeJS.Timeout | undefined;
          const graceOver = new Promise((r) => (timer = setTimeout(r, graceMs)));
          await Promise.race([Promise.allSettled([...inFlight]), graceOver]);
          clearTimeout(timer);
          server.closeAllConnections();
          await closed;
          log.info("telegram bridge stopped");
        },
      });
    });
  });
}

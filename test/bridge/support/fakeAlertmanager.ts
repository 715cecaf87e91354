import { randomUUID } from "crypto";
import * as http from "http";
import { AddressInfo } from "net";

export interface FakeSilence {
  id: string;
  matchers: { name: string; value: string; isRegex: boolean; isEqual?: boolean }[];
  startsAt: string;
  endsAt: string;
  createdBy: string;
  comment: string;
  status: { state: "active" | "expired" | "pending" };
}

export interface FakeAlert {
  labels: Record<string, string>;
  annotations?: Record<string, string>;
  startsAt?: string;
  fingerprint: string;
}

/**
 * What goes wrong with one request: "hang" never answers (a stuck Alertmanager); "lose" carries
 * the request out and then drops the connection, so the answer is lost although the change was
 * made; "drop" drops the connection before doing anything.
 */
export type Trouble = "hang" | "lose" | "drop" | undefined;

/** Alertmanager's API v2 as far as the console uses it, on loopback, checking what it is sent. */
export class FakeAlertmanager {
  readonly silences: FakeSilence[] = [];
  alerts: FakeAlert[] = [];
  ready = true;
  /** As `--silences.max-silences`: silences kept, expired ones included, beyond which a new one is refused. */
  maxSilences: number | undefined;
  /** Decides, per request, whether it goes wrong. */
  trouble: (method: string, path: string) => Trouble = () => undefined;
  /** Every request, in order: method and path. */
  readonly requests: string[] = [];
  /** Alerts posted to /api/v2/alerts (as Prometheus or a drill posts them), in order. */
  readonly posted: { labels: Record<string, string>; annotations?: Record<string, string>; startsAt?: string; endsAt?: string }[] = [];
  /** Called with each posted batch after it was accepted: a test routes it on (to the bridge's webhook) as Alertmanager would. */
  onPost: (alerts: FakeAlertmanager["posted"]) => void = () => undefined;
  private server?: http.Server;
  url = "";

  async start(): Promise<this> {
    this.server = http.createServer((req, res) => {
      let body = "";
      req.on("data", (c: Buffer) => (body += c.toString()));
      req.on("end", () => this.answer(req, res, body));
    });
    await new Promise<void>((r) => this.server!.listen(0, "127.0.0.1", r));
    this.url = `http://127.0.0.1:${(this.server.address() as AddressInfo).port}`;
    return this;
  }

  async stop(): Promise<void> {
    this.server?.closeAllConnections();
    await new Promise<void>((r) => (this.server ? this.server.close(() => r()) : r()));
  }

  active(): FakeSilence[] {
    return this.silences.filter((s) => s.status.state === "active");
  }

  /** The active silences whose matchers all match the alert, as Alertmanager lists them under status.silencedBy. */
  silencedBy(a: FakeAlert): string[] {
    const matches = (m: FakeSilence["matchers"][number]) => {
      const v = a.labels[m.name] ?? "";
      const hit = m.isRegex ? new RegExp(`^(?:${m.value})$`).test(v) : v === m.value;
      return m.isEqual === false ? !hit : hit;
    };
    return this.active()
      .filter((s) => s.matchers.every(matches))
      .map((s) => s.id);
  }

  /** A silence made outside the bridge (amtool, Grafana, the API), as Alertmanager would hold it. */
  addSilence(matchers: FakeSilence["matchers"], createdBy: string, endsAt: Date, comment = "made elsewhere"): FakeSilence {
    const s: FakeSilence = {
      id: randomUUID(),
      matchers,
      startsAt: new Date().toISOString(),
      endsAt: endsAt.toISOString(),
      createdBy,
      comment,
      status: { state: "active" },
    };
    this.silences.push(s);
    return s;
  }

  /** Expires a silence as amtool expire would. */
  expire(id: string): void {
    const s = this.silences.find((x) => x.id === id);
    if (s) Object.assign(s, { status: { state: "expired" }, endsAt: new Date().toISOString() });
  }

  private answer(req: http.IncomingMessage, res: http.ServerResponse, body: string): void {
    const url = new URL(req.url ?? "/", "http://x");
    this.requests.push(`${req.method} ${url.pathname}`);
    const trouble = this.trouble(req.method ?? "", url.pathname);
    if (trouble === "hang") return;
    if (trouble === "drop") return void req.socket.destroy();
    const json = (status: number, value: unknown) => {
      if (trouble === "lose") return void req.socket.destroy();
      res.writeHead(status, { "content-type": "application/json" });
      res.end(JSON.stringify(value));
    };
    const silenceId = /^\/api\/v2\/silence\/([\w-]+)$/.exec(url.pathname)?.[1];
    if (req.method === "GET" && url.pathname === "/-/ready") return json(this.ready ? 200 : 503, {});
    if (req.method === "POST" && url.pathname === "/api/v2/silences") {
      const s = JSON.parse(body) as Omit<FakeSilence, "id" | "status">;
      if (
        !Array.isArray(s.matchers) ||
        s.matchers.length === 0 ||
        !s.createdBy ||
        !s.comment ||
        !(Date.parse(s.endsAt) > Date.parse(s.startsAt))
      ) {
        return json(400, "silence invalid");
      }
      if (this.maxSilences !== undefined && this.silences.length >= this.maxSilences)
        return json(400, `exceeded maximum number of silences: ${this.silences.length} (limit: ${this.maxSilences})`);
      const silence = { ...s, id: randomUUID(), status: { state: "active" as const } };
      this.silences.push(silence);
      return json(200, { silenceID: silence.id });
    }
    if (req.method === "GET" && url.pathname === "/api/v2/silences") return json(200, this.silences);
    if (silenceId && req.method === "GET") {
      const s = this.silences.find((x) => x.id === silenceId);
      return s ? json(200, s) : json(404, "silence not found");
    }
    if (silenceId && req.method === "DELETE") {
      const s = this.silences.find((x) => x.id === silenceId);
      if (!s) return json(404, "silence not found");
      if (s.status.state === "expired") return json(500, `silence ${silenceId} already expired`);
      s.status.state = "expired";
      s.endsAt = new Date().toISOString();
      return json(200, {});
    }
    if (req.method === "POST" && url.pathname === "/api/v2/alerts") {
      const alerts = JSON.parse(body) as FakeAlertmanager["posted"];
      if (!Array.isArray(alerts) || alerts.some((a) => !a.labels || Object.keys(a.labels).length === 0)) return json(400, "invalid alerts");
      this.posted.push(...alerts);
      json(200, "");
      return this.onPost(alerts);
    }
    if (req.method === "GET" && url.pathname === "/api/v2/alerts") {
      const filter = url.searchParams.get("filter");
      const name = filter ? /alertname="([^"]*)"/.exec(filter)?.[1] : undefined;
      const shown = this.alerts.filter(
        (a) =>
          (name === undefined || a.labels.alertname === name) &&
          (url.searchParams.get("silenced") !== "false" || this.silencedBy(a).length === 0),
      );
      return json(
        200,
        shown.map((a) => ({
          annotations: {},
          startsAt: "2026-11-25T10:00:00Z",
          updatedAt: "2026-11-25T10:00:00Z",
          receivers: [],
          ...a,
          status: { state: this.silencedBy(a).length ? "suppressed" : "active", silencedBy: this.silencedBy(a), inhibitedBy: [] },
        })),
      );
    }
    json(404, "not found");
  }
}

/** Polls until `fn` returns something truthy; a bounded wait that says what it waited for. */
export async function until<T>(what: string, fn: () => T | undefined | false, timeoutMs = 5000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const v = fn();
    if (v) return v;
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

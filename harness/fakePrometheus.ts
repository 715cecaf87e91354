import * as http from "http";
import { AddressInfo } from "net";

/** An answer of 538,532 bytes, just over the bridge's 512 KiB cap: 140 series of an hour, as a query matching too much would give. */
const HUGE = Buffer.from(
  JSON.stringify({
    status: "success",
    data: {
      resultType: "matrix",
      result: Array.from({ length: 140 }, (_, i) => ({
        metric: { instance: `host-${i}` },
        values: Array.from({ length: 181 }, (_, j) => [1_800_000_000 + j * 20, "0.123"]),
      })),
    },
  }),
);

/** How the fake answers query_range: a matrix, no series, a 500, an answer over the bridge's cap, never, or once released. */
export type PrometheusMode = "answer" | "empty" | "error" | "huge" | "hang" | "hold";

/**
 * Prometheus's query_range on loopback, as far as the bridge's graphs use it: every request is
 * recorded with its form (query, start, end, step) and how many were in flight at once; the
 * answer is a matrix of `series` series over the asked range (a ramp each), after `delayMs`.
 */
export class FakePrometheus {
  mode: PrometheusMode = "answer";
  series = 2;
  delayMs = 0;
  /** When set, Prometheus's web config: a query without this Authorization header gets 401. */
  requiredAuthorization: string | undefined;
  readonly queries: { query: string; start: number; end: number; step: number; at: number; authorization?: string }[] = [];
  inFlight = 0;
  maxInFlight = 0;
  url = "";
  private server?: http.Server;
  private held: (() => void)[] = [];

  /** Lets the held queries (mode "hold") answer, and later ones answer at once. */
  release(): void {
    this.mode = "answer";
    for (const go of this.held.splice(0)) go();
  }

  async start(): Promise<this> {
    this.server = http.createServer((req, res) => {
      let body = "";
      req.on("data", (d: Buffer) => (body += d.toString()));
      req.on("end", () => void this.answer(req, res, body));
    });
    await new Promise<void>((r) => this.server!.listen(0, "127.0.0.1", r));
    this.url = `http://127.0.0.1:${(this.server.address() as AddressInfo).port}`;
    return this;
  }

  async stop(): Promise<void> {
    this.server?.closeAllConnections();
    await new Promise<void>((r) => (this.server ? this.server.close(() => r()) : r()));
  }

  private async answer(req: http.IncomingMessage, res: http.ServerResponse, body: string): Promise<void> {
    if (req.url === "/-/ready") return void res.writeHead(200).end("Prometheus Server is Ready.\n");
    if (req.url !== "/api/v1/query_range" || req.method !== "POST") return void res.writeHead(404).end("404 page not found\n");
    const form = new URLSearchParams(body);
    const q = {
      query: form.get("query") ?? "",
      start: Number(form.get("start")),
      end: Number(form.get("end")),
      step: Number(form.get("step")),
      at: Date.now(),
      authorization: req.headers.authorization,
    };
    this.queries.push(q);
    if (this.requiredAuthorization !== undefined && req.headers.authorization !== this.requiredAuthorization)
      return void res.writeHead(401, { "www-authenticate": "Basic" }).end("Unauthorized\n");
    this.inFlight += 1;
    this.maxInFlight = Math.max(this.maxInFlight, this.inFlight);
    res.on("close", () => (this.inFlight -= 1));
    if (this.mode === "hang") return;
    if (this.mode === "hold") await new Promise<void>((go) => this.held.push(go));
    if (this.delayMs) await new Promise((r) => setTimeout(r, this.delayMs));
    if (this.mode === "error")
      return void res
        .writeHead(500, { "content-type": "application/json" })
        .end('{"status":"error","errorType":"internal","error":"boom"}');
    const values = (i: number) => {
      const out: [number, string][] = [];
      for (let t = q.start; t <= q.end; t += q.step) out.push([t, String(0.5 + i * 0.1 + ((t - q.start) / (q.end - q.start)) * 0.3)]);
      return out;
    };
    if (this.mode === "huge") return void res.writeHead(200, { "content-type": "application/json" }).end(HUGE);
    const n = this.mode === "empty" ? 0 : this.series;
    const result = Array.from({ length: n }, (_, i) => ({ metric: { instance: `host-${i}:9100`, job: "node" }, values: values(i) }));
    res.writeHead(200, { "content-type": "application/json" });
    res.end(JSON.stringify({ status: "success", data: { resultType: "matrix", result } }));
  }
}

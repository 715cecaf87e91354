/**
 * The Bot API client: every answer classified for the retry policy with the detail an operator
 * reads, and the HTTP request it makes, against a loopback server that answers as Telegram would.
 */
import * as http from "http";
import { BotApiClient, classify, neverSent } from "../../bridge/src/telegram";
import { freePort } from "../support/ports";

describe("classifying Telegram's answers", () => {
  it.each([
    [200, { ok: true, result: { message_id: 7 } }, { kind: "ok", result: { message_id: 7 } }],
    [200, { ok: false, description: "odd" }, { kind: "transient", reason: "server_error", detail: "200 without ok: 200 odd" }],
    [200, undefined, { kind: "transient", reason: "server_error", detail: "200 without ok: 200" }],
    [429, { ok: false, parameters: { retry_after: 7 } }, { kind: "rate_limited", retryAfterMs: 7000 }],
    [429, { ok: false, parameters: { retry_after: 0 } }, { kind: "rate_limited", retryAfterMs: 1000 }],
    [429, undefined, { kind: "rate_limited", retryAfterMs: 1000 }],
    [400, { ok: false, parameters: { migrate_to_chat_id: -1009 } }, { kind: "migrated", toChatId: "-1009" }],
    [403, { ok: false, parameters: { migrate_to_chat_id: 0 } }, { kind: "migrated", toChatId: "0" }],
    [
      500,
      { ok: false, description: "Internal Server Error" },
      { kind: "transient", reason: "server_error", detail: "500 Internal Server Error" },
    ],
    [502, undefined, { kind: "transient", reason: "server_error", detail: "502" }],
    [0, undefined, { kind: "transient", reason: "server_error", detail: "0" }],
    [400, { ok: false, description: "Bad Request: MESSAGE IS NOT MODIFIED: x" }, { kind: "not_modified" }],
    [
      403,
      { ok: false, description: "message is not modified" },
      { kind: "permanent", reason: "forbidden", detail: "403 message is not modified" },
    ],
    [
      400,
      { ok: false, description: "Bad Request: can't parse entities: x" },
      { kind: "unparseable", detail: "400 Bad Request: can't parse entities: x" },
    ],
    [
      409,
      { ok: false, description: "can't parse entities" },
      { kind: "permanent", reason: "bad_request", detail: "409 can't parse entities" },
    ],
    [400, { ok: false, description: "Bad Request: text is too long" }, { kind: "too_long", detail: "400 Bad Request: text is too long" }],
    [
      400,
      { ok: false, description: "Bad Request: message is too long" },
      { kind: "too_long", detail: "400 Bad Request: message is too long" },
    ],
    [
      400,
      { ok: false, description: "Bad Request: message caption is too long" },
      { kind: "permanent", reason: "bad_request", detail: "400 Bad Request: message caption is too long" },
    ],
    [
      403,
      { ok: false, description: "Bad Request: text is too long" },
      { kind: "permanent", reason: "forbidden", detail: "403 Bad Request: text is too long" },
    ],
    [401, { ok: false, description: "Unauthorized" }, { kind: "permanent", reason: "bad_token", detail: "401 Unauthorized" }],
    [404, { ok: false, description: "Not Found" }, { kind: "permanent", reason: "bad_token", detail: "404 Not Found" }],
    [
      403,
      { ok: false, description: "Forbidden: bot was kicked" },
      { kind: "permanent", reason: "forbidden", detail: "403 Forbidden: bot was kicked" },
    ],
    [
      400,
      { ok: false, description: "Bad Request: chat not found" },
      { kind: "permanent", reason: "chat_not_found", detail: "400 Bad Request: chat not found" },
    ],
    [404, { ok: false, description: "chat not found" }, { kind: "permanent", reason: "bad_token", detail: "404 chat not found" }],
    [
      400,
      { ok: false, description: "Bad Request: message text is empty" },
      { kind: "permanent", reason: "bad_request", detail: "400 Bad Request: message text is empty" },
    ],
    [499, undefined, { kind: "permanent", reason: "bad_request", detail: "499" }],
  ])("%d %j", (status, body, outcome) => {
    expect(classify(status, body as never)).toEqual(outcome);
  });
});

describe("calling the Bot API", () => {
  let server: http.Server;
  let base: string;
  const requests: { method?: string; url?: string; type?: string; body: string }[] = [];
  let answer: (res: http.ServerResponse) => void;

  beforeAll(async () => {
    server = http.createServer((req, res) => {
      let body = "";
      req.on("data", (c) => (body += c));
      req.on("end", () => {
        requests.push({ method: req.method, url: req.url, type: req.headers["content-type"], body });
        answer(res);
      });
    });
    const port = await freePort();
    await new Promise<void>((resolve) => server.listen(port, "127.0.0.1", resolve));
    base = `http://127.0.0.1:${port}`;
  });
  afterAll(async () => {
    server.closeAllConnections();
    await new Promise((resolve) => server.close(resolve));
  });
  beforeEach(() => {
    requests.length = 0;
  });

  it("POSTs the parameters as JSON to /bot<token>/<method> and classifies the answer", async () => {
    answer = (res) =>
      res.writeHead(200, { "content-type": "application/json" }).end(JSON.stringify({ ok: true, result: { message_id: 42 } }));
    const outcome = await new BotApiClient("123:abc", base).call("sendMessage", { chat_id: "-1", text: "<b>é</b>" });
    expect(outcome).toEqual({ kind: "ok", result: { message_id: 42 } });
    expect(requests).toEqual([
      { method: "POST", url: "/bot123:abc/sendMessage", type: "application/json", body: '{"chat_id":"-1","text":"<b>é</b>"}' },
    ]);
  });
  it("an answer that is not JSON is classified by its status alone", async () => {
    answer = (res) => res.writeHead(502).end("<html>bad gateway</html>");
    expect(await new BotApiClient("t", base).call("getMe", {})).toEqual({ kind: "transient", reason: "server_error", detail: "502" });
  });
  it("a refused connection is a network failure that names its cause", async () => {
    const closed = await freePort();
    const outcome = await new BotApiClient("t", `http://127.0.0.1:${closed}`).call("getMe", {});
    expect(outcome).toEqual({ kind: "transient", reason: "network", detail: `fetch failed: connect ECONNREFUSED 127.0.0.1:${closed}` });
  });
  it("an answer that never comes is cut off at the timeout, or when the caller aborts; either may have been carried out", async () => {
    answer = () => undefined;
    const timedOut = await new BotApiClient("t", base, 50).call("getMe", {});
    expect(timedOut).toEqual({ kind: "transient", reason: "network", detail: expect.stringContaining("timeout"), maybeDelivered: true });
    const perCall = await new BotApiClient("t", base).call("getMe", {}, { timeoutMs: 50 });
    expect(perCall).toEqual({ kind: "transient", reason: "network", detail: expect.stringContaining("timeout"), maybeDelivered: true });
    const abort = new AbortController();
    const pending = new BotApiClient("t", base).call("getMe", {}, { signal: abort.signal });
    abort.abort(new Error("stopping"));
    expect(await pending).toEqual({ kind: "transient", reason: "network", detail: "stopping", maybeDelivered: true });
  });
  it("a connection cut after the request was sent: the request may have been carried out", async () => {
    answer = (res) => res.socket?.destroy();
    expect(await new BotApiClient("t", base).call("sendMessage", { chat_id: 1, text: "x" })).toEqual({
      kind: "transient",
      reason: "network",
      detail: expect.stringContaining("fetch failed"),
      maybeDelivered: true,
    });
  });
  it("never sent: only failures before any connection (refused, unknown host, unreachable, connect timeout)", () => {
    const fetchFailed = (code: string) => Object.assign(new TypeError("fetch failed"), { cause: Object.assign(new Error(code), { code }) });
    for (const code of ["ECONNREFUSED", "ENOTFOUND", "EAI_AGAIN", "EHOSTUNREACH", "ENETUNREACH", "UND_ERR_CONNECT_TIMEOUT"])
      expect(neverSent(fetchFailed(code))).toBe(true);
    for (const code of ["ECONNRESET", "UND_ERR_SOCKET", "EPIPE"]) expect(neverSent(fetchFailed(code))).toBe(false);
    expect(neverSent(new DOMException("The operation was aborted due to timeout", "TimeoutError"))).toBe(false);
    expect(neverSent(undefined)).toBe(false);
  });
  it("talks to api.telegram.org and waits 10 s by default", async () => {
    const fetch = jest.spyOn(global, "fetch").mockResolvedValue(new Response(JSON.stringify({ ok: true, result: true })));
    const timeout = jest.spyOn(AbortSignal, "timeout");
    try {
      expect(await new BotApiClient("123:abc").call("getMe", {})).toEqual({ kind: "ok", result: true });
      expect(fetch.mock.calls[0][0]).toBe("https://api.telegram.org/bot123:abc/getMe");
      expect(timeout).toHaveBeenCalledWith(10_000);
    } finally {
      fetch.mockRestore();
      timeout.mockRestore();
    }
  });
});

describe("classifying answers only by what Telegram means", () => {
  it("ok only with status 200; chat not found only as a 400", () => {
    expect(classify(502, { ok: true })).toEqual({ kind: "transient", reason: "server_error", detail: "502" });
    expect(classify(409, { ok: false, description: "chat not found" })).toEqual({
      kind: "permanent",
      reason: "bad_request",
      detail: "409 chat not found",
    });
    expect(classify(200, { ok: false, description: "chat not found" })).toEqual({
      kind: "transient",
      reason: "server_error",
      detail: "200 without ok: 200 chat not found",
    });
  });
});

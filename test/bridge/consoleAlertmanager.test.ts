import * as http from "http";
import { AlertmanagerClient, AlertmanagerError, matchersFor, seconds } from "../../bridge/src/console/alertmanagerClient";
import { freePort } from "../../harness/ports";

/**
 * The console's Alertmanager client against a recording server on loopback: the exact requests
 * (method, path, query, headers, body), every answer validated (a malformed one is an error, not
 * a silence), and errors that name the call, the status and what Alertmanager said.
 */

interface Seen {
  method: string;
  url: string;
  contentType: string | undefined;
  body: string;
  authorization?: string;
}
let server: http.Server;
let base: string;
let seen: Seen[];
/** The answer to the next request: status and body (a string as is, anything else as JSON), or "hang". */
let answers: ({ status: number; body?: unknown } | "hang")[];

beforeEach(async () => {
  seen = [];
  answers = [];
  const port = await freePort();
  server = http.createServer((req, res) => {
    let body = "";
    req.on("data", (c: Buffer) => (body += c.toString()));
    req.on("end", () => {
      seen.push({
        method: req.method ?? "",
        url: req.url ?? "",
        contentType: req.headers["content-type"],
        body,
        authorization: req.headers.authorization,
      });
      const a = answers.shift() ?? { status: 200, body: {} };
      if (a === "hang") return;
      res.writeHead(a.status, { "content-type": "application/json" });
      res.end(a.body === undefined ? "" : typeof a.body === "string" ? a.body : JSON.stringify(a.body));
    });
  });
  await new Promise<void>((r) => server.listen(port, "127.0.0.1", r));
  base = `http://127.0.0.1:${port}`;
});
afterEach(async () => {
  server.closeAllConnections();
  await new Promise<void>((r) => server.close(() => r()));
});

const silence = (extra: Record<string, unknown> = {}) => ({
  id: "s1",
  status: { state: "active", extra: 1 },
  matchers: [{ name: "alertname", value: "A", isRegex: false, isEqual: true }],
  startsAt: "2026-11-25T09:00:00Z",
  endsAt: "2026-11-25T10:00:00Z",
  createdBy: "me",
  comment: "c",
  updatedAt: "kept",
  ...extra,
});
const active = (extra: Record<string, unknown> = {}) => ({
  labels: { alertname: "A" },
  startsAt: "2026-11-25T09:00:00Z",
  fingerprint: "f1",
  status: { state: "active" },
  ...extra,
});

const failure = async (p: Promise<unknown>): Promise<Error> => {
  try {
    await p;
  } catch (e) {
    return e as Error;
  }
  throw new Error("no error");
};

describe("requests", () => {
  it("createSilence posts the silence as JSON with ISO times and returns its id", async () => {
    answers = [{ status: 200, body: { silenceID: "new-id" } }];
    const id = await new AlertmanagerClient(base).createSilence({
      matchers: [{ name: "a", value: "b", isRegex: false, isEqual: true }],
      startsAt: new Date("2026-11-25T09:00:00Z"),
      endsAt: new Date("2026-11-25T10:00:00Z"),
      createdBy: "@oncall (id 1)",
      comment: "why",
    });
    expect(id).toBe("new-id");
    expect(seen).toEqual([{ method: "POST", url: "/api/v2/silences", contentType: "application/json", body: expect.any(String) }]);
    expect(JSON.parse(seen[0].body)).toEqual({
      matchers: [{ name: "a", value: "b", isRegex: false, isEqual: true }],
      startsAt: "2026-11-25T09:00:00.000Z",
      endsAt: "2026-11-25T10:00:00.000Z",
      createdBy: "@oncall (id 1)",
      comment: "why",
    });
  });

  it("an answer without a silence id is an error", async () => {
    answers = [{ status: 200, body: { id: "x" } }];
    await expect(
      new AlertmanagerClient(base).createSilence({ matchers: [], startsAt: new Date(), endsAt: new Date(), createdBy: "x", comment: "y" }),
    ).rejects.toThrow(/silenceID/);
  });

  it("expireSilence deletes the silence by its escaped id, with no body and no content type", async () => {
    answers = [{ status: 200 }];
    await new AlertmanagerClient(base).expireSilence("a/b c");
    expect(seen).toEqual([{ method: "DELETE", url: "/api/v2/silence/a%2Fb%20c", contentType: undefined, body: "" }]);
  });

  it("with the stack's credentials every call carries them (Alertmanager's web config asks for them on every path)", async () => {
    answers = [{ status: 200, body: [] }, { status: 200 }, { status: 200, body: "OK" }];
    const am = new AlertmanagerClient(base, 1000, undefined, "Basic dTpw");
    await am.silences();
    await am.expireSilence("s1");
    expect(await am.ready()).toBe(true);
    expect(seen.map((x) => x.authorization)).toEqual(["Basic dTpw", "Basic dTpw", "Basic dTpw"]);
  });

  it("firingAlerts asks for active alerts that are neither silenced nor inhibited", async () => {
    answers = [{ status: 200, body: [active()] }];
    const alerts = await new AlertmanagerClient(base).firingAlerts();
    expect(seen[0]).toMatchObject({
      method: "GET",
      url: "/api/v2/alerts?active=true&silenced=false&inhibited=false&unprocessed=false",
      contentType: undefined,
    });
    // Annotations default to none.
    expect(alerts).toEqual([{ ...active(), annotations: {}, status: { ...active().status, silencedBy: [] } }]);
  });

  it("alertsNamed filters by an exactly quoted, escaped alert name", async () => {
    answers = [{ status: 200, body: [] }];
    await new AlertmanagerClient(base).alertsNamed('Watch dog"&');
    expect(seen[0].url).toBe(`/api/v2/alerts?filter=${encodeURIComponent('alertname="Watch dog"&"')}`);
  });

  it("silence and silences read what Alertmanager keeps, extra fields included", async () => {
    answers = [
      { status: 200, body: silence() },
      { status: 200, body: [silence(), silence({ id: "s2" })] },
    ];
    const am = new AlertmanagerClient(base);
    expect(await am.silence("s 1")).toEqual(silence());
    expect(seen[0]).toMatchObject({ method: "GET", url: "/api/v2/silence/s%201" });
    expect((await am.silences()).map((s) => s.id)).toEqual(["s1", "s2"]);
    expect(seen[1]).toMatchObject({ method: "GET", url: "/api/v2/silences" });
  });
});

describe("answers that are not what the API promises are errors", () => {
  it.each([
    ["a matcher without isRegex", silence({ matchers: [{ name: "a", value: "b" }] })],
    ["a matcher whose isEqual is no boolean", silence({ matchers: [{ name: "a", value: "b", isRegex: false, isEqual: "yes" }] })],
    ["a status without a state", silence({ status: {} })],
    ["no matchers", silence({ matchers: undefined })],
    ["no end", silence({ endsAt: undefined })],
  ])("a silence with %s", async (_what, body) => {
    answers = [{ status: 200, body }];
    await expect(new AlertmanagerClient(base).silence("s1")).rejects.toThrow();
  });

  it.each([
    ["a label that is no string", active({ labels: { n: 1 } })],
    ["a status without a state", active({ status: {} })],
    ["no fingerprint", active({ fingerprint: undefined })],
    ["annotations that are no strings", active({ annotations: { a: 1 } })],
  ])("an alert with %s", async (_what, body) => {
    answers = [{ status: 200, body: [body] }];
    await expect(new AlertmanagerClient(base).firingAlerts()).rejects.toThrow();
  });

  it("a body that is not JSON", async () => {
    answers = [{ status: 200, body: "<html>" }];
    const e = await failure(new AlertmanagerClient(base).silences());
    expect(e).toMatchObject({ kind: "unreadable", said: "Alertmanager's answer was not understood" });
    expect(e.message).toMatch(/^GET \/api\/v2\/silences: .*JSON/);
  });

  it("an answer that does not fit the API: unreadable, and it may have taken effect", async () => {
    answers = [{ status: 200, body: { id: "x" } }];
    const e = (await failure(
      new AlertmanagerClient(base).createSilence({ matchers: [], startsAt: new Date(), endsAt: new Date(), createdBy: "x", comment: "y" }),
    )) as AlertmanagerError;
    expect([e.kind, e.mayHaveApplied, e.gaveUp]).toEqual(["unreadable", true, false]);
    expect(e.message).toBe("POST /api/v2/silences: silenceID: Invalid input: expected string, received undefined");
  });
});

describe("failures", () => {
  it("an error status: the call, the status and the start of what Alertmanager said, trimmed", async () => {
    answers = [{ status: 500, body: `  ${"e".repeat(300)}` }];
    const e = await failure(new AlertmanagerClient(base).silences());
    expect(e).toBeInstanceOf(AlertmanagerError);
    expect(e.message).toBe(`GET /api/v2/silences: 500 ${"e".repeat(198)}`);
    expect((e as AlertmanagerError).status).toBe(500);
  });

  it("for the chat: what Alertmanager said, unquoted, without the call or the status", async () => {
    answers = [
      { status: 400, body: "exceeded maximum number of silences: 1 (limit: 1)" },
      { status: 503, body: "" },
    ];
    const am = new AlertmanagerClient(base);
    const refused = (await failure(am.expireSilence("s1"))) as AlertmanagerError;
    expect([refused.kind, refused.said, refused.mayHaveApplied, refused.gaveUp]).toEqual([
      "refused",
      "Alertmanager refused it: exceeded maximum number of silences: 1 (limit: 1)",
      false,
      false,
    ]);
    const failed = (await failure(am.expireSilence("s1"))) as AlertmanagerError;
    expect([failed.kind, failed.said, failed.mayHaveApplied, failed.gaveUp]).toEqual([
      "failed",
      "Alertmanager failed: status 503",
      true,
      false,
    ]);
  });

  it("a silence that does not exist is undefined; other errors are thrown", async () => {
    answers = [
      { status: 404, body: "silence not found" },
      { status: 500, body: "404 in the text" },
    ];
    const am = new AlertmanagerClient(base);
    expect(await am.silence("gone")).toBeUndefined();
    const e = await failure(am.silence("x"));
    expect(e.message).toBe("GET /api/v2/silence/x: 500 404 in the text");
  });

  it("unreachable: the call and the cause", async () => {
    const port = Number(new URL(base).port);
    server.closeAllConnections();
    await new Promise<void>((r) => server.close(() => r()));
    const am = new AlertmanagerClient(`http://127.0.0.1:${port}`);
    const e = await failure(am.expireSilence("s1"));
    expect(e).toBeInstanceOf(AlertmanagerError);
    expect(e.message).toMatch(/^DELETE \/api\/v2\/silence\/s1: fetch failed: .*ECONNREFUSED/);
    expect((e as AlertmanagerError).status).toBeUndefined();
    // Never sent, so nothing changed; no address, no error code in the chat.
    expect(e).toMatchObject({
      kind: "unreachable",
      said: "Alertmanager is not reachable (it refuses connections)",
      mayHaveApplied: false,
      gaveUp: true,
    });
    expect(await am.ready()).toBe(false);
    await new Promise<void>((r) => server.listen(port, "127.0.0.1", r));
  });

  it("an answer that never comes: the call times out after timeoutMs", async () => {
    answers = ["hang", "hang"];
    const am = new AlertmanagerClient(base, 100);
    const t0 = Date.now();
    const e = await failure(am.silences());
    expect(e).toBeInstanceOf(AlertmanagerError);
    expect(e.message).toMatch(/^GET \/api\/v2\/silences: .*timeout/i);
    expect(e).toMatchObject({ kind: "no_answer", said: "Alertmanager did not answer in 0.1 s", mayHaveApplied: true, gaveUp: true });
    expect(await am.ready()).toBe(false);
    expect(Date.now() - t0).toBeLessThan(5000);
  });
});

describe("calls whose answer is lost", () => {
  it("a connection closed after the request was sent: no answer, and it may have taken effect", async () => {
    server.removeAllListeners("request");
    server.on("request", (req: http.IncomingMessage) => req.on("data", () => undefined).on("end", () => req.socket.destroy()));
    const e = (await failure(
      new AlertmanagerClient(base).createSilence({ matchers: [], startsAt: new Date(), endsAt: new Date(), createdBy: "x", comment: "y" }),
    )) as AlertmanagerError;
    // The next call may well get through: a closed connection is no reason to give up on the rest.
    expect(e).toMatchObject({
      kind: "lost",
      said: "Alertmanager closed the connection without answering",
      mayHaveApplied: true,
      gaveUp: false,
    });
  });

  it("stopping the bridge ends a call under way at once", async () => {
    answers = ["hang"];
    const stop = new AbortController();
    const am = new AlertmanagerClient(base, 10_000, stop.signal);
    const t0 = Date.now();
    const pending = failure(am.silences());
    await new Promise((r) => setTimeout(r, 50));
    stop.abort();
    expect(await pending).toMatchObject({ kind: "stopped", said: "the bridge is stopping", mayHaveApplied: true, gaveUp: true });
    expect(Date.now() - t0).toBeLessThan(2000);
  });

  it("wait times read as seconds", () => {
    expect([seconds(10_000), seconds(100), seconds(1500)]).toEqual(["10 s", "0.1 s", "1.5 s"]);
  });
});

describe("readiness", () => {
  it("asks /-/ready: 200 is ready, anything else is not", async () => {
    answers = [{ status: 200 }, { status: 503 }];
    const am = new AlertmanagerClient(base);
    expect([await am.ready(), await am.ready()]).toEqual([true, false]);
    expect(seen.map((s) => [s.method, s.url])).toEqual([
      ["GET", "/-/ready"],
      ["GET", "/-/ready"],
    ]);
    expect(am.baseUrl).toBe(base);
  });
});

describe("matchersFor", () => {
  it("one equality matcher per label, sorted by name", () => {
    expect(matchersFor({ z: "1", a: "<2>", m: "" })).toEqual([
      { name: "a", value: "<2>", isRegex: false, isEqual: true },
      { name: "m", value: "", isRegex: false, isEqual: true },
      { name: "z", value: "1", isRegex: false, isEqual: true },
    ]);
  });
});

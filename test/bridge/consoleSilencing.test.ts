import { AlertmanagerClient, matchersFor, SilenceRequest } from "../../bridge/src/console/alertmanagerClient";
import { createSilences, expireSilences } from "../../bridge/src/console/silencing";
import { FakeAlertmanager } from "./support/fakeAlertmanager";

/**
 * Silences made and expired one call at a time against the fake Alertmanager, with its limits,
 * hangs and lost answers: for each, exactly what Alertmanager holds afterwards, asked again after a
 * lost answer, "unknown" only when that question fails too.
 */

let am: FakeAlertmanager;
beforeEach(async () => {
  am = await new FakeAlertmanager().start();
});
afterEach(() => am.stop());

const START = new Date("2026-11-25T10:00:00Z");
const END = new Date("2026-11-25T11:00:00Z");
const request = (instance: string, extra: Partial<SilenceRequest> = {}): SilenceRequest => ({
  matchers: matchersFor({ alertname: "DiskFull", instance }),
  startsAt: START,
  endsAt: END,
  createdBy: "@oncall (id 4242)",
  comment: "Silenced from Telegram (prod) on DiskFull; card card0001",
  ...extra,
});
const nth = (method: string, n: number, trouble: "hang" | "lose" | "drop") => {
  let seen = 0;
  return (m: string, path: string) => (m === method && path.startsWith("/api/v2/silence") && ++seen === n ? trouble : undefined);
};

describe("createSilences", () => {
  it("all made: each id, reported as soon as Alertmanager holds it", async () => {
    const created: [number, string][] = [];
    const out = await createSilences(new AlertmanagerClient(am.url), [request("a"), request("b")], (i, id) => created.push([i, id]));
    expect(out).toEqual(am.silences.map((s) => ({ result: "silenced", id: s.id })));
    expect(created).toEqual(am.silences.map((s, i) => [i, s.id]));
  });

  it("--silences.max-silences reached half-way: the first ones are silenced, the rest not, each with Alertmanager's reason", async () => {
    am.maxSilences = 2;
    const out = await createSilences(
      new AlertmanagerClient(am.url),
      ["a", "b", "c", "d"].map((i) => request(i)),
      () => undefined,
    );
    const refused = { result: "not_silenced", said: "Alertmanager refused it: exceeded maximum number of silences: 2 (limit: 2)" };
    expect(out).toEqual([{ result: "silenced", id: am.silences[0].id }, { result: "silenced", id: am.silences[1].id }, refused, refused]);
    // A refusal is an answer: the rest are still tried.
    expect(am.requests.filter((r) => r === "POST /api/v2/silences")).toHaveLength(4);
  });

  it("an answer lost after Alertmanager made the silence: found by what was sent, reported silenced with its id", async () => {
    am.trouble = nth("POST", 2, "lose");
    const created: [number, string][] = [];
    // A look-alike made by someone else, or for another end, is not taken for it.
    am.silences.push({ ...JSON.parse(JSON.stringify(request("b"))), id: "other-author", createdBy: "amtool", status: { state: "active" } });
    am.silences.push({
      ...JSON.parse(JSON.stringify(request("b", { endsAt: new Date(END.getTime() + 1) }))),
      id: "other-end",
      status: { state: "active" },
    });
    const out = await createSilences(new AlertmanagerClient(am.url), [request("a"), request("b"), request("c")], (i, id) =>
      created.push([i, id]),
    );
    const made = am.silences.filter((s) => !s.id.startsWith("other"));
    expect(made).toHaveLength(3);
    expect(out).toEqual(made.map((s) => ({ result: "silenced", id: s.id })));
    expect(created.map(([i]) => i)).toEqual([0, 2, 1]);
    expect(am.requests).toEqual(["POST /api/v2/silences", "POST /api/v2/silences", "POST /api/v2/silences", "GET /api/v2/silences"]);
  });

  it("a connection dropped before Alertmanager did anything: it holds no such silence, so not silenced", async () => {
    am.trouble = nth("POST", 1, "drop");
    const out = await createSilences(new AlertmanagerClient(am.url), [request("a"), request("b")], () => undefined);
    expect(out).toEqual([
      { result: "not_silenced", said: "Alertmanager closed the connection without answering; it holds no such silence" },
      { result: "silenced", id: am.silences[0].id },
    ]);
  });

  it("Alertmanager hangs: the rest are not tried, and when it cannot be asked either the outcome is unknown", async () => {
    am.trouble = (method) => (method === "POST" && am.silences.length === 1 ? "hang" : method === "GET" ? "hang" : undefined);
    const t0 = Date.now();
    const out = await createSilences(
      new AlertmanagerClient(am.url, 200),
      ["a", "b", "c"].map((i) => request(i)),
      () => undefined,
    );
    expect(out).toEqual([
      { result: "silenced", id: am.silences[0].id },
      { result: "unknown", said: "Alertmanager did not answer in 0.2 s, nor when asked again" },
      { result: "not_silenced", said: "not tried: Alertmanager did not answer in 0.2 s" },
    ]);
    // One wait for the silence, one for the question: not one per alert.
    expect(Date.now() - t0).toBeLessThan(1500);
  });

  it("Alertmanager unreachable: nothing made, said once per alert, the rest not tried", async () => {
    await am.stop();
    const out = await createSilences(new AlertmanagerClient(am.url), [request("a"), request("b")], () => undefined);
    expect(out).toEqual([
      { result: "not_silenced", said: "Alertmanager is not reachable (it refuses connections)" },
      { result: "not_silenced", said: "not tried: Alertmanager is not reachable (it refuses connections)" },
    ]);
  });
});

describe("expireSilences", () => {
  const add = async (n: number) => {
    const c = new AlertmanagerClient(am.url);
    for (let i = 0; i < n; i++) await c.createSilence(request(String(i)));
    return am.silences.map((s) => s.id);
  };

  it("expired, unknown to Alertmanager, or expired before: expired, gone, gone", async () => {
    const [a, b] = await add(2);
    am.silences[1].status.state = "expired";
    const out = await expireSilences(new AlertmanagerClient(am.url), [a, "00000000-0000-4000-8000-000000000000", b]);
    expect(out).toEqual([{ result: "expired" }, { result: "gone" }, { result: "gone" }]);
  });

  it("an answer lost after Alertmanager expired it: asked, found expired", async () => {
    const [a, b] = await add(2);
    am.trouble = nth("DELETE", 1, "lose");
    expect(await expireSilences(new AlertmanagerClient(am.url), [a, b])).toEqual([{ result: "expired" }, { result: "expired" }]);
  });

  it("a connection dropped before Alertmanager did anything: asked, still active", async () => {
    const [a] = await add(1);
    am.trouble = nth("DELETE", 1, "drop");
    expect(await expireSilences(new AlertmanagerClient(am.url), [a])).toEqual([
      { result: "still_active", said: "Alertmanager closed the connection without answering" },
    ]);
    expect(am.silences[0].status.state).toBe("active");
  });

  it("Alertmanager hangs: the rest are not tried, the first is unknown when it cannot be asked either", async () => {
    const [a, b] = await add(2);
    am.trouble = (method) => (method === "DELETE" || method === "GET" ? "hang" : undefined);
    expect(await expireSilences(new AlertmanagerClient(am.url, 200), [a, b])).toEqual([
      { result: "unknown", said: "Alertmanager did not answer in 0.2 s, nor when asked again" },
      { result: "still_active", said: "not tried: Alertmanager did not answer in 0.2 s" },
    ]);
  });
});

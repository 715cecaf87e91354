/**
 * Reading Alertmanager's webhook (what is refused, what is set aside and why) and the keys that
 * identify an alert and an item. Keys are stored in the state file, so they are pinned to exact
 * values: a change would make a restarted bridge send again everything it already delivered.
 */
import { ChatRouter } from "../../bridge/src/chats";
import { ChatDestination } from "../../bridge/src/config";
import { alertItem, noteItem } from "../../bridge/src/items";
import { alertKey, parseWebhook } from "../../bridge/src/payload";
import { alert } from "../../harness/alerts";

describe("webhook payload", () => {
  it("a body that is not JSON is refused with the parser's reason", () => {
    expect(parseWebhook("{")).toEqual({
      ok: false,
      error: "body is not JSON: Expected property name or '}' in JSON at position 1 (line 1 column 2)",
    });
  });
  it.each([
    ["null", "invalid Alertmanager payload at (root): Invalid input: expected object, received null"],
    ["[]", "invalid Alertmanager payload at (root): Invalid input: expected object, received array"],
    [
      JSON.stringify({ status: "firing", alerts: [], truncatedAlerts: -1 }),
      "invalid Alertmanager payload at truncatedAlerts: Too small: expected number to be >=0",
    ],
    [
      JSON.stringify({ status: "firing", alerts: [], groupLabels: { a: 1 } }),
      "invalid Alertmanager payload at groupLabels.a: Invalid input: expected string, received number",
    ],
  ])("an envelope %s is refused, saying where", (body, error) => {
    expect(parseWebhook(body)).toEqual({ ok: false, error });
  });
  it("each unreadable alert is set aside with its index, path and reason; the readable ones are kept, with defaults", () => {
    const r = parseWebhook(
      JSON.stringify({
        status: "firing",
        alerts: [
          5,
          { status: "x" },
          { status: "resolved" },
          { status: "firing", labels: { a: 1 } },
          { status: "firing", annotations: { b: {} } },
        ],
      }),
    );
    expect(r).toEqual({
      ok: true,
      payload: { status: "firing", alerts: [{ status: "resolved", labels: {}, annotations: {} }] },
      rejected: [
        { index: 0, reason: "alerts.0.(root): Invalid input: expected object, received number" },
        { index: 1, reason: 'alerts.1.status: Invalid option: expected one of "firing"|"resolved"' },
        { index: 3, reason: "alerts.3.labels.a: Invalid input: expected string, received number" },
        { index: 4, reason: "alerts.4.annotations.b: Invalid input: expected string, received object" },
      ],
    });
  });
  it("keeps the envelope's fields, known and unknown, and each alert's", () => {
    const body = {
      version: "4",
      groupKey: "{}:{}",
      truncatedAlerts: 2,
      status: "resolved",
      receiver: "r",
      externalURL: "http://am",
      future: { x: 1 },
      alerts: [{ ...alert(), extra: "&<" }],
    };
    const r = parseWebhook(JSON.stringify(body));
    expect(r).toEqual({ ok: true, payload: body, rejected: [] });
  });
});

describe("alert keys", () => {
  it("Alertmanager's fingerprint when it is a plain identifier of up to 64 characters", () => {
    for (const fp of ["abc", "a-b_C9", "f".repeat(64)]) expect(alertKey({ labels: { a: "1" }, fingerprint: fp })).toBe(fp);
  });
  it("otherwise a hash of the label set, whatever the order of the labels", () => {
    const fromLabels = "df3171cbfa7e27b6";
    for (const fp of [undefined, "", "f".repeat(65), "a b", "../x", "x\ny"]) {
      expect(alertKey({ labels: { a: "1", b: "2" }, fingerprint: fp })).toBe(fromLabels);
    }
    expect(alertKey({ labels: { b: "2", a: "1" } })).toBe(fromLabels);
    expect(alertKey({ labels: {} })).toBe("e3b0c44298fc1c14");
  });
  it("labels and values cannot be shifted into each other", () => {
    const sets: Record<string, string>[] = [{ a: "1", b: "2" }, { a: "1b", "": "2" }, { a: "12" }, { a1: "" }];
    const keys = sets.map((labels) => alertKey({ labels }));
    expect(new Set(keys).size).toBe(4);
  });
});

describe("item keys", () => {
  const dest = { chatId: "-1", threadId: undefined };
  const fired = alert({ fingerprint: "fp", startsAt: "2026-11-25T10:00:00Z" });
  it("are stable across versions", () => {
    expect(
      alertItem(dest, { status: "firing", labels: {}, annotations: {}, fingerprint: "fp", startsAt: "2026-11-25T10:00:00Z" }, undefined)
        .key,
    ).toBe("945a5179906712351f448f060d9612bd");
    expect(noteItem({ chatId: "-1", threadId: 5 }, "<i>x</i>", "id", undefined).key).toBe("fbf45899f5aa96780fc763a51c0f1cc6");
  });
  it("an alert item carries the alert, its key and Alertmanager's URL", () => {
    const i = alertItem(dest, fired, "http://am");
    expect(i).toEqual({
      kind: "alert",
      key: expect.stringMatching(/^[0-9a-f]{32}$/),
      alertKey: "fp",
      alert: fired,
      externalURL: "http://am",
    });
    expect(noteItem(dest, "<i>n</i>", "id", "http://am")).toEqual({
      kind: "note",
      key: expect.stringMatching(/^[0-9a-f]{32}$/),
      html: "<i>n</i>",
      externalURL: "http://am",
    });
  });
  it("differ by chat, topic, alert, status and incident; the Alertmanager URL does not count", () => {
    const key = (d: ChatDestination = dest, a = fired) => alertItem(d, a, undefined).key;
    const keys = [
      key(),
      key({ chatId: "-2", threadId: undefined }),
      key({ chatId: "-1", threadId: 3 }),
      key(dest, { ...fired, fingerprint: "other" }),
      key(dest, { ...fired, status: "resolved" }),
      key(dest, { ...fired, startsAt: "2026-11-26T10:00:00Z" }),
    ];
    expect(new Set(keys).size).toBe(keys.length);
    expect(alertItem(dest, fired, "http://elsewhere").key).toBe(key());
    expect(alertItem(dest, { ...fired, annotations: { summary: "changed" } }, undefined).key).toBe(key());
  });
  it("parts cannot run into each other", () => {
    // Chat "-1" in topic 2 is not chat "-12" without a topic.
    expect(noteItem({ chatId: "-1", threadId: 2 }, "", "x", undefined).key).not.toBe(
      noteItem({ chatId: "-12", threadId: undefined }, "", "x", undefined).key,
    );
    expect(noteItem(dest, "", "a", undefined).key).not.toBe(noteItem(dest, "", "b", undefined).key);
    expect(noteItem(dest, "<i>a</i>", "same", undefined).key).toBe(noteItem(dest, "<i>b</i>", "same", undefined).key);
  });
});

describe("chat routing", () => {
  const d = (chatId: string, threadId?: number) => ({ chatId, threadId });
  it("a severity's own chat, else the default; none when there is neither", () => {
    const r = new ChatRouter({ defaultChat: d("-1"), severityChats: new Map([["critical", d("-2", 4)]]) });
    expect([r.destination("critical"), r.destination("warning"), r.destination(undefined)]).toEqual([d("-2", 4), d("-1"), d("-1")]);
    expect(
      new ChatRouter({ defaultChat: undefined, severityChats: new Map([["critical", d("-2")]]) }).destination("warning"),
    ).toBeUndefined();
  });
  it("serves every configured chat once", () => {
    const r = new ChatRouter({
      defaultChat: d("-1"),
      severityChats: new Map([
        ["critical", d("-2")],
        ["warning", d("-1", 7)],
        ["info", d("@ch")],
      ]),
    });
    expect(r.configuredChats()).toEqual(["-1", "-2", "@ch"]);
    expect(new ChatRouter({ defaultChat: undefined, severityChats: new Map([["info", d("5")]]) }).configuredChats()).toEqual(["5"]);
    expect(new ChatRouter({ defaultChat: undefined, severityChats: new Map() }).configuredChats()).toEqual([]);
  });
});

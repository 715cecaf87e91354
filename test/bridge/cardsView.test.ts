/**
 * A card as the chat shows it: the message text with the status lines people's actions add, and
 * the buttons still on offer. Rendering is pure (card and time in, text and buttons out), so
 * every line and every button's callback data is pinned exactly.
 */
import {
  allResolved,
  CardView,
  decodeCallback,
  encodeCallback,
  newCardId,
  renderCardKeyboard,
  renderCardText,
} from "../../bridge/src/cards";
import { Card, Subject } from "../../bridge/src/stateStore";

const T0 = Date.parse("2026-11-25T10:00:00Z");
const MIN = 60_000;
const ID = "AbC_12-x";

const subject = (statuses: ("firing" | "resolved")[], extra: Partial<Subject> = {}, prefix = "k"): Subject => ({
  title: "",
  alerts: statuses.map((status, i) => ({ alertKey: `${prefix}${i}`, labels: { alertname: "A" }, status })),
  ...extra,
});
/** The subject with these alerts (all when not named) held quiet by the silence. */
const silenced = (
  s: Subject,
  silence: { ids: string[]; by: string; until: number },
  which: number[] = s.alerts.map((_, i) => i),
): Subject => ({
  ...s,
  alerts: s.alerts.map((a, i) => (which.includes(i) ? { ...a, silence } : a)),
});
const card = (subjects: Subject[], extra: Partial<Card> = {}): Card => ({
  id: ID,
  kind: "notification",
  chatId: "-1",
  messageId: 7,
  createdAt: T0,
  updatedAt: T0,
  body: {
    head: "HEAD",
    blocks: [
      { html: "🔴 <b>FIRING</b> — <b>A</b>", alertKey: "k0" },
      { html: "🟠 <b>FIRING</b> — <b>B</b>", alertKey: "k1" },
      { html: "note" },
    ],
    foot: "",
  },
  subjects,
  buttons: true,
  ...extra,
});
const view = (over: Partial<CardView> = {}): CardView => ({ silenceDurations: ["1h", "24h"], canSilence: true, now: T0, ...over });
const BODY = "HEAD\n\n🔴 <b>FIRING</b> — <b>A</b>\n\n🟠 <b>FIRING</b> — <b>B</b>\n\nnote";

describe("card text", () => {
  it("a card nobody acted on is its body alone", () => {
    expect(renderCardText(card([subject(["firing", "firing"])]), T0)).toBe(BODY);
  });
  it("resolved alerts are marked in their block and counted", () => {
    expect(renderCardText(card([subject(["resolved", "firing"])]), T0)).toBe(
      "HEAD\n\n✅ <b>RESOLVED</b> — <b>A</b>\n\n🟠 <b>FIRING</b> — <b>B</b>\n\nnote\n\n✅ 1 of 2 alerts resolved",
    );
  });
  it("all resolved: says so, with the count when there are several and the time when known", () => {
    const resolvedBody = "HEAD\n\n✅ <b>RESOLVED</b> — <b>A</b>\n\n✅ <b>RESOLVED</b> — <b>B</b>\n\nnote";
    expect(renderCardText(card([subject(["resolved", "resolved"])], { resolvedAt: T0 + MIN }), T0)).toBe(
      `${resolvedBody}\n\n✅ Resolved: all 2 alerts at 2026-11-25 10:01:00 UTC`,
    );
    expect(renderCardText(card([subject(["resolved", "resolved"])]), T0)).toBe(`${resolvedBody}\n\n✅ Resolved: all 2 alerts`);
    expect(
      renderCardText(card([subject(["resolved"])], { resolvedAt: T0 }), T0)
        .split("\n\n")
        .pop(),
    ).toBe("✅ Resolved at 2026-11-25 10:00:00 UTC");
  });
  it("a card without alerts shows no resolved line", () => {
    expect(renderCardText(card([subject([])]), T0)).toBe(BODY);
  });
  it("an active silence names who and until when; it ends at its time exactly", () => {
    const c = card([silenced(subject(["firing"]), { ids: ["s"], by: "Ann <ops>", until: T0 + 60 * MIN })]);
    expect(renderCardText(c, T0)).toBe(`${BODY}\n\n🔕 Silenced by Ann &lt;ops&gt; until 2026-11-25 11:00:00 UTC`);
    expect(renderCardText(c, T0 + 60 * MIN)).toBe(BODY);
  });
  it("an unsilence is shown once the silence is over, and an ack alongside either", () => {
    const s = silenced(subject(["firing"], { unsilenced: { by: "Bob", at: T0 - MIN }, acks: [{ by: "Cy", at: T0 - 2 * MIN }] }), {
      ids: ["s"],
      by: "Ann",
      until: T0 - 1,
    });
    expect(renderCardText(card([s]), T0)).toBe(
      `${BODY}\n\n🔔 Unsilenced by Bob at 2026-11-25 09:59:00 UTC\n👀 Cy is on it (since 2026-11-25 09:58:00 UTC)`,
    );
    const active = silenced(s, { ids: ["s"], by: "Ann", until: T0 + 1000 });
    expect(renderCardText(card([active]), T0)).toBe(
      `${BODY}\n\n🔕 Silenced by Ann until 2026-11-25 10:00:01 UTC\n👀 Cy is on it (since 2026-11-25 09:58:00 UTC)`,
    );
  });
  it("a silence that holds only some alerts says how many of those that fire", () => {
    const s = silenced(subject(["firing", "firing", "firing"]), { ids: ["s1"], by: "Ann", until: T0 + MIN }, [0, 2]);
    expect(
      renderCardText(card([s]), T0)
        .split("\n\n")
        .pop(),
    ).toBe("🔕 2 of 3 alerts silenced by Ann until 2026-11-25 10:01:00 UTC");
    // A resolved alert nobody silenced is out of the count; one still silenced stays in it.
    const resolvedOne = { ...s, alerts: s.alerts.map((a, i) => (i === 1 ? { ...a, status: "resolved" as const } : a)) };
    expect(
      renderCardText(card([resolvedOne]), T0)
        .split("\n\n")
        .pop(),
    ).toBe("🔕 Silenced by Ann until 2026-11-25 10:01:00 UTC\n✅ 1 of 3 alerts resolved");
  });
  it("silences by different people or until different times are each named with their count", () => {
    const s = silenced(
      silenced(subject(["firing", "firing", "firing"]), { ids: ["s1"], by: "Ann", until: T0 + MIN }, [0]),
      { ids: ["s2"], by: "Bob", until: T0 + 2 * MIN },
      [1, 2],
    );
    expect(
      renderCardText(card([s]), T0)
        .split("\n\n")
        .pop(),
    ).toBe("🔕 Silenced: 1 by Ann until 2026-11-25 10:01:00 UTC, 2 by Bob until 2026-11-25 10:02:00 UTC");
  });
  it("a second person's ack adds to the first; beyond five the rest are counted", () => {
    const acks = ["Ann", "Bob", "Cy", "Di", "Ed", "Flo", "Gus"].map((by, i) => ({ by, at: T0 + i * MIN }));
    const line = (n: number) =>
      renderCardText(card([subject(["firing"], { acks: acks.slice(0, n) })]), T0)
        .split("\n\n")
        .pop();
    expect(line(2)).toBe("👀 Ann (since 2026-11-25 10:00:00 UTC) and Bob (since 2026-11-25 10:01:00 UTC) are on it");
    expect(line(3)).toBe(
      "👀 Ann (since 2026-11-25 10:00:00 UTC), Bob (since 2026-11-25 10:01:00 UTC) and Cy (since 2026-11-25 10:02:00 UTC) are on it",
    );
    expect(line(7)).toMatch(/^👀 Ann .*, Ed \(since 2026-11-25 10:04:00 UTC\) and 2 more are on it$/);
  });
  it("with several subjects each status line says which one, by number", () => {
    const c = card([subject(["firing"], { acks: [{ by: "Ann", at: T0 }] }), subject(["firing"], { acks: [{ by: "Bob", at: T0 }] }, "j")]);
    expect(renderCardText(c, T0)).toBe(
      `${BODY}\n\n👀 #1 Ann is on it (since 2026-11-25 10:00:00 UTC)\n👀 #2 Bob is on it (since 2026-11-25 10:00:00 UTC)`,
    );
  });
  it("names are capped at 40 characters and an unreadable time shows as ?", () => {
    const c = card([subject(["firing"], { acks: [{ by: "n".repeat(41), at: Number.NaN }] })]);
    expect(renderCardText(c, T0)).toBe(`${BODY}\n\n👀 ${"n".repeat(40)}… is on it (since ?)`);
  });
});

describe("card buttons", () => {
  it("one subject: a row of silence durations, then a row with ack", () => {
    expect(renderCardKeyboard(card([subject(["firing"])]), view())).toEqual([
      [
        { text: "🔕 1h", callback_data: `v1:s:${ID}:0:1h` },
        { text: "🔕 24h", callback_data: `v1:s:${ID}:0:24h` },
      ],
      [{ text: "👀 Ack", callback_data: `v1:a:${ID}:0` }],
    ]);
  });
  it("a silenced subject offers unsilence instead, until the silence ends", () => {
    const c = card([silenced(subject(["firing"]), { ids: ["s"], by: "Ann", until: T0 + 1 })]);
    expect(renderCardKeyboard(c, view())).toEqual([
      [{ text: "🔔 Unsilence", callback_data: `v1:u:${ID}:0` }],
      [{ text: "👀 Ack", callback_data: `v1:a:${ID}:0` }],
    ]);
    expect(renderCardKeyboard(c, view({ now: T0 + 1 }))?.[0].map((b) => b.text)).toEqual(["🔕 1h", "🔕 24h"]);
  });
  it("a subject silenced in part offers both: silence for the rest and unsilence for the silenced", () => {
    const c = card([silenced(subject(["firing", "firing"]), { ids: ["s"], by: "Ann", until: T0 + MIN }, [1])]);
    expect(renderCardKeyboard(c, view())).toEqual([
      [
        { text: "🔕 1h", callback_data: `v1:s:${ID}:0:1h` },
        { text: "🔕 24h", callback_data: `v1:s:${ID}:0:24h` },
        { text: "🔔 Unsilence", callback_data: `v1:u:${ID}:0` },
      ],
      [{ text: "👀 Ack", callback_data: `v1:a:${ID}:0` }],
    ]);
  });
  it("without Alertmanager's API only ack is offered", () => {
    expect(renderCardKeyboard(card([subject(["firing"])]), view({ canSilence: false }))).toEqual([
      [{ text: "👀 Ack", callback_data: `v1:a:${ID}:0` }],
    ]);
  });
  it("several subjects: one row each, numbered, and none for a subject whose alerts all resolved", () => {
    const c = card([
      subject(["resolved"]),
      subject(["firing", "resolved"], {}, "j"),
      silenced(subject(["firing"], {}, "m"), { ids: ["s"], by: "A", until: T0 + MIN }),
    ]);
    expect(renderCardKeyboard(c, view({ silenceDurations: ["2h"] }))).toEqual([
      [
        { text: "🔕 2h #2", callback_data: `v1:s:${ID}:1:2h` },
        { text: "👀 Ack #2", callback_data: `v1:a:${ID}:1` },
      ],
      [
        { text: "🔔 Unsilence #3", callback_data: `v1:u:${ID}:2` },
        { text: "👀 Ack #3", callback_data: `v1:a:${ID}:2` },
      ],
    ]);
    expect(renderCardKeyboard(c, view({ canSilence: false }))).toEqual([
      [{ text: "👀 Ack #2", callback_data: `v1:a:${ID}:1` }],
      [{ text: "👀 Ack #3", callback_data: `v1:a:${ID}:2` }],
    ]);
  });
  it("no buttons on a card without them or once everything resolved", () => {
    expect(renderCardKeyboard(card([subject(["firing"])], { buttons: false }), view())).toBeUndefined();
    expect(renderCardKeyboard(card([subject(["resolved"]), subject(["resolved"])]), view())).toBeUndefined();
  });
  it("a card is all resolved when every alert of every subject is", () => {
    expect([
      allResolved(card([subject(["resolved"]), subject(["resolved"])])),
      allResolved(card([subject(["resolved"]), subject(["firing"])])),
      allResolved(card([])),
    ]).toEqual([true, false, true]);
  });
});

describe("card ids and callback data", () => {
  it("a card id is 8 URL-safe characters, new each time, and fits the callback pattern", () => {
    const ids = Array.from({ length: 50 }, newCardId);
    for (const id of ids) {
      expect(id).toMatch(/^[A-Za-z0-9_-]{8}$/);
      expect(decodeCallback(encodeCallback({ op: "ack", cardId: id, subject: 0 }))).toEqual({ op: "ack", cardId: id, subject: 0 });
    }
    expect(new Set(ids).size).toBe(50);
  });
  it("encodes each action in its short form", () => {
    expect(encodeCallback({ op: "silence", cardId: ID, subject: 12, duration: "1h30m" })).toBe(`v1:s:${ID}:12:1h30m`);
    expect(encodeCallback({ op: "unsilence", cardId: ID, subject: 1 })).toBe(`v1:u:${ID}:1`);
    expect(encodeCallback({ op: "ack", cardId: ID, subject: 2 })).toBe(`v1:a:${ID}:2`);
    expect(encodeCallback({ op: "expire", cardId: ID, index: 9 })).toBe(`v1:e:${ID}:9`);
  });
  it("decodes what it made and nothing else", () => {
    expect(decodeCallback(`v1:s:${ID}:99:1w2d3h4m`)).toEqual({ op: "silence", cardId: ID, subject: 99, duration: "1w2d3h4m" });
    for (const forged of [
      undefined,
      `v1:s:${ID}:1:1h2h3h4h5h`,
      `v1:s:${ID}:1:`,
      `v1:u:${ID}:1:1h`,
      `v1:a:${ID}`,
      ` v1:a:${ID}:1`,
      `v1:a:${ID}:1 `,
      "v1:x:6F2C9D1E-1B2A-4C3D-8E9F-0A1B2C3D4E5F",
    ]) {
      expect(decodeCallback(forged)).toBeUndefined();
    }
  });
});

describe("expire callback data", () => {
  const uuid = "6f2c9d1e-1b2a-4c3d-8e9f-0a1b2c3d4e5f";
  it("names the /silences answer and the place of the silence in it, nothing before or after", () => {
    expect(decodeCallback(`v1:e:${ID}:3`)).toEqual({ op: "expire", cardId: ID, index: 3 });
    expect([decodeCallback(`zv1:e:${ID}:3`), decodeCallback(`v1:e:${ID}:3z`), decodeCallback(`v1:e:${ID}:100`)]).toEqual([
      undefined,
      undefined,
      undefined,
    ]);
  });
  it("a bare silence id, as answers from before carried, is known as outdated and acts on nothing", () => {
    expect(decodeCallback(`v1:x:${uuid}`)).toEqual({ op: "outdated" });
    expect([decodeCallback(`zv1:x:${uuid}`), decodeCallback(`v1:x:${uuid}z`)]).toEqual([undefined, undefined]);
  });
});

/**
 * How pending items become one Telegram message: in full when everything fits the budget (the
 * limit less the room kept for later status lines), otherwise as many as fit in storm form. Both
 * sides of every limit are pinned: one character more or less than the budget, and a storm
 * message that holds exactly what fits, no more, no fewer.
 */
import {
  alertmanagerLink,
  formatAlert,
  formatAlertGroup,
  markResolved,
  MAX_DESCRIPTION_CHARS,
  messageHeader,
} from "../../bridge/src/format";
import { alertItem, Item, noteItem } from "../../bridge/src/items";
import { packNext, PackedMessage, renderBody, STATUS_RESERVE, STATUS_RESERVE_BYTES } from "../../bridge/src/packing";
import { WebhookAlert } from "../../bridge/src/payload";
import { sourceBytes, TELEGRAM_LIMITS } from "../../bridge/src/telegramLimits";
import { visibleLength } from "../../bridge/src/telegramText";
import { alert, longLinkStorm, longUrl } from "../../harness/alerts";

const O = { prefix: "[TutorDex]", environment: "prod" };
const DEST = { chatId: "-100", threadId: undefined };
const AM = "http://am.test:9093";
const item = (a: WebhookAlert, externalURL = AM) => alertItem(DEST, a, externalURL);
const note = (html: string) => noteItem(DEST, html, html, AM);
const text = (p: PackedMessage) => renderBody(p.body);
/** Limits with this visible length and Telegram's source bytes. */
const L = (visibleLength: number) => ({ visibleLength, sourceBytes: TELEGRAM_LIMITS.sourceBytes });
const STORM_NOTE = "<i>Storm summary: one line per alert; descriptions and links are in Alertmanager.</i>";

/** The storm message for exactly these items, as the chat should read it. */
function storm(items: readonly Item[]): string {
  const groups = new Map<string, WebhookAlert[]>();
  const notes: string[] = [];
  let firing = 0;
  let resolved = 0;
  for (const i of items) {
    if (i.kind === "note") {
      notes.push(i.html);
      continue;
    }
    const l = i.alert.labels;
    const k = JSON.stringify([i.alert.status, l.alertname, l.severity, l.component]);
    groups.set(k, [...(groups.get(k) ?? []), i.alert]);
    if (i.alert.status === "firing") firing += 1;
    else resolved += 1;
  }
  const am = alertmanagerLink(items.find((i) => i.externalURL)?.externalURL);
  const foot = [STORM_NOTE, am].filter(Boolean).join("\n");
  return [messageHeader(O, firing, resolved), ...[...groups.values()].map((g) => formatAlertGroup(g)), ...notes, foot].join("\n\n");
}

describe("message body", () => {
  it("joins head, blocks and foot with a blank line, leaving out empty parts", () => {
    expect(renderBody({ head: "H", blocks: [{ html: "a" }, { html: "b" }], foot: "F" })).toBe("H\n\na\n\nb\n\nF");
    expect(renderBody({ head: "", blocks: [{ html: "a" }], foot: "" })).toBe("a");
  });
  it("marks resolved only the blocks of resolved alerts", () => {
    const body = { head: "H", blocks: [{ html: "x1", alertKey: "k1" }, { html: "x2", alertKey: "k2" }, { html: "x3" }], foot: "" };
    expect(renderBody(body, new Set(["k2"]), (h) => `R(${h})`)).toBe("H\n\nx1\n\nR(x2)\n\nx3");
    expect(renderBody(body, new Set(["k2"]))).toBe("H\n\nx1\n\nx2\n\nx3");
  });
  it("keeps room for 200 characters of status lines", () => {
    expect(STATUS_RESERVE).toBe(200);
  });
});

describe("everything in full", () => {
  const a1 = alert({ fingerprint: "f1" });
  const a2 = alert({
    fingerprint: "f2",
    status: "resolved",
    endsAt: "2026-11-25T10:30:00Z",
    labels: { alertname: "B", severity: "warning" },
  });
  const items = [item(a1), item(a2), note("ℹ️ <i>3 more</i>")];

  it("has a header with the counts, one block per item in order, and the Alertmanager link", () => {
    const p = packNext(items, O);
    expect(p).toEqual({
      body: {
        head: "<b>[TutorDex] [PROD]</b> 1 firing, 1 resolved",
        blocks: [
          { html: formatAlert(a1).html, alertKey: items[0].kind === "alert" ? items[0].alertKey : "" },
          { html: formatAlert(a2).html, alertKey: "f2" },
          { html: "ℹ️ <i>3 more</i>" },
        ],
        foot: '<a href="http://am.test:9093/">Alertmanager</a>',
      },
      taken: items,
      mode: "full",
      summarised: 0,
      truncated: 0,
    });
  });
  it("takes the Alertmanager link of the first item that has one, and shows none without", () => {
    expect(packNext([alertItem(DEST, a1, undefined), item(a2, "http://am2.test/")], O).body.foot).toBe(
      '<a href="http://am2.test/">Alertmanager</a>',
    );
    expect(text(packNext([alertItem(DEST, a1, undefined)], O))).toBe(`<b>[TutorDex] [PROD]</b> 1 firing\n\n${formatAlert(a1).html}`);
  });
  it("fits when the visible text plus 2 per firing alert is exactly the budget, not one character more", () => {
    for (const set of [items, [item(a1), item(alert({ fingerprint: "f3" })), item(a2)]]) {
      const firing = set.filter((i) => i.kind === "alert" && i.alert.status === "firing").length;
      const n = visibleLength(text(packNext(set, O, L(100_000))));
      expect(packNext(set, O, L(n + 2 * firing + STATUS_RESERVE)).mode).toBe("full");
      expect(packNext(set, O, L(n + 2 * firing + STATUS_RESERVE - 1)).mode).toBe("summary");
    }
  });
  it("a block too big alone gives up description, halving it until the block leaves 300 for the frame", () => {
    const big = alert({ annotations: { description: "x".repeat(1500) } });
    // Budget 1290: a block may have 990 visible characters. 1500 and 750 of description are too many.
    expect(visibleLength(formatAlert(big, 750).html)).toBeGreaterThan(990);
    expect(visibleLength(formatAlert(big, 375).html)).toBeLessThanOrEqual(990);
    const p = packNext([item(big)], O, L(1490));
    expect(p.body.blocks).toEqual([{ html: formatAlert(big, 375).html, alertKey: "abc" }]);
    expect([p.mode, p.truncated]).toEqual(["full", 1]);
    expect(packNext([item(big)], O).body.blocks[0].html).toBe(formatAlert(big).html);
    expect(packNext([item(big)], O).truncated).toBe(0);
  });
  it("a block that still does not fit gives up its description down to one character, no further", () => {
    const big = alert({ labels: { alertname: "n".repeat(200) }, annotations: { summary: "s".repeat(700), description: "d".repeat(1500) } });
    const p = packNext([item(big)], O, L(visibleLength(formatAlert(big, 1).html) + 299 + STATUS_RESERVE));
    expect(p.mode).toBe("full");
    expect(p.body.blocks[0].html).toBe(formatAlert(big, 1).html);
    expect(p.body.blocks[0].html).toContain("\nd…\n");
  });
  it("an alert with a label name of 5,000 characters still makes one message within the limit", () => {
    // Prometheus sets no length limit on label names; such an alert once made no message at all.
    const p = packNext([item(alert({ labels: { ["k".repeat(5000)]: "v" } }))], O);
    expect(p.mode).toBe("full");
    expect(visibleLength(text(p))).toBeLessThanOrEqual(4096 - STATUS_RESERVE);
    expect(text(p)).toContain(`${"k".repeat(120)}…=<code>v</code>`);
  });
  it("an item too big alone for the budget still makes a message, in storm form", () => {
    const p = packNext([item(alert())], O, L(300));
    expect(p.taken).toHaveLength(1);
    expect([p.mode, text(p)]).toEqual(["summary", storm(p.taken)]);
  });
  it("needs at least one item", () => {
    expect(() => packNext([], O)).toThrow("packNext needs at least one item");
  });
});

describe("storm form", () => {
  const member = (i: number, alertname = "ChannelStale", status: "firing" | "resolved" = "firing") =>
    item(
      alert({ fingerprint: `f${i}`, status, labels: { alertname, severity: "warning", component: "collector", channel: `t.me/c${i}` } }),
    );

  /** Packs every item, checking each storm message holds exactly as many items as fit. */
  function packAll(pending: Item[], limit: number): PackedMessage[] {
    const out: PackedMessage[] = [];
    while (pending.length) {
      const p = packNext(pending, O, L(limit));
      expect(p.taken).toEqual(pending.slice(0, p.taken.length));
      out.push(p);
      pending = pending.slice(p.taken.length);
      // What is left may fit in full.
      if (p.mode === "full") continue;
      expect(text(p)).toBe(storm(p.taken));
      expect(visibleLength(text(p))).toBeLessThanOrEqual(limit - STATUS_RESERVE);
      if (pending.length) expect(visibleLength(storm([...p.taken, pending[0]]))).toBeGreaterThan(limit - STATUS_RESERVE);
      expect(p.summarised).toBe(p.taken.filter((i) => i.kind === "alert").length);
      expect(p.truncated).toBe(0);
    }
    return out;
  }

  it("one group: the next alert would change every line, so the group is measured as a whole", () => {
    expect(
      packAll(
        Array.from({ length: 100 }, (_, i) => member(i)),
        1200,
      ).filter((p) => p.mode === "summary").length,
    ).toBeGreaterThan(2);
  });
  it("a new group for each alert: the one that does not fit is left out entirely", () => {
    expect(
      packAll(
        Array.from({ length: 30 }, (_, i) => member(i, `Alert${i}`)),
        1200,
      ).filter((p) => p.mode === "summary").length,
    ).toBeGreaterThan(2);
  });
  it("firing and resolved alerts of one name are separate groups, counted in the header", () => {
    const [p] = packAll(
      [member(1), member(2, "ChannelStale", "resolved"), member(3), ...Array.from({ length: 40 }, (_, i) => member(10 + i, `A${i}`))],
      2500,
    );
    expect(p.body.head).toBe("<b>[TutorDex] [PROD]</b> " + `${p.summarised - 1} firing, 1 resolved`);
  });
  it("notes come after the groups and are left out too when they do not fit", () => {
    const notes = Array.from({ length: 30 }, (_, i) => note(`ℹ️ <i>note ${i} ${"n".repeat(60)}</i>`));
    const messages = packAll([member(1), member(2, "Other"), ...notes], 1200);
    expect(messages[0].mode).toBe("summary");
    expect(messages[0].taken.length).toBeGreaterThan(2);
    expect(messages[0].taken.length).toBeLessThan(32);
  });
  it("a first item too big for the budget is taken alone, alert or note", () => {
    expect(packNext([member(1), member(2)], O, L(250)).taken).toHaveLength(1);
    expect(packNext([note("x".repeat(300)), member(2)], O, L(250)).taken).toHaveLength(1);
  });
  it("an edit marks a resolved alert's block in a full message", () => {
    const p = packNext([member(1), member(2, "Other")], O);
    const keys = p.body.blocks.map((b) => b.alertKey!);
    expect(renderBody(p.body, new Set([keys[1]]), markResolved).split("\n\n")[2]).toMatch(/^✅ <b>RESOLVED<\/b> — <b>Other<\/b>/);
  });
});

describe("limits met exactly", () => {
  const a = (i: number, alertname = "ChannelStale") =>
    item(alert({ fingerprint: `g${i}`, labels: { alertname, severity: "warning", component: "collector", channel: `t.me/g${i}` } }));
  it("a block of exactly the budget less 300 keeps its whole description; one more and it is halved", () => {
    const big = alert({ annotations: { description: "x".repeat(1500) } });
    const exact = visibleLength(formatAlert(big).html) + 300 + STATUS_RESERVE;
    expect(packNext([item(big)], O, L(exact)).body.blocks[0].html).toBe(formatAlert(big).html);
    expect(packNext([item(big)], O, L(exact - 1)).body.blocks[0].html).toBe(formatAlert(big, 750).html);
  });
  it("a storm message of exactly the budget keeps its last alert", () => {
    const items = [a(1), a(2), a(3)];
    const p = packNext(items, O, L(visibleLength(storm(items.slice(0, 2))) + STATUS_RESERVE));
    expect([p.mode, p.taken]).toEqual(["summary", items.slice(0, 2)]);
  });
  it("a storm message of exactly the budget keeps its last note", () => {
    const items = [a(1), a(2, "Other"), note("ℹ️ <i>first</i>"), note("ℹ️ <i>second</i>")];
    const p = packNext(items, O, L(visibleLength(storm(items.slice(0, 3))) + STATUS_RESERVE));
    expect([p.mode, p.taken]).toEqual(["summary", items.slice(0, 3)]);
  });
});

describe("limits met exactly without an Alertmanager link", () => {
  it("an empty foot costs nothing: exactly the budget still fits in full", () => {
    // Six blocks, so each stays far below the budget less 300 and none gives up its description.
    const set = Array.from({ length: 6 }, (_, i) => alertItem(DEST, alert({ fingerprint: `n${i}` }), undefined));
    const n = visibleLength(text(packNext(set, O, L(100_000))));
    expect(packNext(set, O, L(n + 12 + STATUS_RESERVE)).mode).toBe("full");
    expect(packNext(set, O, L(n + 12 + STATUS_RESERVE - 1)).mode).toBe("summary");
  });
});

describe("the source-byte limit: links cost bytes, not visible characters", () => {
  /** Limits where only the source bytes can bind. */
  const B = (sourceBytes: number) => ({ visibleLength: 100_000, sourceBytes });
  const linked = (i: number, chars: number) =>
    item(
      alert({
        fingerprint: `b${i}`,
        labels: { alertname: `B${i}` },
        annotations: { runbook_url: longUrl("https://rb.test/x", `r${i}`, chars) },
        generatorURL: longUrl("http://p.test/graph", `g${i}`, chars),
      }),
    );

  it("keeps every link when the source is exactly the budget; one byte less and links over 512 go, the full form stays", () => {
    // Four blocks, so each stays far below the budget less the frame and none gives up links alone.
    const set = [linked(1, 1000), linked(2, 300), linked(3, 300), linked(4, 300)];
    const whole = packNext(set, O, B(1_000_000));
    const n = sourceBytes(text(whole)) + 2 * 4 + STATUS_RESERVE_BYTES;
    expect(packNext(set, O, B(n))).toEqual(whole);
    const shorter = packNext(set, O, B(n - 1));
    expect([shorter.mode, shorter.truncated]).toEqual(["full", 1]);
    expect(shorter.body.blocks.map((b) => b.html)).toEqual([
      formatAlert(set[0].kind === "alert" ? set[0].alert : alert(), MAX_DESCRIPTION_CHARS, 512).html,
      ...whole.body.blocks.slice(1).map((b) => b.html),
    ]);
    expect(text(shorter)).toContain(">Source</a>");
  });
  it("an alert whose links alone are over the budget gives them up, not its description", () => {
    const a = alert({
      fingerprint: "big",
      annotations: {
        description: "d".repeat(1500),
        runbook_url: longUrl("https://rb.test/x", "r", 2000),
        dashboard: longUrl("https://g.test/d", "d", 2000),
      },
      generatorURL: longUrl("http://p.test/g", "g", 2000),
    });
    const p = packNext([item(a)], O, B(sourceBytes(formatAlert(a, MAX_DESCRIPTION_CHARS, 0).html) + 300 * 6 + STATUS_RESERVE_BYTES));
    expect([p.mode, p.truncated]).toEqual(["full", 1]);
    expect(p.body.blocks[0].html).toBe(formatAlert(a, MAX_DESCRIPTION_CHARS, 0).html);
    expect(p.body.blocks[0].html).toContain("d".repeat(1500));
  });
  it("a storm message holds exactly as many groups as fit the bytes, their runbook links included", () => {
    const items = Array.from({ length: 10 }, (_, i) => linked(i, 1500));
    const p = packNext(items, O, { visibleLength: 1500, sourceBytes: sourceBytes(storm(items.slice(0, 3))) + STATUS_RESERVE_BYTES });
    expect([p.mode, p.taken, text(p)]).toEqual(["summary", items.slice(0, 3), storm(items.slice(0, 3))]);
    expect(text(p)).toContain('<a href="https://rb.test/x?tag=r0');
  });
  it("the 60-alert storm with three 2 kB links each: two messages, every alert, each within both limits less the reserve", () => {
    // In the order Alertmanager's webhooks bring them: one rule's alerts together.
    let pending: Item[] = longLinkStorm()
      .sort((a, b) => a.labels.alertname.localeCompare(b.labels.alertname))
      .map((a) => item(a));
    const messages: PackedMessage[] = [];
    while (pending.length) {
      const p = packNext(pending, O);
      messages.push(p);
      pending = pending.slice(p.taken.length);
      expect(visibleLength(text(p))).toBeLessThanOrEqual(TELEGRAM_LIMITS.visibleLength - STATUS_RESERVE);
      expect(sourceBytes(text(p))).toBeLessThanOrEqual(TELEGRAM_LIMITS.sourceBytes - STATUS_RESERVE_BYTES);
    }
    expect(messages.map((m) => [m.mode, m.taken.length])).toEqual([
      ["summary", expect.any(Number)],
      ["summary", expect.any(Number)],
    ]);
    expect(messages.reduce((n, m) => n + m.summarised, 0)).toBe(60);
  });
  it("keeps room for the status lines in bytes too: 6 per visible character", () => {
    expect(STATUS_RESERVE_BYTES).toBe(1200);
  });
});

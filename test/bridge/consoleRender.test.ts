import { MAX_ACKS } from "../../bridge/src/cards";
import { DEFAULT_CONSOLE_TIMING } from "../../bridge/src/console/console";
import { Result } from "../../bridge/src/console/outcomes";
import { DEFAULT_MAX_IN_FLIGHT } from "../../bridge/src/console/poller";
import { docSection } from "../support/docs";
import { ActiveAlert, seconds, Silence } from "../../bridge/src/console/alertmanagerClient";
import { authorize } from "../../bridge/src/console/authorization";
import {
  helpText,
  OVERVIEW_MAX_GROUPS,
  overviewCard,
  silencesMessage,
  statusMessage,
  StatusFacts,
} from "../../bridge/src/console/commands";
import { displayName, parseCommand, updateSchema } from "../../bridge/src/console/updates";
import { formatAlertGroup } from "../../bridge/src/format";
import { alertKey } from "../../bridge/src/payload";
import { visibleLength } from "../../bridge/src/telegramText";

/**
 * The console's pure parts: the texts of /help, /alerts, /silences and /status exactly as sent,
 * with awkward values (markup characters, empty and missing fields, many items), how a person is
 * named, which commands are ours, and who may do what.
 */

const O = { prefix: "<TD>&", environment: "prod" };
const HEAD = "<b>&lt;TD&gt;&amp; [PROD]</b>";
const NOW = Date.parse("2026-11-25T10:00:00Z");

const active = (
  labels: Record<string, string>,
  fingerprint = JSON.stringify(labels),
  annotations: Record<string, string> = {},
): ActiveAlert => ({
  labels,
  annotations,
  startsAt: "2026-11-25T09:00:00Z",
  fingerprint,
  status: { state: "active", silencedBy: [] },
});

describe("/help", () => {
  const d = ["1h", "<4h>"];
  const lines = (who: string) =>
    [
      `${HEAD} alerts console`,
      "/alerts — What fires now, grouped, with buttons",
      "/silences — Active silences, each with an Expire button",
      "/status — Prometheus, Alertmanager, the Watchdog, escalations, drills and this bridge",
      "/drill — Fire drill: a test alert through Alertmanager to this chat, timed hop by hop",
      "/help — What this bot does and who may do what",
      "",
      "Buttons on firing alerts: 🔕 silence for 1h / &lt;4h&gt; (matches exactly the alerts shown), 🔔 Unsilence, 👀 Ack (says who is on it, and stops an escalation).",
      "Resolved alerts arrive as replies to the message that showed them firing. Silences made in Alertmanager, Grafana or amtool show on the messages too.",
      who,
    ].join("\n");

  it("everyone, when set so", () => {
    expect(helpText(O, d, { allow: "everyone", allowedUserIds: new Set(), userId: 5 })).toBe(
      lines("Everyone in this chat may silence, unsilence, expire and start drills."),
    );
  });

  it("a list: its size, and whether the asker is on it", () => {
    expect(helpText(O, d, { allow: "list", allowedUserIds: new Set([5]), userId: 5 })).toBe(
      lines(
        "Only the on-call list (1 person) may silence, unsilence, expire and start drills; you are on it. Everyone here may read and Ack.",
      ),
    );
    expect(helpText(O, d, { allow: "list", allowedUserIds: new Set([5, 6]), userId: 7 })).toBe(
      lines(
        "Only the on-call list (2 people) may silence, unsilence, expire and start drills; you are not on it. Everyone here may read and Ack.",
      ),
    );
    expect(helpText(O, d, { allow: "list", allowedUserIds: new Set([5]), userId: undefined })).toContain("you are not on it.");
  });

  it("the chat's administrators, and the list beside them when there is one", () => {
    expect(helpText(O, d, { allow: "admins", allowedUserIds: new Set(), userId: 5 })).toBe(
      lines("This chat's administrators may silence, unsilence, expire and start drills. Everyone here may read and Ack."),
    );
    expect(helpText(O, d, { allow: "admins", allowedUserIds: new Set([5]), userId: 5 })).toBe(
      lines(
        "This chat's administrators and the on-call list (1 person; you are on it) may silence, unsilence, expire and start drills. Everyone here may read and Ack.",
      ),
    );
  });
});

describe("/alerts overview", () => {
  it("nothing but the Watchdog: no card", () => {
    expect(overviewCard([], O, "card0001", "-1", NOW)).toBeUndefined();
    expect(overviewCard([active({ alertname: "Watchdog" })], O, "card0001", "-1", NOW)).toBeUndefined();
  });

  it("groups by name, critical first then the larger group, one subject per group", () => {
    const alerts = [
      active({ alertname: "Info", severity: "info" }),
      active({ alertname: "Small", severity: "warning", i: "1" }),
      active({ alertname: "Big", severity: "warning", i: "1" }),
      active({ alertname: "Big", severity: "warning", i: "2" }),
      active({ alertname: "Crit", severity: "critical" }),
      active({ alertname: "Odd", severity: "whatever" }),
      active({ severity: "info" }, "nameless"),
      active({ alertname: "Watchdog", severity: "none" }),
    ];
    const card = overviewCard(alerts, O, "card0001", "-7", NOW)!;
    expect(card.subjects.map((s) => [s.title, s.alerts.length])).toEqual([
      ["Crit", 1],
      ["Big", 2],
      ["Small", 1],
      ["Info", 1],
      ["", 1],
      ["Odd", 1],
    ]);
    expect(card).toMatchObject({
      id: "card0001",
      kind: "overview",
      chatId: "-7",
      messageId: 0,
      createdAt: NOW,
      updatedAt: NOW,
      buttons: true,
      body: { foot: "" },
    });
    expect(card.body.head).toBe(`${HEAD} 7 firing now in Alertmanager, 6 groups`);
    expect(card.body.blocks.map((b) => b.html.split("\n")[0])).toEqual([
      "<b>#1</b> 🔴 <b>FIRING</b> — <b>Crit</b> · critical · <code>unknown</code>",
      "<b>#2</b> 🟠 <b>FIRING</b> — <b>Big</b> ×2 · warning · <code>unknown</code>",
      "<b>#3</b> 🟠 <b>FIRING</b> — <b>Small</b> · warning · <code>unknown</code>",
      "<b>#4</b> 🔵 <b>FIRING</b> — <b>Info</b> · info · <code>unknown</code>",
      "<b>#5</b> 🔵 <b>FIRING</b> — <b>(no alertname)</b> · info · <code>unknown</code>",
      "<b>#6</b> 🔵 <b>FIRING</b> — <b>Odd</b> · whatever · <code>unknown</code>",
    ]);
    expect(card.subjects[1].alerts).toEqual([
      { alertKey: alertKey(alerts[2]), labels: alerts[2].labels, status: "firing" },
      { alertKey: alertKey(alerts[3]), labels: alerts[3].labels, status: "firing" },
    ]);
  });

  it("one group says group", () => {
    expect(overviewCard([active({ alertname: "A" })], O, "card0001", "-1", NOW)!.body.head).toBe(
      `${HEAD} 1 firing now in Alertmanager, 1 group`,
    );
  });

  it(`beyond ${OVERVIEW_MAX_GROUPS} groups: the rest is counted in a last line`, () => {
    const alerts = Array.from({ length: 11 }, (_, i) => active({ alertname: `A${String(i).padStart(2, "0")}`, severity: "warning" }));
    alerts.push(active({ alertname: "A10", severity: "warning", extra: "x" }));
    const card = overviewCard(alerts, O, "card0001", "-1", NOW)!;
    expect(card.subjects).toHaveLength(OVERVIEW_MAX_GROUPS);
    expect(card.body.blocks).toHaveLength(OVERVIEW_MAX_GROUPS + 1);
    expect(card.body.blocks[0].html).toContain("<b>A10</b> ×2");
    expect(card.body.blocks[OVERVIEW_MAX_GROUPS].html).toBe("<i>…and 3 more groups (3 alerts); see Alertmanager.</i>");
  });

  it("a group too large for its share lists as many alerts as fit and counts the rest; the headline keeps the full count", () => {
    const many = Array.from({ length: 60 }, (_, i) =>
      active({ alertname: "ChannelStale", severity: "warning", channel: `t.me/channel_number_${i}` }),
    );
    const others = Array.from({ length: 7 }, (_, i) => active({ alertname: `Other${i}`, severity: "info" }));
    const card = overviewCard([...many, ...others], O, "card0001", "-1", NOW)!;
    const block = card.body.blocks[0].html;
    expect(block).toContain("<b>ChannelStale</b> ×60 ·");
    const listed = (block.match(/channel_number_\d+/g) ?? []).length;
    expect(listed).toBeGreaterThan(3);
    expect(listed).toBeLessThan(60);
    expect(block.endsWith(`\n<i>…and ${60 - listed} more</i>`)).toBe(true);
    const share = Math.floor((4096 - 120 - visibleLength(card.body.head) - 4) / 8) - 4;
    expect(visibleLength(block.replace("<b>#1</b> ", ""))).toBeLessThanOrEqual(share);
    // The share is used: one more line would not have fitted.
    expect(visibleLength(block)).toBeGreaterThan(share * 0.6);
    // Subjects keep at most 200 alerts each (the buttons silence those).
    expect(card.subjects[0].alerts).toHaveLength(60);
  });

  it("each group lists the most alerts its share allows: 30% fewer at a time while over 8, then one by one", () => {
    // The steps a group of `total` alerts is tried at, largest first (the documented rule).
    const steps = (total: number) => {
      const out: number[] = [];
      for (let n = total; n >= 1; n = n > 8 ? Math.floor(n * 0.7) : n - 1) out.push(n);
      return out;
    };
    const asWebhook = (a: ActiveAlert) => ({
      status: "firing" as const,
      labels: a.labels,
      annotations: a.annotations,
      startsAt: a.startsAt,
    });
    // A group shown with its first n alerts: the headline keeps the full count, the rest is counted.
    const shownWith = (group: ActiveAlert[], n: number) => {
      const html = formatAlertGroup(group.slice(0, n).map(asWebhook)).replace(/ ×\d+ · /, ` ×${group.length} · `);
      return n < group.length ? `${html}\n<i>…and ${group.length - n} more</i>` : html;
    };
    let boundaries = 0;
    // 60 alerts step 60, 42, 29, 20, 14, 9, 6, ...; 12 alerts step 12, 8, 7, ...
    for (const [size, groups] of [
      [60, 1],
      [60, 8],
      [60, 10],
      [12, 8],
    ]) {
      for (let pad = 0; pad < 60; pad++) {
        const big = Array.from({ length: size }, (_, i) =>
          active({ alertname: "Big", severity: "critical", common: "c".repeat(pad), channel: `t.me/chan_${i}_${"x".repeat(i % 7)}` }),
        );
        const others = Array.from({ length: groups - 1 }, (_, i) => active({ alertname: `O${i}`, severity: "info" }));
        const card = overviewCard([...big, ...others], O, "card0001", "-1", NOW)!;
        const shown = Math.min(groups, OVERVIEW_MAX_GROUPS);
        const more = groups > shown ? card.body.blocks[shown].html : "";
        const share = Math.floor((4096 - 120 - visibleLength(card.body.head) - visibleLength(more) - 4) / shown) - 4;
        const block = card.body.blocks[0].html.replace(/^<b>#1<\/b> /, "");
        const tried = steps(size);
        const n = tried.find((k) => visibleLength(shownWith(big, k)) <= share)!;
        expect({ size, groups, pad, block }).toEqual({ size, groups, pad, block: shownWith(big, n) });
        const larger = tried[tried.indexOf(n) - 1];
        if (larger !== undefined && visibleLength(shownWith(big, larger)) <= share + 8) boundaries++;
        if (visibleLength(block) === share) boundaries++;
      }
    }
    // The sweep reached the edge of a share often enough to tell a share a few characters off.
    expect(boundaries).toBeGreaterThan(3);
  });

  it("a group of exactly 8 that does not fit is tried at 7 next, not cut by 30% (that is for larger groups)", () => {
    const asWebhook = (a: ActiveAlert) => ({
      status: "firing" as const,
      labels: a.labels,
      annotations: a.annotations,
      startsAt: a.startsAt,
    });
    const shownWith = (group: ActiveAlert[], n: number) => {
      const html = formatAlertGroup(group.slice(0, n).map(asWebhook)).replace(/ ×\d+ · /, ` ×${group.length} · `);
      return n < group.length ? `${html}\n<i>…and ${group.length - n} more</i>` : html;
    };
    // Seven more groups make each group's share small; alerts with long labels are sized so 8 do not fit but 7 do.
    const others = Array.from({ length: 7 }, (_, i) => active({ alertname: `O${i}`, severity: "info" }));
    let checked = 0;
    for (let len = 20; len < 200 && checked === 0; len++) {
      const eight = Array.from({ length: 8 }, (_, i) =>
        active({ alertname: "Eight", severity: "critical", channel: `c${i}_${"x".repeat(len)}` }),
      );
      const card = overviewCard([...eight, ...others], O, "card0001", "-1", NOW)!;
      const share = Math.floor((4096 - 120 - visibleLength(card.body.head) - 4) / 8) - 4;
      if (!(visibleLength(shownWith(eight, 8)) > share && visibleLength(shownWith(eight, 7)) <= share)) continue;
      expect(card.body.blocks[0].html).toBe(`<b>#1</b> ${shownWith(eight, 7)}`);
      checked++;
    }
    expect(checked).toBe(1);
  });

  it("an alert named like the missing-name placeholder is grouped with the nameless", () => {
    const card = overviewCard(
      [active({ severity: "info" }, "x1"), active({ alertname: "(no alertname)", severity: "info" }, "x2")],
      O,
      "card0001",
      "-1",
      NOW,
    )!;
    expect(card.subjects.map((g) => g.alerts.length)).toEqual([2]);
  });

  it("a subject holds at most 200 alerts", () => {
    const many = Array.from({ length: 205 }, (_, i) => active({ alertname: "Storm", n: String(i) }));
    expect(overviewCard(many, O, "card0001", "-1", NOW)!.subjects[0].alerts).toHaveLength(200);
  });

  it("a group whose single alert does not fit its share shows only its name, cut to 60", () => {
    const huge = (i: number) =>
      active(
        {
          alertname: `${"N".repeat(100)}${i}`,
          severity: "warning",
          a: "v".repeat(60),
          b: "w".repeat(60),
          c: "x".repeat(60),
          d: "y".repeat(60),
        },
        `h${i}`,
        { summary: "s".repeat(200) },
      );
    const card = overviewCard(
      Array.from({ length: 8 }, (_, i) => huge(i)),
      O,
      "card0001",
      "-1",
      NOW,
    )!;
    expect(card.body.blocks.map((b) => b.html)).toEqual(Array.from({ length: 8 }, (_, i) => `<b>#${i + 1}</b> ${"N".repeat(60)}…`));
    // Without a name its headline is short: long label names make it too large all the same.
    const nameless = Object.fromEntries(["a", "b", "c", "d"].map((k) => [k.repeat(80), "v".repeat(60)]));
    const withNameless = overviewCard(
      [
        ...Array.from({ length: 7 }, (_, i) => huge(i)),
        active({ severity: "warning", ...nameless }, "nameless", { summary: "s".repeat(200) }),
      ],
      O,
      "card0001",
      "-1",
      NOW,
    )!;
    expect(withNameless.body.blocks[7].html).toBe("<b>#8</b> (no alertname)");
  });
});

describe("/silences", () => {
  const silence = (id: string, endsAt: string, extra: Partial<Silence> = {}): Silence => ({
    id,
    status: { state: "active" },
    matchers: [{ name: "alertname", value: "A", isRegex: false, isEqual: true }],
    startsAt: "2026-11-25T09:00:00Z",
    endsAt,
    createdBy: "@oncall (id 1)",
    comment: "",
    ...extra,
  });
  const uuid = (n: number) => `00000000-0000-4000-8000-${String(n).padStart(12, "0")}`;

  it("none active: says so, no buttons", () => {
    expect(silencesMessage([silence(uuid(1), "2026-11-25T11:00:00Z", { status: { state: "expired" } })], O, NOW, "card0001")).toEqual({
      html: `${HEAD} 0 active silences\nNothing is silenced.`,
      keyboard: undefined,
      listed: [],
    });
  });

  it("each active silence by its end, with its matchers, author and comment escaped, and an Expire button naming this answer and the place in it", () => {
    const r = silencesMessage(
      [
        silence(uuid(2), "2026-11-25T14:00:00Z", {
          matchers: [
            { name: "job", value: "a<b", isRegex: true, isEqual: true },
            { name: "env", value: "dev", isRegex: false, isEqual: false },
            { name: "x", value: "y.*", isRegex: true, isEqual: false },
            { name: "old", value: "v", isRegex: false },
          ],
          createdBy: "<script>",
          comment: "deploy & restart",
        }),
        silence(uuid(1), "2026-11-25T11:30:00Z"),
        silence(uuid(3), "2026-11-25T10:30:00Z", { status: { state: "pending" } }),
      ],
      O,
      NOW,
      "card0001",
    );
    expect(r.html).toBe(
      [
        `${HEAD} 2 active silences`,
        "<b>#1</b> ends 2026-11-25 11:30:00 UTC (in 1h 30m) · by @oncall (id 1)\n<code>alertname=A</code>",
        "<b>#2</b> ends 2026-11-25 14:00:00 UTC (in 4h) · by &lt;script&gt;\n<code>job~a&lt;b, env!=dev, x!~y.*, old=v</code>\n<i>deploy &amp; restart</i>",
      ].join("\n\n"),
    );
    expect(r.keyboard).toEqual([
      [{ text: "🗑 Expire #1", callback_data: "v1:e:card0001:0" }],
      [{ text: "🗑 Expire #2", callback_data: "v1:e:card0001:1" }],
    ]);
    // What the buttons may act on: exactly the silences listed, in their order.
    expect(r.listed).toEqual([
      { id: uuid(1), matchers: "alertname=A" },
      { id: uuid(2), matchers: "job~a<b, env!=dev, x!~y.*, old=v" },
    ]);
  });

  it("one silence says silence; an unparseable end is shown as given", () => {
    expect(silencesMessage([silence(uuid(1), "soon")], O, NOW, "card0001").html).toBe(
      `${HEAD} 1 active silence\n\n<b>#1</b> ends soon (in 0s) · by @oncall (id 1)\n<code>alertname=A</code>`,
    );
  });

  it("long author, matchers and comment are cut", () => {
    const r = silencesMessage(
      [
        silence(uuid(1), "2026-11-25T11:00:00Z", {
          createdBy: "c".repeat(70),
          comment: "m".repeat(250),
          matchers: [{ name: "n", value: "v".repeat(400), isRegex: false }],
        }),
      ],
      O,
      NOW,
      "card0001",
    );
    expect(r.html).toContain(`by ${"c".repeat(60)}…\n`);
    expect(r.html).toContain(`<code>n=${"v".repeat(298)}…</code>`);
    expect(r.html).toContain(`<i>${"m".repeat(200)}…</i>`);
  });

  it("ten at most, the rest counted", () => {
    const r = silencesMessage(
      Array.from({ length: 13 }, (_, i) => silence(uuid(i), new Date(NOW + (i + 1) * 60_000).toISOString())),
      O,
      NOW,
      "card0001",
    );
    expect(r.keyboard).toHaveLength(10);
    expect(r.listed).toHaveLength(10);
    expect(r.html.startsWith(`${HEAD} 13 active silences`)).toBe(true);
    expect(r.html.endsWith("\n\n<i>…and 3 more; see Alertmanager.</i>")).toBe(true);
    expect(r.html).toContain("<b>#10</b> ends 2026-11-25 10:10:00 UTC (in 10m)");
    expect(r.html).not.toContain("#11");
  });
});

describe("/status", () => {
  const facts: StatusFacts = {
    prometheus: "ready",
    alertmanager: "not ready",
    watchdogLastSeen: NOW - 90_000,
    watchdogInAlertmanager: "firing <since> now",
    sent: 12,
    failedByReason: { forbidden: 2, network: 0, server_error: 1 },
    pending: 3,
    failingChats: 1,
    stateFile: "/data/s<1>.json, healthy",
    escalations: [],
    drills: { underWay: [], last: undefined },
  };

  it("every line, failures listed by reason", () => {
    expect(statusMessage(facts, O, NOW)).toBe(
      [
        `${HEAD} status`,
        "Prometheus: ✅ ready",
        "Alertmanager: ❌ not ready",
        "Watchdog: last notification 1m 30s ago (2026-11-25 09:58:30 UTC); firing &lt;since&gt; now",
        "Bridge: 12 messages sent, failures: forbidden 2, server_error 1, 3 alerts queued, 1 chats refused by Telegram",
        "State: /data/s&lt;1&gt;.json, healthy",
        "Escalations: none under way",
        "Drills: none yet",
      ].join("\n"),
    );
  });

  it("not configured, never seen, no failures", () => {
    const text = statusMessage(
      { ...facts, prometheus: "not configured", alertmanager: "ready", watchdogLastSeen: undefined, failedByReason: { forbidden: 0 } },
      O,
      NOW,
    );
    expect(text.split("\n").slice(1, 5)).toEqual([
      "Prometheus: ➖ not configured",
      "Alertmanager: ✅ ready",
      "Watchdog: no notification since the bridge started remembering; firing &lt;since&gt; now",
      "Bridge: 12 messages sent, no failures, 3 alerts queued, 1 chats refused by Telegram",
    ]);
  });
});

describe("people, commands and updates", () => {
  it.each([
    [{ id: 1, username: "oncall", first_name: "Ann" }, "@oncall (id 1)"],
    [{ id: 2, first_name: "Ann", last_name: "Lee" }, "Ann Lee (id 2)"],
    [{ id: 3, last_name: "Lee" }, "Lee (id 3)"],
    [{ id: 4, first_name: "Ann" }, "Ann (id 4)"],
    [{ id: 5 }, "someone (id 5)"],
    [{ id: 6, username: "", first_name: "" }, "someone (id 6)"],
  ])("%j is named %s", (user, name) => {
    expect(displayName(user)).toBe(name);
  });

  it.each([
    ["/alerts", "bot", "alerts"],
    ["/ALERTS@BOT", "bot", "alerts"],
    ["/status@Bot please", "bOt", "status"],
    ["/help@anybot", undefined, "help"],
    ["/start\tnow", "bot", "start"],
    ["/alerts@other", "bot", undefined],
    ["/alerts123", "bot", undefined],
    ["hello /alerts", "bot", undefined],
    ["/", "bot", undefined],
    [undefined, "bot", undefined],
  ])("%j to %s is %s", (text, bot, command) => {
    expect(parseCommand(text, bot)).toBe(command);
  });

  it("updates: the fields the console reads are checked, the rest passes", () => {
    expect(updateSchema.safeParse({ update_id: 1, message: { message_id: 2, chat: { id: -5 }, text: "/help", extra: true } }).success).toBe(
      true,
    );
    expect(updateSchema.safeParse({ update_id: 1, callback_query: { id: "q", from: { id: 1 }, data: "x" } }).success).toBe(true);
    expect(updateSchema.safeParse({ update_id: 1.5 }).success).toBe(false);
    expect(updateSchema.safeParse({ update_id: 1, callback_query: { id: "q", data: "x" } }).success).toBe(false);
    expect(updateSchema.safeParse({ update_id: 1, message: { message_id: 2, chat: { id: "-5" } } }).success).toBe(false);
  });
});

describe("authorization messages", () => {
  const policy = {
    servedChats: () => new Set(["-1"]),
    allow: "list" as const,
    allowedUserIds: new Set([7]),
    administrators: async () => ({ ok: true as const, ids: new Set<number>() }),
  };
  it("name the action and the asker's id, when known", async () => {
    expect(await authorize(policy, "expire", "-1", 8)).toEqual({
      allowed: false,
      reason: "user",
      message:
        "Sorry, only the on-call list may expire here. Ask an admin to add your Telegram user id (8) to telegram.console.allowedUserIds.",
    });
    expect(await authorize(policy, "unsilence", "-1", undefined)).toEqual({
      allowed: false,
      reason: "user",
      message:
        "Sorry, only the on-call list may unsilence here. Ask an admin to add your Telegram user id to telegram.console.allowedUserIds.",
    });
    expect(await authorize(policy, "help", "-2", 7)).toEqual({
      allowed: false,
      reason: "chat",
      message: "Sorry, this bot only answers in the chats it sends alerts to.",
    });
    expect(await authorize(policy, "silence", "-1", 7)).toEqual({ allowed: true });
    expect(await authorize(policy, "drill", "-1", 8)).toMatchObject({ message: expect.stringContaining("may start a drill here") });
  });
});

describe("the on-call console's page (docs/on-call-console.md)", () => {
  const section = docSection("docs/on-call-console.md", "The on-call console");

  it("states the console's numbers as the code has them", () => {
    expect(section).toContain(`at most ${DEFAULT_MAX_IN_FLIGHT} at a time`);
    expect(section).toContain(`(an update under way when\nthe bridge dies is dropped, not repeated: at most ${DEFAULT_MAX_IN_FLIGHT})`);
    expect(section).toContain(`not known within ${seconds(DEFAULT_CONSOLE_TIMING.answerWithinMs)} is answered at once`);
    expect(section).toContain(`no answer within ${seconds(DEFAULT_CONSOLE_TIMING.alertmanagerTimeoutMs)}`);
    expect(section).toContain(`Alertmanager did not answer in ${seconds(DEFAULT_CONSOLE_TIMING.alertmanagerTimeoutMs)}`);
    expect(section).toContain(`are on it\`), up to ${MAX_ACKS}.`);
  });

  it("lists every result the console counts", () => {
    const results: Result[] = ["ok", "partial", "refused", "invalid", "stale", "failed"];
    expect(section).toContain(results.map((r) => `\`${r}\``).join(", "));
  });
});

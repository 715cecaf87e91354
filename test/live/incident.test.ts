import { hopDurations } from "../../bridge/src/console/drill";
import { EscalationRule } from "../../bridge/src/config";
import { ROUTES } from "../../generators/alertmanager";
import { ReceivedMessage } from "../../harness/fakeTelegram";
import { run } from "../../harness/tools";
import { amtoolHttpConfig, authedFetch, LiveStack, startLiveStack, waitFor } from "../../harness/liveStack";

/**
 * The incident loop against the real Alertmanager (and the rest of the live stack), with the
 * deployed route timings: a fire drill through the drill route, timed hop by hop; an escalation
 * that stops at Ack; a silence made and expired with amtool showing on the card within one
 * round of the bridge's Alertmanager sync. The figures are printed for the closing note.
 */
jest.setTimeout(180_000);

const CHAT = "-100500";
const SYNC_S = 5;
const ESCALATION: EscalationRule = {
  afterMs: 3000,
  everyMs: 3000,
  times: 10,
  mention: [{ id: 11, name: "Alice" }],
  chat: undefined,
  threadId: undefined,
};
const DRILL_ROUTE = ROUTES.find((r) => r.receiver === "telegram-drill")!;
const seconds = (d: string) => Number(/^(\d+)s$/.exec(d)![1]) * 1000;

async function postAlert(live: LiveStack, labels: Record<string, string>, summary: string, resolved = false): Promise<void> {
  const now = Date.now();
  const body = [
    {
      labels: { severity: "critical", component: "console", ...labels },
      annotations: { summary },
      startsAt: new Date(now - 1000).toISOString(),
      endsAt: new Date(resolved ? now : now + 3_600_000).toISOString(),
    },
  ];
  const r = await authedFetch(`${live.alertmanager}/api/v2/alerts`, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify(body),
  });
  if (!r.ok) throw new Error(`posting alerts: ${r.status} ${await r.text()}`);
}

const firing = (live: LiveStack, summary: string) =>
  waitFor(
    `the firing message about ${summary}`,
    async () => live.telegram.messages.find((m) => m.chatId === CHAT && m.text.includes("FIRING") && m.text.includes(summary)),
    30_000,
    50,
  );
const buttons = (m: ReceivedMessage) => (m.currentKeyboard ?? []).flat().map((b) => b.text);
const figures: string[] = [];

describe("the incident loop against the real Alertmanager", () => {
  let live: LiveStack;
  beforeAll(async () => {
    live = await startLiveStack({
      // The deployed timings: the drill is measured as a stack runs it.
      retime: (v) => v,
      bridgeEnv: { ALERTMANAGER_SYNC_SECONDS: String(SYNC_S) },
      bridgeConfig: (c) => ({ ...c, escalation: new Map([["critical", ESCALATION]]) }),
      bridgeDeps: { console: { escalationTickMs: 100, escalationMinGapMs: 0 } },
    });
  }, 90_000);
  afterAll(async () => {
    await live?.stop();
    if (figures.length) process.stdout.write(`\nincident loop, live tier:\n${figures.map((f) => `  ${f}`).join("\n")}\n`);
  });

  it("/drill: the synthetic alert goes through Alertmanager's drill route to the chat and back, each hop timed", async () => {
    const t0 = Date.now();
    live.telegram.say(CHAT, "/drill");
    const answer = await waitFor(
      "the drill's answer",
      async () => live.telegram.messages.find((m) => m.text.includes("Fire drill")),
      15_000,
      50,
    );
    await waitFor(
      "the drill's report",
      async () =>
        (answer.currentText.includes("❌") || answer.currentText.includes("⚠️")
          ? Promise.reject(new Error(answer.currentText))
          : answer.currentText.includes("✅ the alert path works")) || undefined,
      60_000,
      100,
    );
    const d = live.bridge.store.data.drills.at(-1)!;
    expect(d.result).toBe("ok");
    const hops = Object.fromEntries(hopDurations(d));
    // Alertmanager holds the first notification of the drill's group for the route's group_wait, counted from when it took the
    // alert (between the post and its answer: the webhook hop alone may be a little shorter); its end comes at the next group_interval at the latest.
    expect(hops.alertmanager + hops.webhook).toBeGreaterThanOrEqual(seconds(DRILL_ROUTE.group_wait));
    expect(hops.webhook).toBeLessThan(seconds(DRILL_ROUTE.group_wait) + 5000);
    expect(hops.resolved).toBeLessThanOrEqual(seconds(DRILL_ROUTE.group_interval) + 5000);
    expect(answer.currentText).toContain("4. resolved: Alertmanager's resolved webhook");
    const shown = live.telegram.messages.find((m) => m.text.includes("FireDrill"))!;
    expect(shown.keyboard).toBeUndefined();
    await waitFor("the drill's message edited to resolved", async () => shown.currentText.includes("✅ Resolved") || undefined, 10_000);
    figures.push(
      `drill ${d.id}: /drill → API accepted ${hops.alertmanager} ms, → webhook ${hops.webhook} ms (group_wait ${DRILL_ROUTE.group_wait}), → Telegram accepted ${hops.telegram} ms; ` +
        `/drill to chat ${d.hops.telegram! - d.startedAt} ms; end posted → resolved webhook ${hops.resolved} ms (group_interval ${DRILL_ROUTE.group_interval}); report after ${answer.edits.at(-1)!.at - t0} ms`,
    );
  });

  it("an unacknowledged critical alert is escalated every interval until Ack, then never again", async () => {
    const summary = "Incident live test: escalate me";
    await postAlert(live, { alertname: "IncidentEscalationTest", instance: "e1" }, summary);
    const m = await firing(live, summary);
    const escalations = () =>
      live.telegram.messages.filter(
        (x) => x.chatId === CHAT && x.text.includes("Escalation</b>") && x.text.includes("IncidentEscalationTest"),
      );
    const first = await waitFor("the first escalation", async () => escalations()[0], 15_000, 50);
    const second = await waitFor("the second escalation", async () => escalations()[1], 15_000, 50);
    // Counted from the card's time: when the bridge built the message for the send Telegram took (m.at is when Telegram took it).
    const card = Object.values(live.bridge.store.data.cards).find((c) => c.chatId === CHAT && c.messageId === m.messageId)!;
    const since = live.bridge.store.escalation(`${CHAT}|${card.subjects[0].alerts[0].alertKey}`)!.since;
    expect(first.at - since).toBeGreaterThanOrEqual(ESCALATION.afterMs);
    expect(second.at - first.at).toBeGreaterThanOrEqual(ESCALATION.everyMs);
    expect(first.text).toContain('<a href="tg://user?id=11">Alice</a>');
    const q = live.telegram.press(m, "Ack", { id: 4242, username: "oncall" });
    const acked = await waitFor("the Ack answered", async () => live.telegram.answerFor(q), 10_000, 50);
    // An escalation already handed to the chat's pace when Ack was pressed may still land; none is decided after it.
    await new Promise((r) => setTimeout(r, 1000));
    const shown = escalations().length;
    await new Promise((r) => setTimeout(r, 3 * ESCALATION.everyMs));
    expect(escalations()).toHaveLength(shown);
    figures.push(
      `escalation (after ${ESCALATION.afterMs} ms, every ${ESCALATION.everyMs} ms, rounds every 100 ms): firing message accepted → 1st escalation ${first.at - m.at} ms (card built → 1st ${first.at - since} ms), 1st → 2nd ${second.at - first.at} ms; ` +
        `${shown} sent before the Ack, 0 in the ${3 * ESCALATION.everyMs} ms after it (Ack answered "${acked.text}")`,
    );
    await postAlert(live, { alertname: "IncidentEscalationTest", instance: "e1" }, summary, true);
  });

  it("a silence made with amtool shows on the card within a sync round, and leaves it when amtool expires it", async () => {
    const summary = "Incident live test: silenced elsewhere";
    await postAlert(live, { alertname: "IncidentSyncTest", instance: "a1" }, summary);
    const m = await firing(live, summary);
    expect(buttons(m)).not.toContain("🔔 Unsilence");
    const am = [`--alertmanager.url=${live.alertmanager}`, ...amtoolHttpConfig(live)];
    const added = run("amtool", [
      "silence",
      "add",
      ...am,
      "--author=ops via amtool",
      "--duration=1h",
      "--comment=live test",
      "alertname=IncidentSyncTest",
      "instance=a1",
    ]);
    expect(added.status).toBe(0);
    const id = added.stdout.trim();
    const madeAt = Date.now();
    await waitFor(
      "the card shows the amtool silence",
      async () => m.currentText.includes("🔕 Silenced by ops via amtool until") || undefined,
      (SYNC_S + 5) * 1000,
      50,
    );
    const shownAfter = Date.now() - madeAt;
    expect(buttons(m)).toEqual(["🔔 Unsilence", "👀 Ack"]);
    expect(run("amtool", ["silence", "expire", ...am, id]).status).toBe(0);
    const expiredAt = Date.now();
    await waitFor("the card drops it", async () => !m.currentText.includes("Silenced by") || undefined, (SYNC_S + 5) * 1000, 50);
    const droppedAfter = Date.now() - expiredAt;
    expect(buttons(m)).toContain("🔕 1h");
    expect(shownAfter).toBeLessThanOrEqual((SYNC_S + 5) * 1000);
    figures.push(
      `sync (every ${SYNC_S} s): amtool silence on the card after ${shownAfter} ms, amtool expire off the card after ${droppedAfter} ms; ${live.bridge.metrics.syncs.get({ result: "ok" })} rounds so far, 2 queries each`,
    );
    await postAlert(live, { alertname: "IncidentSyncTest", instance: "a1" }, summary, true);
  });
});

import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { run } from "../support/tools";
import { ReceivedMessage } from "../support/fakeTelegram";
import { getJson, LiveStack, startLiveStack, waitFor } from "./harness";

/**
 * The console against the real Alertmanager: buttons pressed in the (fake) Telegram chat make
 * and expire real silences, which amtool lists; the bridge SIGKILLed mid-incident and restarted
 * repeats nothing and keeps replying to the right messages. Every wait for "nothing more
 * happens" is bounded by the route's own timing: the next group_interval or repeat_interval plus
 * a margin.
 */
jest.setTimeout(120_000);

const CHAT = "-100500";
const ONCALL = { id: 4242, username: "oncall" };
const STRANGER = { id: 777, username: "stranger" };
const GROUP_INTERVAL_S = 2;
const MARGIN_S = 3;

/** Posts alerts to Alertmanager as Prometheus does; `resolved` ends them now. */
async function postAlerts(live: LiveStack, alerts: { labels: Record<string, string>; summary: string }[], resolved = false): Promise<void> {
  const now = Date.now();
  const body = alerts.map((a) => ({
    labels: { severity: "critical", component: "console", ...a.labels },
    annotations: { summary: a.summary },
    startsAt: new Date(now - 60_000).toISOString(),
    endsAt: new Date(resolved ? now : now + 3_600_000).toISOString(),
    generatorURL: "http://prometheus.test/graph",
  }));
  const r = await live.request(`${live.alertmanager}/api/v2/alerts`, { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify(body) });
  if (!r.ok) throw new Error(`posting alerts: ${r.status} ${await r.text()}`);
}

const firingAbout = (live: LiveStack, summary: string) => live.telegram.messages.filter((m) => m.chatId === CHAT && m.text.includes("FIRING") && m.text.includes(summary));
const resolvedAbout = (live: LiveStack, summary: string) => live.telegram.messages.filter((m) => m.chatId === CHAT && m.text.includes("RESOLVED") && m.text.includes(summary));
const sleep = (s: number) => new Promise((r) => setTimeout(r, s * 1000));

/** amtool as the operators run it (runbooks/README.md): the Alertmanager password in an HTTP config file. */
function amtoolHttpConfig(live: LiveStack): string {
  const file = path.join(os.tmpdir(), `amtool-live-${process.pid}.yml`);
  fs.writeFileSync(file, `basic_auth:\n  username: tutordex-obs\n  password: ${live.passwords.alertmanager}\n`, { mode: 0o600 });
  return file;
}

function amtool(live: LiveStack, ...args: string[]): { id: string; createdBy: string; matchers: { name: string; value: string }[]; status: { state: string } }[] {
  const r = run("amtool", ["silence", "query", "-o", "json", `--alertmanager.url=${live.alertmanager}`, `--http.config.file=${amtoolHttpConfig(live)}`, ...args]);
  if (r.status !== 0) throw new Error(`amtool failed: ${r.output}`);
  return JSON.parse(r.stdout || "[]");
}

async function pressAndWait(live: LiveStack, m: ReceivedMessage, label: string, user: { id: number; username: string }): Promise<string | undefined> {
  const id = live.telegram.press(m, label, user);
  const answer = await waitFor(`answer to ${label}`, async () => live.telegram.answerFor(id), 15_000, 50);
  return answer.text;
}

describe("silences from the chat, with a short repeat_interval so notifying is observable", () => {
  // Reminders every 6 s: an alert that is not silenced shows up again within repeat + group_interval.
  const REPEAT_S = 6;
  let live: LiveStack;
  beforeAll(async () => {
    live = await startLiveStack({
      retime: (v, field) => (field === "repeat_interval" ? `${REPEAT_S}s` : field === "group_wait" ? (v === "60s" ? "5s" : "1s") : `${GROUP_INTERVAL_S}s`),
      bridgeEnv: { CONSOLE_ALLOWED_USER_IDS: String(ONCALL.id) },
    });
  }, 60_000);
  afterAll(async () => {
    await live?.stop();
  });

  it("Silence 1h makes a silence amtool lists and the alert stops notifying; Unsilence expires it and it notifies again", async () => {
    const summary = "Console live test: silence me";
    await postAlerts(live, [{ labels: { alertname: "ConsoleSilenceTest", instance: "s1" }, summary }]);
    const [first] = await waitFor("the firing message", async () => (firingAbout(live, summary).length ? firingAbout(live, summary) : undefined), 30_000);
    // Not silenced, it is reminded every repeat_interval.
    await waitFor("a reminder", async () => firingAbout(live, summary).length >= 2 || undefined, (REPEAT_S + GROUP_INTERVAL_S + MARGIN_S) * 1000);

    expect(await pressAndWait(live, first, "1h", ONCALL)).toBe("Silenced 1 alert for 1h.");
    const listed = amtool(live).filter((s) => s.matchers.some((m) => m.name === "alertname" && m.value === "ConsoleSilenceTest"));
    expect(listed).toHaveLength(1);
    expect(listed[0].createdBy).toBe("@oncall (id 4242)");
    expect(listed[0].matchers.find((m) => m.name === "instance")?.value).toBe("s1");
    const [inAm] = await getJson<{ status: { state: string; silencedBy: string[] } }[]>(`${live.alertmanager}/api/v2/alerts?filter=${encodeURIComponent('alertname="ConsoleSilenceTest"')}`);
    expect(inAm.status).toMatchObject({ state: "suppressed", silencedBy: [listed[0].id] });
    await waitFor("the message says who silenced it", async () => first.currentText.includes("Silenced by @oncall (id 4242) until") || undefined, 10_000);

    // Silenced: no reminder in a full repeat_interval plus group_interval.
    const shown = firingAbout(live, summary).length;
    await sleep(REPEAT_S + GROUP_INTERVAL_S + MARGIN_S);
    expect(firingAbout(live, summary)).toHaveLength(shown);

    expect(await pressAndWait(live, first, "Unsilence", ONCALL)).toBe("Silence expired; the alerts notify again.");
    expect(amtool(live).filter((s) => s.id === listed[0].id)).toEqual([]);
    expect(amtool(live, "--expired").find((s) => s.id === listed[0].id)?.status.state).toBe("expired");
    await waitFor("notifying again", async () => firingAbout(live, summary).length > shown || undefined, (REPEAT_S + GROUP_INTERVAL_S + MARGIN_S) * 1000);
    await postAlerts(live, [{ labels: { alertname: "ConsoleSilenceTest", instance: "s1" }, summary }], true);
  });

  it("a press by someone outside the allowlist changes nothing", async () => {
    const summary = "Console live test: not yours";
    await postAlerts(live, [{ labels: { alertname: "ConsoleRefusalTest", instance: "r1" }, summary }]);
    const [m] = await waitFor("the firing message", async () => (firingAbout(live, summary).length ? firingAbout(live, summary) : undefined), 30_000);
    const before = amtool(live, "--expired").length + amtool(live).length;
    expect(await pressAndWait(live, m, "4h", STRANGER)).toContain("Sorry, only the on-call list may silence here");
    expect(amtool(live, "--expired").length + amtool(live).length).toBe(before);
    expect(m.edits).toEqual([]);
    const [inAm] = await getJson<{ status: { state: string } }[]>(`${live.alertmanager}/api/v2/alerts?filter=${encodeURIComponent('alertname="ConsoleRefusalTest"')}`);
    expect(inAm.status.state).toBe("active");
    await postAlerts(live, [{ labels: { alertname: "ConsoleRefusalTest", instance: "r1" }, summary }], true);
  });
});

describe("the bridge SIGKILLed mid-incident", () => {
  let live: LiveStack;
  beforeAll(async () => {
    live = await startLiveStack({ bridgeAsProcess: true });
  }, 60_000);
  afterAll(async () => {
    await live?.stop();
  });

  it("repeats nothing after the restart and the resolved messages still reply to their firing messages", async () => {
    const a = { labels: { alertname: "ConsoleKillTest", instance: "k1" }, summary: "Kill test alert one" };
    const b = { labels: { alertname: "ConsoleKillTest", instance: "k2" }, summary: "Kill test alert two" };
    await postAlerts(live, [a]);
    const [firingA] = await waitFor("A firing", async () => (firingAbout(live, a.summary).length ? firingAbout(live, a.summary) : undefined), 30_000);

    await live.killBridge();
    // The group changes while the bridge is dead: Alertmanager must re-send [A, B] and keeps failing.
    await postAlerts(live, [a, b]);
    await sleep(GROUP_INTERVAL_S + MARGIN_S);
    await live.startBridge();
    const [firingB] = await waitFor("B firing after the restart", async () => (firingAbout(live, b.summary).length ? firingAbout(live, b.summary) : undefined), 30_000);
    expect(firingB.messageId).not.toBe(firingA.messageId);

    await postAlerts(live, [a, b], true);
    await waitFor("both resolved", async () => (resolvedAbout(live, a.summary).length && resolvedAbout(live, b.summary).length) || undefined, 30_000);
    // Nothing more within the next group_interval: no repeat of what was delivered before the kill.
    await sleep(GROUP_INTERVAL_S + MARGIN_S);
    expect(firingAbout(live, a.summary)).toHaveLength(1);
    expect(firingAbout(live, b.summary)).toHaveLength(1);
    const [resolvedA] = resolvedAbout(live, a.summary);
    const [resolvedB] = resolvedAbout(live, b.summary);
    expect(resolvedA.replyToMessageId).toBe(firingA.messageId);
    expect(resolvedB.replyToMessageId).toBe(firingB.messageId);
    await waitFor("the firing message from before the kill edited to resolved", async () => firingA.currentText.includes("✅ Resolved") || undefined, 10_000);
    expect(live.bridgeLogs()).not.toContain(live.telegram.token);
  });
});

import { ChildProcess, spawn } from "child_process";
import * as fs from "fs";
import * as http from "http";
import * as os from "os";
import * as path from "path";
import { loadConfig } from "../../bridge/src/config";
import { Logger } from "../../bridge/src/log";
import { RunningBridge, startBridge } from "../../bridge/src/server";
import { alertmanagerArgs } from "../../generators/commandLines";
import { alert, payload } from "../../harness/alerts";
import { FakeTelegram, ReceivedMessage } from "../../harness/fakeTelegram";
import { freePort } from "../../harness/ports";
import { requireTool, run } from "../../harness/tools";
import { fastConsoleEnv } from "../bridge/support/consoleEnv";
import { AmtoolTarget, amtoolHttpConfig, getJson, LiveStack, startLiveStack, waitFor } from "../../harness/liveStack";

/**
 * The console against the real Alertmanager: buttons pressed in the (fake) Telegram chat make
 * and expire real silences, which amtool lists; a Silence that meets `--silences.max-silences`
 * half-way, an Alertmanager stopped (SIGSTOP) mid-press and an answer lost after Alertmanager acted
 * are each reported as they are; the bridge SIGKILLed mid-incident and restarted
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
  const r = await live.request(`${live.alertmanager}/api/v2/alerts`, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify(body),
  });
  if (!r.ok) throw new Error(`posting alerts: ${r.status} ${await r.text()}`);
}

const firingAbout = (live: LiveStack, summary: string) =>
  live.telegram.messages.filter((m) => m.chatId === CHAT && m.text.includes("FIRING") && m.text.includes(summary));
const resolvedAbout = (live: LiveStack, summary: string) =>
  live.telegram.messages.filter((m) => m.chatId === CHAT && m.text.includes("RESOLVED") && m.text.includes(summary));
const sleep = (s: number) => new Promise((r) => setTimeout(r, s * 1000));

function amtool(
  live: Pick<LiveStack, "alertmanager"> & AmtoolTarget,
  ...args: string[]
): { id: string; createdBy: string; matchers: { name: string; value: string }[]; status: { state: string } }[] {
  const r = run("amtool", [
    "silence",
    "query",
    "-o",
    "json",
    `--alertmanager.url=${live.alertmanager}`,
    ...amtoolHttpConfig(live),
    ...args,
  ]);
  if (r.status !== 0) throw new Error(`amtool failed: ${r.output}`);
  return JSON.parse(r.stdout || "[]");
}

async function pressAndWait(
  live: LiveStack,
  m: ReceivedMessage,
  label: string,
  user: { id: number; username: string },
): Promise<string | undefined> {
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
      retime: (v, field) =>
        field === "repeat_interval" ? `${REPEAT_S}s` : field === "group_wait" ? (v === "60s" ? "5s" : "1s") : `${GROUP_INTERVAL_S}s`,
      bridgeEnv: { CONSOLE_ALLOWED_USER_IDS: String(ONCALL.id) },
    });
  }, 60_000);
  afterAll(async () => {
    await live?.stop();
  });

  it("Silence 1h makes a silence amtool lists and the alert stops notifying; Unsilence expires it and it notifies again", async () => {
    const summary = "Console live test: silence me";
    await postAlerts(live, [{ labels: { alertname: "ConsoleSilenceTest", instance: "s1" }, summary }]);
    const [first] = await waitFor(
      "the firing message",
      async () => (firingAbout(live, summary).length ? firingAbout(live, summary) : undefined),
      30_000,
    );
    // Not silenced, it is reminded every repeat_interval.
    await waitFor(
      "a reminder",
      async () => firingAbout(live, summary).length >= 2 || undefined,
      (REPEAT_S + GROUP_INTERVAL_S + MARGIN_S) * 1000,
    );

    expect(await pressAndWait(live, first, "1h", ONCALL)).toBe("Silenced 1 alert for 1h.");
    const listed = amtool(live).filter((s) => s.matchers.some((m) => m.name === "alertname" && m.value === "ConsoleSilenceTest"));
    expect(listed).toHaveLength(1);
    expect(listed[0].createdBy).toBe("@oncall (id 4242)");
    expect(listed[0].matchers.find((m) => m.name === "instance")?.value).toBe("s1");
    const [inAm] = await getJson<{ status: { state: string; silencedBy: string[] } }[]>(
      `${live.alertmanager}/api/v2/alerts?filter=${encodeURIComponent('alertname="ConsoleSilenceTest"')}`,
    );
    expect(inAm.status).toMatchObject({ state: "suppressed", silencedBy: [listed[0].id] });
    await waitFor(
      "the message says who silenced it",
      async () => first.currentText.includes("Silenced by @oncall (id 4242) until") || undefined,
      10_000,
    );

    // Silenced: no reminder in a full repeat_interval plus group_interval.
    const shown = firingAbout(live, summary).length;
    await sleep(REPEAT_S + GROUP_INTERVAL_S + MARGIN_S);
    expect(firingAbout(live, summary)).toHaveLength(shown);

    expect(await pressAndWait(live, first, "Unsilence", ONCALL)).toBe("Silence expired; the alerts notify again.");
    expect(amtool(live).filter((s) => s.id === listed[0].id)).toEqual([]);
    expect(amtool(live, "--expired").find((s) => s.id === listed[0].id)?.status.state).toBe("expired");
    await waitFor(
      "notifying again",
      async () => firingAbout(live, summary).length > shown || undefined,
      (REPEAT_S + GROUP_INTERVAL_S + MARGIN_S) * 1000,
    );
    await postAlerts(live, [{ labels: { alertname: "ConsoleSilenceTest", instance: "s1" }, summary }], true);
  });

  it("a press by someone outside the allowlist changes nothing", async () => {
    const summary = "Console live test: not yours";
    await postAlerts(live, [{ labels: { alertname: "ConsoleRefusalTest", instance: "r1" }, summary }]);
    const [m] = await waitFor(
      "the firing message",
      async () => (firingAbout(live, summary).length ? firingAbout(live, summary) : undefined),
      30_000,
    );
    const before = amtool(live, "--expired").length + amtool(live).length;
    expect(await pressAndWait(live, m, "4h", STRANGER)).toContain("Sorry, only the on-call list may silence here");
    expect(amtool(live, "--expired").length + amtool(live).length).toBe(before);
    expect(m.edits).toEqual([]);
    const [inAm] = await getJson<{ status: { state: string } }[]>(
      `${live.alertmanager}/api/v2/alerts?filter=${encodeURIComponent('alertname="ConsoleRefusalTest"')}`,
    );
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
    const [firingA] = await waitFor(
      "A firing",
      async () => (firingAbout(live, a.summary).length ? firingAbout(live, a.summary) : undefined),
      30_000,
    );

    await live.killBridge();
    // The group changes while the bridge is dead: Alertmanager must re-send [A, B] and keeps failing.
    await postAlerts(live, [a, b]);
    await sleep(GROUP_INTERVAL_S + MARGIN_S);
    await live.startBridge();
    const [firingB] = await waitFor(
      "B firing after the restart",
      async () => (firingAbout(live, b.summary).length ? firingAbout(live, b.summary) : undefined),
      30_000,
    );
    expect(firingB.messageId).not.toBe(firingA.messageId);

    await postAlerts(live, [a, b], true);
    await waitFor(
      "both resolved",
      async () => (resolvedAbout(live, a.summary).length && resolvedAbout(live, b.summary).length) || undefined,
      30_000,
    );
    // Nothing more within the next group_interval: no repeat of what was delivered before the kill.
    await sleep(GROUP_INTERVAL_S + MARGIN_S);
    expect(firingAbout(live, a.summary)).toHaveLength(1);
    expect(firingAbout(live, b.summary)).toHaveLength(1);
    const [resolvedA] = resolvedAbout(live, a.summary);
    const [resolvedB] = resolvedAbout(live, b.summary);
    expect(resolvedA.replyToMessageId).toBe(firingA.messageId);
    expect(resolvedB.replyToMessageId).toBe(firingB.messageId);
    await waitFor(
      "the firing message from before the kill edited to resolved",
      async () => firingA.currentText.includes("✅ Resolved") || undefined,
      10_000,
    );
    expect(live.bridgeLogs()).not.toContain(live.telegram.token);
  });
});

/** Alertmanager 0.35 as deployed (plus `extraFlags`), behind a loopback proxy that drops the answer to the requests `lose` names, after Alertmanager acted on them. */
async function alertmanagerBehindProxy(extraFlags: string[], lose: (method: string) => boolean) {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "console-am-"));
  fs.writeFileSync(path.join(dir, "alertmanager.yml"), "route:\n  receiver: none\nreceivers:\n  - name: none\n");
  const port = await freePort();
  const url = `http://127.0.0.1:${port}`;
  const am: ChildProcess = spawn(
    requireTool("alertmanager"),
    [
      ...alertmanagerArgs({ configFile: path.join(dir, "alertmanager.yml"), storagePath: path.join(dir, "am"), externalUrl: url }),
      `--web.listen-address=127.0.0.1:${port}`,
      ...extraFlags,
    ],
    { stdio: "ignore" },
  );
  try {
    await waitFor("Alertmanager ready", async () => (await fetch(`${url}/-/ready`)).ok, 30_000);
  } catch (e) {
    // No stop() to call yet: the process and its folder go here.
    am.kill("SIGKILL");
    fs.rmSync(dir, { recursive: true, force: true });
    throw e;
  }
  const proxy = http.createServer((req, res) => {
    let body = "";
    req.on("data", (c: Buffer) => (body += c.toString()));
    req.on("end", () => {
      void (async () => {
        try {
          const r = await fetch(`${url}${req.url}`, {
            method: req.method,
            headers: { "content-type": "application/json" },
            body: body || undefined,
          });
          const text = await r.text();
          if (lose(req.method ?? "")) return void req.socket.destroy();
          res.writeHead(r.status, { "content-type": "application/json" });
          res.end(text);
        } catch {
          req.socket.destroy();
        }
      })();
    });
  });
  const proxyPort = await freePort();
  await new Promise<void>((r) => proxy.listen(proxyPort, "127.0.0.1", r));
  return {
    url,
    proxyUrl: `http://127.0.0.1:${proxyPort}`,
    pid: am.pid!,
    dir,
    async stop() {
      process.kill(am.pid!, "SIGCONT");
      proxy.closeAllConnections();
      await new Promise((r) => proxy.close(r));
      if (am.exitCode === null) {
        const exited = new Promise((r) => am.once("exit", r));
        am.kill("SIGTERM");
        await exited;
      }
      fs.rmSync(dir, { recursive: true, force: true });
    },
  };
}

/** The bridge in process against the fake Telegram, calling Alertmanager at `alertmanagerUrl`. */
async function consoleBridge(
  alertmanagerUrl: string,
  dir: string,
): Promise<{ telegram: FakeTelegram; bridge: RunningBridge; card: (name: string, instances: string[]) => Promise<ReceivedMessage> }> {
  const telegram = await new FakeTelegram(undefined, { pollCapMs: 1000 }).start();
  const bridge = await startBridge(
    loadConfig(
      fastConsoleEnv({
        telegramToken: telegram.token,
        telegramUrl: telegram.url,
        chat: CHAT,
        alertmanagerUrl,
        stateFile: path.join(dir, "state.json"),
      }),
    ),
    {
      log: new Logger(() => undefined),
      pollBackoffMs: [50],
    },
  );
  const card = async (name: string, instances: string[]) => {
    const before = telegram.messages.length;
    const r = await fetch(`${bridge.url}/alert`, {
      method: "POST",
      body: JSON.stringify(payload(instances.map((i) => alert({ fingerprint: `${name}-${i}`, labels: { alertname: name, instance: i } })))),
    });
    expect(r.status).toBe(200);
    return waitFor("the firing message", async () => telegram.messages[before], 10_000, 50);
  };
  return { telegram, bridge, card };
}

/**
 * Half-failed changes against Alertmanager 0.35 with `--silences.max-silences=2`. What the chat is
 * told is checked against what amtool lists.
 */
describe("half-failed changes against Alertmanager 0.35", () => {
  const MAX = 2;
  let am: Awaited<ReturnType<typeof alertmanagerBehindProxy>>;
  let c: Awaited<ReturnType<typeof consoleBridge>>;
  beforeAll(async () => {
    am = await alertmanagerBehindProxy([`--silences.max-silences=${MAX}`], () => false);
    c = await consoleBridge(am.proxyUrl, am.dir);
  }, 60_000);
  afterAll(async () => {
    await c?.bridge.close(1000);
    await c?.telegram.stop();
    await am?.stop();
  });

  const active = () => amtool({ alertmanager: am.url });
  const answerOf = (id: string) => waitFor(`answer to ${id}`, async () => c.telegram.answerFor(id), 15_000, 50);

  it("a Silence that meets the limit half-way says which alerts are silenced and which not; amtool lists exactly those; the card offers Unsilence", async () => {
    const m = await c.card("LimitTest", ["a", "b", "c"]);
    const q = c.telegram.press(m, "1h", ONCALL);
    expect((await answerOf(q)).text).toBe("Silenced 2 of 3 alerts for 1h; 1 not silenced. Details in the chat.");
    expect(
      active()
        .map((s) => s.matchers.find((x) => x.name === "instance")?.value)
        .sort(),
    ).toEqual(["a", "b"]);
    const account = await waitFor(
      "the account",
      async () => c.telegram.messages.find((x) => x.text.startsWith("🔕 <b>Silence for 1h</b>")),
      10_000,
      50,
    );
    expect(account.text).toContain("✅ Silenced: LimitTest instance=a, LimitTest instance=b");
    expect(account.text).toContain(
      `❌ Not silenced (Alertmanager refused it: exceeded maximum number of silences: ${MAX} (limit: ${MAX})): LimitTest instance=c`,
    );
    expect(account.replyToMessageId).toBe(m.messageId);
    await waitFor(
      "the card edited",
      async () => m.currentText.includes("🔕 2 of 3 alerts silenced by @oncall (id 4242)") || undefined,
      10_000,
      50,
    );
    expect((m.currentKeyboard ?? []).flat().map((b) => b.text)).toEqual(["🔕 1h", "🔕 4h", "🔕 24h", "🔔 Unsilence", "👀 Ack"]);
  });

  it("Alertmanager stopped (SIGSTOP) under an Unsilence: the press is answered at once, /help too, and the outcome follows when it answers", async () => {
    const m = c.telegram.messages.find((x) => x.text.includes("LimitTest"))!;
    process.kill(am.pid, "SIGSTOP");
    const t0 = Date.now();
    const q = c.telegram.press(m, "Unsilence", ONCALL);
    c.telegram.say(CHAT, "/help", ONCALL);
    const help = await waitFor(
      "the /help answer",
      async () => c.telegram.messages.find((x) => x.text.includes("alerts console")),
      5000,
      20,
    );
    expect(help.at - t0).toBeLessThan(1000);
    expect((await answerOf(q)).text).toBe("⏳ Working on it: Alertmanager is slow to answer. The outcome follows in the chat.");
    expect(c.telegram.callbackAnswers.find((a) => a.id === q)!.at - t0).toBeLessThan(2500);
    await new Promise((r) => setTimeout(r, 2000));
    process.kill(am.pid, "SIGCONT");
    await waitFor(
      "the outcome",
      async () =>
        c.telegram.messages.find((x) => x.replyToMessageId === m.messageId && x.text === "Silence expired; the alerts notify again."),
      15_000,
      50,
    );
    expect(active().filter((s) => s.matchers.some((x) => x.value === "LimitTest"))).toEqual([]);
  });

  it("expired silences still count against the limit: a new Silence is refused whole, and said so", async () => {
    const m = await c.card("LimitFull", ["x"]);
    const q = c.telegram.press(m, "4h", ONCALL);
    expect((await answerOf(q)).text).toBe(
      `Nothing was silenced: Alertmanager refused it: exceeded maximum number of silences: ${MAX} (limit: ${MAX}).`,
    );
    expect((m.currentKeyboard ?? []).flat().map((b) => b.text)).not.toContain("🔔 Unsilence");
  });
});

describe("an answer lost after Alertmanager 0.35 made the silence", () => {
  let am: Awaited<ReturnType<typeof alertmanagerBehindProxy>>;
  let c: Awaited<ReturnType<typeof consoleBridge>>;
  let posts = 0;
  beforeAll(async () => {
    // The second silence's answer is dropped after Alertmanager made it.
    am = await alertmanagerBehindProxy([], (method) => method === "POST" && ++posts === 2);
    c = await consoleBridge(am.proxyUrl, am.dir);
  }, 60_000);
  afterAll(async () => {
    await c?.bridge.close(1000);
    await c?.telegram.stop();
    await am?.stop();
  });

  it("the bridge asks Alertmanager what it holds, finds the silence by what it sent, and puts it on the card", async () => {
    const m = await c.card("LostAnswer", ["a", "b", "c"]);
    const q = c.telegram.press(m, "1h", ONCALL);
    expect((await waitFor("the answer", async () => c.telegram.answerFor(q), 15_000, 50)).text).toBe("Silenced 3 alerts for 1h.");
    expect(posts).toBe(3);
    const listed = amtool({ alertmanager: am.url });
    expect(listed).toHaveLength(3);
    const onCard = Object.values(c.bridge.store.data.cards)[0].subjects[0].alerts.map((a) => a.silence?.ids[0]);
    expect([...onCard].sort()).toEqual(listed.map((s) => s.id).sort());
  });
});

/**
 * Alert storm: 500 alerts in 50 groups posted to the real Alertmanager at once, delivered to one
 * group chat each by the bridge and by Alertmanager's own telegram_configs, against the fake
 * Telegram enforcing Telegram's real pace (20 messages per rolling minute per group, 1 per second
 * per chat; 429 with retry_after beyond it). Prints, for both paths: messages sent, seconds until
 * the last alert reached the chat, alerts lost, alerts shown more than once, 429s received.
 * Figures, not a pass/fail. Takes a few minutes because the pace is real. Run: npm run -s bench:storm
 */
import { TELEGRAM_PACE } from "../harness/fakeTelegram";
import { LiveStack, startLiveStack, waitFor } from "../harness/liveStack";

const GROUPS = 50;
const PER_GROUP = 10;
const ALERT_NAMES = ["StormChannelStale", "StormParseErrorsHigh", "StormLLMFailureSpike", "StormQueueBacklog", "StormSupabaseErrors"];
/** The bridge's storm chat: the warning severity's own chat, so nothing else shares its pace. */
const BRIDGE_CHAT = "-100777";
const NATIVE_CHAT = "-100888";
/** Realistic timing: the warning route's group_interval scaled from 15m to 1m so the bench ends. */
const GROUP_INTERVAL_S = 60;
const DEADLINE_MS = 12 * 60_000;

const token = (g: number, a: number) => `storm-g${String(g).padStart(2, "0")}-a${a}`;

function stormAlerts(): object[] {
  const now = Date.now();
  const alerts: object[] = [];
  for (let g = 0; g < GROUPS; g++) {
    const alertname = ALERT_NAMES[g % ALERT_NAMES.length];
    const channel = `t.me/tutor_channel_${Math.floor(g / ALERT_NAMES.length)}`;
    for (let a = 0; a < PER_GROUP; a++) {
      alerts.push({
        labels: {
          alertname,
          severity: "warning",
          component: "collector",
          channel,
          pipeline_version: "2026-01-02_det_time_v1",
          schema_version: "v2",
          instance: token(g, a),
        },
        annotations: { summary: `${alertname} on ${channel}` },
        startsAt: new Date(now).toISOString(),
        endsAt: new Date(now + 3_600_000).toISOString(),
        generatorURL: "http://prometheus.test/graph",
      });
    }
  }
  return alerts;
}

interface PathFigures {
  readonly messages: number;
  readonly lastSeconds: number;
  readonly lost: number;
  readonly duplicated: number;
  readonly tooManyRequests: number;
}

function figures(live: LiveStack, chat: string, t0: number): PathFigures {
  const all = new Set(Array.from({ length: GROUPS }, (_, g) => Array.from({ length: PER_GROUP }, (_, a) => token(g, a))).flat());
  const messages = live.telegram.messages.filter((m) => m.chatId === chat);
  const firstSeen = new Map<string, number>();
  const timesShown = new Map<string, number>();
  for (const m of messages) {
    for (const t of new Set(m.text.match(/storm-g\d\d-a\d/g) ?? [])) {
      if (!firstSeen.has(t)) firstSeen.set(t, m.at);
      timesShown.set(t, (timesShown.get(t) ?? 0) + 1);
    }
  }
  const seen = [...all].filter((t) => firstSeen.has(t));
  return {
    messages: messages.length,
    lastSeconds: seen.length ? (Math.max(...seen.map((t) => firstSeen.get(t)!)) - t0) / 1000 : NaN,
    lost: all.size - seen.length,
    duplicated: [...timesShown.values()].filter((n) => n > 1).length,
    tooManyRequests: live.telegram.requests.filter(
      (r) => r.chatId === chat && (r.answer === "rate_limited_by_pace" || typeof r.answer === "object"),
    ).length,
  };
}

async function main(): Promise<void> {
  const live = await startLiveStack({
    retime: (_v, field) => (field === "group_wait" ? "1s" : field === "group_interval" ? `${GROUP_INTERVAL_S}s` : "1h"),
    // Telegram's real pace in the bridge, and the production coalescing and request budget.
    bridgeEnv: {
      TELEGRAM_CHAT_ID_WARNING: BRIDGE_CHAT,
      MIN_SEND_INTERVAL_MS: "1000",
      GROUP_MESSAGES_PER_MINUTE: "20",
      COALESCE_MS: "1000",
      REQUEST_BUDGET_MS: "60000",
    },
    patchAlertmanager(doc, telegramUrl, botToken) {
      doc.receivers.push({
        name: "alertmanager-telegram",
        telegram_configs: [
          { api_url: telegramUrl, bot_token: botToken, chat_id: Number(NATIVE_CHAT), parse_mode: "HTML", send_resolved: false },
        ],
      });
      // The same groups and timing as the bridge's route, ahead of it, continuing to it.
      doc.route.routes.unshift({
        receiver: "alertmanager-telegram",
        matchers: ['alertname=~"Storm.*"'],
        group_wait: "1s",
        group_interval: `${GROUP_INTERVAL_S}s`,
        repeat_interval: "1h",
        continue: true,
      });
    },
  });
  try {
    live.telegram.pace = TELEGRAM_PACE;
    const complete = (chat: string, t0: number) => figures(live, chat, t0).lost === 0;
    const t0 = Date.now();
    const r = await live.request(`${live.alertmanager}/api/v2/alerts`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify(stormAlerts()),
    });
    if (!r.ok) throw new Error(`posting the storm: ${r.status} ${await r.text()}`);
    process.stderr.write(
      `posted ${GROUPS * PER_GROUP} alerts in ${GROUPS} groups; waiting for both chats (Telegram's real pace, up to ${DEADLINE_MS / 60_000} min)\n`,
    );
    await waitFor(
      "every alert in both chats",
      async () => (complete(BRIDGE_CHAT, t0) && complete(NATIVE_CHAT, t0)) || undefined,
      DEADLINE_MS,
      500,
    ).catch(() => undefined);
    // Anything still to come (a repeat, a retry of a notification already shown) arrives within
    // the next group_interval.
    process.stderr.write(`waiting one group_interval (${GROUP_INTERVAL_S} s) + 10 s for late repeats\n`);
    await new Promise((res) => setTimeout(res, (GROUP_INTERVAL_S + 10) * 1000));
    const bridge = figures(live, BRIDGE_CHAT, t0);
    const native = figures(live, NATIVE_CHAT, t0);
    console.log(
      `storm: ${GROUPS * PER_GROUP} alerts in ${GROUPS} groups posted at once; one group chat per path; pace enforced: ${TELEGRAM_PACE.groupPerWindow} messages per rolling ${TELEGRAM_PACE.windowMs / 1000} s per group, 1 per ${TELEGRAM_PACE.chatIntervalMs / 1000} s per chat\n`,
    );
    const header = ["path", "messages", "last alert in chat (s)", "lost", "duplicated", "429s received"];
    const rows = [
      ["bridge (ours)", bridge],
      ["Alertmanager telegram_configs", native],
    ].map(([name, f]) => {
      const x = f as PathFigures;
      return [
        name as string,
        String(x.messages),
        x.lastSeconds.toFixed(1),
        String(x.lost),
        String(x.duplicated),
        String(x.tooManyRequests),
      ];
    });
    rows.push([
      "native / bridge",
      `${(native.messages / bridge.messages).toFixed(1)}x`,
      `${(native.lastSeconds / bridge.lastSeconds).toFixed(1)}x`,
      "",
      "",
      "",
    ]);
    const widths = header.map((h, i) => Math.max(h.length, ...rows.map((row) => row[i].length)));
    for (const line of [header, ...rows]) console.log(line.map((c, i) => c.padEnd(widths[i])).join("  "));
    console.log(`\ntarget: at least 5x fewer messages and 5x sooner last delivery than the native receiver, 0 lost, 0 duplicated`);
  } finally {
    await live.stop();
  }
}

void main();

/**
 * Alert latency, end to end on the live tier: from the moment the simulated worker hangs to the
 * Telegram message, as a ratio of the rule's theoretical minimum (for + evaluation interval +
 * group_wait). The same incident also goes to Alertmanager's own telegram_configs receiver against
 * the same fake Telegram, and both paths are printed side by side. Run: npm run -s bench:alerts
 */
import { startLiveStack, waitFor } from "../harness/liveStack";

const RUNS = 3;
const FOR_S = 2;
const EVAL_S = 1;
const GROUP_WAIT_S = 1;
const BRIDGE_CHAT = "-100500";
const AM_CHAT = "-200";
const ALERT = "QueueStuckProcessing";

/** The first value `fn` yields within the time, or undefined: a lost message is a figure, not an error. */
const until = <T>(fn: () => T | undefined, timeoutMs: number) => waitFor("message", async () => fn(), timeoutMs, 50).catch(() => undefined);

function startStack() {
  return startLiveStack({
    overrides: { QueueStuckProcessing: { for: `${FOR_S}s` } },
    patchAlertmanager(doc, telegramUrl, token) {
      doc.receivers.push({
        name: "alertmanager-telegram",
        telegram_configs: [{ api_url: telegramUrl, bot_token: token, chat_id: Number(AM_CHAT), parse_mode: "HTML", send_resolved: true }],
      });
      // Same matcher and timing as the critical route, ahead of it, so both paths see the same groups.
      doc.route.routes.unshift({
        receiver: "alertmanager-telegram",
        matchers: [`alertname="${ALERT}"`],
        group_wait: `${GROUP_WAIT_S}s`,
        group_interval: "2s",
        repeat_interval: "1h",
        continue: true,
      });
    },
  });
}

async function main(): Promise<void> {
  const crashes: string[] = [];
  const rows: { path: string; ms: number[]; canary: boolean[] }[] = [
    { path: "bridge (ours)", ms: [], canary: [] },
    { path: "Alertmanager telegram_configs", ms: [], canary: [] },
  ];
  // A fresh stack per run: no run inherits notification state from the one before.
  for (let run = 0; run < RUNS; run++) {
    const live = await startStack();
    try {
      await new Promise((r) => setTimeout(r, 4000));
      const t0 = Date.now();
      await live.sim.setScenario("stuck_processing");
      const seen = (chat: string, canary: boolean) =>
        live.telegram.messages.find((m) => m.chatId === chat && m.text.includes(ALERT) && m.text.includes("canary") === canary);
      for (const [i, chat] of [BRIDGE_CHAT, AM_CHAT].entries()) {
        const m = await until(() => seen(chat, false), 30_000);
        rows[i].ms.push(m ? m.at - t0 : NaN);
      }
      await new Promise((r) => setTimeout(r, 4000));
      for (const [i, chat] of [BRIDGE_CHAT, AM_CHAT].entries()) rows[i].canary.push(seen(chat, true) !== undefined);
      const lines = live.processLogs().split("\n");
      const panicAt = lines.findIndex((l) => l.startsWith("panic:"));
      if (panicAt >= 0) {
        const where = lines
          .slice(panicAt)
          .find((l) => /\.go:\d+/.test(l))
          ?.trim()
          .replace(/ \+0x[0-9a-f]+$/, "");
        crashes.push(`run ${run + 1}: ${lines[panicAt]} at ${where}`);
      }
    } finally {
      await live.stop();
    }
  }
  const minimum = (FOR_S + EVAL_S + GROUP_WAIT_S) * 1000;
  const median = (xs: number[]) => [...xs].sort((a, b) => (Number.isNaN(a) ? 1 : Number.isNaN(b) ? -1 : a - b))[Math.floor(xs.length / 2)];
  console.log(
    `incident: ${ALERT} (gauge condition), ${RUNS} runs; theoretical minimum = for ${FOR_S}s + evaluation ${EVAL_S}s + group_wait ${GROUP_WAIT_S}s = ${minimum} ms`,
  );
  console.log(`scrape interval 1s adds up to 1 s before the condition is observed\n`);
  const header = ["path", "latency ms (median)", "runs", "ratio to minimum", "label with <>& delivered"];
  const table = rows.map((r) => [
    r.path,
    String(median(r.ms)),
    r.ms.map((x) => (Number.isNaN(x) ? "lost" : String(x))).join(" "),
    (median(r.ms) / minimum).toFixed(2),
    `${r.canary.filter(Boolean).length}/${RUNS}`,
  ]);
  const widths = header.map((h, i) => Math.max(h.length, ...table.map((t) => t[i].length)));
  for (const line of [header, ...table]) console.log(line.map((c, i) => c.padEnd(widths[i])).join("  "));
  console.log(`\nAlertmanager survived ${RUNS - crashes.length}/${RUNS} runs${crashes.length ? `:\n  ${crashes.join("\n  ")}` : ""}`);
  console.log(
    "\nlong messages: this incident's groups stay small; the bridge's splitting at 4096 is measured by bench:bridge and the bridge tests.",
  );
}

void main();

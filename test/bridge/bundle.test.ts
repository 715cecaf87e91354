import { spawn } from "child_process";
import * as fs from "fs";
import * as path from "path";
import { bundleWithMeta } from "../../components/bundle";
import { BRIDGE_ENTRY, bundleBridge } from "../../components/telegramBridge";
import { FakeTelegram } from "../../harness/fakeTelegram";
import { alert, payload } from "../../harness/alerts";
import { freePort } from "../../harness/ports";
import { useTempDirs } from "../support/tempDirs";

// Each test's folder goes after it, even when the bundle or the first start fails before its try.
const tmp = useTempDirs();

it("the bundle is byte-for-byte stable, so an unchanged bridge shows no diff", () => {
  expect(bundleBridge()).toBe(bundleBridge());
});

/**
 * The bundle is uploaded as a file of the bridge's container, so every stack's Pulumi state keeps
 * it, in the container's inputs and again in its outputs (as a JSON string, a few % longer). It was
 * 979 105 bytes, three quarters of them zod's classic build; on zod/mini and minified it is
 * 209 943. The budget leaves room for the bridge to grow, not for a library: zod's classic build
 * alone would add 700 KB, and the Bot API types must stay types.
 */
const BRIDGE_BUNDLE_BUDGET_BYTES = 240_000;

it(`the bundle stays within ${BRIDGE_BUNDLE_BUDGET_BYTES} bytes, with no classic zod and nothing of @grammyjs/types in it`, () => {
  const { text, metafile } = bundleWithMeta(BRIDGE_ENTRY);
  const sources = Object.keys(metafile.inputs);
  expect(sources.filter((s) => s.includes("@grammyjs/"))).toEqual([]);
  expect(sources.filter((s) => /node_modules\/zod\/(v4\/classic|v3)\//.test(s))).toEqual([]);
  expect(Buffer.byteLength(text)).toBeLessThanOrEqual(BRIDGE_BUNDLE_BUDGET_BYTES);
});

/** The bundle as a child process, the way the container runs it; resolves once it listens. */
async function spawnBundle(file: string, env: Record<string, string>): Promise<{ child: ReturnType<typeof spawn>; output: () => string }> {
  const child = spawn(process.execPath, [file], { env: { PATH: process.env.PATH, ...env }, stdio: ["ignore", "pipe", "pipe"] });
  let out = "";
  child.stdout.on("data", (d: Buffer) => (out += d.toString()));
  child.stderr.on("data", (d: Buffer) => (out += d.toString()));
  const deadline = Date.now() + 10_000;
  while (!out.includes("listening") && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50));
  if (!out.includes("listening")) {
    // Not left running: it would go on writing its state into a folder the test removes.
    child.kill("SIGKILL");
    throw new Error(`bridge did not start:\n${out}`);
  }
  return { child, output: () => out };
}

it("killed (SIGKILL) between two messages and restarted, it sends only what was missing", async () => {
  const telegram = await new FakeTelegram().start();
  const dir = tmp.make("bridge-kill-");
  const file = path.join(dir, "bridge.js");
  fs.writeFileSync(file, bundleBridge());
  const port = await freePort();
  const env = {
    PORT: String(port),
    HOST: "127.0.0.1",
    TELEGRAM_BOT_TOKEN: telegram.token,
    TELEGRAM_CHAT_ID: "-1",
    TELEGRAM_API_BASE: telegram.url,
    STATE_FILE: path.join(dir, "state", "bridge-state.json"),
    MIN_SEND_INTERVAL_MS: "1500",
    COALESCE_MS: "0",
    CONSOLE_ENABLED: "false",
  };
  // Two groups, each too big to share a message: two messages, 1.5 s apart.
  const groups = [0, 1].map((g) =>
    payload([alert({ fingerprint: `k${g}`, labels: { alertname: `KillTest${g}` }, annotations: { description: "d".repeat(1400) } })], {
      groupKey: `g${g}`,
    }),
  );
  const postAll = () =>
    groups.map((p) =>
      fetch(`http://127.0.0.1:${port}/alert`, { method: "POST", body: JSON.stringify(p) }).then(
        (r) => r.status,
        () => 0,
      ),
    );
  let bridge = await spawnBundle(file, env);
  try {
    const first = postAll();
    const deadline = Date.now() + 10_000;
    // Killed once the first message is delivered and recorded, before the second one is due.
    const stateFile = env.STATE_FILE;
    while (!(telegram.messages.length === 1 && fs.existsSync(stateFile)) && Date.now() < deadline)
      await new Promise((r) => setTimeout(r, 10));
    const killed = new Promise((r) => bridge.child.once("exit", r));
    bridge.child.kill("SIGKILL");
    await killed;
    await Promise.all(first);
    expect(telegram.messages).toHaveLength(1);
    bridge = await spawnBundle(file, env);
    // Alertmanager retries both groups, since neither was answered 200.
    expect(await Promise.all(postAll())).toEqual([200, 200]);
    const shown = telegram.messages.flatMap((m) => m.text.match(/KillTest\d/g) ?? []);
    expect(shown.sort()).toEqual(["KillTest0", "KillTest1"]);
  } finally {
    bridge.child.kill("SIGKILL");
    await telegram.stop();
  }
});

it("the bundled bridge runs as the container runs it, delivers, and stops cleanly on SIGTERM", async () => {
  const telegram = await new FakeTelegram().start();
  const dir = tmp.make("bridge-");
  const file = path.join(dir, "bridge.js");
  fs.writeFileSync(file, bundleBridge());
  const port = await freePort();
  const child = spawn(process.execPath, [file], {
    env: {
      PATH: process.env.PATH,
      PORT: String(port),
      HOST: "127.0.0.1",
      TELEGRAM_BOT_TOKEN: telegram.token,
      TELEGRAM_CHAT_ID: "-1",
      TELEGRAM_API_BASE: telegram.url,
    },
    stdio: ["ignore", "pipe", "pipe"],
  });
  let out = "";
  child.stdout.on("data", (d: Buffer) => (out += d.toString()));
  try {
    const deadline = Date.now() + 10_000;
    while (!out.includes("listening") && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50));
    const r = await fetch(`http://127.0.0.1:${port}/alert`, { method: "POST", body: JSON.stringify(payload([alert()])) });
    expect(r.status).toBe(200);
    expect(telegram.messages).toHaveLength(1);
    const exited = new Promise<number | null>((resolve) => child.once("exit", (code) => resolve(code)));
    child.kill("SIGTERM");
    expect(await exited).toBe(0);
    for (const line of out.trim().split("\n")) expect(() => JSON.parse(line)).not.toThrow();
    expect(out).not.toContain(telegram.token);
  } finally {
    child.kill("SIGKILL");
    await telegram.stop();
  }
});

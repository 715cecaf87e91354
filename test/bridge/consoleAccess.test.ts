import * as path from "path";
import { loadConfig } from "../../bridge/src/config";
import { ChatAdministrators } from "../../bridge/src/console/administrators";
import { authorize, AuthorizationPolicy } from "../../bridge/src/console/authorization";
import { CONSOLE_COMMANDS } from "../../bridge/src/console/commands";
import { Logger } from "../../bridge/src/log";
import { RunningBridge, startBridge } from "../../bridge/src/server";
import { BotApiClient } from "../../bridge/src/telegram";
import { alert, payload } from "../../harness/alerts";
import { CHAT_OWNER, FakeTelegram, ReceivedMessage } from "../../harness/fakeTelegram";
import { fastConsoleEnv } from "./support/consoleEnv";
import { FakeAlertmanager, until } from "./support/fakeAlertmanager";
import { useTempDirs } from "../support/tempDirs";

/**
 * Who may change what the team hears: by default the chat's administrators, as Telegram's
 * getChatAdministrators lists them (kept for a while, then asked again), beside an explicit list;
 * everyone only when set so. And what the bridge asks Telegram at start: getMe (a refused token
 * makes it not ready, saying what to fix) and setMyCommands (the `/` menu).
 */

const CHAT = "-1001";
const STRANGER = { id: 777, username: "stranger" };

describe("the chats' administrators, from getChatAdministrators", () => {
  let telegram: FakeTelegram;
  let clock: number;
  let lines: string[];
  let admins: ChatAdministrators;
  beforeEach(async () => {
    telegram = await new FakeTelegram().start();
    clock = 0;
    lines = [];
    admins = new ChatAdministrators(new BotApiClient(telegram.token, telegram.url), new Logger((l) => lines.push(l)), () => clock, 60_000);
  });
  afterEach(() => telegram.stop());
  const asked = () => telegram.calls.filter((c) => c.method === "getChatAdministrators").length;

  it("the owner and the administrators, never the bot; asked once per chat while the answer is fresh, presses at once share one question", async () => {
    telegram.administrators.set(CHAT, { admins: [{ id: 5, username: "alice" }] });
    const [a, b, c] = await Promise.all([admins.of(CHAT), admins.of(CHAT), admins.of(CHAT)]);
    expect(a).toEqual({ ok: true, ids: new Set([CHAT_OWNER.id, 5]) });
    expect([b, c]).toEqual([a, a]);
    expect(asked()).toBe(1);
    clock = 59_999;
    await admins.of(CHAT);
    expect(asked()).toBe(1);
    await admins.of("-1002");
    expect(asked()).toBe(2);
  });

  it("refreshed once the answer is older than its time: a promoted user counts then, a demoted one no longer", async () => {
    expect(await admins.of(CHAT)).toEqual({ ok: true, ids: new Set([CHAT_OWNER.id]) });
    telegram.administrators.set(CHAT, { owner: { id: 9 }, admins: [STRANGER] });
    clock = 30_000;
    expect(await admins.of(CHAT)).toEqual({ ok: true, ids: new Set([CHAT_OWNER.id]) });
    clock = 60_000;
    expect(await admins.of(CHAT)).toEqual({ ok: true, ids: new Set([9, STRANGER.id]) });
    expect(asked()).toBe(2);
  });

  it("a list Telegram does not give is said so and not kept: the next press asks again", async () => {
    telegram.adminsScript = ["server_error", "forbidden"];
    expect(await admins.of(CHAT)).toEqual({ ok: false, said: "Telegram could not be reached" });
    expect(await admins.of(CHAT)).toEqual({ ok: false, said: "Telegram refused: Forbidden: bot was kicked from the supergroup chat" });
    expect(await admins.of(CHAT)).toEqual({ ok: true, ids: new Set([CHAT_OWNER.id]) });
    expect(asked()).toBe(3);
    expect(lines.filter((l) => l.includes("getChatAdministrators failed"))).toHaveLength(2);
  });
});

describe("who may silence, unsilence, expire and start drills (pure)", () => {
  const policy = (p: Partial<AuthorizationPolicy> & { admins?: number[] | "unknown" } = {}): AuthorizationPolicy => ({
    servedChats: () => new Set([CHAT, "42"]),
    allow: "admins",
    allowedUserIds: new Set(),
    administrators: async () =>
      p.admins === "unknown" ? { ok: false, said: "Telegram could not be reached" } : { ok: true, ids: new Set(p.admins ?? [1]) },
    ...p,
  });

  it("by default the chat's administrators; others are told who may and their id", async () => {
    for (const a of ["silence", "unsilence", "expire", "drill"] as const) {
      expect(await authorize(policy(), a, CHAT, 1)).toEqual({ allowed: true });
      expect(await authorize(policy(), a, CHAT, 2)).toMatchObject({
        allowed: false,
        reason: "user",
        message: expect.stringContaining("only this chat's administrators and the on-call list"),
      });
    }
    expect((await authorize(policy(), "silence", CHAT, undefined)).allowed).toBe(false);
  });

  it("the on-call list counts beside the administrators, without asking Telegram", async () => {
    let asked = 0;
    const p = policy({ allowedUserIds: new Set([2]), administrators: async () => (asked++, { ok: true, ids: new Set() }) });
    expect(await authorize(p, "silence", CHAT, 2)).toEqual({ allowed: true });
    expect(asked).toBe(0);
  });

  it("administrators unknown: refused, saying why and that nothing changed", async () => {
    expect(await authorize(policy({ admins: "unknown" }), "silence", CHAT, 1)).toEqual({
      allowed: false,
      reason: "administrators_unknown",
      message:
        "Sorry, I could not check who administers this chat (Telegram could not be reached); nothing was changed. Try again in a minute.",
    });
  });

  it("in a private chat the one person in it is its administrator", async () => {
    expect(await authorize(policy({ admins: "unknown" }), "silence", "42", 42)).toEqual({ allowed: true });
  });

  it("everyone only when set so; set to a list, administrators not on it are refused", async () => {
    expect(await authorize(policy({ allow: "everyone" }), "silence", CHAT, 2)).toEqual({ allowed: true });
    expect(await authorize(policy({ allow: "list", allowedUserIds: new Set([3]), admins: [2] }), "silence", CHAT, 2)).toMatchObject({
      allowed: false,
      message: expect.stringContaining("only the on-call list"),
    });
  });
});

describe("in process, against the fake Telegram", () => {
  let telegram: FakeTelegram;
  let am: FakeAlertmanager;
  let bridge: RunningBridge | undefined;
  let dir: string;
  let logs: string[];
  beforeEach(async () => {
    dir = tmp.make("access-");
    telegram = await new FakeTelegram(undefined, { pollCapMs: 500 }).start();
    am = await new FakeAlertmanager().start();
    logs = [];
  });
  afterEach(async () => {
    await bridge?.close(1000);
    bridge = undefined;
    await telegram.stop();
    await am.stop();
  });
  const tmp = useTempDirs();

  async function start(env: Record<string, string> = {}, token = telegram.token): Promise<RunningBridge> {
    const config = loadConfig({
      ...fastConsoleEnv({
        telegramToken: token,
        telegramUrl: telegram.url,
        chat: CHAT,
        alertmanagerUrl: am.url,
        stateFile: path.join(dir, "state.json"),
      }),
      ...env,
    });
    bridge = await startBridge(config, {
      log: new Logger((l) => logs.push(l)),
      pollBackoffMs: [50],
      console: { administratorsTtlMs: 400 },
    });
    return bridge;
  }
  async function firing(fingerprint = "fp1"): Promise<ReceivedMessage> {
    const before = telegram.messages.length;
    expect(
      (
        await fetch(`${bridge!.url}/alert`, {
          method: "POST",
          body: JSON.stringify(payload([alert({ fingerprint, labels: { instance: fingerprint } })])),
        })
      ).status,
    ).toBe(200);
    return until("the firing message", () => telegram.messages[before]);
  }
  const answered = (id: string) => until(`answer to ${id}`, () => telegram.answerFor(id));

  it("with no setting a stranger is refused; promoted to administrator, may silence once the list is refreshed", async () => {
    await start();
    const m = await firing();
    expect(await answered(telegram.press(m, "1h", STRANGER))).toMatchObject({
      showAlert: true,
      text: expect.stringContaining("only this chat's administrators and the on-call list may silence here"),
    });
    expect(am.silences).toEqual([]);
    telegram.administrators.set(CHAT, { admins: [STRANGER] });
    await new Promise((r) => setTimeout(r, 450));
    expect((await answered(telegram.press(m, "1h", STRANGER))).text).toContain("Silenced");
    expect(am.active()).toHaveLength(1);
    // One question per press here: the list had gone stale between them.
    expect(telegram.calls.filter((c) => c.method === "getChatAdministrators")).toHaveLength(2);
  });

  it("Telegram not answering getChatAdministrators: the press is refused, saying why, and nothing changes", async () => {
    await start();
    const m = await firing();
    telegram.adminsScript = ["server_error"];
    expect((await answered(telegram.press(m, "1h", CHAT_OWNER))).text).toBe(
      "Sorry, I could not check who administers this chat (Telegram could not be reached); nothing was changed. Try again in a minute.",
    );
    expect(am.silences).toEqual([]);
  });

  it("set to everyone, anyone in the chat may silence; Telegram is not asked", async () => {
    await start({ CONSOLE_ALLOW: "everyone" });
    const m = await firing();
    expect((await answered(telegram.press(m, "1h", STRANGER))).text).toContain("Silenced");
    expect(telegram.calls.filter((c) => c.method === "getChatAdministrators")).toEqual([]);
  });

  it("a second person's Ack is added to the first", async () => {
    await start();
    const m = await firing();
    await answered(telegram.press(m, "Ack", { id: 5, username: "alice" }));
    expect((await answered(telegram.press(m, "Ack", { id: 6, username: "bob" }))).text).toBe("Noted: you are on it (with @alice (id 5)).");
    await until("both on the card", () => m.currentText.includes("@bob (id 6)"));
    expect(m.currentText).toContain("@alice (id 5)");
  });

  it("the commands are registered for Telegram's / menu once the bot is known, as the console answers them", async () => {
    await start();
    await until("setMyCommands", () => (telegram.commands.length ? telegram.commands : undefined));
    expect(telegram.commands).toEqual(CONSOLE_COMMANDS.map(({ command, description }) => ({ command, description })));
    expect(telegram.calls.findIndex((c) => c.method === "getMe")).toBeLessThan(
      telegram.calls.findIndex((c) => c.method === "setMyCommands"),
    );
    telegram.say(CHAT, "/help");
    const help = await until("the /help answer", () => telegram.messages.find((x) => x.text.includes("alerts console")));
    for (const c of telegram.commands) expect(help.text).toContain(`/${c.command} — `);
  });

  it("a token Telegram refuses: not ready, with what to fix, and nothing polled", async () => {
    await start({}, "1:a-well-formed-token-telegram-refuses");
    await until("getMe refused", () => logs.find((l) => l.includes("Telegram refuses the bot token")), 5000);
    const ready = await fetch(`${bridge!.url}/ready`);
    expect(ready.status).toBe(503);
    expect(await ready.json()).toEqual({ status: "telegram refuses the bot token", detail: "401 Unauthorized" });
    expect(logs.find((l) => l.includes("Telegram refuses the bot token"))).toContain("TELEGRAM_BOT_TOKEN is wrong or was revoked");
    expect(new Set(telegram.refusedCalls)).toEqual(new Set(["getMe"]));
  });

  it("the right token: ready", async () => {
    await start();
    await until("getMe", () => logs.find((l) => l.includes("Telegram accepted the bot token")));
    expect((await fetch(`${bridge!.url}/ready`)).status).toBe(200);
  });
});

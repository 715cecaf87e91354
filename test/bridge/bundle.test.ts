import { spawn } from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { bundleBridge } from "../../components/telegramBridge";
import { FakeTelegram } from "../support/fakeTelegram";
import { alert, payload } from "../support/alerts";
import { freePort } from "../support/ports";

it("the bundle is byte-for-byte stable, so an unchanged bridge shows no diff", () => {
  expect(bundleBridge()).toBe(bundleBridge());
});

it("the bundled bridge runs as the container runs it, delivers, and stops cleanly on SIGTERM", async () => {
  const telegram = await new FakeTelegram().start();
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "bridge-"));
  const file = path.join(dir, "bridge.js");
  fs.writeFileSync(file, bundleBridge());
  const port = await freePort();
  const child = spawn(process.execPath, [file], {
    env: { PATH: process.env.PATH, PORT: String(port), HOST: "127.0.0.1", TELEGRAM_BOT_TOKEN: telegram.token, TELEGRAM_CHAT_ID: "-1", TELEGRAM_API_BASE: telegram.url },
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
    fs.rmSync(dir, { recursive: true, force: true });
  }
});

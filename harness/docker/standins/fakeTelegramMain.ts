/**
 * The fake Telegram Bot API (harness/fakeTelegram.ts) as a container on the stack network:
 * the bridge reaches it at TELEGRAM_API_BASE (http://fake-telegram:8081), the test reads what it
 * received from GET /messages on the control port (8082), published on 127.0.0.1.
 */
import * as http from "http";
import * as net from "net";
import { FakeTelegram } from "../../fakeTelegram";

async function main(): Promise<void> {
  const token = process.env.TELEGRAM_BOT_TOKEN;
  if (!token) throw new Error("TELEGRAM_BOT_TOKEN is not set");
  const fake = await new FakeTelegram(token).start();
  const inner = Number(new URL(fake.url).port);
  // FakeTelegram listens on loopback; other containers reach it through this forwarder.
  net
    .createServer((client) => {
      const upstream = net.connect(inner, "127.0.0.1");
      client.pipe(upstream).pipe(client);
      client.on("error", () => upstream.destroy());
      upstream.on("error", () => client.destroy());
    })
    .listen(8081, "0.0.0.0");
  http
    .createServer((req, res) => {
      if (req.url === "/health") return void res.end("ok");
      if (req.url === "/messages") {
        res.setHeader("content-type", "application/json");
        return void res.end(JSON.stringify(fake.messages));
      }
      res.statusCode = 404;
      res.end();
    })
    .listen(8082, "0.0.0.0");
  process.stdout.write(`fake telegram on :8081 (upstream ${fake.url}), control on :8082\n`);
  process.once("SIGTERM", () => void fake.stop().then(() => process.exit(0)));
}

main().catch((e) => {
  process.stderr.write(`${(e as Error).stack ?? e}\n`);
  process.exit(1);
});

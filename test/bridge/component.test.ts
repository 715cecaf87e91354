import { loadConfig } from "../../bridge/src/config";
import { dockerNetworkPeers } from "../../config/services";
import { bridgeEnv, BRIDGE_STATE_DIR, BRIDGE_STATE_FILE } from "../../components/telegramBridge";
import { bridgeDedupeWindows } from "../../generators/alertmanager";

/** What the Pulumi program hands the bridge must be what the bridge accepts and means. */
async function envOf(args: Partial<Parameters<typeof bridgeEnv>[0]> = {}): Promise<Record<string, string>> {
  const out = bridgeEnv({
    environment: "prod",
    prefix: "[TutorDex]",
    botToken: undefined,
    chatId: "-100123",
    chatIdsBySeverity: { critical: "-100999" },
    messageThreadId: 4,
    threadIdsBySeverity: { critical: 9 },
    heartbeatUrl: undefined,
    apiBaseUrl: "https://api.telegram.org",
    console: { enabled: true, allowedUserIds: [11, 22], silenceDurations: ["30m", "2h"] },
    graphs: true,
    peers: dockerNetworkPeers(),
    prometheusPassword: "prom-pass-0123456789",
    alertmanagerPassword: "am-pass-0123456789",
    ...args,
  });
  const list = await (out as unknown as { promise(): Promise<string[]> }).promise();
  return Object.fromEntries(list.map((kv) => [kv.slice(0, kv.indexOf("=")), kv.slice(kv.indexOf("=") + 1)]));
}

it("the container's environment is valid for the bridge and carries every setting", async () => {
  const env = await envOf();
  const c = loadConfig(env);
  expect(c.console).toMatchObject({
    enabled: true,
    silenceDurations: ["30m", "2h"],
    alertmanagerUrl: "http://alertmanager:9093",
    prometheusUrl: "http://prometheus:9090",
  });
  expect([...c.console.allowedUserIds]).toEqual([11, 22]);
  expect(c.severityChats.get("critical")).toEqual({ chatId: "-100999", threadId: 9 });
  expect(c.defaultChat).toEqual({ chatId: "-100123", threadId: 4 });
  expect(c.stateFile).toBe(BRIDGE_STATE_FILE);
  expect(BRIDGE_STATE_FILE.startsWith(`${BRIDGE_STATE_DIR}/`)).toBe(true);
  expect(Object.fromEntries(c.dedupeWindowsByReceiver)).toEqual(
    Object.fromEntries(Object.entries(bridgeDedupeWindows()).map(([r, s]) => [r, s * 1000])),
  );
});

it("the stack's Prometheus and Alertmanager credentials reach the bridge as the Authorization headers both APIs want", async () => {
  const c = loadConfig(await envOf());
  expect(c.console.prometheusAuthorization).toBe(`Basic ${Buffer.from("tutordex-obs:prom-pass-0123456789").toString("base64")}`);
  expect(c.console.alertmanagerAuthorization).toBe(`Basic ${Buffer.from("tutordex-obs:am-pass-0123456789").toString("base64")}`);
});

it("graphs reach the bridge as set, drawn from the stack's Prometheus", async () => {
  expect(loadConfig(await envOf()).graphs).toBe(true);
  expect(loadConfig(await envOf({ graphs: false })).graphs).toBe(false);
});

it("the console switched off reaches the bridge as off; no allowlist means the chats' administrators", async () => {
  const c = loadConfig(await envOf({ console: { enabled: false, allowedUserIds: [], silenceDurations: ["1h", "4h", "24h"] } }));
  expect(c.console.enabled).toBe(false);
  expect(c.console.allow).toBe("admins");
  expect([...c.console.allowedUserIds]).toEqual([]);
});

it("who may silence and the escalation policies reach the bridge as the stack resolved them", async () => {
  const escalation = {
    critical: { after: "10m", every: "5m", times: 2, mention: [{ id: 7, name: "Alice" }], chatId: "-100777", threadId: 3 },
  };
  const c = loadConfig(
    await envOf({ console: { enabled: true, allow: "everyone", allowedUserIds: [], silenceDurations: ["1h"] }, escalation }),
  );
  expect(c.console.allow).toBe("everyone");
  expect(c.escalation).toEqual(
    new Map([
      [
        "critical",
        {
          afterMs: 600_000,
          everyMs: 300_000,
          times: 2,
          mention: [{ id: 7, name: "Alice" }],
          chat: { chatId: "-100777", threadId: 3 },
          threadId: undefined,
        },
      ],
    ]),
  );
  expect((await envOf()).TELEGRAM_ESCALATION).toBeUndefined();
});

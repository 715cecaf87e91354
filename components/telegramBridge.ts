import * as pulumi from "@pulumi/pulumi";
import { ConsoleAllow, EscalationSettings } from "../config/consoleSettings";
import { PeerAddresses, SERVICES } from "../config/services";
import { bridgeDedupeWindows } from "../generators/alertmanager";
import { userColonPassword } from "../generators/apiAuth";
import { bundle } from "./bundle";
import { dataVolume, ServiceContainer, StackContext } from "./serviceContainer";

export const BRIDGE_ENTRY = "bridge/src/main.ts";
export const BRIDGE_FILE = "/app/bridge.js";
/**
 * The bridge runs as `node` (uid 1000). A fresh named volume takes the owner of the directory it
 * is mounted on when the image has one, and the node image's /home/node belongs to node: mounted
 * there, the volume is writable by the bridge without any chown step.
 */
export const BRIDGE_STATE_DIR = "/home/node";
export const BRIDGE_STATE_FILE = `${BRIDGE_STATE_DIR}/telegram-bridge-state.json`;
/** Docker waits this long after SIGTERM; the bridge finishes in-flight deliveries within 10 s. */
export const BRIDGE_STOP_GRACE_SECONDS = 20;

export function bundleBridge(): string {
  return bundle(BRIDGE_ENTRY);
}

export interface BridgeConsoleSettings {
  readonly enabled: boolean;
  /** Unset: the bridge derives it from allowedUserIds as the stack schema does (config/consoleSettings.ts). */
  readonly allow?: ConsoleAllow;
  readonly allowedUserIds: readonly number[];
  readonly silenceDurations: readonly string[];
}

export interface TelegramBridgeArgs {
  readonly context: StackContext;
  readonly image: string;
  readonly memoryMb: number;
  readonly environment: string;
  readonly prefix: string;
  readonly botToken: pulumi.Input<string> | undefined;
  readonly chatId: string | undefined;
  readonly chatIdsBySeverity: { readonly critical?: string; readonly warning?: string; readonly info?: string };
  readonly messageThreadId: number | undefined;
  readonly threadIdsBySeverity: { readonly critical?: number; readonly warning?: number; readonly info?: number };
  readonly heartbeatUrl: string | undefined;
  /** The Bot API server: Telegram's, a self-hosted telegram-bot-api, or a test fake. */
  readonly apiBaseUrl: string;
  readonly console: BridgeConsoleSettings;
  /** Escalation policies per severity (telegram.escalation), passed as TELEGRAM_ESCALATION. */
  readonly escalation?: EscalationSettings;
  /** Graphs with firing messages, drawn from the stack's Prometheus. */
  readonly graphs: boolean;
  /** The stack's own Alertmanager (silences, /alerts) and Prometheus (/status), on the stack network. */
  readonly peers: Pick<PeerAddresses, "alertmanager" | "prometheus">;
  /** Their API passwords (Pulumi secrets): both answer only with credentials. */
  readonly prometheusPassword: pulumi.Input<string>;
  readonly alertmanagerPassword: pulumi.Input<string>;
}

/** Environment of the bridge container; the token and the API credentials keep the list secret. */
export function bridgeEnv(args: Omit<TelegramBridgeArgs, "context" | "image" | "memoryMb">): pulumi.Output<string[]> {
  const windows = Object.entries(bridgeDedupeWindows())
    .map(([receiver, s]) => `${receiver}=${s}`)
    .join(",");
  const plain: [string, string | number | undefined][] = [
    ["PORT", SERVICES.telegramBridge.port],
    ["BRIDGE_ENVIRONMENT", args.environment],
    ["BRIDGE_PREFIX", args.prefix],
    ["TELEGRAM_CHAT_ID", args.chatId],
    ["TELEGRAM_CHAT_ID_CRITICAL", args.chatIdsBySeverity.critical],
    ["TELEGRAM_CHAT_ID_WARNING", args.chatIdsBySeverity.warning],
    ["TELEGRAM_CHAT_ID_INFO", args.chatIdsBySeverity.info],
    ["TELEGRAM_MESSAGE_THREAD_ID", args.messageThreadId],
    ["TELEGRAM_MESSAGE_THREAD_ID_CRITICAL", args.threadIdsBySeverity.critical],
    ["TELEGRAM_MESSAGE_THREAD_ID_WARNING", args.threadIdsBySeverity.warning],
    ["TELEGRAM_MESSAGE_THREAD_ID_INFO", args.threadIdsBySeverity.info],
    ["HEARTBEAT_URL", args.heartbeatUrl],
    ["TELEGRAM_API_BASE", args.apiBaseUrl],
    ["STATE_FILE", BRIDGE_STATE_FILE],
    ["DEDUPE_WINDOWS", windows],
    ["CONSOLE_ENABLED", String(args.console.enabled)],
    ["CONSOLE_ALLOW", args.console.allow],
    ["CONSOLE_ALLOWED_USER_IDS", args.console.allowedUserIds.length ? args.console.allowedUserIds.join(",") : undefined],
    ["CONSOLE_SILENCE_DURATIONS", args.console.silenceDurations.join(",")],
    ["ALERTMANAGER_URL", `http://${args.peers.alertmanager}`],
    ["PROMETHEUS_URL", `http://${args.peers.prometheus}`],
    // The same object the stack file holds, as JSON: the bridge reads it with the stack's own reader.
    ["TELEGRAM_ESCALATION", args.escalation && Object.keys(args.escalation).length ? JSON.stringify(args.escalation) : undefined],
    ["GRAPHS_ENABLED", String(args.graphs)],
  ];
  const list = plain.filter(([, v]) => v !== undefined).map(([k, v]) => `${k}=${v}`);
  return pulumi.secret(
    pulumi
      .all([args.botToken, args.prometheusPassword, args.alertmanagerPassword])
      .apply(([token, prometheus, alertmanager]) => [
        ...list,
        ...(token === undefined ? [] : [`TELEGRAM_BOT_TOKEN=${token}`]),
        `PROMETHEUS_AUTH=${userColonPassword(prometheus)}`,
        `ALERTMANAGER_AUTH=${userColonPassword(alertmanager)}`,
      ]),
  );
}

export class TelegramBridge extends pulumi.ComponentResource {
  readonly service: ServiceContainer;

  constructor(name: string, args: TelegramBridgeArgs, opts?: pulumi.ComponentResourceOptions) {
    super("tutordex:observability:TelegramBridge", name, {}, opts);
    const port = SERVICES.telegramBridge.port;
    // Delivery memory (what each chat got, the message of each alert, the update offset) outlives
    // restarts and replacements of the container.
    const state = dataVolume(`${name}-state`, args.context, "telegramBridge", "state", this);
    this.service = new ServiceContainer(
      name,
      {
        context: args.context,
        service: "telegramBridge",
        image: args.image,
        memoryMb: args.memoryMb,
        // node:alpine has busybox wget.
        readiness: { kind: "healthcheck", test: ["CMD", "wget", "-q", "-O", "/dev/null", `http://127.0.0.1:${port}/health`] },
        command: ["node", BRIDGE_FILE],
        user: "node",
        envs: bridgeEnv(args),
        uploads: [{ file: BRIDGE_FILE, content: bundleBridge() }],
        volumes: [{ volumeName: state.name, containerPath: BRIDGE_STATE_DIR }],
        stopGraceSeconds: BRIDGE_STOP_GRACE_SECONDS,
      },
      { parent: this },
    );
    this.registerOutputs({ containerName: this.service.containerName, stateVolume: state.name });
  }
}

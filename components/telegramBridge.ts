import * as pulumi from "@pulumi/pulumi";
import { SERVICES } from "../config/services";
import { bundle } from "./bundle";
import { ServiceContainer, StackContext } from "./serviceContainer";

export const BRIDGE_ENTRY = "bridge/src/main.ts";
export const BRIDGE_FILE = "/app/bridge.js";

export function bundleBridge(): string {
  return bundle(BRIDGE_ENTRY);
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
  readonly heartbeatUrl: string | undefined;
}

/** Environment of the bridge container; the token keeps the list secret. */
export function bridgeEnv(args: Omit<TelegramBridgeArgs, "context" | "image" | "memoryMb">): pulumi.Output<string[]> {
  const plain: [string, string | number | undefined][] = [
    ["PORT", SERVICES.telegramBridge.port],
    ["BRIDGE_ENVIRONMENT", args.environment],
    ["BRIDGE_PREFIX", args.prefix],
    ["TELEGRAM_CHAT_ID", args.chatId],
    ["TELEGRAM_CHAT_ID_CRITICAL", args.chatIdsBySeverity.critical],
    ["TELEGRAM_CHAT_ID_WARNING", args.chatIdsBySeverity.warning],
    ["TELEGRAM_CHAT_ID_INFO", args.chatIdsBySeverity.info],
    ["TELEGRAM_MESSAGE_THREAD_ID", args.messageThreadId],
    ["HEARTBEAT_URL", args.heartbeatUrl],
  ];
  const list = plain.filter(([, v]) => v !== undefined).map(([k, v]) => `${k}=${v}`);
  if (args.botToken === undefined) return pulumi.output(list);
  return pulumi.secret(pulumi.output(args.botToken).apply((token) => [...list, `TELEGRAM_BOT_TOKEN=${token}`]));
}

export class TelegramBridge extends pulumi.ComponentResource {
  readonly service: ServiceContainer;

  constructor(name: string, args: TelegramBridgeArgs, opts?: pulumi.ComponentResourceOptions) {
    super("tutordex:observability:TelegramBridge", name, {}, opts);
    const port = SERVICES.telegramBridge.port;
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
      },
      { parent: this },
    );
    this.registerOutputs({});
  }
}

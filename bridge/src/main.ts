import { loadConfig } from "./config";
import { Logger } from "./log";
import { startBridge } from "./server";

/** Entry point of the bridge container: configuration from the environment, graceful stop on SIGTERM. */
async function main(): Promise<void> {
  const log = new Logger();
  let config;
  try {
    config = loadConfig(process.env);
  } catch (e) {
    log.error((e as Error).message);
    process.exit(2);
  }
  const bridge = await startBridge(config, { log });
  const stop = (signal: string) => {
    log.info("stopping", { signal });
    void bridge.close().then(() => process.exit(0));
  };
  process.once("SIGTERM", () => stop("SIGTERM"));
  process.once("SIGINT", () => stop("SIGINT"));
}

void main();

/**
 * The container's entry point, loaded in-process with the configuration and the server replaced:
 * a bad environment is logged and exits 2 before anything starts; SIGTERM and SIGINT are logged,
 * close the bridge and only then exit 0.
 */
type Handler = () => void;

interface Run {
  readonly lines: Record<string, unknown>[];
  readonly exits: number[];
  readonly handlers: Map<string, Handler>;
  readonly started: unknown[];
  readonly close: jest.Mock;
  readonly order: string[];
  /** Lets the bridge's close() finish. */
  readonly finishClose: () => void;
}

async function runMain(loadConfig: () => unknown): Promise<Run> {
  let closed: (() => void) | undefined;
  const run: Run = { lines: [], exits: [], handlers: new Map(), started: [], close: jest.fn(), order: [], finishClose: () => closed?.() };
  run.close.mockImplementation(() => {
    run.order.push("close");
    return new Promise<void>((resolve) => (closed = resolve));
  });
  jest.spyOn(process.stdout, "write").mockImplementation((line) => {
    run.lines.push(JSON.parse(String(line)));
    return true;
  });
  jest.spyOn(process, "exit").mockImplementation(((code: number) => {
    run.order.push(`exit ${code}`);
    run.exits.push(code);
  }) as never);
  jest.spyOn(process, "once").mockImplementation(((signal: string, h: Handler) => {
    run.handlers.set(signal, h);
    return process;
  }) as never);
  jest.isolateModules(() => {
    jest.doMock("../../bridge/src/config", () => ({ loadConfig: (env: unknown) => (env === process.env ? loadConfig() : undefined) }));
    jest.doMock("../../bridge/src/server", () => ({
      startBridge: async (config: unknown, deps: { log: unknown }) => {
        run.order.push("start");
        run.started.push(config, deps.log !== undefined);
        return { close: () => run.close().then(() => run.order.push("closed")) };
      },
    }));
    require("../../bridge/src/main");
  });
  // main() is async: let it reach the point where it waits for signals.
  await new Promise((resolve) => setImmediate(resolve));
  return run;
}

afterEach(() => jest.restoreAllMocks());

describe("bridge entry point", () => {
  it("a configuration error is logged and exits 2", async () => {
    const run = await runMain(() => {
      throw new Error("TELEGRAM_CHAT_ID must be a chat id, got <x>");
    });
    expect(run.lines).toEqual([
      expect.objectContaining({ level: "error", logger: "telegram-bridge", msg: "TELEGRAM_CHAT_ID must be a chat id, got <x>" }),
    ]);
    expect(run.order[0]).toBe("exit 2");
  });
  it.each(["SIGTERM", "SIGINT"])("starts with the configuration from the environment and stops on %s", async (signal) => {
    const config = { port: 8080 };
    const run = await runMain(() => config);
    expect(run.started).toEqual([config, true]);
    expect([...run.handlers.keys()].sort()).toEqual(["SIGINT", "SIGTERM"]);
    expect(run.exits).toEqual([]);
    run.handlers.get(signal)!();
    expect(run.lines).toEqual([expect.objectContaining({ level: "info", msg: "stopping", signal })]);
    // Exit waits for the bridge to close.
    await new Promise((resolve) => setImmediate(resolve));
    expect(run.order).toEqual(["start", "close"]);
    run.finishClose();
    await new Promise((resolve) => setImmediate(resolve));
    expect(run.order).toEqual(["start", "close", "closed", "exit 0"]);
  });
});

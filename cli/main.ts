import * as path from "path";
import { ConfigError } from "../config/schema";
import { StackFileError } from "../config/stackFile";
import { check } from "./check";
import { doctor } from "./doctor";
import { EXIT, Io, processIo, UsageError } from "./io";
import { preflight } from "./preflight";
import { reload } from "./reload";
import { render } from "./render";
import { versions } from "./versions";

export const HELP = `usage: obs <command> [flags]     (npm run -s obs -- <command> ...)

commands:
  render     write every generated file of a stack into a folder, exactly as deployed
  check      run the pinned promtool, amtool, blackbox_exporter and otelcol over a rendered
             folder, and refuse committed stacks that collide
  preflight  check that a stack can be deployed: engine, host ports, networks, Grafana API,
             images, disk
  doctor     check a deployed stack's services, targets, rule groups, bridge and datasources
  reload     reload Alertmanager's configuration; show whether Prometheus's own reloads took
  versions   the pinned image of every service and the version the tests ran of it

Run obs <command> --help for its flags.`;

const COMMANDS: Record<string, (argv: string[], root: string, io: Io) => number | Promise<number>> = {
  render,
  check,
  doctor,
  preflight,
  reload,
  versions,
};

/** Runs one command; every error becomes a message and an exit code, never a stack trace. */
export async function main(argv: string[], io: Io = processIo, root = path.resolve(__dirname, "..")): Promise<number> {
  const [command, ...rest] = argv;
  if (!command || command === "--help" || command === "-h" || command === "help") {
    io.out(HELP);
    return command ? EXIT.ok : EXIT.usage;
  }
  const run = COMMANDS[command];
  if (!run) {
    io.err(`unknown command "${command}"\n\n${HELP}`);
    return EXIT.usage;
  }
  try {
    return await run(rest, root, io);
  } catch (e) {
    if (
      e instanceof UsageError ||
      e instanceof StackFileError ||
      e instanceof ConfigError ||
      (e as { code?: string }).code?.startsWith("ERR_PARSE_ARGS")
    ) {
      io.err(`obs ${command}: ${(e as Error).message}`);
      return EXIT.usage;
    }
    throw e;
  }
}

if (require.main === module) void main(process.argv.slice(2)).then((code) => process.exit(code));

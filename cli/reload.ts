import { parseArgs } from "util";
import { endpointsFor } from "./endpoints";
import { EXIT, Io, UsageError } from "./io";

export const RELOAD_HELP = `usage: obs reload [--stack <name>] [--prometheus URL] [--alertmanager URL]

Asks Prometheus and Alertmanager to reload their configuration (POST /-/reload) without a restart
and reports what each answered. Exits 1 if either refused or could not be reached.`;

export async function reload(argv: string[], root: string, io: Io): Promise<number> {
  const { values } = parseArgs({
    args: argv,
    options: { stack: { type: "string" }, prometheus: { type: "string" }, alertmanager: { type: "string" }, help: { type: "boolean" } },
    strict: true,
  });
  if (values.help) {
    io.out(RELOAD_HELP);
    return EXIT.ok;
  }
  const e = endpointsFor(root, values.stack, values);
  const targets = [["prometheus", e.prometheus], ["alertmanager", e.alertmanager]].filter((t): t is [string, string] => t[1] !== undefined);
  if (targets.length === 0) throw new UsageError("reload needs --stack <name> or --prometheus/--alertmanager URLs");
  let ok = true;
  for (const [name, url] of targets) {
    try {
      const r = await fetch(`${url}/-/reload`, { method: "POST", signal: AbortSignal.timeout(10_000) });
      const body = (await r.text()).trim();
      ok &&= r.ok;
      io.out(`${name}: ${r.ok ? "reloaded" : `refused (${r.status}${body ? `: ${body}` : ""})`}`);
    } catch (err) {
      ok = false;
      io.out(`${name}: unreachable at ${url} (${(err as Error & { cause?: { code?: string } }).cause?.code ?? (err as Error).message})`);
    }
  }
  return ok ? EXIT.ok : EXIT.failed;
}

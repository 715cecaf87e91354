/**
 * Runs the real index.ts under Pulumi's mocks outside Jest and prints one JSON line: the error
 * the program failed with (as `pulumi up` would report it), and what reached the provider.
 * A failing program rejects several runtime promises; here they cannot leak into other tests.
 */
import { executeProgram, MockWorld } from "./program";

interface Request {
  readonly stack: string;
  readonly config: Record<string, string>;
  readonly secretKeys: string[];
  readonly world: MockWorld;
}

async function main(): Promise<void> {
  const request = JSON.parse(require("fs").readFileSync(0, "utf8")) as Request;
  const errors: string[] = [];
  process.on("unhandledRejection", (reason) => errors.push(reason instanceof Error ? reason.message : String(reason)));
  const created: string[] = [];
  try {
    const run = await executeProgram(
      request.stack,
      request.config,
      request.secretKeys,
      request.world,
      async () => require("../../index"),
      (key) => created.push(key),
    );
    // Exported outputs settle last; a failed check rejects them.
    for (const value of Object.values(run.outputs)) await Promise.resolve(value).catch((e: Error) => errors.push(e.message));
  } catch (e) {
    errors.push(e instanceof Error ? e.message : String(e));
  }
  await new Promise((r) => setTimeout(r, 200));
  process.stdout.write(`${JSON.stringify({ error: errors[0], created })}\n`);
  process.exit(0);
}

void main();

import { Redactor } from "./redact";

/** JSON lines on stdout; every registered secret is removed before a line is written. */
export class Logger {
  readonly redactor = new Redactor();
  constructor(private readonly write: (line: string) => void = (l) => process.stdout.write(`${l}\n`)) {}

  redact(secret: string | undefined): void {
    this.redactor.add(secret);
  }

  private emit(level: string, msg: string, fields: Record<string, unknown>): void {
    const line = JSON.stringify({ ts: new Date().toISOString(), level, logger: "telegram-bridge", msg, ...fields });
    this.write(this.redactor.apply(line));
  }
  info(msg: string, fields: Record<string, unknown> = {}): void {
    this.emit("info", msg, fields);
  }
  warn(msg: string, fields: Record<string, unknown> = {}): void {
    this.emit("warning", msg, fields);
  }
  error(msg: string, fields: Record<string, unknown> = {}): void {
    this.emit("error", msg, fields);
  }
}

/** The message of an error and of its cause chain: `fetch failed` alone never says why. */
export function describeError(e: unknown): string {
  const parts: string[] = [];
  let cur: unknown = e;
  for (let depth = 0; cur !== undefined && cur !== null && depth < 4; depth++) {
    // Duck-typed: errors from another realm (Node internals under a test VM) fail instanceof.
    if (typeof cur === "object" && typeof (cur as Error).message === "string") {
      const { message, code } = cur as NodeJS.ErrnoException;
      parts.push(code && !message.includes(code) ? `${code} ${message}` : message);
      cur = (cur as { cause?: unknown }).cause;
    } else {
      parts.push(String(cur));
      break;
    }
  }
  return parts.filter(Boolean).join(": ") || "unknown error";
}

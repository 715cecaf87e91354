/** JSON lines on stdout; any secret registered here is replaced before a line is written. */
export class Logger {
  private readonly secrets: string[] = [];
  constructor(private readonly write: (line: string) => void = (l) => process.stdout.write(`${l}\n`)) {}

  redact(secret: string | undefined): void {
    if (secret) this.secrets.push(secret);
  }

  private emit(level: string, msg: string, fields: Record<string, unknown>): void {
    let line = JSON.stringify({ ts: new Date().toISOString(), level, logger: "telegram-bridge", msg, ...fields });
    for (const s of this.secrets) line = line.split(s).join("<redacted>");
    this.write(line);
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

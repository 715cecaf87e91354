/**
 * Secrets are removed from every string that leaves the bridge (log lines, HTTP answers to
 * Alertmanager). A token also travels percent-encoded (in URLs, in error messages that quote
 * them), so each secret is matched with every character either literal or %XX-encoded.
 */
function escapeRegex(s: string): string {
  return s.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
}

function charPattern(ch: string): string {
  const hex = Buffer.from(ch, "utf8")
    .toString("hex")
    .match(/../g)!
    .map((h) => `%${h[0]}${h[1]}`)
    .join("");
  // Hex digits of a percent-encoding may be upper or lower case.
  const encoded = hex.replace(/[a-f]/gi, (c) => `[${c.toLowerCase()}${c.toUpperCase()}]`);
  return `(?:${escapeRegex(ch)}|${encoded})`;
}

/** A pattern that matches the secret literally or with any of its characters percent-encoded. */
export function secretPattern(secret: string): RegExp {
  return new RegExp([...secret].map(charPattern).join(""), "g");
}

export class Redactor {
  private readonly patterns: RegExp[] = [];

  /**
   * Registers a secret. A bot token `<id>:<secret>` is also registered by its secret half, which is
   * the part that grants access and which shows up alone when the colon is encoded or split off.
   */
  add(secret: string | undefined): void {
    if (!secret) return;
    const parts = [secret];
    const colon = secret.indexOf(":");
    if (colon > 0 && secret.length - colon > 8) parts.push(secret.slice(colon + 1));
    for (const p of parts) this.patterns.push(secretPattern(p));
  }

  apply(text: string): string {
    let out = text;
    for (const p of this.patterns) out = out.replace(p, "<redacted>");
    return out;
  }
}

/** A URL shown without its user:password part, for messages about it. */
export function withoutCredentials(url: string): string {
  try {
    const u = new URL(url);
    if (!u.username && !u.password) return url;
    u.username = u.username ? "***" : "";
    u.password = u.password ? "***" : "";
    return u.toString();
  } catch {
    return url.replace(/\/\/[^/@]*@/, "//***@");
  }
}

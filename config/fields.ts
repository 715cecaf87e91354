import { z } from "zod";
import { DurationGrammar, DurationLimits, durationProblem } from "./durations";
import { hasUrlCredentials, HTTP_URL_START, isHttpUrl } from "./sharedValidators";

/**
 * The zod fields config/schema.ts and config/scale.ts both build settings from, each rule once:
 * durations in their reader's grammar, IPv4 addresses as Docker reads them, host:port pairs and
 * URLs. Messages are the tail after "<key>: " and before ", got <value>".
 */

/** A duration its reader accepts, within the stack's limits for the setting. */
export const durationField = (grammar: DurationGrammar, limits: DurationLimits = {}) =>
  z
    .string()
    .superRefine((v, ctx) => {
      const problem = durationProblem(v, grammar, limits);
      if (problem) ctx.addIssue({ code: "custom", message: problem });
    })
    .meta({ pattern: grammar.pattern.source });

/** Why text is no IPv4 address Docker would publish on or Alertmanager listen on; undefined if it is one. */
export function ipv4Problem(text: string, example: string): string | undefined {
  const m = /^(\d{1,3})\.(\d{1,3})\.(\d{1,3})\.(\d{1,3})$/.exec(text);
  if (!m) return `expected an IPv4 address such as ${example}`;
  const octets = m.slice(1);
  if (octets.some((o) => Number(o) > 255)) return "expected an IPv4 address";
  // Go's net.ParseIP (Docker, Alertmanager) refuses leading zeros: 010 could mean octal 8 or decimal 10.
  if (octets.some((o) => o.length > 1 && o.startsWith("0"))) return `expected an IPv4 address without leading zeros, such as ${example}`;
  const first = Number(octets[0]);
  // No host has such an address, so Docker cannot bind to it and `pulumi up` fails at the first container.
  if (first >= 224) return "expected an address of this host (a multicast, broadcast or reserved address is never one)";
  if (first === 0 && text !== "0.0.0.0") return "expected an address of this host (0.x.x.x is not one; 0.0.0.0 means every address)";
  return undefined;
}

export const ipv4Field = (example: string) =>
  z.string().superRefine((v, ctx) => {
    const problem = ipv4Problem(v, example);
    if (problem) ctx.addIssue({ code: "custom", message: problem });
  });

export const isPort = (n: number) => Number.isInteger(n) && n >= 1 && n <= 65535;

/** host:port with a DNS name or address and a port 1-65535 (0 asks the kernel for any port; above 65535 there is none). */
export const hostAndPortField = (message: string) =>
  z.string().refine(
    (v) => {
      const m = /^[A-Za-z0-9]([A-Za-z0-9_.-]*[A-Za-z0-9])?:(\d{1,5})$/.exec(v);
      return m !== null && isPort(Number(m[2]));
    },
    { message },
  );

export const HTTP_URL = "expected an absolute http(s) URL";

/**
 * An absolute http(s) URL without credentials: every URL setting ends up in alerts, messages,
 * generated files or logs, and the runbook URL in every alert. `base`: a path is appended to it
 * (runbooks, Bot API methods, links), so a query or fragment would end up in the middle.
 */
export const httpUrlField = (opts: { readonly base?: boolean } = {}) =>
  z
    .string({ message: HTTP_URL })
    .superRefine((v, ctx) => {
      const fail = (message: string) => ctx.addIssue({ code: "custom", message });
      if (!isHttpUrl(v)) return fail(HTTP_URL);
      if (/\{\{|\}\}/.test(v)) return fail("must not contain {{ or }} (alert annotations that carry it are Go templates)");
      if (hasUrlCredentials(v)) return fail("must not carry user:password (URLs are shown in alerts, messages, generated files and logs)");
      const u = new URL(v);
      if (opts.base && (u.search !== "" || u.hash !== "" || /[?#]/.test(v)))
        return fail("expected a base URL without ?query or #fragment (paths are appended to it)");
      return undefined;
    })
    .meta({ pattern: HTTP_URL_START.source });

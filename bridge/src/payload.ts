import { createHash } from "crypto";
import * as z from "./zod";

/** Alertmanager webhook payload, version 4. Unknown extra fields are accepted and ignored. */
const labelSet = z.record(z.string(), z.string());

export const alertSchema = z.looseObject({
  status: z.enum(["firing", "resolved"]),
  labels: z._default(labelSet, {}),
  annotations: z._default(labelSet, {}),
  startsAt: z.optional(z.string()),
  endsAt: z.optional(z.string()),
  generatorURL: z.optional(z.string()),
  fingerprint: z.optional(z.string()),
});

/** The envelope; alerts are checked one by one so one bad alert cannot sink the others. */
const envelopeSchema = z.looseObject({
  version: z.optional(z.string()),
  groupKey: z.optional(z.string()),
  truncatedAlerts: z.optional(z.number().check(z.int(), z.nonnegative())),
  status: z.enum(["firing", "resolved"]),
  receiver: z.optional(z.string()),
  groupLabels: z.optional(labelSet),
  commonLabels: z.optional(labelSet),
  commonAnnotations: z.optional(labelSet),
  externalURL: z.optional(z.string()),
  alerts: z.array(z.unknown()),
});

export type WebhookAlert = z.infer<typeof alertSchema>;
type Envelope = z.infer<typeof envelopeSchema>;
/** The envelope's known fields (not its index signature, which Omit would flatten) with the readable alerts. */
export interface WebhookPayload {
  version?: string;
  groupKey?: string;
  truncatedAlerts?: number;
  status: Envelope["status"];
  receiver?: string;
  groupLabels?: Record<string, string>;
  commonLabels?: Record<string, string>;
  commonAnnotations?: Record<string, string>;
  externalURL?: string;
  alerts: WebhookAlert[];
}

/** An alert of the payload that could not be read, with where and why. */
export interface RejectedAlert {
  readonly index: number;
  readonly reason: string;
}

export type ParseResult = { ok: true; payload: WebhookPayload; rejected: RejectedAlert[] } | { ok: false; error: string };

function where(path: readonly PropertyKey[]): string {
  return path.map(String).join(".") || "(root)";
}

export function parseWebhook(body: string): ParseResult {
  let json: unknown;
  try {
    json = JSON.parse(body);
  } catch (e) {
    return { ok: false, error: `body is not JSON: ${(e as Error).message}` };
  }
  const envelope = envelopeSchema.safeParse(json);
  if (!envelope.success) {
    const first = envelope.error.issues[0];
    return { ok: false, error: `invalid Alertmanager payload at ${where(first.path)}: ${first.message}` };
  }
  const alerts: WebhookAlert[] = [];
  const rejected: RejectedAlert[] = [];
  envelope.data.alerts.forEach((raw, index) => {
    const r = alertSchema.safeParse(raw);
    if (r.success) alerts.push(r.data);
    else rejected.push({ index, reason: `alerts.${index}.${where(r.error.issues[0].path)}: ${r.error.issues[0].message}` });
  });
  return { ok: true, payload: { ...envelope.data, alerts }, rejected };
}

/** Alertmanager's fingerprint when present, else one computed the same way from the label set. */
export function alertKey(alert: Pick<WebhookAlert, "labels" | "fingerprint">): string {
  if (alert.fingerprint && /^[\w-]{1,64}$/.test(alert.fingerprint)) return alert.fingerprint;
  const sorted = Object.keys(alert.labels)
    .sort()
    .map((k) => `${k}\u0000${alert.labels[k]}`)
    .join("\u0001");
  return createHash("sha256").update(sorted).digest("hex").slice(0, 16);
}

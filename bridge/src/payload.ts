import { z } from "zod";

/** Alertmanager webhook payload, version 4. Unknown extra fields are accepted and ignored. */
const labelSet = z.record(z.string(), z.string());

export const alertSchema = z.looseObject({
  status: z.enum(["firing", "resolved"]),
  labels: labelSet.default({}),
  annotations: labelSet.default({}),
  startsAt: z.string().optional(),
  endsAt: z.string().optional(),
  generatorURL: z.string().optional(),
  fingerprint: z.string().optional(),
});

export const webhookSchema = z.looseObject({
  version: z.string().optional(),
  groupKey: z.string().optional(),
  truncatedAlerts: z.number().int().nonnegative().optional(),
  status: z.enum(["firing", "resolved"]),
  receiver: z.string().optional(),
  groupLabels: labelSet.optional(),
  commonLabels: labelSet.optional(),
  commonAnnotations: labelSet.optional(),
  externalURL: z.string().optional(),
  alerts: z.array(alertSchema),
});

export type WebhookAlert = z.infer<typeof alertSchema>;
export type WebhookPayload = z.infer<typeof webhookSchema>;

export type ParseResult = { ok: true; payload: WebhookPayload } | { ok: false; error: string };

export function parseWebhook(body: string): ParseResult {
  let json: unknown;
  try {
    json = JSON.parse(body);
  } catch (e) {
    return { ok: false, error: `body is not JSON: ${(e as Error).message}` };
  }
  const r = webhookSchema.safeParse(json);
  if (!r.success) {
    const first = r.error.issues[0];
    return { ok: false, error: `invalid Alertmanager payload at ${first.path.join(".") || "(root)"}: ${first.message}` };
  }
  return { ok: true, payload: r.data };
}

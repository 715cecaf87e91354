/**
 * What marks a fire drill: the synthetic alert `/drill` posts to Alertmanager. The route that
 * delivers it (generators/alertmanager.ts) and the bridge, which keeps it out of escalation, the
 * heartbeat and the buttons, read these names from here. Imports nothing: the Pulumi program
 * imports this module too.
 */
export const DRILL_ALERTNAME = "FireDrill";
export const DRILL_LABEL = "drill";
/** Each drill's own id: its own Alertmanager group, so two drills never wait for each other. */
export const DRILL_ID_LABEL = "drill_id";
/** The chat (and forum topic) the drill was started from, where its alert is delivered. */
export const DRILL_CHAT_LABEL = "drill_chat";
export const DRILL_THREAD_LABEL = "drill_thread";

export function isDrill(labels: Readonly<Record<string, string>>): boolean {
  return labels.alertname === DRILL_ALERTNAME && labels[DRILL_LABEL] === "true";
}

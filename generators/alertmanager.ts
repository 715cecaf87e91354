import { durationSeconds } from "../config/durations";
import { DRILL_ALERTNAME, DRILL_ID_LABEL, DRILL_LABEL } from "../shared/drillLabels";
import { StackConfig } from "../config/schema";
import { alertIs, alertIsOneOf, WATCHDOG_ALERT } from "../rules/catalog";
import { PeerAddresses } from "../config/services";
import { toYaml, GENERATED_HEADER } from "../config/yaml";

export type AlertmanagerSettings = Pick<StackConfig, "heartbeatUrl">;

export const GROUP_BY = ["alertname", "component", "channel", "pipeline_version", "schema_version"];

/** Route table of docs/spec.md §5, first match wins. The receiver names are what `amtool config routes test` prints. */
export const ROUTES = [
  {
    receiver: "telegram-watchdog",
    matchers: [alertIs(WATCHDOG_ALERT)],
    group_wait: "5s",
    group_interval: "1h",
    repeat_interval: "24h",
    sendResolved: false,
  },
  {
    receiver: "telegram-probes",
    matchers: [alertIsOneOf("PublicApiDown", "BlackboxProbeFailed")],
    group_wait: "60s",
    group_interval: "15m",
    repeat_interval: "1h",
    sendResolved: true,
  },
  {
    receiver: "telegram-critical",
    matchers: ['severity="critical"'],
    group_wait: "5s",
    group_interval: "2m",
    repeat_interval: "30m",
    sendResolved: true,
  },
  {
    receiver: "telegram-warning",
    matchers: ['severity="warning"'],
    group_wait: "30s",
    group_interval: "15m",
    repeat_interval: "6h",
    sendResolved: true,
  },
  /**
   * Fire drills (the console's /drill): each drill its own group, so it is sent after a second and
   * never waits for another; its end comes back within 10 s, which the drill's report times.
   */
  {
    receiver: "telegram-drill",
    matchers: [`alertname="${DRILL_ALERTNAME}"`, `${DRILL_LABEL}="true"`],
    group_by: ["alertname", DRILL_ID_LABEL],
    group_wait: "1s",
    group_interval: "10s",
    repeat_interval: "1h",
    sendResolved: true,
  },
] as const;

export const DEFAULT_ROUTE = { receiver: "telegram-default", group_wait: "30s", group_interval: "10m", repeat_interval: "4h" } as const;

/**
 * The heartbeat route runs before everything else and continues, so the Watchdog both pings the
 * external dead-man's switch every few minutes and still reaches Telegram once a day.
 */
const HEARTBEAT_ROUTE = {
  receiver: "heartbeat",
  matchers: [alertIs(WATCHDOG_ALERT)],
  group_wait: "5s",
  group_interval: "1m",
  repeat_interval: "5m",
  continue: true,
};

/**
 * Alerts per webhook. A whole group of a thousand alerts is a body of about a megabyte that says
 * nothing one line per alert would not; Alertmanager sends the first 200 and the number left out
 * (`truncatedAlerts`), which the bridge shows in the chat and counts. 200 realistic alerts are
 * about 200 KB, far below the bridge's body limit.
 */
export const WEBHOOK_MAX_ALERTS = 200;

/**
 * How long the bridge remembers an alert it showed in a chat, per receiver (seconds). Alertmanager
 * re-sends a notification that was not answered 2xx at every group_interval, re-sends a group's
 * still-firing alerts whenever the group changes, and sends the same content as a reminder after
 * repeat_interval. The memory slides with every re-send, so it must outlast one group_interval
 * (the longest gap between re-sends) and end before the reminder: repeat_interval less a margin
 * of a group_interval (at least, up to 2 minutes, a quarter of repeat_interval) for delivery time.
 */
export function bridgeDedupeWindows(retime: (value: string, field: RouteTimingField) => string = (v) => v): Record<string, number> {
  const window = (r: Record<RouteTimingField, string>) => {
    // Alertmanager reads route timings with Prometheus's grammar.
    const gi = durationSeconds(retime(r.group_interval, "group_interval"));
    const ri = durationSeconds(retime(r.repeat_interval, "repeat_interval"));
    return Math.max(1, Math.floor(ri - Math.max(gi, Math.min(120, ri / 4))));
  };
  return Object.fromEntries([DEFAULT_ROUTE, ...ROUTES].map((r) => [r.receiver, window(r)] as const));
}

/**
 * alertmanager.yml. It holds no secret: the bot token lives only in the bridge, so this file can be
 * uploaded and shown in `pulumi preview` in clear.
 */
export type RouteTimingField = "group_wait" | "group_interval" | "repeat_interval";

/**
 * `retime` lets a test run the same routes faster; deployed configs keep docs/spec.md §5's timings.
 */
export function renderAlertmanagerConfig(
  s: AlertmanagerSettings,
  peers: Pick<PeerAddresses, "telegramBridge">,
  retime: (value: string, field: RouteTimingField) => string = (v) => v,
): string {
  const timed = <T extends Record<RouteTimingField, string>>(r: T): T => ({
    ...r,
    group_wait: retime(r.group_wait, "group_wait"),
    group_interval: retime(r.group_interval, "group_interval"),
    repeat_interval: retime(r.repeat_interval, "repeat_interval"),
  });
  const webhook = (path: string, sendResolved: boolean) => ({
    webhook_configs: [{ url: `http://${peers.telegramBridge}${path}`, send_resolved: sendResolved, max_alerts: WEBHOOK_MAX_ALERTS }],
  });
  const receivers: { name: string; webhook_configs: object[] }[] = [
    { name: DEFAULT_ROUTE.receiver, ...webhook("/alert", true) },
    ...ROUTES.map((r) => ({ name: r.receiver, ...webhook("/alert", r.sendResolved) })),
  ];
  const routes: object[] = ROUTES.map(({ sendResolved: _s, ...r }) => timed({ ...r, matchers: [...r.matchers] }));
  if (s.heartbeatUrl) {
    receivers.push({ name: HEARTBEAT_ROUTE.receiver, ...webhook("/heartbeat", false) });
    routes.unshift(timed(HEARTBEAT_ROUTE));
  }
  return toYaml(
    {
      global: { resolve_timeout: "5m" },
      route: { ...timed(DEFAULT_ROUTE), group_by: GROUP_BY, routes },
      inhibit_rules: [
        // A public outage explains the failing internal probe of the same URL.
        { source_matchers: [alertIs("PublicApiDown")], target_matchers: [alertIs("BlackboxProbeFailed")], equal: ["instance"] },
        { source_matchers: [alertIs("StackServiceNotReady")], target_matchers: [alertIs("BlackboxProbeFailed")], equal: ["instance"] },
        { source_matchers: ['severity="critical"'], target_matchers: ['severity="warning"'], equal: ["alertname", "component"] },
        // The two certificate alerts have different names, so the rule above cannot pair them.
        {
          source_matchers: [alertIs("PublicCertExpiryImminent")],
          target_matchers: [alertIs("PublicCertExpiringSoon")],
          equal: ["instance"],
        },
      ],
      receivers,
    },
    GENERATED_HEADER,
  );
}

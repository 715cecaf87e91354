import { renderAlertmanagerConfig } from "../../generators/alertmanager";
import { alertIs, alertIsOneOf, isAlertName, WATCHDOG_ALERT } from "../../rules/catalog";
import { DRILL_ALERTNAME } from "../../shared/drillLabels";

/**
 * Routes, inhibitions and the schema's Watchdog rules name alerts through the typed catalog
 * (rules/catalog.ts): a name it does not hold is a type error (`npm test` runs tsc first).
 */

it("a name outside the catalog does not compile", () => {
  // @ts-expect-error PublicApiDwn is no alert of the catalog
  expect(alertIs("PublicApiDwn")).toBe('alertname="PublicApiDwn"');
  expect(alertIsOneOf("PublicApiDown", WATCHDOG_ALERT)).toBe('alertname=~"PublicApiDown|Watchdog"');
});

// The fire drill's alert is posted by the bridge, not fired by Prometheus: it is named once in shared/drillLabels.ts.
it("every alert alertmanager.yml names, in routes and inhibitions, is one of the catalog, or the fire drill's", () => {
  const text = renderAlertmanagerConfig({ heartbeatUrl: "https://hb.test/ping" }, { telegramBridge: "telegram-bridge:8080" });
  const all = [...text.matchAll(/alertname=~?\\?"([^"\\]+)\\?"/g)].flatMap((m) => m[1].split("|"));
  expect(all).toContain(DRILL_ALERTNAME);
  const names = all.filter((n) => n !== DRILL_ALERTNAME);
  expect(new Set(names)).toEqual(
    new Set([
      "Watchdog",
      "PublicApiDown",
      "BlackboxProbeFailed",
      "StackServiceNotReady",
      "PublicCertExpiryImminent",
      "PublicCertExpiringSoon",
    ]),
  );
  for (const name of names) expect({ name, inCatalog: isAlertName(name) }).toEqual({ name, inCatalog: true });
});

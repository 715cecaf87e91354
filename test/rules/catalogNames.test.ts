import { renderAlertmanagerConfig } from "../../generators/alertmanager";
import { alertIs, alertIsOneOf, isAlertName, WATCHDOG_ALERT } from "../../rules/catalog";

/**
 * Routes, inhibitions and the schema's Watchdog rules name alerts through the typed catalog
 * (rules/catalog.ts): a name it does not hold is a type error (`npm test` runs tsc first).
 */

it("a name outside the catalog does not compile", () => {
  // @ts-expect-error PublicApiDwn is no alert of the catalog
  expect(alertIs("PublicApiDwn")).toBe('alertname="PublicApiDwn"');
  expect(alertIsOneOf("PublicApiDown", WATCHDOG_ALERT)).toBe('alertname=~"PublicApiDown|Watchdog"');
});

it("every alert alertmanager.yml names, in routes and inhibitions, is one of the catalog", () => {
  const text = renderAlertmanagerConfig({ heartbeatUrl: "https://hb.test/ping" }, { telegramBridge: "telegram-bridge:8080" });
  const names = [...text.matchAll(/alertname=~?\\?"([^"\\]+)\\?"/g)].flatMap((m) => m[1].split("|"));
  expect(new Set(names)).toEqual(new Set(["Watchdog", "PublicApiDown", "BlackboxProbeFailed", "StackServiceNotReady", "PublicCertExpiryImminent", "PublicCertExpiringSoon"]));
  for (const name of names) expect({ name, inCatalog: isAlertName(name) }).toEqual({ name, inCatalog: true });
});

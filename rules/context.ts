import { dockerNamePrefix } from "../config/names";
import { StackConfig } from "../config/schema";
import { RuleSettings } from "./render";

/** cAdvisor `name` regex for the application's containers and the stack's own. */
export function watchedContainersRegex(c: Pick<StackConfig, "stack" | "appTargets">): string {
  const appHosts = Object.values(c.appTargets).map((t) => t.split(":")[0].replace(/[.]/g, "\\\\."));
  return `${dockerNamePrefix(c.stack)}-.+|.*(${appHosts.join("|")}).*`;
}

export function ruleSettings(c: StackConfig): RuleSettings {
  return {
    runbookBaseUrl: c.runbookBaseUrl,
    // Without Grafana there is no dashboard to link to.
    grafanaExternalUrl: c.services.grafana ? c.grafanaExternalUrl : undefined,
    alertOverrides: c.alertOverrides,
    watchedContainers: watchedContainersRegex(c),
    backlogLookback: "15m",
    throughputWindow: "5m",
  };
}

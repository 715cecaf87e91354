import { dockerNamePrefix } from "../config/names";
import { StackConfig } from "../config/schema";
import { cadvisorContainerLabel, COMPOSE_PROJECT_LABEL } from "../generators/labels";
import { RuleSettings } from "./render";

/**
 * The cAdvisor label matchers of the containers a stack watches, one per set: its own containers
 * by their Docker names, and the application's by its compose project, which cAdvisor keeps as a
 * label (generators/commandLines.ts, cadvisorArgs). Every stack's cAdvisor sees every container
 * of the host, and the application's services have the same names in every environment, so the
 * project is what tells prod's from staging's: exactly (a name prefix such as `tutordex-prod-`
 * would also match a project `tutordex-prod-canary`), and whatever `container_name` compose was given.
 */
export function watchedContainers(c: Pick<StackConfig, "stack" | "appComposeProject">): readonly string[] {
  const ownNames = `${dockerNamePrefix(c.stack).replace(/[.]/g, "\\\\.")}-.+`;
  return [`name=~"${ownNames}"`, `${cadvisorContainerLabel(COMPOSE_PROJECT_LABEL)}="${c.appComposeProject}"`];
}

export function ruleSettings(c: StackConfig): RuleSettings {
  return {
    runbookBaseUrl: c.runbookBaseUrl,
    // Without Grafana there is no dashboard to link to.
    grafanaExternalUrl: c.services.grafana ? c.grafanaExternalUrl : undefined,
    alertOverrides: c.alertOverrides,
    watchedContainers: watchedContainers(c),
    backlogLookback: "15m",
    throughputWindow: "5m",
  };
}

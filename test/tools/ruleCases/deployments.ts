import { Deployment } from "./model";

const RUNBOOKS = "https://github.com/tutordex/tutordex-observability/blob/main/runbooks";

/**
 * Every committed Pulumi.<stack>.yaml, as its rendered rules must read. The promtool tests render
 * each stack's rules exactly as `pulumi up` would and hold them to these literals.
 */
export const DEPLOYMENTS: Readonly<Record<string, Deployment>> = {
  dev: { stack: "dev", runbooks: RUNBOOKS, grafana: "http://localhost:13300", appProject: "tutordex-dev" },
  prod: { stack: "prod", runbooks: RUNBOOKS, grafana: "https://grafana.tutordex.sg", appProject: "tutordex-prod" },
  staging: { stack: "staging", runbooks: RUNBOOKS, grafana: "https://grafana-staging.tutordex.sg", appProject: "tutordex-staging" },
};

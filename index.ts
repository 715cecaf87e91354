import { loadStackConfig } from "./config/load";
import { ObservabilityStack } from "./components/stack";

// Invalid configuration throws here, before any resource is registered.
const { config, secrets } = loadStackConfig();
const stack = new ObservabilityStack("tutordex", { config, secrets });

export const environment = config.environment;
export const urls = stack.urls;
export const networkName = stack.networkName;
export const images = stack.images;
// Config syncs and readiness gates: a failed one fails the update here, with its own message.
export const deployChecks = stack.deployChecks;
// user:password of Prometheus's and Alertmanager's APIs, for PROMETHEUS_AUTH / ALERTMANAGER_AUTH:
// `pulumi stack output prometheusAuth --show-secrets` (docs/threat-model.md).
export const prometheusAuth = stack.operatorAuth.prometheus;
export const alertmanagerAuth = stack.operatorAuth.alertmanager;

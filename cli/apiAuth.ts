import { Reloadable } from "../generators/reloadMetrics";

/**
 * The credentials of the stack's protected APIs on the operator's machine: `user:password` in
 * PROMETHEUS_AUTH and ALERTMANAGER_AUTH, as GRAFANA_AUTH for Grafana. `pulumi stack output
 * prometheusAuth --show-secrets` (and alertmanagerAuth) prints them (index.ts).
 */
export const AUTH_ENV: Readonly<Record<Reloadable, string>> = { prometheus: "PROMETHEUS_AUTH", alertmanager: "ALERTMANAGER_AUTH" };

/** The Authorization header for `user:password`, or none. */
export function basicAuthHeaders(userColonPassword: string | undefined): Record<string, string> {
  return userColonPassword ? { authorization: `Basic ${Buffer.from(userColonPassword).toString("base64")}` } : {};
}

export function authHeadersFor(service: Reloadable, env: NodeJS.ProcessEnv): Record<string, string> {
  return basicAuthHeaders(env[AUTH_ENV[service]]);
}

/** What to do about a 401: which variable to set, and where its value comes from. */
export function authHint(service: Reloadable, env: NodeJS.ProcessEnv): string {
  const name = AUTH_ENV[service];
  const output = `${service}Auth`;
  return env[name]
    ? `${name} is set but ${service} refused it (another stack's, or rotated since: pulumi stack output ${output} --show-secrets)`
    : `${service} answers only with credentials: set ${name}=user:password (pulumi stack output ${output} --show-secrets)`;
}

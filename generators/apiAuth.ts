import { SERVICES } from "../config/services";
import { toYaml, GENERATED_HEADER } from "../config/yaml";

/**
 * The stack's HTTP APIs that answer only with credentials (docs/threat-model.md says why each).
 * All three are built on the Prometheus exporter-toolkit, whose `--web.config.file` takes bcrypt
 * hashes of basic-auth passwords; every path is covered, /metrics and the readiness endpoints too.
 * Each has its own random password (components/apiCredentials.ts), held as a Pulumi secret.
 */
export const PROTECTED_APIS = ["prometheus", "alertmanager", "blackboxExporter"] as const;
export type ProtectedApi = (typeof PROTECTED_APIS)[number];

/** The one user name each protected API knows; the password is what is secret. */
export const API_USER = "tutordex-obs";

/**
 * Generated passwords are long enough to be unguessable and short enough to stay in one line of
 * base64 and under bcrypt's 72-byte limit; letters and digits only, so they need no quoting in a
 * URL, a header, YAML or a shell.
 */
export const API_PASSWORD_LENGTH = 32;

/** Where each container of the stack finds its credential files (uploaded as Pulumi secrets). */
export const SECRETS_DIRS = {
  prometheus: "/etc/prometheus-secrets",
  alertmanager: "/etc/alertmanager-secrets",
  blackboxExporter: "/etc/blackbox-exporter-secrets",
  tempo: "/etc/tempo-secrets",
  otelCollector: "/etc/otelcol-secrets",
  configSync: "/secrets",
} as const;

/** The file holding the password of `api`, in a folder of credential files. */
export function passwordFile(api: ProtectedApi, dir: string): string {
  return `${dir}/${SERVICES[api].alias}-password`;
}

/** The web config a protected program reads with --web.config.file, in its folder of credential files. */
export function webConfigFile(dir: string): string {
  return `${dir}/web.yml`;
}

/**
 * The exporter-toolkit web config: one user with its bcrypt hash. The hash is not the password,
 * but it is still uploaded as a secret (a leaked hash can be attacked offline).
 */
export function renderWebConfig(bcryptHash: string): string {
  if (!/^\$2[aby]\$\d\d\$[./A-Za-z0-9]{53}$/.test(bcryptHash))
    throw new Error(`renderWebConfig: expected a bcrypt hash, got ${JSON.stringify(bcryptHash.slice(0, 7))}…`);
  return toYaml({ basic_auth_users: { [API_USER]: bcryptHash } }, GENERATED_HEADER);
}

/** Prometheus's scrape and alerting client credentials: the user and the file with the password. */
export function basicAuthFrom(api: ProtectedApi, dir: string): { username: string; password_file: string } {
  return { username: API_USER, password_file: passwordFile(api, dir) };
}

/** The `user:password` form the operators' commands take from PROMETHEUS_AUTH / ALERTMANAGER_AUTH. */
export function userColonPassword(password: string): string {
  return `${API_USER}:${password}`;
}

import * as grafana from "@pulumiverse/grafana";
import * as pulumi from "@pulumi/pulumi";
import { DashboardJson } from "../dashboards/builder";
import { ProtectedApi } from "../generators/apiAuth";
import { DatasourceSpec } from "../generators/grafanaDatasources";

export interface GrafanaProvisioningArgs {
  /** Where Pulumi reaches Grafana's HTTP API: the stack's own Grafana, never the public name. */
  readonly apiUrl: string;
  /** user:password, kept secret. */
  readonly auth: pulumi.Input<string>;
  readonly datasources: readonly DatasourceSpec[];
  readonly folder: { readonly uid: string; readonly title: string };
  readonly dashboards: readonly DashboardJson[];
  /** The Grafana container: the provider does not wait for Grafana, so everything waits for it. */
  readonly grafanaReady: pulumi.Resource;
  /** Store name → password or token (Pulumi secrets), for datasources that read a long-term store. */
  readonly remoteWriteCredentials?: Readonly<Record<string, pulumi.Output<string>>>;
  /** The stack's protected APIs' passwords (Pulumi secrets), for the Prometheus and Alertmanager datasources. */
  readonly apiPasswords: Readonly<Record<ProtectedApi, pulumi.Output<string>>>;
}

const basicAuth = (username: string, secret: pulumi.Output<string>): Partial<grafana.oss.DataSourceArgs> => ({
  basicAuthEnabled: true,
  basicAuthUsername: username,
  secureJsonDataEncoded: pulumi.secret(secret.apply((password) => JSON.stringify({ basicAuthPassword: password }))),
});

/** A datasource's credentials and headers as the provider takes them; the secret stays a secret. */
function authInputs(
  ds: DatasourceSpec,
  secrets: Readonly<Record<string, pulumi.Output<string>>>,
  apiPasswords: GrafanaProvisioningArgs["apiPasswords"],
): Partial<grafana.oss.DataSourceArgs> {
  const headers: Record<string, pulumi.Input<string>> = { ...ds.httpHeaders };
  const given = ds.credentials;
  if (given && "api" in given)
    return { ...basicAuth(given.username, apiPasswords[given.api]), ...(Object.keys(headers).length ? { httpHeaders: headers } : {}) };
  const c = given;
  const secret = c && secrets[c.store];
  if (c && !secret)
    throw new Error(`datasource ${ds.uid} reads store ${c.store}, whose credential remoteWriteCredentials.${c.store} is not set`);
  const basic = c?.auth.type === "basic" && secret ? basicAuth(c.auth.username, secret) : {};
  if (c?.auth.type === "bearer" && secret) headers.Authorization = pulumi.secret(pulumi.interpolate`Bearer ${secret}`);
  // The provider keeps header values secret (they become secureJsonData).
  return { ...basic, ...(Object.keys(headers).length ? { httpHeaders: headers } : {}) };
}

/** Datasources, folder and dashboards through Grafana's HTTP API (never provisioning files). */
export class GrafanaProvisioning extends pulumi.ComponentResource {
  constructor(name: string, args: GrafanaProvisioningArgs, opts?: pulumi.ComponentResourceOptions) {
    super("tutordex:grafana:Provisioning", name, {}, opts);
    const provider = new grafana.Provider(
      `${name}-provider`,
      { url: args.apiUrl, auth: pulumi.secret(args.auth), retries: 12, retryWait: 5, retryStatusCodes: ["429", "5xx"] },
      { parent: this },
    );
    const opts2 = { parent: this, provider, dependsOn: [args.grafanaReady] };
    const datasourceUids: pulumi.Output<string>[] = [];
    for (const ds of args.datasources) {
      const resource = new grafana.oss.DataSource(
        `${name}-datasource-${ds.uid}`,
        {
          uid: ds.uid,
          name: ds.name,
          type: ds.type,
          url: ds.url,
          isDefault: ds.isDefault,
          accessMode: "proxy",
          jsonDataEncoded: JSON.stringify(ds.jsonData),
          ...authInputs(ds, args.remoteWriteCredentials ?? {}, args.apiPasswords),
        },
        opts2,
      );
      datasourceUids.push(resource.uid);
    }
    const folder = new grafana.oss.Folder(`${name}-folder`, { uid: args.folder.uid, title: args.folder.title }, opts2);
    const dashboardUrls = args.dashboards.map(
      (d) =>
        new grafana.oss.Dashboard(
          `${name}-dashboard-${d.uid}`,
          { configJson: JSON.stringify(d), folder: folder.uid, overwrite: true },
          opts2,
        ).url,
    );
    this.registerOutputs({ datasourceUids, dashboardUrls });
  }
}

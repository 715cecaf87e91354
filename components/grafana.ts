import * as pulumi from "@pulumi/pulumi";
import { SERVICES } from "../config/services";
import { dataVolume, httpHealthcheck, ServiceContainer, StackContext } from "./serviceContainer";

/** Grafana writes its SQLite database on SIGTERM; a kill can leave it locked. */
export const GRAFANA_STOP_GRACE_S = 30;

/**
 * Grafana applies GF_SECURITY_ADMIN_PASSWORD only when it creates the admin user on its first
 * start, so a rotated secret would leave the old password in its database and every API call
 * of the next `up` would get 401. Each start therefore resets the admin password to the
 * configured one first (a no-op on the very first start, when there is no admin yet), then runs
 * the image's own entrypoint.
 */
export const GRAFANA_START =
  'grafana cli admin reset-admin-password "$GF_SECURITY_ADMIN_PASSWORD" 2>&1 | sed "s/^/admin password: /" || true; exec /run.sh';

export interface GrafanaArgs {
  readonly context: StackContext;
  readonly image: string;
  readonly memoryMb: number;
  readonly hostPort: number;
  readonly adminUser: string;
  readonly adminPassword: pulumi.Input<string>;
  readonly externalUrl: string;
}

export class Grafana extends pulumi.ComponentResource {
  readonly service: ServiceContainer;

  constructor(name: string, args: GrafanaArgs, opts?: pulumi.ComponentResourceOptions) {
    super("tutordex:observability:Grafana", name, {}, opts);
    const data = dataVolume(`${name}-data`, args.context, "grafana", "data", this);
    const port = SERVICES.grafana.port;
    // The password makes the whole list secret, so it never shows in preview or state in clear.
    const envs = pulumi.secret(
      pulumi.output(args.adminPassword).apply((password) => [
        `GF_SECURITY_ADMIN_USER=${args.adminUser}`,
        `GF_SECURITY_ADMIN_PASSWORD=${password}`,
        "GF_AUTH_ANONYMOUS_ENABLED=false",
        "GF_USERS_ALLOW_SIGN_UP=false",
        `GF_SERVER_ROOT_URL=${args.externalUrl}`,
        // Behind https, the session cookie never travels over plain http (a downgrade or a
        // plain-http hop would hand it to whoever listens). Over http it must not be set, or no
        // login would ever stick.
        `GF_SECURITY_COOKIE_SECURE=${new URL(args.externalUrl).protocol === "https:"}`,
        "GF_ANALYTICS_REPORTING_ENABLED=false",
        "GF_ANALYTICS_CHECK_FOR_UPDATES=false",
      ]),
    );
    this.service = new ServiceContainer(
      name,
      {
        context: args.context,
        service: "grafana",
        image: args.image,
        memoryMb: args.memoryMb,
        readiness: httpHealthcheck(port, "/api/health"),
        entrypoint: ["/bin/sh", "-c", GRAFANA_START],
        envs,
        ports: [{ internal: port, external: args.hostPort }],
        volumes: [{ volumeName: data.name, containerPath: "/var/lib/grafana" }],
        stopGraceSeconds: GRAFANA_STOP_GRACE_S,
      },
      { parent: this },
    );
    this.registerOutputs({ containerName: this.service.containerName });
  }
}

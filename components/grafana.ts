import * as pulumi from "@pulumi/pulumi";
import { SERVICES } from "../config/services";
import { dataVolume, httpHealthcheck, ServiceContainer, StackContext } from "./serviceContainer";

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
        envs,
        ports: [{ internal: port, external: args.hostPort }],
        volumes: [{ volumeName: data.name, containerPath: "/var/lib/grafana" }],
      },
      { parent: this },
    );
    this.registerOutputs({});
  }
}

import * as pulumi from "@pulumi/pulumi";
import * as random from "@pulumi/random";
import { SERVICES } from "../config/services";
import { API_PASSWORD_LENGTH, PROTECTED_APIS, ProtectedApi, renderWebConfig } from "../generators/apiAuth";

/**
 * One random password per protected API of the stack (generators/apiAuth.ts), generated once by
 * Pulumi and kept in its state as a secret, with the bcrypt hash the API's web config needs. A
 * later `up` reuses both, so no container is replaced; `pulumi up --replace <urn>` of a password
 * rotates it, and every client and server that holds it is replaced with the new value.
 */
export class ApiCredentials extends pulumi.ComponentResource {
  /** The passwords, as Pulumi secrets. */
  readonly passwords: Readonly<Record<ProtectedApi, pulumi.Output<string>>>;
  /** Each API's web config file text (user and bcrypt hash), as a Pulumi secret. */
  readonly webConfigs: Readonly<Record<ProtectedApi, pulumi.Output<string>>>;

  constructor(name: string, opts?: pulumi.ComponentResourceOptions) {
    super("tutordex:observability:ApiCredentials", name, {}, opts);
    const passwords: Partial<Record<ProtectedApi, pulumi.Output<string>>> = {};
    const webConfigs: Partial<Record<ProtectedApi, pulumi.Output<string>>> = {};
    for (const api of PROTECTED_APIS) {
      const p = new random.RandomPassword(
        `${name}-${SERVICES[api].alias}`,
        { length: API_PASSWORD_LENGTH, special: false, minLower: 4, minUpper: 4, minNumeric: 4 },
        { parent: this },
      );
      passwords[api] = pulumi.secret(p.result);
      webConfigs[api] = pulumi.secret(p.bcryptHash.apply(renderWebConfig));
    }
    this.passwords = passwords as Record<ProtectedApi, pulumi.Output<string>>;
    this.webConfigs = webConfigs as Record<ProtectedApi, pulumi.Output<string>>;
    this.registerOutputs({});
  }
}

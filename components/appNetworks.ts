import { spawnSync } from "child_process";
import * as docker from "@pulumi/docker";
import * as pulumi from "@pulumi/pulumi";

/** Names of the networks on the Docker host, or why they could not be listed. */
export type NetworkLister = (dockerHost: string | undefined) => { names: string[] } | { error: string };

/** Lists networks with the docker CLI, which speaks unix, tcp and ssh hosts alike. */
export const listNetworksWithCli: NetworkLister = (dockerHost) => {
  const r = spawnSync("docker", ["network", "ls", "--format", "{{.Name}}"], {
    encoding: "utf8",
    timeout: 15_000,
    env: { ...process.env, ...(dockerHost ? { DOCKER_HOST: dockerHost } : {}) },
  });
  if (r.error) return { error: r.error.message };
  if (r.status !== 0) return { error: (r.stderr || r.stdout).trim().split("\n")[0] };
  return {
    names: r.stdout
      .split("\n")
      .map((l) => l.trim())
      .filter(Boolean)
      .sort(),
  };
};

/** The error a missing application network stops `pulumi up` with. */
export function missingNetworkMessage(network: string, dockerHost: string | undefined, listed: ReturnType<NetworkLister>): string {
  const where = dockerHost ?? "the Docker host (DOCKER_HOST or the local socket)";
  const existing =
    "names" in listed ? `networks there: ${listed.names.join(", ") || "none"}` : `the networks there could not be listed: ${listed.error}`;
  return (
    `appNetworks: Docker network "${network}" does not exist on ${where}; ${existing}. ` +
    "Compose names a project's networks <project>_<network> (a network declared as `tutordex` in project tutordex-prod is tutordex-prod_tutordex)."
  );
}

/**
 * Looks every configured application network up before anything is created: a missing one stops
 * the program with the name and the host's networks, instead of a container that fails to start
 * half-way through an `up`. Resolves to the names, which the containers joining them consume.
 */
export function lookUpAppNetworks(
  networks: readonly string[],
  dockerHost: string | undefined,
  provider: docker.Provider,
  lister: NetworkLister = listNetworksWithCli,
): pulumi.Output<string[]> {
  const lookups = networks.map((name) =>
    docker.getNetwork({ name }, { provider }).then(
      (n) => n.name,
      () => {
        throw new Error(missingNetworkMessage(name, dockerHost, lister(dockerHost)));
      },
    ),
  );
  return pulumi.output(Promise.all(lookups));
}

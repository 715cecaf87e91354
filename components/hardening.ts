import * as docker from "@pulumi/docker";

/**
 * What every container of the stack runs without, beyond Docker's defaults (the CIS Docker
 * Benchmark's "restrict the container from acquiring additional privileges" and "restrict Linux
 * kernel capabilities within containers"; docs/threat-model.md): no process in it gains
 * privileges through a setuid or file-capability binary, and none opens raw sockets, with which a
 * compromised container could spoof ARP or forge packets on the stack network. No service of the
 * stack needs either: blackbox_exporter probes over HTTP and TCP only (generators/blackbox.ts). A
 * privileged container (cAdvisor) has every capability whatever is dropped, so it is given no
 * drop list that would read as if it did not.
 */
export const NO_NEW_PRIVILEGES = "no-new-privileges:true";
export const DROPPED_CAPABILITIES = ["NET_RAW"] as const;
/**
 * Docker turns SELinux labelling off for a privileged container or one in the host's pid
 * namespace by adding this to its security options itself (moby daemon/create.go,
 * generateSecurityOpt), and adds nothing when the options already name a label. Declared here, what
 * the provider reads back is what the program says; left to Docker, every `up` would see one
 * option more than declared and replace the container.
 */
export const SELINUX_LABEL_DISABLED = "label=disable";

export interface HardeningOf {
  readonly privileged: boolean;
  /** In the host's pid namespace (node_exporter). */
  readonly hostPid: boolean;
}

export function hardening(c: HardeningOf): Pick<docker.ContainerArgs, "securityOpts" | "capabilities"> {
  return {
    securityOpts: [NO_NEW_PRIVILEGES, ...(c.privileged || c.hostPid ? [SELINUX_LABEL_DISABLED] : [])],
    ...(c.privileged ? {} : { capabilities: { drops: [...DROPPED_CAPABILITIES] } }),
  };
}

/**
 * Network devices Docker makes on a host, as regular expressions of their names. Each container's
 * link has its host end as a veth, a new one at every recreation; docker0 and br-<network id> are
 * the bridges of Docker's networks.
 */
export const CONTAINER_VETHS = "veth.+";
export const DOCKER_BRIDGES = "docker[0-9]+|br-.+";

/** A whole-name match, for programs (node_exporter) whose Go regexps match anywhere in the name. */
export const wholeName = (pattern: string) => `^(?:${pattern})$`;

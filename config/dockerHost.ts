/**
 * A Docker engine address, read one way for the stack's `dockerHost` (config/schema.ts) and for
 * the engine the operator commands dial (cli/engine.ts: the stack's dockerHost, else DOCKER_HOST),
 * so `obs preflight` and `pulumi up` agree on which addresses exist. The forms are the ones the
 * Docker provider's client takes (it needs the scheme, so a bare host:port is refused).
 */

export const DOCKER_HOST_FORMS = "expected unix:///path/docker.sock, ssh://user@host[:port] or tcp://host:port";

const SCHEMES = new Set(["unix:", "ssh:", "tcp:"]);

/**
 * Why `text` is no engine address, as the end of "dockerHost <text> …" ("names no port");
 * undefined when it is one.
 */
export function dockerHostProblem(text: string): string | undefined {
  const scheme = /^([A-Za-z][A-Za-z0-9+.-]*):\/\//.exec(text);
  if (!scheme) return "names no scheme (a bare host:port is tcp://host:port)";
  if (!SCHEMES.has(`${scheme[1]}:`)) return `uses ${scheme[1]}://, which is none of them`;
  if (/\s/.test(text)) return "contains white space";
  if (!URL.canParse(text)) return "is not an address";
  const url = new URL(text);
  if (url.search !== "" || url.hash !== "") return "carries a ?query or #fragment";
  if (url.protocol === "unix:") {
    if (url.hostname) return `names host "${url.hostname}" where the socket path starts (a unix socket takes three slashes)`;
    if (url.pathname.length < 2) return "names no socket path";
    if (url.pathname.endsWith("/")) return "names a folder, not a socket";
    return undefined;
  }
  if (!url.hostname) return "names no host";
  if (url.password !== "") return "carries a password (it would be shown in logs; use an SSH key or agent)";
  if (url.pathname !== "" && url.pathname !== "/") return `names a path (${url.pathname}), which an engine address has not`;
  if (url.protocol === "tcp:" && url.port === "") return "names no port (tcp://host:port)";
  if (url.port === "0") return "names port 0 (1 to 65535)";
  return undefined;
}

/** The address as a URL, or the problem that makes it none. */
export function parseDockerHost(text: string): { readonly url: URL } | { readonly problem: string } {
  const problem = dockerHostProblem(text);
  return problem === undefined ? { url: new URL(text) } : { problem };
}

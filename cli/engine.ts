import * as fs from "fs";
import * as path from "path";
import Docker from "dockerode";
import { DOCKER_HOST_FORMS, parseDockerHost as readDockerHost } from "../config/dockerHost";
import { hideUrlPassword } from "../config/sharedValidators";
import { UsageError } from "./io";

/** The provider's default when neither the stack nor DOCKER_HOST names an engine. */
export const LOCAL_SOCKET = "unix:///var/run/docker.sock";

export interface EngineAddress {
  /** The host string, as the stack or DOCKER_HOST gives it (or the local socket). */
  readonly host: string;
  /** Where it came from, for messages. */
  readonly source: "stack dockerHost" | "DOCKER_HOST" | "the local socket: neither dockerHost nor DOCKER_HOST is set";
  /**
   * Whether the engine runs on this machine: a unix socket, or tcp:// on a loopback address.
   * Only then can its host ports be bound from here and its data root be measured.
   */
  readonly local: boolean;
}

const LOOPBACK_HOSTS = new Set(["localhost", "127.0.0.1", "::1", "[::1]"]);

export const isLoopbackHost = (hostname: string) => LOOPBACK_HOSTS.has(hostname) || /^127\./.test(hostname);

export class EngineAddressError extends UsageError {}

/**
 * A Docker host address as a URL, or an EngineAddressError that names where it came from and the
 * forms there are. The rule is the stack schema's (config/dockerHost.ts): what `pulumi up` takes.
 */
export function parseDockerHost(host: string, source: string): URL {
  const read = readDockerHost(host);
  if ("problem" in read)
    throw new EngineAddressError(`${source} ${JSON.stringify(hideUrlPassword(host))} ${read.problem}: ${DOCKER_HOST_FORMS}`);
  return read.url;
}

/** The engine `pulumi up` would talk to: the stack's dockerHost, else DOCKER_HOST, else the local socket (the provider's order). */
export function engineAddress(dockerHost: string | undefined, env: NodeJS.ProcessEnv = process.env): EngineAddress {
  const [host, source]: [string, EngineAddress["source"]] = dockerHost
    ? [dockerHost, "stack dockerHost"]
    : env.DOCKER_HOST
      ? [env.DOCKER_HOST, "DOCKER_HOST"]
      : [LOCAL_SOCKET, "the local socket: neither dockerHost nor DOCKER_HOST is set"];
  const url = parseDockerHost(host, source === "DOCKER_HOST" ? "the environment's DOCKER_HOST" : "dockerHost");
  const local = url.protocol === "unix:" || (url.protocol === "tcp:" && isLoopbackHost(url.hostname));
  return { host, source, local };
}

/** A Docker Engine API client for the address: unix socket, tcp (TLS from DOCKER_CERT_PATH), or ssh (the SSH agent). */
export function engineClient(address: EngineAddress, env: NodeJS.ProcessEnv = process.env): Docker {
  const url = parseDockerHost(address.host, address.source);
  if (url.protocol === "unix:") return new Docker({ socketPath: url.pathname });
  if (url.protocol === "ssh:") {
    return new Docker({
      protocol: "ssh",
      host: url.hostname,
      port: Number(url.port || 22),
      username: decodeURIComponent(url.username) || undefined,
      sshOptions: { agent: env.SSH_AUTH_SOCK },
    });
  }
  // tcp:// (parseDockerHost admits nothing else); TLS as the Docker client decides it.
  const tls = env.DOCKER_TLS_VERIFY === "1" || url.port === "2376";
  const certs =
    tls && env.DOCKER_CERT_PATH
      ? {
          ca: fs.readFileSync(path.join(env.DOCKER_CERT_PATH, "ca.pem")),
          cert: fs.readFileSync(path.join(env.DOCKER_CERT_PATH, "cert.pem")),
          key: fs.readFileSync(path.join(env.DOCKER_CERT_PATH, "key.pem")),
        }
      : {};
  return new Docker({ host: url.hostname, port: Number(url.port), protocol: tls ? "https" : "http", ...certs });
}

export class TimeoutError extends Error {}

/** Every engine call is bounded: a hung ssh connection or registry must not hang the command. */
export function within<T>(ms: number, what: string, work: Promise<T>): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new TimeoutError(`${what} did not answer within ${ms} ms`)), ms);
  });
  return Promise.race([work, timeout]).finally(() => clearTimeout(timer));
}

/** The engine's own words from a failed API call (dockerode puts them in `json.message`). */
export function engineMessage(e: unknown): string {
  const err = e as { json?: { message?: string }; reason?: string; statusCode?: number; message?: string; code?: string };
  const said = err.json?.message ?? (typeof err.json === "string" ? err.json : undefined);
  if (said) return `${said}${err.statusCode ? ` (HTTP ${err.statusCode})` : ""}`;
  return err.code && !String(err.message).includes(err.code) ? `${err.message} (${err.code})` : String(err.message ?? e);
}

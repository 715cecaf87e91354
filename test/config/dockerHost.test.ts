import { engineAddress } from "../../cli/engine";
import { ConfigError, parseStackConfig } from "../../config/schema";
import { VALID } from "./rawFixtures";

/**
 * One rule for a Docker engine address (config/dockerHost.ts): the stack's dockerHost and the
 * engine the operator commands dial (the stack's, else DOCKER_HOST) take the same addresses, so
 * `obs preflight` never checks an engine `pulumi up` would not reach, or refuses one it would.
 */

const ADDRESSES = [
  "unix:///var/run/docker.sock",
  "unix:///run/user/1000/docker.sock",
  "ssh://ops@docker.test",
  "ssh://docker.test:2222",
  "tcp://docker.test:2376",
  "tcp://127.0.0.1:2375",
  "tcp://[::1]:2375",
  "unix://var/run/docker.sock",
  "unix:///",
  "unix:///var/run/",
  "ssh://",
  "tcp://docker.test",
  "tcp://docker.test:0",
  "tcp://docker.test:70000",
  "tcp://docker.test:2376/v1",
  "tcp://docker.test:2376?tls=1",
  "ssh://ops:hunter2@docker.test",
  "docker.test:2375",
  "/var/run/docker.sock",
  "https://docker.test:2376",
  "http://127.0.0.1:2375",
  "npipe:////./pipe/docker_engine",
  "TCP://docker.test:2376",
  "tcp://docker.test :2376",
];

const stackTakes = (dockerHost: string) => {
  try {
    parseStackConfig("t", { ...VALID, dockerHost });
    return true;
  } catch (e) {
    if (e instanceof ConfigError) return false;
    throw e;
  }
};

const cliTakes = (host: string) => {
  try {
    engineAddress(undefined, { DOCKER_HOST: host });
    return true;
  } catch {
    return false;
  }
};

it.each(ADDRESSES)("%s: the stack and the operator commands agree", (address) => {
  expect({ address, cli: cliTakes(address) }).toEqual({ address, cli: stackTakes(address) });
});

it("the forms the stack's examples use are taken", () => {
  expect(ADDRESSES.slice(0, 7).every(stackTakes)).toBe(true);
});

import { parseStackConfig } from "../../config/schema";
import { SERVICE_NAMES } from "../../config/services";
import { PROD, PROD_SECRETS, problems, VALID } from "./rawFixtures";

describe("defaults of the deployment settings", () => {
  it("every service runs (Alloy the log agent, not Promtail), the provider follows DOCKER_HOST, Grafana's API is the stack's own published port", () => {
    const c = parseStackConfig("dev", VALID);
    expect(SERVICE_NAMES.filter((s) => !c.services[s])).toEqual(["promtail"]);
    expect(c.logAgent).toBe("alloy");
    expect(c.dockerHost).toBeUndefined();
    expect(c.grafanaApiUrl).toBe("http://127.0.0.1:13300");
    expect(c.telegram.apiBaseUrl).toBe("https://api.telegram.org");
    expect(c.registryAuth).toBeUndefined();
  });
  it("logAgent alloy runs Alloy and not Promtail; nativeHistograms is off unless asked for", () => {
    const c = parseStackConfig("dev", { ...VALID, logAgent: "alloy", nativeHistograms: true });
    expect([c.logAgent, c.services.alloy, c.services.promtail, c.nativeHistograms]).toEqual(["alloy", true, false, true]);
    expect(parseStackConfig("dev", VALID).nativeHistograms).toBe(false);
  });
  it("Grafana's API follows the bind address and host port, and 0.0.0.0 becomes loopback", () => {
    expect(parseStackConfig("s", { ...VALID, environment: "staging" }).grafanaApiUrl).toBe("http://127.0.0.1:3301");
    expect(parseStackConfig("d", { ...VALID, bindAddress: "10.1.2.3", hostPorts: { grafana: 3999 } }).grafanaApiUrl).toBe(
      "http://10.1.2.3:3999",
    );
    expect(parseStackConfig("d", { ...VALID, bindAddress: "0.0.0.0" }).grafanaApiUrl).toBe("http://127.0.0.1:13300");
    expect(parseStackConfig("d", { ...VALID, grafanaApiUrl: "http://grafana.internal:3000/" }).grafanaApiUrl).toBe(
      "http://grafana.internal:3000",
    );
  });
  it("registry credentials default to Docker Hub and carry the password", () => {
    const c = parseStackConfig("d", { ...VALID, registryAuth: { username: "ops" }, registryPassword: "tok" });
    expect(c.registryAuth).toEqual({ address: "registry-1.docker.io", username: "ops", password: "tok" });
  });
  it("prod accepts its links on operator-facing URLs and secrets set as secrets", () => {
    expect(parseStackConfig("prod", PROD, PROD_SECRETS).alertmanagerExternalUrl).toBe("https://alertmanager.example.test");
  });
  it("without Loki the default log agent is off too, so stacks written for the former default stay valid", () => {
    for (const services of [{ loki: false }, { loki: false, promtail: false }, { loki: false, alloy: false }]) {
      const c = parseStackConfig("dev", { ...VALID, services });
      expect([c.services.loki, c.services.alloy, c.services.promtail]).toEqual([false, false, false]);
    }
  });
  it("a stack without Grafana needs no Grafana password, even in prod", () => {
    const { grafanaAdminPassword: _p, grafanaExternalUrl: _g, ...rest } = PROD;
    const c = parseStackConfig("prod", { ...rest, services: { grafana: false } }, new Set(["telegramBotToken"]));
    expect(c.services.grafana).toBe(false);
  });
});

const INVALID: [string, Record<string, unknown>, string, ReadonlySet<string>][] = [
  [
    "switching off the alerting path",
    { ...VALID, services: { alertmanager: false } },
    "services.alertmanager: cannot be switched off, it is part of the alerting path, got false",
    new Set(),
  ],
  ["a service that is not one", { ...VALID, services: { graphana: false } }, "services.graphana: unknown key", new Set()],
  ["a switch that is not a boolean", { ...VALID, services: { tempo: "off" } }, 'services.tempo: expected boolean, got "off"', new Set()],
  [
    "Alloy, the default agent, switched on without Loki",
    { ...VALID, services: { loki: false, alloy: true } },
    "services.alloy: alloy ships logs to Loki, which is switched off (services.loki: false); switch alloy off or remove it, got true",
    new Set(),
  ],
  [
    "Alloy chosen without Loki",
    { ...VALID, logAgent: "alloy", services: { loki: false } },
    'logAgent: alloy ships logs to Loki, which is switched off (services.loki: false); switch loki on or remove logAgent, got "alloy"',
    new Set(),
  ],
  [
    "the chosen log agent switched off",
    { ...VALID, logAgent: "alloy", services: { alloy: false } },
    'logAgent: names alloy, which services.alloy switches off; remove logAgent or switch alloy on, got "alloy"',
    new Set(),
  ],
  [
    "the other log agent switched on as well",
    { ...VALID, logAgent: "alloy", services: { promtail: true } },
    "services.promtail: only the agent logAgent names runs (alloy), got true",
    new Set(),
  ],
  [
    "Tempo without the collector",
    { ...VALID, services: { otelCollector: false } },
    "services.tempo: Tempo receives traces only through the OTEL Collector, which is switched off; switch tempo off too",
    new Set(),
  ],
  [
    "public probes without blackbox",
    { ...VALID, services: { blackboxExporter: false }, publicProbes: { urls: ["https://api.test/health"] } },
    "services.blackboxExporter: publicProbes are probed through blackbox_exporter",
    new Set(),
  ],
  [
    "Grafana API URL without a scheme",
    { ...VALID, grafanaApiUrl: "grafana:3000" },
    'grafanaApiUrl: expected an absolute http(s) URL, got "grafana:3000"',
    new Set(),
  ],
  [
    "registry user without a password",
    { ...VALID, registryAuth: { username: "ops" } },
    'registryPassword: registryAuth names user "ops" but no password',
    new Set(),
  ],
  [
    "registry password without a user",
    { ...VALID, registryPassword: "tok" },
    "registryAuth: registryPassword is set but registryAuth.username is not",
    new Set(),
  ],
  [
    "registry address with a path",
    { ...VALID, registryAuth: { address: "https://ghcr.io/x", username: "ops" }, registryPassword: "t" },
    'registryAuth.address: expected a registry host such as registry-1.docker.io or ghcr.io, got "https://ghcr.io/x"',
    new Set(),
  ],
  [
    "prod registry password in plain text",
    { ...PROD, registryAuth: { username: "ops" }, registryPassword: "tok" },
    "registryPassword: prod refuses a plain-text value",
    PROD_SECRETS,
  ],
  [
    "prod linking Alertmanager at localhost",
    { ...PROD, alertmanagerExternalUrl: "http://localhost:9093" },
    'alertmanagerExternalUrl: prod messages link to it and "http://localhost:9093" only works on the host itself',
    PROD_SECRETS,
  ],
  [
    "prod without an Alertmanager URL",
    { ...PROD, alertmanagerExternalUrl: undefined },
    "alertmanagerExternalUrl: prod messages link to it, so it must be the URL operators open",
    PROD_SECRETS,
  ],
  [
    "prod linking Grafana at 127.0.0.1",
    { ...PROD, grafanaExternalUrl: "http://127.0.0.1:3300" },
    'grafanaExternalUrl: prod messages link to it and "http://127.0.0.1:3300" only works on the host itself',
    PROD_SECRETS,
  ],
  [
    "Telegram API base without a scheme",
    { ...VALID, telegram: { apiBaseUrl: "api.telegram.org" } },
    'telegram.apiBaseUrl: expected an absolute http(s) URL, got "api.telegram.org"',
    new Set(),
  ],
];

describe("bad deployment settings are refused with the key and the value", () => {
  it.each(INVALID)("%s", (_what, raw, message, secrets) => {
    expect(problems(raw, secrets)).toContain(message);
  });
  it("the registry password is never echoed", () => {
    expect(problems({ ...VALID, registryPassword: "very-secret-token" })).not.toContain("very-secret-token");
  });
});

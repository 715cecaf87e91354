import { publishedPorts, stackCollisions } from "../../config/collisions";
import { parseStackConfig, StackConfig } from "../../config/schema";
import { listStacks, stackConfigFromFile } from "../../config/stackFile";
import { containersOf, runProgram } from "../support/program";
import { stackConfig } from "../../harness/fixtures";
import { PROJECT, pulumiConfigMap, ROOT, TEST_SECRETS } from "../../harness/stackFiles";

/**
 * A stack as its file would say it, without secrets (collisions never look at them), watching its
 * own compose project unless the test says otherwise, so only what a test shares can collide.
 */
const stack = (name: string, raw: Record<string, unknown>): StackConfig =>
  parseStackConfig(name, { runbookBaseUrl: "https://runbooks.test", appComposeProject: `app-${name}`, ...raw }, new Set(), {
    requireSecrets: false,
  });

const kinds = (configs: StackConfig[]) => stackCollisions(configs).map((c) => c.kind);

describe("collisions between stacks", () => {
  it("the committed stacks do not collide", () => {
    const configs = listStacks(ROOT).map((s) => stackConfigFromFile(ROOT, s));
    expect(configs.length).toBeGreaterThanOrEqual(3);
    expect(stackCollisions(configs).map((c) => c.message)).toEqual([]);
  });

  it("prod and staging side by side on one host do not collide", () => {
    expect(
      stackCollisions([
        stack("prod", {
          environment: "prod",
          grafanaExternalUrl: "https://g.test",
          alertmanagerExternalUrl: "https://a.test",
          telegram: { chatId: "-1" },
          appComposeProject: undefined,
        }),
        // Each watches its environment's default compose project.
        stack("staging", { environment: "staging", appComposeProject: undefined }),
      ]),
    ).toEqual([]);
  });

  it("a shared Grafana API URL is refused, naming both stacks and the URL", () => {
    const [c] = stackCollisions([
      stack("prod", { environment: "staging", hostPorts: { grafana: 3300 }, dockerHost: "ssh://ops@prod.test" }),
      // Another host, but the API URL points at prod's Grafana: it would provision into prod.
      stack("qa", { environment: "staging", dockerHost: "ssh://ops@qa.test", grafanaApiUrl: "http://LOCALHOST:3300/" }),
    ]);
    expect(c).toEqual(expect.objectContaining({ kind: "grafanaApiUrl", stacks: ["prod", "qa"], value: "http://127.0.0.1:3300" }));
    expect(c.message).toContain("stacks prod and qa share the Grafana API URL http://127.0.0.1:3300");
  });

  it("a stack without Grafana shares no Grafana API", () => {
    const a = stack("a", { environment: "staging", dockerHost: "ssh://a.test" });
    const b = stack("b", { environment: "staging", dockerHost: "ssh://b.test", services: { grafana: false } });
    expect(kinds([a, b])).toEqual([]);
  });

  it("a host port on the same Docker host and address is refused, naming both stacks, the keys and the port", () => {
    const a = stack("a", { environment: "staging" });
    const b = stack("b", {
      environment: "staging",
      hostPorts: { prometheus: 19091, alertmanager: 19094, grafana: 13301, loki: 13101, tempo: 13201, otlpGrpc: 14327, otlpHttp: 9091 },
    });
    const found = stackCollisions([a, b]);
    expect(found.map((c) => [c.kind, c.value])).toEqual([["hostPort", "127.0.0.1:9091"]]);
    expect(found[0].message).toContain(
      "stacks a and b both publish host port 9091 (a: hostPorts.prometheus, b: hostPorts.otlpHttp) on 127.0.0.1 of the same Docker host",
    );
    expect(found[0].message).toContain("neither sets dockerHost");
  });

  it("0.0.0.0 overlaps every address of the same host; other hosts and other addresses do not", () => {
    const base = { environment: "staging", grafanaApiUrl: "http://grafana-a.test" };
    const wildcard = stack("a", { ...base, bindAddress: "0.0.0.0" });
    const sameHost = stack("b", { environment: "staging", bindAddress: "10.0.0.5", grafanaApiUrl: "http://grafana-b.test" });
    expect(stackCollisions([wildcard, sameHost]).map((c) => c.value)).toEqual([
      Object.values(wildcard.hostPorts)
        .map((p) => `10.0.0.5:${p}`)
        .join(", "),
    ]);
    const otherAddress = stack("c", { environment: "staging", bindAddress: "10.0.0.6", grafanaApiUrl: "http://grafana-c.test" });
    expect(kinds([sameHost, otherAddress])).toEqual([]);
    const otherHost = stack("d", {
      ...base,
      bindAddress: "0.0.0.0",
      dockerHost: "ssh://ops@elsewhere.test",
      grafanaApiUrl: "http://grafana-d.test",
    });
    expect(kinds([wildcard, otherHost])).toEqual([]);
  });

  it("a clustered Alertmanager's gossip port collides on its cluster address, not the bind address", () => {
    const cluster = (listenAddress: string) => ({ listenAddress, peers: [{ gossip: "10.9.9.9:9094", api: "10.9.9.9:9093" }] });
    const a = stack("a", {
      environment: "staging",
      bindAddress: "10.0.0.5",
      grafanaApiUrl: "http://a.test",
      hostPorts: { alertmanager: 9096 },
      alertmanagerCluster: cluster("10.0.0.5"),
    });
    const b = stack("b", {
      environment: "staging",
      bindAddress: "10.0.0.7",
      grafanaApiUrl: "http://b.test",
      hostPorts: { alertmanager: 9095 },
      alertmanagerCluster: cluster("10.0.0.5"),
    });
    const [c] = stackCollisions([a, b]);
    expect(c).toEqual(expect.objectContaining({ kind: "hostPort", value: "10.0.0.5:9094" }));
    expect(c.message).toContain("9094 (a: alertmanagerCluster.port, b: alertmanagerCluster.port) on 10.0.0.5");
    expect(
      kinds([
        a,
        stack("c", {
          environment: "staging",
          bindAddress: "10.0.0.7",
          grafanaApiUrl: "http://c.test",
          hostPorts: { alertmanager: 9095 },
          alertmanagerCluster: cluster("10.0.0.7"),
        }),
      ]),
    ).toEqual([]);
  });

  it("a switched-off service publishes nothing to collide with", () => {
    const a = stack("a", { environment: "staging", services: { loki: false, alloy: false } });
    const b = stack("b", {
      environment: "staging",
      grafanaApiUrl: "http://other.test",
      hostPorts: { prometheus: 1, alertmanager: 2, grafana: 3, loki: 3101, tempo: 5, otlpGrpc: 6, otlpHttp: 7 },
    });
    expect(kinds([a, b])).toEqual([]);
    expect(publishedPorts(a).map((p) => p.setting)).not.toContain("hostPorts.loki");
  });

  it("overlapping Docker names are refused, naming both stacks and the shared prefix", () => {
    const prod = stack("prod", { environment: "staging", dockerHost: "ssh://a.test", grafanaApiUrl: "http://a.test" });
    const prodEu = stack("prod-eu", { environment: "staging", dockerHost: "ssh://b.test", grafanaApiUrl: "http://b.test" });
    const [c] = stackCollisions([prodEu, prod]);
    expect(c).toEqual(expect.objectContaining({ kind: "dockerName", stacks: ["prod", "prod-eu"], value: "tutordex-obs-prod-" }));
    expect(c.message).toContain("every name of prod-eu (tutordex-obs-prod-eu-…) also starts with tutordex-obs-prod-");
    // A longer name without the dash boundary claims nothing.
    expect(kinds([prod, stack("prod2", { environment: "staging", dockerHost: "ssh://c.test", grafanaApiUrl: "http://c.test" })])).toEqual(
      [],
    );
  });
});

describe("publishedPorts is what the program publishes", () => {
  it.each([
    ["prod", {}],
    ["staging", { services: { loki: false, alloy: false, grafana: false } }],
  ])("%s %j", async (name, patch) => {
    const config = pulumiConfigMap(name);
    for (const [k, v] of Object.entries(patch)) config[`${PROJECT}:${k}`] = JSON.stringify(v);
    const run = await runProgram(name, config, Object.keys(TEST_SECRETS));
    const published = containersOf(run).flatMap((c) => (c.inputs.ports ?? []).map((p: { external: number }) => p.external));
    expect(published.length).toBeGreaterThan(0);
    expect(published.sort()).toEqual(
      publishedPorts(stackConfig(name, patch))
        .map((p) => p.port)
        .sort(),
    );
  });
});

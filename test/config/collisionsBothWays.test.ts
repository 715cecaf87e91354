import { publishedPorts, stackCollisions } from "../../config/collisions";
import { parseStackConfig, StackConfig } from "../../config/schema";

/**
 * config/collisions.ts with the stacks in either order (a collision is found whichever stack comes
 * first, and none is found in either order where there is none), each shared value compared as
 * the engine or the URL parser sees it, and the messages word for word.
 */

/** Each stack watches its own compose project unless the test says otherwise. */
const stack = (name: string, raw: Record<string, unknown>): StackConfig =>
  parseStackConfig(
    name,
    { runbookBaseUrl: "https://runbooks.test", environment: "staging", appComposeProject: `app-${name}`, ...raw },
    new Set(),
    { requireSecrets: false },
  );

/** Ports no other stack of these tests uses, so only what a test sets can collide. */
const ownPorts = (base: number) => ({
  prometheus: base,
  alertmanager: base + 1,
  grafana: base + 2,
  loki: base + 3,
  tempo: base + 4,
  otlpGrpc: base + 5,
  otlpHttp: base + 6,
});

const both = (a: StackConfig, b: StackConfig) => [stackCollisions([a, b]), stackCollisions([b, a])];

describe("the Grafana API URL, compared as the URL parser reads it", () => {
  it.each([
    ["localhost and 127.0.0.1", "http://localhost:3300", "http://127.0.0.1:3300/", "http://127.0.0.1:3300"],
    ["the default port written out", "http://grafana.test:80", "http://grafana.test", "http://grafana.test"],
    ["a host in capitals, a path with trailing slashes", "https://GRAFANA.test/g//", "https://grafana.test/g", "https://grafana.test/g"],
    // The query is not part of which Grafana it is; slashes before it are cut like trailing ones.
    ["a path with slashes before a query", "https://grafana.test/g//?orgId=1", "https://grafana.test/g", "https://grafana.test/g"],
  ])("%s is one Grafana, whichever stack comes first", (_what, urlA, urlB, value) => {
    const a = stack("a", { hostPorts: ownPorts(20000), grafanaApiUrl: urlA });
    const b = stack("b", { hostPorts: ownPorts(21000), grafanaApiUrl: urlB });
    const [ab, ba] = both(a, b);
    expect(ab).toEqual([
      {
        kind: "grafanaApiUrl",
        stacks: ["a", "b"],
        value,
        message: `stacks a and b share the Grafana API URL ${value}: \`pulumi up\` of one would provision its dashboards into the other's Grafana (and \`pulumi destroy\` delete them); give each stack its own grafanaApiUrl or hostPorts.grafana`,
      },
    ]);
    expect(ba.map((c) => [c.kind, c.stacks, c.value])).toEqual([["grafanaApiUrl", ["b", "a"], value]]);
  });

  it.each([
    ["another scheme", "https://grafana.test", "http://grafana.test"],
    ["another port", "http://grafana.test:3300", "http://grafana.test:3301"],
    ["another path", "http://grafana.test/a", "http://grafana.test/b"],
    ["another host", "http://grafana-a.test", "http://grafana-b.test"],
  ])("%s is another Grafana", (_what, urlA, urlB) => {
    const a = stack("a", { hostPorts: ownPorts(20000), grafanaApiUrl: urlA });
    const b = stack("b", { hostPorts: ownPorts(21000), grafanaApiUrl: urlB });
    expect(both(a, b)).toEqual([[], []]);
  });

  it("a stack without Grafana shares no Grafana API, in either place", () => {
    const on = stack("a", { hostPorts: ownPorts(20000), grafanaApiUrl: "http://grafana.test" });
    const off = stack("b", { hostPorts: ownPorts(21000), grafanaApiUrl: "http://grafana.test", services: { grafana: false } });
    expect(both(on, off)).toEqual([[], []]);
  });
});

describe("host ports on one Docker host", () => {
  it("two shared ports are named in one collision, with the Docker host both use", () => {
    const a = stack("a", { dockerHost: "ssh://ops@box.test", hostPorts: ownPorts(20000), grafanaApiUrl: "http://a.test" });
    const b = stack("b", {
      dockerHost: "ssh://ops@box.test",
      hostPorts: { ...ownPorts(21000), loki: 20003, otlpHttp: 20000 },
      grafanaApiUrl: "http://b.test",
    });
    const [ab, ba] = both(a, b);
    expect(ab).toEqual([
      {
        kind: "hostPort",
        stacks: ["a", "b"],
        value: "127.0.0.1:20000, 127.0.0.1:20003",
        message:
          "stacks a and b both publish host ports 20000 (a: hostPorts.prometheus, b: hostPorts.otlpHttp), 20003 (a: hostPorts.loki, b: hostPorts.loki) on 127.0.0.1 of the same Docker host " +
          "(dockerHost ssh://ops@box.test); the second `pulumi up` would fail on a port already allocated; give one of them other hostPorts, bindAddress or dockerHost",
      },
    ]);
    // From the other side the same ports, in b's order of keys.
    expect(ba.map((c) => [c.kind, c.stacks, c.value])).toEqual([["hostPort", ["b", "a"], "127.0.0.1:20003, 127.0.0.1:20000"]]);
  });

  it("the same ports on two Docker hosts, or with one stack on DOCKER_HOST, do not collide", () => {
    const a = stack("a", { dockerHost: "ssh://ops@one.test", grafanaApiUrl: "http://a.test" });
    const b = stack("b", { dockerHost: "ssh://ops@two.test", grafanaApiUrl: "http://b.test" });
    const local = stack("c", { grafanaApiUrl: "http://c.test" });
    expect(both(a, b)).toEqual([[], []]);
    expect(both(a, local)).toEqual([[], []]);
  });

  it("a wildcard address collides with a specific one from either side, reported on the specific address", () => {
    const wildcard = stack("w", { bindAddress: "0.0.0.0", hostPorts: ownPorts(20000), grafanaApiUrl: "http://w.test" });
    const specific = stack("s", {
      bindAddress: "10.0.0.5",
      hostPorts: { ...ownPorts(21000), tempo: 20004 },
      grafanaApiUrl: "http://s.test",
    });
    const [ws, sw] = both(wildcard, specific);
    expect(ws.map((c) => c.value)).toEqual(["10.0.0.5:20004"]);
    expect(sw.map((c) => c.value)).toEqual(["10.0.0.5:20004"]);
    expect(ws[0].message).toContain(
      "both publish host port 20004 (w: hostPorts.tempo, s: hostPorts.tempo) on 10.0.0.5 of the same Docker host",
    );
    expect(sw[0].message).toContain(
      "both publish host port 20004 (s: hostPorts.tempo, w: hostPorts.tempo) on 10.0.0.5 of the same Docker host",
    );
  });

  it("two wildcard addresses collide on 0.0.0.0", () => {
    const a = stack("a", { bindAddress: "0.0.0.0", hostPorts: ownPorts(20000), grafanaApiUrl: "http://a.test" });
    const b = stack("b", { bindAddress: "0.0.0.0", hostPorts: { ...ownPorts(21000), grafana: 20002 }, grafanaApiUrl: "http://b.test" });
    expect(both(a, b).map((found) => found.map((c) => c.value))).toEqual([["0.0.0.0:20002"], ["0.0.0.0:20002"]]);
  });

  it("publishedPorts lists the running services' ports on the bind address and the gossip port on the cluster address", () => {
    const c = stack("a", {
      bindAddress: "10.0.0.5",
      hostPorts: ownPorts(20000),
      services: { tempo: false, otelCollector: false },
      alertmanagerCluster: { listenAddress: "10.0.0.9", port: 9095, peers: [{ gossip: "10.0.0.6:9094", api: "10.0.0.6:9093" }] },
    });
    expect(publishedPorts(c)).toEqual([
      { setting: "hostPorts.prometheus", service: "prometheus", port: 20000, address: "10.0.0.5" },
      { setting: "hostPorts.alertmanager", service: "alertmanager", port: 20001, address: "10.0.0.5" },
      { setting: "hostPorts.grafana", service: "grafana", port: 20002, address: "10.0.0.5" },
      { setting: "hostPorts.loki", service: "loki", port: 20003, address: "10.0.0.5" },
      { setting: "alertmanagerCluster.port", service: "alertmanager", port: 9095, address: "10.0.0.9" },
    ]);
  });

  it("the OTLP ports belong to the collector", () => {
    const c = stack("a", { hostPorts: ownPorts(20000) });
    expect(
      publishedPorts(c)
        .filter((p) => p.setting.startsWith("hostPorts.otlp"))
        .map((p) => [p.setting, p.service]),
    ).toEqual([
      ["hostPorts.otlpGrpc", "otelCollector"],
      ["hostPorts.otlpHttp", "otelCollector"],
    ]);
  });
});

describe("Docker names", () => {
  const named = (name: string, i: number) =>
    stack(name, { dockerHost: `ssh://ops@host-${i}.test`, grafanaApiUrl: `http://grafana-${i}.test` });

  it("a stack named like another plus a dash-word is caught whichever comes first, the shorter named first", () => {
    const [ab, ba] = both(named("eu", 1), named("eu-west", 2));
    const expected = {
      kind: "dockerName",
      stacks: ["eu", "eu-west"],
      value: "tutordex-obs-eu-",
      message:
        "stacks eu and eu-west share Docker names: every name of eu-west (tutordex-obs-eu-west-…) also starts with tutordex-obs-eu-, the prefix of eu's containers, volumes and network; rename one of the stacks",
    };
    expect(ab).toEqual([expected]);
    expect(ba).toEqual([expected]);
  });

  it("two stacks of one name share every Docker name", () => {
    expect(stackCollisions([named("qa", 1), named("qa", 2)]).map((c) => [c.kind, c.value])).toEqual([["dockerName", "tutordex-obs-qa-"]]);
  });

  it("names of equal length, or longer without the dash, claim nothing", () => {
    expect(both(named("east", 1), named("west", 2))).toEqual([[], []]);
    expect(both(named("eu", 1), named("euw", 2))).toEqual([[], []]);
  });

  it("every pair of several stacks is compared once, and a stack never with itself", () => {
    const stacks = [named("a", 1), named("b", 2), named("b-x", 3), named("c", 4)];
    expect(stackCollisions(stacks).map((c) => c.stacks)).toEqual([["b", "b-x"]]);
    expect(stackCollisions([named("a", 1), named("b", 2), named("c", 3)])).toEqual([]);
    expect(stackCollisions([named("a", 1), named("b", 2), named("a-1", 3)]).map((c) => c.stacks)).toEqual([["a", "a-1"]]);
  });
});

describe("the application compose project on one Docker host", () => {
  it("a staging stack pointed at prod's project is refused whichever comes first, naming both environments", () => {
    const prod = stack("prod", {
      environment: "prod",
      hostPorts: ownPorts(20000),
      grafanaApiUrl: "http://p.test",
      grafanaExternalUrl: "https://g.test",
      alertmanagerExternalUrl: "https://a.test",
      telegram: { chatId: "-1" },
    });
    const staging = stack("staging", { hostPorts: ownPorts(21000), grafanaApiUrl: "http://s.test", appComposeProject: "app-prod" });
    const [ps, sp] = both(prod, staging);
    expect(ps).toEqual([
      {
        kind: "appComposeProject",
        stacks: ["prod", "staging"],
        value: "app-prod",
        message:
          "stacks prod (environment prod) and staging (environment staging) both watch compose project app-prod on the same Docker host " +
          "(neither sets dockerHost, so both go to DOCKER_HOST or the local socket): both would alert on its containers and ship its logs, " +
          "so every container alert would come twice; give each stack its own appComposeProject",
      },
    ]);
    expect(sp.map((c) => [c.kind, c.stacks, c.value])).toEqual([["appComposeProject", ["staging", "prod"], "app-prod"]]);
  });

  it("two stacks of one environment on one named host say so once", () => {
    const a = stack("a", {
      dockerHost: "ssh://ops@box.test",
      hostPorts: ownPorts(20000),
      grafanaApiUrl: "http://a.test",
      appComposeProject: "shop",
    });
    const b = stack("b", {
      dockerHost: "ssh://ops@box.test",
      hostPorts: ownPorts(21000),
      grafanaApiUrl: "http://b.test",
      appComposeProject: "shop",
    });
    expect(stackCollisions([a, b]).map((c) => c.message)).toEqual([
      "stacks a (environment staging) and b (environment staging) both watch compose project shop on the same Docker host (dockerHost ssh://ops@box.test): " +
        "both would alert on its containers and ship its logs, so every container alert would come twice; give each stack its own appComposeProject",
    ]);
  });

  it("one project on two Docker hosts, or two projects on one, do not collide", () => {
    const on = (name: string, dockerHost: string | undefined, appComposeProject: string, base: number) =>
      stack(name, { dockerHost, hostPorts: ownPorts(base), grafanaApiUrl: `http://${name}.test`, appComposeProject });
    expect(both(on("a", "ssh://ops@one.test", "shop", 20000), on("b", "ssh://ops@two.test", "shop", 21000))).toEqual([[], []]);
    expect(both(on("a", "ssh://ops@one.test", "shop", 20000), on("b", undefined, "shop", 21000))).toEqual([[], []]);
    expect(both(on("a", undefined, "shop", 20000), on("b", undefined, "shop-2", 21000))).toEqual([[], []]);
  });

  it("a stack that runs neither cAdvisor nor a log agent watches no container, so it shares the project with nobody", () => {
    const watching = stack("a", { hostPorts: ownPorts(20000), grafanaApiUrl: "http://a.test", appComposeProject: "shop" });
    const blind = (services: Record<string, boolean>) =>
      stack("b", { hostPorts: ownPorts(21000), grafanaApiUrl: "http://b.test", appComposeProject: "shop", services });
    expect(both(watching, blind({ cadvisor: false, promtail: false, loki: false }))).toEqual([[], []]);
    // Either one alone still watches it.
    expect(stackCollisions([watching, blind({ cadvisor: false })]).map((c) => c.kind)).toEqual(["appComposeProject"]);
    expect(stackCollisions([watching, blind({ promtail: false, loki: false })]).map((c) => c.kind)).toEqual(["appComposeProject"]);
  });
});

import * as yaml from "js-yaml";
import { DROPPED_CAPABILITIES } from "../../components/hardening";
import { renderStack } from "../../generators/stackFiles";
import { stackConfig } from "../../harness/fixtures";
import { committedStacks } from "../../harness/stackFiles";

/**
 * blackbox.yml as each committed stack deploys it, field by field against docs/spec.md §2's modules
 * ("http_2xx: GET, ip4, follow redirects, HTTP/1.0–2.0 accepted, timeout 15s; http_2xx_sni: same
 * plus Host header and TLS server name from config; tcp_connect: 5s") with literal values.
 */
type Module = { prober: string; timeout: string; http?: Record<string, unknown> };
const deployed = (stack: string, patch: Record<string, unknown> = {}) => {
  const text = renderStack(stackConfig(stack, patch)).blackboxExporter;
  if (text === undefined) throw new Error(`stack ${stack} renders no blackbox.yml`);
  return yaml.load(text) as { modules: Record<string, Module> };
};

/** docs/spec.md §2's HTTP probe, exactly. */
const HTTP_2XX = {
  method: "GET",
  preferred_ip_protocol: "ip4",
  ip_protocol_fallback: false,
  follow_redirects: true,
  valid_http_versions: ["HTTP/1.0", "HTTP/1.1", "HTTP/2.0"],
};

/** The public host each committed stack's file names for SNI (Pulumi.<stack>.yaml publicProbes.host). */
const PUBLIC_HOST: Record<string, string | undefined> = { prod: "api.tutordex.sg", staging: "staging-api.tutordex.sg", dev: undefined };

describe.each(committedStacks())("blackbox.yml of stack %s", (stack) => {
  const { modules } = deployed(stack);

  it("has exactly the modules the probe jobs name", () => {
    expect(Object.keys(modules).sort()).toEqual(["http_2xx", "http_2xx_json_ok", "http_2xx_sni", "tcp_connect"]);
  });

  it("http_2xx: GET over IPv4 only, following redirects, HTTP/1.0–2.0; 14.5 s, what blackbox grants under the 15 s probe scrape timeout", () => {
    expect(modules.http_2xx).toEqual({ prober: "http", timeout: "14.5s", http: HTTP_2XX });
  });

  it('http_2xx_json_ok: http_2xx that also fails unless the body says "ok": true (the backend answers 200 with its dependencies down)', () => {
    expect(modules.http_2xx_json_ok).toEqual({
      prober: "http",
      timeout: "14.5s",
      http: { ...HTTP_2XX, fail_if_body_not_matches_regexp: ['"ok"\\s*:\\s*true'] },
    });
    const [pattern] = modules.http_2xx_json_ok.http!.fail_if_body_not_matches_regexp as string[];
    const body = new RegExp(pattern);
    expect(['{"ok": true}', '{"ok":true,"db":"up"}', '{ "ok" :\n true }'].map((b) => body.test(b))).toEqual([true, true, true]);
    expect(['{"ok": false}', '{"ok": "true"}', '{"status": "ok"}'].map((b) => body.test(b))).toEqual([false, false, false]);
  });

  it("http_2xx_sni: http_2xx with the public host as Host header and TLS server name, and the public job's full 15 s", () => {
    const host = PUBLIC_HOST[stack];
    expect(stackConfig(stack).publicProbes?.host).toBe(host);
    expect(modules.http_2xx_sni).toEqual({
      prober: "http",
      timeout: "15s",
      http: host ? { ...HTTP_2XX, headers: { Host: host }, tls_config: { server_name: host } } : HTTP_2XX,
    });
  });

  it("tcp_connect: a TCP connect within 5 s", () => {
    expect(modules.tcp_connect).toEqual({ prober: "tcp", timeout: "5s" });
  });
});

it("no stack renders a blackbox.yml when blackbox_exporter is switched off", () => {
  expect(renderStack(stackConfig("dev", { services: { blackboxExporter: false } })).blackboxExporter).toBeUndefined();
});

it.each(committedStacks())(
  "%s: no module needs raw sockets, which every stack container runs without (components/hardening.ts)",
  (stack) => {
    expect(DROPPED_CAPABILITIES).toContain("NET_RAW");
    // ICMP probes open raw sockets; http, tcp, dns and grpc probes do not.
    expect(Object.values(deployed(stack).modules).filter((m) => m.prober === "icmp")).toEqual([]);
  },
);

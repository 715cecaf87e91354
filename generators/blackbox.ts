import { StackConfig } from "../config/schema";
import { toYaml, GENERATED_HEADER } from "./yaml";

const httpProbe = {
  method: "GET",
  preferred_ip_protocol: "ip4",
  ip_protocol_fallback: false,
  follow_redirects: true,
  valid_http_versions: ["HTTP/1.0", "HTTP/1.1", "HTTP/2.0"],
};

/** Modules of SPEC §2; `http_2xx_json_ok` is ours, for the backend's dependency report. */
export function renderBlackboxConfig(s: Pick<StackConfig, "publicProbes">): string {
  const host = s.publicProbes?.host;
  return toYaml(
    {
      modules: {
        http_2xx: { prober: "http", timeout: "15s", http: httpProbe },
        http_2xx_json_ok: {
          prober: "http",
          timeout: "15s",
          http: { ...httpProbe, fail_if_body_not_matches_regexp: ['"ok"\\s*:\\s*true'] },
        },
        // Public probes may target an address whose certificate names the public host.
        http_2xx_sni: {
          prober: "http",
          timeout: "15s",
          http: host ? { ...httpProbe, headers: { Host: host }, tls_config: { server_name: host } } : httpProbe,
        },
        tcp_connect: { prober: "tcp", timeout: "5s" },
      },
    },
    GENERATED_HEADER,
  );
}

import { StackConfig } from "../config/schema";
import { toYaml, GENERATED_HEADER } from "../config/yaml";

const httpProbe = {
  method: "GET",
  preferred_ip_protocol: "ip4",
  ip_protocol_fallback: false,
  follow_redirects: true,
  valid_http_versions: ["HTTP/1.0", "HTTP/1.1", "HTTP/2.0"],
};

/**
 * What a module really gets: blackbox_exporter probes for min(module timeout, the scrape timeout
 * Prometheus sends minus its --timeout-offset of 0.5 s). Internal probe jobs scrape with a 15 s
 * timeout (PROBE_SCRAPE_TIMEOUT), so their modules say 14.5 s and that is what applies; the
 * public job's 20 s timeout leaves the SNI module its full 15 s.
 */
export const INTERNAL_PROBE_TIMEOUT = "14.5s";
export const PUBLIC_PROBE_TIMEOUT = "15s";

/** Modules of docs/spec.md §2; `http_2xx_json_ok` is ours, for the backend's dependency report. */
export function renderBlackboxConfig(s: Pick<StackConfig, "publicProbes">): string {
  const host = s.publicProbes?.host;
  return toYaml(
    {
      modules: {
        http_2xx: { prober: "http", timeout: INTERNAL_PROBE_TIMEOUT, http: httpProbe },
        http_2xx_json_ok: {
          prober: "http",
          timeout: INTERNAL_PROBE_TIMEOUT,
          http: { ...httpProbe, fail_if_body_not_matches_regexp: ['"ok"\\s*:\\s*true'] },
        },
        // Public probes may target an address whose certificate names the public host.
        http_2xx_sni: {
          prober: "http",
          timeout: PUBLIC_PROBE_TIMEOUT,
          http: host ? { ...httpProbe, headers: { Host: host }, tls_config: { server_name: host } } : httpProbe,
        },
        tcp_connect: { prober: "tcp", timeout: "5s" },
      },
    },
    GENERATED_HEADER,
  );
}

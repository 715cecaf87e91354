import { dockerNetworkPeers } from "../../config/services";
import { ALLOY_DATA_DIR, alloyArgs, renderAlloyConfig } from "../../generators/alloy";
import { attr, block, ref, renderAlloy } from "../../generators/alloySyntax";
import { AlloyBlock } from "../../generators/alloySyntax";
import { attrOf, blocksOf, parseAlloy } from "../support/alloyReader";
import { alloyPipelineOf } from "../support/logPipelines";

/**
 * Grafana Alloy's config cannot be loaded by a real Alloy here (config/versions.ts says why), so it
 * is read back and checked against the component reference of the pinned release: grafana/alloy
 * v1.18.1, docs/sources/reference/components/{discovery/discovery.docker.md,
 * discovery/discovery.relabel.md, loki/loki.source.docker.md, loki/loki.process.md,
 * loki/loki.write.md} and docs/sources/reference/cli/run.md.
 */
const REFERENCE: Record<string, { attrs: string[]; blocks: string[] }> = {
  logging: { attrs: ["level", "format", "write_to"], blocks: [] },
  "discovery.docker": {
    attrs: [
      "host",
      "port",
      "host_networking_host",
      "match_first_network",
      "refresh_interval",
      "bearer_token_file",
      "bearer_token",
      "enable_http2",
      "follow_redirects",
      "proxy_url",
      "no_proxy",
      "proxy_from_environment",
      "proxy_connect_header",
    ],
    blocks: ["filter", "basic_auth", "authorization", "oauth2", "tls_config"],
  },
  filter: { attrs: ["name", "values"], blocks: [] },
  "discovery.relabel": { attrs: ["targets"], blocks: ["rule"] },
  rule: { attrs: ["source_labels", "separator", "regex", "modulus", "target_label", "replacement", "action"], blocks: [] },
  "loki.source.docker": {
    attrs: ["forward_to", "host", "labels", "targets", "refresh_interval", "relabel_rules"],
    blocks: ["http_client_config"],
  },
  "loki.process": { attrs: ["forward_to"], blocks: ["stage.json", "stage.labels"] },
  "stage.json": { attrs: ["expressions", "regex", "drop_malformed", "source"], blocks: [] },
  "stage.labels": { attrs: ["values", "source_type"], blocks: [] },
  "loki.write": { attrs: ["external_labels", "max_streams"], blocks: ["endpoint", "wal"] },
  endpoint: {
    attrs: [
      "url",
      "name",
      "headers",
      "batch_wait",
      "batch_size",
      "remote_timeout",
      "tenant_id",
      "min_backoff_period",
      "max_backoff_period",
      "max_backoff_retries",
      "retry_on_http_429",
      "bearer_token",
      "bearer_token_file",
      "proxy_url",
      "follow_redirects",
      "enable_http2",
    ],
    blocks: ["basic_auth", "authorization", "oauth2", "tls_config", "queue_config"],
  },
};
const RELABEL_ACTIONS = [
  "replace",
  "keep",
  "drop",
  "hashmod",
  "labelmap",
  "labeldrop",
  "labelkeep",
  "lowercase",
  "uppercase",
  "keepequal",
  "dropequal",
];

const text = renderAlloyConfig({ stack: "prod", appComposeProject: "tutordex-prod" }, dockerNetworkPeers());
const top = parseAlloy(text);

function offReference(b: AlloyBlock, path: string): string[] {
  const ref = REFERENCE[b.block];
  if (!ref) return [`${path}${b.block}: not a block the reference names here`];
  return b.body.flatMap((s) =>
    "attr" in s
      ? ref.attrs.includes(s.attr)
        ? []
        : [`${path}${b.block}.${s.attr}`]
      : ref.blocks.includes(s.block)
        ? offReference(s, `${path}${b.block} > `)
        : [`${path}${b.block} > ${s.block}`],
  );
}

describe("Alloy config", () => {
  it("uses only blocks and arguments the v1.18.1 reference documents, and only relabel actions it knows", () => {
    expect(top.flatMap((b) => offReference(b, ""))).toEqual([]);
    const rules = blocksOf(blocksOf(top, "discovery.relabel")[0].body, "rule");
    expect(rules.length).toBeGreaterThan(0);
    for (const r of rules) expect(RELABEL_ACTIONS).toContain(attrOf(r, "action") ?? "replace");
  });

  it("discovers and tails containers over the Docker socket and pushes to the stack's Loki", () => {
    const p = alloyPipelineOf(text);
    expect(p.dockerHost).toBe("unix:///var/run/docker.sock");
    expect(p.lokiUrl).toBe("http://loki:3100/loki/api/v1/push");
  });

  it("is byte-stable and reads back into the tree it was rendered from", () => {
    expect(renderAlloyConfig({ stack: "prod", appComposeProject: "tutordex-prod" }, dockerNetworkPeers())).toBe(text);
    const tree = [
      block("x.y", 'a "quoted" \\ label', [
        attr("s", 'line\nbreak "q"'),
        attr("n", 5),
        attr("b", true),
        attr("l", ["a", ref("c.d.e")]),
        attr("m", { k: "v", "not-ident": "w" }),
        block("inner", undefined, [attr("e", {})]),
      ]),
    ];
    expect(parseAlloy(renderAlloy(tree, "header"))).toEqual(tree);
  });

  it("starts with a command line the v1.18.1 `alloy run` reference accepts, listening where Prometheus and the gate reach it", () => {
    expect(alloyArgs({ configFile: "/etc/alloy/tutordex.alloy", storagePath: ALLOY_DATA_DIR })).toEqual([
      "run",
      "/etc/alloy/tutordex.alloy",
      "--storage.path=/var/lib/alloy/data",
      "--server.http.listen-addr=0.0.0.0:12345",
      "--disable-reporting",
    ]);
  });

  it("the reader refuses what Alloy would refuse", () => {
    expect(() => parseAlloy('x = "1"')).toThrow(/outside any block/);
    expect(() => parseAlloy('a "b" { c = }')).toThrow();
    expect(() =>
      alloyPipelineOf(text.replace("targets    = discovery.relabel.containers.output", "targets    = discovery.docker.stack.targets")),
    ).toThrow(/reads the relabelled targets/);
    // Text the model reads (Loki's URL) is a string, not whatever String() makes of a list.
    expect(() => alloyPipelineOf(text.replace(/url( *)= ("http:[^"]*push")/, "url$1= [$2]"))).toThrow(
      'loki.write endpoint url: expected a string, got ["http://loki:3100/loki/api/v1/push"]',
    );
  });
});

import { StackConfig } from "../config/schema";
import { PeerAddresses, SERVICES } from "../config/services";
import { AlloyBlock, AlloyStatement, attr, block, call, ref, renderAlloy } from "./alloySyntax";
import { DOCKER_REFRESH_INTERVAL, DOCKER_SOCKET, DockerFilter, logPipeline, LogSource, RelabelRule } from "./logLabelContract";
import { GENERATED_HEADER } from "../config/yaml";

/** Alloy keeps its component data (the Docker source's positions file) under --storage.path. */
export const ALLOY_DATA_DIR = "/var/lib/alloy/data";

/** Component labels in the config: readable in Alloy's UI and in its metrics' `component_id`. */
export const ALLOY_COMPONENTS = {
  /** One Docker discovery per set of containers (LogSource), labelled by it. */
  discovery: { stack: "stack", application: "application" } satisfies Record<LogSource, string>,
  relabel: "containers",
  source: "containers",
  process: "json_labels",
  write: "stack_loki",
} as const;

/** A relabel rule as Alloy's `rule` block: the same fields Promtail's relabel_configs take. */
function ruleBlock(r: RelabelRule): AlloyBlock {
  const body: AlloyStatement[] = [];
  if (r.source_labels) body.push(attr("source_labels", [...r.source_labels]));
  // Stryker disable next-line StringLiteral: never runs: ruleBlock only renders logPipeline's rules (generators/logLabelContract.ts), none of which sets separator
  if (r.separator !== undefined) body.push(attr("separator", r.separator));
  if (r.regex !== undefined) body.push(attr("regex", r.regex));
  if (r.target_label !== undefined) body.push(attr("target_label", r.target_label));
  if (r.replacement !== undefined) body.push(attr("replacement", r.replacement));
  if (r.action !== undefined) body.push(attr("action", r.action));
  return block("rule", undefined, body);
}

/** A Docker list filter as discovery.docker's `filter` block. */
const filterBlock = (f: DockerFilter): AlloyBlock => block("filter", undefined, [attr("name", f.name), attr("values", [...f.values])]);

/**
 * Grafana Alloy as the stack's log agent, from the same pipeline as Promtail's
 * (generators/logLabelContract.ts): the same Docker discoveries, filtered by the engine, their
 * targets joined for discovery.relabel. loki.source.docker gets no relabel_rules of its own: it
 * shares Promtail's tailer, which tails a target those rules drop and ships its lines with an
 * empty label set.
 */
export function renderAlloyConfig(s: Pick<StackConfig, "stack" | "appComposeProject">, peers: Pick<PeerAddresses, "loki">): string {
  const pipeline = logPipeline(s, "alloy");
  const n = ALLOY_COMPONENTS;
  const sources = Object.keys(pipeline.discovery) as LogSource[];
  return renderAlloy(
    [
      block("logging", undefined, [attr("level", "info"), attr("format", "logfmt")]),
      ...sources.map((source) =>
        block("discovery.docker", n.discovery[source], [
          attr("host", `unix://${DOCKER_SOCKET}`),
          attr("refresh_interval", DOCKER_REFRESH_INTERVAL),
          ...pipeline.discovery[source].map(filterBlock),
        ]),
      ),
      block("discovery.relabel", n.relabel, [
        attr("targets", call("array.concat", ...sources.map((source) => ref(`discovery.docker.${n.discovery[source]}.targets`)))),
        ...pipeline.relabel.map(ruleBlock),
      ]),
      block("loki.source.docker", n.source, [
        attr("host", `unix://${DOCKER_SOCKET}`),
        attr("targets", ref(`discovery.relabel.${n.relabel}.output`)),
        attr("forward_to", [ref(`loki.process.${n.process}.receiver`)]),
      ]),
      block("loki.process", n.process, [
        attr("forward_to", [ref(`loki.write.${n.write}.receiver`)]),
        block("stage.json", undefined, [attr("expressions", { ...pipeline.json })]),
        // An empty value names the extracted value of the same name.
        block("stage.labels", undefined, [attr("values", Object.fromEntries(pipeline.labels.map((l) => [l, ""])))]),
      ]),
      block("loki.write", n.write, [block("endpoint", undefined, [attr("url", `http://${peers.loki}/loki/api/v1/push`)])]),
    ],
    GENERATED_HEADER,
  );
}

/**
 * Alloy's command line (the image's entrypoint is /bin/alloy). It listens on 127.0.0.1 by default,
 * where neither Prometheus nor the readiness gate could reach it; usage reporting is off because
 * a stack should not phone home.
 */
export function alloyArgs(f: { readonly configFile: string; readonly storagePath: string }): string[] {
  return [
    "run",
    f.configFile,
    `--storage.path=${f.storagePath}`,
    `--server.http.listen-addr=0.0.0.0:${SERVICES.alloy.port}`,
    "--disable-reporting",
  ];
}

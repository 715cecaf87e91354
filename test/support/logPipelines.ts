import * as yaml from "js-yaml";
import { DockerFilter, LogPipeline, RelabelRule } from "../../generators/logLabelContract";
import { AlloyCall, AlloyObject, AlloyRef, AlloyValue } from "../../generators/alloySyntax";
import { attrOf, blocksOf, parseAlloy } from "./alloyReader";

/**
 * Evaluators for the log paths of the stack, so tests can show which Loki stream a line ends up
 * in. Each reads the RENDERED file (Promtail's YAML, Alloy's config, the collector's YAML, Loki's
 * YAML) back into the shared pipeline model, then applies the documented semantics of the
 * program that would run it: Prometheus relabeling, Promtail/Alloy JSON and labels stages, the
 * collector's resource and groupbyattrs processors, Loki's OTLP ingestion.
 */

export type Meta = Readonly<Record<string, string>>;

/** A pipeline as an agent's rendered file describes it: its Docker discoveries in file order. */
export type AgentPipeline = Omit<LogPipeline, "discovery"> & { readonly discovery: readonly (readonly DockerFilter[])[] };

/** A container as the Docker API lists it: its name (with the leading `/`) and its labels. */
export interface DockerContainer {
  readonly name: string;
  readonly labels: Readonly<Record<string, string>>;
}

/**
 * Whether one container-list call with `filters` lists `c`, as the engine decides
 * (moby daemon/list.go and api/types/filters): filters of different names must all match; the
 * `label` values must all match (`key` is present, or `key=value`); a `name` value matches
 * exactly or as an unanchored regular expression, on the name with or without its leading `/`,
 * and one matching value is enough. test/docker/logDiscovery.test.ts checks this against a real engine.
 */
export function dockerLists(filters: readonly DockerFilter[], c: DockerContainer): boolean {
  const values = (name: string) => filters.filter((f) => f.name === name).flatMap((f) => [...f.values]);
  for (const f of filters) if (f.name !== "label" && f.name !== "name") throw new Error(`Docker filter ${String(f.name)} is not modelled`);
  const labelsMatch = values("label").every((v) => {
    const eq = v.indexOf("=");
    return eq < 0 ? v in c.labels : c.labels[v.slice(0, eq)] === v.slice(eq + 1);
  });
  const names = [c.name, c.name.replace(/^\//, "")];
  const nameValues = values("name");
  const nameMatches = nameValues.length === 0 || nameValues.some((v) => names.some((n) => n === v || new RegExp(v).test(n)));
  return labelsMatch && nameMatches;
}

/** The meta labels Docker discovery gives a listed container. */
export function metaLabels(c: DockerContainer): Meta {
  return {
    __meta_docker_container_name: c.name,
    ...Object.fromEntries(
      Object.entries(c.labels).map(([k, v]) => [`__meta_docker_container_label_${k.replace(/[^a-zA-Z0-9_]/g, "_")}`, v]),
    ),
  };
}

/** How many of the pipeline's discoveries list `c`: 0 is not tailed, 1 is tailed once. */
export const discoveriesListing = (p: AgentPipeline, c: DockerContainer) => p.discovery.filter((filters) => dockerLists(filters, c)).length;

/** Prometheus relabel semantics: anchored regexes, `;`-joined sources, `__` labels dropped at the end. */
export function relabel(meta: Meta, rules: readonly RelabelRule[]): Record<string, string> | undefined {
  const labels: Record<string, string> = { ...meta };
  for (const rule of rules) {
    const value = (rule.source_labels ?? []).map((l) => labels[l] ?? "").join(rule.separator ?? ";");
    const match = new RegExp(`^(?:${rule.regex ?? "(.*)"})$`).exec(value);
    const action = rule.action ?? "replace";
    if (action === "keep" && !match) return undefined;
    if (action === "drop" && match) return undefined;
    if (action === "replace" && match && rule.target_label) {
      const replaced = (rule.replacement ?? "$1").replace(/\$(\d+)/g, (_, i: string) => match[Number(i)] ?? "");
      if (replaced === "") delete labels[rule.target_label];
      else labels[rule.target_label] = replaced;
    }
  }
  return Object.fromEntries(Object.entries(labels).filter(([k]) => !k.startsWith("__")));
}

/** The JSON stage then the labels stage: a line that is not JSON still ships, without extracted labels. */
function runStages(p: Pick<LogPipeline, "json" | "labels">, line: string, labels: Record<string, string>): Record<string, string> {
  let doc: unknown;
  try {
    doc = JSON.parse(line);
  } catch {
    return labels;
  }
  const out = { ...labels };
  for (const name of p.labels) {
    const key = p.json[name];
    const v = key !== undefined && doc !== null && typeof doc === "object" ? (doc as Record<string, unknown>)[key] : undefined;
    if (v !== undefined && v !== null && String(v) !== "") out[name] = String(v);
  }
  return out;
}

/**
 * Labels of the Loki stream a container's line lands in, or undefined when no discovery lists the
 * container. The agents tail whatever discovery lists: relabel rules only label a tailed line
 * (a keep/drop there would leave its lines with an empty label set, grafana/loki#8620), so an
 * empty label set here is what Loki would refuse.
 */
export function streamLabels(p: AgentPipeline, c: DockerContainer, line: string): Record<string, string> | undefined {
  if (discoveriesListing(p, c) === 0) return undefined;
  const target = relabel(metaLabels(c), p.relabel) ?? {};
  return runStages(p, line, target);
}

/** The pipeline a rendered promtail.yml describes: one Docker job, its discoveries, relabel_configs, json then labels. */
export function promtailPipelineOf(text: string): AgentPipeline {
  const doc = yaml.load(text) as {
    scrape_configs: {
      docker_sd_configs: { filters?: DockerFilter[] }[];
      relabel_configs: RelabelRule[];
      pipeline_stages: Record<string, any>[];
    }[];
  };
  if (doc.scrape_configs.length !== 1) throw new Error(`expected one scrape config, got ${doc.scrape_configs.length}`);
  const [job] = doc.scrape_configs;
  const kinds = job.pipeline_stages.map((s) => Object.keys(s)[0]);
  if (kinds.join(",") !== "json,labels") throw new Error(`expected stages json, labels; got ${kinds.join(", ")}`);
  const [json, labels] = job.pipeline_stages;
  return {
    discovery: job.docker_sd_configs.map((d) => d.filters ?? []),
    relabel: job.relabel_configs,
    json: json.json.expressions,
    // A null value names the extracted value of the same name; the evaluator reads the name.
    labels: Object.entries(labels.labels as Record<string, string | null>).map(([k, v]) => {
      if (v !== null && v !== k) throw new Error(`label ${k} from extracted ${v}: not modelled`);
      return k;
    }),
  };
}

const isRef = (v: AlloyValue | undefined, expression: string) =>
  typeof v === "object" && v !== null && !Array.isArray(v) && (v as AlloyRef).ref === expression;
/** The references an attribute joins: a single reference, or the arguments of array.concat. */
/** A value the model reads as text: a string, or the config is not one the model knows. */
function asText(v: AlloyValue | undefined, what: string): string {
  if (typeof v !== "string") throw new Error(`${what}: expected a string, got ${JSON.stringify(v)}`);
  return v;
}

const joinedRefs = (v: AlloyValue | undefined): string[] | undefined => {
  if (typeof v !== "object" || v === null || Array.isArray(v)) return undefined;
  if ("ref" in v) return [(v as AlloyRef).ref];
  const c = v as AlloyCall;
  if (c.call !== "array.concat" || !c.args.every((a) => typeof a === "object" && a !== null && "ref" in a)) return undefined;
  return c.args.map((a) => (a as AlloyRef).ref);
};
const single = <T>(items: T[], what: string): T => {
  if (items.length !== 1) throw new Error(`expected one ${what}, found ${items.length}`);
  return items[0];
};

/**
 * The pipeline a rendered Alloy config describes, after checking it is wired the way the
 * evaluator models it: discovery.docker (one or more, with their filters) → discovery.relabel
 * (their targets joined) → loki.source.docker (no relabel rules of its own) → loki.process
 * (stage.json, stage.labels) → loki.write.
 */
export function alloyPipelineOf(text: string): AgentPipeline & { readonly dockerHost: string; readonly lokiUrl: string } {
  const top = parseAlloy(text);
  const dockers = blocksOf(top, "discovery.docker");
  if (dockers.length === 0) throw new Error("expected a discovery.docker, found none");
  const relabelBlock = single(blocksOf(top, "discovery.relabel"), "discovery.relabel");
  const source = single(blocksOf(top, "loki.source.docker"), "loki.source.docker");
  const process = single(blocksOf(top, "loki.process"), "loki.process");
  const write = single(blocksOf(top, "loki.write"), "loki.write");
  const joined = joinedRefs(attrOf(relabelBlock, "targets"));
  const wiring: [boolean, string][] = [
    [
      JSON.stringify(joined) === JSON.stringify(dockers.map((d) => `discovery.docker.${d.label}.targets`)),
      "discovery.relabel reads every discovery.docker once",
    ],
    [isRef(attrOf(source, "targets"), `discovery.relabel.${relabelBlock.label}.output`), "loki.source.docker reads the relabelled targets"],
    [attrOf(source, "relabel_rules") === undefined, "loki.source.docker has no relabel_rules of its own"],
    [dockers.every((d) => attrOf(source, "host") === attrOf(d, "host")), "source and discovery talk to the same Docker"],
    [
      JSON.stringify(attrOf(source, "forward_to")) === JSON.stringify([{ ref: `loki.process.${process.label}.receiver` }]),
      "the source forwards to loki.process",
    ],
    [
      JSON.stringify(attrOf(process, "forward_to")) === JSON.stringify([{ ref: `loki.write.${write.label}.receiver` }]),
      "loki.process forwards to loki.write",
    ],
  ];
  const broken = wiring.filter(([ok]) => !ok).map(([, what]) => what);
  if (broken.length) throw new Error(`Alloy pipeline not wired as modelled: ${broken.join("; ")}`);
  const stages = process.body.filter((s) => "block" in s).map((s) => (s as { block: string }).block);
  if (stages.join(",") !== "stage.json,stage.labels") throw new Error(`expected stages stage.json, stage.labels; got ${stages.join(", ")}`);
  const json = attrOf(single(blocksOf(process.body, "stage.json"), "stage.json"), "expressions") as AlloyObject;
  const values = attrOf(single(blocksOf(process.body, "stage.labels"), "stage.labels"), "values") as AlloyObject;
  const rules = blocksOf(relabelBlock.body, "rule").map(
    (r) => Object.fromEntries(r.body.map((s) => ("attr" in s ? [s.attr, s.value] : [s.block, undefined]))) as RelabelRule,
  );
  const filters = (d: (typeof dockers)[number]): DockerFilter[] =>
    blocksOf(d.body, "filter").map((f) => ({ name: attrOf(f, "name") as DockerFilter["name"], values: attrOf(f, "values") as string[] }));
  return {
    discovery: dockers.map(filters),
    relabel: rules,
    json: Object.fromEntries(Object.entries(json).map(([k, v]) => [k, v === "" ? k : asText(v, `stage.json expression ${k}`)])),
    labels: Object.entries(values).map(([k, v]) => {
      if (v !== "" && v !== k) throw new Error(`label ${k} from extracted ${JSON.stringify(v)}: not modelled`);
      return k;
    }),
    dockerHost: asText(attrOf(dockers[0], "host"), "discovery.docker host"),
    lokiUrl: asText(attrOf(single(blocksOf(write.body, "endpoint"), "loki.write endpoint"), "url"), "loki.write endpoint url"),
  };
}

// ---- OTLP logs: the collector's logs pipeline, then Loki's OTLP ingestion -------------------

export interface AnyValue {
  readonly stringValue?: string;
  readonly intValue?: string | number;
  readonly doubleValue?: number;
  readonly boolValue?: boolean;
}
export interface KeyValue {
  readonly key: string;
  readonly value: AnyValue;
}
export interface LogRecord {
  readonly timeUnixNano?: string;
  readonly severityText?: string;
  readonly body?: AnyValue;
  readonly attributes?: readonly KeyValue[];
  readonly traceId?: string;
  readonly spanId?: string;
}
export interface ResourceLogs {
  readonly resource?: { readonly attributes?: readonly KeyValue[] };
  readonly scopeLogs: readonly { readonly scope?: { readonly name?: string }; readonly logRecords: readonly LogRecord[] }[];
}
export interface LogsRequest {
  readonly resourceLogs: readonly ResourceLogs[];
}

/** pcommon.Value.AsString for the scalar kinds. */
const asString = (v: AnyValue): string =>
  v.stringValue ??
  (v.intValue !== undefined
    ? String(v.intValue)
    : v.doubleValue !== undefined
      ? String(v.doubleValue)
      : v.boolValue !== undefined
        ? String(v.boolValue)
        : "");

type Attrs = Map<string, AnyValue>;
const toMap = (kvs: readonly KeyValue[] = []): Attrs => new Map(kvs.map((kv) => [kv.key, kv.value]));
const fromMap = (m: Attrs): KeyValue[] => [...m].map(([key, value]) => ({ key, value }));

interface ResourceAction {
  readonly key: string;
  readonly action: "insert" | "upsert" | "update" | "delete";
  readonly value?: string;
  readonly from_attribute?: string;
}

/** The resource processor (attraction semantics): insert only when absent, update only when present. */
function resourceProcessor(actions: readonly ResourceAction[], attrs: Attrs): void {
  for (const a of actions) {
    const source: AnyValue | undefined =
      a.from_attribute !== undefined ? attrs.get(a.from_attribute) : a.value !== undefined ? { stringValue: a.value } : undefined;
    const present = attrs.has(a.key);
    if (a.action === "delete") attrs.delete(a.key);
    else if (source === undefined) continue;
    else if (a.action === "insert" && !present) attrs.set(a.key, source);
    else if (a.action === "update" && present) attrs.set(a.key, source);
    else if (a.action === "upsert") attrs.set(a.key, source);
  }
}

/** groupbyattrs: records carrying any of the keys move under a resource extended with them; the keys leave the record. */
function groupByAttrs(keys: readonly string[], logs: ResourceLogs[]): ResourceLogs[] {
  const groups = new Map<string, { resource: Attrs; records: LogRecord[]; scope?: { name?: string } }>();
  for (const rl of logs) {
    for (const sl of rl.scopeLogs) {
      for (const record of sl.logRecords) {
        const attrs = toMap(record.attributes);
        const resource = toMap(rl.resource?.attributes);
        for (const k of keys) {
          const v = attrs.get(k);
          if (v === undefined) continue;
          resource.set(k, v);
          attrs.delete(k);
        }
        const id = JSON.stringify([...resource].sort(([a], [b]) => a.localeCompare(b))) + JSON.stringify(sl.scope ?? {});
        const g = groups.get(id) ?? { resource, records: [] as LogRecord[], scope: sl.scope };
        g.records.push({ ...record, attributes: fromMap(attrs) });
        groups.set(id, g);
      }
    }
  }
  return [...groups.values()].map((g) => ({
    resource: { attributes: fromMap(g.resource) },
    scopeLogs: [{ scope: g.scope, logRecords: g.records }],
  }));
}

/** What the collector's `logs` pipeline makes of a request, processor by processor, as its rendered YAML says. */
export function collectorLogs(collectorYaml: string, request: LogsRequest): LogsRequest {
  const doc = yaml.load(collectorYaml) as { processors: Record<string, any>; service: { pipelines: { logs?: { processors: string[] } } } };
  const pipeline = doc.service.pipelines.logs;
  if (!pipeline) throw new Error("the collector has no logs pipeline");
  let logs: ResourceLogs[] = request.resourceLogs.map((rl) => ({ ...rl }));
  for (const id of pipeline.processors) {
    const type = id.split("/")[0];
    const cfg = doc.processors[id];
    if (type === "memory_limiter" || type === "batch") continue; // neither changes what a record says
    if (type === "resource") {
      logs = logs.map((rl) => {
        const attrs = toMap(rl.resource?.attributes);
        resourceProcessor(cfg.attributes, attrs);
        return { ...rl, resource: { attributes: fromMap(attrs) } };
      });
    } else if (type === "groupbyattrs") logs = groupByAttrs(cfg.keys, logs);
    else throw new Error(`processor ${id} is not modelled`);
  }
  return { resourceLogs: logs };
}

export interface LokiEntry {
  readonly labels: Record<string, string>;
  readonly line: string;
  readonly structuredMetadata: Record<string, string>;
}

/** Loki's label-name normalisation for attributes (dots and other characters become `_`). */
const labelName = (attribute: string) => attribute.replace(/[^A-Za-z0-9_]/g, "_").replace(/^(\d)/, "key_$1");

/** Loki 3.5's default resource attributes stored as index labels (distributor otlp_config). */
export const LOKI_DEFAULT_INDEX_ATTRIBUTES = [
  "service.name",
  "service.namespace",
  "service.instance.id",
  "deployment.environment",
  "deployment.environment.name",
  "cloud.region",
  "cloud.availability_zone",
  "k8s.cluster.name",
  "k8s.namespace.name",
  "k8s.pod.name",
  "k8s.container.name",
  "container.name",
  "k8s.replicaset.name",
  "k8s.deployment.name",
  "k8s.statefulset.name",
  "k8s.daemonset.name",
  "k8s.cronjob.name",
  "k8s.job.name",
];

/** Loki 3.5's default `discover_service_name` list. */
const LOKI_DEFAULT_SERVICE_NAME_SOURCES = [
  "service",
  "app",
  "application",
  "app_name",
  "name",
  "app_kubernetes_io_name",
  "container",
  "container_name",
  "k8s_container_name",
  "component",
  "workload",
  "job",
  "k8s_job_name",
];

/**
 * What Loki 3.5 stores for an OTLP request under its rendered loki.yml (pkg/loghttp/push/otlp.go
 * at v3.5.3): resource attributes with action index_label become stream labels, every other
 * resource and log attribute, the trace and span ids and the severity become structured
 * metadata, the body becomes the line; service_name is discovered as limits_config says.
 */
export function lokiOtlpEntries(lokiYaml: string, request: LogsRequest): LokiEntry[] {
  const limits = (yaml.load(lokiYaml) as { limits_config: Record<string, any> }).limits_config;
  const otlp = limits.otlp_config ?? {};
  const configs: { action: string; attributes?: string[]; regex?: string }[] = [
    ...(otlp.resource_attributes?.ignore_defaults ? [] : [{ action: "index_label", attributes: LOKI_DEFAULT_INDEX_ATTRIBUTES }]),
    ...(otlp.resource_attributes?.attributes_config ?? []),
  ];
  if ((otlp.log_attributes ?? []).some((c: { action: string }) => c.action === "index_label"))
    throw new Error("index_label on log attributes is not modelled (Loki 3.5 documents it for resource attributes only)");
  const actionFor = (attribute: string) =>
    configs.find((c) => c.attributes?.includes(attribute) || (c.regex !== undefined && new RegExp(`^(?:${c.regex})$`).test(attribute)))
      ?.action ?? "structured_metadata";
  const discover: string[] = limits.discover_service_name ?? LOKI_DEFAULT_SERVICE_NAME_SOURCES;
  const out: LokiEntry[] = [];
  for (const rl of request.resourceLogs) {
    const labels: Record<string, string> = {};
    const resourceMetadata: Record<string, string> = {};
    const resource = toMap(rl.resource?.attributes);
    let hasServiceName = asString(resource.get("service.name") ?? {}) !== "";
    for (const [k, v] of resource) {
      const action = actionFor(k);
      if (action === "index_label") {
        labels[labelName(k)] = asString(v);
        if (!hasServiceName && discover.includes(labelName(k))) {
          labels.service_name = asString(v);
          hasServiceName = true;
        }
      } else if (action === "structured_metadata") resourceMetadata[labelName(k)] = asString(v);
    }
    if (!hasServiceName && discover.length) labels.service_name = "unknown_service";
    for (const sl of rl.scopeLogs) {
      for (const r of sl.logRecords) {
        const metadata: Record<string, string> = { ...resourceMetadata };
        for (const kv of r.attributes ?? []) metadata[labelName(kv.key)] = asString(kv.value);
        if (r.severityText) metadata.severity_text = r.severityText;
        if (r.traceId) metadata.trace_id = r.traceId.toLowerCase();
        if (r.spanId) metadata.span_id = r.spanId.toLowerCase();
        out.push({ labels, line: asString(r.body ?? {}), structuredMetadata: metadata });
      }
    }
  }
  return out;
}

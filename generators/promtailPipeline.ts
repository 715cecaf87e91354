import { PipelineStage, PromtailScrapeConfig, RelabelRule } from "./promtail";

/**
 * A small evaluator for the subset of Promtail relabeling and pipeline stages this project
 * generates, so tests can show which labels a given container and log line end up with.
 * It follows Prometheus relabel semantics: anchored regexes, `;`-joined sources, `__` labels dropped.
 */
export function relabel(meta: Readonly<Record<string, string>>, rules: readonly RelabelRule[]): Record<string, string> | undefined {
  const labels: Record<string, string> = { ...meta };
  for (const rule of rules) {
    const value = (rule.source_labels ?? []).map((l) => labels[l] ?? "").join(rule.separator ?? ";");
    const re = new RegExp(`^(?:${rule.regex ?? "(.*)"})$`);
    const match = re.exec(value);
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

function runStages(stages: readonly PipelineStage[], line: string, labels: Record<string, string>): Record<string, string> {
  const extracted: Record<string, unknown> = {};
  const out = { ...labels };
  for (const stage of stages) {
    if ("json" in stage) {
      let doc: unknown;
      try {
        doc = JSON.parse(line);
      } catch {
        continue; // Promtail logs and skips a line that is not JSON; the line still ships.
      }
      for (const [name, key] of Object.entries(stage.json.expressions)) {
        const v = doc !== null && typeof doc === "object" ? (doc as Record<string, unknown>)[key] : undefined;
        if (v !== undefined && v !== null) extracted[name] = v;
      }
    } else {
      for (const [name, source] of Object.entries(stage.labels)) {
        const v = extracted[source ?? name];
        if (v !== undefined && String(v) !== "") out[name] = String(v);
      }
    }
  }
  return out;
}

/** Labels of the Loki stream a line lands in, or undefined when the container is not shipped. */
export function streamLabels(config: PromtailScrapeConfig, meta: Readonly<Record<string, string>>, line: string): Record<string, string> | undefined {
  const target = relabel(meta, config.relabel_configs);
  return target && runStages(config.pipeline_stages, line, target);
}

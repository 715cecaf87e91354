import * as yaml from "js-yaml";
import { dockerNetworkPeers } from "../../config/services";
import { StackConfig } from "../../config/schema";
import { renderPrometheusConfig } from "../../generators/prometheus";

/** A scrape target as Prometheus labels its series: job, instance and the static labels of its target group. */
export interface Target {
  readonly job: string;
  readonly labels: Readonly<Record<string, string>>;
}

interface ScrapeConfig {
  job_name: string;
  static_configs?: { targets: string[]; labels?: Record<string, string> }[];
}

/**
 * The targets of a stack's prometheus.yml, read from the rendered file itself, so the history
 * has an `up` series for every target the deployed Prometheus scrapes and each series carries
 * the labels scraping would give it. Probe jobs rewrite `instance` to the probed URL, which is
 * the static target; every other job's instance is its address.
 */
export function scrapeTargets(config: StackConfig): Target[] {
  const doc = yaml.load(renderPrometheusConfig(config, dockerNetworkPeers())) as { scrape_configs: ScrapeConfig[] };
  return doc.scrape_configs.flatMap((j) =>
    (j.static_configs ?? []).flatMap((g) =>
      g.targets.map((instance) => ({ job: j.job_name, labels: { job: j.job_name, instance, ...(g.labels ?? {}) } })),
    ),
  );
}

/** The one target of a job (every job but the probes has one). */
export function targetOf(targets: readonly Target[], job: string): Target {
  const found = targets.filter((t) => t.job === job);
  if (found.length !== 1) throw new Error(`expected one target of job ${job}, found ${found.length}`);
  return found[0];
}

import type { RemoteWriteStore } from "../config/scale";
import { SECRETS_DIRS } from "./apiAuth";

/**
 * Prometheus's `remote_write` to long-term stores (Mimir, Thanos Receive, VictoriaMetrics,
 * Grafana Cloud). Every series leaves with the global external labels `stack` and
 * `environment` (Prometheus adds them to everything it sends), so two hosts writing to one
 * store never collide; write relabelling only ever drops whole series, never those labels.
 */

/**
 * Where each store's password or token reaches the Prometheus container: one file per store,
 * uploaded as a Pulumi secret (components/prometheus.ts). prometheus.yml holds only the path;
 * Prometheus reads the file on every request.
 */
export const REMOTE_WRITE_SECRETS_DIR = SECRETS_DIRS.prometheus;

export function credentialsFile(store: string, dir: string = REMOTE_WRITE_SECRETS_DIR): string {
  return `${dir}/remote-write-${store}`;
}

/**
 * Series no long-term store gets, whatever a stack configures:
 * - `ALERTS_FOR_STATE`: the bookkeeping by which one Prometheus restores its alerts' `for` after
 *   a restart; alerts are evaluated locally, so a copy elsewhere is never read.
 * - `go_.*`: the Go runtime internals (GC, memstats, scheduler) of every Prometheus-family
 *   process the stack scrapes, 40–100 series each: live debugging data, not trends, and at this
 *   scale about as many active series as the whole application, which stores bill by.
 */
export const ALWAYS_DROPPED_METRICS = ["ALERTS_FOR_STATE", "go_.*"] as const;

const dropByName = (regexes: readonly string[]) => ({ source_labels: ["__name__"], regex: regexes.join("|"), action: "drop" });

export function remoteWriteConfigs(
  stores: readonly RemoteWriteStore[],
  secretsDir: string = REMOTE_WRITE_SECRETS_DIR,
): Record<string, unknown>[] {
  return stores.map((s) => ({
    name: s.name,
    url: s.url,
    ...(Object.keys(s.headers).length ? { headers: { ...s.headers } } : {}),
    ...(s.auth?.type === "basic" ? { basic_auth: { username: s.auth.username, password_file: credentialsFile(s.name, secretsDir) } } : {}),
    ...(s.auth?.type === "bearer" ? { authorization: { type: "Bearer", credentials_file: credentialsFile(s.name, secretsDir) } } : {}),
    queue_config: {
      capacity: s.queue.capacity,
      max_shards: s.queue.maxShards,
      max_samples_per_send: s.queue.maxSamplesPerSend,
      batch_send_deadline: s.queue.batchSendDeadline,
    },
    write_relabel_configs: [dropByName(ALWAYS_DROPPED_METRICS), ...(s.dropMetrics.length ? [dropByName(s.dropMetrics)] : [])],
  }));
}

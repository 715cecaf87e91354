import { LOKI_FILESYSTEM_PERIOD_START, ObjectStorageSettings } from "../config/scale";

/**
 * Where Loki and Tempo keep their data: their volume (the default), or an S3-compatible bucket
 * (`objectStorage`). Field names follow the upstream configuration references of the pinned
 * releases, Loki 3.5 (docs/sources/shared/configuration.md) and Tempo 2.8
 * (docs/sources/tempo/configuration/_index.md); test/generators/scaleObjectStorage.test.ts checks
 * them field by field, since neither program can run here.
 *
 * The secret access key never enters a file: the configs reference an environment variable,
 * which the container gets as a Pulumi secret, and both programs substitute it at start-up with
 * `-config.expand-env=true` (drone/envsubst, before the YAML is parsed).
 */

export const LOKI_SECRET_ENV = "LOKI_S3_SECRET_ACCESS_KEY";
export const TEMPO_SECRET_ENV = "TEMPO_S3_SECRET_KEY";
export const EXPAND_ENV_FLAG = "-config.expand-env=true";

const envReference = (name: string) => `\${${name}}`;

/** Loki's S3 object store name in schema periods and for the compactor (an alias of `aws`). */
const LOKI_S3 = "s3";
const LOKI_FILESYSTEM = "filesystem";

const period = (from: string, objectStore: string) => ({
  from,
  store: "tsdb",
  object_store: objectStore,
  schema: "v13",
  index: { prefix: "index_", period: "24h" },
});

export interface LokiStorageSections {
  /** `common.storage`: one backend, which also becomes the ruler's storage. */
  readonly commonStorage: Record<string, unknown>;
  /** `storage_config`, only while the filesystem period is still read beside the bucket. */
  readonly storageConfig?: Record<string, unknown>;
  /** `schema_config.configs`. */
  readonly periods: readonly Record<string, unknown>[];
  /** `compactor.delete_request_store`: retention's delete requests live with the newest chunks. */
  readonly deleteRequestStore: string;
}

/**
 * On the bucket, the compactor keeps compacting and applying retention: since Loki 3.0 it opens
 * the object store of every schema period, so with `since` it also ages out the filesystem
 * period until nothing of it is left.
 */
export function lokiStorage(dataDir: string, storage: ObjectStorageSettings | undefined): LokiStorageSections {
  const filesystem = { chunks_directory: `${dataDir}/chunks`, rules_directory: `${dataDir}/rules` };
  if (!storage?.loki) {
    return {
      commonStorage: { filesystem },
      periods: [period(LOKI_FILESYSTEM_PERIOD_START, LOKI_FILESYSTEM)],
      deleteRequestStore: LOKI_FILESYSTEM,
    };
  }
  const s3 = {
    endpoint: storage.endpoint,
    region: storage.region,
    bucketnames: storage.loki.bucket,
    access_key_id: storage.accessKeyId,
    secret_access_key: envReference(LOKI_SECRET_ENV),
    insecure: storage.insecure,
    s3forcepathstyle: storage.forcePathStyle,
  };
  const since = storage.loki.since;
  return since
    ? {
        commonStorage: { s3 },
        // Days before `since` stay on the volume and readable; a schema period must never change once written.
        storageConfig: { filesystem: { directory: filesystem.chunks_directory } },
        periods: [period(LOKI_FILESYSTEM_PERIOD_START, LOKI_FILESYSTEM), period(since, LOKI_S3)],
        deleteRequestStore: LOKI_S3,
      }
    : { commonStorage: { s3 }, periods: [period(LOKI_FILESYSTEM_PERIOD_START, LOKI_S3)], deleteRequestStore: LOKI_S3 };
}

/**
 * `storage.trace` of Tempo. Tempo has one backend at a time: moving to the bucket leaves the
 * traces on the volume behind (they age out of a 72h retention anyway). The WAL stays local.
 */
export function tempoTraceStorage(dataDir: string, storage: ObjectStorageSettings | undefined): Record<string, unknown> {
  const wal = { path: `${dataDir}/wal` };
  if (!storage?.tempo) return { backend: "local", wal, local: { path: `${dataDir}/blocks` } };
  return {
    backend: "s3",
    wal,
    s3: {
      bucket: storage.tempo.bucket,
      endpoint: storage.endpoint,
      region: storage.region,
      access_key: storage.accessKeyId,
      secret_key: envReference(TEMPO_SECRET_ENV),
      insecure: storage.insecure,
      forcepathstyle: storage.forcePathStyle,
    },
  };
}

/**
 * With -config.expand-env every `$` of the file is substituted, so the rendered text may hold no
 * `$` but the one reference; that reference is double-quoted, so the substituted key stays one
 * string whatever characters it has (schema.ts refuses quotes, backslashes and control characters).
 */
export function quoteEnvReference(text: string, name: string): string {
  const reference = envReference(name);
  const quotedText = text.replace(new RegExp(`: \\$\\{${name}\\}$`, "m"), `: "${reference}"`);
  const dollars = quotedText.split("$").length - 1;
  if (!quotedText.includes(`: "${reference}"`) || dollars !== 1) {
    throw new Error(`a config read with ${EXPAND_ENV_FLAG} must hold exactly one $ (the ${reference} reference), found ${dollars}`);
  }
  return quotedText;
}

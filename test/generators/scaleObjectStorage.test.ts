import * as yaml from "js-yaml";
import { parseStackConfig, rawConfigFromPulumi, StackConfig } from "../../config/schema";
import { RELEASES } from "../../config/versions";
import { renderLokiConfig } from "../../generators/loki";
import { EXPAND_ENV_FLAG, LOKI_SECRET_ENV, quoteEnvReference, TEMPO_SECRET_ENV } from "../../generators/objectStorage";
import { renderStack, renderStackFiles } from "../../generators/stackFiles";
import { renderTempoConfig } from "../../generators/tempo";
import { PROJECT, pulumiConfigMap, secretKeySet } from "../../harness/stackFiles";

/**
 * Loki and Tempo on S3-compatible object storage. Neither program can run here (AGPL modules
 * are not used), so the generated files are checked field by field against the upstream
 * configuration references of the pinned releases:
 *
 * - Loki 3.5: https://github.com/grafana/loki/blob/v3.5.3/docs/sources/shared/configuration.md
 *   sections "Use environment variables in the configuration", `common` (storage.s3,
 *   storage.filesystem), `s3_storage_config`, `storage_config` (filesystem: local_storage_config),
 *   `local_storage_config`, `period_config`, `compactor`; and how `common.storage` fills
 *   `storage_config` and the ruler (pkg/loki/config_wrapper.go applyStorageConfig at v3.5.3,
 *   which sets only the aws fields, so an explicit storage_config.filesystem stays).
 * - Tempo 2.8: https://github.com/grafana/tempo/blob/v2.8.2/docs/sources/tempo/configuration/_index.md
 *   sections "Use environment variables in the configuration", "Compactor", "Storage" (s3) and
 *   "WAL config"; yaml tags in tempodb/backend/s3/config.go at v2.8.2.
 *
 * Each table row is a key as the reference spells it, the placeholder type it documents and the
 * value this stack must render.
 */

const SECRET = "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY";
const STORAGE = {
  endpoint: "https://minio.internal:9000",
  region: "us-east-1",
  accessKeyId: "tutordex-obs",
  loki: { bucket: "tutordex-prod-logs", since: "2026-06-01" },
  tempo: { bucket: "tutordex-prod-traces" },
};

function onBucket(storage: Record<string, unknown> = STORAGE, stack = "prod"): StackConfig {
  const raw = { ...rawConfigFromPulumi(PROJECT, pulumiConfigMap(stack)), objectStorage: storage, objectStorageSecretKey: SECRET };
  return parseStackConfig(stack, raw, new Set([...secretKeySet(), "objectStorageSecretKey"]));
}

/** What -config.expand-env does before the YAML is parsed (drone/envsubst): ${VAR} becomes its value. */
const expandEnv = (text: string, env: Record<string, string>) =>
  text.replace(/\$\{([A-Za-z_][A-Za-z0-9_]*)\}/g, (_m, name: string) => env[name] ?? "");

type DocType = "string" | "boolean" | "duration";
const at = (doc: unknown, path: string): unknown =>
  path.split(".").reduce<any>((v, k) => (v === undefined ? undefined : v[/^\d+$/.test(k) ? Number(k) : k]), doc);
const isType = (value: unknown, type: DocType) =>
  type === "boolean" ? typeof value === "boolean" : typeof value === "string" && (type !== "duration" || /^\d+[smhd]/.test(value));

/** The keys of each reference block this stack writes, as the reference lists them. */
const LOKI_S3_STORAGE_CONFIG_KEYS = [
  "s3",
  "s3forcepathstyle",
  "bucketnames",
  "endpoint",
  "region",
  "access_key_id",
  "secret_access_key",
  "session_token",
  "insecure",
  "chunk_delimiter",
  "http_config",
  "signature_version",
  "storage_class",
  "sse",
  "backoff_config",
  "disable_dualstack",
];
const LOKI_PERIOD_CONFIG_KEYS = ["from", "store", "object_store", "schema", "index", "chunks", "row_shards"];
/** period_config.object_store: "Either aws (alias s3), azure, gcs, alibabacloud, bos, cos, swift, filesystem, or a named_store". */
const LOKI_OBJECT_STORES = ["aws", "s3", "azure", "gcs", "alibabacloud", "bos", "cos", "swift", "filesystem"];
const TEMPO_S3_KEYS = [
  "bucket",
  "prefix",
  "endpoint",
  "list_blocks_concurrency",
  "region",
  "access_key",
  "secret_key",
  "session_token",
  "insecure",
  "tls_cert_path",
  "tls_key_path",
  "tls_ca_path",
  "tls_server_name",
  "tls_insecure_skip_verify",
  "tls_cipher_suites",
  "tls_min_version",
  "forcepathstyle",
  "enable_dual_stack",
  "bucket_lookup_type",
  "hedge_requests_at",
  "hedge_requests_up_to",
  "tags",
  "storage_class",
  "metadata",
  "native_aws_auth_enabled",
  "sse",
  "part_size",
  "signature_v2",
];
/** storage.trace.backend: 'Should be one of "gcs", "s3", "azure" or "local"'. */
const TEMPO_BACKENDS = ["gcs", "s3", "azure", "local"];

it("the references are those of the pinned releases", () => {
  expect(RELEASES.loki.version).toMatch(/^3\.5\./);
  expect(RELEASES.tempo.version).toMatch(/^2\.8\./);
});

describe("Loki 3.5 on the bucket, with the days before `since` still read from the volume", () => {
  const config = onBucket();
  const text = renderStack(config).loki!;
  const doc = yaml.load(expandEnv(text, { [LOKI_SECRET_ENV]: SECRET })) as Record<string, any>;

  const FIELDS: [path: string, type: DocType, value: unknown][] = [
    // common.storage.s3 (s3_storage_config); the endpoint is host[:port], `insecure` disables https.
    ["common.storage.s3.endpoint", "string", "minio.internal:9000"],
    ["common.storage.s3.region", "string", "us-east-1"],
    ["common.storage.s3.bucketnames", "string", "tutordex-prod-logs"],
    ["common.storage.s3.access_key_id", "string", "tutordex-obs"],
    ["common.storage.s3.secret_access_key", "string", SECRET],
    ["common.storage.s3.insecure", "boolean", false],
    ["common.storage.s3.s3forcepathstyle", "boolean", true],
    ["common.path_prefix", "string", "/loki"],
    // storage_config.filesystem (local_storage_config): the chunks of the filesystem period.
    ["storage_config.filesystem.directory", "string", "/loki/chunks"],
    // schema_config.configs (period_config): the old period stays exactly as it was written.
    ["schema_config.configs.0.from", "string", "2024-01-01"],
    ["schema_config.configs.0.store", "string", "tsdb"],
    ["schema_config.configs.0.object_store", "string", "filesystem"],
    ["schema_config.configs.0.schema", "string", "v13"],
    ["schema_config.configs.1.from", "string", "2026-06-01"],
    ["schema_config.configs.1.store", "string", "tsdb"],
    ["schema_config.configs.1.object_store", "string", "s3"],
    ["schema_config.configs.1.schema", "string", "v13"],
    ["schema_config.configs.1.index.prefix", "string", "index_"],
    ["schema_config.configs.1.index.period", "duration", "24h"],
    // compactor: retention keeps working, its delete requests with the newest chunks.
    ["compactor.retention_enabled", "boolean", true],
    ["compactor.delete_request_store", "string", "s3"],
    ["compactor.working_directory", "string", "/loki/compactor"],
    ["limits_config.retention_period", "duration", config.retention.loki],
  ];
  it.each(FIELDS)("%s is a documented <%s>: %p", (path, type, value) => {
    expect(isType(at(doc, path), type)).toBe(true);
    expect(at(doc, path)).toEqual(value);
  });

  it("writes only keys the reference documents in each block", () => {
    expect(Object.keys(doc.common.storage)).toEqual(["s3"]);
    expect(Object.keys(doc.common.storage.s3).filter((k) => !LOKI_S3_STORAGE_CONFIG_KEYS.includes(k))).toEqual([]);
    expect(Object.keys(doc.storage_config)).toEqual(["filesystem"]);
    expect(Object.keys(doc.storage_config.filesystem)).toEqual(["directory"]);
    for (const p of doc.schema_config.configs) {
      expect(Object.keys(p).filter((k) => !LOKI_PERIOD_CONFIG_KEYS.includes(k))).toEqual([]);
      expect(LOKI_OBJECT_STORES).toContain(p.object_store);
      // <daytime>: YYYY-MM-DD; periods in order.
      expect(p.from).toMatch(/^\d{4}-\d{2}-\d{2}$/);
    }
    expect(doc.schema_config.configs.map((p: { from: string }) => p.from)).toEqual(
      [...doc.schema_config.configs.map((p: { from: string }) => p.from)].sort(),
    );
    // The delete request store is one of the period stores, so the compactor has its client.
    expect(doc.schema_config.configs.map((p: { object_store: string }) => p.object_store)).toContain(doc.compactor.delete_request_store);
  });

  it("the file holds the secret only as a quoted ${VAR} reference, the one $ of the file", () => {
    expect(text).toContain(`secret_access_key: "\${${LOKI_SECRET_ENV}}"`);
    expect(text.split("$")).toHaveLength(2);
    expect(text).not.toContain(SECRET);
  });

  it("any secret without quote, backslash or control character survives substitution as one exact string", () => {
    for (const secret of ["12345678", "a: b #c 'd' {e} [f] $g", "true", "~", " padded "]) {
      const parsed = yaml.load(expandEnv(text, { [LOKI_SECRET_ENV]: secret })) as Record<string, any>;
      expect(parsed.common.storage.s3.secret_access_key).toBe(secret);
    }
  });
});

describe("Loki 3.5 on the bucket from the first period (a new stack)", () => {
  const doc = yaml.load(renderStack(onBucket({ ...STORAGE, loki: { bucket: "tutordex-prod-logs" } })).loki!) as Record<string, any>;
  it("one period on s3, no filesystem store, delete requests on s3", () => {
    expect(doc.schema_config.configs).toEqual([
      { from: "2024-01-01", store: "tsdb", object_store: "s3", schema: "v13", index: { prefix: "index_", period: "24h" } },
    ]);
    expect(doc).not.toHaveProperty("storage_config");
    expect(doc.compactor.delete_request_store).toBe("s3");
  });
});

describe("Loki on its volume (no objectStorage.loki) is the single-host config it always was", () => {
  for (const storage of [undefined, { ...STORAGE, loki: undefined }]) {
    const doc = yaml.load(renderLokiConfig("336h", "/loki", storage === undefined ? undefined : onBucket(storage).objectStorage)) as Record<
      string,
      any
    >;
    it(`common.storage.filesystem, one filesystem period, filesystem delete requests (${storage ? "Tempo alone on a bucket" : "no object storage"})`, () => {
      expect(doc.common.storage).toEqual({ filesystem: { chunks_directory: "/loki/chunks", rules_directory: "/loki/rules" } });
      expect(doc.schema_config.configs).toEqual([
        { from: "2024-01-01", store: "tsdb", object_store: "filesystem", schema: "v13", index: { prefix: "index_", period: "24h" } },
      ]);
      expect(doc.compactor.delete_request_store).toBe("filesystem");
      expect(doc).not.toHaveProperty("storage_config");
    });
  }
});

describe("Tempo 2.8 on the bucket", () => {
  const config = onBucket();
  const text = renderStack(config).tempo!;
  const doc = yaml.load(expandEnv(text, { [TEMPO_SECRET_ENV]: SECRET })) as Record<string, any>;

  const FIELDS: [path: string, type: DocType, value: unknown][] = [
    ["storage.trace.backend", "string", "s3"],
    ["storage.trace.s3.bucket", "string", "tutordex-prod-traces"],
    ["storage.trace.s3.endpoint", "string", "minio.internal:9000"],
    ["storage.trace.s3.region", "string", "us-east-1"],
    ["storage.trace.s3.access_key", "string", "tutordex-obs"],
    ["storage.trace.s3.secret_key", "string", SECRET],
    // "enable if endpoint is http"
    ["storage.trace.s3.insecure", "boolean", false],
    ["storage.trace.s3.forcepathstyle", "boolean", true],
    // The WAL stays on the volume ("Where to store the wal files ... Must be set").
    ["storage.trace.wal.path", "string", "/var/tempo/wal"],
    // The compactor applies retention on the bucket as on the volume.
    ["compactor.compaction.block_retention", "duration", config.retention.tempo],
  ];
  it.each(FIELDS)("%s is a documented <%s>: %p", (path, type, value) => {
    expect(isType(at(doc, path), type)).toBe(true);
    expect(at(doc, path)).toEqual(value);
  });

  it("writes only documented keys, one backend at a time", () => {
    expect(TEMPO_BACKENDS).toContain(doc.storage.trace.backend);
    expect(Object.keys(doc.storage.trace).sort()).toEqual(["backend", "s3", "wal"]);
    expect(Object.keys(doc.storage.trace.s3).filter((k) => !TEMPO_S3_KEYS.includes(k))).toEqual([]);
  });

  it("the file holds the secret only as a quoted ${VAR} reference, the one $ of the file", () => {
    expect(text).toContain(`secret_key: "\${${TEMPO_SECRET_ENV}}"`);
    expect(text.split("$")).toHaveLength(2);
    expect(text).not.toContain(SECRET);
  });

  it("on its volume it keeps local blocks", () => {
    const local = yaml.load(renderTempoConfig("72h", { prometheus: "prometheus:9090" })) as Record<string, any>;
    expect(local.storage.trace).toEqual({ backend: "local", wal: { path: "/var/tempo/wal" }, local: { path: "/var/tempo/blocks" } });
  });

  it("plain http to the store sets insecure, AWS keeps virtual-host addressing", () => {
    const http = yaml.load(renderStack(onBucket({ ...STORAGE, endpoint: "http://minio.internal:9000" })).tempo!) as Record<string, any>;
    expect(http.storage.trace.s3.insecure).toBe(true);
    const aws = yaml.load(
      renderStack(onBucket({ ...STORAGE, endpoint: "https://s3.eu-central-1.amazonaws.com", region: "eu-central-1" })).tempo!,
    ) as Record<string, any>;
    expect([aws.storage.trace.s3.endpoint, aws.storage.trace.s3.forcepathstyle, aws.storage.trace.s3.region]).toEqual([
      "s3.eu-central-1.amazonaws.com",
      false,
      "eu-central-1",
    ]);
  });
});

describe("expansion is safe only with nothing else to expand", () => {
  it("a file with another $ is refused before it could be deployed", () => {
    expect(() => quoteEnvReference(`a: x$y\nsecret_key: \${${TEMPO_SECRET_ENV}}\n`, TEMPO_SECRET_ENV)).toThrow(
      `${EXPAND_ENV_FLAG} must hold exactly one $`,
    );
    expect(quoteEnvReference(`secret_key: \${${TEMPO_SECRET_ENV}}\n`, TEMPO_SECRET_ENV)).toBe(`secret_key: "\${${TEMPO_SECRET_ENV}}"\n`);
  });

  it("the secret key appears in no rendered file", () => {
    for (const [file, text] of Object.entries(renderStackFiles(onBucket())))
      expect({ file, leaks: text.includes(SECRET) }).toEqual({ file, leaks: false });
  });
});

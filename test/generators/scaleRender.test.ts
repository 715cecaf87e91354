import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import * as yaml from "js-yaml";
import { main } from "../../cli/main";
import { capture } from "../support/io";
import { PROJECT } from "../../harness/stackFiles";

/**
 * `obs render` over stack files with every scale-out option, as operators commit them: prod with
 * its secrets encrypted (`secure:`), and dev with the credentials in plain text (which dev
 * accepts). Neither render holds a credential; the encrypted ones are not even needed.
 */

const PLAIN = { password: "dev-mimir-password-8812", token: "dev-cloud-token-1a7f", s3: "dev-minio-secret-55e0" };

function stackFile(environment: "dev" | "prod", secrets: Record<string, unknown>): string {
  const config: Record<string, unknown> = {
    environment,
    runbookBaseUrl: "https://runbooks.example.test/rb",
    bindAddress: "10.0.0.5",
    grafanaExternalUrl: "https://grafana.example.test",
    alertmanagerExternalUrl: "https://alertmanager.example.test",
    telegram: { chatId: "-100123" },
    remoteWrite: {
      stores: [
        {
          name: "mimir",
          url: "https://mimir.internal/api/v1/push",
          auth: { type: "basic", username: "tutordex" },
          queryUrl: "https://mimir.internal/prometheus",
        },
        { name: "cloud", url: "https://prometheus-prod-01-eu-west-0.grafana.net/api/prom/push", auth: { type: "bearer" } },
      ],
    },
    alertmanagerCluster: { listenAddress: "10.0.0.5", peers: [{ gossip: "10.0.0.6:9094", api: "10.0.0.6:9093" }] },
    objectStorage: {
      endpoint: "https://minio.internal:9000",
      region: "us-east-1",
      accessKeyId: "tutordex",
      loki: { bucket: "tutordex-logs" },
      tempo: { bucket: "tutordex-traces" },
    },
    ...secrets,
  };
  return yaml.dump({ config: Object.fromEntries(Object.entries(config).map(([k, v]) => [`${PROJECT}:${k}`, v])) });
}

describe.each([
  [
    "prod, secrets encrypted",
    "prod",
    {
      remoteWriteCredentials: { secure: "v1:c2VjcmV0LW1hcA==" },
      objectStorageSecretKey: { secure: "v1:czMta2V5" },
      grafanaAdminPassword: { secure: "v1:Z3JhZmFuYQ==" },
    },
  ],
  [
    "dev, secrets in plain text",
    "dev",
    { remoteWriteCredentials: JSON.stringify({ mimir: PLAIN.password, cloud: PLAIN.token }), objectStorageSecretKey: PLAIN.s3 },
  ],
] as const)("obs render of a stack with every scale-out option (%s)", (_name, environment, secrets) => {
  const root = fs.mkdtempSync(path.join(os.tmpdir(), "scale-render-"));
  const out = path.join(root, "out");
  afterAll(() => fs.rmSync(root, { recursive: true, force: true }));

  it("renders, and no file holds a credential", async () => {
    fs.writeFileSync(path.join(root, `Pulumi.${environment}.yaml`), stackFile(environment, secrets));
    const io = capture();
    const code = await main(["render", "--stack", environment, "--out", out], io, root);
    expect({ code, output: io.text() }).toEqual({ code: 0, output: expect.stringContaining("rendered") });
    const files = fs
      .readdirSync(out, { recursive: true, withFileTypes: true })
      .filter((f) => f.isFile())
      .map((f) => path.join(f.parentPath, f.name));
    const texts = files.map((f) => fs.readFileSync(f, "utf8"));
    for (const secret of Object.values(PLAIN)) expect(texts.filter((t) => t.includes(secret))).toEqual([]);
    const prometheus = fs.readFileSync(path.join(out, "prometheus", "prometheus.yml"), "utf8");
    expect(prometheus).toContain("password_file: /etc/prometheus-secrets/remote-write-mimir");
    expect(prometheus).toContain("credentials_file: /etc/prometheus-secrets/remote-write-cloud");
    expect(fs.readFileSync(path.join(out, "loki", "loki.yml"), "utf8")).toContain('secret_access_key: "${LOKI_S3_SECRET_ACCESS_KEY}"');
    expect(JSON.parse(fs.readFileSync(path.join(out, "grafana", "datasources.json"), "utf8")).map((d: { uid: string }) => d.uid)).toContain(
      "longterm",
    );
  });
});

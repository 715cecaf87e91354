import * as bcrypt from "bcryptjs";
import * as yaml from "js-yaml";
import { PASSWORD_ENV } from "../../components/configSync";
import { renderStack } from "../../generators/stackFiles";
import {
  containerNamed,
  containersOf,
  ProgramRun,
  RecordedResource,
  runProgram,
  secretValue,
  uploadNamed,
  uploadsOf,
} from "../support/program";
import { mockRandomPassword, RANDOM_PASSWORD } from "../../harness/randomPassword";
import { pulumiConfigMap, TEST_SECRETS } from "../../harness/stackFiles";
import { stackConfig } from "../../harness/fixtures";

/**
 * Under mocks, the whole program of the committed prod stack: each protected API's password is a
 * Pulumi secret wherever it goes, reaches every client of that API, and the web config each
 * server reads holds a bcrypt hash of exactly that password (checked with bcrypt, not by text).
 */
let run: ProgramRun;
beforeAll(async () => {
  run = await runProgram("prod", pulumiConfigMap("prod"), Object.keys(TEST_SECRETS));
});

const password = (alias: string) => mockRandomPassword(`tutordex-api-credentials-${alias}`, { length: 32 }).result;
const PASSWORDS = { prometheus: password("prometheus"), alertmanager: password("alertmanager"), blackbox: password("blackbox-exporter") };
const users = (webYml: string) => (yaml.load(webYml) as { basic_auth_users: Record<string, string> }).basic_auth_users;
const rendered = () => renderStack(stackConfig("prod"));
const syncOf = (service: string) =>
  containersOf(run).find((c) => String(c.inputs.name).startsWith(`tutordex-obs-prod-${service}-config-sync-`))!;

it("one random password per protected API, letters and digits, 32 long", () => {
  const passwords = run.resources.filter((r) => r.type === RANDOM_PASSWORD);
  expect(passwords.map((r) => r.name).sort()).toEqual([
    "tutordex-api-credentials-alertmanager",
    "tutordex-api-credentials-blackbox-exporter",
    "tutordex-api-credentials-prometheus",
  ]);
  for (const r of passwords) expect(r.inputs).toMatchObject({ length: 32, special: false });
  expect(new Set(Object.values(PASSWORDS)).size).toBe(3);
});

it("every input of every resource that carries a password is a Pulumi secret (state and preview never show it)", () => {
  const leaks: string[] = [];
  for (const r of run.resources.filter((x) => x.type !== RANDOM_PASSWORD)) {
    for (const [key, value] of Object.entries(r.inputs)) {
      const text = JSON.stringify(value);
      if (Object.values(PASSWORDS).some((p) => text.includes(p)) && !r.secretInputs.includes(key))
        leaks.push(`${r.type}::${r.name}.${key}`);
    }
  }
  expect(leaks).toEqual([]);
});

it("no rendered file holds a password or a hash: they only name the files the containers get", () => {
  const text = JSON.stringify(rendered());
  for (const p of Object.values(PASSWORDS)) expect(text).not.toContain(p);
  expect(text).not.toMatch(/\$2[aby]\$/);
});

describe("each server reads a web config with the bcrypt hash of its own password", () => {
  it.each([
    ["tutordex-prometheus", "/etc/prometheus-secrets/web.yml", PASSWORDS.prometheus],
    ["tutordex-alertmanager", "/etc/alertmanager-secrets/web.yml", PASSWORDS.alertmanager],
    ["tutordex-blackbox-exporter", "/etc/blackbox-exporter-secrets/web.yml", PASSWORDS.blackbox],
  ])("%s: %s, named on its command line", (name, file, secret) => {
    const c = containerNamed(run, name);
    expect(c.inputs.command).toContain(`--web.config.file=${file}`);
    const u = users(uploadNamed(c, file));
    expect(Object.keys(u)).toEqual(["tutordex-obs"]);
    expect(bcrypt.compareSync(secret, u["tutordex-obs"])).toBe(true);
    expect(c.secretInputs).toContain("uploads");
  });

  it("and each one's healthcheck asks with that password from its file, never on a command line", () => {
    for (const [name, file, secret] of [
      ["tutordex-prometheus", "/etc/prometheus-secrets/prometheus-password", PASSWORDS.prometheus],
      ["tutordex-alertmanager", "/etc/alertmanager-secrets/alertmanager-password", PASSWORDS.alertmanager],
      ["tutordex-blackbox-exporter", "/etc/blackbox-exporter-secrets/blackbox-exporter-password", PASSWORDS.blackbox],
    ]) {
      const c = containerNamed(run, name);
      expect(uploadNamed(c, file)).toBe(secret);
      const test = (c.inputs.healthcheck.tests as string[]).join(" ");
      expect(test).toContain(`'${file}'`);
      expect(test).not.toContain(secret);
    }
  });
});

describe("every client of Prometheus's API gets its password", () => {
  const promFile = (container: RecordedResource, path: string) => uploadNamed(container, path);

  it("Prometheus itself (self-scrape), with Alertmanager's (alerting) and blackbox's (probes), at the paths prometheus.yml names", () => {
    const prometheus = containerNamed(run, "tutordex-prometheus");
    const yml = uploadNamed(syncOf("prometheus"), "/staging/prometheus.yml");
    for (const [alias, secret] of [
      ["prometheus", PASSWORDS.prometheus],
      ["alertmanager", PASSWORDS.alertmanager],
      ["blackbox-exporter", PASSWORDS.blackbox],
    ]) {
      const path = `/etc/prometheus-secrets/${alias}-password`;
      expect(yml).toContain(`password_file: ${path}`);
      expect(promFile(prometheus, path)).toBe(secret);
    }
  });

  it("config-sync, in a secret environment variable (its uploads stay the plain config preview diffs)", () => {
    const sync = syncOf("prometheus");
    expect(secretValue(sync.inputs.envs)).toEqual([`${PASSWORD_ENV}=${PASSWORDS.prometheus}`]);
    expect(sync.secretInputs).not.toContain("uploads");
    expect(secretValue(syncOf("alertmanager").inputs.envs)).toEqual([`${PASSWORD_ENV}=${PASSWORDS.alertmanager}`]);
  });

  it("the collector's OTLP exporter and Tempo's metrics generator, as a file their configs name", () => {
    const r = rendered();
    expect(uploadNamed(containerNamed(run, "tutordex-otel-collector"), "/etc/otelcol-secrets/prometheus-password")).toBe(
      PASSWORDS.prometheus,
    );
    expect(r.otelCollector).toContain("password_file: /etc/otelcol-secrets/prometheus-password");
    expect(uploadNamed(containerNamed(run, "tutordex-tempo"), "/etc/tempo-secrets/prometheus-password")).toBe(PASSWORDS.prometheus);
    expect(r.tempo).toContain("password_file: /etc/tempo-secrets/prometheus-password");
    for (const name of ["tutordex-otel-collector", "tutordex-tempo"])
      expect(uploadsOf(containerNamed(run, name))[0].content).not.toContain(PASSWORDS.prometheus);
  });

  it("the bridge (/status, the console's Alertmanager calls), as user:password in its secret environment", () => {
    const env = secretValue(containerNamed(run, "tutordex-telegram-bridge").inputs.envs) as string[];
    expect(env).toContain(`PROMETHEUS_AUTH=tutordex-obs:${PASSWORDS.prometheus}`);
    expect(env).toContain(`ALERTMANAGER_AUTH=tutordex-obs:${PASSWORDS.alertmanager}`);
  });

  it("Grafana's Prometheus and Alertmanager datasources: basic auth, the password in secure JSON data", () => {
    const ds = (uid: string) => run.resources.find((r) => r.type === "grafana:oss/dataSource:DataSource" && r.inputs.uid === uid)!;
    for (const [uid, secret] of [
      ["prometheus", PASSWORDS.prometheus],
      ["alertmanager", PASSWORDS.alertmanager],
    ]) {
      const d = ds(uid);
      expect(d.inputs).toMatchObject({ basicAuthEnabled: true, basicAuthUsername: "tutordex-obs" });
      expect(JSON.parse(secretValue(d.inputs.secureJsonDataEncoded))).toEqual({ basicAuthPassword: secret });
      expect(d.secretInputs).toContain("secureJsonDataEncoded");
    }
  });

  it("the operators, as stack outputs for PROMETHEUS_AUTH and ALERTMANAGER_AUTH (pulumi.secret; the mocks resolve outputs to plain values)", () => {
    expect(run.outputs.prometheusAuth).toBe(`tutordex-obs:${PASSWORDS.prometheus}`);
    expect(run.outputs.alertmanagerAuth).toBe(`tutordex-obs:${PASSWORDS.alertmanager}`);
  });
});

it("the prod stack's Grafana sets secure cookies (its URL is https); a stack on plain http does not", async () => {
  const env = (r: ProgramRun) => secretValue(containersOf(r).find((c) => c.name === "tutordex-grafana")!.inputs.envs) as string[];
  expect(env(run)).toContain("GF_SECURITY_COOKIE_SECURE=true");
  const dev = await runProgram("dev", pulumiConfigMap("dev"), Object.keys(TEST_SECRETS));
  expect(env(dev)).toContain("GF_SECURITY_COOKIE_SECURE=false");
});

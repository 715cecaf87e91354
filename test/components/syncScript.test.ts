import { syncScript } from "../../components/configSync";

/**
 * The config-sync script is an input of its one-shot container: any change to its text replaces
 * the container on the next `pulumi up`. Its behaviour is tested against real directories in
 * test/tools/oneShots.test.ts; here, that it depends on the set of files, not their order.
 */
const base = {
  validate: ["promtool", "check", "config", "prometheus.yml"],
  reload: { kind: "watch", address: "prometheus:9090", passwordFile: "/secrets/prometheus-password", boundSeconds: 60 } as const,
};

it("lists the files in sorted order, whatever order the renderer produced them in", () => {
  const a = syncScript({ ...base, files: ["rules/b.yml", "prometheus.yml", "rules/a.yml"] });
  const b = syncScript({ ...base, files: ["rules/a.yml", "rules/b.yml", "prometheus.yml"] });
  expect(a).toBe(b);
  const loops = a.split("\n").filter((l) => l.trim().startsWith("for f in "));
  // Compare with the live files, keep them, swap them in, put them back.
  expect(loops).toHaveLength(4);
  for (const l of loops) expect(l.trim()).toMatch(/^for f in 'prometheus.yml' 'rules\/a.yml' 'rules\/b.yml'; do\b/);
});

it("leaves the caller's list as it was", () => {
  const files = ["z.yml", "a.yml"];
  syncScript({ ...base, files });
  expect(files).toEqual(["z.yml", "a.yml"]);
});

it("reads Prometheus's reload metrics by the names cli/configReload.ts confirms reloads with, and holds no password", () => {
  const script = syncScript({ ...base, files: ["prometheus.yml"] });
  expect(script).toContain('$1 == "prometheus_config_last_reload_successful"');
  expect(script).toContain('$1 == "prometheus_config_last_reload_success_timestamp_seconds"');
  expect(script).toContain("'/secrets/prometheus-password'");
  expect(script).not.toMatch(/wget|\/-\/reload/);
});

it("Alertmanager's sync posts its /-/reload with the password file, and only there", () => {
  const script = syncScript({
    ...base,
    files: ["alertmanager.yml"],
    reload: { kind: "post", address: "alertmanager:9093", path: "/-/reload", passwordFile: "/secrets/alertmanager-password" },
  });
  expect(script).toContain("api POST 'alertmanager:9093' '/-/reload' '/secrets/alertmanager-password'");
  expect(script).not.toContain("reload_state");
});

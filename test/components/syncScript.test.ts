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
  expect(loops).toHaveLength(3);
  for (const l of loops) expect(l.trim()).toBe("for f in 'prometheus.yml' 'rules/a.yml' 'rules/b.yml'; do");
});

it("leaves the caller's list as it was", () => {
  const files = ["z.yml", "a.yml"];
  syncScript({ ...base, files });
  expect(files).toEqual(["z.yml", "a.yml"]);
});

import { containersOf, ProgramRun, runProgram } from "../support/program";
import { pulumiConfigMap, PROJECT, TEST_SECRETS } from "../../harness/stackFiles";

/** Resources whose inputs differ between two runs, by name. */
function changed(a: ProgramRun, b: ProgramRun): string[] {
  const inputs = (r: ProgramRun) => new Map(r.resources.map((x) => [`${x.type}::${x.name}`, JSON.stringify(x.inputs)]));
  const [ia, ib] = [inputs(a), inputs(b)];
  return [...ia.keys()].filter((k) => ia.get(k) !== ib.get(k)).sort();
}

it("editing a rule changes only the Prometheus config delivery, never the Prometheus container", async () => {
  const base = pulumiConfigMap("prod");
  const edited = {
    ...base,
    [`${PROJECT}:alertOverrides`]: JSON.stringify({ CollectorStalled: { disabled: true }, HostDiskLow: { threshold: 0.05 } }),
  };
  const before = await runProgram("prod", base, Object.keys(TEST_SECRETS));
  const after = await runProgram("prod", edited, Object.keys(TEST_SECRETS));
  expect(changed(before, after)).toEqual(["docker:index/container:Container::tutordex-prometheus-config-sync"]);
  const sync = (r: ProgramRun) => containersOf(r).find((c) => c.name === "tutordex-prometheus-config-sync")!;
  // A new name means a new one-shot container runs the copy and the reload.
  expect(sync(after).inputs.name).not.toBe(sync(before).inputs.name);
  const rules = sync(after).inputs.uploads.find((u: { file: string }) => u.file === "/staging/rules/alert_rules.yml").content;
  expect(rules).toContain("< 0.05");
});

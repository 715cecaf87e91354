import * as fs from "fs";
import * as path from "path";
import { ProgramRun, runProgram } from "../support/program";
import { pulumiConfigMap, TEST_SECRETS } from "../../harness/stackFiles";

/**
 * Pulumi knows a resource by its URN: the stack, the types of its parents, its own type and its
 * name. Renaming a component type, a resource or a parent changes the URN, and `pulumi up` then
 * deletes the old resource and creates a new one: a volume of months of metrics, a prod container
 * stopped. So what makes up the URNs of the committed prod stack is pinned here; a change to this list
 * must come with a Pulumi alias (`aliases: [...]` on the resource) or be a deliberate replacement.
 *
 * Each resource as `type::name < parent`: its URN's own part and its parent's name. (The mocks
 * record a parent by name, and a component and its child may share one, so the full type chain of
 * a URN is not rebuilt; every component's own type is pinned on its own line.)
 */
const urns = (run: ProgramRun): string[] => run.resources.map((r) => `${r.type}::${r.name} < ${r.options.parent ?? "(stack)"}`).sort();

const PINNED = path.join(__dirname, "urns.prod.txt");

describe("the resources of the committed prod stack, as their URNs name them", () => {
  let run: ProgramRun;
  beforeAll(async () => {
    run = await runProgram("prod", pulumiConfigMap("prod"), Object.keys(TEST_SECRETS));
  });

  it("are exactly the pinned ones (test/program/urns.prod.txt): none renamed, retyped or re-parented", () => {
    const pinned = fs
      .readFileSync(PINNED, "utf8")
      .split("\n")
      .filter((l) => l && !l.startsWith("#"));
    expect(urns(run)).toEqual(pinned);
  });
});

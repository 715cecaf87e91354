import * as fs from "fs";
import * as path from "path";
import { DROPPED_CAPABILITIES, NO_NEW_PRIVILEGES, SELINUX_LABEL_DISABLED } from "../../components/hardening";
import { DEFAULT_IMAGES } from "../../config/defaults";
import { containersOf, ProgramRun, runProgram } from "../support/program";
import { pulumiConfigMap, TEST_SECRETS } from "../../harness/stackFiles";

/**
 * How every container of the committed prod stack runs, as the Docker provider receives it: image,
 * user, privileges, memory, restart policy, log rotation, networks and aliases, ports and the
 * address they bind, volumes and host paths with their read-only flags, healthcheck, stop grace.
 * Each of these changes the running prod service (a config volume mounted writable, logs no longer
 * rotated, cAdvisor without the privileges it reads the cgroups with) without any generated file
 * changing, so the whole set is pinned in test/program/containers.prod.txt. Command lines,
 * environments and scripts have their own tests (generators/commandLines, containerEnv,
 * tools/oneShots) and are left out here.
 *
 * After a deliberate change, rewrite the file with PIN_CONTAINERS=write and review its diff.
 */
const PINNED = path.join(__dirname, "containers.prod.txt");
const LEFT_OUT = new Set(["envs", "command", "entrypoints", "uploads"]);

/** The mocks' image id is the hex of the image's name (test/support/program.ts): read it back. */
const imageName = (id: string) =>
  Buffer.from(id.replace(/^sha256:/, ""), "hex")
    .toString("utf8")
    .replace(/\0+$/, "");

function describeContainers(run: ProgramRun): string {
  return containersOf(run)
    .map((c) => {
      const name = String(c.inputs.name).replace(/-[0-9a-f]{10}$/, "-<content hash>");
      const fields = Object.keys(c.inputs)
        .filter((k) => !LEFT_OUT.has(k) && k !== "name")
        .sort()
        .map((k) => `  ${k}: ${k === "image" ? imageName(c.inputs.image) : JSON.stringify(c.inputs[k])}`);
      return [`${name}  (${c.name})`, ...fields].join("\n");
    })
    .sort()
    .join("\n\n");
}

let run: ProgramRun;
beforeAll(async () => {
  run = await runProgram("prod", pulumiConfigMap("prod"), Object.keys(TEST_SECRETS));
});

it("every container runs as pinned in test/program/containers.prod.txt", () => {
  const now = `${describeContainers(run)}\n`;
  if (process.env.PIN_CONTAINERS === "write") fs.writeFileSync(PINNED, now);
  expect(now).toBe(fs.readFileSync(PINNED, "utf8"));
});

it("the pinned file reads each image's name back from the mocks' id (a guard on the file's own reading)", () => {
  expect(describeContainers(run)).toContain(`  image: ${DEFAULT_IMAGES.prometheus}\n`);
  expect(describeContainers(run)).toContain("tutordex-obs-prod-prometheus-config-sync-<content hash>  (tutordex-prometheus-config-sync)");
});

it("every container, one-shots included, runs without new privileges, and every unprivileged one without raw sockets", () => {
  const rows = containersOf(run).map((c) => [
    c.name,
    c.inputs.privileged ?? false,
    c.inputs.pidMode,
    c.inputs.securityOpts,
    c.inputs.capabilities,
  ]);
  expect(rows.length).toBeGreaterThanOrEqual(15);
  expect(rows).toEqual(
    rows.map(([name, privileged, pidMode]) => [
      name,
      privileged,
      pidMode,
      // Docker would add the label option to these itself (components/hardening.ts).
      privileged || pidMode === "host" ? [NO_NEW_PRIVILEGES, SELINUX_LABEL_DISABLED] : [NO_NEW_PRIVILEGES],
      privileged ? undefined : { drops: [...DROPPED_CAPABILITIES] },
    ]),
  );
  // cAdvisor is the privileged one: it has every capability whatever a drop list would say.
  expect(rows.filter(([, privileged]) => privileged).map(([name]) => name)).toEqual(["tutordex-cadvisor"]);
  expect(rows.filter(([, , pidMode]) => pidMode === "host").map(([name]) => name)).toEqual(["tutordex-node-exporter"]);
});

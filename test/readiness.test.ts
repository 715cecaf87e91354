import { IMAGE_TOOLS, ImageTool, imageOf, PinnedRelease, RELEASES } from "../config/versions";
import { ServiceName } from "../config/services";
import { API_FUNCTION } from "../components/apiShell";
import { containersOf, ProgramRun, RecordedResource, runProgram } from "./support/program";
import { pulumiConfigMap, PROJECT, TEST_SECRETS } from "../harness/stackFiles";

/**
 * Every program a container runs inside its own image — a healthcheck's wget, a shell entrypoint,
 * the wget of a one-shot script — must be in the tools config/versions.ts records for that pinned
 * image. A bump to an image that dropped them (Loki 3.6.0, Tempo 2.9.3: distroless without
 * busybox) then fails here, not in a `pulumi up` whose containers never turn healthy.
 */

type Releases = Readonly<Record<ServiceName, PinnedRelease>>;

/**
 * The mocks' image id is the hex of the image's name cut to 32 bytes (test/support/program.ts):
 * the pinned image it stands for is the one whose name starts with what it reads back.
 */
function pinnedImageOf(id: string, releases: Releases): { image: string; service?: ServiceName } {
  const head = Buffer.from(String(id).replace(/^sha256:/, ""), "hex")
    .toString("utf8")
    .replace(/\0+$/, "");
  const hits = (Object.keys(releases) as ServiceName[]).filter((s) => imageOf(releases[s]).startsWith(head));
  return hits.length === 1 ? { image: imageOf(releases[hits[0]]), service: hits[0] } : { image: head };
}

const SHELLS = new Set(["/bin/sh", "sh", "/bin/bash", "bash"]);
const programOf = (path: string) => path.split("/").at(-1)!;

/** Every recorded tool a shell script names as a word: `wget`, `nc`, `base64` (and `sh` itself). */
const toolsNamedIn = (script: string): ImageTool[] => IMAGE_TOOLS.filter((t) => new RegExp(`(^|[^\\w./-])${t}($|[^\\w./-])`).test(script));

/**
 * The image tools a container calls: its healthcheck's program, its shell, and the recorded tools
 * its shell scripts name (a CMD-SHELL's first word too, unless it defines a function, so a tool
 * without a record, such as curl, is caught).
 */
export function toolsCalled(inputs: { healthcheck?: { tests?: string[] }; entrypoints?: string[] }): ImageTool[] {
  const called = new Set<string>();
  const [kind, ...test] = inputs.healthcheck?.tests ?? [];
  if (kind === "CMD") called.add(programOf(test[0]));
  if (kind === "CMD-SHELL") {
    const first = test[0].trim().split(/\s+/)[0];
    called.add("sh");
    if (!first.endsWith("()")) called.add(first);
    for (const t of toolsNamedIn(test[0])) called.add(t);
  }
  const [entry, ...rest] = inputs.entrypoints ?? [];
  if (entry !== undefined && SHELLS.has(entry)) {
    called.add("sh");
    for (const t of toolsNamedIn(rest.join(" "))) called.add(t);
  }
  return [...called].map((t) => (t === "bash" ? "sh" : t)) as ImageTool[];
}

/** One line per container that calls a tool its pinned image's record does not list. */
export function readinessProblems(containers: readonly RecordedResource[], releases: Releases = RELEASES): string[] {
  return containers.flatMap((c) => {
    const { image, service } = pinnedImageOf(c.inputs.image, releases);
    if (!service) return [`${c.inputs.name}: runs ${image}, which no pin of config/versions.ts names`];
    const has = releases[service].image.tools;
    const missing = toolsCalled(c.inputs).filter((t) => !has.includes(t));
    return missing.length
      ? [
          `${c.inputs.name}: calls ${missing.join(", ")} inside ${image}, whose record (${service}) lists [${has.join(", ")}]: use a readiness gate, or update the record from the release's Dockerfile`,
        ]
      : [];
  });
}

/** Loki 3.6.0 and Tempo 2.9.3 on: distroless images without a shell or wget (their Dockerfiles). */
const NEXT_DISTROLESS: Releases = {
  ...RELEASES,
  loki: { ...RELEASES.loki, image: { tools: [], per: "loki v3.6.0 cmd/loki/Dockerfile: FROM gcr.io/distroless/static:nonroot" } },
  tempo: { ...RELEASES.tempo, image: { tools: [], per: "tempo v2.9.3 cmd/tempo/Dockerfile: FROM gcr.io/distroless/static-debian12" } },
};

const runs: Record<string, ProgramRun> = {};
// prod (Alloy, the default agent) and dev with Promtail, the other agent, and the demo workload.
const STACKS: [string, string, Record<string, string>][] = [
  ["prod", "prod", pulumiConfigMap("prod")],
  ["dev with logAgent promtail", "dev", { ...pulumiConfigMap("dev"), [`${PROJECT}:logAgent`]: "promtail" }],
];

beforeAll(async () => {
  for (const [label, stack, config] of STACKS) runs[label] = await runProgram(stack, config, Object.keys(TEST_SECRETS));
}, 120_000);

describe("every container calls only tools its pinned image has", () => {
  it.each(STACKS.map(([label]) => label))("%s", (label) => {
    expect(readinessProblems(containersOf(runs[label]))).toEqual([]);
  });

  it("the stacks between them run every pinned image", () => {
    const images = new Set(Object.values(runs).flatMap((r) => containersOf(r).map((c) => pinnedImageOf(c.inputs.image, RELEASES).image)));
    expect(
      Object.values(RELEASES)
        .map(imageOf)
        .filter((i) => !images.has(i)),
    ).toEqual([]);
  });

  it("Loki and Tempo stay ready-checkable on their next releases' distroless images", () => {
    for (const label of Object.keys(runs)) expect(readinessProblems(containersOf(runs[label]), NEXT_DISTROLESS)).toEqual([]);
  });
});

describe("the check itself", () => {
  const container = (image: string, inputs: object) =>
    ({
      urn: "u",
      name: "n",
      type: "docker:index/container:Container",
      inputs: { name: "c", image: Buffer.from(image).toString("hex"), ...inputs },
    }) as unknown as RecordedResource;

  it("reads a healthcheck's program, a CMD-SHELL's shell, a shell entrypoint and the wget of its script", () => {
    expect(toolsCalled({ healthcheck: { tests: ["CMD", "wget", "-q", "http://x/"] } })).toEqual(["wget"]);
    expect(toolsCalled({ healthcheck: { tests: ["CMD-SHELL", 'wget -q "http://$A/"'] } })).toEqual(["sh", "wget"]);
    expect(toolsCalled({ entrypoints: ["/bin/sh", "-c", "until wget -q http://x/; do sleep 2; done"] })).toEqual(["sh", "wget"]);
    expect(toolsCalled({ entrypoints: ["/usr/bin/loki"] })).toEqual([]);
    // The authenticated calls (components/apiShell.ts): a function, then nc and base64 inside it.
    expect(
      toolsCalled({ healthcheck: { tests: ["CMD-SHELL", `${API_FUNCTION}; api GET 127.0.0.1:9090 /-/ready /run/p | head -n1`] } }),
    ).toEqual(["sh", "nc", "base64"]);
    expect(toolsCalled({ entrypoints: ["/bin/sh", "-c", `${API_FUNCTION}; api POST alertmanager:9093 /-/reload /run/p`] })).toEqual([
      "sh",
      "nc",
      "base64",
    ]);
    expect(toolsCalled({ healthcheck: { tests: ["CMD-SHELL", "curl -fs http://x/ && sync"] } })).toEqual(["sh", "curl"]);
    expect(toolsCalled({})).toEqual([]);
  });

  it("names the container, the tool, the image and its record when a bump drops the tool", () => {
    const wgetCheck = { healthcheck: { tests: ["CMD", "wget", "-q", "-O", "/dev/null", "http://127.0.0.1:3100/ready"] } };
    expect(readinessProblems([container(imageOf(RELEASES.loki), wgetCheck)])).toEqual([]);
    expect(readinessProblems([container(imageOf(RELEASES.loki), wgetCheck)], NEXT_DISTROLESS)).toEqual([
      `c: calls wget inside ${imageOf(RELEASES.loki)}, whose record (loki) lists []: use a readiness gate, or update the record from the release's Dockerfile`,
    ]);
    expect(readinessProblems([container("grafana/loki:9.9.9", {})])).toEqual([
      "c: runs grafana/loki:9.9.9, which no pin of config/versions.ts names",
    ]);
    expect(pinnedImageOf(Buffer.from(imageOf(RELEASES.otelCollector)).subarray(0, 32).toString("hex"), RELEASES)).toEqual({
      image: imageOf(RELEASES.otelCollector),
      service: "otelCollector",
    });
  });
});

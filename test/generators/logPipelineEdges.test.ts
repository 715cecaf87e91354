import { dockerNetworkPeers } from "../../config/services";
import { dockerSdMetaLabel, ROLE_LABEL, SERVICE_LABEL, STACK_LABEL } from "../../config/labels";
import { renderPromtailConfig } from "../../generators/promtail";
import { promtailPipelineOf, streamLabels } from "../support/logPipelines";

/**
 * The awkward corners of docs/spec.md §7's pipeline: a stack name with regex metacharacters must match
 * only itself, and Docker label names become the meta labels Docker discovery really exposes.
 */

describe("Docker service discovery's meta label for a container label", () => {
  it("replaces every character outside [a-zA-Z0-9_] by an underscore", () => {
    expect(dockerSdMetaLabel("com.docker.compose.service")).toBe("__meta_docker_container_label_com_docker_compose_service");
    expect(dockerSdMetaLabel("a-b/c d:ü_Z9")).toBe("__meta_docker_container_label_a_b_c_d___Z9");
  });

  it("the stack's own labels, as operators filter on them", () => {
    expect([STACK_LABEL, SERVICE_LABEL, ROLE_LABEL]).toEqual([
      "tutordex.observability.stack",
      "tutordex.observability.service",
      "tutordex.observability.role",
    ]);
  });
});

describe("a stack whose name holds regex metacharacters", () => {
  const stack = "a.b+c";
  const p = promtailPipelineOf(renderPromtailConfig({ stack, appComposeProject: "tutordex-prod" }, dockerNetworkPeers()));
  const own = (s: string, service = "grafana") => ({
    name: `/tutordex-obs-${s}-${service}`,
    labels: { [STACK_LABEL]: s, [SERVICE_LABEL]: service },
  });

  it("ships its own containers and its application's", () => {
    expect(streamLabels(p, own(stack), "x")).toEqual({
      container: `tutordex-obs-${stack}-grafana`,
      compose_service: "grafana",
      compose_project: `tutordex-obs-${stack}`,
    });
    expect(streamLabels(p, { name: "/app-1", labels: { "com.docker.compose.project": "tutordex-prod" } }, "x")).toEqual({
      container: "app-1",
      compose_project: "tutordex-prod",
    });
  });

  it("does not ship a stack whose name the unescaped pattern would match, nor an application container of no project", () => {
    expect(streamLabels(p, own("aXbbbc"), "x")).toBeUndefined();
    expect(streamLabels(p, { ...own("aXbbbc"), labels: own(stack).labels }, "x")).toBeUndefined();
    expect(streamLabels(p, { name: "/app-1", labels: {} }, "x")).toBeUndefined();
  });

  it("writes the name escaped in the name filter that leaves the agent out", () => {
    expect(p.discovery[0]).toEqual([
      { name: "label", values: ["tutordex.observability.stack=a.b+c"] },
      {
        name: "name",
        values: [
          "^/?tutordex-obs-a\\.b\\+c-(?:$|[^p]|p(?:$|[^r]|r(?:$|[^o]|o(?:$|[^m]|m(?:$|[^t]|t(?:$|[^a]|a(?:$|[^i]|i(?:$|[^l]))))))))",
        ],
      },
    ]);
  });
});

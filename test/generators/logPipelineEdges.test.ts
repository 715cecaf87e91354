import { dockerNetworkPeers } from "../../config/services";
import { dockerSdMetaLabel, ROLE_LABEL, SERVICE_LABEL, STACK_LABEL } from "../../generators/labels";
import { renderPromtailConfig } from "../../generators/promtail";
import { promtailPipelineOf, streamLabels } from "../support/logPipelines";

/**
 * The awkward corners of SPEC §7's pipeline: a stack name with regex metacharacters must match
 * only itself, and Docker label names become the meta labels Docker discovery really exposes.
 */

describe("Docker service discovery's meta label for a container label", () => {
  it("replaces every character outside [a-zA-Z0-9_] by an underscore", () => {
    expect(dockerSdMetaLabel("com.docker.compose.service")).toBe("__meta_docker_container_label_com_docker_compose_service");
    expect(dockerSdMetaLabel("a-b/c d:ü_Z9")).toBe("__meta_docker_container_label_a_b_c_d___Z9");
  });

  it("the stack's own labels, as operators filter on them", () => {
    expect([STACK_LABEL, SERVICE_LABEL, ROLE_LABEL]).toEqual(["tutordex.observability.stack", "tutordex.observability.service", "tutordex.observability.role"]);
  });
});

describe("a stack whose name holds regex metacharacters", () => {
  const stack = "a.b+c";
  const p = promtailPipelineOf(renderPromtailConfig({ stack }, dockerNetworkPeers()));
  const own = (s: string) => ({
    __meta_docker_container_name: `/tutordex-obs-${s}-grafana`,
    __meta_docker_container_label_tutordex_observability_stack: s,
    __meta_docker_container_label_tutordex_observability_service: "grafana",
  });

  it("keeps its own containers and an application container without a stack label", () => {
    expect(streamLabels(p, own(stack), "x")).toEqual({ container: `tutordex-obs-${stack}-grafana`, compose_service: "grafana", compose_project: `tutordex-obs-${stack}` });
    expect(streamLabels(p, { __meta_docker_container_name: "/app-1" }, "x")).toEqual({ container: "app-1" });
  });

  it("does not ship a stack whose name the unescaped pattern would match", () => {
    expect(streamLabels(p, own("aXbbbc"), "x")).toBeUndefined();
    expect(streamLabels(p, own("a.bc"), "x")).toBeUndefined();
  });

  it("writes the name escaped in the keep rule", () => {
    expect(p.relabel[0]).toEqual({ source_labels: ["__meta_docker_container_label_tutordex_observability_stack"], regex: "|a\\.b\\+c", action: "keep" });
  });
});

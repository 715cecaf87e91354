/**
 * Docker labels every container of the stack carries. Promtail, cAdvisor queries and operators
 * (`docker ps --filter label=...`) all key on these names.
 */
export const STACK_LABEL = "tutordex.observability.stack";
export const SERVICE_LABEL = "tutordex.observability.service";
/** One-shot containers say what they are for: `config-sync` or `readiness-gate`. */
export const ROLE_LABEL = "tutordex.observability.role";

/** How Docker service discovery exposes a container label to relabeling. */
export function dockerSdMetaLabel(label: string): string {
  return `__meta_docker_container_label_${label.replace(/[^a-zA-Z0-9_]/g, "_")}`;
}

/** Docker Compose's labels on the application's containers (compose sets them on every container it makes). */
export const COMPOSE_PROJECT_LABEL = "com.docker.compose.project";
export const COMPOSE_SERVICE_LABEL = "com.docker.compose.service";

/** The series label cAdvisor gives a Docker label it keeps (-whitelisted_container_labels). */
export function cadvisorContainerLabel(label: string): string {
  return `container_label_${label.replace(/[^a-zA-Z0-9_]/g, "_")}`;
}

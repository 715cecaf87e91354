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

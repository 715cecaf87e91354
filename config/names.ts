/**
 * Every name the program gives Docker: `tutordex-obs-<stack>-<suffix>`. One place, so prod and
 * staging can share a host, cAdvisor queries can match the stack's containers, and the collision
 * check reasons about names the same way the components make them.
 */
export function dockerNamePrefix(stack: string): string {
  return `tutordex-obs-${stack}`;
}

export function dockerName(stack: string, suffix: string): string {
  return `${dockerNamePrefix(stack)}-${suffix}`;
}

import { parseStackConfig, rawConfigFromPulumi, StackConfig } from "../config/schema";
import { PROJECT, pulumiConfigMap, secretKeySet } from "./stackFiles";

/** The validated configuration of a committed stack, with test secrets. */
export function stackConfig(stack: string, patch: Record<string, unknown> = {}): StackConfig {
  const raw = { ...rawConfigFromPulumi(PROJECT, pulumiConfigMap(stack)), ...patch };
  return parseStackConfig(stack, raw, secretKeySet());
}

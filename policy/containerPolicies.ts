/**
 * The container guardrails of policy/guardrails.ts as Pulumi stack policies, one per guardrail.
 * They validate the whole stack rather than one resource at a time because the readiness rule
 * must know which services a readiness gate (another container) watches. Kept apart from
 * policy/index.ts, which serves the pack, so tests can call the validations directly.
 */
import * as path from "path";
import { PolicyResource, ReportViolation, StackValidationArgs, StackValidationPolicy, UnknownValueError } from "@pulumi/policy";
import { stackConfigFromFile } from "../config/stackFile";
import { ContainerRecord, gatedServices, GUARDRAILS, GuardrailContext } from "./guardrails";

export const CONTAINER_TYPE = "docker:index/container:Container";

/** The project folder, whose Pulumi.<stack>.yaml holds the stack's settings (policy/..). */
const PROJECT_ROOT = path.resolve(__dirname, "..");

/** Thrown when a guardrail reads a resource option the analyzer is never sent. */
class NotSentToPolicies extends Error {
  constructor(readonly option: string) {
    super(option);
  }
}

/**
 * Pulumi sends policies protect, ignoreChanges, deleteBeforeReplace, aliases, customTimeouts,
 * additionalSecretOutputs and parent; replaceOnChanges is not among them, so a guardrail that
 * reads it cannot be judged here (test/program checks it under mocks instead).
 */
export const OPTIONS_NOT_SENT_TO_POLICIES = ["replaceOnChanges"] as const;

function containerRecord(r: PolicyResource): ContainerRecord {
  const options = { deleteBeforeReplace: r.opts.deleteBeforeReplace === true };
  for (const option of OPTIONS_NOT_SENT_TO_POLICIES) {
    Object.defineProperty(options, option, {
      enumerable: true,
      get: () => {
        throw new NotSentToPolicies(option);
      },
    });
  }
  return { name: r.name, inputs: r.props, options };
}

/** `urn:pulumi:<stack>::<project>::<type>::<name>` → the stack. */
export function stackOfUrn(urn: string): string {
  const m = /^urn:pulumi:([^:]+)::/.exec(urn);
  if (!m) throw new Error(`not a Pulumi URN: ${urn}`);
  return m[1];
}

/** Where a stack's containers may publish ports: its bindAddress, read as the program reads it. */
export type BindAddressOf = (stack: string) => string;

export const bindAddressFromStackFile: BindAddressOf = (stack) => stackConfigFromFile(PROJECT_ROOT, stack).bindAddress;

/** Where a stack's Alertmanager may publish its gossip port, if it is clustered. */
export type ClusterAddressOf = (stack: string) => string | undefined;

export const clusterAddressFromStackFile: ClusterAddressOf = (stack) =>
  stackConfigFromFile(PROJECT_ROOT, stack).alertmanagerCluster?.listenAddress;

/** A policy id from a guardrail's sentence: lower case words joined by dashes. */
export function policyName(guardrail: string): string {
  return guardrail
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, "-")
    .replace(/^-|-$/g, "");
}

function validateGuardrail(rule: string, bindAddressOf: BindAddressOf, clusterAddressOf: ClusterAddressOf) {
  const check = GUARDRAILS[rule];
  return (args: StackValidationArgs, report: ReportViolation): void => {
    const containers = args.resources.filter((r) => r.type === CONTAINER_TYPE);
    if (containers.length === 0) return;
    const records = containers.map(containerRecord);
    const stack = stackOfUrn(containers[0].urn);
    const context: GuardrailContext = {
      stack,
      bindAddress: bindAddressOf(stack),
      clusterAddress: clusterAddressOf(stack),
      gatedServices: gatedServices(records),
    };
    // An Error (UnknownValueError extends it): the SDK's type declarations leave that class out (`any` to TypeScript).
    let unknown: Error | undefined;
    containers.forEach((resource, i) => {
      try {
        const problem = check(records[i], context);
        if (problem !== undefined) report(`${resource.name}: ${problem}`, resource.urn);
      } catch (e) {
        if (e instanceof NotSentToPolicies) {
          args.notApplicable(
            `Pulumi does not send the ${e.option} resource option to policies; the program tests check this guardrail under mocks`,
          );
        }
        // During a preview some inputs (a new image's id) are not known yet: judge the rest, then say so.
        if (e instanceof UnknownValueError) unknown ??= e as Error;
        else throw e;
      }
    });
    // The SDK turns this into an advisory "can't run during preview" note instead of a failure.
    if (unknown) throw unknown;
  };
}

/** One mandatory stack policy per guardrail, in the order policy/guardrails.ts lists them. */
export function containerPolicies(
  bindAddressOf: BindAddressOf = bindAddressFromStackFile,
  clusterAddressOf: ClusterAddressOf = clusterAddressFromStackFile,
): StackValidationPolicy[] {
  return Object.keys(GUARDRAILS).map((rule) => ({
    name: policyName(rule),
    description: rule,
    enforcementLevel: "mandatory",
    validateStack: validateGuardrail(rule, bindAddressOf, clusterAddressOf),
  }));
}

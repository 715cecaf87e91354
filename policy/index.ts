/**
 * The guardrails as a Pulumi policy pack: `pulumi preview --policy-pack policy` (and `up`) runs
 * every container guardrail of policy/guardrails.ts against what the program is about to deploy.
 * The pack resolves its modules (@pulumi/policy, @pulumi/pulumi, ts-node) from the project's own
 * node_modules, so the root `npm ci` is all it needs. Constructing the pack serves it to the
 * Pulumi engine, so the policies themselves live in containerPolicies.ts, where tests call them.
 */
import { PolicyPack } from "@pulumi/policy";
import { containerPolicies } from "./containerPolicies";

new PolicyPack("tutordex-observability-guardrails", {
  description: "Container guardrails of the TutorDex observability stack (policy/guardrails.ts)",
  enforcementLevel: "mandatory",
  policies: containerPolicies(),
});

/**
 * Scaling: autoscalers that can actually scale, and that Pulumi does not fight.
 * (Filled in by the policy-pack issue.)
 */
import { Policies } from "@pulumi/policy";

export const scalingPolicies: Policies = [];

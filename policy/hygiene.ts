/**
 * Hygiene (advisory by default): probes, pinned images, no credentials in plain env, current APIs.
 * (Filled in by the policy-pack issue.)
 */
import { Policies } from "@pulumi/policy";

export const hygienePolicies: Policies = [];

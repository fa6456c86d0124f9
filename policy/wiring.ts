/**
 * Cross-resource wiring: Services, StatefulSets and Ingresses that point at something real.
 * (Filled in by the policy-pack issue.)
 */
import { Policies } from "@pulumi/policy";

export const wiringPolicies: Policies = [];

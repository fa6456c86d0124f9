/**
 * The policies of the kubelab pack, in one list. Each policy lives in the module of its family.
 */
import { PolicyPackArgs } from "@pulumi/policy";
import { hygienePolicies } from "./hygiene";
import { networkPolicies } from "./network";
import { placementPolicies } from "./placement";
import { requestPolicies } from "./requests";
import { scalingPolicies } from "./scaling";
import { securityPolicies } from "./security";
import { storagePolicies } from "./storage";
import { wiringPolicies } from "./wiring";

/** Name of the pack, as `pulumi preview --policy-pack` reports it. */
export const PACK_NAME = "kubelab";

export const packArgs: PolicyPackArgs = {
    description: "Resource requests, volume expansion, the cross-resource rules that make scaling and persistence work, pod security (the Pod Security Standards and the namespace rules that enforce them), and data stores reachable only from their clients.",
    enforcementLevel: "mandatory",
    policies: [
        ...requestPolicies,
        ...scalingPolicies,
        ...storagePolicies,
        ...wiringPolicies,
        ...placementPolicies,
        ...hygienePolicies,
        ...securityPolicies,
        ...networkPolicies,
    ],
};

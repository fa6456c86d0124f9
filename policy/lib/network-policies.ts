/**
 * NetworkPolicy as the policies read it (networking.k8s.io/v1), and the rules of its semantics
 * more than one policy family needs.
 */
import { LabelSelector } from "./selectors";
import { stringsIn } from "./k8s";

/** A NetworkPolicyPort: protocol (TCP when unset), a port number or a container port's name, an optional endPort. */
export interface NetworkPolicyPort {
    protocol?: string;
    port?: number | string;
    endPort?: number;
}

/** A NetworkPolicyPeer: pods, namespaces, or addresses. */
export interface NetworkPolicyPeer {
    podSelector?: LabelSelector;
    namespaceSelector?: LabelSelector;
    ipBlock?: { cidr?: string; except?: string[] };
}

export interface NetworkPolicyIngressRule {
    from?: NetworkPolicyPeer[];
    ports?: NetworkPolicyPort[];
}

export interface NetworkPolicySpec {
    podSelector?: LabelSelector;
    policyTypes?: string[];
    ingress?: NetworkPolicyIngressRule[];
    egress?: unknown[];
}

/**
 * Whether a policy covers ingress: policyTypes when it lists any, else always (NetworkPolicySpec.policyTypes:
 * "all policies (whether or not they contain an ingress section) are assumed to affect ingress";
 * the API server defaults an empty list as it defaults a missing one, SetDefaults_NetworkPolicy).
 */
export function coversIngress(spec: NetworkPolicySpec): boolean {
    const types = stringsIn(spec.policyTypes);
    return spec.policyTypes === undefined || spec.policyTypes === null || types.length === 0 || types.includes("Ingress");
}

/** Whether a label selector has no requirements (selects everything where `{}` means all). */
export function isEmptySelector(selector: LabelSelector): boolean {
    return Object.keys(selector.matchLabels ?? {}).length === 0 && (selector.matchExpressions ?? []).length === 0;
}

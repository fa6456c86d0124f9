/**
 * A lab namespace's ingress NetworkPolicies, one model for every lab: a default-deny policy
 * (`default-deny-ingress`: every pod, no ingress rule), then one policy per path the lab needs,
 * each opening one TCP port of some of this instance's pods to named sources.
 *
 * Pods are matched by this instance's labels (`app` and `app.kubernetes.io/part-of`); a
 * podSelector without a namespaceSelector matches only pods of the policy's own namespace, so two
 * instances of a lab never reach each other's stores. Probes come from the kubelet and are not
 * affected. Egress is not restricted, so DNS needs no rule.
 */
import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";

type NetworkPolicyPeer = k8s.types.input.networking.v1.NetworkPolicyPeer;
type LabelSelector = k8s.types.input.meta.v1.LabelSelector;

/** Where connections on a path come from. */
export type IngressSource =
    /** Every pod of a namespace, e.g. the ingress controller's `ingress-nginx`. */
    | { namespace: string }
    /** This instance's pods with one of these `app` labels. */
    | { apps: string[] };

/** One opening: `from` → the `to` pods' `port`. */
export interface IngressPath {
    /** Kubernetes name of the policy, e.g. `frontend-from-ingress-controller`. */
    name: string;
    /** Middle of its Pulumi name, `<instance>-<part>-policy`. */
    part: string;
    /** `app` labels of the pods it opens. */
    to: string[];
    /** Who may connect. */
    from: IngressSource[];
    /** The TCP port it opens. */
    port: number;
}

/** Name of the default-deny policy in every lab namespace. */
export const DEFAULT_DENY_INGRESS = "default-deny-ingress";

/** This instance's pods with one of `apps` as their `app` label. */
export function instancePods(instance: string, apps: string[]): LabelSelector {
    if (apps.length === 0) {
        throw new Error(`instancePods ${instance}: name at least one app (an empty list would select every pod of the instance)`);
    }
    return apps.length === 1
        ? { matchLabels: { app: apps[0], "app.kubernetes.io/part-of": instance } }
        : { matchLabels: { "app.kubernetes.io/part-of": instance }, matchExpressions: [{ key: "app", operator: "In", values: apps }] };
}

function peer(instance: string, source: IngressSource): NetworkPolicyPeer {
    return "namespace" in source
        ? { namespaceSelector: { matchLabels: { "kubernetes.io/metadata.name": source.namespace } } }
        : { podSelector: instancePods(instance, source.apps) };
}

/**
 * The default-deny ingress policy and one policy per path, children of `parent`, named
 * `<instance>-default-deny-policy` and `<instance>-<part>-policy`.
 */
export function lockDownIngress(
    parent: pulumi.Resource, instance: string, namespace: pulumi.Input<string>, paths: IngressPath[],
): k8s.networking.v1.NetworkPolicy[] {
    const names = new Set<string>();
    for (const path of paths) {
        if (names.has(path.name) || path.name === DEFAULT_DENY_INGRESS) {
            throw new Error(`lockDownIngress ${instance}: two policies named ${path.name}`);
        }
        names.add(path.name);
        if (path.from.length === 0) {
            throw new Error(`lockDownIngress ${instance}: policy ${path.name} names no source (it would open nothing; leave it out)`);
        }
    }
    const labels = { "app.kubernetes.io/part-of": instance, "app.kubernetes.io/managed-by": "kubelab" };
    const policy = (part: string, name: string, spec: k8s.types.input.networking.v1.NetworkPolicySpec) =>
        new k8s.networking.v1.NetworkPolicy(`${instance}-${part}-policy`, { metadata: { name, namespace, labels }, spec }, { parent });
    return [
        policy("default-deny", DEFAULT_DENY_INGRESS, { podSelector: {}, policyTypes: ["Ingress"] }),
        ...paths.map(path => policy(path.part, path.name, {
            podSelector: instancePods(instance, path.to),
            policyTypes: ["Ingress"],
            ingress: [{ from: path.from.map(s => peer(instance, s)), ports: [{ protocol: "TCP", port: path.port }] }],
        })),
    ];
}

/**
 * The stack's Kubernetes objects indexed once for cross-resource policies: workloads by namespace,
 * every other object by kind and by `kind/namespace/name`. What the objects mean to each other
 * lives elsewhere, one module per concept: label selectors (selectors.ts), autoscalers and pod
 * counts (scale.ts), requests and limits as the API server fills them in (resources.ts).
 * Building the index reads props, so a value unknown during a preview throws here, as it should.
 */
import { PolicyResource } from "@pulumi/policy";
import { KubeObject, PodSpec, WorkloadKind, isWorkloadKind, kindOf, podLabelsOf, podSpecOf } from "./k8s";

export interface Workload {
    resource: PolicyResource;
    kind: WorkloadKind;
    obj: KubeObject;
    namespace: string;
    name: string;
    podLabels: Record<string, string>;
    pod: PodSpec | undefined;
}

export interface Indexed {
    resource: PolicyResource;
    kind: string;
    obj: KubeObject;
    namespace: string;
    name: string;
}

export interface StackIndex {
    workloads: Workload[];
    /** Every other Kubernetes object by kind. */
    byKind: Map<string, Indexed[]>;
    /** `<namespace>/<name>` of a kind → the object. */
    find(kind: string, namespace: string, name: string): Indexed | undefined;
    /** Workloads of a namespace. */
    workloadsIn(namespace: string): Workload[];
    /** Objects of a kind. */
    all(kind: string): Indexed[];
}

/** The cluster's own namespaces, which rules about a team's namespaces leave alone by default. */
export const SYSTEM_NAMESPACES = ["kube-system", "kube-public", "kube-node-lease"];

/** The namespace of an object, `default` when unset (cluster-scoped kinds ignore it). */
export function namespaceOf(obj: KubeObject): string {
    return obj.metadata?.namespace ?? "default";
}

/** Indexes the stack's Kubernetes objects once. */
export function indexStack(resources: PolicyResource[]): StackIndex {
    const workloads: Workload[] = [];
    const byKind = new Map<string, Indexed[]>();
    const byKey = new Map<string, Indexed>();
    const workloadsByNs = new Map<string, Workload[]>();
    for (const r of resources) {
        const kind = kindOf(r.type);
        if (!kind) {
            continue;
        }
        const obj = r.props as KubeObject;
        const entry: Indexed = { resource: r, kind, obj, namespace: namespaceOf(obj), name: obj.metadata?.name ?? r.name };
        const ofKind = byKind.get(kind);
        if (ofKind) { ofKind.push(entry); } else { byKind.set(kind, [entry]); }
        byKey.set(`${kind}/${entry.namespace}/${entry.name}`, entry);
        if (isWorkloadKind(kind)) {
            const w: Workload = { ...entry, kind, podLabels: podLabelsOf(kind, obj), pod: podSpecOf(kind, obj) };
            workloads.push(w);
            const inNs = workloadsByNs.get(w.namespace);
            if (inNs) { inNs.push(w); } else { workloadsByNs.set(w.namespace, [w]); }
        }
    }
    return {
        workloads,
        byKind,
        find: (kind, namespace, name) => byKey.get(`${kind}/${namespace}/${name}`),
        workloadsIn: ns => workloadsByNs.get(ns) ?? [],
        all: kind => byKind.get(kind) ?? [],
    };
}

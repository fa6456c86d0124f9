/**
 * The stack's Kubernetes objects indexed for cross-resource policies: workloads, Services,
 * autoscalers, disruption budgets, claims, classes, quotas and Ingresses, by namespace.
 * Building the index reads props, so a value unknown during a preview throws here, as it should.
 */
import { PolicyResource } from "@pulumi/policy";
import { KubeObject, PodSpec, WorkloadKind, isWorkloadKind, kindOf, podLabelsOf, podSpecOf } from "./k8s";

/** A label selector as Deployments, PDBs and the like carry it. */
export interface LabelSelector {
    matchLabels?: Record<string, string>;
    matchExpressions?: { key: string; operator: string; values?: string[] }[];
}

/** True when `selector` selects `labels` (an empty selector selects everything, as in Kubernetes). */
export function selectorMatches(selector: LabelSelector | undefined, labels: Record<string, string>): boolean {
    if (!selector) {
        return false;
    }
    for (const [k, v] of Object.entries(selector.matchLabels ?? {})) {
        if (labels[k] !== v) {
            return false;
        }
    }
    for (const e of selector.matchExpressions ?? []) {
        const has = Object.prototype.hasOwnProperty.call(labels, e.key);
        const values = e.values ?? [];
        switch (e.operator) {
            case "In": if (!has || !values.includes(labels[e.key])) { return false; } break;
            case "NotIn": if (has && values.includes(labels[e.key])) { return false; } break;
            case "Exists": if (!has) { return false; } break;
            case "DoesNotExist": if (has) { return false; } break;
            default: return false;
        }
    }
    return true;
}

/** True when a Service's selector (a plain map) selects `labels`; an empty one selects nothing. */
export function serviceSelects(selector: Record<string, string> | undefined, labels: Record<string, string>): boolean {
    const entries = Object.entries(selector ?? {});
    return entries.length > 0 && entries.every(([k, v]) => labels[k] === v);
}

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

/** An autoscaler's target and bounds, across autoscaling/v1, v2beta1, v2beta2 and v2. */
export interface Autoscaler {
    entry: Indexed;
    targetKind: string;
    targetName: string;
    minReplicas: number;
    maxReplicas: number;
    /** Resources it scales on by utilisation or average value: `cpu`, `memory`. */
    resources: { name: string; container?: string }[];
}

interface HpaSpec {
    scaleTargetRef?: { kind?: string; name?: string };
    minReplicas?: number;
    maxReplicas?: number;
    targetCPUUtilizationPercentage?: number;
    metrics?: { type?: string; resource?: { name?: string }; containerResource?: { name?: string; container?: string } }[];
}

export function autoscalersOf(index: StackIndex): Autoscaler[] {
    return index.all("HorizontalPodAutoscaler").map(entry => {
        const spec = (entry.obj.spec ?? {}) as HpaSpec;
        const resources: { name: string; container?: string }[] = [];
        for (const m of spec.metrics ?? []) {
            if (m.type === "Resource" && m.resource?.name) {
                resources.push({ name: m.resource.name });
            } else if (m.type === "ContainerResource" && m.containerResource?.name) {
                resources.push({ name: m.containerResource.name, container: m.containerResource.container });
            }
        }
        if (spec.targetCPUUtilizationPercentage !== undefined || (!spec.metrics && entry.resource.type.includes("/v1:"))) {
            resources.push({ name: "cpu" }); // autoscaling/v1 scales on CPU (80 % when unset)
        }
        return {
            entry,
            targetKind: spec.scaleTargetRef?.kind ?? "",
            targetName: spec.scaleTargetRef?.name ?? "",
            minReplicas: spec.minReplicas ?? 1,
            maxReplicas: spec.maxReplicas ?? 0,
            resources,
        };
    });
}

/** The autoscaler targeting a workload, if any. */
export function autoscalerFor(autoscalers: Autoscaler[], w: { kind: string; namespace: string; name: string }): Autoscaler | undefined {
    return autoscalers.find(a => a.entry.namespace === w.namespace && a.targetKind === w.kind && a.targetName === w.name);
}

/** Pods a workload runs when not autoscaled: spec.replicas (default 1); Pods, DaemonSets (per node), Jobs and CronJobs count 1 (Jobs: parallelism). */
export function fixedReplicas(w: Workload): number {
    const spec = (w.obj.spec ?? {}) as { replicas?: number; parallelism?: number };
    switch (w.kind) {
        case "Deployment":
        case "StatefulSet":
        case "ReplicaSet":
            return spec.replicas ?? 1;
        case "Job":
            return spec.parallelism ?? 1;
        default:
            return 1;
    }
}

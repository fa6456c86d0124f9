/**
 * The stack's Kubernetes objects indexed once for cross-resource policies: workloads by namespace,
 * every other object by kind and by `kind/namespace/name`. What the objects mean to each other
 * lives elsewhere, one module per concept: label selectors (selectors.ts), autoscalers and pod
 * counts (scale.ts), requests and limits as the API server fills them in (resources.ts).
 * Building the index reads only type tokens; an object's props are read when a policy first asks
 * for them. Each of the pack's dozen stack policies builds its own index over every resource,
 * so on a large stack reading only the kinds a policy needs is most of their cost saved, and a
 * value unknown during a preview throws in the policies that read it (as it should) instead of
 * in all of them.
 */
import { PolicyResource } from "@pulumi/policy";
import { BUILT_IN_GROUPS, KubeObject, POD_ONLY_KINDS, PodSpec, WorkloadKind, apiGroupOf, isCustomResource, parseType, podKindOf, podLabelsOf, podSpecOf } from "./k8s";

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
    /** The workloads the stack-wide rules judge: every kind that runs pods but the pod-only ones (k8s.ts POD_ONLY_KINDS). */
    workloads: Workload[];
    /**
     * Every object that runs pods the stack defines, the pod-only kinds (Knative Services)
     * included: what rules about each pod's own containers read (requests and limits against the
     * namespace's LimitRange defaults). A pod-only object is here only; in {@link byKind} and
     * {@link customResourcesIn} it is a plain custom resource.
     */
    podWorkloads: Workload[];
    /**
     * Every object by kind: Kubernetes' own kinds by their name (`Service`), custom resources by
     * `<group>/<kind>` (`serving.knative.dev/Service`), so that a custom resource that shares a
     * built-in kind's name is never taken for it. Workloads are here too.
     */
    byKind: Map<string, Indexed[]>;
    /** `<namespace>/<name>` of a kind → the object. */
    find(kind: string, namespace: string, name: string): Indexed | undefined;
    /** Workloads of a namespace. */
    workloadsIn(namespace: string): Workload[];
    /** Objects of a kind (`<group>/<kind>` for a custom resource). */
    all(kind: string): Indexed[];
    /** The custom resources of a namespace (objects of API groups Kubernetes doesn't serve itself). */
    customResourcesIn(namespace: string): Indexed[];
}

/** The cluster's own namespaces, which rules about a team's namespaces leave alone by default. */
export const SYSTEM_NAMESPACES = ["kube-system", "kube-public", "kube-node-lease"];

/** The namespace of an object, `default` when unset (cluster-scoped kinds ignore it). */
export function namespaceOf(obj: KubeObject): string {
    return obj.metadata?.namespace ?? "default";
}

/**
 * An object of the index. Its props are read when a policy first asks for them, not when the
 * index is built: most policies look at a few kinds, and every read goes through the engine's
 * unknown-checking proxy. An unknown name or namespace so throws in the policies that read it.
 */
class Entry implements Indexed {
    private cachedNamespace?: string;
    private cachedName?: string;
    constructor(readonly resource: PolicyResource, readonly kind: string) {}
    get obj(): KubeObject {
        return this.resource.props as KubeObject;
    }
    get namespace(): string {
        return this.cachedNamespace ??= namespaceOf(this.obj);
    }
    get name(): string {
        return this.cachedName ??= this.obj.metadata?.name ?? this.resource.name;
    }
}

/** Whether an indexed object is one of the stack's workloads (a Rollout is both a custom resource and a workload). */
export function isWorkload(e: Indexed): e is Workload {
    return e instanceof WorkloadEntry;
}

/** Finds a workload of the stack by kind, namespace and name. */
type WorkloadLookup = (kind: string, namespace: string, name: string) => Workload | undefined;

class WorkloadEntry extends Entry implements Workload {
    private cachedPodLabels?: Record<string, string>;
    private cachedPod?: { spec: PodSpec | undefined };
    private cachedSource?: { w: Workload | undefined };
    constructor(resource: PolicyResource, override readonly kind: WorkloadKind, private readonly lookup: WorkloadLookup) {
        super(resource, kind);
    }
    /**
     * A Rollout with `workloadRef` instead of a template runs the referenced Deployment's (or
     * ReplicaSet's) pod template, labels included: the documented way to migrate a Deployment.
     */
    private get source(): Workload | undefined {
        if (this.kind !== "Rollout") {
            return undefined;
        }
        return (this.cachedSource ??= { w: rolloutReference(this.obj, this.namespace, this.lookup) }).w;
    }
    get podLabels(): Record<string, string> {
        return this.cachedPodLabels ??= this.source?.podLabels ?? podLabelsOf(this.kind, this.obj);
    }
    get pod(): PodSpec | undefined {
        return (this.cachedPod ??= { spec: this.source?.pod ?? podSpecOf(this.kind, this.obj) }).spec;
    }
}

/** The workload a Rollout's spec.workloadRef names, when it has no template of its own. */
function rolloutReference(obj: KubeObject, namespace: string, lookup: WorkloadLookup): Workload | undefined {
    const spec = obj.spec as { template?: unknown; workloadRef?: { kind?: string; name?: string } } | undefined;
    const ref = spec?.workloadRef;
    if (!ref?.name || (spec?.template !== undefined && spec.template !== null)) {
        return undefined;
    }
    const w = lookup(ref.kind ?? "Deployment", namespace, ref.name);
    return w && w.kind !== "Rollout" ? w : undefined;
}

/**
 * The key of {@link StackIndex.byKind} for objects of `kind` in `apiVersion`: the kind for
 * Kubernetes' own API groups (and when the apiVersion is not known), `<group>/<kind>` for a
 * custom resource's.
 */
export function kindKey(apiVersion: string, kind: string): string {
    const group = apiGroupOf(apiVersion);
    return apiVersion === "" || BUILT_IN_GROUPS.has(group) ? kind : `${group}/${kind}`;
}

/** `entries` grouped by namespace, in their order. */
function byNamespace<T extends Indexed>(entries: T[]): Map<string, T[]> {
    const map = new Map<string, T[]>();
    for (const e of entries) {
        const inNs = map.get(e.namespace);
        if (inNs) { inNs.push(e); } else { map.set(e.namespace, [e]); }
    }
    return map;
}

/** Indexes the stack's Kubernetes objects by kind (from their type tokens alone); the rest on demand. */
export function indexStack(resources: PolicyResource[]): StackIndex {
    const workloads: Workload[] = [];
    const podWorkloads: Workload[] = [];
    const customResources: Indexed[] = [];
    const byKind = new Map<string, Indexed[]>();
    // Workloads by namespace, built on first use (after the loop: a lookup only runs when a policy reads a Rollout's pods).
    let workloadsByNs: Map<string, Workload[]> | undefined;
    const lookup: WorkloadLookup = (kind, ns, name) => (workloadsByNs ??= byNamespace(workloads)).get(ns)?.find(w => w.kind === kind && w.name === name);
    for (const r of resources) {
        const parsed = parseType(r.type);
        if (!parsed) {
            continue;
        }
        const { kind } = parsed;
        const custom = isCustomResource(r.type);
        // Kubernetes' own workload kinds, and the custom resources that define their pods in full (Rollout, ScaledJob, Knative Service).
        const podKind = podKindOf(r.type);
        const podOnly = podKind !== undefined && POD_ONLY_KINDS.includes(podKind);
        const entry = podKind && !podOnly ? new WorkloadEntry(r, podKind, lookup) : new Entry(r, kind);
        const key = kindKey(parsed.apiVersion, kind);
        const ofKind = byKind.get(key);
        if (ofKind) { ofKind.push(entry); } else { byKind.set(key, [entry]); }
        if (entry instanceof WorkloadEntry) {
            workloads.push(entry);
            podWorkloads.push(entry);
        } else if (podKind) {
            podWorkloads.push(new WorkloadEntry(r, podKind, lookup));
        }
        if (custom) {
            customResources.push(entry);
        }
    }
    // Keyed lookups and workloads by namespace, built on first use (they read names and namespaces).
    const byKey = new Map<string, Map<string, Indexed>>();
    let customByNs: Map<string, Indexed[]> | undefined;
    return {
        workloads,
        podWorkloads,
        byKind,
        find: (kind, namespace, name) => {
            let keyed = byKey.get(kind);
            if (!keyed) {
                keyed = new Map();
                for (const e of byKind.get(kind) ?? []) {
                    keyed.set(`${e.namespace}/${e.name}`, e);
                }
                byKey.set(kind, keyed);
            }
            return keyed.get(`${namespace}/${name}`);
        },
        workloadsIn: ns => (workloadsByNs ??= byNamespace(workloads)).get(ns) ?? [],
        all: kind => byKind.get(kind) ?? [],
        customResourcesIn: ns => (customByNs ??= namespacedCustomResources(customResources, byKind)).get(ns) ?? [],
    };
}

/**
 * The custom resources by namespace, without those the CustomResourceDefinitions of the stack
 * declare cluster-scoped (spec.scope: Cluster): a Crossplane Provider or a ClusterIssuer lives in no
 * namespace (the API server ignores one it sets), so it says nothing about the `default` namespace
 * its unset namespace would otherwise put it in. A custom resource whose definition is not in the stack counts where its
 * namespace (or `default`) says.
 */
function namespacedCustomResources(customResources: Indexed[], byKind: Map<string, Indexed[]>): Map<string, Indexed[]> {
    const clusterKinds = new Set<string>();
    for (const crd of byKind.get("CustomResourceDefinition") ?? []) {
        const spec = crd.obj.spec as { group?: string; scope?: string; names?: { kind?: string } } | undefined;
        if (spec?.scope === "Cluster" && spec.group && spec.names?.kind) {
            clusterKinds.add(`${spec.group}/${spec.names.kind}`);
        }
    }
    const namespaced = clusterKinds.size === 0 ? customResources : customResources.filter(e => {
        const parsed = parseType(e.resource.type);
        return !parsed || !clusterKinds.has(`${apiGroupOf(parsed.apiVersion)}/${parsed.kind}`);
    });
    return byNamespace(namespaced);
}

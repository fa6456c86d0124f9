/**
 * What the policies need to know about Kubernetes objects as the policy engine hands them over:
 * plain JSON props (wrapped in the engine's unknown-checking proxy during a preview) under a
 * Pulumi type token such as `kubernetes:apps/v1:Deployment`.
 */

/** The parts of a container the policies read. */
export interface Container {
    name?: string;
    image?: string;
    resources?: { requests?: Record<string, unknown>; limits?: Record<string, unknown> };
    env?: { name?: string; value?: unknown; valueFrom?: unknown }[];
    readinessProbe?: unknown;
    volumeMounts?: { name?: string; mountPath?: string }[];
    ports?: { name?: string; containerPort?: number }[];
    /** `Always` on an init container makes it a sidecar (Kubernetes 1.29+): it runs beside the app containers for the pod's life. */
    restartPolicy?: string;
}

/** The parts of a pod spec the policies read. */
export interface PodSpec {
    containers?: Container[];
    initContainers?: Container[];
    volumes?: { name?: string; persistentVolumeClaim?: { claimName?: string } }[];
}

/** Metadata of any object. */
export interface ObjectMeta {
    name?: string;
    namespace?: string;
    labels?: Record<string, string>;
    annotations?: Record<string, string>;
}

/** Any Kubernetes object, loosely. */
export interface KubeObject {
    apiVersion?: string;
    kind?: string;
    metadata?: ObjectMeta;
    spec?: Record<string, unknown>;
    [key: string]: unknown;
}

/**
 * Kinds that run pods, with where their pod spec sits. Besides Kubernetes' own, custom resources
 * whose pods the stack defines in full: Argo Rollouts' Rollout, the canary and blue-green
 * replacement of a Deployment, keeps its pod template where a Deployment does; KEDA's ScaledJob,
 * which starts a Job per batch of events, keeps a Job's (spec.jobTargetRef.template); a Knative
 * Service (serving.knative.dev, kind Service, not the core Service) and a Knative Configuration
 * keep their revisions' pod template at spec.template, as do OpenKruise's (apps.kruise.io)
 * CloneSet, Advanced StatefulSet and Advanced DaemonSet. The last two share a built-in kind's name
 * (StatefulSet, DaemonSet), so they are told apart by name here ({@link RENAMED_CUSTOM_WORKLOADS}).
 */
export const WORKLOAD_KINDS = [
    "Pod", "Deployment", "StatefulSet", "DaemonSet", "ReplicaSet", "Job", "CronJob", "Rollout", "ScaledJob", "Service", "Configuration", "CloneSet",
    "AdvancedStatefulSet", "AdvancedDaemonSet",
] as const;
export type WorkloadKind = (typeof WORKLOAD_KINDS)[number];

/** The API group of each custom resource counted as a workload; a kind of that name in another group is not one. */
export const CUSTOM_WORKLOAD_GROUPS: Readonly<Partial<Record<WorkloadKind, string>>> = {
    Rollout: "argoproj.io", ScaledJob: "keda.sh", Service: "serving.knative.dev", Configuration: "serving.knative.dev", CloneSet: "apps.kruise.io",
};

/**
 * Custom workloads whose kind is a built-in workload kind's name, by API group and kind: the
 * name the pack knows them by. OpenKruise's StatefulSet and DaemonSet extend Kubernetes' own
 * (in-place updates, parallel and partitioned rollouts), keeping the same pod template.
 */
const RENAMED_CUSTOM_WORKLOADS: Readonly<Record<string, Readonly<Record<string, WorkloadKind>>>> = {
    "apps.kruise.io": { StatefulSet: "AdvancedStatefulSet", DaemonSet: "AdvancedDaemonSet" },
};

/** The names {@link RENAMED_CUSTOM_WORKLOADS} gives: no resource has them as its kind. */
const RENAMED: ReadonlySet<string> = new Set(Object.values(RENAMED_CUSTOM_WORKLOADS).flatMap(kinds => Object.values(kinds)));

/**
 * Workload kinds whose pods only the per-pod policies judge (requests, limits, Pod Security,
 * images), not the stack-wide ones (scale, disruption budgets, Service selectors, claims, network
 * paths), which would judge a layout the stack doesn't show or the pack doesn't model. Knative
 * scales a Service's revisions itself (from zero, on requests, within its autoscaling
 * annotations), routes to them through Services and a gateway it makes, and takes no claims
 * unless an operator allows them. OpenKruise's in-place updates, per-pod claims and scale
 * strategies differ from Kubernetes' own workloads in ways the stack-wide rules don't model yet. The stack
 * index keeps them apart (lib/stack.ts podWorkloads); a Service selecting their pods counts them,
 * as it does any custom resource's template.
 */
export const POD_ONLY_KINDS: readonly WorkloadKind[] = ["Service", "Configuration", "CloneSet", "AdvancedStatefulSet", "AdvancedDaemonSet"];

/** How messages name a workload kind where its kind name alone would mislead: a Knative Service is not a core Service. */
const KIND_LABELS: Readonly<Partial<Record<WorkloadKind, string>>> = {
    Service: "Knative Service", Configuration: "Knative Configuration",
    AdvancedStatefulSet: "Advanced StatefulSet", AdvancedDaemonSet: "Advanced DaemonSet",
};

/**
 * Where each workload kind keeps the template of its pods (`metadata` and `spec` side by side), as
 * keys from the object; a Pod is its own. podSpecOf, podLabelsOf and the security policies' field
 * paths all read it from here.
 */
export const POD_TEMPLATE_PATH: Readonly<Record<WorkloadKind, readonly string[]>> = {
    Pod: [], Deployment: ["spec", "template"], StatefulSet: ["spec", "template"], DaemonSet: ["spec", "template"],
    ReplicaSet: ["spec", "template"], Job: ["spec", "template"], CronJob: ["spec", "jobTemplate", "spec", "template"],
    Rollout: ["spec", "template"], ScaledJob: ["spec", "jobTargetRef", "template"], Service: ["spec", "template"],
    Configuration: ["spec", "template"], CloneSet: ["spec", "template"], AdvancedStatefulSet: ["spec", "template"], AdvancedDaemonSet: ["spec", "template"],
};

/** Kinds that run their pods to completion, in Jobs: their pods serve nothing and are not replicas. */
export const RUN_TO_COMPLETION_KINDS: readonly WorkloadKind[] = ["Job", "CronJob", "ScaledJob"];

/** Parsed type tokens: a stack has a handful of types, and every policy asks about every resource's. */
const parsedTypes = new Map<string, Readonly<{ apiVersion: string; kind: string }> | undefined>();

/** `kubernetes:apps/v1:Deployment` → { apiVersion: "apps/v1", kind: "Deployment" }; core group is `core/v1` → `v1`. */
export function parseType(type: string): Readonly<{ apiVersion: string; kind: string }> | undefined {
    if (parsedTypes.has(type)) {
        return parsedTypes.get(type);
    }
    const m = /^kubernetes:([^:]+):([A-Za-z0-9]+)$/.exec(type);
    const parsed = m ? Object.freeze({ apiVersion: m[1].startsWith("core/") ? m[1].slice("core/".length) : m[1], kind: m[2] }) : undefined;
    parsedTypes.set(type, parsed);
    return parsed;
}

/** The Pulumi type token for an apiVersion and kind: `v1`, `Service` → `kubernetes:core/v1:Service`. */
export function typeToken(apiVersion: string, kind: string): string {
    return `kubernetes:${apiVersion.includes("/") ? apiVersion : `core/${apiVersion}`}:${kind}`;
}

/** The kind of a Pulumi Kubernetes type token, or undefined for other types. */
export function kindOf(type: string): string | undefined {
    return parseType(type)?.kind;
}

/**
 * The API groups Kubernetes itself serves (`""` is the core group). An object of any other group
 * is a custom resource, whose controller (an operator, Argo Rollouts) may run pods the stack
 * never shows. A test keeps this list in step with the schemas kubernetes-models ships.
 */
export const BUILT_IN_GROUPS: ReadonlySet<string> = new Set([
    "", "admissionregistration.k8s.io", "apiextensions.k8s.io", "apiregistration.k8s.io", "apps", "authentication.k8s.io",
    "authorization.k8s.io", "autoscaling", "batch", "certificates.k8s.io", "coordination.k8s.io", "discovery.k8s.io",
    "events.k8s.io", "extensions", "flowcontrol.apiserver.k8s.io", "internal.apiserver.k8s.io", "networking.k8s.io", "node.k8s.io",
    "policy", "rbac.authorization.k8s.io", "resource.k8s.io", "scheduling.k8s.io", "storage.k8s.io", "storagemigration.k8s.io",
]);

/** Whether a value read from an object nothing has checked yet is a mapping (not null, not a list). */
export function isMapping(value: unknown): value is Record<string, unknown> {
    return typeof value === "object" && value !== null && !Array.isArray(value);
}

/**
 * The mappings of a list read from an object whose shape nothing has checked yet (a custom
 * resource, before its CRD's schema judges it), each with its place in the list (from 0): a value
 * that is no list gives none, and an entry that is no mapping is skipped, so that a malformed
 * resource can't fail a policy, while messages still number the others as they stand.
 */
function indexedObjectsIn<T extends object>(value: unknown): { entry: T; index: number }[] {
    return Array.isArray(value) ? value.flatMap((entry, index) => (isMapping(entry) ? [{ entry: entry as T, index }] : [])) : [];
}

/** A mapping read from an object whose fields nothing has typed (a custom resource's). */
export type Fields = Record<string, unknown>;

/** A value read from an object nothing has checked yet, as the mapping it should be: undefined when it is none. */
export function asFields(value: unknown): Fields | undefined {
    return isMapping(value) ? value : undefined;
}

/** The mappings of such a list with their places ({@link indexedObjectsIn}), as `[entry, index]` pairs. */
export function indexedMappings(value: unknown): [Fields, number][] {
    return indexedObjectsIn<Fields>(value).map(({ entry, index }) => [entry, index]);
}

/** The mappings of such a list ({@link indexedObjectsIn}), without their places. */
export function objectsIn<T extends object>(value: unknown): T[] {
    return indexedObjectsIn<T>(value).map(({ entry }) => entry);
}

/**
 * The names a resource refers to other parts of itself by, wherever they sit (a ClickHouse
 * installation names its templates at any level of its layout): `named(key, value)` gives the
 * names a field holds, or undefined to look inside it. Lists and mappings are followed 12 levels deep.
 */
export function namesUnder(value: unknown, named: (key: string, value: unknown) => string[] | undefined, depth = 0, names = new Set<string>()): Set<string> {
    if (depth > 12) {
        return names;
    }
    if (Array.isArray(value)) {
        value.forEach(v => namesUnder(v, named, depth + 1, names));
    } else if (isMapping(value)) {
        for (const [key, v] of Object.entries(value)) {
            const found = named(key, v);
            if (found) {
                found.forEach(n => names.add(n));
            } else {
                namesUnder(v, named, depth + 1, names);
            }
        }
    }
    return names;
}

/** A count (replicas, parallelism) read from an object nothing has checked yet: a non-negative integer, else undefined, so that a malformed value reads as unset. */
export function countIn(value: unknown): number | undefined {
    return typeof value === "number" && Number.isInteger(value) && value >= 0 ? value : undefined;
}

/** The strings of a list read from an object nothing has checked yet (capability names, policy types): none when it is no list. */
export function stringsIn(value: unknown): string[] {
    return Array.isArray(value) ? value.filter((e): e is string => typeof e === "string") : [];
}

/** The API group of an apiVersion: `apps/v1` → apps, `v1` → "" (the core group). */
export function apiGroupOf(apiVersion: string): string {
    if (typeof apiVersion !== "string") {
        return ""; // not an apiVersion at all (a malformed reference)
    }
    return apiVersion.includes("/") ? apiVersion.slice(0, apiVersion.indexOf("/")) : "";
}

/** Whether a Pulumi type token names a custom resource (`kubernetes:argoproj.io/v1alpha1:Rollout`), not a kind Kubernetes serves itself. */
export function isCustomResource(type: string): boolean {
    const apiVersion = parseType(type)?.apiVersion;
    if (apiVersion === undefined) {
        return false;
    }
    return !BUILT_IN_GROUPS.has(apiGroupOf(apiVersion));
}

/**
 * Custom resources known to run no pods, by API group: the kinds listed, or every kind of the
 * group. They are configuration other controllers read (routes, certificates, scrape targets,
 * autoscaling triggers, mesh, secret and admission rules), so a Service beside them still needs
 * pods of its own. Kinds of those groups that do run pods are left out: a Gateway API Gateway (Istio
 * and Envoy Gateway deploy a proxy for it), prometheus-operator's Prometheus and Alertmanager,
 * Istio's WorkloadEntry (a VM a Service may select).
 */
const PODLESS_CUSTOM_KINDS: Readonly<Record<string, readonly string[] | "every kind">> = {
    "gateway.networking.k8s.io": ["GatewayClass", "HTTPRoute", "GRPCRoute", "TLSRoute", "TCPRoute", "UDPRoute", "ReferenceGrant", "BackendTLSPolicy"],
    "cert-manager.io": "every kind",
    "monitoring.coreos.com": ["ServiceMonitor", "PodMonitor", "PrometheusRule", "Probe", "ScrapeConfig", "AlertmanagerConfig"],
    "keda.sh": ["ScaledObject", "TriggerAuthentication", "ClusterTriggerAuthentication"],
    "autoscaling.k8s.io": ["VerticalPodAutoscaler"],
    "networking.istio.io": ["VirtualService", "DestinationRule", "Gateway", "ServiceEntry", "Sidecar", "EnvoyFilter", "ProxyConfig"],
    "security.istio.io": "every kind",
    "telemetry.istio.io": "every kind",
    "policy.linkerd.io": "every kind",
    "external-secrets.io": ["ExternalSecret", "SecretStore", "ClusterSecretStore", "ClusterExternalSecret", "PushSecret"],
    "kyverno.io": "every kind",
};

/** Whether a Pulumi type token names a custom resource known to run no pods ({@link PODLESS_CUSTOM_KINDS}). */
export function runsNoPods(type: string): boolean {
    const parsed = parseType(type);
    const kinds = parsed ? PODLESS_CUSTOM_KINDS[apiGroupOf(parsed.apiVersion)] : undefined;
    return kinds !== undefined && parsed !== undefined && (kinds === "every kind" || kinds.includes(parsed.kind));
}

export function isWorkloadKind(kind: string | undefined): kind is WorkloadKind {
    return (WORKLOAD_KINDS as readonly string[]).includes(kind ?? "");
}

/**
 * The workload kind of a resource's type token, or undefined when it runs no pods the stack
 * defines: Kubernetes' own workload kinds in its own API groups, and the custom workloads in
 * {@link CUSTOM_WORKLOAD_GROUPS}' groups only (a `Rollout` or `Job` of another group is some other
 * controller's resource, with its own layout), under the names {@link RENAMED_CUSTOM_WORKLOADS}
 * gives where a custom kind is named like a built-in one. The per-pod policies read every one of
 * them; the stack-wide ones leave out the {@link POD_ONLY_KINDS}.
 */
export function podKindOf(type: string): WorkloadKind | undefined {
    const parsed = parseType(type);
    if (!parsed) {
        return undefined;
    }
    const group = apiGroupOf(parsed.apiVersion);
    const renamed = RENAMED_CUSTOM_WORKLOADS[group]?.[parsed.kind];
    if (renamed) {
        return renamed;
    }
    if (!isWorkloadKind(parsed.kind) || RENAMED.has(parsed.kind)) {
        return undefined;
    }
    const customGroup = CUSTOM_WORKLOAD_GROUPS[parsed.kind];
    return (customGroup === undefined ? BUILT_IN_GROUPS.has(group) : group === customGroup) ? parsed.kind : undefined;
}

/** How messages name a workload: `Deployment lab/web`, `Knative Service lab/hello`. */
export function describeWorkload(kind: WorkloadKind, obj: KubeObject, fallbackName?: string): string {
    return describeObject(KIND_LABELS[kind] ?? kind, obj, fallbackName);
}

/** The pod template of a workload object ({@link POD_TEMPLATE_PATH}), or undefined while it has none. */
export function podTemplateOf(kind: WorkloadKind, obj: KubeObject): { metadata?: ObjectMeta; spec?: PodSpec } | undefined {
    let at: unknown = obj;
    for (const key of POD_TEMPLATE_PATH[kind]) {
        at = (at as Record<string, unknown> | undefined)?.[key];
    }
    return at as { metadata?: ObjectMeta; spec?: PodSpec } | undefined;
}

/** The pod spec of a workload object, wherever its kind keeps it. */
export function podSpecOf(kind: WorkloadKind, obj: KubeObject): PodSpec | undefined {
    return podTemplateOf(kind, obj)?.spec;
}

/** Pod labels of a workload (the template's labels, or the Pod's own). */
export function podLabelsOf(kind: WorkloadKind, obj: KubeObject): Record<string, string> {
    return podTemplateOf(kind, obj)?.metadata?.labels ?? {};
}

/** Every container of a pod spec, init containers first, each with its role and its place among them (from 1) for messages. */
export function containersOf(pod: PodSpec | undefined): { container: Container; role: "container" | "init container"; position: number }[] {
    // An entry that is no mapping (a malformed custom resource's) is skipped; the others keep their place.
    const listed = (list: unknown, role: "container" | "init container") =>
        indexedObjectsIn<Container>(list).map(({ entry, index }) => ({ container: entry, role, position: index + 1 }));
    return [...listed(pod?.initContainers, "init container"), ...listed(pod?.containers, "container")];
}

/** How messages name an object: `Deployment smilr/data-api` (`Deployment data-api` when cluster-scoped or namespace unset). */
export function describeObject(kind: string, obj: KubeObject, fallbackName?: string): string {
    const name = obj.metadata?.name ?? fallbackName ?? "(unnamed)";
    const ns = obj.metadata?.namespace;
    return `${kind} ${ns ? `${ns}/` : ""}${name}`;
}

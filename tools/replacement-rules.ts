/**
 * When pulumi-kubernetes replaces an object instead of updating it in place, as data.
 *
 * Source: pulumi/pulumi-kubernetes (provider v4, the line of @pulumi/kubernetes 4.x):
 * - `provider/pkg/provider/diff.go`: the `forceNew` table per group / version / kind, plus
 *   `.metadata.name` and `.metadata.namespace` for every kind; a Secret's `.type`, `.stringData`
 *   and `.data` (and a ConfigMap's `.data`, `.binaryData`) force replacement unless the provider
 *   sets `enableSecretMutable` (`enableConfigMapMutable`) and the object is not `immutable`;
 * - `provider/pkg/provider/provider.go` `Diff`: the old inputs are compared with the new ones field
 *   by field; a change whose patch reaches one of those paths replaces; `ignoreChanges` paths are
 *   dropped first; an unset namespace is the provider's namespace (`default` unless set); a replaced object is
 *   deleted before it is replaced when its name was given explicitly and stays the same (same
 *   namespace), otherwise the replacement is created first (an auto-named object gets a new name,
 *   `metadata/naming.go`);
 * - `provider/pkg/metadata/overrides.go` `DeletionPropagation` and `pkg/await` `Deletion`: a
 *   deleted object is deleted with the propagation policy of the `pulumi.com/deletionPropagationPolicy`
 *   annotation of its OLD inputs (`orphan`, `background`; `foreground` by default).
 */

/** Paths in the provider's syntax: `.spec.containers[*].image`. */
type Paths = readonly string[];

const labelSelector = (prefix: string): string[] => [
    `${prefix}.matchExpressions`,
    `${prefix}.matchExpressions.key`,
    `${prefix}.matchExpressions.operator`,
    `${prefix}.matchExpressions.values`,
    `${prefix}.matchLabels`,
];

const CONTAINER_FIELDS = [
    "args", "command", "env", "env.value", "image", "imagePullPolicy", "lifecycle", "livenessProbe", "ports",
    "readinessProbe", "resources", "securityContext", "stdin", "stdinOnce", "terminationMessagePath",
    "terminationMessagePolicy", "tty", "volumeDevices", "volumeMounts", "workingDir",
];
const containers = (...prefixes: string[]): string[] => prefixes.flatMap(p => CONTAINER_FIELDS.map(f => `${p}.${f}`));

const STATEFUL_SET: Paths = [
    ".spec.podManagementPolicy", ".spec.revisionHistoryLimit", ".spec.selector", ".spec.serviceName", ".spec.volumeClaimTemplates",
    ...labelSelector(".spec.selector"),
];
const SELECTOR_ONLY: Paths = [".spec.selector", ...labelSelector(".spec.selector")];
const JOB: Paths = [".spec.completions", ".spec.parallelism", ".spec.selector", ".spec.template", ...labelSelector(".spec.selector")];
const ROLE_BINDING: Paths = [".roleRef"];

const CORE_V1: Record<string, Paths> = {
    PersistentVolume: [
        "awsElasticBlockStore", "azureDisk", "azureFile", "cephfs", "cinder", "csi", "fc", "flexVolume", "flocker",
        "gcePersistentDisk", "glusterfs", "hostPath", "iscsi", "local", "nfs", "photonPersistentDisk", "portworxVolume",
        "quobyte", "rbd", "scaleIO", "storageos", "vsphereVolume",
    ].map(f => `.spec.${f}`),
    // Not `.spec.resources`: a claim's storage request may grow in place (volume expansion).
    PersistentVolumeClaim: [".spec.accessModes", ".spec.selector", ".spec.storageClassName", ".spec.volumeName", ...labelSelector(".spec.selector")],
    Pod: [
        ...["affinity", "automountServiceAccountToken", "dnsConfig", "dnsPolicy", "enableServiceLinks", "hostAliases", "hostIPC",
            "hostNetwork", "hostPID", "hostname", "imagePullSecrets", "nodeName", "nodeSelector", "overhead", "preemptionPolicy",
            "priority", "priorityClassName", "readinessGates", "restartPolicy", "runtimeClassName", "schedulerName",
            "securityContext", "serviceAccount", "serviceAccountName", "shareProcessNamespace", "subdomain",
            "terminationGracePeriodSeconds", "volumes"].map(f => `.spec.${f}`),
        ...containers(".spec.containers[*]", ".spec.initContainers[*]"),
    ],
    ResourceQuota: [".spec.scopes"],
    Secret: [".type"],
    // Only the cluster IP: a Service's type may change in place.
    Service: [".spec.clusterIP"],
};

/** The provider's table: group ("" for core) → version → kind → paths. */
export const FORCE_NEW: Readonly<Record<string, Readonly<Record<string, Readonly<Record<string, Paths>>>>>> = {
    "apps": {
        // .spec.selector replaces a Deployment or DaemonSet only after v1beta1.
        v1beta1: { StatefulSet: STATEFUL_SET },
        v1beta2: { DaemonSet: SELECTOR_ONLY, Deployment: SELECTOR_ONLY, StatefulSet: STATEFUL_SET },
        v1: { DaemonSet: SELECTOR_ONLY, Deployment: SELECTOR_ONLY, StatefulSet: STATEFUL_SET },
    },
    "": { v1: CORE_V1 },
    "core": { v1: CORE_V1 },
    "policy": { v1beta1: { PodDisruptionBudget: [".spec"] } },
    "rbac.authorization.k8s.io": {
        v1alpha1: { ClusterRoleBinding: ROLE_BINDING, RoleBinding: ROLE_BINDING },
        v1beta1: { ClusterRoleBinding: ROLE_BINDING, RoleBinding: ROLE_BINDING },
        v1: { ClusterRoleBinding: ROLE_BINDING, RoleBinding: ROLE_BINDING },
    },
    "storage.k8s.io": { v1: { StorageClass: [".parameters", ".provisioner"] } },
    "batch": { v1beta1: { Job: JOB }, v1: { Job: JOB }, v2alpha1: { Job: JOB } },
};

/** Every kind: changing the object's identity replaces it. */
export const METADATA_FORCE_NEW: Paths = [".metadata.name", ".metadata.namespace"];

/** The provider settings that change the rules (`new k8s.Provider(…, {enableSecretMutable: true})`). */
export interface ProviderFlags {
    enableSecretMutable?: boolean;
    enableConfigMapMutable?: boolean;
}

/** `apps/v1` → {group: "apps", version: "v1"}; `v1` → {group: "", version: "v1"}. */
export function splitApiVersion(apiVersion: string): { group: string; version: string } {
    const i = apiVersion.lastIndexOf("/");
    return i === -1 ? { group: "", version: apiVersion } : { group: apiVersion.slice(0, i), version: apiVersion.slice(i + 1) };
}

/**
 * The paths whose change replaces an object of this apiVersion and kind, as `forceNewProperties`
 * computes them. `immutable` is the object's (new) `immutable` field.
 */
export function forceNewPaths(apiVersion: string, kind: string, flags: ProviderFlags = {}, immutable = false): string[] {
    const props = [...METADATA_FORCE_NEW];
    const { group, version } = splitApiVersion(apiVersion);
    const kinds = FORCE_NEW[group]?.[version];
    if (!kinds) {
        return props;
    }
    const core = group === "" || group === "core";
    if (core && kind === "Secret" && (!flags.enableSecretMutable || immutable)) {
        props.push(".type", ".stringData", ".data");
    } else if (kinds[kind]) {
        props.push(...kinds[kind]);
    } else if (core && kind === "ConfigMap" && (!flags.enableConfigMapMutable || immutable)) {
        props.push(".binaryData", ".data");
    }
    return props;
}

/** `.spec.containers[*].image` → ["spec", "containers", "*", "image"]. */
export function patternSegments(pattern: string): string[] {
    return pattern.replace(/\[\*\]/g, ".*").split(".").filter(s => s !== "");
}

/** Path segments of a change: object keys and array indexes. */
export type PathSegment = string | number;

/**
 * Does a change at `path` to `value` reach `pattern`? As the provider decides it: the pattern is
 * looked up in an object holding only the changed value at its path, so a change below a
 * force-new field replaces (`.spec.volumeClaimTemplates` covers `…volumeClaimTemplates[0].spec…`),
 * and so does a new value above it that contains the field.
 */
export function reaches(pattern: string, path: readonly PathSegment[], value: unknown): boolean {
    const segs = patternSegments(pattern);
    const n = Math.min(segs.length, path.length);
    for (let i = 0; i < n; i++) {
        const s = segs[i];
        const p = path[i];
        if (s === "*" ? typeof p !== "number" : s !== String(p) || typeof p === "number") {
            return false;
        }
    }
    if (segs.length <= path.length) {
        return true;
    }
    return contains(value, segs.slice(path.length));
}

function contains(value: unknown, segs: string[]): boolean {
    if (segs.length === 0) {
        return value !== undefined;
    }
    const [s, ...rest] = segs;
    if (s === "*") {
        return Array.isArray(value) && value.some(v => contains(v, rest));
    }
    if (value && typeof value === "object" && !Array.isArray(value)) {
        return Object.prototype.hasOwnProperty.call(value, s) && contains((value as Record<string, unknown>)[s], rest);
    }
    return false;
}

/** Cluster-scoped kinds: their namespace is ignored; every other kind's unset namespace is `default`. */
export const CLUSTER_SCOPED_KINDS: ReadonlySet<string> = new Set([
    "Namespace", "Node", "PersistentVolume", "StorageClass", "CSIDriver", "CSINode", "VolumeAttachment", "ClusterRole",
    "ClusterRoleBinding", "IngressClass", "PriorityClass", "RuntimeClass", "CustomResourceDefinition",
    "MutatingWebhookConfiguration", "ValidatingWebhookConfiguration", "APIService", "CertificateSigningRequest",
]);

/** The annotation whose value on the OLD inputs sets how a deleted object's dependents (a StatefulSet's pods) go. */
export const DELETION_PROPAGATION_ANNOTATION = "pulumi.com/deletionPropagationPolicy";

/** As `metadata.DeletionPropagation` reads it: case-insensitive, foreground unless orphan or background. */
export function deletionPropagation(annotations: unknown): "orphan" | "background" | "foreground" {
    const value = annotations && typeof annotations === "object" ? (annotations as Record<string, unknown>)[DELETION_PROPAGATION_ANNOTATION] : undefined;
    const v = typeof value === "string" ? value.toLowerCase() : "";
    return v === "orphan" || v === "background" ? v : "foreground";
}

/**
 * Provider resources (`pulumi:providers:kubernetes`), from the provider's `DiffConfig`: a change of
 * `renderYamlToDirectory` or of a set `clusterIdentifier` replaces the provider, and with it every
 * object it manages; a change of `kubeconfig`, `context` or `cluster` replaces it when the active
 * cluster changes, which the offline plan cannot tell (it depends on the kubeconfig file), unless a
 * `clusterIdentifier` is set and unchanged.
 */
export const PROVIDER_REPLACING_KEYS: Paths = ["renderYamlToDirectory"];
export const PROVIDER_CLUSTER_KEYS: Paths = ["kubeconfig", "context", "cluster"];

/**
 * `@pulumi/random` resources are bridged from terraform-provider-random, where every argument of
 * every resource requires replacement: any input change makes a new value.
 */
export function randomReplacesOnAnyChange(type: string): boolean {
    return type.startsWith("random:");
}

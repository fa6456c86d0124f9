/**
 * Volume expansion and data safety.
 *
 * A claim can only grow in place when its StorageClass allows it; without that, the only way to a
 * bigger volume is a new one, and the data has to be moved by hand. Data must also survive what
 * the labs do on purpose: deleting pods, re-creating and scaling down StatefulSets, rolling out
 * new versions of a Deployment that holds a ReadWriteOnce volume, and (in production) deleting
 * claims. Zonal disks must be created where their pod can run.
 */
import { Policies, PolicyResource, ResourceValidationPolicy, StackValidationPolicy } from "@pulumi/policy";
import { KubeObject, RUN_TO_COMPLETION_KINDS, countIn, describeObject, kindOf, objectsIn } from "./lib/k8s";
import { configSchema, readConfig } from "./lib/config";
import { ClaimLike, FoundClaim, claimClass, claimsOf } from "./lib/pods";
import { operatorClaimDeletionsOf, retentionPolicyDeletions } from "./lib/operator-claims";
import { compareQuantities, isQuantity } from "./lib/quantity";
import { SCALABLE_KINDS, autoscalerName, autoscalersOf, scaleOf, scaledIntOrPercent } from "./lib/scale";
import { Workload, indexStack } from "./lib/stack";

const STORAGE_CLASS = "StorageClass";

/**
 * Provisioners whose volumes have no size to grow: the driver ignores the requested capacity (a
 * pod may fill the whole file system) and implements no expansion, so the expansion rules don't
 * apply. An EFS file system is elastic; the NFS subdir provisioner hands out folders of one NFS
 * export, whose size is the NFS server's to manage (its README: capacity is not enforced, and
 * resizing is not supported in any form). Its name is `k8s-sigs.io/nfs-subdir-external-provisioner`
 * in the project's manifests; its Helm chart names it `cluster.local/<release>-nfs-subdir-external-provisioner`,
 * or `cluster.local/<release>` when the release name contains the chart's (the README's install
 * gives `cluster.local/nfs-subdir-external-provisioner`). A `*` stands for any characters.
 */
export const ELASTIC_PROVISIONERS: readonly string[] = ["efs.csi.aws.com", "k8s-sigs.io/nfs-subdir-external-provisioner", "cluster.local/*nfs-subdir-external-provisioner"];

/**
 * Provisioners that can't expand a volume at all: static local volumes, and the host-path
 * provisioners of local clusters (minikube's default class, k3s' local-path, Docker Desktop's,
 * OpenEBS' Local PV hostpath and device, whose maintainers say it can't support resizing).
 * allowVolumeExpansion on their classes only leaves a resize pending for ever.
 */
export const NON_EXPANDING_PROVISIONERS: readonly string[] = ["kubernetes.io/no-provisioner", "k8s.io/minikube-hostpath", "rancher.io/local-path", "docker.io/hostpath", "openebs.io/local"];

/** Whether `provisioner` is one of `names`, where a `*` in a name stands for any characters. */
function provisionerIn(names: readonly string[], provisioner: string): boolean {
    return names.some(name => {
        const star = name.indexOf("*");
        return star < 0 ? name === provisioner
            : provisioner.length >= name.length - 1 && provisioner.startsWith(name.slice(0, star)) && provisioner.endsWith(name.slice(star + 1));
    });
}

/** The parts of a StorageClass the expansion rules read. */
type StorageClassLike = KubeObject & { allowVolumeExpansion?: boolean; provisioner?: string };

/**
 * How claims on a StorageClass can grow, for both expansion rules: `elastic` (nothing to grow),
 * `never` (its provisioner can't expand, whatever the flag), `off` (allowVolumeExpansion not true),
 * or `expands`.
 */
function growthOf(sc: StorageClassLike): "elastic" | "never" | "off" | "expands" {
    const provisioner = sc.provisioner ?? "";
    if (provisionerIn(ELASTIC_PROVISIONERS, provisioner)) {
        return "elastic";
    }
    if (provisionerIn(NON_EXPANDING_PROVISIONERS, provisioner)) {
        return "never";
    }
    return sc.allowVolumeExpansion === true ? "expands" : "off";
}

/** Every StorageClass the stack creates allows volume expansion. */
export const storageClassExpandable: ResourceValidationPolicy = {
    name: "storage-class-expandable",
    description: `Every StorageClass the stack creates sets allowVolumeExpansion: true, so claims on it can grow in place instead of being re-created, and uses a provisioner that can expand (not ${NON_EXPANDING_PROVISIONERS.join(", ")}: for them the flag would only leave a resize pending). Elastic file systems (${ELASTIC_PROVISIONERS.join(", ")}) have no size to grow and are not checked.`,
    enforcementLevel: "mandatory",
    validateResource: (args, reportViolation) => {
        if (kindOf(args.type) !== STORAGE_CLASS) {
            return;
        }
        const sc = args.props as StorageClassLike;
        const growth = growthOf(sc);
        const what = `${describeObject(STORAGE_CLASS, sc, args.name)} (provisioner ${sc.provisioner ?? "unset"})`;
        if (growth === "never") {
            reportViolation(`${what} can't grow its volumes: ${sc.provisioner} does not expand them${sc.allowVolumeExpansion === true ? ", so allowVolumeExpansion: true only leaves a resize pending for ever" : ""}; ` +
                "for data that must grow, use a class whose provisioner expands volumes (a CSI driver such as the cluster's disk driver, or csi-hostpath on minikube).");
        } else if (growth === "off") {
            reportViolation(`${what} does not allow volume expansion; set allowVolumeExpansion: true (the provisioner must support expansion).`);
        }
    },
};

export interface ClaimStorageClassConfig {
    /** Classes the cluster already has that are known to expand (e.g. AKS managed-csi, GKE standard-rwo). */
    expandableClusterClasses: string[];
}

const claimStorageClassSchema = configSchema<ClaimStorageClassConfig>({
    expandableClusterClasses: {
        type: "array", items: { type: "string" }, default: [],
        description: "StorageClasses that exist on the cluster (not created by the stack) and are known to allow expansion.",
    },
});

/** The stack's storage as the claim policies read it, in one pass over its resources. */
interface StackStorage {
    /** The StorageClasses the stack creates, by name. */
    classes: Map<string, StorageClassLike>;
    /** The PersistentVolumes the stack creates (static provisioning); their props are read only by who asks. */
    volumes: PolicyResource[];
    /** Every claim the stack makes ({@link claimsOf}), with the URN of the resource that makes it. */
    claims: (FoundClaim & { urn: string })[];
}

function stackStorage(resources: PolicyResource[]): StackStorage {
    const storage: StackStorage = { classes: new Map(), volumes: [], claims: [] };
    for (const r of resources) {
        const kind = kindOf(r.type);
        if (kind === STORAGE_CLASS) {
            const sc = r.props as StorageClassLike;
            storage.classes.set(sc.metadata?.name ?? r.name, sc);
        } else if (kind === "PersistentVolume") {
            storage.volumes.push(r);
        } else {
            storage.claims.push(...claimsOf(r.type, r.props, r.name).map(c => ({ ...c, urn: r.urn })));
        }
    }
    return storage;
}

/**
 * Every claim (a PersistentVolumeClaim, a StatefulSet's claim template, a generic ephemeral
 * volume's template: lib/pods.ts claimsOf, the same list storage-request-bounds checks) names a
 * StorageClass that allows expansion: one the stack creates with allowVolumeExpansion, or one on
 * the configured list of cluster classes. Kubernetes expands a claim only when its class allows it
 * (the PersistentVolumeClaimResize admission check), so a claim bound to a pre-made volume
 * (`storageClassName: ""`, or `volumeName`) is held to the same rule, with a message that says so.
 */
export const claimStorageClassExpandable: StackValidationPolicy = {
    name: "claim-storage-class-expandable",
    description: "Every PersistentVolumeClaim, StatefulSet claim template, generic ephemeral volume and claim a known operator makes for the cluster it runs (CloudNativePG, Zalando postgres-operator, Strimzi, prometheus-operator, ECK, RabbitMQ, MongoDB Community) names a StorageClass that allows volume expansion (created in the stack, or listed as an expandable cluster class), so its volume can grow in place. A claim with storageClassName \"\" binds a pre-made volume without a class and can never be expanded; one with volumeName binds that pre-made volume and can grow only through a class that allows it, on a driver that supports it.",
    enforcementLevel: "mandatory",
    configSchema: claimStorageClassSchema,
    validateStack: (args, reportViolation) => {
        const { expandableClusterClasses } = readConfig(claimStorageClassSchema, args);
        const storage = stackStorage(args.resources);
        const { claims } = storage;
        /** The stack's classes: how a claim on each can grow, and its provisioner. */
        const classes = new Map([...storage.classes].map(([name, sc]) => [name, { growth: growthOf(sc), provisioner: sc.provisioner ?? "" }]));
        /** Class names the stack's PersistentVolumes carry (static provisioning), with the volumes. */
        const volumeClasses = new Map<string, string[]>();
        for (const r of storage.volumes) {
            // A volume names its class as a claim does (the beta annotation first).
            const pv = r.props as KubeObject & { spec?: { storageClassName?: string } };
            const className = claimClass(pv);
            if (className) {
                volumeClasses.set(className, [...(volumeClasses.get(className) ?? []), pv.metadata?.name ?? r.name]);
            }
        }
        const allowed = new Set(expandableClusterClasses);
        // An elastic class never counts as the one to move a claim to: its file system is another kind of storage.
        const known = [...[...classes].filter(([, c]) => c.growth === "expands").map(([name]) => name), ...allowed];
        const hint = known.length ? `one of: ${known.join(", ")}` : "a StorageClass with allowVolumeExpansion: true";
        for (const { what, claim, fields, urn } of claims) {
            const className = claimClass(claim);
            const volumeName = claim.spec?.volumeName;
            const classField = fields.storageClass;
            if (className === "") {
                reportViolation(`${what} sets ${classField}: "", so it binds a pre-made PersistentVolume without a class${volumeName ? ` ('${volumeName}')` : ""} and nothing is provisioned for it; ` +
                    "Kubernetes expands only claims whose StorageClass allows it, so this volume can never grow in place. " +
                    `To let it grow, set ${classField} to ${hint}${volumeName ? `, and give PersistentVolume '${volumeName}' that class (its driver must support expansion)` : ""}.`, urn);
            } else if (className === undefined && volumeName) {
                reportViolation(`${what} binds the pre-made PersistentVolume '${volumeName}' and names no StorageClass: the cluster's default class is filled in, and the claim binds only if the volume has that same class. ` +
                    `Whether it can grow depends on the volume's class (it must allow expansion) and its driver; set ${classField} to the volume's class, ${hint}.`, urn);
            } else if (className === undefined) {
                reportViolation(`${what} names no StorageClass, so it gets the cluster default, which may not expand; set ${classField} to ${hint}.`, urn);
            } else if (classes.has(className)) {
                const c = classes.get(className)!;
                // A claim on an elastic file system has no size to grow, so only never and off are reported.
                if (c.growth === "never" || c.growth === "off") {
                    const why = c.growth === "never" ? `whose provisioner ${c.provisioner} can't expand volumes` : "which does not allow volume expansion";
                    reportViolation(`${what} uses StorageClass '${className}', ${why}; use ${hint}.`, urn);
                }
            } else if (volumeClasses.has(className) && !allowed.has(className)) {
                reportViolation(`${what} uses class '${className}', which names no StorageClass, only the stack's PersistentVolume ${volumeClasses.get(className)!.join(", ")} (static provisioning): ` +
                    `Kubernetes expands only claims whose StorageClass allows it, so this volume can never grow in place. To let it grow, use ${hint}.`, urn);
            } else if (!allowed.has(className)) {
                reportViolation(`${what} uses StorageClass '${className}', which the stack does not create and which is not listed as expandable ` +
                    `(policy config expandableClusterClasses); use ${hint}, or list the class if it is known to expand.`, urn);
            }
        }
    },
};

export interface ReclaimConfig {
    /** The stack's `kubelab:protectData`: production data must outlive its claim. */
    protectData: boolean;
}

const reclaimSchema = configSchema<ReclaimConfig>({
    protectData: { type: "boolean", default: false, description: "The stack protects its data (production): StorageClasses must use reclaimPolicy Retain. Off (workshop clusters): nothing is required, the default Delete cleans up." },
});

/** With protectData on, released volumes are kept (Retain), not deleted with their claim. */
export const storageClassReclaimRetain: ResourceValidationPolicy = {
    name: "storage-class-reclaim-retain",
    description: "When the stack protects its data (policy config protectData, set from kubelab:protectData), every StorageClass it creates keeps released volumes (reclaimPolicy: Retain), and no PersistentVolume it creates says Delete: with Delete, deleting a claim (or a namespace, or the stack) deletes the disk.",
    enforcementLevel: "mandatory",
    configSchema: reclaimSchema,
    validateResource: (args, reportViolation) => {
        const kind = kindOf(args.type);
        if ((kind !== STORAGE_CLASS && kind !== "PersistentVolume") || !readConfig(reclaimSchema, args).protectData) {
            return;
        }
        if (kind === STORAGE_CLASS) {
            const sc = args.props as KubeObject & { reclaimPolicy?: string };
            if (sc.reclaimPolicy !== "Retain") {
                reportViolation(`${describeObject(STORAGE_CLASS, sc, args.name)} has reclaimPolicy ${sc.reclaimPolicy ?? "unset (Delete)"}, so a released volume is deleted with its claim; set reclaimPolicy: Retain for protected data.`);
            }
            return;
        }
        // A PersistentVolume made by hand defaults to Retain; only an explicit Delete (or the removed Recycle) loses data.
        const pv = args.props as KubeObject;
        const policy = (pv.spec as { persistentVolumeReclaimPolicy?: string } | undefined)?.persistentVolumeReclaimPolicy;
        if (policy !== undefined && policy !== "Retain") {
            reportViolation(`${describeObject("PersistentVolume", pv, args.name)} has persistentVolumeReclaimPolicy ${policy}, so its data goes when its claim is deleted; set persistentVolumeReclaimPolicy: Retain (or leave it unset) for protected data.`);
        }
    },
};

export interface StorageBoundsConfig {
    /** Smallest storage request. */
    minStorage: string | number;
    /** Largest storage request. */
    maxStorage: string | number;
}

const storageBoundsSchema = configSchema<StorageBoundsConfig>({
    minStorage: { type: ["string", "number"], default: "1Mi", description: "Smallest storage request per claim, a Kubernetes quantity in bytes (\"1Mi\")." },
    maxStorage: { type: ["string", "number"], default: "1Ti", description: "Largest storage request per claim, a Kubernetes quantity in bytes (\"1Ti\")." },
});

/**
 * Storage requests are present, valid quantities, and within configured bounds: for
 * PersistentVolumeClaims, StatefulSet claim templates and generic ephemeral volumes alike.
 */
export const storageRequestBounds: ResourceValidationPolicy = {
    name: "storage-request-bounds",
    description: "Every PersistentVolumeClaim, claim template, generic ephemeral volume and operator's claim (CloudNativePG, Zalando postgres-operator, Strimzi, prometheus-operator, ECK, RabbitMQ, MongoDB Community) requests storage as a valid quantity within the configured bounds: 500MB is rejected by the API server, a claim can never shrink, and a slip such as 2Ti for 2Gi costs real money.",
    enforcementLevel: "mandatory",
    configSchema: storageBoundsSchema,
    validateResource: (args, reportViolation) => {
        const claims = claimsOf(args.type, args.props, args.name);
        if (!claims.length) {
            return;
        }
        const { minStorage, maxStorage } = readConfig(storageBoundsSchema, args);
        const order = compareQuantities(minStorage, maxStorage);
        if (order === undefined || order > 0) {
            reportViolation(`policy config storage-request-bounds has minStorage ${JSON.stringify(minStorage)} and maxStorage ${JSON.stringify(maxStorage)}; ` +
                "both must be Kubernetes quantities, minStorage at most maxStorage.");
            return;
        }
        for (const { what, claim, fields } of claims) {
            const value = claim.spec?.resources?.requests?.storage;
            if (value === undefined || value === null || value === "") {
                reportViolation(`${what} requests no storage; set ${fields.size} (e.g. 1Gi).`);
            } else if (!isQuantity(value)) {
                reportViolation(`${what} requests storage ${JSON.stringify(value)}, which is not a Kubernetes quantity; write it like 500M, 256Mi or 2Gi (no "B").`);
            } else if ((compareQuantities(value, minStorage) ?? 0) < 0 || (compareQuantities(value, maxStorage) ?? 0) > 0) {
                reportViolation(`${what} requests storage ${String(value)}, outside the bounds ${String(minStorage)}..${String(maxStorage)} (policy config minStorage, maxStorage).`);
            }
        }
    },
};

/**
 * A StatefulSet's claims outlive its deletion and scale-down, and so do the claims of an
 * operator's resource where a setting of the resource decides it (operator-claims.ts: Strimzi's
 * deleteClaim, ECK's volumeClaimDeletePolicy, redis-operator's keepAfterDelete, ClickHouse's
 * reclaimPolicy, Percona's finalizers, a retention policy the operator passes to its StatefulSet).
 * Operators that delete their claims with the resource whatever it says (CloudNativePG, PGO,
 * cass-operator) are not reported: no setting of the resource would help.
 */
export const statefulSetRetainsClaims: ResourceValidationPolicy = {
    name: "statefulset-retains-claims",
    description: "StatefulSets keep their claims when deleted or scaled down (persistentVolumeClaimRetentionPolicy unset or Retain), and operators' resources don't tell the operator to delete theirs: with Delete, a scale-down or a re-created resource loses the data.",
    enforcementLevel: "mandatory",
    validateResource: (args, reportViolation) => {
        const obj = args.props as KubeObject;
        const found = kindOf(args.type) === "StatefulSet"
            ? retentionPolicyDeletions(obj.spec?.persistentVolumeClaimRetentionPolicy, "persistentVolumeClaimRetentionPolicy").map(deletion => ({ what: describeObject("StatefulSet", obj, args.name), deletion }))
            : operatorClaimDeletionsOf(args.type, args.props, args.name);
        for (const { what, deletion: d } of found) {
            reportViolation(`${what} ${d.setting}, which deletes ${d.what} ${d.when}; ${d.fix}.`);
        }
    },
};

/**
 * The access mode that makes a claim single-writer, if it is one: ReadWriteOncePod (always alone),
 * or ReadWriteOnce without ReadWriteMany (a claim asking for both gets a volume that does RWX).
 */
function singleWriterMode(accessModes: string[]): string | undefined {
    if (accessModes.includes("ReadWriteOncePod")) {
        return "ReadWriteOncePod";
    }
    return accessModes.includes("ReadWriteOnce") && !accessModes.includes("ReadWriteMany") ? "ReadWriteOnce" : undefined;
}

/**
 * A ReadWriteOnce claim is mounted where one node's pods can reach it: a second pod on another
 * node (a replica, the new pod of a rolling update, a DaemonSet's pod, another workload's) hangs
 * in ContainerCreating with a Multi-Attach error. So a workload that mounts one runs one pod (no
 * autoscaler past one); a Deployment replaces it without overlap (strategy Recreate, or a rolling
 * update with maxSurge 0, which stops the old pod first); and no other long-running workload
 * mounts the same claim. Only claims the stack creates are known; claim templates (one claim per
 * pod) are StatefulSets' and fine.
 */
export const rwoClaimSingleWriter: StackValidationPolicy = {
    name: "rwo-claim-single-writer",
    description: "A workload that mounts a ReadWriteOnce (or ReadWriteOncePod) claim runs one pod: one replica, no HPA past one, not a DaemonSet, a Deployment with strategy Recreate or a rolling update with maxSurge 0, a Job or CronJob with parallelism 1, a KEDA ScaledJob with one Job of one pod at a time; and no two long-running workloads share the claim. A second pod (a replica, the new pod of a rolling update, another workload's) can't mount the volume on another node and hangs in ContainerCreating (knote's MinIO lesson). A StatefulSet gives each pod its own claim with volumeClaimTemplates.",
    enforcementLevel: "mandatory",
    validateStack: (args, reportViolation) => {
        const index = indexStack(args.resources);
        const autoscalers = autoscalersOf(index);
        /** `<namespace>/<claim>` → the long-running workloads mounting it, in stack order. */
        const mountedBy = new Map<string, Workload[]>();
        for (const w of index.workloads) {
            const mounted: string[] = [];
            /** Whether a ReadWriteOncePod claim is among them: then no second pod mounts it, not even on the same node. */
            let onePod = false;
            for (const v of objectsIn<{ persistentVolumeClaim?: { claimName?: string } }>(w.pod?.volumes)) {
                const claimName = v.persistentVolumeClaim?.claimName;
                const claim = claimName ? index.find("PersistentVolumeClaim", w.namespace, claimName) : undefined;
                const mode = singleWriterMode((claim?.obj.spec as { accessModes?: string[] } | undefined)?.accessModes ?? []);
                const described = `${mode} claim '${claimName}'`;
                if (mode && !mounted.includes(described)) {
                    mounted.push(described);
                    onePod ||= mode === "ReadWriteOncePod";
                    // A workload at 0 pods (the Deployment a Rollout's workloadRef took over) holds nothing.
                    // Long-running pods keep a shared claim mounted (Jobs finish and let go).
                    if (!RUN_TO_COMPLETION_KINDS.includes(w.kind) && scaleOf(w, autoscalers).max > 0) {
                        const key = `${w.namespace}/${claimName}`;
                        const others = mountedBy.get(key) ?? [];
                        if (others.length) {
                            reportViolation(`${describeObject(w.kind, w.obj, w.name)} mounts ${described}, which ${others.map(o => describeObject(o.kind, o.obj, o.name)).join(" and ")} also mounts: ` +
                                "only pods on one node can mount it, so whichever pod lands elsewhere hangs; give each workload its own claim, or use ReadWriteMany storage.", w.resource.urn);
                        }
                        mountedBy.set(key, [...others, w]);
                    }
                }
            }
            if (!mounted.length) {
                continue;
            }
            const what = `${describeObject(w.kind, w.obj, w.name)} mounts ${mounted.join(" and ")}`;
            if (w.kind === "DaemonSet") {
                reportViolation(`${what}: a DaemonSet runs a pod on every node, and only one node can mount it; use ReadWriteMany storage, or a node-local volume.`, w.resource.urn);
                continue;
            }
            if (RUN_TO_COMPLETION_KINDS.includes(w.kind)) {
                // One pod at a time may borrow the claim (a backup that finishes); several at once land on several nodes.
                const atOnce = scaleOf(w, autoscalers).max;
                if (atOnce > 1) {
                    const [why, fix] = w.kind === "ScaledJob"
                        ? ["maxReplicaCount Jobs of parallelism pods each", "set maxReplicaCount: 1 and jobTargetRef.parallelism: 1"]
                        : ["parallelism", "set parallelism: 1"];
                    reportViolation(`${what}, and may run ${atOnce} pods at once (${why}): only pods on one node can mount it, so the others hang; ${fix}, or use ReadWriteMany storage.`, w.resource.urn);
                }
                continue;
            }
            if (!SCALABLE_KINDS.includes(w.kind)) {
                continue;
            }
            const spec = (w.obj.spec ?? {}) as { replicas?: number; strategy?: { type?: string; rollingUpdate?: { maxSurge?: unknown } } };
            // ReadWriteOnce binds the volume to one node (pods there may share it), ReadWriteOncePod to one pod.
            const newBesideOld = onePod
                ? "can't mount the volume while the old one holds it (ReadWriteOncePod: one pod at a time)"
                : "can't attach the volume on any other node while the old one holds it (a Multi-Attach error), so unless the scheduler happens to put it beside the old one the rollout hangs";
            if (w.kind === "Rollout") {
                // Canary and blue-green both start the new pods before the old ones stop.
                reportViolation(`${what}: a Rollout starts its new pods beside the old ones on every release (canary and blue-green alike), and a new pod ${newBesideOld}; use ReadWriteMany storage, or a Deployment with strategy Recreate.`, w.resource.urn);
                continue;
            }
            if (w.kind === "Deployment" && spec.strategy?.type !== "Recreate") {
                // maxSurge 0 (or 0 %) stops the old pod before it starts the new one, as Recreate does.
                const surge = scaledIntOrPercent(spec.strategy?.rollingUpdate?.maxSurge ?? "25%", countIn(spec.replicas) ?? 1, true);
                if (surge !== 0) {
                    reportViolation(`${what} with strategy ${spec.strategy?.type ?? "RollingUpdate (default)"}: the new pod starts before the old one stops and ${newBesideOld}; set spec.strategy.type: Recreate (or rollingUpdate.maxSurge: 0).`, w.resource.urn);
                }
            }
            const perPod = w.kind === "StatefulSet" ? " (or give each pod its own claim with volumeClaimTemplates)" : " (or use ReadWriteMany storage, or a StatefulSet with a claim per pod)";
            if ((countIn(spec.replicas) ?? 1) > 1) {
                const who = onePod ? "only one pod can mount it" : "only pods on one node can mount it, so a replica scheduled on another node hangs";
                reportViolation(`${what} with ${spec.replicas} replicas: ${who}; set replicas: 1${perPod}.`, w.resource.urn);
            }
            const scale = scaleOf(w, autoscalers);
            if (scale.hpa && scale.max > 1) {
                reportViolation(`${what}, and ${autoscalerName(scale.hpa)} may scale it to ${scale.max} pods; set ${scale.hpa.fields.max}: 1 or move the data off the pod.`, w.resource.urn);
            }
        }
    },
};

/**
 * The CSI drivers and in-tree plugins of cloud block disks (EBS, GCE PD, Azure Disk), each with
 * the file service of the same cloud that several nodes can mount at once. Such a disk lives in
 * one zone, and its file system attaches to one node at a time.
 */
const BLOCK_DISK_FILE_SERVICES: Readonly<Record<string, string>> = {
    "ebs.csi.aws.com": "Amazon EFS (efs.csi.aws.com)", "kubernetes.io/aws-ebs": "Amazon EFS (efs.csi.aws.com)",
    "pd.csi.storage.gke.io": "Filestore (filestore.csi.storage.gke.io)", "kubernetes.io/gce-pd": "Filestore (filestore.csi.storage.gke.io)",
    "disk.csi.azure.com": "Azure Files (file.csi.azure.com)", "kubernetes.io/azure-disk": "Azure Files (file.csi.azure.com)",
};

/** Provisioners whose disks live in one zone: the cloud block disks. */
const ZONAL_PROVISIONERS = Object.keys(BLOCK_DISK_FILE_SERVICES);

/**
 * A claim asking for ReadWriteMany on a class of cloud block disks is never provisioned: with
 * volumeMode Filesystem (the default) such a disk's file system is mounted on one node, so the
 * driver refuses the access mode (the claim stays Pending with ProvisioningFailed) and the pods
 * that mount it never start. ReadWriteMany on these disks exists only for raw block volumes of
 * multi-attach disks (EBS io2, Azure shared disks, Hyperdisk multi-writer), which a Filesystem
 * claim can't use. Claims on classes the stack doesn't create are not judged: their provisioner
 * is unknown.
 */
export const claimAccessModeSupported: StackValidationPolicy = {
    name: "claim-access-mode-supported",
    description: "No PersistentVolumeClaim, claim template, generic ephemeral volume or operator's claim asks for ReadWriteMany on a StorageClass of cloud block disks (EBS, GCE PD, Azure Disk) with volumeMode Filesystem (the default): such a disk's file system mounts on one node at a time, so the driver refuses the mode, the claim stays Pending and its pods never start. Storage that pods on several nodes share needs the cloud's file service (EFS, Filestore, Azure Files).",
    enforcementLevel: "mandatory",
    validateStack: (args, reportViolation) => {
        const { classes, claims } = stackStorage(args.resources);
        for (const { what, claim, urn } of claims) {
            const spec = claim.spec as (ClaimLike["spec"] & { volumeMode?: string }) | undefined;
            const className = claimClass(claim);
            const provisioner = className ? classes.get(className)?.provisioner : undefined;
            const fileService = provisioner ? BLOCK_DISK_FILE_SERVICES[provisioner] : undefined;
            if (!fileService || !(spec?.accessModes ?? []).includes("ReadWriteMany") || spec?.volumeMode === "Block") {
                continue;
            }
            reportViolation(`${what} asks for ReadWriteMany on StorageClass '${className}', whose ${provisioner} disks mount their file system on one node at a time: ` +
                `the driver refuses the mode, so the claim stays Pending and its pods never start. For storage that pods on several nodes share, use a class of ${fileService}; ` +
                "if the pods of one node are enough, ask for ReadWriteOnce.", urn);
        }
    },
};

/** Zonal disks should be created where the pod lands. */
export const zonalDiskWaitForConsumer: ResourceValidationPolicy = {
    name: "zonal-disk-wait-for-consumer",
    description: "StorageClasses for zonal cloud disks (EBS, GCE PD, regional PD, Azure Disk) bind with volumeBindingMode WaitForFirstConsumer: with Immediate, the disk may be created in a zone where the pod can't be scheduled, and the pod stays Pending. Azure zone-redundant disks (skuName *_ZRS) attach in any zone and are not checked.",
    enforcementLevel: "advisory",
    validateResource: (args, reportViolation) => {
        if (kindOf(args.type) !== STORAGE_CLASS) {
            return;
        }
        const sc = args.props as KubeObject & { provisioner?: string; volumeBindingMode?: string; parameters?: Record<string, string> };
        if (!ZONAL_PROVISIONERS.includes(sc.provisioner ?? "") || sc.volumeBindingMode === "WaitForFirstConsumer") {
            return;
        }
        const parameters = Object.fromEntries(Object.entries(sc.parameters ?? {}).map(([k, v]) => [k.toLowerCase(), String(v)]));
        if (/_ZRS$/i.test(parameters.skuname ?? parameters.storageaccounttype ?? "")) {
            return; // Azure zone-redundant disks attach in any zone of the region
        }
        const disks = parameters["replication-type"] === "regional-pd" ? `regional disks (${sc.provisioner}, in two zones it picks)` : `zonal disks (${sc.provisioner})`;
        reportViolation(`${describeObject(STORAGE_CLASS, sc, args.name)} provisions ${disks} with volumeBindingMode ${sc.volumeBindingMode ?? "Immediate (default)"}; set volumeBindingMode: WaitForFirstConsumer.`);
    },
};

/** The annotation pulumi-kubernetes reads on the OLD object to delete it without its dependents. */
const DELETION_PROPAGATION_ANNOTATION = "pulumi.com/deletionPropagationPolicy";

/**
 * Growing a StatefulSet's claims changes its claim templates, which are immutable: Pulumi replaces
 * the StatefulSet, deleting the old one first. Without orphan propagation that delete takes every
 * pod with it (the database is down until the new pods are ready). The annotation is read from the
 * OLD object, so it must be deployed before the first resize: hence a rule on every StatefulSet with
 * claim templates, not only on one being resized. Disabled by default (only Pulumi reads the
 * annotation); the project's stack profiles turn it on.
 */
export const statefulSetResizeKeepsPods: ResourceValidationPolicy = {
    name: "statefulset-resize-keeps-pods",
    description: "A StatefulSet with volumeClaimTemplates carries the annotation pulumi.com/deletionPropagationPolicy: orphan, so that growing its claims (a template change, which replaces the StatefulSet) leaves its pods and claims running and the new StatefulSet adopts them. Pulumi reads the annotation from the deployed object, so it must be there before the first resize. (With kubectl, the same step is `kubectl delete statefulset --cascade=orphan`.)",
    // Off unless a stack's policy config turns it on: the annotation means something only to
    // Pulumi, so YAML shipped for kubectl or Helm (checked without a config) is not flagged.
    enforcementLevel: "disabled",
    validateResource: (args, reportViolation) => {
        if (kindOf(args.type) !== "StatefulSet") {
            return;
        }
        const obj = args.props as KubeObject;
        const templates = obj.spec?.volumeClaimTemplates;
        if (!Array.isArray(templates) || templates.length === 0) {
            return;
        }
        const value = obj.metadata?.annotations?.[DELETION_PROPAGATION_ANNOTATION];
        if (typeof value !== "string" || value.toLowerCase() !== "orphan") {
            reportViolation(`${describeObject("StatefulSet", obj, args.name)} has claim templates but ${value === undefined ? "no" : `${DELETION_PROPAGATION_ANNOTATION}: ${value} instead of the`} ` +
                `${DELETION_PROPAGATION_ANNOTATION}: orphan annotation: growing its claims replaces it, and its pods are deleted with the old StatefulSet; add the annotation now, before the first resize.`);
        }
    },
};

/** `<template>-<statefulset>-<ordinal>`: the claim a StatefulSet's template gives pod `<statefulset>-<ordinal>`. */
function templateClaim(claimName: string, statefulSet: string, templates: string[]): string | undefined {
    const m = /^(.*)-([0-9]+)$/.exec(claimName);
    if (!m || !m[1].endsWith(`-${statefulSet}`)) {
        return undefined;
    }
    const template = m[1].slice(0, -(statefulSet.length + 1));
    return templates.includes(template) ? template : undefined;
}

/**
 * A patch that grows a StatefulSet's claims and the StatefulSet's template must agree: a template
 * smaller than its patched claims gives replicas created later smaller volumes than the others,
 * and a patch below the template's size asks to shrink a claim, which Kubernetes rejects.
 */
export const claimPatchesMatchTemplate: StackValidationPolicy = {
    name: "claim-patches-match-template",
    description: "A PersistentVolumeClaimPatch that resizes a StatefulSet's claim (<template>-<statefulset>-<ordinal>) requests the same storage as the StatefulSet's claim template: otherwise replicas created later get another size than the grown ones, or the patch asks to shrink a claim, which Kubernetes rejects.",
    enforcementLevel: "mandatory",
    validateStack: (args, reportViolation) => {
        const index = indexStack(args.resources);
        const patches = index.all("PersistentVolumeClaimPatch");
        if (patches.length === 0) {
            return;
        }
        for (const patch of patches) {
            const size = (patch.obj.spec?.resources as { requests?: { storage?: unknown } } | undefined)?.requests?.storage;
            if (size === undefined) {
                continue;
            }
            for (const sts of index.all("StatefulSet").filter(s => s.namespace === patch.namespace)) {
                const templates = (Array.isArray(sts.obj.spec?.volumeClaimTemplates) ? sts.obj.spec.volumeClaimTemplates : []) as KubeObject[];
                const names = templates.map(t => t.metadata?.name).filter((n): n is string => typeof n === "string");
                const template = templateClaim(patch.name, sts.name, names);
                if (!template) {
                    continue;
                }
                const templateSize = (templates.find(t => t.metadata?.name === template)?.spec?.resources as { requests?: { storage?: unknown } } | undefined)?.requests?.storage;
                const cmp = compareQuantities(size, templateSize);
                if (cmp !== undefined && cmp !== 0) {
                    reportViolation(`PersistentVolumeClaimPatch ${patch.namespace}/${patch.name} requests ${String(size)} but the claim template ${template} of StatefulSet ${sts.namespace}/${sts.name} requests ${String(templateSize)}: ` +
                        (cmp < 0 ? "the patch would shrink the claim, which Kubernetes rejects; " : "replicas created later would get the smaller size; ") +
                        "give both the same size.", patch.resource.urn);
                }
            }
        }
    },
};

export const storagePolicies: Policies = [
    storageClassExpandable, claimStorageClassExpandable, storageClassReclaimRetain, storageRequestBounds,
    statefulSetRetainsClaims, statefulSetResizeKeepsPods, claimPatchesMatchTemplate, rwoClaimSingleWriter, zonalDiskWaitForConsumer,
    claimAccessModeSupported,
];

/**
 * Volume expansion: a claim can only grow in place when its StorageClass allows it. Without
 * that, the only way to a bigger volume is a new one, and the data has to be moved by hand.
 */
import { Policies, ResourceValidationPolicy, StackValidationPolicy } from "@pulumi/policy";
import { KubeObject, describeObject, kindOf } from "./lib/k8s";

const STORAGE_CLASS = "StorageClass";

/** Every StorageClass the stack creates allows volume expansion. */
export const storageClassExpandable: ResourceValidationPolicy = {
    name: "storage-class-expandable",
    description: "Every StorageClass the stack creates sets allowVolumeExpansion: true, so claims on it can grow in place instead of being re-created.",
    enforcementLevel: "mandatory",
    validateResource: (args, reportViolation) => {
        if (kindOf(args.type) !== STORAGE_CLASS) {
            return;
        }
        const sc = args.props as KubeObject & { allowVolumeExpansion?: boolean; provisioner?: string };
        if (sc.allowVolumeExpansion !== true) {
            reportViolation(`${describeObject(STORAGE_CLASS, sc, args.name)} (provisioner ${sc.provisioner ?? "unset"}) does not allow volume expansion; ` +
                "set allowVolumeExpansion: true (the provisioner must support expansion).");
        }
    },
};

export interface ClaimStorageClassConfig {
    /** Classes the cluster already has that are known to expand (e.g. AKS managed-csi, GKE standard-rwo). */
    expandableClusterClasses: string[];
}

interface ClaimSpec {
    storageClassName?: string;
}

/** A claim found in the stack: a PersistentVolumeClaim or a StatefulSet's claim template. */
interface FoundClaim {
    what: string;
    urn: string;
    className?: string;
}

/** Where a claim names its class: spec.storageClassName, or the legacy beta annotation. */
function claimClass(claim: { metadata?: KubeObject["metadata"]; spec?: ClaimSpec }): string | undefined {
    return claim.spec?.storageClassName ?? claim.metadata?.annotations?.["volume.beta.kubernetes.io/storage-class"];
}

/**
 * Every PersistentVolumeClaim and claim template names a StorageClass that allows expansion: one
 * the stack creates with allowVolumeExpansion, or one on the configured list of cluster classes.
 */
export const claimStorageClassExpandable: StackValidationPolicy = {
    name: "claim-storage-class-expandable",
    description: "Every PersistentVolumeClaim and StatefulSet claim template names a StorageClass that allows volume expansion (created in the stack, or listed as an expandable cluster class), so its volume can grow in place.",
    enforcementLevel: "mandatory",
    configSchema: {
        properties: {
            expandableClusterClasses: {
                type: "array", items: { type: "string" }, default: [],
                description: "StorageClasses that exist on the cluster (not created by the stack) and are known to allow expansion.",
            },
        },
    },
    validateStack: (args, reportViolation) => {
        const config = args.getConfig<ClaimStorageClassConfig>();
        const classes = new Map<string, boolean>();
        const claims: FoundClaim[] = [];
        for (const r of args.resources) {
            const kind = kindOf(r.type);
            const obj = r.props as KubeObject;
            if (kind === STORAGE_CLASS) {
                classes.set(obj.metadata?.name ?? r.name, (r.props as { allowVolumeExpansion?: boolean }).allowVolumeExpansion === true);
            } else if (kind === "PersistentVolumeClaim") {
                claims.push({ what: describeObject(kind, obj, r.name), urn: r.urn, className: claimClass(obj as { spec?: ClaimSpec }) });
            } else if (kind === "StatefulSet") {
                const templates = ((obj.spec?.volumeClaimTemplates ?? []) as { metadata?: KubeObject["metadata"]; spec?: ClaimSpec }[]);
                for (const t of templates) {
                    claims.push({
                        what: `${describeObject(kind, obj, r.name)} claim template '${t.metadata?.name ?? "(unnamed)"}'`,
                        urn: r.urn,
                        className: claimClass(t),
                    });
                }
            }
        }
        const allowed = new Set(config.expandableClusterClasses ?? []);
        const known = [...[...classes].filter(([, expands]) => expands).map(([name]) => name), ...allowed];
        const hint = known.length ? `one of: ${known.join(", ")}` : "a StorageClass with allowVolumeExpansion: true";
        for (const claim of claims) {
            if (claim.className === undefined || claim.className === "") {
                reportViolation(`${claim.what} names no StorageClass, so it gets the cluster default, which may not expand; set storageClassName to ${hint}.`, claim.urn);
            } else if (classes.has(claim.className)) {
                if (!classes.get(claim.className)) {
                    reportViolation(`${claim.what} uses StorageClass '${claim.className}', which does not allow volume expansion; use ${hint}.`, claim.urn);
                }
            } else if (!allowed.has(claim.className)) {
                reportViolation(`${claim.what} uses StorageClass '${claim.className}', which the stack does not create and which is not listed as expandable ` +
                    `(policy config expandableClusterClasses); use ${hint}, or list the class if it is known to expand.`, claim.urn);
            }
        }
    },
};

export const storagePolicies: Policies = [storageClassExpandable, claimStorageClassExpandable];

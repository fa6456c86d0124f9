/**
 * Helpers over the pods a resource runs and the claims it makes, shared by the request, storage and
 * hygiene policies. Everything reads props lazily, so a value unknown during a preview throws the
 * engine's UnknownValueError from here, as it should (never catch it).
 */
import { Container, KubeObject, WorkloadKind, containersOf, describeObject, describeWorkload, kindOf, objectsIn, podKindOf, podSpecOf } from "./k8s";
import { operatorClaimsOf } from "./operator-claims";

/** One container of a workload, with how messages name it. */
export interface WorkloadContainer {
    kind: WorkloadKind;
    obj: KubeObject;
    /** `Deployment lab/web` */
    what: string;
    container: Container;
    role: "container" | "init container";
    /** `container 'web'`, `init container 'migrate'` */
    label: string;
}

/**
 * How messages name a container: `container 'web'`; one without a name by its place,
 * `container 2 (unnamed)` (Kubernetes' own kinds require names, a Knative Service's don't).
 */
export function containerLabel(container: Container, role: "container" | "init container", position?: number): string {
    if (container.name) {
        return `${role} '${container.name}'`;
    }
    return position === undefined ? `${role} '(unnamed)'` : `${role} ${position} (unnamed)`;
}

/**
 * The StorageClass a claim names, as Kubernetes reads it (GetPersistentVolumeClaimClass, which
 * provisioning and resize admission use): the legacy beta annotation when the claim has it, else
 * spec.storageClassName. `""` names no class on purpose (bind a pre-made volume without one);
 * undefined names none at all (the cluster's default class is filled in).
 */
export function claimClass(claim: ClaimLike): string | undefined {
    const annotated = claim.metadata?.annotations?.["volume.beta.kubernetes.io/storage-class"];
    return annotated ?? claim.spec?.storageClassName ?? undefined;
}

/** Every container and init container of a workload resource, init containers first; empty for other resources. */
export function workloadContainers(type: string, props: Record<string, unknown>, name: string): WorkloadContainer[] {
    const kind = podKindOf(type);
    if (!kind) {
        return [];
    }
    const obj = props as KubeObject;
    const what = describeWorkload(kind, obj, name);
    return containersOf(podSpecOf(kind, obj)).map(({ container, role, position }) => ({ kind, obj, what, container, role, label: containerLabel(container, role, position) }));
}

/** The parts of a claim (a PersistentVolumeClaim, or a template of one) the policies read. */
export interface ClaimLike {
    metadata?: KubeObject["metadata"];
    spec?: {
        accessModes?: string[];
        storageClassName?: string | null;
        /** Binds this PersistentVolume by name (static provisioning). */
        volumeName?: string;
        resources?: { requests?: { storage?: unknown } };
    };
}

/** A claim a resource makes, with how messages name it. */
export interface FoundClaim {
    /**
     * Whether the claim is a PersistentVolumeClaim object, a StatefulSet's template, a generic
     * ephemeral volume's, or one an operator makes from its custom resource (operator-claims.ts).
     */
    source: "claim" | "template" | "ephemeral" | "operator";
    /** `PersistentVolumeClaim lab/data`, `StatefulSet lab/db claim template 'data'` */
    what: string;
    claim: ClaimLike;
    /** The fields that set its class and size, as messages name them ({@link CLAIM_FIELDS} for Kubernetes' own claims). */
    fields: ClaimFields;
}

/** Where a claim's StorageClass and size are written. */
export interface ClaimFields {
    storageClass: string;
    size: string;
}

/** A PersistentVolumeClaim's fields (and a template's, which is one). */
export const CLAIM_FIELDS: ClaimFields = { storageClass: "storageClassName", size: "spec.resources.requests.storage" };

interface EphemeralVolume {
    name?: string;
    ephemeral?: { volumeClaimTemplate?: ClaimLike };
}

/** Workload kinds whose spec.volumeClaimTemplates give each pod claims of its own: a StatefulSet, and OpenKruise's CloneSet and Advanced StatefulSet. */
const CLAIM_TEMPLATE_KINDS: readonly WorkloadKind[] = ["StatefulSet", "CloneSet", "AdvancedStatefulSet"];

/**
 * The claims one resource makes: a PersistentVolumeClaim itself, the volumeClaimTemplates of a
 * StatefulSet, CloneSet or Advanced StatefulSet, the generic ephemeral volumes (volumes[].ephemeral.volumeClaimTemplate)
 * of any workload's pods, and those a known operator makes for its custom resource (operator-claims.ts).
 */
export function claimsOf(type: string, props: Record<string, unknown>, name: string): FoundClaim[] {
    const kind = kindOf(type);
    const obj = props as KubeObject;
    if (kind === "PersistentVolumeClaim") {
        return [{ source: "claim", what: describeObject(kind, obj, name), claim: obj as ClaimLike, fields: CLAIM_FIELDS }];
    }
    const workload = podKindOf(type);
    if (!workload) {
        return operatorClaimsOf(type, props, name);
    }
    const what = describeWorkload(workload, obj, name);
    const found: FoundClaim[] = [];
    if (CLAIM_TEMPLATE_KINDS.includes(workload)) {
        for (const t of objectsIn<ClaimLike>(obj.spec?.volumeClaimTemplates)) {
            found.push({ source: "template", what: `${what} claim template '${t.metadata?.name ?? "(unnamed)"}'`, claim: t, fields: CLAIM_FIELDS });
        }
    }
    for (const v of objectsIn<EphemeralVolume>(podSpecOf(workload, obj)?.volumes)) {
        const template = v.ephemeral?.volumeClaimTemplate;
        if (template) {
            found.push({ source: "ephemeral", what: `${what} ephemeral volume '${v.name ?? "(unnamed)"}'`, claim: template, fields: CLAIM_FIELDS });
        }
    }
    return found;
}

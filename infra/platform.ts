/**
 * What every platform module (infra/minikube/, and the cloud ones) gives the labs, and what it
 * gets from the stack.
 */
import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import { createHash } from "crypto";

/** How a cluster service the labs need gets there. */
export type ServiceSource =
    /** The platform ships it (AKS's metrics-server) or an addon provides it (minikube). */
    | "provided"
    /** kubelab installs it. */
    | "installed";

export interface Platform {
    /** Platform name, as in `kubelab:platform`. */
    readonly name: string;
    /** Kubernetes provider every lab resource is created with. */
    readonly provider: k8s.Provider;
    /** The StorageClass labs put their claims on: it allows volume expansion. */
    readonly storageClassName: pulumi.Output<string>;
    /** IngressClass the labs' Ingress objects name. */
    readonly ingressClassName: string;
    /** How the ingress controller and metrics-server get onto the cluster. */
    readonly clusterServices: { ingressController: ServiceSource; metricsServer: ServiceSource };
    /** How a user reaches the ingress controller, for the stack outputs (a host, or a hint such as `$(minikube ip)`). */
    readonly ingressAddress: pulumi.Output<string>;
    /** Commands the user runs on the cluster before `pulumi up`, one per line, each working as given. */
    readonly prerequisites: string[];
    /** Whether stateful resources are protected and kept on delete (`kubelab:protectData`). */
    readonly protectData: boolean;
    /** Kubeconfig of a cluster kubelab created, as a Pulumi secret; undefined for adopted clusters. */
    readonly kubeconfig?: pulumi.Output<string>;
}

/**
 * What the labs switched on in a stack need from the cluster, so that a platform that creates
 * its cluster installs (or enables) only that. Each lab declares its own in the lab registry.
 */
export interface ClusterNeeds {
    /** An ingress controller for the platform's IngressClass (a lab with Ingress rules). */
    ingress: boolean;
    /** A metrics API for HorizontalPodAutoscalers (metrics-server). */
    metrics: boolean;
    /** Dynamically provisioned, expandable volumes on the platform's StorageClass. */
    storage: boolean;
}

/** Needs of a stack with no lab switched on. */
export const NO_CLUSTER_NEEDS: ClusterNeeds = { ingress: false, metrics: false, storage: false };

/** What several labs need together. */
export function combineNeeds(needs: readonly ClusterNeeds[]): ClusterNeeds {
    return {
        ingress: needs.some(n => n.ingress),
        metrics: needs.some(n => n.metrics),
        storage: needs.some(n => n.storage),
    };
}

/** What a platform module gets besides its own settings. */
export interface PlatformContext {
    /** The stack's name: cluster-scoped objects are named from it (see {@link clusterScopedName}). */
    stack: string;
    /** Keep released volumes and protect stateful resources (`kubelab:protectData`). */
    protectData: boolean;
    /** What the labs switched on need from the cluster (see {@link ClusterNeeds}). */
    needs: ClusterNeeds;
}

/**
 * Name of a cluster-scoped object a platform creates, `kubelab-<stack>-<part>`, so that two
 * stacks can share one cluster. A stack name that is not a valid DNS name as it stands
 * (upper case, `_`, `.`) is lower-cased and cleaned, with a short hash of the original added so
 * that `Dev` and `dev` still differ.
 */
export function clusterScopedName(stack: string, part: string): string {
    const slug = stack.toLowerCase().replace(/[^a-z0-9-]+/g, "-").replace(/^-+|-+$/g, "") || "stack";
    const suffix = slug === stack ? "" : `-${createHash("sha256").update(stack).digest("hex").slice(0, 6)}`;
    return `kubelab-${slug.slice(0, 200)}${suffix}-${part}`;
}

/** What differs between the platforms' lab StorageClasses. */
export interface ExpandableClassArgs {
    /** The CSI driver, e.g. `disk.csi.azure.com`. */
    provisioner: string;
    /** The driver's parameters (disk type …). */
    parameters?: Record<string, string>;
    /**
     * `WaitForFirstConsumer` for zonal disks (the disk is created where the pod is scheduled);
     * `Immediate` where every node reaches every volume.
     */
    volumeBindingMode: "WaitForFirstConsumer" | "Immediate";
    /** The class's name; default `kubelab-<stack>-expandable` (see {@link clusterScopedName}). */
    name?: string;
}

/**
 * The StorageClass every lab claim uses, the same on every platform: volume expansion allowed
 * (claims grow in place), reclaim policy `Retain` with `protectData` (a released volume is kept)
 * and `Delete` without (workshop clusters leave nothing behind), named from the stack so that two
 * stacks can share a cluster.
 */
export function expandableStorageClass(
    name: string, args: ExpandableClassArgs, context: Pick<PlatformContext, "stack" | "protectData">, opts: pulumi.CustomResourceOptions,
): k8s.storage.v1.StorageClass {
    return new k8s.storage.v1.StorageClass(name, {
        metadata: {
            name: args.name ?? clusterScopedName(context.stack, "expandable"),
            labels: { "app.kubernetes.io/managed-by": "kubelab" },
        },
        provisioner: args.provisioner,
        ...(args.parameters ? { parameters: args.parameters } : {}),
        allowVolumeExpansion: true,
        reclaimPolicy: context.protectData ? "Retain" : "Delete",
        volumeBindingMode: args.volumeBindingMode,
    }, opts);
}

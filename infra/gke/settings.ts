/**
 * Settings of the GKE platform, one structured key:
 *
 * ```yaml
 * kubelab:gke:
 *   project: my-project           # unset: the provider's project (gcp:project, GOOGLE_PROJECT, gcloud's default)
 *   location: europe-west1-b      # a zone (zonal cluster) or a region (regional cluster, nodes in 3 zones)
 *   kubernetesVersion: …          # unset: the release channel's default
 *   machineType: e2-standard-2    # machine type of the node pool
 *   minNodes: 1                   # cluster autoscaler bounds of the node pool, in total over its zones
 *   maxNodes: 3
 *   diskType: pd-balanced         # persistent disk type of the labs' StorageClass
 *   owner: my-team                # workshop lifecycle (infra/cloud/workshop.ts), as GCP labels
 *   purpose: workshop
 *   expiresAt: "2026-12-31"
 *   deletionProtection: false     # the cluster's deletionProtection; true makes `pulumi destroy` fail
 * ```
 *
 * Kept apart from the platform module so that reading settings never loads the GCP SDK.
 */
import { z } from "zod";
import { matching, oneOf, section, wholeNumber } from "../config";
import { workshopShape } from "../cloud/workshop";

/** Persistent disk types the `pd.csi.storage.gke.io` driver provisions on every machine family kubelab uses. */
export const GCP_DISK_TYPES = ["pd-balanced", "pd-standard", "pd-ssd"] as const;

/** Upper bound of the node pool's autoscaler (a workshop cluster). */
export const GKE_MAX_NODES = 100;

export const gkeSettings = section({
    /** Google Cloud project id (unset: the provider's default project). */
    project: matching(/^[a-z][-a-z0-9]{4,28}[a-z0-9]$/, "a Google Cloud project id: 6 to 30 lower-case letters, digits and '-', starting with a letter").optional(),
    /** A zone (`europe-west1-b`: a zonal cluster) or a region (`europe-west1`: a regional cluster). */
    location: matching(/^[a-z]+-[a-z]+[0-9]+(-[a-z])?$/, "a Google Cloud zone such as europe-west1-b or region such as europe-west1 (gcloud compute zones list)").default("europe-west1-b"),
    /** Kubernetes version (the cluster's minimum master version; unset: the release channel's default). */
    kubernetesVersion: matching(/^\d+\.\d+(\.\d+(-gke\.\d+)?)?$/, "a GKE version such as 1.33 or 1.33.2-gke.1000 (gcloud container get-server-config)").optional(),
    /** Machine type of the node pool. */
    machineType: matching(/^[a-z][a-z0-9]*-[a-z0-9-]+$/, "a Compute Engine machine type such as e2-standard-2 (gcloud compute machine-types list)").default("e2-standard-2"),
    /** Fewest nodes the cluster autoscaler keeps, in total. */
    minNodes: wholeNumber(1, GKE_MAX_NODES).default(1),
    /** Most nodes the cluster autoscaler adds, in total; at least minNodes. */
    maxNodes: wholeNumber(1, GKE_MAX_NODES).default(3),
    /** Disk type of the labs' StorageClass (`type` of pd.csi.storage.gke.io). */
    diskType: oneOf(GCP_DISK_TYPES).default("pd-balanced"),
    ...workshopShape,
}).superRefine((s, ctx) => {
    if (s.minNodes > s.maxNodes) {
        // Reported on minNodes: it is always written when this fails (its default, 1, is the lowest maxNodes).
        ctx.addIssue({ code: "custom", path: ["minNodes"], message: `a node count at most maxNodes (${s.maxNodes}): the autoscaler's minimum cannot exceed its maximum` });
    }
});

export type GkeSettings = z.output<typeof gkeSettings>;

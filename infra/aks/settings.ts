/**
 * Settings of the AKS platform, one structured key:
 *
 * ```yaml
 * kubelab:aks:
 *   location: westeurope          # Azure region of the resource group, cluster and registry
 *   resourceGroupName: …          # unset: kubelab-<stack> plus a random suffix
 *   kubernetesVersion: …          # unset: AKS's default version
 *   nodeVmSize: Standard_D2s_v5   # VM size of the system node pool
 *   minNodes: 1                   # cluster autoscaler bounds of the system node pool
 *   maxNodes: 3
 *   diskSku: StandardSSD_LRS      # Azure disk SKU of the labs' StorageClass
 *   registry:                     # optional Azure Container Registry the kubelets may pull from
 *     enabled: false
 *     sku: Basic
 *     name: …                     # unset: kubelab<stack><hash>, globally unique
 *   owner: my-team                # workshop lifecycle (infra/cloud/workshop.ts)
 *   purpose: workshop
 *   expiresAt: "2026-12-31"
 *   deletionProtection: false     # true: a CanNotDelete lock on the resource group
 * ```
 *
 * Kept apart from the platform module so that reading settings never loads the Azure SDK.
 */
import { z } from "zod";
import { matching, oneOf, section, wholeNumber, boolean } from "../config";
import { workshopShape } from "../cloud/workshop";

/** Azure managed disk SKUs the `disk.csi.azure.com` driver provisions without extra setup. */
export const AZURE_DISK_SKUS = ["Standard_LRS", "StandardSSD_LRS", "StandardSSD_ZRS", "Premium_LRS", "Premium_ZRS"] as const;

/** Azure Container Registry tiers. */
export const ACR_SKUS = ["Basic", "Standard", "Premium"] as const;

/** Upper bound of the node pool's autoscaler (a workshop cluster; AKS allows up to 1000). */
export const AKS_MAX_NODES = 100;

const registry = section({
    /** Create a registry and give the cluster's kubelet identity AcrPull on it. */
    enabled: boolean.default(false),
    /** Registry tier. */
    sku: oneOf(ACR_SKUS).default("Basic"),
    /** Registry name, globally unique in Azure: 5 to 50 letters and digits. */
    name: matching(/^[a-zA-Z0-9]{5,50}$/, "an Azure Container Registry name: 5 to 50 letters and digits, unique in Azure").optional(),
});

export const aksSettings = section({
    /** Azure region, as `az account list-locations -o table` names it. */
    location: matching(/^[a-z][a-z0-9]{2,39}$/, "an Azure region name such as westeurope or eastus2 (az account list-locations -o table)").default("westeurope"),
    /** Resource group to create (unset: kubelab-<stack> with a random suffix). */
    resourceGroupName: matching(/^[-\w.()]{0,89}[-\w()]$/, "an Azure resource group name: up to 90 letters, digits, '-', '_', '.', '(' and ')', not ending with '.'").optional(),
    /** Kubernetes version (unset: the AKS default). */
    kubernetesVersion: matching(/^\d+\.\d+(\.\d+)?$/, "a Kubernetes version such as 1.33 or 1.33.2 (az aks get-versions -l <location>)").optional(),
    /** VM size of the system node pool. */
    nodeVmSize: matching(/^Standard_[A-Za-z0-9_]+$/, "an Azure VM size such as Standard_D2s_v5 (az vm list-sizes -l <location>)").default("Standard_D2s_v5"),
    /** Fewest nodes the cluster autoscaler keeps. */
    minNodes: wholeNumber(1, AKS_MAX_NODES).default(1),
    /** Most nodes the cluster autoscaler adds; at least minNodes. */
    maxNodes: wholeNumber(1, AKS_MAX_NODES).default(3),
    /** Disk SKU of the labs' StorageClass (`skuName` of disk.csi.azure.com). */
    diskSku: oneOf(AZURE_DISK_SKUS).default("StandardSSD_LRS"),
    /** Optional container registry the workshop imports its images into. */
    registry,
    ...workshopShape,
}).superRefine((s, ctx) => {
    if (s.minNodes > s.maxNodes) {
        // Reported on minNodes: it is always written when this fails (its default, 1, is the lowest maxNodes).
        ctx.addIssue({ code: "custom", path: ["minNodes"], message: `a node count at most maxNodes (${s.maxNodes}): the autoscaler's minimum cannot exceed its maximum` });
    }
});

export type AksSettings = z.output<typeof aksSettings>;

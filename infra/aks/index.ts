/**
 * The AKS platform: a resource group, a managed cluster with a system-assigned identity and an
 * autoscaling system node pool, the labs' expandable StorageClass on the Azure Disk CSI driver,
 * the cluster services AKS lacks (ingress-nginx; AKS ships metrics-server), and optionally a
 * container registry the kubelets may pull from.
 *
 * The Azure SDK is imported per service (`@pulumi/azure-native/containerservice`, …), never the
 * root package: a stack loads (and the CLI type-checks) only these four services.
 *
 * Loaded only by a stack whose `kubelab:platform` is `aks` (infra/registry.ts).
 */
import * as authorization from "@pulumi/azure-native/authorization";
import * as containerregistry from "@pulumi/azure-native/containerregistry";
import * as containerservice from "@pulumi/azure-native/containerservice";
import * as resources from "@pulumi/azure-native/resources";
import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import { createHash } from "crypto";
import { ClusterServices, INGRESS_CLASS_NAME } from "../cloud/cluster-services";
import { workshopTags } from "../cloud/workshop";
import { Platform, PlatformContext, expandableStorageClass } from "../platform";
import { AksSettings } from "./settings";

/** Built-in Azure role "AcrPull": pull images from a container registry. */
export const ACR_PULL_ROLE_ID = "7f951dda-4ed3-4680-a7ca-43fe172d538d";

/** The CSI driver AKS installs for Azure managed disks. */
export const AZURE_DISK_PROVISIONER = "disk.csi.azure.com";

/** The kubelet identity's key in a managed cluster's `identityProfile`. */
const KUBELET_IDENTITY = "kubeletidentity";

export interface AksPlatformArgs {
    settings: AksSettings;
    context: PlatformContext;
}

export class AksPlatform extends pulumi.ComponentResource implements Platform {
    readonly name = "aks";
    readonly provider: k8s.Provider;
    readonly storageClassName: pulumi.Output<string>;
    readonly ingressClassName = INGRESS_CLASS_NAME;
    readonly clusterServices: Platform["clusterServices"];
    readonly ingressAddress: pulumi.Output<string>;
    readonly prerequisites: string[] = [];
    readonly protectData: boolean;
    readonly kubeconfig: pulumi.Output<string>;
    readonly resourceGroup: resources.ResourceGroup;
    readonly cluster: containerservice.ManagedCluster;
    readonly registry?: containerregistry.Registry;

    constructor(name: string, args: AksPlatformArgs, opts?: pulumi.ComponentResourceOptions) {
        super("kubelab:infra:AksPlatform", name, {}, opts);
        const { settings, context } = args;
        const tags = workshopTags(settings, "kubelab:aks", context.stack);
        this.protectData = context.protectData;
        const location = settings.location;

        this.resourceGroup = new resources.ResourceGroup(`${name}-rg`, {
            resourceGroupName: settings.resourceGroupName,
            location,
            tags,
        }, { parent: this, protect: settings.deletionProtection });
        const resourceGroupName = this.resourceGroup.name;

        // Deletion protection, off for workshop stacks: Pulumi refuses to delete the group and the
        // cluster (`protect`), and Azure refuses anyone else while a CanNotDelete lock stands on
        // the group. The cluster depends on the lock, so a destroy can't remove the lock first.
        const lock = settings.deletionProtection
            ? new authorization.ManagementLockAtResourceGroupLevel(`${name}-lock`, {
                resourceGroupName,
                level: "CanNotDelete",
                notes: "kubelab: kubelab:aks.deletionProtection is true; set it to false and run pulumi up before pulumi destroy",
            }, { parent: this })
            : undefined;

        this.cluster = new containerservice.ManagedCluster(`${name}-cluster`, {
            resourceGroupName,
            location,
            tags,
            dnsPrefix: dnsPrefix(context.stack),
            kubernetesVersion: settings.kubernetesVersion,
            identity: { type: "SystemAssigned" },
            enableRBAC: true,
            agentPoolProfiles: [{
                name: "system",
                mode: "System",
                osType: "Linux",
                vmSize: settings.nodeVmSize,
                enableAutoScaling: true,
                minCount: settings.minNodes,
                maxCount: settings.maxNodes,
                count: settings.minNodes,
                tags,
            }],
            // Azure CNI overlay powered by Cilium: enforces the labs' NetworkPolicies.
            networkProfile: {
                networkPlugin: "azure",
                networkPluginMode: "overlay",
                networkDataplane: "cilium",
                networkPolicy: "cilium",
                loadBalancerSku: "standard",
            },
            // The Azure Disk CSI driver provisions (and expands) the labs' volumes.
            storageProfile: { diskCSIDriver: { enabled: true } },
        }, {
            parent: this,
            // The autoscaler changes the node count: pulumi up must not scale it back.
            ignoreChanges: ["agentPoolProfiles[0].count"],
            protect: settings.deletionProtection,
            dependsOn: lock ? [lock] : [],
        });

        const credentials = containerservice.listManagedClusterUserCredentialsOutput({
            resourceGroupName,
            resourceName: this.cluster.name,
        }, { parent: this, dependsOn: [this.cluster] });
        this.kubeconfig = pulumi.secret(credentials.kubeconfigs.apply(configs => {
            const first = configs[0];
            if (!first) {
                throw new Error("AKS returned no kubeconfig for the cluster (listManagedClusterUserCredentials)");
            }
            return Buffer.from(first.value, "base64").toString("utf8");
        }));

        if (settings.registry.enabled) {
            this.registry = this.createRegistry(name, settings, context.stack, resourceGroupName, tags);
        }

        this.provider = new k8s.Provider(`${name}-k8s`, {
            kubeconfig: this.kubeconfig,
            // When the cluster is already gone, `pulumi destroy` drops its objects from the state.
            deleteUnreachable: true,
        }, { parent: this });

        // A disk is zonal: created where the pod is scheduled.
        const storageClass = expandableStorageClass(`${name}-storage`, {
            provisioner: AZURE_DISK_PROVISIONER, parameters: { skuName: settings.diskSku }, volumeBindingMode: "WaitForFirstConsumer",
        }, context, { parent: this, provider: this.provider });
        this.storageClassName = storageClass.metadata.name;

        const services = new ClusterServices(`${name}-services`, {
            provider: this.provider,
            needs: context.needs,
            // AKS runs metrics-server in every cluster.
            provided: { ingressController: false, metricsServer: true },
            ingressServiceAnnotations: {
                // AKS's load balancer probes this path; ingress-nginx answers it (the default probe of `/` gets 404).
                "service.beta.kubernetes.io/azure-load-balancer-health-probe-request-path": "/healthz",
            },
        }, { parent: this });
        this.clusterServices = services.sources;
        this.ingressAddress = services.ingressAddress;

        this.registerOutputs({
            clusterName: this.cluster.name,
            resourceGroupName,
            storageClassName: this.storageClassName,
            kubeconfig: this.kubeconfig,
            registryLoginServer: this.registry?.loginServer,
        });
    }

    /** The registry and the kubelet identity's AcrPull on it. */
    private createRegistry(name: string, settings: AksSettings, stack: string, resourceGroupName: pulumi.Output<string>, tags: Record<string, string>): containerregistry.Registry {
        const registry = new containerregistry.Registry(`${name}-acr`, {
            resourceGroupName,
            location: settings.location,
            registryName: settings.registry.name ?? registryName(stack, settings.location, settings.owner ?? ""),
            sku: { name: settings.registry.sku },
            adminUserEnabled: false,
            tags,
        }, { parent: this });
        const kubeletObjectId = this.cluster.identityProfile.apply(profile => {
            const objectId = profile?.[KUBELET_IDENTITY]?.objectId;
            if (!objectId) {
                throw new Error("the AKS cluster reports no kubelet identity (identityProfile.kubeletidentity.objectId)");
            }
            return objectId;
        });
        const client = authorization.getClientConfigOutput({ parent: this });
        // Role assignments carry no tags in Azure; it goes with the registry (its scope).
        new authorization.RoleAssignment(`${name}-acr-pull`, {
            principalId: kubeletObjectId,
            principalType: "ServicePrincipal",
            roleDefinitionId: pulumi.interpolate`/subscriptions/${client.subscriptionId}/providers/Microsoft.Authorization/roleDefinitions/${ACR_PULL_ROLE_ID}`,
            scope: registry.id,
        }, { parent: this });
        return registry;
    }
}

/** The cluster's DNS prefix: letters, digits and '-', at most 54 characters, from the stack name. */
function dnsPrefix(stack: string): string {
    const slug = stack.toLowerCase().replace(/[^a-z0-9-]+/g, "-").replace(/^-+|-+$/g, "").slice(0, 40) || "stack";
    return `kubelab-${slug}`.replace(/-+$/, "");
}

/**
 * A registry name for the stack: `kubelab<stack><hash>`, letters and digits only. The hash of
 * stack, location and owner keeps two teams' registries apart (registry names are global in Azure).
 */
export function registryName(stack: string, location: string, owner: string): string {
    const slug = stack.toLowerCase().replace(/[^a-z0-9]+/g, "").slice(0, 30);
    const hash = createHash("sha256").update(`${owner}/${stack}/${location}`).digest("hex").slice(0, 8);
    return `kubelab${slug}${hash}`;
}

/** The registry's entry point: builds the platform for a stack. */
export function createPlatform(settings: AksSettings, context: PlatformContext): Platform {
    return new AksPlatform("aks", { settings, context });
}

/**
 * azure-native, as the AKS platform (infra/aks/) uses it.
 *
 * - Names: a resource's name input (`resourceGroupName`, `resourceName`, `registryName`, …) is
 *   its name; unset, the provider's Check auto-names it from the resource name with a random
 *   suffix, in a preview too, so the name is known either way (the suffix here is derived from
 *   the resource name, so plans are reproducible).
 * - Everything Azure computes (resource ids, the cluster's FQDN and kubelet identity, the
 *   registry's login server) is unknown in a preview and well-formed in an update.
 * - Invokes: `getClientConfig` answers a fixed subscription and tenant;
 *   `listManagedClusterUserCredentials` a base64 kubeconfig for the named cluster. The SDK does
 *   not call it in a preview of a new cluster (the invoke depends on the cluster, whose id is
 *   unknown), so the kubeconfig stays unknown there, as in a real preview.
 */
import * as pulumi from "@pulumi/pulumi";
import { createHash } from "crypto";
import { CloudMock, MockState } from "./types";

export const MOCK_SUBSCRIPTION_ID = "00000000-0000-4000-8000-000000000001";
export const MOCK_TENANT_ID = "00000000-0000-4000-8000-000000000002";
const MOCK_CLIENT_ID = "00000000-0000-4000-8000-000000000003";

/** A GUID derived from `seed`. */
function guid(seed: string): string {
    const h = createHash("sha256").update(seed).digest("hex");
    return `${h.slice(0, 8)}-${h.slice(8, 12)}-4${h.slice(13, 16)}-8${h.slice(17, 20)}-${h.slice(20, 32)}`;
}

function suffix(name: string): string {
    return createHash("sha256").update(name).digest("hex").slice(0, 8);
}

function str(value: unknown): string | undefined {
    return typeof value === "string" ? value : undefined;
}

interface AzureType {
    /** The input holding the resource's name. */
    nameInput: string;
    /** Its ARM id from the subscription, resource group and name (update only). */
    armId(inputs: MockState, name: string): string;
    /** What Azure computes, in an update. */
    computed?(inputs: MockState, name: string): MockState;
    /** Names Azure gives (GUIDs) rather than the provider's auto-naming. */
    guidName?: boolean;
}

const rg = (inputs: MockState) => `/subscriptions/${MOCK_SUBSCRIPTION_ID}/resourceGroups/${str(inputs.resourceGroupName) ?? "unknown"}`;

const TYPES: Record<string, AzureType> = {
    "azure-native:resources:ResourceGroup": {
        nameInput: "resourceGroupName",
        armId: (_inputs, name) => `/subscriptions/${MOCK_SUBSCRIPTION_ID}/resourceGroups/${name}`,
        computed: () => ({ provisioningState: "Succeeded" }),
    },
    "azure-native:containerservice:ManagedCluster": {
        nameInput: "resourceName",
        armId: (inputs, name) => `${rg(inputs)}/providers/Microsoft.ContainerService/managedClusters/${name}`,
        computed: (inputs, name) => ({
            fqdn: `${str(inputs.dnsPrefix) ?? name}-${suffix(name)}.hcp.${str(inputs.location) ?? "westeurope"}.azmk8s.io`,
            nodeResourceGroup: `MC_${str(inputs.resourceGroupName) ?? "rg"}_${name}_${str(inputs.location) ?? "westeurope"}`,
            identity: { ...((inputs.identity ?? {}) as MockState), principalId: guid(`${name}/principal`), tenantId: MOCK_TENANT_ID },
            identityProfile: {
                kubeletidentity: {
                    clientId: guid(`${name}/kubelet/client`),
                    objectId: guid(`${name}/kubelet/object`),
                    resourceId: `/subscriptions/${MOCK_SUBSCRIPTION_ID}/resourceGroups/MC_${name}/providers/Microsoft.ManagedIdentity/userAssignedIdentities/${name}-agentpool`,
                },
            },
            provisioningState: "Succeeded",
        }),
    },
    "azure-native:containerregistry:Registry": {
        nameInput: "registryName",
        armId: (inputs, name) => `${rg(inputs)}/providers/Microsoft.ContainerRegistry/registries/${name}`,
        computed: (_inputs, name) => ({ loginServer: `${name.toLowerCase()}.azurecr.io`, provisioningState: "Succeeded" }),
    },
    "azure-native:authorization:RoleAssignment": {
        nameInput: "roleAssignmentName",
        guidName: true,
        armId: (inputs, name) => `${str(inputs.scope) ?? rg(inputs)}/providers/Microsoft.Authorization/roleAssignments/${name}`,
    },
    "azure-native:authorization:ManagementLockAtResourceGroupLevel": {
        nameInput: "lockName",
        armId: (inputs, name) => `${rg(inputs)}/providers/Microsoft.Authorization/locks/${name}`,
    },
};

/** A kubeconfig as AKS returns it for a cluster without Entra ID integration (client certificate). */
function kubeconfigFor(cluster: string, resourceGroup: string): string {
    const server = `https://${cluster}-${suffix(cluster)}.hcp.westeurope.azmk8s.io:443`;
    const user = `clusterUser_${resourceGroup}_${cluster}`;
    return [
        "apiVersion: v1",
        "kind: Config",
        "clusters:",
        `- name: ${cluster}`,
        "  cluster:",
        `    server: ${server}`,
        "    certificate-authority-data: TU9DSyBDQQ==",
        "contexts:",
        `- name: ${cluster}`,
        "  context:",
        `    cluster: ${cluster}`,
        `    user: ${user}`,
        `current-context: ${cluster}`,
        "users:",
        `- name: ${user}`,
        "  user:",
        "    client-certificate-data: TU9DSyBDRVJU",
        "    client-key-data: TU9DSyBLRVk=",
        `    token: ${suffix(`${cluster}/token`)}`,
        "",
    ].join("\n");
}

export const azureMock: CloudMock = {
    prefix: "azure-native:",

    newResource(type, name, inputs, preview) {
        const model = TYPES[type];
        if (!model) {
            throw new Error(`kubelab mocks: no azure-native behaviour is modelled for resource type ${type} (${name}); teach tools/cloud-mocks/azure.ts`);
        }
        const given = str(inputs[model.nameInput]);
        const resourceName = given ?? (model.guidName ? guid(name) : `${name}${suffix(name)}`);
        const state: MockState = { ...inputs, [model.nameInput]: resourceName, name: resourceName };
        if (preview) {
            state.id = pulumi.unknown;
            for (const key of Object.keys(model.computed?.(inputs, resourceName) ?? {})) {
                state[key] = pulumi.unknown;
            }
            return { id: undefined, state };
        }
        const id = model.armId({ ...inputs }, resourceName);
        return { id, state: { ...state, id, ...(model.computed?.(inputs, resourceName) ?? {}) } };
    },

    call(token, inputs) {
        switch (token) {
            case "azure-native:authorization:getClientConfig":
                return { clientId: MOCK_CLIENT_ID, objectId: guid("client/object"), subscriptionId: MOCK_SUBSCRIPTION_ID, tenantId: MOCK_TENANT_ID };
            case "azure-native:containerservice:listManagedClusterUserCredentials": {
                const cluster = str(inputs.resourceName);
                const resourceGroup = str(inputs.resourceGroupName);
                if (!cluster || !resourceGroup) {
                    throw new Error("kubelab mocks: listManagedClusterUserCredentials needs resourceGroupName and resourceName");
                }
                return { kubeconfigs: [{ name: "clusterUser", value: Buffer.from(kubeconfigFor(cluster, resourceGroup)).toString("base64") }] };
            }
            default:
                throw new Error(`kubelab mocks: the program called invoke ${token}, which the offline plan does not answer; teach tools/cloud-mocks/azure.ts what the provider returns`);
        }
    },
};

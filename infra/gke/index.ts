/**
 * The GKE platform: a cluster without its default node pool plus kubelab's own autoscaling node
 * pool, a kubeconfig that authenticates with `gke-gcloud-auth-plugin`, the labs' expandable
 * StorageClass on the Compute Engine persistent disk CSI driver, and the cluster services GKE
 * lacks (ingress-nginx; GKE ships metrics-server).
 *
 * `deletionProtection` comes from `kubelab:gke.deletionProtection` (default false): the provider's
 * own default is true, and `pulumi destroy` of a workshop stack would then fail on the cluster.
 *
 * Only `@pulumi/gcp/container` is imported, not the root package. Loaded only by a stack whose
 * `kubelab:platform` is `gke` (infra/registry.ts).
 */
import * as container from "@pulumi/gcp/container";
import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import { ClusterServices, INGRESS_CLASS_NAME } from "../cloud/cluster-services";
import { gcpLabels, workshopTags } from "../cloud/workshop";
import { Platform, PlatformContext, expandableStorageClass } from "../platform";
import { GkeSettings } from "./settings";

/** The CSI driver GKE installs for Compute Engine persistent disks. */
export const GCE_PD_PROVISIONER = "pd.csi.storage.gke.io";

/** The kubectl credential plugin GKE clusters authenticate with. */
export const GKE_AUTH_PLUGIN = "gke-gcloud-auth-plugin";

export interface GkePlatformArgs {
    settings: GkeSettings;
    context: PlatformContext;
}

export class GkePlatform extends pulumi.ComponentResource implements Platform {
    readonly name = "gke";
    readonly provider: k8s.Provider;
    readonly storageClassName: pulumi.Output<string>;
    readonly ingressClassName = INGRESS_CLASS_NAME;
    readonly clusterServices: Platform["clusterServices"];
    readonly ingressAddress: pulumi.Output<string>;
    readonly prerequisites: string[] = [];
    readonly protectData: boolean;
    readonly kubeconfig: pulumi.Output<string>;
    readonly cluster: container.Cluster;
    readonly nodePool: container.NodePool;

    constructor(name: string, args: GkePlatformArgs, opts?: pulumi.ComponentResourceOptions) {
        super("kubelab:infra:GkePlatform", name, {}, opts);
        const { settings, context } = args;
        const labels = gcpLabels(workshopTags(settings, "kubelab:gke", context.stack));
        this.protectData = context.protectData;

        this.cluster = new container.Cluster(`${name}-cluster`, {
            project: settings.project,
            location: settings.location,
            minMasterVersion: settings.kubernetesVersion,
            releaseChannel: { channel: "REGULAR" },
            deletionProtection: settings.deletionProtection,
            // The default pool can't be changed without replacing the cluster: kubelab's own pool below.
            removeDefaultNodePool: true,
            initialNodeCount: 1,
            // Dataplane V2 enforces the labs' NetworkPolicies.
            datapathProvider: "ADVANCED_DATAPATH",
            addonsConfig: { gcePersistentDiskCsiDriverConfig: { enabled: true } },
            resourceLabels: labels,
        }, { parent: this });

        this.nodePool = new container.NodePool(`${name}-nodes`, {
            project: settings.project,
            location: settings.location,
            cluster: this.cluster.name,
            initialNodeCount: 1,
            autoscaling: {
                totalMinNodeCount: settings.minNodes,
                totalMaxNodeCount: settings.maxNodes,
                locationPolicy: "BALANCED",
            },
            management: { autoRepair: true, autoUpgrade: true },
            nodeConfig: {
                machineType: settings.machineType,
                diskSizeGb: 50,
                diskType: "pd-balanced",
                oauthScopes: ["https://www.googleapis.com/auth/cloud-platform"],
                resourceLabels: labels,
                labels: { "kubelab.dev/pool": "labs" },
            },
        }, {
            parent: this,
            // The autoscaler changes the node count: pulumi up must not scale it back.
            ignoreChanges: ["initialNodeCount"],
        });

        this.kubeconfig = pulumi.secret(pulumi.all([this.cluster.name, this.cluster.endpoint, this.cluster.masterAuth])
            .apply(([clusterName, endpoint, auth]) => gkeKubeconfig(clusterName, endpoint, auth.clusterCaCertificate ?? "")));

        this.provider = new k8s.Provider(`${name}-k8s`, {
            kubeconfig: this.kubeconfig,
            // When the cluster is already gone, `pulumi destroy` drops its objects from the state.
            deleteUnreachable: true,
        }, { parent: this, dependsOn: [this.nodePool] });

        // A persistent disk is zonal: created in the zone the pod is scheduled to.
        const storageClass = expandableStorageClass(`${name}-storage`, {
            provisioner: GCE_PD_PROVISIONER, parameters: { type: settings.diskType }, volumeBindingMode: "WaitForFirstConsumer",
        }, context, { parent: this, provider: this.provider });
        this.storageClassName = storageClass.metadata.name;

        const services = new ClusterServices(`${name}-services`, {
            provider: this.provider,
            needs: context.needs,
            // GKE runs metrics-server in every cluster.
            provided: { ingressController: false, metricsServer: true },
        }, { parent: this });
        this.clusterServices = services.sources;
        this.ingressAddress = services.ingressAddress;

        this.registerOutputs({ clusterName: this.cluster.name, storageClassName: this.storageClassName, kubeconfig: this.kubeconfig });
    }
}

/**
 * A kubeconfig for the cluster that authenticates through `gke-gcloud-auth-plugin` (as
 * `gcloud container clusters get-credentials` writes it): it holds no credential itself, the
 * plugin gets a token from the user's gcloud login or application default credentials.
 */
export function gkeKubeconfig(clusterName: string, endpoint: string, caCertificate: string): string {
    const context = `kubelab-${clusterName}`;
    return [
        "apiVersion: v1",
        "kind: Config",
        "clusters:",
        `- name: ${context}`,
        "  cluster:",
        `    server: https://${endpoint}`,
        `    certificate-authority-data: ${caCertificate}`,
        "contexts:",
        `- name: ${context}`,
        "  context:",
        `    cluster: ${context}`,
        `    user: ${context}`,
        `current-context: ${context}`,
        "users:",
        `- name: ${context}`,
        "  user:",
        "    exec:",
        "      apiVersion: client.authentication.k8s.io/v1beta1",
        `      command: ${GKE_AUTH_PLUGIN}`,
        "      provideClusterInfo: true",
        "      interactiveMode: IfAvailable",
        "      installHint: Install gke-gcloud-auth-plugin for kubectl and kubelab's provider (gcloud components install gke-gcloud-auth-plugin)",
        "",
    ].join("\n");
}

/** The registry's entry point: builds the platform for a stack. */
export function createPlatform(settings: GkeSettings, context: PlatformContext): Platform {
    return new GkePlatform("gke", { settings, context });
}

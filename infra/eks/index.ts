/**
 * The EKS platform, with plain `@pulumi/aws` (its submodules only, so that a stack loads just
 * what it uses): a VPC (infra/eks/network.ts), an EKS cluster with its IAM role, a managed node
 * group with autoscaling bounds, the `vpc-cni` add-on with NetworkPolicy enforcement on, the
 * `eks-pod-identity-agent` and `aws-ebs-csi-driver` add-ons
 * (the driver's controller gets `AmazonEBSCSIDriverPolicy` through a Pod Identity association
 * for `kube-system/ebs-csi-controller-sa`: without the driver no volume is ever provisioned),
 * the labs' StorageClass on `ebs.csi.aws.com`, the cluster autoscaler that moves the node
 * count between the bounds (infra/eks/autoscaler.ts), and the cluster services the labs need
 * (ingress-nginx, metrics-server: infra/cloud/cluster-services.ts).
 *
 * The kubeconfig authenticates with `aws eks get-token` (the AWS CLI, with the stack's profile)
 * and is a Pulumi secret. Every AWS resource carries the workshop tags (owner, purpose,
 * expires-at, managed-by, kubelab-stack), and so do the volumes the StorageClass provisions and
 * the ingress controller's load balancer.
 *
 * Order: the nodes wait for their route out (NAT) and their role's policies; the CSI driver for
 * its role, its association and the Pod Identity agent; the Kubernetes provider (so every lab
 * object and cluster service) for the nodes and the driver. `pulumi destroy` runs it backwards:
 * Kubernetes objects and the load balancers they caused go before the nodes, the cluster and the
 * network.
 *
 * Loaded only by a stack whose `kubelab:platform` is `eks` (infra/registry.ts).
 */
import { Provider as AwsProvider } from "@pulumi/aws/provider";
import * as eks from "@pulumi/aws/eks";
import { getAvailabilityZonesOutput } from "@pulumi/aws/getAvailabilityZones";
import { getPartitionOutput } from "@pulumi/aws/getPartition";
import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import { ClusterServices, INGRESS_CLASS_NAME } from "../cloud/cluster-services";
import { workshopTags } from "../cloud/workshop";
import { Platform, PlatformContext, clusterScopedName, expandableStorageClass } from "../platform";
import { ClusterAutoscaler } from "./autoscaler";
import { serviceRole } from "./iam";
import { EksNetwork } from "./network";
import { EksSettings, isArmInstanceType } from "./settings";

/** The settings' key, as errors name it. */
export const SETTINGS_KEY = "kubelab:eks";

/** The EBS CSI controller's service account, which the Pod Identity association names. */
export const EBS_CSI_SERVICE_ACCOUNT = { namespace: "kube-system", name: "ebs-csi-controller-sa" };

/** The EKS add-ons kubelab installs, in order. */
export const EKS_ADDONS = {
    vpcCni: "vpc-cni",
    podIdentityAgent: "eks-pod-identity-agent",
    ebsCsiDriver: "aws-ebs-csi-driver",
} as const;

/** The CSI driver of EBS volumes. */
export const EBS_CSI_PROVISIONER = "ebs.csi.aws.com";

/** The EKS cluster's name: `kubelab:eks.clusterName`, or `kubelab-<stack>-cluster`. */
export function eksClusterName(settings: EksSettings, stack: string): string {
    return settings.clusterName ?? clusterScopedName(stack, "cluster").slice(0, 100);
}

/** A kubeconfig for the cluster that gets its token from `aws eks get-token` (JSON, which kubectl reads as YAML). */
export function eksKubeconfig(cluster: { name: string; endpoint: string; caData: string }, region: string, profile?: string): string {
    const exec = {
        apiVersion: "client.authentication.k8s.io/v1beta1",
        command: "aws",
        args: ["eks", "get-token", "--cluster-name", cluster.name, "--region", region, "--output", "json"],
        env: profile ? [{ name: "AWS_PROFILE", value: profile }] : null,
        interactiveMode: "Never",
        provideClusterInfo: false,
    };
    return JSON.stringify({
        apiVersion: "v1",
        kind: "Config",
        clusters: [{ name: cluster.name, cluster: { server: cluster.endpoint, "certificate-authority-data": cluster.caData } }],
        users: [{ name: cluster.name, user: { exec } }],
        contexts: [{ name: cluster.name, context: { cluster: cluster.name, user: cluster.name } }],
        "current-context": cluster.name,
    });
}

/** The StorageClass parameters: gp3 (or the configured type), encrypted, ext4, and the workshop tags on every volume. */
export function ebsStorageParameters(volumeType: string, tags: Record<string, string>): Record<string, string> {
    const parameters: Record<string, string> = { type: volumeType, encrypted: "true", "csi.storage.k8s.io/fstype": "ext4" };
    Object.entries(tags).forEach(([key, value], i) => {
        parameters[`tagSpecification_${i + 1}`] = `${key}=${value}`;
    });
    return parameters;
}

export interface EksPlatformArgs {
    settings: EksSettings;
    context: PlatformContext;
}

export class EksPlatform extends pulumi.ComponentResource implements Platform {
    readonly name = "eks";
    readonly provider: k8s.Provider;
    readonly storageClassName: pulumi.Output<string>;
    readonly ingressClassName = INGRESS_CLASS_NAME;
    readonly clusterServices: Platform["clusterServices"];
    readonly ingressAddress: pulumi.Output<string>;
    readonly prerequisites: string[] = [];
    readonly protectData: boolean;
    readonly kubeconfig: pulumi.Output<string>;
    readonly cluster: eks.Cluster;
    readonly nodeGroup: eks.NodeGroup;
    readonly network: EksNetwork;
    readonly services: ClusterServices;
    /** The cluster autoscaler, when the node group can scale (maxNodes > minNodes). */
    readonly autoscaler?: ClusterAutoscaler;

    constructor(name: string, args: EksPlatformArgs, opts?: pulumi.ComponentResourceOptions) {
        super("kubelab:infra:EksPlatform", name, {}, opts);
        const { settings, context } = args;
        this.protectData = context.protectData;
        const tags = workshopTags(settings, SETTINGS_KEY, context.stack);
        const clusterName = eksClusterName(settings, context.stack);

        const aws = new AwsProvider(`${name}-aws`, {
            region: settings.region,
            ...(settings.profile ? { profile: settings.profile } : {}),
        }, { parent: this });
        const inAws = { parent: this, provider: aws };
        const partition = getPartitionOutput({}, inAws).partition;

        const zones: pulumi.Input<string>[] = settings.availabilityZones ?? (() => {
            const count = settings.zoneCount;
            const available = getAvailabilityZonesOutput({
                region: settings.region,
                state: "available",
                // Local Zones and Wavelength Zones need opting in and can't host EKS subnets.
                filters: [{ name: "opt-in-status", values: ["opt-in-not-required"] }],
            }, inAws).names.apply(names => {
                if (names.length < count) {
                    throw new Error(`${SETTINGS_KEY}.zoneCount is ${count}, but region ${settings.region} has only ${names.length} available zone(s): ${names.join(", ")}`);
                }
                return names.slice(0, count);
            });
            return Array.from({ length: count }, (_, i) => available.apply(names => names[i]));
        })();

        this.network = new EksNetwork(`${name}-network`, { vpcCidr: settings.vpcCidr, zones, clusterName, tags }, inAws);

        const clusterRole = serviceRole(`${name}-cluster-role`, "cluster", partition, tags, inAws, `EKS cluster ${clusterName} (kubelab)`);
        this.cluster = new eks.Cluster(`${name}-cluster`, {
            name: clusterName,
            roleArn: clusterRole.role.arn,
            ...(settings.kubernetesVersion ? { version: settings.kubernetesVersion } : {}),
            vpcConfig: {
                subnetIds: [...this.network.privateSubnets, ...this.network.publicSubnets].map(s => s.id),
                endpointPrivateAccess: true,
                endpointPublicAccess: true,
                publicAccessCidrs: settings.publicAccessCidrs,
            },
            // Access entries only; whoever creates the cluster (this stack's credentials) is its admin.
            accessConfig: { authenticationMode: "API", bootstrapClusterCreatorAdminPermissions: true },
            // At the end of standard support EKS upgrades the cluster instead of billing extended support.
            upgradePolicy: { supportType: "STANDARD" },
            deletionProtection: settings.deletionProtection,
            tags,
        }, { ...inAws, dependsOn: clusterRole.attachments, deleteBeforeReplace: true });

        // The VPC CNI as a managed add-on, with its network policy agent on: without it EKS
        // ignores NetworkPolicies, and the labs' default-deny rules would be decoration. Set up
        // before the nodes, so that they start with it.
        const vpcCni = new eks.Addon(`${name}-vpc-cni`, {
            clusterName: this.cluster.name,
            addonName: EKS_ADDONS.vpcCni,
            configurationValues: JSON.stringify({ enableNetworkPolicy: "true" }),
            resolveConflictsOnCreate: "OVERWRITE",
            resolveConflictsOnUpdate: "OVERWRITE",
            tags,
        }, inAws);

        const nodeRole = serviceRole(`${name}-node-role`, "nodes", partition, tags, inAws, `EKS nodes of ${clusterName} (kubelab)`);
        const desired = settings.desiredNodes ?? settings.minNodes;
        /** Whether the node count moves between the bounds (the cluster autoscaler is installed). */
        const autoscaled = settings.maxNodes > settings.minNodes;
        this.nodeGroup = new eks.NodeGroup(`${name}-nodes`, {
            clusterName: this.cluster.name,
            nodeRoleArn: nodeRole.role.arn,
            subnetIds: this.network.privateSubnets.map(s => s.id),
            instanceTypes: [settings.nodeInstanceType],
            amiType: isArmInstanceType(settings.nodeInstanceType) ? "AL2023_ARM_64_STANDARD" : "AL2023_x86_64_STANDARD",
            capacityType: settings.capacityType,
            diskSize: settings.nodeDiskSize,
            scalingConfig: { minSize: settings.minNodes, desiredSize: desired, maxSize: settings.maxNodes },
            updateConfig: { maxUnavailable: 1 },
            tags,
        }, {
            ...inAws,
            dependsOn: [...nodeRole.attachments, ...this.network.egress, vpcCni],
            // The autoscaler moves the desired size between the bounds; the next update must not
            // move it back. (So raising minNodes above the nodes running needs the desired size
            // raised first: EKS refuses a minimum above it. See the README.)
            ignoreChanges: autoscaled ? ["scalingConfig.desiredSize"] : [],
        });

        // Add-ons with pods need nodes to become active.
        const podIdentityAgent = new eks.Addon(`${name}-pod-identity-agent`, {
            clusterName: this.cluster.name,
            addonName: EKS_ADDONS.podIdentityAgent,
            resolveConflictsOnCreate: "OVERWRITE",
            resolveConflictsOnUpdate: "OVERWRITE",
            tags,
        }, { ...inAws, dependsOn: [this.nodeGroup] });
        const csiRole = serviceRole(`${name}-ebs-csi-role`, "ebsCsi", partition, tags, inAws, `EBS CSI controller of ${clusterName} (kubelab)`);
        const csiAssociation = new eks.PodIdentityAssociation(`${name}-ebs-csi`, {
            clusterName: this.cluster.name,
            namespace: EBS_CSI_SERVICE_ACCOUNT.namespace,
            serviceAccount: EBS_CSI_SERVICE_ACCOUNT.name,
            roleArn: csiRole.role.arn,
            tags,
        }, { ...inAws, dependsOn: csiRole.attachments });
        // The controller's pods get their credentials when they start: the association and the
        // agent must be there first, or the pods run without them until restarted.
        const ebsCsiDriver = new eks.Addon(`${name}-ebs-csi-driver`, {
            clusterName: this.cluster.name,
            addonName: EKS_ADDONS.ebsCsiDriver,
            resolveConflictsOnCreate: "OVERWRITE",
            resolveConflictsOnUpdate: "OVERWRITE",
            tags,
        }, { ...inAws, dependsOn: [this.nodeGroup, podIdentityAgent, csiAssociation] });

        this.kubeconfig = pulumi.secret(pulumi.all([this.cluster.name, this.cluster.endpoint, this.cluster.certificateAuthority]).apply(
            ([cluster, endpoint, ca]) => eksKubeconfig({ name: cluster, endpoint, caData: ca.data ?? "" }, settings.region, settings.profile)));
        this.provider = new k8s.Provider(`${name}-k8s`, {
            kubeconfig: this.kubeconfig,
            // When the cluster is already gone, `pulumi destroy` drops its objects from the state instead of failing.
            deleteUnreachable: true,
        }, { parent: this, dependsOn: [this.nodeGroup, ebsCsiDriver] });

        const storageClass = expandableStorageClass(`${name}-storage`, {
            provisioner: EBS_CSI_PROVISIONER,
            parameters: ebsStorageParameters(settings.volumeType, tags),
            // A volume is made in the zone its pod is scheduled to (EBS volumes are zonal).
            volumeBindingMode: "WaitForFirstConsumer",
        }, context, { parent: this, provider: this.provider });
        this.storageClassName = storageClass.metadata.name;

        if (autoscaled) {
            this.autoscaler = new ClusterAutoscaler(`${name}-autoscaler`, {
                clusterName: this.cluster.name,
                knownClusterName: clusterName,
                region: settings.region,
                partition,
                tags,
                provider: this.provider,
                aws,
                podIdentityAgent,
            }, { parent: this });
        }

        this.services = new ClusterServices(`${name}-services`, {
            provider: this.provider,
            needs: context.needs,
            provided: { ingressController: false, metricsServer: false },
            ingressServiceAnnotations: {
                "service.beta.kubernetes.io/aws-load-balancer-type": "nlb",
                // The load balancer the controller's Service causes carries the workshop tags too.
                "service.beta.kubernetes.io/aws-load-balancer-additional-resource-tags": Object.entries(tags).map(([k, v]) => `${k}=${v}`).join(","),
            },
        }, { parent: this });
        this.clusterServices = this.services.sources;
        this.ingressAddress = this.services.ingressAddress;

        this.registerOutputs({ clusterName: this.cluster.name, storageClassName: this.storageClassName, kubeconfig: this.kubeconfig });
    }
}

/** The registry's entry point: builds the platform for a stack. */
export function createPlatform(settings: EksSettings, context: PlatformContext): Platform {
    return new EksPlatform("eks", { settings, context });
}

/**
 * The cluster autoscaler of an EKS cluster. A managed node group's minimum and maximum are only
 * the bounds of its auto-scaling group: nothing moves the node count between them unless
 * something watches for pods that don't fit. AKS and GKE have that built in; on EKS it is the
 * Kubernetes project's cluster-autoscaler, as a Helm release (pinned chart, official repository)
 * in `kube-system`, which finds the node groups by the tags EKS gives their auto-scaling groups,
 * and gets its AWS rights through EKS Pod Identity (a role limited to this cluster's groups).
 *
 * Installed only when the node group can actually scale (maxNodes > minNodes).
 */
import * as eks from "@pulumi/aws/eks";
import * as iam from "@pulumi/aws/iam";
import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import { PinnedChart } from "../cloud/cluster-services";
import { clusterAutoscalerPolicy, serviceRole } from "./iam";

/** cluster-autoscaler, from the Kubernetes autoscaler project's chart repository. */
export const CLUSTER_AUTOSCALER_CHART: PinnedChart = {
    chart: "cluster-autoscaler",
    version: "9.52.1",
    repo: "https://kubernetes.github.io/autoscaler",
    release: "cluster-autoscaler",
    namespace: "kube-system",
};

/** The autoscaler's service account, which the Pod Identity association names. */
export const CLUSTER_AUTOSCALER_SERVICE_ACCOUNT = "cluster-autoscaler";

/** Values of the cluster-autoscaler release. */
export function clusterAutoscalerValues(clusterName: string, region: string): Record<string, unknown> {
    return {
        cloudProvider: "aws",
        awsRegion: region,
        autoDiscovery: { clusterName },
        rbac: { serviceAccount: { create: true, name: CLUSTER_AUTOSCALER_SERVICE_ACCOUNT } },
        extraArgs: {
            "balance-similar-node-groups": true,
            expander: "least-waste",
            // Lab pods use emptyDir scratch space; they must not pin a node forever.
            "skip-nodes-with-local-storage": false,
        },
        resources: { requests: { cpu: "100m", memory: "300Mi" }, limits: { memory: "600Mi" } },
    };
}

export interface ClusterAutoscalerArgs {
    clusterName: pulumi.Input<string>;
    /** The cluster's name as configured (known at program time): the IAM condition and auto-discovery use it. */
    knownClusterName: string;
    region: string;
    partition: pulumi.Input<string>;
    tags: Record<string, string>;
    /** The cluster's Kubernetes provider. */
    provider: k8s.Provider;
    /** The AWS provider. */
    aws: pulumi.ProviderResource;
    /** The Pod Identity agent: the autoscaler's pods must start after it to get credentials. */
    podIdentityAgent: pulumi.Resource;
}

export class ClusterAutoscaler extends pulumi.ComponentResource {
    readonly release: k8s.helm.v3.Release;
    readonly association: eks.PodIdentityAssociation;

    constructor(name: string, args: ClusterAutoscalerArgs, opts?: pulumi.ComponentResourceOptions) {
        super("kubelab:infra:ClusterAutoscaler", name, {}, opts);
        const inAws = { parent: this, provider: args.aws };
        const { role } = serviceRole(`${name}-role`, "clusterAutoscaler", args.partition, args.tags, inAws, `cluster-autoscaler of ${args.knownClusterName} (kubelab)`);
        const policy = new iam.RolePolicy(`${name}-policy`, {
            role: role.name,
            policy: clusterAutoscalerPolicy(args.knownClusterName),
        }, inAws);
        this.association = new eks.PodIdentityAssociation(`${name}`, {
            clusterName: args.clusterName,
            namespace: CLUSTER_AUTOSCALER_CHART.namespace,
            serviceAccount: CLUSTER_AUTOSCALER_SERVICE_ACCOUNT,
            roleArn: role.arn,
            tags: args.tags,
        }, { ...inAws, dependsOn: [policy] });
        this.release = new k8s.helm.v3.Release(`${name}-release`, {
            name: CLUSTER_AUTOSCALER_CHART.release,
            chart: CLUSTER_AUTOSCALER_CHART.chart,
            version: CLUSTER_AUTOSCALER_CHART.version,
            repositoryOpts: { repo: CLUSTER_AUTOSCALER_CHART.repo },
            namespace: CLUSTER_AUTOSCALER_CHART.namespace,
            values: clusterAutoscalerValues(args.knownClusterName, args.region),
            cleanupOnFail: true,
            timeout: 600,
        }, { parent: this, provider: args.provider, dependsOn: [this.association, args.podIdentityAgent] });
        this.registerOutputs({});
    }
}

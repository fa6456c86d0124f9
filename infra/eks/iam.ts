/**
 * IAM roles of an EKS cluster: the cluster's own, the nodes', and the EBS CSI controller's (which
 * gets its credentials through EKS Pod Identity, not from the nodes).
 */
import * as iam from "@pulumi/aws/iam";
import * as pulumi from "@pulumi/pulumi";

/** AWS managed policies, by the path after `arn:<partition>:iam::aws:policy/`. */
export const MANAGED_POLICIES = {
    cluster: ["AmazonEKSClusterPolicy"],
    nodes: ["AmazonEKSWorkerNodePolicy", "AmazonEKS_CNI_Policy", "AmazonEC2ContainerRegistryReadOnly"],
    ebsCsi: ["service-role/AmazonEBSCSIDriverPolicy"],
    // Its rights are an inline policy limited to the cluster's node groups (clusterAutoscalerPolicy).
    clusterAutoscaler: [],
} as const;

/** Who may assume each role. */
export const TRUSTED_SERVICES = {
    cluster: { service: "eks.amazonaws.com", actions: ["sts:AssumeRole", "sts:TagSession"] },
    nodes: { service: "ec2.amazonaws.com", actions: ["sts:AssumeRole"] },
    // EKS Pod Identity: the agent assumes the role for a service account's pods.
    ebsCsi: { service: "pods.eks.amazonaws.com", actions: ["sts:AssumeRole", "sts:TagSession"] },
    clusterAutoscaler: { service: "pods.eks.amazonaws.com", actions: ["sts:AssumeRole", "sts:TagSession"] },
} as const;

/**
 * What the cluster autoscaler may do (its AWS provider's documented minimum): read the
 * auto-scaling groups, instance types and node groups, and change the size of, or remove an
 * instance from, only the groups EKS tagged as this cluster's (`k8s.io/cluster-autoscaler/<cluster>`,
 * which EKS puts on every managed node group's auto-scaling group).
 */
export function clusterAutoscalerPolicy(clusterName: string): string {
    return JSON.stringify({
        Version: "2012-10-17",
        Statement: [
            {
                Effect: "Allow",
                Action: [
                    "autoscaling:DescribeAutoScalingGroups", "autoscaling:DescribeAutoScalingInstances",
                    "autoscaling:DescribeLaunchConfigurations", "autoscaling:DescribeScalingActivities", "autoscaling:DescribeTags",
                    "ec2:DescribeImages", "ec2:DescribeInstanceTypes", "ec2:DescribeLaunchTemplateVersions",
                    "ec2:GetInstanceTypesFromInstanceRequirements", "eks:DescribeNodegroup",
                ],
                Resource: "*",
            },
            {
                Effect: "Allow",
                Action: ["autoscaling:SetDesiredCapacity", "autoscaling:TerminateInstanceInAutoScalingGroup"],
                Resource: "*",
                Condition: { StringEquals: { [`aws:ResourceTag/k8s.io/cluster-autoscaler/${clusterName}`]: "owned" } },
            },
        ],
    });
}

/** A trust policy letting `service` assume the role. */
export function trustPolicy(trust: { service: string; actions: readonly string[] }): string {
    return JSON.stringify({
        Version: "2012-10-17",
        Statement: [{ Effect: "Allow", Principal: { Service: trust.service }, Action: [...trust.actions] }],
    });
}

export interface RoleWithPolicies {
    role: iam.Role;
    /** The policy attachments: whatever uses the role depends on them, so it is never used without its rights (and they outlive it on delete). */
    attachments: iam.RolePolicyAttachment[];
}

/** A role trusted by one service, with AWS managed policies attached. */
export function serviceRole(name: string, which: keyof typeof MANAGED_POLICIES, partition: pulumi.Input<string>, tags: Record<string, string>, opts: pulumi.CustomResourceOptions, description: string): RoleWithPolicies {
    const role = new iam.Role(name, {
        assumeRolePolicy: trustPolicy(TRUSTED_SERVICES[which]),
        description,
        tags,
    }, opts);
    const attachments = MANAGED_POLICIES[which].map(policy => new iam.RolePolicyAttachment(`${name}-${policy.split("/").pop()!}`, {
        role: role.name,
        policyArn: pulumi.interpolate`arn:${partition}:iam::aws:policy/${policy}`,
    }, opts));
    return { role, attachments };
}

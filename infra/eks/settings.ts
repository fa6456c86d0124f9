/**
 * Settings of the EKS platform, one structured key:
 *
 * ```yaml
 * kubelab:eks:
 *   region: eu-west-1              # AWS region of the VPC and cluster
 *   profile: workshop              # AWS profile (~/.aws/config) to deploy with; unset: the default credential chain
 *   clusterName: …                 # unset: kubelab-<stack>
 *   kubernetesVersion: "1.33"      # unset: EKS's default version
 *   vpcCidr: 10.0.0.0/16           # the cluster's VPC; a private and a public subnet per zone are cut from it
 *   availabilityZones: [eu-west-1a, eu-west-1b]   # unset: the region's first zoneCount available zones
 *   zoneCount: 2
 *   nodeInstanceType: t3.large     # EC2 instance type of the managed node group (Graviton types get ARM nodes)
 *   capacityType: ON_DEMAND        # or SPOT
 *   minNodes: 2                    # autoscaling bounds of the node group
 *   desiredNodes: …                # unset: minNodes
 *   maxNodes: 4
 *   nodeDiskSize: 20               # GiB per node
 *   volumeType: gp3                # EBS volume type of the labs' StorageClass
 *   publicAccessCidrs: [0.0.0.0/0] # who may reach the cluster's API endpoint
 *   owner: my-team                 # workshop lifecycle (infra/cloud/workshop.ts)
 *   purpose: workshop
 *   expiresAt: "2026-12-31"
 *   deletionProtection: false      # true: EKS refuses to delete the cluster
 * ```
 *
 * Kept apart from the platform module so that reading settings never loads the AWS SDK.
 */
import { z } from "zod";
import { matching, oneOf, section, setting, wholeNumber } from "../config";
import { workshopShape } from "../cloud/workshop";

/** Upper bound of the node group (a workshop cluster). */
export const EKS_MAX_NODES = 100;

/** An AWS region name: `eu-west-1`, `us-gov-west-1`, `ap-southeast-5`. */
export const AWS_REGION = /^[a-z]{2}(-gov|-iso[a-z]?)?-[a-z]+-\d{1,2}$/;

/**
 * An EC2 instance type: family (letters, generation, attributes, maybe `-flex`), `.`, size
 * (`t3.large`, `m7g.xlarge`, `c6in.2xlarge`, `m7i-flex.large`, `m7i.metal-24xl`).
 */
export const INSTANCE_TYPE = /^[a-z]+[0-9]+[a-z0-9]*(-[a-z0-9]+)?\.(nano|micro|small|medium|large|[0-9]*xlarge|metal(-[0-9]+xl)?)$/;

/** EBS volume types the labs' StorageClass may use (both provision any size the labs ask for). */
export const EBS_VOLUME_TYPES = ["gp3", "gp2"] as const;

/** An IPv4 address block `a.b.c.d/n` whose address is the block's first (no host bits set). */
function ipv4Cidr(minPrefix: number, maxPrefix: number) {
    return z.string().refine(v => {
        const m = /^(\d{1,3})\.(\d{1,3})\.(\d{1,3})\.(\d{1,3})\/(\d{1,2})$/.exec(v);
        if (!m) {
            return false;
        }
        const octets = m.slice(1, 5).map(Number);
        const prefix = Number(m[5]);
        if (octets.some(o => o > 255) || prefix < minPrefix || prefix > maxPrefix) {
            return false;
        }
        const address = octets.reduce((a, o) => a * 256 + o, 0);
        return address % 2 ** (32 - prefix) === 0;
    });
}

const cidrList = setting(z.array(ipv4Cidr(0, 32)).min(1),
    "a list of IPv4 address blocks such as [0.0.0.0/0] or [203.0.113.0/24] (no host bits set)");

const eksShape = {
    /** AWS region. */
    region: matching(AWS_REGION, "an AWS region name such as eu-west-1 or us-east-2 (aws ec2 describe-regions)").default("eu-west-1"),
    /** AWS profile of the shared config files to deploy with (and to get cluster tokens with); unset: the default credential chain. */
    profile: matching(/^[A-Za-z0-9_.+=,@-]+$/, "an AWS profile name from ~/.aws/config (aws configure list-profiles)").optional(),
    /** Name of the EKS cluster; unset: kubelab-<stack>. */
    clusterName: matching(/^[0-9A-Za-z][A-Za-z0-9_-]{0,99}$/, "an EKS cluster name: letters, digits, '-' and '_', starting with a letter or digit, at most 100 characters").optional(),
    /** Kubernetes version; unset: EKS's default. */
    kubernetesVersion: matching(/^1\.\d{2}$/, "an EKS Kubernetes version such as 1.33 (aws eks describe-cluster-versions)").optional(),
    /** Address block of the VPC. */
    vpcCidr: setting(ipv4Cidr(16, 20), "an IPv4 address block from /16 to /20 such as 10.0.0.0/16 (no host bits set)").default("10.0.0.0/16"),
    /** Availability zones of the subnets (2 to 6, in the region); unset: the first zoneCount available zones. */
    availabilityZones: setting(z.array(z.string().regex(/^[a-z]{2}(-gov|-iso[a-z]?)?-[a-z]+-\d{1,2}[a-z]$/)).min(2).max(6),
        "a list of 2 to 6 availability zone names of the region, such as [eu-west-1a, eu-west-1b]").optional(),
    /** How many zones to use when availabilityZones is unset. */
    zoneCount: wholeNumber(2, 6, " (EKS needs subnets in at least two zones)").default(2),
    /** EC2 instance type of the node group. */
    nodeInstanceType: matching(INSTANCE_TYPE, "an EC2 instance type such as t3.large, m7i.xlarge or m7g.large (family, '.', size)").default("t3.large"),
    /** On-demand or spot nodes. */
    capacityType: oneOf(["ON_DEMAND", "SPOT"] as const).default("ON_DEMAND"),
    /** Fewest nodes of the node group. */
    minNodes: wholeNumber(1, EKS_MAX_NODES).default(2),
    /** Nodes the group starts with; unset: minNodes. An autoscaler may change it afterwards (kubelab leaves it then). */
    desiredNodes: wholeNumber(1, EKS_MAX_NODES).optional(),
    /** Most nodes of the node group; at least minNodes. */
    maxNodes: wholeNumber(1, EKS_MAX_NODES).default(4),
    /** Root volume size of each node, GiB. */
    nodeDiskSize: wholeNumber(20, 1000, " (GiB)").default(20),
    /** EBS volume type of the labs' StorageClass. */
    volumeType: oneOf(EBS_VOLUME_TYPES).default("gp3"),
    /** Address blocks that may reach the cluster's public API endpoint. */
    publicAccessCidrs: cidrList.default(["0.0.0.0/0"]),
    ...workshopShape,
};

/** Every key of `kubelab:eks` (the stack file documents each). */
export const EKS_SETTING_KEYS = Object.keys(eksShape);

export const eksSettings = section(eksShape).superRefine((s, ctx) => {
    if (s.minNodes > s.maxNodes) {
        // Reported on minNodes: with maxNodes at its lowest (1), only a written minNodes can exceed it.
        ctx.addIssue({ code: "custom", path: ["minNodes"], message: `a node count at most maxNodes (${s.maxNodes}): the node group's minimum cannot exceed its maximum` });
        return;
    }
    if (s.desiredNodes !== undefined && (s.desiredNodes < s.minNodes || s.desiredNodes > s.maxNodes)) {
        ctx.addIssue({ code: "custom", path: ["desiredNodes"], message: `a node count from minNodes (${s.minNodes}) to maxNodes (${s.maxNodes})` });
    }
    const outside = (s.availabilityZones ?? []).findIndex(zone => zone.slice(0, -1) !== s.region);
    if (outside >= 0) {
        ctx.addIssue({ code: "custom", path: ["availabilityZones", outside], message: `an availability zone of the region ${s.region} (${s.region}a, ${s.region}b, …)` });
    } else if (s.availabilityZones && new Set(s.availabilityZones).size !== s.availabilityZones.length) {
        ctx.addIssue({ code: "custom", path: ["availabilityZones"], message: "a list of distinct availability zones" });
    }
});

export type EksSettings = z.output<typeof eksSettings>;

/** Whether an instance type runs on Graviton (arm64): a `g` among the attributes after the generation (`m7g`, `c6gn`, `t4g`), or the first Graviton, `a1`. */
export function isArmInstanceType(instanceType: string): boolean {
    return /^([a-z]+[0-9]+[a-z]*g[a-z]*(-[a-z0-9]+)?|a1)\./.test(instanceType);
}

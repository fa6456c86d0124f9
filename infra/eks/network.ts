/**
 * The EKS cluster's network: a VPC with, in each availability zone, a private subnet for the
 * nodes and a public one for load balancers and the NAT gateway.
 *
 * - public subnets route to an internet gateway and carry `kubernetes.io/role/elb: 1`, so that a
 *   LoadBalancer Service (the ingress controller's) gets an internet-facing load balancer there;
 * - private subnets route out through one NAT gateway (one, not one per zone: a workshop cluster
 *   does not pay for zone-redundant egress) and carry `kubernetes.io/role/internal-elb: 1`;
 * - address blocks are cut from the VPC's: private subnets get an eighth of it each (/19 of a
 *   /16), public ones a sixty-fourth (/22 of a /16) from its last eighth, so none overlap for up
 *   to six zones.
 */
import * as ec2 from "@pulumi/aws/ec2";
import * as pulumi from "@pulumi/pulumi";

/**
 * The `index`-th block of `cidr` with `newBits` more prefix bits (Terraform's `cidrsubnet`):
 * `subnetCidr("10.0.0.0/16", 3, 1)` is `10.0.32.0/19`.
 */
export function subnetCidr(cidr: string, newBits: number, index: number): string {
    const [address, prefixText] = cidr.split("/");
    const prefix = Number(prefixText) + newBits;
    if (prefix > 32 || index < 0 || index >= 2 ** newBits) {
        throw new Error(`subnetCidr: block ${index} of /${prefix} does not fit in ${cidr}`);
    }
    const base = address.split(".").reduce((a, o) => a * 256 + Number(o), 0);
    const start = base + index * 2 ** (32 - prefix);
    const octets = [24, 16, 8, 0].map(shift => Math.floor(start / 2 ** shift) % 256);
    return `${octets.join(".")}/${prefix}`;
}

/** Address blocks of zone `i`'s subnets. */
export function zoneCidrs(vpcCidr: string, i: number): { private: string; public: string } {
    return { private: subnetCidr(vpcCidr, 3, i), public: subnetCidr(vpcCidr, 6, 56 + i) };
}

export interface EksNetworkArgs {
    vpcCidr: string;
    /** One entry per zone; the names may be known only at deployment (from the region's zones). */
    zones: pulumi.Input<string>[];
    /** The EKS cluster's name, for the subnets' `kubernetes.io/cluster/<name>` tag. */
    clusterName: string;
    tags: Record<string, string>;
}

export class EksNetwork extends pulumi.ComponentResource {
    readonly vpc: ec2.Vpc;
    readonly privateSubnets: ec2.Subnet[] = [];
    readonly publicSubnets: ec2.Subnet[] = [];
    readonly natGateway: ec2.NatGateway;
    /** What the nodes need before they can join: their route out through the NAT gateway. */
    readonly egress: pulumi.Resource[] = [];

    constructor(name: string, args: EksNetworkArgs, opts?: pulumi.ComponentResourceOptions) {
        super("kubelab:infra:EksNetwork", name, {}, opts);
        const parent = { parent: this };
        const tagged = (what: string, extra: Record<string, string> = {}) => ({ ...args.tags, Name: `${args.clusterName}-${what}`, ...extra });

        this.vpc = new ec2.Vpc(`${name}-vpc`, {
            cidrBlock: args.vpcCidr,
            enableDnsHostnames: true,
            enableDnsSupport: true,
            tags: tagged("vpc"),
        }, parent);
        const igw = new ec2.InternetGateway(`${name}-igw`, { vpcId: this.vpc.id, tags: tagged("igw") }, parent);
        const publicRoutes = new ec2.RouteTable(`${name}-public`, {
            vpcId: this.vpc.id,
            routes: [{ cidrBlock: "0.0.0.0/0", gatewayId: igw.id }],
            tags: tagged("public"),
        }, parent);

        const clusterTag = { [`kubernetes.io/cluster/${args.clusterName}`]: "shared" };
        args.zones.forEach((zone, i) => {
            const cidrs = zoneCidrs(args.vpcCidr, i);
            const pub = new ec2.Subnet(`${name}-public-${i}`, {
                vpcId: this.vpc.id,
                cidrBlock: cidrs.public,
                availabilityZone: zone,
                mapPublicIpOnLaunch: true,
                tags: tagged(`public-${i}`, { ...clusterTag, "kubernetes.io/role/elb": "1" }),
            }, parent);
            new ec2.RouteTableAssociation(`${name}-public-${i}`, { subnetId: pub.id, routeTableId: publicRoutes.id }, parent);
            this.publicSubnets.push(pub);
            this.privateSubnets.push(new ec2.Subnet(`${name}-private-${i}`, {
                vpcId: this.vpc.id,
                cidrBlock: cidrs.private,
                availabilityZone: zone,
                tags: tagged(`private-${i}`, { ...clusterTag, "kubernetes.io/role/internal-elb": "1" }),
            }, parent));
        });

        const eip = new ec2.Eip(`${name}-nat`, { domain: "vpc", tags: tagged("nat") }, { ...parent, dependsOn: [igw] });
        this.natGateway = new ec2.NatGateway(`${name}-nat`, {
            allocationId: eip.allocationId,
            subnetId: this.publicSubnets[0].id,
            connectivityType: "public",
            tags: tagged("nat"),
        }, { ...parent, dependsOn: [igw] });
        const privateRoutes = new ec2.RouteTable(`${name}-private`, {
            vpcId: this.vpc.id,
            routes: [{ cidrBlock: "0.0.0.0/0", natGatewayId: this.natGateway.id }],
            tags: tagged("private"),
        }, parent);
        this.egress.push(this.natGateway, privateRoutes);
        this.privateSubnets.forEach((subnet, i) => {
            this.egress.push(new ec2.RouteTableAssociation(`${name}-private-${i}`, { subnetId: subnet.id, routeTableId: privateRoutes.id }, parent));
        });

        this.registerOutputs({ vpcId: this.vpc.id });
    }
}

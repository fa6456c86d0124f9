/**
 * `@pulumi/aws`, as the EKS platform (infra/eks/) uses it.
 *
 * - Names: a resource's name input (`name`, `nodeGroupName`) is its name; unset, the provider's
 *   Check auto-names it from the resource name with a random suffix, in a preview too, so the
 *   name is known either way (the suffix here is derived from the resource name, so plans are
 *   reproducible).
 * - Everything AWS computes (ids, ARNs, the cluster's endpoint and certificate authority, the
 *   NAT gateway's address) is unknown in a preview and well-formed in an update, in the one
 *   account {@link MOCK_ACCOUNT_ID} (AWS's documentation example).
 * - Invokes: the caller identity, the partition (`aws`), the region, and the availability zones
 *   of the region the program asks for (`<region>a`, `b`, `c`).
 */
import * as pulumi from "@pulumi/pulumi";
import { createHash } from "crypto";
import { CloudMock, MockState } from "./types";

/** The account every mocked resource lives in. */
export const MOCK_ACCOUNT_ID = "123456789012";
/** The identity the offline plan runs as. */
export const MOCK_CALLER_ARN = `arn:aws:iam::${MOCK_ACCOUNT_ID}:user/kubelab-plan`;
/** The region where the program names none. */
const DEFAULT_REGION = "us-east-1";

function hex(seed: string, length: number): string {
    return createHash("sha256").update(seed).digest("hex").slice(0, length);
}

function str(value: unknown): string | undefined {
    return typeof value === "string" ? value : undefined;
}

function regionOf(inputs: MockState): string {
    return str(inputs.region) ?? DEFAULT_REGION;
}

interface AwsType {
    /** The input holding the resource's name, auto-named when unset; none for resources without a name. */
    nameInput?: string;
    /** The resource's id (update only). */
    id(inputs: MockState, name: string): string;
    /** What AWS computes, in an update; unknown in a preview. */
    computed?(inputs: MockState, name: string, id: string): MockState;
}

/** An EC2 id: `<prefix>-` and 17 hex digits. */
const ec2Id = (prefix: string) => (_inputs: MockState, name: string) => `${prefix}-${hex(name, 17)}`;
const arn = (inputs: MockState, service: string, resource: string) => `arn:aws:${service}:${regionOf(inputs)}:${MOCK_ACCOUNT_ID}:${resource}`;

const TYPES: Record<string, AwsType> = {
    "aws:ec2/vpc:Vpc": {
        id: ec2Id("vpc"),
        computed: (inputs, _name, id) => ({
            arn: arn(inputs, "ec2", `vpc/${id}`),
            defaultSecurityGroupId: `sg-${hex(`${id}/sg`, 17)}`,
            mainRouteTableId: `rtb-${hex(`${id}/rtb`, 17)}`,
            ownerId: MOCK_ACCOUNT_ID,
        }),
    },
    "aws:ec2/internetGateway:InternetGateway": {
        id: ec2Id("igw"),
        computed: (inputs, _name, id) => ({ arn: arn(inputs, "ec2", `internet-gateway/${id}`), ownerId: MOCK_ACCOUNT_ID }),
    },
    "aws:ec2/subnet:Subnet": {
        id: ec2Id("subnet"),
        computed: (inputs, _name, id) => ({ arn: arn(inputs, "ec2", `subnet/${id}`), ownerId: MOCK_ACCOUNT_ID }),
    },
    "aws:ec2/routeTable:RouteTable": {
        id: ec2Id("rtb"),
        computed: (inputs, _name, id) => ({ arn: arn(inputs, "ec2", `route-table/${id}`), ownerId: MOCK_ACCOUNT_ID }),
    },
    "aws:ec2/routeTableAssociation:RouteTableAssociation": { id: ec2Id("rtbassoc") },
    "aws:ec2/eip:Eip": {
        id: ec2Id("eipalloc"),
        computed: (_inputs, name, id) => ({ allocationId: id, publicIp: `198.51.100.${parseInt(hex(name, 2), 16) % 254 + 1}` }),
    },
    "aws:ec2/natGateway:NatGateway": {
        id: ec2Id("nat"),
        computed: (_inputs, name) => ({ publicIp: `198.51.100.${parseInt(hex(`${name}/nat`, 2), 16) % 254 + 1}`, privateIp: "10.0.224.10" }),
    },
    "aws:iam/role:Role": {
        nameInput: "name",
        id: (_inputs, name) => name,
        computed: (_inputs, name) => ({ arn: `arn:aws:iam::${MOCK_ACCOUNT_ID}:role/${name}`, uniqueId: `AROA${hex(name, 17).toUpperCase()}` }),
    },
    "aws:iam/rolePolicy:RolePolicy": { nameInput: "name", id: (inputs, name) => `${str(inputs.role) ?? "role"}:${name}` },
    "aws:iam/rolePolicyAttachment:RolePolicyAttachment": { id: (inputs, name) => `${str(inputs.role) ?? name}-${hex(name, 20)}` },
    "aws:eks/cluster:Cluster": {
        nameInput: "name",
        id: (_inputs, name) => name,
        computed: (inputs, name) => ({
            arn: arn(inputs, "eks", `cluster/${name}`),
            endpoint: `https://${hex(name, 32).toUpperCase()}.gr7.${regionOf(inputs)}.eks.amazonaws.com`,
            certificateAuthority: { data: Buffer.from(`mock certificate authority of ${name}`).toString("base64") },
            clusterId: hex(`${name}/id`, 32),
            platformVersion: "eks.1",
            status: "ACTIVE",
            version: str(inputs.version) ?? "1.33",
            identities: [{ oidcs: [{ issuer: `https://oidc.eks.${regionOf(inputs)}.amazonaws.com/id/${hex(name, 32).toUpperCase()}` }] }],
        }),
    },
    "aws:eks/nodeGroup:NodeGroup": {
        nameInput: "nodeGroupName",
        id: (inputs, name) => `${str(inputs.clusterName) ?? "cluster"}:${name}`,
        computed: (inputs, name) => ({
            arn: arn(inputs, "eks", `nodegroup/${str(inputs.clusterName) ?? "cluster"}/${name}/${hex(name, 8)}`),
            status: "ACTIVE",
            releaseVersion: "1.33.0-20251101",
            version: "1.33",
            resources: [{ autoscalingGroups: [{ name: `eks-${name}-${hex(name, 8)}` }], remoteAccessSecurityGroupId: "" }],
        }),
    },
    "aws:eks/addon:Addon": {
        id: inputs => `${str(inputs.clusterName) ?? "cluster"}:${str(inputs.addonName) ?? "addon"}`,
        computed: (inputs, name) => ({
            arn: arn(inputs, "eks", `addon/${str(inputs.clusterName) ?? "cluster"}/${str(inputs.addonName) ?? name}/${hex(name, 8)}`),
            addonVersion: str(inputs.addonVersion) ?? "v1.0.0-eksbuild.1",
        }),
    },
    "aws:eks/podIdentityAssociation:PodIdentityAssociation": {
        id: (_inputs, name) => `a-${hex(name, 17)}`,
        computed: (inputs, name) => ({
            associationId: `a-${hex(name, 17)}`,
            associationArn: arn(inputs, "eks", `podidentityassociation/${str(inputs.clusterName) ?? "cluster"}/a-${hex(name, 17)}`),
        }),
    },
};

/** The availability zones of a region as DescribeAvailabilityZones lists them: a, b, c. */
export function mockAvailabilityZones(region: string): { names: string[]; zoneIds: string[] } {
    const short = region.split("-").map((part, i) => i === 0 ? part : /^\d+$/.test(part) ? part : part[0]).join("");
    return { names: ["a", "b", "c"].map(z => `${region}${z}`), zoneIds: [1, 2, 3].map(n => `${short}-az${n}`) };
}

export const awsMock: CloudMock = {
    prefix: "aws:",

    newResource(type, name, inputs, preview) {
        const model = TYPES[type];
        if (!model) {
            throw new Error(`kubelab mocks: no aws behaviour is modelled for resource type ${type} (${name}); teach tools/cloud-mocks/aws.ts`);
        }
        const state: MockState = { ...inputs };
        let resourceName = name;
        if (model.nameInput) {
            resourceName = str(inputs[model.nameInput]) ?? `${name}-${hex(name, 7)}`;
            state[model.nameInput] = resourceName;
        }
        if (inputs.tags && typeof inputs.tags === "object") {
            state.tagsAll = inputs.tags;
        }
        const id = model.id(inputs, resourceName);
        const computed = model.computed?.(inputs, resourceName, id) ?? {};
        // What the program set stays as set (a cluster's `version`); the rest AWS computes.
        const fromAws = Object.keys(computed).filter(key => inputs[key] === undefined);
        if (preview) {
            for (const key of fromAws) {
                state[key] = pulumi.unknown;
            }
            return { id: undefined, state };
        }
        return { id, state: { ...state, ...Object.fromEntries(fromAws.map(key => [key, computed[key]])) } };
    },

    call(token, inputs) {
        switch (token) {
            case "aws:index/getCallerIdentity:getCallerIdentity":
                return { accountId: MOCK_ACCOUNT_ID, arn: MOCK_CALLER_ARN, userId: "AIDAKUBELABPLANMOCK01", id: MOCK_ACCOUNT_ID };
            case "aws:index/getPartition:getPartition":
                return { partition: "aws", dnsSuffix: "amazonaws.com", reverseDnsPrefix: "com.amazonaws", id: "aws" };
            case "aws:index/getRegion:getRegion": {
                const region = str(inputs.region) ?? DEFAULT_REGION;
                return { region, name: region, id: region, endpoint: `ec2.${region}.amazonaws.com`, description: region };
            }
            case "aws:index/getAvailabilityZones:getAvailabilityZones": {
                const region = regionOf(inputs);
                const zones = mockAvailabilityZones(region);
                return { ...zones, groupNames: [region], id: region, state: str(inputs.state) ?? null, filters: inputs.filters ?? null };
            }
            default:
                throw new Error(`kubelab mocks: the program called invoke ${token}, which the offline plan does not answer; teach tools/cloud-mocks/aws.ts what the provider returns`);
        }
    },
};

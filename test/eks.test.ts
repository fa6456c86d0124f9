/**
 * The EKS platform through the real program (stacks/Pulumi.eks.yaml under the aws mocks): the
 * network, the cluster and its role, the node group's autoscaling bounds, the Pod Identity agent
 * and EBS CSI add-ons with the driver's role and association, the StorageClass, the cluster
 * services and the cluster autoscaler, the workshop tags, the kubeconfig (a secret, unknown in a
 * preview of a new cluster), every lab object on the cluster's provider, the aws modules a plan
 * loads, the stack file's documentation, and bad settings failing with the key named.
 */
import * as assert from "assert";
import { spawnSync } from "child_process";
import * as fs from "fs";
import * as path from "path";
import { INGRESS_NGINX_CHART, METRICS_SERVER_CHART } from "../infra/cloud/cluster-services";
import { CLUSTER_AUTOSCALER_CHART } from "../infra/eks/autoscaler";
import { subnetCidr, zoneCidrs } from "../infra/eks/network";
import { EKS_SETTING_KEYS, isArmInstanceType } from "../infra/eks/settings";
import { Plan, ROOT, exitCodeOf, plan } from "../tools/plan-lib";
import { ProgramFailure, RecordedResource } from "../tools/recorder";
import { UNKNOWN_SENTINEL } from "../tools/render";
import { SECRET_MARKER, buildReport } from "../tools/report";
import { SECRET_SIG, SIG_KEY, Wire, deployedStack, onlyResource, platformStack, stackPlan } from "./helpers";
import { StackConfig } from "../tools/stack-config";
import { MOCK_ACCOUNT_ID } from "../tools/cloud-mocks/aws";

const T = {
    vpc: "aws:ec2/vpc:Vpc",
    subnet: "aws:ec2/subnet:Subnet",
    natGateway: "aws:ec2/natGateway:NatGateway",
    routeTable: "aws:ec2/routeTable:RouteTable",
    association: "aws:ec2/routeTableAssociation:RouteTableAssociation",
    role: "aws:iam/role:Role",
    attachment: "aws:iam/rolePolicyAttachment:RolePolicyAttachment",
    cluster: "aws:eks/cluster:Cluster",
    nodeGroup: "aws:eks/nodeGroup:NodeGroup",
    addon: "aws:eks/addon:Addon",
    podIdentity: "aws:eks/podIdentityAssociation:PodIdentityAssociation",
    rolePolicy: "aws:iam/rolePolicy:RolePolicy",
    release: "kubernetes:helm.sh/v3:Release",
    awsProvider: "pulumi:providers:aws",
    k8sProvider: "pulumi:providers:kubernetes",
} as const;

/** AWS resource types that take no tags (AWS's own rule, not an omission). */
const UNTAGGABLE = new Set<string>([T.association, T.attachment, T.rolePolicy]);


/** The eks stack file, with `eks` merged into kubelab:eks and other keys replaced by `extra`. */
const eksStack = (eks: Record<string, unknown> = {}, extra: Record<string, string> = {}): StackConfig => platformStack("eks", eks, extra);

function all(p: Plan, type: string): RecordedResource[] {
    return p.recording.resources.filter(r => r.type === type);
}

const only = onlyResource;

/** Whether `r` is managed by the provider resource `provider` (its reference is the URN, with `::<id>` once the id is known). */
function isOn(r: RecordedResource, provider: RecordedResource): boolean {
    return r.provider === provider.urn || (r.provider?.startsWith(`${provider.urn}::`) ?? false);
}

/** The stack's registered outputs, where secrets are still marked (`stackOutputs` is unknown as a whole when one output is). */
function stackOutputs(p: Plan): Wire {
    return (p.recording.resources[0].outputs ?? {}) as Wire;
}

/** The Helm releases of the cluster services (the autoscaler, tested on its own, left out). */
function serviceReleases(p: Plan): RecordedResource[] {
    return all(p, T.release).filter(r => r.inputs.chart !== CLUSTER_AUTOSCALER_CHART.chart);
}

function named(p: Plan, type: string, name: string): RecordedResource {
    const found = all(p, type).find(r => r.name === name);
    assert.ok(found, `${type} ${name}`);
    return found;
}

/** The policy ARNs attached to the role `role` (the attachments' `role` input is the role's name). */
function policiesOf(p: Plan, role: RecordedResource): string[] {
    return all(p, T.attachment).filter(a => a.inputs.role === role.state.name).map(a => String(a.inputs.policyArn)).sort();
}

function trustedService(role: RecordedResource): { service: string; actions: string[] } {
    const doc = JSON.parse(String(role.inputs.assumeRolePolicy)) as { Statement: { Principal: { Service: string }; Action: string[] }[] };
    assert.strictEqual(doc.Statement.length, 1);
    return { service: doc.Statement[0].Principal.Service, actions: doc.Statement[0].Action };
}


describe("EKS platform: the eks stack", function () {
    this.timeout(60000);
    let p: Plan;

    before(async () => {
        p = await stackPlan("eks");
    });

    it("plans cleanly: valid objects, no mandatory policy violation", () => {
        assert.deepStrictEqual(p.schemaFailures, []);
        assert.strictEqual(exitCodeOf(p), 0);
        assert.strictEqual(stackOutputs(p).platform, "eks");
    });

    it("uses one AWS provider in the configured region, which every AWS resource and invoke goes through", () => {
        const aws = only(p, T.awsProvider);
        assert.strictEqual(aws.inputs.region, "eu-west-1");
        assert.strictEqual(aws.inputs.profile, undefined, "no profile: the default credential chain");
        for (const r of p.recording.resources.filter(r => r.custom && r.type.startsWith("aws:"))) {
            assert.ok(isOn(r, aws), `${r.type} ${r.name} is on ${r.provider}`);
        }
    });

    it("builds a VPC with a private and a public subnet in each of two zones of the region, nodes private", () => {
        const vpc = only(p, T.vpc);
        assert.strictEqual(vpc.inputs.cidrBlock, "10.0.0.0/16");
        assert.strictEqual(vpc.inputs.enableDnsHostnames, true);
        const subnets = all(p, T.subnet);
        const pub = subnets.filter(s => s.inputs.mapPublicIpOnLaunch === true);
        const priv = subnets.filter(s => s.inputs.mapPublicIpOnLaunch !== true);
        assert.strictEqual(pub.length, 2);
        assert.strictEqual(priv.length, 2);
        // In a preview the zones come from the region's list (the invoke is answered offline).
        assert.deepStrictEqual(priv.map(s => s.inputs.availabilityZone), ["eu-west-1a", "eu-west-1b"]);
        assert.deepStrictEqual(pub.map(s => s.inputs.availabilityZone), ["eu-west-1a", "eu-west-1b"]);
        assert.deepStrictEqual(priv.map(s => s.inputs.cidrBlock), ["10.0.0.0/19", "10.0.32.0/19"]);
        assert.deepStrictEqual(pub.map(s => s.inputs.cidrBlock), ["10.0.224.0/22", "10.0.228.0/22"]);
        for (const s of pub) {
            assert.strictEqual((s.inputs.tags as Record<string, string>)["kubernetes.io/role/elb"], "1", "load balancers go in the public subnets");
        }
        for (const s of priv) {
            assert.strictEqual((s.inputs.tags as Record<string, string>)["kubernetes.io/role/internal-elb"], "1");
        }
        const nat = only(p, T.natGateway);
        assert.ok(nat.dependencies.includes(pub[0].urn), "the NAT gateway is in a public subnet");
        const routes = all(p, T.routeTable).map(r => (r.inputs.routes as Wire[])[0]);
        assert.deepStrictEqual(routes.map(r => r.cidrBlock), ["0.0.0.0/0", "0.0.0.0/0"]);
        assert.strictEqual(all(p, T.association).length, 4);
    });

    it("cuts non-overlapping subnet blocks for up to six zones, from /16 to /20", () => {
        assert.strictEqual(subnetCidr("10.0.0.0/16", 3, 1), "10.0.32.0/19");
        assert.strictEqual(subnetCidr("172.16.0.0/20", 6, 63), "172.16.15.192/26");
        for (const vpc of ["10.0.0.0/16", "10.8.0.0/20"]) {
            const blocks = Array.from({ length: 6 }, (_, i) => zoneCidrs(vpc, i)).flatMap(z => [z.private, z.public]);
            const ranges = blocks.map(b => {
                const [a, n] = b.split("/");
                const start = a.split(".").reduce((s, o) => s * 256 + Number(o), 0);
                return [start, start + 2 ** (32 - Number(n))];
            }).sort((x, y) => x[0] - y[0]);
            for (let i = 1; i < ranges.length; i++) {
                assert.ok(ranges[i][0] >= ranges[i - 1][1], `${vpc}: ${blocks.join(" ")}`);
            }
        }
        assert.throws(() => subnetCidr("10.0.0.0/16", 3, 8), /does not fit/);
    });

    it("creates the cluster with its own role (AmazonEKSClusterPolicy), in every subnet, deletable, creator as admin", () => {
        const cluster = only(p, T.cluster);
        assert.strictEqual(cluster.inputs.name, "kubelab-eks-cluster");
        const role = named(p, T.role, "eks-cluster-role");
        assert.deepStrictEqual(trustedService(role), { service: "eks.amazonaws.com", actions: ["sts:AssumeRole", "sts:TagSession"] });
        assert.deepStrictEqual(policiesOf(p, role), ["arn:aws:iam::aws:policy/AmazonEKSClusterPolicy"]);
        assert.ok(cluster.dependencies.includes(role.urn));
        const attachments = all(p, T.attachment).filter(a => a.inputs.role === role.state.name);
        for (const a of attachments) {
            assert.ok(cluster.dependencies.includes(a.urn), "the cluster waits for (and on delete outlives) its role's policy");
        }
        const vpcConfig = cluster.inputs.vpcConfig as Wire;
        assert.strictEqual((vpcConfig.subnetIds as unknown[]).length, 4);
        assert.deepStrictEqual(vpcConfig.publicAccessCidrs, ["0.0.0.0/0"]);
        assert.deepStrictEqual(cluster.inputs.accessConfig, { authenticationMode: "API", bootstrapClusterCreatorAdminPermissions: true });
        assert.strictEqual(cluster.inputs.deletionProtection, false, "a workshop cluster goes with pulumi destroy");
        assert.strictEqual(cluster.inputs.version, undefined, "EKS's default version");
    });

    it("gives the managed node group its role and the configured autoscaling bounds, and leaves the desired size to an autoscaler", () => {
        const group = only(p, T.nodeGroup);
        assert.deepStrictEqual(group.inputs.scalingConfig, { minSize: 2, desiredSize: 2, maxSize: 4 });
        assert.deepStrictEqual(group.inputs.instanceTypes, ["t3.large"]);
        assert.strictEqual(group.inputs.amiType, "AL2023_x86_64_STANDARD");
        assert.strictEqual(group.inputs.capacityType, "ON_DEMAND");
        assert.ok(group.options.ignoreChanges.includes("scalingConfig.desiredSize"));
        const role = named(p, T.role, "eks-node-role");
        assert.deepStrictEqual(trustedService(role).service, "ec2.amazonaws.com");
        assert.deepStrictEqual(policiesOf(p, role), [
            "arn:aws:iam::aws:policy/AmazonEC2ContainerRegistryReadOnly",
            "arn:aws:iam::aws:policy/AmazonEKSWorkerNodePolicy",
            "arn:aws:iam::aws:policy/AmazonEKS_CNI_Policy",
        ]);
        const privateSubnets = all(p, T.subnet).filter(s => s.inputs.mapPublicIpOnLaunch !== true).map(s => s.urn);
        assert.ok(privateSubnets.every(u => group.dependencies.includes(u)), "nodes in the private subnets");
        assert.ok(group.dependencies.includes(only(p, T.natGateway).urn), "nodes wait for their way out");
    });

    it("follows the node settings from config; Graviton types get ARM nodes", async () => {
        const q = await plan("eks", { config: eksStack({ minNodes: 1, desiredNodes: 3, maxNodes: 6, nodeInstanceType: "m7g.xlarge", capacityType: "SPOT", kubernetesVersion: "1.33" }) });
        const group = only(q, T.nodeGroup);
        assert.deepStrictEqual(group.inputs.scalingConfig, { minSize: 1, desiredSize: 3, maxSize: 6 });
        assert.deepStrictEqual([group.inputs.instanceTypes, group.inputs.amiType, group.inputs.capacityType], [["m7g.xlarge"], "AL2023_ARM_64_STANDARD", "SPOT"]);
        assert.strictEqual(only(q, T.cluster).inputs.version, "1.33");
        assert.strictEqual(only(q, T.cluster).state.version, "1.33", "a version the program sets is known in a preview; only what AWS computes is not");
        assert.deepStrictEqual(["t3.large", "m7i-flex.large", "g5.xlarge", "c7i.metal-48xl"].filter(isArmInstanceType), []);
        assert.deepStrictEqual(["t4g.medium", "c6gn.large", "m7gd.2xlarge", "r8g.metal-24xl", "a1.large"].filter(isArmInstanceType).length, 5);
    });

    it("manages the VPC CNI with NetworkPolicy enforcement on, before the nodes start", () => {
        const cni = all(p, T.addon).find(a => a.inputs.addonName === "vpc-cni")!;
        assert.ok(cni, "vpc-cni add-on");
        assert.deepStrictEqual(JSON.parse(String(cni.inputs.configurationValues)), { enableNetworkPolicy: "true" });
        assert.ok(only(p, T.nodeGroup).dependencies.includes(cni.urn));
        assert.ok(p.objects.some(o => o.kind === "NetworkPolicy"), "the labs' NetworkPolicies, which it enforces");
    });

    it("installs the Pod Identity agent and the EBS CSI driver, whose controller gets AmazonEBSCSIDriverPolicy through a Pod Identity association", () => {
        const addons = all(p, T.addon).filter(a => a.inputs.addonName !== "vpc-cni");
        assert.deepStrictEqual(addons.map(a => a.inputs.addonName), ["eks-pod-identity-agent", "aws-ebs-csi-driver"]);
        const [agent, csi] = addons;
        const group = only(p, T.nodeGroup);
        assert.ok(agent.dependencies.includes(group.urn) && csi.dependencies.includes(group.urn), "add-ons with pods wait for nodes");
        const role = named(p, T.role, "eks-ebs-csi-role");
        assert.deepStrictEqual(trustedService(role), { service: "pods.eks.amazonaws.com", actions: ["sts:AssumeRole", "sts:TagSession"] });
        assert.deepStrictEqual(policiesOf(p, role), ["arn:aws:iam::aws:policy/service-role/AmazonEBSCSIDriverPolicy"]);
        const association = all(p, T.podIdentity).find(a => a.inputs.serviceAccount === "ebs-csi-controller-sa")!;
        assert.deepStrictEqual([association.inputs.namespace, association.inputs.serviceAccount], ["kube-system", "ebs-csi-controller-sa"]);
        assert.strictEqual(association.inputs.clusterName, "kubelab-eks-cluster");
        assert.ok(association.dependencies.includes(role.urn));
        assert.ok(csi.dependencies.includes(association.urn) && csi.dependencies.includes(agent.urn),
            "the driver's pods start after the association and the agent, so they get credentials");
    });

    it("in an update, the association names the CSI role's ARN in the stack's account", async () => {
        const q = await plan("eks", { config: deployedStack("eks"), update: true });
        const role = named(q, T.role, "eks-ebs-csi-role");
        assert.match(String(role.state.arn), new RegExp(`^arn:aws:iam::${MOCK_ACCOUNT_ID}:role/eks-ebs-csi-role-[0-9a-f]{7}$`));
        assert.strictEqual(all(q, T.podIdentity).find(a => a.inputs.serviceAccount === "ebs-csi-controller-sa")!.inputs.roleArn, role.state.arn);
        assert.strictEqual(only(q, T.nodeGroup).inputs.nodeRoleArn, named(q, T.role, "eks-node-role").state.arn);
    });

    it("runs the cluster autoscaler between the bounds, with a Pod Identity role limited to this cluster's node groups", () => {
        const release = all(p, T.release).find(r => r.inputs.chart === CLUSTER_AUTOSCALER_CHART.chart)!;
        assert.ok(release, "cluster-autoscaler release");
        assert.deepStrictEqual([release.inputs.version, release.inputs.namespace], [CLUSTER_AUTOSCALER_CHART.version, "kube-system"]);
        assert.deepStrictEqual(release.inputs.repositoryOpts, { repo: "https://kubernetes.github.io/autoscaler" });
        const values = release.inputs.values as { cloudProvider: string; awsRegion: string; autoDiscovery: { clusterName: string }; rbac: { serviceAccount: { name: string } } };
        assert.deepStrictEqual([values.cloudProvider, values.awsRegion, values.autoDiscovery.clusterName], ["aws", "eu-west-1", "kubelab-eks-cluster"]);
        const association = all(p, T.podIdentity).find(a => a.inputs.serviceAccount === values.rbac.serviceAccount.name)!;
        assert.ok(association, "an association for the chart's service account");
        assert.strictEqual(association.inputs.namespace, "kube-system");
        const role = named(p, T.role, "eks-autoscaler-role");
        assert.strictEqual(trustedService(role).service, "pods.eks.amazonaws.com");
        const policy = JSON.parse(String(only(p, T.rolePolicy).inputs.policy)) as { Statement: { Action: string[]; Condition?: { StringEquals: Record<string, string> } }[] };
        const scaling = policy.Statement.find(st => st.Action.includes("autoscaling:SetDesiredCapacity"))!;
        assert.deepStrictEqual(scaling.Condition, { StringEquals: { "aws:ResourceTag/k8s.io/cluster-autoscaler/kubelab-eks-cluster": "owned" } });
        assert.ok(release.dependencies.includes(association.urn), "its pods start with credentials");
        const agent = all(p, T.addon).find(a => a.inputs.addonName === "eks-pod-identity-agent")!;
        assert.ok(release.dependencies.includes(agent.urn));
    });

    it("has no autoscaler when the node group can't scale (minNodes = maxNodes)", async () => {
        const q = await plan("eks", { config: eksStack({ minNodes: 3, maxNodes: 3 }) });
        assert.ok(!all(q, T.release).some(r => r.inputs.chart === CLUSTER_AUTOSCALER_CHART.chart));
        assert.deepStrictEqual(all(q, T.rolePolicy), []);
        assert.deepStrictEqual(only(q, T.nodeGroup).inputs.scalingConfig, { minSize: 3, desiredSize: 3, maxSize: 3 });
        assert.ok(!only(q, T.nodeGroup).options.ignoreChanges.includes("scalingConfig.desiredSize"), "without an autoscaler, the configured size is applied");
    });

    it("puts the labs' claims on an encrypted gp3 EBS StorageClass that waits for the pod and can expand", () => {
        const classes = p.objects.filter(o => o.kind === "StorageClass");
        assert.strictEqual(classes.length, 1);
        assert.strictEqual(classes[0].name, "kubelab-eks-expandable");
        const sc = classes[0].object as { provisioner: string; parameters: Record<string, string>; allowVolumeExpansion: boolean; volumeBindingMode: string; reclaimPolicy: string };
        assert.strictEqual(sc.provisioner, "ebs.csi.aws.com");
        assert.strictEqual(sc.parameters.type, "gp3");
        assert.strictEqual(sc.parameters.encrypted, "true");
        assert.strictEqual(sc.allowVolumeExpansion, true);
        assert.strictEqual(sc.volumeBindingMode, "WaitForFirstConsumer");
        assert.strictEqual(sc.reclaimPolicy, "Delete", "a workshop stack deletes released volumes");
        const volumeTags = Object.entries(sc.parameters).filter(([k]) => k.startsWith("tagSpecification_")).map(([, v]) => v).sort();
        assert.deepStrictEqual(volumeTags, ["expires-at=2026-12-31", "kubelab-stack=eks", "managed-by=kubelab", "owner=workshop-team", "purpose=k8s-workshop"], "volumes carry the workshop tags");
        const claims = p.objects.filter(o => o.kind === "StatefulSet" || o.kind === "PersistentVolumeClaim").flatMap(o => o.kind === "PersistentVolumeClaim"
            ? [(o.object as { spec: { storageClassName: string } }).spec.storageClassName]
            : ((o.object as { spec: { volumeClaimTemplates?: { spec: { storageClassName: string } }[] } }).spec.volumeClaimTemplates ?? []).map(t => t.spec.storageClassName));
        assert.ok(claims.length >= 3, claims.join(", "));
        assert.ok(claims.every(c => c === "kubelab-eks-expandable"), claims.join(", "));
    });

    it("takes the volume type from config, and retains volumes when protectData is on", async () => {
        const q = await plan("eks", { config: eksStack({ volumeType: "gp2" }, { "kubelab:protectData": "true" }) });
        const sc = q.objects.find(o => o.kind === "StorageClass")!.object as { parameters: Record<string, string>; reclaimPolicy: string };
        assert.strictEqual(sc.parameters.type, "gp2");
        assert.strictEqual(sc.reclaimPolicy, "Retain");
    });

    it("installs ingress-nginx (an NLB carrying the workshop tags) and metrics-server, pinned, from their official repositories", () => {
        const releases = serviceReleases(p);
        assert.deepStrictEqual(releases.map(r => r.inputs.chart).sort(), ["ingress-nginx", "metrics-server"]);
        for (const [chart, pinned] of [["ingress-nginx", INGRESS_NGINX_CHART], ["metrics-server", METRICS_SERVER_CHART]] as const) {
            const r = releases.find(x => x.inputs.chart === chart)!;
            assert.strictEqual(r.inputs.version, pinned.version);
            assert.deepStrictEqual(r.inputs.repositoryOpts, { repo: pinned.repo });
            assert.strictEqual(r.inputs.namespace, pinned.namespace);
        }
        const ingress = releases.find(r => r.inputs.chart === "ingress-nginx")!;
        const service = (ingress.inputs.values as { controller: { service: { type: string; annotations: Record<string, string> } } }).controller.service;
        assert.strictEqual(service.type, "LoadBalancer");
        assert.strictEqual(service.annotations["service.beta.kubernetes.io/aws-load-balancer-type"], "nlb");
        assert.strictEqual(service.annotations["service.beta.kubernetes.io/aws-load-balancer-additional-resource-tags"],
            "owner=workshop-team,purpose=k8s-workshop,expires-at=2026-12-31,managed-by=kubelab,kubelab-stack=eks");
        assert.deepStrictEqual(p.recording.notRenderedOffline.map(n => n.type), [T.release, T.release, T.release], "listed as not rendered offline (the autoscaler's too)");
    });

    it("installs only what the labs need: no cluster service without labs, no metrics-server without nanomon", async () => {
        const none = await plan("eks", { config: eksStack({}, { "kubelab:labs": "[]" }) });
        assert.deepStrictEqual(serviceReleases(none), []);
        assert.strictEqual(none.objects.filter(o => o.kind === "StorageClass").length, 1);
        const smilr = await plan("eks", { config: eksStack({}, { "kubelab:labs": "[\"smilr\"]" }) });
        assert.deepStrictEqual(serviceReleases(smilr).map(r => r.inputs.chart), ["ingress-nginx"]);
    });

    it("tags every AWS resource with owner, purpose, expiry, managed-by and the stack", () => {
        const aws = p.recording.resources.filter(r => r.custom && r.type.startsWith("aws:"));
        assert.ok(aws.length >= 20);
        const expected = { "owner": "workshop-team", "purpose": "k8s-workshop", "expires-at": "2026-12-31", "managed-by": "kubelab", "kubelab-stack": "eks" };
        const tagged = aws.filter(r => !UNTAGGABLE.has(r.type));
        assert.ok(tagged.length >= 15);
        for (const r of tagged) {
            const tags = r.inputs.tags as Record<string, string>;
            for (const [k, v] of Object.entries(expected)) {
                assert.strictEqual(tags?.[k], v, `${r.type} ${r.name}: ${k}`);
            }
        }
    });

    it("leaves the kubeconfig of a new cluster unknown in a preview, as a secret, and the labs still render", () => {
        const report = buildReport(p, { outDir: "out" });
        assert.deepStrictEqual(report.outputs.kubeconfig, SECRET_MARKER);
        assert.deepStrictEqual(stackOutputs(p).kubeconfig, { [SIG_KEY]: SECRET_SIG, value: UNKNOWN_SENTINEL });
        const provider = only(p, T.k8sProvider);
        assert.deepStrictEqual(provider.inputs.kubeconfig, { [SIG_KEY]: SECRET_SIG, value: UNKNOWN_SENTINEL }, "the provider gets a secret, unknown until the cluster exists");
        const cluster = only(p, T.cluster);
        assert.strictEqual(cluster.state.endpoint, UNKNOWN_SENTINEL, "a new cluster's endpoint is unknown in a preview");
        assert.ok(p.objects.filter(o => o.kind === "Deployment").length >= 5);
    });

    it("in an update, exports a kubeconfig that gets its token from aws eks get-token, only as a secret", async () => {
        const q = await plan("eks", { update: true, config: eksStack({ profile: "workshop" }) });
        const kubeconfig = stackOutputs(q).kubeconfig as Wire;
        assert.strictEqual(kubeconfig[SIG_KEY], SECRET_SIG, "exported as a secret");
        const value = String(kubeconfig.value);
        const config = JSON.parse(value) as { clusters: { cluster: { server: string; "certificate-authority-data": string } }[]; users: { user: { exec: { command: string; args: string[]; env: { name: string; value: string }[] } } }[] };
        assert.match(config.clusters[0].cluster.server, /^https:\/\/[0-9A-F]{32}\.gr7\.[a-z]{2}-[a-z]+-\d\.eks\.amazonaws\.com$/);
        assert.ok(config.clusters[0].cluster["certificate-authority-data"].length > 0);
        const exec = config.users[0].user.exec;
        assert.strictEqual(exec.command, "aws");
        assert.deepStrictEqual(exec.args, ["eks", "get-token", "--cluster-name", "kubelab-eks-cluster", "--region", "eu-west-1", "--output", "json"]);
        assert.deepStrictEqual(exec.env, [{ name: "AWS_PROFILE", value: "workshop" }]);
        assert.strictEqual(only(q, T.awsProvider).inputs.profile, "workshop", "deployed with the same profile");
        const report = JSON.stringify(buildReport(q, { outDir: "out" }));
        assert.ok(!report.includes("get-token") && !report.includes(config.clusters[0].cluster["certificate-authority-data"]), "the kubeconfig is not in the report");
        const provider = only(q, T.k8sProvider);
        const wire = provider.inputs.kubeconfig as Wire;
        assert.strictEqual(wire[SIG_KEY], SECRET_SIG, "the provider gets it as a secret");
        assert.strictEqual(wire.value, value);
    });

    it("creates every Kubernetes object, the labs' included, with the cluster's provider, which waits for the nodes and the CSI driver", () => {
        const provider = only(p, T.k8sProvider);
        const k8sObjects = p.recording.resources.filter(r => r.custom && r.type.startsWith("kubernetes:"));
        assert.ok(k8sObjects.length >= 40);
        for (const r of k8sObjects) {
            assert.ok(isOn(r, provider), `${r.type} ${r.name} is on ${r.provider}`);
        }
        for (const ns of ["smilr", "knote", "nanomon", "movie-catalog", "production-grade"]) {
            assert.ok(p.objects.some(o => o.kind === "Namespace" && o.name === ns), ns);
        }
        assert.ok(provider.dependencies.includes(only(p, T.nodeGroup).urn));
        assert.ok(provider.dependencies.includes(all(p, T.addon).find(a => a.inputs.addonName === "aws-ebs-csi-driver")!.urn));
    });

    it("turns on EKS deletion protection only when asked", async () => {
        const q = await plan("eks", { config: eksStack({ deletionProtection: true }) });
        assert.strictEqual(only(q, T.cluster).inputs.deletionProtection, true);
    });

    it("uses the zones given, and fails naming zoneCount when the region has too few", async () => {
        const q = await plan("eks", { config: eksStack({ availabilityZones: ["eu-west-1b", "eu-west-1c"] }) });
        assert.deepStrictEqual(all(q, T.subnet).map(s => s.inputs.availabilityZone).sort(), ["eu-west-1b", "eu-west-1b", "eu-west-1c", "eu-west-1c"]);
        await assert.rejects(plan("eks", { config: eksStack({ zoneCount: 4 }) }), (err: unknown) => {
            assert.match(String((err as Error).message), /kubelab:eks\.zoneCount is 4, but region eu-west-1 has only 3 available zone/);
            return true;
        });
    });

    it("documents every kubelab:eks key in the stack file, set or as a commented example", () => {
        const text = fs.readFileSync(path.join(ROOT, "stacks", "Pulumi.eks.yaml"), "utf8");
        for (const key of EKS_SETTING_KEYS) {
            assert.match(text, new RegExp(`^ {4}(# )?${key}:`, "m"), key);
        }
        assert.ok(EKS_SETTING_KEYS.includes("owner") && EKS_SETTING_KEYS.includes("expiresAt"), "the workshop keys are part of it");
    });

    it("loads only the @pulumi/aws services it uses (eks, ec2, iam), never the root package", function () {
        this.timeout(120000);
        // The recording only (the plan's first step): rendering, validating and the policies load no cloud SDK.
        const script = "const p = require('./tools/plan-lib'); const s = require('./tools/stack-config');" +
            "p.recordStack(s.loadStackConfig(p.ROOT, 'eks')).then(() => console.log(JSON.stringify(Object.keys(require.cache)" +
            ".filter(f => f.includes('node_modules/@pulumi/aws/')).map(f => f.split('node_modules/@pulumi/aws/')[1]))))";
        const r = spawnSync(process.execPath, ["-r", "./tools/ts-hook.js", "-r", "./tools/sdk-deferred.ts", "-e", script], { cwd: ROOT, encoding: "utf8" });
        assert.strictEqual(r.status, 0, r.stderr);
        const loaded = JSON.parse(r.stdout.trim().split("\n").pop()!) as string[];
        assert.ok(loaded.includes("eks/cluster.js") && loaded.includes("ec2/vpc.js") && loaded.includes("iam/role.js"), loaded.join(" "));
        const allowed = /^(package\.json|utilities\.js|provider\.js|getAvailabilityZones\.js|getPartition\.js|(eks|ec2|iam)\/[A-Za-z]+\.js|types\/enums\/(ec2|iam)\/index\.js)$/;
        assert.deepStrictEqual(loaded.filter(f => !allowed.test(f)), [], "no other service, no root index, no types/input");
    });

    for (const [what, eks, key] of [
        ["a node minimum above the maximum", { minNodes: 5, maxNodes: 2 }, "kubelab:eks.minNodes"],
        ["a desired size outside the bounds", { minNodes: 2, desiredNodes: 9, maxNodes: 4 }, "kubelab:eks.desiredNodes"],
        ["a malformed region", { region: "Ireland" }, "kubelab:eks.region"],
        ["an instance type of unknown format", { nodeInstanceType: "large" }, "kubelab:eks.nodeInstanceType"],
        ["an instance type with a size that is none", { nodeInstanceType: "t3.huge" }, "kubelab:eks.nodeInstanceType"],
        ["an unknown volume type", { volumeType: "gp9" }, "kubelab:eks.volumeType"],
        ["an expiry that is not a date", { expiresAt: "next friday" }, "kubelab:eks.expiresAt"],
        ["an expiry that is no calendar day", { expiresAt: "2026-02-30" }, "kubelab:eks.expiresAt"],
        ["no owner", { owner: undefined }, "kubelab:eks.owner"],
        ["a VPC block with host bits", { vpcCidr: "10.0.0.1/16" }, "kubelab:eks.vpcCidr"],
        ["a VPC block too small", { vpcCidr: "10.0.0.0/24" }, "kubelab:eks.vpcCidr"],
        ["a zone of another region", { availabilityZones: ["eu-west-1a", "us-east-1b"] }, "kubelab:eks.availabilityZones[1]"],
        ["a single zone", { availabilityZones: ["eu-west-1a"] }, "kubelab:eks.availabilityZones"],
        ["a node disk under EKS's minimum", { nodeDiskSize: 8 }, "kubelab:eks.nodeDiskSize"],
    ] as const) {
        it(`fails on ${what}, naming ${key}, before any resource is registered`, async () => {
            await assert.rejects(plan("eks", { config: eksStack(eks) }), (err: unknown) => {
                const cause = err instanceof ProgramFailure ? err.cause : err;
                assert.ok(cause instanceof Error);
                assert.match(cause.name, /^(Missing)?ConfigError$/);
                assert.ok(cause.message.includes(`config ${key}:`) || cause.message.includes(`config ${key} `), cause.message);
                if (err instanceof ProgramFailure) {
                    assert.deepStrictEqual(err.registered.filter(r => r.custom), [], "nothing registered");
                }
                return true;
            });
        });
    }
});

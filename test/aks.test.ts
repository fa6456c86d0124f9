/**
 * The AKS platform through the real program (stacks/Pulumi.aks.yaml under the azure-native
 * mocks): the resource group and managed cluster, the node pool's autoscaling bounds, the
 * StorageClass, ingress-nginx, the workshop tags, the kubeconfig (a secret, unknown in a preview
 * of a new cluster), the optional registry and its AcrPull, every lab object on the cluster's
 * provider, and bad settings failing with the key named.
 */
import * as assert from "assert";
import { INGRESS_NGINX_CHART, METRICS_SERVER_CHART } from "../infra/cloud/cluster-services";
import { ACR_PULL_ROLE_ID } from "../infra/aks";
import { Plan, exitCodeOf, plan } from "../tools/plan-lib";
import { ProgramFailure } from "../tools/recorder";
import { UNKNOWN_SENTINEL } from "../tools/render";
import { SECRET_MARKER, buildReport } from "../tools/report";
import { SECRET_SIG, SIG_KEY, Wire, assertEveryLabOn, deployedStack, onlyResource, platformStack, secretWire, stackPlan } from "./helpers";
import { StackConfig } from "../tools/stack-config";
import { MOCK_SUBSCRIPTION_ID } from "../tools/cloud-mocks/azure";

const T = {
    resourceGroup: "azure-native:resources:ResourceGroup",
    cluster: "azure-native:containerservice:ManagedCluster",
    registry: "azure-native:containerregistry:Registry",
    roleAssignment: "azure-native:authorization:RoleAssignment",
    lock: "azure-native:authorization:ManagementLockAtResourceGroupLevel",
    release: "kubernetes:helm.sh/v3:Release",
    k8sProvider: "pulumi:providers:kubernetes",
} as const;

/** Azure resource types that take no tags (Azure's own rule, not an omission). */
const UNTAGGABLE = new Set<string>([T.roleAssignment, T.lock]);

/** The aks stack file, with `aks` merged into kubelab:aks and other keys replaced by `extra`. */
const aksStack = (aks: Record<string, unknown> = {}, extra: Record<string, string> = {}): StackConfig => platformStack("aks", aks, extra);

const only = onlyResource;



describe("AKS platform: the aks stack", function () {
    this.timeout(60000);
    let p: Plan;

    before(async () => {
        p = await stackPlan("aks");
    });

    it("switches on every lab there is, each in its own namespace", () => assertEveryLabOn("aks", p));

    it("plans cleanly: valid objects, no mandatory policy violation", () => {
        assert.deepStrictEqual(p.schemaFailures, []);
        assert.strictEqual(exitCodeOf(p), 0);
        assert.strictEqual(buildReport(p, { outDir: "out" }).outputs.platform, "aks");
    });

    it("creates a resource group and a managed cluster in it, with a system-assigned identity, enforcing NetworkPolicies", () => {
        const rg = only(p, T.resourceGroup);
        assert.strictEqual(rg.inputs.location, "westeurope");
        const cluster = only(p, T.cluster);
        assert.deepStrictEqual(cluster.inputs.identity, { type: "SystemAssigned" });
        assert.strictEqual(cluster.inputs.location, "westeurope");
        assert.strictEqual(cluster.inputs.resourceGroupName, rg.state.resourceGroupName, "the cluster is in the stack's resource group");
        assert.ok(cluster.dependencies.includes(rg.urn));
        assert.strictEqual(cluster.inputs.enableRBAC, true);
        assert.deepStrictEqual(cluster.inputs.storageProfile, { diskCSIDriver: { enabled: true } });
        const network = cluster.inputs.networkProfile as Wire;
        assert.deepStrictEqual([network.networkPolicy, network.networkDataplane], ["cilium", "cilium"], "the labs' NetworkPolicies are enforced");
    });

    it("gives the system node pool the cluster autoscaler with the configured bounds", () => {
        const cluster = only(p, T.cluster);
        const pools = cluster.inputs.agentPoolProfiles as Wire[];
        assert.strictEqual(pools.length, 1);
        const pool = pools[0];
        assert.deepStrictEqual(
            [pool.mode, pool.enableAutoScaling, pool.minCount, pool.maxCount, pool.vmSize],
            ["System", true, 1, 3, "Standard_D2s_v5"]);
        assert.ok(cluster.options.ignoreChanges.includes("agentPoolProfiles[0].count"), "pulumi up leaves the autoscaler's node count alone");
    });

    it("follows minNodes, maxNodes and nodeVmSize from config", async () => {
        const q = await plan("aks", { config: aksStack({ minNodes: 2, maxNodes: 7, nodeVmSize: "Standard_D4s_v5" }) });
        const pool = (only(q, T.cluster).inputs.agentPoolProfiles as Wire[])[0];
        assert.deepStrictEqual([pool.minCount, pool.maxCount, pool.vmSize, pool.count], [2, 7, "Standard_D4s_v5", 2]);
    });

    it("puts the labs' claims on an expandable Azure Disk StorageClass that waits for the pod", () => {
        const classes = p.objects.filter(o => o.kind === "StorageClass");
        assert.strictEqual(classes.length, 1);
        const sc = classes[0].object as Wire;
        assert.strictEqual(classes[0].name, "kubelab-aks-expandable");
        assert.strictEqual(sc.provisioner, "disk.csi.azure.com");
        assert.deepStrictEqual(sc.parameters, { skuName: "StandardSSD_LRS" });
        assert.strictEqual(sc.allowVolumeExpansion, true);
        assert.strictEqual(sc.volumeBindingMode, "WaitForFirstConsumer");
        assert.strictEqual(sc.reclaimPolicy, "Delete", "a workshop stack deletes released volumes");
        assert.strictEqual(buildReport(p, { outDir: "out" }).outputs.storageClass, "kubelab-aks-expandable");
        const claims = p.objects.filter(o => o.kind === "StatefulSet").flatMap(o =>
            ((o.object as { spec: { volumeClaimTemplates?: { spec: { storageClassName: string } }[] } }).spec.volumeClaimTemplates ?? []).map(t => t.spec.storageClassName));
        assert.ok(claims.length > 0);
        assert.ok(claims.every(c => c === "kubelab-aks-expandable"), claims.join(", "));
    });

    it("takes the disk SKU from config, and retains volumes when protectData is on", async () => {
        const q = await plan("aks", { config: aksStack({ diskSku: "Premium_LRS" }, { "kubelab:protectData": "true" }) });
        const sc = q.objects.find(o => o.kind === "StorageClass")!.object as Wire;
        assert.deepStrictEqual(sc.parameters, { skuName: "Premium_LRS" });
        assert.strictEqual(sc.reclaimPolicy, "Retain");
    });

    it("installs ingress-nginx (pinned, from its official repository) and not metrics-server, which AKS ships", () => {
        const releases = p.recording.resources.filter(r => r.type === T.release);
        assert.deepStrictEqual(releases.map(r => r.inputs.chart), ["ingress-nginx"]);
        const ingress = releases[0];
        assert.strictEqual(ingress.inputs.version, INGRESS_NGINX_CHART.version);
        assert.match(String(ingress.inputs.version), /^\d+\.\d+\.\d+$/);
        assert.deepStrictEqual(ingress.inputs.repositoryOpts, { repo: "https://kubernetes.github.io/ingress-nginx" });
        assert.strictEqual(ingress.inputs.namespace, "ingress-nginx", "the namespace the labs' NetworkPolicies admit");
        const controller = (ingress.inputs.values as { controller: Wire }).controller;
        assert.strictEqual((controller.ingressClassResource as Wire).name, "nginx");
        assert.deepStrictEqual(controller.admissionWebhooks, { enabled: false });
        const service = controller.service as { type: string; annotations: Record<string, string> };
        assert.strictEqual(service.type, "LoadBalancer");
        assert.strictEqual(service.annotations["service.beta.kubernetes.io/azure-load-balancer-health-probe-request-path"], "/healthz");
        assert.deepStrictEqual(p.recording.notRenderedOffline.map(n => n.type), [T.release], "listed as not rendered offline");
        assert.ok(!p.recording.resources.some(r => r.inputs.chart === METRICS_SERVER_CHART.chart));
    });

    it("installs no cluster service when no lab is switched on", async () => {
        const q = await plan("aks", { config: aksStack({}, { "kubelab:labs": "[]" }) });
        assert.deepStrictEqual(q.recording.resources.filter(r => r.type === T.release), []);
        assert.strictEqual(q.objects.filter(o => o.kind === "StorageClass").length, 1);
    });

    it("tags every Azure resource with owner, purpose, expiry, managed-by and the stack", () => {
        const azure = p.recording.resources.filter(r => r.custom && r.type.startsWith("azure-native:"));
        assert.ok(azure.length >= 2);
        const expected = { "owner": "workshop-team", "purpose": "k8s-workshop", "expires-at": "2026-12-31", "managed-by": "kubelab", "kubelab-stack": "aks" };
        for (const r of azure.filter(r => !UNTAGGABLE.has(r.type))) {
            assert.deepStrictEqual(r.inputs.tags, expected, `${r.type} ${r.name}`);
        }
        const pool = (only(p, T.cluster).inputs.agentPoolProfiles as Wire[])[0];
        assert.deepStrictEqual(pool.tags, expected, "the node pool's VMs");
    });

    it("leaves the kubeconfig of a new cluster unknown in a preview, as a secret, and the labs still render", () => {
        const report = buildReport(p, { outDir: "out" });
        assert.deepStrictEqual(report.outputs.kubeconfig, SECRET_MARKER);
        const provider = p.recording.resources.find(r => r.type === T.k8sProvider && r.name === "aks-k8s")!;
        assert.deepStrictEqual(provider.inputs.kubeconfig, secretWire(UNKNOWN_SENTINEL), "unknown, and a secret");
        assert.ok(p.objects.filter(o => o.kind === "Deployment").length >= 5);
    });

    it("in an update, reads the kubeconfig with listManagedClusterUserCredentials, decoded, and exports it only as a secret", async () => {
        const q = await plan("aks", { config: deployedStack("aks"), update: true });
        const root = q.recording.resources[0];
        const exported = (root.outputs ?? {}).kubeconfig as Wire;
        assert.strictEqual(exported[SIG_KEY], SECRET_SIG, "the stack output is a secret");
        const value = exported.value as string;
        assert.deepStrictEqual(buildReport(q, { outDir: "out" }).outputs.kubeconfig, SECRET_MARKER);
        assert.match(value, /^apiVersion: v1\nkind: Config\n/);
        assert.match(value, /server: https:\/\/\S+\.azmk8s\.io:443/);
        assert.ok(!JSON.stringify(buildReport(q, { outDir: "out" })).includes("azmk8s.io"), "the kubeconfig is not in the report");
        const provider = q.recording.resources.find(r => r.type === T.k8sProvider && r.name === "aks-k8s")!;
        assert.deepStrictEqual(provider.inputs.kubeconfig, secretWire(value), "the provider gets it as a secret");
        assert.strictEqual(String(provider.inputs.deleteUnreachable), "true", "destroy goes on when the cluster is gone");
    });

    it("creates every Kubernetes object, the labs' included, with the cluster's provider", () => {
        const provider = p.recording.resources.find(r => r.type === T.k8sProvider && r.name === "aks-k8s")!;
        const k8sObjects = p.recording.resources.filter(r => r.custom && r.type.startsWith("kubernetes:"));
        assert.ok(k8sObjects.length >= 40);
        for (const r of k8sObjects) {
            assert.ok(r.provider === provider.urn || r.provider?.startsWith(`${provider.urn}::`), `${r.type} ${r.name} is on ${r.provider}`);
        }
        for (const ns of ["smilr", "knote", "nanomon"]) {
            assert.ok(p.objects.some(o => o.kind === "Namespace" && o.name === ns), ns);
        }
    });

    it("has no registry unless asked; asked, one with AcrPull for the kubelet identity", async () => {
        assert.deepStrictEqual(p.recording.resources.filter(r => r.type === T.registry || r.type === T.roleAssignment), []);
        const q = await plan("aks", { config: aksStack({ registry: { enabled: true, sku: "Standard" } }), update: true });
        const registry = only(q, T.registry);
        assert.deepStrictEqual(registry.inputs.sku, { name: "Standard" });
        assert.match(String(registry.inputs.registryName), /^kubelabaks[0-9a-f]{8}$/);
        assert.strictEqual(registry.inputs.adminUserEnabled, false);
        const cluster = only(q, T.cluster);
        const kubelet = (cluster.state.identityProfile as { kubeletidentity: { objectId: string } }).kubeletidentity.objectId;
        const pull = only(q, T.roleAssignment);
        assert.strictEqual(pull.inputs.principalId, kubelet);
        assert.strictEqual(pull.inputs.principalType, "ServicePrincipal");
        assert.strictEqual(pull.inputs.scope, registry.state.id);
        assert.strictEqual(pull.inputs.roleDefinitionId, `/subscriptions/${MOCK_SUBSCRIPTION_ID}/providers/Microsoft.Authorization/roleDefinitions/${ACR_PULL_ROLE_ID}`);
    });

    it("has no delete lock and protects nothing unless deletionProtection is on; on, both", async () => {
        assert.deepStrictEqual(p.recording.resources.filter(r => r.type === T.lock), []);
        assert.deepStrictEqual(p.recording.resources.filter(r => r.options.protect).map(r => r.type), [], "pulumi destroy removes everything");
        const q = await plan("aks", { config: aksStack({ deletionProtection: true }) });
        const lock = only(q, T.lock);
        assert.strictEqual(lock.inputs.level, "CanNotDelete");
        assert.ok(only(q, T.cluster).dependencies.includes(lock.urn), "a destroy can't lift the lock before the cluster goes");
        assert.deepStrictEqual(q.recording.resources.filter(r => r.options.protect && r.type.startsWith("azure-native:")).map(r => r.type).sort(), [T.cluster, T.resourceGroup].sort());
    });

    for (const [what, aks, key] of [
        ["a node minimum above the maximum", { minNodes: 5, maxNodes: 2 }, "kubelab:aks.minNodes"],
        ["a malformed region", { location: "West Europe" }, "kubelab:aks.location"],
        ["an unknown disk SKU", { diskSku: "SuperFast_LRS" }, "kubelab:aks.diskSku"],
        ["an expiry that is not a date", { expiresAt: "next friday" }, "kubelab:aks.expiresAt"],
        ["an expiry that is no calendar day", { expiresAt: "2026-02-30" }, "kubelab:aks.expiresAt"],
        ["an owner that is no valid tag value", { owner: "Jane Doe" }, "kubelab:aks.owner"],
        ["no owner", { owner: undefined }, "kubelab:aks.owner"],
        ["a node count of zero", { maxNodes: 0 }, "kubelab:aks.maxNodes"],
    ] as const) {
        it(`fails on ${what}, naming ${key}, before any resource is registered`, async () => {
            await assert.rejects(plan("aks", { config: aksStack(aks) }), (err: unknown) => {
                const cause = err instanceof ProgramFailure ? err.cause : err;
                assert.ok(cause instanceof Error);
                assert.match(cause.name, /^(Missing)?ConfigError$/);
                assert.ok(cause.message.includes(`config ${key}`), cause.message);
                if (err instanceof ProgramFailure) {
                    assert.deepStrictEqual(err.registered.filter(r => r.custom), [], "nothing registered");
                }
                return true;
            });
        });
    }
});

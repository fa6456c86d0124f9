/**
 * The GKE platform through the real program (stacks/Pulumi.gke.yaml under the gcp mocks): the
 * cluster without its default pool and with deletion protection from config, the node pool's
 * autoscaling bounds, the StorageClass, ingress-nginx, the workshop labels, the kubeconfig (a
 * secret authenticating with gke-gcloud-auth-plugin, unknown in a preview of a new cluster),
 * every lab object on the cluster's provider, and bad settings failing with the key named.
 */
import * as assert from "assert";
import { parse } from "yaml";
import { INGRESS_NGINX_CHART, METRICS_SERVER_CHART } from "../infra/cloud/cluster-services";
import { Plan, exitCodeOf, plan } from "../tools/plan-lib";
import { ProgramFailure } from "../tools/recorder";
import { UNKNOWN_SENTINEL } from "../tools/render";
import { SECRET_MARKER, buildReport } from "../tools/report";
import { SECRET_SIG, SIG_KEY, Wire, assertEveryLabOn, deployedStack, onlyResource, platformStack, secretWire, stackPlan } from "./helpers";
import { StackConfig } from "../tools/stack-config";

const T = {
    cluster: "gcp:container/cluster:Cluster",
    nodePool: "gcp:container/nodePool:NodePool",
    release: "kubernetes:helm.sh/v3:Release",
    k8sProvider: "pulumi:providers:kubernetes",
} as const;



/** The gke stack file, with `gke` merged into kubelab:gke and other keys replaced by `extra`. */
const gkeStack = (gke: Record<string, unknown> = {}, extra: Record<string, string> = {}): StackConfig => platformStack("gke", gke, extra);

const only = onlyResource;

const LABELS = { "owner": "workshop-team", "purpose": "k8s-workshop", "expires-at": "2026-12-31", "managed-by": "kubelab", "kubelab-stack": "gke" };

describe("GKE platform: the gke stack", function () {
    this.timeout(60000);
    let p: Plan;

    before(async () => {
        p = await stackPlan("gke");
    });

    it("switches on every lab there is, each in its own namespace", () => assertEveryLabOn("gke", p));

    it("plans cleanly: valid objects, no mandatory policy violation", () => {
        assert.deepStrictEqual(p.schemaFailures, []);
        assert.strictEqual(exitCodeOf(p), 0);
        assert.strictEqual(buildReport(p, { outDir: "out" }).outputs.platform, "gke");
    });

    it("creates a cluster without its default node pool, deletable by pulumi destroy, enforcing NetworkPolicies", () => {
        const cluster = only(p, T.cluster);
        assert.strictEqual(cluster.inputs.removeDefaultNodePool, true);
        assert.strictEqual(cluster.inputs.deletionProtection, false, "the provider's default (true) would make pulumi destroy fail");
        assert.strictEqual(cluster.inputs.location, "europe-west1-b");
        assert.strictEqual(cluster.inputs.datapathProvider, "ADVANCED_DATAPATH");
        assert.deepStrictEqual(cluster.inputs.addonsConfig, { gcePersistentDiskCsiDriverConfig: { enabled: true } });
    });

    it("takes deletionProtection, location and project from config", async () => {
        const q = await plan("gke", { config: gkeStack({ deletionProtection: true, location: "us-central1", project: "my-workshop-123" }) });
        const cluster = only(q, T.cluster);
        assert.deepStrictEqual([cluster.inputs.deletionProtection, cluster.inputs.location, cluster.inputs.project], [true, "us-central1", "my-workshop-123"]);
        const pool = only(q, T.nodePool);
        assert.deepStrictEqual([pool.inputs.location, pool.inputs.project], ["us-central1", "my-workshop-123"]);
    });

    it("adds a node pool to the cluster with the autoscaler's bounds from config", async () => {
        const pool = only(p, T.nodePool);
        const cluster = only(p, T.cluster);
        assert.strictEqual(pool.inputs.cluster, cluster.state.name, "the pool belongs to kubelab's cluster");
        assert.deepStrictEqual(pool.inputs.autoscaling, { totalMinNodeCount: 1, totalMaxNodeCount: 3, locationPolicy: "BALANCED" });
        assert.strictEqual((pool.inputs.nodeConfig as Wire).machineType, "e2-standard-2");
        assert.ok(pool.options.ignoreChanges.includes("initialNodeCount"));
        const q = await plan("gke", { config: gkeStack({ minNodes: 2, maxNodes: 6, machineType: "e2-standard-4" }) });
        const resized = only(q, T.nodePool);
        assert.deepStrictEqual(resized.inputs.autoscaling, { totalMinNodeCount: 2, totalMaxNodeCount: 6, locationPolicy: "BALANCED" });
        assert.strictEqual((resized.inputs.nodeConfig as Wire).machineType, "e2-standard-4");
    });

    it("puts the labs' claims on an expandable pd-balanced StorageClass that waits for the pod", () => {
        const classes = p.objects.filter(o => o.kind === "StorageClass");
        assert.strictEqual(classes.length, 1);
        const sc = classes[0].object as Wire;
        assert.strictEqual(classes[0].name, "kubelab-gke-expandable");
        assert.strictEqual(sc.provisioner, "pd.csi.storage.gke.io");
        assert.deepStrictEqual(sc.parameters, { type: "pd-balanced" });
        assert.strictEqual(sc.allowVolumeExpansion, true);
        assert.strictEqual(sc.volumeBindingMode, "WaitForFirstConsumer");
        assert.strictEqual(sc.reclaimPolicy, "Delete");
        const claims = p.objects.filter(o => o.kind === "StatefulSet").flatMap(o =>
            ((o.object as { spec: { volumeClaimTemplates?: { spec: { storageClassName: string } }[] } }).spec.volumeClaimTemplates ?? []).map(t => t.spec.storageClassName));
        assert.ok(claims.length > 0 && claims.every(c => c === "kubelab-gke-expandable"), claims.join(", "));
    });

    it("installs ingress-nginx (pinned, from its official repository) and not metrics-server, which GKE ships", () => {
        const releases = p.recording.resources.filter(r => r.type === T.release);
        assert.deepStrictEqual(releases.map(r => r.inputs.chart), ["ingress-nginx"]);
        assert.strictEqual(releases[0].inputs.version, INGRESS_NGINX_CHART.version);
        assert.deepStrictEqual(releases[0].inputs.repositoryOpts, { repo: INGRESS_NGINX_CHART.repo });
        assert.strictEqual(releases[0].inputs.namespace, "ingress-nginx");
        assert.strictEqual(releases[0].inputs.createNamespace, true);
        assert.ok(!p.recording.resources.some(r => r.inputs.chart === METRICS_SERVER_CHART.chart));
        assert.deepStrictEqual(p.recording.notRenderedOffline.map(n => n.name), ["gke-services-ingress-nginx"]);
    });

    it("labels the cluster and the node pool's VMs with owner, purpose, expiry, managed-by and the stack", () => {
        assert.deepStrictEqual(only(p, T.cluster).inputs.resourceLabels, LABELS);
        assert.deepStrictEqual((only(p, T.nodePool).inputs.nodeConfig as Wire).resourceLabels, LABELS);
        for (const r of p.recording.resources.filter(r => r.custom && r.type.startsWith("gcp:"))) {
            assert.ok([T.cluster, T.nodePool].includes(r.type as typeof T.cluster), `${r.type} is labelled`);
        }
    });

    it("turns a date-time expiry and an upper-case stack name into valid GCP label values", async () => {
        const stack = gkeStack({ expiresAt: "2026-12-31T18:00:00Z" });
        const q = await plan("gke", { config: { ...stack, stack: "Workshop.GKE" } });
        const labels = only(q, T.cluster).inputs.resourceLabels as Record<string, string>;
        assert.strictEqual(labels["expires-at"], "2026-12-31t18-00-00z");
        assert.strictEqual(labels["kubelab-stack"], "workshop-gke");
        for (const value of Object.values(labels)) {
            assert.match(value, /^[a-z0-9_-]{0,63}$/);
        }
    });

    it("leaves the kubeconfig of a new cluster unknown in a preview, as a secret, and the labs still render", () => {
        assert.deepStrictEqual(buildReport(p, { outDir: "out" }).outputs.kubeconfig, SECRET_MARKER);
        const provider = p.recording.resources.find(r => r.type === T.k8sProvider && r.name === "gke-k8s")!;
        assert.deepStrictEqual(provider.inputs.kubeconfig, secretWire(UNKNOWN_SENTINEL));
        assert.ok(p.objects.filter(o => o.kind === "Deployment").length >= 5);
    });

    it("in an update, exports a kubeconfig that authenticates with gke-gcloud-auth-plugin, only as a secret", async () => {
        const q = await plan("gke", { config: deployedStack("gke"), update: true });
        const exported = (q.recording.resources[0].outputs ?? {}).kubeconfig as Wire;
        assert.strictEqual(exported[SIG_KEY], SECRET_SIG, "the stack output is a secret");
        const config = parse(exported.value as string) as {
            clusters: { cluster: { server: string; "certificate-authority-data": string } }[];
            users: { user: { exec: { command: string; apiVersion: string; provideClusterInfo: boolean } } }[];
        };
        const cluster = only(q, T.cluster);
        assert.strictEqual(config.clusters[0].cluster.server, `https://${String(cluster.state.endpoint)}`);
        assert.strictEqual(config.clusters[0].cluster["certificate-authority-data"], (cluster.state.masterAuth as Wire).clusterCaCertificate);
        assert.deepStrictEqual(config.users[0].user.exec.command, "gke-gcloud-auth-plugin");
        assert.strictEqual(config.users[0].user.exec.apiVersion, "client.authentication.k8s.io/v1beta1");
        assert.strictEqual(config.users[0].user.exec.provideClusterInfo, true);
        assert.deepStrictEqual(buildReport(q, { outDir: "out" }).outputs.kubeconfig, SECRET_MARKER);
        const provider = q.recording.resources.find(r => r.type === T.k8sProvider && r.name === "gke-k8s")!;
        assert.deepStrictEqual(provider.inputs.kubeconfig, secretWire(exported.value));
    });

    it("creates every Kubernetes object, the labs' included, with the cluster's provider, after the node pool", () => {
        const provider = p.recording.resources.find(r => r.type === T.k8sProvider && r.name === "gke-k8s")!;
        assert.ok(provider.dependencies.includes(only(p, T.nodePool).urn), "objects wait for nodes to run on");
        const k8sObjects = p.recording.resources.filter(r => r.custom && r.type.startsWith("kubernetes:"));
        assert.ok(k8sObjects.length >= 40);
        for (const r of k8sObjects) {
            assert.ok(r.provider === provider.urn || r.provider?.startsWith(`${provider.urn}::`), `${r.type} ${r.name} is on ${r.provider}`);
        }
        for (const ns of ["smilr", "knote", "nanomon"]) {
            assert.ok(p.objects.some(o => o.kind === "Namespace" && o.name === ns), ns);
        }
    });

    for (const [what, gke, key] of [
        ["a node minimum above the maximum", { minNodes: 4, maxNodes: 3 }, "kubelab:gke.minNodes"],
        ["a malformed location", { location: "Europe West 1" }, "kubelab:gke.location"],
        ["an unknown disk type", { diskType: "pd-turbo" }, "kubelab:gke.diskType"],
        ["an expiry that is not a date", { expiresAt: "31/12/2026" }, "kubelab:gke.expiresAt"],
        ["a malformed project id", { project: "My Project" }, "kubelab:gke.project"],
        ["no owner", { owner: undefined }, "kubelab:gke.owner"],
    ] as const) {
        it(`fails on ${what}, naming ${key}, before any resource is registered`, async () => {
            await assert.rejects(plan("gke", { config: gkeStack(gke) }), (err: unknown) => {
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

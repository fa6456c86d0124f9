/**
 * The volume-expansion and data-safety family, case by case (the two expandable-class policies
 * are in policy-foundation): reclaim policy under protectData, storage request bounds, claims
 * retained by StatefulSets, ReadWriteOnce claims mounted by Deployments, zonal disk binding.
 */
import * as assert from "assert";
import * as fs from "fs";
import * as path from "path";
import { ManifestObject, manifestUrn } from "../tools/manifests";
import { PolicyPackConfigFile } from "../tools/policy-harness";
import { checkObjects, deployment, violationsOf } from "./helpers";

type Spec = Record<string, unknown>;

async function messages(policy: string, objects: ManifestObject[], config: PolicyPackConfigFile = {}): Promise<string[]> {
    return violationsOf(await checkObjects(objects, config), policy).map(v => v.message.slice(v.description.length + 1));
}

const storageClass = (name: string, extra: Spec = {}): ManifestObject =>
    ({ apiVersion: "storage.k8s.io/v1", kind: "StorageClass", metadata: { name }, provisioner: "hostpath.csi.k8s.io", allowVolumeExpansion: true, ...extra });
const pvc = (name: string, storage: unknown, accessModes: string[] = ["ReadWriteOnce"], namespace = "lab"): ManifestObject => ({
    apiVersion: "v1", kind: "PersistentVolumeClaim", metadata: { name, namespace },
    spec: { accessModes, storageClassName: "fast", resources: { requests: storage === undefined ? {} : { storage } } },
});
const statefulSet = (name: string, extra: Spec = {}): ManifestObject => ({
    apiVersion: "apps/v1", kind: "StatefulSet", metadata: { name, namespace: "lab" },
    spec: {
        serviceName: name, replicas: 1, selector: { matchLabels: { app: name } },
        template: { metadata: { labels: { app: name } }, spec: { containers: [{ name, image: "mongo:6.0.2-focal" }] } },
        ...extra,
    },
});
const claimTemplate = (name: string, storage: unknown) =>
    ({ metadata: { name }, spec: { accessModes: ["ReadWriteOnce"], storageClassName: "fast", resources: { requests: { storage } } } });

describe("policy storage-class-reclaim-retain", () => {
    const classes = [
        storageClass("deleting", { reclaimPolicy: "Delete" }),
        storageClass("default"),
        storageClass("kept", { reclaimPolicy: "Retain" }),
    ];

    it("requires nothing when the stack does not protect its data (the default)", async () => {
        assert.deepStrictEqual(await messages("storage-class-reclaim-retain", classes), []);
        assert.deepStrictEqual(await messages("storage-class-reclaim-retain", classes, { "storage-class-reclaim-retain": { protectData: false } }), []);
    });

    it("with protectData, reports every class that deletes released volumes, explicit or by default", async () => {
        const run = await checkObjects(classes, { "storage-class-reclaim-retain": { protectData: true } });
        const found = violationsOf(run, "storage-class-reclaim-retain");
        assert.deepStrictEqual(found.map(v => v.message.slice(v.description.length + 1)), [
            "StorageClass deleting has reclaimPolicy Delete, so a released volume is deleted with its claim; set reclaimPolicy: Retain for protected data.",
            "StorageClass default has reclaimPolicy unset (Delete), so a released volume is deleted with its claim; set reclaimPolicy: Retain for protected data.",
        ]);
        assert.ok(found.every(v => v.enforcementLevel === "mandatory"));
    });

    it("with protectData, reports a hand-made PersistentVolume set to Delete, not one left at its default (Retain)", async () => {
        const pv = (name: string, policy?: string): ManifestObject => ({
            apiVersion: "v1", kind: "PersistentVolume", metadata: { name },
            spec: { capacity: { storage: "1Gi" }, accessModes: ["ReadWriteOnce"], hostPath: { path: `/data/${name}` }, ...(policy ? { persistentVolumeReclaimPolicy: policy } : {}) },
        });
        const objects = [pv("static"), pv("kept", "Retain"), pv("scratch", "Delete")];
        assert.deepStrictEqual(await messages("storage-class-reclaim-retain", objects), []);
        assert.deepStrictEqual(await messages("storage-class-reclaim-retain", objects, { "storage-class-reclaim-retain": { protectData: true } }), [
            "PersistentVolume scratch has persistentVolumeReclaimPolicy Delete, so its data goes when its claim is deleted; set persistentVolumeReclaimPolicy: Retain (or leave it unset) for protected data.",
        ]);
    });

    it("ignores everything else", async () => {
        assert.deepStrictEqual(await messages("storage-class-reclaim-retain", [pvc("data", "1Gi"), deployment("web")], { "storage-class-reclaim-retain": { protectData: true } }), []);
    });
});

describe("policy storage-request-bounds", () => {
    it("passes claims, claim templates and ephemeral volumes within the default bounds 1Mi..1Ti", async () => {
        const withEphemeral = deployment("cache", d => {
            (d.spec as { template: { spec: Spec } }).template.spec.volumes = [{ name: "scratch", ephemeral: { volumeClaimTemplate: claimTemplate("scratch", "1Gi") } }];
        });
        const objects = [pvc("min", "1Mi"), pvc("max", "1Ti"), pvc("decimal", "500M"), statefulSet("db", { volumeClaimTemplates: [claimTemplate("data", "2Gi")] }), withEphemeral];
        assert.deepStrictEqual(await messages("storage-request-bounds", objects), []);
    });

    it("reports a missing, an unparsable and an out-of-bounds request, wherever the claim is", async () => {
        const withEphemeral = deployment("cache", d => {
            (d.spec as { template: { spec: Spec } }).template.spec.volumes = [{ name: "scratch", ephemeral: { volumeClaimTemplate: claimTemplate("scratch", "1.5.2Gi") } }];
        });
        const found = await messages("storage-request-bounds", [
            pvc("none", undefined), pvc("mb", "500MB"), pvc("tiny", "512Ki"), pvc("huge", "1.5Ti"),
            statefulSet("db", { volumeClaimTemplates: [claimTemplate("data", "2Gi"), claimTemplate("logs", "2GB")] }), withEphemeral,
        ]);
        assert.deepStrictEqual(found, [
            "PersistentVolumeClaim lab/none requests no storage; set spec.resources.requests.storage (e.g. 1Gi).",
            "PersistentVolumeClaim lab/mb requests storage \"500MB\", which is not a Kubernetes quantity; write it like 500M, 256Mi or 2Gi (no \"B\").",
            "PersistentVolumeClaim lab/tiny requests storage 512Ki, outside the bounds 1Mi..1Ti (policy config minStorage, maxStorage).",
            "PersistentVolumeClaim lab/huge requests storage 1.5Ti, outside the bounds 1Mi..1Ti (policy config minStorage, maxStorage).",
            "StatefulSet lab/db claim template 'logs' requests storage \"2GB\", which is not a Kubernetes quantity; write it like 500M, 256Mi or 2Gi (no \"B\").",
            "Deployment lab/cache ephemeral volume 'scratch' requests storage \"1.5.2Gi\", which is not a Kubernetes quantity; write it like 500M, 256Mi or 2Gi (no \"B\").",
        ]);
    });

    it("follows configured bounds, compared exactly (500M is below 500Mi)", async () => {
        const config = { "storage-request-bounds": { minStorage: "500Mi", maxStorage: "50Gi" } };
        assert.deepStrictEqual(await messages("storage-request-bounds", [pvc("ok", "500Mi"), pvc("top", "50Gi")], config), []);
        assert.deepStrictEqual((await messages("storage-request-bounds", [pvc("decimal", "500M"), pvc("big", "51Gi")], config)).map(m => m.replace(/ \(policy.*/, "")), [
            "PersistentVolumeClaim lab/decimal requests storage 500M, outside the bounds 500Mi..50Gi",
            "PersistentVolumeClaim lab/big requests storage 51Gi, outside the bounds 500Mi..50Gi",
        ]);
    });

    it("reports bounds in the policy config that are not quantities or not in order", async () => {
        for (const bounds of [{ minStorage: "1MB" }, { minStorage: "2Gi", maxStorage: "1Gi" }]) {
            const found = await messages("storage-request-bounds", [pvc("data", "1Gi")], { "storage-request-bounds": bounds });
            assert.strictEqual(found.length, 1, JSON.stringify(bounds));
            assert.match(found[0], /^policy config storage-request-bounds has minStorage .*; both must be Kubernetes quantities, minStorage at most maxStorage\.$/);
        }
    });

    it("ignores objects that make no claim", async () => {
        assert.deepStrictEqual(await messages("storage-request-bounds", [storageClass("fast"), deployment("web")], { "storage-request-bounds": { minStorage: "nonsense" } }), []);
    });
});

describe("policy statefulset-retains-claims", () => {
    it("passes a StatefulSet that leaves the retention policy unset or retains on both", async () => {
        const objects = [statefulSet("a"), statefulSet("b", { persistentVolumeClaimRetentionPolicy: { whenDeleted: "Retain", whenScaled: "Retain" } })];
        assert.deepStrictEqual(await messages("statefulset-retains-claims", objects), []);
    });

    it("reports Delete on deletion and on scale-down, each with what it loses", async () => {
        assert.deepStrictEqual(await messages("statefulset-retains-claims", [statefulSet("db", { persistentVolumeClaimRetentionPolicy: { whenDeleted: "Delete", whenScaled: "Delete" } })]), [
            "StatefulSet lab/db has persistentVolumeClaimRetentionPolicy.whenDeleted: Delete, which deletes claims with the StatefulSet; set it to Retain (or leave it unset).",
            "StatefulSet lab/db has persistentVolumeClaimRetentionPolicy.whenScaled: Delete, which deletes claims on scale-down; set it to Retain (or leave it unset).",
        ]);
        assert.deepStrictEqual((await messages("statefulset-retains-claims", [statefulSet("db", { persistentVolumeClaimRetentionPolicy: { whenScaled: "Delete" } })])).length, 1);
    });

    it("ignores other kinds", async () => {
        const d = deployment("web", o => { (o.spec as Spec).persistentVolumeClaimRetentionPolicy = { whenDeleted: "Delete" }; });
        assert.deepStrictEqual(await messages("statefulset-retains-claims", [d]), []);
    });
});

describe("policy statefulset-resize-keeps-pods", () => {
    const orphan = { "pulumi.com/deletionPropagationPolicy": "orphan" };
    const withTemplates = (name: string, annotations?: Record<string, string>): ManifestObject => {
        const s = statefulSet(name, { volumeClaimTemplates: [claimTemplate("data", "1Gi")] });
        if (annotations) {
            s.metadata = { ...s.metadata, annotations };
        }
        return s;
    };

    it("passes a StatefulSet with claim templates and the orphan annotation (any case), and one without templates", async () => {
        assert.deepStrictEqual(await messages("statefulset-resize-keeps-pods", [withTemplates("a", orphan), withTemplates("b", { "pulumi.com/deletionPropagationPolicy": "Orphan" }), statefulSet("c")], { "statefulset-resize-keeps-pods": "advisory" }), []);
    });

    it("reports claim templates without it, or with another propagation, saying a resize deletes the pods", async () => {
        assert.deepStrictEqual(await messages("statefulset-resize-keeps-pods", [withTemplates("db")], { "statefulset-resize-keeps-pods": "advisory" }), [
            "StatefulSet lab/db has claim templates but no pulumi.com/deletionPropagationPolicy: orphan annotation: growing its claims replaces it, and its pods are deleted with the old StatefulSet; add the annotation now, before the first resize.",
        ]);
        const [m] = await messages("statefulset-resize-keeps-pods", [withTemplates("db", { "pulumi.com/deletionPropagationPolicy": "foreground" })], { "statefulset-resize-keeps-pods": "advisory" });
        assert.match(m, /pulumi\.com\/deletionPropagationPolicy: foreground instead of the pulumi\.com\/deletionPropagationPolicy: orphan annotation/);
    });

    it("is off by default (YAML for kubectl or Helm), advisory in the workshop profiles and mandatory in production", async () => {
        assert.deepStrictEqual(violationsOf(await checkObjects([withTemplates("db")]), "statefulset-resize-keeps-pods"), []);
        const profile = (name: string) => JSON.parse(fs.readFileSync(path.join(__dirname, "..", "policy", "config", `${name}.json`), "utf8")) as PolicyPackConfigFile;
        for (const [name, level] of [["minikube", "advisory"], ["aks", "advisory"], ["production", "mandatory"]] as const) {
            const run = await checkObjects([withTemplates("db")], profile(name));
            assert.strictEqual(violationsOf(run, "statefulset-resize-keeps-pods")[0]?.enforcementLevel, level, name);
        }
    });
});

describe("policy claim-patches-match-template", () => {
    const db = statefulSet("mongodb", { volumeClaimTemplates: [claimTemplate("mongo-vol", "1Gi")] });
    const patch = (name: string, storage: string, namespace = "lab"): ManifestObject =>
        ({ apiVersion: "v1", kind: "PersistentVolumeClaimPatch", metadata: { name, namespace }, spec: { resources: { requests: { storage } } } });

    it("passes patches of the StatefulSet's claims at the template's size (1Gi = 1024Mi), and patches of other claims", async () => {
        assert.deepStrictEqual(await messages("claim-patches-match-template", [db, patch("mongo-vol-mongodb-0", "1Gi"), patch("mongo-vol-mongodb-1", "1024Mi"), patch("other-claim", "5Gi"), patch("mongo-vol-mongodb-0", "5Gi", "elsewhere")]), []);
    });

    it("reports a patch above the template (later replicas smaller) and one below it (a shrink Kubernetes rejects)", async () => {
        assert.deepStrictEqual(await messages("claim-patches-match-template", [db, patch("mongo-vol-mongodb-0", "2Gi"), patch("mongo-vol-mongodb-2", "500M")]), [
            "PersistentVolumeClaimPatch lab/mongo-vol-mongodb-0 requests 2Gi but the claim template mongo-vol of StatefulSet lab/mongodb requests 1Gi: replicas created later would get the smaller size; give both the same size.",
            "PersistentVolumeClaimPatch lab/mongo-vol-mongodb-2 requests 500M but the claim template mongo-vol of StatefulSet lab/mongodb requests 1Gi: the patch would shrink the claim, which Kubernetes rejects; give both the same size.",
        ]);
    });
});

describe("policy rwo-claim-single-writer", () => {
    const fast = storageClass("fast");
    type DeploymentSpec = { replicas?: number; strategy?: Spec; template: { spec: { volumes?: Spec[] } } };
    /** A Deployment mounting the claims named; `patch` sets replicas, strategy … */
    const mounting = (name: string, claims: string[], patch: (s: DeploymentSpec) => void = () => undefined, namespace = "lab") => deployment(name, d => {
        const spec = d.spec as DeploymentSpec;
        spec.template.spec.volumes = claims.map((claimName, i) => ({ name: `v${i}`, persistentVolumeClaim: { claimName } }));
        patch(spec);
    }, namespace);
    const single = (s: DeploymentSpec) => { s.replicas = 1; s.strategy = { type: "Recreate" }; };
    const hpa = (target: string, maxReplicas: number, namespace = "lab"): ManifestObject => ({
        apiVersion: "autoscaling/v2", kind: "HorizontalPodAutoscaler", metadata: { name: `${target}-hpa`, namespace },
        spec: { scaleTargetRef: { apiVersion: "apps/v1", kind: "Deployment", name: target }, minReplicas: 1, maxReplicas, metrics: [{ type: "Resource", resource: { name: "cpu", target: { type: "Utilization", averageUtilization: 50 } } }] },
    });

    it("passes knote's MinIO: one replica, strategy Recreate, no autoscaler past one", async () => {
        const objects = [fast, pvc("minio-pvc", "256Mi"), mounting("minio", ["minio-pvc"], single), hpa("minio", 1)];
        assert.deepStrictEqual(await messages("rwo-claim-single-writer", objects), []);
    });

    it("reports a rolling update, several replicas and an HPA past one, each against the Deployment", async () => {
        const minio = mounting("minio", ["minio-pvc"], s => { s.replicas = 2; });
        const run = await checkObjects([fast, pvc("minio-pvc", "256Mi"), minio, hpa("minio", 3)]);
        const found = violationsOf(run, "rwo-claim-single-writer");
        assert.deepStrictEqual(found.map(v => v.message.slice(v.description.length + 1)), [
            "Deployment lab/minio mounts ReadWriteOnce claim 'minio-pvc' with strategy RollingUpdate (default): the new pod starts before the old one stops and can't attach the volume on any other node while the old one holds it (a Multi-Attach error), so unless the scheduler happens to put it beside the old one the rollout hangs; set spec.strategy.type: Recreate (or rollingUpdate.maxSurge: 0).",
            "Deployment lab/minio mounts ReadWriteOnce claim 'minio-pvc' with 2 replicas: only pods on one node can mount it, so a replica scheduled on another node hangs; set replicas: 1 (or use ReadWriteMany storage, or a StatefulSet with a claim per pod).",
            "Deployment lab/minio mounts ReadWriteOnce claim 'minio-pvc', and HorizontalPodAutoscaler lab/minio-hpa may scale it to 3 pods; set maxReplicas: 1 or move the data off the pod.",
        ]);
        assert.ok(found.every(v => v.urn === manifestUrn(minio) && v.enforcementLevel === "mandatory"));
    });

    it("reports an explicit RollingUpdate, and names ReadWriteOncePod claims and several claims once", async () => {
        const d = mounting("app", ["data", "logs", "data"], s => { s.replicas = 1; s.strategy = { type: "RollingUpdate", rollingUpdate: { maxSurge: 1 } }; });
        assert.deepStrictEqual(await messages("rwo-claim-single-writer", [fast, pvc("data", "1Gi"), pvc("logs", "1Gi", ["ReadWriteOncePod"]), d]), [
            "Deployment lab/app mounts ReadWriteOnce claim 'data' and ReadWriteOncePod claim 'logs' with strategy RollingUpdate: the new pod starts before the old one stops and can't mount the volume while the old one holds it (ReadWriteOncePod: one pod at a time); set spec.strategy.type: Recreate (or rollingUpdate.maxSurge: 0).",
        ]);
        // ReadWriteOncePod admits one pod, not one node's pods.
        const two = mounting("app", ["logs"], s => { s.replicas = 2; s.strategy = { type: "Recreate" }; });
        assert.deepStrictEqual(await messages("rwo-claim-single-writer", [fast, pvc("logs", "1Gi", ["ReadWriteOncePod"]), two]), [
            "Deployment lab/app mounts ReadWriteOncePod claim 'logs' with 2 replicas: only one pod can mount it; set replicas: 1 (or use ReadWriteMany storage, or a StatefulSet with a claim per pod).",
        ]);
    });

    it("accepts a rolling update with maxSurge 0, which stops the old pod first (the Azure Disk driver's example)", async () => {
        for (const maxSurge of [0, "0%"]) {
            const d = mounting("app", ["data"], s => { s.replicas = 1; s.strategy = { type: "RollingUpdate", rollingUpdate: { maxSurge, maxUnavailable: 1 } }; });
            assert.deepStrictEqual(await messages("rwo-claim-single-writer", [fast, pvc("data", "1Gi"), d]), [], String(maxSurge));
        }
        const surging = mounting("app", ["data"], s => { s.replicas = 1; s.strategy = { type: "RollingUpdate", rollingUpdate: { maxSurge: "10%" } }; });
        assert.strictEqual((await messages("rwo-claim-single-writer", [fast, pvc("data", "1Gi"), surging])).length, 1, "10 % of one pod rounds up to one more");
    });

    it("reports a StatefulSet or ReplicaSet sharing one claim among its replicas, a DaemonSet on one, and a second workload on the same claim", async () => {
        const sts = statefulSet("db", { replicas: 3 });
        (sts.spec as { template: { spec: Spec } }).template.spec.volumes = [{ name: "data", persistentVolumeClaim: { claimName: "rwo" } }];
        assert.deepStrictEqual(await messages("rwo-claim-single-writer", [fast, pvc("rwo", "1Gi"), sts]), [
            "StatefulSet lab/db mounts ReadWriteOnce claim 'rwo' with 3 replicas: only pods on one node can mount it, so a replica scheduled on another node hangs; set replicas: 1 (or give each pod its own claim with volumeClaimTemplates).",
        ]);
        const ds: ManifestObject = {
            apiVersion: "apps/v1", kind: "DaemonSet", metadata: { name: "agent", namespace: "lab" },
            spec: { selector: { matchLabels: { app: "agent" } }, template: { metadata: { labels: { app: "agent" } }, spec: { containers: [{ name: "agent", image: "agent:1.0" }], volumes: [{ name: "data", persistentVolumeClaim: { claimName: "rwo" } }] } } },
        };
        assert.deepStrictEqual(await messages("rwo-claim-single-writer", [fast, pvc("rwo", "1Gi"), ds]), [
            "DaemonSet lab/agent mounts ReadWriteOnce claim 'rwo': a DaemonSet runs a pod on every node, and only one node can mount it; use ReadWriteMany storage, or a node-local volume.",
        ]);
        const first = mounting("writer", ["rwo"], single);
        const second = mounting("reader", ["rwo"], single);
        const found = violationsOf(await checkObjects([fast, pvc("rwo", "1Gi"), first, second]), "rwo-claim-single-writer");
        assert.deepStrictEqual(found.map(v => v.message.slice(v.description.length + 1)), [
            "Deployment lab/reader mounts ReadWriteOnce claim 'rwo', which Deployment lab/writer also mounts: only pods on one node can mount it, so whichever pod lands elsewhere hangs; give each workload its own claim, or use ReadWriteMany storage.",
        ]);
        assert.strictEqual(found[0].urn, manifestUrn(second));
    });

    it("lets a Job or CronJob mount a claim a workload holds (a backup that finishes and lets go)", async () => {
        const backup: ManifestObject = {
            apiVersion: "batch/v1", kind: "Job", metadata: { name: "backup", namespace: "lab" },
            spec: { template: { spec: { restartPolicy: "Never", containers: [{ name: "backup", image: "backup:1.0" }], volumes: [{ name: "data", persistentVolumeClaim: { claimName: "rwo" } }] } } },
        };
        assert.deepStrictEqual(await messages("rwo-claim-single-writer", [fast, pvc("rwo", "1Gi"), mounting("db", ["rwo"], single), backup]), []);
    });

    it("reports a Job, CronJob or KEDA ScaledJob that may run several pods at once on one claim", async () => {
        const volumes = [{ name: "data", persistentVolumeClaim: { claimName: "rwo" } }];
        const podSpec = { restartPolicy: "Never", containers: [{ name: "work", image: "work:1.0" }], volumes };
        const job = (parallelism?: number, completions?: number): ManifestObject => ({
            apiVersion: "batch/v1", kind: "Job", metadata: { name: "work", namespace: "lab" },
            spec: { ...(parallelism === undefined ? {} : { parallelism }), ...(completions === undefined ? {} : { completions }), template: { spec: podSpec } },
        });
        assert.match((await messages("rwo-claim-single-writer", [fast, pvc("rwo", "1Gi"), job(3)]))[0],
            /^Job lab\/work mounts ReadWriteOnce claim 'rwo', and may run 3 pods at once \(parallelism\): only pods on one node can mount it, so the others hang; set parallelism: 1, or use ReadWriteMany storage\.$/);
        // One completion runs one pod, whatever the parallelism; the default parallelism is 1.
        assert.deepStrictEqual(await messages("rwo-claim-single-writer", [fast, pvc("rwo", "1Gi"), job(3, 1)]), []);
        assert.deepStrictEqual(await messages("rwo-claim-single-writer", [fast, pvc("rwo", "1Gi"), job()]), []);
        const cron: ManifestObject = { apiVersion: "batch/v1", kind: "CronJob", metadata: { name: "nightly", namespace: "lab" }, spec: { schedule: "0 2 * * *", jobTemplate: { spec: { parallelism: 2, template: { spec: podSpec } } } } };
        assert.match((await messages("rwo-claim-single-writer", [fast, pvc("rwo", "1Gi"), cron]))[0], /^CronJob lab\/nightly mounts .* may run 2 pods at once/);
        const scaledJob = (spec: Record<string, unknown>): ManifestObject => ({
            apiVersion: "keda.sh/v1alpha1", kind: "ScaledJob", metadata: { name: "consumer", namespace: "lab" },
            spec: { jobTargetRef: { template: { spec: podSpec } }, triggers: [{ type: "rabbitmq", metadata: { queueName: "q", value: "1" } }], ...spec },
        });
        assert.match((await messages("rwo-claim-single-writer", [fast, pvc("rwo", "1Gi"), scaledJob({})]))[0],
            /^ScaledJob lab\/consumer mounts ReadWriteOnce claim 'rwo', and may run 100 pods at once \(maxReplicaCount Jobs of parallelism pods each\): .*set maxReplicaCount: 1 and jobTargetRef\.parallelism: 1/);
        assert.deepStrictEqual(await messages("rwo-claim-single-writer", [fast, pvc("rwo", "1Gi"), scaledJob({ maxReplicaCount: 1 })]), []);
    });

    it("ignores shared storage, claims the stack doesn't create or in another namespace, and a StatefulSet's one pod", async () => {
        const sts = statefulSet("db", { replicas: 1 });
        (sts.spec as { template: { spec: Spec } }).template.spec.volumes = [{ name: "data", persistentVolumeClaim: { claimName: "rwo" } }];
        const objects = [
            fast, pvc("rwx", "1Gi", ["ReadWriteMany"]), pvc("both", "1Gi", ["ReadWriteOnce", "ReadWriteMany"]), pvc("rox", "1Gi", ["ReadOnlyMany"]), pvc("rwo", "1Gi"), pvc("elsewhere", "1Gi", ["ReadWriteOnce"], "other"),
            mounting("shared", ["rwx", "both", "rox"]), mounting("external", ["made-by-hand"]), mounting("cross", ["elsewhere"]), sts,
            mounting("autoscaled", ["rwx"]), hpa("autoscaled", 10), hpa("minio", 5, "other"),
        ];
        assert.deepStrictEqual(await messages("rwo-claim-single-writer", objects), []);
    });
});

describe("policy claim-access-mode-supported", () => {
    const P = "claim-access-mode-supported";
    const sc = (name: string, provisioner: string): ManifestObject => ({
        apiVersion: "storage.k8s.io/v1", kind: "StorageClass", metadata: { name }, provisioner, allowVolumeExpansion: true, volumeBindingMode: "WaitForFirstConsumer",
    });
    const claim = (name: string, storageClassName: string, accessModes: string[], extra: Record<string, unknown> = {}): ManifestObject => ({
        apiVersion: "v1", kind: "PersistentVolumeClaim", metadata: { name, namespace: "lab" },
        spec: { storageClassName, accessModes, resources: { requests: { storage: "1Gi" } }, ...extra },
    });

    it("reports ReadWriteMany on a class of cloud block disks, naming the cloud's file service", async () => {
        const found = violationsOf(await checkObjects([sc("gp3", "ebs.csi.aws.com"), claim("shared", "gp3", ["ReadWriteMany"])]), P);
        assert.deepStrictEqual(found.map(v => v.message.slice(v.description.length + 1)), [
            "PersistentVolumeClaim lab/shared asks for ReadWriteMany on StorageClass 'gp3', whose ebs.csi.aws.com disks mount their file system on one node at a time: " +
            "the driver refuses the mode, so the claim stays Pending and its pods never start. For storage that pods on several nodes share, use a class of Amazon EFS (efs.csi.aws.com); " +
            "if the pods of one node are enough, ask for ReadWriteOnce.",
        ]);
        assert.strictEqual(found[0].enforcementLevel, "mandatory");
        for (const [provisioner, service] of [["pd.csi.storage.gke.io", "Filestore"], ["disk.csi.azure.com", "Azure Files"], ["kubernetes.io/aws-ebs", "Amazon EFS"]]) {
            assert.match(violationsOf(await checkObjects([sc("disks", provisioner), claim("shared", "disks", ["ReadWriteOnce", "ReadWriteMany"])]), P)[0].message, new RegExp(`use a class of ${service}`));
        }
    });

    it("judges claim templates and ephemeral volumes too", async () => {
        const sts: ManifestObject = {
            apiVersion: "apps/v1", kind: "StatefulSet", metadata: { name: "db", namespace: "lab" },
            spec: {
                serviceName: "db", selector: { matchLabels: { app: "db" } },
                template: { metadata: { labels: { app: "db" } }, spec: { containers: [{ name: "db", image: "db:1" }] } },
                volumeClaimTemplates: [{ metadata: { name: "data" }, spec: { storageClassName: "pd", accessModes: ["ReadWriteMany"], resources: { requests: { storage: "1Gi" } } } }],
            },
        };
        assert.match(violationsOf(await checkObjects([sc("pd", "pd.csi.storage.gke.io"), sts]), P)[0].message, /^[^\n]*\nStatefulSet lab\/db claim template 'data' asks for ReadWriteMany/);
    });

    it("passes ReadWriteOnce, raw block volumes, file services and classes the stack doesn't create", async () => {
        const ok = [
            sc("gp3", "ebs.csi.aws.com"), sc("efs", "efs.csi.aws.com"),
            claim("single", "gp3", ["ReadWriteOnce"]),
            claim("raw", "gp3", ["ReadWriteMany"], { volumeMode: "Block" }),
            claim("files", "efs", ["ReadWriteMany"]),
            claim("elsewhere", "cluster-class", ["ReadWriteMany"]),
        ];
        assert.deepStrictEqual(violationsOf(await checkObjects(ok), P), []);
    });
});

describe("policy zonal-disk-wait-for-consumer", () => {
    const zonal = ["ebs.csi.aws.com", "pd.csi.storage.gke.io", "disk.csi.azure.com", "kubernetes.io/aws-ebs", "kubernetes.io/gce-pd", "kubernetes.io/azure-disk"];

    it("reports every zonal disk provisioner bound immediately, explicitly or by default, as advisory", async () => {
        const run = await checkObjects(zonal.map((provisioner, i) => storageClass(`zonal-${i}`, { provisioner, ...(i % 2 ? { volumeBindingMode: "Immediate" } : {}) })));
        const found = violationsOf(run, "zonal-disk-wait-for-consumer");
        assert.strictEqual(found.length, zonal.length);
        assert.ok(found.every(v => v.enforcementLevel === "advisory"));
        assert.strictEqual(found[0].message.slice(found[0].description.length + 1),
            "StorageClass zonal-0 provisions zonal disks (ebs.csi.aws.com) with volumeBindingMode Immediate (default); set volumeBindingMode: WaitForFirstConsumer.");
        assert.match(found[1].message, /StorageClass zonal-1 provisions zonal disks \(pd\.csi\.storage\.gke\.io\) with volumeBindingMode Immediate;/);
    });

    it("names regional PDs as such, and passes Azure zone-redundant disks, which attach in any zone", async () => {
        const regional = storageClass("regional", { provisioner: "pd.csi.storage.gke.io", parameters: { type: "pd-balanced", "replication-type": "regional-pd" } });
        const zrs = storageClass("zrs", { provisioner: "disk.csi.azure.com", parameters: { skuName: "StandardSSD_ZRS" } });
        const lrs = storageClass("lrs", { provisioner: "disk.csi.azure.com", parameters: { skuname: "Premium_LRS" } });
        const found = violationsOf(await checkObjects([regional, zrs, lrs]), "zonal-disk-wait-for-consumer").map(v => v.message.slice(v.description.length + 1));
        assert.deepStrictEqual(found, [
            "StorageClass regional provisions regional disks (pd.csi.storage.gke.io, in two zones it picks) with volumeBindingMode Immediate (default); set volumeBindingMode: WaitForFirstConsumer.",
            "StorageClass lrs provisions zonal disks (disk.csi.azure.com) with volumeBindingMode Immediate (default); set volumeBindingMode: WaitForFirstConsumer.",
        ]);
    });

    it("passes zonal disks that wait for their pod, and storage that is not zonal", async () => {
        const objects = [
            ...zonal.map((provisioner, i) => storageClass(`wait-${i}`, { provisioner, volumeBindingMode: "WaitForFirstConsumer" })),
            storageClass("efs", { provisioner: "efs.csi.aws.com" }), storageClass("files", { provisioner: "file.csi.azure.com" }), storageClass("local"),
        ];
        assert.deepStrictEqual(await messages("zonal-disk-wait-for-consumer", objects), []);
    });

    it("is mandatory where the profile says so", async () => {
        const run = await checkObjects([storageClass("gp3", { provisioner: "ebs.csi.aws.com" })], { "zonal-disk-wait-for-consumer": "mandatory" });
        assert.strictEqual(violationsOf(run, "zonal-disk-wait-for-consumer")[0].enforcementLevel, "mandatory");
    });
});

describe("the claims database, messaging, storage and monitoring operators make (CloudNativePG, Zalando postgres-operator, Strimzi, prometheus-operator, ECK, RabbitMQ, MongoDB Community, PGO, Percona MongoDB, XtraDB and PostgreSQL, MinIO, MariaDB, redis-operator, cass-operator, K8ssandra, ClickHouse, TiDB, KubeDB, OpenSearch, Spotahome's redis-operator, Scylla, CockroachDB, StackGres, MySQL Operator, Confluent, Redpanda, Solr, Dragonfly)", () => {
    const fast = storageClass("fast");
    const frozen = storageClass("frozen", { allowVolumeExpansion: false });
    /** A CloudNativePG Cluster in namespace lab, as its docs' samples write one. */
    const cnpg = (spec: Spec, group = "postgresql.cnpg.io"): ManifestObject => ({ apiVersion: `${group}/v1`, kind: "Cluster", metadata: { name: "pg", namespace: "lab" }, spec: { instances: 3, ...spec } });
    const expandable = (objects: ManifestObject[]) => messages("claim-storage-class-expandable", objects);

    it("a CloudNativePG Cluster's storage, WAL storage and tablespaces are claims on their StorageClass, named by their own fields", async () => {
        assert.deepStrictEqual(await expandable([fast, cnpg({ storage: { size: "1Gi" } })]), [
            "CloudNativePG Cluster lab/pg storage names no StorageClass, so it gets the cluster default, which may not expand; set spec.storage.storageClass to one of: fast.",
        ]);
        assert.deepStrictEqual(await expandable([fast, frozen, cnpg({
            storage: { size: "1Gi", storageClass: "fast" }, walStorage: { size: "1Gi", storageClass: "frozen" },
            tablespaces: [{ name: "archive", storage: { size: "2Gi", storageClass: "frozen" } }],
        })]), [
            "CloudNativePG Cluster lab/pg walStorage uses StorageClass 'frozen', which does not allow volume expansion; use one of: fast.",
            "CloudNativePG Cluster lab/pg tablespace 'archive' storage uses StorageClass 'frozen', which does not allow volume expansion; use one of: fast.",
        ]);
        // EDB's distribution of the same operator, and a Cluster of another group (Cluster API's) that is no database.
        assert.strictEqual((await expandable([cnpg({ storage: { size: "1Gi" } }, "postgresql.k8s.enterprisedb.io")]))[0]?.startsWith("EDB Postgres Cluster lab/pg storage names no StorageClass"), true);
        assert.deepStrictEqual(await expandable([cnpg({ storage: { size: "1Gi" } }, "cluster.x-k8s.io")]), []);
    });

    it("a CloudNativePG pvcTemplate gives the claim its class, size and access modes; storage.storageClass and size win over the template's", async () => {
        const template = { accessModes: ["ReadWriteOnce"], resources: { requests: { storage: "1Gi" } }, storageClassName: "frozen", volumeMode: "Filesystem" };
        assert.match((await expandable([fast, frozen, cnpg({ storage: { pvcTemplate: template } })]))[0], /storage uses StorageClass 'frozen', which does not allow volume expansion/);
        assert.deepStrictEqual(await expandable([fast, frozen, cnpg({ storage: { storageClass: "fast", pvcTemplate: template } })]), []);
        // The template's size counts; with neither, the Cluster asks for no storage (CloudNativePG's webhook refuses it).
        assert.deepStrictEqual(await messages("storage-request-bounds", [cnpg({ storage: { pvcTemplate: template } })]), []);
        assert.deepStrictEqual(await messages("storage-request-bounds", [cnpg({ storage: { storageClass: "fast" } }), cnpg({ storage: { size: "10GB" } })]), [
            "CloudNativePG Cluster lab/pg storage requests no storage; set spec.storage.size (e.g. 1Gi).",
            "CloudNativePG Cluster lab/pg storage requests storage \"10GB\", which is not a Kubernetes quantity; write it like 500M, 256Mi or 2Gi (no \"B\").",
        ]);
        // A template asking for ReadWriteMany on cloud block disks is refused by the driver, as a PVC's would be.
        const ebs = storageClass("gp3", { provisioner: "ebs.csi.aws.com", volumeBindingMode: "WaitForFirstConsumer" });
        assert.match((await messages("claim-access-mode-supported", [ebs, cnpg({ storage: { storageClass: "gp3", pvcTemplate: { ...template, accessModes: ["ReadWriteMany"] } } })]))[0],
            /^CloudNativePG Cluster lab\/pg storage asks for ReadWriteMany on StorageClass 'gp3'/);
    });

    it("a Zalando postgresql's volume, and a Strimzi Kafka's or KafkaNodePool's persistent-claim storage, JBOD volumes included; ephemeral storage makes none", async () => {
        const zalando: ManifestObject = { apiVersion: "acid.zalan.do/v1", kind: "postgresql", metadata: { name: "acid-minimal-cluster", namespace: "lab" }, spec: { teamId: "acid", numberOfInstances: 2, volume: { size: "1Gi" } } };
        const pool: ManifestObject = {
            apiVersion: "kafka.strimzi.io/v1", kind: "KafkaNodePool", metadata: { name: "broker", namespace: "lab", labels: { "strimzi.io/cluster": "my-cluster" } },
            spec: { replicas: 3, roles: ["broker"], storage: { type: "jbod", volumes: [{ id: 0, type: "persistent-claim", size: "100Gi", class: "fast" }, { id: 1, type: "persistent-claim", size: "100Gi", class: "frozen" }, { id: 2, type: "ephemeral" }] } },
        };
        const kafka: ManifestObject = {
            apiVersion: "kafka.strimzi.io/v1beta2", kind: "Kafka", metadata: { name: "my-cluster", namespace: "lab" },
            spec: { kafka: { replicas: 3, storage: { type: "persistent-claim", size: "100Gi" } }, zookeeper: { replicas: 3, storage: { type: "ephemeral" } } },
        };
        assert.deepStrictEqual(await expandable([fast, frozen, zalando, pool, kafka]), [
            "Zalando postgresql lab/acid-minimal-cluster volume names no StorageClass, so it gets the cluster default, which may not expand; set spec.volume.storageClass to one of: fast.",
            "Strimzi KafkaNodePool lab/broker storage volume 1 uses StorageClass 'frozen', which does not allow volume expansion; use one of: fast.",
            "Strimzi Kafka lab/my-cluster kafka storage names no StorageClass, so it gets the cluster default, which may not expand; set spec.kafka.storage.class to one of: fast.",
        ]);
        assert.deepStrictEqual(await messages("storage-request-bounds", [{ ...kafka, spec: { kafka: { storage: { type: "persistent-claim", class: "fast" } } } }]), [
            "Strimzi Kafka lab/my-cluster kafka storage requests no storage; set spec.kafka.storage.size (e.g. 1Gi).",
        ]);
    });
    it("a Prometheus's (or Alertmanager's) storage claim template, or its ephemeral volume's; none with no storage (an emptyDir)", async () => {
        const prometheus = (kind: string, storage?: Spec): ManifestObject => ({ apiVersion: "monitoring.coreos.com/v1", kind, metadata: { name: "main", namespace: "lab" }, spec: { replicas: 2, ...(storage ? { storage } : {}) } });
        const template = (storageClassName?: string) => ({ spec: { ...(storageClassName ? { storageClassName } : {}), resources: { requests: { storage: "40Gi" } } } });
        assert.deepStrictEqual(await expandable([fast, frozen, prometheus("Prometheus", { volumeClaimTemplate: template() }), prometheus("Alertmanager", { ephemeral: { volumeClaimTemplate: template("frozen") } }), prometheus("ThanosRuler")]), [
            "Prometheus lab/main storage names no StorageClass, so it gets the cluster default, which may not expand; set spec.storage.volumeClaimTemplate.spec.storageClassName to one of: fast.",
            "Alertmanager lab/main storage uses StorageClass 'frozen', which does not allow volume expansion; use one of: fast.",
        ]);
        assert.deepStrictEqual(await expandable([fast, prometheus("Prometheus", { volumeClaimTemplate: template("fast") })]), []);
    });

    it("an ECK Elasticsearch's node set templates, ECK's default 1Gi claim for a node set without one, and none for a node set that mounts its own data volume", async () => {
        const es = (nodeSets: Spec[]): ManifestObject => ({ apiVersion: "elasticsearch.k8s.elastic.co/v1", kind: "Elasticsearch", metadata: { name: "es", namespace: "lab" }, spec: { version: "8.15.0", nodeSets } });
        const data = (storageClassName: string) => ({ metadata: { name: "elasticsearch-data" }, spec: { accessModes: ["ReadWriteOnce"], resources: { requests: { storage: "5Gi" } }, storageClassName } });
        const emptyDir = { podTemplate: { spec: { volumes: [{ name: "elasticsearch-data", emptyDir: {} }] } } };
        assert.deepStrictEqual(await expandable([fast, frozen, es([
            { name: "default", count: 3 }, { name: "hot", count: 2, volumeClaimTemplates: [data("frozen")] }, { name: "ml", count: 1, volumeClaimTemplates: [data("fast")] }, { name: "scratch", count: 1, ...emptyDir },
        ])]), [
            "ECK Elasticsearch lab/es nodeSet 'default' default claim 'elasticsearch-data' (ECK's 1Gi, no template given) names no StorageClass, so it gets the cluster default, which may not expand; set spec.nodeSets[0].volumeClaimTemplates[0].spec.storageClassName to one of: fast.",
            "ECK Elasticsearch lab/es nodeSet 'hot' claim template 'elasticsearch-data' uses StorageClass 'frozen', which does not allow volume expansion; use one of: fast.",
        ]);
    });

    it("a RabbitmqCluster's persistence (10Gi by default, none at 0), or the claim templates of its StatefulSet override, which replace it", async () => {
        const rabbit = (spec: Spec): ManifestObject => ({ apiVersion: "rabbitmq.com/v1beta1", kind: "RabbitmqCluster", metadata: { name: "mq", namespace: "lab" }, spec: { replicas: 3, ...spec } });
        assert.deepStrictEqual(await expandable([fast, rabbit({}), rabbit({ persistence: { storage: "0Gi" } }), rabbit({ persistence: { storageClassName: "fast", storage: "500Gi" } })]), [
            "RabbitmqCluster lab/mq persistence names no StorageClass, so it gets the cluster default, which may not expand; set spec.persistence.storageClassName to one of: fast.",
        ]);
        const overridden = rabbit({
            persistence: { storageClassName: "fast" },
            override: { statefulSet: { spec: { volumeClaimTemplates: [{ metadata: { name: "persistence" }, spec: { accessModes: ["ReadWriteOnce"], resources: { requests: { storage: "10Gi" } }, storageClassName: "frozen" } }] } } },
        });
        assert.deepStrictEqual(await expandable([fast, frozen, overridden]), [
            "RabbitmqCluster lab/mq override claim template 'persistence' uses StorageClass 'frozen', which does not allow volume expansion; use one of: fast.",
        ]);
        assert.deepStrictEqual(await messages("storage-request-bounds", [rabbit({ persistence: { storage: "10GB" } })]), [
            "RabbitmqCluster lab/mq persistence requests storage \"10GB\", which is not a Kubernetes quantity; write it like 500M, 256Mi or 2Gi (no \"B\").",
        ]);
    });
    it("a MongoDBCommunity's data-volume (10G) and logs-volume (2G), each merged by name with its template in spec.statefulSet, and any other template there", async () => {
        const mongo = (templates?: Spec[]): ManifestObject => ({
            apiVersion: "mongodbcommunity.mongodb.com/v1", kind: "MongoDBCommunity", metadata: { name: "rs", namespace: "lab" },
            spec: { members: 3, type: "ReplicaSet", version: "6.0.5", ...(templates ? { statefulSet: { spec: { volumeClaimTemplates: templates } } } : {}) },
        });
        const named = (name: string, spec: Spec) => ({ metadata: { name }, spec });
        assert.deepStrictEqual(await expandable([fast, mongo()]), [
            "MongoDBCommunity lab/rs claim 'data-volume' (the operator's 10G, no template given) names no StorageClass, so it gets the cluster default, which may not expand; set spec.statefulSet.spec.volumeClaimTemplates[].spec.storageClassName to one of: fast.",
            "MongoDBCommunity lab/rs claim 'logs-volume' (the operator's 2G, no template given) names no StorageClass, so it gets the cluster default, which may not expand; set spec.statefulSet.spec.volumeClaimTemplates[].spec.storageClassName to one of: fast.",
        ]);
        // A template for data-volume only: its class and size win there; logs-volume keeps the operator's; an extra template is a claim of its own.
        const partial = mongo([named("data-volume", { storageClassName: "fast", resources: { requests: { storage: "50G" } } }), named("backup", { storageClassName: "frozen", resources: { requests: { storage: "5G" } } })]);
        assert.deepStrictEqual(await expandable([fast, frozen, partial]), [
            "MongoDBCommunity lab/rs claim 'logs-volume' (the operator's 2G, no template given) names no StorageClass, so it gets the cluster default, which may not expand; set spec.statefulSet.spec.volumeClaimTemplates[].spec.storageClassName to one of: fast.",
            "MongoDBCommunity lab/rs claim template 'backup' uses StorageClass 'frozen', which does not allow volume expansion; use one of: fast.",
        ]);
        // Templates nested under the pod template (as upstream's hostPath sample has them) are not read: the message says where they belong.
        const nested = mongo();
        (nested.spec as Spec).statefulSet = { spec: { template: { spec: {}, volumeClaimTemplates: [named("data-volume", { storageClassName: "fast" })] } } };
        assert.match((await expandable([fast, nested]))[0], /claim 'data-volume' \(the operator's 10G, no template given: the templates at spec\.statefulSet\.spec\.template\.volumeClaimTemplates are under the pod template, where the operator doesn't read them\) names no StorageClass/);
        // The merged template keeps the operator's size when it names none, and its own when it does.
        assert.deepStrictEqual(await messages("storage-request-bounds", [mongo([named("data-volume", { storageClassName: "fast" })])], { "storage-request-bounds": { maxStorage: "5G" } }), [
            "MongoDBCommunity lab/rs claim template 'data-volume' requests storage 10G, outside the bounds 1Mi..5G (policy config minStorage, maxStorage).",
        ]);
    });
    /** A claim spec of `size`, ReadWriteOnce, on `storageClassName` when given. */
    const claimSpec = (size: string, storageClassName?: string): Spec => ({ accessModes: ["ReadWriteOnce"], resources: { requests: { storage: size } }, ...(storageClassName ? { storageClassName } : {}) });
    const custom = (apiVersion: string, kind: string, spec: Spec, name = "db"): ManifestObject => ({ apiVersion, kind, metadata: { name, namespace: "lab" }, spec });

    it("a Crunchy PGO PostgresCluster's instance data, WAL and tablespace claims, its pgBackRest volume repos and pgAdmin's; cloud repos make none", async () => {
        const pgo = custom("postgres-operator.crunchydata.com/v1beta1", "PostgresCluster", {
            postgresVersion: 16,
            instances: [
                { dataVolumeClaimSpec: claimSpec("1Gi") },
                { name: "big", dataVolumeClaimSpec: claimSpec("100Gi", "fast"), walVolumeClaimSpec: claimSpec("10Gi", "frozen"), tablespaceVolumes: [{ name: "archive", dataVolumeClaimSpec: claimSpec("1Ti", "frozen") }] },
            ],
            backups: { pgbackrest: { repos: [{ name: "repo1", volume: { volumeClaimSpec: claimSpec("5Gi") } }, { name: "repo2", s3: { bucket: "b" } }] } },
            userInterface: { pgAdmin: { dataVolumeClaimSpec: claimSpec("1Gi", "fast") } },
        });
        assert.deepStrictEqual(await expandable([fast, frozen, pgo]), [
            "PGO PostgresCluster lab/db instance set '00' data names no StorageClass, so it gets the cluster default, which may not expand; set spec.instances[0].dataVolumeClaimSpec.storageClassName to one of: fast.",
            "PGO PostgresCluster lab/db instance set 'big' WAL uses StorageClass 'frozen', which does not allow volume expansion; use one of: fast.",
            "PGO PostgresCluster lab/db instance set 'big' tablespace 'archive' uses StorageClass 'frozen', which does not allow volume expansion; use one of: fast.",
            "PGO PostgresCluster lab/db pgBackRest repo 'repo1' names no StorageClass, so it gets the cluster default, which may not expand; set spec.backups.pgbackrest.repos[0].volume.volumeClaimSpec.storageClassName to one of: fast.",
        ]);
        assert.deepStrictEqual(await messages("storage-request-bounds", [pgo], { "storage-request-bounds": { maxStorage: "500Gi" } }), [
            "PGO PostgresCluster lab/db instance set 'big' tablespace 'archive' requests storage 1Ti, outside the bounds 1Mi..500Gi (policy config minStorage, maxStorage).",
        ]);
    });

    it("a PerconaPGCluster (Percona's fork of PGO) has PGO's instance and pgBackRest claims, named by its own kind", async () => {
        const cluster = custom("pgv2.percona.com/v2", "PerconaPGCluster", {
            crVersion: "2.5.0", postgresVersion: 16,
            instances: [{ name: "instance1", replicas: 3, dataVolumeClaimSpec: claimSpec("1Gi"), walVolumeClaimSpec: claimSpec("1Gi", "fast") }],
            backups: { pgbackrest: { repos: [{ name: "repo1", volume: { volumeClaimSpec: claimSpec("1Gi", "frozen") } }] } },
        }, "cluster1");
        assert.deepStrictEqual(await expandable([fast, frozen, cluster]), [
            "PerconaPGCluster lab/cluster1 instance set 'instance1' data names no StorageClass, so it gets the cluster default, which may not expand; set spec.instances[0].dataVolumeClaimSpec.storageClassName to one of: fast.",
            "PerconaPGCluster lab/cluster1 pgBackRest repo 'repo1' uses StorageClass 'frozen', which does not allow volume expansion; use one of: fast.",
        ]);
        // The same fields under PGO's own group in another kind are no claims.
        assert.deepStrictEqual(await expandable([fast, { ...cluster, apiVersion: "postgres-operator.crunchydata.com/v1beta1" }]), []);
    });

    it("a KubeDB database's storage, a sharded MongoDB's shards and config servers, its hidden members, an Elasticsearch topology's node roles; ephemeral storage makes none", async () => {
        const kubedb = (kind: string, spec: Spec, name = "db"): ManifestObject => custom("kubedb.com/v1", kind, { storageType: "Durable", deletionPolicy: "Halt", ...spec }, name);
        const objects = [
            kubedb("Postgres", { version: "16.4", replicas: 3, storage: claimSpec("1Gi") }, "pg"),
            kubedb("Postgres", { version: "16.4", storageType: "Ephemeral", storage: claimSpec("1Gi", "frozen") }, "scratch"),
            kubedb("MongoDB", { version: "8.0.17", shardTopology: { shard: { shards: 2, replicas: 3, storage: claimSpec("1Gi", "fast") }, configServer: { replicas: 3, storage: claimSpec("1Gi", "frozen") }, mongos: { replicas: 2 } } }, "sharded"),
            // An in-memory replica set whose hidden members keep their data on claims.
            kubedb("MongoDB", { version: "7.0.8", replicas: 3, storageType: "Ephemeral", hidden: { replicas: 2, storage: claimSpec("2Gi", "frozen") } }, "rs"),
            kubedb("Elasticsearch", { version: "xpack-8.19.9", topology: { master: { replicas: 1, storage: claimSpec("1Gi", "fast") }, data: { replicas: 2, storage: claimSpec("10Gi") } } }, "es"),
        ];
        assert.deepStrictEqual(await expandable([fast, frozen, ...objects]), [
            "KubeDB Postgres lab/pg storage names no StorageClass, so it gets the cluster default, which may not expand; set spec.storage.storageClassName to one of: fast.",
            "KubeDB MongoDB lab/sharded config server storage uses StorageClass 'frozen', which does not allow volume expansion; use one of: fast.",
            "KubeDB MongoDB lab/rs hidden storage uses StorageClass 'frozen', which does not allow volume expansion; use one of: fast.",
            "KubeDB Elasticsearch lab/es node role 'data' storage names no StorageClass, so it gets the cluster default, which may not expand; set spec.topology.data.storage.storageClassName to one of: fast.",
        ]);
        // Another group's kinds of these names are no KubeDB databases.
        assert.deepStrictEqual(await expandable([fast, { ...objects[0], apiVersion: "example.com/v1" }]), []);
    });

    it("OpenSearch node pools, a RedisFailover's claim, Scylla racks, a CockroachDB data store, a StackGres cluster, an InnoDBCluster's datadir", async () => {
        const objects = [
            // A pool without persistence gets the operator's 30Gi claim on the default class; emptyDir makes none.
            custom("opensearch.opster.io/v1", "OpenSearchCluster", { general: { version: "2.14.0" }, nodePools: [
                { component: "masters", replicas: 3, roles: ["cluster_manager"] },
                { component: "hot", replicas: 3, diskSize: "100Gi", persistence: { pvc: { storageClass: "frozen", accessModes: ["ReadWriteOnce"] } } },
                { component: "scratch", replicas: 2, persistence: { emptyDir: {} } },
            ] }, "search"),
            custom("databases.spotahome.com/v1", "RedisFailover", { redis: { replicas: 3, storage: { keepAfterDeletion: true, persistentVolumeClaim: { metadata: { name: "data" }, spec: claimSpec("1Gi", "frozen") } } } }, "cache"),
            custom("scylla.scylladb.com/v1", "ScyllaCluster", { datacenter: { name: "dc1", racks: [{ name: "a", members: 3, storage: { capacity: "5Gi", storageClassName: "fast" } }, { name: "b", members: 3, storage: { capacity: "5Gi" } }] } }, "scylla"),
            custom("crdb.cockroachlabs.com/v1alpha1", "CrdbCluster", { nodes: 3, dataStore: { pvc: { spec: claimSpec("60Gi", "frozen") } } }, "crdb"),
            custom("stackgres.io/v1", "SGCluster", { instances: 2, pods: { persistentVolume: { size: "5Gi" } } }, "pg"),
            // The operator's own datadir template: 2Gi, ReadWriteOnce, the default class.
            custom("mysql.oracle.com/v2", "InnoDBCluster", { instances: 3 }, "my"),
            custom("mysql.oracle.com/v2", "InnoDBCluster", { instances: 3, datadirVolumeClaimTemplate: { storageClassName: "fast", resources: { requests: { storage: "2Ti" } } } }, "big"),
        ];
        assert.deepStrictEqual(await expandable([fast, frozen, ...objects]), [
            "OpenSearchCluster lab/search node pool 'masters' data names no StorageClass, so it gets the cluster default, which may not expand; set spec.nodePools[0].persistence.pvc.storageClass to one of: fast.",
            "OpenSearchCluster lab/search node pool 'hot' data uses StorageClass 'frozen', which does not allow volume expansion; use one of: fast.",
            "RedisFailover lab/cache claim 'data' uses StorageClass 'frozen', which does not allow volume expansion; use one of: fast.",
            "ScyllaCluster lab/scylla rack 'b' data names no StorageClass, so it gets the cluster default, which may not expand; set spec.datacenter.racks[1].storage.storageClassName to one of: fast.",
            "CrdbCluster lab/crdb data store uses StorageClass 'frozen', which does not allow volume expansion; use one of: fast.",
            "StackGres SGCluster lab/pg data names no StorageClass, so it gets the cluster default, which may not expand; set spec.pods.persistentVolume.storageClass to one of: fast.",
            "InnoDBCluster lab/my datadir names no StorageClass, so it gets the cluster default, which may not expand; set spec.datadirVolumeClaimTemplate.storageClassName to one of: fast.",
        ]);
        // A pool without diskSize requests the operator's 30Gi.
        assert.deepStrictEqual(await messages("storage-request-bounds", objects, { "storage-request-bounds": { minStorage: "3Gi", maxStorage: "20Gi" } }), [
            "OpenSearchCluster lab/search node pool 'masters' data requests storage 30Gi, outside the bounds 3Gi..20Gi (policy config minStorage, maxStorage).",
            "OpenSearchCluster lab/search node pool 'hot' data requests storage 100Gi, outside the bounds 3Gi..20Gi (policy config minStorage, maxStorage).",
            "RedisFailover lab/cache claim 'data' requests storage 1Gi, outside the bounds 3Gi..20Gi (policy config minStorage, maxStorage).",
            "CrdbCluster lab/crdb data store requests storage 60Gi, outside the bounds 3Gi..20Gi (policy config minStorage, maxStorage).",
            "InnoDBCluster lab/my datadir requests storage 2Gi, outside the bounds 3Gi..20Gi (policy config minStorage, maxStorage).",
            "InnoDBCluster lab/big datadir requests storage 2Ti, outside the bounds 3Gi..20Gi (policy config minStorage, maxStorage).",
        ]);
    });

    it("Confluent's components, a Redpanda's chart storage (20Gi on the default class unless disabled), a SolrCloud's claim template, a Dragonfly's snapshot claim", async () => {
        const objects = [
            custom("platform.confluent.io/v1beta1", "Zookeeper", { replicas: 3, dataVolumeCapacity: "10Gi", logVolumeCapacity: "10Gi", storageClass: { name: "frozen" } }, "zookeeper"),
            custom("platform.confluent.io/v1beta1", "Kafka", { replicas: 3, dataVolumeCapacity: "100Gi", storageClass: { name: "fast" } }, "kafka"),
            // Without a capacity the operator's size applies, which is not read: not judged.
            custom("platform.confluent.io/v1beta1", "KRaftController", { replicas: 3 }, "kraft"),
            custom("cluster.redpanda.com/v1alpha2", "Redpanda", { clusterSpec: {} }, "redpanda"),
            custom("cluster.redpanda.com/v1alpha2", "Redpanda", { clusterSpec: { storage: { persistentVolume: { enabled: false } } } }, "redpanda-ephemeral"),
            custom("solr.apache.org/v1beta1", "SolrCloud", { dataStorage: { persistent: { pvcTemplate: { spec: claimSpec("5Gi", "frozen") } } } }, "solr"),
            custom("solr.apache.org/v1beta1", "SolrCloud", { dataStorage: { ephemeral: { emptyDir: {} } } }, "solr-ephemeral"),
            custom("dragonflydb.io/v1alpha1", "Dragonfly", { replicas: 2, snapshot: { cron: "*/5 * * * *", persistentVolumeClaimSpec: claimSpec("2Gi", "fast") } }, "df"),
        ];
        assert.deepStrictEqual(await expandable([fast, frozen, ...objects]), [
            "Confluent Zookeeper lab/zookeeper data uses StorageClass 'frozen', which does not allow volume expansion; use one of: fast.",
            "Confluent Zookeeper lab/zookeeper transaction log uses StorageClass 'frozen', which does not allow volume expansion; use one of: fast.",
            "Redpanda lab/redpanda datadir names no StorageClass, so it gets the cluster default, which may not expand; set spec.clusterSpec.storage.persistentVolume.storageClass to one of: fast.",
            "SolrCloud lab/solr data uses StorageClass 'frozen', which does not allow volume expansion; use one of: fast.",
        ]);
        assert.deepStrictEqual(await messages("storage-request-bounds", objects, { "storage-request-bounds": { maxStorage: "10Gi" } }), [
            "Confluent Kafka lab/kafka data requests storage 100Gi, outside the bounds 1Mi..10Gi (policy config minStorage, maxStorage).",
            "Redpanda lab/redpanda datadir requests storage 20Gi, outside the bounds 1Mi..10Gi (policy config minStorage, maxStorage).",
        ]);
    });

    it("a PerconaServerMongoDB's replica set claims, its own non-voting and sidecar claims, and the config servers' when sharded; hostPath and emptyDir make none", async () => {
        const pvc = (size: string, storageClassName?: string, annotations?: Spec) => ({ persistentVolumeClaim: { ...(annotations ? { annotations } : {}), ...claimSpec(size, storageClassName) } });
        const psmdb = (sharded: boolean) => custom("psmdb.percona.com/v1", "PerconaServerMongoDB", {
            crVersion: "1.20.0",
            replsets: [
                { name: "rs0", size: 3, volumeSpec: { emptyDir: {}, ...pvc("3Gi", "fast") }, nonvoting: { enabled: true, size: 1, volumeSpec: pvc("3Gi", "frozen") }, hidden: { enabled: false, volumeSpec: pvc("3Gi") } },
                { name: "rs1", size: 3, volumeSpec: pvc("3Gi", undefined, { "volume.beta.kubernetes.io/storage-class": "frozen" }), sidecarPVCs: [{ metadata: { name: "scratch" }, spec: claimSpec("1Gi") }] },
                { name: "rs2", size: 3, volumeSpec: { hostPath: { path: "/data" } } },
            ],
            sharding: { enabled: sharded, configsvrReplSet: { size: 3, volumeSpec: pvc("3Gi") } },
        });
        const sharded = await expandable([fast, frozen, psmdb(true)]);
        assert.deepStrictEqual(sharded, [
            "PerconaServerMongoDB lab/db replset 'rs0' nonvoting data uses StorageClass 'frozen', which does not allow volume expansion; use one of: fast.",
            "PerconaServerMongoDB lab/db replset 'rs1' data uses StorageClass 'frozen', which does not allow volume expansion; use one of: fast.",
            "PerconaServerMongoDB lab/db replset 'rs1' sidecar claim template 'scratch' names no StorageClass, so it gets the cluster default, which may not expand; set spec.replsets[1].sidecarPVCs[0].spec.storageClassName to one of: fast.",
            "PerconaServerMongoDB lab/db config server replset data names no StorageClass, so it gets the cluster default, which may not expand; set spec.sharding.configsvrReplSet.volumeSpec.persistentVolumeClaim.storageClassName to one of: fast.",
        ]);
        assert.deepStrictEqual(await expandable([fast, frozen, psmdb(false)]), sharded.slice(0, 3));
    });

    it("a MinIO Tenant's pool claim templates and sidecar templates", async () => {
        const tenant = custom("minio.min.io/v2", "Tenant", {
            pools: [
                { servers: 4, volumesPerServer: 4, volumeClaimTemplate: { metadata: { name: "data" }, spec: claimSpec("1Ti") } },
                { name: "ssd", servers: 4, volumesPerServer: 2, volumeClaimTemplate: { metadata: { name: "data" }, spec: claimSpec("1Ti", "fast") } },
            ],
            sideCars: { volumeClaimTemplates: [{ metadata: { name: "cache" }, spec: claimSpec("1Gi", "frozen") }] },
        }, "minio");
        assert.deepStrictEqual(await expandable([fast, frozen, tenant]), [
            "MinIO Tenant lab/minio pool 'pool-0' claim template names no StorageClass, so it gets the cluster default, which may not expand; set spec.pools[0].volumeClaimTemplate.spec.storageClassName to one of: fast.",
            "MinIO Tenant lab/minio sidecar claim template 'cache' uses StorageClass 'frozen', which does not allow volume expansion; use one of: fast.",
        ]);
    });

    it("a MariaDB's storage: size and class win over a template that differs, a matching template is used as written, ephemeral makes none; a Backup's claim", async () => {
        const mariadb = (storage?: Spec, group = "k8s.mariadb.com/v1alpha1") => custom(group, "MariaDB", { replicas: 3, galera: { enabled: true }, ...(storage ? { storage } : {}) });
        const template = { accessModes: ["ReadWriteOnce"], resources: { requests: { storage: "1Gi" } }, storageClassName: "frozen" };
        assert.deepStrictEqual(await expandable([fast, frozen, mariadb({ size: "1Gi" }), mariadb({ size: "2Gi", volumeClaimTemplate: template }), mariadb({ ephemeral: true })]), [
            "MariaDB lab/db storage names no StorageClass, so it gets the cluster default, which may not expand; set spec.storage.storageClassName to one of: fast.",
            // The template's size differs, so the operator builds the claim from size alone: on the default class, not the template's.
            "MariaDB lab/db storage names no StorageClass, so it gets the cluster default, which may not expand; set spec.storage.storageClassName to one of: fast.",
        ]);
        assert.deepStrictEqual(await expandable([fast, frozen, mariadb({ size: "1Gi", volumeClaimTemplate: template }), mariadb({ volumeClaimTemplate: template })]), [
            "MariaDB lab/db storage uses StorageClass 'frozen', which does not allow volume expansion; use one of: fast.",
            "MariaDB lab/db storage uses StorageClass 'frozen', which does not allow volume expansion; use one of: fast.",
        ]);
        assert.deepStrictEqual(await expandable([fast, mariadb({ size: "1Gi", storageClassName: "fast", volumeClaimTemplate: template })]), []);
        // Before v0.0.26: the template at spec.volumeClaimTemplate; with no storage at all the operator refuses the resource.
        assert.deepStrictEqual(await expandable([fast, frozen, mariadb(undefined, "mariadb.mmontes.io/v1alpha1")]), [
            "MariaDB lab/db storage names no StorageClass, so it gets the cluster default, which may not expand; set spec.storage.storageClassName to one of: fast.",
        ]);
        const legacy = custom("mariadb.mmontes.io/v1alpha1", "MariaDB", { volumeClaimTemplate: { ...template, storageClassName: "fast" } });
        assert.deepStrictEqual(await expandable([fast, legacy]), []);
        assert.deepStrictEqual(await messages("storage-request-bounds", [mariadb()]), ["MariaDB lab/db storage requests no storage; set spec.storage.size (e.g. 1Gi)."]);
        const backup = custom("k8s.mariadb.com/v1alpha1", "Backup", { mariaDbRef: { name: "db" }, storage: { persistentVolumeClaim: claimSpec("100Mi") } }, "nightly");
        assert.deepStrictEqual(await expandable([fast, backup, custom("k8s.mariadb.com/v1alpha1", "Backup", { storage: { s3: { bucket: "b" } } })]), [
            "MariaDB Backup lab/nightly storage names no StorageClass, so it gets the cluster default, which may not expand; set spec.storage.persistentVolumeClaim.storageClassName to one of: fast.",
        ]);
    });

    it("redis-operator's storage template; a RedisCluster's only with persistenceEnabled", async () => {
        const storage = { volumeClaimTemplate: { spec: claimSpec("1Gi") } };
        const redis = (kind: string, spec: Spec) => custom("redis.redis.opstreelabs.in/v1beta2", kind, spec, kind.toLowerCase());
        assert.deepStrictEqual(await expandable([fast, redis("Redis", { storage }), redis("RedisReplication", { clusterSize: 3, storage }), redis("RedisCluster", { clusterSize: 3, storage }), redis("RedisSentinel", { clusterSize: 3 })]), [
            "Redis lab/redis storage names no StorageClass, so it gets the cluster default, which may not expand; set spec.storage.volumeClaimTemplate.spec.storageClassName to one of: fast.",
            "RedisReplication lab/redisreplication storage names no StorageClass, so it gets the cluster default, which may not expand; set spec.storage.volumeClaimTemplate.spec.storageClassName to one of: fast.",
        ]);
        assert.strictEqual((await expandable([fast, redis("RedisCluster", { clusterSize: 3, persistenceEnabled: true, storage })])).length, 1);
    });

    it("a CassandraDatacenter's server-data and additional volumes; a K8ssandraCluster datacenter's own storageConfig replaces the cluster-wide one", async () => {
        const storageConfig = (className: string) => ({ cassandraDataVolumeClaimSpec: claimSpec("5Gi", className), additionalVolumes: [{ name: "logs", mountPath: "/var/log/cassandra", pvcSpec: claimSpec("1Gi", "frozen") }, { name: "cfg", mountPath: "/cfg", volumeSource: { configMap: { name: "c" } } }] });
        const dc = custom("cassandra.datastax.com/v1beta1", "CassandraDatacenter", { clusterName: "c", size: 3, storageConfig: storageConfig("fast") }, "dc1");
        assert.deepStrictEqual(await expandable([fast, frozen, dc]), [
            "CassandraDatacenter lab/dc1 volume 'logs' uses StorageClass 'frozen', which does not allow volume expansion; use one of: fast.",
        ]);
        const k8ssandra = custom("k8ssandra.io/v1alpha1", "K8ssandraCluster", {
            cassandra: {
                storageConfig: { cassandraDataVolumeClaimSpec: claimSpec("5Gi", "frozen") },
                datacenters: [{ metadata: { name: "dc1" }, size: 3, storageConfig: { cassandraDataVolumeClaimSpec: claimSpec("5Gi", "fast") } }, { metadata: { name: "dc2" }, size: 3 }],
            },
        }, "demo");
        assert.deepStrictEqual(await expandable([fast, frozen, k8ssandra]), [
            "K8ssandraCluster lab/demo server-data uses StorageClass 'frozen', which does not allow volume expansion; use one of: fast.",
        ]);
    });

    it("a ClickHouseInstallation's claim templates that are used, by a template reference or a volume mount; an unused one makes no claim", async () => {
        const template = (name: string, storageClassName?: string) => ({ name, spec: claimSpec("10Gi", storageClassName) });
        const chi = custom("clickhouse.altinity.com/v1", "ClickHouseInstallation", {
            defaults: { templates: { dataVolumeClaimTemplate: "data" } },
            configuration: { clusters: [{ name: "main", layout: { shardsCount: 2 }, templates: { logVolumeClaimTemplate: "logs" } }] },
            templates: {
                volumeClaimTemplates: [template("data", "fast"), template("logs", "frozen"), template("mounted"), template("unused")],
                podTemplates: [{ name: "pod", spec: { containers: [{ name: "clickhouse", image: "clickhouse/clickhouse-server:24.8", volumeMounts: [{ name: "mounted", mountPath: "/extra" }] }] } }],
            },
        }, "ch");
        assert.deepStrictEqual(await expandable([fast, frozen, chi]), [
            "ClickHouseInstallation lab/ch claim template 'logs' uses StorageClass 'frozen', which does not allow volume expansion; use one of: fast.",
            "ClickHouseInstallation lab/ch claim template 'mounted' names no StorageClass, so it gets the cluster default, which may not expand; set spec.templates.volumeClaimTemplates[2].spec.storageClassName to one of: fast.",
        ]);
    });

    it("a PerconaXtraDBCluster's pxc nodes, enabled ProxySQL, sidecar and filesystem backup claims; a TidbCluster's PD, TiKV, TiFlash and storage volume claims", async () => {
        const pxc = custom("pxc.percona.com/v1", "PerconaXtraDBCluster", {
            pxc: { size: 3, volumeSpec: { persistentVolumeClaim: claimSpec("6G") }, sidecarPVCs: [{ metadata: { name: "scratch" }, spec: claimSpec("1G", "frozen") }] },
            proxysql: { enabled: true, size: 3, volumeSpec: { persistentVolumeClaim: claimSpec("2G", "fast") } },
            haproxy: { enabled: false, volumeSpec: { persistentVolumeClaim: claimSpec("1G") } },
            backup: { storages: { "fs-pvc": { type: "filesystem", volume: { persistentVolumeClaim: claimSpec("6G") } }, s3: { type: "s3", s3: { bucket: "b" } } } },
        }, "cluster1");
        assert.deepStrictEqual(await expandable([fast, frozen, pxc]), [
            "PerconaXtraDBCluster lab/cluster1 pxc data names no StorageClass, so it gets the cluster default, which may not expand; set spec.pxc.volumeSpec.persistentVolumeClaim.storageClassName to one of: fast.",
            "PerconaXtraDBCluster lab/cluster1 pxc sidecar claim template 'scratch' uses StorageClass 'frozen', which does not allow volume expansion; use one of: fast.",
            "PerconaXtraDBCluster lab/cluster1 backup storage 'fs-pvc' names no StorageClass, so it gets the cluster default, which may not expand; set spec.backup.storages.fs-pvc.volume.persistentVolumeClaim.storageClassName to one of: fast.",
        ]);
        const tidb = custom("pingcap.com/v1alpha1", "TidbCluster", {
            pd: { replicas: 3, requests: { storage: "1Gi" }, storageClassName: "fast" },
            tikv: { replicas: 3, requests: { storage: "100Gi" }, storageVolumes: [{ name: "raftlog", storageSize: "1Gi", storageClassName: "frozen" }, { name: "wal", storageSize: "1Gi" }] },
            tidb: { replicas: 2, storageClassName: "fast", storageVolumes: [{ name: "log", storageSize: "1Gi" }] },
            tiflash: { replicas: 1, storageClaims: [{ resources: { requests: { storage: "100Gi" } }, storageClassName: "frozen" }] },
        }, "tidb");
        assert.deepStrictEqual(await expandable([fast, frozen, tidb]), [
            "TidbCluster lab/tidb tikv names no StorageClass, so it gets the cluster default, which may not expand; set spec.tikv.storageClassName to one of: fast.",
            "TidbCluster lab/tidb tikv storage volume 'raftlog' uses StorageClass 'frozen', which does not allow volume expansion; use one of: fast.",
            "TidbCluster lab/tidb tikv storage volume 'wal' names no StorageClass, so it gets the cluster default, which may not expand; set spec.tikv.storageVolumes[1].storageClassName to one of: fast.",
            "TidbCluster lab/tidb tiflash storage claim 0 uses StorageClass 'frozen', which does not allow volume expansion; use one of: fast.",
        ]);
        assert.deepStrictEqual(await messages("storage-request-bounds", [custom("pingcap.com/v1alpha1", "TidbCluster", { pd: { replicas: 1 } }, "bare")]), [
            "TidbCluster lab/bare pd requests no storage; set spec.pd.requests.storage (e.g. 1Gi).",
        ]);
        assert.deepStrictEqual(await messages("statefulset-retains-claims", [{ ...tidb, spec: { ...(tidb.spec as Spec), enablePVReclaim: true } }]), [
            "TidbCluster lab/tidb has spec.enablePVReclaim: true, which deletes the claims of the members it removes on scale-in; set it to false (or leave it unset).",
        ]);
    });

    it("statefulset-retains-claims reports the settings by which an operator deletes its claims: Strimzi's deleteClaim, ECK's and ClickHouse's defaults, redis-operator's keepAfterDelete, retention policies passed on, Percona's finalizers", async () => {
        const retains = (objects: ManifestObject[]) => messages("statefulset-retains-claims", objects);
        const kafka = custom("kafka.strimzi.io/v1beta2", "Kafka", { kafka: { replicas: 3, storage: { type: "jbod", volumes: [{ id: 0, type: "persistent-claim", size: "10Gi", deleteClaim: false }, { id: 1, type: "persistent-claim", size: "10Gi", deleteClaim: true }] } } }, "kafka");
        const pool = custom("kafka.strimzi.io/v1beta2", "KafkaNodePool", { replicas: 3, storage: { type: "persistent-claim", size: "10Gi", deleteClaim: true } }, "pool");
        const es = (spec: Spec) => custom("elasticsearch.k8s.elastic.co/v1", "Elasticsearch", { version: "8.15.0", nodeSets: [{ name: "default", count: 3 }], ...spec }, "es");
        const redis = (storage: Spec) => custom("redis.redis.opstreelabs.in/v1beta2", "Redis", { storage: { volumeClaimTemplate: { spec: claimSpec("1Gi") }, ...storage } }, "cache");
        assert.deepStrictEqual(await retains([kafka, pool, es({}), es({ volumeClaimDeletePolicy: "DeleteOnScaledownOnly" }), redis({}), redis({ keepAfterDelete: true })]), [
            "Strimzi Kafka lab/kafka has spec.kafka.storage.volumes[1].deleteClaim: true, which deletes its claims with the cluster or node pool, and on scale-down; set it to false (or leave it unset).",
            "Strimzi KafkaNodePool lab/pool has spec.storage.deleteClaim: true, which deletes its claims with the cluster or node pool, and on scale-down; set it to false (or leave it unset).",
            "ECK Elasticsearch lab/es sets no spec.volumeClaimDeletePolicy (ECK's default is DeleteOnScaledownAndClusterDeletion), which deletes its claims with the Elasticsearch resource; set spec.volumeClaimDeletePolicy to DeleteOnScaledownOnly.",
            "Redis lab/cache sets no spec.storage.keepAfterDelete (the operator's default is false), which deletes its claims with the resource; set spec.storage.keepAfterDelete to true.",
        ]);
        // Retention policies the operator hands to its StatefulSet, and a RedisCluster without persistence (no claims, nothing to keep).
        const prometheus = custom("monitoring.coreos.com/v1", "Prometheus", { persistentVolumeClaimRetentionPolicy: { whenScaled: "Delete" } }, "main");
        const rabbit = custom("rabbitmq.com/v1beta1", "RabbitmqCluster", { override: { statefulSet: { spec: { persistentVolumeClaimRetentionPolicy: { whenDeleted: "Delete", whenScaled: "Retain" } } } } }, "mq");
        const cluster = custom("redis.redis.opstreelabs.in/v1beta2", "RedisCluster", { clusterSize: 3, storage: { volumeClaimTemplate: { spec: claimSpec("1Gi") } } }, "rc");
        assert.deepStrictEqual(await retains([prometheus, rabbit, cluster]), [
            "Prometheus lab/main has spec.persistentVolumeClaimRetentionPolicy.whenScaled: Delete, which deletes claims on scale-down; set it to Retain (or leave it unset).",
            "RabbitmqCluster lab/mq has spec.override.statefulSet.spec.persistentVolumeClaimRetentionPolicy.whenDeleted: Delete, which deletes claims with the RabbitmqCluster; set it to Retain (or leave it unset).",
        ]);
        // ClickHouse: Delete unless the template or the installation's defaults say Retain; a template nothing uses makes no claim to lose.
        const chi = (defaults: Spec, templates: Spec[]) => custom("clickhouse.altinity.com/v1", "ClickHouseInstallation", { defaults: { templates: { dataVolumeClaimTemplate: "data", logVolumeClaimTemplate: "logs" }, ...defaults }, templates: { volumeClaimTemplates: templates } }, "ch");
        const t = (name: string, reclaimPolicy?: string) => ({ name, ...(reclaimPolicy ? { reclaimPolicy } : {}), spec: claimSpec("10Gi") });
        assert.deepStrictEqual(await retains([chi({}, [t("data"), t("logs", "Retain"), t("unused")])]), [
            "ClickHouseInstallation lab/ch sets no reclaimPolicy for claim template 'data' (the operator's default is Delete), which deletes its claims with the installation and with the hosts removed on scale-down; set spec.templates.volumeClaimTemplates[0].reclaimPolicy (or spec.defaults.storageManagement.reclaimPolicy) to Retain.",
        ]);
        assert.deepStrictEqual(await retains([chi({ storageManagement: { reclaimPolicy: "Retain" } }, [t("data"), t("logs", "Delete")])]), [
            "ClickHouseInstallation lab/ch has spec.templates.volumeClaimTemplates[1].reclaimPolicy: Delete for claim template 'logs', which deletes its claims with the installation and with the hosts removed on scale-down; set spec.templates.volumeClaimTemplates[1].reclaimPolicy (or spec.defaults.storageManagement.reclaimPolicy) to Retain.",
        ]);
        // Percona's finalizers, by the group they belong to; MinIO's reclaimStorage.
        const percona = (apiVersion: string, kind: string, finalizers: string[]): ManifestObject => ({ apiVersion, kind, metadata: { name: "cluster1", namespace: "lab", finalizers }, spec: {} });
        const tenant = custom("minio.min.io/v2", "Tenant", { pools: [{ servers: 4, volumesPerServer: 1, reclaimStorage: true, volumeClaimTemplate: { metadata: { name: "data" }, spec: claimSpec("1Ti", "fast") } }] }, "minio");
        assert.deepStrictEqual(await retains([
            percona("psmdb.percona.com/v1", "PerconaServerMongoDB", ["percona.com/delete-psmdb-pods-in-order", "percona.com/delete-psmdb-pvc"]),
            percona("pxc.percona.com/v1", "PerconaXtraDBCluster", ["delete-pxc-pvc"]),
            percona("pxc.percona.com/v1", "PerconaXtraDBCluster", ["percona.com/delete-psmdb-pvc"]),
            percona("pgv2.percona.com/v2", "PerconaPGCluster", ["percona.com/delete-ssl", "percona.com/delete-pvc"]),
            tenant,
            // KubeDB deletes the claims under Delete (its default) and WipeOut; an older release's terminationPolicy says the same.
            custom("kubedb.com/v1", "Postgres", { storage: claimSpec("1Gi") }, "pg"),
            custom("kubedb.com/v1", "MySQL", { storage: claimSpec("1Gi"), deletionPolicy: "WipeOut" }, "my"),
            custom("kubedb.com/v1alpha2", "MariaDB", { storage: claimSpec("1Gi"), terminationPolicy: "Delete" }, "md"),
            custom("kubedb.com/v1", "Redis", { storage: claimSpec("1Gi"), deletionPolicy: "Halt" }, "kept"),
            custom("kubedb.com/v1", "Redis", { storage: claimSpec("1Gi"), deletionPolicy: "DoNotTerminate" }, "guarded"),
            custom("kubedb.com/v1", "Postgres", { storageType: "Ephemeral", deletionPolicy: "WipeOut" }, "scratch"),
            // A RedisFailover owns its claims unless told to keep them; an OpenSearchCluster passes its retention policy on.
            custom("databases.spotahome.com/v1", "RedisFailover", { redis: { storage: { persistentVolumeClaim: { metadata: { name: "data" }, spec: claimSpec("1Gi") } } } }, "rf"),
            custom("databases.spotahome.com/v1", "RedisFailover", { redis: { storage: { keepAfterDeletion: true, persistentVolumeClaim: { metadata: { name: "data" }, spec: claimSpec("1Gi") } } } }, "rf-kept"),
            custom("databases.spotahome.com/v1", "RedisFailover", { redis: {} }, "rf-memory"),
            custom("opensearch.org/v1", "OpenSearchCluster", { general: { persistentVolumeClaimRetentionPolicy: { whenDeleted: "Retain", whenScaled: "Delete" } }, nodePools: [{ component: "data", replicas: 3 }] }, "os"),
            custom("opensearch.org/v1", "OpenSearchCluster", { general: { persistentVolumeClaimRetentionPolicy: { whenScaled: "Delete" } }, nodePools: [{ component: "data", replicas: 3, persistence: { emptyDir: {} } }] }, "os-ephemeral"),
            custom("solr.apache.org/v1beta1", "SolrCloud", { dataStorage: { persistent: { reclaimPolicy: "Delete", pvcTemplate: { spec: claimSpec("5Gi") } } } }, "solr"),
            custom("solr.apache.org/v1beta1", "SolrCloud", { dataStorage: { persistent: { reclaimPolicy: "Retain", pvcTemplate: { spec: claimSpec("5Gi") } } } }, "solr-kept"),
        ]), [
            "PerconaServerMongoDB lab/cluster1 has the finalizer percona.com/delete-psmdb-pvc, which deletes its claims when it is deleted; remove it from metadata.finalizers.",
            "PerconaXtraDBCluster lab/cluster1 has the finalizer delete-pxc-pvc, which deletes its claims when it is deleted; remove it from metadata.finalizers.",
            "PerconaPGCluster lab/cluster1 has the finalizer percona.com/delete-pvc, which deletes its claims when it is deleted; remove it from metadata.finalizers.",
            "MinIO Tenant lab/minio has spec.pools[0].reclaimStorage: true, which deletes the pool's claims with the Tenant (on the operator releases that honour it, from late 2023 to mid-2024); remove it.",
            "KubeDB Postgres lab/pg sets no spec.deletionPolicy (KubeDB's default is Delete), which deletes its claims when it is deleted; set spec.deletionPolicy to Halt (which keeps the claims and secrets) or DoNotTerminate (which refuses the deletion).",
            "KubeDB MySQL lab/my has spec.deletionPolicy: WipeOut, which deletes its claims when it is deleted; set spec.deletionPolicy to Halt (which keeps the claims and secrets) or DoNotTerminate (which refuses the deletion).",
            "KubeDB MariaDB lab/md has spec.terminationPolicy: Delete, which deletes its claims when it is deleted; set spec.terminationPolicy to Halt (which keeps the claims and secrets) or DoNotTerminate (which refuses the deletion).",
            "RedisFailover lab/rf sets no spec.redis.storage.keepAfterDeletion: true, which deletes its claims with the RedisFailover; set spec.redis.storage.keepAfterDeletion to true.",
            "OpenSearchCluster lab/os has spec.general.persistentVolumeClaimRetentionPolicy.whenScaled: Delete, which deletes claims on scale-down; set it to Retain (or leave it unset).",
            "SolrCloud lab/solr has spec.dataStorage.persistent.reclaimPolicy: Delete, which deletes its claims with the SolrCloud and on scale-down; set it to Retain (or leave it unset).",
        ]);
    });

    it("reads malformed operator resources without failing the pack: a value of the wrong shape is no claim setting", async () => {
        const odd: ManifestObject[] = [
            { apiVersion: "postgresql.cnpg.io/v1", kind: "Cluster", metadata: { name: "a", namespace: "lab" }, spec: { storage: "10Gi", walStorage: [1], tablespaces: [null, 3, { name: "t", storage: 5 }] } },
            { apiVersion: "postgresql.cnpg.io/v1", kind: "Cluster", metadata: { name: "b", namespace: "lab" }, spec: { storage: { storageClass: "gp3", size: "1Gi", pvcTemplate: { accessModes: 7, resources: "x" } } } },
            { apiVersion: "kafka.strimzi.io/v1beta2", kind: "Kafka", metadata: { name: "c", namespace: "lab" }, spec: { kafka: { storage: { type: "jbod", volumes: [null, "x"] } }, zookeeper: 5 } },
            { apiVersion: "elasticsearch.k8s.elastic.co/v1", kind: "Elasticsearch", metadata: { name: "d", namespace: "lab" }, spec: { nodeSets: "x" } },
            { apiVersion: "rabbitmq.com/v1beta1", kind: "RabbitmqCluster", metadata: { name: "e", namespace: "lab" }, spec: { override: { statefulSet: { spec: { volumeClaimTemplates: [null] } } } } },
            {
                apiVersion: "mongodbcommunity.mongodb.com/v1", kind: "MongoDBCommunity", metadata: { name: "f", namespace: "lab" },
                spec: { statefulSet: { spec: { template: 7, volumeClaimTemplates: [{ metadata: { name: "data-volume" }, spec: { accessModes: 5, resources: { requests: "x" } } }, 3] } } },
            },
        ];
        odd.push(
            { apiVersion: "postgres-operator.crunchydata.com/v1beta1", kind: "PostgresCluster", metadata: { name: "g", namespace: "lab" }, spec: { instances: [null, { tablespaceVolumes: 3, dataVolumeClaimSpec: 1 }], backups: { pgbackrest: { repos: "x" } } } },
            { apiVersion: "psmdb.percona.com/v1", kind: "PerconaServerMongoDB", metadata: { name: "h", namespace: "lab" }, spec: { replsets: [{ volumeSpec: { persistentVolumeClaim: [] }, nonvoting: { enabled: true, volumeSpec: 2 }, sidecarPVCs: {} }], sharding: { enabled: true, configsvrReplSet: "x" } } },
            { apiVersion: "k8s.mariadb.com/v1alpha1", kind: "MariaDB", metadata: { name: "i", namespace: "lab" }, spec: { storage: { size: "1Gi", volumeClaimTemplate: { resources: 3 } } } },
            { apiVersion: "clickhouse.altinity.com/v1", kind: "ClickHouseInstallation", metadata: { name: "j", namespace: "lab" }, spec: { defaults: { templates: { dataVolumeClaimTemplate: 5 } }, templates: { volumeClaimTemplates: [7, { name: "x" }], podTemplates: [{ spec: { containers: [{ volumeMounts: "x" }] } }] } } },
            { apiVersion: "k8ssandra.io/v1alpha1", kind: "K8ssandraCluster", metadata: { name: "k", namespace: "lab" }, spec: { cassandra: { datacenters: [null, { storageConfig: "x", extraVolumes: { pvcs: [null] } }] } } },
            { apiVersion: "psmdb.percona.com/v1", kind: "PerconaServerMongoDB", metadata: { name: "l", namespace: "lab", finalizers: "percona.com/delete-psmdb-pvc" }, spec: {} },
            { apiVersion: "redis.redis.opstreelabs.in/v1beta2", kind: "Redis", metadata: { name: "m", namespace: "lab" }, spec: { storage: { volumeClaimTemplate: 3 }, kubernetesConfig: { persistentVolumeClaimRetentionPolicy: "Delete" } } },
            { apiVersion: "elasticsearch.k8s.elastic.co/v1", kind: "Elasticsearch", metadata: { name: "n", namespace: "lab" }, spec: { nodeSets: [5], volumeClaimDeletePolicy: 3 } },
            { apiVersion: "pxc.percona.com/v1", kind: "PerconaXtraDBCluster", metadata: { name: "o", namespace: "lab" }, spec: { pxc: { volumeSpec: 3, sidecarPVCs: "x" }, backup: { storages: [1, 2] } } },
            { apiVersion: "pingcap.com/v1alpha1", kind: "TidbCluster", metadata: { name: "p", namespace: "lab" }, spec: { pd: { requests: "x" }, tikv: { storageVolumes: [null, { storageSize: 5 }] }, tiflash: { storageClaims: [{ resources: [] }] } } },
            { apiVersion: "kubedb.com/v1", kind: "MongoDB", metadata: { name: "q", namespace: "lab" }, spec: { shardTopology: { shard: { shards: "x", storage: 3 }, configServer: [] }, deletionPolicy: 7 } },
            { apiVersion: "kubedb.com/v1", kind: "Elasticsearch", metadata: { name: "r", namespace: "lab" }, spec: { topology: { master: "x", data: { storage: { resources: "x" } } } } },
            { apiVersion: "opensearch.org/v1", kind: "OpenSearchCluster", metadata: { name: "s", namespace: "lab" }, spec: { nodePools: [null, { persistence: { pvc: "x" } }, { persistence: 5, diskSize: [] }], general: { persistentVolumeClaimRetentionPolicy: "Delete" } } },
            { apiVersion: "databases.spotahome.com/v1", kind: "RedisFailover", metadata: { name: "t", namespace: "lab" }, spec: { redis: { storage: { persistentVolumeClaim: { metadata: 3, spec: [] }, keepAfterDeletion: "yes" } } } },
            { apiVersion: "mysql.oracle.com/v2", kind: "InnoDBCluster", metadata: { name: "u", namespace: "lab" }, spec: { datadirVolumeClaimTemplate: { resources: { requests: 7 }, accessModes: "RWO" } } },
            { apiVersion: "scylla.scylladb.com/v1", kind: "ScyllaCluster", metadata: { name: "v", namespace: "lab" }, spec: { datacenter: { racks: [{ storage: [] }, 3] } } },
            { apiVersion: "platform.confluent.io/v1beta1", kind: "Zookeeper", metadata: { name: "w", namespace: "lab" }, spec: { dataVolumeCapacity: [], storageClass: "fast" } },
            { apiVersion: "cluster.redpanda.com/v1alpha2", kind: "Redpanda", metadata: { name: "x", namespace: "lab" }, spec: { clusterSpec: { storage: { persistentVolume: "yes" } } } },
            { apiVersion: "solr.apache.org/v1beta1", kind: "SolrCloud", metadata: { name: "y", namespace: "lab" }, spec: { dataStorage: { persistent: { pvcTemplate: 5, reclaimPolicy: ["Delete"] } } } },
            { apiVersion: "dragonflydb.io/v1alpha1", kind: "Dragonfly", metadata: { name: "z", namespace: "lab" }, spec: { snapshot: "x", tiering: { persistentVolumeClaimSpec: [] } } },
        );
        const ebs = storageClass("gp3", { provisioner: "ebs.csi.aws.com", volumeBindingMode: "WaitForFirstConsumer" });
        const run = await checkObjects([ebs, ...odd]);
        // Every policy ran over every object (none failed on one), and the claims that can be read are judged.
        assert.deepStrictEqual(run.diagnostics.filter(d => /fails|TypeError|Error validating/.test(d.message)).map(d => d.message), []);
        assert.ok(violationsOf(run, "claim-storage-class-expandable").some(v => /MongoDBCommunity lab\/f claim template 'data-volume' names no StorageClass/.test(v.message)));
    });
});

/**
 * The pack's first two families, case by case: container requests on every workload kind, and
 * expandable storage for every StorageClass and claim.
 */
import * as assert from "assert";
import { ManifestObject } from "../tools/manifests";
import { UNKNOWN_SENTINEL } from "../tools/render";
import { checkObjects, deployment, violationsOf } from "./helpers";

const podSpec = (containers: object[], initContainers?: object[]) => ({ containers, ...(initContainers ? { initContainers } : {}) });
const withRequests = { name: "ok", image: "busybox:1.36", resources: { requests: { cpu: "10m", memory: "16Mi" }, limits: { memory: "32Mi" } } };
const noMemory = { name: "no-memory", image: "busybox:1.36", resources: { requests: { cpu: "10m" } } };

/** The same pod spec under every workload kind. */
function underEveryKind(spec: object): ManifestObject[] {
    const template = { metadata: { labels: { app: "x" } }, spec };
    const selector = { matchLabels: { app: "x" } };
    return [
        { apiVersion: "v1", kind: "Pod", metadata: { name: "pod", namespace: "lab", labels: { app: "x" } }, spec },
        { apiVersion: "apps/v1", kind: "Deployment", metadata: { name: "deploy", namespace: "lab" }, spec: { selector, template } },
        { apiVersion: "apps/v1", kind: "StatefulSet", metadata: { name: "sts", namespace: "lab" }, spec: { serviceName: "sts", selector, template } },
        { apiVersion: "apps/v1", kind: "DaemonSet", metadata: { name: "ds", namespace: "lab" }, spec: { selector, template } },
        { apiVersion: "apps/v1", kind: "ReplicaSet", metadata: { name: "rs", namespace: "lab" }, spec: { selector, template } },
        { apiVersion: "batch/v1", kind: "Job", metadata: { name: "job", namespace: "lab" }, spec: { template } },
        { apiVersion: "batch/v1", kind: "CronJob", metadata: { name: "cron", namespace: "lab" }, spec: { schedule: "* * * * *", jobTemplate: { spec: { template } } } },
    ];
}

describe("policy container-requests", () => {
    it("passes workloads whose containers and init containers request CPU and memory", async () => {
        const run = await checkObjects(underEveryKind(podSpec([withRequests], [withRequests])));
        assert.deepStrictEqual(violationsOf(run, "container-requests"), []);
    });

    it("reports a container without a memory request under every workload kind, naming object and container", async () => {
        const run = await checkObjects(underEveryKind(podSpec([withRequests, noMemory])));
        const found = violationsOf(run, "container-requests");
        assert.strictEqual(found.length, 7);
        for (const [kind, name] of [["Pod", "pod"], ["Deployment", "deploy"], ["StatefulSet", "sts"], ["DaemonSet", "ds"], ["ReplicaSet", "rs"], ["Job", "job"], ["CronJob", "cron"]]) {
            const d = found.find(v => v.message.includes(`${kind} lab/${name}:`));
            assert.ok(d, `no violation for ${kind}`);
            assert.match(d.message, /container 'no-memory' has no memory request; set resources\.requests\.memory/);
            assert.strictEqual(d.enforcementLevel, "mandatory");
        }
    });

    it("reports init containers too", async () => {
        const run = await checkObjects([deployment("web", d => {
            (d.spec as { template: { spec: { initContainers: object[] } } }).template.spec.initContainers = [{ name: "migrate", image: "busybox:1.36" }];
        })]);
        const [v] = violationsOf(run, "container-requests");
        assert.match(v.message, /init container 'migrate' has no cpu or memory request/);
    });

    it("ignores non-workloads and exempt namespaces", async () => {
        const run = await checkObjects([
            { apiVersion: "v1", kind: "ConfigMap", metadata: { name: "c", namespace: "lab" }, data: {} },
            ...underEveryKind(podSpec([noMemory])).map(o => ({ ...o, metadata: { ...o.metadata, namespace: "kube-system" } })),
        ], { "container-requests": { exemptNamespaces: ["kube-system"] } });
        assert.deepStrictEqual(violationsOf(run, "container-requests"), []);
    });

    it("turns a value unknown during preview into the engine's advisory instead of a result", async () => {
        const d = deployment("web", o => {
            (o.spec as { template: { spec: { containers: { resources: unknown }[] } } }).template.spec.containers[0].resources = UNKNOWN_SENTINEL;
        });
        const run = await checkObjects([d]);
        const [v] = violationsOf(run, "container-requests");
        assert.strictEqual(v.enforcementLevel, "advisory");
        assert.match(v.message, /^can't run policy 'container-requests' from policy pack 'kubelab@v0\.1\.0' during preview: string value at \.spec\.template\.spec\.containers\.0\.resources can't be known during preview/);
    });

    it("still judges the stack when a value it never reads is unknown (another kind's namespace)", async () => {
        const run = await checkObjects([
            { apiVersion: "v1", kind: "ConfigMap", metadata: { name: "settings", namespace: UNKNOWN_SENTINEL }, data: {} },
            deployment("web", o => {
                (o.spec as { template: { spec: { containers: { resources: unknown }[] } } }).template.spec.containers[0].resources = { requests: { cpu: "10m" } };
            }),
        ]);
        const found = violationsOf(run, "container-requests");
        assert.deepStrictEqual(found.map(v => v.enforcementLevel), ["mandatory"]);
        assert.match(found[0].message, /container 'web' has no memory request/);
    });

    it("follows the configured enforcement level, and disabled skips it", async () => {
        const objects = [deployment("web", o => {
            (o.spec as { template: { spec: { containers: { resources: unknown }[] } } }).template.spec.containers[0].resources = {};
        })];
        assert.strictEqual(violationsOf(await checkObjects(objects, { "container-requests": "advisory" }), "container-requests")[0].enforcementLevel, "advisory");
        assert.deepStrictEqual(violationsOf(await checkObjects(objects, { "container-requests": "disabled" }), "container-requests"), []);
    });
});

describe("policy storage-class-expandable", () => {
    const sc = (name: string, allowVolumeExpansion?: boolean): ManifestObject =>
        ({ apiVersion: "storage.k8s.io/v1", kind: "StorageClass", metadata: { name }, provisioner: "hostpath.csi.k8s.io", ...(allowVolumeExpansion === undefined ? {} : { allowVolumeExpansion }) });

    it("passes a class that allows expansion and reports one that doesn't", async () => {
        const run = await checkObjects([sc("good", true), sc("bad", false), sc("unset")]);
        const found = violationsOf(run, "storage-class-expandable").map(v => v.message);
        assert.strictEqual(found.length, 2);
        assert.ok(found.some(m => /StorageClass bad \(provisioner hostpath\.csi\.k8s\.io\) does not allow volume expansion; set allowVolumeExpansion: true/.test(m)));
        assert.ok(found.some(m => /StorageClass unset/.test(m)));
    });

    it("says a provisioner that can't expand can't grow its volumes, whatever the flag; leaves elastic EFS alone", async () => {
        const of = (name: string, provisioner: string, allowVolumeExpansion?: boolean): ManifestObject =>
            ({ apiVersion: "storage.k8s.io/v1", kind: "StorageClass", metadata: { name }, provisioner, ...(allowVolumeExpansion === undefined ? {} : { allowVolumeExpansion }) });
        const found = violationsOf(await checkObjects([of("local-storage", "kubernetes.io/no-provisioner"), of("standard", "k8s.io/minikube-hostpath", true), of("efs-sc", "efs.csi.aws.com")]), "storage-class-expandable")
            .map(v => v.message.slice(v.description.length + 1));
        assert.deepStrictEqual(found, [
            "StorageClass local-storage (provisioner kubernetes.io/no-provisioner) can't grow its volumes: kubernetes.io/no-provisioner does not expand them; for data that must grow, use a class whose provisioner expands volumes (a CSI driver such as the cluster's disk driver, or csi-hostpath on minikube).",
            "StorageClass standard (provisioner k8s.io/minikube-hostpath) can't grow its volumes: k8s.io/minikube-hostpath does not expand them, so allowVolumeExpansion: true only leaves a resize pending for ever; for data that must grow, use a class whose provisioner expands volumes (a CSI driver such as the cluster's disk driver, or csi-hostpath on minikube).",
        ]);
    });

    it("knows OpenEBS Local PV can't expand, and leaves the NFS subdir provisioner's classes alone, by the names its manifests and chart give it", async () => {
        const of = (name: string, provisioner: string, allowVolumeExpansion?: boolean): ManifestObject =>
            ({ apiVersion: "storage.k8s.io/v1", kind: "StorageClass", metadata: { name }, provisioner, ...(allowVolumeExpansion === undefined ? {} : { allowVolumeExpansion }) });
        const claim = (name: string, storageClassName: string): ManifestObject => ({
            apiVersion: "v1", kind: "PersistentVolumeClaim", metadata: { name, namespace: "lab" },
            spec: { accessModes: ["ReadWriteMany"], resources: { requests: { storage: "1Mi" } }, storageClassName },
        });
        const run = await checkObjects([
            of("openebs-hostpath", "openebs.io/local", true),
            of("nfs-client", "k8s-sigs.io/nfs-subdir-external-provisioner"),
            of("nfs-chart", "cluster.local/nfs-subdir-external-provisioner"),
            of("nfs-release", "cluster.local/team-a-nfs-subdir-external-provisioner"),
            of("other", "cluster.local/my-provisioner"),
            claim("shared", "nfs-client"), claim("charted", "nfs-release"), claim("local", "openebs-hostpath"), claim("elsewhere", "other"),
        ]);
        assert.deepStrictEqual(violationsOf(run, "storage-class-expandable").map(v => v.message.slice(v.description.length + 1)), [
            "StorageClass openebs-hostpath (provisioner openebs.io/local) can't grow its volumes: openebs.io/local does not expand them, so allowVolumeExpansion: true only leaves a resize pending for ever; for data that must grow, use a class whose provisioner expands volumes (a CSI driver such as the cluster's disk driver, or csi-hostpath on minikube).",
            "StorageClass other (provisioner cluster.local/my-provisioner) does not allow volume expansion; set allowVolumeExpansion: true (the provisioner must support expansion).",
        ]);
        // The claims on the NFS subdir classes are not judged; the others are.
        assert.deepStrictEqual(violationsOf(run, "claim-storage-class-expandable").map(v => /PersistentVolumeClaim lab\/(\S+)/.exec(v.message)?.[1]).sort(), ["elsewhere", "local"]);
    });
});

describe("policy claim-storage-class-expandable", () => {
    const sc: ManifestObject = { apiVersion: "storage.k8s.io/v1", kind: "StorageClass", metadata: { name: "fast" }, provisioner: "x", allowVolumeExpansion: true };
    const rigid: ManifestObject = { apiVersion: "storage.k8s.io/v1", kind: "StorageClass", metadata: { name: "rigid" }, provisioner: "x" };
    const pvc = (name: string, storageClassName?: string, annotations?: Record<string, string>): ManifestObject => ({
        apiVersion: "v1", kind: "PersistentVolumeClaim", metadata: { name, namespace: "lab", ...(annotations ? { annotations } : {}) },
        spec: { accessModes: ["ReadWriteOnce"], resources: { requests: { storage: "1Gi" } }, ...(storageClassName ? { storageClassName } : {}) },
    });
    const sts = (className?: string): ManifestObject => ({
        apiVersion: "apps/v1", kind: "StatefulSet", metadata: { name: "db", namespace: "lab" },
        spec: {
            serviceName: "db", selector: { matchLabels: { app: "db" } },
            template: { metadata: { labels: { app: "db" } }, spec: { containers: [] } },
            volumeClaimTemplates: [{ metadata: { name: "data" }, spec: { accessModes: ["ReadWriteOnce"], resources: { requests: { storage: "1Gi" } }, ...(className ? { storageClassName: className } : {}) } }],
        },
    });

    it("passes claims and claim templates on an expandable class of the stack", async () => {
        const run = await checkObjects([sc, pvc("a", "fast"), sts("fast")]);
        assert.deepStrictEqual(violationsOf(run, "claim-storage-class-expandable"), []);
    });

    it("reports a claim with no class, on a rigid class, or on an unknown cluster class", async () => {
        const run = await checkObjects([sc, rigid, pvc("none"), pvc("rigid", "rigid"), pvc("cluster", "standard"), sts()]);
        const found = violationsOf(run, "claim-storage-class-expandable").map(v => v.message);
        assert.strictEqual(found.length, 4, found.join("\n"));
        assert.ok(found.some(m => /PersistentVolumeClaim lab\/none names no StorageClass.*set storageClassName to one of: fast/.test(m)));
        assert.ok(found.some(m => /PersistentVolumeClaim lab\/rigid uses StorageClass 'rigid', which does not allow volume expansion/.test(m)));
        assert.ok(found.some(m => /PersistentVolumeClaim lab\/cluster uses StorageClass 'standard', which the stack does not create/.test(m)));
        assert.ok(found.some(m => /StatefulSet lab\/db claim template 'data' names no StorageClass/.test(m)));
    });

    it("accepts the legacy beta annotation and configured cluster classes", async () => {
        const run = await checkObjects([sc, pvc("legacy", undefined, { "volume.beta.kubernetes.io/storage-class": "fast" }), pvc("managed", "managed-csi")],
            { "claim-storage-class-expandable": { expandableClusterClasses: ["managed-csi"] } });
        assert.deepStrictEqual(violationsOf(run, "claim-storage-class-expandable"), []);
    });

    it("names why a claim can't grow on a class whose provisioner can't expand, or on a class only the stack's PersistentVolumes carry; passes claims on elastic EFS", async () => {
        const cls = (name: string, provisioner: string): ManifestObject => ({ apiVersion: "storage.k8s.io/v1", kind: "StorageClass", metadata: { name }, provisioner, allowVolumeExpansion: true });
        const pv: ManifestObject = {
            apiVersion: "v1", kind: "PersistentVolume", metadata: { name: "task-pv-volume" },
            spec: { storageClassName: "manual", capacity: { storage: "10Gi" }, accessModes: ["ReadWriteOnce"], hostPath: { path: "/mnt/data" } },
        };
        const found = violationsOf(await checkObjects([sc, cls("standard", "k8s.io/minikube-hostpath"), cls("efs-sc", "efs.csi.aws.com"), pv,
            pvc("hostpath", "standard"), pvc("task-pv-claim", "manual"), pvc("shared", "efs-sc")]), "claim-storage-class-expandable").map(v => v.message.slice(v.description.length + 1));
        assert.deepStrictEqual(found, [
            "PersistentVolumeClaim lab/hostpath uses StorageClass 'standard', whose provisioner k8s.io/minikube-hostpath can't expand volumes; use one of: fast.",
            "PersistentVolumeClaim lab/task-pv-claim uses class 'manual', which names no StorageClass, only the stack's PersistentVolume task-pv-volume (static provisioning): Kubernetes expands only claims whose StorageClass allows it, so this volume can never grow in place. To let it grow, use one of: fast.",
        ]);
    });

    it("reads the class as Kubernetes does when a claim names two: the beta annotation wins over storageClassName", async () => {
        const both = (annotated: string, field: string) => pvc(`${annotated}-over-${field}`, field, { "volume.beta.kubernetes.io/storage-class": annotated });
        const found = violationsOf(await checkObjects([sc, rigid, both("fast", "rigid"), both("rigid", "fast")]), "claim-storage-class-expandable").map(v => v.message);
        assert.strictEqual(found.length, 1, found.join("\n"));
        assert.match(found[0], /PersistentVolumeClaim lab\/rigid-over-fast uses StorageClass 'rigid', which does not allow volume expansion/);
    });
});

describe("container-requests and the request a container really gets", () => {
    const limitsOnly = { name: "limits-only", image: "busybox:1.36", resources: { limits: { cpu: "500m", memory: "256Mi" } } };
    const cpuLimitOnly = { name: "cpu-limit", image: "busybox:1.36", resources: { requests: { memory: "64Mi" }, limits: { cpu: "1", memory: "64Mi" } } };
    const bare = { name: "bare", image: "busybox:1.36" };
    const limitRange = (namespace: string, item: object): ManifestObject =>
        ({ apiVersion: "v1", kind: "LimitRange", metadata: { name: "defaults", namespace }, spec: { limits: [{ type: "Container", ...item }] } });

    it("passes a container that sets only limits: the API server copies them into its requests", async () => {
        const run = await checkObjects(underEveryKind(podSpec([limitsOnly, cpuLimitOnly], [limitsOnly])));
        assert.deepStrictEqual(violationsOf(run, "container-requests"), []);
    });

    it("passes a container without requests in a namespace where the stack's LimitRange gives default requests (or default limits)", async () => {
        const withDefaults = deployment("web", d => { (d.spec as { template: { spec: object } }).template.spec = podSpec([bare]); });
        const requests = await checkObjects([withDefaults, limitRange("lab", { defaultRequest: { cpu: "100m", memory: "128Mi" } })]);
        assert.deepStrictEqual(violationsOf(requests, "container-requests"), []);
        const limits = await checkObjects([withDefaults, limitRange("lab", { default: { cpu: "1", memory: "1Gi" } })]);
        assert.deepStrictEqual(violationsOf(limits, "container-requests"), []);
    });

    it("still reports what no limit or default fills in: a LimitRange of another namespace, or one for cpu only", async () => {
        const withDefaults = deployment("web", d => { (d.spec as { template: { spec: object } }).template.spec = podSpec([bare]); });
        const elsewhere = await checkObjects([withDefaults, limitRange("other", { defaultRequest: { cpu: "100m", memory: "128Mi" } })]);
        assert.match(violationsOf(elsewhere, "container-requests")[0].message, /Deployment lab\/web: container 'bare' has no cpu or memory request/);
        const cpuOnly = await checkObjects([withDefaults, limitRange("lab", { defaultRequest: { cpu: "100m" } })]);
        const [v] = violationsOf(cpuOnly, "container-requests");
        assert.match(v.message, /container 'bare' has no memory request; set resources\.requests\.memory \(for example cpu: 50m, memory: 64Mi\), or a limit, which the API server copies into a missing request\.$/);
        assert.strictEqual(v.urn, "urn:pulumi:check::kubelab::kubernetes:apps/v1:Deployment::lab/web");
    });

    it("agrees with hpa-target-requests container by container: one reports a missing cpu request exactly when the other does", async () => {
        const shapes: Record<string, object> = {
            request: { requests: { cpu: "100m", memory: "64Mi" }, limits: { memory: "64Mi" } },
            limitOnly: { limits: { cpu: "200m", memory: "64Mi" } },
            memoryOnly: { requests: { memory: "64Mi" }, limits: { memory: "64Mi" } },
            emptyRequest: { requests: { cpu: "", memory: "64Mi" }, limits: { memory: "64Mi" } },
            none: {},
        };
        for (const [shape, resources] of Object.entries(shapes)) {
            const d = deployment("web", o => {
                delete (o.spec as { replicas?: number }).replicas;
                (o.spec as { template: { spec: { containers: { resources: object }[] } } }).template.spec.containers[0].resources = resources;
            });
            const hpa: ManifestObject = { apiVersion: "autoscaling/v2", kind: "HorizontalPodAutoscaler", metadata: { name: "web", namespace: "lab" },
                spec: { scaleTargetRef: { apiVersion: "apps/v1", kind: "Deployment", name: "web" }, minReplicas: 2, maxReplicas: 4 } };
            const run = await checkObjects([d, hpa]);
            const byRequests = violationsOf(run, "container-requests").some(v => / has no cpu( or memory)? request/.test(v.message));
            const byHpa = violationsOf(run, "hpa-target-requests").some(v => /requests no cpu/.test(v.message));
            assert.strictEqual(byRequests, byHpa, `${shape}: container-requests ${byRequests}, hpa-target-requests ${byHpa}`);
            assert.strictEqual(byRequests, ["memoryOnly", "emptyRequest", "none"].includes(shape), shape);
        }
    });
});

describe("claim-storage-class-expandable beyond PersistentVolumeClaims", () => {
    const rigid: ManifestObject = { apiVersion: "storage.k8s.io/v1", kind: "StorageClass", metadata: { name: "rigid" }, provisioner: "x" };
    const fast: ManifestObject = { apiVersion: "storage.k8s.io/v1", kind: "StorageClass", metadata: { name: "fast" }, provisioner: "x", allowVolumeExpansion: true };
    const withEphemeral = (storageClassName?: string) => deployment("cache", d => {
        (d.spec as { template: { spec: { volumes: object[] } } }).template.spec.volumes = [{
            name: "scratch",
            ephemeral: { volumeClaimTemplate: { spec: { accessModes: ["ReadWriteOnce"], resources: { requests: { storage: "1Gi" } }, ...(storageClassName ? { storageClassName } : {}) } } },
        }];
    });
    const claim = (name: string, spec: object): ManifestObject =>
        ({ apiVersion: "v1", kind: "PersistentVolumeClaim", metadata: { name, namespace: "lab" }, spec: { accessModes: ["ReadWriteOnce"], resources: { requests: { storage: "1Gi" } }, ...spec } });
    const messagesOf = async (objects: ManifestObject[]) =>
        violationsOf(await checkObjects(objects), "claim-storage-class-expandable").map(v => v.message.slice(v.description.length + 1));

    it("reports a generic ephemeral volume on a class that can't expand, or on no class, and passes one on an expandable class", async () => {
        assert.deepStrictEqual(await messagesOf([fast, rigid, withEphemeral("fast")]), []);
        assert.deepStrictEqual(await messagesOf([fast, rigid, withEphemeral("rigid")]), [
            "Deployment lab/cache ephemeral volume 'scratch' uses StorageClass 'rigid', which does not allow volume expansion; use one of: fast.",
        ]);
        assert.deepStrictEqual(await messagesOf([fast, withEphemeral()]), [
            "Deployment lab/cache ephemeral volume 'scratch' names no StorageClass, so it gets the cluster default, which may not expand; set storageClassName to one of: fast.",
        ]);
    });

    it("says what is true of a claim with storageClassName \"\": it binds a pre-made volume without a class and can never grow", async () => {
        const found = await messagesOf([fast, claim("static", { storageClassName: "" }), claim("pinned", { storageClassName: "", volumeName: "pv-data" })]);
        assert.deepStrictEqual(found, [
            "PersistentVolumeClaim lab/static sets storageClassName: \"\", so it binds a pre-made PersistentVolume without a class and nothing is provisioned for it; " +
            "Kubernetes expands only claims whose StorageClass allows it, so this volume can never grow in place. To let it grow, set storageClassName to one of: fast.",
            "PersistentVolumeClaim lab/pinned sets storageClassName: \"\", so it binds a pre-made PersistentVolume without a class ('pv-data') and nothing is provisioned for it; " +
            "Kubernetes expands only claims whose StorageClass allows it, so this volume can never grow in place. To let it grow, set storageClassName to one of: fast, " +
            "and give PersistentVolume 'pv-data' that class (its driver must support expansion).",
        ]);
        assert.ok(found.every(m => !m.includes("cluster default")));
    });

    it("says what is true of a claim that binds a volume by volumeName: it depends on that volume's class and driver", async () => {
        assert.deepStrictEqual(await messagesOf([fast, claim("bound", { volumeName: "pv-data" })]), [
            "PersistentVolumeClaim lab/bound binds the pre-made PersistentVolume 'pv-data' and names no StorageClass: the cluster's default class is filled in, and the claim binds only if the volume has that same class. " +
            "Whether it can grow depends on the volume's class (it must allow expansion) and its driver; set storageClassName to the volume's class, one of: fast.",
        ]);
        assert.deepStrictEqual(await messagesOf([fast, claim("bound", { volumeName: "pv-data", storageClassName: "fast" })]), []);
    });

    it("does not apply to workloads without claims", async () => {
        assert.deepStrictEqual(await messagesOf([rigid, deployment("web")]), []);
    });
});

/**
 * The pack's policies beyond the foundation, case by case: pass, violate, and not applicable.
 */
import * as assert from "assert";
import * as fs from "fs";
import { ManifestObject } from "../tools/manifests";
import { ROOT, pack, plan } from "../tools/plan-lib";
import { PolicyPackConfigFile, resolvePolicyConfig } from "../tools/policy-harness";
import { ObjectEntry, checkObjects, deployment, stackPlan, violationsOf } from "./helpers";

type Spec = Record<string, unknown>;
const specOf = (o: ManifestObject) => o.spec as Spec & { template: { metadata: { labels: Record<string, string> }; spec: { containers: Spec[]; initContainers?: Spec[]; volumes?: Spec[] } } };
const containerOf = (o: ManifestObject, i = 0) => specOf(o).template.spec.containers[i] as { resources: { requests?: Record<string, unknown>; limits?: Record<string, unknown> }; image: string; env?: Spec[]; readinessProbe?: unknown };

async function messages(policy: string, objects: ObjectEntry[], config = {}): Promise<string[]> {
    return violationsOf(await checkObjects(objects, config), policy).map(v => v.message.split("\n").slice(1).join("\n") || v.message);
}

const service = (name: string, selector: Record<string, string>, extra: Spec = {}, namespace = "lab"): ManifestObject =>
    ({ apiVersion: "v1", kind: "Service", metadata: { name, namespace }, spec: { selector, ports: [{ name: "http", port: 80, targetPort: 8080 }], ...extra } });
const hpa = (name: string, target: string, min: number | undefined, max: number, metrics: Spec[] = [{ type: "Resource", resource: { name: "cpu", target: { type: "Utilization", averageUtilization: 50 } } }]): ManifestObject =>
    ({ apiVersion: "autoscaling/v2", kind: "HorizontalPodAutoscaler", metadata: { name, namespace: "lab" }, spec: { scaleTargetRef: { apiVersion: "apps/v1", kind: "Deployment", name: target }, ...(min === undefined ? {} : { minReplicas: min }), maxReplicas: max, metrics } });
const noReplicas = (d: ManifestObject) => { delete specOf(d).replicas; };

describe("resource policies", () => {
    it("container-memory-limit: reports a container without a memory limit", async () => {
        assert.deepStrictEqual(await messages("container-memory-limit", [deployment("ok")]), []);
        const found = await messages("container-memory-limit", [deployment("web", d => { containerOf(d).resources.limits = { cpu: "1" }; })]);
        assert.deepStrictEqual(found, ["Deployment lab/web: container 'web' has no memory limit; set resources.limits.memory (at least its memory request, e.g. 128Mi), or give namespace lab a LimitRange with a default memory limit for containers."]);
    });

    it("valid-quantities: reports values Kubernetes can't parse, accepts its grammar", async () => {
        assert.deepStrictEqual(await messages("valid-quantities", [deployment("ok", d => { containerOf(d).resources.requests = { cpu: 0.5, memory: "1e8" }; })]), []);
        const found = await messages("valid-quantities", [deployment("web", d => { containerOf(d).resources.requests = { cpu: "1.5.2", memory: "500MB" }; })]);
        assert.strictEqual(found.length, 2);
        assert.match(found[1], /Deployment lab\/web: container 'web' has resources\.requests\.memory "500MB", which is not a Kubernetes quantity/);
    });

    it("requests-within-limits: compares parsed quantities across units", async () => {
        assert.deepStrictEqual(await messages("requests-within-limits", [deployment("ok", d => { containerOf(d).resources = { requests: { cpu: "500m", memory: "1G" }, limits: { cpu: "0.5", memory: "1Gi" } }; })]), []);
        const found = await messages("requests-within-limits", [deployment("web", d => { containerOf(d).resources = { requests: { cpu: "50m", memory: "1Gi" }, limits: { memory: "1G" } }; })]);
        assert.deepStrictEqual(found, ["Deployment lab/web: container 'web' requests memory 1Gi, above its limit 1G; lower the request or raise the limit."]);
    });

    it("resource-bounds: applies the configured ceilings and checks the config itself", async () => {
        const big = deployment("web", d => { containerOf(d).resources = { requests: { cpu: "500", memory: "64Mi" }, limits: { memory: "128Mi" } }; });
        const found = await messages("resource-bounds", [big]);
        assert.deepStrictEqual(found, ["Deployment lab/web: container 'web' has resources.requests.cpu 500, above the ceiling 4 (policy config maxCpuRequest); lower it, or raise the ceiling if it is meant."]);
        assert.deepStrictEqual(await messages("resource-bounds", [big], { "resource-bounds": { maxCpuRequest: "1000" } }), []);
        assert.match((await messages("resource-bounds", [deployment("ok")], { "resource-bounds": { maxMemoryLimit: "lots" } }))[0], /policy config resource-bounds\.maxMemoryLimit is "lots", which is not a Kubernetes quantity/);
    });
});

describe("storage and data-safety policies", () => {
    const sc = (extra: Spec = {}): ManifestObject => ({ apiVersion: "storage.k8s.io/v1", kind: "StorageClass", metadata: { name: "fast" }, provisioner: "x", allowVolumeExpansion: true, ...extra });
    const pvc = (name: string, storage: unknown, accessModes = ["ReadWriteOnce"]): ManifestObject =>
        ({ apiVersion: "v1", kind: "PersistentVolumeClaim", metadata: { name, namespace: "lab" }, spec: { accessModes, storageClassName: "fast", resources: { requests: storage === undefined ? {} : { storage } } } });

    it("storage-class-reclaim-retain: only with protectData, requires Retain", async () => {
        assert.deepStrictEqual(await messages("storage-class-reclaim-retain", [sc()]), []);
        const found = await messages("storage-class-reclaim-retain", [sc(), sc({ metadata: { name: "kept" }, reclaimPolicy: "Retain" })], { "storage-class-reclaim-retain": { protectData: true } });
        assert.deepStrictEqual(found, ["StorageClass fast has reclaimPolicy unset (Delete), so a released volume is deleted with its claim; set reclaimPolicy: Retain for protected data."]);
    });

    it("storage-request-bounds: missing, unparsable and out-of-bounds requests", async () => {
        assert.deepStrictEqual(await messages("storage-request-bounds", [sc(), pvc("ok", "500M")]), []);
        const found = await messages("storage-request-bounds", [sc(), pvc("none", undefined), pvc("mb", "500MB"), pvc("huge", "2Pi")]);
        assert.deepStrictEqual(found, [
            "PersistentVolumeClaim lab/none requests no storage; set spec.resources.requests.storage (e.g. 1Gi).",
            "PersistentVolumeClaim lab/mb requests storage \"500MB\", which is not a Kubernetes quantity; write it like 500M, 256Mi or 2Gi (no \"B\").",
            "PersistentVolumeClaim lab/huge requests storage 2Pi, outside the bounds 1Mi..1Ti (policy config minStorage, maxStorage).",
        ]);
    });

    it("statefulset-retains-claims: Delete on delete or scale-down is reported", async () => {
        const sts = (policy?: Spec): ManifestObject => ({
            apiVersion: "apps/v1", kind: "StatefulSet", metadata: { name: "db", namespace: "lab" },
            spec: { serviceName: "db", selector: { matchLabels: { app: "db" } }, template: { metadata: { labels: { app: "db" } }, spec: { containers: [] } }, ...(policy ? { persistentVolumeClaimRetentionPolicy: policy } : {}) },
        });
        assert.deepStrictEqual(await messages("statefulset-retains-claims", [sts(), sts({ whenDeleted: "Retain", whenScaled: "Retain" })]), []);
        const found = await messages("statefulset-retains-claims", [sts({ whenDeleted: "Delete", whenScaled: "Delete" })]);
        assert.strictEqual(found.length, 2);
        assert.match(found[0], /StatefulSet lab\/db has persistentVolumeClaimRetentionPolicy\.whenDeleted: Delete, which deletes claims with the StatefulSet/);
    });

    it("rwo-claim-single-writer: a Deployment on a ReadWriteOnce claim needs Recreate, one replica and no HPA past one", async () => {
        const mounting = (name: string, patch: (d: ManifestObject) => void = () => undefined) => deployment(name, d => {
            specOf(d).template.spec.volumes = [{ name: "data", persistentVolumeClaim: { claimName: "storage" } }];
            patch(d);
        });
        const good = mounting("minio", d => { specOf(d).replicas = 1; specOf(d).strategy = { type: "Recreate" }; });
        assert.deepStrictEqual(await messages("rwo-claim-single-writer", [sc(), pvc("storage", "256Mi"), good]), []);
        assert.deepStrictEqual(await messages("rwo-claim-single-writer", [sc(), pvc("storage", "256Mi", ["ReadWriteMany"]), mounting("shared")]), [], "RWX is fine");
        const found = await messages("rwo-claim-single-writer", [sc(), pvc("storage", "256Mi"), mounting("minio", noReplicas), hpa("minio", "minio", 1, 3)]);
        assert.deepStrictEqual(found.map(m => m.replace(/:.*/, "")), ["Deployment lab/minio mounts ReadWriteOnce claim 'storage' with strategy RollingUpdate (default)", "Deployment lab/minio mounts ReadWriteOnce claim 'storage', and HorizontalPodAutoscaler lab/minio may scale it to 3 pods; set maxReplicas"]);
        assert.match((await messages("rwo-claim-single-writer", [sc(), pvc("storage", "256Mi"), mounting("two", d => { specOf(d).strategy = { type: "Recreate" }; })]))[0], /with 2 replicas: only pods on one node can mount it/);
    });

    it("zonal-disk-wait-for-consumer: advisory for zonal cloud disks bound immediately", async () => {
        const run = await checkObjects([sc({ provisioner: "ebs.csi.aws.com" }), sc({ metadata: { name: "gp3" }, provisioner: "ebs.csi.aws.com", volumeBindingMode: "WaitForFirstConsumer" }), sc({ metadata: { name: "local" } })]);
        const found = violationsOf(run, "zonal-disk-wait-for-consumer");
        assert.strictEqual(found.length, 1);
        assert.strictEqual(found[0].enforcementLevel, "advisory");
        assert.match(found[0].message, /StorageClass fast provisions zonal disks \(ebs\.csi\.aws\.com\) with volumeBindingMode Immediate \(default\)/);
    });
});

describe("scaling policies", () => {
    it("hpa-target-requests: the target must exist and request the scaled resource", async () => {
        assert.deepStrictEqual(await messages("hpa-target-requests", [deployment("api", noReplicas), hpa("api", "api", 2, 10)]), []);
        const noCpu = deployment("api", d => { noReplicas(d); containerOf(d).resources.requests = { memory: "64Mi" }; });
        assert.deepStrictEqual(await messages("hpa-target-requests", [noCpu, hpa("api", "api", 2, 10)]), [
            "HorizontalPodAutoscaler lab/api scales Deployment lab/api on cpu, but its container 'api' requests no cpu (\"missing request for cpu\": the HPA never scales); set resources.requests.cpu on it.",
        ]);
        assert.match((await messages("hpa-target-requests", [hpa("api", "ghost", 2, 10)]))[0], /targets Deployment lab\/ghost, which the stack does not create/);
        const memoryHpa = hpa("api", "api", 2, 10, [{ type: "Resource", resource: { name: "memory", target: { type: "Utilization", averageUtilization: 70 } } }]);
        assert.match((await messages("hpa-target-requests", [deployment("api", d => { noReplicas(d); containerOf(d).resources = { requests: { cpu: "1" } }; }), memoryHpa]))[0], /on memory, but its container 'api' requests no memory/);
    });

    it("hpa-replicas-not-pinned: pinned replicas fight the autoscaler unless ignoreChanges covers them", async () => {
        assert.deepStrictEqual(await messages("hpa-replicas-not-pinned", [deployment("api", noReplicas), hpa("api", "api", 2, 10)]), []);
        assert.deepStrictEqual(await messages("hpa-replicas-not-pinned", [{ object: deployment("api"), options: { ignoreChanges: ["spec.replicas"] } }, hpa("api", "api", 2, 10)]), []);
        const found = await messages("hpa-replicas-not-pinned", [{ object: deployment("api"), options: { ignoreChanges: ["metadata"] } }, hpa("api", "api", 2, 10)]);
        assert.strictEqual(found.length, 1);
        assert.match(found[0], /^Deployment lab\/api pins spec\.replicas: 2 while HorizontalPodAutoscaler lab\/api scales it/);
        assert.deepStrictEqual(await messages("hpa-replicas-not-pinned", [deployment("api")]), [], "no HPA, nothing to fight");
    });

    it("hpa-sane-range: max above min, min at least the floor", async () => {
        assert.deepStrictEqual(await messages("hpa-sane-range", [hpa("a", "a", undefined, 5)]), []);
        assert.match((await messages("hpa-sane-range", [hpa("a", "a", 3, 3)]))[0], /has maxReplicas 3 and minReplicas 3: it can never scale/);
        assert.match((await messages("hpa-sane-range", [hpa("a", "a", 1, 5)], { "hpa-sane-range": { minReplicasFloor: 2 } }))[0], /minReplicas 1, below the floor 2/);
    });

    it("pdb-allows-disruption: a budget must allow one disruption at the smallest scale", async () => {
        const pdb = (rule: Spec): ManifestObject => ({ apiVersion: "policy/v1", kind: "PodDisruptionBudget", metadata: { name: "api", namespace: "lab" }, spec: { selector: { matchLabels: { app: "api" } }, ...rule } });
        assert.deepStrictEqual(await messages("pdb-allows-disruption", [deployment("api"), pdb({ maxUnavailable: 1 })]), []);
        assert.deepStrictEqual(await messages("pdb-allows-disruption", [deployment("api"), pdb({ minAvailable: "50%" })]), []);
        assert.match((await messages("pdb-allows-disruption", [deployment("api"), pdb({ minAvailable: 2 })]))[0], /PodDisruptionBudget lab\/api \(minAvailable 2\) allows no disruption of Deployment lab\/api at 2 pod\(s\)/);
        assert.match((await messages("pdb-allows-disruption", [deployment("api", noReplicas), hpa("api", "api", 2, 10), pdb({ minAvailable: "100%" })]))[0], /at 2 pod\(s\) \(its autoscaler's minReplicas\)/);
        assert.deepStrictEqual(await messages("pdb-allows-disruption", [deployment("other"), pdb({ minAvailable: 5 })]), [], "selects nothing");
    });

    it("quota-fit: workloads at full scale must fit the namespace quota", async () => {
        const quota = (hard: Record<string, string>): ManifestObject => ({ apiVersion: "v1", kind: "ResourceQuota", metadata: { name: "q", namespace: "lab" }, spec: { hard } });
        // api: 10 pods × 50m at HPA max = 500m; worker: 2 × 50m = 100m → 600m.
        const objects = [deployment("api", noReplicas), hpa("api", "api", 2, 10), deployment("worker")];
        assert.deepStrictEqual(await messages("quota-fit", [...objects, quota({ "requests.cpu": "600m", "requests.memory": "1Gi" })]), []);
        const found = await messages("quota-fit", [...objects, quota({ "requests.cpu": "500m" })]);
        assert.deepStrictEqual(found, ["ResourceQuota lab/q: requests.cpu is 500m, but the workloads of namespace lab need 600m at full scale (Deployment api 10×50m = 500m (HPA max); Deployment worker 2×50m = 100m). " +
            "The API server refuses pods past the quota (\"exceeded quota\"), so whichever workload scales out last stays short of its replicas. Raise the quota or lower replicas, maxReplicas or requests."]);
    });
});

describe("wiring policies", () => {
    const sts = (serviceName: string | undefined): ManifestObject => ({
        apiVersion: "apps/v1", kind: "StatefulSet", metadata: { name: "mongo", namespace: "lab" },
        spec: { ...(serviceName ? { serviceName } : {}), selector: { matchLabels: { app: "mongo" } }, template: { metadata: { labels: { app: "mongo" } }, spec: { containers: [] } } },
    });

    it("statefulset-headless-service: serviceName must be a headless Service selecting the pods", async () => {
        assert.deepStrictEqual(await messages("statefulset-headless-service", [sts("mongo-service"), service("mongo-service", { app: "mongo" }, { clusterIP: "None" })]), []);
        assert.match((await messages("statefulset-headless-service", [sts("mongo-service")]))[0], /serviceName 'mongo-service', but the stack creates no Service lab\/mongo-service/);
        const threeReplicas = { ...sts("mongo-service"), spec: { ...sts("mongo-service").spec as object, replicas: 3 } };
        assert.match((await messages("statefulset-headless-service", [threeReplicas, service("mongo-service", { app: "mongo" })]))[0], /is not headless \(clusterIP unset\)/);
        assert.match((await messages("statefulset-headless-service", [sts("mongo-service"), service("mongo-service", { app: "other" }, { clusterIP: "None" })]))[0], /does not match the StatefulSet's pod labels/);
        assert.match((await messages("statefulset-headless-service", [sts(undefined)]))[0], /names no serviceName/);
    });

    it("service-selects-pods: catches a blue/green switch to a version that doesn't exist", async () => {
        const version = (v: string) => deployment(`web-${v}`, d => {
            (d.spec as { selector: { matchLabels: Record<string, string> } }).selector.matchLabels = { app: "web", version: v };
            specOf(d).template.metadata.labels = { app: "web", version: v };
        });
        assert.deepStrictEqual(await messages("service-selects-pods", [version("v1"), version("v2"), service("web", { app: "web", version: "v2" })]), []);
        const found = await messages("service-selects-pods", [version("v1"), version("v2"), service("web", { app: "web", version: "v3" })]);
        assert.strictEqual(found.length, 1);
        assert.match(found[0], /^Service lab\/web selects \{"app":"web","version":"v3"\}, but no workload in namespace lab has those pod labels/);
        assert.deepStrictEqual(await messages("service-selects-pods", [service("external", {}, { type: "ExternalName", externalName: "db.example.com" })]), []);
    });

    it("ingress-backend-exists: backends must name a Service and one of its ports", async () => {
        const ingress = (backends: Spec[]): ManifestObject => ({
            apiVersion: "networking.k8s.io/v1", kind: "Ingress", metadata: { name: "ing", namespace: "lab" },
            spec: { ingressClassName: "nginx", rules: [{ host: "foo.bar.com", http: { paths: backends.map((b, i) => ({ path: `/p${i}`, pathType: "Prefix", backend: { service: b } })) } }] },
        });
        const web = [deployment("web"), service("web", { app: "web" })];
        assert.deepStrictEqual(await messages("ingress-backend-exists", [...web, ingress([{ name: "web", port: { number: 80 } }, { name: "web", port: { name: "http" } }])]), []);
        const found = await messages("ingress-backend-exists", [...web, ingress([{ name: "ghost", port: { number: 80 } }, { name: "web", port: { number: 8080 } }])]);
        assert.deepStrictEqual(found, [
            "Ingress lab/ing: foo.bar.com/p0 goes to Service 'ghost', which the stack does not create in namespace lab; the controller would answer 503.",
            "Ingress lab/ing: foo.bar.com/p1 goes to Service lab/web port 8080, which the Service does not expose (ports: 80/http): 8080 is its targetPort, but an Ingress names the Service's own port; set port.number: 80 (or port.name: http).",
        ]);
    });
});

describe("hygiene policies", () => {
    it("readiness-probe-behind-service: advisory for a selected container without a readiness probe", async () => {
        const bare = deployment("web", d => { delete containerOf(d).readinessProbe; });
        assert.deepStrictEqual(await messages("readiness-probe-behind-service", [bare]), [], "no Service, no traffic");
        const run = await checkObjects([bare, service("web", { app: "web" })]);
        const [v] = violationsOf(run, "readiness-probe-behind-service");
        assert.strictEqual(v.enforcementLevel, "advisory");
        assert.match(v.message, /Deployment lab\/web: container 'web' is behind Service web but has no readinessProbe/);
    });

    it("pinned-image-tag: latest, no tag, and a registry port are not tags; digests are pins", async () => {
        const image = (name: string, ref: string) => deployment(name, d => { containerOf(d).image = ref; });
        assert.deepStrictEqual(await messages("pinned-image-tag", [image("a", "mongo:6.0.2-focal"), image("b", "registry.local:5000/app@sha256:" + "a".repeat(64))]), []);
        const found = await messages("pinned-image-tag", [image("c", "icrosby/k8s-real-fe"), image("d", "busybox:latest"), image("e", "registry.local:5000/app")]);
        assert.strictEqual(found.length, 3);
        assert.match(found[0], /runs icrosby\/k8s-real-fe without a tag \(latest\)/);
    });

    it("no-literal-credentials: literal values of credential-like names, not look-alikes", async () => {
        const env = (vars: Spec[]) => deployment("app", d => { containerOf(d).env = vars; });
        assert.deepStrictEqual(await messages("no-literal-credentials", [env([{ name: "MONKEY", value: "x" }, { name: "DB_PASSWORD", valueFrom: { secretKeyRef: { name: "s", key: "p" } } }])]), []);
        const found = await messages("no-literal-credentials", [env([{ name: "MINIO_ACCESS_KEY", value: "mykey" }, { name: "api-token", value: "t" }, { name: "SORT_KEY", value: "k" }])], { "no-literal-credentials": { allowNames: ["SORT_KEY"] } });
        assert.deepStrictEqual(found.map(m => m.replace(/^.*sets (\S+).*$/, "$1")), ["MINIO_ACCESS_KEY", "api-token"]);
    });

    it("no-removed-apis: names the replacement and the release that removed it", async () => {
        const found = await messages("no-removed-apis", [
            { apiVersion: "extensions/v1beta1", kind: "Ingress", metadata: { name: "old", namespace: "lab" }, spec: {} },
            { apiVersion: "autoscaling/v2beta2", kind: "HorizontalPodAutoscaler", metadata: { name: "h", namespace: "lab" }, spec: {} },
            { apiVersion: "networking.k8s.io/v1", kind: "Ingress", metadata: { name: "new", namespace: "lab" }, spec: {} },
        ]);
        assert.deepStrictEqual(found, [
            "Ingress lab/old uses extensions/v1beta1, removed in Kubernetes 1.22; use networking.k8s.io/v1.",
            "HorizontalPodAutoscaler lab/h uses autoscaling/v2beta2, removed in Kubernetes 1.26; use autoscaling/v2.",
        ]);
    });
});

describe("per-stack policy config", function () {
    this.timeout(30000);
    const profile = (name: string) => JSON.parse(fs.readFileSync(`${ROOT}/policy/config/${name}.json`, "utf8")) as PolicyPackConfigFile;

    it("every profile in policy/config is valid for the pack", async () => {
        for (const file of fs.readdirSync(`${ROOT}/policy/config`)) {
            assert.doesNotThrow(() => resolvePolicyConfig(pack.args, profile(file.replace(/\.json$/, ""))), file);
        }
    });

    it("the minikube plan uses the minikube profile and passes it", async () => {
        const p = await stackPlan("minikube");
        assert.deepStrictEqual(p.policyConfig["hpa-sane-range"], { minReplicasFloor: 1 });
        assert.deepStrictEqual(p.policies.diagnostics.filter(d => d.enforcementLevel === "mandatory"), []);
    });

    it("the production profile is strict: the workshop stack's Delete reclaim policy fails it, and nothing else (its labs pass pod security)", async () => {
        const p = await plan("minikube", { policyConfig: profile("production") });
        const mandatory = p.policies.diagnostics.filter(d => d.enforcementLevel === "mandatory").map(d => d.policyName);
        assert.deepStrictEqual([...new Set(mandatory)], ["storage-class-reclaim-retain"]);
    });
});

describe("malformed objects", () => {
    it("every policy judges objects of the wrong shape without failing: a field that is no list, an entry that is no mapping, an image that is no string", async () => {
        // What a generated or hand-edited manifest can hold before the API server refuses it. Each
        // case failed at least one policy with a TypeError before (under pulumi preview, the whole
        // policy run; under check, every object, when the failing policy was a stack policy).
        const web = deployment("web", d => {
            const pod = specOf(d).template.spec as Spec;
            pod.containers = [null, { name: "web", image: 5, ports: [null, { containerPort: 8080 }], env: [null, { name: 7, value: "hunter2" }] }, 3];
            pod.initContainers = [null];
            pod.volumes = [null, 5, { name: "data", persistentVolumeClaim: { claimName: "data" } }];
            pod.topologySpreadConstraints = [null];
            pod.affinity = { podAntiAffinity: { requiredDuringSchedulingIgnoredDuringExecution: [null] } };
        });
        const flat = deployment("flat", d => { const pod = specOf(d).template.spec as Spec; pod.volumes = 5; pod.containers = [{ name: "flat", image: "nginx:1.27.2", ports: 5, env: 5 }]; });
        const objects: ManifestObject[] = [
            web, flat,
            service("web", { app: "web" }, { ports: [null, { port: 80, targetPort: 8080 }] }),
            { apiVersion: "networking.k8s.io/v1", kind: "Ingress", metadata: { name: "web", namespace: "lab" }, spec: { rules: [null, { http: { paths: [null] } }] } },
            hpa("web", "web", 2, 4, { type: "Resource" } as unknown as Spec[]),
            { apiVersion: "v1", kind: "ResourceQuota", metadata: { name: "quota", namespace: "lab" }, spec: { hard: { "requests.cpu": "4" } } },
            { apiVersion: "v1", kind: "PersistentVolumeClaim", metadata: { name: "data", namespace: "lab" }, spec: { accessModes: ["ReadWriteOnce"], resources: { requests: { storage: "1Gi" } } } },
            // Custom resources, which nothing validates before the policies see them.
            { apiVersion: "apps.kruise.io/v1alpha1", kind: "CloneSet", metadata: { name: "c", namespace: "lab" }, spec: { template: { spec: { containers: [{ name: "c", image: "nginx:1.27.2" }] } }, volumeClaimTemplates: 5 } },
            { apiVersion: "apps.kruise.io/v1beta1", kind: "StatefulSet", metadata: { name: "s", namespace: "lab" }, spec: { template: 5, volumeClaimTemplates: [null] } },
            { apiVersion: "serving.knative.dev/v1", kind: "Configuration", metadata: { name: "k", namespace: "lab" }, spec: { template: { spec: { containers: [null, 3] } } } },
            { apiVersion: "keda.sh/v1alpha1", kind: "ScaledObject", metadata: { name: "so", namespace: "lab" }, spec: { scaleTargetRef: { name: "web" }, triggers: [null, 3] } },
            { apiVersion: "autoscaling/v2", kind: "HorizontalPodAutoscaler", metadata: { name: "odd", namespace: "lab" }, spec: { scaleTargetRef: { apiVersion: 5, kind: "Deployment", name: "flat" }, maxReplicas: 3 } },
            { apiVersion: "networking.k8s.io/v1", kind: "NetworkPolicy", metadata: { name: "np", namespace: "lab" }, spec: { podSelector: {}, policyTypes: 5, ingress: [null, { from: [null], ports: 5 }] } },
            { apiVersion: "policy/v1", kind: "PodDisruptionBudget", metadata: { name: "pdb", namespace: "lab" }, spec: { maxUnavailable: 1, selector: { matchExpressions: 5 } } },
            deployment("caps", d => { specOf(d).template.spec.containers = [{ name: "caps", image: "postgres:17.2", securityContext: { capabilities: { add: 5, drop: "ALL" } } }]; }),
        ];
        const run = await checkObjects(objects);
        assert.ok(run.diagnostics.length > 0, "the pack judged the objects");
        assert.deepStrictEqual(run.diagnostics.filter(d => /TypeError|Error validating|can't run policy/.test(d.message)).map(d => d.message), []);
        // What can be read is still judged: the unpinned image of the well-formed container, and the missing requests.
        assert.ok(violationsOf(run, "container-requests").some(v => /Deployment lab\/web: container 2 \(unnamed\)|container 'web'/.test(v.message)));
    });
});

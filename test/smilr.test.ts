/**
 * The minikube stack's smilr lab renders what LABS.md §1 says, passes schema validation and the
 * policy pack, and links its resources the way `pulumi up` will create them.
 */
import * as k8s from "@pulumi/kubernetes";
import * as assert from "assert";
import { Plan, exitCodeOf, plan } from "../tools/plan-lib";
import { RenderedObject } from "../tools/render";
import { loadStackConfig } from "../tools/stack-config";
import { ROOT } from "../tools/plan-lib";

/** Rendered objects read through the Kubernetes provider's own output types. */
import out = k8s.types.output;
import { stackPlan } from "./helpers";
interface Kinds {
    Namespace: out.core.v1.Namespace;
    Service: out.core.v1.Service;
    Deployment: out.apps.v1.Deployment;
    StatefulSet: out.apps.v1.StatefulSet;
    PodDisruptionBudget: out.policy.v1.PodDisruptionBudget;
    Ingress: out.networking.v1.Ingress;
    NetworkPolicy: out.networking.v1.NetworkPolicy;
    StorageClass: out.storage.v1.StorageClass;
}

function find<K extends keyof Kinds>(p: Plan, kind: K, name: string, namespace?: string): Kinds[K] {
    const o = p.objects.find(x => x.kind === kind && x.name === name && (namespace === undefined || x.namespace === namespace));
    assert.ok(o, `no ${kind} ${namespace ?? "*"}/${name} in ${p.objects.map(x => `${x.kind}/${x.name}`).join(", ")}`);
    return o.object as unknown as Kinds[K];
}

function container(obj: Kinds["Deployment"] | Kinds["StatefulSet"]): out.core.v1.Container {
    return obj.spec.template.spec.containers[0];
}

function envOf(c: out.core.v1.Container): Record<string, unknown> {
    return Object.fromEntries((c.env ?? []).map(e => [e.name, e.value ?? e.valueFrom]));
}

describe("smilr lab on the minikube stack", function () {
    this.timeout(30000);
    let p: Plan;
    let byUrn: Map<string, RenderedObject>;

    before(async () => {
        p = await stackPlan("minikube");
        byUrn = new Map(p.objects.map(o => [o.urn, o]));
    });

    it("renders valid objects, with no policy violation", () => {
        assert.deepStrictEqual(p.schemaFailures, []);
        assert.deepStrictEqual(p.policies.diagnostics.filter(d => d.enforcementLevel === "mandatory"), []);
        assert.strictEqual(exitCodeOf(p), 0);
    });

    it("lives in its own namespace", () => {
        find(p, "Namespace", "smilr");
        const namespaced = p.objects.filter(o => !["Namespace", "StorageClass"].includes(o.kind));
        assert.ok(namespaced.length >= 9);
        for (const o of namespaced) {
            assert.strictEqual(o.namespace, "smilr", `${o.kind} ${o.name}`);
        }
    });

    it("runs the data-api: port 4000, MONGO_CONNSTR to the mongodb Service, readiness on /api/info, liveness a TCP check of port 4000", () => {
        const d = find(p, "Deployment", "data-api", "smilr");
        const c = container(d);
        assert.strictEqual(c.image, "smilr/data-api:2.9.8a");
        assert.deepStrictEqual(c.ports, [{ name: "http", containerPort: 4000 }]);
        assert.deepStrictEqual(envOf(c), { MONGO_CONNSTR: "mongodb://mongodb:27017", MONGO_DB_NAME: "smilrDb" });
        assert.strictEqual(c.readinessProbe.httpGet.path, "/api/info");
        assert.strictEqual(c.readinessProbe.httpGet.port, 4000);
        // /api/health and /api/info answer 503 while MongoDB is unreachable: liveness must not
        // restart the pods for that, so it only checks that port 4000 accepts connections.
        assert.deepStrictEqual(c.livenessProbe.tcpSocket, { port: 4000 });
        assert.strictEqual(c.livenessProbe.httpGet, undefined);
        assert.strictEqual(c.livenessProbe.exec, undefined);
        assert.ok(c.resources.requests.cpu && c.resources.requests.memory && c.resources.limits.memory);
    });

    it("runs the frontend: port 3000, API_ENDPOINT=/api", () => {
        const c = container(find(p, "Deployment", "frontend", "smilr"));
        assert.strictEqual(c.image, "smilr/frontend:2.9.8a");
        assert.deepStrictEqual(c.ports, [{ name: "http", containerPort: 3000 }]);
        assert.deepStrictEqual(envOf(c), { API_ENDPOINT: "/api" });
    });

    it("scales both stateless services to 3 pods spread across nodes, never dropping below 3 in a rollout", () => {
        for (const name of ["data-api", "frontend"]) {
            const d = find(p, "Deployment", name, "smilr");
            assert.strictEqual(d.spec.replicas, 3);
            assert.deepStrictEqual(d.spec.strategy, { type: "RollingUpdate", rollingUpdate: { maxUnavailable: 0, maxSurge: 1 } });
            const [spread] = d.spec.template.spec.topologySpreadConstraints;
            assert.strictEqual(spread.topologyKey, "kubernetes.io/hostname");
            assert.strictEqual(spread.maxSkew, 1);
            assert.deepStrictEqual(spread.labelSelector.matchLabels, d.spec.selector.matchLabels);
            const pdb = find(p, "PodDisruptionBudget", name, "smilr");
            assert.deepStrictEqual(pdb.spec, { maxUnavailable: 1, selector: { matchLabels: { app: name } } });
        }
    });

    it("load-balances the data-api behind a Service selecting its pods", () => {
        const svc = find(p, "Service", "data-api", "smilr");
        const d = find(p, "Deployment", "data-api", "smilr");
        assert.deepStrictEqual(svc.spec.selector, d.spec.selector.matchLabels);
        for (const [k, v] of Object.entries(svc.spec.selector)) {
            assert.strictEqual(d.spec.template.metadata.labels[k], v);
        }
        assert.deepStrictEqual(svc.spec.ports, [{ name: "http", port: 80, targetPort: "http" }]);
    });

    it("keeps MongoDB in StatefulSet mongodb: 1 replica, /data/db on claim template mongo-vol, ReadWriteOnce, 500M, on the expandable class", () => {
        const sts = find(p, "StatefulSet", "mongodb", "smilr");
        assert.strictEqual(sts.spec.serviceName, "mongodb");
        assert.strictEqual(sts.spec.replicas, 1);
        const c = container(sts);
        // The root filesystem is read-only: mongod's socket goes to an emptyDir at /tmp.
        assert.deepStrictEqual(c.volumeMounts, [{ name: "scratch-0", mountPath: "/tmp" }, { name: "mongo-vol", mountPath: "/data/db" }]);
        assert.deepStrictEqual(sts.spec.template.spec.volumes, [{ name: "scratch-0", emptyDir: {} }]);
        assert.deepStrictEqual(c.ports, [{ name: "mongodb", containerPort: 27017 }]);
        const [template] = sts.spec.volumeClaimTemplates;
        assert.strictEqual(template.metadata.name, "mongo-vol");
        assert.deepStrictEqual(template.spec.accessModes, ["ReadWriteOnce"]);
        assert.deepStrictEqual(template.spec.resources.requests, { storage: "500M" });
        const sc = find(p, "StorageClass", template.spec.storageClassName);
        assert.strictEqual(sc.allowVolumeExpansion, true);
        assert.strictEqual(sc.provisioner, "hostpath.csi.k8s.io");
        assert.strictEqual(sc.reclaimPolicy, "Delete");
    });

    it("runs MongoDB as the image's mongodb user (999), its claim given to group 999, read-only root", () => {
        const pod = find(p, "StatefulSet", "mongodb", "smilr").spec.template.spec;
        assert.deepStrictEqual(pod.securityContext, { runAsNonRoot: true, runAsUser: 999, runAsGroup: 999, fsGroup: 999, seccompProfile: { type: "RuntimeDefault" } });
        assert.deepStrictEqual(pod.containers[0].securityContext, { allowPrivilegeEscalation: false, capabilities: { drop: ["ALL"] }, readOnlyRootFilesystem: true });
    });

    it("runs the node apps as the image's node user (1000), with no ServiceAccount token", () => {
        for (const name of ["data-api", "frontend"]) {
            const pod = find(p, "Deployment", name, "smilr").spec.template.spec;
            assert.deepStrictEqual(pod.securityContext, { runAsNonRoot: true, runAsUser: 1000, runAsGroup: 1000, seccompProfile: { type: "RuntimeDefault" } }, name);
            assert.strictEqual(pod.automountServiceAccountToken, false, name);
        }
    });

    it("labels its namespace restricted (enforce, warn, audit), with no exception to explain", () => {
        const ns = find(p, "Namespace", "smilr");
        assert.strictEqual(ns.metadata.labels["pod-security.kubernetes.io/enforce"], "restricted");
        assert.strictEqual(ns.metadata.labels["pod-security.kubernetes.io/warn"], "restricted");
        assert.strictEqual(ns.metadata.labels["pod-security.kubernetes.io/audit"], "restricted");
        assert.strictEqual(ns.metadata.annotations?.["kubelab.dev/pod-security-reason"], undefined);
    });

    it("denies ingress by default and opens only the ingress controller → frontend:3000 and data-api:4000, and data-api → mongodb:27017", () => {
        const policies = p.objects.filter(o => o.kind === "NetworkPolicy" && o.namespace === "smilr");
        assert.deepStrictEqual(policies.map(o => o.name).sort(),
            ["data-api-from-ingress-controller", "default-deny-ingress", "frontend-from-ingress-controller", "mongodb-from-data-api"]);
        const spec = (name: string) => (policies.find(o => o.name === name)!.object as unknown as out.networking.v1.NetworkPolicy).spec;
        assert.deepStrictEqual(spec("default-deny-ingress"), { podSelector: {}, policyTypes: ["Ingress"] });
        const fromController = { namespaceSelector: { matchLabels: { "kubernetes.io/metadata.name": "ingress-nginx" } } };
        for (const [name, app, port] of [["frontend-from-ingress-controller", "frontend", 3000], ["data-api-from-ingress-controller", "data-api", 4000]] as const) {
            assert.deepStrictEqual(spec(name).podSelector, { matchLabels: { app, "app.kubernetes.io/part-of": "smilr" } }, name);
            assert.deepStrictEqual(spec(name).ingress, [{ from: [fromController], ports: [{ protocol: "TCP", port }] }], name);
        }
        const mongo = spec("mongodb-from-data-api");
        assert.deepStrictEqual(mongo.podSelector, { matchLabels: { app: "mongodb", "app.kubernetes.io/part-of": "smilr" } });
        assert.deepStrictEqual(mongo.ingress, [{ from: [{ podSelector: { matchLabels: { app: "data-api", "app.kubernetes.io/part-of": "smilr" } } }], ports: [{ protocol: "TCP", port: 27017 }] }]);
        // The allowed sources select the real pods: the data-api's template carries the labels mongodb's policy names.
        const dataApiLabels = find(p, "Deployment", "data-api", "smilr").spec.template.metadata.labels;
        assert.strictEqual(dataApiLabels.app, "data-api");
        assert.strictEqual(dataApiLabels["app.kubernetes.io/part-of"], "smilr");
        assert.ok(!p.policies.diagnostics.some(d => d.policyName === "namespace-default-deny-ingress"));
    });

    it("retains MongoDB's claim when the StatefulSet is deleted or scaled down, behind a headless Service", () => {
        const sts = find(p, "StatefulSet", "mongodb", "smilr");
        assert.deepStrictEqual(sts.spec.persistentVolumeClaimRetentionPolicy, { whenDeleted: "Retain", whenScaled: "Retain" });
        const svc = find(p, "Service", "mongodb", "smilr");
        assert.strictEqual(svc.spec.clusterIP, "None");
        assert.deepStrictEqual(svc.spec.selector, sts.spec.selector.matchLabels);
    });

    it("names the pod and claim as users address them: mongodb-0, mongo-vol-mongodb-0", () => {
        const store = p.recording.resources.find(r => r.type === "kubelab:components:StatefulStore" && r.name === "smilr-mongodb");
        assert.deepStrictEqual(store?.outputs?.podNames, ["mongodb-0"]);
        assert.deepStrictEqual(store?.outputs?.claimNames, ["mongo-vol-mongodb-0"]);
    });

    it("routes / to the frontend and /api to the data-api through the nginx IngressClass", () => {
        const routes: string[] = [];
        for (const name of ["frontend", "data-api"]) {
            const ing = find(p, "Ingress", name, "smilr");
            assert.strictEqual(ing.spec.ingressClassName, "nginx");
            for (const rule of ing.spec.rules) {
                for (const path of rule.http.paths) {
                    routes.push(`${path.path} ${path.pathType} -> ${path.backend.service.name}:${path.backend.service.port.number}`);
                }
            }
        }
        assert.deepStrictEqual(routes.sort(), ["/ Prefix -> frontend:80", "/api Prefix -> data-api:80"]);
    });

    it("creates every Kubernetes object with the platform's provider, inside a component", () => {
        const provider = p.recording.resources.find(r => r.type === "pulumi:providers:kubernetes");
        assert.ok(provider);
        assert.strictEqual(provider.inputs.context, "minikube");
        for (const o of p.objects) {
            const r = p.recording.resources.find(x => x.urn === o.urn)!;
            assert.strictEqual(r.provider, provider.urn, `${o.kind} ${o.name}`);
            const parent = p.recording.resources.find(x => x.urn === r.parent);
            assert.ok(parent && parent.type.startsWith("kubelab:"), `${o.kind} ${o.name} has parent ${r.parent}`);
        }
    });

    it("applies the namespace and the StorageClass before what uses them", () => {
        const order = p.objects.map(o => `${o.kind}/${o.name}`);
        assert.ok(order.indexOf("Namespace/smilr") < order.indexOf("StatefulSet/mongodb"));
        assert.ok(order.indexOf("StorageClass/kubelab-minikube-expandable") < order.indexOf("StatefulSet/mongodb"));
        const sts = p.recording.resources.find(r => r.type === "kubernetes:apps/v1:StatefulSet")!;
        const depends = new Set(sts.dependencies.map(d => byUrn.get(d)?.kind).filter(Boolean));
        assert.ok(depends.has("Namespace") && depends.has("StorageClass") && depends.has("Service"), [...depends].join(","));
    });

    it("keeps the identity the objects had under the former WebService component, so an existing stack updates them in place", () => {
        const prefix = "urn:pulumi:minikube::kubelab::kubelab:labs:Smilr$kubelab:components:WebService$";
        const expected: Record<string, string> = {
            "kubernetes:apps/v1:Deployment": "deployment",
            "kubernetes:core/v1:Service": "service",
            "kubernetes:policy/v1:PodDisruptionBudget": "pdb",
            "kubernetes:networking.k8s.io/v1:Ingress": "ingress",
        };
        for (const part of ["data-api", "frontend"]) {
            for (const [type, child] of Object.entries(expected)) {
                const r = p.recording.resources.find(x => x.type === type && x.name.startsWith(`smilr-${part}-`));
                assert.ok(r, `${type} of ${part}`);
                assert.deepStrictEqual(r.options.aliases, [`${prefix}${type}::smilr-${part}-${child}`], r.urn);
            }
        }
        const mongo = p.recording.resources.find(x => x.type === "kubernetes:apps/v1:StatefulSet")!;
        assert.deepStrictEqual(mongo.options.aliases, [], "the StatefulSet never moved");
    });

    it("exports how to reach the frontend and the data-api's /api/info", () => {
        const endpoints = (p.recording.stackOutputs.endpoints as Record<string, Record<string, string>>).smilr;
        assert.strictEqual(endpoints.frontend, "http://$(minikube ip)/");
        assert.strictEqual(endpoints.dataApiInfo, "http://$(minikube ip)/api/info");
        // A created cluster gets its addons from `minikube start --addons=…`: nothing to run first.
        assert.deepStrictEqual(p.recording.stackOutputs.prerequisites, []);
    });
});

describe("smilr lab settings", function () {
    this.timeout(30000);
    const base = () => loadStackConfig(ROOT, "minikube");
    const withSmilr = (smilr: object, extra: Record<string, string> = {}) => {
        const stack = base();
        return { ...stack, config: { ...stack.config, "kubelab:smilr": JSON.stringify(smilr), ...extra } };
    };

    it("follows replicas and mongoStorage from config", async () => {
        const p = await plan("minikube", { config: withSmilr({ replicas: 5, mongoStorage: "2Gi" }) });
        assert.strictEqual(find(p, "Deployment", "data-api").spec.replicas, 5);
        assert.strictEqual(find(p, "Deployment", "frontend").spec.replicas, 5);
        assert.strictEqual(find(p, "StatefulSet", "mongodb").spec.volumeClaimTemplates[0].spec.resources.requests.storage, "2Gi");
    });

    it("drops the disruption budget when a single pod runs, so node drains are not blocked", async () => {
        const p = await plan("minikube", { config: withSmilr({ replicas: 1 }) });
        assert.ok(!p.objects.some(o => o.kind === "PodDisruptionBudget"));
    });

    it("protects data when protectData is on: namespace protected and kept on delete, claims retained, class Retain; the StatefulSet stays replaceable for a resize", async () => {
        const p = await plan("minikube", { config: withSmilr({}, { "kubelab:protectData": "true" }) });
        const ns = p.recording.resources.find(x => x.type === "kubernetes:core/v1:Namespace")!;
        assert.strictEqual(ns.options.protect, true);
        assert.strictEqual(ns.options.retainOnDelete, true);
        const sts = p.recording.resources.find(x => x.type === "kubernetes:apps/v1:StatefulSet")!;
        assert.strictEqual(sts.options.protect, false, "a protected StatefulSet could not be replaced to grow its claims");
        assert.strictEqual(find(p, "StatefulSet", "mongodb").spec.persistentVolumeClaimRetentionPolicy.whenDeleted, "Retain");
        assert.strictEqual(find(p, "StorageClass", "kubelab-minikube-expandable").reclaimPolicy, "Retain");
        const d = p.recording.resources.find(x => x.type === "kubernetes:apps/v1:Deployment")!;
        assert.strictEqual(d.options.protect, false);
    });

    it("uses a mirror registry and per-image overrides", async () => {
        const p = await plan("minikube", {
            config: withSmilr({}, {
                "kubelab:imageRegistry": "myacr.azurecr.io/mirror",
                "kubelab:images": JSON.stringify({ "smilr-frontend": "ghcr.io/benc-uk/smilr/frontend:stable" }),
            }),
        });
        assert.strictEqual(container(find(p, "Deployment", "data-api")).image, "myacr.azurecr.io/mirror/smilr/data-api:2.9.8a");
        assert.strictEqual(container(find(p, "StatefulSet", "mongodb")).image, "myacr.azurecr.io/mirror/mongo:6.0.2-focal");
        assert.strictEqual(container(find(p, "Deployment", "frontend")).image, "ghcr.io/benc-uk/smilr/frontend:stable");
    });

    it("answers a configured ingress host", async () => {
        const p = await plan("minikube", { config: withSmilr({}, { "kubelab:ingressHost": "smilr.example.com" }) });
        assert.strictEqual(find(p, "Ingress", "frontend").spec.rules[0].host, "smilr.example.com");
        const endpoints = (p.recording.stackOutputs.endpoints as Record<string, Record<string, string>>).smilr;
        assert.strictEqual(endpoints.dataApiInfo, "http://smilr.example.com/api/info");
    });

    it("deploys nothing of the lab when it is switched off", async () => {
        const p = await plan("minikube", { config: withSmilr({}, { "kubelab:labs": "[]" }) });
        assert.deepStrictEqual(p.objects.map(o => o.kind), ["StorageClass"]);
    });
});


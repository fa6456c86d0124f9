/**
 * The knote lab (LABS.md §3) through the real program under mocks, on the minikube stack with
 * `kubelab:labs: [knote]`: every fact renders, the pack finds no mandatory violation, generated
 * MinIO keys never show, the data stores are locked down, and bad settings fail naming the key.
 */
import * as k8s from "@pulumi/kubernetes";
import * as assert from "assert";
import { Plan, ROOT, exitCodeOf, plan } from "../tools/plan-lib";
import { toYaml } from "../tools/render";
import { buildReport } from "../tools/report";
import { StackConfig, loadStackConfig } from "../tools/stack-config";
import { SIG_KEY } from "./helpers";

import out = k8s.types.output;
interface Kinds {
    Namespace: out.core.v1.Namespace;
    Service: out.core.v1.Service;
    Secret: out.core.v1.Secret;
    Deployment: out.apps.v1.Deployment;
    PersistentVolumeClaim: out.core.v1.PersistentVolumeClaim;
    Ingress: out.networking.v1.Ingress;
    NetworkPolicy: out.networking.v1.NetworkPolicy;
    StorageClass: out.storage.v1.StorageClass;
}

const NS = "knote";

function find<K extends keyof Kinds>(p: Plan, kind: K, name: string, namespace?: string): Kinds[K] {
    const o = p.objects.find(x => x.kind === kind && x.name === name && (namespace === undefined || x.namespace === namespace));
    assert.ok(o, `no ${kind} ${namespace ?? "*"}/${name} in ${p.objects.map(x => `${x.kind}/${x.name}`).join(", ")}`);
    return o.object as unknown as Kinds[K];
}

const container = (d: Kinds["Deployment"]): out.core.v1.Container => d.spec.template.spec.containers[0];
const envOf = (c: out.core.v1.Container): Record<string, unknown> =>
    Object.fromEntries((c.env ?? []).map(e => [e.name, e.value ?? e.valueFrom]));

/** The minikube stack with only knote switched on, plus `extra` config (values as the CLI passes them). */
function knoteStack(knote: object = {}, extra: Record<string, string> = {}): StackConfig {
    const stack = loadStackConfig(ROOT, "minikube");
    return { ...stack, config: { ...stack.config, "kubelab:labs": JSON.stringify(["knote"]), "kubelab:knote": JSON.stringify(knote), ...extra } };
}

/** Does Deployment `d`'s pod template carry every label of `selector` (which has no expressions)? */
function selects(selector: { matchLabels?: Record<string, string>; matchExpressions?: unknown[] }, d: Kinds["Deployment"]): boolean {
    const labels = d.spec.template.metadata.labels ?? {};
    return Object.entries(selector.matchLabels ?? {}).every(([k, v]) => labels[k] === v) && !(selector.matchExpressions?.length);
}

describe("knote lab on the minikube stack (LABS.md §3)", function () {
    this.timeout(60000);
    let p: Plan;

    before(async () => {
        p = await plan("minikube", { config: knoteStack() });
    });

    it("renders valid objects with no mandatory policy violation", () => {
        assert.deepStrictEqual(p.schemaFailures, []);
        assert.deepStrictEqual(p.policies.diagnostics.filter(d => d.enforcementLevel === "mandatory"), []);
        assert.strictEqual(exitCodeOf(p), 0);
    });

    it("lives in its own namespace, enforcing Pod Security restricted (every pod complies in the stateless stage)", () => {
        const ns = find(p, "Namespace", NS);
        assert.strictEqual(ns.metadata.labels["pod-security.kubernetes.io/enforce"], "restricted");
        assert.strictEqual(ns.metadata.labels["pod-security.kubernetes.io/warn"], "restricted");
        assert.strictEqual(ns.metadata.labels["pod-security.kubernetes.io/audit"], "restricted");
        assert.strictEqual(ns.metadata.annotations?.["kubelab.dev/pod-security-reason"], undefined);
        assert.ok(!p.policies.diagnostics.some(d => d.policyName === "namespace-pod-security-label"));
        for (const o of p.objects.filter(x => !["Namespace", "StorageClass"].includes(x.kind))) {
            assert.strictEqual(o.namespace, NS, `${o.kind} ${o.name}`);
        }
    });

    it("runs knote: image learnk8s/knote-js:2.0.0, port 3000, 1 replica by default", () => {
        const d = find(p, "Deployment", "knote", NS);
        const c = container(d);
        assert.strictEqual(c.image, "learnk8s/knote-js:2.0.0");
        assert.deepStrictEqual(c.ports, [{ name: "http", containerPort: 3000 }]);
        assert.strictEqual(d.spec.replicas, 1);
        assert.ok(c.resources.requests.cpu && c.resources.requests.memory && c.resources.limits.memory);
    });

    it("gives knote MONGO_URL=mongodb://mongo:27017/dev, MINIO_HOST=minio and the MinIO keys from the Secret", () => {
        const c = container(find(p, "Deployment", "knote", NS));
        assert.deepStrictEqual(envOf(c), {
            MONGO_URL: "mongodb://mongo:27017/dev",
            MINIO_HOST: "minio",
            MINIO_ACCESS_KEY: { secretKeyRef: { name: "minio-creds", key: "access-key" } },
            MINIO_SECRET_KEY: { secretKeyRef: { name: "minio-creds", key: "secret-key" } },
        });
    });

    it("probes knote without a health endpoint: readiness GET / on 3000, liveness a TCP check of 3000", () => {
        const c = container(find(p, "Deployment", "knote", NS));
        assert.strictEqual(c.readinessProbe.httpGet.path, "/");
        assert.strictEqual(c.readinessProbe.httpGet.port, 3000);
        assert.deepStrictEqual(c.livenessProbe.tcpSocket, { port: 3000 });
        assert.strictEqual(c.livenessProbe.httpGet, undefined);
        // knote opens its port only once MongoDB and MinIO answer: liveness waits minutes, not seconds.
        const patience = c.livenessProbe.initialDelaySeconds + c.livenessProbe.periodSeconds * c.livenessProbe.failureThreshold;
        assert.ok(patience >= 120, `liveness restarts knote after ${patience}s`);
    });

    it("exposes only knote outside the cluster: Service knote 80→3000 behind the nginx Ingress at /; mongo and minio ClusterIP", () => {
        const svc = find(p, "Service", "knote", NS);
        assert.deepStrictEqual(svc.spec.ports, [{ name: "http", port: 80, targetPort: "http" }]);
        assert.ok(selects({ matchLabels: svc.spec.selector }, find(p, "Deployment", "knote", NS)));
        const ingresses = p.objects.filter(o => o.kind === "Ingress").map(o => o.object as unknown as Kinds["Ingress"]);
        assert.strictEqual(ingresses.length, 1);
        const [ing] = ingresses;
        assert.strictEqual(ing.spec.ingressClassName, "nginx");
        const routes = ing.spec.rules.flatMap(r => r.http.paths.map(x => `${x.path} ${x.pathType} -> ${x.backend.service.name}:${x.backend.service.port.number}`));
        assert.deepStrictEqual(routes, ["/ Prefix -> knote:80"]);
        // Pictures go through the ingress: ingress-nginx's 1m default body limit would refuse most photos.
        assert.strictEqual(ing.metadata.annotations["nginx.ingress.kubernetes.io/proxy-body-size"], "16m");
        for (const o of p.objects.filter(x => x.kind === "Service")) {
            assert.strictEqual((o.object as unknown as Kinds["Service"]).spec.type, "ClusterIP", o.name);
        }
    });

    it("keeps MongoDB in Deployment mongo: mongo:6.0.2-focal, Service mongo:27017, claim mongo-pvc 256Mi at /data/db on the expandable class, Recreate", () => {
        const d = find(p, "Deployment", "mongo", NS);
        const c = container(d);
        assert.strictEqual(c.image, "mongo:6.0.2-focal");
        assert.deepStrictEqual(c.ports, [{ name: "mongodb", containerPort: 27017 }]);
        // The root filesystem is read-only: mongod's socket goes to an emptyDir at /tmp.
        assert.deepStrictEqual(c.volumeMounts, [{ name: "scratch-0", mountPath: "/tmp" }, { name: "data", mountPath: "/data/db" }]);
        assert.deepStrictEqual(d.spec.template.spec.volumes, [{ name: "scratch-0", emptyDir: {} }, { name: "data", persistentVolumeClaim: { claimName: "mongo-pvc" } }]);
        assert.deepStrictEqual(d.spec.template.spec.securityContext, { runAsNonRoot: true, runAsUser: 999, runAsGroup: 999, fsGroup: 999, seccompProfile: { type: "RuntimeDefault" } });
        assert.strictEqual(d.spec.replicas, 1);
        assert.deepStrictEqual(d.spec.strategy, { type: "Recreate" });
        const svc = find(p, "Service", "mongo", NS);
        assert.deepStrictEqual(svc.spec.ports, [{ name: "mongodb", port: 27017, targetPort: "mongodb" }]);
        assert.ok(selects({ matchLabels: svc.spec.selector }, d));
        const pvc = find(p, "PersistentVolumeClaim", "mongo-pvc", NS);
        assert.deepStrictEqual(pvc.spec.accessModes, ["ReadWriteOnce"]);
        assert.deepStrictEqual(pvc.spec.resources.requests, { storage: "256Mi" });
        assert.strictEqual(find(p, "StorageClass", pvc.spec.storageClassName).allowVolumeExpansion, true);
    });

    it("keeps MinIO in Deployment minio: the pinned release, server /storage, Service minio:9000, claim minio-pvc 256Mi at /storage, Recreate", () => {
        const d = find(p, "Deployment", "minio", NS);
        const c = container(d);
        assert.strictEqual(c.image, "minio/minio:RELEASE.2022-10-29T06-21-33Z");
        assert.deepStrictEqual(c.args, ["server", "/storage"]);
        assert.deepStrictEqual(c.ports, [{ name: "minio", containerPort: 9000 }]);
        assert.deepStrictEqual(c.volumeMounts, [{ name: "data", mountPath: "/storage" }]);
        assert.deepStrictEqual(d.spec.template.spec.volumes, [{ name: "data", persistentVolumeClaim: { claimName: "minio-pvc" } }]);
        assert.strictEqual(d.spec.replicas, 1);
        assert.deepStrictEqual(d.spec.strategy, { type: "Recreate" });
        // This release reads MINIO_ACCESS_KEY/MINIO_SECRET_KEY; newer ones the ROOT pair, given too.
        assert.deepStrictEqual(envOf(c), {
            MINIO_ACCESS_KEY: { secretKeyRef: { name: "minio-creds", key: "access-key" } },
            MINIO_SECRET_KEY: { secretKeyRef: { name: "minio-creds", key: "secret-key" } },
            MINIO_ROOT_USER: { secretKeyRef: { name: "minio-creds", key: "access-key" } },
            MINIO_ROOT_PASSWORD: { secretKeyRef: { name: "minio-creds", key: "secret-key" } },
        });
        assert.ok(c.readinessProbe.httpGet && c.livenessProbe.httpGet);
        // knote hard-codes port 9000: the Service must expose exactly that.
        const svc = find(p, "Service", "minio", NS);
        assert.deepStrictEqual(svc.spec.ports, [{ name: "minio", port: 9000, targetPort: "minio" }]);
        assert.ok(selects({ matchLabels: svc.spec.selector }, d));
        const pvc = find(p, "PersistentVolumeClaim", "minio-pvc", NS);
        assert.deepStrictEqual(pvc.spec.accessModes, ["ReadWriteOnce"]);
        assert.deepStrictEqual(pvc.spec.resources.requests, { storage: "256Mi" });
        assert.strictEqual(find(p, "StorageClass", pvc.spec.storageClassName).allowVolumeExpansion, true);
    });

    it("keeps the MinIO keys in Secret minio-creds only, never as literals (nor the tutorial's mykey/mysecret)", () => {
        const secret = find(p, "Secret", "minio-creds", NS);
        assert.ok(secret);
        for (const d of p.objects.filter(o => o.kind === "Deployment")) {
            for (const e of container(d.object as unknown as Kinds["Deployment"]).env ?? []) {
                assert.ok(!/KEY|SECRET|PASSWORD/.test(e.name) || (e.value === undefined && e.valueFrom?.secretKeyRef), `${d.name} ${e.name}`);
            }
        }
        const yaml = toYaml(p.objects);
        assert.ok(!/mykey|mysecret/.test(yaml));
        assert.ok(!/mykey|mysecret/.test(JSON.stringify(p.recording)));
        assert.deepStrictEqual(p.policies.diagnostics.filter(d => d.policyName === "no-literal-credentials"), []);
    });

    it("denies ingress by default and lets only the ingress controller's namespace reach knote on 3000", () => {
        const deny = find(p, "NetworkPolicy", "default-deny-ingress", NS);
        assert.deepStrictEqual(deny.spec.podSelector, {});
        assert.deepStrictEqual(deny.spec.policyTypes, ["Ingress"]);
        assert.strictEqual(deny.spec.ingress, undefined);
        const np = find(p, "NetworkPolicy", "knote-from-ingress-controller", NS);
        assert.ok(selects(np.spec.podSelector, find(p, "Deployment", "knote", NS)));
        assert.deepStrictEqual(np.spec.ingress, [{
            from: [{ namespaceSelector: { matchLabels: { "kubernetes.io/metadata.name": "ingress-nginx" } } }],
            ports: [{ protocol: "TCP", port: 3000 }],
        }]);
        assert.ok(!p.policies.diagnostics.some(d => d.policyName === "namespace-default-deny-ingress"));
    });

    it("lets only this instance's knote pods reach MongoDB (27017) and MinIO (9000)", () => {
        const knote = find(p, "Deployment", "knote", NS);
        for (const [store, port] of [["mongo", 27017], ["minio", 9000]] as const) {
            const np = find(p, "NetworkPolicy", `${store}-from-knote`, NS);
            const target = find(p, "Deployment", store, NS);
            assert.ok(selects(np.spec.podSelector, target), `${store} policy selects the ${store} pods`);
            assert.ok(!selects(np.spec.podSelector, knote), `${store} policy does not select knote`);
            assert.deepStrictEqual(np.spec.policyTypes, ["Ingress"]);
            assert.strictEqual(np.spec.ingress.length, 1);
            const [rule] = np.spec.ingress;
            assert.deepStrictEqual(rule.ports, [{ protocol: "TCP", port }]);
            assert.strictEqual(rule.from.length, 1);
            const [peer] = rule.from;
            assert.strictEqual(peer.namespaceSelector, undefined, "same namespace only");
            assert.strictEqual(peer.ipBlock, undefined);
            assert.ok(selects(peer.podSelector, knote), "admits knote's pods");
            assert.strictEqual(peer.podSelector.matchLabels["app.kubernetes.io/part-of"], "knote", "of this instance only");
            assert.ok(!selects(peer.podSelector, target) && !selects(peer.podSelector, find(p, "Deployment", store === "mongo" ? "minio" : "mongo", NS)));
        }
    });

    it("exports how to reach knote and how to walk the lesson, without the keys", () => {
        const endpoints = (p.recording.stackOutputs.endpoints as Record<string, Record<string, unknown>>).knote;
        assert.strictEqual(endpoints.knote, "http://$(minikube ip)/");
        assert.ok((endpoints.lesson as string[]).some(l => l.includes("kubelab:knote.replicas' 10")));
        assert.match(String(endpoints.minioCredentials), /kubectl -n knote get secret minio-creds/);
    });
});

describe("knote lab: generated MinIO keys never show", function () {
    this.timeout(60000);

    it("never writes the generated keys into the rendered YAML or the plan report, and keeps them secret", async () => {
        // An update, so the mocks generate real key values to search for.
        const p = await plan("minikube", { config: knoteStack(), update: true });
        const keys = p.recording.resources.filter(r => r.type === "random:index/randomPassword:RandomPassword").map(r => {
            const raw = JSON.stringify(r.state.result);
            const value = /"value":"([^"]+)"/.exec(raw)?.[1] ?? (typeof r.state.result === "string" ? r.state.result : undefined);
            assert.ok(value && value.length >= 20, `a generated value for ${r.name}: ${raw}`);
            return value;
        });
        assert.strictEqual(keys.length, 2);
        const yaml = toYaml(p.objects);
        const report = JSON.stringify(buildReport(p, { outDir: "out" }));
        const outputs = JSON.stringify(p.recording.stackOutputs);
        for (const key of keys) {
            assert.ok(!yaml.includes(key), "a key in the rendered YAML");
            assert.ok(!report.includes(key), "a key in the plan report");
            assert.ok(!outputs.includes(key), "a key in the stack outputs");
        }
        assert.ok(!/mykey|mysecret/.test(yaml + report));
        const lab = p.recording.resources.find(r => r.type === "kubelab:labs:Knote")!;
        for (const k of ["minioAccessKey", "minioSecretKey"]) {
            assert.match(JSON.stringify(lab.outputs?.[k]), new RegExp(SIG_KEY), `${k} is registered as a Pulumi secret`);
        }
    });
});

describe("knote lab: two instances in one stack", function () {
    this.timeout(60000);

    it("keeps each instance's stores open to its own knote pods only, beside smilr", async () => {
        const labs = ["smilr", { lab: "knote", host: "knote.example.com" }, { lab: "knote", name: "knote-b", namespace: "knote-b", host: "knote-b.example.com" }];
        const p = await plan("minikube", { config: knoteStack({}, { "kubelab:labs": JSON.stringify(labs) }) });
        assert.deepStrictEqual(p.schemaFailures, []);
        assert.deepStrictEqual(p.policies.diagnostics.filter(d => d.enforcementLevel === "mandatory"), []);
        for (const [instance, host] of [["knote", "knote.example.com"], ["knote-b", "knote-b.example.com"]]) {
            const np = find(p, "NetworkPolicy", "minio-from-knote", instance);
            assert.strictEqual(np.spec.podSelector.matchLabels["app.kubernetes.io/part-of"], instance);
            assert.strictEqual(np.spec.ingress[0].from[0].podSelector.matchLabels["app.kubernetes.io/part-of"], instance);
            assert.strictEqual(find(p, "Ingress", "knote", instance).spec.rules[0].host, host);
            find(p, "Secret", "minio-creds", instance);
        }
        assert.strictEqual(p.recording.resources.filter(r => r.type === "random:index/randomPassword:RandomPassword").length, 4, "each instance its own keys");
    });
});

describe("knote lab settings through the program", function () {
    this.timeout(60000);

    it("follows the lesson's replicas 1 → 2 → 10, with a disruption budget once two pods run", async () => {
        for (const replicas of [2, 10]) {
            const p = await plan("minikube", { config: knoteStack({ replicas }) });
            assert.strictEqual(find(p, "Deployment", "knote", NS).spec.replicas, replicas);
            assert.ok(p.objects.some(o => o.kind === "PodDisruptionBudget" && o.name === "knote"));
            // The stores stay single-pod whatever knote runs.
            assert.strictEqual(find(p, "Deployment", "minio", NS).spec.replicas, 1);
            assert.deepStrictEqual(p.policies.diagnostics.filter(d => d.enforcementLevel === "mandatory"), []);
        }
    });

    it("walks the stateful stage on knote 1.0.0 (pictures on the pod's disk) with the same stores, and back", async () => {
        const p = await plan("minikube", { config: knoteStack({ stage: "stateful", replicas: 2 }) });
        const d = find(p, "Deployment", "knote", NS);
        assert.strictEqual(container(d).image, "learnk8s/knote-js:1.0.0");
        assert.strictEqual(d.spec.replicas, 2);
        assert.strictEqual(envOf(container(d)).MONGO_URL, "mongodb://mongo:27017/dev");
        find(p, "Deployment", "minio", NS);
        find(p, "PersistentVolumeClaim", "minio-pvc", NS);
        assert.deepStrictEqual(p.policies.diagnostics.filter(x => x.enforcementLevel === "mandatory"), []);
        // knote 1.0.0 needs root (the documented exception): the namespace drops to baseline and says why.
        const ns = find(p, "Namespace", NS);
        assert.strictEqual(ns.metadata.labels["pod-security.kubernetes.io/enforce"], "baseline");
        assert.strictEqual(ns.metadata.labels["pod-security.kubernetes.io/warn"], "restricted");
        assert.match(ns.metadata.annotations["kubelab.dev/pod-security-reason"], /^baseline, not restricted: knote-stateful: knote 1\.0\.0 .* root/);
        assert.strictEqual(d.spec.template.spec.securityContext.runAsNonRoot, undefined);
        assert.deepStrictEqual(container(d).securityContext, { allowPrivilegeEscalation: false, capabilities: { drop: ["ALL"] } });
    });

    it("grows the claims from config", async () => {
        const p = await plan("minikube", { config: knoteStack({ mongoStorage: "1Gi", minioStorage: "2Gi" }) });
        assert.deepStrictEqual(find(p, "PersistentVolumeClaim", "mongo-pvc", NS).spec.resources.requests, { storage: "1Gi" });
        assert.deepStrictEqual(find(p, "PersistentVolumeClaim", "minio-pvc", NS).spec.resources.requests, { storage: "2Gi" });
    });

    it("admits another ingress controller namespace", async () => {
        const p = await plan("minikube", { config: knoteStack({ ingressControllerNamespace: "ingress-system" }) });
        const np = find(p, "NetworkPolicy", "knote-from-ingress-controller", NS);
        assert.deepStrictEqual(np.spec.ingress[0].from[0].namespaceSelector?.matchLabels, { "kubernetes.io/metadata.name": "ingress-system" });
    });

    it("protects the claims and the namespace when protectData is on", async () => {
        const p = await plan("minikube", { config: knoteStack({}, { "kubelab:protectData": "true" }) });
        const claims = p.recording.resources.filter(r => r.type === "kubernetes:core/v1:PersistentVolumeClaim");
        assert.strictEqual(claims.length, 2);
        for (const r of [...claims, p.recording.resources.find(x => x.type === "kubernetes:core/v1:Namespace")!]) {
            assert.strictEqual(r.options.protect, true, r.name);
            assert.strictEqual(r.options.retainOnDelete, true, r.name);
        }
    });

    it("refuses replicas out of range and bad sizes, naming the key", async () => {
        await assert.rejects(plan("minikube", { config: knoteStack({ replicas: 0 }) }), /kubelab:knote\.replicas: 0 is not allowed; expected a whole number from 1 to 20/);
        await assert.rejects(plan("minikube", { config: knoteStack({ replicas: 21 }) }), /kubelab:knote\.replicas: 21 is not allowed/);
        await assert.rejects(plan("minikube", { config: knoteStack({ minioStorage: "256MB" }) }), /kubelab:knote\.minioStorage: "256MB" is not allowed/);
        await assert.rejects(plan("minikube", { config: knoteStack({ replica: 2 }) }), /kubelab:knote\.replica: .*no such setting/);
    });
});

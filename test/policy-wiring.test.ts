/**
 * The wiring family (policy/wiring.ts), case by case: StatefulSets to their headless Services,
 * Services to the pods they select, Ingresses to Services and ports.
 */
import * as assert from "assert";
import * as fs from "fs";
import * as path from "path";
import { BUILT_IN_GROUPS, isCustomResource } from "../policy/lib/k8s";
import { ManifestObject, manifestUrn } from "../tools/manifests";
import { labelSelectorSelects, plainLabels, serviceSelectorSelects } from "../policy/lib/selectors";
import { ObjectEntry, checkObjects, deployment, violationsOf } from "./helpers";

type Spec = Record<string, unknown>;
const specOf = (o: ManifestObject) => o.spec as Spec & { replicas?: number; selector: { matchLabels: Record<string, string> }; template: { metadata: { labels: Record<string, string> } } };

async function messages(policy: string, objects: ObjectEntry[], config = {}): Promise<string[]> {
    return violationsOf(await checkObjects(objects, config), policy).map(v => v.message.split("\n").slice(1).join("\n"));
}

const service = (name: string, selector: Record<string, string> | undefined, extra: Spec = {}, namespace = "lab"): ManifestObject => ({
    apiVersion: "v1", kind: "Service", metadata: { name, namespace },
    spec: { ...(selector ? { selector } : {}), ports: [{ name: "http", port: 80, targetPort: 8080 }], ...extra },
});

const sts = (name: string, serviceName: string | undefined, replicas = 3, namespace = "lab"): ManifestObject => ({
    apiVersion: "apps/v1", kind: "StatefulSet", metadata: { name, namespace },
    spec: {
        ...(serviceName ? { serviceName } : {}), replicas, selector: { matchLabels: { app: name } },
        template: { metadata: { labels: { app: name, tier: "db" } }, spec: { containers: [{ name, image: "mongo:5", resources: { requests: { cpu: "100m", memory: "256Mi" }, limits: { memory: "256Mi" } } }] } },
    },
});

describe("policy statefulset-headless-service", () => {
    const P = "statefulset-headless-service";
    const headless = (selector: Record<string, string> = { app: "mongo" }) => service("mongo-service", selector, { clusterIP: "None", ports: [{ name: "mongo", port: 27017 }] });

    it("passes a headless Service of the namespace that selects the pods", async () => {
        assert.deepStrictEqual(await messages(P, [sts("mongo", "mongo-service"), headless()]), []);
        assert.deepStrictEqual(await messages(P, [sts("mongo", "mongo-service"), headless({ app: "mongo", tier: "db" })]), []);
    });

    it("reports a missing Service, on the StatefulSet's URN, also when it lives in another namespace", async () => {
        const run = await checkObjects([sts("mongo", "mongo-service"), service("mongo-service", { app: "mongo" }, { clusterIP: "None" }, "other")]);
        const found = violationsOf(run, P);
        assert.deepStrictEqual(found.map(v => v.urn), [manifestUrn(sts("mongo", "mongo-service"))]);
        assert.strictEqual(found[0].message.split("\n")[1],
            "StatefulSet lab/mongo has serviceName 'mongo-service', but the stack creates no Service lab/mongo-service; its pods get no DNS names. " +
            "Create a headless Service (clusterIP: None) of that name selecting the StatefulSet's pods.");
    });

    it("reports a Service that is not headless, or selects other pods", async () => {
        assert.deepStrictEqual(await messages(P, [sts("mongo", "mongo-service"), service("mongo-service", { app: "mongo" })]), [
            "StatefulSet lab/mongo: Service lab/mongo-service is not headless (clusterIP unset), so its pods (up to 3) get no DNS names of their own and can't find each other; set clusterIP: None.",
        ]);
        assert.match((await messages(P, [sts("mongo", "mongo-service"), service("mongo-service", { app: "mongo" }, { clusterIP: "10.0.0.12" })]))[0], /is not headless \(clusterIP 10\.0\.0\.12\)/);
        assert.deepStrictEqual(await messages(P, [sts("mongo", "mongo-service"), headless({ app: "mongodb" })]), [
            "StatefulSet lab/mongo: Service lab/mongo-service selects {\"app\":\"mongodb\"}, which does not match the StatefulSet's pod labels {\"app\":\"mongo\",\"tier\":\"db\"}; " +
            "the pods get no DNS records. Make the Service's selector a subset of the pod labels.",
        ]);
        assert.strictEqual((await messages(P, [sts("mongo", "mongo-service"), service("mongo-service", undefined, { clusterIP: "None" })])).length, 1, "no selector, no DNS records");
    });

    it("passes a Service with a cluster IP for a StatefulSet of one pod, unless an autoscaler may add more", async () => {
        const clusterIp = service("mongo-service", { app: "mongo" });
        assert.deepStrictEqual(await messages(P, [sts("mongo", "mongo-service", 1), clusterIp]), []);
        assert.deepStrictEqual(await messages(P, [sts("mongo", "mongo-service", 0), clusterIp]), []);
        const hpa: ManifestObject = {
            apiVersion: "autoscaling/v2", kind: "HorizontalPodAutoscaler", metadata: { name: "mongo", namespace: "lab" },
            spec: { scaleTargetRef: { apiVersion: "apps/v1", kind: "StatefulSet", name: "mongo" }, minReplicas: 1, maxReplicas: 4, metrics: [{ type: "Resource", resource: { name: "cpu", target: { type: "Utilization", averageUtilization: 70 } } }] },
        };
        assert.deepStrictEqual(await messages(P, [sts("mongo", "mongo-service", 1), clusterIp, hpa]), [
            "StatefulSet lab/mongo: Service lab/mongo-service is not headless (clusterIP unset), so its pods (up to 4) get no DNS names of their own and can't find each other; set clusterIP: None.",
        ]);
        // The selector is still checked.
        assert.strictEqual((await messages(P, [sts("mongo", "mongo-service", 1), service("mongo-service", { app: "mongodb" })])).length, 1);
    });

    it("reports a StatefulSet without serviceName", async () => {
        assert.deepStrictEqual(await messages(P, [sts("mongo", undefined)]), [
            "StatefulSet lab/mongo names no serviceName, so its pods get no stable DNS names; set spec.serviceName to a headless Service that selects its pods.",
        ]);
    });

    it("does not apply to other workloads", async () => {
        assert.deepStrictEqual(await messages(P, [deployment("web"), service("web", { app: "web" })]), []);
    });
});

describe("policy service-selects-pods", () => {
    const P = "service-selects-pods";
    const version = (v: string, replicas = 2) => deployment(`web-${v}`, d => {
        specOf(d).replicas = replicas;
        specOf(d).selector.matchLabels = { app: "web", version: v };
        specOf(d).template.metadata.labels = { app: "web", version: v };
    });

    it("passes a blue/green Service on an existing version", async () => {
        assert.deepStrictEqual(await messages(P, [version("v1"), version("v2"), service("web", { app: "web", version: "v2" })]), []);
        assert.deepStrictEqual(await messages(P, [version("v1"), version("v2"), service("web", { app: "web" })]), [], "canary: both versions");
    });

    it("catches a blue/green switch to a version that doesn't exist, on the Service's URN", async () => {
        const v3 = service("web", { app: "web", version: "v3" });
        const found = violationsOf(await checkObjects([version("v1"), version("v2"), v3]), P);
        assert.strictEqual(found.length, 1);
        assert.strictEqual(found[0].urn, manifestUrn(v3));
        assert.strictEqual(found[0].enforcementLevel, "mandatory");
        assert.strictEqual(found[0].message.split("\n")[1],
            "Service lab/web selects {\"app\":\"web\",\"version\":\"v3\"}, but no workload in namespace lab has those pod labels " +
            "(Deployment web-v1 {\"app\":\"web\",\"version\":\"v1\"}; Deployment web-v2 {\"app\":\"web\",\"version\":\"v2\"}); the Service would have no endpoints. Fix the selector or the pod template labels.");
    });

    it("catches a switch to a version scaled to 0", async () => {
        assert.deepStrictEqual(await messages(P, [version("v1", 0), version("v2"), service("web", { app: "web", version: "v1" })]), [
            "Service lab/web selects {\"app\":\"web\",\"version\":\"v1\"}, which matches only Deployment lab/web-v1, scaled to 0 pods; the Service would have no endpoints. Point it at a running version, or scale that one up.",
        ]);
        assert.deepStrictEqual(await messages(P, [version("v1", 0), version("v2"), service("web", { app: "web" })]), [], "v2 still runs");
    });

    it("matches only workloads of the Service's namespace (unset = default)", async () => {
        assert.match((await messages(P, [deployment("web", undefined, "other"), service("web", { app: "web" })]))[0], /no workload in namespace lab has those pod labels \(it has no workloads\)/);
        const inDefault: ManifestObject = { apiVersion: "v1", kind: "Service", metadata: { name: "web" }, spec: { selector: { app: "web" }, ports: [{ port: 80 }] } };
        assert.deepStrictEqual(await messages(P, [deployment("web", undefined, "default"), inDefault]), []);
    });

    it("counts the pods of a custom resource by its pod template (an Argo Rollout), and leaves a namespace with an operator's resource unjudged", async () => {
        const rollout = (labels: Record<string, string>, namespace = "lab"): ManifestObject => ({
            apiVersion: "argoproj.io/v1alpha1", kind: "Rollout", metadata: { name: "podinfo", namespace },
            spec: { selector: { matchLabels: labels }, template: { metadata: { labels }, spec: { containers: [{ name: "podinfo", image: "podinfo:6.7.1" }] } } },
        });
        assert.deepStrictEqual(await messages(P, [rollout({ app: "podinfo" }), service("podinfo", { app: "podinfo" })]), []);
        assert.match((await messages(P, [rollout({ app: "podinfo" }), service("podinfo", { app: "podinfo-typo" })]))[0], /Service lab\/podinfo selects \{"app":"podinfo-typo"\}, but no workload/,
            "a template that doesn't match is still a mistake");
        assert.match((await messages(P, [rollout({ app: "podinfo" }, "other"), service("podinfo", { app: "podinfo" })]))[0], /no workload in namespace lab/, "another namespace's Rollout runs no pods here");
        // prometheus-operator runs an Alertmanager's pods, labelled as it chooses: the stack can't show them.
        const alertmanager: ManifestObject = { apiVersion: "monitoring.coreos.com/v1", kind: "Alertmanager", metadata: { name: "main", namespace: "lab" }, spec: { replicas: 3 } };
        assert.deepStrictEqual(await messages(P, [alertmanager, service("alertmanager-main", { "app.kubernetes.io/name": "alertmanager", alertmanager: "main" })]), []);
    });

    it("still judges a Service beside custom resources that run no pods: routes, ServiceMonitors, certificates, ScaledObjects, mesh rules, cluster-wide ones", async () => {
        const broken = service("web", { app: "nothing-has-this" });
        const beside: ManifestObject[] = [
            { apiVersion: "monitoring.coreos.com/v1", kind: "ServiceMonitor", metadata: { name: "web", namespace: "lab" }, spec: { selector: { matchLabels: { app: "web" } }, endpoints: [{ port: "http" }] } },
            { apiVersion: "gateway.networking.k8s.io/v1", kind: "HTTPRoute", metadata: { name: "web", namespace: "lab" }, spec: { rules: [{ backendRefs: [{ name: "web", port: 80 }] }] } },
            { apiVersion: "cert-manager.io/v1", kind: "Certificate", metadata: { name: "web", namespace: "lab" }, spec: { secretName: "web-tls", dnsNames: ["web.example.com"], issuerRef: { name: "letsencrypt" } } },
            { apiVersion: "keda.sh/v1alpha1", kind: "ScaledObject", metadata: { name: "web", namespace: "lab" }, spec: { scaleTargetRef: { name: "web" }, triggers: [{ type: "cron", metadata: { timezone: "UTC", start: "0 8 * * *", end: "0 18 * * *", desiredReplicas: "2" } }] } },
            { apiVersion: "networking.istio.io/v1", kind: "VirtualService", metadata: { name: "web", namespace: "lab" }, spec: { hosts: ["web"], http: [{ route: [{ destination: { host: "web" } }] }] } },
            // Cluster-scoped (no namespace), so indexed under default, where this Service is too.
            { apiVersion: "gateway.networking.k8s.io/v1", kind: "GatewayClass", metadata: { name: "example" }, spec: { controllerName: "example.com/gateway" } },
        ];
        for (const cr of beside) {
            const svc = cr.metadata?.namespace ? broken : { ...broken, metadata: { name: "web" } };
            assert.strictEqual((await messages(P, [cr, svc])).length, 1, `${cr.apiVersion} ${cr.kind}`);
        }
        // A custom resource its definition declares cluster-scoped lives in no namespace, default included.
        const crd = (scope: string): ManifestObject => ({
            apiVersion: "apiextensions.k8s.io/v1", kind: "CustomResourceDefinition", metadata: { name: "providers.pkg.example.com" },
            spec: { group: "pkg.example.com", scope, names: { kind: "Provider", plural: "providers", singular: "provider" }, versions: [{ name: "v1", served: true, storage: true, schema: { openAPIV3Schema: { type: "object", "x-kubernetes-preserve-unknown-fields": true } } }] },
        });
        const provider: ManifestObject = { apiVersion: "pkg.example.com/v1", kind: "Provider", metadata: { name: "aws" }, spec: { package: "example/provider-aws:v1" } };
        const inDefault = { ...broken, metadata: { name: "web" } };
        assert.strictEqual((await messages(P, [crd("Cluster"), provider, inDefault])).length, 1, "cluster-scoped");
        assert.deepStrictEqual(await messages(P, [crd("Namespaced"), provider, inDefault]), [], "namespaced: an operator's resource in default");
        assert.deepStrictEqual(await messages(P, [provider, inDefault]), [], "scope unknown: counted where its namespace says");
        // The same groups' kinds that run pods still leave the namespace unjudged: a Gateway's proxy, a Prometheus.
        const gateway: ManifestObject = { apiVersion: "gateway.networking.k8s.io/v1", kind: "Gateway", metadata: { name: "web", namespace: "lab" }, spec: { gatewayClassName: "istio", listeners: [{ name: "http", port: 80, protocol: "HTTP" }] } };
        const prometheus: ManifestObject = { apiVersion: "monitoring.coreos.com/v1", kind: "Prometheus", metadata: { name: "main", namespace: "lab" }, spec: { replicas: 2 } };
        for (const cr of [gateway, prometheus]) {
            assert.deepStrictEqual(await messages(P, [cr, broken]), [], cr.kind);
        }
    });

    it("knows which API groups Kubernetes serves itself: every group kubernetes-models has schemas for, and no other", () => {
        const dir = path.dirname(require.resolve("kubernetes-models/package.json"));
        const groups = fs.readdirSync(dir, { withFileTypes: true }).filter(e => e.isDirectory() && !e.name.startsWith("_") && e.name !== "v1").map(e => e.name);
        for (const group of ["", ...groups]) {
            assert.ok(BUILT_IN_GROUPS.has(group), `${group || "(core)"} is built in`);
        }
        assert.ok(!isCustomResource("kubernetes:apps/v1:Deployment") && !isCustomResource("kubernetes:core/v1:Service") && !isCustomResource("kubernetes:networking.k8s.io/v1:Ingress"));
        assert.ok(isCustomResource("kubernetes:argoproj.io/v1alpha1:Rollout") && isCustomResource("kubernetes:gateway.networking.k8s.io/v1:HTTPRoute"));
    });

    it("knows the labels controllers add: a Service pinned to one StatefulSet pod, or to a Job's pods", async () => {
        const pinned = (pod: string) => service(`mongo-${pod}`, { "statefulset.kubernetes.io/pod-name": pod });
        assert.deepStrictEqual(await messages(P, [sts("mongo", "mongo"), pinned("mongo-0"), pinned("mongo-2")]), []);
        const found = await messages(P, [sts("mongo", "mongo"), pinned("mongo-3"), pinned("mongo-01")]);
        assert.deepStrictEqual(found.map(m => m.slice(0, m.indexOf(" selects"))), ["Service lab/mongo-mongo-3", "Service lab/mongo-mongo-01"]);
        const job: ManifestObject = { apiVersion: "batch/v1", kind: "Job", metadata: { name: "load", namespace: "lab" }, spec: { template: { metadata: { labels: { app: "load" } }, spec: { containers: [] } } } };
        assert.deepStrictEqual(await messages(P, [job, service("load", { "job-name": "load" })]), []);
        assert.strictEqual((await messages(P, [job, service("load", { "job-name": "other" })])).length, 1);
    });

    it("does not apply to ExternalName Services or Services without a selector", async () => {
        assert.deepStrictEqual(await messages(P, [service("external", undefined, { type: "ExternalName", externalName: "db.example.com" })]), []);
        assert.deepStrictEqual(await messages(P, [service("external", { app: "ghost" }, { type: "ExternalName", externalName: "db.example.com" })]), []);
        assert.deepStrictEqual(await messages(P, [service("manual", undefined), service("empty", {})]), [], "endpoints managed by hand");
    });

    it("evaluates selectors as Kubernetes does", () => {
        const pod = plainLabels({ app: "web", version: "v2" });
        assert.strictEqual(serviceSelectorSelects({ app: "web" }, pod), true);
        assert.strictEqual(serviceSelectorSelects({}, pod), false);
        assert.strictEqual(labelSelectorSelects({ matchExpressions: [{ key: "version", operator: "In", values: ["v1", "v2"] }] }, pod), true);
        assert.strictEqual(labelSelectorSelects({ matchExpressions: [{ key: "version", operator: "NotIn", values: ["v2"] }] }, pod), false);
        assert.strictEqual(labelSelectorSelects({ matchExpressions: [{ key: "tier", operator: "NotIn", values: ["db"] }] }, pod), true, "NotIn holds when the key is absent");
        assert.strictEqual(labelSelectorSelects({ matchExpressions: [{ key: "tier", operator: "DoesNotExist" }] }, pod), true);
        assert.strictEqual(labelSelectorSelects({ matchExpressions: [{ key: "app", operator: "Exists" }], matchLabels: { version: "v1" } }, pod), false);
        assert.strictEqual(labelSelectorSelects({ matchExpressions: [{ key: "app", operator: "In", values: [] }] }, pod), false, "invalid: In without values");
        assert.strictEqual(labelSelectorSelects({}, pod), true);
        assert.strictEqual(labelSelectorSelects({}, pod, "nothing"), false);
        assert.strictEqual(labelSelectorSelects(null, pod), false);
    });
});

describe("policy ingress-backend-exists", () => {
    const P = "ingress-backend-exists";
    const ingress = (backends: Spec[], extra: Spec = {}, apiVersion = "networking.k8s.io/v1"): ManifestObject => ({
        apiVersion, kind: "Ingress", metadata: { name: "ing", namespace: "lab" },
        spec: { ingressClassName: "nginx", rules: [{ host: "foo.bar.com", http: { paths: backends.map((backend, i) => ({ path: `/p${i}`, pathType: "Prefix", backend })) } }], ...extra },
    });
    const web = [deployment("web"), service("web", { app: "web" })];

    it("passes backends naming a Service of the namespace and its port, by number or name", async () => {
        assert.deepStrictEqual(await messages(P, [...web, ingress([{ service: { name: "web", port: { number: 80 } } }, { service: { name: "web", port: { name: "http" } } }])]), []);
    });

    it("reports a missing Service and a port the Service does not expose, on the Ingress's URN", async () => {
        const bad = ingress([{ service: { name: "ghost", port: { number: 80 } } }, { service: { name: "web", port: { number: 8080 } } }, { service: { name: "web", port: { name: "https" } } }]);
        const found = violationsOf(await checkObjects([...web, bad]), P);
        assert.deepStrictEqual(found.map(v => v.urn), Array(3).fill(manifestUrn(bad)));
        assert.deepStrictEqual(found.map(v => v.message.split("\n")[1]), [
            "Ingress lab/ing: foo.bar.com/p0 goes to Service 'ghost', which the stack does not create in namespace lab; the controller would answer 503.",
            "Ingress lab/ing: foo.bar.com/p1 goes to Service lab/web port 8080, which the Service does not expose (ports: 80/http): 8080 is its targetPort, " +
            "but an Ingress names the Service's own port; set port.number: 80 (or port.name: http).",
            "Ingress lab/ing: foo.bar.com/p2 goes to Service lab/web port https, which the Service does not expose (ports: 80/http); set port.number to one of its ports (or name one of them).",
        ]);
    });

    it("checks the defaultBackend, and Services of the Ingress's namespace only", async () => {
        const withDefault = ingress([], { defaultBackend: { service: { name: "web", port: { number: 81 } } }, rules: [] });
        assert.deepStrictEqual(await messages(P, [...web, withDefault]), [
            "Ingress lab/ing: defaultBackend goes to Service lab/web port 81, which the Service does not expose (ports: 80/http); set port.number to one of its ports (or name one of them).",
        ]);
        assert.match((await messages(P, [service("web", { app: "web" }, {}, "other"), ingress([{ service: { name: "web", port: { number: 80 } } }])]))[0], /Service 'web', which the stack does not create in namespace lab/);
    });

    it("reads the v1beta1 shape (serviceName, servicePort) too", async () => {
        const legacy = (servicePort: number | string) => ingress([{ serviceName: "web", servicePort }], {}, "networking.k8s.io/v1beta1");
        const strip = (o: ManifestObject) => { delete (o.spec as Spec).ingressClassName; return o; };
        assert.deepStrictEqual(await messages(P, [...web, strip(legacy(80)), strip(legacy("http"))]), []);
        assert.deepStrictEqual(await messages(P, [...web, strip(legacy(8080))]), [
            "Ingress lab/ing: foo.bar.com/p0 goes to Service lab/web port 8080, which the Service does not expose (ports: 80/http): 8080 is its targetPort, " +
            "but an Ingress names the Service's own port; set servicePort: 80 (or servicePort: http).",
        ]);
    });

    it("never takes a custom resource named like a built-in kind (a Knative Service) for a Service, and leaves a backend named after one unjudged", async () => {
        const knative: ManifestObject = {
            apiVersion: "serving.knative.dev/v1", kind: "Service", metadata: { name: "hello", namespace: "lab" },
            spec: { template: { spec: { containers: [{ image: "ghcr.io/knative/helloworld-go:1.0" }] } } },
        };
        // Before, the Knative Service was found as the Service and judged as one: "port 80, which the Service does not expose (ports: none)".
        assert.deepStrictEqual(await messages(P, [knative, ingress([{ service: { name: "hello", port: { number: 80 } } }])]), []);
        // Another name in the namespace is still a missing Service, and a core Service of that name is still judged.
        assert.match((await messages(P, [knative, ingress([{ service: { name: "ghost", port: { number: 80 } } }])]))[0], /Service 'ghost', which the stack does not create/);
        assert.match((await messages(P, [knative, service("hello", { app: "web" }), deployment("web"), ingress([{ service: { name: "hello", port: { number: 8080 } } }])]))[0], /goes to Service lab\/hello port 8080, which the Service does not expose \(ports: 80\/http\)/);
    });

    it("takes a custom resource known to run no pods for no sign of a Service, and one that may run pods (an operator's) for one", async () => {
        const named = (apiVersion: string, kind: string): ManifestObject => ({ apiVersion, kind, metadata: { name: "hello", namespace: "lab" }, spec: {} });
        const toHello = ingress([{ service: { name: "hello", port: { number: 80 } } }]);
        // Configuration that other controllers read creates no Service: the backend is still missing.
        for (const [apiVersion, kind] of [
            ["external-secrets.io/v1", "ExternalSecret"], ["autoscaling.k8s.io/v1", "VerticalPodAutoscaler"], ["kyverno.io/v1", "Policy"],
            ["telemetry.istio.io/v1", "Telemetry"], ["monitoring.coreos.com/v1", "ServiceMonitor"], ["cert-manager.io/v1", "Certificate"],
        ]) {
            assert.match((await messages(P, [named(apiVersion, kind), toHello]))[0] ?? "", /Service 'hello', which the stack does not create/, kind);
        }
        // A kind that runs pods may come with a Service of its name (a Zalando Postgres creates one, so may a Gateway's controller).
        for (const [apiVersion, kind] of [["acid.zalan.do/v1", "postgresql"], ["gateway.networking.k8s.io/v1", "Gateway"]]) {
            assert.deepStrictEqual(await messages(P, [named(apiVersion, kind), toHello]), [], kind);
        }
    });

    describe("Gateway API routes", () => {
        const route = (refs: object[], kind = "HTTPRoute", namespace = "lab"): ManifestObject => ({
            apiVersion: kind === "HTTPRoute" || kind === "GRPCRoute" ? "gateway.networking.k8s.io/v1" : "gateway.networking.k8s.io/v1alpha2", kind,
            metadata: { name: "web", namespace },
            spec: { parentRefs: [{ name: "shared", namespace: "gateways" }], rules: [{ backendRefs: refs }] },
        });
        const grant = (to: object = { group: "", kind: "Service" }, fromNamespace = "lab"): ManifestObject => ({
            apiVersion: "gateway.networking.k8s.io/v1beta1", kind: "ReferenceGrant", metadata: { name: "routes-from-lab", namespace: "other" },
            spec: { from: [{ group: "gateway.networking.k8s.io", kind: "HTTPRoute", namespace: fromNamespace }], to: [to] },
        });

        it("passes a backendRef naming a Service of the namespace and its port, on every route kind", async () => {
            for (const kind of ["HTTPRoute", "GRPCRoute", "TLSRoute", "TCPRoute", "UDPRoute"]) {
                assert.deepStrictEqual(await messages(P, [...web, route([{ name: "web", port: 80, weight: 90 }, { group: "", kind: "Service", name: "web", port: 80, weight: 10 }], kind)]), [], kind);
            }
        });

        it("reports a missing Service, a targetPort given as the port, and a missing port, on the route's URN", async () => {
            const bad = route([{ name: "ghost", port: 80 }, { name: "web", port: 8080 }, { name: "web" }]);
            const found = violationsOf(await checkObjects([...web, bad]), P);
            assert.deepStrictEqual(found.map(v => v.urn), Array(3).fill(manifestUrn(bad)));
            assert.deepStrictEqual(found.map(v => v.message.split("\n")[1]), [
                "HTTPRoute lab/web: rule 1 backendRef 'ghost' names a Service the stack does not create in namespace lab; the gateway answers 500 for its share of requests.",
                "HTTPRoute lab/web: rule 1 backendRef 'web' goes to Service lab/web port 8080, which the Service does not expose (ports: 80/http): 8080 is its targetPort, but a backendRef names the Service's own port; set port: 80.",
                "HTTPRoute lab/web: rule 1 backendRef 'web' names no port: a backendRef to a Service needs port, the Service's port (the API server refuses the route).",
            ]);
        });

        it("needs a ReferenceGrant for a Service in another namespace, and then judges that Service", async () => {
            const across = route([{ name: "api", namespace: "other", port: 80 }]);
            const api = [deployment("api", undefined, "other"), service("api", { app: "api" }, {}, "other")];
            const found = await messages(P, [...api, across]);
            assert.strictEqual(found.length, 1);
            assert.match(found[0], /^HTTPRoute lab\/web: rule 1 backendRef other\/api is in another namespace, and no ReferenceGrant in namespace other lets HTTPRoutes from namespace lab refer to its Services: .*RefNotPermitted/);
            assert.deepStrictEqual(await messages(P, [...api, across, grant()]), []);
            assert.deepStrictEqual(await messages(P, [...api, across, grant({ group: "", kind: "Service", name: "api" })]), [], "a grant naming the Service");
            assert.strictEqual((await messages(P, [...api, across, grant({ group: "", kind: "Service", name: "db" })])).length, 1, "a grant for another Service");
            assert.strictEqual((await messages(P, [...api, across, grant(undefined, "elsewhere")])).length, 1, "a grant for routes of another namespace");
            assert.match((await messages(P, [across, grant()]))[0], /backendRef other\/api names a Service the stack does not create in namespace other/);
        });

        it("judges the backendRef of a RequestMirror filter, a rule's or a backendRef's, naming what a missing mirror loses", async () => {
            const mirror = (ref: object) => ({ type: "RequestMirror", requestMirror: { backendRef: ref } });
            const mirrored = (ruleFilters: object[], refFilters: object[] = [], kind = "HTTPRoute"): ManifestObject => {
                const r = route([{ name: "web", port: 80, ...(refFilters.length ? { filters: refFilters } : {}) }], kind);
                ((r.spec as Spec).rules as Spec[])[0].filters = ruleFilters;
                return r;
            };
            // Gateway API's own mirroring guide: the mirror Service foo-v2 on 8080.
            assert.deepStrictEqual(await messages(P, [...web, mirrored([mirror({ name: "web", port: 80 })])]), []);
            assert.deepStrictEqual(await messages(P, [...web, mirrored([mirror({ name: "shadow", port: 8080 })]), mirrored([], [mirror({ name: "ghost", port: 80 })], "GRPCRoute")]), [
                "HTTPRoute lab/web: rule 1 RequestMirror filter backendRef 'shadow' names a Service the stack does not create in namespace lab; the gateway mirrors no requests to it.",
                "GRPCRoute lab/web: rule 1 backendRef 'web' RequestMirror filter backendRef 'ghost' names a Service the stack does not create in namespace lab; the gateway mirrors no requests to it.",
            ]);
            // The mirror's port and namespace are judged as a backendRef's.
            assert.match((await messages(P, [...web, mirrored([mirror({ name: "web", port: 8080 })])]))[0], /RequestMirror filter backendRef 'web' goes to Service lab\/web port 8080, which the Service does not expose/);
            const api = [deployment("api", undefined, "other"), service("api", { app: "api" }, {}, "other")];
            assert.match((await messages(P, [...web, ...api, mirrored([mirror({ name: "api", namespace: "other", port: 80 })])]))[0],
                /RequestMirror filter backendRef other\/api is in another namespace, and no ReferenceGrant .*RefNotPermitted\) and the gateway mirrors no requests to it\./);
            assert.deepStrictEqual(await messages(P, [...web, ...api, grant(), mirrored([mirror({ name: "api", namespace: "other", port: 80 })])]), []);
        });

        it("reads a malformed route without failing: entries that are no mapping and fields that are no list are skipped", async () => {
            const odd: ManifestObject = {
                apiVersion: "gateway.networking.k8s.io/v1", kind: "HTTPRoute", metadata: { name: "odd", namespace: "lab" },
                spec: { rules: [{ filters: [null, { type: "RequestMirror" }, { type: "RequestMirror", requestMirror: 5 }], backendRefs: [null, { name: "ghost", port: 80, filters: 7 }] }, null, { filters: 3, backendRefs: 4 }] },
            };
            const notAList: ManifestObject = { apiVersion: "gateway.networking.k8s.io/v1", kind: "HTTPRoute", metadata: { name: "flat", namespace: "lab" }, spec: { rules: 5 } };
            // Before, both failed the policy with a TypeError (for pulumi preview, the whole policy run).
            assert.deepStrictEqual(await messages(P, [odd, notAList]), [
                "HTTPRoute lab/odd: rule 1 backendRef 'ghost' names a Service the stack does not create in namespace lab; the gateway answers 500 for its share of requests.",
            ]);
        });

        it("names what fails per kind, leaves a weight-0 backendRef alone, and doesn't take a route named like the backend for its Service", async () => {
            assert.match((await messages(P, [route([{ name: "ghost", port: 80 }], "GRPCRoute")]))[0], /names a Service the stack does not create in namespace lab; the gateway answers its share of calls with UNAVAILABLE\.$/);
            assert.match((await messages(P, [route([{ name: "ghost", port: 80 }], "TCPRoute")]))[0], /the gateway rejects its share of connections\.$/);
            // A canary switched off (weight 0) gets no traffic: its missing Service fails nothing.
            assert.deepStrictEqual(await messages(P, [...web, route([{ name: "web", port: 80, weight: 100 }, { name: "web-canary", port: 80, weight: 0 }])]), []);
            // Upstream's cross-namespace example: HTTPRoute store routes to a Service store that no file creates.
            const store = route([{ name: "store", port: 8080 }]);
            (store.metadata as { name: string }).name = "store";
            assert.match((await messages(P, [store]))[0], /backendRef 'store' names a Service the stack does not create/);
        });

        it("leaves other backend kinds alone (a multi-cluster ServiceImport)", async () => {
            assert.deepStrictEqual(await messages(P, [route([{ group: "multicluster.x-k8s.io", kind: "ServiceImport", name: "web", port: 80 }])]), []);
        });
    });

    it("reports a Service an Argo Rollout switches traffic to that the stack doesn't create (argocd-example-apps' canary names two)", async () => {
        const r = (strategy: Spec): ManifestObject => ({ ...deployment("web"), apiVersion: "argoproj.io/v1alpha1", kind: "Rollout", spec: { ...(deployment("web").spec as Spec), strategy } });
        const found = await messages(P, [...web, r({ canary: { canaryService: "canary-rollout", stableService: "web" } })]);
        assert.deepStrictEqual(found, [
            "Rollout lab/web names canary.canaryService 'canary-rollout', which the stack does not create in namespace lab: the Rollout controller can't switch traffic to it and the Rollout makes no progress until it exists; create the Service (selecting the Rollout's pods) or fix the name.",
        ]);
        assert.deepStrictEqual(await messages(P, [...web, service("web-preview", { app: "web" }), r({ blueGreen: { activeService: "web", previewService: "web-preview" } })]), []);
        assert.strictEqual((await messages(P, [...web, r({ blueGreen: { activeService: "web", previewService: "web-preview" } })])).length, 1);
    });

    it("leaves an AWS Load Balancer Controller action alone (port name use-annotation, as Argo Rollouts' ALB canaries write)", async () => {
        const alb = ingress([{ service: { name: "rollouts-demo-root", port: { name: "use-annotation" } } }]);
        assert.deepStrictEqual(await messages(P, [...web, alb]), []);
        assert.deepStrictEqual(await messages(P, [...web, ingress([{ serviceName: "action", servicePort: "use-annotation" }], {}, "networking.k8s.io/v1beta1")]), []);
    });

    it("does not apply to resource backends or to a portless ExternalName Service", async () => {
        const bucket = { resource: { apiGroup: "k8s.example.com", kind: "StorageBucket", name: "static" } };
        const external = service("ext", undefined, { type: "ExternalName", externalName: "api.example.com", ports: [] });
        assert.deepStrictEqual(await messages(P, [external, ingress([bucket, { service: { name: "ext", port: { number: 443 } } }])]), []);
    });
});

describe("the scaling and wiring policies at scale", () => {
    /** `apps` apps crowded into one namespace: Deployment, Service, HPA, PDB, Ingress, ResourceQuota each, and all but the last a StatefulSet with its headless Service; the last app's Service selects nothing. */
    const crowd = (apps: number): ManifestObject[] => {
        const objects: ManifestObject[] = [];
        for (let i = 0; i < apps; i++) {
            const name = `app-${i}`;
            objects.push(
                deployment(name, d => { delete specOf(d).replicas; }),
                service(name, { app: i === apps - 1 ? "nobody" : name }),
                { apiVersion: "autoscaling/v2", kind: "HorizontalPodAutoscaler", metadata: { name, namespace: "lab" },
                    spec: { scaleTargetRef: { apiVersion: "apps/v1", kind: "Deployment", name }, minReplicas: 2, maxReplicas: 4, metrics: [{ type: "Resource", resource: { name: "cpu", target: { type: "Utilization", averageUtilization: 50 } } }] } },
                { apiVersion: "policy/v1", kind: "PodDisruptionBudget", metadata: { name, namespace: "lab" }, spec: { maxUnavailable: 1, selector: { matchLabels: { app: name } } } },
                { apiVersion: "networking.k8s.io/v1", kind: "Ingress", metadata: { name, namespace: "lab" },
                    spec: { rules: [{ http: { paths: [{ path: "/", pathType: "Prefix", backend: { service: { name, port: { number: 80 } } } }] } }] } },
                { apiVersion: "v1", kind: "ResourceQuota", metadata: { name: `quota-${i}`, namespace: "lab" }, spec: { hard: { "requests.cpu": "1000", "requests.memory": "1Ti", pods: "10000" } } },
            );
            if (i < apps - 1) {
                objects.push(sts(`db-${i}`, `db-${i}`), service(`db-${i}`, { app: `db-${i}` }, { clusterIP: "None" }));
            }
        }
        return objects;
    };
    /** CPU time of one run of the pack over `objects` (the machine may be busy: CPU time, not wall time). */
    const cpuMs = async (objects: ManifestObject[]) => {
        const start = process.cpuUsage();
        const run = await checkObjects(objects);
        const used = process.cpuUsage(start);
        return { run, ms: (used.user + used.system) / 1000 };
    };

    it("check 1,000 objects crowded into one namespace in time linear in their number, and still find the one broken Service", async () => {
        const small = crowd(25);
        const large = crowd(125);
        assert.strictEqual(large.length, 998);
        await checkObjects(small); // warm up
        await checkObjects(large);
        // The median of three runs each side: a garbage collection landing in one run, or one run
        // unusually quick, is not the policies' cost (the fastest small run against the fastest of
        // two large ones failed once on a loaded machine, at over 10x).
        const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[1];
        const smallMs = median([(await cpuMs(small)).ms, (await cpuMs(small)).ms, (await cpuMs(small)).ms]);
        const largeRuns = [await cpuMs(large), await cpuMs(large), await cpuMs(large)];
        const { run } = largeRuns[0];
        const ms = median(largeRuns.map(r => r.ms));
        const families = ["hpa-target-requests", "hpa-replicas-not-pinned", "hpa-sane-range", "pdb-allows-disruption", "quota-fit",
            "statefulset-headless-service", "service-selects-pods", "ingress-backend-exists"];
        assert.deepStrictEqual(families.flatMap(p => violationsOf(run, p).map(v => `${p}: ${v.message.split("\n")[1].slice(0, 60)}`)), [
            "service-selects-pods: Service lab/app-124 selects {\"app\":\"nobody\"}, but no workloa",
        ]);
        // Five times the objects: linear work takes about 5x; a pairwise (quadratic) rule would take about 25x.
        const ratio = ms / smallMs;
        assert.ok(ratio < 12, `the pack took ${ms.toFixed(0)} ms of CPU over ${large.length} objects, ${ratio.toFixed(1)}x its ${smallMs.toFixed(0)} ms over ${small.length}`);
    });
});

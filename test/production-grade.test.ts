/**
 * The production-grade lab (LABS.md §4) through the real program under mocks, on the minikube
 * stack with `kubelab:labs: [production-grade]`: every fact renders with its exact name, each
 * release strategy deploys what it says, switching settings changes only what it should (the
 * plan's `--against` diff), the pack finds no mandatory violation in either profile, and
 * `npm run check` reports the tutorial's own RWO-claim-plus-HPA combination.
 */
import * as k8s from "@pulumi/kubernetes";
import * as assert from "assert";
import * as path from "path";
import { checkPaths } from "../tools/check-lib";
import { PlanDiff, diffExitCode, diffReports, formatDiff } from "../tools/diff";
import { Plan, ROOT, exitCodeOf, plan } from "../tools/plan-lib";
import { PlanReport, buildReport } from "../tools/report";
import { StackConfig, loadStackConfig } from "../tools/stack-config";

import out = k8s.types.output;
interface Kinds {
    Namespace: out.core.v1.Namespace;
    Pod: out.core.v1.Pod;
    Service: out.core.v1.Service;
    Deployment: out.apps.v1.Deployment;
    HorizontalPodAutoscaler: out.autoscaling.v2.HorizontalPodAutoscaler;
    PodDisruptionBudget: out.policy.v1.PodDisruptionBudget;
    PersistentVolume: out.core.v1.PersistentVolume;
    PersistentVolumeClaim: out.core.v1.PersistentVolumeClaim;
    Ingress: out.networking.v1.Ingress;
    NetworkPolicy: out.networking.v1.NetworkPolicy;
    StorageClass: out.storage.v1.StorageClass;
}

const NS = "production-grade";
const PRODUCTION = path.join(ROOT, "policy", "config", "production.json");
const MINIKUBE = path.join(ROOT, "policy", "config", "minikube.json");
const STRATEGIES = ["recreate", "ramped", "blueGreen", "canary", "abTest"] as const;

function find<K extends keyof Kinds>(p: Plan, kind: K, name: string): Kinds[K] {
    const o = p.objects.find(x => x.kind === kind && x.name === name);
    assert.ok(o, `no ${kind} ${name} in ${p.objects.map(x => `${x.kind}/${x.name}`).join(", ")}`);
    return o.object as unknown as Kinds[K];
}
const all = <K extends keyof Kinds>(p: Plan, kind: K): Kinds[K][] => p.objects.filter(o => o.kind === kind).map(o => o.object as unknown as Kinds[K]);
const names = (p: Plan, kind: keyof Kinds) => p.objects.filter(o => o.kind === kind).map(o => o.name).sort();
const containerOf = (d: Kinds["Deployment"], name: string): out.core.v1.Container => {
    const c = d.spec.template.spec.containers.find(x => x.name === name);
    assert.ok(c, `no container ${name} in ${d.metadata.name}`);
    return c;
};
/** Does `selector` (labels only) select the pods of Deployment `d`? */
const selects = (selector: Record<string, string>, d: Kinds["Deployment"]) =>
    Object.entries(selector).every(([k, v]) => d.spec.template.metadata.labels[k] === v);
const routes = (ing: Kinds["Ingress"]) => ing.spec.rules.flatMap(r => r.http.paths.map(x => `${r.host} ${x.path} ${x.pathType} -> ${x.backend.service.name}:${x.backend.service.port.number}`));

/** The minikube stack with only production-grade switched on, plus `extra` config (values as the CLI passes them). */
function labStack(settings: object = {}, extra: Record<string, string> = {}): StackConfig {
    const stack = loadStackConfig(ROOT, "minikube");
    return { ...stack, config: { ...stack.config, "kubelab:labs": JSON.stringify(["production-grade"]), "kubelab:production-grade": JSON.stringify(settings), ...extra } };
}
const reportOf = (p: Plan) => JSON.parse(JSON.stringify(buildReport(p, { outDir: path.join(ROOT, "out", "minikube") }))) as PlanReport;
const mandatory = (p: Plan) => p.policies.diagnostics.filter(d => d.enforcementLevel === "mandatory").map(d => `${d.policyName}: ${d.message}`);
const changed = (d: PlanDiff) => d.resources.filter(r => r.op !== "same");

describe("production-grade lab on the minikube stack (LABS.md §4)", function () {
    this.timeout(120000);
    let p: Plan;

    before(async () => {
        p = await plan("minikube", { config: labStack(), policyConfigFile: MINIKUBE });
    });

    it("renders valid objects in its own namespace with no mandatory policy violation", () => {
        assert.deepStrictEqual(p.schemaFailures, []);
        assert.deepStrictEqual(mandatory(p), []);
        assert.strictEqual(exitCodeOf(p), 0);
        for (const o of p.objects.filter(x => !["Namespace", "StorageClass", "PersistentVolume"].includes(x.kind))) {
            assert.strictEqual(o.namespace, NS, `${o.kind} ${o.name}`);
        }
        const ns = find(p, "Namespace", NS);
        assert.strictEqual(ns.metadata.labels["pod-security.kubernetes.io/enforce"], "restricted");
    });

    it("emptyDir: Pod busybox, containers busy and box (busybox, sleep 3600) sharing volume test at /busy and /box", () => {
        const pod = find(p, "Pod", "busybox");
        assert.deepStrictEqual(pod.spec.containers.map(c => [c.name, c.image, c.command, c.volumeMounts]), [
            ["busy", "busybox:1.36.1", ["sleep", "3600"], [{ name: "test", mountPath: "/busy" }]],
            ["box", "busybox:1.36.1", ["sleep", "3600"], [{ name: "test", mountPath: "/box" }]],
        ]);
        assert.deepStrictEqual(pod.spec.volumes, [{ name: "test", emptyDir: {} }]);
    });

    it("the memory-backed variant: medium Memory with a sizeLimit that fits in each container's memory limit", () => {
        const pod = find(p, "Pod", "busybox-memory");
        assert.deepStrictEqual(pod.spec.volumes, [{ name: "test", emptyDir: { medium: "Memory", sizeLimit: "64Mi" } }]);
        for (const c of pod.spec.containers) {
            assert.ok(parseInt(c.resources.limits.memory, 10) > 64 && c.resources.limits.memory.endsWith("Mi"), `${c.name}: ${c.resources.limits.memory}`);
        }
        assert.deepStrictEqual(pod.spec.containers.map(c => c.volumeMounts[0].mountPath), ["/busy", "/box"]);
    });

    it("a static PersistentVolume (hostPath, minikube) and its claim, bound to each other by name", () => {
        const pv = find(p, "PersistentVolume", `${NS}-static-pv`);
        const pvc = find(p, "PersistentVolumeClaim", "static-pvc");
        assert.deepStrictEqual(pv.spec.hostPath, { path: `/data/kubelab/${NS}/static-pv`, type: "DirectoryOrCreate" });
        assert.strictEqual(pv.spec.persistentVolumeReclaimPolicy, "Retain");
        assert.deepStrictEqual(pv.spec.claimRef, { namespace: NS, name: "static-pvc" });
        // On one node: the pods that use it land where its directory is.
        assert.deepStrictEqual(pv.spec.nodeAffinity, { required: { nodeSelectorTerms: [{ matchExpressions: [{ key: "node-role.kubernetes.io/control-plane", operator: "Exists" }] }] } });
        assert.strictEqual(pvc.spec.volumeName, pv.metadata.name);
        assert.strictEqual(pvc.spec.storageClassName, pv.spec.storageClassName);
        assert.deepStrictEqual(pv.spec.capacity, { storage: "1Gi" });
        assert.deepStrictEqual(pvc.spec.resources.requests, { storage: "1Gi" });
        assert.deepStrictEqual(find(p, "Pod", "busybox-static").spec.volumes, [{ name: "test", persistentVolumeClaim: { claimName: "static-pvc" } }]);
    });

    it("a dynamic claim of 2Gi through the platform's StorageClass, whose reclaim policy deletes the volume with it", () => {
        const pvc = find(p, "PersistentVolumeClaim", "mystorageclaim");
        assert.deepStrictEqual(pvc.spec.resources.requests, { storage: "2Gi" });
        const sc = find(p, "StorageClass", pvc.spec.storageClassName);
        assert.strictEqual(sc.allowVolumeExpansion, true);
        assert.strictEqual(sc.reclaimPolicy ?? "Delete", "Delete");
        assert.deepStrictEqual(find(p, "Pod", "busybox-dynamic").spec.volumes, [{ name: "test", persistentVolumeClaim: { claimName: "mystorageclaim" } }]);
    });

    it("the backend: pgk-back-deployment, container production-grade-be, icrosby/k8s-real-demo, port 8080, /readiness and /liveness", () => {
        const d = find(p, "Deployment", "pgk-back-deployment");
        const c = containerOf(d, "production-grade-be");
        assert.strictEqual(c.image, "icrosby/k8s-real-demo:v2");
        assert.deepStrictEqual(c.ports, [{ name: "http", containerPort: 8080 }]);
        assert.strictEqual(c.readinessProbe.httpGet.path, "/readiness");
        assert.strictEqual(c.livenessProbe.httpGet.path, "/liveness");
        assert.strictEqual(c.readinessProbe.httpGet.port, 8080);
        assert.ok(c.resources.requests.cpu, "the autoscaler needs a CPU request");
        assert.strictEqual(d.spec.replicas, undefined, "the autoscaler owns the count");
        assert.strictEqual(d.spec.template.metadata.labels.version, "v1");
    });

    it("Service pgk-back-service 80→8080 selects the backend; pgk-front-service 80→80 the frontend (icrosby/k8s-real-fe, port 80)", () => {
        const back = find(p, "Service", "pgk-back-service");
        assert.deepStrictEqual(back.spec.ports, [{ name: "http", port: 80, targetPort: "http" }]);
        assert.ok(selects(back.spec.selector, find(p, "Deployment", "pgk-back-deployment")));
        const front = find(p, "Deployment", "pgk-front-deployment");
        const fc = containerOf(front, "production-grade-fe");
        assert.strictEqual(fc.image, "icrosby/k8s-real-fe:latest");
        assert.deepStrictEqual(fc.ports, [{ name: "http", containerPort: 80 }]);
        const frontSvc = find(p, "Service", "pgk-front-service");
        assert.deepStrictEqual(frontSvc.spec.ports, [{ name: "http", port: 80, targetPort: "http" }]);
        assert.ok(selects(frontSvc.spec.selector, front));
        assert.ok(!selects(frontSvc.spec.selector, find(p, "Deployment", "pgk-back-deployment")));
        // nginx binds port 80 as a non-root user through the namespaced sysctl Pod Security allows.
        assert.deepStrictEqual(front.spec.template.spec.securityContext.sysctls, [{ name: "net.ipv4.ip_unprivileged_port_start", value: "0" }]);
    });

    it("HPA pgk-hpa scales pgk-back-deployment from 1 to 5 pods at 50 % CPU", () => {
        const hpa = find(p, "HorizontalPodAutoscaler", "pgk-hpa");
        assert.deepStrictEqual(hpa.spec.scaleTargetRef, { apiVersion: "apps/v1", kind: "Deployment", name: "pgk-back-deployment" });
        assert.strictEqual(hpa.spec.minReplicas, 1);
        assert.strictEqual(hpa.spec.maxReplicas, 5);
        assert.deepStrictEqual(hpa.spec.metrics, [{ type: "Resource", resource: { name: "cpu", target: { type: "Utilization", averageUtilization: 50 } } }]);
        assert.deepStrictEqual(names(p, "HorizontalPodAutoscaler"), ["pgk-hpa"]);
    });

    it("logs: the autoscaled pods stream /var/log/app.log to stdout; logclaim (8Gi, RWO) at /var/log has one writer, Recreate, outside the Service", () => {
        const back = find(p, "Deployment", "pgk-back-deployment");
        assert.deepStrictEqual(containerOf(back, "production-grade-be").volumeMounts.filter(m => m.mountPath === "/var/log"), [{ name: "logs", mountPath: "/var/log" }]);
        assert.ok(back.spec.template.spec.volumes.some(v => v.name === "logs" && v.emptyDir), "a per-pod emptyDir");
        const log = containerOf(back, "log");
        assert.deepStrictEqual(log.command, ["tail", "-n", "+1", "-F", "/var/log/app.log"]);
        assert.strictEqual(log.image, "busybox:1.36.1");
        const claim = find(p, "PersistentVolumeClaim", "logclaim");
        assert.deepStrictEqual(claim.spec.accessModes, ["ReadWriteOnce"]);
        assert.deepStrictEqual(claim.spec.resources.requests, { storage: "8Gi" });
        const keeper = find(p, "Deployment", "pgk-back-logs");
        assert.strictEqual(keeper.spec.replicas, 1);
        assert.deepStrictEqual(keeper.spec.strategy, { type: "Recreate" });
        assert.ok(keeper.spec.template.spec.volumes.some(v => v.name === "logs" && v.persistentVolumeClaim?.claimName === "logclaim"));
        assert.deepStrictEqual(containerOf(keeper, "production-grade-be").volumeMounts, [{ name: "logs", mountPath: "/var/log" }]);
        assert.ok(!selects(find(p, "Service", "pgk-back-service").spec.selector, keeper), "not behind pgk-back-service");
        assert.ok(!all(p, "HorizontalPodAutoscaler").some(h => h.spec.scaleTargetRef.name === "pgk-back-logs"));
        // The claim is used only by that Deployment.
        const users = p.objects.filter(o => JSON.stringify(o.object).includes('"claimName":"logclaim"')).map(o => `${o.kind}/${o.name}`);
        assert.deepStrictEqual(users, ["Deployment/pgk-back-logs"]);
        assert.ok(!p.policies.diagnostics.some(d => d.policyName === "rwo-claim-single-writer"));
    });

    it("the echo server (registry.k8s.io/echoserver:1.10, 8080) behind echoheaders-x and -y (80→8080) with the tutorial's host and path rules", () => {
        const d = find(p, "Deployment", "echoheaders");
        const c = d.spec.template.spec.containers[0];
        assert.strictEqual(c.image, "registry.k8s.io/echoserver:1.10");
        assert.deepStrictEqual(c.ports, [{ name: "http", containerPort: 8080 }]);
        for (const svc of ["echoheaders-x", "echoheaders-y"]) {
            const s = find(p, "Service", svc);
            assert.deepStrictEqual(s.spec.ports, [{ name: "http", port: 80, targetPort: "http" }], svc);
            assert.ok(selects(s.spec.selector, d), svc);
        }
        assert.deepStrictEqual(routes(find(p, "Ingress", "echoheaders")), [
            "foo.bar.com /foo Prefix -> echoheaders-x:80",
            "bar.baz.com /bar Prefix -> echoheaders-y:80",
            "bar.baz.com /foo Prefix -> echoheaders-x:80",
        ]);
    });

    it("the frontend at pgk.example.com/demo (prefix stripped by ingress-nginx) and the backend at pgk.example.com/, all networking.k8s.io/v1 on class nginx", () => {
        const front = find(p, "Ingress", "pgk-front");
        assert.deepStrictEqual(routes(front), ["pgk.example.com /demo(/|$)(.*) ImplementationSpecific -> pgk-front-service:80"]);
        assert.deepStrictEqual(front.metadata.annotations, { "nginx.ingress.kubernetes.io/use-regex": "true", "nginx.ingress.kubernetes.io/rewrite-target": "/$2" });
        assert.deepStrictEqual(routes(find(p, "Ingress", "pgk-back")), ["pgk.example.com / Prefix -> pgk-back-service:80"]);
        for (const o of p.objects.filter(x => x.kind === "Ingress")) {
            assert.strictEqual(o.apiVersion, "networking.k8s.io/v1");
            assert.strictEqual((o.object as unknown as Kinds["Ingress"]).spec.ingressClassName, "nginx");
        }
    });

    it("default-deny, then only the ingress controller (and the frontend, to the backend) may connect", () => {
        assert.deepStrictEqual(names(p, "NetworkPolicy"),
            ["default-deny-ingress", "echoheaders-from-ingress-controller", "pgk-back-from-ingress-controller-and-frontend", "pgk-front-from-ingress-controller"]);
        const back = find(p, "NetworkPolicy", "pgk-back-from-ingress-controller-and-frontend");
        assert.deepStrictEqual(back.spec.ingress, [{
            from: [
                { namespaceSelector: { matchLabels: { "kubernetes.io/metadata.name": "ingress-nginx" } } },
                { podSelector: { matchLabels: { app: "pgk-front", "app.kubernetes.io/part-of": NS } } },
            ],
            ports: [{ protocol: "TCP", port: 8080 }],
        }]);
    });

    it("tells a user how to try each scenario", () => {
        const e = (p.recording.stackOutputs.endpoints as Record<string, Record<string, unknown>>)[NS];
        const text = JSON.stringify(e);
        assert.deepStrictEqual((e.echo as string[]).slice(0, 3), [
            `curl -H 'Host: foo.bar.com' "http://$(minikube ip)/bar"`,
            `curl -H 'Host: bar.baz.com' "http://$(minikube ip)/bar"`,
            `curl -H 'Host: bar.baz.com' "http://$(minikube ip)/foo"`,
        ]);
        assert.ok((e.autoscaler as string[]).includes(`curl -H 'Host: pgk.example.com' "http://$(minikube ip)/mineBitcoin?seconds=60"`), text);
        assert.match(text, /kubectl -n production-grade get hpa pgk-hpa -w/);
        assert.match(text, /release: pulumi config set --path 'kubelab:production-grade\.version' v2 && pulumi up/);
        assert.match(text, /roll back: pulumi config set --path 'kubelab:production-grade\.version' v1 && pulumi up/);
        assert.match(text, /another strategy: pulumi config set --path 'kubelab:production-grade\.strategy'/);
        assert.match(text, /kubectl -n production-grade exec busybox -c box -- touch \/box\/foobar/);
        assert.match(text, /delete pod -l app=pgk-back-logs/);
        assert.match(text, /kubelab:images\.production-grade-back-v1' icrosby\/k8s-real-demo:latest/, "how to run the real first release");
    });

    it("runs the real first release for v1 when the stack says so (the only image it is published as is latest)", async () => {
        const q = await plan("minikube", { config: labStack({}, { "kubelab:images": JSON.stringify({ "production-grade-back-v1": "icrosby/k8s-real-demo:latest" }) }) });
        assert.strictEqual(containerOf(find(q, "Deployment", "pgk-back-deployment"), "production-grade-be").image, "icrosby/k8s-real-demo:latest");
        assert.ok(!JSON.stringify(q.recording.stackOutputs.endpoints).includes("run the same image"));
        assert.deepStrictEqual(mandatory(q), []);
    });
});

describe("production-grade release strategies, each a working scenario", function () {
    this.timeout(300000);
    const plans = new Map<string, Plan>();

    before(async () => {
        for (const strategy of STRATEGIES) {
            plans.set(strategy, await plan("minikube", { config: labStack({ strategy }), policyConfigFile: MINIKUBE }));
        }
    });

    it("every strategy renders valid objects with no mandatory violation, the claims unchanged", () => {
        for (const [strategy, p] of plans) {
            assert.deepStrictEqual(p.schemaFailures, [], strategy);
            assert.deepStrictEqual(mandatory(p), [], strategy);
            assert.deepStrictEqual(names(p, "PersistentVolumeClaim"), ["logclaim", "mystorageclaim", "static-pvc"], strategy);
        }
    });

    it("recreate: strategy Recreate; ramped: RollingUpdate with maxSurge 2 and maxUnavailable 0", () => {
        assert.deepStrictEqual(find(plans.get("recreate")!, "Deployment", "pgk-back-deployment").spec.strategy, { type: "Recreate" });
        assert.deepStrictEqual(find(plans.get("ramped")!, "Deployment", "pgk-back-deployment").spec.strategy,
            { type: "RollingUpdate", rollingUpdate: { maxSurge: 2, maxUnavailable: 0 } });
    });

    it("blueGreen: Deployments labelled version v1 and v2, the Service selecting the active one, no autoscaler", () => {
        const p = plans.get("blueGreen")!;
        const v1 = find(p, "Deployment", "pgk-back-deployment-v1");
        const v2 = find(p, "Deployment", "pgk-back-deployment-v2");
        assert.deepStrictEqual([v1.spec.template.metadata.labels.version, v1.spec.template.metadata.labels.track], ["v1", "blue"]);
        assert.deepStrictEqual([v2.spec.template.metadata.labels.version, v2.spec.template.metadata.labels.track], ["v2", "green"]);
        assert.deepStrictEqual([v1.spec.replicas, v2.spec.replicas], [3, 3]);
        const svc = find(p, "Service", "pgk-back-service");
        assert.deepStrictEqual(svc.spec.selector, { app: "pgk-back", version: "v1" });
        assert.ok(selects(svc.spec.selector, v1) && !selects(svc.spec.selector, v2));
        assert.deepStrictEqual(names(p, "HorizontalPodAutoscaler"), []);
    });

    it("blueGreen after a release: v2 live, the idle v1 at 0 pods, still clean", async () => {
        const p = await plan("minikube", { config: labStack({ strategy: "blueGreen", blueGreen: { activeVersion: "v2", replicas: { v1: 0 } } }) });
        assert.strictEqual(find(p, "Deployment", "pgk-back-deployment-v1").spec.replicas, 0);
        assert.deepStrictEqual(find(p, "Service", "pgk-back-service").spec.selector, { app: "pgk-back", version: "v2" });
        assert.deepStrictEqual(mandatory(p), []);
    });

    it("canary: stable and canary Deployments behind one Service, 10 % of 10 replicas as 9 and 1, and the exact weight for ingress-nginx", () => {
        const p = plans.get("canary")!;
        const stable = find(p, "Deployment", "pgk-back-deployment-v1");
        const canary = find(p, "Deployment", "pgk-back-deployment-v2");
        assert.deepStrictEqual([stable.spec.replicas, canary.spec.replicas], [9, 1]);
        assert.deepStrictEqual([stable.spec.template.metadata.labels.track, canary.spec.template.metadata.labels.track], ["stable", "canary"]);
        const svc = find(p, "Service", "pgk-back-service");
        assert.ok(selects(svc.spec.selector, stable) && selects(svc.spec.selector, canary), "one Service over both: the replica ratio");
        assert.deepStrictEqual(routes(find(p, "Ingress", "pgk-back")), ["pgk.example.com / Prefix -> pgk-back-v1:80"]);
        const canaryIngress = find(p, "Ingress", "pgk-back-canary");
        assert.deepStrictEqual(routes(canaryIngress), ["pgk.example.com / Prefix -> pgk-back-v2:80"]);
        assert.deepStrictEqual(canaryIngress.metadata.annotations, { "nginx.ingress.kubernetes.io/canary": "true", "nginx.ingress.kubernetes.io/canary-weight": "10" });
        assert.ok(selects(find(p, "Service", "pgk-back-v2").spec.selector, canary) && !selects(find(p, "Service", "pgk-back-v2").spec.selector, stable));
    });

    it("abTest: ingress-nginx canary-by-header and canary-by-cookie send the pool to v2, everyone else to v1", () => {
        const p = plans.get("abTest")!;
        const canaryIngress = find(p, "Ingress", "pgk-back-canary");
        assert.deepStrictEqual(canaryIngress.metadata.annotations, {
            "nginx.ingress.kubernetes.io/canary": "true",
            "nginx.ingress.kubernetes.io/canary-by-header": "X-Pool",
            "nginx.ingress.kubernetes.io/canary-by-header-value": "beta",
            "nginx.ingress.kubernetes.io/canary-by-cookie": "pgk_pool",
        });
        assert.deepStrictEqual(routes(canaryIngress), ["pgk.example.com / Prefix -> pgk-back-v2:80"]);
        assert.deepStrictEqual(find(p, "Service", "pgk-back-service").spec.selector, { app: "pgk-back", version: "v1" });
        const text = JSON.stringify(p.recording.stackOutputs.endpoints);
        assert.ok(text.includes(`-H 'X-Pool: beta'`) && text.includes(`--cookie 'pgk_pool=always'`), text);
    });

    it("canary at 0 % (roll back) and 100 % (full rollout): every Service still selects running pods", async () => {
        for (const [canaryWeight, live, empty] of [[0, "v1", "v2"], [100, "v2", "v1"]] as const) {
            const p = await plan("minikube", { config: labStack({ strategy: "canary", canary: { canaryWeight } }) });
            assert.deepStrictEqual(mandatory(p), [], `${canaryWeight} %`);
            assert.strictEqual(find(p, "Deployment", `pgk-back-deployment-${empty}`).spec.replicas, 0);
            assert.strictEqual(find(p, "Deployment", `pgk-back-deployment-${live}`).spec.replicas, 10);
            assert.deepStrictEqual(names(p, "Ingress"), ["echoheaders", "pgk-back", "pgk-front"]);
            assert.deepStrictEqual(routes(find(p, "Ingress", "pgk-back")), [`pgk.example.com / Prefix -> pgk-back-${live}:80`]);
        }
    });

    it("a header name of one's own, exactly as given", async () => {
        const p = await plan("minikube", { config: labStack({ strategy: "abTest", abTest: { header: "X-Canary", headerValue: "", cookie: "" } }) });
        assert.deepStrictEqual(find(p, "Ingress", "pgk-back-canary").metadata.annotations,
            { "nginx.ingress.kubernetes.io/canary": "true", "nginx.ingress.kubernetes.io/canary-by-header": "X-Canary" });
    });
});

describe("production-grade: what a settings change does (the plan's --against diff)", function () {
    this.timeout(300000);

    it("flipping blueGreen.activeVersion v1 → v2 changes only the Service selector, and back", async () => {
        const blue = reportOf(await plan("minikube", { config: labStack({ strategy: "blueGreen" }) }));
        const green = reportOf(await plan("minikube", { config: labStack({ strategy: "blueGreen", blueGreen: { activeVersion: "v2" } }) }));
        for (const d of [diffReports(blue, green), diffReports(green, blue)]) {
            const c = changed(d);
            assert.deepStrictEqual(c.map(r => `${r.op} ${r.object}`), ["update Service production-grade/pgk-back-service"], formatDiff(d).join("\n"));
            assert.deepStrictEqual(c[0].changes.map(x => x.path), ["spec.selector.version"]);
            assert.strictEqual(diffExitCode(d), 0);
        }
        const d = diffReports(blue, green);
        assert.deepStrictEqual(d.resources.find(r => r.op !== "same")!.changes.map(x => [x.old, x.new]), [["v1", "v2"]]);
        // What `npm run plan -- --against` prints for it (tools/plan.ts prints formatDiff's lines).
        const printed = formatDiff(d);
        const changes = printed.filter(l => /^\s*(~|\+-|\+|-)\s+(create|update|replace|delete)\s/.test(l));
        assert.strictEqual(changes.length, 1, printed.join("\n"));
        assert.match(changes[0], /update\s+Service production-grade\/pgk-back-service/);
        assert.match(printed.join("\n"), /spec\.selector\.version: "v1" => "v2"/);
        assert.match(printed.join("\n"), /0 to create, 1 to update, 0 to replace, 0 to delete/);
    });

    it("raising canaryWeight changes only replica counts and the weight annotation", async () => {
        const before = reportOf(await plan("minikube", { config: labStack({ strategy: "canary", canary: { canaryWeight: 10 } }) }));
        const after = reportOf(await plan("minikube", { config: labStack({ strategy: "canary", canary: { canaryWeight: 50 } }) }));
        const d = diffReports(before, after);
        const c = changed(d);
        assert.deepStrictEqual(c.map(r => `${r.op} ${r.object}`).sort(), [
            "update Deployment production-grade/pgk-back-deployment-v1",
            "update Deployment production-grade/pgk-back-deployment-v2",
            "update Ingress production-grade/pgk-back-canary",
        ], formatDiff(d).join("\n"));
        for (const r of c) {
            for (const x of r.changes) {
                assert.ok(x.path === "spec.replicas" || x.path.startsWith("metadata.annotations"), `${r.object}: ${x.path}`);
            }
        }
        const weight = c.find(r => r.object?.startsWith("Ingress"))!.changes;
        assert.deepStrictEqual(weight.map(x => [x.path, x.old, x.new]), [['metadata.annotations["nginx.ingress.kubernetes.io/canary-weight"]', "10", "50"]]);
        assert.strictEqual(diffExitCode(d), 0);
    });

    it("switching strategy never replaces or deletes a claim or the static volume", async () => {
        const reports = new Map<string, PlanReport>();
        for (const strategy of STRATEGIES) {
            reports.set(strategy, reportOf(await plan("minikube", { config: labStack({ strategy }) })));
        }
        for (const from of STRATEGIES) {
            for (const to of STRATEGIES) {
                if (from === to) {
                    continue;
                }
                const d = diffReports(reports.get(from)!, reports.get(to)!);
                const storage = d.resources.filter(r => /PersistentVolume/.test(r.type));
                assert.strictEqual(storage.length, 4, `${from} → ${to}`);
                assert.deepStrictEqual(storage.filter(r => r.op !== "same").map(r => `${r.op} ${r.object}`), [], `${from} → ${to}`);
                assert.deepStrictEqual(d.risks, [], `${from} → ${to}: ${d.risks.map(k => k.message).join("; ")}`);
                assert.ok(changed(d).length > 0, `${from} → ${to} changes something`);
            }
        }
    });
});

describe("production-grade: the production profile", function () {
    this.timeout(300000);

    it("passes production.json with no mandatory violation for every strategy, as a production stack configures it", async () => {
        for (const strategy of STRATEGIES) {
            const p = await plan("minikube", {
                // Production: data protected, at least two pods under the autoscaler, the frontend mirrored under a pinned tag.
                config: labStack({ strategy, autoscaler: { minReplicas: 2 } }, {
                    "kubelab:protectData": "true",
                    "kubelab:images": JSON.stringify({ "production-grade-front": "registry.example.com/mirror/k8s-real-fe:2019.11" }),
                }),
                policyConfigFile: PRODUCTION,
            });
            assert.deepStrictEqual(mandatory(p), [], strategy);
        }
    });

    it("with the workshop's settings, names just what production refuses: the frontend's latest tag, a single-pod autoscaler floor", async () => {
        const p = await plan("minikube", { config: labStack({}, { "kubelab:protectData": "true" }), policyConfigFile: PRODUCTION });
        const found = p.policies.diagnostics.filter(d => d.enforcementLevel === "mandatory");
        assert.deepStrictEqual([...new Set(found.map(d => d.policyName))].sort(), ["hpa-sane-range", "pinned-image-tag"], mandatory(p).join("\n"));
        assert.ok(found.find(d => d.policyName === "pinned-image-tag")!.message.includes("pgk-front-deployment"));
        assert.ok(found.find(d => d.policyName === "hpa-sane-range")!.message.includes("pgk-hpa"));
    });
});

describe("production-grade beside another lab", function () {
    this.timeout(60000);

    it("answers on the instance's own host, beside smilr, with no mandatory violation", async () => {
        const labs = ["smilr", { lab: "production-grade", host: "pgk.labs.example.com" }];
        const p = await plan("minikube", { config: labStack({}, { "kubelab:labs": JSON.stringify(labs) }), policyConfigFile: MINIKUBE });
        assert.deepStrictEqual(p.schemaFailures, []);
        assert.deepStrictEqual(mandatory(p), []);
        assert.deepStrictEqual(routes(find(p, "Ingress", "pgk-back")), ["pgk.labs.example.com / Prefix -> pgk-back-service:80"]);
        assert.match(routes(find(p, "Ingress", "pgk-front"))[0], /^pgk\.labs\.example\.com \/demo/);
        assert.deepStrictEqual(routes(find(p, "Ingress", "echoheaders")).map(r => r.split(" ")[0]), ["foo.bar.com", "bar.baz.com", "bar.baz.com"]);
        assert.ok(p.objects.some(o => o.kind === "StatefulSet" && o.namespace === "smilr"));
    });
});

describe("production-grade: settings that can't work fail the plan naming the key", function () {
    this.timeout(60000);

    it("a weight outside 0–100, an unknown strategy, an activeVersion with no Deployment", async () => {
        await assert.rejects(plan("minikube", { config: labStack({ strategy: "canary", canary: { canaryWeight: 150 } }) }),
            /kubelab:production-grade\.canary\.canaryWeight: 150 is not allowed; expected a whole number from 0 to 100/);
        await assert.rejects(plan("minikube", { config: labStack({ strategy: "shadow" }) }),
            /kubelab:production-grade\.strategy: "shadow" is not allowed; expected one of recreate, ramped, blueGreen, canary, abTest/);
        await assert.rejects(plan("minikube", { config: labStack({ strategy: "blueGreen", blueGreen: { activeVersion: "v3" } }) }),
            /kubelab:production-grade\.blueGreen\.activeVersion: "v3" is not allowed; expected a version with a Deployment/);
    });

    it("the static volume can be switched off, leaving the dynamic claim", async () => {
        const p = await plan("minikube", { config: labStack({ storage: { staticVolume: { enabled: false } } }) });
        assert.deepStrictEqual(names(p, "PersistentVolume"), []);
        assert.deepStrictEqual(names(p, "PersistentVolumeClaim"), ["logclaim", "mystorageclaim"]);
    });
});

describe("npm run check on the tutorial's log claim", function () {
    this.timeout(60000);

    it("reports the 8Gi ReadWriteOnce logclaim under a 1–5 pod autoscaler and a rolling update", async () => {
        const r = await checkPaths([path.join(ROOT, "test", "fixtures", "check", "production-grade-tutorial.yaml")]);
        assert.deepStrictEqual(r.problems, []);
        const rwo = r.results.filter(x => x.diagnostic.policyName === "rwo-claim-single-writer").map(x => x.diagnostic);
        assert.strictEqual(rwo.length, 2, JSON.stringify(rwo));
        assert.ok(rwo.every(d => d.enforcementLevel === "mandatory"));
        assert.ok(rwo.some(d => /Deployment pgk-back-deployment mounts ReadWriteOnce claim 'logclaim', and HorizontalPodAutoscaler .*pgk-hpa may scale it to 5 pods/.test(d.message)), rwo.map(d => d.message).join("\n"));
        assert.ok(rwo.some(d => /with strategy RollingUpdate \(default\)/.test(d.message)));
        assert.strictEqual(r.exitCode, 1);
    });
});

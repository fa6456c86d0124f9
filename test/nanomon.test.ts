/**
 * The nanomon lab through the real program (minikube stack with `kubelab:labs: [nanomon]`):
 * every fact of LABS.md §2 renders, the policy pack finds no mandatory violation, the generated
 * password never shows, and bad settings fail naming the key.
 */
import * as k8s from "@pulumi/kubernetes";
import * as assert from "assert";
import * as path from "path";
import { INIT_SQL, INIT_SQL_FILE } from "../components/labs/nanomon/schema";
import { Plan, ROOT, exitCodeOf, plan } from "../tools/plan-lib";
import { ProgramFailure } from "../tools/recorder";
import { SECRET_PLACEHOLDER, toYaml } from "../tools/render";
import { buildReport } from "../tools/report";
import { StackConfig, loadStackConfig } from "../tools/stack-config";

import out = k8s.types.output;
interface Kinds {
    Namespace: out.core.v1.Namespace;
    Service: out.core.v1.Service;
    Secret: out.core.v1.Secret;
    ConfigMap: out.core.v1.ConfigMap;
    Deployment: out.apps.v1.Deployment;
    StatefulSet: out.apps.v1.StatefulSet;
    HorizontalPodAutoscaler: out.autoscaling.v2.HorizontalPodAutoscaler;
    Ingress: out.networking.v1.Ingress;
    NetworkPolicy: out.networking.v1.NetworkPolicy;
    StorageClass: out.storage.v1.StorageClass;
    Job: out.batch.v1.Job;
}

const NS = "nanomon";

/** The object `kind`/`name` in `namespace` (the lab's by default; null for a cluster-scoped one). */
function find<K extends keyof Kinds>(p: Plan, kind: K, name: string, namespace: string | null = NS): Kinds[K] {
    const o = p.objects.find(x => x.kind === kind && x.name === name && (namespace === null || x.namespace === namespace));
    assert.ok(o, `no ${kind} ${namespace ?? "*"}/${name} in ${p.objects.map(x => `${x.kind}/${x.name}`).join(", ")}`);
    return o.object as unknown as Kinds[K];
}

function container(obj: Kinds["Deployment"] | Kinds["StatefulSet"] | Kinds["Job"]): out.core.v1.Container {
    return obj.spec.template.spec.containers[0];
}

function envOf(c: out.core.v1.Container): Record<string, unknown> {
    return Object.fromEntries((c.env ?? []).map(e => [e.name, e.value ?? e.valueFrom]));
}

const PASSWORD_REF = { secretKeyRef: { name: "database-creds", key: "password" } };
const DSN = "host=database port=5432 user=nanomon dbname=nanomon sslmode=disable";

/** The minikube stack deploying only nanomon, with `extra` config. */
function nanomonStack(nanomon?: object, extra: Record<string, string> = {}): StackConfig {
    const stack = loadStackConfig(ROOT, "minikube");
    const config: Record<string, string> = { ...stack.config, "kubelab:labs": JSON.stringify(["nanomon"]), ...extra };
    if (nanomon) {
        config["kubelab:nanomon"] = JSON.stringify(nanomon);
    }
    return { ...stack, config };
}

describe("nanomon lab on the minikube stack", function () {
    this.timeout(60000);
    let p: Plan;

    before(async () => {
        p = await plan("minikube", { config: nanomonStack() });
    });

    it("renders valid objects in its own namespace, with no mandatory policy violation", () => {
        assert.deepStrictEqual(p.schemaFailures, []);
        assert.deepStrictEqual(p.policies.diagnostics.filter(d => d.enforcementLevel === "mandatory"), []);
        assert.strictEqual(exitCodeOf(p), 0);
        find(p, "Namespace", NS, null);
        for (const o of p.objects.filter(x => !["Namespace", "StorageClass"].includes(x.kind))) {
            assert.strictEqual(o.namespace, NS, `${o.kind} ${o.name}`);
        }
    });

    it("passes the production profile with no mandatory violation, load test included", async () => {
        // A production stack protects its data (the platform's StorageClass then retains volumes).
        const prod = await plan("minikube", {
            config: nanomonStack({ loadTest: { enabled: true } }, { "kubelab:protectData": "true" }),
            policyConfigFile: path.join(ROOT, "policy", "config", "production.json"),
        });
        const mandatory = prod.policies.diagnostics.filter(d => d.enforcementLevel === "mandatory");
        assert.deepStrictEqual(mandatory.map(d => `${d.policyName}: ${d.message}`), []);
    });

    it("labels its namespace for Pod Security admission: restricted enforced, warned and audited, with no exception to explain", () => {
        const ns = find(p, "Namespace", NS, null);
        assert.strictEqual(ns.metadata.labels["pod-security.kubernetes.io/enforce"], "restricted");
        assert.strictEqual(ns.metadata.labels["pod-security.kubernetes.io/warn"], "restricted");
        assert.strictEqual(ns.metadata.labels["pod-security.kubernetes.io/audit"], "restricted");
        assert.strictEqual(ns.metadata.annotations?.["kubelab.dev/pod-security-reason"], undefined);
    });

    it("runs PostgreSQL as the image's postgres user (999), its claim given to group 999; the Go images as 65532 on a read-only root", () => {
        const pg = find(p, "StatefulSet", "postgres").spec.template.spec;
        assert.deepStrictEqual(pg.securityContext, { runAsNonRoot: true, runAsUser: 999, runAsGroup: 999, fsGroup: 999, seccompProfile: { type: "RuntimeDefault" } });
        for (const name of ["nanomon-api", "nanomon-frontend", "nanomon-runner"]) {
            const pod = find(p, "Deployment", name).spec.template.spec;
            assert.deepStrictEqual(pod.securityContext, { runAsNonRoot: true, runAsUser: 65532, runAsGroup: 65532, seccompProfile: { type: "RuntimeDefault" } }, name);
            assert.strictEqual(pod.containers[0].securityContext.readOnlyRootFilesystem, true, name);
            assert.strictEqual(pod.automountServiceAccountToken, false, name);
        }
    });

    it("denies ingress by default and opens only the ingress controller → frontend:8001 and api:8000", () => {
        const deny = find(p, "NetworkPolicy", "default-deny-ingress");
        assert.deepStrictEqual(deny.spec, { podSelector: {}, policyTypes: ["Ingress"] });
        const fromController = [{ namespaceSelector: { matchLabels: { "kubernetes.io/metadata.name": "ingress-nginx" } } }];
        const front = find(p, "NetworkPolicy", "frontend-from-ingress-controller");
        assert.deepStrictEqual(front.spec.ingress, [{ from: fromController, ports: [{ protocol: "TCP", port: 8001 }] }]);
        assert.strictEqual(front.spec.podSelector.matchLabels.app, "frontend");
        const api = find(p, "NetworkPolicy", "api-from-ingress-controller-and-load-test");
        assert.strictEqual(api.spec.podSelector.matchLabels.app, "api");
        assert.deepStrictEqual(api.spec.ingress[0].ports, [{ protocol: "TCP", port: 8000 }]);
        assert.deepStrictEqual(api.spec.ingress[0].from[0], fromController[0]);
        assert.deepStrictEqual(api.spec.ingress[0].from[1].podSelector.matchLabels, { app: "load-test", "app.kubernetes.io/part-of": "nanomon" });
    });

    it("runs the api: port 8000, readiness GET /api/health (5 s / 10 s), 50m/50Mi requests, 128Mi limit, the DSN and the password from database-creds", () => {
        const d = find(p, "Deployment", "nanomon-api");
        const c = container(d);
        assert.strictEqual(c.image, "ghcr.io/benc-uk/nanomon-api:0.2.0");
        assert.deepStrictEqual(c.ports, [{ name: "http", containerPort: 8000 }]);
        assert.deepStrictEqual(c.readinessProbe, { httpGet: { path: "/api/health", port: 8000 }, initialDelaySeconds: 5, periodSeconds: 10 });
        assert.deepStrictEqual(c.resources, { requests: { cpu: "50m", memory: "50Mi" }, limits: { memory: "128Mi" } });
        assert.deepStrictEqual(envOf(c), { POSTGRES_DSN: DSN, POSTGRES_PASSWORD: PASSWORD_REF });
    });

    it("autoscales the api on CPU (50 %, 2–10) and leaves its replica count to the autoscaler", () => {
        const d = find(p, "Deployment", "nanomon-api");
        assert.strictEqual(d.spec.replicas, undefined);
        const hpa = find(p, "HorizontalPodAutoscaler", "nanomon-api");
        assert.deepStrictEqual(hpa.spec.scaleTargetRef, { apiVersion: "apps/v1", kind: "Deployment", name: "nanomon-api" });
        assert.strictEqual(hpa.spec.minReplicas, 2);
        assert.strictEqual(hpa.spec.maxReplicas, 10);
        assert.deepStrictEqual(hpa.spec.metrics, [{ type: "Resource", resource: { name: "cpu", target: { type: "Utilization", averageUtilization: 50 } } }]);
        assert.strictEqual(p.objects.filter(o => o.kind === "HorizontalPodAutoscaler").length, 1);
    });

    it("runs the frontend: port 8001, readiness GET /, API_ENDPOINT=/api", () => {
        const c = container(find(p, "Deployment", "nanomon-frontend"));
        assert.strictEqual(c.image, "ghcr.io/benc-uk/nanomon-frontend:0.2.0");
        assert.deepStrictEqual(c.ports, [{ name: "http", containerPort: 8001 }]);
        assert.strictEqual(c.readinessProbe.httpGet.path, "/");
        assert.strictEqual(c.readinessProbe.httpGet.port, 8001);
        assert.deepStrictEqual(envOf(c), { API_ENDPOINT: "/api" });
    });

    it("runs one runner with no port, the same DSN and password", () => {
        const d = find(p, "Deployment", "nanomon-runner");
        assert.strictEqual(d.spec.replicas, 1);
        const c = container(d);
        assert.strictEqual(c.image, "ghcr.io/benc-uk/nanomon-runner:0.2.0");
        assert.strictEqual(c.ports, undefined);
        assert.deepStrictEqual(envOf(c), { POSTGRES_DSN: DSN, POSTGRES_PASSWORD: PASSWORD_REF });
        assert.ok(c.resources.requests.cpu && c.resources.requests.memory && c.resources.limits.memory);
    });

    it("exposes api 80→8000 and frontend 80→8001, routed by the nginx class: / → frontend, /api → api", () => {
        for (const [svcName, deployment, port] of [["api", "nanomon-api", 8000], ["frontend", "nanomon-frontend", 8001]] as const) {
            const svc = find(p, "Service", svcName);
            assert.deepStrictEqual(svc.spec.ports, [{ name: "http", port: 80, targetPort: "http" }]);
            const d = find(p, "Deployment", deployment);
            for (const [k, v] of Object.entries(svc.spec.selector)) {
                assert.strictEqual(d.spec.template.metadata.labels[k], v, `${svcName} selects ${deployment}`);
            }
            assert.strictEqual(container(d).ports.find(x => x.name === "http")?.containerPort, port);
        }
        const routes: string[] = [];
        for (const ing of p.objects.filter(o => o.kind === "Ingress").map(o => o.object as unknown as Kinds["Ingress"])) {
            assert.strictEqual(ing.spec.ingressClassName, "nginx");
            for (const rule of ing.spec.rules) {
                for (const x of rule.http.paths) {
                    routes.push(`${x.path} ${x.pathType} -> ${x.backend.service.name}:${x.backend.service.port.number}`);
                }
            }
        }
        assert.deepStrictEqual(routes.sort(), ["/ Prefix -> frontend:80", "/api Prefix -> api:80"]);
    });

    it("keeps PostgreSQL in StatefulSet postgres (serviceName postgres, 1 replica, postgres:17) with the facts' env, resources and pg_isready readiness", () => {
        const sts = find(p, "StatefulSet", "postgres");
        assert.strictEqual(sts.spec.serviceName, "postgres");
        assert.strictEqual(sts.spec.replicas, 1);
        const c = container(sts);
        assert.strictEqual(c.image, "postgres:17");
        assert.deepStrictEqual(c.ports, [{ name: "postgres", containerPort: 5432 }]);
        const env = envOf(c);
        assert.deepStrictEqual({ db: env.POSTGRES_DB, user: env.POSTGRES_USER, password: env.POSTGRES_PASSWORD },
            { db: "nanomon", user: "nanomon", password: PASSWORD_REF });
        assert.deepStrictEqual(c.resources, { requests: { cpu: "50m", memory: "100Mi" }, limits: { cpu: "100m", memory: "512Mi" } });
        assert.deepStrictEqual(c.readinessProbe, { exec: { command: ["pg_isready", "-U", "nanomon"] }, initialDelaySeconds: 5, periodSeconds: 10 });
    });

    it("stores the data on claim template postgres-pvc (ReadWriteOnce, 500M, expandable class) at /var/lib/postgresql/data, in a sub-directory", () => {
        const sts = find(p, "StatefulSet", "postgres");
        const [template] = sts.spec.volumeClaimTemplates;
        assert.strictEqual(template.metadata.name, "postgres-pvc");
        assert.deepStrictEqual(template.spec.accessModes, ["ReadWriteOnce"]);
        assert.deepStrictEqual(template.spec.resources.requests, { storage: "500M" });
        assert.strictEqual(find(p, "StorageClass", template.spec.storageClassName, null).allowVolumeExpansion, true);
        const c = container(sts);
        const data = c.volumeMounts.find(m => m.name === "postgres-pvc");
        assert.strictEqual(data?.mountPath, "/var/lib/postgresql/data");
        const pgdata = envOf(c).PGDATA as string | undefined;
        const inSubdirectory = (data.subPath ?? "") !== "" || (pgdata !== undefined && pgdata.startsWith("/var/lib/postgresql/data/"));
        assert.ok(inSubdirectory, `PGDATA ${pgdata}, subPath ${data.subPath}`);
        assert.deepStrictEqual(sts.spec.persistentVolumeClaimRetentionPolicy, { whenDeleted: "Retain", whenScaled: "Retain" });
        const store = p.recording.resources.find(r => r.type === "kubelab:components:StatefulStore");
        assert.deepStrictEqual(store?.outputs?.claimNames, ["postgres-pvc-postgres-0"]);
    });

    it("mounts ConfigMap nanomon-sql-init read-only at /docker-entrypoint-initdb.d, holding the project's init SQL", () => {
        const cm = find(p, "ConfigMap", "nanomon-sql-init");
        assert.deepStrictEqual(Object.keys(cm.data), [INIT_SQL_FILE]);
        assert.ok(INIT_SQL_FILE.endsWith(".sql"));
        assert.strictEqual(cm.data[INIT_SQL_FILE], INIT_SQL);
        const sts = find(p, "StatefulSet", "postgres");
        const mount = container(sts).volumeMounts.find(m => m.mountPath === "/docker-entrypoint-initdb.d");
        assert.strictEqual(mount?.readOnly, true);
        const volume = sts.spec.template.spec.volumes.find(v => v.name === mount.name);
        assert.strictEqual(volume?.configMap?.name, "nanomon-sql-init");
    });

    it("reaches PostgreSQL through Service database on 5432, and only from the api and runner pods", () => {
        const svc = find(p, "Service", "database");
        assert.deepStrictEqual(svc.spec.ports, [{ name: "postgres", port: 5432, targetPort: "postgres" }]);
        assert.notStrictEqual(svc.spec.clusterIP, "None");
        const sts = find(p, "StatefulSet", "postgres");
        for (const [k, v] of Object.entries(svc.spec.selector)) {
            assert.strictEqual(sts.spec.template.metadata.labels[k], v);
        }
        const policy = find(p, "NetworkPolicy", "postgres-from-nanomon");
        for (const [k, v] of Object.entries(policy.spec.podSelector.matchLabels)) {
            assert.strictEqual(sts.spec.template.metadata.labels[k], v);
        }
        const [rule] = policy.spec.ingress;
        assert.deepStrictEqual(rule.ports, [{ protocol: "TCP", port: 5432 }]);
        const [from] = rule.from;
        assert.strictEqual(from.namespaceSelector, undefined);
        const allowed = ["nanomon-api", "nanomon-runner", "nanomon-frontend"].filter(name => {
            const labels = find(p, "Deployment", name).spec.template.metadata.labels;
            return Object.entries(from.podSelector.matchLabels ?? {}).every(([k, v]) => labels[k] === v)
                && (from.podSelector.matchExpressions ?? []).every(e => e.operator === "In" && e.values.includes(labels[e.key]));
        });
        assert.deepStrictEqual(allowed, ["nanomon-api", "nanomon-runner"]);
    });

    it("generates the password into Secret database-creds (key password), never in plain sight", () => {
        const secret = find(p, "Secret", "database-creds");
        assert.strictEqual(secret.stringData, SECRET_PLACEHOLDER);
        const pw = p.recording.resources.filter(r => r.type === "random:index/randomPassword:RandomPassword");
        assert.strictEqual(pw.length, 1);
        // No container gets a literal credential.
        for (const o of p.objects.filter(x => x.kind === "Deployment" || x.kind === "StatefulSet")) {
            for (const e of container(o.object as unknown as Kinds["Deployment"]).env ?? []) {
                if (/PASSWORD/.test(e.name)) {
                    assert.deepStrictEqual(e.valueFrom, PASSWORD_REF, `${o.kind} ${o.name} ${e.name}`);
                    assert.strictEqual(e.value, undefined);
                }
            }
        }
    });

    it("has no load test unless asked", () => {
        assert.ok(!p.objects.some(o => o.kind === "Job"));
    });

    it("exports how to reach it and which kubectl commands show the lesson, without the password", () => {
        const endpoints = (p.recording.stackOutputs.endpoints as Record<string, Record<string, unknown>>).nanomon;
        assert.strictEqual(endpoints.frontend, "http://$(minikube ip)/");
        assert.strictEqual(endpoints.apiStatus, "http://$(minikube ip)/api/status");
        assert.ok((endpoints.lesson as string[]).includes("kubectl -n nanomon get hpa nanomon-api -w"));
        assert.match(endpoints.databasePassword as string, /get secret database-creds/);
    });
});

describe("nanomon lab: the password in an update, settings and the load test", function () {
    this.timeout(60000);

    it("never writes the generated password into the rendered YAML, the outputs or the plan's report", async () => {
        const p = await plan("minikube", { config: nanomonStack(), update: true });
        const pw = p.recording.resources.find(r => r.type === "random:index/randomPassword:RandomPassword")!;
        const password = pw.state.result;
        assert.ok(typeof password === "string" && password.length === 32, "the mock generates the password in an update");
        assert.ok(!toYaml(p.objects).includes(password), "the password is in the rendered YAML");
        assert.ok(!JSON.stringify(p.recording.stackOutputs).includes(password), "the password is in the stack outputs");
        assert.ok(!JSON.stringify(buildReport(p, { outDir: "out" })).includes(password), "the password is in the plan's report");
        assert.deepStrictEqual(find(p, "Secret", "database-creds").stringData, { password: SECRET_PLACEHOLDER });
    });

    it("follows postgresStorage and the api autoscaler's range from config", async () => {
        const p = await plan("minikube", { config: nanomonStack({ postgresStorage: "2Gi", api: { minReplicas: 3, maxReplicas: 6, cpuUtilization: 70 } }) });
        assert.strictEqual(find(p, "StatefulSet", "postgres").spec.volumeClaimTemplates[0].spec.resources.requests.storage, "2Gi");
        const hpa = find(p, "HorizontalPodAutoscaler", "nanomon-api");
        assert.deepStrictEqual([hpa.spec.minReplicas, hpa.spec.maxReplicas, hpa.spec.metrics[0].resource.target.averageUtilization], [3, 6, 70]);
    });

    it("runs a bounded load test Job against /api/status when enabled", async () => {
        const p = await plan("minikube", { config: nanomonStack({ loadTest: { enabled: true, durationSeconds: 120, concurrency: 10 } }) });
        assert.strictEqual(exitCodeOf(p), 0, JSON.stringify(p.policies.diagnostics.filter(d => d.enforcementLevel === "mandatory")));
        const job = find(p, "Job", "load-test");
        assert.strictEqual(job.spec.backoffLimit, 0);
        assert.strictEqual(job.spec.activeDeadlineSeconds, 180);
        assert.strictEqual(job.spec.ttlSecondsAfterFinished, 600);
        assert.strictEqual(job.spec.template.spec.restartPolicy, "Never");
        const c = container(job);
        assert.strictEqual(c.image, "busybox:1.36.1");
        assert.deepStrictEqual(envOf(c), { DURATION_SECONDS: "120", CONCURRENCY: "10", TARGET_URL: "http://api/api/status" });
        assert.ok(c.resources.requests.cpu && c.resources.requests.memory && c.resources.limits.memory);
    });

    it("protects PostgreSQL's data when protectData is on: namespace protected and kept on delete, claims retained; the StatefulSet stays replaceable so its claims can grow", async () => {
        const p = await plan("minikube", { config: nanomonStack(undefined, { "kubelab:protectData": "true" }) });
        const ns = p.recording.resources.find(x => x.type === "kubernetes:core/v1:Namespace")!;
        assert.deepStrictEqual([ns.options.protect, ns.options.retainOnDelete], [true, true]);
        const sts = p.recording.resources.find(x => x.type === "kubernetes:apps/v1:StatefulSet")!;
        assert.deepStrictEqual([sts.options.protect, sts.options.retainOnDelete], [false, false]);
        const spec = (sts.inputs as { spec: { persistentVolumeClaimRetentionPolicy: unknown } }).spec;
        assert.deepStrictEqual(spec.persistentVolumeClaimRetentionPolicy, { whenDeleted: "Retain", whenScaled: "Retain" });
    });

    it("deploys twice in one stack, each instance in its own namespace with its own password and names", async () => {
        const stack = nanomonStack(undefined, {
            "kubelab:labs": JSON.stringify(["nanomon", { lab: "nanomon", name: "nanomon-b", namespace: "nanomon-b", host: "b.labs.example.com" }]),
        });
        const p = await plan("minikube", { config: stack });
        assert.strictEqual(exitCodeOf(p), 0);
        for (const ns of ["nanomon", "nanomon-b"]) {
            find(p, "StatefulSet", "postgres", ns);
            find(p, "Service", "database", ns);
            find(p, "Secret", "database-creds", ns);
            find(p, "HorizontalPodAutoscaler", "nanomon-api", ns);
        }
        assert.strictEqual(p.recording.resources.filter(r => r.type === "random:index/randomPassword:RandomPassword").length, 2);
        const policy = find(p, "NetworkPolicy", "postgres-from-nanomon", "nanomon-b");
        assert.strictEqual(policy.spec.podSelector.matchLabels["app.kubernetes.io/part-of"], "nanomon-b");
    });

    for (const [what, nanomon, key] of [
        ["a load test longer than its bound", { loadTest: { durationSeconds: 3600 } }, "kubelab:nanomon.loadTest.durationSeconds"],
        ["more load loops than allowed", { loadTest: { concurrency: 1000 } }, "kubelab:nanomon.loadTest.concurrency"],
        ["an autoscaler range that cannot scale", { api: { minReplicas: 4, maxReplicas: 4 } }, "kubelab:nanomon.api.maxReplicas"],
        ["a storage size Kubernetes would not read", { postgresStorage: "1GB" }, "kubelab:nanomon.postgresStorage"],
    ] as const) {
        it(`fails on ${what}, naming ${key}`, async () => {
            await assert.rejects(plan("minikube", { config: nanomonStack(nanomon) }), (err: unknown) => {
                const cause = err instanceof ProgramFailure ? err.cause : err;
                assert.ok(cause instanceof Error);
                assert.strictEqual(cause.name, "ConfigError");
                assert.ok(cause.message.includes(key), cause.message);
                return true;
            });
        });
    }
});

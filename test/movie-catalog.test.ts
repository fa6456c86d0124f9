/**
 * The movie-catalog lab (LABS.md §5) through the real program under mocks, on the minikube stack
 * with `kubelab:labs: [movie-catalog]`: every fact renders, the pack finds no mandatory violation
 * (workshop and production profiles), the init Job follows the member list, the generated Grafana
 * password never shows, the data store is locked down, and a missing image is a config error.
 */
import * as k8s from "@pulumi/kubernetes";
import * as assert from "assert";
import * as fs from "fs";
import * as path from "path";
import { connectionString, initJobName, replicaSetInitScript } from "../components/data/mongo-rs-init";
import { doubled } from "../components/labs/movie-catalog";
import { diffExitCode, diffReports, formatDiff } from "../tools/diff";
import { Plan, ROOT, exitCodeOf, failureKind, plan, planSummary } from "../tools/plan-lib";
import { ProgramFailure } from "../tools/recorder";
import { toYaml } from "../tools/render";
import { PlanReport, buildReport } from "../tools/report";
import { PolicyPackConfigFile } from "../tools/policy-harness";
import { StackConfig, loadStackConfig } from "../tools/stack-config";
import { PULLABLE_CATALOG_IMAGE, SIG_KEY, deployedStack, stackPlan } from "./helpers";

import out = k8s.types.output;
interface Kinds {
    Namespace: out.core.v1.Namespace;
    Service: out.core.v1.Service;
    Secret: out.core.v1.Secret;
    Deployment: out.apps.v1.Deployment;
    StatefulSet: out.apps.v1.StatefulSet;
    Job: out.batch.v1.Job;
    Ingress: out.networking.v1.Ingress;
    NetworkPolicy: out.networking.v1.NetworkPolicy;
    StorageClass: out.storage.v1.StorageClass;
}

const NS = "movie-catalog";
const IMAGE = PULLABLE_CATALOG_IMAGE;
const FIXTURE = path.join(ROOT, "test", "fixtures", "movie-catalog", "Pulumi.minikube.yaml");
const MEMBERS = (n: number) => ({ statefulSetName: "mongo", serviceName: "mongo-service", replicas: n, port: 27017, setName: "myReplicaSet" });

/** Object `kind`/`name` of `namespace` (null: cluster-scoped). */
function find<K extends keyof Kinds>(p: Plan, kind: K, name: string, namespace: string | null = NS): Kinds[K] {
    const o = p.objects.find(x => x.kind === kind && x.name === name && (namespace === null ? x.namespace === undefined : x.namespace === namespace));
    assert.ok(o, `no ${kind} ${namespace ?? "(cluster)"}/${name} in ${p.objects.map(x => `${x.kind}/${x.name}`).join(", ")}`);
    return o.object as unknown as Kinds[K];
}

const envOf = (c: out.core.v1.Container): Record<string, unknown> =>
    Object.fromEntries((c.env ?? []).map(e => [e.name, e.value ?? e.valueFrom]));

/** The minikube stack with only movie-catalog switched on, plus `extra` config (values as the CLI passes them). */
function catalogStack(settings: object = { image: IMAGE }, extra: Record<string, string> = {}): StackConfig {
    const stack = loadStackConfig(ROOT, "minikube");
    const config: Record<string, string> = { ...stack.config, "kubelab:labs": JSON.stringify(["movie-catalog"]), "kubelab:movie-catalog": JSON.stringify(settings), ...extra };
    delete config["kubelab:smilr"];
    return { ...stack, config };
}

/** Pod labels of a workload's template. */
const podLabels = (w: Kinds["Deployment"] | Kinds["StatefulSet"] | Kinds["Job"]): Record<string, string> => w.spec.template.metadata.labels ?? {};

/** Does a selector (matchLabels, and `In` expressions) select pods with these labels? */
function selects(selector: { matchLabels?: Record<string, string>; matchExpressions?: out.meta.v1.LabelSelectorRequirement[] }, labels: Record<string, string>): boolean {
    return Object.entries(selector.matchLabels ?? {}).every(([k, v]) => labels[k] === v) &&
        (selector.matchExpressions ?? []).every(e => e.operator === "In" && e.values.includes(labels[e.key]));
}

describe("movie-catalog lab on the minikube stack (LABS.md §5)", function () {
    this.timeout(60000);
    let p: Plan;

    before(async () => {
        p = await plan("minikube", { stackFile: FIXTURE });
    });

    it("renders valid objects with no policy violation at all, from the fixture stack file", () => {
        assert.deepStrictEqual(p.schemaFailures, []);
        assert.deepStrictEqual(p.policies.diagnostics.map(d => `${d.enforcementLevel} ${d.policyName}: ${d.message}`), []);
        assert.strictEqual(exitCodeOf(p), 0);
    });

    it("lives in its own namespace, enforcing Pod Security restricted", () => {
        const ns = find(p, "Namespace", NS, null);
        assert.strictEqual(ns.metadata.labels["pod-security.kubernetes.io/enforce"], "restricted");
        assert.strictEqual(ns.metadata.annotations?.["kubelab.dev/pod-security-reason"], undefined);
        for (const o of p.objects.filter(x => !["Namespace", "StorageClass"].includes(x.kind))) {
            assert.strictEqual(o.namespace, NS, `${o.kind} ${o.name}`);
        }
    });

    it("runs the replica set: StatefulSet mongo, 3 pods started in order, serviceName mongo-service, mongo:5, mongod --replSet myReplicaSet --bind_ip_all, port 27017", () => {
        const sts = find(p, "StatefulSet", "mongo");
        assert.strictEqual(sts.spec.replicas, 3);
        assert.strictEqual(sts.spec.serviceName, "mongo-service");
        assert.strictEqual(sts.spec.podManagementPolicy, "OrderedReady");
        const [c] = sts.spec.template.spec.containers;
        assert.strictEqual(c.image, "mongo:5");
        assert.deepStrictEqual(c.command, ["mongod", "--replSet", "myReplicaSet", "--bind_ip_all"]);
        assert.deepStrictEqual(c.ports, [{ name: "mongodb", containerPort: 27017 }]);
        assert.deepStrictEqual(c.readinessProbe.tcpSocket, { port: 27017 });
    });

    it("gives each member claim mongo-persistent-storage-mongo-N: ReadWriteOnce, 2Gi, on the expandable class, at /data/db, retained", () => {
        const sts = find(p, "StatefulSet", "mongo");
        const [t] = sts.spec.volumeClaimTemplates;
        assert.strictEqual(sts.spec.volumeClaimTemplates.length, 1);
        assert.strictEqual(t.metadata.name, "mongo-persistent-storage");
        assert.deepStrictEqual(t.spec.accessModes, ["ReadWriteOnce"]);
        assert.deepStrictEqual(t.spec.resources.requests, { storage: "2Gi" });
        assert.strictEqual(find(p, "StorageClass", t.spec.storageClassName, null).allowVolumeExpansion, true);
        assert.ok(sts.spec.template.spec.containers[0].volumeMounts.some(m => m.name === "mongo-persistent-storage" && m.mountPath === "/data/db" && !m.subPath));
        assert.deepStrictEqual(sts.spec.persistentVolumeClaimRetentionPolicy, { whenDeleted: "Retain", whenScaled: "Retain" });
    });

    it("puts the members behind headless Service mongo-service on 27017 (clusterIP None), each mongo-N.mongo-service:27017", () => {
        const svc = find(p, "Service", "mongo-service");
        assert.strictEqual(svc.spec.clusterIP, "None");
        assert.deepStrictEqual(svc.spec.ports, [{ name: "mongodb", port: 27017, targetPort: "mongodb" }]);
        assert.strictEqual(svc.spec.publishNotReadyAddresses, true);
        assert.ok(selects({ matchLabels: svc.spec.selector }, podLabels(find(p, "StatefulSet", "mongo"))));
        assert.ok(!p.objects.some(o => o.kind === "Service" && o.name === "mongo"), "no Service named after the StatefulSet");
    });

    it("initiates the set itself: one Job named from the 3 members, running the generated rs.initiate/rs.add script", () => {
        const jobs = p.objects.filter(o => o.kind === "Job");
        assert.deepStrictEqual(jobs.map(j => j.name), [initJobName(MEMBERS(3))]);
        const job = find(p, "Job", initJobName(MEMBERS(3)));
        const [c] = job.spec.template.spec.containers;
        assert.strictEqual(c.image, "mongo:5");
        assert.deepStrictEqual(c.command, ["mongosh", "--nodb", "--quiet", "--eval", replicaSetInitScript(MEMBERS(3))]);
        assert.strictEqual(job.spec.template.spec.restartPolicy, "Never");
        assert.strictEqual(job.spec.template.spec.automountServiceAccountToken, false);
    });

    it("runs the catalog app: Deployment movie-catalog, the configured image, port 8080, readiness GET /status, 2 pods, the replica-set connection string", () => {
        const d = find(p, "Deployment", "movie-catalog");
        const [c] = d.spec.template.spec.containers;
        assert.strictEqual(c.image, IMAGE);
        assert.deepStrictEqual(c.ports, [{ name: "http", containerPort: 8080 }]);
        assert.deepStrictEqual(c.readinessProbe.httpGet, { path: "/status", port: 8080 });
        assert.strictEqual(d.spec.replicas, 2);
        assert.deepStrictEqual(envOf(c), {
            MONGO_URI: "mongodb://mongo-0.mongo-service:27017,mongo-1.mongo-service:27017,mongo-2.mongo-service:27017/?replicaSet=myReplicaSet",
        });
        assert.strictEqual(envOf(c).MONGO_URI, connectionString(MEMBERS(3)));
        assert.deepStrictEqual(d.spec.template.spec.securityContext, { runAsNonRoot: true, runAsUser: 65534, runAsGroup: 65534, seccompProfile: { type: "RuntimeDefault" } });
        assert.ok(p.objects.some(o => o.kind === "PodDisruptionBudget" && o.name === "movie-catalog"));
    });

    it("runs Grafana as StatefulSet grafana: 1 pod, claim grafana-storage 2Gi at /var/lib/grafana, served under /grafana", () => {
        const sts = find(p, "StatefulSet", "grafana");
        assert.strictEqual(sts.spec.replicas, 1);
        assert.strictEqual(sts.spec.serviceName, "grafana-headless");
        assert.strictEqual(find(p, "Service", "grafana-headless").spec.clusterIP, "None");
        const [c] = sts.spec.template.spec.containers;
        assert.strictEqual(c.image, "grafana/grafana:11.3.0");
        assert.deepStrictEqual(c.ports, [{ name: "http", containerPort: 3000 }]);
        assert.deepStrictEqual(c.readinessProbe.httpGet, { path: "/grafana/api/health", port: 3000 });
        const [t] = sts.spec.volumeClaimTemplates;
        assert.strictEqual(t.metadata.name, "grafana-storage");
        assert.deepStrictEqual(t.spec.accessModes, ["ReadWriteOnce"]);
        assert.deepStrictEqual(t.spec.resources.requests, { storage: "2Gi" });
        assert.ok(c.volumeMounts.some(m => m.name === "grafana-storage" && m.mountPath === "/var/lib/grafana"));
        assert.deepStrictEqual(sts.spec.template.spec.securityContext, { runAsNonRoot: true, runAsUser: 472, runAsGroup: 472, fsGroup: 472, seccompProfile: { type: "RuntimeDefault" } });
        const env = envOf(c);
        assert.strictEqual(env.GF_SECURITY_ADMIN_USER, "admin");
        assert.deepStrictEqual(env.GF_SECURITY_ADMIN_PASSWORD, { secretKeyRef: { name: "grafana-admin", key: "admin-password" } });
        assert.strictEqual(env.GF_SERVER_SERVE_FROM_SUB_PATH, "true");
        assert.match(String(env.GF_SERVER_ROOT_URL), /\/grafana\/$/);
        find(p, "Secret", "grafana-admin");
    });

    it("routes one Ingress host on the nginx class: / to the catalog, /grafana to Grafana", () => {
        const routes = p.objects.filter(o => o.kind === "Ingress").flatMap(o => {
            const ing = o.object as unknown as Kinds["Ingress"];
            assert.strictEqual(ing.spec.ingressClassName, "nginx");
            return ing.spec.rules.flatMap(r => r.http.paths.map(x => `${x.path} ${x.pathType} -> ${x.backend.service.name}:${x.backend.service.port.number}`));
        }).sort();
        assert.deepStrictEqual(routes, ["/ Prefix -> movie-catalog:80", "/grafana Prefix -> grafana:80"]);
        for (const [svc, workload] of [["movie-catalog", find(p, "Deployment", "movie-catalog")], ["grafana", find(p, "StatefulSet", "grafana")]] as const) {
            const s = find(p, "Service", svc);
            assert.deepStrictEqual(s.spec.ports, [{ name: "http", port: 80, targetPort: "http" }]);
            assert.ok(selects({ matchLabels: s.spec.selector }, podLabels(workload)), svc);
        }
    });

    it("denies ingress by default; the ingress controller reaches the catalog (8080) and Grafana (3000) only", () => {
        const deny = find(p, "NetworkPolicy", "default-deny-ingress");
        assert.deepStrictEqual(deny.spec.podSelector, {});
        assert.strictEqual(deny.spec.ingress, undefined);
        for (const [name, target, port] of [
            ["movie-catalog-from-ingress-controller", find(p, "Deployment", "movie-catalog"), 8080],
            ["grafana-from-ingress-controller", find(p, "StatefulSet", "grafana"), 3000],
        ] as const) {
            const np = find(p, "NetworkPolicy", name);
            assert.ok(selects(np.spec.podSelector, podLabels(target)), name);
            assert.deepStrictEqual(np.spec.ingress, [{
                from: [{ namespaceSelector: { matchLabels: { "kubernetes.io/metadata.name": "ingress-nginx" } } }],
                ports: [{ protocol: "TCP", port }],
            }]);
        }
    });

    it("lets only the members, the init Job and this instance's catalog pods reach MongoDB on 27017", () => {
        const policies = p.objects.filter(o => o.kind === "NetworkPolicy").map(o => o.object as unknown as Kinds["NetworkPolicy"]);
        const mongo = podLabels(find(p, "StatefulSet", "mongo"));
        const covering = policies.filter(np => selects(np.spec.podSelector, mongo) && np.spec.ingress?.length);
        assert.deepStrictEqual(covering.map(np => np.metadata.name), ["mongo-from-members-init-and-clients"]);
        const [rule] = covering[0].spec.ingress;
        assert.deepStrictEqual(rule.ports, [{ protocol: "TCP", port: 27017 }]);
        assert.strictEqual(rule.from.length, 1);
        const peer = rule.from[0].podSelector;
        assert.strictEqual(rule.from[0].namespaceSelector, undefined, "same namespace only");
        assert.strictEqual(peer.matchLabels["app.kubernetes.io/part-of"], NS, "this instance only");
        const job = find(p, "Job", initJobName(MEMBERS(3)));
        for (const [what, labels] of [["members", mongo], ["init Job", podLabels(job)], ["catalog", podLabels(find(p, "Deployment", "movie-catalog"))]] as const) {
            assert.ok(selects(peer, labels), `admits the ${what}`);
        }
        assert.ok(!selects(peer, podLabels(find(p, "StatefulSet", "grafana"))), "Grafana has no business with MongoDB");
        assert.ok(!p.policies.diagnostics.some(d => d.policyName === "data-store-ingress-restricted"));
    });

    it("exports how to reach the catalog and Grafana, the lesson's kubectl commands and how to grow the volumes", () => {
        const endpoints = (p.recording.stackOutputs.endpoints as Record<string, Record<string, unknown>>)["movie-catalog"];
        assert.strictEqual(endpoints.catalog, "http://$(minikube ip)/");
        assert.strictEqual(endpoints.catalogStatus, "http://$(minikube ip)/status");
        assert.match(String(endpoints.grafana), /^http:\/\/\$\(minikube ip\)\/grafana\/ \(user admin\)$/);
        assert.match(String(endpoints.grafanaPassword), /^kubectl -n movie-catalog get secret grafana-admin -o jsonpath='\{\.data\.admin-password\}' \| base64 -d$/);
        assert.ok(String(endpoints.mongo).startsWith(connectionString(MEMBERS(3))));
        const lesson = (endpoints.lesson as string[]).join("\n");
        assert.match(lesson, /kubectl -n movie-catalog get pods -l app=mongo -w +# mongo-0, mongo-1, mongo-2 start in order/);
        assert.match(lesson, /kubectl -n movie-catalog exec mongo-0 -- mongosh --quiet --eval 'rs\.status\(\)/);
        assert.match(lesson, /kubectl -n movie-catalog get pvc /);
        assert.ok(lesson.includes(`kubectl -n movie-catalog logs job/${initJobName(MEMBERS(3))}`));
        assert.match(lesson, /mongo-persistent-storage-mongo-0, mongo-persistent-storage-mongo-1, mongo-persistent-storage-mongo-2/);
        assert.ok((endpoints.grow as string[]).some(l => l.startsWith("pulumi config set --path movie-catalog.storage 4Gi && pulumi up")));
        assert.ok((endpoints.grow as string[]).some(l => l.startsWith("pulumi config set --path movie-catalog.replicas 4 && pulumi up")));
    });

    it("suggests a growth that grows from any size (twice the current one), never a shrink", () => {
        assert.deepStrictEqual(["2Gi", "500M", "256Mi", "3G", "1500Mi", "1"].map(doubled), ["4Gi", "1G", "512Mi", "6G", "3000Mi", "2"]);
    });
});

describe("movie-catalog lab settings through the program", function () {
    this.timeout(60000);

    it("grows the replica set 3 → 5: five members, a new init Job name, every member in the connection string", async () => {
        const p = await plan("minikube", { config: catalogStack({ image: IMAGE, replicas: 5 }) });
        assert.strictEqual(find(p, "StatefulSet", "mongo").spec.replicas, 5);
        const jobs = p.objects.filter(o => o.kind === "Job").map(o => o.name);
        assert.deepStrictEqual(jobs, [initJobName(MEMBERS(5))]);
        assert.notStrictEqual(jobs[0], initJobName(MEMBERS(3)));
        const uri = String(envOf(find(p, "Deployment", "movie-catalog").spec.template.spec.containers[0]).MONGO_URI);
        assert.strictEqual(uri, connectionString(MEMBERS(5)));
        assert.match(uri, /mongo-4\.mongo-service:27017\/\?replicaSet=myReplicaSet$/);
        assert.strictEqual(exitCodeOf(p), 0);
    });

    it("takes the sizes and counts from kubelab:movie-catalog", async () => {
        const p = await plan("minikube", { config: catalogStack({ image: IMAGE, storage: "4Gi", grafanaStorage: "3Gi", catalogReplicas: 4 }) });
        assert.deepStrictEqual(find(p, "StatefulSet", "mongo").spec.volumeClaimTemplates[0].spec.resources.requests, { storage: "4Gi" });
        assert.deepStrictEqual(find(p, "StatefulSet", "grafana").spec.volumeClaimTemplates[0].spec.resources.requests, { storage: "3Gi" });
        assert.strictEqual(find(p, "Deployment", "movie-catalog").spec.replicas, 4);
    });

    it("passes the production profile with protectData on: no mandatory violation", async () => {
        const policyConfig = JSON.parse(fs.readFileSync(path.join(ROOT, "policy", "config", "production.json"), "utf8")) as PolicyPackConfigFile;
        const p = await plan("minikube", { config: catalogStack({ image: IMAGE }, { "kubelab:protectData": "true" }), policyConfig });
        assert.deepStrictEqual(p.policies.diagnostics.filter(d => d.enforcementLevel === "mandatory").map(d => `${d.policyName}: ${d.message}`), []);
        const ns = p.recording.resources.find(r => r.type === "kubernetes:core/v1:Namespace")!;
        assert.strictEqual(ns.options.protect, true);
    });

    it("requires the image when the lab is on: a config error naming kubelab:movie-catalog.image, saying no public image exists and how to set it, before anything is registered", async () => {
        for (const settings of [{}, { replicas: 3 }]) {
            const err = await plan("minikube", { config: catalogStack(settings) }).then(() => undefined, (e: unknown) => e);
            assert.ok(err instanceof Error, "the plan fails");
            assert.strictEqual(failureKind(err), "config");
            assert.match(err.message, /missing required config kubelab:movie-catalog\.image: /);
            assert.match(err.message, /no public image of the catalog app exists: build it from github\.com\/exit-zero-academy\/NetflixMovieCatalog/);
            assert.match(err.message, /pulumi config set --path movie-catalog\.image <image>/);
            // Before anything is registered: not even the platform's cluster or StorageClass.
            assert.ok(err instanceof ProgramFailure);
            const registered = err.registered;
            assert.deepStrictEqual(registered.filter(r => r.custom && !r.type.startsWith("pulumi:")).map(r => r.type), []);
        }
    });

    it("plans the cloud stack files' placeholder image in a preview, and an update refuses it naming the key, before anything is registered", async () => {
        for (const stack of ["aks", "gke", "eks"]) {
            const shipped = loadStackConfig(ROOT, stack);
            assert.match(shipped.config["kubelab:movie-catalog"], /registry\.example\.com\//, `${stack}: the stack file carries the placeholder`);
            await assert.rejects(plan(stack, { config: shipped, update: true }), (err: unknown) => {
                assert.strictEqual(failureKind(err), "config");
                const cause = err instanceof ProgramFailure ? err.cause : err;
                assert.match(String((cause as Error).message), /^invalid config kubelab:movie-catalog\.image: .*registry\.example\.com is a name reserved for examples/);
                assert.ok(err instanceof ProgramFailure && err.registered.every(r => r.type === "pulumi:pulumi:Stack"), "nothing registered");
                return true;
            }, stack);
        }
        // A preview plans it, and says (as pulumi preview would, among its diagnostics) that the update will refuse it.
        const preview = await stackPlan("gke");
        assert.ok(preview.objects.some(o => o.kind === "Deployment" && JSON.stringify(o.object).includes("registry.example.com/netflix_movie_catalog")));
        const warned = preview.recording.warnings.filter(w => w.startsWith("kubelab:movie-catalog.image is registry.example.com/"));
        assert.strictEqual(warned.length, 1, JSON.stringify(preview.recording.warnings));
        assert.match(warned[0], /pulumi up will refuse it/);
        assert.ok(planSummary(preview, { out: "o", reportFile: "r" }).includes(`  warning: ${warned[0]}`), "the plan prints it");
        assert.deepStrictEqual(buildReport(preview, { outDir: "o" }).warnings, preview.recording.warnings, "and reports it");
        // A real image: no warning.
        const real = await plan("gke", { config: deployedStack("gke") });
        assert.deepStrictEqual(real.recording.warnings.filter(w => w.includes("movie-catalog.image")), []);
    });

    it("needs no image when the lab is off, but still checks its settings", async () => {
        const stack = loadStackConfig(ROOT, "minikube");
        const off = await plan("minikube", { config: { ...stack, config: { ...stack.config, "kubelab:movie-catalog": JSON.stringify({ replicas: 5 }) } } });
        assert.ok(!off.objects.some(o => o.namespace === NS));
        await assert.rejects(plan("minikube", { config: { ...stack, config: { ...stack.config, "kubelab:movie-catalog": JSON.stringify({ storage: "2GB" }) } } }),
            /invalid config kubelab:movie-catalog\.storage: "2GB" is not allowed/);
    });

    it("refuses member counts MongoDB can't vote with and unpinned images, naming the key", async () => {
        await assert.rejects(plan("minikube", { config: catalogStack({ image: IMAGE, replicas: 8 }) }), /kubelab:movie-catalog\.replicas: 8 is not allowed; expected a whole number from 1 to 7/);
        await assert.rejects(plan("minikube", { config: catalogStack({ image: "netflix_movie_catalog:latest" }) }), /kubelab:movie-catalog\.image: "netflix_movie_catalog:latest" is not allowed/);
    });
});

describe("movie-catalog lab: the Grafana admin password never shows", function () {
    this.timeout(60000);

    it("keeps the generated password out of the rendered YAML, the plan report and the stack outputs, and registers it as a Pulumi secret", async () => {
        // An update, so the mocks generate a real value to search for.
        const p = await plan("minikube", { config: catalogStack(), update: true });
        const passwords = p.recording.resources.filter(r => r.type === "random:index/randomPassword:RandomPassword").map(r => {
            const raw = JSON.stringify(r.state.result);
            const value = /"value":"([^"]+)"/.exec(raw)?.[1] ?? (typeof r.state.result === "string" ? r.state.result : undefined);
            assert.ok(value && value.length >= 20, `a generated value for ${r.name}: ${raw}`);
            return value;
        });
        assert.strictEqual(passwords.length, 1);
        const [password] = passwords;
        assert.ok(!toYaml(p.objects).includes(password), "in the rendered YAML");
        assert.ok(!JSON.stringify(buildReport(p, { outDir: "out" })).includes(password), "in the plan report");
        assert.ok(!JSON.stringify(p.recording.stackOutputs).includes(password), "in the stack outputs");
        const lab = p.recording.resources.find(r => r.type === "kubelab:labs:MovieCatalog")!;
        assert.match(JSON.stringify(lab.outputs?.grafanaAdminPassword), new RegExp(SIG_KEY), "registered as a Pulumi secret");
        // The Secret's data is a Pulumi secret too: the recorded inputs carry it wrapped.
        const secret = p.recording.resources.find(r => r.type === "kubernetes:core/v1:Secret" && r.name === "movie-catalog-grafana-admin")!;
        assert.match(JSON.stringify(secret.inputs.stringData), new RegExp(SIG_KEY));
    });
});

describe("movie-catalog lab: two instances in one stack", function () {
    this.timeout(60000);

    it("gives each instance its own replica set, Job, password and policies", async () => {
        const labs = [{ lab: "movie-catalog", host: "a.example.com" }, { lab: "movie-catalog", name: "movies-b", namespace: "movies-b", host: "b.example.com" }];
        const p = await plan("minikube", { config: catalogStack({ image: IMAGE }, { "kubelab:labs": JSON.stringify(labs) }) });
        assert.deepStrictEqual(p.policies.diagnostics.filter(d => d.enforcementLevel === "mandatory"), []);
        for (const [instance, host] of [["movie-catalog", "a.example.com"], ["movies-b", "b.example.com"]]) {
            assert.strictEqual(find(p, "StatefulSet", "mongo", instance).spec.serviceName, "mongo-service");
            find(p, "Job", initJobName(MEMBERS(3)), instance);
            const np = find(p, "NetworkPolicy", "mongo-from-members-init-and-clients", instance);
            assert.strictEqual(np.spec.ingress[0].from[0].podSelector.matchLabels["app.kubernetes.io/part-of"], instance);
            assert.strictEqual(find(p, "Ingress", "movie-catalog", instance).spec.rules[0].host, host);
        }
        assert.strictEqual(p.recording.resources.filter(r => r.type === "random:index/randomPassword:RandomPassword").length, 2);
    });
});

describe("movie-catalog lab: volumes grow in place (issue 7)", function () {
    this.timeout(120000);
    const reportOf = (p: Plan) => JSON.parse(JSON.stringify(buildReport(p, { outDir: "out/minikube" }))) as PlanReport;
    /** Plans `config` as the update after `previous` (as `npm run plan -- --against` does), or as a first deploy. */
    const planAfter = (config: StackConfig, previous?: Plan) =>
        plan("minikube", { config, ...(previous ? { previousOutputs: reportOf(previous).outputs } : {}) });
    const PATCH = "kubernetes:core/v1:PersistentVolumeClaimPatch";
    let deployed: Plan;
    let grown: Plan;

    before(async () => {
        const first = await planAfter(catalogStack({ image: IMAGE }));
        deployed = await planAfter(catalogStack({ image: IMAGE }), first);
        grown = await planAfter(catalogStack({ image: IMAGE, storage: "4Gi" }), deployed);
    });

    it("records both stores' claims and the settings that size them", () => {
        assert.deepStrictEqual(deployed.recording.stackOutputs.volumes, {
            "movie-catalog-mongo-store": { size: "2Gi", claims: 3, setting: "movie-catalog.storage" },
            "movie-catalog-grafana": { size: "2Gi", claims: 1, setting: "movie-catalog.grafanaStorage" },
        });
    });

    it("2Gi → 4Gi: every member's claim grows to 4Gi, new members get 4Gi, nothing holding data is deleted, the init Job stays: exit 0", () => {
        const patches = grown.recording.resources.filter(r => r.type === PATCH).map(r => r.inputs as { metadata: { name: string }; spec: { resources: { requests: { storage: string } } } });
        assert.deepStrictEqual(patches.map(x => `${x.metadata.name} ${x.spec.resources.requests.storage}`).sort(), [
            "grafana-storage-grafana-0 2Gi",
            "mongo-persistent-storage-mongo-0 4Gi", "mongo-persistent-storage-mongo-1 4Gi", "mongo-persistent-storage-mongo-2 4Gi",
        ]);
        assert.deepStrictEqual(find(grown, "StatefulSet", "mongo").spec.volumeClaimTemplates[0].spec.resources.requests, { storage: "4Gi" });
        const d = diffReports(reportOf(deployed), reportOf(grown));
        const text = formatDiff(d).join("\n");
        const changed = d.resources.filter(r => r.op !== "same");
        assert.ok(!changed.some(r => (r.op === "delete" || r.op === "replace") && /PersistentVolume|Namespace|Pod\b|Job/.test(r.type)), text);
        assert.deepStrictEqual(changed.filter(r => r.type === "kubernetes:apps/v1:StatefulSet").map(r => `${r.op} ${String((r as { name: string }).name)}`), ["replace movie-catalog-mongo-store-statefulset"], text);
        assert.ok(!changed.some(r => r.type === "kubernetes:batch/v1:Job"), "the init Job is not re-run: the members did not change");
        assert.deepStrictEqual(d.risks, [], text);
        assert.strictEqual(diffExitCode(d), 0, text);
        assert.deepStrictEqual(grown.policies.diagnostics.filter(x => x.enforcementLevel === "mandatory"), []);
    });

    it("4Gi → 2Gi is refused before anything is registered, naming the key, the deployed size and the requested one", async () => {
        await assert.rejects(planAfter(catalogStack({ image: IMAGE, storage: "2Gi" }), grown), (err: Error) => {
            assert.match(err.message, /invalid config kubelab:movie-catalog\.storage: "2Gi" is not allowed; expected at least the deployed size 4Gi/);
            assert.strictEqual(failureKind(err), "config");
            return true;
        });
    });

    it("growth with protectData on also passes: no protected resource is replaced", async () => {
        const on = { "kubelab:protectData": "true" };
        const before = await planAfter(catalogStack({ image: IMAGE }, on), deployed);
        const after = await planAfter(catalogStack({ image: IMAGE, storage: "4Gi", grafanaStorage: "3Gi" }, on), before);
        const previous = reportOf(before);
        const d = diffReports(previous, reportOf(after));
        const text = formatDiff(d).join("\n");
        const replaced = d.resources.filter(r => r.op === "replace" || r.op === "delete");
        assert.ok(replaced.length > 0, text);
        for (const r of replaced) {
            assert.strictEqual(previous.resources.find(x => x.urn === r.urn)?.protect, false, `${r.name} is protected and would stop pulumi up`);
        }
        assert.strictEqual(diffExitCode(d), 0, text);
    });

    it("scaling 3 → 5 after a resize: the new init Job, and the two new members' claims come from the 4Gi template", async () => {
        const scaled = await planAfter(catalogStack({ image: IMAGE, storage: "4Gi", replicas: 5 }), grown);
        const d = diffReports(reportOf(grown), reportOf(scaled));
        const text = formatDiff(d).join("\n");
        const job = d.resources.filter(r => r.type === "kubernetes:batch/v1:Job");
        assert.deepStrictEqual(job.map(r => r.op), ["replace"], text);
        assert.deepStrictEqual(scaled.objects.filter(o => o.kind === "Job").map(o => o.name), [initJobName(MEMBERS(5))]);
        const sts = find(scaled, "StatefulSet", "mongo");
        assert.strictEqual(sts.spec.replicas, 5);
        assert.deepStrictEqual(sts.spec.volumeClaimTemplates[0].spec.resources.requests, { storage: "4Gi" });
        assert.strictEqual(diffExitCode(d), 0, text);
        assert.deepStrictEqual((scaled.recording.stackOutputs.volumes as Record<string, unknown>)["movie-catalog-mongo-store"], { size: "4Gi", claims: 5, setting: "movie-catalog.storage" });
    });
});

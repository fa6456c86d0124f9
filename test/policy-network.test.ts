/**
 * The networking family (policy/network.ts): data-store-ingress-restricted on plain objects, case
 * by case through NetworkPolicy semantics (isolation, policyTypes defaults, the union of
 * policies, sources, ports by number, range and name), what counts as a data store, its config,
 * and the nanomon and knote labs as the program plans them. The family runs as its own pack here,
 * so these tests don't depend on the pack's registration.
 */
import * as assert from "assert";
import * as fs from "fs";
import * as path from "path";
import { parseAllDocuments } from "yaml";
import { PolicyPackArgs } from "@pulumi/policy";
import { DATA_STORE_IMAGES, DATA_STORE_PORTS, isDataStoreImage, networkPolicies, ruleAdmitsPort } from "../policy/network";
import { packArgs as kubelabPack } from "../policy/pack";
import { messageOf } from "../tools/check-lib";
import { ManifestObject, manifestResources, manifestUrn } from "../tools/manifests";
import { ROOT, plan } from "../tools/plan-lib";
import { PackUnderTest, PolicyPackConfigFile, PolicyRun, resolvePolicyConfig, runPolicyPack } from "../tools/policy-harness";
import { analyzerResources } from "../tools/render";
import { loadStackConfig } from "../tools/stack-config";

type Spec = Record<string, unknown>;

const P = "data-store-ingress-restricted";
const packArgs: PolicyPackArgs = { description: "networking (test)", enforcementLevel: "mandatory", policies: networkPolicies };
const networkPack: PackUnderTest = { name: "kubelab", version: "0.0.0", args: packArgs };

async function run(objects: ManifestObject[], config: PolicyPackConfigFile = {}): Promise<PolicyRun> {
    return runPolicyPack(networkPack, manifestResources(objects), resolvePolicyConfig(packArgs, config));
}

async function messages(objects: ManifestObject[], config: PolicyPackConfigFile = {}): Promise<string[]> {
    return (await run(objects, config)).diagnostics.filter(d => d.policyName === P).map(messageOf);
}

function fixture(file: string): ManifestObject[] {
    const text = fs.readFileSync(path.join(__dirname, "fixtures", "network", file), "utf8");
    return parseAllDocuments(text).map(doc => doc.toJS() as ManifestObject).filter(o => o !== null);
}

interface Port { name?: string; containerPort: number; protocol?: string }

/** A workload of `kind` named `name` (pods labelled app: name) whose one container runs `image` with `ports`. */
function workload(kind: "Deployment" | "StatefulSet" | "Pod" | "Job", name: string, image: string, ports: Port[] = [], namespace = "lab"): ManifestObject {
    const pod = { containers: [{ name, image, ...(ports.length ? { ports } : {}) }] };
    const labels = { app: name, tier: "data" };
    switch (kind) {
        case "Pod":
            return { apiVersion: "v1", kind, metadata: { name, namespace, labels }, spec: pod };
        case "Job":
            return { apiVersion: "batch/v1", kind, metadata: { name, namespace }, spec: { template: { metadata: { labels }, spec: { restartPolicy: "Never", ...pod } } } };
        default:
            return {
                apiVersion: "apps/v1", kind, metadata: { name, namespace },
                spec: { selector: { matchLabels: { app: name } }, ...(kind === "StatefulSet" ? { serviceName: name } : {}), template: { metadata: { labels }, spec: pod } },
            };
    }
}

const postgres = (namespace = "lab") => workload("StatefulSet", "db", "postgres:17", [{ name: "postgres", containerPort: 5432 }], namespace);
const web = (namespace = "lab") => workload("Deployment", "web", "example/web:1.0.0", [{ name: "http", containerPort: 8080 }], namespace);

function networkPolicy(name: string, spec: Spec, namespace = "lab"): ManifestObject {
    return { apiVersion: "networking.k8s.io/v1", kind: "NetworkPolicy", metadata: { name, namespace }, spec };
}

const denyAll = (namespace = "lab") => networkPolicy("default-deny-ingress", { podSelector: {}, policyTypes: ["Ingress"] }, namespace);
/** A policy selecting the database's pods with these ingress rules. */
const dbPolicy = (ingress: Spec[], extra: Spec = {}) => networkPolicy("db-ingress", { podSelector: { matchLabels: { app: "db" } }, policyTypes: ["Ingress"], ingress, ...extra });
const fromWeb = { podSelector: { matchLabels: { app: "web" } } };

const CLIENTS = "its clients (a podSelector of their pods in namespace lab, or a namespaceSelector naming their namespaces by label)";
/** The StatefulSet's own selector, not all its pod labels (a chart's version labels change on every upgrade). */
const DB_SELECTOR = '{"matchLabels":{"app":"db"}}';
const openMessage = (why: string, rule = 1, policy = "lab/db-ingress", port = "port 5432/TCP ('postgres')") =>
    `StatefulSet lab/db runs a data store (container 'db', image postgres:17) reachable from everywhere on ${port}: NetworkPolicy ${policy} ingress rule ${rule} admits it ${why}. ` +
    `Limit that rule to ${CLIENTS}; if it opens other pods on purpose, leave this data store out of its podSelector and give it a NetworkPolicy of its own (podSelector ${DB_SELECTOR}) that allows only its clients.`;

describe("policy data-store-ingress-restricted", () => {
    describe("isolation", () => {
        it("reports a data store no NetworkPolicy selects, naming the workload, the port and the policy to add, on the workload's URN", async () => {
            const r = await run([postgres(), web()]);
            const found = r.diagnostics.filter(d => d.policyName === P);
            assert.deepStrictEqual(found.map(d => d.urn), [manifestUrn(postgres())]);
            assert.deepStrictEqual(found.map(messageOf), [
                "StatefulSet lab/db runs a data store (container 'db', image postgres:17) reachable from everywhere on port 5432/TCP ('postgres'): " +
                "no NetworkPolicy of namespace lab selects its pods for Ingress, so every pod and address reaches it. " +
                `Add a NetworkPolicy with podSelector ${DB_SELECTOR} and policyTypes [Ingress] that allows only ${CLIENTS}.`,
            ]);
            assert.strictEqual(found[0].enforcementLevel, "advisory");
        });

        it("adds the NodePort and LoadBalancer Services that route to its data port, which reach it from outside the cluster too", async () => {
            const service = (name: string, type: string | undefined, ports: Spec[]): ManifestObject =>
                ({ apiVersion: "v1", kind: "Service", metadata: { name, namespace: "lab" }, spec: { ...(type ? { type } : {}), selector: { app: "db" }, ports } });
            const [exposed] = await messages([postgres(), service("db-public", "LoadBalancer", [{ port: 5432 }])]);
            assert.match(exposed, /allows only .*\. Service lab\/db-public \(type LoadBalancer\) also exposes it outside the cluster: make it type ClusterIP unless clients outside the cluster need it \(then set loadBalancerSourceRanges to their addresses\)\.$/);
            // By targetPort name, and two of them.
            const [both] = await messages([postgres(), service("a", "NodePort", [{ port: 80, targetPort: "postgres" }]), service("b", "LoadBalancer", [{ port: 5432, targetPort: 5432 }])]);
            assert.match(both, /Service lab\/a \(type NodePort\) and Service lab\/b \(type LoadBalancer\) also expose it outside the cluster: make them type ClusterIP/);
            // A ClusterIP Service, or an external one on another port or selecting other pods, adds nothing.
            for (const other of [service("db", undefined, [{ port: 5432 }]), service("db", "NodePort", [{ port: 9187 }]), { ...service("db", "LoadBalancer", [{ port: 5432 }]), spec: { type: "LoadBalancer", selector: { app: "web" }, ports: [{ port: 5432 }] } }]) {
                const [found] = await messages([postgres(), other]);
                assert.doesNotMatch(found, /outside the cluster/, JSON.stringify(other.spec));
            }
            // Behind a NetworkPolicy that keeps it to its clients, the load balancer's traffic is refused too: nothing to report.
            assert.deepStrictEqual(await messages([postgres(), denyAll(), service("db-public", "LoadBalancer", [{ port: 5432 }])]), []);
        });

        it("asks to label an unlabelled Pod before selecting it, instead of suggesting the empty podSelector, which selects every pod", async () => {
            const bare: ManifestObject = { apiVersion: "v1", kind: "Pod", metadata: { name: "cache", namespace: "lab" }, spec: { containers: [{ name: "redis", image: "redis:7.4" }] } };
            const [found] = await messages([bare]);
            assert.match(found, /Add a NetworkPolicy with podSelector \{"matchLabels":\{"app":"cache"\}\} \(its pods carry no labels: label them app: cache first, since an empty podSelector selects every pod of the namespace\) and policyTypes \[Ingress\]/);
            assert.doesNotMatch(found, /"matchLabels":\{\}/);
        });

        it("passes a data store behind a default-deny policy only (nothing reaches it)", async () => {
            assert.deepStrictEqual(await messages([postgres(), web(), denyAll()]), []);
            // policyTypes unset: every policy covers ingress, even one with only an egress section.
            assert.deepStrictEqual(await messages([postgres(), networkPolicy("egress-only-rules", { podSelector: {}, egress: [{}] })]), []);
            assert.deepStrictEqual(await messages([postgres(), dbPolicy([])]), [], "a policy with Ingress and no rules denies");
            // An empty policyTypes is defaulted like a missing one: Ingress.
            assert.deepStrictEqual(await messages([postgres(), networkPolicy("deny-all", { podSelector: {}, policyTypes: [] })]), [], "policyTypes: [] covers ingress");
        });

        it("reports a data store whose namespace's policies select other pods only, or cover only Egress", async () => {
            const webOnly = networkPolicy("web-ingress", { podSelector: { matchLabels: { app: "web" } }, policyTypes: ["Ingress"], ingress: [{ from: [fromWeb] }] });
            assert.match((await messages([postgres(), web(), webOnly]))[0], /^StatefulSet lab\/db .*: no NetworkPolicy of namespace lab selects its pods for Ingress/);
            const egress = networkPolicy("deny-egress", { podSelector: {}, policyTypes: ["Egress"] });
            assert.match((await messages([postgres(), egress]))[0], /no NetworkPolicy of namespace lab selects its pods for Ingress/);
            // A default-deny of another namespace does not isolate this one.
            assert.match((await messages([postgres(), denyAll("other")]))[0], /no NetworkPolicy of namespace lab selects/);
        });

        it("reads podSelector with the pack's selector semantics: matchExpressions and controller-added labels select", async () => {
            const byExpression = networkPolicy("db", { podSelector: { matchExpressions: [{ key: "tier", operator: "In", values: ["data"] }] }, policyTypes: ["Ingress"] });
            assert.deepStrictEqual(await messages([postgres(), byExpression]), []);
            const byPodName = networkPolicy("db-0", { podSelector: { matchLabels: { "statefulset.kubernetes.io/pod-name": "db-0" } }, policyTypes: ["Ingress"] });
            assert.deepStrictEqual(await messages([postgres(), byPodName]), []);
            const notIn = networkPolicy("not-data", { podSelector: { matchExpressions: [{ key: "tier", operator: "NotIn", values: ["data"] }] }, policyTypes: ["Ingress"] });
            assert.strictEqual((await messages([postgres(), notIn])).length, 1);
        });
    });

    describe("sources", () => {
        it("reports an ingress rule without from, or with an empty from", async () => {
            assert.deepStrictEqual(await messages([postgres(), dbPolicy([{}])]), [openMessage("from every source (no from)")]);
            assert.deepStrictEqual(await messages([postgres(), dbPolicy([{ from: [] }])]), [openMessage("from every source (no from)")]);
        });

        it("reports a namespaceSelector {}, alone or beside a podSelector, and names the rule", async () => {
            assert.deepStrictEqual(await messages([postgres(), dbPolicy([{ from: [fromWeb] }, { from: [{ namespaceSelector: {} }] }])]), [
                openMessage("from every namespace (namespaceSelector: {})", 2),
            ]);
            assert.deepStrictEqual(await messages([postgres(), dbPolicy([{ from: [{ namespaceSelector: {}, podSelector: { matchLabels: { app: "web" } } }] }])]), [
                openMessage('from pods matching {"matchLabels":{"app":"web"}} in every namespace (namespaceSelector: {})'),
            ]);
        });

        it("reports an ipBlock of every address, IPv4 or IPv6, even with exceptions", async () => {
            assert.deepStrictEqual(await messages([postgres(), dbPolicy([{ from: [{ ipBlock: { cidr: "0.0.0.0/0", except: ["169.254.169.254/32"] } }] }])]), [
                openMessage("from every address (ipBlock 0.0.0.0/0)"),
            ]);
            assert.deepStrictEqual(await messages([postgres(), dbPolicy([{ from: [{ ipBlock: { cidr: "::/0" } }] }])]), [openMessage("from every address (ipBlock ::/0)")]);
            assert.deepStrictEqual(await messages([postgres(), dbPolicy([{ from: [{ ipBlock: { cidr: "10.20.0.0/16" } }] }])]), [], "a limited block");
        });

        it("passes clients limited to pods of its namespace or to namespaces by label", async () => {
            assert.deepStrictEqual(await messages([postgres(), web(), denyAll(), dbPolicy([{ from: [fromWeb], ports: [{ protocol: "TCP", port: 5432 }] }])]), []);
            assert.deepStrictEqual(await messages([postgres(), dbPolicy([{ from: [{ podSelector: {} }] }])]), [], "every pod of its own namespace");
            assert.deepStrictEqual(await messages([postgres(), dbPolicy([{ from: [{ namespaceSelector: { matchLabels: { "kubernetes.io/metadata.name": "apps" } } }] }])]), []);
            assert.deepStrictEqual(await messages([postgres(), dbPolicy([{ from: [{ namespaceSelector: { matchLabels: { team: "shop" } }, podSelector: { matchLabels: { app: "api" } } }] }])]), []);
        });

        it("takes the union of the policies selecting the pods: a default deny does not close what another opens", async () => {
            const allowAll = networkPolicy("allow-all", { podSelector: {}, ingress: [{}] });
            assert.deepStrictEqual(await messages([postgres(), web(), denyAll(), dbPolicy([{ from: [fromWeb] }]), allowAll]), [
                openMessage("from every source (no from)", 1, "lab/allow-all"),
            ]);
            // Reported once per port, with the first open rule.
            assert.strictEqual((await messages([postgres(), dbPolicy([{}, { from: [{ namespaceSelector: {} }] }]), allowAll])).length, 1);
        });

        it("ignores an open rule of a policy that covers only Egress", async () => {
            const egress = networkPolicy("egress", { podSelector: {}, policyTypes: ["Egress"], ingress: [{}], egress: [{}] });
            assert.deepStrictEqual(await messages([postgres(), denyAll(), egress]), []);
        });
    });

    describe("ports", () => {
        const open = (ports: Spec[]) => dbPolicy([{ ports }]);

        it("reports an open rule on the data port by number, in an endPort range, by name or with the port left out", async () => {
            assert.deepStrictEqual(await messages([postgres(), open([{ port: 5432 }])]), [openMessage("from every source (no from)")]);
            assert.strictEqual((await messages([postgres(), open([{ protocol: "TCP", port: 5000, endPort: 6000 }])])).length, 1);
            assert.strictEqual((await messages([postgres(), open([{ port: "postgres" }])])).length, 1);
            assert.strictEqual((await messages([postgres(), open([{ protocol: "TCP" }])])).length, 1);
            assert.strictEqual((await messages([postgres(), open([{ port: 8080 }, { port: 5432 }])])).length, 1);
        });

        it("passes an open rule on other ports, another port name, a range that misses, or another protocol", async () => {
            assert.deepStrictEqual(await messages([postgres(), open([{ port: 8080 }])]), []);
            assert.deepStrictEqual(await messages([postgres(), open([{ port: "http" }])]), []);
            assert.deepStrictEqual(await messages([postgres(), open([{ port: 5433, endPort: 6000 }])]), []);
            assert.deepStrictEqual(await messages([postgres(), open([{ port: 5000, endPort: 5431 }])]), []);
            assert.deepStrictEqual(await messages([postgres(), open([{ protocol: "UDP", port: 5432 }])]), []);
            assert.deepStrictEqual(await messages([postgres(), open([{ protocol: "SCTP" }])]), []);
        });

        it("matches ports the way a NetworkPolicyPort does", () => {
            const pg = { number: 5432, name: "postgres", protocol: "TCP" };
            assert.strictEqual(ruleAdmitsPort(undefined, pg), true);
            assert.strictEqual(ruleAdmitsPort([], pg), true);
            assert.strictEqual(ruleAdmitsPort([{ port: 5432, endPort: 5432 }], pg), true);
            assert.strictEqual(ruleAdmitsPort([{ port: "5432" }], pg), false, "a string is a port name");
            assert.strictEqual(ruleAdmitsPort([{ port: "postgres", protocol: "UDP" }], pg), false);
            assert.strictEqual(ruleAdmitsPort([{ port: 53, protocol: "UDP" }], { number: 53, protocol: "UDP" }), true);
            // A port the container does not declare: a rule limited to ports admits it when one is a data port.
            assert.strictEqual(ruleAdmitsPort([{ port: 27017 }], { protocol: "TCP" }, DATA_STORE_PORTS), true);
            assert.strictEqual(ruleAdmitsPort([{ port: 8080 }], { protocol: "TCP" }, DATA_STORE_PORTS), false);
            assert.strictEqual(ruleAdmitsPort([{ port: "mongo" }], { protocol: "TCP" }, DATA_STORE_PORTS), false);
        });

        it("checks each data port: an open rule on one of them is reported for that one", async () => {
            const minio = workload("Deployment", "db", "quay.io/minio/minio:RELEASE.2024-01-01T00-00-00Z", [{ name: "api", containerPort: 9000 }, { name: "console", containerPort: 9001 }]);
            assert.deepStrictEqual((await messages([minio, dbPolicy([{ ports: [{ port: "console" }] }])])).map(m => m.split(":")[0]),
                ["Deployment lab/db runs a data store (container 'db', image quay.io/minio/minio"]);
            assert.match((await messages([minio, dbPolicy([{ ports: [{ port: "console" }] }])]))[0], /reachable from everywhere on port 9001\/TCP \('console'\): NetworkPolicy lab\/db-ingress ingress rule 1/);
            assert.match((await messages([minio]))[0], /reachable from everywhere on port 9000\/TCP \('api'\), port 9001\/TCP \('console'\): no NetworkPolicy/);
        });

        it("counts a data store that declares no ports as listening on every data port", async () => {
            const mongo = workload("Deployment", "db", "mongo:6.0.2-focal");
            assert.match((await messages([mongo]))[0], /^Deployment lab\/db runs a data store \(container 'db', image mongo:6.0.2-focal\) reachable from everywhere on its TCP ports \(the container declares none\): no NetworkPolicy/);
            assert.strictEqual((await messages([mongo, dbPolicy([{ ports: [{ port: 27017 }] }])])).length, 1);
            assert.deepStrictEqual(await messages([mongo, dbPolicy([{ ports: [{ port: 8080 }] }])]), []);
        });
    });

    describe("what is a data store", () => {
        it("knows data stores by image repository, wherever the image comes from, and not their clients or exporters", () => {
            for (const image of ["postgres:17", "docker.io/library/postgres@sha256:" + "a".repeat(64), "registry.local:5000/mirror/mongo:6.0.2", "bitnami/postgresql:16",
                "quay.io/minio/minio:RELEASE.2024-01-01T00-00-00Z", "docker.elastic.co/elasticsearch/elasticsearch:8.13.0", "REDIS:7"]) {
                assert.ok(isDataStoreImage(image, DATA_STORE_IMAGES), image);
            }
            for (const image of ["minio/mc:latest", "mongo-express:1.0.2", "prometheuscommunity/postgres-exporter:v0.15.0", "example/postgres-backup:1", "registry.local:5000/web:1", "", undefined]) {
                assert.ok(!isDataStoreImage(image, DATA_STORE_IMAGES), String(image));
            }
            assert.ok(isDataStoreImage("docker.io/bitnami/postgresql:16", ["bitnami/postgresql"]));
            assert.ok(!isDataStoreImage("docker.io/other/postgresql:16", ["bitnami/postgresql"]));
        });

        it("counts a container declaring a well-known data port, whatever its image", async () => {
            const cache = workload("Deployment", "cache", "example/cache:1.0.0", [{ containerPort: 6379 }]);
            assert.deepStrictEqual(await messages([cache]), [
                "Deployment lab/cache runs a data store (container 'cache', port 6379) reachable from everywhere on port 6379/TCP: no NetworkPolicy of namespace lab selects its pods for Ingress, " +
                "so every pod and address reaches it. Add a NetworkPolicy with podSelector {\"matchLabels\":{\"app\":\"cache\"}} and policyTypes [Ingress] that allows only " + CLIENTS + ".",
            ]);
        });

        it("does not apply to apps, to Jobs and CronJobs running a data store's image as a tool, or to init containers", async () => {
            assert.deepStrictEqual(await messages([web(), workload("Pod", "api", "example/api:2", [{ containerPort: 8000 }])]), []);
            // KEDA's redis-streams sample: a consumer running redis-cli from the redis image serves nothing; redis-server from it does.
            const withCommand = (name: string, command: string[]) => {
                const d = workload("Deployment", name, "redis:7-alpine");
                ((d.spec as { template: { spec: { containers: Record<string, unknown>[] } } }).template.spec.containers[0]).command = command;
                return d;
            };
            assert.deepStrictEqual(await messages([withCommand("consumer", ["sh", "-c", "while true; do redis-cli -h redis XREADGROUP GROUP g c STREAMS s '>'; sleep 1; done"])]), []);
            assert.strictEqual((await messages([withCommand("cache", ["redis-server", "--appendonly", "yes"])])).length, 1);
            assert.strictEqual((await messages([withCommand("both", ["sh", "-c", "redis-server --daemonize yes && redis-cli ping"])])).length, 1);
            // 9000 alone is not MinIO: php-fpm and gRPC servers (Contour's yages echo server) listen there too.
            assert.deepStrictEqual(await messages([workload("Deployment", "yages", "ghcr.io/projectcontour/yages:v0.1.0", [{ name: "grpc", containerPort: 9000 }])]), []);
            assert.deepStrictEqual(await messages([workload("Job", "dump", "postgres:17")]), []);
            const waits = workload("Deployment", "web", "example/web:1.0.0", [{ containerPort: 8080 }]);
            ((waits.spec as Spec).template as { spec: Spec }).spec.initContainers = [{ name: "wait-for-db", image: "postgres:17", command: ["pg_isready", "-h", "db"] }];
            assert.deepStrictEqual(await messages([waits]), []);
        });

        it("reports a data store on the node's network, where NetworkPolicies do not apply, whatever the policies say", async () => {
            const onHost = postgres();
            ((onHost.spec as Spec).template as { spec: Spec }).spec.hostNetwork = true;
            assert.deepStrictEqual(await messages([onHost, denyAll()]), [
                "StatefulSet lab/db runs a data store (container 'db', image postgres:17) in the node's network namespace (hostNetwork: true), reachable from everywhere on port 5432/TCP ('postgres'): " +
                "NetworkPolicies do not reliably apply to host-network pods (Kubernetes leaves their behaviour undefined, and most network plugins ignore them). " +
                `Remove hostNetwork, then add a NetworkPolicy with podSelector ${DB_SELECTOR} and policyTypes [Ingress] that allows only ${CLIENTS}.`,
            ]);
        });

        it("applies to every long-running kind, a bare Pod included", async () => {
            assert.match((await messages([workload("Pod", "db", "redis:7.2", [{ containerPort: 6379 }])]))[0], /^Pod lab\/db runs a data store/);
        });
    });

    describe("config", () => {
        it("exempts the cluster's own namespaces by default, and the configured ones", async () => {
            assert.deepStrictEqual(await messages([postgres("kube-system")]), []);
            assert.deepStrictEqual(await messages([postgres(), postgres("infra")], { [P]: { exemptNamespaces: ["infra"] } }).then(m => m.map(x => x.split(" ")[1])), ["lab/db"]);
        });

        it("adds extra images and ports to the built-in lists, or replaces them", async () => {
            const ledger = workload("Deployment", "ledger", "registry.local/acme/ledger:3.1", [{ containerPort: 7000 }]);
            assert.deepStrictEqual(await messages([ledger]), []);
            assert.match((await messages([ledger], { [P]: { extraImages: ["acme/ledger"] } }))[0], /\(container 'ledger', image registry\.local\/acme\/ledger:3\.1\) reachable from everywhere on port 7000\/TCP/);
            assert.match((await messages([ledger], { [P]: { extraPorts: [7000] } }))[0], /\(container 'ledger', port 7000\)/);
            assert.strictEqual((await messages([postgres()], { [P]: { extraImages: ["acme/ledger"] } })).length, 1, "extras keep the built-in list");
            assert.deepStrictEqual(await messages([postgres()], { [P]: { images: [], ports: [] } }), []);
            assert.strictEqual((await messages([postgres()], { [P]: { images: [], ports: [5432] } })).length, 1);
        });

        it("declares every setting with a default, and refuses a port outside 1-65535", () => {
            const policy = networkPolicies.find(p => p.name === P);
            assert.ok(policy?.configSchema);
            assert.deepStrictEqual(Object.keys(policy.configSchema.properties).sort(), ["exemptNamespaces", "extraImages", "extraPorts", "images", "ports"]);
            assert.deepStrictEqual(policy.configSchema.properties.images.default, DATA_STORE_IMAGES);
            assert.deepStrictEqual(policy.configSchema.properties.ports.default, DATA_STORE_PORTS);
            assert.throws(() => resolvePolicyConfig(packArgs, { [P]: { extraPorts: [70000] } }), /extraPorts/);
        });
    });

    describe("charts", () => {
        it("reports a Redis chart whose policy names the port but no sources, on that port only", async () => {
            assert.deepStrictEqual(await messages(fixture("redis-chart.yaml")), [
                "StatefulSet shop/cache-redis-master runs a data store (container 'redis', image docker.io/bitnami/redis:7.2.4-debian-12-r9) reachable from everywhere on port 6379/TCP ('redis'): " +
                "NetworkPolicy shop/cache-redis ingress rule 1 admits it from every source (no from). Limit that rule to its clients (a podSelector of their pods in namespace shop, " +
                "or a namespaceSelector naming their namespaces by label); if it opens other pods on purpose, leave this data store out of its podSelector and give it a NetworkPolicy of its own " +
                "(podSelector {\"matchLabels\":{\"app.kubernetes.io/component\":\"master\",\"app.kubernetes.io/instance\":\"cache\",\"app.kubernetes.io/name\":\"redis\"}}) that allows only its clients.",
            ]);
        });

        it("passes the same chart with its clients-only rule (metrics open to all is not a data port)", async () => {
            assert.deepStrictEqual(await messages(fixture("redis-chart-clients-only.yaml")), []);
        });
    });
});

describe("data-store-ingress-restricted in the pack", () => {
    it("is registered advisory by default, advisory in the workshop profile and mandatory in production", () => {
        assert.strictEqual(kubelabPack.policies.find(p => p.name === P)?.enforcementLevel, "advisory");
        const profile = (name: string) => JSON.parse(fs.readFileSync(path.join(ROOT, "policy", "config", `${name}.json`), "utf8")) as PolicyPackConfigFile;
        assert.strictEqual(resolvePolicyConfig(kubelabPack, profile("minikube"))[P]?.enforcementLevel, "advisory");
        assert.strictEqual(resolvePolicyConfig(kubelabPack, profile("production"))[P]?.enforcementLevel, "mandatory");
    });
});

describe("data-store-ingress-restricted on the labs", function () {
    this.timeout(120000);

    for (const lab of ["nanomon", "knote"]) {
        it(`finds nothing in the ${lab} lab: each data store admits only its own app's pods`, async () => {
            const stack = loadStackConfig(ROOT, "minikube");
            const p = await plan("minikube", { config: { ...stack, config: { ...stack.config, "kubelab:labs": JSON.stringify([lab]) } } });
            const resources = analyzerResources(p.recording);
            const r = await runPolicyPack(networkPack, resources, resolvePolicyConfig(packArgs, {}));
            assert.deepStrictEqual(r.diagnostics.filter(d => d.policyName === P).map(messageOf), []);
            // The lab does run data stores, so the pass means something: without its NetworkPolicies each is reported.
            const open = await runPolicyPack(networkPack, resources.filter(x => !x.type.endsWith(":NetworkPolicy")), resolvePolicyConfig(packArgs, {}));
            const stores = open.diagnostics.filter(d => d.policyName === P).map(d => messageOf(d).split(" runs a data store")[0]).sort();
            assert.deepStrictEqual(stores, lab === "nanomon" ? ["StatefulSet nanomon/postgres"] : ["Deployment knote/minio", "Deployment knote/mongo"]);
        });
    }
});

/**
 * The hygiene family, case by case: readiness probes behind Services, pinned images, credentials
 * in plain env, and removed API versions. All advisory by default.
 */
import * as assert from "assert";
import { couldBeSecret, imageTag, looksLikeCredential, removedApi } from "../policy/hygiene";
import { ManifestObject, manifestResources, manifestUrn } from "../tools/manifests";
import { PolicyPackConfigFile, runPolicyPack } from "../tools/policy-harness";
import { pack } from "../tools/plan-lib";
import { checkObjects, deployment, violationsOf } from "./helpers";

type Spec = Record<string, unknown>;
interface TestContainer { name: string; image?: string; readinessProbe?: unknown; env?: Spec[] }
const podSpec = (o: ManifestObject) => (o.spec as { template: { spec: { containers: TestContainer[]; initContainers?: TestContainer[] } } }).template.spec;

async function messages(policy: string, objects: ManifestObject[], config: PolicyPackConfigFile = {}): Promise<string[]> {
    return violationsOf(await checkObjects(objects, config), policy).map(v => v.message.slice(v.description.length + 1));
}

const service = (name: string, selector: Record<string, string>, extra: Spec = {}, namespace = "lab"): ManifestObject =>
    ({ apiVersion: "v1", kind: "Service", metadata: { name, namespace }, spec: { selector, ports: [{ port: 80, targetPort: 8080 }], ...extra } });

describe("policy readiness-probe-behind-service", () => {
    const noProbe = (name: string, namespace = "lab") => deployment(name, d => { delete podSpec(d).containers[0].readinessProbe; }, namespace);

    it("passes probed containers behind a Service, and unprobed ones no Service selects", async () => {
        assert.deepStrictEqual(await messages("readiness-probe-behind-service", [deployment("web"), service("web", { app: "web" }), noProbe("worker")]), []);
    });

    it("reports each unprobed container behind a Service, against the workload, as advisory", async () => {
        const web = deployment("web", d => {
            podSpec(d).containers.push({ name: "sidecar", image: "envoy:1.30" });
            podSpec(d).initContainers = [{ name: "migrate", image: "migrate:4" }];
        });
        const run = await checkObjects([web, service("web", { app: "web" }), service("web-admin", { app: "web" })]);
        const found = violationsOf(run, "readiness-probe-behind-service");
        assert.deepStrictEqual(found.map(v => v.message.slice(v.description.length + 1)), [
            "Deployment lab/web: container 'sidecar' is behind Services web, web-admin but has no readinessProbe; add one (httpGet on a health path, or tcpSocket on the serving port).",
        ], "the init container is not asked for one");
        assert.strictEqual(found[0].enforcementLevel, "advisory");
        assert.strictEqual(found[0].urn, manifestUrn(web));
    });

    it("asks a sidecar (an init container with restartPolicy Always) that serves the Service's port, whose readiness counts toward the pod's", async () => {
        const withProxy = (restartPolicy?: string) => deployment("web", d => {
            podSpec(d).initContainers = [{ name: "tls-proxy", image: "envoyproxy/envoy:v1.31.0", ...(restartPolicy ? { restartPolicy } : {}), ports: [{ name: "https", containerPort: 8443 }] } as never];
        });
        const https = service("web", { app: "web" }, { ports: [{ port: 443, targetPort: "https" }] });
        assert.deepStrictEqual(await messages("readiness-probe-behind-service", [withProxy("Always"), https]), [
            "Deployment lab/web: init container 'tls-proxy' (a sidecar: restartPolicy Always) is behind Service web but has no readinessProbe; add one (httpGet on a health path, or tcpSocket on the serving port).",
        ]);
        // A classic init container has finished before the pod serves: the port is then no container's, and the probed app container counts.
        assert.deepStrictEqual(await messages("readiness-probe-behind-service", [withProxy(), https]), []);
    });

    it("covers Pods and StatefulSets too", async () => {
        const pod: ManifestObject = { apiVersion: "v1", kind: "Pod", metadata: { name: "echo", namespace: "lab", labels: { app: "echo" } }, spec: { containers: [{ name: "echo", image: "registry.k8s.io/echoserver:1.10" }] } };
        const sts: ManifestObject = {
            apiVersion: "apps/v1", kind: "StatefulSet", metadata: { name: "mongo", namespace: "lab" },
            spec: { serviceName: "mongo", selector: { matchLabels: { app: "mongo" } }, template: { metadata: { labels: { app: "mongo" } }, spec: { containers: [{ name: "mongo", image: "mongo:5" }] } } },
        };
        const found = await messages("readiness-probe-behind-service", [pod, sts, service("echo", { app: "echo" }), service("mongo", { app: "mongo" }, { clusterIP: "None" })]);
        assert.deepStrictEqual(found.map(m => m.replace(/ but.*/, "")), ["Pod lab/echo: container 'echo' is behind Service echo", "StatefulSet lab/mongo: container 'mongo' is behind Service mongo"]);
    });

    it("asks only the containers that serve a Service's ports, by declared port number or name, and names only the Services each serves", async () => {
        // A database and its backup agent (the MySQL replication example's shape): the Service's port is the database's.
        const db: ManifestObject = {
            apiVersion: "apps/v1", kind: "StatefulSet", metadata: { name: "mysql", namespace: "lab" },
            spec: {
                serviceName: "mysql", selector: { matchLabels: { app: "mysql" } },
                template: {
                    metadata: { labels: { app: "mysql" } },
                    spec: {
                        containers: [
                            { name: "mysql", image: "mysql:8.4", ports: [{ name: "mysql", containerPort: 3306 }], readinessProbe: { tcpSocket: { port: 3306 } } },
                            { name: "xtrabackup", image: "xtrabackup:8.4", ports: [{ name: "xtrabackup", containerPort: 3307 }] },
                            { name: "exporter", image: "mysqld-exporter:0.15.1", ports: [{ name: "metrics", containerPort: 9104 }] },
                        ],
                    },
                },
            },
        };
        const byNumber = service("mysql", { app: "mysql" }, { clusterIP: "None", ports: [{ port: 3306 }] });
        const byName = service("mysql-read", { app: "mysql" }, { ports: [{ port: 3306, targetPort: "mysql" }] });
        assert.deepStrictEqual(await messages("readiness-probe-behind-service", [db, byNumber, byName]), [], "the backup agent and the exporter serve no Service port");
        const metrics = service("mysql-metrics", { app: "mysql" }, { ports: [{ port: 9104, targetPort: "metrics" }] });
        assert.deepStrictEqual(await messages("readiness-probe-behind-service", [db, byNumber, metrics]), [
            "StatefulSet lab/mysql: container 'exporter' is behind Service mysql-metrics but has no readinessProbe; add one (httpGet on a health path, or tcpSocket on the serving port).",
        ]);
        // A port no container declares may be served by any of them (ports need not be declared).
        const undeclared = service("mysql-admin", { app: "mysql" }, { ports: [{ port: 33062, targetPort: 33062 }] });
        assert.deepStrictEqual((await messages("readiness-probe-behind-service", [db, undeclared])).map(m => m.replace(/ but.*/, "")), [
            "StatefulSet lab/mysql: container 'xtrabackup' is behind Service mysql-admin",
            "StatefulSet lab/mysql: container 'exporter' is behind Service mysql-admin",
        ]);
    });

    it("ignores Services of another namespace, with other labels, without a selector, or ExternalName", async () => {
        const objects = [
            noProbe("web"),
            service("web", { app: "web" }, {}, "other"), service("other", { app: "other" }), service("manual", {}),
            service("external", { app: "web" }, { type: "ExternalName", externalName: "web.example.com" }),
        ];
        assert.deepStrictEqual(await messages("readiness-probe-behind-service", objects), []);
    });
});

describe("policy pinned-image-tag", () => {
    const image = (name: string, ref: string) => deployment(name, d => { podSpec(d).containers[0].image = ref; });

    it("reads tags from the last path segment only, and counts digests as pins", () => {
        const cases: [string, string][] = [
            ["mongo:6.0.2-focal", "6.0.2-focal"], ["smilr/data-api:2.9.8a", "2.9.8a"], ["busybox", ""], ["busybox:latest", "latest"],
            ["registry:5000/app", ""], ["registry:5000/team/app:1.2", "1.2"], ["localhost:5000/app:latest", "latest"],
            [`ghcr.io/x/y@sha256:${"a".repeat(64)}`, "digest"], [`app:latest@sha256:${"b".repeat(64)}`, "digest"],
        ];
        for (const [ref, tag] of cases) {
            assert.strictEqual(imageTag(ref), tag, ref);
        }
    });

    it("passes the smilr images, registry ports with a tag, and digests", async () => {
        const objects = [
            image("api", "smilr/data-api:2.9.8a"), image("fe", "smilr/frontend:2.9.8a"), image("db", "mongo:6.0.2-focal"),
            image("mirror", "myregistry.azurecr.io:443/smilr/data-api:2.9.8a"), image("pinned", `registry.local:5000/app@sha256:${"c".repeat(64)}`),
        ];
        assert.deepStrictEqual(await messages("pinned-image-tag", objects), []);
    });

    it("reports latest, no tag, a registry port mistaken for a tag, and init containers, as advisory", async () => {
        const init = deployment("init", d => { podSpec(d).initContainers = [{ name: "setup", image: "busybox:latest" }]; });
        const run = await checkObjects([image("bare", "icrosby/k8s-real-fe"), image("latest", "busybox:latest"), image("port", "registry.local:5000/app"), init]);
        const found = violationsOf(run, "pinned-image-tag");
        assert.deepStrictEqual(found.map(v => v.message.slice(v.description.length + 1)), [
            "Deployment lab/bare: container 'bare' runs icrosby/k8s-real-fe without a tag (latest); pin a release tag or a digest.",
            "Deployment lab/latest: container 'latest' runs busybox:latest; pin a release tag or a digest.",
            "Deployment lab/port: container 'port' runs registry.local:5000/app without a tag (latest); pin a release tag or a digest.",
            "Deployment lab/init: init container 'setup' runs busybox:latest; pin a release tag or a digest.",
        ]);
        assert.ok(found.every(v => v.enforcementLevel === "advisory"));
    });

    it("reports a container without an image, and ignores objects that run no pods", async () => {
        assert.deepStrictEqual(await messages("pinned-image-tag", [deployment("web", d => { delete podSpec(d).containers[0].image; })]), [
            "Deployment lab/web: container 'web' names no image; set image to a release tag or a digest.",
        ]);
        assert.deepStrictEqual(await messages("pinned-image-tag", [service("web", { app: "web" })]), []);
    });
});

describe("policy no-literal-credentials", () => {
    const env = (vars: Spec[]) => deployment("app", d => { podSpec(d).containers[0].env = vars; });

    it("recognises credential names by their parts, not by substrings", () => {
        for (const name of ["DB_PASSWORD", "MINIO_ACCESS_KEY", "MINIO_SECRET_KEY", "api-token", "GITHUB_TOKEN", "dbPassword", "apiKey", "CLIENTSECRET", "spring.datasource.password", "MYSQL_ROOT_PASSWD"]) {
            assert.strictEqual(looksLikeCredential(name), true, name);
        }
        for (const name of ["MONKEY", "KEYCLOAK_REALM", "SECRETARY", "TOKENIZER_MODEL", "POSTGRES_PASSWORD_FILE", "TLS_SECRET_NAME", "TOKEN_URL", "MONGO_CONNSTR", ""]) {
            assert.strictEqual(looksLikeCredential(name), false, name);
        }
    });

    it("passes credentials read from a Secret and look-alike names", async () => {
        const objects = [env([
            { name: "DB_PASSWORD", valueFrom: { secretKeyRef: { name: "database-creds", key: "password" } } },
            { name: "MONKEY", value: "banana" }, { name: "POSTGRES_PASSWORD_FILE", value: "/run/secrets/pw" }, { name: "MONGO_CONNSTR", value: "mongodb://mongodb:27017" },
        ])];
        assert.deepStrictEqual(await messages("no-literal-credentials", objects), []);
    });

    it("reports literal values of credential names, in init containers too, as advisory", async () => {
        const d = env([{ name: "MINIO_ACCESS_KEY", value: "mykey" }, { name: "MINIO_SECRET_KEY", value: "mysecret" }, { name: "api-token", value: "t0ps3cret" }]);
        podSpec(d).initContainers = [{ name: "seed", image: "busybox:1.36", env: [{ name: "DB_PASSWORD", value: "hunter2" }] }];
        const run = await checkObjects([d]);
        const found = violationsOf(run, "no-literal-credentials");
        assert.deepStrictEqual(found.map(v => v.message.slice(v.description.length + 1).replace(/;.*/, "")), [
            "Deployment lab/app: init container 'seed' sets DB_PASSWORD to a literal value",
            "Deployment lab/app: container 'app' sets MINIO_ACCESS_KEY to a literal value",
            "Deployment lab/app: container 'app' sets MINIO_SECRET_KEY to a literal value",
            "Deployment lab/app: container 'app' sets api-token to a literal value",
        ]);
        assert.match(found[0].message, /keep it in a Secret and read it with valueFrom\.secretKeyRef \(or list the name in policy config allowNames if it is not a credential\)\.$/);
        assert.ok(found.every(v => v.enforcementLevel === "advisory"));
    });

    it("does not take switches and settings about credentials for credentials (names)", () => {
        for (const name of ["MYSQL_ALLOW_EMPTY_PASSWORD", "ALLOW_EMPTY_PASSWORD", "MYSQL_RANDOM_ROOT_PASSWORD", "DISABLE_TOKEN_AUTH", "ENABLE_API_KEY_AUTH",
            "SKIP_PASSWORD_CHECK", "MYSQL_ROOT_PASSWORD_FILE", "POSTGRES_PASSWORD_FILE", "POSTGRESQL_PASSWORD_ENCRYPTION", "JWT_SECRET_ALGORITHM",
            "SESSION_TOKEN_TTL", "PASSWORD_MIN_LENGTH", "API_KEY_HEADER", "POSTGRES_HOST_AUTH_METHOD", "generateSecretKey"]) {
            assert.strictEqual(looksLikeCredential(name), false, name);
        }
        for (const name of ["MYSQL_ROOT_PASSWORD", "POSTGRES_PASSWORD", "JWT_SECRET", "SESSION_TOKEN", "AWS_SECRET_ACCESS_KEY", "USER_PASSWORD", "KEYCLOAK_ADMIN_PASSWORD"]) {
            assert.strictEqual(looksLikeCredential(name), true, name);
        }
    });

    it("does not take switch values, empty values or $(VAR) references for secrets (values)", () => {
        for (const value of ["", "  ", "1", "0", "true", "False", "YES", "no", "y", "N", "on", "Off", "enabled", "disabled", "$(DB_PASSWORD)", "$(A)$(B)", true, 1, null, undefined]) {
            assert.strictEqual(couldBeSecret(value), false, JSON.stringify(value));
        }
        for (const value of ["hunter2", "10", "yes-please", "$(DB_PASSWORD)x", "s3cr3t$(X)", "/run/secrets/pw", "truE1"]) {
            assert.strictEqual(couldBeSecret(value), true, JSON.stringify(value));
        }
    });

    it("passes the switches real images take in plain env, and reports the literal password beside them", async () => {
        const objects = [env([
            { name: "MYSQL_ALLOW_EMPTY_PASSWORD", value: "1" }, { name: "MYSQL_RANDOM_ROOT_PASSWORD", value: "yes" },
            { name: "POSTGRES_HOST_AUTH_METHOD", value: "trust" }, { name: "MYSQL_ROOT_PASSWORD_FILE", value: "/run/secrets/mysql-root" },
            { name: "REDIS_PASSWORD", value: "" }, { name: "USE_TOKEN", value: "false" }, { name: "API_TOKEN", value: "0" },
            { name: "DB_PASSWORD", value: "$(MYSQL_PASSWORD)" }, { name: "MYSQL_PASSWORD", value: "hunter2" },
        ])];
        assert.deepStrictEqual((await messages("no-literal-credentials", objects)).map(m => m.replace(/;.*/, "")), [
            "Deployment lab/app: container 'app' sets MYSQL_PASSWORD to a literal value",
        ]);
    });

    it("skips names on the configured allow-list, exactly as written", async () => {
        const objects = [env([{ name: "SORT_KEY", value: "date" }, { name: "sort_key", value: "date" }])];
        assert.deepStrictEqual((await messages("no-literal-credentials", objects, { "no-literal-credentials": { allowNames: ["SORT_KEY"] } })).map(m => m.replace(/ to a.*/, "")),
            ["Deployment lab/app: container 'app' sets sort_key"]);
    });
});

describe("policy no-removed-apis", () => {
    const obj = (apiVersion: string, kind: string, name = kind.toLowerCase()): ManifestObject => ({ apiVersion, kind, metadata: { name, namespace: "lab" }, spec: {} });

    it("names the replacement and the release that removed each version", async () => {
        const run = await checkObjects([
            obj("extensions/v1beta1", "Ingress"), obj("networking.k8s.io/v1beta1", "Ingress", "ingress-beta"),
            obj("autoscaling/v2beta1", "HorizontalPodAutoscaler"), obj("autoscaling/v2beta2", "HorizontalPodAutoscaler", "hpa-beta2"),
            obj("policy/v1beta1", "PodDisruptionBudget"), obj("batch/v1beta1", "CronJob"),
            obj("apps/v1beta1", "Deployment"), obj("apps/v1beta2", "StatefulSet"), obj("extensions/v1beta1", "DaemonSet"),
        ]);
        const found = violationsOf(run, "no-removed-apis");
        assert.deepStrictEqual(found.map(v => v.message.slice(v.description.length + 1)), [
            "Ingress lab/ingress uses extensions/v1beta1, removed in Kubernetes 1.22; use networking.k8s.io/v1.",
            "Ingress lab/ingress-beta uses networking.k8s.io/v1beta1, removed in Kubernetes 1.22; use networking.k8s.io/v1.",
            "HorizontalPodAutoscaler lab/horizontalpodautoscaler uses autoscaling/v2beta1, removed in Kubernetes 1.25; use autoscaling/v2.",
            "HorizontalPodAutoscaler lab/hpa-beta2 uses autoscaling/v2beta2, removed in Kubernetes 1.26; use autoscaling/v2.",
            "PodDisruptionBudget lab/poddisruptionbudget uses policy/v1beta1, removed in Kubernetes 1.25; use policy/v1.",
            "CronJob lab/cronjob uses batch/v1beta1, removed in Kubernetes 1.25; use batch/v1.",
            "Deployment lab/deployment uses apps/v1beta1, removed in Kubernetes 1.16; use apps/v1.",
            "StatefulSet lab/statefulset uses apps/v1beta2, removed in Kubernetes 1.16; use apps/v1.",
            "DaemonSet lab/daemonset uses extensions/v1beta1, removed in Kubernetes 1.16; use apps/v1.",
        ]);
        assert.ok(found.every(v => v.enforcementLevel === "advisory"));
    });

    it("reads the version from the Pulumi type token, as the engine hands it over", async () => {
        const [ingress] = manifestResources([obj("networking.k8s.io/v1", "Ingress", "web")]);
        const run = await runPolicyPack(pack, [{ ...ingress, type: "kubernetes:extensions/v1beta1:Ingress" }, ...manifestResources([obj("v1", "Service", "web")])]);
        assert.deepStrictEqual(violationsOf(run, "no-removed-apis").map(v => v.message.replace(/^.*\n/, "")), ["Ingress lab/web uses extensions/v1beta1, removed in Kubernetes 1.22; use networking.k8s.io/v1."]);
    });

    it("knows the removals of the other API groups", () => {
        assert.deepStrictEqual(removedApi("storage.k8s.io/v1beta1", "StorageClass"), { apiVersion: "storage.k8s.io/v1beta1", kinds: ["StorageClass", "VolumeAttachment", "CSIDriver", "CSINode"], replacement: "storage.k8s.io/v1", removedIn: "1.22" });
        assert.strictEqual(removedApi("policy/v1beta1", "PodSecurityPolicy")?.removedIn, "1.25");
        assert.strictEqual(removedApi("extensions/v1beta1", "NetworkPolicy")?.replacement, "networking.k8s.io/v1");
        assert.strictEqual(removedApi("flowcontrol.apiserver.k8s.io/v1beta2", "FlowSchema")?.removedIn, "1.29");
        for (const [apiVersion, kind] of [["v1", "Service"], ["apps/v1", "Deployment"], ["autoscaling/v2", "HorizontalPodAutoscaler"], ["autoscaling/v1", "HorizontalPodAutoscaler"], ["policy/v1", "PodDisruptionBudget"], ["batch/v1", "CronJob"], ["networking.k8s.io/v1", "Ingress"], ["storage.k8s.io/v1", "StorageClass"]]) {
            assert.strictEqual(removedApi(apiVersion, kind), undefined, `${apiVersion} ${kind}`);
        }
    });

    it("passes current versions and resources that are not Kubernetes objects", async () => {
        const objects = [obj("networking.k8s.io/v1", "Ingress"), obj("autoscaling/v2", "HorizontalPodAutoscaler"), obj("policy/v1", "PodDisruptionBudget"), obj("batch/v1", "CronJob"), obj("v1", "Service"), deployment("web")];
        assert.deepStrictEqual(await messages("no-removed-apis", objects), []);
    });
});

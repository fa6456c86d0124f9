/**
 * tools/validate.ts: what `kubectl apply --validate=strict` and the API server would reject,
 * for the plan and check alike.
 */
import * as assert from "assert";
import * as k8s from "@pulumi/kubernetes";
import { recordProgram } from "../tools/recorder";
import { JsonObject, renderObjects } from "../tools/render";
import { ValidationIssue, removedApi, validateObject, validateObjects, validationIssues } from "../tools/validate";

function issues(object: JsonObject, unknownPaths: string[] = []): Promise<ValidationIssue[]> {
    return validationIssues({ apiVersion: String(object.apiVersion), kind: String(object.kind), object, unknownPaths });
}

const container = { name: "web", image: "nginx:1.27.2", resources: { requests: { cpu: "50m", memory: "64Mi" }, limits: { memory: "128Mi" } } };

function deployment(spec: JsonObject = {}, labels: JsonObject = { app: "web" }): JsonObject {
    return {
        apiVersion: "apps/v1", kind: "Deployment", metadata: { name: "web", namespace: "shop", labels: { app: "web" }, annotations: { "example.com/any-key": "x" } },
        spec: { selector: { matchLabels: { app: "web" } }, template: { metadata: { labels }, spec: { containers: [container] } }, ...spec },
    };
}

describe("validate: strict, as the API server takes objects", () => {
    it("accepts a valid object, free-form maps included (labels, annotations, ConfigMap data)", async () => {
        assert.deepStrictEqual(await issues(deployment()), []);
        assert.deepStrictEqual(await issues({ apiVersion: "v1", kind: "ConfigMap", metadata: { name: "c", labels: { "any/key": "v" } }, data: { "whatever.conf": "x", ANY_KEY: "y" } }), []);
    });

    describe("unknown fields", () => {
        it("rejects spec.metrics in an autoscaling/v1 HorizontalPodAutoscaler, naming the path", async () => {
            const hpa = {
                apiVersion: "autoscaling/v1", kind: "HorizontalPodAutoscaler", metadata: { name: "web", namespace: "shop" },
                spec: { scaleTargetRef: { apiVersion: "apps/v1", kind: "Deployment", name: "web" }, maxReplicas: 4, metrics: [{ type: "Resource" }] },
            };
            const found = await issues(hpa);
            assert.deepStrictEqual(found.map(i => [i.code, i.path]), [["unknown-field", "/spec/metrics"]]);
            assert.strictEqual(found[0].message, "/spec/metrics: unknown field \"spec.metrics\": kubectl --validate=strict rejects it");
            // The same field is known in autoscaling/v2.
            assert.deepStrictEqual(await issues({ ...hpa, apiVersion: "autoscaling/v2", spec: { ...hpa.spec, metrics: [{ type: "Resource", resource: { name: "cpu", target: { type: "Utilization", averageUtilization: 50 } } }] } }), []);
        });

        it("rejects a typo'd field at any depth, suggesting the field meant", async () => {
            const d = deployment({ replicass: 2 });
            ((((d.spec as JsonObject).template as JsonObject).spec as JsonObject).containers as JsonObject[])[0] = { ...container, env: [{ name: "A", valeu: "b" }] };
            const found = await issues(d);
            assert.deepStrictEqual(found.map(i => i.message).sort(), [
                "/spec/replicass: unknown field \"spec.replicass\" (did you mean \"replicas\"?): kubectl --validate=strict rejects it",
                "/spec/template/spec/containers/0/env/0/valeu: unknown field \"spec.template.spec.containers[0].env[0].valeu\" (did you mean \"value\"?): kubectl --validate=strict rejects it",
            ]);
            assert.ok(found.every(i => i.code === "unknown-field"));
        });

        it("rejects an unknown top-level and metadata field", async () => {
            const found = await issues({ apiVersion: "v1", kind: "ConfigMap", metadata: { name: "c", namspace: "x" }, data: {}, extra: true });
            assert.deepStrictEqual(found.map(i => i.path), ["/metadata/namspace", "/extra"]);
            assert.match(found[0].message, /did you mean "namespace"\?/);
        });

        it("lets x-kubernetes-preserve-unknown-fields and description through in a CRD's schema, and free-form defaults", async () => {
            const crd = {
                apiVersion: "apiextensions.k8s.io/v1", kind: "CustomResourceDefinition", metadata: { name: "foos.example.com" },
                spec: {
                    group: "example.com", scope: "Namespaced", names: { kind: "Foo", plural: "foos" },
                    versions: [{
                        name: "v1", served: true, storage: true,
                        additionalPrinterColumns: [{ name: "Age", type: "date", jsonPath: ".metadata.creationTimestamp", description: "age" }],
                        schema: {
                            openAPIV3Schema: {
                                type: "object", description: "A foo.", "x-kubernetes-preserve-unknown-fields": true,
                                properties: { spec: { type: "object", description: "Its spec.", default: { anything: { nested: 1 } }, "x-kubernetes-validations": [{ rule: "true" }] } },
                            },
                        },
                    }],
                },
            };
            assert.deepStrictEqual(await issues(crd), []);
            assert.deepStrictEqual(await issues({ apiVersion: "scheduling.k8s.io/v1", kind: "PriorityClass", metadata: { name: "high" }, value: 1000, description: "for the important ones" }), []);
        });

        it("does not let description through where the type has none", async () => {
            const found = await issues(deployment({ description: "a web app" }));
            assert.deepStrictEqual(found.map(i => i.path), ["/spec/description"]);
        });

        it("skips values unknown until deployment", async () => {
            const d = deployment({ replicass: "(unknown until deployed)" });
            assert.deepStrictEqual(await issues(d, ["/spec/replicass"]), []);
        });
    });

    describe("selectors", () => {
        it("rejects a Deployment whose selector does not match its template labels", async () => {
            const found = await issues(deployment({}, { app: "api" }));
            assert.deepStrictEqual(found.map(i => [i.code, i.path]), [["selector", "/spec/selector"]]);
            assert.strictEqual(found[0].message, "/spec/selector: selector does not match template labels: {matchLabels: {app: web}} does not select the pod template's labels {app: api}, so the API server rejects this Deployment");
        });

        it("reads matchExpressions, and a label missing from the template", async () => {
            const bad = await issues(deployment({ selector: { matchLabels: { app: "web" }, matchExpressions: [{ key: "tier", operator: "In", values: ["front", "edge"] }] } }));
            assert.match(bad[0].message, /selector does not match template labels: \{matchLabels: \{app: web\}, matchExpressions: \[\{key: tier, operator: In, values: \[front, edge\]\}\]\} does not select the pod template's labels \{app: web\}/);
            const ok = await issues(deployment({ selector: { matchExpressions: [{ key: "app", operator: "In", values: ["web"] }, { key: "tier", operator: "DoesNotExist" }] } }));
            assert.deepStrictEqual(ok, []);
            const notIn = await issues(deployment({ selector: { matchExpressions: [{ key: "app", operator: "NotIn", values: ["web"] }] } }));
            assert.strictEqual(notIn[0]?.code, "selector");
        });

        it("rejects an empty selector of a Deployment", async () => {
            const found = await issues(deployment({ selector: {} }));
            assert.deepStrictEqual(found.map(i => i.code), ["selector"]);
            assert.match(found[0].message, /selector is empty/);
        });

        it("checks StatefulSets, DaemonSets, ReplicaSets, ReplicationControllers and Jobs with a manual selector", async () => {
            const template = { metadata: { labels: { app: "db" } }, spec: { containers: [container] } };
            const wrong = { matchLabels: { app: "web" } };
            const objects: JsonObject[] = [
                { apiVersion: "apps/v1", kind: "StatefulSet", metadata: { name: "db" }, spec: { serviceName: "db", selector: wrong, template } },
                { apiVersion: "apps/v1", kind: "DaemonSet", metadata: { name: "db" }, spec: { selector: wrong, template } },
                { apiVersion: "apps/v1", kind: "ReplicaSet", metadata: { name: "db" }, spec: { selector: wrong, template } },
                { apiVersion: "v1", kind: "ReplicationController", metadata: { name: "db" }, spec: { selector: { app: "web" }, template } },
                { apiVersion: "batch/v1", kind: "Job", metadata: { name: "db" }, spec: { manualSelector: true, selector: wrong, template: { ...template, spec: { ...template.spec, restartPolicy: "Never" } } } },
            ];
            for (const o of objects) {
                assert.deepStrictEqual((await issues(o)).map(i => i.code), ["selector"], String(o.kind));
            }
            // Without manualSelector the API server generates a Job's selector; an empty RC selector defaults to the template's labels.
            const job = { apiVersion: "batch/v1", kind: "Job", metadata: { name: "db" }, spec: { template: { ...template, spec: { ...template.spec, restartPolicy: "Never" } } } };
            assert.deepStrictEqual(await issues(job), []);
            assert.deepStrictEqual(await issues({ apiVersion: "v1", kind: "ReplicationController", metadata: { name: "db" }, spec: { selector: {}, template } }), []);
        });

        it("leaves a malformed selector to the schema check", async () => {
            const found = await issues(deployment({ selector: { matchExpressions: { key: "app" } } }));
            assert.deepStrictEqual(found.map(i => i.code), ["schema"]);
        });

        it("skips a selector or labels unknown until deployment", async () => {
            assert.deepStrictEqual(await issues(deployment({}, { app: "(unknown until deployed)" }), ["/spec/template/metadata/labels/app"]), []);
        });
    });

    describe("names, namespaces, labels and annotations (the API server's formats)", () => {
        const cm = (metadata: JsonObject): JsonObject => ({ apiVersion: "v1", kind: "ConfigMap", metadata, data: {} });
        const codes = (found: ValidationIssue[]) => found.map(i => [i.code, i.path]);

        it("rejects a name that is not an RFC 1123 subdomain, and a placeholder namespace, saying what is allowed", async () => {
            const found = await issues(cm({ name: "My_Config", namespace: "YOUR_NAMESPACE" }));
            assert.deepStrictEqual(codes(found), [["metadata", "/metadata/name"], ["metadata", "/metadata/namespace"]]);
            assert.match(found[0].message, /^\/metadata\/name: "My_Config" is not a valid ConfigMap name: it must be a lowercase RFC 1123 subdomain/);
            assert.match(found[1].message, /"YOUR_NAMESPACE" is not a valid namespace name: it must be a lowercase RFC 1123 label.*\(a placeholder left to fill in\?\)$/);
            assert.deepStrictEqual(await issues(cm({ name: "app.config-1", namespace: "team-a" })), []);
        });

        it("follows each kind's own rule: Service (RFC 1035), Namespace and StatefulSet (labels), CronJob (52), RBAC (path segments)", async () => {
            const svc = (name: string) => ({ apiVersion: "v1", kind: "Service", metadata: { name, namespace: "shop" }, spec: { ports: [{ port: 80 }] } });
            assert.deepStrictEqual(codes(await issues(svc("1web"))), [["metadata", "/metadata/name"]]);
            assert.deepStrictEqual(codes(await issues(svc("web.api"))), [["metadata", "/metadata/name"]]);
            assert.deepStrictEqual(await issues(svc("web-1")), []);
            assert.deepStrictEqual(codes(await issues({ apiVersion: "v1", kind: "Namespace", metadata: { name: "team.a" } })), [["metadata", "/metadata/name"]]);
            const sts = deployment();
            Object.assign(sts, { kind: "StatefulSet", metadata: { name: "db.primary", namespace: "shop" } });
            assert.deepStrictEqual(codes(await issues(sts)), [["metadata", "/metadata/name"]]);
            Object.assign(sts, { kind: "Deployment" });
            assert.deepStrictEqual(await issues(sts), [], "a Deployment may have dots in its name");
            const cron = (name: string) => ({
                apiVersion: "batch/v1", kind: "CronJob", metadata: { name, namespace: "shop" },
                spec: { schedule: "0 * * * *", jobTemplate: { spec: { template: { spec: { restartPolicy: "Never", containers: [container] } } } } },
            });
            assert.deepStrictEqual(await issues(cron("a".repeat(52))), []);
            const long = await issues(cron("a".repeat(53)));
            assert.deepStrictEqual(codes(long), [["metadata", "/metadata/name"]]);
            assert.match(long[0].message, /its Jobs get an 11-character suffix \(at most 52 characters\)/);
            const role = (name: string) => ({ apiVersion: "rbac.authorization.k8s.io/v1", kind: "ClusterRole", metadata: { name }, rules: [] });
            assert.deepStrictEqual(await issues(role("system:controller:Web_Reader")), []);
            assert.deepStrictEqual(codes(await issues(role("a/b"))), [["metadata", "/metadata/name"]]);
        });

        it("asks for a name unless generateName gives a valid prefix", async () => {
            assert.match((await issues(cm({ namespace: "shop" })))[0].message, /^\/metadata\/name: a ConfigMap needs a name/);
            assert.deepStrictEqual(await issues(cm({ generateName: "settings-" })), []);
            assert.deepStrictEqual(codes(await issues(cm({ generateName: "Settings-" }))), [["metadata", "/metadata/generateName"]]);
            assert.deepStrictEqual(codes(await issues({ apiVersion: "v1", kind: "ConfigMap", data: {} })), [["metadata", "/metadata/name"]]);
        });

        it("checks label keys and values, and annotation keys, of the object and its pod template", async () => {
            const d = deployment({}, { app: "web", version: "1.0.0+build.5" });
            (d.metadata as JsonObject).labels = { app: "web", "Example.com/tier": "web", "bad key": "x" };
            (d.metadata as JsonObject).annotations = { "Example.com/Note": "ok", "x/y/z": "no" };
            const found = await issues(d);
            assert.deepStrictEqual(codes(found), [
                ["metadata", "/metadata/labels/Example.com~1tier"],
                ["metadata", "/metadata/labels/bad key"],
                ["metadata", "/metadata/annotations/x~1y~1z"],
                ["metadata", "/spec/template/metadata/labels/version"],
            ]);
            assert.match(found[0].message, /^\/metadata\/labels: label key "Example\.com\/tier" is not valid: its prefix "Example\.com" must be a lowercase RFC 1123 subdomain/);
            assert.match(found[3].message, /^\/spec\/template\/metadata\/labels: label version has the value "1\.0\.0\+build\.5", which is not valid/);
            // The selector of this Deployment still selects its pods: the label problem is the only one.
            assert.ok(!found.some(i => i.code === "selector"));
        });

        it("limits all annotations together to 256 KiB", async () => {
            const found = await issues(cm({ name: "big", annotations: { "example.com/blob": "x".repeat(256 * 1024) } }));
            assert.deepStrictEqual(codes(found), [["metadata", "/metadata/annotations"]]);
            assert.match(found[0].message, /take 262160 bytes; the API server allows at most 262144/);
        });

        it("leaves a custom resource's spec.template alone: it is the operator's type, not a pod template (Argo CD's ApplicationSet)", async () => {
            const appSet = {
                apiVersion: "argoproj.io/v1alpha1", kind: "ApplicationSet", metadata: { name: "simple-phase-deployment", namespace: "argocd" },
                spec: { template: { metadata: { name: "{{name}}-guestbook", labels: { environment: "{{metadata.labels.environment}}" } }, spec: {} } },
            };
            assert.deepStrictEqual((await issues(appSet)).map(i => i.code), ["unknown-kind"]);
        });

        it("checks a custom resource's name and labels, without asking a tool's config file for one", async () => {
            const cr = { apiVersion: "example.com/v1", kind: "Widget", metadata: { name: "Big_Widget", namespace: "shop" } };
            assert.deepStrictEqual(codes(await issues(cr)), [["unknown-kind", undefined], ["metadata", "/metadata/name"]]);
            assert.deepStrictEqual(codes(await issues({ apiVersion: "kustomize.config.k8s.io/v1beta1", kind: "Kustomization", resources: [] })), [["unknown-kind", undefined]]);
        });

        it("names a CustomResourceDefinition <plural>.<group>", async () => {
            const crd = {
                apiVersion: "apiextensions.k8s.io/v1", kind: "CustomResourceDefinition", metadata: { name: "widget.example.com" },
                spec: {
                    group: "example.com", scope: "Namespaced", names: { plural: "widgets", singular: "widget", kind: "Widget" },
                    versions: [{ name: "v1", served: true, storage: true, schema: { openAPIV3Schema: { type: "object" } } }],
                },
            };
            const found = await issues(crd);
            assert.deepStrictEqual(codes(found), [["metadata", "/metadata/name"]]);
            assert.match(found[0].message, /must be spec\.names\.plural and spec\.group joined by a '\.': "widgets\.example\.com"/);
        });

        it("skips names, namespaces and labels unknown until deployment", async () => {
            assert.deepStrictEqual(await issues(cm({ name: "UNKNOWN", namespace: "UNKNOWN" }), ["/metadata/name", "/metadata/namespace"]), []);
            assert.deepStrictEqual(await issues(cm({ name: "c", labels: { v: "+" } }), ["/metadata/labels"]), []);
        });
    });

    describe("removed API versions", () => {
        const cases: [string, string, string, string][] = [
            ["extensions/v1beta1", "Deployment", "1.16", "apps/v1"],
            ["extensions/v1beta1", "Ingress", "1.22", "networking.k8s.io/v1"],
            ["apps/v1beta1", "StatefulSet", "1.16", "apps/v1"],
            ["apps/v1beta2", "Deployment", "1.16", "apps/v1"],
            ["policy/v1beta1", "PodDisruptionBudget", "1.25", "policy/v1"],
            ["autoscaling/v2beta1", "HorizontalPodAutoscaler", "1.25", "autoscaling/v2"],
            ["autoscaling/v2beta2", "HorizontalPodAutoscaler", "1.26", "autoscaling/v2"],
            ["batch/v1beta1", "CronJob", "1.25", "batch/v1"],
            ["networking.k8s.io/v1beta1", "Ingress", "1.22", "networking.k8s.io/v1"],
            ["rbac.authorization.k8s.io/v1beta1", "ClusterRole", "1.22", "rbac.authorization.k8s.io/v1"],
        ];
        for (const [apiVersion, kind, release, use] of cases) {
            it(`${kind} in ${apiVersion}: removed in ${release}, use ${use}`, async () => {
                const found = await issues({ apiVersion, kind, metadata: { name: "x", namespace: "y" }, spec: {} });
                assert.deepStrictEqual(found, [{ code: "removed-api", path: "/apiVersion", message: `${kind} in apiVersion ${apiVersion} was removed in Kubernetes ${release}: use apiVersion ${use}` }]);
            });
        }

        it("uses the policy pack's table (no-removed-apis), so plan, check and pack agree", async () => {
            const found = await issues({ apiVersion: "extensions/v1beta1", kind: "PodSecurityPolicy", metadata: { name: "p" }, spec: {} });
            assert.deepStrictEqual(found.map(i => i.message), ["PodSecurityPolicy in apiVersion extensions/v1beta1 was removed in Kubernetes 1.16: use Pod Security Admission (PodSecurityPolicy itself is gone since 1.25)"]);
        });

        it("leaves served versions alone", () => {
            for (const [apiVersion, kind] of [["apps/v1", "Deployment"], ["policy/v1", "PodDisruptionBudget"], ["autoscaling/v2", "HorizontalPodAutoscaler"], ["batch/v1", "CronJob"], ["v1", "Service"]]) {
                assert.strictEqual(removedApi(apiVersion, kind), undefined, `${apiVersion} ${kind}`);
            }
            // Betas of later kinds in groups whose older v1beta1 kinds were removed: ValidatingAdmissionPolicy (1.28), ServiceCIDR (1.31), ClusterTrustBundle, LeaseCandidate.
            for (const [apiVersion, kind] of [["admissionregistration.k8s.io/v1beta1", "ValidatingAdmissionPolicy"], ["networking.k8s.io/v1beta1", "ServiceCIDR"],
                ["certificates.k8s.io/v1beta1", "ClusterTrustBundle"], ["coordination.k8s.io/v1beta1", "LeaseCandidate"]]) {
                assert.strictEqual(removedApi(apiVersion, kind), undefined, `${apiVersion} ${kind}`);
            }
            assert.strictEqual(removedApi("admissionregistration.k8s.io/v1beta1", "ValidatingWebhookConfiguration")?.removedIn, "1.22");
            assert.strictEqual(removedApi("storage.k8s.io/v1beta1", "constructor"), undefined);
            assert.strictEqual(removedApi("constructor", "Deployment"), undefined);
        });
    });

    it("validateObject and validateObjects, as the plan calls them", async () => {
        assert.deepStrictEqual(await validateObject({ apiVersion: "apps/v1", kind: "Deploymnet", object: {}, unknownPaths: [] }),
            ["unknown kind Deploymnet in apiVersion apps/v1 (not in the Kubernetes API this project validates against)"]);
        const failures = await validateObjects([
            { urn: "urn:a", apiVersion: "apps/v1", kind: "Deployment", namespace: "shop", name: "web", object: deployment(), unknownPaths: [] },
            { urn: "urn:b", apiVersion: "extensions/v1beta1", kind: "Deployment", namespace: "shop", name: "old", object: { ...deployment(), apiVersion: "extensions/v1beta1" }, unknownPaths: [] },
            { urn: "urn:c", apiVersion: "apps/v1", kind: "Deployment", namespace: "shop", name: "typo", object: deployment({ replicass: 1 }, { app: "api" }), unknownPaths: [] },
        ]);
        assert.deepStrictEqual(failures.map(f => [f.object, f.urn, f.errors.length]), [["Deployment shop/old", "urn:b", 1], ["Deployment shop/typo", "urn:c", 2]]);
        assert.match(failures[0].errors[0], /removed in Kubernetes 1\.16: use apiVersion apps\/v1$/);
        assert.match(failures[1].errors[1], /selector does not match template labels/);
    });

    it("accepts an empty string where the API server defaults it as if absent (Bitnami's podManagementPolicy: \"\"), and nowhere else", async () => {
        const sts: JsonObject = {
            apiVersion: "apps/v1", kind: "StatefulSet", metadata: { name: "db", namespace: "shop" },
            spec: {
                serviceName: "db", podManagementPolicy: "", updateStrategy: { type: "" }, selector: { matchLabels: { app: "db" } },
                template: { metadata: { labels: { app: "db" } }, spec: { restartPolicy: "", containers: [{ ...container, imagePullPolicy: "", ports: [{ containerPort: 5432, protocol: "" }] }] } },
            },
        };
        assert.deepStrictEqual(await issues(sts), []);
        const svc: JsonObject = { apiVersion: "v1", kind: "Service", metadata: { name: "db", namespace: "shop" }, spec: { type: "", sessionAffinity: "", selector: { app: "db" }, ports: [{ port: 5432, protocol: "" }] } };
        assert.deepStrictEqual(await issues(svc), []);
        // No default fills these in: still refused.
        const pvc: JsonObject = { apiVersion: "v1", kind: "PersistentVolumeClaim", metadata: { name: "p" }, spec: { volumeMode: "", accessModes: ["ReadWriteOnce"], resources: { requests: { storage: "1Gi" } } } };
        assert.deepStrictEqual((await issues(pvc)).map(i => i.path), ["/spec/volumeMode"]);
        assert.deepStrictEqual((await issues(deployment({ podManagementPolicy: "Parallel" }))).map(i => i.code), ["unknown-field"], "the exception is for empty values of known fields only");
        assert.deepStrictEqual((await issues({ ...sts, spec: { ...(sts.spec as JsonObject), podManagementPolicy: "Sometimes" } })).map(i => i.path), ["/spec/podManagementPolicy"]);
    });

    it("reads a field set to null as the API server decodes it: unset, so a required one is missing and a map value is fine", async () => {
        // KEDA's Azure Functions sample: a pipeline token `#{...}#` after the key is a YAML comment, so the value is null.
        assert.deepStrictEqual(await issues({ apiVersion: "v1", kind: "Secret", metadata: { name: "s", namespace: "shop" }, data: { AzureWebJobsStorage: null, RUNTIME: "bm9kZQ==" } }), []);
        assert.deepStrictEqual(await issues({ apiVersion: "v1", kind: "ConfigMap", metadata: { name: "c", labels: { tier: null } }, data: { EMPTY: null } }), []);
        const d = deployment({ replicas: null });
        assert.deepStrictEqual(await issues(d), []);
        ((d.spec as JsonObject).template as { spec: JsonObject }).spec.containers = null;
        assert.deepStrictEqual((await issues(d)).map(i => i.message), ["/spec/template/spec must have required property containers"]);
    });

    it("accepts an empty toleration effect (every effect) and operator (Equal), an empty httpGet scheme and Endpoints port protocol, as the API server takes them", async () => {
        const d = deployment();
        const pod = ((d.spec as JsonObject).template as { spec: JsonObject }).spec;
        pod.tolerations = [{ key: "dedicated", operator: "", value: "x", effect: "" }];
        (pod.containers as JsonObject[])[0].readinessProbe = { httpGet: { path: "/", port: 80, scheme: "" } };
        assert.deepStrictEqual(await issues(d), []);
        const endpoints = { apiVersion: "v1", kind: "Endpoints", metadata: { name: "e", namespace: "shop" }, subsets: [{ addresses: [{ ip: "10.0.0.1" }], ports: [{ port: 80, protocol: "" }] }] };
        assert.deepStrictEqual(await issues(endpoints), [], "an Endpoints port's protocol defaults to TCP");
        pod.tolerations = [{ key: "dedicated", operator: "Equals", value: "x" }];
        assert.deepStrictEqual((await issues(d)).map(i => i.path), ["/spec/template/spec/tolerations/0/operator"]);
    });

    it("still reports schema errors by path, once each", async () => {
        const found = await issues({ apiVersion: "v1", kind: "PersistentVolumeClaim", metadata: { name: "p" }, spec: { resources: { requests: { storage: "500MB" } } } });
        assert.ok(found.length > 0);
        assert.deepStrictEqual([...new Set(found.map(i => `${i.code} ${i.path}`))], ["schema /spec/resources/requests/storage"]);
        assert.strictEqual(new Set(found.map(i => i.message)).size, found.length);
    });

    it("reaches the plan: a program's objects rendered and validated as `npm run plan` does", async function () {
        this.timeout(60000);
        const recording = await recordProgram(async () => {
            const labels = { app: "web" };
            new k8s.apps.v1.Deployment("web", {
                metadata: { name: "web", namespace: "shop" },
                spec: { selector: { matchLabels: labels }, template: { metadata: { labels: { app: "api" } }, spec: { containers: [container] } } },
            });
            new k8s.apiextensions.CustomResource("old", { apiVersion: "policy/v1beta1", kind: "PodDisruptionBudget", metadata: { name: "old", namespace: "shop" }, spec: { minAvailable: 1, selector: { matchLabels: labels } } });
            new k8s.core.v1.ConfigMap("fine", { metadata: { name: "fine", namespace: "shop" }, data: { a: "b" } });
            return {};
        }, { stack: "test", config: {} });
        const failures = await validateObjects(renderObjects(recording));
        assert.deepStrictEqual(failures.map(f => f.object), ["Deployment shop/web", "PodDisruptionBudget shop/old"]);
        assert.match(failures[0].errors.join("\n"), /selector does not match template labels/);
        assert.deepStrictEqual(failures[1].errors, ["PodDisruptionBudget in apiVersion policy/v1beta1 was removed in Kubernetes 1.25: use apiVersion policy/v1"]);
    });
});

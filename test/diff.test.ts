/**
 * Diff against a previous plan: pulumi-kubernetes' replacement rules on hand-made reports, then
 * the real program on the minikube stack (smilr) planned with varied config.
 */
import * as pulumi from "@pulumi/pulumi";
import * as assert from "assert";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { PlanDiff, ResourceDiff, diffExitCode, diffReports, formatDiff, parsePath } from "../tools/diff";
import { Plan, ROOT, plan } from "../tools/plan-lib";
import { KubelabMocks } from "../tools/mocks";
import { forceNewPaths, reaches } from "../tools/replacement-rules";
import { JsonObject, PlanReport, REPORT_FORMAT, REPORT_VERSION, ReportResource, SECRET_MARKER, UNKNOWN_MARKER, buildReport, plainOf, readReport, writeReport } from "../tools/report";
import { StackConfig, loadStackConfig } from "../tools/stack-config";

const STACK = "urn:pulumi:dev::kubelab::";
const PROVIDER = `${STACK}pulumi:providers:kubernetes::k8s`;

function resource(type: string, name: string, inputs: JsonObject, extra: Partial<ReportResource> = {}): ReportResource {
    const custom = !type.startsWith("kubelab:");
    return {
        type, name, urn: `${STACK}${type}::${name}`, custom, dependencies: [],
        provider: custom && type.startsWith("kubernetes:") ? PROVIDER : undefined,
        protect: false, retainOnDelete: false, ignoreChanges: [], replaceOnChanges: [], inputs, ...extra,
    };
}

function report(resources: ReportResource[]): PlanReport {
    const provider = resource("pulumi:providers:kubernetes", "k8s", { context: "minikube" });
    return {
        format: REPORT_FORMAT, version: REPORT_VERSION, stack: "dev", project: "kubelab", preview: true, placeholders: [],
        resources: [provider, ...resources],
        objects: resources.filter(r => r.type.startsWith("kubernetes:")).map(r => {
            const md = (r.inputs.metadata ?? {}) as JsonObject;
            return {
                file: "x.yaml", apiVersion: "v1", kind: r.type.split(":")[2], urn: r.urn, unknownPaths: [],
                name: typeof md.name === "string" ? md.name : `${r.name}-0123abcd`,
                ...(typeof md.namespace === "string" ? { namespace: md.namespace } : {}),
            };
        }),
        schemaFailures: [], policyConfig: {}, policies: { diagnostics: [], notApplicable: [] }, outputs: {}, exitCode: 0,
    };
}

function pvc(storage: string, storageClassName = "standard", name: string | null = "data"): ReportResource {
    return resource("kubernetes:core/v1:PersistentVolumeClaim", "lab-data", {
        apiVersion: "v1", kind: "PersistentVolumeClaim",
        metadata: { ...(name ? { name } : {}), namespace: "lab" },
        spec: { accessModes: ["ReadWriteOnce"], storageClassName, resources: { requests: { storage } } },
    });
}

function statefulSet(storage: string, annotations: JsonObject = {}, extra: JsonObject = {}): ReportResource {
    return resource("kubernetes:apps/v1:StatefulSet", "lab-db", {
        apiVersion: "apps/v1", kind: "StatefulSet",
        metadata: { name: "db", namespace: "lab", annotations },
        spec: {
            replicas: 3, serviceName: "db", selector: { matchLabels: { app: "db" } },
            template: { metadata: { labels: { app: "db" } }, spec: { containers: [{ name: "db", image: "mongo:6.0" }] } },
            volumeClaimTemplates: [{ metadata: { name: "data" }, spec: { accessModes: ["ReadWriteOnce"], resources: { requests: { storage } } } }],
            ...extra,
        },
    });
}

function only(d: PlanDiff, name: string): ResourceDiff {
    const r = d.resources.find(x => x.name === name);
    assert.ok(r, `no resource ${name} in the diff: ${d.resources.map(x => x.name).join(", ")}`);
    return r;
}

describe("replacement rules (pulumi-kubernetes diff.go)", () => {
    it("a change below a force-new field reaches it; a sibling does not", () => {
        assert.ok(reaches(".spec.volumeClaimTemplates", ["spec", "volumeClaimTemplates", 0, "spec", "resources", "requests", "storage"], "1Gi"));
        assert.ok(!reaches(".spec.volumeClaimTemplates", ["spec", "template", "spec"], {}));
        assert.ok(reaches(".spec.containers[*].image", ["spec", "containers", 2, "image"], "x"));
        assert.ok(!reaches(".spec.containers[*].image", ["spec", "containers", "image"], "x"));
        // A new value above the field that contains it.
        assert.ok(reaches(".spec.selector", ["spec"], { selector: { matchLabels: { a: "b" } } }));
        assert.ok(!reaches(".spec.selector", ["spec"], { replicas: 2 }));
    });

    it("Secrets and ConfigMaps replace on data changes unless the provider makes them mutable", () => {
        assert.ok(forceNewPaths("v1", "Secret").includes(".stringData"));
        assert.ok(!forceNewPaths("v1", "Secret", { enableSecretMutable: true }).includes(".stringData"));
        assert.ok(forceNewPaths("v1", "Secret", { enableSecretMutable: true }, true).includes(".stringData"));
        assert.ok(forceNewPaths("v1", "ConfigMap").includes(".data"));
        assert.ok(!forceNewPaths("v1", "ConfigMap", { enableConfigMapMutable: true }).includes(".data"));
        assert.deepStrictEqual(forceNewPaths("apps/v1", "Deployment").slice(0, 3), [".metadata.name", ".metadata.namespace", ".spec.selector"]);
    });

    it("per kind, as the provider's table has it", () => {
        const replaces = (apiVersion: string, kind: string, path: (string | number)[]) => forceNewPaths(apiVersion, kind).some(p => reaches(p, path, "x"));
        assert.ok(replaces("v1", "Service", ["spec", "clusterIP"]));
        assert.ok(!replaces("v1", "Service", ["spec", "type"]));
        assert.ok(replaces("batch/v1", "Job", ["spec", "template", "spec", "containers", 0, "image"]));
        assert.ok(!replaces("apps/v1", "Deployment", ["spec", "template", "spec", "containers", 0, "image"]));
        assert.ok(replaces("apps/v1", "Deployment", ["spec", "selector", "matchLabels", "app"]));
        assert.ok(replaces("policy/v1beta1", "PodDisruptionBudget", ["spec", "minAvailable"]));
        assert.ok(!replaces("policy/v1", "PodDisruptionBudget", ["spec", "minAvailable"]));
        assert.ok(replaces("rbac.authorization.k8s.io/v1", "RoleBinding", ["roleRef", "name"]));
        assert.ok(replaces("storage.k8s.io/v1", "StorageClass", ["provisioner"]));
        assert.ok(!replaces("storage.k8s.io/v1", "StorageClass", ["allowVolumeExpansion"]));
        assert.ok(replaces("v1", "PersistentVolume", ["spec", "csi", "volumeHandle"]));
        assert.ok(!replaces("v1", "PersistentVolume", ["spec", "capacity", "storage"]));
        assert.ok(replaces("v1", "Pod", ["spec", "containers", 0, "image"]));
        assert.ok(replaces("example.com/v1", "Widget", ["metadata", "namespace"]));
        assert.ok(!replaces("example.com/v1", "Widget", ["spec", "anything"]));
    });

    it("parses Pulumi property paths", () => {
        assert.deepStrictEqual(parsePath('metadata.annotations["a.b/c"]'), ["metadata", "annotations", "a.b/c"]);
        assert.deepStrictEqual(parsePath("spec.containers[0].image"), ["spec", "containers", 0, "image"]);
        assert.deepStrictEqual(parsePath("spec.containers[*].image"), ["spec", "containers", "*", "image"]);
    });
});

describe("diffReports on hand-made reports", () => {
    it("growing a claim's storage request is an in-place update (volume expansion)", () => {
        const d = diffReports(report([pvc("1Gi")]), report([pvc("2Gi")]));
        const r = only(d, "lab-data");
        assert.strictEqual(r.op, "update");
        assert.deepStrictEqual(r.changes.map(c => c.path), ["spec.resources.requests.storage"]);
        assert.match(r.notes.join("\n"), /grows in place if its StorageClass allows volume expansion/);
        assert.strictEqual(diffExitCode(d), 0);
        const shrink = only(diffReports(report([pvc("2Gi")]), report([pvc("1500Mi")])), "lab-data");
        assert.strictEqual(shrink.op, "update");
        assert.match(shrink.notes.join("\n"), /shrinks: the API server rejects that/);
    });

    it("changing a claim's storageClassName replaces it, deleting first (named), and exits 1 naming claim and field", () => {
        const d = diffReports(report([pvc("1Gi", "standard")]), report([pvc("1Gi", "fast")]));
        const r = only(d, "lab-data");
        assert.strictEqual(r.op, "replace");
        assert.deepStrictEqual(r.replaceFields, ["spec.storageClassName"]);
        assert.strictEqual(r.deleteBeforeReplace, true);
        assert.strictEqual(diffExitCode(d), 1);
        assert.strictEqual(d.risks.length, 1);
        assert.strictEqual(d.risks[0].resource, "PersistentVolumeClaim lab/data");
        assert.strictEqual(d.risks[0].field, "spec.storageClassName");
        assert.ok(formatDiff(d).some(l => l.includes("PersistentVolumeClaim lab/data") && l.includes("spec.storageClassName")));
    });

    it("an auto-named object is replaced create-first under a new name", () => {
        const d = diffReports(report([pvc("1Gi", "standard", null)]), report([pvc("1Gi", "fast", null)]));
        const r = only(d, "lab-data");
        assert.strictEqual(r.op, "replace");
        assert.strictEqual(r.deleteBeforeReplace, false);
        assert.ok(r.notes.some(n => n.includes("new name")), r.notes.join("\n"));
    });

    it("deleting a PersistentVolume exits 1", () => {
        const pv = resource("kubernetes:core/v1:PersistentVolume", "lab-pv", {
            metadata: { name: "pv1" }, spec: { capacity: { storage: "1Gi" }, hostPath: { path: "/data" }, persistentVolumeReclaimPolicy: "Delete" },
        });
        const d = diffReports(report([pv]), report([]));
        assert.strictEqual(only(d, "lab-pv").op, "delete");
        assert.strictEqual(diffExitCode(d), 1);
        assert.match(d.risks[0].message, /reclaim policy \(Delete\)/);
    });

    it("replacing or deleting a protected resource exits 1: pulumi up would stop there", () => {
        const ns = (name: string) => resource("kubernetes:core/v1:Namespace", "lab-ns", { metadata: { name } }, { protect: true });
        const replaced = diffReports(report([ns("lab")]), report([ns("lab-2")]));
        assert.strictEqual(only(replaced, "lab-ns").op, "replace");
        assert.strictEqual(diffExitCode(replaced), 1);
        assert.match(replaced.risks[0].message, /Namespace lab is replaced because metadata\.name changed, but it is protected: `pulumi up` stops/);
        const deleted = diffReports(report([ns("lab")]), report([]));
        assert.strictEqual(diffExitCode(deleted), 1);
        const unprotected = resource("kubernetes:core/v1:Namespace", "lab-ns", { metadata: { name: "lab" } });
        assert.strictEqual(diffExitCode(diffReports(report([unprotected]), report([]))), 0);
    });

    it("a StatefulSet replaced because of its claim templates deletes its pods; claims survive; exit 1", () => {
        const d = diffReports(report([statefulSet("500M")]), report([statefulSet("1Gi")]));
        const r = only(d, "lab-db");
        assert.strictEqual(r.op, "replace");
        assert.deepStrictEqual(r.replaceFields, ["spec.volumeClaimTemplates[0].spec.resources.requests.storage"]);
        assert.strictEqual(r.deleteBeforeReplace, true);
        assert.strictEqual(diffExitCode(d), 1);
        const msg = d.risks[0].message;
        assert.match(msg, /pods lab\/db-0 … db-2 are deleted/);
        assert.match(msg, /claims data-db-0 … data-db-2 survive/);
        assert.match(msg, /does not resize them/);
    });

    it("a StatefulSet replaced under a new name leaves its data behind on the old claims", () => {
        const renamed = statefulSet("1Gi");
        const spec = renamed.inputs.spec as JsonObject;
        renamed.inputs = { ...renamed.inputs, metadata: { name: "db2", namespace: "lab" }, spec: { ...spec, serviceName: "db2" } };
        const d = diffReports(report([statefulSet("1Gi")]), report([renamed]));
        const r = only(d, "lab-db");
        assert.strictEqual(r.op, "replace");
        assert.strictEqual(r.deleteBeforeReplace, false);
        assert.deepStrictEqual(r.replaceFields.sort(), ["metadata.name", "spec.serviceName"]);
        assert.match(d.risks[0].message, /claims data-db-0 … data-db-2 stay .* the new StatefulSet is lab\/db2, so its pods start on new, empty claims/);
    });

    it("with the orphan deletion propagation annotation on the OLD StatefulSet, its pods survive: exit 0", () => {
        const orphan = { "pulumi.com/deletionPropagationPolicy": "orphan" };
        const d = diffReports(report([statefulSet("500M", orphan)]), report([statefulSet("1Gi", orphan)]));
        assert.strictEqual(only(d, "lab-db").op, "replace");
        assert.strictEqual(diffExitCode(d), 0);
        // Only the old inputs count: adding it in the same change is too late.
        const late = diffReports(report([statefulSet("500M")]), report([statefulSet("1Gi", orphan)]));
        assert.strictEqual(diffExitCode(late), 1);
    });

    it("claims deleted with their StatefulSet (whenDeleted: Delete) are a risk even on plain deletion", () => {
        const sts = statefulSet("1Gi", {}, { persistentVolumeClaimRetentionPolicy: { whenDeleted: "Delete" } });
        const d = diffReports(report([sts]), report([]));
        assert.strictEqual(diffExitCode(d), 1);
        assert.match(d.risks[0].message, /claims data-db-0 … data-db-2 are deleted/);
        assert.strictEqual(diffExitCode(diffReports(report([statefulSet("1Gi")]), report([]))), 0);
    });

    it("ignoreChanges drops a change; replaceOnChanges and deleteBeforeReplace force the engine's behaviour", () => {
        const ignored = diffReports(report([pvc("1Gi", "standard")]), report([{ ...pvc("1Gi", "fast"), ignoreChanges: ["spec.storageClassName"] }]));
        assert.strictEqual(only(ignored, "lab-data").op, "same");
        const cm = (data: string, opts: Partial<ReportResource> = {}) => resource("kubernetes:core/v1:Service", "svc", { metadata: { name: "svc", namespace: "lab" }, spec: { type: data } }, opts);
        assert.strictEqual(only(diffReports(report([cm("ClusterIP")]), report([cm("NodePort")])), "svc").op, "update");
        const forced = only(diffReports(report([cm("ClusterIP")]), report([cm("NodePort", { replaceOnChanges: ["spec.type"] })])), "svc");
        assert.strictEqual(forced.op, "replace");
        assert.match(forced.changes[0].replacesBecause ?? "", /replaceOnChanges/);
        // The provider did not ask to delete first: the named replacement is created while the old object holds the name.
        assert.strictEqual(forced.deleteBeforeReplace, false);
        assert.match(forced.notes.join("\n"), /while the old one still holds the name.*set deleteBeforeReplace/);
        const withDbr = only(diffReports(report([cm("ClusterIP")]), report([cm("NodePort", { replaceOnChanges: ["spec.type"], deleteBeforeReplace: true })])), "svc");
        assert.strictEqual(withDbr.deleteBeforeReplace, true);
        const rnd = (length: number, o: Partial<ReportResource> = {}) => resource("random:index/randomPassword:RandomPassword", "pw", { length }, { provider: undefined, ...o });
        const r = only(diffReports(report([rnd(16)]), report([rnd(24, { deleteBeforeReplace: true })])), "pw");
        assert.strictEqual(r.op, "replace");
        assert.strictEqual(r.deleteBeforeReplace, true);
    });

    it("a replaced random password makes new values in the Secret that holds it: the Secret is replaced", () => {
        const pw = (length: number) => resource("random:index/randomPassword:RandomPassword", "pw", { length }, { provider: undefined });
        const secret = resource("kubernetes:core/v1:Secret", "creds", { metadata: { name: "creds", namespace: "lab" }, stringData: { password: { ...SECRET_MARKER } } }, { dependencies: [pw(1).urn] });
        const d = diffReports(report([pw(16), secret]), report([pw(24), secret]));
        assert.strictEqual(only(d, "pw").op, "replace");
        const s = only(d, "creds");
        assert.strictEqual(s.op, "replace");
        assert.deepStrictEqual(s.replaceFields, ["stringData.password"]);
        assert.match(s.notes[0], /pw is replaced: its generated value is new/);
        assert.strictEqual(s.deleteBeforeReplace, true);
    });

    it("a replaced auto-named ConfigMap gets a new name, and the workload mounting it is updated", () => {
        const cm = (v: string) => resource("kubernetes:core/v1:ConfigMap", "conf", { metadata: { namespace: "lab" }, data: { key: v } });
        const dep = resource("kubernetes:apps/v1:Deployment", "web", {
            metadata: { name: "web", namespace: "lab" },
            spec: { selector: { matchLabels: { app: "web" } }, template: { spec: { volumes: [{ name: "c", configMap: { name: "conf-0123abcd" } }] } } },
        }, { dependencies: [cm("a").urn] });
        const d = diffReports(report([cm("a"), dep]), report([cm("b"), dep]));
        const c = only(d, "conf");
        assert.strictEqual(c.op, "replace");
        assert.deepStrictEqual(c.replaceFields, ["data.key"]);
        assert.strictEqual(c.deleteBeforeReplace, false);
        const w = only(d, "web");
        assert.strictEqual(w.op, "update");
        assert.deepStrictEqual(w.changes.map(x => x.path), ["spec.template.spec.volumes[0].configMap.name"]);
        assert.strictEqual(diffExitCode(d), 0);
    });

    it("a resource moved under an alias is the same resource, not a delete and a create", () => {
        const moved = { ...pvc("1Gi"), name: "lab-data2", urn: `${STACK}kubernetes:core/v1:PersistentVolumeClaim::lab-data2`, aliases: [pvc("1Gi").urn] };
        const d = diffReports(report([pvc("1Gi")]), report([moved]));
        assert.deepStrictEqual(d.resources.filter(r => r.op !== "same").map(r => r.op), []);
        assert.strictEqual(diffExitCode(d), 0);
        const without = diffReports(report([pvc("1Gi")]), report([{ ...moved, aliases: undefined }]));
        assert.deepStrictEqual(without.resources.filter(r => r.op !== "same").map(r => r.op).sort(), ["create", "delete"]);
        assert.strictEqual(diffExitCode(without), 1);
    });

    it("an object moving to another provider is an update that says so", () => {
        const d = diffReports(report([pvc("1Gi")]), report([{ ...pvc("1Gi"), provider: `${STACK}pulumi:providers:kubernetes::other` }]));
        const r = only(d, "lab-data");
        assert.strictEqual(r.op, "update");
        assert.match(r.notes.join("\n"), /provider changes from k8s to other/);
    });

    it("an unset namespace is the provider's namespace (default unless set); secrets compare as markers", () => {
        const a = resource("kubernetes:core/v1:Secret", "s", { metadata: { name: "s" }, stringData: { password: { ...SECRET_MARKER } } });
        const b = resource("kubernetes:core/v1:Secret", "s", { metadata: { name: "s", namespace: "default" }, stringData: { password: { ...SECRET_MARKER } } });
        assert.strictEqual(only(diffReports(report([a]), report([b])), "s").op, "same");
        const scoped = report([a]);
        scoped.resources[0] = { ...scoped.resources[0], inputs: { context: "minikube", namespace: "lab" } };
        const d = diffReports(report([a]), scoped);
        assert.strictEqual(only(d, "s").op, "replace");
        assert.deepStrictEqual(only(d, "s").replaceFields, ["metadata.namespace"]);
    });

    it("a Kubernetes provider whose renderYamlToDirectory changes is replaced, and every object it manages with it", () => {
        const prev = report([pvc("1Gi")]);
        const next = report([pvc("1Gi")]);
        next.resources[0] = { ...next.resources[0], inputs: { context: "minikube", renderYamlToDirectory: "out" } };
        const d = diffReports(prev, next);
        assert.strictEqual(only(d, "k8s").op, "replace");
        assert.strictEqual(only(d, "lab-data").op, "replace");
        assert.strictEqual(diffExitCode(d), 1);
    });

    it("a changed context is an update that may replace everything, flagged when it manages data", () => {
        const prev = report([pvc("1Gi")]);
        const next = report([pvc("1Gi")]);
        next.resources[0] = { ...next.resources[0], inputs: { context: "other" } };
        const d = diffReports(prev, next);
        assert.strictEqual(only(d, "k8s").op, "update");
        assert.strictEqual(diffExitCode(d), 1);
        assert.match(d.risks[0].message, /active cluster/);
    });
});

describe("plainOf", () => {
    it("turns wire secrets and unknowns into markers, never looking into a secret", () => {
        const wire = {
            a: "04da6b54-80e4-46f7-96ec-b56ff0331ba9",
            b: { "4dabf18193072939515e22adb298388d": "1b47061264138c4ac30d75fd1eb44270", value: "hunter2" },
            c: [1, { d: true }],
        };
        const plain = plainOf(wire);
        assert.deepStrictEqual(plain, { a: UNKNOWN_MARKER, b: SECRET_MARKER, c: [1, { d: true }] });
        assert.ok(!JSON.stringify(plain).includes("hunter2"));
    });
});

describe("previous outputs: a StackReference to the program's own stack", () => {
    /** Runs `read` in a stack under the mocks, returning what it resolved or the error it met. */
    async function run(previousOutputs: Record<string, unknown> | undefined, read: () => pulumi.Output<unknown>): Promise<{ value?: unknown; secret?: boolean; error?: string }> {
        const mocks = new KubelabMocks({ preview: true, previousOutputs });
        await pulumi.runtime.setMocks(mocks, "kubelab", "dev", true);
        const result: { value?: unknown; secret?: boolean; error?: string } = {};
        const errors: unknown[] = [];
        const onError = (e: unknown) => { errors.push(e); };
        process.on("unhandledRejection", onError);
        try {
            await pulumi.runtime.runInPulumiStack(async () => {
                const out = read();
                try {
                    result.value = await (out as unknown as { promise(): Promise<unknown> }).promise();
                    result.secret = await pulumi.isSecret(out);
                } catch (e) {
                    result.error = (e as Error).message;
                }
                return {};
            });
            await pulumi.runtime.disconnect().catch((e: Error) => { result.error = result.error ?? e.message; });
        } catch (e) {
            result.error = result.error ?? (e as Error).message;
        } finally {
            await new Promise(resolve => setImmediate(resolve));
            process.off("unhandledRejection", onError);
        }
        if (!result.error && errors.length) {
            result.error = String((errors[0] as Error).message ?? errors[0]);
        }
        return result;
    }

    it("reads the previous plan's outputs under any of the stack's names; secrets stay secret placeholders", async () => {
        const previous = { storageClass: "kubelab-minikube-expandable", kubeconfig: { ...SECRET_MARKER } };
        for (const name of ["dev", "kubelab/dev", "acme/kubelab/dev"]) {
            const r = await run(previous, () => new pulumi.StackReference(`self-${name.replace(/\//g, "-")}`, { name }).getOutput("storageClass"));
            assert.strictEqual(r.error, undefined);
            assert.strictEqual(r.value, "kubelab-minikube-expandable");
            assert.strictEqual(r.secret, false);
        }
        const s = await run(previous, () => new pulumi.StackReference("self", { name: "kubelab/dev" }).getOutput("kubeconfig"));
        assert.strictEqual(s.secret, true);
        assert.strictEqual(s.value, "[secret output kubeconfig of the previous plan]");
    });

    it("another stack fails clearly; with no previous plan the stack has no outputs yet, as on its first update", async () => {
        const other = await run({}, () => new pulumi.StackReference("other", { name: "acme/network/prod" }).getOutput("x"));
        assert.match(other.error ?? "", /StackReference to acme\/network\/prod: another stack's outputs are not available offline/);
        const none = await run(undefined, () => new pulumi.StackReference("self", { name: "dev" }).getOutput("x"));
        assert.strictEqual(none.error, undefined);
        assert.strictEqual(none.value, undefined);
    });
});

describe("readReport", () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "kubelab-report-"));
    after(() => fs.rmSync(dir, { recursive: true, force: true }));
    const write = (name: string, text: string) => {
        const f = path.join(dir, name);
        fs.writeFileSync(f, text);
        return f;
    };

    it("names the file and what is wrong", () => {
        assert.throws(() => readReport(path.join(dir, "missing.json")), /missing\.json: cannot read .*no such file/);
        assert.throws(() => readReport(write("bad.json", "{")), /bad\.json: not a kubelab plan report: not valid JSON/);
        assert.throws(() => readReport(write("other.json", '{"resources": []}')), /other\.json: not a kubelab plan report: "format" must be "kubelab-plan-report".*before reports had a format version/);
        assert.throws(() => readReport(write("v9.json", JSON.stringify({ ...report([]), version: 9 }))), /v9\.json: kubelab plan report version 9, this kubelab reads version 1/);
        assert.throws(() => readReport(write("res.json", JSON.stringify({ ...report([]), resources: [{ urn: "x" }] }))), /res\.json: malformed kubelab plan report: resources\[0\]/);
        assert.throws(() => readReport(write("obj.json", JSON.stringify({ ...report([]), objects: [{ urn: "x" }] }))), /obj\.json: malformed kubelab plan report: objects\[0\] needs/);
    });

    it("reads back what writeReport wrote", () => {
        const r = report([pvc("1Gi")]);
        const f = path.join(dir, "sub", "ok.json");
        writeReport(f, r);
        assert.deepStrictEqual(readReport(f), JSON.parse(JSON.stringify(r)));
    });
});

describe("diff of real plans: smilr on the minikube stack", function () {
    this.timeout(120000);
    const base = loadStackConfig(ROOT, "minikube");
    const withSmilr = (change: (smilr: Record<string, unknown>) => void): StackConfig => {
        const smilr = JSON.parse(base.config["kubelab:smilr"] ?? "{}") as Record<string, unknown>;
        change(smilr);
        return { ...base, config: { ...base.config, "kubelab:smilr": JSON.stringify(smilr) } };
    };
    const reportOf = (p: Plan) => JSON.parse(JSON.stringify(buildReport(p, { outDir: path.join(ROOT, "out", "minikube") }))) as PlanReport;
    let previous: PlanReport;
    let again: PlanReport;
    let bigger: PlanReport;
    let noLabs: PlanReport;
    let newImage: PlanReport;
    let basePlan: Plan;
    let secretReport: string;

    before(async () => {
        basePlan = await plan("minikube", { config: base });
        previous = reportOf(basePlan);
        again = reportOf(await plan("minikube", { config: base }));
        bigger = reportOf(await plan("minikube", { config: withSmilr(s => { s.mongoStorage = "1Gi"; }) }));
        newImage = reportOf(await plan("minikube", { config: { ...base, config: { ...base.config, "kubelab:images": JSON.stringify({ "smilr-data-api": "smilr/data-api:2.9.9" }) } } }));
        noLabs = reportOf(await plan("minikube", { config: { ...base, config: { ...base.config, "kubelab:labs": "[]" } } }));
        // A known secret value given as secret config must never reach a report.
        // A kubeconfig's contents (not a path) go with an adopted cluster.
        const minikube = { create: false, context: "minikube", kubeconfig: "apiVersion: v1 # TOP-SECRET-9f1c" };
        const secretConfig: StackConfig = { ...base, config: { ...base.config, "kubelab:minikube": JSON.stringify(minikube) }, secretKeys: [...base.secretKeys, "kubelab:minikube"] };
        secretReport = JSON.stringify(buildReport(await plan("minikube", { config: secretConfig }), { outDir: "out" }));
    });

    it("the report holds what a diff and a reader need", () => {
        assert.strictEqual(previous.format, REPORT_FORMAT);
        assert.strictEqual(previous.version, REPORT_VERSION);
        assert.strictEqual(previous.stack, "minikube");
        assert.strictEqual(previous.preview, true);
        const sts = previous.resources.find(r => r.type === "kubernetes:apps/v1:StatefulSet");
        assert.ok(sts && sts.custom && sts.parent && sts.provider?.includes("pulumi:providers:kubernetes"));
        assert.strictEqual(typeof sts.protect, "boolean");
        assert.ok(Array.isArray(sts.ignoreChanges) && Array.isArray(sts.replaceOnChanges));
        assert.deepStrictEqual(((sts.inputs.metadata as JsonObject).name), "mongodb");
        const obj = previous.objects.find(o => o.urn === sts.urn);
        assert.ok(obj && obj.kind === "StatefulSet" && obj.namespace === "smilr" && obj.file.startsWith(path.join(ROOT, "out", "minikube")));
        assert.strictEqual(previous.resources.length, basePlan.recording.resources.length);
        assert.strictEqual(typeof previous.outputs.storageClass, "string");
        assert.strictEqual(previous.exitCode, 0);
        assert.ok(!("notRenderedOffline" in previous) || Array.isArray(previous.notRenderedOffline));
        const withExtra = { ...basePlan, recording: { ...basePlan.recording, notRenderedOffline: [{ urn: "urn:x", type: "kubernetes:helm.sh/v3:Release", name: "x", reason: "a Helm release has no children offline" }] } };
        assert.deepStrictEqual(buildReport(withExtra, { outDir: "out" }).notRenderedOffline, withExtra.recording.notRenderedOffline);
    });

    it("the same config: every resource the same, exit 0", () => {
        const d = diffReports(previous, again);
        assert.deepStrictEqual(d.resources.filter(r => r.op !== "same").map(r => `${r.op} ${r.name}`), []);
        assert.strictEqual(diffExitCode(d), 0);
        assert.ok(d.counts.same > 10);
        assert.deepStrictEqual(d.risks, []);
        assert.match(formatDiff(d)[0], /^No changes/);
    });

    it("raising smilr's mongoStorage replaces the StatefulSet because of spec.volumeClaimTemplates; its orphan annotation keeps the pods: exit 0", () => {
        const d = diffReports(previous, bigger);
        const changed = d.resources.filter(r => r.op !== "same");
        const sts = changed.find(r => r.type === "kubernetes:apps/v1:StatefulSet");
        assert.ok(sts, formatDiff(d).join("\n"));
        assert.strictEqual(sts.op, "replace");
        assert.ok(sts.replaceFields.length > 0 && sts.replaceFields.every(f => f.startsWith("spec.volumeClaimTemplates[0].spec.resources.requests.storage")), sts.replaceFields.join(", "));
        assert.strictEqual(sts.deleteBeforeReplace, true);
        assert.deepStrictEqual(d.risks, []);
        assert.strictEqual(diffExitCode(d), 0);
        const text = formatDiff(d).join("\n");
        assert.match(text, /replace \(delete first\) StatefulSet/);
        assert.match(text, /"500M" => "1Gi"/);
    });

    it("an image tag change is an update listing the path", () => {
        const d = diffReports(previous, newImage);
        const changed = d.resources.filter(r => r.op !== "same");
        assert.deepStrictEqual(changed.map(r => `${r.op} ${r.type}`), ["update kubernetes:apps/v1:Deployment"], formatDiff(d).join("\n"));
        assert.deepStrictEqual(changed[0].changes.map(c => `${c.path}: ${String(c.old)} => ${String(c.new)}`),
            ["spec.template.spec.containers[0].image: smilr/data-api:2.9.8a => smilr/data-api:2.9.9"]);
        assert.strictEqual(diffExitCode(d), 0);
    });

    it("removing the lab deletes its resources", () => {
        const d = diffReports(previous, noLabs);
        const deleted = d.resources.filter(r => r.op === "delete");
        assert.ok(deleted.some(r => r.type === "kubernetes:apps/v1:StatefulSet"), formatDiff(d).join("\n"));
        assert.ok(deleted.some(r => r.type === "kubernetes:core/v1:Namespace"));
        assert.ok(deleted.every(r => !r.type.startsWith("pulumi:providers:")));
        // The namespace goes, and every claim in it: the StatefulSet's claims are named as lost.
        assert.strictEqual(diffExitCode(d), 1);
        assert.ok(d.risks.some(k => /claims .* are deleted with their data/.test(k.message)), d.risks.map(k => k.message).join("\n"));
    });

    it("a report never contains a secret value", () => {
        assert.ok(secretReport.includes("TOP-SECRET") === false && secretReport.length > 1000);
        assert.ok(!secretReport.includes("TOP-SECRET-9f1c"));
        assert.ok(secretReport.includes(JSON.stringify(SECRET_MARKER).slice(1, -1)));
        const report = JSON.parse(secretReport) as PlanReport;
        const provider = report.resources.find(r => r.type === "pulumi:providers:kubernetes" && r.inputs.kubeconfig !== undefined);
        assert.ok(provider, "the kubeconfig reaches the provider");
        assert.deepStrictEqual(provider.inputs.kubeconfig, SECRET_MARKER);
    });
});

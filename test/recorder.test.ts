/**
 * Nothing is skipped silently: remote components and Helm releases, whose objects the provider
 * makes at deploy time, are listed as not rendered offline, marked in the tree, kept out of the
 * rendered objects, and refused inside a lab.
 */
import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import * as assert from "assert";
import { NotRenderableInLabError, ProgramFailure, Recording, recordProgram } from "../tools/recorder";
import { renderObjects, resourceTree } from "../tools/render";

/** A stand-in for a lab or a platform component: a ComponentResource of the given type. */
class Group extends pulumi.ComponentResource {
    constructor(type: string, name: string, opts?: pulumi.ComponentResourceOptions) {
        super(type, name, {}, opts);
    }
}

/** A Helm v4 chart, a YAML v2 config group (both remote components) and a Helm v3 release, under `parent`. */
function unrenderable(prefix: string, parent: pulumi.Resource | undefined): void {
    new k8s.helm.v4.Chart(`${prefix}-chart`, { chart: "oci://registry-1.docker.io/bitnamicharts/nginx", version: "18.1.0" }, { parent });
    new k8s.yaml.v2.ConfigGroup(`${prefix}-yaml`, { yaml: "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: x\n" }, { parent });
    new k8s.helm.v3.Release(`${prefix}-release`, { chart: "ingress-nginx", repositoryOpts: { repo: "https://kubernetes.github.io/ingress-nginx" } }, { parent });
}

const REMOTE = "remote component: its children are created by the provider at deploy time";
const RELEASE = "Helm release: the chart is rendered by the provider";

describe("recorder: what the offline plan can't render", function () {
    this.timeout(30000);

    let recording: Recording;

    before(async () => {
        recording = await recordProgram(async () => {
            const platform = new Group("kubelab:platform:ClusterServices", "services");
            unrenderable("svc", platform);
            unrenderable("top", undefined);
            new k8s.core.v1.ConfigMap("plain", { metadata: { name: "plain", namespace: "default" } }, { parent: platform });
            return {};
        }, { stack: "test", config: {} });
    });

    it("lists remote components and Helm releases outside labs, with why, and nothing else", () => {
        const listed = recording.notRenderedOffline.map(n => [n.type, n.name, n.reason]);
        assert.deepStrictEqual(listed.sort(), [
            ["kubernetes:helm.sh/v3:Release", "svc-release", RELEASE],
            ["kubernetes:helm.sh/v3:Release", "top-release", RELEASE],
            ["kubernetes:helm.sh/v4:Chart", "svc-chart", REMOTE],
            ["kubernetes:helm.sh/v4:Chart", "top-chart", REMOTE],
            ["kubernetes:yaml/v2:ConfigGroup", "svc-yaml", REMOTE],
            ["kubernetes:yaml/v2:ConfigGroup", "top-yaml", REMOTE],
        ].sort());
        for (const n of recording.notRenderedOffline) {
            const r = recording.resources.find(x => x.urn === n.urn);
            assert.ok(r, `${n.urn} is a recorded resource`);
            assert.strictEqual(r.notRenderedOffline, n.reason);
        }
        assert.ok(!recording.resources.find(r => r.name === "plain")?.notRenderedOffline);
    });

    it("marks them in the resource tree and keeps a Helm release out of the rendered objects", () => {
        const tree = resourceTree(recording);
        for (const name of ["svc-chart", "svc-yaml", "svc-release", "top-chart", "top-yaml", "top-release"]) {
            const line = tree.find(l => l.trimEnd().split(/\s+/).includes(name));
            assert.ok(line, `${name} is in the tree`);
            assert.match(line, /\(not rendered offline\)$/, line);
        }
        assert.ok(!tree.find(l => l.includes(" plain"))?.includes("not rendered"));
        // A Release is a custom resource with a kubernetes: type, but not an object to apply.
        assert.deepStrictEqual(renderObjects(recording).map(o => `${o.kind}/${o.name}`), ["ConfigMap/plain"]);
    });

    it("fails, naming the lab, the resource and why, when a lab contains one", async () => {
        const inLab = (make: (lab: Group) => void) => recordProgram(async () => {
            const lab = new Group("kubelab:labs:Demo", "demo");
            const inner = new Group("kubelab:components:WebService", "demo-web", { parent: lab });
            make(inner);
            return {};
        }, { stack: "test", config: {} });

        for (const [make, type, reason] of [
            [(p: Group) => new k8s.helm.v4.Chart("demo-chart", { chart: "nginx" }, { parent: p }), "kubernetes:helm.sh/v4:Chart", REMOTE],
            [(p: Group) => new k8s.helm.v3.Release("demo-release", { chart: "nginx" }, { parent: p }), "kubernetes:helm.sh/v3:Release", RELEASE],
        ] as const) {
            await assert.rejects(inLab(make), (err: unknown) => {
                assert.ok(err instanceof ProgramFailure, String(err));
                assert.ok(err.cause instanceof NotRenderableInLabError, String(err.cause));
                assert.match(err.message, /^lab demo \(kubelab:labs:Demo\) contains /);
                assert.ok(err.message.includes(`${type} '${type.endsWith("Chart") ? "demo-chart" : "demo-release"}'`), err.message);
                assert.ok(err.message.includes(reason), err.message);
                assert.match(err.message, /only platform cluster services may use remote components or Helm releases/);
                return true;
            });
        }
    });

    it("answers a StackReference to the program's own stack with the previous plan's outputs (none without one), and refuses other stacks", async () => {
        const readOwn = (previousOutputs?: Record<string, unknown>) => recordProgram(async () => {
            const own = new pulumi.StackReference("kubelab/test");
            return { size: own.getOutput("mongoStorage") };
        }, { stack: "test", config: {}, preview: false, ...(previousOutputs ? { previousOutputs } : {}) });

        const rec = await readOwn({ mongoStorage: "500M" });
        const root = rec.resources.find(r => r.type === "pulumi:pulumi:Stack");
        assert.strictEqual(root?.outputs?.size, "500M", JSON.stringify(root?.outputs));
        // No previous plan: a first deploy, whose stack has no outputs yet.
        const first = await readOwn();
        assert.strictEqual(first.resources.find(r => r.type === "pulumi:pulumi:Stack")?.outputs?.size, undefined);
        // The SDK's warning about it is kept with the recording (pulumi preview shows it among its diagnostics), not printed.
        assert.deepStrictEqual(first.warnings, ["Undefined value (size) will not show as a stack output."]);
        assert.deepStrictEqual(rec.warnings, []);
        await assert.rejects(recordProgram(async () => {
            new pulumi.StackReference("kubelab/other");
            return {};
        }, { stack: "test", config: {} }), /another stack's outputs are not available offline/);
    });
});

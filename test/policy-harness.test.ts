/**
 * The policy harness runs @pulumi/policy's own analyzer server in process and plays the engine
 * and the CLI around it: enforcement levels, not-applicable results, unknown values during a
 * preview, config defaults and validation, and the links stack policies see. A small pack made
 * for the test exercises each rule; test/policy-server.test.ts compares the in-process server
 * with the pack started as the CLI starts it.
 */
import * as k8s from "@pulumi/kubernetes";
import { PolicyPackArgs, PolicyResource, validateResourceOfType } from "@pulumi/policy";
import * as assert from "assert";
import * as path from "path";
import * as os from "os";
import * as fs from "fs";
import { manifestResources } from "../tools/manifests";
import { Struct } from "google-protobuf/google/protobuf/struct_pb";
import { PolicyConfigError, resolvePolicyConfig, runPolicyPack, structDecoded } from "../tools/policy-harness";
import { pack } from "../tools/plan-lib";
import { recordProgram } from "../tools/recorder";
import { UNKNOWN_SENTINEL, analyzerResources } from "../tools/render";
import { PolicyPackLoadError } from "../tools/sdk-internals";
import { stackPlan } from "./helpers";

const cm = (name: string, data: Record<string, string>) => ({ apiVersion: "v1", kind: "ConfigMap", metadata: { name, namespace: "lab" }, data });

describe("policy harness", function () {
    this.timeout(20000);

    it("applies levels: the config's, else the policy's, else the pack's; remediate reports as mandatory; disabled skips", async () => {
        const args: PolicyPackArgs = {
            enforcementLevel: "advisory",
            policies: [
                { name: "uses-pack-level", description: "d1", validateResource: (_a, report) => report("x") },
                { name: "own-level", description: "d2", enforcementLevel: "mandatory", validateResource: (_a, report) => report("y") },
                { name: "remediated", description: "d3", enforcementLevel: "remediate", validateResource: (_a, report) => report("z") },
                { name: "switched-off", description: "d4", enforcementLevel: "mandatory", validateResource: (_a, report) => report("w") },
            ],
        };
        const config = resolvePolicyConfig(args, { "switched-off": "disabled", "uses-pack-level": { enforcementLevel: "mandatory" } });
        const run = await runPolicyPack({ name: "t", version: "1.0.0", args }, manifestResources([cm("a", {})]), config);
        assert.deepStrictEqual(run.diagnostics.map(d => [d.policyName, d.enforcementLevel, d.message]), [
            ["uses-pack-level", "mandatory", "d1\nx"],
            ["own-level", "mandatory", "d2\ny"],
            ["remediated", "mandatory", "d3\nz"],
        ]);
    });

    it("records not-applicable: from notApplicable(), and from a typed validation of another type", async () => {
        const args: PolicyPackArgs = {
            policies: [
                { name: "says-so", description: "d", validateResource: a => a.notApplicable("only for secrets") },
                { name: "typed", description: "d", validateResource: validateResourceOfType(k8s.core.v1.Secret, () => undefined) },
                { name: "stack-says-so", description: "d", validateStack: a => a.notApplicable("nothing to compare") },
            ],
        };
        const resources = manifestResources([cm("a", {})]);
        const run = await runPolicyPack({ name: "t", version: "1.0.0", args }, resources, {});
        assert.deepStrictEqual(run.notApplicable, [
            { policyName: "says-so", reason: "only for secrets", urn: resources[0].urn },
            { policyName: "typed", reason: "Policy only applies to resources of type 'kubernetes:core/v1:Secret'", urn: resources[0].urn },
            { policyName: "stack-says-so", reason: "nothing to compare" },
        ]);
        assert.deepStrictEqual(run.diagnostics, []);
    });

    it("turns a value unknown during preview into an advisory for resource and stack policies alike", async () => {
        const args: PolicyPackArgs = {
            enforcementLevel: "mandatory",
            policies: [
                { name: "reads-data", description: "d", validateResource: (a, report) => { if (a.props.data.key === "bad") { report("bad"); } } },
                { name: "stack-reads-data", description: "d", validateStack: (a, report) => { for (const r of a.resources) { if (r.props.data.key === "bad") { report("bad"); } } } },
                { name: "reads-name-only", description: "d", validateResource: (a, report) => { if (a.props.metadata.name === "zzz") { report("no"); } } },
            ],
        };
        const run = await runPolicyPack({ name: "t", version: "1.2.3", args }, manifestResources([cm("a", { key: UNKNOWN_SENTINEL })]), {});
        assert.deepStrictEqual(run.diagnostics.map(d => [d.policyName, d.enforcementLevel, d.message]), [
            ["reads-data", "advisory", "can't run policy 'reads-data' from policy pack 't@v1.2.3' during preview: string value at .data.key can't be known during preview"],
            ["stack-reads-data", "advisory", "can't run policy 'stack-reads-data' from policy pack 't@v1.2.3' during preview: string value at .data.key can't be known during preview"],
        ]);
    });

    it("reports a policy that throws as an error naming the policy, as the server does", async () => {
        const args: PolicyPackArgs = { policies: [{ name: "broken", description: "d", validateResource: () => { throw new Error("boom"); } }] };
        await assert.rejects(runPolicyPack({ name: "t", version: "1.0.0", args }, manifestResources([cm("a", {})]), {}),
            /Error validating resource with policy 'broken' from policy pack 't@v1\.0\.0':\nError: boom\n/);
    });

    it("hands getConfig the schema defaults overlaid with the config file, without enforcementLevel", async () => {
        const seen: object[] = [];
        const args: PolicyPackArgs = {
            policies: [{
                name: "configured", description: "d",
                configSchema: { properties: { limit: { type: "integer", default: 5 }, names: { type: "array", items: { type: "string" }, default: ["a"] } } },
                validateResource: a => { seen.push(a.getConfig()); },
            }],
        };
        await runPolicyPack({ name: "t", version: "1.0.0", args }, manifestResources([cm("a", {})]), resolvePolicyConfig(args, {}));
        await runPolicyPack({ name: "t", version: "1.0.0", args }, manifestResources([cm("a", {})]), resolvePolicyConfig(args, { configured: { enforcementLevel: "advisory", limit: 7 } }));
        assert.deepStrictEqual(seen, [{ limit: 5, names: ["a"] }, { limit: 7, names: ["a"] }]);
    });

    it("rejects config for an unknown policy, an invalid value or level, like the CLI", () => {
        assert.throws(() => resolvePolicyConfig(pack.args, { "no-such-policy": "advisory" }), (e: Error) => e instanceof PolicyConfigError && /'no-such-policy', which is not a policy of this pack/.test(e.message));
        assert.throws(() => resolvePolicyConfig(pack.args, { "container-requests": { exemptNamespaces: "kube-system" } }), /policy config container-requests: \/exemptNamespaces must be array/);
        assert.throws(() => resolvePolicyConfig(pack.args, { "container-requests": { exemptNamespace: ["x"] } }), /must NOT have additional properties/);
        // Valid settings leave a marker, so the next start skips the validator; invalid ones never do.
        const cache = fs.mkdtempSync(path.join(os.tmpdir(), "kubelab-settings-"));
        try {
            const valid = { "container-requests": { exemptNamespaces: ["kube-system"] } };
            resolvePolicyConfig(pack.args, valid, { settingsCache: cache });
            assert.strictEqual(fs.readdirSync(cache).length, 1);
            assert.deepStrictEqual(resolvePolicyConfig(pack.args, valid, { settingsCache: cache }), resolvePolicyConfig(pack.args, valid, { settingsCache: path.join(cache, "fresh") }));
            for (let i = 0; i < 2; i++) {
                assert.throws(() => resolvePolicyConfig(pack.args, { "container-requests": { exemptNamespaces: "kube-system" } }, { settingsCache: cache }), /must be array/);
            }
            assert.strictEqual(fs.readdirSync(cache).filter(f => f !== "fresh").length, 1, "an invalid config is never marked valid");
        } finally {
            fs.rmSync(cache, { recursive: true, force: true });
        }
        // Two policies wrong at once: the first in pack order is named, with only its own problems.
        assert.throws(() => resolvePolicyConfig(pack.args, { "hpa-sane-range": { minReplicasFloor: "two" }, "container-requests": { exemptNamespaces: 3 } }),
            (e: Error) => /^policy config container-requests: \/exemptNamespaces must be array$/.test(e.message));
        assert.throws(() => resolvePolicyConfig(pack.args, { "container-requests": "strict" as "mandatory" }), /enforcementLevel "strict" is not one of advisory, mandatory, remediate, disabled/);
        assert.throws(() => resolvePolicyConfig(pack.args, { "storage-class-expandable": { foo: 1 } }), /takes no settings|must NOT have additional properties/);
    });

    it("applies `all` to every policy without a level of its own", () => {
        const config = resolvePolicyConfig(pack.args, { all: "advisory", "container-requests": "mandatory" });
        assert.strictEqual(config["container-requests"].enforcementLevel, "mandatory");
        assert.strictEqual(config["storage-class-expandable"].enforcementLevel, "advisory");
    });

    it("every policy's own defaults are valid against its schema", () => {
        for (const p of pack.args.policies) {
            const props = Object.fromEntries(Object.entries(p.configSchema?.properties ?? {}).filter(([, s]) => s.default !== undefined).map(([k, s]) => [k, s.default]));
            if (Object.keys(props).length) {
                assert.doesNotThrow(() => resolvePolicyConfig(pack.args, { [p.name]: props }), p.name);
            }
        }
    });

    it("links stack policies' resources by parent, dependencies and property dependencies, with their options", async () => {
        const recording = await recordProgram(async () => {
            const group = new k8s.core.v1.Namespace("ns", { metadata: { name: "lab" } });
            new k8s.core.v1.ConfigMap("cm", { metadata: { name: "cm", namespace: group.metadata.name } }, {
                protect: true, ignoreChanges: ["data"], deleteBeforeReplace: true, retainOnDelete: true, customTimeouts: { create: "5m" },
            });
            return {};
        }, { stack: "test", config: {} });
        let seen: PolicyResource | undefined;
        const args: PolicyPackArgs = { policies: [{ name: "look", description: "d", validateStack: a => { seen = a.resources.find(r => r.name === "cm"); } }] };
        await runPolicyPack({ name: "t", version: "1.0.0", args }, analyzerResources(recording), {});
        assert.ok(seen);
        assert.strictEqual(seen.parent?.type, "pulumi:pulumi:Stack");
        assert.deepStrictEqual(seen.dependencies.map(d => d.name), ["ns"]);
        assert.deepStrictEqual(seen.propertyDependencies.metadata.map(d => d.name), ["ns"]);
        assert.strictEqual(seen.opts.protect, true);
        assert.deepStrictEqual(seen.opts.ignoreChanges, ["data"]);
        assert.strictEqual(seen.opts.deleteBeforeReplace, true);
        assert.deepStrictEqual(seen.opts.customTimeouts, { createSeconds: 300, updateSeconds: 0, deleteSeconds: 0 });
        assert.deepStrictEqual(seen.parent?.opts.customTimeouts, { createSeconds: 0, updateSeconds: 0, deleteSeconds: 0 });
        assert.strictEqual(seen.opts.parent, seen.parent?.urn);
        // The analyzer protocol carries no retainOnDelete, so policies never see it (as under the CLI).
        assert.ok(!("retainOnDelete" in seen.opts));
        assert.strictEqual(seen.provider?.type, "pulumi:providers:kubernetes");
    });

    it("decodes properties exactly as a protobuf Struct round trip does: key order, values, and what it refuses", async () => {
        const roundTrip = (v: object) => JSON.stringify(Struct.fromJavaScript(v as Parameters<typeof Struct.fromJavaScript>[0]).toJavaScript());
        const samples: object[] = [
            { b: 1, a: { d: [1, { z: 1, y: null }], c: "x" }, Z: true, "é": 1, "10": 1, "9": 2, "": "", "a-b": -0.5, nested: [[{ y: 1, x: [] }]] },
            ...analyzerResources((await stackPlan("minikube")).recording).map(r => r.properties),
        ];
        for (const sample of samples) {
            assert.strictEqual(JSON.stringify(structDecoded(sample)), roundTrip(sample));
        }
        for (const bad of [{ a: undefined }, { a: [undefined] }, { a: () => 1 }]) {
            assert.throws(() => roundTrip(bad), /Unexpected struct type/);
            assert.throws(() => structDecoded(bad), /Unexpected struct type/);
        }
    });

    it("hands every policy its own copy of the properties: what one policy changes, the next doesn't see", async () => {
        const seen: string[] = [];
        const args: PolicyPackArgs = {
            policies: [
                { name: "mutates", description: "d", validateResource: a => { a.props.data.key = "changed"; } },
                { name: "reads", description: "d", validateResource: a => { seen.push(a.props.data.key); } },
                { name: "stack-mutates", description: "d", validateStack: a => { for (const r of a.resources) { r.props.data = { key: "changed" }; } } },
                { name: "stack-reads", description: "d", validateStack: a => { for (const r of a.resources) { seen.push(r.props.data.key); } } },
            ],
        };
        const resources = manifestResources([cm("a", { key: "original" })]);
        await runPolicyPack({ name: "t", version: "1.0.0", args }, resources, {});
        await runPolicyPack({ name: "t", version: "1.0.0", args }, resources, {});
        assert.deepStrictEqual(seen, ["original", "original", "original", "original"]);
        assert.strictEqual((resources[0].properties.data as { key: string }).key, "original");
    });

    it("refuses, as the server does, a pack it can't serve", async () => {
        await assert.rejects(runPolicyPack({ name: "no spaces", version: "1.0.0", args: { policies: [] } }, [], {}),
            (e: Error) => e instanceof PolicyPackLoadError && /Invalid policy pack name "no spaces"/.test(e.message));
    });
});

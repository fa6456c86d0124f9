/**
 * The offline plan itself: the project file, the mocks, the recorder, the renderer and the
 * command line behave like the real tools where the plan depends on them.
 */
import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import * as random from "@pulumi/random";
import Ajv2020 from "ajv/dist/2020";
import * as assert from "assert";
import * as fs from "fs";
import * as path from "path";
import { parse } from "yaml";
import { Plan, ROOT, exitCodeOf, failureKind, pack, plan, planSummary } from "../tools/plan-lib";
import { PolicyConfigFileError } from "../tools/policy-config";
import { StackConfigError } from "../tools/stack-config";
import { resolvePolicyConfig, runPolicyPack } from "../tools/policy-harness";
import { ProgramFailure, recordProgram } from "../tools/recorder";
import { SECRET_PLACEHOLDER, UNKNOWN_PLACEHOLDER, UNKNOWN_SENTINEL, analyzerResources, renderObjects, resourceTree, toYaml } from "../tools/render";
import { listStacks, loadStackConfig } from "../tools/stack-config";
import { validateObject } from "../tools/validate";

describe("project files", () => {
    it("Pulumi.yaml is valid against Pulumi's own project schema", () => {
        const schema = JSON.parse(fs.readFileSync(path.join(ROOT, "schemas", "pulumi-project.json"), "utf8")) as object;
        const validate = new Ajv2020({ strict: false, allErrors: true }).compile(schema);
        const project = parse(fs.readFileSync(path.join(ROOT, "Pulumi.yaml"), "utf8")) as { name: string; stackConfigDir: string; runtime: { name: string } };
        assert.ok(validate(project), JSON.stringify(validate.errors, null, 2));
        assert.strictEqual(project.name, "kubelab");
        assert.strictEqual(project.runtime.name, "nodejs");
        assert.strictEqual(project.stackConfigDir, "stacks");
    });

    it("the schema check can fail: a runtime that is not a name or object is rejected", () => {
        const schema = JSON.parse(fs.readFileSync(path.join(ROOT, "schemas", "pulumi-project.json"), "utf8")) as object;
        const validate = new Ajv2020({ strict: false }).compile(schema);
        assert.strictEqual(validate({ name: "kubelab", runtime: 42 }), false);
    });

    it("every stack has a stack file, and the policy pack its PulumiPolicy.yaml and package version", () => {
        assert.ok(listStacks(ROOT).includes("minikube"));
        const policy = parse(fs.readFileSync(path.join(ROOT, "policy", "PulumiPolicy.yaml"), "utf8")) as { runtime: string };
        assert.strictEqual(policy.runtime, "nodejs");
        assert.match(pack.version, /^\d+\.\d+\.\d+$/);
    });
});

describe("mocks and recorder", function () {
    this.timeout(20000);

    it("auto-names Kubernetes objects without metadata.name as <resource name>-<suffix>, like the provider", async () => {
        const recording = await recordProgram(async () => {
            new k8s.core.v1.ConfigMap("settings", { metadata: { namespace: "lab" }, data: { a: "1" } });
            new k8s.core.v1.ConfigMap("named", { metadata: { name: "fixed", namespace: "lab" } });
            return {};
        }, { stack: "test", config: {} });
        const [auto, fixed] = renderObjects(recording).sort((a, b) => a.urn.localeCompare(b.urn)).reverse();
        assert.match(auto.name, /^settings-[0-9a-z]{8}$/);
        assert.strictEqual(fixed.name, "fixed");
    });

    it("leaves a new RandomPassword's result unknown and secret in a preview, and renders it as a placeholder", async () => {
        const recording = await recordProgram(async () => {
            const password = new random.RandomPassword("pw", { length: 20, special: false });
            new k8s.core.v1.Secret("creds", { metadata: { name: "creds", namespace: "lab" }, stringData: { password: password.result } });
            return { password: password.result };
        }, { stack: "test", config: {} });
        const pw = recording.resources.find(r => r.type === "random:index/randomPassword:RandomPassword")!;
        assert.strictEqual(pw.state.result, UNKNOWN_SENTINEL);
        // As in a real preview, the runtime sends the whole stringData as one secret unknown value.
        const [secret] = renderObjects(recording);
        assert.strictEqual(secret.object.stringData, SECRET_PLACEHOLDER);
        assert.deepStrictEqual(secret.unknownPaths, ["/stringData"]);
        assert.ok(!toYaml([secret]).includes(UNKNOWN_PLACEHOLDER), "secret values never show, not even as unknown");
        assert.deepStrictEqual(await validateObject(secret), []);
    });

    it("never writes a known secret value into the rendered YAML", async () => {
        const recording = await recordProgram(async () => {
            new k8s.core.v1.Secret("creds", { metadata: { name: "creds", namespace: "lab" }, stringData: { password: pulumi.secret("hunter2"), user: "admin" } });
            return {};
        }, { stack: "test", config: {} });
        const [secret] = renderObjects(recording);
        assert.ok(!toYaml([secret]).includes("hunter2"));
        assert.deepStrictEqual(secret.object.stringData, { password: SECRET_PLACEHOLDER, user: SECRET_PLACEHOLDER });
        assert.deepStrictEqual(await validateObject(secret), []);
    });

    it("generates the password in an update", async () => {
        const recording = await recordProgram(async () => {
            new random.RandomPassword("pw", { length: 12 });
            return {};
        }, { stack: "test", config: {}, preview: false });
        const pw = recording.resources.find(r => r.type === "random:index/randomPassword:RandomPassword")!;
        assert.strictEqual(typeof pw.state.result, "string");
        assert.strictEqual((pw.state.result as string).length, 12);
    });

    it("records parent, dependencies, provider and resource options from the registration itself", async () => {
        const recording = await recordProgram(async () => {
            const parent = new pulumi.ComponentResource("test:index:Group", "group");
            const provider = new k8s.Provider("p", { context: "kind-kind" }, { parent });
            const ns = new k8s.core.v1.Namespace("ns", { metadata: { name: "lab" } }, { parent, provider });
            new k8s.core.v1.ConfigMap("cm", { metadata: { name: "cm", namespace: ns.metadata.name } }, {
                parent, provider, protect: true, retainOnDelete: true, ignoreChanges: ["data"], deleteBeforeReplace: true,
            });
            return {};
        }, { stack: "test", config: {} });
        const byName = new Map(recording.resources.map(r => [r.name, r]));
        const cm = byName.get("cm")!;
        assert.strictEqual(cm.urn, "urn:pulumi:test::kubelab::test:index:Group$kubernetes:core/v1:ConfigMap::cm");
        assert.strictEqual(cm.parent, byName.get("group")!.urn);
        assert.strictEqual(cm.provider, byName.get("p")!.urn);
        assert.deepStrictEqual(cm.dependencies, [byName.get("ns")!.urn]);
        assert.deepStrictEqual(cm.propertyDependencies.metadata, [byName.get("ns")!.urn]);
        assert.deepStrictEqual({ ...cm.options, customTimeouts: undefined, aliases: undefined, additionalSecretOutputs: undefined }, {
            protect: true, retainOnDelete: true, ignoreChanges: ["data"], replaceOnChanges: [], deleteBeforeReplace: true,
            customTimeouts: undefined, aliases: undefined, additionalSecretOutputs: undefined, deletedWith: undefined,
        });
        assert.strictEqual(byName.get("group")!.parent, recording.resources[0].urn, "components hang off the root stack");
        assert.strictEqual(recording.resources[0].type, "pulumi:pulumi:Stack");
        assert.deepStrictEqual(resourceTree(recording).slice(0, 2), ["pulumi:pulumi:Stack  kubelab-test", "  test:index:Group  group"]);
    });

    it("fails, naming it, when the program calls an invoke the mocks do not model", async () => {
        await assert.rejects(recordProgram(async () => {
            await pulumi.runtime.invoke("kubernetes:yaml:decode", { text: "a: 1" });
            return {};
        }, { stack: "test", config: {} }), (e: ProgramFailure) => /the program called invoke kubernetes:yaml:decode, which the offline plan does not answer/.test(e.message));
    });

    it("hands stack policies the links between resources", async () => {
        const recording = await recordProgram(async () => {
            const ns = new k8s.core.v1.Namespace("ns", { metadata: { name: "lab" } });
            new k8s.apps.v1.Deployment("d", {
                metadata: { name: "d", namespace: ns.metadata.name },
                spec: {
                    selector: { matchLabels: { app: "d" } },
                    template: { metadata: { labels: { app: "d" } }, spec: { containers: [{ name: "c", image: "x/y:1" }] } },
                },
            });
            return {};
        }, { stack: "test", config: {} });
        const resources = analyzerResources(recording);
        const d = resources.find(r => r.name === "d")!;
        assert.deepStrictEqual(d.dependencies, [resources.find(r => r.name === "ns")!.urn]);
        // A container without requests is a mandatory violation naming the container: the plan would exit 1.
        const run = await runPolicyPack(pack, resources, resolvePolicyConfig(pack.args, {}));
        const v = run.diagnostics.find(x => x.policyName === "container-requests");
        assert.ok(v);
        assert.match(v.message, /Deployment lab\/d: container 'c' has no cpu or memory request/);
        assert.strictEqual(v.urn, d.urn);
        assert.strictEqual(exitCodeOf({ schemaFailures: [], policies: run } as unknown as Parameters<typeof exitCodeOf>[0]), 1);
    });
});

describe("the plan's summary and failures", function () {
    this.timeout(20000);

    it("lists resources not rendered offline under their own heading (and in the tree), and names the policy config", async () => {
        const recording = await recordProgram(async () => {
            new k8s.core.v1.ConfigMap("cm", { metadata: { name: "cm", namespace: "lab" } });
            new k8s.helm.v4.Chart("ingress-nginx", { chart: "ingress-nginx", version: "4.11.3" });
            return {};
        }, { stack: "test", config: {} });
        const p: Plan = {
            stack: { project: "kubelab", stack: "test", file: "stacks/Pulumi.test.yaml", config: {}, secretKeys: [], placeholders: [] },
            recording, objects: renderObjects(recording), schemaFailures: [], policyConfig: {},
            policyConfigFile: path.join(ROOT, "policy", "config", "minikube.json"),
            policies: { diagnostics: [], notApplicable: [] },
        };
        const lines = planSummary(p, { out: path.join(ROOT, "out", "test"), reportFile: path.join(ROOT, "out", "test.report.json") });
        const at = lines.findIndex(l => l.startsWith("Not rendered offline (1)"));
        assert.ok(at > lines.indexOf("Resources:"), lines.join("\n"));
        assert.match(lines[at + 1], /^ {2}\? kubernetes:helm\.sh\/v4:Chart {2}ingress-nginx: remote component/);
        assert.ok(lines.some(l => /kubernetes:helm\.sh\/v4:Chart {2}ingress-nginx.*not rendered offline/.test(l)), "marked in the tree too");
        assert.ok(lines.includes(`Policy config: ${path.relative(process.cwd(), p.policyConfigFile!)}`), lines.join("\n"));
        assert.ok(lines.some(l => /^1 Kubernetes objects written to .*out\/test\/ .*report: .*out\/test\.report\.json$/.test(l)), lines.join("\n"));
        // Nothing skipped, no heading; no policy config file, the schemas' defaults are named.
        const plain = planSummary({ ...p, recording: { ...recording, notRenderedOffline: [] }, policyConfigFile: undefined }, { out: "o", reportFile: "r" });
        assert.ok(!plain.some(l => l.startsWith("Not rendered offline")));
        assert.ok(plain.some(l => /^Policy config: none \(every policy's schema defaults/.test(l)));
    });

    it("tells config errors from program errors", async () => {
        assert.strictEqual(failureKind(new StackConfigError("x")), "config");
        assert.strictEqual(failureKind(new PolicyConfigFileError("x")), "config");
        const configFailure = await recordProgram(async () => {
            const err = new Error("invalid config kubelab:labs");
            err.name = "ConfigError";
            throw err;
        }, { stack: "test", config: {} }).catch((e: unknown) => e);
        assert.ok(configFailure instanceof ProgramFailure);
        assert.strictEqual(failureKind(configFailure), "config");
        const programFailure = await recordProgram(async () => { throw new TypeError("x is undefined"); }, { stack: "test", config: {} }).catch((e: unknown) => e);
        assert.strictEqual(failureKind(programFailure), "program");
    });
});

describe("secrets in rendered objects", function () {
    this.timeout(60000);

    it("a secure ingressHost keeps the Ingress rules secret in the YAML and the plan still passes: a secret's placeholders are not judged by the schema", async () => {
        const base = loadStackConfig(ROOT, "minikube");
        const config = { ...base, config: { ...base.config, "kubelab:ingressHost": "[secure value of kubelab:ingressHost]" }, secretKeys: [...base.secretKeys, "kubelab:ingressHost"] };
        const p = await plan("minikube", { config });
        assert.deepStrictEqual(p.schemaFailures, []);
        assert.strictEqual(exitCodeOf(p), 0);
        const ingress = p.objects.find(o => o.kind === "Ingress")!;
        assert.deepStrictEqual(ingress.secretPaths, ["/spec"]); // the rules hold the host, and the spec holds the rules
        assert.ok(!toYaml([ingress]).includes("[secure value of"), "the host never reaches the YAML");
        // The same placeholders outside a secret are still judged.
        const plain = { ...ingress, secretPaths: undefined };
        assert.ok((await validateObject(plain)).length > 0);
    });
});

describe("README", () => {
    const readme = fs.readFileSync(path.join(ROOT, "README.md"), "utf8");

    it("documents every policy, every policy config key, and every stack", () => {
        for (const p of pack.args.policies) {
            assert.ok(readme.includes(`| \`${p.name}\` |`), `policy ${p.name} is missing from the README's table`);
            for (const key of Object.keys(p.configSchema?.properties ?? {})) {
                assert.ok(readme.includes(`\`${key}\``), `config key ${p.name}.${key} is missing from the README`);
            }
        }
        for (const stack of listStacks(ROOT)) {
            assert.ok(readme.includes(`--stack ${stack}`), `stack ${stack}`);
        }
    });

    it("gives the two set-up commands", () => {
        assert.match(readme, /npm ci/);
        assert.match(readme, /npm test/);
    });
});

/**
 * The harness agrees with the real policy server. The pack is started the way
 * `pulumi preview --policy-pack policy` starts it (which also proves it loads and type-checks),
 * and both are given the same resources and config.
 */
import * as assert from "assert";
import * as fs from "fs";
import * as path from "path";
import { AnalyzerInfo, PolicyServer } from "./offline/analyzer-client";
import { ManifestObject, manifestResources } from "./offline/manifests";
import { ROOT, pack, plan } from "./offline/plan-lib";
import { AnalyzerResource, PolicyPackConfigFile, PolicyRun, resolvePolicyConfig, runPolicyPack } from "./offline/policy-harness";
import { UNKNOWN_SENTINEL, analyzerResources } from "./offline/render";
import { deployment } from "./helpers";

/** A run as comparable sets. */
function normalise(run: PolicyRun) {
    return {
        diagnostics: run.diagnostics.map(d => JSON.stringify([d.policyName, d.enforcementLevel, d.message, d.urn ?? "", d.policyPackName, d.policyPackVersion])).sort(),
        notApplicable: run.notApplicable.map(n => JSON.stringify([n.policyName, n.reason ?? "", n.urn ?? ""])).sort(),
    };
}

describe("the harness against the real policy server", function () {
    this.timeout(120000);
    let server: PolicyServer;
    let info: AnalyzerInfo;

    before(async () => {
        server = await PolicyServer.start();
        info = await server.info();
    });

    after(async () => {
        await server?.stop();
    });

    async function compare(resources: AnalyzerResource[], file: PolicyPackConfigFile = {}): Promise<PolicyRun> {
        const config = resolvePolicyConfig(pack.args, file);
        await server.configure(info, config);
        const real = await server.analyze(resources);
        const harness = await runPolicyPack(pack, resources, config);
        assert.deepStrictEqual(normalise(harness), normalise(real));
        return real;
    }

    it("loads the pack as the CLI does and describes every policy", () => {
        const version = (JSON.parse(fs.readFileSync(path.join(ROOT, "policy", "package.json"), "utf8")) as { version: string }).version;
        assert.strictEqual(info.name, "kubelab");
        assert.strictEqual(info.version, version);
        assert.deepStrictEqual(info.policies.map(p => p.name), pack.args.policies.map(p => p.name));
        for (const name of ["container-requests", "storage-class-expandable", "claim-storage-class-expandable"]) {
            assert.ok(info.policies.some(p => p.name === name), name);
        }
        for (const p of pack.args.policies) {
            const served = info.policies.find(x => x.name === p.name)!;
            assert.strictEqual(served.enforcementLevel, p.enforcementLevel ?? "mandatory", p.name);
            assert.deepStrictEqual(Object.keys(served.configSchema ?? {}).sort(), Object.keys(p.configSchema?.properties ?? {}).sort(), p.name);
        }
    });

    it("agrees on the minikube stack's plan", async () => {
        const p = await plan("minikube");
        const real = await compare(analyzerResources(p.recording), JSON.parse(fs.readFileSync(path.join(ROOT, "policy", "config", "minikube.json"), "utf8")) as PolicyPackConfigFile);
        assert.deepStrictEqual(real.diagnostics.filter(d => d.enforcementLevel === "mandatory"), []);
    });

    const bad: ManifestObject[] = [
        deployment("api", d => { (d.spec as { template: { spec: { containers: { resources: unknown }[] } } }).template.spec.containers[0].resources = {}; }),
        { apiVersion: "storage.k8s.io/v1", kind: "StorageClass", metadata: { name: "rigid" }, provisioner: "x" },
        { apiVersion: "v1", kind: "PersistentVolumeClaim", metadata: { name: "data", namespace: "lab" }, spec: { accessModes: ["ReadWriteOnce"], storageClassName: "standard", resources: { requests: { storage: "1Gi" } } } },
        { apiVersion: "v1", kind: "Service", metadata: { name: "web", namespace: "lab" }, spec: { selector: { app: "web", version: "v3" }, ports: [{ port: 80 }] } },
    ];

    it("agrees on mandatory violations from resource and stack policies", async () => {
        const real = await compare(manifestResources(bad));
        const names = new Set(real.diagnostics.filter(d => d.enforcementLevel === "mandatory").map(d => d.policyName));
        for (const name of ["container-requests", "container-memory-limit", "storage-class-expandable", "claim-storage-class-expandable", "service-selects-pods"]) {
            assert.ok(names.has(name), name);
        }
    });

    it("agrees on values unknown during a preview: advisories, not results", async () => {
        const unknown = deployment("api", d => {
            (d.spec as { template: { spec: { containers: { resources: unknown }[] } } }).template.spec.containers[0].resources = UNKNOWN_SENTINEL;
        });
        const real = await compare(manifestResources([unknown, ...bad.slice(1)]));
        const cantRun = real.diagnostics.filter(d => d.message.startsWith("can't run policy"));
        assert.ok(cantRun.some(d => d.policyName === "container-requests" && d.enforcementLevel === "advisory"));
    });

    it("agrees on config: a level override, a setting, a disabled policy and `all`", async () => {
        await compare(manifestResources(bad), {
            "container-requests": { enforcementLevel: "advisory", exemptNamespaces: ["x"] },
            "storage-class-expandable": "disabled",
            "resource-bounds": { maxCpuRequest: "10m" },
        });
        const real = await compare(manifestResources(bad), { all: "advisory" });
        assert.ok(real.diagnostics.every(d => d.enforcementLevel === "advisory"));
    });
});

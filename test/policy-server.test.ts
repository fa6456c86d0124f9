/**
 * The harness agrees with the real policy server. The pack is started the way
 * `pulumi preview --policy-pack policy` starts it (run-policy-pack in policy/, ts-node with
 * type-checking: this also proves the pack loads), once; then the server and the harness get the
 * same resources and the same policy config, and must report the same diagnostics and the same
 * not-applicable entries. What the pack contains is compared, not a list written here.
 */
import * as assert from "assert";
import * as fs from "fs";
import * as path from "path";
import * as grpc from "@grpc/grpc-js";
import { Policy, StackValidationPolicy } from "@pulumi/policy";
import { deployment } from "./helpers";
import { ManifestObject, manifestResources, manifestUrn } from "../tools/manifests";
import { ROOT, pack, plan } from "../tools/plan-lib";
import {
    AnalyzerResource, PolicyPackConfigFile, PolicyRun, ResolvedConfig, resolvePolicyConfig, runPolicyPack,
} from "../tools/policy-harness";
import { PolicyServer, ServedDiagnostic, ServedPack, ServerRun } from "../tools/policy-server";
import { UNKNOWN_SENTINEL, analyzerResources } from "../tools/render";

/** A run as comparable multisets: every field of a diagnostic, every field of a not-applicable entry. */
function comparable(run: PolicyRun) {
    return {
        diagnostics: run.diagnostics.map(d => JSON.stringify([
            d.policyName, d.enforcementLevel, d.message, d.urn ?? "", d.description, d.policyPackName, d.policyPackVersion, d.severity ?? "",
        ])).sort(),
        notApplicable: run.notApplicable.map(n => JSON.stringify([n.policyName, n.reason ?? "", n.urn ?? ""])).sort(),
    };
}

function isStackPolicy(p: Policy): p is StackValidationPolicy {
    return "validateStack" in p && typeof p.validateStack === "function";
}

const REQUIRED_POLICIES = ["container-requests", "storage-class-expandable", "claim-storage-class-expandable"];

/** Container 0 of a Deployment built by `deployment()`. */
function container0(d: ManifestObject): Record<string, unknown> {
    return (d.spec as { template: { spec: { containers: Record<string, unknown>[] } } }).template.spec.containers[0];
}

const noRequests = deployment("api", d => { container0(d).resources = {}; });
const rigidClass: ManifestObject = { apiVersion: "storage.k8s.io/v1", kind: "StorageClass", metadata: { name: "rigid" }, provisioner: "example.com/disk" };
const claimOnUnknownClass: ManifestObject = {
    apiVersion: "v1", kind: "PersistentVolumeClaim", metadata: { name: "data", namespace: "lab" },
    spec: { accessModes: ["ReadWriteOnce"], storageClassName: "nowhere", resources: { requests: { storage: "1Gi" } } },
};
const strayService: ManifestObject = {
    apiVersion: "v1", kind: "Service", metadata: { name: "web", namespace: "lab" },
    spec: { selector: { app: "web", version: "v3" }, ports: [{ port: 80 }] },
};
const violations = [noRequests, rigidClass, claimOnUnknownClass, strayService];

describe("the harness against the real policy server", function () {
    this.timeout(20000);
    let server: PolicyServer | undefined;
    let served: ServedPack;

    before(async function () {
        // Loading the pack type-checks it with ts-node: a few seconds, more on a busy machine.
        this.timeout(90000);
        server = await PolicyServer.start();
        served = await server.info();
    });

    after(async () => {
        await server?.stop();
    });

    function live(): PolicyServer {
        assert.ok(server, "the policy server did not start");
        return server;
    }

    /** Runs both on the same input; asserts they agree; returns the server's run. */
    async function compare(resources: AnalyzerResource[], config: ResolvedConfig): Promise<ServerRun> {
        await live().configure(served, config);
        const real = await live().run(resources);
        const harness = await runPolicyPack(pack, resources, config);
        assert.deepStrictEqual(comparable(harness), comparable(real));
        return real;
    }

    const compareFile = (resources: AnalyzerResource[], file: PolicyPackConfigFile = {}) => compare(resources, resolvePolicyConfig(pack.args, file));
    const of = (run: ServerRun, policyName: string): ServedDiagnostic[] => run.diagnostics.filter(d => d.policyName === policyName);

    it("loads as `pulumi preview --policy-pack policy` loads it and describes every policy of the pack", async () => {
        const s = live();
        // The CLI's shim resolves run-policy-pack from the pack folder: the project's node_modules.
        assert.strictEqual(s.runner, path.join(ROOT, "node_modules", "@pulumi", "pulumi", "cmd", "run-policy-pack", "index.js"));
        // The Node.js server does not implement Handshake; the CLI accepts UNIMPLEMENTED.
        assert.strictEqual(s.handshakeCode, grpc.status.UNIMPLEMENTED);
        const version = (JSON.parse(fs.readFileSync(path.join(ROOT, "policy", "package.json"), "utf8")) as { version: string }).version;
        assert.strictEqual(served.name, "kubelab");
        assert.strictEqual(served.version, version);
        assert.strictEqual(served.description, pack.args.description ?? "");
        assert.strictEqual(served.supportsConfig, true);
        // eslint-disable-next-line @typescript-eslint/no-require-imports
        const policySdk = (require("@pulumi/policy/package.json") as { version: string }).version.replace(/^v/, "");
        assert.strictEqual(await s.pluginVersion(), policySdk);

        assert.deepStrictEqual(served.policies.map(p => p.name), pack.args.policies.map(p => p.name));
        for (const name of REQUIRED_POLICIES) {
            assert.ok(served.policies.some(p => p.name === name), `the pack serves ${name}`);
        }
        const packLevel = pack.args.enforcementLevel ?? "advisory";
        for (const p of pack.args.policies) {
            const sp = served.policies.find(x => x.name === p.name);
            assert.ok(sp, p.name);
            assert.strictEqual(sp.enforcementLevel, p.enforcementLevel ?? packLevel, `${p.name}: level`);
            assert.strictEqual(sp.type, isStackPolicy(p) ? "stack" : "resource", `${p.name}: type`);
            assert.strictEqual(sp.description, p.description, `${p.name}: description`);
            assert.deepStrictEqual(sp.configSchema, p.configSchema
                ? { properties: JSON.parse(JSON.stringify(p.configSchema.properties)) as unknown, required: p.configSchema.required ?? [] }
                : undefined, `${p.name}: config schema`);
        }
    });

    it("never dials the engine address: run-policy-pack drops it, so the pack logs to its own output", () => {
        // If a later @pulumi/pulumi starts using it, the stub records the calls and this points there.
        assert.deepStrictEqual(live().engineCalls, []);
        assert.ok(live().running, "the pack keeps serving");
    });

    it("agrees on every resource of the minikube stack's plan, under each policy config", async () => {
        const p = await plan("minikube");
        const resources = analyzerResources(p.recording);
        assert.ok(resources.length >= 10, `the plan has resources (${resources.length})`);
        const real = await compare(resources, p.policyConfig);
        assert.deepStrictEqual(real.diagnostics.filter(d => d.enforcementLevel === "mandatory"), []);
        for (const file of ["minikube.json", "production.json"]) {
            const config = JSON.parse(fs.readFileSync(path.join(ROOT, "policy", "config", file), "utf8")) as PolicyPackConfigFile;
            await compareFile(resources, config);
        }
        await compareFile(resources, {});
    });

    it("agrees on mandatory violations of resource and stack policies, and where the engine reports them", async () => {
        const resources = manifestResources(violations);
        const real = await compareFile(resources);
        const mandatory = new Set(real.diagnostics.filter(d => d.enforcementLevel === "mandatory").map(d => d.policyName));
        for (const name of REQUIRED_POLICIES) {
            assert.ok(mandatory.has(name), `${name} is violated`);
        }
        // A resource policy's reportViolation(message) sends no urn: the engine reports it against
        // the analyzed resource. A stack policy names the resource itself.
        const requests = of(real, "container-requests");
        assert.ok(requests.length > 0);
        for (const d of requests) {
            assert.deepStrictEqual([d.call, d.wireUrn, d.urn], ["Analyze", "", manifestUrn(noRequests)]);
        }
        const claim = of(real, "claim-storage-class-expandable");
        assert.ok(claim.length > 0);
        for (const d of claim) {
            assert.deepStrictEqual([d.call, d.wireUrn, d.urn], ["AnalyzeStack", manifestUrn(claimOnUnknownClass), manifestUrn(claimOnUnknownClass)]);
        }
    });

    it("agrees on values unknown during a preview: an advisory that the policy can't run, not a result", async () => {
        const unknownRequests = deployment("api", d => { container0(d).resources = UNKNOWN_SENTINEL; });
        const unknownClass: ManifestObject = { ...claimOnUnknownClass, spec: { ...(claimOnUnknownClass.spec as object), storageClassName: UNKNOWN_SENTINEL } };
        const real = await compareFile(manifestResources([unknownRequests, unknownClass, rigidClass, strayService]));
        const cantRun = real.diagnostics.filter(d => d.message.startsWith("can't run policy"));
        const requests = cantRun.find(d => d.policyName === "container-requests");
        assert.ok(requests, "container-requests can't run on the unknown resources");
        assert.strictEqual(requests.enforcementLevel, "advisory");
        assert.match(requests.message, /^can't run policy 'container-requests' from policy pack 'kubelab@v[^']+' during preview: /);
        assert.deepStrictEqual([requests.call, requests.wireUrn, requests.urn], ["Analyze", "", manifestUrn(unknownRequests)]);
        const claim = cantRun.find(d => d.policyName === "claim-storage-class-expandable");
        assert.ok(claim, "claim-storage-class-expandable can't run on the unknown class");
        assert.deepStrictEqual([claim.call, claim.enforcementLevel, claim.wireUrn, claim.urn], ["AnalyzeStack", "advisory", "", undefined]);
    });

    it("agrees on key order: policies see every object's keys as the server's Struct orders them", async () => {
        const unsorted: ManifestObject = { ...strayService, spec: { selector: { version: "v3", app: "web" }, ports: [{ port: 80 }] } };
        const resources = manifestResources([unsorted, deployment("api")]);
        const config = resolvePolicyConfig(pack.args, {});
        await live().configure(served, config);
        const real = await live().run(resources);
        assert.ok(real.diagnostics.some(d => d.message.includes('{"app":"web","version":"v3"}')),
            "the server's service-selects-pods prints the selector with its keys sorted (if no policy prints it any more, pick another case)");
        assert.deepStrictEqual(comparable(await runPolicyPack(pack, resources, config)), comparable(real));
    });

    it("agrees on policy config: a level override with a setting, a disabled policy, remediate and `all`", async () => {
        const resources = manifestResources(violations);
        let real = await compareFile(resources, {
            "container-requests": { enforcementLevel: "advisory", exemptNamespaces: ["x"] },
            "storage-class-expandable": "disabled",
        });
        assert.ok(of(real, "container-requests").length > 0);
        assert.ok(of(real, "container-requests").every(d => d.enforcementLevel === "advisory"));
        assert.deepStrictEqual(of(real, "storage-class-expandable"), []);
        assert.ok(!real.notApplicable.some(n => n.policyName === "storage-class-expandable"), "a disabled policy is not even not-applicable");

        real = await compareFile(resources, { "container-requests": { exemptNamespaces: ["lab"] } });
        assert.deepStrictEqual(of(real, "container-requests"), []);

        // remediate without a remediation: Analyze reports it as mandatory.
        real = await compareFile(resources, { "container-requests": "remediate" });
        assert.ok(of(real, "container-requests").every(d => d.enforcementLevel === "mandatory"));

        real = await compareFile(resources, { all: "advisory" });
        assert.ok(real.diagnostics.length > 0);
        assert.ok(real.diagnostics.every(d => d.enforcementLevel === "advisory"));
    });
});

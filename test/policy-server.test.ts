/**
 * The in-process verdict is the CLI-started pack's verdict. The pack is started once the way
 * `pulumi preview --policy-pack policy` starts it (run-policy-pack in policy/, ts-node with
 * type-checking: this also proves the pack loads that way); then the same requests go to it over
 * gRPC and to the in-process server (policy-harness.ts), and the runs must be identical.
 */
import * as assert from "assert";
import * as fs from "fs";
import * as path from "path";
import * as grpc from "@grpc/grpc-js";
import { deployment, stackPlan } from "./helpers";
import { ManifestObject, manifestResources } from "../tools/manifests";
import { ROOT, pack } from "../tools/plan-lib";
import {
    AnalyzerResource, PolicyPackConfigFile, PolicyRun, analyzerInfoOf, resolvePolicyConfig, runOver, runPolicyPack,
} from "../tools/policy-harness";
import { CliPolicyPack } from "../tools/policy-server";
import { UNKNOWN_SENTINEL, analyzerResources } from "../tools/render";
import { POLICY_SDK_VERSION } from "../tools/sdk-internals";

/** Container 0 of a Deployment built by `deployment()`. */
function container0(d: ManifestObject): Record<string, unknown> {
    return (d.spec as { template: { spec: { containers: Record<string, unknown>[] } } }).template.spec.containers[0];
}

const noRequests = deployment("api", d => { container0(d).resources = {}; });
const unknownRequests = deployment("web", d => { container0(d).resources = UNKNOWN_SENTINEL; });
const rigidClass: ManifestObject = { apiVersion: "storage.k8s.io/v1", kind: "StorageClass", metadata: { name: "rigid" }, provisioner: "example.com/disk" };
const claimOnUnknownClass: ManifestObject = {
    apiVersion: "v1", kind: "PersistentVolumeClaim", metadata: { name: "data", namespace: "lab" },
    spec: { accessModes: ["ReadWriteOnce"], storageClassName: UNKNOWN_SENTINEL, resources: { requests: { storage: "1Gi" } } },
};
// Keys out of order: policies must see them as the server's Struct orders them.
const strayService: ManifestObject = {
    apiVersion: "v1", kind: "Service", metadata: { name: "web", namespace: "lab" },
    spec: { selector: { version: "v3", app: "web" }, ports: [{ port: 80 }] },
};

describe("the in-process policy server against the pack as the CLI starts it", function () {
    this.timeout(30000);
    let cli: CliPolicyPack | undefined;

    before(async function () {
        // Loading the pack type-checks it with ts-node: a few seconds, more on a busy machine.
        this.timeout(120000);
        cli = await CliPolicyPack.start({ packDir: path.join(ROOT, "policy") });
    });

    after(async () => {
        await cli?.stop();
    });

    function live(): CliPolicyPack {
        assert.ok(cli, "the policy pack did not start");
        return cli;
    }

    /** Runs both on the same input and asserts the runs are identical; returns it. */
    async function agree(resources: AnalyzerResource[], file: PolicyPackConfigFile = {}): Promise<PolicyRun> {
        const config = resolvePolicyConfig(pack.args, file);
        const overGrpc = await runOver(live(), resources, config);
        const inProcess = await runPolicyPack(pack, resources, config);
        assert.deepStrictEqual(inProcess, overGrpc);
        return inProcess;
    }

    it("loads as `pulumi preview --policy-pack policy` loads it, and describes itself exactly as in process", async () => {
        const c = live();
        // The CLI's shim resolves run-policy-pack from the pack folder: the project's node_modules.
        assert.strictEqual(c.runner, path.join(ROOT, "node_modules", "@pulumi", "pulumi", "cmd", "run-policy-pack", "index.js"));
        // The Node.js server does not implement Handshake; the CLI accepts UNIMPLEMENTED.
        assert.strictEqual(c.handshakeCode, grpc.status.UNIMPLEMENTED);
        assert.strictEqual(await c.pluginVersion(), POLICY_SDK_VERSION);
        const served = await c.getAnalyzerInfo();
        const version = (JSON.parse(fs.readFileSync(path.join(ROOT, "policy", "package.json"), "utf8")) as { version: string }).version;
        assert.deepStrictEqual([served.getName(), served.getVersion()], ["kubelab", version]);
        assert.deepStrictEqual(served.getPoliciesList().map(p => p.getName()), pack.args.policies.map(p => p.name));
        // Every policy, level, schema and description, byte for byte.
        assert.deepStrictEqual(Buffer.from((await analyzerInfoOf(pack)).serializeBinary()), Buffer.from(served.serializeBinary()));
    });

    it("never dials the engine address: run-policy-pack drops it, so the pack logs to its own output", () => {
        assert.strictEqual(live().engineConnections, 0);
        assert.ok(live().running, "the pack keeps serving");
    });

    it("agrees on every resource of the minikube stack's plan, under each policy config", async () => {
        const p = await stackPlan("minikube");
        const resources = analyzerResources(p.recording);
        assert.ok(resources.length >= 10, `the plan has resources (${resources.length})`);
        for (const file of fs.readdirSync(path.join(ROOT, "policy", "config")).filter(f => f.endsWith(".json"))) {
            await agree(resources, JSON.parse(fs.readFileSync(path.join(ROOT, "policy", "config", file), "utf8")) as PolicyPackConfigFile);
        }
        await agree(resources, {});
    });

    it("agrees on violations, unknown values, key order and policy config", async () => {
        const resources = manifestResources([noRequests, unknownRequests, rigidClass, claimOnUnknownClass, strayService]);
        const run = await agree(resources);
        const mandatory = new Set(run.diagnostics.filter(d => d.enforcementLevel === "mandatory").map(d => d.policyName));
        for (const name of ["container-requests", "storage-class-expandable", "service-selects-pods"]) {
            assert.ok(mandatory.has(name), `${name} is violated`);
        }
        assert.ok(run.diagnostics.some(d => d.enforcementLevel === "advisory" && /^can't run policy '[^']+' from policy pack 'kubelab@v[^']+' during preview: /.test(d.message)),
            "a value unknown during the preview makes a policy advisory that it can't run");
        assert.ok(run.diagnostics.some(d => d.message.includes('{"app":"web","version":"v3"}')),
            "service-selects-pods prints the selector with its keys sorted (if no policy prints it any more, pick another case)");
        await agree(resources, { "container-requests": { enforcementLevel: "advisory", exemptNamespaces: ["x"] }, "storage-class-expandable": "disabled" });
        await agree(resources, { "container-requests": "remediate" });
        await agree(resources, { all: "advisory" });
    });
});

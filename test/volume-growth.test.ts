/**
 * Growing volumes in place (issue 7): the real program planned twice, the second time with the
 * first plan's outputs as the stack's previous outputs (as `npm run plan -- --against` does), and
 * the two plans diffed with pulumi-kubernetes' replacement rules.
 */
import * as assert from "assert";
import { VolumeLedger, checkVolumeSettings, settingAt } from "../components/volume-growth";
import { DELETION_PROPAGATION, VOLUME_SIZE_ANNOTATION } from "../components/stateful-store";
import { diffExitCode, diffReports, formatDiff } from "../tools/diff";
import { Plan, ROOT, plan } from "../tools/plan-lib";
import { ProgramFailure } from "../tools/recorder";
import { PlanReport, buildReport } from "../tools/report";
import { StackConfig, loadStackConfig } from "../tools/stack-config";

const base = loadStackConfig(ROOT, "minikube");

function withConfig(values: Record<string, unknown>, smilr: Record<string, unknown> = {}): StackConfig {
    const current = JSON.parse(base.config["kubelab:smilr"] ?? "{}") as Record<string, unknown>;
    const config: Record<string, string> = { ...base.config, "kubelab:smilr": JSON.stringify({ ...current, ...smilr }) };
    for (const [k, v] of Object.entries(values)) {
        config[`kubelab:${k}`] = typeof v === "string" ? v : JSON.stringify(v);
    }
    return { ...base, config };
}

const reportOf = (p: Plan) => JSON.parse(JSON.stringify(buildReport(p, { outDir: "out/minikube" }))) as PlanReport;

/** Plans `config` as the update after `previous` (or as a first deploy). */
async function planAfter(config: StackConfig, previous?: PlanReport): Promise<Plan> {
    return plan("minikube", { config, ...(previous ? { previousOutputs: previous.outputs } : {}) });
}

const PATCH = "kubernetes:core/v1:PersistentVolumeClaimPatch";
const STS = "kubernetes:apps/v1:StatefulSet";

describe("volumes grow in place", function () {
    this.timeout(120000);

    let first: Plan;
    let second: Plan;
    let grown: Plan;
    before(async () => {
        first = await planAfter(withConfig({}, { mongoStorage: "500M" }));
        second = await planAfter(withConfig({}, { mongoStorage: "500M" }), reportOf(first));
        grown = await planAfter(withConfig({}, { mongoStorage: "1Gi" }), reportOf(second));
    });

    it("records every store's claims in the volumes output, and patches nothing on a first deploy", () => {
        assert.deepStrictEqual(first.recording.stackOutputs.volumes, { "smilr-mongodb": { size: "500M", claims: 1, setting: "smilr.mongoStorage" } });
        assert.deepStrictEqual(first.recording.resources.filter(r => r.type === PATCH), []);
        const sts = first.objects.find(o => o.kind === "StatefulSet")!;
        assert.strictEqual((sts.object.metadata as Record<string, Record<string, string>>).annotations[DELETION_PROPAGATION.key], "orphan");
    });

    it("grows the claim that exists with a forced server-side apply patch that outlives its own deletion; the StatefulSet waits for it", () => {
        const patches = grown.recording.resources.filter(r => r.type === PATCH);
        assert.strictEqual(patches.length, 1);
        const patch = patches[0];
        const inputs = patch.inputs as { metadata: { name: string; namespace: string; annotations: Record<string, string> }; spec: { resources: { requests: { storage: string } } } };
        assert.strictEqual(inputs.metadata.name, "mongo-vol-mongodb-0");
        assert.strictEqual(inputs.metadata.namespace, "smilr");
        assert.strictEqual(inputs.metadata.annotations["pulumi.com/patchForce"], "true");
        assert.strictEqual(inputs.spec.resources.requests.storage, "1Gi");
        assert.strictEqual(patch.options.retainOnDelete, true);
        const sts = grown.recording.resources.find(r => r.type === STS)!;
        assert.ok(sts.dependencies.includes(patch.urn), "the StatefulSet is replaced only after the claims grew");
        // Replicas created later get the new size from the template.
        const template = (grown.objects.find(o => o.kind === "StatefulSet")!.object.spec as { volumeClaimTemplates: { spec: { resources: { requests: { storage: string } } } }[] }).volumeClaimTemplates[0];
        assert.strictEqual(template.spec.resources.requests.storage, "1Gi");
        // A patch is no object of its own: the YAML output holds none.
        assert.ok(!grown.objects.some(o => o.kind.endsWith("Patch")));
        assert.deepStrictEqual(grown.recording.stackOutputs.volumes, { "smilr-mongodb": { size: "1Gi", claims: 1, setting: "smilr.mongoStorage" } });
    });

    it("500M → 1Gi: the claim is updated, the StatefulSet replaced without its pods, nothing holding data deleted: exit 0", () => {
        const d = diffReports(reportOf(second), reportOf(grown));
        const text = formatDiff(d).join("\n");
        const byType = (type: string) => d.resources.filter(r => r.type === type);
        assert.deepStrictEqual(byType(PATCH).map(r => r.op), ["update"], text);
        assert.deepStrictEqual(byType(STS).map(r => r.op), ["replace"], text);
        assert.match(text, /carries pulumi\.com\/deletionPropagationPolicy: orphan, so its pods and claims stay/);
        assert.ok(!d.resources.some(r => (r.op === "delete" || r.op === "replace") && /PersistentVolume|Namespace|Pod\b/.test(r.type)), text);
        assert.deepStrictEqual(d.risks, [], text);
        assert.strictEqual(diffExitCode(d), 0, text);
        assert.strictEqual(grown.policies.diagnostics.filter(x => x.enforcementLevel === "mandatory").length, 0);
    });

    it("a smaller size is refused before anything is registered, naming the key, the deployed size and the requested one", async () => {
        await assert.rejects(planAfter(withConfig({}, { mongoStorage: "500M" }), reportOf(grown)), (err: Error) => {
            assert.match(err.message, /kubelab:smilr\.mongoStorage/);
            assert.match(err.message, /"500M"/);
            assert.match(err.message, /deployed size 1Gi/);
            assert.ok(err instanceof ProgramFailure, String(err));
            // Nothing is registered: only the stack's own previous outputs were read.
            assert.deepStrictEqual(err.registered.filter(r => r.custom).map(r => r.type), []);
            return true;
        });
    });

    it("growth with protectData on also passes: no protected resource is replaced", async () => {
        const protectedBefore = await planAfter(withConfig({ protectData: "true" }, { mongoStorage: "500M" }), reportOf(first));
        const protectedAfter = await planAfter(withConfig({ protectData: "true" }, { mongoStorage: "2Gi" }), reportOf(protectedBefore));
        const before = reportOf(protectedBefore);
        const d = diffReports(before, reportOf(protectedAfter));
        const text = formatDiff(d).join("\n");
        const replaced = d.resources.filter(r => r.op === "replace" || r.op === "delete");
        assert.ok(replaced.length > 0, text);
        for (const r of replaced) {
            assert.strictEqual(before.resources.find(x => x.urn === r.urn)?.protect, false, `${r.name} is protected and would stop pulumi up`);
        }
        assert.strictEqual(diffExitCode(d), 0, text);
    });

    it("restartPodsOnResize puts the size on the pod template, so a resize rolls the pods after the claims grew", async () => {
        const sizeOf = (p: Plan) => ((p.objects.find(o => o.kind === "StatefulSet")!.object.spec as { template: { metadata: { annotations?: Record<string, string> } } }).template.metadata.annotations ?? {})[VOLUME_SIZE_ANNOTATION];
        assert.strictEqual(sizeOf(grown), undefined, "off by default: a resize leaves the pods running");
        const on = await planAfter(withConfig({ restartPodsOnResize: "true" }, { mongoStorage: "1Gi" }), reportOf(second));
        assert.strictEqual(sizeOf(on), "1Gi");
        await assert.rejects(planAfter(withConfig({ restartPodsOnResize: "yes" })), /kubelab:restartPodsOnResize.*true or false/);
    });
});

describe("volume ledger", () => {
    it("keeps the claims of replicas scaled down, so a later scale-up finds them grown", () => {
        const ledger = new VolumeLedger({ db: { size: "1Gi", claims: 3 } }, false);
        assert.deepStrictEqual(ledger.deployed("db"), { size: "1Gi", claims: 3 });
        ledger.record("db", { size: "2Gi", claims: Math.max(3, 1) });
        assert.deepStrictEqual(ledger.output(), { db: { size: "2Gi", claims: 3 } });
        assert.throws(() => ledger.record("db", { size: "2Gi", claims: 1 }), /recorded twice/);
    });

    it("checks each deployed setting against its value now; settings gone or sizes fixed in code are left to the stores", () => {
        const settings = { smilr: { mongoStorage: "256Mi" }, "movie-catalog": { storage: "4Gi" } };
        assert.strictEqual(settingAt(settings, "movie-catalog.storage"), "4Gi");
        assert.strictEqual(settingAt(settings, "knote.mongoStorage"), undefined);
        assert.throws(() => checkVolumeSettings({ a: { size: "500M", claims: 1, setting: "smilr.mongoStorage" } }, s => settingAt(settings, s)),
            /invalid config kubelab:smilr\.mongoStorage: "256Mi" is not allowed; expected at least the deployed size 500M/);
        checkVolumeSettings({ a: { size: "2Gi", claims: 3, setting: "movie-catalog.storage" }, b: { size: "9Gi", claims: 1 } }, s => settingAt(settings, s));
        checkVolumeSettings({ a: { size: "1Gi", claims: 1, setting: "knote.mongoStorage" } }, s => settingAt(settings, s));
    });
});

describe("knote's named claims grow in place too", function () {
    this.timeout(120000);
    const knote = (sizes: Record<string, string>) => withConfig({ labs: ["knote"], knote: sizes });

    it("256Mi → 1Gi updates the claim (volume expansion), and a smaller size after that is refused naming the key", async () => {
        const before = await planAfter(knote({}));
        assert.deepStrictEqual(before.recording.stackOutputs.volumes, {
            "knote-mongo": { size: "256Mi", claims: 1, setting: "knote.mongoStorage" },
            "knote-minio": { size: "256Mi", claims: 1, setting: "knote.minioStorage" },
        });
        const after = await planAfter(knote({ mongoStorage: "1Gi" }), reportOf(before));
        const d = diffReports(reportOf(before), reportOf(after));
        const claims = d.resources.filter(r => r.type === "kubernetes:core/v1:PersistentVolumeClaim" && r.op !== "same");
        assert.deepStrictEqual(claims.map(r => `${r.op} ${r.object}`), ["update PersistentVolumeClaim knote/mongo-pvc"], formatDiff(d).join("\n"));
        assert.strictEqual(diffExitCode(d), 0);
        await assert.rejects(planAfter(knote({ mongoStorage: "512Mi" }), reportOf(after)),
            /invalid config kubelab:knote\.mongoStorage: "512Mi" is not allowed; expected at least the deployed size 1Gi/);
    });
});

describe("nanomon's PostgreSQL grows in place like every store", function () {
    this.timeout(120000);

    it("postgresStorage 500M → 2Gi: postgres-pvc-postgres-0 is patched to 2Gi, the StatefulSet replaced without its pods, exit 0", async () => {
        const nanomon = (size: string) => withConfig({ labs: ["nanomon"], nanomon: { postgresStorage: size } });
        const before = await planAfter(nanomon("500M"));
        const after = await planAfter(nanomon("2Gi"), reportOf(before));
        const patch = after.recording.resources.find(r => r.type === PATCH);
        const inputs = patch?.inputs as { metadata: { name: string; namespace: string }; spec: { resources: { requests: { storage: string } } } } | undefined;
        assert.deepStrictEqual([inputs?.metadata.namespace, inputs?.metadata.name, inputs?.spec.resources.requests.storage], ["nanomon", "postgres-pvc-postgres-0", "2Gi"]);
        const d = diffReports(reportOf(before), reportOf(after));
        assert.deepStrictEqual(d.risks, [], formatDiff(d).join("\n"));
        assert.strictEqual(diffExitCode(d), 0);
    });
});

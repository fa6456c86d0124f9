/**
 * The plan as users run it (`node tools/launch.js plan …`, `kubelab plan …`): where it writes,
 * what it refuses, how it reports errors; and the modules behind that: the output folder
 * (tools/output.ts) and the policy config choice (tools/policy-config.ts).
 */
import * as assert from "assert";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { POLICY_CONFIG_DIR, pickPolicyConfig } from "../tools/policy-config";

function tmpDir(prefix = "kubelab-test-"): string {
    return fs.mkdtempSync(path.join(os.tmpdir(), prefix));
}

describe("policy config choice (plan and check)", () => {
    it("uses the stack's policy/config/<stack>.json, also for a fully qualified stack", () => {
        const file = path.join(POLICY_CONFIG_DIR, "minikube.json");
        const picked = pickPolicyConfig({ stack: "minikube" });
        assert.strictEqual(picked.file, file);
        assert.deepStrictEqual(picked.config, JSON.parse(fs.readFileSync(file, "utf8")));
        assert.strictEqual(pickPolicyConfig({ stack: "acme/kubelab/minikube" }).file, file);
    });

    it("falls back to no file (the schemas' defaults) for a stack without one, and without a stack", () => {
        assert.deepStrictEqual(pickPolicyConfig({ stack: "no-such-stack" }), { config: {} });
        assert.deepStrictEqual(pickPolicyConfig({}), { config: {} });
    });

    it("an explicit file overrides the stack's; a missing or malformed one is an error naming it", () => {
        const dir = tmpDir();
        const file = path.join(dir, "strict.json");
        fs.writeFileSync(file, '\uFEFF{"all": "mandatory"}');
        assert.deepStrictEqual(pickPolicyConfig({ stack: "minikube", file }), { file, config: { all: "mandatory" } });
        assert.throws(() => pickPolicyConfig({ file: path.join(dir, "missing.json") }), /policy config .*missing\.json does not exist/);
        fs.writeFileSync(file, "[1]");
        assert.throws(() => pickPolicyConfig({ file }), /strict\.json must be a JSON object .* got an array/);
        fs.writeFileSync(file, "{");
        assert.throws(() => pickPolicyConfig({ file }), /strict\.json is not valid JSON/);
    });

    it("rejects a stack name that would leave policy/config", () => {
        assert.throws(() => pickPolicyConfig({ stack: "../../etc/passwd" }), /is not a stack name/);
        assert.throws(() => pickPolicyConfig({ stack: ".." }), /is not a stack name/);
    });
});

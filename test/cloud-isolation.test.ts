/**
 * Each stack loads only the cloud SDK it uses: the program of a stack runs under the offline
 * plan's mocks in a fresh Node process (through the project's TypeScript hook, as `npm run plan`
 * does), which then lists the files of `@pulumi/azure-native`, `@pulumi/aws` and `@pulumi/gcp`
 * it loaded.
 *
 * - minikube: none at all;
 * - aks: only the azure-native services the AKS module imports (never the root package, whose
 *   load and type-check cost several times more) plus the package's shared helpers;
 * - gke: only `@pulumi/gcp/container` plus the package's shared helpers.
 *
 * None of them loads the TypeScript compiler (tools/sdk-deferred.ts defers the SDK's eager load
 * of it; a program that serialized a function would load it).
 */
import * as assert from "assert";
import { spawnSync } from "child_process";
import * as path from "path";
import { ROOT } from "../tools/plan-lib";

const CLOUD_FILE = /node_modules\/(@pulumi\/(?:azure-native|aws|gcp))\/(.*)$/;

/**
 * Runs the program of `stack` under the offline plan's mocks in a new process, `section` merged
 * into `kubelab:<platform>`, and returns the cloud SDK files it loaded. Only the recording, the
 * plan's first step: rendering, validating and the policies load no cloud SDK.
 */
function cloudFilesLoadedBy(stack: string, section: Record<string, unknown> = {}): string[] {
    const script = `
        const { recordStack, ROOT } = require("./tools/plan-lib.ts");
        const { loadStackConfig } = require("./tools/stack-config.ts");
        const [stack, sectionJson] = process.argv.slice(1);
        const config = loadStackConfig(ROOT, stack);
        const key = "kubelab:" + config.config["kubelab:platform"];
        const merged = { ...JSON.parse(config.config[key] || "{}"), ...JSON.parse(sectionJson) };
        recordStack({ ...config, config: { ...config.config, [key]: JSON.stringify(merged) } }).then(() => {
            process.stdout.write(JSON.stringify(Object.keys(require.cache)));
        }, err => { console.error(err && err.stack || err); process.exit(1); });
    `;
    // Loaded as plan.ts loads it: the hook, then sdk-deferred before anything else.
    const r = spawnSync(process.execPath, ["-r", path.join(ROOT, "tools", "ts-hook.js"), "-r", path.join(ROOT, "tools", "sdk-deferred.ts"), "-e", script, stack, JSON.stringify(section)],
        { cwd: ROOT, encoding: "utf8", env: { ...process.env, npm_lifecycle_event: "" } });
    assert.strictEqual(r.status, 0, `the ${stack} plan failed:\n${r.stderr}`);
    const loaded = JSON.parse(r.stdout) as string[];
    assert.ok(loaded.some(f => f.includes(`${path.sep}@pulumi${path.sep}pulumi${path.sep}`)), "the plan ran the Pulumi SDK");
    // The program never serializes a function, so the SDK modules sdk-deferred defers stay unloaded.
    assert.deepStrictEqual(loaded.filter(f => /[\\/]node_modules[\\/]typescript[\\/]/.test(f)), [], `the ${stack} plan loaded the TypeScript compiler`);
    return loaded.map(f => f.split(path.sep).join("/")).flatMap(f => {
        const m = CLOUD_FILE.exec(f);
        return m ? [`${m[1]}/${m[2]}`] : [];
    });
}

/** Files every package of the SDK shares, whichever of its modules is used. */
function shared(pkg: string): RegExp {
    return new RegExp(`^${pkg}/(utilities\\.js|package\\.json|types/(input|output)\\.js)$`);
}

function assertOnly(files: string[], pkg: string, services: readonly string[]): void {
    const allowed = [
        shared(pkg),
        new RegExp(`^${pkg}/(${services.join("|")})/[^/]+\\.js$`),
        new RegExp(`^${pkg}/types/enums/(${services.join("|")})/index\\.js$`),
    ];
    const others = files.filter(f => !allowed.some(re => re.test(f)));
    assert.deepStrictEqual(others, [], `only ${services.join(", ")} of ${pkg} may be loaded`);
    assert.ok(!files.includes(`${pkg}/index.js`), `the root package ${pkg} is never loaded`);
}

describe("cloud SDK isolation: a stack loads only the cloud modules it uses", function () {
    this.timeout(120000);

    it("a minikube plan loads no file of @pulumi/azure-native, @pulumi/aws or @pulumi/gcp", () => {
        assert.deepStrictEqual(cloudFilesLoadedBy("minikube"), []);
    });

    it("an AKS plan loads only the azure-native services it uses, registry included, and no other cloud", () => {
        const files = cloudFilesLoadedBy("aks", { registry: { enabled: true }, deletionProtection: true });
        assert.ok(files.includes("@pulumi/azure-native/containerservice/managedCluster.js"), files.join("\n"));
        assert.ok(files.includes("@pulumi/azure-native/containerregistry/registry.js"), "the registry was planned");
        assert.ok(files.every(f => f.startsWith("@pulumi/azure-native/")), files.join("\n"));
        assertOnly(files, "@pulumi/azure-native", ["authorization", "containerregistry", "containerservice", "resources"]);
    });

    it("a GKE plan loads only @pulumi/gcp/container and no other cloud", () => {
        const files = cloudFilesLoadedBy("gke");
        assert.ok(files.includes("@pulumi/gcp/container/cluster.js"), files.join("\n"));
        assert.ok(files.every(f => f.startsWith("@pulumi/gcp/")), files.join("\n"));
        assertOnly(files, "@pulumi/gcp", ["container"]);
    });
});

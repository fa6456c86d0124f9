/**
 * tools/model-bundle.ts: kubernetes-models' validators of the common kinds in one bundled file,
 * which must validate exactly as the package's own modules do.
 */
import * as assert from "assert";
import * as fs from "fs";
import * as path from "path";
import { BUNDLED_KINDS, ModelLoaders, bundleDir, bundleName, loadBundle } from "../tools/model-bundle";

// `import()` kept as written (TypeScript's CommonJS output would make it a `require`, which can't load ESM).
const dynamicImport = new Function("specifier", "return import(specifier)") as (specifier: string) => Promise<Record<string, unknown>>;

type Model = new (data: unknown) => { validate(): void };

/** What validating `data` with `model` throws: its message, or "" when it passes. */
function verdict(model: Model, data: unknown): string {
    try {
        new model(data).validate();
        return "";
    } catch (err) {
        return (err as Error).message;
    }
}

describe("the bundled kubernetes-models validators (tools/model-bundle.ts)", function () {
    this.timeout(60000);
    let dir: string;
    let models: ModelLoaders;

    before(() => {
        // Inside node_modules, as the real one is (Node warns of the validators' deprecated punycode elsewhere).
        const cache = path.dirname(bundleDir());
        fs.mkdirSync(cache, { recursive: true });
        dir = fs.mkdtempSync(path.join(cache, "kubelab-models-test-"));
        const loaded = loadBundle(dir);
        assert.ok(loaded, "the bundle builds and loads");
        models = loaded;
    });
    after(() => fs.rmSync(dir, { recursive: true, force: true }));

    it("holds every kind it lists, each validating as kubernetes-models' own module does", async () => {
        assert.deepStrictEqual(Object.keys(models), [...BUNDLED_KINDS]);
        for (const kind of BUNDLED_KINDS) {
            const name = kind.split("/").pop() ?? "";
            const bundled = (await models[kind]())[name] as Model;
            const own = (await dynamicImport(`kubernetes-models/${kind}`))[name] as Model;
            assert.strictEqual(typeof bundled, "function", kind);
            // A bare object (required fields missing, for most), one with wrongly typed fields, and a wrong name.
            for (const data of [{}, { metadata: { name: 5, labels: "x" }, spec: [], data: 3, rules: "x" }, { metadata: { name: "Not_A_Name" } }]) {
                assert.strictEqual(verdict(bundled, data), verdict(own, data), `${kind} ${JSON.stringify(data)}`);
            }
        }
        // It can fail: a Deployment without a selector is refused.
        const deployment = (await models["apps/v1/Deployment"]()).Deployment as Model;
        assert.match(verdict(deployment, { metadata: { name: "a" }, spec: { template: {} } }), /selector/);
    });

    it("is built once, named by its kinds and the packages' versions, and rebuilt when damaged", () => {
        const file = path.join(dir, bundleName());
        assert.ok(fs.existsSync(file));
        assert.notStrictEqual(bundleName(["v1/Pod"]), bundleName());
        const built = fs.statSync(file).mtimeMs;
        assert.ok(loadBundle(dir));
        assert.strictEqual(fs.statSync(file).mtimeMs, built, "found, not built again");
        delete require.cache[file];
        fs.writeFileSync(file, "this is not JavaScript (");
        assert.ok(loadBundle(dir), "a damaged bundle is built again");
        assert.doesNotThrow(() => new Function(fs.readFileSync(file, "utf8")));
    });

    it("removes its own older bundles from the folder when it writes one, and nothing else", () => {
        const other = path.join(dir, "models-00000000000000000000.cjs");
        const mine = path.join(dir, bundleName());
        const foreign = path.join(dir, "notes.txt");
        fs.writeFileSync(other, "");
        fs.writeFileSync(foreign, "keep");
        fs.rmSync(mine);
        delete require.cache[mine];
        assert.ok(loadBundle(dir));
        assert.deepStrictEqual(fs.readdirSync(dir).sort(), [path.basename(mine), "notes.txt"].sort());
    });

    it("gives way to the package's own modules where the folder can't be written", () => {
        const blocked = path.join(dir, "notes.txt"); // a file where the folder would be
        assert.strictEqual(loadBundle(path.join(blocked, "cache")), null);
    });
});

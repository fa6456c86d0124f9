/**
 * Defers modules the SDKs load at start-up only for features kubelab's offline commands never use:
 *
 * - for function serialization (`pulumi.runtime.serializeFunction`, which kubelab's program never
 *   calls): the TypeScript compiler (through `@pulumi/pulumi/typescript-shim`, which
 *   `runtime/closure/parseFunction.js` requires when the SDK's index loads), and
 *   `@npmcli/arborist` and `normalize-package-data` (required by `runtime/closure/codePaths.js`).
 *   The first two are ~0.5 s of every start of the offline commands, about half of loading the SDK;
 *   Pulumi's own pull request 10185 ("Avoid importing typescript unless necessary") made the same
 *   point about `runtime`;
 * - the Automation API (`@pulumi/pulumi/automation`, which the SDK's index exports as
 *   `pulumi.automation`; only `npm run teardown` uses it) with execa and js-yaml under it;
 * - `glob`, which `@pulumi/kubernetes/yaml/yaml.js` requires for `ConfigFile`'s file patterns.
 *
 * These last three were ~0.1 s of loading the SDKs (measured: `require` of `@pulumi/pulumi` and
 * `@pulumi/kubernetes` from 320 ms to 220 ms).
 *
 * Each is replaced in Node's module cache by a stand-in that loads the real module on the first
 * use of any of its properties and forwards everything to it from then on, so a program that does
 * serialize a function (or runs the Automation API) gets the real modules, only later. Nothing
 * else about the SDKs changes.
 *
 * It must run before anything loads `@pulumi/pulumi`: the offline commands (plan.ts, check.ts)
 * import it first, and .mocharc.js requires it for the tests. Loaded later, it changes nothing.
 * The paths are private to the SDK: test/sdk-internals.test.ts fails naming them if an upgrade
 * moves them, as it does for tools/sdk-internals.ts.
 */
import * as path from "path";
import Module = require("module");

/** The deferred modules: where each is required from and the specifier it is required by. */
export const DEFERRED = [
    { from: "@pulumi/pulumi/runtime/closure/parseFunction.js", specifier: "../../typescript-shim" },
    { from: "@pulumi/pulumi/runtime/closure/codePaths.js", specifier: "@npmcli/arborist" },
    { from: "@pulumi/pulumi/runtime/closure/codePaths.js", specifier: "normalize-package-data" },
    { from: "@pulumi/pulumi/index.js", specifier: "./automation" },
    { from: "@pulumi/kubernetes/yaml/yaml.js", specifier: "glob" },
] as const;

/** The file `specifier` resolves to when required from the SDK file `from`. */
export function resolveDeferred(entry: (typeof DEFERRED)[number]): string {
    const from = require.resolve(entry.from);
    return require.resolve(entry.specifier, { paths: [path.dirname(from)] });
}

/** What the stand-ins did, for tests: the files deferred and those since loaded for real. */
export const deferral = { deferred: [] as string[], loaded: [] as string[] };

/**
 * A stand-in for the module in `file`: its properties are the real module's, loaded on first use.
 * It says it is an ES module (`__esModule`) without loading anything, so that TypeScript's
 * `__importStar` (codePaths.js imports arborist with it) returns it as it is instead of copying
 * its keys; `default` is then the real module itself, as `__importStar` would have made it.
 */
function standIn(file: string): object {
    let real: Record<PropertyKey, unknown> | undefined;
    const load = (): Record<PropertyKey, unknown> => {
        if (real === undefined) {
            delete require.cache[file];
            real = require(file) as Record<PropertyKey, unknown>;
            deferral.loaded.push(file);
        }
        return real;
    };
    return new Proxy({}, {
        get: (_target, key) => {
            if (key === "__esModule") {
                return true;
            }
            const mod = load();
            return key === "default" && !("default" in mod) ? mod : Reflect.get(mod, key);
        },
        has: (_target, key) => key === "__esModule" || Reflect.has(load(), key),
        ownKeys: () => Reflect.ownKeys(load()),
        getOwnPropertyDescriptor: (_target, key) => {
            const descriptor = Reflect.getOwnPropertyDescriptor(load(), key);
            // A proxy may only report a property its (empty) target lacks as configurable.
            return descriptor && { ...descriptor, configurable: true };
        },
        set: (_target, key, value) => Reflect.set(load(), key, value),
    });
}

/**
 * Installs the stand-ins, unless `@pulumi/pulumi` is already loaded (then the real modules are
 * too, and there is nothing left to save). Returns the files deferred.
 */
export function deferSdkModules(): string[] {
    if (require.cache[require.resolve("@pulumi/pulumi")]) {
        return [];
    }
    for (const entry of DEFERRED) {
        const file = resolveDeferred(entry);
        if (require.cache[file]) {
            continue;
        }
        const mod = new Module(file);
        mod.filename = file;
        mod.loaded = true;
        mod.exports = standIn(file);
        require.cache[file] = mod;
        deferral.deferred.push(file);
    }
    return deferral.deferred;
}

deferSdkModules();

/**
 * Mocha's global setup, run once in the main process before the worker processes start (see
 * .mocharc.json): fills tools/ts-hook.js's cache with the JavaScript of every TypeScript file in
 * the project. On a fresh clone the cache is empty, and the two workers and the commands the
 * tests start would otherwise each load TypeScript and transpile the same files (~8 s of a cold
 * `npm test` on two cores). With a warm cache this only hashes the files.
 */
import * as fs from "fs";
import * as path from "path";

// eslint-disable-next-line @typescript-eslint/no-require-imports
const hook = require("../tools/ts-hook.js") as { warm(files: string[]): number };

const ROOT = path.resolve(__dirname, "..");

// Loaded into the worker processes too (a `require` of .mocharc.json): V8's compile cache, which
// tools/launch.js turns on for the commands, spares each worker compiling the dependencies' modules.
const nodeModule = require("module") as { enableCompileCache?: (dir: string) => unknown };
if (!process.env.NODE_COMPILE_CACHE) {
    nodeModule.enableCompileCache?.(path.join(ROOT, "node_modules", ".cache", "kubelab-node"));
}
/** Folders that hold no source the tests load. */
const SKIP = new Set(["node_modules", ".git", "out"]);

/** The .ts files (not declaration files) under `dir`. */
function sources(dir: string): string[] {
    return fs.readdirSync(dir, { withFileTypes: true }).flatMap(e => {
        const p = path.join(dir, e.name);
        if (e.isDirectory()) {
            return SKIP.has(e.name) || e.name.startsWith(".") ? [] : sources(p);
        }
        return e.isFile() && e.name.endsWith(".ts") && !e.name.endsWith(".d.ts") ? [p] : [];
    });
}

export function mochaGlobalSetup(): void {
    hook.warm(sources(ROOT));
}

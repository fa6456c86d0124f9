/**
 * Mocha's global setup, run once in the main process before the worker processes start (see
 * .mocharc.json). On a fresh clone every cache is empty, and the two workers and the ~30
 * commands the tests start would each redo the same work at once: load TypeScript and transpile
 * the project's files, and compile the dependencies' JavaScript. So, before they start:
 *
 * - tools/ts-hook.js's cache gets the JavaScript of every TypeScript file in the project;
 * - alongside, on the other core, a child process loads the dependencies that every worker and
 *   command loads, with V8's compile cache on (the one tools/launch.js uses), and leaves their
 *   compiled code in it.
 *
 * With warm caches this only hashes the files (~0.1 s).
 */
import { spawn } from "child_process";
import * as fs from "fs";
import * as path from "path";

// eslint-disable-next-line @typescript-eslint/no-require-imports
const hook = require("../tools/ts-hook.js") as { warm(files: string[]): number };

const ROOT = path.resolve(__dirname, "..");
/** V8's compile cache of the commands (tools/launch.js) and of the workers. */
const COMPILE_CACHE = path.join(ROOT, "node_modules", ".cache", "kubelab-node");

// Loaded into the worker processes too (a `require` of .mocharc.json): the compile cache spares
// each worker compiling the dependencies' modules.
const nodeModule = require("module") as { enableCompileCache?: (dir: string) => unknown };
if (!process.env.NODE_COMPILE_CACHE) {
    nodeModule.enableCompileCache?.(COMPILE_CACHE);
}

/** Folders that hold no source the tests load. */
const SKIP = new Set(["node_modules", ".git", "out"]);

/** The dependencies every plan and check loads: the bulk of each start's compiling. */
const SHARED_DEPENDENCIES = ["@pulumi/pulumi", "@pulumi/kubernetes", "@pulumi/policy", "@pulumi/random", "@pulumi/command", "yaml", "zod", "kubernetes-models/apps/v1/Deployment"];

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

/** Loads the shared dependencies in a child with the compile cache on; resolves when it has exited (and written the cache), whatever happened. */
function compileDependencies(): Promise<void> {
    const script = `for (const m of ${JSON.stringify(SHARED_DEPENDENCIES)}) require(m);`;
    const child = spawn(process.execPath, ["-e", script], {
        cwd: ROOT,
        env: { ...process.env, NODE_COMPILE_CACHE: process.env.NODE_COMPILE_CACHE ?? COMPILE_CACHE, NODE_OPTIONS: "" },
        stdio: "ignore",
    });
    return new Promise(resolve => {
        child.on("close", () => resolve());
        child.on("error", () => resolve());
    });
}

/** Whether the compile cache holds anything: it lives in node_modules, so `npm ci` empties it with the dependencies it was made from. */
function compileCacheFilled(): boolean {
    try {
        return fs.readdirSync(process.env.NODE_COMPILE_CACHE ?? COMPILE_CACHE).length > 0;
    } catch {
        return false;
    }
}

export async function mochaGlobalSetup(): Promise<void> {
    const compiled = compileCacheFilled() ? Promise.resolve() : compileDependencies();
    hook.warm(sources(ROOT));
    await compiled;
}
